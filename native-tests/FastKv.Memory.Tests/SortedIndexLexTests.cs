using System;
using System.Collections.Generic;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>
/// Lex ranges (ZRANGEBYLEX, ZREMRANGEBYLEX): every score equal, as those commands require. Scores are
/// drawn from {0.0, -0.0}, which Redis treats as the same score, so the order is by member alone.
/// </summary>
public unsafe class SortedIndexLexTests
{
    static readonly byte[] Alphabet = { 0x00, (byte)'a', (byte)'b', 0x80, 0xFF };

    static byte[] DrawMember(Random rng)
    {
        int len = rng.Next(5) == 0 ? 0 : rng.Next(1, 5);
        var m = new byte[len];
        for (int i = 0; i < len; i++) m[i] = Alphabet[rng.Next(Alphabet.Length)];
        return m;
    }

    /// <summary>A bound as the model sees it: kind 0 '-', 1 '+', 2 '[', 3 '('.</summary>
    readonly record struct Bound(int Kind, byte[] Value)
    {
        public LexBound ToLex() => Kind switch
        {
            0 => LexBound.NegativeInfinity,
            1 => LexBound.PositiveInfinity,
            2 => LexBound.Inclusive(Value),
            _ => LexBound.Exclusive(Value),
        };

        public bool AboveMin(byte[] m) => Kind switch
        {
            0 => true,
            1 => false,
            2 => m.AsSpan().SequenceCompareTo(Value) >= 0,
            _ => m.AsSpan().SequenceCompareTo(Value) > 0,
        };

        public bool BelowMax(byte[] m) => Kind switch
        {
            0 => false,
            1 => true,
            2 => m.AsSpan().SequenceCompareTo(Value) <= 0,
            _ => m.AsSpan().SequenceCompareTo(Value) < 0,
        };
    }

    static Bound DrawBound(Random rng, List<byte[]> model)
    {
        int kind = rng.Next(8) switch { 0 => 0, 1 => 1, 2 or 3 or 4 => 2, _ => 3 };
        byte[] v = rng.Next(2) == 0 && model.Count > 0 ? model[rng.Next(model.Count)] : DrawMember(rng);
        return new Bound(kind, kind < 2 ? Array.Empty<byte>() : v);
    }

    struct Collector : ISortedIndexVisitor
    {
        public List<byte[]> Seen;
        public void Removed(double score, ReadOnlySpan<byte> member) => Seen.Add(member.ToArray());
    }

    static void AssertSame(byte* zsl, List<byte[]> model)
    {
        Assert.Equal(model.Count, SortedIndex.Length(zsl));
        byte* x = SortedIndex.First(zsl);
        foreach (byte[] m in model)
        {
            Assert.True(SortedIndex.Member(x).SequenceEqual(m));
            x = SortedIndex.Next(x);
        }
        Assert.True(x == null);
    }

