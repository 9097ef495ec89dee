using System;
using System.Collections.Generic;
using FastKv.Memory;
using Xunit;
using static FastKv.Memory.Tests.FieldTableTests;

namespace FastKv.Memory.Tests;

/// <summary>FieldTable walks: Scan under concurrent growth, Enumerate, Random's uniformity.</summary>
public unsafe class FieldTableWalkTests
{
    [Theory]
    [InlineData(1, 0, 20)]
    [InlineData(2, 100, 50)]
    [InlineData(3, 2_000, 300)]
    [InlineData(4, 20_000, 3_000)]
    public void ScanReturnsEveryElementPresentThroughoutDespiteChanges(int seed, int initial, int churnPerCall)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        byte* t = FieldTable.Create(arena, 0, (ulong)seed);
        var everInserted = new HashSet<string>();
        var live = new List<string>();
        var liveSet = new HashSet<string>();
        int next = 0;
        void Insert(ref byte* tt)
        {
            string k = "e" + next++;
            Assert.True(FieldTable.Add(arena, ref tt, Bytes(k)));
            everInserted.Add(k);
            live.Add(k);
            liveSet.Add(k);
        }
        for (int i = 0; i < initial; i++) Insert(ref t);
        var removedDuringWalk = new HashSet<string>();
        var atStart = new HashSet<string>(liveSet);

        var c = new Collect { Seen = new() };
        ulong cursor = 0;
        int calls = 0;
        do
        {
            cursor = FieldTable.Scan(t, cursor, ref c);
            calls++;
            // Between calls: the first calls grow the table a lot (splits, directory doublings); later
            // calls insert and remove equally, so the walk still ends.
            for (int j = 0; j < churnPerCall; j++)
            {
                if (rng.Next(calls <= 4 ? 4 : 2) != 0 || live.Count == 0) Insert(ref t);
                else
                {
                    int idx = rng.Next(live.Count);
                    string k = live[idx];
                    live[idx] = live[^1];
                    live.RemoveAt(live.Count - 1);
                    liveSet.Remove(k);
                    removedDuringWalk.Add(k);
                    Assert.True(FieldTable.Remove(arena, ref t, Bytes(k)));
                }
            }
            Assert.True(calls < 100_000);
        } while (cursor != 0);

        var seen = new HashSet<string>();
        foreach (var (f, _) in c.Seen)
        {
            Assert.Contains(f, everInserted);
            seen.Add(f);
        }
        foreach (string k in atStart)
            if (!removedDuringWalk.Contains(k)) Assert.Contains(k, seen);
        FieldTable.Free(arena, t);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5_000)]
    public void ScanOfAStillTableReturnsEachElementExactlyOnce(int n)
    {
        using var arena = new Arena();
        byte* t = FieldTable.Create(arena, 0, 3);
        for (int i = 0; i < n; i++) FieldTable.Set(arena, ref t, Bytes("k" + i), Bytes("v" + i));
        var c = new Collect { Seen = new() };
        ulong cursor = 0;
        do cursor = FieldTable.Scan(t, cursor, ref c); while (cursor != 0);
        Assert.Equal(n, c.Seen.Count);
        var seen = new HashSet<string>();
        foreach (var (f, v) in c.Seen)
        {
            Assert.True(seen.Add(f));
            Assert.Equal("v" + f.Substring(1), Name(v));
        }
        FieldTable.Free(arena, t);
    }

    [Fact]
    public void ScanCursorsIncreaseAndStayBelow2Pow48()
    {
        // Clients such as StackExchange.Redis parse a cursor as a signed 64-bit integer.
        using var arena = new Arena();
        byte* t = FieldTable.Create(arena, 0, 11);
        for (int i = 0; i < 50_000; i++) FieldTable.Add(arena, ref t, Bytes("c" + i));
        var c = new Collect { Seen = new() };
        ulong cursor = 0, previous = 0;
        int calls = 0;
        do
        {
            cursor = FieldTable.Scan(t, cursor, ref c);
            calls++;
            Assert.True(cursor < 1UL << 48, $"cursor {cursor}");
            Assert.True(cursor == 0 || cursor > previous, $"cursor {cursor} after {previous}");
            previous = cursor;
        } while (cursor != 0);
        Assert.True(calls > 100);
        Assert.Equal(50_000, c.Seen.Count);
        FieldTable.Free(arena, t);
    }

    [Theory]
    [InlineData(1, 40)]
    [InlineData(2, 1_000)]
    public void RandomIsUniformOverLiveElements(int seed, int n)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        byte* t = FieldTable.Create(arena, 0, (ulong)seed);
        ulong state = (ulong)seed;
        Assert.True(FieldTable.Random(t, ref state) == null);
        // Insert 2n and remove half, so tombstones and segments of several depths are present.
        var live = new Dictionary<string, int>();
        for (int i = 0; i < 2 * n; i++) FieldTable.Add(arena, ref t, Bytes("r" + i));
        for (int i = 0; i < 2 * n; i++)
        {
            if (rng.Next(2) == 0) FieldTable.Remove(arena, ref t, Bytes("r" + i));
            else live["r" + i] = 0;
        }
        int draws = live.Count * 400;
        for (int i = 0; i < draws; i++)
        {
            byte* e = FieldTable.Random(t, ref state);
            string k = Name(FieldTable.ElementField(e));
            Assert.True(live.ContainsKey(k), "random returned a dead element " + k);
            live[k]++;
        }
        // Chi-square with k - 1 degrees of freedom; mean k - 1, sd sqrt(2(k - 1)); allow 5 sd.
        double expected = 400, chi = 0;
        foreach (int count in live.Values)
        {
            Assert.True(count > 0);
            chi += (count - expected) * (count - expected) / expected;
        }
        int df = live.Count - 1;
        Assert.True(chi < df + 5 * Math.Sqrt(2.0 * df), $"chi-square {chi:F1} for {df} degrees of freedom");
        FieldTable.Free(arena, t);
    }

    [Fact]
    public void RandomOnAVerySparseTableStillReturnsLiveElements()
    {
        using var arena = new Arena();
        byte* t = FieldTable.Create(arena, 0, 5);
        for (int i = 0; i < 50_000; i++) FieldTable.Add(arena, ref t, Bytes("s" + i));
        for (int i = 0; i < 50_000; i++)
            if (i % 10_000 != 7) FieldTable.Remove(arena, ref t, Bytes("s" + i));
        Assert.Equal(5, FieldTable.Count(t));
        ulong state = 1;
        var seen = new HashSet<string>();
        for (int i = 0; i < 2_000; i++)
        {
            byte* e = FieldTable.Random(t, ref state);
            string k = Name(FieldTable.ElementField(e));
            Assert.EndsWith("7", k);
            seen.Add(k);
        }
        Assert.Equal(5, seen.Count);
        // SPOP-style draining.
        while (FieldTable.Count(t) > 0)
        {
            byte* e = FieldTable.Random(t, ref state);
            Assert.True(FieldTable.Remove(arena, ref t, FieldTable.ElementField(e).ToArray()));
        }
        Assert.True(FieldTable.Random(t, ref state) == null);
        FieldTable.Free(arena, t);
        Assert.Equal(0, arena.UsedBytes);
    }
}
