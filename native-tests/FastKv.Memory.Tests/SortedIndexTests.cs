using System;
using System.Collections.Generic;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>
/// SortedIndex against a managed model: a List of (score, member) kept sorted with Redis's zset order
/// (score as C doubles compare, so -0.0 == 0.0; then member as unsigned bytes).
/// </summary>
public unsafe class SortedIndexTests
{
    // ---- the model ----

    static int Compare((double score, byte[] member) a, (double score, byte[] member) b) =>
        a.score < b.score ? -1 : a.score > b.score ? 1 : a.member.AsSpan().SequenceCompareTo(b.member);

    static int Find(List<(double score, byte[] member)> model, double score, byte[] member)
    {
        int lo = 0, hi = model.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = Compare(model[mid], (score, member));
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
        return ~lo;
    }

    static readonly double[] SpecialScores =
        { double.NegativeInfinity, double.PositiveInfinity, -0.0, 0.0, 1, -1, 2.5, double.MaxValue, double.MinValue, double.Epsilon };

    static double DrawScore(Random rng) => rng.Next(4) switch
    {
        0 => SpecialScores[rng.Next(SpecialScores.Length)],
        1 => rng.Next(-20, 21),
        2 => rng.Next(-1000, 1000) / 8.0,
        _ => (rng.NextDouble() - 0.5) * 1e6,
    };

    static readonly byte[] Alphabet = { 0x00, 0x01, (byte)'a', (byte)'b', (byte)'c', 0x7F, 0x80, 0xFF };

    static byte[] DrawMember(Random rng)
    {
        int len = rng.Next(6) == 0 ? 0 : rng.Next(1, rng.Next(3) == 0 ? 12 : 4);
        var m = new byte[len];
        for (int i = 0; i < len; i++) m[i] = Alphabet[rng.Next(Alphabet.Length)];
        // Most members get a random tail so tens of thousands can be distinct; the rest collide on purpose.
        if (rng.Next(4) != 0) { Array.Resize(ref m, len + 4); rng.NextBytes(m.AsSpan(len)); }
        return m;
    }

