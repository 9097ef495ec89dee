using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>
/// The snapshot hook of <see cref="KeyTable"/>: while a snapshot runs, every bucket reaches the sink once, as it
/// was at the cut, whatever inserts, removes, replaces, removing scans and splits run between the walk's steps.
/// </summary>
public unsafe class KeyTableSnapshotTests
{
    /// <summary>Written over a freed blob's value, so a sink reading freed memory records a wrong id.</summary>
    const int Poison = -1;

    /// <summary>Live keys of the table with their ids: the model the table must agree with.</summary>
    sealed class Model
    {
        public readonly Arena Arena;
        public readonly List<byte[]> Keys = new();
        public readonly Dictionary<string, int> Index = new();
        public readonly Dictionary<string, int> Ids = new();
        public int NextId;

        public Model(Arena arena) => Arena = arena;

        public void Add(byte[] key, int id)
        {
            string name = Name(key);
            Index[name] = Keys.Count;
            Keys.Add(key);
            Ids[name] = id;
        }

        public void Drop(string name)
        {
            int at = Index[name];
            byte[] last = Keys[^1];
            Keys[at] = last;
            Index[Name(last)] = at;
            Keys.RemoveAt(Keys.Count - 1);
            Index.Remove(name);
            Ids.Remove(name);
        }
    }

    /// <summary>Copies (key, id) of every entry it is given, failing on a key seen twice in one snapshot.</summary>
    sealed class RecordingSink : IBucketSink
    {
        public readonly Dictionary<string, int> Seen = new();
        public int Buckets;
        public string? Duplicate;

        public void SerializeBucket(KeyTable table, ReadOnlySpan<IntPtr> entries)
        {
            Buckets++;
            foreach (IntPtr p in entries)
            {
                byte* e = (byte*)p;
                string name = Name(KeyEntry.Key(e));
                if (!Seen.TryAdd(name, IdOf(e))) Duplicate ??= name;
            }
        }
    }

    /// <summary>Removes (and frees) about one visited entry in <see cref="OneIn"/>, as the expiry reaper does.</summary>
    struct RemovingVisitor : IEntryVisitor
    {
        public Model Model;
        public Random Rng;
        public int OneIn;
        public bool Visit(byte* entry)
        {
            if (Rng.Next(OneIn) != 0) return false;
            Model.Drop(Name(KeyEntry.Key(entry)));
            FreeEntry(Model.Arena, entry);
            return true;
        }
    }

    struct FreeingVisitor : IEntryVisitor
    {
        public Arena Arena;
        public bool Visit(byte* entry)
        {
            FreeEntry(Arena, entry);
            return true;
        }
    }

    static string Name(ReadOnlySpan<byte> key) => Encoding.Latin1.GetString(key);

    static int IdOf(byte* e) => *(int*)KeyEntry.ValuePtr(e);

    /// <summary>A string blob whose value is the 4-byte id, with an expiry when <paramref name="expiring"/>.</summary>
    static byte* NewEntry(Arena arena, ReadOnlySpan<byte> key, int id, bool expiring)
    {
        int size = KeyEntry.SizeFor(key.Length, 4, expiring);
        int alloc = (int)Arena.UsableSize((nuint)size);
        byte* e = arena.Alloc((nuint)size);
        KeyEntry.Init(e, alloc, 0, 0, key, 4, expiring ? 1_000_000 : -1);
        *(int*)KeyEntry.ValuePtr(e) = id;
        return e;
    }

    /// <summary>Poisons the id before freeing: a later read of the blob sees <see cref="Poison"/> (or a reuse).</summary>
    static void FreeEntry(Arena arena, byte* e)
    {
        *(int*)KeyEntry.ValuePtr(e) = Poison;
        arena.Free(e, (nuint)KeyEntry.AllocSize(e));
    }

    static byte[] NewKey(Random rng, int n)
    {
        if (rng.Next(3) == 0)
        {
            var b = new byte[rng.Next(1, 40)];
            rng.NextBytes(b);
            return b;
        }
        return Encoding.ASCII.GetBytes("k:" + n);
    }

