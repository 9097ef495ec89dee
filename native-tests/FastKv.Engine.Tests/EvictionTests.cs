using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// Eviction inside the engine, with the clock in the test's hands: the pool against a reference model, the LFU
/// counter against Redis's formulas, and the Evictor choosing keys as each policy says.
/// </summary>
public unsafe class EvictionTests
{
    static string I(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A one-shard engine with a fixed random seed (sampling and the LFU counter) and no eviction time limit: a
    /// preempted test thread must not cut an eviction short, since no event loop is here to finish it.
    /// </summary>
    static EngineHarness New()
    {
        var h = new EngineHarness();
        h.Server.Shards[0].Rng = 0x9E3779B97F4A7C15UL;
        Assert.Null(h.Server.Config.Set("maxmemory-eviction-tenacity", "100"));
        return h;
    }

    /// <summary>
    /// The pool keeps the best <see cref="EvictionPool.Size"/> scores offered (less the ones taken from its best end),
    /// in ascending order: the model is a sorted list with the same rule.
    /// </summary>
    [Fact]
    public void Pool_KeepsTheBestOffered_AsTheModelDoes()
    {
        var rng = new Random(11);
        for (int run = 0; run < 200; run++)
        {
            var pool = new EvictionPool();
            var model = new List<(ulong Score, string Key)>();
            var usedScores = new HashSet<ulong>();
            for (int step = 0; step < 300; step++)
            {
                if (rng.Next(4) == 0 && model.Count > 0)
                {
                    // The evictor takes the best used entry first.
                    int k = EvictionPool.Size - 1;
                    while (!pool.Used(k)) k--;
                    Assert.Equal(model[^1].Key, Encoding.ASCII.GetString(pool.Key(k)));
                    pool.Remove(k);
                    model.RemoveAt(model.Count - 1);
                }
                else
                {
                    ulong score;
                    do score = (ulong)rng.Next(1, 10_000); while (!usedScores.Add(score));
                    // Keys of every length, some past the 255 bytes an entry keeps without allocating.
                    string key = "k" + score + new string('x', rng.Next(4) == 0 ? rng.Next(200, 400) : rng.Next(0, 8));
                    pool.Offer(score, rng.Next(16), Encoding.ASCII.GetBytes(key));
                    if (model.Count < EvictionPool.Size) model.Add((score, key));
                    else if (score > model[0].Score)
                    {
                        model.RemoveAt(0);
                        model.Add((score, key));
                    }
                    model.Sort((a, b) => a.Score.CompareTo(b.Score));
                }
                var held = new List<(ulong, string)>();
                for (int k = 0; k < EvictionPool.Size; k++)
                    if (pool.Used(k)) held.Add((pool.Score(k), Encoding.ASCII.GetString(pool.Key(k))));
                Assert.Equal(model, held);
            }
        }
    }

    /// <summary>Redis's table for lfu-log-factor 10 (redis.conf): about 10 after 100 hits, 18 after 1000.</summary>
    [Fact]
    public void LfuCounter_ClimbsLogarithmically_AsRedisDocuments()
    {
        using var h = New();
        h.Server.Config.Set("maxmemory-policy", "allkeys-lfu");
        Shard shard = h.Server.Shards[0];
        shard.UpdateClock();
        Assert.True(shard.LfuMode);
        uint bits = AccessClock.Initial(shard);
        Assert.Equal(AccessClock.LfuInitVal, bits & 0xFF);
        Assert.Equal(shard.LfuMinutes, (bits >> 8) & 0xFFFF);
        byte* e = stackalloc byte[16];
        KeyEntry.SetLru(e, bits);
        for (int i = 0; i < 100; i++) AccessClock.Touch(shard, e);
        uint after100 = KeyEntry.Lru(e) & 0xFF;
        for (int i = 0; i < 900; i++) AccessClock.Touch(shard, e);
        uint after1000 = KeyEntry.Lru(e) & 0xFF;
        Assert.InRange(after100, 7u, 14u);
        Assert.InRange(after1000, 14u, 23u);
        // lfu-log-factor 0: every access counts, up to 255.
        h.Server.Config.Set("lfu-log-factor", "0");
        KeyEntry.SetLru(e, AccessClock.Initial(shard));
        for (int i = 0; i < 300; i++) AccessClock.Touch(shard, e);
        Assert.Equal(255u, KeyEntry.Lru(e) & 0xFF);
    }

    [Fact]
    public void LfuCounter_DecaysOnePerDecayPeriod_AndTheClockWraps()
    {
        using var h = New();
        h.Server.Config.Set("maxmemory-policy", "allkeys-lfu");
        Shard shard = h.Server.Shards[0];
        shard.UpdateClock();
        shard.LfuMinutes = 1000;
        Assert.Equal(10u, AccessClock.LfuDecayed(shard, (1000u << 8) | 10));
        Assert.Equal(7u, AccessClock.LfuDecayed(shard, (997u << 8) | 10));
        Assert.Equal(0u, AccessClock.LfuDecayed(shard, (900u << 8) | 10));
        h.Server.Config.Set("lfu-decay-time", "2");
        Assert.Equal(9u, AccessClock.LfuDecayed(shard, (997u << 8) | 10));
        h.Server.Config.Set("lfu-decay-time", "0");
        Assert.Equal(10u, AccessClock.LfuDecayed(shard, (1u << 8) | 10));
        // The 16-bit minute clock wrapped: 65535 - ldt + now minutes have passed (Redis's LFUTimeElapsed).
        h.Server.Config.Set("lfu-decay-time", "1");
        shard.LfuMinutes = 2;
        Assert.Equal(6u, AccessClock.LfuDecayed(shard, (65534u << 8) | 9));
    }

    [Fact]
    public void IdleTime_FollowsTheLruClock_AcrossItsWrap()
    {
        using var h = New();
        Shard shard = h.Server.Shards[0];
        shard.LruClock = 500;
        Assert.Equal(200_000, AccessClock.IdleMillis(shard, 300));
        shard.LruClock = 5;
        Assert.Equal((5 + (long)(AccessClock.LruClockMax - (AccessClock.LruClockMax - 10))) * 1000,
            AccessClock.IdleMillis(shard, AccessClock.LruClockMax - 10));
    }

    /// <summary>Fills past maxmemory with SETs of 100-byte values; returns the harness (the caller disposes it).</summary>
    static EngineHarness Filled(string policy, int keys)
    {
        var h = New();
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory-policy", policy));
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory", I(h.Server.UsedMemory() + 2 * 1024 * 1024)));
        for (int i = 0; i < keys; i++)
            Assert.Equal("+OK\r\n", h.Run(EngineHarness.Command("SET", "key:" + i, new string('v', 100))));
        return h;
    }

    static long Evicted(EngineHarness h) => h.Server.Shards[0].Evictor.EvictedKeys;

    [Theory]
    [InlineData("allkeys-lru")]
    [InlineData("allkeys-lfu")]
    [InlineData("allkeys-random")]
    public void AllKeysPolicies_KeepUsedMemoryAtTheLimit(string policy)
    {
        using var h = Filled(policy, 60_000);
        Assert.True(Evicted(h) > 10_000, "evicted " + Evicted(h));
        long max = h.Server.Config.MaxMemory;
        // Each command is preceded by eviction, so the overshoot is at most one command's worth.
        Assert.InRange(h.Server.UsedMemory(), max - 64 * 1024, max + 1024);
        Assert.Equal(60_000 - Evicted(h), h.Server.Shards[0].KeyCount());
    }

    [Fact]
    public void AllKeysLru_EvictsTheLeastRecentlyUsedFirst()
    {
        using var h = New();
        Shard shard = h.Server.Shards[0];
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"));
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory-samples", "10"));
        shard.LruClock = 1000;
        for (int i = 0; i < 4000; i++) h.Run(EngineHarness.Command("SET", "old:" + i, new string('v', 100)));
        shard.LruClock = 1100;
        for (int i = 0; i < 4000; i++) h.Run(EngineHarness.Command("SET", "recent:" + i, new string('v', 100)));
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory", I(h.Server.UsedMemory())));
        shard.LruClock = 1200;
        for (int i = 0; i < 3000; i++) h.Run(EngineHarness.Command("SET", "new:" + i, new string('v', 100)));
        long evicted = Evicted(h);
        Assert.True(evicted > 2000, "evicted " + evicted);
        int oldLeft = 0, recentLeft = 0;
        for (int i = 0; i < 4000; i++)
        {
            if (h.Run(EngineHarness.Command("EXISTS", "old:" + i)) == ":1\r\n") oldLeft++;
            if (h.Run(EngineHarness.Command("EXISTS", "recent:" + i)) == ":1\r\n") recentLeft++;
        }
        // Sampling approximates LRU: nearly every victim is an old key while old keys remain.
        Assert.True(4000 - recentLeft < evicted / 20, $"recent keys evicted: {4000 - recentLeft} of {evicted}");
        Assert.True(oldLeft < 4000 - evicted * 9 / 10, $"old keys left: {oldLeft}");
    }

    [Fact]
    public void AllKeysLfu_KeepsTheFrequentlyUsed()
    {
        using var h = New();
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"));
        for (int i = 0; i < 4000; i++) h.Run(EngineHarness.Command("SET", "hot:" + i, new string('v', 100)));
        for (int round = 0; round < 100; round++)
            for (int i = 0; i < 4000; i++) h.Run(EngineHarness.Command("GET", "hot:" + i));
        for (int i = 0; i < 4000; i++) h.Run(EngineHarness.Command("SET", "cold:" + i, new string('v', 100)));
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory", I(h.Server.UsedMemory())));
        for (int i = 0; i < 3000; i++) h.Run(EngineHarness.Command("SET", "new:" + i, new string('v', 100)));
        int hotLeft = 0;
        for (int i = 0; i < 4000; i++)
            if (h.Run(EngineHarness.Command("EXISTS", "hot:" + i)) == ":1\r\n") hotLeft++;
        Assert.True(Evicted(h) > 2000, "evicted " + Evicted(h));
        Assert.True(hotLeft > 3900, "hot keys left: " + hotLeft);
    }

    [Theory]
    [InlineData("volatile-lru")]
    [InlineData("volatile-lfu")]
    [InlineData("volatile-random")]
    [InlineData("volatile-ttl")]
    public void VolatilePolicies_EvictOnlyKeysWithATtl_ThenRefuse(string policy)
    {
        using var h = New();
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory-policy", policy));
        for (int i = 0; i < 3000; i++)
        {
            h.Run(EngineHarness.Command("SET", "keep:" + i, new string('v', 100)));
            h.Run(EngineHarness.Command("SET", "ttl:" + i, new string('v', 100), "EX", I(1000 + i)));
        }
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory", I(h.Server.UsedMemory())));
        string reply = "";
        int i2 = 0;
        for (; i2 < 10_000; i2++)
        {
            reply = h.Run(EngineHarness.Command("SET", "more:" + i2, new string('v', 100)));
            if (reply != "+OK\r\n") break;
        }
        Assert.Equal("-OOM command not allowed when used memory > 'maxmemory'.\r\n", reply);
        Assert.Equal(3000, Evicted(h));
        for (int i = 0; i < 3000; i++) Assert.Equal(":1\r\n", h.Run(EngineHarness.Command("EXISTS", "keep:" + i)));
        Assert.Equal(":0\r\n", h.Run(EngineHarness.Command("EXISTS", "ttl:0")));
        // Reads and non-denyoom writes still run.
        Assert.Equal(":1\r\n", h.Run(EngineHarness.Command("DEL", "keep:0")));
        Assert.StartsWith("$100", h.Run(EngineHarness.Command("GET", "keep:1")));
    }

    [Fact]
    public void VolatileTtl_EvictsTheSoonestToExpireFirst()
    {
        using var h = New();
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory-policy", "volatile-ttl"));
        for (int i = 0; i < 4000; i++)
            h.Run(EngineHarness.Command("SET", "ttl:" + i, new string('v', 100), "EX", I(100_000 + i * 10)));
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory", I(h.Server.UsedMemory())));
        for (int i = 0; i < 1000; i++) h.Run(EngineHarness.Command("SET", "new:" + i, new string('v', 100)));
        long evicted = Evicted(h);
        int lateLost = 0;
        for (int i = 2000; i < 4000; i++)
            if (h.Run(EngineHarness.Command("EXISTS", "ttl:" + i)) == ":0\r\n") lateLost++;
        Assert.True(evicted > 500, "evicted " + evicted);
        Assert.True(lateLost < evicted / 10, $"{lateLost} of the later-expiring half went, of {evicted}");
    }

    [Fact]
    public void NoEviction_RefusesDenyOomCommands_InsideMultiToo()
    {
        using var h = New();
        h.Run(EngineHarness.Command("SET", "k", "v"));
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory", "1"));
        const string oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
        Assert.Equal(oom, h.Run(EngineHarness.Command("SET", "a", "b")));
        Assert.Equal(oom, h.Run(EngineHarness.Command("LPUSH", "l", "x")));
        Assert.Equal("$1\r\nv\r\n", h.Run(EngineHarness.Command("GET", "k")));
        Assert.Equal(":1\r\n", h.Run(EngineHarness.Command("EXPIRE", "k", "100")));
        // Inside MULTI every command but EXEC/DISCARD/QUIT/RESET is refused, and the transaction aborts.
        Assert.Equal("+OK\r\n", h.Run(EngineHarness.Command("MULTI")));
        Assert.Equal(oom, h.Run(EngineHarness.Command("GET", "k")));
        Assert.Equal("-EXECABORT Transaction discarded because of previous errors.\r\n", h.Run(EngineHarness.Command("EXEC")));
        // A transaction queued under the limit: its EXEC is refused when it holds a denyoom command.
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory", "0"));
        h.Run(EngineHarness.Command("MULTI"));
        h.Run(EngineHarness.Command("SET", "a", "b"));
        Assert.Null(h.Server.Config.Set("maxmemory", "1")); // as another client would
        // Redis's rejectCommand on EXEC: the transaction is discarded, naming the error.
        Assert.Equal("-EXECABORT Transaction discarded because of: " + oom.Substring(1), h.Run(EngineHarness.Command("EXEC")));
        Assert.Equal("-ERR DISCARD without MULTI\r\n", h.Run(EngineHarness.Command("DISCARD")));
        Assert.Equal(":0\r\n", h.Run(EngineHarness.Command("EXISTS", "a")));
    }

    [Fact]
    public void Eviction_InvalidatesWatch_AndAnnouncesEvicted()
    {
        using var h = New();
        var events = new List<string>();
        h.Server.Shards[0].Events.Sink = (ch, msg) => events.Add(Encoding.ASCII.GetString(ch) + " " + Encoding.ASCII.GetString(msg));
        h.Run(EngineHarness.Command("CONFIG", "SET", "notify-keyspace-events", "Ee"));
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory-policy", "allkeys-random"));
        h.Run(EngineHarness.Command("SET", "watched", "v"));
        h.Run(EngineHarness.Command("WATCH", "watched"));
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory", "1"));
        h.Run(EngineHarness.Command("MULTI"));
        Assert.Contains("OOM", h.Run(EngineHarness.Command("SET", "x", "y")));
        Assert.StartsWith("-EXECABORT", h.Run(EngineHarness.Command("EXEC")));
        Assert.Equal(":0\r\n", h.Run(EngineHarness.Command("EXISTS", "watched")));
        Assert.Contains("__keyevent@0__:evicted watched", events);
        Assert.Equal(1, Evicted(h));
    }

    /// <summary>Evicting a hash of 300k fields takes well over a millisecond: LATENCY records Redis's two events.</summary>
    [Fact]
    public void SlowEviction_IsALatencyEvent()
    {
        using var h = New();
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory-policy", "allkeys-random"));
        h.Run(EngineHarness.Command("CONFIG", "SET", "latency-monitor-threshold", "1"));
        for (int b = 0; b < 300; b++)
        {
            var args = new List<string> { "HSET", "big" };
            for (int i = 0; i < 1000; i++)
            {
                args.Add("field:" + (b * 1000 + i));
                args.Add("value-" + i);
            }
            h.Run(EngineHarness.Command(args.ToArray()));
        }
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory", I(h.Server.UsedMemory() / 2)));
        Assert.Equal("+OK\r\n", h.Run(EngineHarness.Command("SET", "small", "v")));
        Assert.Equal(":0\r\n", h.Run(EngineHarness.Command("EXISTS", "big")));
        string latest = h.Run(EngineHarness.Command("LATENCY", "LATEST"));
        Assert.Contains("eviction-del", latest);
        Assert.Contains("eviction-cycle", latest);
    }

    /// <summary>
    /// A connection borrows a 16 KiB chunk for each read and hands it back after: at the limit, each SET of a new key
    /// evicts about one key, not a chunk's worth of keys that the next SETs then refill.
    /// </summary>
    [Fact]
    public void BorrowedReadBuffers_DoNotChurnTheKeyspace()
    {
        using var h = New();
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"));
        for (int i = 0; i < 20_000; i++) h.Run(EngineHarness.Command("SET", "fill:" + i, new string('v', 100)));
        h.Run(EngineHarness.Command("CONFIG", "SET", "maxmemory", I(h.Server.UsedMemory())));
        for (int i = 0; i < 200; i++) h.Run(EngineHarness.Command("SET", "warm:" + i, new string('v', 100)));
        long before = Evicted(h);
        for (int i = 0; i < 2000; i++) Assert.Equal("+OK\r\n", h.Run(EngineHarness.Command("SET", "new:" + i, new string('v', 100))));
        long evicted = Evicted(h) - before;
        Assert.InRange(evicted, 1000, 3000);
    }
}
