using System;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// <see cref="Lzf.CompressQuick"/>, the compressor of RDB files and AOF bases: any stream it writes must decompress
/// to its input with the format's strict reader and with the loader's, inside the output span; it gives up only on
/// input without a repeated three bytes early; and it compresses real-looking values about as well as Redis's.
/// </summary>
public class LzfQuickTests
{
    static byte[] Sample(Random rng, int kind, int len)
    {
        var data = new byte[len];
        switch (kind)
        {
            case 0:
                rng.NextBytes(data);
                break;
            case 1: // text from a small vocabulary
                string[] words = { "alpha", "beta", "gamma", " ", ":", "\"id\":", "0123456789", "{", "},", "fastkv" };
                var sb = new StringBuilder();
                while (sb.Length < len) sb.Append(words[rng.Next(words.Length)]);
                Encoding.ASCII.GetBytes(sb.ToString(0, len), data);
                break;
            case 2: // three letters: many short matches
                for (int i = 0; i < len; i++) data[i] = (byte)('a' + rng.Next(3));
                break;
            case 3: // a random head, then a repeated block: a match only after the probe
                rng.NextBytes(data);
                var block = new byte[1 + rng.Next(40)];
                rng.NextBytes(block);
                for (int i = len / 2; i < len; i++) data[i] = block[i % block.Length];
                break;
            default: // printable random characters, as redis-benchmark's values
                for (int i = 0; i < len; i++) data[i] = (byte)('0' + rng.Next(75));
                break;
        }
        return data;
    }

    [Fact]
    public void EveryStream_DecompressesToItsInput_InsideTheOutputSpan()
    {
        var rng = new Random(41);
        for (int trial = 0; trial < 3000; trial++)
        {
            int len = 1 + (trial % 7 == 0 ? rng.Next(20_000) : rng.Next(400));
            byte[] data = Sample(rng, trial % 5, len);
            int outLen = trial % 3 == 0 ? Math.Max(1, len - 4) : 1 + rng.Next(2 * len + 8);
            var buf = new byte[outLen + 16];
            Array.Fill(buf, (byte)0xEE);
            int n = Lzf.CompressQuick(data, buf.AsSpan(0, outLen));
            for (int k = outLen; k < buf.Length; k++) Assert.Equal(0xEE, buf[k]);
            if (n == 0) continue;
            Assert.InRange(n, 1, outLen);
            Assert.Equal(data, LzfTests.Decompress(buf.AsSpan(0, n), len));
            var back = new byte[len];
            Assert.Equal(len, Lzf.Decompress(buf.AsSpan(0, n), back));
            Assert.Equal(data, back);
        }
    }

    [Fact]
    public void RandomValues_AreGivenUpOn_CompressibleOnesAreNot()
    {
        var rng = new Random(9);
        foreach (int len in new[] { 21, 100, 512, 5000 })
        {
            // No repeated three bytes early: given up on, past the probe even with room; in Redis's len - 4
            // budget neither compressor fits, so the file holds the same plain string either way.
            var random = Sample(rng, 0, len);
            if (len > Lzf.QuickProbe) Assert.Equal(0, Lzf.CompressQuick(random, new byte[2 * len]));
            else Assert.Equal(len + 1, Lzf.CompressQuick(random, new byte[2 * len])); // literals, as Compress
            Assert.Equal(0, Lzf.CompressQuick(random, new byte[len - 4]));
            Assert.Equal(0, Lzf.Compress(random, new byte[len - 4]));
            // Repetitive and text-like values compress into Redis's len - 4 budget wherever Redis's compressor does
            // (from 100 bytes on, always).
            foreach (int kind in new[] { 1, 2 })
            {
                var data = Sample(rng, kind, len);
                var o = new byte[len - 4];
                int e = Lzf.Compress(data, new byte[len - 4]);
                int n = Lzf.CompressQuick(data, o);
                if (len >= 100) Assert.True(e > 0);
                if (e == 0) continue;
                Assert.True(n > 0, $"kind {kind}, {len} bytes not compressed");
                Assert.Equal(data, LzfTests.Decompress(o.AsSpan(0, n), len));
            }
        }
        // A long value's probe is an eighth of it: a 2000-byte random head before a repeated tail still compresses.
        var headed = new byte[16_000];
        rng.NextBytes(headed.AsSpan(0, 1000));
        for (int i = 1000; i < headed.Length; i++) headed[i] = (byte)"abcdefgh"[i % 8];
        var ho = new byte[headed.Length - 4];
        int hn = Lzf.CompressQuick(headed, ho);
        Assert.InRange(hn, 1, headed.Length / 4);
        Assert.Equal(headed, LzfTests.Decompress(ho.AsSpan(0, hn), headed.Length));
    }

