using System;
using System.Collections.Generic;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>Intset against a SortedSet&lt;long&gt; model: random adds and removes across every encoding boundary.</summary>
public unsafe class IntsetTests
{
    static long Draw(Random rng)
    {
        switch (rng.Next(6))
        {
            case 0: return rng.Next(-100, 100);
            case 1: return rng.Next(short.MinValue - 2, short.MaxValue + 3);
            case 2: return rng.NextInt64(int.MinValue - 2L, int.MaxValue + 3L);
            case 3: return rng.NextInt64(long.MinValue, long.MaxValue);
            case 4: return rng.Next(2) == 0 ? long.MinValue : long.MaxValue;
            default: return new[] { short.MinValue, short.MaxValue, int.MinValue, int.MaxValue, 0L, -1L }[rng.Next(6)];
        }
    }

    static void AssertSame(byte* set, SortedSet<long> model)
    {
        Assert.Equal(model.Count, Intset.Length(set));
        int i = 0;
        long widest = 0;
        foreach (long v in model)
        {
            Assert.Equal(v, Intset.Get(set, i++));
            Assert.True(Intset.Contains(set, v));
            widest = Math.Max(widest, Intset.EncodingFor(v));
        }
        // Never narrower than the widest member (and never downgraded).
        Assert.True(Intset.Encoding(set) >= widest);
    }

    [Theory]
    [InlineData(1, 2000)]
    [InlineData(2, 5000)]
    [InlineData(3, 600)]
    public void RandomOperations_MatchModel(int seed, int steps)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        byte* set = Intset.Create(arena);
        var model = new SortedSet<long>();
        int lastEncoding = 2;
        for (int step = 0; step < steps; step++)
        {
            long v = rng.Next(3) == 0 && model.Count > 0 ? model.Min + rng.Next(0, 3) : Draw(rng);
            if (rng.Next(3) != 0)
            {
                set = Intset.Add(arena, set, v, out bool added);
                Assert.Equal(model.Add(v), added);
            }
            else
            {
                set = Intset.Remove(arena, set, v, out bool removed);
                Assert.Equal(model.Remove(v), removed);
            }
            Assert.True(Intset.Encoding(set) >= lastEncoding, "encodings never shrink");
            lastEncoding = Intset.Encoding(set);
            if (step % 50 == 0) AssertSame(set, model);
            if (!model.Contains(v)) Assert.False(Intset.Contains(set, v));
        }
        AssertSame(set, model);
        Assert.Equal((long)Arena.UsableSize((nuint)Intset.BlobSize(set)), arena.UsedBytes);
        Intset.Free(arena, set);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void Upgrade_PlacesTheWiderValueAtTheRightEnd()
    {
        using var arena = new Arena();
        byte* set = Intset.Create(arena);
        foreach (long v in new long[] { 5, -3, 7 }) set = Intset.Add(arena, set, v, out _);
        Assert.Equal(2, Intset.Encoding(set));
        set = Intset.Add(arena, set, -70000, out bool a1);
        Assert.True(a1);
        Assert.Equal(4, Intset.Encoding(set));
        Assert.Equal(-70000, Intset.Get(set, 0));
        set = Intset.Add(arena, set, 1L << 40, out _);
        Assert.Equal(8, Intset.Encoding(set));
        Assert.Equal(1L << 40, Intset.Get(set, Intset.Length(set) - 1));
        Assert.Equal(new long[] { -70000, -3, 5, 7, 1L << 40 }, new[] { Intset.Get(set, 0), Intset.Get(set, 1), Intset.Get(set, 2), Intset.Get(set, 3), Intset.Get(set, 4) });
        Intset.Free(arena, set);
    }
}
