using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>
/// QuickList against a managed model (a List of byte[] in the form the client sent): random operation
/// sequences for several fills, checking contents both ways, counts, node links, node limits, listpack
/// validity and exact byte accounting after every step.
/// </summary>
public unsafe class QuickListTests
{
    static readonly int[] FillValues = { -2, -1, 0, 1, 2, 4, 128 };

    public static TheoryData<int> Fills()
    {
        var data = new TheoryData<int>();
        foreach (int f in FillValues) data.Add(f);
        return data;
    }

    static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    static readonly long[] BoundaryInts =
    {
        0, 1, 127, 128, -1, -4096, 4095, 4096, short.MinValue, short.MaxValue + 1, (1 << 23) - 1, 1 << 23,
        int.MinValue, int.MaxValue + 1L, long.MinValue, long.MaxValue,
    };

    static readonly string[] NumericLookingStrings = { "007", "-0", "+1", "9223372036854775808", " 1", "00", "-" };

    /// <summary>Integers, integer-looking strings, empty, short, medium and large values (past every node limit).</summary>
    static byte[] DrawValue(Random rng, bool large)
    {
        int kind = rng.Next(100);
        if (kind < 25) return Ascii(rng.Next(3) == 0
            ? BoundaryInts[rng.Next(BoundaryInts.Length)].ToString(CultureInfo.InvariantCulture)
            : rng.Next(-300, 300).ToString(CultureInfo.InvariantCulture));
        if (kind < 30) return Ascii(NumericLookingStrings[rng.Next(NumericLookingStrings.Length)]);
        if (kind < 34) return Array.Empty<byte>();
        if (kind < 38) return new[] { (byte)('a' + rng.Next(3)) }; // collisions for LREM / LINSERT pivots
        int len = kind < 80 ? rng.Next(1, 24) : kind < 96 || !large ? rng.Next(50, 700) : rng.Next(4000, 20000);
        var b = new byte[len];
        rng.NextBytes(b);
        return b;
    }

    static byte[] ToBytes(ListpackValue v)
        => v.IsInteger ? Ascii(v.Integer.ToString(CultureInfo.InvariantCulture)) : v.Bytes.ToArray();

    static void AssertValue(byte[] expected, ListpackValue actual)
        => Assert.True(expected.AsSpan().SequenceEqual(ToBytes(actual)),
            $"expected [{expected.Length}] {Encoding.ASCII.GetString(expected, 0, Math.Min(20, expected.Length))}");

    /// <summary>Everything that must hold between operations.</summary>
    static void AssertList(Arena arena, long baseline, byte* ql, List<byte[]> model, bool strictLimits)
    {
        Assert.Equal(model.Count, QuickList.Count(ql));
        int fill = QuickList.Fill(ql);
        int nodes = 0, i = 0;
        byte* prev = null;
        for (byte* node = QuickList.HeadNode(ql); node != null; node = QuickList.NextNode(node))
        {
            nodes++;
            Assert.True(QuickList.PrevNode(node) == prev, "prev link");
            byte* lp = QuickList.NodeListpack(node);
            int sz = QuickList.NodeBytes(node), entries = QuickList.NodeEntries(node);
            Assert.Equal(Listpack.TotalBytes(lp), sz);
            Assert.True(Listpack.Validate(lp, sz), "listpack validates");
            Assert.True(entries > 0, "no empty nodes");
            Assert.Equal(Listpack.Count(lp), entries);
            if (strictLimits && entries > 1)
                Assert.False(QuickList.NodeExceedsLimit(fill, sz, entries), $"node of {entries} entries, {sz} bytes over fill {fill}");
            for (byte* p = Listpack.First(lp); p != null; p = Listpack.Next(lp, p)) AssertValue(model[i++], Listpack.Get(p));
            prev = node;
        }
        Assert.True(QuickList.TailNode(ql) == prev, "tail");
        Assert.Equal(model.Count, i);
        Assert.Equal(nodes, QuickList.NodeCount(ql));
        Assert.Equal(arena.UsedBytes - baseline, QuickList.BytesUsed(ql));
        // Backward walk through the iterator.
        var back = QuickList.IteratorAt(ql, -1, forward: false);
        for (int k = model.Count - 1; k >= 0; k--)
        {
            Assert.True(back.Valid);
            AssertValue(model[k], back.Current);
            back.MoveNext();
        }
        Assert.False(back.Valid);
    }

