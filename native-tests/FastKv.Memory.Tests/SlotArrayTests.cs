using System;
using System.Collections.Generic;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>SlotArray as a sorted list of stream IDs (a pending-entry list), against a managed sorted list.</summary>
public unsafe class SlotArrayTests
{
    const int Slot = 40; // a group PEL's NACK: the ID, then 24 bytes the search must not look at

    static int Model(List<(ulong Ms, ulong Seq)> ids, ulong ms, ulong seq)
    {
        int i = ids.BinarySearch((ms, seq), Comparer<(ulong, ulong)>.Default);
        return i;
    }

    [Theory]
    [InlineData(1, 50)]
    [InlineData(2, 1000)]
    [InlineData(3, 5000)]
    public void FindId_AgreesWithASortedList_ThroughInsertsAndRemovesAtBothEnds(int seed, int target)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        byte* h = (byte*)arena.Alloc(SlotArray.HeaderSize);
        new Span<byte>(h, SlotArray.HeaderSize).Clear();
        SlotArray.Tag(h) = seed * 1000 + 7; // the owner's number: kept through everything below
        var ids = new List<(ulong Ms, ulong Seq)>();
        // IDs from a few milliseconds with many sequences, and far-apart ones, including the extremes.
        (ulong, ulong) NextId() => rng.Next(8) switch
        {
            0 => (0, (ulong)rng.Next(3)),
            1 => (ulong.MaxValue, ulong.MaxValue - (ulong)rng.Next(3)),
            2 => ((ulong)rng.NextInt64(), (ulong)rng.NextInt64()),
            _ => ((ulong)rng.Next(4), (ulong)rng.Next(2000)),
        };
        for (int op = 0; op < target * 6; op++)
        {
            (ulong ms, ulong seq) = NextId();
            int want = Model(ids, ms, seq);
            Assert.Equal(want, SlotArray.FindId(h, Slot, ms, seq));
            bool grow = ids.Count < target;
            if (want < 0 && (grow || rng.Next(2) == 0))
            {
                byte* p = SlotArray.Insert(arena, h, ~want, Slot);
                *(ulong*)p = ms;
                *(ulong*)(p + 8) = seq;
                new Span<byte>(p + 16, Slot - 16).Fill(0xA5);
                ids.Insert(~want, (ms, seq));
            }
            else if (ids.Count > 0 && rng.Next(100) == 0)
            {
                // Dropping the tail (a consumer's list compacted in place).
                int keep = rng.Next(ids.Count + 1);
                SlotArray.Truncate(h, keep);
                ids.RemoveRange(keep, ids.Count - keep);
            }
            else if (ids.Count > 0 && (!grow || rng.Next(4) == 0))
            {
                // Mostly the oldest (acknowledgements in order), sometimes anywhere.
                int at = rng.Next(3) == 0 ? rng.Next(ids.Count) : 0;
                (ulong m, ulong q) = ids[at];
                Assert.Equal(at, SlotArray.FindId(h, Slot, m, q));
                SlotArray.Remove(h, at, Slot);
                ids.RemoveAt(at);
            }
            Assert.Equal(ids.Count, SlotArray.Count(h));
            Assert.Equal(seed * 1000 + 7, SlotArray.Tag(h));
        }
        // Every present ID is found where the list has it, and each gap answers its insertion point.
        for (int i = 0; i < ids.Count; i++)
        {
            Assert.Equal(i, SlotArray.FindId(h, Slot, ids[i].Ms, ids[i].Seq));
            if (ids[i].Seq < ulong.MaxValue && (i + 1 == ids.Count || ids[i + 1] != (ids[i].Ms, ids[i].Seq + 1)))
                Assert.Equal(~(i + 1), SlotArray.FindId(h, Slot, ids[i].Ms, ids[i].Seq + 1));
        }
        SlotArray.Free(arena, h, Slot);
        Assert.Equal(~0, SlotArray.FindId(h, Slot, 1, 1));
    }

    [Theory]
    [InlineData(0)] // 1-0 .. 1-n: one millisecond, seq counting up (explicit IDs, the XACK benchmark's PELs)
    [InlineData(1)] // auto IDs: milliseconds a few apart, a few seqs each
    [InlineData(2)] // dense with holes: every other entry acknowledged
    [InlineData(3)] // two clusters far apart: interpolation guesses land badly, bisection finishes
    public void FindId_OnDenseAndSpreadIds_AgreesWithASortedList(int shape)
    {
        var rng = new Random(100 + shape);
        using var arena = new Arena();
        byte* h = (byte*)arena.Alloc(SlotArray.HeaderSize);
        new Span<byte>(h, SlotArray.HeaderSize).Clear();
        var ids = new List<(ulong Ms, ulong Seq)>();
        ulong ms = 1_700_000_000_000;
        for (int k = 0; k < 3000; k++)
        {
            (ulong, ulong) id = shape switch
            {
                0 => (1, (ulong)k),
                1 => (ms += (ulong)rng.Next(0, 3), (ulong)rng.Next(0, 4)),
                2 => (7, (ulong)(2 * k)),
                _ => (k < 1500 ? (ulong)k : ulong.MaxValue - 3000 + (ulong)k, 0),
            };
            int at = Model(ids, id.Item1, id.Item2);
            if (at >= 0) continue;
            byte* p = SlotArray.Insert(arena, h, ~at, Slot);
            *(ulong*)p = id.Item1;
            *(ulong*)(p + 8) = id.Item2;
            ids.Insert(~at, id);
        }
        (ulong, ulong)[] probes = new (ulong, ulong)[4000];
        for (int k = 0; k < probes.Length; k++)
        {
            var (m, q) = ids[rng.Next(ids.Count)];
            probes[k] = rng.Next(3) switch { 0 => (m, q), 1 => (m, q + 1), _ => (m, q == 0 ? 0 : q - 1) };
        }
        probes[0] = (0, 0);
        probes[1] = (ulong.MaxValue, ulong.MaxValue);
        foreach (var (m, q) in probes) Assert.Equal(Model(ids, m, q), SlotArray.FindId(h, Slot, m, q));
        // The same inside a range known to hold the answer (a consumer's list bounded by its group's): from the whole
        // list down to one slot, or none (an insertion point already pinned down).
        foreach (var (m, q) in probes)
        {
            int want = Model(ids, m, q);
            int first = want >= 0 ? want : ~want, after = want >= 0 ? want + 1 : ~want;
            int lo = rng.Next(4) == 0 ? 0 : first - rng.Next(Math.Min(first, 40) + 1);
            int hi = rng.Next(4) == 0 ? ids.Count : after + rng.Next(Math.Min(ids.Count - after, 40) + 1);
            Assert.Equal(want, SlotArray.FindId(h, Slot, m, q, lo, hi));
            Assert.Equal(want, SlotArray.FindId(h, Slot, m, q, first, after));
        }
        // Acknowledge at random, checking every lookup on the way.
        while (ids.Count > 0)
        {
            int at = rng.Next(ids.Count);
            Assert.Equal(at, SlotArray.FindId(h, Slot, ids[at].Ms, ids[at].Seq));
            SlotArray.Remove(h, at, Slot);
            ids.RemoveAt(at);
        }
        SlotArray.Free(arena, h, Slot);
    }
}
