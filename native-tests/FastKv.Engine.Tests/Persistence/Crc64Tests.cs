using System;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

public class Crc64Tests
{
    /// <summary>Bit-at-a-time reference of the reflected Jones CRC, the definition the table code must match.</summary>
    static ulong Reference(ReadOnlySpan<byte> data)
    {
        ulong crc = 0;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ Crc64.Polynomial : crc >> 1;
        }
        return crc;
    }

    [Fact]
    public void CheckValue_IsRedisCrc64Jones()
    {
        // The test vector in Redis's crc64.c.
        Assert.Equal(0xe9c6d914c4b8d9caUL, Crc64.Update(0, Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0UL, Crc64.Update(0, ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void SlicedUpdate_MatchesBitwiseReference_AtEveryLengthAndSplit()
    {
        var rng = new Random(7);
        var data = new byte[300];
        rng.NextBytes(data);
        for (int len = 0; len <= data.Length; len++)
        {
            ulong want = Reference(data.AsSpan(0, len));
            Assert.Equal(want, Crc64.Update(0, data.AsSpan(0, len)));
            int split = rng.Next(len + 1);
            Assert.Equal(want, Crc64.Update(Crc64.Update(0, data.AsSpan(0, split)), data.AsSpan(split, len - split)));
        }
    }

    [Fact]
    public void FoldedUpdate_MatchesTheTable_AtLengthsAroundEveryFoldBoundary()
    {
        // Update folds 64-byte rounds and 16-byte steps with carry-less multiplies (when the CPU has them) and finishes
        // with the table; UpdateTable never folds. Every length from 0 to 1100 and a few large ones, from random
        // starting registers and from 0, with the data at odd offsets (unaligned loads).
        var rng = new Random(19);
        var data = new byte[70_003];
        rng.NextBytes(data);
        for (int len = 0; len <= 1100; len++)
        {
            int offset = rng.Next(8);
            ulong start = len % 3 == 0 ? 0 : (ulong)rng.NextInt64();
            var span = data.AsSpan(offset, len);
            Assert.Equal(Crc64.UpdateTable(start, span), Crc64.Update(start, span));
        }
        foreach (int len in new[] { 4096, 65_536, 65_537, 70_000 })
            Assert.Equal(Crc64.UpdateTable(5, data.AsSpan(3, len)), Crc64.Update(5, data.AsSpan(3, len)));
        Assert.Equal(Reference(data.AsSpan(1, 5000)), Crc64.Update(0, data.AsSpan(1, 5000)));
    }

    [Fact]
    public void Combine_EqualsTheStraightCrc()
    {
        var rng = new Random(11);
        foreach (int total in new[] { 1, 2, 9, 64, 1000, 70_000 })
        {
            var data = new byte[total];
            rng.NextBytes(data);
            ulong whole = Crc64.Update(0, data);
            for (int t = 0; t < 5; t++)
            {
                int split = rng.Next(total + 1);
                ulong a = Crc64.Update(0, data.AsSpan(0, split));
                ulong b = Crc64.Update(0, data.AsSpan(split));
                Assert.Equal(whole, Crc64.Combine(a, b, total - split));
            }
        }
    }

    [Fact]
    public void Combine_OfZeroBytes_EqualsFeedingThem()
    {
        // Crc64.Update(0, zeros) is 0, so combining a CRC with n zero bytes must equal running them through it:
        // lengths with high and scattered bits exercise operators past those a 64 KiB chunk needs.
        ulong start = Crc64.Update(0, "123456789"u8);
        foreach (int n in new[] { 1, 7, 8, 65_535, 65_536, (1 << 21) + 12_345, (1 << 24) - 1 })
        {
            var zeros = new byte[n];
            Assert.Equal(Crc64.Update(start, zeros), Crc64.Combine(start, 0, n));
        }
    }
}