    static bool SameScore(double expected, double actual) =>
        BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual);

    static void AssertNode((double score, byte[] member) expected, byte* node)
    {
        Assert.True(node != null);
        Assert.True(SameScore(expected.score, SortedIndex.Score(node)), $"score {expected.score} vs {SortedIndex.Score(node)}");
        Assert.True(SortedIndex.Member(node).SequenceEqual(expected.member));
    }

    static void AssertWalks(byte* zsl, List<(double score, byte[] member)> model)
    {
        Assert.Equal(model.Count, SortedIndex.Length(zsl));
        byte* x = SortedIndex.First(zsl);
        Assert.True(model.Count == 0 ? x == null : SortedIndex.Prev(x) == null);
        foreach (var e in model)
        {
            AssertNode(e, x);
            x = SortedIndex.Next(x);
        }
        Assert.True(x == null);
        x = SortedIndex.Last(zsl);
        for (int i = model.Count - 1; i >= 0; i--)
        {
            AssertNode(model[i], x);
            x = SortedIndex.Prev(x);
        }
        Assert.True(x == null);
    }

    static void AssertRanks(byte* zsl, List<(double score, byte[] member)> model, Random rng, int samples)
    {
        for (int k = 0; k < samples && model.Count > 0; k++)
        {
            int i = rng.Next(model.Count);
            Assert.Equal(i, SortedIndex.Rank(zsl, model[i].score, model[i].member));
            AssertNode(model[i], SortedIndex.ByRank(zsl, i));
            // Same member under another score, and an absent member: both absent.
            Assert.Equal(-1L, SortedIndex.Rank(zsl, model[i].score + 0.5 == model[i].score ? 7.25 : model[i].score + 0.5, model[i].member));
            byte[] m = DrawMember(rng);
            double s = DrawScore(rng);
            Assert.Equal((long)Math.Max(-1, Find(model, s, m)), SortedIndex.Rank(zsl, s, m));
        }
        Assert.True(SortedIndex.ByRank(zsl, model.Count) == null);
        Assert.True(SortedIndex.ByRank(zsl, -1) == null);
    }

    // ---- score ranges ----

    static bool GteMin(double v, double min, bool ex) => ex ? v > min : v >= min;
    static bool LteMax(double v, double max, bool ex) => ex ? v < max : v <= max;

    static (int first, int last) ModelScoreRange(List<(double score, byte[] member)> model, double min, bool minEx, double max, bool maxEx)
    {
        int first = -1, last = -1;
        for (int i = 0; i < model.Count; i++)
        {
            if (!GteMin(model[i].score, min, minEx) || !LteMax(model[i].score, max, maxEx)) continue;
            if (first < 0) first = i;
            last = i;
        }
        return (first, last);
    }

    static void AssertScoreRanges(byte* zsl, List<(double score, byte[] member)> model, Random rng, int samples)
    {
        for (int k = 0; k < samples; k++)
        {
            double a = rng.Next(3) == 0 && model.Count > 0 ? model[rng.Next(model.Count)].score : DrawScore(rng);
            double b = rng.Next(3) == 0 && model.Count > 0 ? model[rng.Next(model.Count)].score : DrawScore(rng);
            if (rng.Next(8) == 0) b = a;
            (double min, double max) = rng.Next(6) == 0 ? (a, b) : (Math.Min(a, b), Math.Max(a, b));
            for (int combo = 0; combo < 4; combo++)
            {
                bool minEx = (combo & 1) != 0, maxEx = (combo & 2) != 0;
                var (first, last) = ModelScoreRange(model, min, minEx, max, maxEx);
                byte* f = SortedIndex.FirstInScoreRange(zsl, min, minEx, max, maxEx);
                byte* l = SortedIndex.LastInScoreRange(zsl, min, minEx, max, maxEx);
                if (first < 0)
                {
                    Assert.True(f == null && l == null, $"range {min} {minEx} {max} {maxEx} should be empty");
                    continue;
                }
                AssertNode(model[first], f);
                AssertNode(model[last], l);
            }
        }
    }

    struct Collector : ISortedIndexVisitor
    {
        public List<(double score, byte[] member)> Seen;
        public void Removed(double score, ReadOnlySpan<byte> member) => Seen.Add((score, member.ToArray()));
    }

    static void AssertRemoved(List<(double score, byte[] member)> expected, List<(double score, byte[] member)> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(SameScore(expected[i].score, actual[i].score));
            Assert.Equal(expected[i].member, actual[i].member);
        }
    }

    // ---- the random walk ----

    [Theory]
    [InlineData(1, 3000, 20000, 500)]
    [InlineData(2, 200, 10000, 100)]
    [InlineData(3, 50000, 120000, 20000)]
    [InlineData(4, 20, 5000, 50)]
    public void RandomOperations_MatchModel(int seed, int targetCount, int steps, int checkEvery)
    {
        var rng = new Random(seed);
        ulong levelRng = (ulong)seed * 1000003;
        using var arena = new Arena();
        long startUsed = arena.UsedBytes;
        byte* zsl = SortedIndex.Create(arena);
        var model = new List<(double score, byte[] member)>();
        var members = new HashSet<string>();
        int largest = 0;
        for (int step = 0; step < steps; step++)
        {
            largest = Math.Max(largest, model.Count);
            int op = rng.Next(100);
            bool grow = model.Count < targetCount;
            if (model.Count == 0 || (grow ? op < 70 : op < 35))
            {
                byte[] m = DrawMember(rng);
                if (!members.Add(Convert.ToHexString(m))) continue;
                double s = DrawScore(rng);
                byte* node = SortedIndex.Insert(arena, zsl, s, m, ref levelRng);
                AssertNode((s, m), node);
                int at = Find(model, s, m);
                Assert.True(at < 0);
                model.Insert(~at, (s, m));
            }
            else if (grow ? op < 80 : op < 65)
            {
                int i = rng.Next(model.Count);
                var e = model[i];
                Assert.True(SortedIndex.Delete(arena, zsl, e.score, e.member));
                Assert.False(SortedIndex.Delete(arena, zsl, e.score, e.member));
                model.RemoveAt(i);
                members.Remove(Convert.ToHexString(e.member));
            }
            else if (op < 97)
            {
                int i = rng.Next(model.Count);
                var e = model[i];
                // Often a small move, so the in-place path is taken.
                double s = rng.Next(2) == 0 ? e.score + rng.Next(-2, 3) * 1e-3 : DrawScore(rng);
                if (double.IsNaN(s)) s = 0;
                byte* node = SortedIndex.UpdateScore(arena, zsl, e.score, e.member, s, ref levelRng);
                AssertNode((s, e.member), node);
                model.RemoveAt(i);
                model.Insert(~Find(model, s, e.member), (s, e.member));
            }
            else if (op < 98)
            {
                // A pair that is usually absent (a drawn member, or a present member under another score).
                double s = DrawScore(rng);
                byte[] m = rng.Next(2) == 0 ? DrawMember(rng) : model[rng.Next(model.Count)].member;
                int at = Find(model, s, m);
                Assert.Equal(at >= 0, SortedIndex.Delete(arena, zsl, s, m));
                if (at >= 0) { model.RemoveAt(at); members.Remove(Convert.ToHexString(m)); }
            }
            else if (!grow || rng.Next(10) == 0)
            {
                // Rarely while growing: a range delete around a popular score removes hundreds of nodes.
                RangeDelete(arena, zsl, model, members, rng);
            }
            if (step % checkEvery == 0)
            {
                AssertWalks(zsl, model);
                AssertRanks(zsl, model, rng, 50);
                AssertScoreRanges(zsl, model, rng, 10);
                Assert.Equal(arena.UsedBytes - startUsed, SortedIndex.BytesUsed(zsl));
            }
        }
        Assert.True(largest >= targetCount * 9 / 10, $"reached only {largest} nodes");
        AssertWalks(zsl, model);
        AssertRanks(zsl, model, rng, 500);
        AssertScoreRanges(zsl, model, rng, 50);
        Assert.Equal(arena.UsedBytes - startUsed, SortedIndex.BytesUsed(zsl));
        SortedIndex.Free(arena, zsl);
        Assert.Equal(startUsed, arena.UsedBytes);
    }

    static void RangeDelete(Arena arena, byte* zsl, List<(double score, byte[] member)> model, HashSet<string> members, Random rng)
    {
        var c = new Collector { Seen = new List<(double score, byte[] member)>() };
        var expected = new List<(double score, byte[] member)>();
        long n;
        if (rng.Next(2) == 0)
        {
            // A narrow score range around an existing score, so a few nodes go.
            double at = model[rng.Next(model.Count)].score;
            double width = rng.Next(3) == 0 ? 0 : rng.Next(1, 4) * 1e-2;
            bool minEx = rng.Next(2) == 0, maxEx = rng.Next(2) == 0;
            double min = at - width, max = at + width;
            foreach (var e in model) if (GteMin(e.score, min, minEx) && LteMax(e.score, max, maxEx)) expected.Add(e);
            n = SortedIndex.DeleteRangeByScore(arena, zsl, min, minEx, max, maxEx, ref c);
        }
        else
        {
            long start = rng.Next(-2, model.Count + 2);
            long end = start + rng.Next(-1, 6);
            for (long i = Math.Max(0, start); i <= Math.Min(end, model.Count - 1); i++) expected.Add(model[(int)i]);
            n = SortedIndex.DeleteRangeByRank(arena, zsl, start, end, ref c);
        }
        Assert.Equal(expected.Count, n);
        AssertRemoved(expected, c.Seen);
        foreach (var e in expected)
        {
            model.RemoveAt(Find(model, e.score, e.member));
            members.Remove(Convert.ToHexString(e.member));
        }
    }
}