    static long DrawIndex(Random rng, int count) => rng.Next(10) switch
    {
        0 => count + rng.Next(3),                 // past the end
        1 => -count - 1 - rng.Next(3),            // before the start
        < 5 => -1 - rng.Next(Math.Max(1, count)), // negative in range
        _ => rng.Next(Math.Max(1, count)),
    };

    static int Normalize(long index, int count) => (int)(index < 0 ? index + count : index);

    /// <summary>One random sequence. The node limits hold after every step until a fill change (with
    /// <paramref name="fillChanges"/>), which leaves existing nodes as they are (as Redis's quicklist would).</summary>
    static void RunSequence(int fill, int seed, int steps, bool fillChanges)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        long baseline = arena.UsedBytes;
        byte* ql = QuickList.Create(arena, fill);
        var model = new List<byte[]>();
        bool strict = true;

        for (int step = 0; step < steps; step++)
        {
            int op = rng.Next(100);
            if (op < 40)
            {
                byte[] v = DrawValue(rng, large: true);
                bool head = rng.Next(2) == 0;
                QuickList.Push(arena, ql, v, head);
                if (head) model.Insert(0, v); else model.Add(v);
            }
            else if (op < 50)
            {
                if (model.Count == 0) continue;
                if (rng.Next(2) == 0)
                {
                    AssertValue(model[0], QuickList.Head(ql));
                    QuickList.DeleteHead(arena, ql);
                    model.RemoveAt(0);
                }
                else
                {
                    AssertValue(model[^1], QuickList.Tail(ql));
                    QuickList.DeleteTail(arena, ql);
                    model.RemoveAt(model.Count - 1);
                }
            }
            else if (op < 55)
            {
                long index = DrawIndex(rng, model.Count);
                int n = Normalize(index, model.Count);
                bool inRange = n >= 0 && n < model.Count;
                Assert.Equal(inRange, QuickList.TryGet(ql, index, out ListpackValue v));
                if (inRange) AssertValue(model[n], v);
                // A partial walk from there in a random direction.
                bool forward = rng.Next(2) == 0;
                var it = QuickList.IteratorAt(ql, index, forward);
                Assert.Equal(inRange, it.Valid);
                for (int k = 0; k < 50 && inRange; k++)
                {
                    int at = forward ? n + k : n - k;
                    if (at < 0 || at >= model.Count) { Assert.False(it.Valid); break; }
                    AssertValue(model[at], it.Current);
                    it.MoveNext();
                }
            }
            else if (op < 62)
            {
                // LTRIM-style and LPOP-count-style range deletes, with odd starts and counts.
                long start = DrawIndex(rng, model.Count);
                long count = rng.Next(8) == 0 ? rng.Next(-2, 1) : rng.Next(6) == 0 ? long.MaxValue : rng.Next(1, 40);
                int s = Normalize(start, model.Count);
                long expected = count <= 0 || s < 0 || s >= model.Count ? 0 : Math.Min(count, model.Count - s);
                Assert.Equal(expected, QuickList.DeleteRange(arena, ql, start, count));
                if (expected > 0) model.RemoveRange(s, (int)expected);
            }
            else if (op < 70)
            {
                // LREM: delete up to |count| matches from the head (count > 0) or the tail (count < 0), 0 = all.
                if (model.Count == 0) continue;
                byte[] target = rng.Next(4) == 0 ? DrawValue(rng, large: false) : model[rng.Next(model.Count)];
                int toRemove = rng.Next(-3, 4);
                bool forward = toRemove >= 0;
                int limit = Math.Abs(toRemove), removed = 0;
                var it = QuickList.IteratorAt(ql, forward ? 0 : -1, forward);
                while (it.Valid)
                {
                    if (it.CurrentEquals(target))
                    {
                        it.DeleteCurrent(arena);
                        removed++;
                        if (limit != 0 && removed == limit) break;
                    }
                    else
                    {
                        it.MoveNext();
                    }
                }
                int modelRemoved = 0;
                if (forward)
                {
                    for (int k = 0; k < model.Count && (limit == 0 || modelRemoved < limit);)
                        if (model[k].AsSpan().SequenceEqual(target)) { model.RemoveAt(k); modelRemoved++; } else k++;
                }
                else
                {
                    for (int k = model.Count - 1; k >= 0 && modelRemoved < limit; k--)
                        if (model[k].AsSpan().SequenceEqual(target)) { model.RemoveAt(k); modelRemoved++; }
                }
                Assert.Equal(modelRemoved, removed);
            }
            else if (op < 88)
            {
                // LINSERT at a random position (the iterator is placed there directly).
                if (model.Count == 0) continue;
                int at = rng.Next(model.Count);
                bool after = rng.Next(2) == 0;
                byte[] v = DrawValue(rng, large: rng.Next(4) == 0);
                var it = QuickList.IteratorAt(ql, rng.Next(2) == 0 ? at : at - model.Count, rng.Next(2) == 0);
                it.Insert(arena, v, after);
                Assert.False(it.Valid);
                model.Insert(after ? at + 1 : at, v);
            }
            else if (op < 94)
            {
                // LSET.
                if (model.Count == 0) continue;
                int at = rng.Next(model.Count);
                byte[] v = DrawValue(rng, large: rng.Next(3) == 0);
                var it = QuickList.IteratorAt(ql, rng.Next(2) == 0 ? at : at - model.Count, rng.Next(2) == 0);
                it.ReplaceCurrent(arena, v);
                Assert.False(it.Valid);
                model[at] = v;
            }
            else if (op < 96)
            {
                if (!fillChanges) continue;
                QuickList.SetFill(ql, FillValues[rng.Next(FillValues.Length)]);
                strict = false;
            }
            else if (op < 98)
            {
                long before = arena.UsedBytes;
                byte* copy = QuickList.Clone(arena, ql);
                Assert.Equal(arena.UsedBytes - before, QuickList.BytesUsed(copy));
                AssertList(arena, before, copy, model, strict);
                QuickList.Free(arena, copy);
                Assert.Equal(before, arena.UsedBytes);
            }
            else
            {
                // LTRIM start end, exactly as t_list.c turns it into two range deletes.
                long llen = model.Count;
                long start = DrawIndex(rng, model.Count), end = DrawIndex(rng, model.Count);
                if (start < 0) start += llen;
                if (end < 0) end += llen;
                if (start < 0) start = 0;
                long ltrim, rtrim;
                if (start > end || start >= llen) { ltrim = llen; rtrim = 0; }
                else { if (end >= llen) end = llen - 1; ltrim = start; rtrim = llen - end - 1; }
                QuickList.DeleteRange(arena, ql, 0, ltrim);
                QuickList.DeleteRange(arena, ql, -rtrim, rtrim);
                model.RemoveRange(0, (int)ltrim);
                model.RemoveRange(model.Count - (int)rtrim, (int)rtrim);
            }
            try { AssertList(arena, baseline, ql, model, strict); }
            catch (Exception e) { throw new Exception($"step {step} op {op}: {e.Message}"); }
        }

