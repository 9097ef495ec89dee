using System;
using System.Collections.Generic;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// The server's small introspection commands against Redis 7.2.4: HELP texts, CLIENT SETINFO / NO-EVICT /
/// NO-TOUCH, OBJECT FREQ / IDLETIME / REFCOUNT, SLOWLOG, MEMORY DOCTOR, TIME and RANDOMKEY (which picks
/// its shard by itself), at --threads 1 and 4. Byte for byte where the reply does not depend on the clock.
/// </summary>
public class IntrospectionDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    OraclePair Open(int threads) => new(servers.Oracle.Server, servers.TargetWithThreads(threads).Server);

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void HelpTexts_MatchRedis(int threads)
    {
        using OraclePair p = Open(threads);
        p.Same("OBJECT", "HELP");
        p.Same("SLOWLOG", "HELP");
        p.Same("COMMAND", "HELP");
        // PUBSUB HELP: PubSubDifferentialTests holds it to 7.0.15's text ("Prints this help.") until it moves to 7.2.4.
        p.Same("OBJECT", "HELP", "extra");
        // These containers have subcommands FastKv does not have yet, which Redis's text describes: the
        // frame (first line, closing HELP lines) and every subcommand line we show must still be Redis's.
        foreach (string[] help in new[] { new[] { "CLIENT", "HELP" }, new[] { "CONFIG", "HELP" }, new[] { "MEMORY", "HELP" } })
        {
            List<string> o = Resp.Parse(p.Oracle.Call(help)).Items!.Select(v => v.Text!).ToList();
            List<string> t = Resp.Parse(p.Target.Call(help)).Items!.Select(v => v.Text!).ToList();
            Assert.Equal(o[0], t[0]);
            Assert.Equal(o[^2..], t[^2..]);
            foreach (string line in t.Where(l => !l.StartsWith(' ')))
                Assert.Contains(line, o);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ClientSetInfoNoEvictNoTouch_MatchRedis(int threads)
    {
        using OraclePair p = Open(threads);
        p.Same("CLIENT", "SETINFO", "lib-name", "mylib");
        p.Same("CLIENT", "SETINFO", "lib-ver", "1.2.3");
        p.Same("CLIENT", "SETINFO", "lib-name", "has space");
        p.Same("CLIENT", "SETINFO", "lib-ver", "line\nbreak");
        p.Same("CLIENT", "SETINFO", "no-such-attr", "x");
        p.Same("CLIENT", "SETINFO", "lib-name");
        Assert.Contains("lib-name=mylib lib-ver=1.2.3", Resp.AsString(p.Target.Call("CLIENT", "INFO")));
        p.Same("CLIENT", "NO-EVICT", "on");
        p.Same("CLIENT", "NO-EVICT", "OFF");
        p.Same("CLIENT", "NO-EVICT", "maybe");
        p.Same("CLIENT", "NO-TOUCH", "on");
        p.Same("CLIENT", "NO-TOUCH", "off");
        p.Same("CLIENT", "NO-TOUCH", "sometimes");
        p.Same("CLIENT", "NO-TOUCH");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ObjectFreqIdleTimeRefCount_MatchRedis(int threads)
    {
        using OraclePair p = Open(threads);
        p.Same("FLUSHALL");
        p.Same("SET", "obj:s", "abc");
        p.Same("RPUSH", "obj:l", "a", "b");
        foreach (string key in new[] { "obj:s", "obj:l", "obj:missing" })
        {
            p.Same("OBJECT", "FREQ", key); // no LFU policy: Redis's error for a present key, null for a missing one
            p.Same("OBJECT", "REFCOUNT", key);
        }
        p.Same("OBJECT", "IDLETIME", "obj:missing");
        RespValue idle = Resp.Parse(p.Target.Call("OBJECT", "IDLETIME", "obj:s"));
        Assert.True(idle.Integer >= 0, idle.ToString());
        p.Same("OBJECT", "FREQ");
    }

    /// <summary>
    /// A blocking command enters the slowlog when it ends (served, or timed out), not when it blocks, after the write
    /// that served it, as Redis's updateStatsOnUnblock logs it. The entries' arguments and order are compared.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void SlowlogBlockedCommand_LoggedWhenItEnds(int threads)
    {
        using OraclePair p = Open(threads);
        using RespConnection bo = servers.Oracle.Server.Connect(), bt = servers.TargetWithThreads(threads).Server.Connect();
        p.Same("DEL", "slowb", "slowc");
        p.Same("CONFIG", "SET", "slowlog-log-slower-than", "0");
        try
        {
            p.Same("SLOWLOG", "RESET");
            foreach (var (b, c) in new[] { (bo, p.Oracle), (bt, p.Target) })
            {
                b.SendCommand("BLPOP", "slowb", "0");
                WaitBlocked(c, 1);
            }
            SameSlowlog(p);
            p.Same("LPUSH", "slowb", "x");
            Assert.Equal(Resp.AsString(bo.ReadReply()), Resp.AsString(bt.ReadReply()));
            foreach (RespConnection c in new[] { p.Oracle, p.Target }) WaitBlocked(c, 0);
            SameSlowlog(p);
            // A timeout ends it too.
            Assert.Equal(Resp.AsString(bo.Call("BLPOP", "slowc", "0.01")), Resp.AsString(bt.Call("BLPOP", "slowc", "0.01")));
            SameSlowlog(p);
        }
        finally
        {
            p.Same("CONFIG", "SET", "slowlog-log-slower-than", "10000");
        }
    }

    static void WaitBlocked(RespConnection c, int n)
    {
        System.DateTime deadline = System.DateTime.UtcNow.AddSeconds(30);
        while (!Resp.AsString(c.Call("INFO", "clients")).Contains("\r\nblocked_clients:" + n + "\r\n"))
        {
            Assert.True(System.DateTime.UtcNow < deadline, "blocked_clients never became " + n);
            System.Threading.Thread.Sleep(10);
        }
    }

    /// <summary>
    /// SLOWLOG GET -1 on both: the same entries' arguments in the same order (times and durations differ), leaving out
    /// the INFO calls of <see cref="WaitBlocked"/> (as many as it took).
    /// </summary>
    static void SameSlowlog(OraclePair p)
    {
        string Args(RespConnection c) => string.Join(" | ", Resp.Parse(c.Call("SLOWLOG", "GET", "-1")).Items!
            .Select(e => string.Join(" ", e.Items![3].Items!.Select(a => a.Text))).Where(a => !a.StartsWith("INFO", System.StringComparison.Ordinal)));
        Assert.Equal(Args(p.Oracle), Args(p.Target));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void SlowlogGetLenReset_MatchRedis(int threads)
    {
        using OraclePair p = Open(threads);
        p.Same("CONFIG", "SET", "slowlog-log-slower-than", "0");
        try
        {
            p.Same("SLOWLOG", "RESET");
            p.Same("SET", "slow:a", "1");
            p.Same("GET", "slow:a");
            p.Same("SLOWLOG", "LEN");
            // Entries carry times and durations; their arguments and order must be Redis's.
            foreach (string[] get in new[] { new[] { "SLOWLOG", "GET" }, new[] { "SLOWLOG", "GET", "2" }, new[] { "SLOWLOG", "GET", "-1" } })
            {
                RespValue o = Resp.Parse(p.Oracle.Call(get)), t = Resp.Parse(p.Target.Call(get));
                Assert.Equal(o.Items!.Count, t.Items!.Count);
                for (int i = 0; i < o.Items.Count; i++)
                    Assert.Equal(o.Items[i].Items![3].Items!.Select(a => a.Text), t.Items[i].Items![3].Items!.Select(a => a.Text));
            }
            p.Same("SLOWLOG", "GET", "nope");
            p.Same("SLOWLOG", "RESET", "extra");
        }
        finally
        {
            p.Same("CONFIG", "SET", "slowlog-log-slower-than", "10000");
        }
        p.Same("SLOWLOG", "RESET");
        p.Same("SLOWLOG", "LEN");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void TimeAndMemoryDoctor_AnswerAsRedis(int threads)
    {
        using OraclePair p = Open(threads);
        RespValue time = Resp.Parse(p.Target.Call("TIME"));
        Assert.Equal(2, time.Items!.Count);
        long seconds = long.Parse(time.Items[0].Text!), micros = long.Parse(time.Items[1].Text!);
        Assert.InRange(micros, 0, 999_999);
        Assert.InRange(seconds, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600);
        p.Same("TIME", "extra");
        RespValue doctor = Resp.Parse(p.Target.Call("MEMORY", "DOCTOR"));
        Assert.False(doctor.IsError, doctor.ToString());
        Assert.NotEmpty(doctor.Data!);
        // Both servers hold well under 5 MB here: Redis's report for an instance too small to judge.
        p.Same("FLUSHALL");
        p.Same("MEMORY", "DOCTOR");
        p.Same("MEMORY", "DOCTOR", "extra");
    }

    /// <summary>
    /// MEMORY STATS has Redis's fields in Redis's order, a db.N map for each database with keys, and the exact key
    /// count; its byte figures are FastKv's own. PURGE and HELP answer as Redis; MALLOC-STATS as a Redis without jemalloc.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void MemoryStatsPurgeHelp_AnswerAsRedis(int threads)
    {
        using OraclePair p = Open(threads);
        p.Same("FLUSHALL");
        p.Same("DEBUG", "POPULATE", "1000");
        p.Same("SELECT", "2");
        p.Same("SET", "a", "b");
        p.Same("SELECT", "0");
        static List<string> Shape(RespValue v) => v.Items!.Select((x, i) => i % 2 == 0 ? x.Text! : x.Items != null ? "{" + string.Join(",", Shape(x)) + "}" : "_").ToList();
        RespValue ours = Resp.Parse(p.Target.Call("MEMORY", "STATS"));
        Assert.Equal(Shape(Resp.Parse(p.Oracle.Call("MEMORY", "STATS"))), Shape(ours));
        var fields = new Dictionary<string, string>();
        for (int i = 0; i < ours.Items!.Count; i += 2)
            if (ours.Items[i + 1].Items == null) fields[ours.Items[i].Text!] = ours.Items[i + 1].Text!;
        Assert.Equal("1001", fields["keys.count"]);
        long total = long.Parse(fields["total.allocated"]), dataset = long.Parse(fields["dataset.bytes"]);
        Assert.InRange(dataset, 1, total);
        Assert.InRange(long.Parse(fields["peak.allocated"]), total, long.MaxValue);
        Assert.InRange(long.Parse(fields["overhead.total"]), 0, total);
        Assert.Equal(long.Parse(fields["overhead.total"]) + dataset, total);
        p.Same("MEMORY", "PURGE");
        p.Same("MEMORY", "HELP");
        p.Same("MEMORY", "STATS", "extra");
        Assert.Equal("$45\r\nStats not supported for the current allocator\r\n", Resp.AsString(p.Target.Call("MEMORY", "MALLOC-STATS")));
    }

    /// <summary>RANDOMKEY finds the one key whichever shard holds it, and null on an empty database.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void RandomKey_FindsKeysOnAnyShard(int threads)
    {
        using OraclePair p = Open(threads);
        p.Same("FLUSHALL");
        p.Same("RANDOMKEY");
        for (int i = 0; i < 16; i++)
        {
            p.Same("SET", "rk:" + i, "v");
            p.Same("RANDOMKEY"); // the only key
            p.Same("DEL", "rk:" + i);
        }
        var keys = new HashSet<string>();
        for (int i = 0; i < 8; i++) p.Same("SET", "many:" + i, "v");
        for (int i = 0; i < 200; i++) keys.Add(Resp.Parse(p.Target.Call("RANDOMKEY")).Text!);
        Assert.Subset(Enumerable.Range(0, 8).Select(i => "many:" + i).ToHashSet(), keys);
        Assert.True(keys.Count > 1, "RANDOMKEY always named " + string.Join(",", keys));
        p.Same("SELECT", "3");
        p.Same("RANDOMKEY");
        p.Same("RANDOMKEY", "extra");
    }
}