    [Theory]
    [InlineData(1, 300)]
    [InlineData(2, 3000)]
    [InlineData(3, 40)]
    public void LexRanges_MatchModel(int seed, int count)
    {
        var rng = new Random(seed);
        ulong levelRng = (ulong)seed;
        using var arena = new Arena();
        long startUsed = arena.UsedBytes;
        byte* zsl = SortedIndex.Create(arena);
        var model = new List<byte[]>();
        var comparer = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));
        for (int round = 0; round < 30; round++)
        {
            while (model.Count < count)
            {
                byte[] m = DrawMember(rng);
                if (rng.Next(4) != 0) { Array.Resize(ref m, m.Length + 4); rng.NextBytes(m.AsSpan(m.Length - 4)); }
                int at = model.BinarySearch(m, comparer);
                if (at >= 0) continue;
                model.Insert(~at, m);
                SortedIndex.Insert(arena, zsl, rng.Next(2) == 0 ? 0.0 : -0.0, m, ref levelRng);
            }
            AssertSame(zsl, model);
            for (int k = 0; k < 200; k++)
            {
                Bound min = DrawBound(rng, model), max = DrawBound(rng, model);
                int first = -1, last = -1;
                for (int i = 0; i < model.Count; i++)
                {
                    if (!min.AboveMin(model[i]) || !max.BelowMax(model[i])) continue;
                    if (first < 0) first = i;
                    last = i;
                }
                byte* f = SortedIndex.FirstInLexRange(zsl, min.ToLex(), max.ToLex());
                byte* l = SortedIndex.LastInLexRange(zsl, min.ToLex(), max.ToLex());
                if (first < 0)
                {
                    Assert.True(f == null && l == null);
                    continue;
                }
                Assert.True(SortedIndex.Member(f).SequenceEqual(model[first]));
                Assert.True(SortedIndex.Member(l).SequenceEqual(model[last]));
                Assert.Equal(first, SortedIndex.Rank(zsl, SortedIndex.Score(f), SortedIndex.Member(f)));
            }
            // Remove a random lex range, and check what the visitor saw.
            {
                Bound min = DrawBound(rng, model), max = DrawBound(rng, model);
                var expected = new List<byte[]>();
                foreach (byte[] m in model) if (min.AboveMin(m) && max.BelowMax(m)) expected.Add(m);
                var c = new Collector { Seen = new List<byte[]>() };
                long n = SortedIndex.DeleteRangeByLex(arena, zsl, min.ToLex(), max.ToLex(), ref c);
                Assert.Equal(expected.Count, n);
                Assert.Equal(expected, c.Seen);
                model.RemoveAll(m => min.AboveMin(m) && max.BelowMax(m));
                AssertSame(zsl, model);
            }
        }
        SortedIndex.Free(arena, zsl);
        Assert.Equal(startUsed, arena.UsedBytes);
    }

    [Fact]
    public void InfinitiesAndEmptyRanges()
    {
        using var arena = new Arena();
        ulong rng = 7;
        byte* zsl = SortedIndex.Create(arena);
        Assert.True(SortedIndex.FirstInLexRange(zsl, LexBound.NegativeInfinity, LexBound.PositiveInfinity) == null);
        foreach (string s in new[] { "", "a", "ab", "b" }) SortedIndex.Insert(arena, zsl, 0, System.Text.Encoding.ASCII.GetBytes(s), ref rng);
        byte* first = SortedIndex.FirstInLexRange(zsl, LexBound.NegativeInfinity, LexBound.PositiveInfinity);
        Assert.Equal(0, SortedIndex.Member(first).Length);
        Assert.True(SortedIndex.Member(SortedIndex.LastInLexRange(zsl, LexBound.NegativeInfinity, LexBound.PositiveInfinity)).SequenceEqual("b"u8));
        // Redis: "- -" and "+ +" are empty (the infinities are exclusive), "+ -" is empty.
        Assert.True(SortedIndex.FirstInLexRange(zsl, LexBound.NegativeInfinity, LexBound.NegativeInfinity) == null);
        Assert.True(SortedIndex.FirstInLexRange(zsl, LexBound.PositiveInfinity, LexBound.PositiveInfinity) == null);
        Assert.True(SortedIndex.FirstInLexRange(zsl, LexBound.PositiveInfinity, LexBound.NegativeInfinity) == null);
        // [a (a is empty; [a [a is "a"; the empty member is [ "" itself.
        Assert.True(SortedIndex.FirstInLexRange(zsl, LexBound.Inclusive("a"u8), LexBound.Exclusive("a"u8)) == null);
        Assert.True(SortedIndex.Member(SortedIndex.FirstInLexRange(zsl, LexBound.Inclusive("a"u8), LexBound.Inclusive("a"u8))).SequenceEqual("a"u8));
        Assert.Equal(0, SortedIndex.Member(SortedIndex.LastInLexRange(zsl, LexBound.NegativeInfinity, LexBound.Inclusive(""u8))).Length);
        Assert.True(SortedIndex.Member(SortedIndex.FirstInLexRange(zsl, LexBound.Exclusive(""u8), LexBound.PositiveInfinity)).SequenceEqual("a"u8));
        SortedIndex.Free(arena, zsl);
        Assert.Equal(0, arena.UsedBytes);
    }
}
