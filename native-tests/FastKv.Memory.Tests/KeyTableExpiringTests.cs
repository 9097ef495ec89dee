using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>
/// The per-segment count of entries with an expiry (KeyTable.Expiring.cs) against a managed model: random
/// inserts, removes, same-key replacements that gain or lose the expiry, scans that remove, splits and
/// clears, each followed by a recount of every segment; and the two readers of the count,
/// RandomExpiringEntry (only TTL entries, null iff none, every one with the same odds: Pearson's
/// chi-square over a fixed seed) and ScanExpiring (every TTL entry, nothing else).
/// </summary>
public unsafe class KeyTableExpiringTests
{
    readonly ITestOutputHelper _output;

    public KeyTableExpiringTests(ITestOutputHelper output) => _output = output;

    /// <summary>A string blob whose value is the 4-byte id, with an expiry slot when <paramref name="ttl"/>.</summary>
    static byte* NewEntry(Arena arena, ReadOnlySpan<byte> key, int id, bool ttl)
    {
        int size = KeyEntry.SizeFor(key.Length, 4, ttl);
        int alloc = (int)Arena.UsableSize((nuint)size);
        byte* e = arena.Alloc((nuint)size);
        KeyEntry.Init(e, alloc, 0, 0, key, 4, ttl ? 1_000_000 + id : -1);
        *(int*)KeyEntry.ValuePtr(e) = id;
        return e;
    }

    static void FreeEntry(Arena arena, byte* e) => arena.Free(e, (nuint)KeyEntry.AllocSize(e));

    static int IdOf(byte* e) => *(int*)KeyEntry.ValuePtr(e);

    static string Name(ReadOnlySpan<byte> key) => Encoding.Latin1.GetString(key);

    /// <summary>The model: every live key's entry pointer and whether it has an expiry.</summary>
    sealed class Model
    {
        public readonly Dictionary<string, (IntPtr Entry, bool Ttl)> Keys = new();
        public readonly List<byte[]> Present = new();
        public int Expiring;

        public void Add(byte[] key, byte* e, bool ttl)
        {
            Keys.Add(Name(key), ((IntPtr)e, ttl));
            Present.Add(key);
            if (ttl) Expiring++;
        }

        public void Drop(string name)
        {
            if (Keys[name].Ttl) Expiring--;
            Keys.Remove(name);
        }
    }

    /// <summary>Removes (and frees) the entries the model marks for removal, recording their names.</summary>
    struct RemovingVisitor : IEntryVisitor
    {
        public Arena Arena;
        public int Modulus;
        public List<string> Removed;
        public int Visits;
        public int VisitsWithoutTtl;
        public bool Visit(byte* entry)
        {
            Visits++;
            if (!KeyEntry.HasExpire(entry)) VisitsWithoutTtl++;
            if (IdOf(entry) % Modulus != 0) return false;
            Removed.Add(Name(KeyEntry.Key(entry)));
            FreeEntry(Arena, entry);
            return true;
        }
    }