    static void InsertNew(KeyTable table, Model model, Random rng)
    {
        while (true)
        {
            byte[] key = NewKey(rng, model.NextId);
            if (model.Index.ContainsKey(Name(key))) continue;
            int id = model.NextId++;
            table.Insert(NewEntry(model.Arena, key, id, rng.Next(4) == 0), KeyHash.Hash(key));
            model.Add(key, id);
            return;
        }
    }

    /// <summary>One random mutation: insert, remove, replace (same key, new blob, maybe flipping the expiry).</summary>
    static void Mutate(KeyTable table, Model model, Random rng)
    {
        int op = rng.Next(10);
        if (op < 5 || model.Keys.Count == 0)
        {
            InsertNew(table, model, rng);
            return;
        }
        byte[] key = model.Keys[rng.Next(model.Keys.Count)];
        ulong h = KeyHash.Hash(key);
        if (op < 7)
        {
            byte* old = table.Remove(key, h);
            Assert.True(old != null);
            model.Drop(Name(key));
            FreeEntry(model.Arena, old);
            return;
        }
        byte** slot = table.FindSlot(key, h);
        Assert.True(slot != null);
        int id = model.NextId++;
        byte* old2 = *slot;
        table.Replace(slot, NewEntry(model.Arena, key, id, rng.Next(4) == 0));
        FreeEntry(model.Arena, old2);
        model.Ids[Name(key)] = id;
    }

    /// <summary>
    /// Runs one snapshot at <paramref name="version"/> with mutations and removing scans between walk steps of
    /// random budgets; asserts the sink saw exactly the model as it was at the cut.
    /// </summary>
    static void RunSnapshot(KeyTable table, Model model, Random rng, ulong version)
    {
        // About one operation per key over the walk (75 buckets a segment, ~110 buckets a step on average).
        int expectedSteps = Math.Max(1, table.SegmentCount * 75 / 110);
        int opsPerStep = Math.Max(50, (int)(table.Count / expectedSteps));
        // After the first step (the cursor inside the first segment) more keys arrive than the cut's segments
        // have slots (75 buckets of 15), so segments split while the walk runs, the walked one included.
        int burstAfterFirstStep = table.SegmentCount * 75 * 15 - (int)table.Count + 1;
        int secondBurstStep = 2 + rng.Next(expectedSteps);
        var atCut = new Dictionary<string, int>(model.Ids);
        var sink = new RecordingSink();
        int segmentsAtCut = table.SegmentCount;
        table.BeginSnapshot(version, sink);
        Assert.Equal(version, table.CurrentVersion);

        var cursor = new SnapshotCursor();
        uint scanCursor = 0, expiringCursor = 0;
        var reaper = new RemovingVisitor { Model = model, Rng = rng, OneIn = 20 };
        var expiryReaper = new RemovingVisitor { Model = model, Rng = rng, OneIn = 4 };
        int steps = 0;
        while (true)
        {
            int ops = rng.Next(2 * opsPerStep + 1);
            for (int i = 0; i < ops; i++)
            {
                int what = rng.Next(500);
                if (what == 0) scanCursor = table.Scan(scanCursor, ref reaper);
                else if (what == 1) expiringCursor = table.ScanExpiring(expiringCursor, ref expiryReaper);
                else Mutate(table, model, rng);
            }
            steps++;
            if (steps == 2) for (int i = 0; i < burstAfterFirstStep; i++) InsertNew(table, model, rng);
            if (steps == secondBurstStep) for (int i = 0; i < table.Count / 4; i++) InsertNew(table, model, rng);
            // The first step stops inside the first segment (75 buckets), so the burst lands mid-walk.
            int budget = steps == 1 ? rng.Next(1, 75) : rng.Next(16) == 0 ? rng.Next(1, 2000) : rng.Next(1, 100);
            if (table.SnapshotStep(ref cursor, budget)) break;
        }
        Assert.True(cursor.Done);
        Assert.True(table.SnapshotStep(ref cursor, 1));
        table.EndSnapshot();
        Assert.Equal(0UL, table.SnapshotVersion);

        Assert.Null(sink.Duplicate);
        Assert.Equal(atCut.Count, sink.Seen.Count);
        foreach (var (name, id) in atCut)
        {
            Assert.True(sink.Seen.TryGetValue(name, out int seen), "key present at the cut never serialized");
            Assert.Equal(id, seen);
        }
        // The walk met segments that split under it.
        Assert.True(table.SegmentCount > segmentsAtCut, $"no split during the snapshot: {segmentsAtCut} -> {table.SegmentCount} segments, {steps} steps, {atCut.Count} -> {table.Count} keys, {opsPerStep} ops a step");
    }

