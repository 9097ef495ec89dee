using System;
using System.Collections.Generic;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>Single behaviours of SortedIndex that the random walks only hit by chance.</summary>
public unsafe class SortedIndexBehaviourTests
{
    static byte[] B(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    [Fact]
    public void NegativeZeroEqualsZeroAsAScore()
    {
        // Redis compares scores as C doubles: -0.0 == 0.0, so ties go to the member; the stored bits stay.
        using var arena = new Arena();
        ulong rng = 1;
        byte* zsl = SortedIndex.Create(arena);
        SortedIndex.Insert(arena, zsl, 0.0, B("b"), ref rng);
        SortedIndex.Insert(arena, zsl, -0.0, B("c"), ref rng);
        SortedIndex.Insert(arena, zsl, -0.0, B("a"), ref rng);
        byte* x = SortedIndex.First(zsl);
        Assert.True(SortedIndex.Member(x).SequenceEqual("a"u8));
        Assert.True(double.IsNegative(SortedIndex.Score(x)));
        Assert.True(SortedIndex.Member(SortedIndex.Next(x)).SequenceEqual("b"u8));
        Assert.True(SortedIndex.Member(SortedIndex.Last(zsl)).SequenceEqual("c"u8));
        // Either zero finds either node; the range [0, 0] holds all three.
        Assert.Equal(0, SortedIndex.Rank(zsl, 0.0, B("a")));
        Assert.Equal(2, SortedIndex.Rank(zsl, 0.0, B("c")));
        Assert.Equal(1, SortedIndex.Rank(zsl, -0.0, B("b")));
        Assert.True(SortedIndex.FirstInScoreRange(zsl, 0.0, false, -0.0, false) == x);
        Assert.True(SortedIndex.FirstInScoreRange(zsl, -0.0, true, 1, false) == null);
        Assert.True(SortedIndex.Delete(arena, zsl, 0.0, B("c")));
        Assert.Equal(2, SortedIndex.Length(zsl));
        SortedIndex.Free(arena, zsl);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void UpdateScoreIsInPlaceOnlyWhenStrictlyBetweenNeighbours()
    {
        using var arena = new Arena();
        ulong rng = 2;
        byte* zsl = SortedIndex.Create(arena);
        SortedIndex.Insert(arena, zsl, 1, B("a"), ref rng);
        byte* b = SortedIndex.Insert(arena, zsl, 2, B("b"), ref rng);
        SortedIndex.Insert(arena, zsl, 3, B("c"), ref rng);
        Assert.True(SortedIndex.UpdateScore(arena, zsl, 2, B("b"), 2.5, ref rng) == b);
        Assert.Equal(2.5, SortedIndex.Score(b));
        // Equal to the next score: Redis's test is strict, so the node is replaced (and still sorts before "c").
        byte* b2 = SortedIndex.UpdateScore(arena, zsl, 2.5, B("b"), 3, ref rng);
        Assert.True(b2 != b);
        Assert.Equal(1, SortedIndex.Rank(zsl, 3, B("b")));
        // The first node can go down to -inf in place; the last up to +inf.
        byte* a = SortedIndex.First(zsl);
        Assert.True(SortedIndex.UpdateScore(arena, zsl, 1, B("a"), double.NegativeInfinity, ref rng) == a);
        byte* c = SortedIndex.Last(zsl);
        Assert.True(SortedIndex.UpdateScore(arena, zsl, 3, B("c"), double.PositiveInfinity, ref rng) == c);
        // Moving "a" past "b" relinks it between "b" and "c"; at +inf it would sort before "c" (member order).
        byte* a2 = SortedIndex.UpdateScore(arena, zsl, double.NegativeInfinity, B("a"), 4, ref rng);
        Assert.Equal(1, SortedIndex.Rank(zsl, 4, B("a")));
        Assert.True(SortedIndex.Prev(a2) == b2 && SortedIndex.Next(a2) == c && SortedIndex.First(zsl) == b2);
        byte* a3 = SortedIndex.UpdateScore(arena, zsl, 4, B("a"), double.PositiveInfinity, ref rng);
        Assert.True(a3 != a2 && SortedIndex.Next(a3) == c && SortedIndex.Last(zsl) == c);
        SortedIndex.Free(arena, zsl);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void LargeAndEmptyMembers()
    {
        using var arena = new Arena();
        ulong rng = 3;
        byte* zsl = SortedIndex.Create(arena);
        var big = new byte[100_000];
        new Random(5).NextBytes(big);
        SortedIndex.Insert(arena, zsl, 1, big, ref rng);
        SortedIndex.Insert(arena, zsl, 1, Array.Empty<byte>(), ref rng);
        SortedIndex.Insert(arena, zsl, 1, new byte[] { 0 }, ref rng);
        Assert.Equal(0, SortedIndex.Member(SortedIndex.First(zsl)).Length);
        Assert.True(SortedIndex.Member(SortedIndex.ByRank(zsl, 1)).SequenceEqual(new byte[] { 0 }) || big[0] == 0);
        Assert.Equal(arena.UsedBytes, SortedIndex.BytesUsed(zsl));
        Assert.True(SortedIndex.Delete(arena, zsl, 1, big));
        Assert.Equal(arena.UsedBytes, SortedIndex.BytesUsed(zsl));
        Assert.Equal(0, SortedIndex.Rank(zsl, 1, Array.Empty<byte>()));
        SortedIndex.Free(arena, zsl);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void LevelsFollowTheSeedWithRedisProbability()
    {
        ulong a = 42, b = 42;
        var counts = new int[SortedIndex.MaxLevel + 1];
        const int N = 400_000;
        for (int i = 0; i < N; i++)
        {
            int l = SortedIndex.RandomLevel(ref a);
            Assert.Equal(l, SortedIndex.RandomLevel(ref b));
            Assert.InRange(l, 1, SortedIndex.MaxLevel);
            counts[l]++;
        }
        // P(level >= k+1) = 0.25^k: about 25% reach level 2, 6.25% level 3.
        int atLeast2 = N - counts[1], atLeast3 = atLeast2 - counts[2];
        Assert.InRange(atLeast2 / (double)N, 0.24, 0.26);
        Assert.InRange(atLeast3 / (double)N, 0.058, 0.067);
    }

    [Fact]
    public void EmptyIndex()
    {
        using var arena = new Arena();
        byte* zsl = SortedIndex.Create(arena);
        Assert.Equal(0, SortedIndex.Length(zsl));
        Assert.True(SortedIndex.First(zsl) == null && SortedIndex.Last(zsl) == null);
        Assert.True(SortedIndex.ByRank(zsl, 0) == null);
        Assert.Equal(-1, SortedIndex.Rank(zsl, 0, default));
        Assert.False(SortedIndex.Delete(arena, zsl, 0, default));
        Assert.True(SortedIndex.FirstInScoreRange(zsl, double.NegativeInfinity, false, double.PositiveInfinity, false) == null);
        Assert.True(SortedIndex.LastInScoreRange(zsl, double.NegativeInfinity, false, double.PositiveInfinity, false) == null);
        var v = new NoVisitor();
        Assert.Equal(0, SortedIndex.DeleteRangeByRank(arena, zsl, 0, 10, ref v));
        Assert.Equal(0, SortedIndex.DeleteRangeByScore(arena, zsl, 0, false, 1, false, ref v));
        Assert.Equal(0, SortedIndex.DeleteRangeByLex(arena, zsl, LexBound.NegativeInfinity, LexBound.PositiveInfinity, ref v));
        Assert.Equal(arena.UsedBytes, SortedIndex.BytesUsed(zsl));
        SortedIndex.Free(arena, zsl);
        Assert.Equal(0, arena.UsedBytes);
    }

    struct NoVisitor : ISortedIndexVisitor
    {
        public void Removed(double score, ReadOnlySpan<byte> member) { }
    }

    [Fact]
    public void SameSeedBuildsTheSameShapeAndHotPathsDoNotAllocate()
    {
        using var arena = new Arena();
        ulong r1 = 9, r2 = 9;
        byte* z1 = SortedIndex.Create(arena), z2 = SortedIndex.Create(arena);
        Span<byte> m = stackalloc byte[8];
        for (int i = 0; i < 2000; i++)
        {
            BitConverter.TryWriteBytes(m, (long)i * 7919 % 2003);
            SortedIndex.Insert(arena, z1, i % 13, m, ref r1);
            SortedIndex.Insert(arena, z2, i % 13, m, ref r2);
        }
        for (byte* x = SortedIndex.First(z1), y = SortedIndex.First(z2); x != null; x = SortedIndex.Next(x), y = SortedIndex.Next(y))
            Assert.Equal(SortedIndex.Level(x), SortedIndex.Level(y));
        Assert.Equal(SortedIndex.BytesUsed(z1), SortedIndex.BytesUsed(z2));

        var v = new NoVisitor();
        long sum = 0;
        // The first pass warms up: a hot loop's tier-up (on-stack replacement) may allocate on this thread once.
        long before = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            if (pass == 1) before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 2000; i++)
            {
                BitConverter.TryWriteBytes(m, (long)i * 7919 % 2003);
                sum += SortedIndex.Rank(z1, i % 13, m);
                sum += (long)SortedIndex.ByRank(z1, i) != 0 ? 1 : 0;
                byte* n = SortedIndex.UpdateScore(arena, z1, i % 13, m, i % 13 + 0.5, ref r1);
                sum += (long)SortedIndex.FirstInScoreRange(z1, 1, true, 5, false) != 0 ? 1 : 0;
                sum += SortedIndex.Delete(arena, z1, SortedIndex.Score(n), m) ? 1 : 0;
                SortedIndex.Insert(arena, z1, i % 13, m, ref r1);
            }
        }
        sum += SortedIndex.DeleteRangeByScore(arena, z1, 2, false, 4, true, ref v);
        sum += SortedIndex.DeleteRangeByRank(arena, z1, 10, 100, ref v);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.True(sum > 0);
        SortedIndex.Free(arena, z1);
        SortedIndex.Free(arena, z2);
        Assert.Equal(0, arena.UsedBytes);
    }
}
