using System;
using System.Collections.Generic;
using System.Numerics;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

public class KeyHashTests
{
    [Theory]
    [InlineData("", 0xEF46DB3751D8E999UL)]
    [InlineData("a", 0xD24EC4F1A98C6E5BUL)]
    [InlineData("abc", 0x44BC2CF5AD770999UL)]
    public void MatchesPublishedXxh64Vectors(string input, ulong expected)
    {
        Assert.Equal(expected, KeyHash.Hash(Encoding.ASCII.GetBytes(input), 0));
    }

    [Fact]
    public void IsDeterministicAndIndependentOfBufferPosition()
    {
        var rng = new Random(7);
        var buf = new byte[300];
        rng.NextBytes(buf);
        for (int len = 0; len <= 200; len++)
        {
            ulong h = KeyHash.Hash(buf.AsSpan(0, len));
            Assert.Equal(h, KeyHash.Hash(buf.AsSpan(0, len)));
            // The same bytes at another (unaligned) offset hash the same.
            var copy = new byte[len + 3];
            buf.AsSpan(0, len).CopyTo(copy.AsSpan(3));
            Assert.Equal(h, KeyHash.Hash(copy.AsSpan(3, len)));
        }
    }

    [Fact]
    public void AllPrefixesAndSingleByteChangesAreDistinct()
    {
        var seen = new HashSet<ulong>();
        var zeros = new byte[65];
        for (int len = 0; len <= 64; len++) Assert.True(seen.Add(KeyHash.Hash(zeros.AsSpan(0, len))));
        var ones = new byte[65];
        Array.Fill(ones, (byte)0xFF);
        for (int len = 1; len <= 64; len++) Assert.True(seen.Add(KeyHash.Hash(ones.AsSpan(0, len))));
        for (int len = 1; len <= 64; len++)
        {
            for (int i = 0; i < len; i++)
            {
                var b = new byte[len];
                b[i] = 1;
                Assert.True(seen.Add(KeyHash.Hash(b)), $"collision at len {len} byte {i}");
            }
        }
    }

    [Fact]
    public void SeedChangesTheHash()
    {
        byte[] key = Encoding.ASCII.GetBytes("user:1000");
        Assert.NotEqual(KeyHash.Hash(key, 0), KeyHash.Hash(key, 1));
        // The keyspace hash uses the per-process seed, drawn at random (hash flooding).
        Assert.Equal(KeyHash.Hash(key, KeyHash.ProcessSeed), KeyHash.Hash(key));
        Assert.NotEqual(KeyHash.Seed, KeyHash.ProcessSeed);
    }

    [Fact]
    public void FlippingOneInputBitFlipsAboutHalfTheOutputBits()
    {
        var rng = new Random(11);
        foreach (int len in new[] { 1, 3, 4, 7, 8, 13, 16, 31, 32, 33, 64, 100 })
        {
            long totalFlips = 0;
            int trials = 0;
            var bitCounts = new int[64];
            // The seed is random per process, so the estimates must hold for any seed: at least ~2400 trials per
            // length keeps the 0.40-0.60 band near 10 standard deviations wide even for 1-byte keys (40 keys
            // of one byte, 320 trials, failed about one run in forty).
            for (int t = 0; t < Math.Max(40, 300 / len); t++)
            {
                var key = new byte[len];
                rng.NextBytes(key);
                ulong h0 = KeyHash.Hash(key);
                for (int bit = 0; bit < len * 8; bit++)
                {
                    key[bit >> 3] ^= (byte)(1 << (bit & 7));
                    ulong diff = h0 ^ KeyHash.Hash(key);
                    key[bit >> 3] ^= (byte)(1 << (bit & 7));
                    totalFlips += BitOperations.PopCount(diff);
                    for (int o = 0; o < 64; o++) bitCounts[o] += (int)((diff >> o) & 1);
                    trials++;
                }
            }
            double mean = (double)totalFlips / trials;
            Assert.InRange(mean, 30.0, 34.0);
            // Every output bit flips with probability near 1/2.
            foreach (int c in bitCounts) Assert.InRange((double)c / trials, 0.40, 0.60);
        }
    }

    [Fact]
    public void SequentialKeysSpreadOverBucketsAndFingerprints()
    {
        // Keys like "key:123" must spread evenly over the bits KeyTable uses. With the fixed seed: under the random
        // process seed, one of the 768 counts fell outside +-4 standard deviations in about one run in twenty.
        const int n = 1 << 16;
        var top = new int[256];
        var low = new int[256];
        var fp = new int[256];
        for (int i = 0; i < n; i++)
        {
            ulong h = KeyHash.Hash(Encoding.ASCII.GetBytes("key:" + i), KeyHash.Seed);
            top[h >> 56]++;
            low[(h >> 24) & 0xFF]++;
            fp[(h >> 32) & 0xFF]++;
        }
        foreach (var counts in new[] { top, low, fp })
            foreach (int c in counts) Assert.InRange(c, n / 256 * 0.75, n / 256 * 1.25);
    }
}
