using System;
using System.Collections.Generic;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// DESIGN.md principle 5: a steady-state GET/SET loop allocates no managed memory. The requests go
/// through the real session (parser, command lookup, routing, handler, reply writer, stats).
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
        }
        int len = 0;
        foreach (var p in parts) len += p.Length;
        var all = new byte[len];
        int o = 0;
        foreach (var p in parts) { p.CopyTo(all, o); o += p.Length; }
        return all;
    }

    [Fact]
    public void SteadyGetSetLoop_AllocatesNothing()
    {
        using var h = new EngineHarness(slowlog: false);
        byte[][] rounds = { Pipeline(200, 0), Pipeline(200, 1) };
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