    static void AssertTableMatches(KeyTable table, Model model)
    {
        Assert.Equal(model.Keys.Count, table.Count);
        foreach (byte[] key in model.Keys)
        {
            byte* e = table.Find(key, KeyHash.Hash(key));
            Assert.True(e != null);
            Assert.Equal(model.Ids[Name(key)], IdOf(e));
        }
        table.VerifyExpiringCounts();
    }

    [Theory]
    [InlineData(1, 1_000)]
    [InlineData(2, 1_000)]
    [InlineData(3, 20_000)]
    [InlineData(4, 60_000)]
    [InlineData(5, 200_000)]
    public void SinkSeesEveryKeyOfTheCutExactlyOnce(int seed, int keys)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        using var table = new KeyTable(arena);
        var model = new Model(arena);

        // Buckets of two older versions, as after writes between earlier snapshots.
        table.CurrentVersion = 3;
        for (int i = 0; i < keys / 2; i++) InsertNew(table, model, rng);
        table.CurrentVersion = 4;
        for (int i = keys / 2; i < keys; i++) InsertNew(table, model, rng);
        for (int i = 0; i < keys / 10; i++) Mutate(table, model, rng);

        RunSnapshot(table, model, rng, 10);
        AssertTableMatches(table, model);

        // A second snapshot sees the state after the first one's writes, each key again once.
        for (int i = 0; i < keys / 10; i++) Mutate(table, model, rng);
        RunSnapshot(table, model, rng, 11);
        AssertTableMatches(table, model);

        var free = new FreeingVisitor { Arena = arena };
        table.Clear(ref free);
    }

    [Fact]
    public void WritesSerializeTheBucketBeforeChangingIt()
    {
        using var arena = new Arena();
        using var table = new KeyTable(arena);
        var model = new Model(arena);
        byte[] a = Encoding.ASCII.GetBytes("a");
        table.Insert(NewEntry(arena, a, 1, expiring: false), KeyHash.Hash(a));
        model.Add(a, 1);

        var sink = new RecordingSink();
        table.BeginSnapshot(7, sink);
        // Replace hands the old blob to the sink before the slot changes; the old blob is freed (poisoned) after.
        byte** slot = table.FindSlot(a, KeyHash.Hash(a));
        byte* old = *slot;
        table.Replace(slot, NewEntry(arena, a, 2, expiring: true));
        FreeEntry(arena, old);
        Assert.Equal(1, sink.Buckets);
        Assert.Equal(1, sink.Seen[Name(a)]);
        Assert.Equal(7UL, table.BucketVersionOf(a, KeyHash.Hash(a)));

        // The bucket is now stamped: removing the key serializes nothing again.
        FreeEntry(arena, table.Remove(a, KeyHash.Hash(a)));
        Assert.Equal(1, sink.Buckets);
        var cursor = new SnapshotCursor();
        Assert.True(table.SnapshotStep(ref cursor, int.MaxValue));
        Assert.Equal(1, sink.Buckets);
        table.EndSnapshot();

        // Without a snapshot, writes never reach a sink.
        table.Insert(NewEntry(arena, a, 3, expiring: false), KeyHash.Hash(a));
        Assert.Equal(1, sink.Buckets);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.BeginSnapshot(7, sink));
        var free = new FreeingVisitor { Arena = arena };
        table.Clear(ref free);
    }
}