    [Fact]
    public void OneEarlyRepeat_IsEnoughToTry_AtEveryPlaceTheLoopWouldFindIt()
    {
        // Random bytes with no repeated three bytes, then one three-byte repeat planted where the compressor loop
        // finds it before giving up (from 1 to 31 bytes in): the quick path's pre-check must not refuse it.
        var rng = new Random(31);
        foreach (int len in new[] { 40, 64, 100, 300, 512, 513 })
        {
            for (int i = 1; i < 29; i++)
                for (int k = 1; i + k < 32 - 2; k++)
                {
                    byte[] data = new byte[len];
                    for (int j = 0; j < len; j++) data[j] = (byte)j; // all distinct three-byte runs below 256
                    if (len > 256) for (int j = 256; j < len; j++) data[j] = (byte)(j * 7 + 3);
                    data[i + k] = data[i];
                    data[i + k + 1] = data[i + 1];
                    data[i + k + 2] = data[i + 2];
                    var o = new byte[2 * len];
                    int n = Lzf.CompressQuick(data, o);
                    Assert.True(n > 0, $"{len} bytes, repeat at {i} and {i + k} not tried");
                    Assert.Equal(data, LzfTests.Decompress(o.AsSpan(0, n), len));
                }
            byte[] plain = new byte[len];
            rng.NextBytes(plain);
            if (len > Lzf.QuickProbe) Assert.Equal(0, Lzf.CompressQuick(plain, new byte[2 * len]));
        }
    }

    [Fact]
    public void TextLikeValues_CompressAlmostAsWellAsRedis()
    {
        var rng = new Random(17);
        foreach (int len in new[] { 64, 200, 1000, 8000, 60_000 })
            foreach (int kind in new[] { 1, 2 })
            {
                byte[] data = Sample(rng, kind, len);
                var exact = new byte[len];
                var quick = new byte[len];
                int e = Lzf.Compress(data, exact);
                int q = Lzf.CompressQuick(data, quick);
                Assert.True(e > 0 && q > 0);
                // The smaller table loses matches it would find far back; on these within 10% of Redis's size.
                Assert.True(q <= e + e / 10 + 2, $"kind {kind}, {len} bytes: quick {q}, exact {e}");
            }
    }

    [Fact]
    public void Interleaved_TheExactCompressorsBytesDoNotChange()
    {
        // The two compressors keep separate tables: a quick call between two exact ones changes nothing.
        var rng = new Random(23);
        for (int trial = 0; trial < 200; trial++)
        {
            byte[] data = Sample(rng, 1 + trial % 4, 30 + rng.Next(3000));
            var a = new byte[2 * data.Length + 8];
            var b = new byte[a.Length];
            int n1 = Lzf.Compress(data, a);
            Lzf.CompressQuick(Sample(rng, trial % 5, 1 + rng.Next(3000)), new byte[7000]);
            Lzf.CompressQuick(data, new byte[a.Length]);
            int n2 = Lzf.Compress(data, b);
            Assert.Equal(n1, n2);
            Assert.Equal(a.AsSpan(0, n1).ToArray(), b.AsSpan(0, n2).ToArray());
        }
    }

    [Fact]
    public void EmptyInputOrOutput_GivesZero()
    {
        Assert.Equal(0, Lzf.CompressQuick(ReadOnlySpan<byte>.Empty, new byte[10]));
        Assert.Equal(0, Lzf.CompressQuick(new byte[] { 1, 2, 3 }, Span<byte>.Empty));
    }
}
