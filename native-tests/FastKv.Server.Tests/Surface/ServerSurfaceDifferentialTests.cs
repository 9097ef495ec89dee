using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Surface;

/// <summary>
/// ROLE, CLUSTER, CONFIG GET/SET, LATENCY and INFO fields against Redis 7.2.4, at --threads 4 and 1: replies compared
/// byte for byte, except where Redis's order is its dict's (CONFIG GET patterns: compared as maps) or a value is a
/// measured time (LATENCY HISTOGRAM: shape and counts compared, bucket bounds checked against Redis's).
/// </summary>
public class ServerSurfaceDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int>> Threads() => [new(4), new(1)];

    private DualSession Session(int threads, string context) =>
        new(servers.Oracle.Server, servers.TargetWithThreads(threads).Server) { Context = $"{context}, --threads {threads}" };

    /// <summary>
    /// min-replicas-to-write with min-replicas-max-lag: a master without that many good replicas refuses writes with
    /// NOREPLICAS, at the gate (a write, a script that declared no no-writes, a transaction's writes, queued or at
    /// EXEC) or inside a script that declared nothing, at its first write; reads go on. Off again with either at 0.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void MinReplicasToWrite_RefusesWritesAsRedis(int threads)
    {
        using DualSession s = Session(threads, "min-replicas-to-write");
        s.Check("FLUSHALL");
        s.Check("SET", "x", "some value");
        s.Check("CONFIG", "RESETSTAT");
        s.Check("CONFIG", "SET", "min-replicas-to-write", "1");
        try
        {
            foreach (RespConnection c in new[] { s.Oracle, s.Target })
                Assert.Contains("\r\nmin_slaves_good_slaves:0\r\n", Resp.AsString(c.Call("INFO", "replication")));
            s.Check("SET", "x", "other");
            s.Check("GET", "x");
            s.Check("INCR", "n");
            s.Check("DEL", "x");
            s.Check("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "x");
            s.Check("EVAL", "return redis.call('get', KEYS[1])", "1", "x");
            s.Check("EVAL", "#!lua\nreturn redis.call('get', KEYS[1])", "1", "x");
            s.Check("EVAL", "return redis.call('set', KEYS[1], 'y')", "1", "x");
            s.Check("EVAL", "return redis.pcall('set', KEYS[1], 'y')", "1", "x");
            s.Check("MULTI");
            s.Check("GET", "x");
            s.Check("SET", "x", "z");
            s.Check("EXEC");
            s.Check("MULTI");
            s.Check("GET", "x");
            s.Check("EXEC");
            s.Check("CONFIG", "SET", "min-replicas-max-lag", "0");
            s.Check("SET", "y", "1");
            s.Check("CONFIG", "SET", "min-replicas-max-lag", "10");
            s.Check("SET", "y", "2");
            s.Check("GET", "y");
            s.Check("INFO", "errorstats");
        }
        finally
        {
            s.Check("CONFIG", "SET", "min-replicas-to-write", "0");
            s.Check("CONFIG", "SET", "min-replicas-max-lag", "10");
        }
        s.Check("SET", "y", "3");
        foreach (RespConnection c in new[] { s.Oracle, s.Target })
            Assert.DoesNotContain("min_slaves_good_slaves", Resp.AsString(c.Call("INFO", "replication")));
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void RoleAndCluster_AsAStandaloneMaster(int threads)
    {
        using DualSession s = Session(threads, "role/cluster");
        s.Check("ROLE");
        s.Check("CLUSTER", "SLOTS"); // memtier_benchmark's probe
        s.Check("CLUSTER", "INFO");
        s.Check("CLUSTER", "SHARDS");
        s.Check("CLUSTER", "HELP");
        s.Check("CLUSTER", "KEYSLOT", "k");
        s.Check("CLUSTER", "KEYSLOT");
        s.Check("CLUSTER", "NOPE");
        s.Check("CLUSTER");
        s.Check("READONLY");
        s.Check("READWRITE");
        s.Check("ROLE", "extra");
    }

    /// <summary>Every CLUSTER subcommand, with enough arguments for its arity, answers as a standalone Redis does.</summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void EveryClusterSubcommand_AnswersAsAStandaloneRedis(int threads)
    {
        using DualSession s = Session(threads, "cluster subcommands");
        string[][] calls =
        [
            ["cluster", "addslots", "1"], ["cluster", "addslotsrange", "1", "2"], ["cluster", "bumpepoch"],
            ["cluster", "count-failure-reports", "abc"], ["cluster", "countkeysinslot", "1"], ["cluster", "delslots", "1"],
            ["cluster", "delslotsrange", "1", "2"], ["cluster", "failover"], ["cluster", "flushslots"], ["cluster", "forget", "abc"],
            ["cluster", "getkeysinslot", "1", "10"], ["cluster", "links"], ["cluster", "meet", "127.0.0.1", "7000"],
            ["cluster", "myid"], ["cluster", "myshardid"], ["cluster", "nodes"], ["cluster", "replicas", "abc"],
            ["cluster", "replicate", "abc"], ["cluster", "reset"], ["cluster", "saveconfig"], ["cluster", "set-config-epoch", "1"],
            ["cluster", "setslot", "1", "stable"], ["cluster", "slaves", "abc"], ["cluster", "addslots"], ["cluster", "nodes", "extra"],
        ];
        foreach (string[] call in calls) s.Check(call);
    }

    /// <summary>
    /// The settings a stock redis.conf and Redis's own test configuration hold for things FastKv does not have (the
    /// logo, process title, syslog, THP, OOM score, modules...) and the shutdown ones: the same defaults, and CONFIG SET
    /// answers as Redis's for good and bad values.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void StockConfigFileNames_SameDefaultsAndChecks(int threads)
    {
        using DualSession s = Session(threads, "stock config names");
        string[] names =
        [
            "shutdown-on-sigterm", "shutdown-on-sigint", "shutdown-timeout", "activerehashing", "always-show-logo", "set-proc-title",
            "proc-title-template", "locale-collate", "syslog-enabled", "syslog-ident", "syslog-facility", "crash-log-enabled",
            "crash-memcheck-enabled", "dynamic-hz", "jemalloc-bg-thread", "disable-thp", "oom-score-adj", "oom-score-adj-values",
            "enable-module-command", "propagation-error-behavior", "acllog-max-len",
        ];
        foreach (string name in names) s.Check("CONFIG", "GET", name);
        string[][] sets =
        [
            ["shutdown-on-sigterm", "force nosave"], ["shutdown-on-sigterm", "save nosave"], ["shutdown-on-sigterm", "bogus"],
            ["shutdown-on-sigint", "now save force"], ["shutdown-on-sigint", "default save"], ["shutdown-on-sigint", "default"],
            ["shutdown-timeout", "-1"], ["shutdown-timeout", "3"], ["activerehashing", "NO"], ["always-show-logo", "yes"],
            ["oom-score-adj", "relative"], ["oom-score-adj", "maybe"], ["oom-score-adj-values", "1 2"],
            ["oom-score-adj-values", "0 2001 5"], ["oom-score-adj", "no"],
            ["oom-score-adj-values", "-5 +10 300"], ["oom-score-adj-values", "0 200 800"], ["propagation-error-behavior", "panic"], ["propagation-error-behavior", "nope"],
            ["propagation-error-behavior", "ignore"], ["enable-module-command", "yes"], ["acllog-max-len", "-1"],
            ["acllog-max-len", "128"], ["dynamic-hz", "no"], ["dynamic-hz", "yes"], ["syslog-facility", "local3"],
        ];
        foreach (string[] set in sets)
        {
            s.Check(["CONFIG", "SET", .. set]);
            s.Check("CONFIG", "GET", set[0]);
        }
        s.Check("CONFIG", "SET", "shutdown-on-sigterm", "default");
        s.Check("CONFIG", "SET", "shutdown-on-sigint", "default");
        s.Check("CONFIG", "SET", "shutdown-timeout", "10");
        s.Check("CONFIG", "SET", "activerehashing", "yes");
    }

    /// <summary>
    /// Redis's own "CONFIG sanity" test: every value CONFIG GET * gives is set back with CONFIG SET and reads back the
    /// same, but for the settings that test skips (immutable ones Redis shows). On both servers: FastKv's own immutable
    /// settings (threads, thread-affinity) are hidden from patterns, as aof-disable-auto-gc is in Redis, so a tool doing
    /// this meets nothing it cannot set.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void EveryConfigGetValue_SetsBack(int threads)
    {
        using DualSession s = Session(threads, "config sanity");
        string[] skip =
        [
            "rdbchecksum", "daemonize", "io-threads-do-reads", "tcp-backlog", "always-show-logo", "syslog-enabled",
            "cluster-enabled", "disable-thp", "aclfile", "unixsocket", "pidfile", "syslog-ident", "appendfilename",
            "appenddirname", "supervised", "syslog-facility", "databases", "io-threads", "logfile", "unixsocketperm",
            "replicaof", "slaveof", "requirepass", "server_cpulist", "bio_cpulist", "aof_rewrite_cpulist", "bgsave_cpulist",
            "set-proc-title", "cluster-config-file", "cluster-port", "oom-score-adj", "oom-score-adj-values",
            "enable-protected-configs", "enable-debug-command", "enable-module-command", "dbfilename", "dir",
            "socket-mark-id", "req-res-logfile", "client-default-resp",
        ];
        foreach (RespConnection c in new[] { s.Oracle, s.Target })
        {
            List<RespValue> all = Resp.Parse(c.Call("CONFIG", "GET", "*")).Items!;
            var before = new Dictionary<string, string>();
            for (int i = 0; i + 1 < all.Count; i += 2)
            {
                string name = all[i].Text!, value = all[i + 1].Text!;
                if (System.Array.IndexOf(skip, name) >= 0 || name.StartsWith("tls-", System.StringComparison.Ordinal)) continue;
                before[name] = value;
                Assert.True(Resp.AsString(c.Call("CONFIG", "SET", name, value)) == "+OK\r\n", $"CONFIG SET {name} {value} refused");
            }
            List<RespValue> again = Resp.Parse(c.Call("CONFIG", "GET", "*")).Items!;
            for (int i = 0; i + 1 < again.Count; i += 2)
                if (before.TryGetValue(again[i].Text!, out string? v)) Assert.Equal(v, again[i + 1].Text);
        }
        s.Check("CONFIG", "GET", "aof-disable-auto-gc");
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void ReplicationConfigNames_SameNamesAndDefaults(int threads)
    {
        using DualSession s = Session(threads, "replication names");
        foreach (string pattern in new[] { "*repl*", "*slave*", "*replica*", "*master*" })
            Assert.Equal(Map(s.Oracle.Call("CONFIG", "GET", pattern)), Map(s.Target.Call("CONFIG", "GET", pattern)));
        s.Check("CONFIG", "GET", "lua-time-limit");
        s.Check("CONFIG", "GET", "busy-reply-threshold");
        s.Check("CONFIG", "GET", "maxmemory-clients");
        s.Check("CONFIG", "GET", "tracking-table-max-keys");
        s.Check("CONFIG", "GET", "latency-monitor-threshold");
        s.Check("CONFIG", "GET", "SLAVE-READ-ONLY");
        Assert.Equal(Map(s.Oracle.Call("CONFIG", "GET", "maxmemory", "MaxMemory", "*max*lag*", "slaveof")),
                     Map(s.Target.Call("CONFIG", "GET", "maxmemory", "MaxMemory", "*max*lag*", "slaveof")));
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void ConfigSet_RedisChecksAndAllOrNothing(int threads)
    {
        using DualSession s = Session(threads, "config set");
        try
        {
            s.Check("CONFIG", "SET", "maxmemory", "1", "maxmemory", "2");
            s.Check("CONFIG", "SET", "maxmemory", "1", "MAXMEMORY", "2");
            s.Check("CONFIG", "SET", "maxmemory", "1", "foo");
            s.Check("CONFIG", "SET", "replicaof", "x", "nosuch", "1");
            s.Check("CONFIG", "SET", "nosuch", "1", "replicaof", "x");
            s.Check("CONFIG", "SET", "daemonize", "yes", "maxmemory", "1", "maxmemory", "1");
            s.Check("CONFIG", "SET", "maxmemory", "100", "repl-timeout", "0");
            s.Check("CONFIG", "GET", "maxmemory"); // the refused call left maxmemory alone
            s.Check("CONFIG", "SET", "lua-time-limit", "10", "busy-reply-threshold", "20");
            s.Check("CONFIG", "GET", "lua-time-limit");
            s.Check("CONFIG", "SET", "slave-priority", "7", "min-slaves-to-write", "0");
            s.Check("CONFIG", "GET", "replica-priority");
            s.Check("CONFIG", "SET", "replica-read-only", "maybe");
            s.Check("CONFIG", "SET", "repl-diskless-load", "swapdb");
            s.Check("CONFIG", "GET", "repl-diskless-load");
            s.Check("CONFIG", "SET", "masterauth", "secret");
            s.Check("CONFIG", "GET", "masterauth");
            s.Check("CONFIG", "SET", "maxmemory-clients", "5%");
            s.Check("CONFIG", "GET", "maxmemory-clients");
            s.Check("CONFIG", "SET", "maxmemory-clients", "1kb");
            s.Check("CONFIG", "GET", "maxmemory-clients");
            s.Check("CONFIG", "SET", "maxmemory-clients", "101%");
            s.Check("CONFIG", "SET", "maxmemory-clients", "lots");
            s.Check("CONFIG", "SET", "replica-announce-port", "65536");
            // An enum is stored and shown by its name, whatever the case it was given in.
            s.Check("CONFIG", "SET", "repl-diskless-load", "SwapDB");
            s.Check("CONFIG", "GET", "repl-diskless-load");
            s.Check("CONFIG", "SET", "sanitize-dump-payload", "CLIENTS");
            s.Check("CONFIG", "GET", "sanitize-dump-payload");
            // Two of the entry sizes are memory values, the third a plain number.
            s.Check("CONFIG", "SET", "hash-max-listpack-value", "1kb");
            s.Check("CONFIG", "GET", "hash-max-listpack-value");
            s.Check("CONFIG", "SET", "zset-max-ziplist-value", "2KB");
            s.Check("CONFIG", "GET", "zset-max-listpack-value");
            s.Check("CONFIG", "SET", "set-max-listpack-value", "1kb");
            s.Check("CONFIG", "SET", "hash-max-listpack-value", "lots");
            // Every memory value is shown in bytes, however it was set.
            s.Check("CONFIG", "SET", "auto-aof-rewrite-min-size", "32mb", "hll-sparse-max-bytes", "3kb");
            s.Check("CONFIG", "GET", "auto-aof-rewrite-min-size");
            s.Check("CONFIG", "GET", "hll-sparse-max-bytes");
        }
        finally
        {
            foreach (var conn in new[] { s.Oracle, s.Target })
                conn.Call("CONFIG", "SET", "busy-reply-threshold", "5000", "replica-priority", "100", "repl-diskless-load", "disabled",
                    "masterauth", "", "maxmemory-clients", "0", "maxmemory", "0", "sanitize-dump-payload", "no",
                    "hash-max-listpack-value", "64", "zset-max-listpack-value", "64", "auto-aof-rewrite-min-size", "64mb",
                    "hll-sparse-max-bytes", "3000");
        }
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void Latency_EventsHelpAndErrors(int threads)
    {
        using DualSession s = Session(threads, "latency");
        s.Check("LATENCY", "RESET");
        s.Check("LATENCY", "LATEST");
        s.Check("LATENCY", "HISTORY", "command");
        s.Check("LATENCY", "HISTORY");
        s.Check("LATENCY", "RESET", "command", "fast-command");
        s.Check("LATENCY", "DOCTOR");
        s.Check("LATENCY", "GRAPH", "command");
        s.Check("LATENCY", "HELP");
        s.Check("LATENCY", "NOPE");
        s.Check("LATENCY");
        s.Check("LATENCY", "HISTOGRAM", "nosuch");
        s.Check("CONFIG", "GET", "latency-monitor-threshold");
    }

    /// <summary>
    /// LATENCY with spikes recorded: three slow commands a second or more apart (DEBUG SLEEP 0.15, 0.6, 0.25 against a
    /// 100 ms threshold, high enough that a loaded machine's stalls of ordinary commands do not add samples) give the same LATEST, HISTORY, DOCTOR report and GRAPH sparkline as Redis 7.2.4, in RESP2 and
    /// RESP3, once the numbers (times, milliseconds, seconds ago), which the two servers cannot share, are masked.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void Latency_WithSpikes_SameReportsAndGraph(int threads)
    {
        using DualSession s = Session(threads, "latency spikes");
        s.Check("LATENCY", "RESET");
        s.Check("CONFIG", "SET", "latency-monitor-threshold", "100");
        try
        {
            foreach (string seconds in new[] { "0.15", "0.6", "0.25" })
            {
                s.Check("DEBUG", "SLEEP", seconds);
                Thread.Sleep(1100); // one sample per second: the next spike gets its own
            }
            foreach (string protocol in new[] { "2", "3" })
            {
                s.Oracle.Call("HELLO", protocol);
                s.Target.Call("HELLO", protocol);
                foreach (string[] command in new[]
                         {
                             new[] { "LATENCY", "LATEST" }, new[] { "LATENCY", "HISTORY", "command" },
                             new[] { "LATENCY", "DOCTOR" }, new[] { "LATENCY", "GRAPH", "command" },
                         })
                {
                    string expected = Masked(s.Oracle.CallText(command)), actual = Masked(s.Target.CallText(command));
                    Assert.True(expected == actual, $"{string.Join(' ', command)}, RESP{protocol}, --threads {threads}:\noracle {expected}\ntarget {actual}");
                }
            }
            // The graph drew three columns: the 0.6 s spike full height, the 0.25 s one (step 2 of 12) at its bottom row.
            Assert.Contains(" # \n | \n | \n_|#\n", s.Target.CallText("LATENCY", "GRAPH", "command"));
            s.Check("LATENCY", "RESET", "command");
            s.Check("LATENCY", "LATEST");
        }
        finally
        {
            s.Oracle.Call("HELLO", "2");
            s.Target.Call("HELLO", "2");
            s.Check("CONFIG", "SET", "latency-monitor-threshold", "0");
        }
    }

    /// <summary>
    /// The active expiry cycle that frees a big key is timed, as Redis's: with latency-monitor-threshold at 1 ms, freeing
    /// a set of 500k members (tens of milliseconds, more on a loaded machine) records an "expire-cycle" event, and
    /// INFO's expire_cycle_cpu_milliseconds counts the cycle's time (CONFIG RESETSTAT zeroes it).
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void Latency_ExpireCycleOfABigKey_IsRecorded(int threads)
    {
        using RespConnection c = servers.TargetWithThreads(threads).Server.Connect();
        c.Timeout = TimeSpan.FromSeconds(60);
        c.Call("FLUSHALL");
        c.Call("LATENCY", "RESET");
        try
        {
            Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "latency-monitor-threshold", "1"));
            Assert.Equal("+OK\r\n", c.CallText("CONFIG", "RESETSTAT"));
            Assert.Equal("expire_cycle_cpu_milliseconds:0", InfoLine(c, "expire_cycle_cpu_milliseconds"));
            Assert.Equal(":500000\r\n", c.CallText("EVAL",
                "local n = 0 for i = 0, 499999, 5000 do local t = {} for j = i, i + 4999 do t[#t + 1] = j end " +
                "n = n + redis.call('sadd', KEYS[1], unpack(t)) end return n", "1", "lat:bigset"));
            c.Call("LATENCY", "RESET");
            Assert.Equal(":1\r\n", c.CallText("PEXPIRE", "lat:bigset", "20"));
            DateTime deadline = DateTime.UtcNow.AddSeconds(60);
            while (c.CallText("DBSIZE") != ":0\r\n")
            {
                Assert.True(DateTime.UtcNow < deadline, "the active cycle never expired the key");
                Thread.Sleep(20);
            }
            Assert.Contains("expire-cycle", c.CallText("LATENCY", "LATEST"));
            Assert.NotEqual("expire_cycle_cpu_milliseconds:0", InfoLine(c, "expire_cycle_cpu_milliseconds"));
        }
        finally
        {
            c.Call("CONFIG", "SET", "latency-monitor-threshold", "0");
            c.Call("LATENCY", "RESET");
        }
    }

    static string InfoLine(RespConnection c, string field) =>
        Array.Find(c.CallText("INFO", "stats").Split("\r\n"), l => l.StartsWith(field + ":", StringComparison.Ordinal)) ?? "";

    /// <summary>A reply with every run of digits (lengths, times, milliseconds) replaced by N.</summary>
    static string Masked(string reply) => Regex.Replace(reply, @"\d+", "N");

    /// <summary>
    /// Per-command histograms: the same commands and call counts, the same reply shape in RESP2 and RESP3, bucket
    /// bounds from Redis's HdrHistogram levels, cumulative counts that end at the call count.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void LatencyHistogram_SameCommandsCountsAndShape(int threads)
    {
        using DualSession s = Session(threads, "latency histogram");
        foreach (string protocol in new[] { "2", "3" })
        {
            s.Check("HELLO", protocol);
            s.Check("CONFIG", "RESETSTAT");
            for (int i = 0; i < 3; i++) s.Check("SET", "lh" + i, "v");
            for (int i = 0; i < 2; i++) s.Check("GET", "lh" + i);
            s.Check("CLIENT", "GETNAME");
            foreach (string[] command in new[]
                     {
                         new[] { "LATENCY", "HISTOGRAM", "set", "GET", "nosuch", "client|getname" },
                         new[] { "LATENCY", "HISTOGRAM", "client" },
                         new[] { "LATENCY", "HISTOGRAM", "config|resetstat" },
                     })
            {
                string expected = Resp.AsString(s.Oracle.Call(command)), actual = Resp.AsString(s.Target.Call(command));
                Assert.Equal(Shape(expected), Shape(actual));
                CheckBuckets(actual);
            }
        }
    }

    /// <summary>
    /// INFO everything: the same sections as Redis 7.2.4 in its order, and in each section Redis's field names in its
    /// order (FastKv adds only fastkv_* fields); the per-command sections carry the commands run, and latencystats
    /// reports them in Redis's format.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void Info_EverySection_HasRedisFieldsInRedisOrder(int threads)
    {
        using DualSession s = Session(threads, "info fields");
        s.Check("CONFIG", "RESETSTAT");
        s.Check("SET", "info:k", "v");
        s.Check("GET", "info:k");
        s.Check("INCR", "info:k");
        var oracle = InfoFields(s.Oracle);
        var target = InfoFields(s.Target);
        Assert.Equal(string.Join(",", oracle.Keys), string.Join(",", target.Keys));
        foreach (var (section, fields) in oracle)
        {
            if (section is "Commandstats" or "Latencystats" or "Errorstats" or "Keyspace") continue;
            List<string> ours = target[section].FindAll(f => !f.StartsWith("fastkv_", StringComparison.Ordinal));
            Assert.True(string.Join(",", fields) == string.Join(",", ours), $"# {section}:\noracle {string.Join(",", fields)}\ntarget {string.Join(",", ours)}");
        }
        string latency = Resp.AsString(Resp.Parse(s.Target.Call("INFO", "latencystats")).Data!);
        foreach (string command in new[] { "set", "get", "incr", "config|resetstat" })
            Assert.Matches(@"\r\nlatency_percentiles_usec_" + Regex.Escape(command) + @":p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n", latency);
        Assert.Contains("latency_percentiles_usec_set:", Resp.AsString(Resp.Parse(s.Oracle.Call("INFO", "latencystats")).Data!));
    }

    /// <summary>
    /// A blocked command ends counted as Redis's updateStatsOnUnblock counts it: in commandstats, in latencystats and
    /// (with slowlog-log-slower-than 0) in the slowlog, whether a push served it or its timeout ended it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void BlockedCommand_CountedInCommandstatsLatencystatsAndSlowlog(int threads)
    {
        using DualSession s = Session(threads, "blocked command stats");
        s.Check("DEL", "bstats:l");
        s.Check("CONFIG", "SET", "slowlog-log-slower-than", "0");
        try
        {
            s.Check("CONFIG", "RESETSTAT");
            s.Check("SLOWLOG", "RESET");
            foreach (var (conn, server) in new[] { (s.Oracle, servers.Oracle.Server), (s.Target, servers.TargetWithThreads(threads).Server) })
            {
                using RespConnection blocked = server.Connect();
                blocked.SendCommand("BLPOP", "bstats:l", "0");
                var sw = System.Diagnostics.Stopwatch.StartNew();
                while (!Resp.AsString(Resp.Parse(conn.Call("INFO", "clients")).Data!).Contains("\r\nblocked_clients:1\r\n"))
                {
                    Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "the client blocks");
                    System.Threading.Thread.Sleep(5);
                }
                Assert.Equal(":1\r\n", conn.CallText("LPUSH", "bstats:l", "a"));
                Assert.Equal("*2\r\n$8\r\nbstats:l\r\n$1\r\na\r\n", Resp.AsString(blocked.ReadReply()));
                Assert.Equal("*-1\r\n", blocked.CallText("BLPOP", "bstats:l", "0.01"));
            }
            foreach (RespConnection conn in new[] { s.Oracle, s.Target })
            {
                Assert.Matches(@"\r\ncmdstat_blpop:calls=2,usec=\d+,", Resp.AsString(Resp.Parse(conn.Call("INFO", "commandstats")).Data!));
                Assert.Matches(@"\r\nlatency_percentiles_usec_blpop:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n",
                    Resp.AsString(Resp.Parse(conn.Call("INFO", "latencystats")).Data!));
                List<string> logged = System.Linq.Enumerable.ToList(System.Linq.Enumerable.Select(Resp.Parse(conn.Call("SLOWLOG", "GET", "-1")).Items!, e => e.Items![3].Items![0].Text!));
                Assert.Equal(2, logged.FindAll(c => c.Equals("BLPOP", StringComparison.OrdinalIgnoreCase)).Count);
            }
        }
        finally
        {
            s.Check("CONFIG", "SET", "slowlog-log-slower-than", "10000");
            s.Check("SLOWLOG", "RESET");
        }
    }

    /// <summary>
    /// Settings FastKv accepts without acting on them (active defragmentation, I/O threads, watchdog, outgoing
    /// connections' source): Redis's defaults, ranges, units, errors and immutability, so redis.conf files using them load.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void AcceptedNoOpSettings_BehaveAsRedisOnes(int threads)
    {
        using DualSession s = Session(threads, "accepted settings");
        string[] names =
        [
            "activedefrag", "active-defrag-ignore-bytes", "active-defrag-threshold-lower", "active-defrag-threshold-upper",
            "active-defrag-cycle-min", "active-defrag-cycle-max", "active-defrag-max-scan-fields", "io-threads-do-reads",
            "watchdog-period", "ignore-warnings", "socket-mark-id", "bind-source-addr",
        ];
        foreach (string n in names) s.Check("CONFIG", "GET", n);
        s.Check("CONFIG", "SET", "active-defrag-ignore-bytes", "1mb");
        s.Check("CONFIG", "GET", "active-defrag-ignore-bytes");
        s.Check("CONFIG", "SET", "active-defrag-ignore-bytes", "0");
        s.Check("CONFIG", "SET", "active-defrag-cycle-min", "0");
        s.Check("CONFIG", "SET", "active-defrag-cycle-max", "100");
        s.Check("CONFIG", "SET", "active-defrag-threshold-lower", "1001");
        s.Check("CONFIG", "SET", "active-defrag-threshold-upper", "50");
        s.Check("CONFIG", "SET", "active-defrag-max-scan-fields", "0");
        s.Check("CONFIG", "SET", "activedefrag", "maybe");
        s.Check("CONFIG", "SET", "io-threads-do-reads", "yes");
        s.Check("CONFIG", "SET", "socket-mark-id", "1");
        s.Check("CONFIG", "SET", "watchdog-period", "-1");
        s.Check("CONFIG", "SET", "ignore-warnings", "ARM64-COW-BUG");
        s.Check("CONFIG", "GET", "ignore-warnings");
        foreach (string n in names) s.Check("CONFIG", "GET", n);
        s.Check("CONFIG", "SET", "active-defrag-ignore-bytes", "104857600", "active-defrag-threshold-upper", "100", "ignore-warnings", "");
    }

    /// <summary>latency-tracking-info-percentiles: Redis's parsing (single spaces, a range, inf), errors and CONFIG GET form.</summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void LatencyTrackingPercentiles_ParsedAndShownAsRedisDoes(int threads)
    {
        using DualSession s = Session(threads, "latency-tracking-info-percentiles");
        try
        {
            foreach (string value in new[] { "50.0 99.990 0", "", "100", "abc", "101", "-1", "inf", "50  99", " 50", "50 ", "1e1 2.5", "0.0001" })
            {
                s.Check("CONFIG", "SET", "latency-tracking-info-percentiles", value);
                s.Check("CONFIG", "GET", "latency-tracking-info-percentiles");
            }
        }
        finally
        {
            s.Check("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9");
        }
    }

    static Dictionary<string, List<string>> InfoFields(RespConnection c)
    {
        var sections = new Dictionary<string, List<string>>();
        List<string>? current = null;
        foreach (string line in Resp.AsString(Resp.Parse(c.Call("INFO", "everything")).Data!).Split("\r\n"))
        {
            if (line.StartsWith("# ", StringComparison.Ordinal)) sections[line[2..]] = current = new List<string>();
            else if (line.Contains(':') && current != null) current.Add(line[..line.IndexOf(':')]);
        }
        return sections;
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void Info_TrackingAndReplicationFields(int threads)
    {
        using DualSession s = Session(threads, "info");
        using RespConnection oracleReader = servers.Oracle.Server.Connect();
        using RespConnection targetReader = servers.TargetWithThreads(threads).Server.Connect();
        s.Check("FLUSHALL");
        foreach (var reader in new[] { oracleReader, targetReader })
        {
            reader.Call("HELLO", "3");
            reader.Call("CLIENT", "TRACKING", "ON");
            reader.Call("MGET", "{a}1", "{b}2", "{c}3");
        }
        string[] fields =
        {
            "tracking_clients", "tracking_total_keys", "tracking_total_items", "tracking_total_prefixes", "role", "connected_slaves",
            "master_replid2", "master_repl_offset", "second_repl_offset", "repl_backlog_active", "repl_backlog_size",
            "repl_backlog_first_byte_offset", "repl_backlog_histlen", "migrate_cached_sockets", "sync_full", "total_forks",
            "evicted_clients", "mem_replication_backlog", "mem_clients_slaves", "mem_aof_buffer", "lazyfreed_objects",
        };
        Dictionary<string, string> expected = Info(s.Oracle), actual = Info(s.Target);
        foreach (string f in fields)
        {
            Assert.True(expected.ContainsKey(f), $"oracle has no INFO field {f}");
            Assert.True(actual.ContainsKey(f), $"FastKv has no INFO field {f}");
            Assert.Equal(f + ":" + expected[f], f + ":" + actual[f]);
        }
        Assert.Equal("name=tcp,bind=127.0.0.1,port=" + servers.TargetWithThreads(threads).Server.Port.ToString(CultureInfo.InvariantCulture),
            actual["listener0"]);
        foreach (var reader in new[] { oracleReader, targetReader }) reader.Call("CLIENT", "TRACKING", "OFF");
    }

    private static Dictionary<string, string> Info(RespConnection c)
    {
        var d = new Dictionary<string, string>();
        foreach (string line in Resp.AsString(c.Call("INFO", "everything")).Split("\r\n"))
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && !line.StartsWith('#') && !line.StartsWith('$')) d[line[..colon]] = line[(colon + 1)..];
        }
        return d;
    }

    /// <summary>A CONFIG GET reply as sorted name=value lines (Redis lists its dict's order).</summary>
    private static string Map(byte[] reply)
    {
        string text = Resp.AsString(reply);
        string[] lines = text.Split("\r\n");
        var pairs = new List<string>();
        // *N, then $len, name, $len, value for each pair.
        for (int i = 1; i + 3 < lines.Length; i += 4) pairs.Add(lines[i + 1] + "=" + lines[i + 3]);
        pairs.Sort(StringComparer.Ordinal);
        return lines[0][1..] + " pairs: " + string.Join(", ", pairs);
    }

    private static readonly Regex Buckets = new(@"histogram_usec\r\n[*%](\d+)\r\n((?::\d+\r\n)*)", RegexOptions.CultureInvariant);

    /// <summary>The reply with each histogram's points removed (their values are measured times).</summary>
    private static string Shape(string reply) => Buckets.Replace(reply, "histogram_usec\r\n<points>\r\n");

    /// <summary>Every bucket bound is one Redis reports (a 2^k ns level's highest equivalent value, in us) and counts only grow.</summary>
    private static void CheckBuckets(string reply)
    {
        var bounds = new HashSet<long>();
        for (int k = 10; k <= 30; k++)
        {
            long unit = 512L << Math.Max(0, k - 16);
            bounds.Add(((1L << k) + unit - 1) / 1000);
        }
        foreach (Match m in Buckets.Matches(reply))
        {
            string[] numbers = m.Groups[2].Value.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            // RESP3 counts pairs (%N), RESP2 flattens them (*2N).
            int n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.Equal(m.Value["histogram_usec\r\n".Length] == '%' ? 2 * n : n, numbers.Length);
            long last = 0;
            for (int i = 0; i + 1 < numbers.Length; i += 2)
            {
                long bound = long.Parse(numbers[i].AsSpan(1), CultureInfo.InvariantCulture);
                long count = long.Parse(numbers[i + 1].AsSpan(1), CultureInfo.InvariantCulture);
                Assert.Contains(bound, bounds);
                Assert.True(count > last, $"cumulative counts must grow: {Resp.Escape(Resp.Latin1.GetBytes(m.Value))}");
                last = count;
            }
        }
    }
}
