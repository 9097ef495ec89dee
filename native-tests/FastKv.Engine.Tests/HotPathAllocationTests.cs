using System;
using System.Collections.Generic;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// DESIGN.md principle 5: a steady-state GET/SET loop, with HSET/HGET/HINCRBY on small hashes, allocates
/// no managed memory. The requests go through the real session (parser, command lookup, routing,
/// handler, reply writer, stats).
/// </summary>
public class HotPathAllocationTests
{
    static byte[] Pipeline(int keys, int round)
    {
        var parts = new List<byte[]>();
        for (int i = 0; i < keys; i++)
        {
            string key = "memtier-" + (i * 7919 % 100_000);
            parts.Add(EngineHarness.Command("SET", key, "value-" + round + "-0123456789abcdef0123456789"));
            parts.Add(EngineHarness.Command("GET", key));
            parts.Add(EngineHarness.Command("SETEX", key, "1000", "v" + round));
            parts.Add(EngineHarness.Command("GET", "missing-" + i));
            parts.Add(EngineHarness.Command("INCR", "counter-" + (i % 10)));
            // Small hashes (listpack): overwrite, read, read a missing field, count.
            string hash = "hash-" + (i % 50);
            parts.Add(EngineHarness.Command("HSET", hash, "field-" + (i % 10), "value-" + round + "-" + i, "n", (i + round).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            parts.Add(EngineHarness.Command("HGET", hash, "field-" + (i % 10)));
            parts.Add(EngineHarness.Command("HGET", hash, "n"));
            parts.Add(EngineHarness.Command("HGET", hash, "missing"));
            parts.Add(EngineHarness.Command("HINCRBY", hash, "counter", "1"));
        }
        int len = 0;
        foreach (var p in parts) len += p.Length;
        var all = new byte[len];
        int o = 0;
        foreach (var p in parts) { p.CopyTo(all, o); o += p.Length; }
        return all;
    }

    /// <summary>
    /// <paramref name="lookAhead"/>: the pipeline look-ahead runs however few keys there are (its window's parse is
    /// taken by the session), and each round also carries MSETs of 151 arguments (parsed into its scratch list).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SteadyGetSetLoop_AllocatesNothing(bool lookAhead)
    {
        using var h = new EngineHarness(slowlog: false);
        byte[][] rounds = { Pipeline(200, 0), Pipeline(200, 1) };
        if (lookAhead)
        {
            h.Run(EngineHarness.Command("CONFIG", "SET", "fastkv-lookahead-min-keys", "0"));
            var mset = new List<string> { "MSET" };
            for (int i = 0; i < 75; i++) mset.AddRange(["mset-" + i, "v" + i]);
            byte[] big = EngineHarness.Command(mset.ToArray());
            for (int r = 0; r < rounds.Length; r++)
                rounds[r] = [.. rounds[r], .. big, .. rounds[r], .. big];
        }
        // Warm up: tiered JIT, buffers grown to their steady size, keys present.
        for (int i = 0; i < 300; i++)
        {
            h.Session.Feed(rounds[i & 1]);
            h.Session.Output.Clear();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++)
        {
            h.Session.Feed(rounds[i & 1]);
            h.Session.Output.Clear();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Contains("$", h.Run(EngineHarness.Command("GET", "memtier-0")));
    }

    /// <summary>
    /// SETs over a keyspace larger than maxmemory holds: every round evicts (sampling, the pool, deletes, the
    /// published budget) and allocates nothing, under each kind of policy.
    /// </summary>
    [Theory]
    [InlineData("allkeys-lru")]
    [InlineData("allkeys-lfu")]
    [InlineData("allkeys-random")]
    [InlineData("volatile-ttl")]
    public void SteadySetsUnderEviction_AllocateNothing(string policy)
    {
        using var h = new EngineHarness(slowlog: false);
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory-policy", policy));
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory", (h.Server.UsedMemory() + 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var rounds = new byte[8][];
        for (int r = 0; r < rounds.Length; r++)
        {
            var parts = new List<byte>();
            for (int i = 0; i < 2000; i++)
                parts.AddRange(EngineHarness.Command("SET", "evict-" + (r * 2000 + i), new string('v', 100), "EX", "100000"));
            rounds[r] = parts.ToArray();
        }
        for (int i = 0; i < 40; i++)
        {
            h.Session.Feed(rounds[i % rounds.Length]);
            h.Session.Output.Clear();
        }
        long evictedBefore = h.Server.Shards[0].Evictor.EvictedKeys;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 40; i++)
        {
            h.Session.Feed(rounds[i % rounds.Length]);
            h.Session.Output.Clear();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(h.Server.Shards[0].Evictor.EvictedKeys - evictedBefore > 10_000, "no steady eviction");
        Assert.Equal(0, allocated);
    }

    /// <summary>SADD, SISMEMBER (and SREM to stay steady) on small intset and listpack sets.</summary>
    static byte[] SetPipeline(int keys)
    {
        var parts = new List<byte[]>();
        for (int i = 0; i < keys; i++)
        {
            string ints = "set-int-" + i, strs = "set-str-" + i;
            parts.Add(EngineHarness.Command("SADD", ints, "1", "2", "3", "40000", "-7"));
            parts.Add(EngineHarness.Command("SADD", ints, "123456"));
            parts.Add(EngineHarness.Command("SISMEMBER", ints, "123456"));
            parts.Add(EngineHarness.Command("SISMEMBER", ints, "not-an-int"));
            parts.Add(EngineHarness.Command("SREM", ints, "123456"));
            parts.Add(EngineHarness.Command("SADD", strs, "alpha", "beta", "gamma", "17"));
            parts.Add(EngineHarness.Command("SADD", strs, "delta-" + (i % 3)));
            parts.Add(EngineHarness.Command("SISMEMBER", strs, "beta"));
            parts.Add(EngineHarness.Command("SISMEMBER", strs, "17"));
            parts.Add(EngineHarness.Command("SISMEMBER", strs, "missing"));
            parts.Add(EngineHarness.Command("SREM", strs, "delta-" + (i % 3)));
            parts.Add(EngineHarness.Command("SISMEMBER", "no-such-set-" + i, "x"));
        }
        int len = 0;
        foreach (var p in parts) len += p.Length;
        var all = new byte[len];
        int o = 0;
        foreach (var p in parts) { p.CopyTo(all, o); o += p.Length; }
        return all;
    }

    [Fact]
    public void SteadySmallSetLoop_AllocatesNothing()
    {
        using var h = new EngineHarness(slowlog: false);
        byte[] round = SetPipeline(100);
        for (int i = 0; i < 300; i++)
        {
            h.Session.Feed(round);
            h.Session.Output.Clear();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++)
        {
            h.Session.Feed(round);
            h.Session.Output.Clear();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal("$6\r\nintset\r\n", h.Run(EngineHarness.Command("OBJECT", "ENCODING", "set-int-7")));
        Assert.Equal("$8\r\nlistpack\r\n", h.Run(EngineHarness.Command("OBJECT", "ENCODING", "set-str-7")));
        Assert.Equal(":5\r\n", h.Run(EngineHarness.Command("SCARD", "set-int-7")));
        Assert.Equal(":4\r\n", h.Run(EngineHarness.Command("SCARD", "set-str-7")));
    }

    /// <summary>Small sorted sets (listpack): member updates, inserts and deletes, score and rank lookups.</summary>
    static byte[] ZSetPipeline(int keys, int round)
    {
        var parts = new List<byte[]>();
        for (int i = 0; i < keys; i++)
        {
            string key = "zset-" + (i % 20);
            string member = "member-" + (i % 16);
            parts.Add(EngineHarness.Command("ZADD", key, (round * 10 + i % 7) + ".5", member));
            parts.Add(EngineHarness.Command("ZADD", key, "GT", "CH", (i % 5).ToString(), member, "3", "other"));
            parts.Add(EngineHarness.Command("ZSCORE", key, member));
            parts.Add(EngineHarness.Command("ZRANK", key, member));
            parts.Add(EngineHarness.Command("ZREVRANK", key, "missing"));
            parts.Add(EngineHarness.Command("ZADD", key, "7", "transient"));
            parts.Add(EngineHarness.Command("ZREM", key, "transient"));
            parts.Add(EngineHarness.Command("ZCARD", key));
        }
        int len = 0;
        foreach (var p in parts) len += p.Length;
        var all = new byte[len];
        int o = 0;
        foreach (var p in parts) { p.CopyTo(all, o); o += p.Length; }
        return all;
    }

    [Fact]
    public void SteadySmallZSetLoop_AllocatesNothing()
    {
        using var h = new EngineHarness(slowlog: false);
        byte[][] rounds = { ZSetPipeline(200, 0), ZSetPipeline(200, 1) };
        for (int i = 0; i < 300; i++)
        {
            h.Session.Feed(rounds[i & 1]);
            h.Session.Output.Clear();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++)
        {
            h.Session.Feed(rounds[i & 1]);
            h.Session.Output.Clear();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal("$8\r\nlistpack\r\n", h.Run(EngineHarness.Command("OBJECT", "ENCODING", "zset-0")));
        // zset-0 gets i = 0, 20, 40 ...: members 0, 4, 8, 12 (i % 16) and "other"; "transient" comes and goes.
        Assert.Equal(":5\r\n", h.Run(EngineHarness.Command("ZCARD", "zset-0")));
    }

    [Fact]
    public void Replies_AreWhatRedisSends()
    {
        using var h = new EngineHarness();
        Assert.Equal("+OK\r\n", h.Run(EngineHarness.Command("SET", "k", "v")));
        Assert.Equal("$1\r\nv\r\n", h.Run(EngineHarness.Command("GET", "k")));
        Assert.Equal("$-1\r\n", h.Run(EngineHarness.Command("GET", "nope")));
        Assert.Equal(":1\r\n", h.Run(EngineHarness.Command("INCR", "n")));
        Assert.Equal("-ERR wrong number of arguments for 'get' command\r\n", h.Run(EngineHarness.Command("GET")));
    }
}
