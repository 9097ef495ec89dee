using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>
/// The frees in steps lazy free uses (QuickList, FieldTable and SortedIndex FreeSome): over random structures and
/// random budgets, each step takes what it frees from the budget (one per allocation) and stops only once the budget
/// is spent or the structure is gone (a FieldTable finishes the segment it began, so it may overspend); the structure
/// is gone once a step says so (the arena is back to where it was before the structure), and until then every step
/// gives back memory. The model of what is left is the arena's own count of used bytes.
/// </summary>
public unsafe class FreeInStepsTests
{
    static byte[] Member(Random rng, int i) => Encoding.ASCII.GetBytes("m" + i + new string('x', rng.Next(0, 80)));

    /// <summary>Steps with random budgets (1..maxBudget) until done; checks progress and that the arena ends at <paramref name="baseline"/>.</summary>
    static int FreeInSteps(Arena arena, long baseline, Random rng, int maxBudget, FreeStep step)
    {
        int steps = 0;
        long before = arena.UsedBytes;
        while (true)
        {
            int given = rng.Next(1, maxBudget + 1);
            int budget = given;
            bool done = step(ref budget);
            steps++;
            Assert.True(budget < given, "a step took nothing from its budget");
            if (done) break;
            // Units are allocations (or whole segments, whose elements count too): a step stops once the budget is spent.
            Assert.True(budget <= 0 || done, $"a step stopped with {budget} of {given} left and work remaining");
            long now = arena.UsedBytes;
            Assert.True(now < before, "a step freed nothing");
            before = now;
            Assert.True(steps < 1_000_000, "the free never ends");
        }
        Assert.Equal(baseline, arena.UsedBytes);
        return steps;
    }

    delegate bool FreeStep(ref int budget);

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 200)]
    [InlineData(4, 5000)]
    public void QuickList_FreedInSteps_GivesBackEverything(int seed, int elements)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        long baseline = arena.UsedBytes;
        byte* ql = QuickList.Create(arena, 4);
        for (int i = 0; i < elements; i++) QuickList.Push(arena, ql, Member(rng, i), head: rng.Next(2) == 0);
        int nodes = QuickList.NodeCount(ql);
        int steps = FreeInSteps(arena, baseline, rng, 8, (ref int b) => QuickList.FreeSome(arena, ql, ref b));
        // One node per budget unit: never fewer steps than nodes over the largest budget.
        Assert.True(steps >= nodes / 8, $"{steps} steps freed {nodes} nodes with budgets of at most 8");
    }

    [Theory]
    [InlineData(1, 0, false)]
    [InlineData(2, 100, true)]
    [InlineData(3, 3000, false)]
    [InlineData(4, 20000, true)]
    public void FieldTable_FreedInSteps_GivesBackEverything(int seed, int fields, bool withValues)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        long baseline = arena.UsedBytes;
        byte* t = FieldTable.Create(arena, 0);
        var model = new HashSet<string>();
        for (int i = 0; i < fields; i++)
        {
            byte[] f = Member(rng, rng.Next(fields));
            if (withValues) FieldTable.Set(arena, ref t, f, Member(rng, i));
            else FieldTable.Add(arena, ref t, f);
            model.Add(Encoding.ASCII.GetString(f));
            // Some removals leave tombstones, which a step must skip.
            if (rng.Next(10) == 0)
            {
                byte[] gone = Member(rng, rng.Next(fields));
                if (FieldTable.Remove(arena, ref t, gone)) model.Remove(Encoding.ASCII.GetString(gone));
            }
        }
        Assert.Equal(model.Count, FieldTable.Count(t));
        nuint cursor = 0;
        FreeInSteps(arena, baseline, rng, 600, (ref int b) => FieldTable.FreeSome(arena, t, ref cursor, ref b));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 70)]
    [InlineData(3, 10000)]
    public void SortedIndex_FreedInSteps_GivesBackEverything(int seed, int members)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        long baseline = arena.UsedBytes;
        byte* zsl = SortedIndex.Create(arena);
        ulong levels = (ulong)seed * 0x9E3779B97F4A7C15UL;
        for (int i = 0; i < members; i++) SortedIndex.Insert(arena, zsl, rng.Next(-1000, 1000), Member(rng, i), ref levels);
        Assert.Equal(members, SortedIndex.Length(zsl));
        FreeInSteps(arena, baseline, rng, 50, (ref int b) => SortedIndex.FreeSome(arena, zsl, ref b));
    }

    [Fact]
    public void WholeFrees_AreOneStepWithoutLimit()
    {
        var rng = new Random(7);
        using var arena = new Arena();
        long baseline = arena.UsedBytes;
        byte* ql = QuickList.Create(arena, -2);
        byte* t = FieldTable.Create(arena, 0);
        byte* zsl = SortedIndex.Create(arena);
        ulong levels = 1;
        for (int i = 0; i < 3000; i++)
        {
            QuickList.PushTail(arena, ql, Member(rng, i));
            FieldTable.Add(arena, ref t, Member(rng, i));
            SortedIndex.Insert(arena, zsl, i, Member(rng, i), ref levels);
        }
        QuickList.Free(arena, ql);
        FieldTable.Free(arena, t);
        SortedIndex.Free(arena, zsl);
        Assert.Equal(baseline, arena.UsedBytes);
    }
}