        QuickList.Free(arena, ql);
        Assert.Equal(baseline, arena.UsedBytes);
    }

    [Theory]
    [MemberData(nameof(Fills))]
    public void RandomSequencesKeepNodeLimits(int fill)
    {
        for (int seed = 1; seed <= 6; seed++) RunSequence(fill, seed * 7919 + fill, 700, fillChanges: false);
    }

    [Theory]
    [MemberData(nameof(Fills))]
    public void RandomSequencesWithFillChanges(int fill)
    {
        for (int seed = 1; seed <= 4; seed++) RunSequence(fill, seed * 104729 + fill, 700, fillChanges: true);
    }

    [Fact]
    public void UnlimitedFillKeepsOneNode()
    {
        using var arena = new Arena();
        byte* ql = QuickList.Create(arena, QuickList.Unlimited);
        var rng = new Random(5);
        var model = new List<byte[]>();
        for (int i = 0; i < 3000; i++)
        {
            byte[] v = DrawValue(rng, large: i % 100 == 0);
            if (i % 3 == 0) { QuickList.PushHead(arena, ql, v); model.Insert(0, v); }
            else { QuickList.PushTail(arena, ql, v); model.Add(v); }
            if (i % 7 == 0)
            {
                int at = rng.Next(model.Count);
                var it = QuickList.IteratorAt(ql, at, true);
                it.Insert(arena, v, after: false);
                model.Insert(at, v);
            }
        }
        Assert.Equal(1, QuickList.NodeCount(ql));
        Assert.Equal(QuickList.NodeBytes(QuickList.HeadNode(ql)), QuickList.ListpackBytes(ql));
        AssertList(arena, 0, ql, model, strictLimits: false);
        QuickList.Free(arena, ql);
        Assert.Equal(0, arena.UsedBytes);
    }

    // ---- node decisions worked out by hand from quicklist.c ----

    static int[] NodeSizes(byte* ql)
    {
        var sizes = new List<int>();
        for (byte* node = QuickList.HeadNode(ql); node != null; node = QuickList.NextNode(node)) sizes.Add(QuickList.NodeEntries(node));
        return sizes.ToArray();
    }

    [Fact]
    public void CountFillStartsANodeEveryFillEntries()
    {
        using var arena = new Arena();
        byte* ql = QuickList.Create(arena, 2);
        for (int i = 0; i < 5; i++) QuickList.PushTail(arena, ql, Ascii("v" + i));
        Assert.Equal(new[] { 2, 2, 1 }, NodeSizes(ql));
        QuickList.Free(arena, ql);
    }

    [Fact]
    public void SizeFillCountsTheEightByteOverestimate()
    {
        // fill -1 = 4096 bytes. A 100-byte string takes 103 bytes; the node takes one more while
        // 7 + 103k + 100 + 8 <= 4096, i.e. up to k = 38 entries, so nodes hold 39.
        using var arena = new Arena();
        byte* ql = QuickList.Create(arena, -1);
        var v = new byte[100];
        v.AsSpan().Fill((byte)'x');
        for (int i = 0; i < 100; i++) QuickList.PushTail(arena, ql, v);
        Assert.Equal(new[] { 39, 39, 22 }, NodeSizes(ql));
        Assert.Equal(7 + 103 * 39, QuickList.NodeBytes(QuickList.HeadNode(ql)));
        QuickList.Free(arena, ql);
    }

    [Fact]
    public void LargeElementGetsANodeOfItsOwn()
    {
        using var arena = new Arena();
        byte* ql = QuickList.Create(arena, -2);
        QuickList.PushTail(arena, ql, Ascii("a"));
        QuickList.PushTail(arena, ql, new byte[10000]);
        QuickList.PushTail(arena, ql, Ascii("b"));
        QuickList.PushHead(arena, ql, new byte[9000]);
        Assert.Equal(new[] { 1, 1, 1, 1 }, NodeSizes(ql));
        QuickList.Free(arena, ql);
    }

    [Fact]
    public void InsertIntoAFullNodeSplitsAndMergesTheRemainder()
    {
        // fill 4: [1 2 3 4][5]; inserting X after "2" splits into [1 2] and [X 3 4]; the merge pass then
        // joins [X 3 4] with [5] (4 entries fit) but not [1 2] with the result (6 do not).
        using var arena = new Arena();
        byte* ql = QuickList.Create(arena, 4);
        for (int i = 1; i <= 5; i++) QuickList.PushTail(arena, ql, Ascii(i.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(new[] { 4, 1 }, NodeSizes(ql));
        var it = QuickList.IteratorAt(ql, 1, true);
        it.Insert(arena, Ascii("X"), after: true);
        Assert.Equal(new[] { 2, 4 }, NodeSizes(ql));
        var model = new List<byte[]> { Ascii("1"), Ascii("2"), Ascii("X"), Ascii("3"), Ascii("4"), Ascii("5") };
        AssertList(arena, 0, ql, model, strictLimits: true);
        QuickList.Free(arena, ql);
    }

    [Fact]
    public void InsertAtTheEdgeOfAFullNodeUsesTheNeighbour()
    {
        // fill 2: [a b][c]; inserting after "b" (the tail of a full node) hands the value to the head of
        // the next node, which has room.
        using var arena = new Arena();
        byte* ql = QuickList.Create(arena, 2);
        foreach (string s in new[] { "a", "b", "c" }) QuickList.PushTail(arena, ql, Ascii(s));
        var it = QuickList.IteratorAt(ql, 1, true);
        it.Insert(arena, Ascii("x"), after: true);
        Assert.Equal(new[] { 2, 2 }, NodeSizes(ql));
        // Now [a b][x c]: both full; inserting before "x" (head, prev full) makes a new node between.
        it = QuickList.IteratorAt(ql, 2, true);
        it.Insert(arena, Ascii("y"), after: false);
        Assert.Equal(new[] { 2, 1, 2 }, NodeSizes(ql));
        var model = new List<byte[]> { Ascii("a"), Ascii("b"), Ascii("y"), Ascii("x"), Ascii("c") };
        AssertList(arena, 0, ql, model, strictLimits: true);
        QuickList.Free(arena, ql);
    }

    [Fact]
    public void ExceedsLimitFollowsRedisRules()
    {
        Assert.False(QuickList.NodeExceedsLimit(-2, 8192, 100000));
        Assert.True(QuickList.NodeExceedsLimit(-2, 8193, 1));
        Assert.True(QuickList.NodeExceedsLimit(-1, 4097, 1));
        Assert.False(QuickList.NodeExceedsLimit(-5, 65536, 1));
        Assert.False(QuickList.NodeExceedsLimit(-100, 65536, 1)); // clamped to -5
        Assert.True(QuickList.NodeExceedsLimit(0, 10, 2));        // fill 0 means 1 entry
        Assert.False(QuickList.NodeExceedsLimit(0, 10, 1));
        Assert.True(QuickList.NodeExceedsLimit(128, 8193, 2));    // safety limit under a count fill
        Assert.True(QuickList.NodeExceedsLimit(128, 100, 129));
        Assert.False(QuickList.NodeExceedsLimit(QuickList.Unlimited, long.MaxValue, long.MaxValue));
    }

    [Fact]
    public void AppendListpackAddsANodeAndSetFillClamps()
    {
        using var arena = new Arena();
        byte* lp = Listpack.Create(arena);
        lp = Listpack.Append(arena, lp, Ascii("12"));
        lp = Listpack.Append(arena, lp, Ascii("ab"));
        byte* ql = QuickList.Create(arena, 100000);
        Assert.Equal(QuickList.MaxFill, QuickList.Fill(ql));
        QuickList.SetFill(ql, -9);
        Assert.Equal(-5, QuickList.Fill(ql));
        QuickList.AppendListpack(arena, ql, new ReadOnlySpan<byte>(lp, Listpack.TotalBytes(lp)));
        QuickList.AppendListpack(arena, ql, new ReadOnlySpan<byte>(lp, Listpack.TotalBytes(lp)));
        Assert.Equal(new[] { 2, 2 }, NodeSizes(ql));
        Assert.Equal(4, QuickList.Count(ql));
        Assert.Equal(Listpack.TotalBytes(lp) * 2 - 7, QuickList.ListpackBytes(ql));
        Assert.True(QuickList.TryGet(ql, 2, out ListpackValue v) && v.IsInteger && v.Integer == 12);
        QuickList.Free(arena, ql);
        Listpack.Free(arena, lp);
        Assert.Equal(0, arena.UsedBytes);
    }
}