    [Theory]
    [InlineData(1, 300, 4)]       // one segment
    [InlineData(2, 6_000, 2)]     // splits, half the keys with a TTL
    [InlineData(3, 20_000, 50)]   // TTL keys rare
    [InlineData(4, 20_000, 1)]    // every key has a TTL
    public void CountsFollowEveryMutation(int seed, int targetKeys, int ttlOneIn)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        using var table = new KeyTable(arena);
        var m = new Model();
        ulong sampler = (ulong)seed * 0x9E3779B97F4A7C15;
        int nextId = 0, clears = 0, scans = 0, flips = 0, verifies = 0;
        int ops = targetKeys * 4;
        int lastSegments = table.SegmentCount;
        for (int op = 0; op < ops; op++)
        {
            int dice = op % (ops / 3) == ops / 3 - 1 ? 999 : rng.Next(999); // three clears, at fixed steps
            bool growing = m.Keys.Count < targetKeys;
            if (dice < (growing ? 600 : 350))
            {
                byte[] key = Encoding.ASCII.GetBytes($"k{seed}:{nextId}");
                bool ttl = rng.Next(ttlOneIn) == 0;
                byte* e = NewEntry(arena, key, nextId++, ttl);
                table.Insert(e, KeyHash.Hash(key));
                m.Add(key, e, ttl);
            }
            else if (dice < 700 && m.Present.Count > 0)
            {
                byte[] key = TakeRandom(m.Present, rng);
                if (!m.Keys.ContainsKey(Name(key))) continue; // already gone through a scan
                byte* e = table.Remove(key, KeyHash.Hash(key));
                Assert.Equal(m.Keys[Name(key)].Entry, (IntPtr)e);
                m.Drop(Name(key));
                FreeEntry(arena, e);
            }
            else if (dice < 990 && m.Present.Count > 0)
            {
                // A new blob of the same key, gaining or losing the expiry half of the time.
                byte[] key = m.Present[rng.Next(m.Present.Count)];
                if (!m.Keys.TryGetValue(Name(key), out var old)) continue;
                bool ttl = rng.Next(2) == 0 ? !old.Ttl : old.Ttl;
                if (ttl != old.Ttl) flips++;
                byte** slot = table.FindSlot(key, KeyHash.Hash(key));
                Assert.Equal(old.Entry, (IntPtr)(*slot));
                byte* n = NewEntry(arena, key, IdOf((byte*)old.Entry), ttl);
                table.Replace(slot, n);
                FreeEntry(arena, (byte*)old.Entry);
                m.Drop(Name(key));
                m.Keys.Add(Name(key), ((IntPtr)n, ttl));
                if (ttl) m.Expiring++;
            }
            else if (op % (ops / 3) != ops / 3 - 1)
            {
                // One call of a removing scan (either kind) from a random cursor.
                var v = new RemovingVisitor { Arena = arena, Modulus = 3, Removed = new List<string>() };
                uint cursor = (uint)rng.NextInt64(0, 1L << 32);
                bool expiringOnly = rng.Next(2) == 0;
                if (expiringOnly) table.ScanExpiring(cursor, ref v);
                else table.Scan(cursor, ref v);
                if (expiringOnly) Assert.Equal(0, v.VisitsWithoutTtl);
                foreach (string name in v.Removed) m.Drop(name);
                scans++;
            }
            else
            {
                var v = new RemovingVisitor { Arena = arena, Modulus = 1, Removed = new List<string>() };
                table.Clear(ref v);
                Assert.Equal(m.Keys.Count, v.Removed.Count);
                m.Keys.Clear();
                m.Present.Clear();
                m.Expiring = 0;
                clears++;
            }

            Assert.Equal(m.Keys.Count, table.Count);
            Assert.Equal(m.Expiring, table.ExpiringCount);
            // A full recount reads every entry: after every step while small, after every split, and often.
            if (table.Count < 2_000 || table.SegmentCount != lastSegments || op % 101 == 0)
            {
                table.VerifyExpiringCounts();
                verifies++;
            }
            lastSegments = table.SegmentCount;

            byte* r = table.RandomExpiringEntry(ref sampler);
            if (m.Expiring == 0) Assert.True(r == null, "an entry sampled from a table with no TTL key");
            else
            {
                Assert.True(r != null, $"no entry sampled from a table with {m.Expiring} TTL keys");
                Assert.True(KeyEntry.HasExpire(r));
                Assert.True(m.Keys.TryGetValue(Name(KeyEntry.Key(r)), out var known) && known.Entry == (IntPtr)r && known.Ttl);
            }
        }
        table.VerifyExpiringCounts();
        _output.WriteLine($"keys {table.Count} ({table.ExpiringCount} with TTL), segments {table.SegmentCount}, "
            + $"flips {flips}, scans {scans}, clears {clears}, recounts {verifies}");
        Assert.True(flips > 0 && scans > 0);
        var free = new RemovingVisitor { Arena = arena, Modulus = 1, Removed = new List<string>() };
        table.Clear(ref free);
        Assert.Equal(0, table.ExpiringCount);
        table.VerifyExpiringCounts();
    }

    /// <summary>
    /// Builds a table of <paramref name="keys"/> entries (after inserting <paramref name="removed"/> more and
    /// deleting them, so the table keeps the segments it grew), every <paramref name="ttlOneIn"/>-th with a
    /// TTL, then samples: every TTL entry must come up with the same odds.
    /// </summary>
    [Theory]
    [InlineData(3_000, 0, 1)]        // every key has a TTL: the slot probes
    [InlineData(5_000, 0, 3)]        // a third: still the probes
    [InlineData(20_000, 0, 40)]      // rare TTL keys over many segments: the weighted walk
    [InlineData(2_000, 40_000, 2)]   // grown, then mostly deleted: sparse segments of mixed depth
    [InlineData(300, 0, 150)]        // two TTL keys in one segment
    [InlineData(60_000, 0, 20_000)]  // three TTL keys far apart
    public void EveryExpiringEntryHasTheSameOdds(int keys, int removed, int ttlOneIn)
    {
        using var arena = new Arena();
        using var table = new KeyTable(arena);
        var doomed = new List<byte[]>();
        int ttlKeys = 0;
        var ttlIndex = new Dictionary<int, int>(); // id -> position among TTL keys
        for (int i = 0; i < keys + removed; i++)
        {
            byte[] key = Encoding.ASCII.GetBytes("u" + i);
            bool keep = i < keys;
            bool ttl = i % ttlOneIn == 0 || !keep && i % 2 == 0;
            table.Insert(NewEntry(arena, key, i, ttl), KeyHash.Hash(key));
            if (!keep) doomed.Add(key);
            else if (ttl) ttlIndex.Add(i, ttlKeys++);
        }
        foreach (byte[] key in doomed) FreeEntry(arena, table.Remove(key, KeyHash.Hash(key)));
        table.VerifyExpiringCounts();
        Assert.Equal(ttlKeys, table.ExpiringCount);

        int samples = Math.Max(ttlKeys * 40, 4_000);
        var counts = new int[ttlKeys];
        ulong rng = 0x2545F4914F6CDD1D;
        for (int s = 0; s < samples; s++)
        {
            byte* e = table.RandomExpiringEntry(ref rng);
            Assert.True(e != null);
            Assert.True(KeyEntry.HasExpire(e));
            Assert.True(ttlIndex.TryGetValue(IdOf(e), out int at), "sampled an entry that is not a kept TTL key");
            counts[at]++;
        }

        double expected = (double)samples / ttlKeys;
        double chi = 0;
        int least = int.MaxValue, most = 0;
        foreach (int c in counts)
        {
            chi += (c - expected) * (c - expected) / expected;
            least = Math.Min(least, c);
            most = Math.Max(most, c);
        }
        // As KeyTableRandomEntryTests: six deviations of chi-square over ttlKeys-1 degrees of freedom (plus a
        // margin for small df) is far in the tail for a uniform sampler; the seed is fixed, so no flakes.
        int df = Math.Max(1, ttlKeys - 1);
        double bound = df + 6 * Math.Sqrt(2.0 * df) + 10;
        _output.WriteLine($"{ttlKeys} TTL keys of {keys}, {table.SegmentCount} segments: chi-square {chi:F1} (bound {bound:F1}), counts {least}..{most}");
        Assert.True(chi < bound,
            $"chi-square {chi:F1} over {df} degrees of freedom (bound {bound:F1}); counts from {least} to {most}, expected {expected:F1} each");
        Assert.True(least > 0, "a TTL entry was never sampled");
        var free = new RemovingVisitor { Arena = arena, Modulus = 1, Removed = new List<string>() };
        table.Clear(ref free);
    }

    [Fact]
    public void OneTtlKeyAmongAMillionIsFoundEveryTime()
    {
        using var arena = new Arena();
        using var table = new KeyTable(arena);
        const int N = 1_000_000;
        var keyBuf = new byte[16];
        byte* needle = null;
        for (int i = 0; i < N; i++)
        {
            int len = Encoding.ASCII.GetBytes("m" + i, keyBuf);
            var key = new ReadOnlySpan<byte>(keyBuf, 0, len);
            byte* e = NewEntry(arena, key, i, ttl: i == N / 2);
            if (i == N / 2) needle = e;
            table.Insert(e, KeyHash.Hash(key));
        }
        Assert.Equal(1, table.ExpiringCount);
        ulong rng = 99;
        for (int s = 0; s < 1_000; s++) Assert.Equal((IntPtr)needle, (IntPtr)table.RandomExpiringEntry(ref rng));

        // The expiry walk visits only that key, and ends.
        var v = new RemovingVisitor { Arena = arena, Modulus = int.MaxValue, Removed = new List<string>() };
        uint cursor = 0;
        int calls = 0;
        do { cursor = table.ScanExpiring(cursor, ref v); calls++; } while (cursor != 0);
        Assert.Equal(1, v.Visits);
        _output.WriteLine($"{table.SegmentCount} segments, depth {table.GlobalDepth}: the expiry walk took {calls} calls");

        var free = new RemovingVisitor { Arena = arena, Modulus = 1, Removed = new List<string>() };
        table.Clear(ref free);
        Assert.True(table.RandomExpiringEntry(ref rng) == null);
    }

    /// <summary>A TTL key present for the whole expiry walk is visited despite splits under the cursor; no key without one is.</summary>
    [Theory]
    [InlineData(1, 5_000, 40_000, 3)]
    [InlineData(2, 300, 30_000, 50)]
    public void ScanExpiringVisitsEveryTtlKeyDespiteSplits(int seed, int initial, int insertedDuringWalk, int ttlOneIn)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        using var table = new KeyTable(arena);
        var stable = new HashSet<string>();
        int id = 0;
        for (int i = 0; i < initial; i++)
        {
            byte[] key = Encoding.ASCII.GetBytes($"s:{seed}:{id}");
            bool ttl = rng.Next(ttlOneIn) == 0;
            table.Insert(NewEntry(arena, key, id++, ttl), KeyHash.Hash(key));
            if (ttl) stable.Add(Name(key));
        }
        int segmentsBefore = table.SegmentCount;
        var during = new NameVisitor { Seen = new HashSet<string>() };
        uint cursor = 0;
        do
        {
            cursor = table.ScanExpiring(cursor, ref during);
            int burst = rng.Next(0, 2 * insertedDuringWalk / Math.Max(1, segmentsBefore) + 50);
            for (int j = 0; j < burst && id < initial + insertedDuringWalk; j++)
            {
                byte[] key = Encoding.ASCII.GetBytes($"g:{seed}:{id}");
                table.Insert(NewEntry(arena, key, id++, rng.Next(ttlOneIn) == 0), KeyHash.Hash(key));
            }
        } while (cursor != 0);
        Assert.True(table.SegmentCount > segmentsBefore, "the walk should have seen splits");
        foreach (string name in stable) Assert.Contains(name, during.Seen);
        table.VerifyExpiringCounts();

        // A walk of the table as it now stands visits each TTL key exactly once.
        var names = new NameVisitor { Seen = new HashSet<string>() };
        cursor = 0;
        do cursor = table.ScanExpiring(cursor, ref names); while (cursor != 0);
        Assert.Equal(table.ExpiringCount, names.Visits);
        Assert.Equal(names.Visits, names.Seen.Count);
        var free = new RemovingVisitor { Arena = arena, Modulus = 1, Removed = new List<string>() };
        table.Clear(ref free);
    }

    struct NameVisitor : IEntryVisitor
    {
        public HashSet<string> Seen;
        public int Visits;
        public bool Visit(byte* entry)
        {
            Assert.True(KeyEntry.HasExpire(entry));
            Seen.Add(Name(KeyEntry.Key(entry)));
            Visits++;
            return false;
        }
    }

    static byte[] TakeRandom(List<byte[]> list, Random rng)
    {
        int i = rng.Next(list.Count);
        byte[] v = list[i];
        list[i] = list[^1];
        list.RemoveAt(list.Count - 1);
        return v;
    }
}
