using System;
using System.Text;
using FastKv.Engine;
using FastKv.Tests.Rdb;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>LZF decompression of blocks Redis 7.2.4 compressed, and of malformed blocks (never out of bounds).</summary>
public class LzfDecompressTests
{
    /// <summary>(DUMP hex of a string key on Redis 7.2.4, the original string.) Each is type 0, 0xC3, clen, len, data, footer.</summary>
    public static TheoryData<string, string> RedisMade => new()
    {
        { "00c3094064016161e057000161610b00817c08744df21bf8", new string('a', 100) },
        { "00c31440780c68656c6c6f20776f726c642068e0600b0164200b00bddce2309105f25e", string.Concat(System.Linq.Enumerable.Repeat("hello world ", 10)) },
        { "00c32a415f1a61686f76636a7178656c737a676e7562697077646b7279666d7461e0ff19e1001d0078e0270001780a0b001fef9cfc11e5ab99", Mixed() },
    };

    static string Mixed()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 300; i++) sb.Append((char)(97 + (i * 7) % 26));
        sb.Append('x', 50).Append('\n'); // the value was set from a file ending in a newline
        return sb.ToString();
    }

    /// <summary>The compressed block and its length inside a DUMP of a string (lengths here are all 6 or 14 bit).</summary>
    static (byte[] Block, int Length) Block(string hex)
    {
        byte[] d = RdbBytes.Hex(hex);
        var r = new RdbReader(d.AsSpan(2));
        Assert.True(r.TryReadLength(out ulong clen));
        Assert.True(r.TryReadLength(out ulong len));
        return (d.AsSpan(2 + r.Position, (int)clen).ToArray(), (int)len);
    }

    [Theory]
    [MemberData(nameof(RedisMade))]
    public void RedisBlock_DecompressesToTheOriginal(string hex, string original)
    {
        (byte[] block, int len) = Block(hex);
        Assert.Equal(original.Length, len);
        var output = new byte[len];
        Assert.Equal(len, Lzf.Decompress(block, output));
        Assert.Equal(original, Encoding.ASCII.GetString(output));
        // One byte short of room: refused, not truncated.
        Assert.Equal(-1, Lzf.Decompress(block, new byte[len - 1]));
    }

    [Theory]
    [MemberData(nameof(RedisMade))]
    public void RedisBlock_EveryTruncationAndBitFlip_StaysInBounds(string hex, string original)
    {
        (byte[] block, int len) = Block(hex);
        // A guard zone after the output: a write out of bounds would show up in it.
        var output = new byte[len + 64];
        for (int cut = 0; cut < block.Length; cut++)
        {
            Array.Clear(output);
            int n = Lzf.Decompress(block.AsSpan(0, cut), output.AsSpan(0, len));
            Assert.True(n == -1 || (n >= 0 && n < len), $"cut {cut} gave {n}");
            Assert.All(output.AsSpan(len).ToArray(), b => Assert.Equal(0, b));
        }
        var rng = new Random(12345);
        for (int round = 0; round < 2000; round++)
        {
            byte[] flipped = (byte[])block.Clone();
            int flips = 1 + rng.Next(3);
            for (int f = 0; f < flips; f++) flipped[rng.Next(flipped.Length)] ^= (byte)(1 << rng.Next(8));
            Array.Clear(output);
            int n = Lzf.Decompress(flipped, output.AsSpan(0, len));
            Assert.True(n >= -1 && n <= len);
            Assert.All(output.AsSpan(len).ToArray(), b => Assert.Equal(0, b));
        }
        Assert.NotEmpty(original);
    }

    [Fact]
    public void CompressorOutput_RoundTrips_AtManySizesAndRedundancies()
    {
        var rng = new Random(99);
        foreach (int size in new[] { 1, 2, 3, 4, 31, 32, 33, 100, 264, 265, 1000, 8191, 8192, 70000 })
            foreach (int alphabet in new[] { 1, 2, 4, 26, 256 })
            {
                byte[] input = new byte[size];
                for (int i = 0; i < size; i++) input[i] = (byte)rng.Next(alphabet);
                byte[] packed = new byte[size + size / 16 + 64];
                int n = Lzf.Compress(input, packed);
                Assert.True(n > 0, $"size {size} alphabet {alphabet}");
                byte[] back = new byte[size];
                Assert.Equal(size, Lzf.Decompress(packed.AsSpan(0, n), back));
                Assert.Equal(input, back);
            }
    }

    [Fact]
    public void Malformed_AreRefused()
    {
        var output = new byte[100];
        // A back reference with nothing before it.
        Assert.Equal(-1, Lzf.Decompress(new byte[] { 0x20, 0x00 }, output));
        // A reference further back than the output so far.
        Assert.Equal(-1, Lzf.Decompress(new byte[] { 0x00, (byte)'a', 0x20, 0x01 }, output));
        // A literal run longer than the input left.
        Assert.Equal(-1, Lzf.Decompress(new byte[] { 0x05, 1, 2 }, output));
        // A long reference missing its length byte, or its offset byte.
        Assert.Equal(-1, Lzf.Decompress(new byte[] { 0x00, (byte)'a', 0xE0 }, output));
        Assert.Equal(-1, Lzf.Decompress(new byte[] { 0x00, (byte)'a', 0xE0, 0x01 }, output));
        // A valid overlapping run: "a" then copy 9 from 1 back.
        Assert.Equal(10, Lzf.Decompress(new byte[] { 0x00, (byte)'a', 0xE0, 0x00, 0x00 }, output));
        Assert.Equal("aaaaaaaaaa", Encoding.ASCII.GetString(output, 0, 10));
        // Empty input: nothing.
        Assert.Equal(0, Lzf.Decompress(ReadOnlySpan<byte>.Empty, output));
    }
}
