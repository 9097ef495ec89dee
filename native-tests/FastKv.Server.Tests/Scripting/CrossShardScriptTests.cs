using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using FastKv.Server.Tests.Atomicity;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// Scripts whose keys are on several shards, or that touch keys they did not declare (DESIGN.md 6a): the replies are
/// Redis 7.2.4's byte for byte at --threads 4 with keys spread over every shard, and concurrent scripts moving values
/// between shards never show a partial state. Job-queue libraries (Bull, BullMQ) build key names inside their scripts
/// from a declared prefix, so this is their path whenever keys are not hash-tagged.
/// </summary>
[Trait("Category", "Smoke")]
public class CrossShardScriptTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int>> Protocols() => [new(2), new(3)];

    [Theory]
    [MemberData(nameof(Protocols))]
    public void ScriptsOverSpreadKeys_MatchRedis(int protocol)
    {
        string[] k = MultiKeyAtomicityTests.SpreadKeys("xs:", 8);
        using var session = new DualSession(servers.Oracle.Server, servers.Target4.Server) { Context = $"--threads 4, RESP{protocol}" };
        session.Check("FLUSHALL");
        session.Check("SCRIPT", "FLUSH");
        if (protocol == 3) session.Check("HELLO", "3");
        // Declared keys on several shards.
        session.Check("EVAL", "redis.call('set', KEYS[1], 'a') redis.call('set', KEYS[2], 'b') return redis.call('mget', KEYS[1], KEYS[2], KEYS[3])", "3", k[0], k[1], k[2]);
        session.Check("EVAL", "return {redis.call('incr', KEYS[1]), redis.call('incrby', KEYS[2], 5), redis.call('exists', KEYS[1], KEYS[2], KEYS[3], KEYS[4])}", "4", k[2], k[3], k[4], k[5]);
        // Keys built inside the script, as Bull's scripts build a job's keys from a declared prefix.
        const string addJob = "local id = redis.call('incr', KEYS[1]) local job = ARGV[1] .. id "
            + "redis.call('hset', job, 'data', ARGV[2], 'state', 'wait') redis.call('rpush', ARGV[1] .. 'wait', id) "
            + "redis.call('set', job .. ':lock', 'none') return {id, redis.call('hget', job, 'data'), redis.call('llen', ARGV[1] .. 'wait')}";
        for (int i = 0; i < 6; i++) session.Check("EVAL", addJob, "1", "q:{id}", "q:", "payload" + i);
        session.Check("EVAL", "return redis.call('del', ARGV[1] .. 1, ARGV[1] .. 2, ARGV[1] .. 3 .. ':lock', ARGV[1] .. 'none')", "0", "q:");
        session.Check("EVAL", "redis.call('mset', 'm1', 'x', 'm2', 'y', 'm3', 'z', 'm4', 'w') return redis.call('mget', 'm4', 'm3', 'nothing', 'm2', 'm1')", "0");
        session.Check("EVAL", "return redis.call('exists', 'm1', 'm2', 'm3', 'm4', 'm5')", "0");
        // Errors from another shard come back as the call's error, raised or returned.
        session.Check("EVAL", "return redis.call('lpush', ARGV[1], 'x')", "0", "m2");
        session.Check("EVAL", "return redis.pcall('lpush', ARGV[1], 'x')", "0", "m3");
        session.Check("EVAL", "local r = redis.pcall('lpush', ARGV[1], 'x') return r['err']", "0", "m4");
        // A read-only script over several shards.
        session.Check("EVAL_RO", "return redis.call('mget', KEYS[1], KEYS[2], KEYS[3])", "3", k[0], k[1], k[6]);
        session.Check("EVAL_RO", "return redis.call('set', KEYS[1], 'x')", "2", k[0], k[1]);
        // Replies in both directions over several shards, SELECT inside.
        session.Check("EVAL", "redis.call('select', 1) redis.call('set', ARGV[1], 'db1') redis.call('set', ARGV[2], 'db1b') return redis.call('mget', ARGV[1], ARGV[2])", "0", k[6], k[7]);
        session.Check("MGET", k[6], k[7]);
        session.Check("SELECT", "1");
        session.Check("MGET", k[6], k[7]);
        session.Check("SELECT", "0");
        // The same scripts by SHA, now that they are known to reach beyond their keys.
        session.Check("EVALSHA", Sha1Hex(addJob), "1", "q:{id}", "q:", "again");
        session.Check("EVAL", "return redis.call('hgetall', ARGV[1] .. 7)", "0", "q:");
        // Commands that do not split, over keys of several shards: run over copies of their keys (GatherTx's plan).
        string[] g = MultiKeyAtomicityTests.SpreadKeys("xg:", 6);
        session.Check("RPUSH", g[0], "1", "2", "3", "4", "5");
        session.Check("SADD", g[1], "x", "y");
        session.Check("SADD", g[2], "y", "z");
        session.Check("ZADD", g[3], "1", "a", "2", "b");
        session.Check("EVAL", "return redis.call('rpoplpush', KEYS[1], KEYS[2])", "2", g[0], g[4]);
        session.Check("EVAL", "return redis.call('lmove', KEYS[1], KEYS[2], 'left', 'right')", "2", g[0], g[4]);
        session.Check("EVAL", "return redis.call('lmpop', 2, KEYS[1], KEYS[2], 'left', 'count', 2)", "2", g[5], g[0]);
        session.Check("EVAL", "return redis.call('blmove', KEYS[1], KEYS[2], 'left', 'left', 0)", "2", g[4], g[5]);
        session.Check("EVAL", "return redis.call('blpop', KEYS[1], KEYS[2], 0)", "2", g[3] + "none", g[0]);
        session.Check("EVAL", "return redis.call('blpop', KEYS[1], KEYS[2], 0)", "2", g[0], g[3] + "none");
        session.Check("EVAL", "return {redis.call('smove', KEYS[1], KEYS[2], 'x'), redis.call('sunionstore', KEYS[3], KEYS[1], KEYS[2])}", "3", g[1], g[2], g[0]);
        session.Check("EVAL", "return redis.call('zunionstore', KEYS[1], 2, KEYS[2], KEYS[3])", "3", g[5], g[3], g[1]);
        session.Check("EVAL", "return redis.call('sort', KEYS[1], 'alpha', 'store', KEYS[2])", "2", g[2], g[4]);
        session.Check("EVAL", "return redis.call('rename', ARGV[1], ARGV[2])", "0", g[3], g[1]);
        session.Check("EVAL", "return redis.call('msetnx', KEYS[1], 'a', KEYS[2], 'b')", "2", g[3], g[2]);
        session.Check("EVAL", "return redis.call('msetnx', KEYS[1], 'a', KEYS[2], 'b')", "2", g[3], g[3] + "new");
        session.Check("EVAL", "return redis.pcall('rpoplpush', KEYS[1], KEYS[2])", "2", g[1], g[4]);
        const string show = "local t = redis.call('type', KEYS[1]).ok if t == 'list' then return redis.call('lrange', KEYS[1], 0, -1) "
            + "elseif t == 'set' then return redis.call('sort', KEYS[1], 'alpha') elseif t == 'zset' then return redis.call('zrange', KEYS[1], 0, -1, 'withscores') "
            + "elseif t == 'string' then return redis.call('get', KEYS[1]) end return t";
        foreach (string key in g) session.Check("EVAL", show, "1", key);
        session.Check("DBSIZE");
        session.Check("FLUSHALL");
        servers.Target4.Server.AssertAlive();
    }

    /// <summary>
    /// COPY ... DB n and SORT with BY/GET patterns over keys of several shards: run over copies taken from each key's
    /// shard as their client-facing transactions do (they used to answer an error, and SORT with patterns read only
    /// the source's shard when its own keys shared one).
    /// </summary>
    [Theory]
    [MemberData(nameof(Protocols))]
    public void CopyToDbAndSortWithPatterns_OverSpreadKeys_MatchRedis(int protocol)
    {
        string[] k = MultiKeyAtomicityTests.SpreadKeys("xc:", 6);
        using var session = new DualSession(servers.Oracle.Server, servers.Target4.Server) { Context = $"--threads 4, RESP{protocol}" };
        session.Check("FLUSHALL");
        if (protocol == 3) session.Check("HELLO", "3");
        session.Check("RPUSH", k[0], "3", "1", "2", "4");
        session.Check("SADD", k[1], "a", "b");
        session.Check("SET", k[2], "v");
        for (int i = 1; i <= 4; i++)
        {
            session.Check("SET", "w_" + i, (10 - i * 3 % 7).ToString(System.Globalization.CultureInfo.InvariantCulture));
            session.Check("SET", "o_" + i, "obj" + i);
            session.Check("HSET", "h_" + i, "f", "h" + i);
        }
        // COPY ... DB: another database, the same one named, REPLACE, an existing destination, a missing source, bad options.
        session.Check("EVAL", "return redis.call('copy', KEYS[1], KEYS[2], 'DB', 3)", "2", k[0], k[3]);
        session.Check("EVAL", "return redis.call('copy', KEYS[1], KEYS[2], 'DB', 3)", "2", k[0], k[3]);
        session.Check("EVAL", "return redis.call('copy', KEYS[1], KEYS[2], 'db', 3, 'replace')", "2", k[1], k[3]);
        session.Check("EVAL", "return redis.call('copy', KEYS[1], KEYS[2], 'DB', 0)", "2", k[2], k[4]);
        session.Check("EVAL", "return redis.call('copy', KEYS[1], KEYS[2], 'DB', 0)", "2", k[2], k[4]);
        session.Check("EVAL", "return redis.call('copy', KEYS[1], KEYS[2], 'DB', 2)", "2", k[5] + "none", k[4]);
        session.Check("EVAL", "return redis.pcall('copy', KEYS[1], KEYS[2], 'DB', 'x')", "2", k[0], k[3]);
        session.Check("EVAL", "return redis.pcall('copy', KEYS[1], KEYS[2], 'DB', 99)", "2", k[0], k[3]);
        session.Check("EVAL", "return redis.pcall('copy', KEYS[1], KEYS[2], 'DB', 99999999999)", "2", k[0], k[3]);
        session.Check("EVAL", "return redis.pcall('copy', KEYS[1], KEYS[2], 'DB', 1, 'nosuch')", "2", k[0], k[3]);
        session.Check("EVAL", "return redis.call('copy', KEYS[1], KEYS[2], 'DB', 1)", "2", k[0], k[3]);
        session.Check("EVAL", "redis.call('select', 1) return redis.call('copy', KEYS[1], KEYS[2], 'DB', 0)", "2", k[3], k[5]);
        session.Check("SELECT", "3");
        session.Check("LRANGE", k[3], "0", "-1");
        session.Check("SMEMBERS", k[3]);
        session.Check("SELECT", "1");
        session.Check("LRANGE", k[3], "0", "-1");
        session.Check("SELECT", "0");
        session.Check("LRANGE", k[5], "0", "-1");
        session.Check("GET", k[4]);
        // SORT with BY/GET patterns: keys on every shard, read, stored, by hash fields, with LIMIT, over a set, missing keys.
        session.Check("EVAL", "return redis.call('sort', KEYS[1], 'BY', 'w_*', 'GET', 'o_*')", "1", k[0]);
        session.Check("EVAL", "return redis.call('sort', KEYS[1], 'BY', 'w_*', 'GET', '#', 'GET', 'o_*', 'GET', 'h_*->f')", "1", k[0]);
        session.Check("EVAL", "return redis.call('sort_ro', KEYS[1], 'BY', 'h_*->f', 'DESC', 'ALPHA', 'GET', 'o_*', 'LIMIT', 1, 2)", "1", k[0]);
        session.Check("EVAL", "return redis.call('sort', KEYS[1], 'BY', 'nosort', 'GET', 'o_*', 'GET', 'x_*')", "1", k[0]);
        session.Check("EVAL", "return redis.call('sort', KEYS[1], 'BY', 'w_*', 'GET', 'o_*', 'STORE', KEYS[2])", "2", k[0], k[4]);
        session.Check("EVAL", "return redis.call('sort', KEYS[1], 'BY', 'w_*', 'GET', 'o_*', 'STORE', KEYS[2])", "2", k[0], k[0] + "{s}");
        session.Check("EVAL", "return redis.call('sort', KEYS[1], 'ALPHA', 'GET', 'o_*')", "1", k[1]);
        session.Check("EVAL", "return redis.call('sort', KEYS[1], 'BY', 'w_*')", "1", k[5] + "none");
        session.Check("EVAL", "return redis.pcall('sort', KEYS[1], 'BY', 'w_*', 'GET', 'o_*')", "1", k[2]);
        session.Check("EVAL", "return redis.pcall('sort', KEYS[1], 'BY', 'w_*', 'GET')", "1", k[0]);
        session.Check("LRANGE", k[4], "0", "-1");
        session.Check("LRANGE", k[0] + "{s}", "0", "-1");
        session.Check("FLUSHALL");
        servers.Target4.Server.AssertAlive();
    }

    [Fact]
    public void FunctionsOverSpreadKeys_MatchRedis()
    {
        string[] k = MultiKeyAtomicityTests.SpreadKeys("xf:", 6);
        using var session = new DualSession(servers.Oracle.Server, servers.Target4.Server) { Context = "--threads 4" };
        session.Check("FLUSHALL");
        session.Check("FUNCTION", "FLUSH");
        session.Check("FUNCTION", "LOAD", "#!lua name=spread\n"
            + "redis.register_function('move', function(keys, args) redis.call('decrby', keys[1], args[1]) return redis.call('incrby', keys[2], args[1]) end)\n"
            + "redis.register_function('addjob', function(keys, args) local id = redis.call('incr', keys[1]) redis.call('hset', args[1] .. id, 'd', args[2]) "
            + "redis.call('rpush', keys[2], id) return {id, redis.call('hget', args[1] .. id, 'd')} end)\n"
            + "redis.register_function{function_name = 'sum', callback = function(keys, args) local s = 0 for i = 1, #args do "
            + "s = s + (tonumber(redis.call('get', args[i])) or 0) end return s end, flags = {'no-writes'}}");
        for (int i = 0; i < 20; i++) session.Check("FCALL", "move", "2", k[0], k[1], "3");
        for (int i = 0; i < 20; i++) session.Check("FCALL", "addjob", "2", "jobs:id", "jobs:wait", "jobs:", "d" + i);
        session.Check("FCALL_RO", "sum", "0", k[0], k[1], k[2]);
        session.Check("FCALL", "sum", "0", k[0], k[1], k[2]);
        session.Check("MGET", k[0], k[1]);
        session.Check("LRANGE", "jobs:wait", "0", "-1");
        session.Check("FUNCTION", "FLUSH");
        session.Check("FLUSHALL");
    }

    [Fact]
    public void ScriptInMulti_OverSpreadKeys_MatchesRedis()
    {
        string[] k = MultiKeyAtomicityTests.SpreadKeys("xm:", 4);
        using var session = new DualSession(servers.Oracle.Server, servers.Target4.Server) { Context = "--threads 4" };
        session.Check("FLUSHALL");
        session.Check("MULTI");
        session.Check("SET", k[0], "1");
        session.Check("EVAL", "return {redis.call('incr', KEYS[1]), redis.call('incr', KEYS[2]), redis.call('incr', ARGV[1])}", "2", k[0], k[1], k[2]);
        session.Check("EVAL", "return redis.call('mget', ARGV[1], ARGV[2], ARGV[3], ARGV[4])", "0", k[0], k[1], k[2], k[3]);
        session.Check("EXEC");
        // WATCH sees a script's write on another shard.
        session.Check("WATCH", k[3]);
        session.Check("EVAL", "return redis.call('set', ARGV[1], 'changed')", "1", k[0], k[3]);
        session.Check("MULTI");
        session.Check("GET", k[3]);
        session.Check("EXEC");
        session.Check("FLUSHALL");
    }

    /// <summary>
    /// A script proven to keep to its declared keys runs inline; when it later builds a key on another shard, that
    /// call still runs (the key locked for the rest of the script), and the script then runs with every shard held.
    /// </summary>
    [Fact]
    public void ProvenScript_ReachingAnotherShardLater_StillRuns()
    {
        string[] k = MultiKeyAtomicityTests.SpreadKeys("xp:", 4);
        using var c = servers.Target4.Server.Connect();
        c.Call(["DEL", .. k]);
        const string script = "local n = redis.call('incr', KEYS[1]) if ARGV[1] ~= '' then redis.call('set', ARGV[1], n) end return n";
        for (int i = 1; i <= 40; i++) Assert.Equal($":{i}\r\n", c.CallText("EVAL", script, "1", k[0], ""));
        Assert.Equal(":41\r\n", c.CallText("EVAL", script, "1", k[0], k[1]));
        Assert.Equal(":42\r\n", c.CallText("EVAL", script, "1", k[0], k[2]));
        Assert.Equal("*3\r\n$2\r\n42\r\n$2\r\n41\r\n$2\r\n42\r\n", c.CallText("MGET", k[0], k[1], k[2]));
    }

    /// <summary>Scripts over keys of every shard write their effects to the AOF as Redis 7.2.4 does, and a restart replays them.</summary>
    [Fact]
    public void ScriptEffectsOverShards_SameAofAsRedis_AndReplay()
    {
        string[] k = MultiKeyAtomicityTests.SpreadKeys("xa:", 8);
        string[][] stream =
        [
            ["eval", "redis.call('set', KEYS[1], 'a') redis.call('incr', KEYS[2]) redis.call('rpush', KEYS[3], 'x') return 1", "3", k[0], k[1], k[2]],
            ["eval", "redis.call('incr', ARGV[1]) redis.call('hset', ARGV[2], 'f', 'v') return redis.call('del', ARGV[1], ARGV[3])", "0", k[3], k[4], k[5]],
            ["eval", "return redis.call('set', ARGV[1], 'b', 'ex', 100)", "0", k[5]],
            ["eval", "redis.call('mset', ARGV[1], '1', ARGV[2], '2') return redis.call('get', ARGV[1])", "0", k[0], k[3]],
            ["eval", "return redis.call('get', KEYS[1])", "1", k[2]],
            // Commands over copies of keys of several shards record their own forms (LMPOP as LPOP), blocking forms
            // as the command that served them, from a script and from a client.
            ["rpush", k[2], "a", "b", "c", "d", "e", "f"], ["rpush", k[6], "z"],
            ["eval", "return redis.call('lmpop', 2, KEYS[1], KEYS[2], 'right', 'count', 2)", "2", k[6] + "none", k[2]],
            ["eval", "return redis.call('blmove', KEYS[1], KEYS[2], 'left', 'left', 0)", "2", k[2], k[6]],
            ["eval", "return redis.call('blpop', KEYS[1], 0)", "1", k[6]],
            ["eval", "redis.call('rpoplpush', KEYS[1], KEYS[2]) return redis.call('lmove', KEYS[2], KEYS[1], 'left', 'right')", "2", k[2], k[6]],
            ["lmpop", "2", k[6] + "none", k[2], "left"], ["blpop", k[6] + "none", k[6], "0"], ["blmove", k[2], k[6], "right", "left", "0"],
            // COPY ... DB and SORT with BY/GET patterns over shards: recorded as given.
            ["eval", "redis.call('copy', KEYS[1], KEYS[2], 'DB', 2) return redis.call('copy', KEYS[1], KEYS[3], 'DB', 0)", "3", k[2], k[7], k[7]],
            ["set", "w_1", "3"], ["set", "w_2", "1"], ["set", "o_1", "one"], ["set", "o_2", "two"], ["rpush", k[6], "1", "2"],
            ["eval", "return redis.call('sort', KEYS[1], 'BY', 'w_*', 'GET', 'o_*', 'STORE', KEYS[2])", "2", k[6], k[0]],
        ];
        List<string> Record(ServerKind kind, out Dictionary<string, string> values)
        {
            string dir = Persistence.SnapshotTests.NewDir();
            try
            {
                List<string> records;
                using (var server = ServerProcess.Start(kind, 4, "--dir", dir, "--appendonly", "yes"))
                using (var conn = server.Connect())
                {
                    foreach (string[] cmd in stream) conn.Call(cmd);
                    conn.Call("ping");
                    values = Dump(conn, k);
                    records = Persistence.AofPropagationTests.Records(File.ReadAllBytes(Path.Combine(dir, "appendonlydir/appendonly.aof.1.incr.aof")));
                }
                if (kind == ServerKind.Target)
                {
                    // The same files, loaded by a fresh server: the same values.
                    using var again = ServerProcess.Start(kind, 4, "--dir", dir, "--appendonly", "yes");
                    using var conn = again.Connect();
                    Assert.Equal(values, Dump(conn, k));
                }
                return records;
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
        List<string> redis = Record(ServerKind.Redis, out var redisValues);
        List<string> fastkv = Record(ServerKind.Target, out var fastkvValues);
        Assert.Equal(redis, fastkv);
        Assert.Equal(redisValues, fastkvValues);
    }

    static Dictionary<string, string> Dump(RespConnection c, string[] keys)
    {
        var d = new Dictionary<string, string>();
        foreach (string key in keys)
        {
            string type = c.CallText("TYPE", key).Trim();
            d[key] = type + " " + type switch
            {
                "+string" => c.CallText("GET", key),
                "+list" => c.CallText("LRANGE", key, "0", "-1"),
                "+hash" => c.CallText("HGETALL", key),
                _ => "",
            } + (c.CallText("TTL", key).Trim() is var ttl && ttl.StartsWith(":-") ? ttl : " with a TTL");
        }
        return d;
    }

    static string Sha1Hex(string s) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(s)));

    /// <summary>
    /// Scripts move amounts between accounts on different shards while other scripts and MGET read every account:
    /// every read sums to the total, and the total is exact at the end. Transfers declare their keys (intent locks)
    /// or name them in ARGV (undeclared: the script comes to run with every shard held).
    /// </summary>
    [Fact]
    public void ConcurrentTransfers_NeverShowAPartialState()
    {
        ServerProcess server = servers.Target4.Server;
        string[] accounts = MultiKeyAtomicityTests.SpreadKeys("acct:", 8);
        const int Start = 1000;
        const string declared = "local n = tonumber(ARGV[1]) redis.call('decrby', KEYS[1], n) redis.call('incrby', KEYS[2], n) return 1";
        const string undeclared = "local n = tonumber(ARGV[3]) redis.call('decrby', ARGV[1], n) redis.call('incrby', ARGV[2], n) return 1";
        const string sum = "local s = 0 for i = 1, #ARGV do s = s + tonumber(redis.call('get', ARGV[i])) end return s";
        using (var setup = server.Connect())
        {
            setup.Call(["DEL", .. accounts]);
            setup.Call(["MSET", .. accounts.SelectMany(a => new[] { a, Start.ToString() })]);
        }
        var failures = new ConcurrentQueue<string>();
        long transfers = 0, reads = 0;
        int total = Start * accounts.Length;
        var clock = Stopwatch.StartNew();
        bool Running() => clock.Elapsed < TimeSpan.FromSeconds(3) && failures.IsEmpty;
        var threads = new List<Thread>();
        for (int w = 0; w < 3; w++)
        {
            int seed = w;
            threads.Add(new Thread(() => Guard(failures, () =>
            {
                var rnd = new Random(seed);
                using var c = server.Connect();
                while (Running())
                {
                    string from = accounts[rnd.Next(accounts.Length)], to = accounts[rnd.Next(accounts.Length)];
                    string amount = rnd.Next(1, 50).ToString();
                    string r = seed % 2 == 0
                        ? c.CallText("EVAL", declared, "2", from, to, amount)
                        : c.CallText("EVAL", undeclared, "0", from, to, amount);
                    if (r != ":1\r\n") failures.Enqueue("transfer replied " + r.Trim());
                    Interlocked.Increment(ref transfers);
                }
            })));
        }
        for (int rd = 0; rd < 2; rd++)
        {
            bool byScript = rd == 0;
            threads.Add(new Thread(() => Guard(failures, () =>
            {
                using var c = server.Connect();
                while (Running())
                {
                    long s;
                    if (byScript)
                    {
                        string r = c.CallText(["EVAL", sum, "0", .. accounts]);
                        s = long.Parse(r.Trim().TrimStart(':'));
                    }
                    else
                    {
                        RespValue v = Resp.Parse(c.Call(["MGET", .. accounts]));
                        s = v.Items!.Sum(i => long.Parse(i.Text!));
                    }
                    if (s != total) failures.Enqueue($"a read saw a total of {s}, not {total}");
                    Interlocked.Increment(ref reads);
                }
            })));
        }
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
        Assert.True(transfers > 20 && reads > 20, $"{transfers} transfers, {reads} reads");
        using var check = server.Connect();
        RespValue end = Resp.Parse(check.Call(["MGET", .. accounts]));
        Assert.Equal(total, end.Items!.Sum(i => long.Parse(i.Text!)));
        server.AssertAlive();
    }

    static void Guard(ConcurrentQueue<string> failures, Action a)
    {
        try { a(); }
        catch (Exception e) { failures.Enqueue(e.ToString()); }
    }
}
