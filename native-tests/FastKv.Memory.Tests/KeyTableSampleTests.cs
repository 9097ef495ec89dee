using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>
/// Eviction's samplers against a managed model: KeyTable.Sample returns live entries, as many as asked when the
/// table holds that many, every entry eventually, and no favourite slot within a bucket; SampleExpiring returns only
/// entries with an expiry, sweeps every one of them in turn, and returns nothing iff none is left.
/// </summary>
public unsafe class KeyTableSampleTests
{
    static byte* NewEntry(Arena arena, string key, int id, bool ttl)
    {
        byte[] k = Encoding.ASCII.GetBytes(key);
        int size = KeyEntry.SizeFor(k.Length, 4, ttl);
        byte* e = arena.Alloc((nuint)size);
        KeyEntry.Init(e, (int)Arena.UsableSize((nuint)size), 0, 0, k, 4, ttl ? 1_000_000 + id : -1);
        *(int*)KeyEntry.ValuePtr(e) = id;
        return e;
    }

    static int IdOf(byte* e) => *(int*)KeyEntry.ValuePtr(e);

    /// <summary>A table of <paramref name="n"/> keys, every <paramref name="ttlEvery"/>-th with an expiry (0: none).</summary>
    static (Arena, KeyTable, Dictionary<int, bool>) Build(int n, int ttlEvery, int seed)
    {
        var arena = new Arena();
        var table = new KeyTable(arena);
        var model = new Dictionary<int, bool>();
        var rng = new Random(seed);
        for (int i = 0; i < n; i++)
        {
            bool ttl = ttlEvery > 0 && rng.Next(ttlEvery) == 0;
            string key = "key:" + i;
            table.Insert(NewEntry(arena, key, i, ttl), KeyHash.Hash(Encoding.ASCII.GetBytes(key)));
            model[i] = ttl;
        }
        return (arena, table, model);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(7, 5)]
    [InlineData(3000, 5)]
    [InlineData(50_000, 16)]
    public void Sample_ReturnsLiveEntries_AndReachesEveryOne(int keys, int max)
    {
        var (arena, table, model) = Build(keys, 0, keys);
        using (arena)
        using (table)
        {
            ulong rng = 12345;
            byte** dst = stackalloc byte*[64];
            var seen = new HashSet<int>();
            for (int call = 0; call < keys * 4 + 100 && seen.Count < keys; call++)
            {
                int n = table.Sample(dst, max, ref rng);
                Assert.InRange(n, 1, max);
                if (keys >= max * 2) Assert.Equal(max, n);
                for (int i = 0; i < n; i++)
                {
                    int id = IdOf(dst[i]);
                    Assert.True(model.ContainsKey(id));
                    seen.Add(id);
                }
            }
            Assert.Equal(keys, seen.Count);
        }
    }

    [Fact]
    public void Sample_OfAnEmptyTable_IsNothing()
    {
        using var arena = new Arena();
        using var table = new KeyTable(arena);
        ulong rng = 1;
        byte** dst = stackalloc byte*[4];
        Assert.Equal(0, table.Sample(dst, 4, ref rng));
    }

    /// <summary>
    /// Slots fill in insertion order, so a sampler that took each bucket's first slot would see the oldest keys far
    /// more often. Over many samples of a full table, the first and the last tenth of the insertion order are drawn
    /// about equally often.
    /// </summary>
    [Fact]
    public void Sample_DoesNotFavourAnInsertionAge()
    {
        const int keys = 20_000;
        var (arena, table, _) = Build(keys, 0, 99);
        using (arena)
        using (table)
        {
            ulong rng = 777;
            byte** dst = stackalloc byte*[5];
            long oldest = 0, newest = 0;
            for (int call = 0; call < 40_000; call++)
            {
                int n = table.Sample(dst, 5, ref rng);
                for (int i = 0; i < n; i++)
                {
                    int id = IdOf(dst[i]);
                    if (id < keys / 10) oldest++;
                    else if (id >= keys - keys / 10) newest++;
                }
            }
            double ratio = (double)oldest / newest;
            Assert.InRange(ratio, 0.85, 1.18);
        }
    }

    [Theory]
    [InlineData(2000, 2)]
    [InlineData(20_000, 50)]
    [InlineData(200_000, 5000)]
    public void SampleExpiring_OnlyTtlEntries_SweepsThemAll_NothingWhenNone(int keys, int ttlEvery)
    {
        var (arena, table, model) = Build(keys, ttlEvery, keys + ttlEvery);
        using (arena)
        using (table)
        {
            int ttlKeys = 0;
            foreach (bool t in model.Values) if (t) ttlKeys++;
            Assert.True(ttlKeys > 0);
            ulong rng = 4242;
            uint cursor = 0;
            byte** dst = stackalloc byte*[8];
            var seen = new HashSet<int>();
            for (int call = 0; call < ttlKeys * 20 + 2000 && seen.Count < ttlKeys; call++)
            {
                int n = table.SampleExpiring(dst, 8, ref cursor, ref rng);
                for (int i = 0; i < n; i++)
                {
                    Assert.True(KeyEntry.HasExpire(dst[i]));
                    int id = IdOf(dst[i]);
                    Assert.True(model[id]);
                    seen.Add(id);
                }
            }
            Assert.Equal(ttlKeys, seen.Count);

            // Remove every key with a TTL: nothing to sample, whatever the cursor.
            foreach (var (id, ttl) in model)
            {
                if (!ttl) continue;
                byte[] k = Encoding.ASCII.GetBytes("key:" + id);
                byte* e = table.Remove(k, KeyHash.Hash(k));
                arena.Free(e, (nuint)KeyEntry.AllocSize(e));
            }
            for (int call = 0; call < 10; call++) Assert.Equal(0, table.SampleExpiring(dst, 8, ref cursor, ref rng));
        }
    }
}
