using System;
using System.Collections.Generic;
using System.Linq;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Eviction;

/// <summary>
/// The -OOM error against Redis 7.2.4, byte for byte, RESP2 and RESP3, at --threads 1 and 4. With `maxmemory 1`
/// and noeviction every server is over its limit with nothing to evict: each command Redis flags DENYOOM (the
/// list is taken from the oracle's COMMAND reply, not written here) is refused, while reads and writes that only
/// shrink memory run. Inside MULTI every queued command but EXEC/DISCARD/QUIT/RESET is refused; an EXEC whose
/// queue holds a DENYOOM command is refused as a whole when memory went over after queueing.
/// </summary>
public class OomDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int, string>> ThreadsAndProtocols() =>
        [new(1, "2"), new(1, "3"), new(4, "2"), new(4, "3")];

    /// <summary>
    /// A call with a valid arity for every command Redis 7.2.4 flags DENYOOM: the OOM check comes after the
    /// arity check, so each of these reaches it. A DENYOOM command missing here fails the test (the table must
    /// follow the oracle).
    /// </summary>
    static readonly Dictionary<string, string[]> DenyOomCalls = new(StringComparer.Ordinal)
    {
        ["append"] = ["APPEND", "s", "v"],
        ["bitfield"] = ["BITFIELD", "s", "SET", "u8", "0", "1"],
        ["bitop"] = ["BITOP", "AND", "{s}d", "{s}a", "{s}b"],
        ["blmove"] = ["BLMOVE", "{l}a", "{l}b", "LEFT", "RIGHT", "0"],
        ["brpoplpush"] = ["BRPOPLPUSH", "{l}a", "{l}b", "0"],
        ["copy"] = ["COPY", "{s}a", "{s}b"],
        ["decr"] = ["DECR", "n"],
        ["decrby"] = ["DECRBY", "n", "2"],
        ["function|load"] = ["FUNCTION", "LOAD", "#!lua name=oomlib\nredis.register_function('oomf', function() return 1 end)"],
        ["function|restore"] = ["FUNCTION", "RESTORE", "payload"],
        ["geoadd"] = ["GEOADD", "g", "13.36", "38.11", "palermo"],
        ["georadius"] = ["GEORADIUS", "g", "15", "37", "200", "km"],
        ["georadiusbymember"] = ["GEORADIUSBYMEMBER", "g", "palermo", "200", "km"],
        ["geosearchstore"] = ["GEOSEARCHSTORE", "{g}d", "{g}s", "FROMMEMBER", "palermo", "BYRADIUS", "200", "km"],
        ["getset"] = ["GETSET", "s", "v"],
        ["hincrby"] = ["HINCRBY", "h", "f", "1"],
        ["hincrbyfloat"] = ["HINCRBYFLOAT", "h", "f", "1.5"],
        ["hmset"] = ["HMSET", "h", "f", "v"],
        ["hset"] = ["HSET", "h", "f", "v"],
        ["hsetnx"] = ["HSETNX", "h", "f", "v"],
        ["incr"] = ["INCR", "n"],
        ["incrby"] = ["INCRBY", "n", "2"],
        ["incrbyfloat"] = ["INCRBYFLOAT", "n", "1.5"],
        ["linsert"] = ["LINSERT", "l", "BEFORE", "a", "b"],
        ["lmove"] = ["LMOVE", "{l}a", "{l}b", "LEFT", "RIGHT"],
        ["lpush"] = ["LPUSH", "l", "a"],
        ["lpushx"] = ["LPUSHX", "l", "a"],
        ["lset"] = ["LSET", "l", "0", "a"],
        ["mset"] = ["MSET", "{s}a", "1", "{s}b", "2"],
        ["msetnx"] = ["MSETNX", "{s}a", "1", "{s}b", "2"],
        ["pfadd"] = ["PFADD", "hll", "a"],
        ["pfdebug"] = ["PFDEBUG", "GETREG", "hll"],
        ["pfmerge"] = ["PFMERGE", "{h}d", "{h}s"],
        ["psetex"] = ["PSETEX", "s", "1000", "v"],
        ["restore"] = ["RESTORE", "r", "0", "payload"],
        ["restore-asking"] = ["RESTORE-ASKING", "r", "0", "payload"],
        ["rpoplpush"] = ["RPOPLPUSH", "{l}a", "{l}b"],
        ["rpush"] = ["RPUSH", "l", "a"],
        ["rpushx"] = ["RPUSHX", "l", "a"],
        ["sadd"] = ["SADD", "set", "a"],
        ["sdiffstore"] = ["SDIFFSTORE", "{t}d", "{t}a", "{t}b"],
        ["set"] = ["SET", "s", "v"],
        ["setbit"] = ["SETBIT", "s", "7", "1"],
        ["setex"] = ["SETEX", "s", "100", "v"],
        ["setnx"] = ["SETNX", "s", "v"],
        ["setrange"] = ["SETRANGE", "s", "0", "v"],
        ["sinterstore"] = ["SINTERSTORE", "{t}d", "{t}a"],
        ["sort"] = ["SORT", "l"],
        ["sunionstore"] = ["SUNIONSTORE", "{t}d", "{t}a"],
        ["xadd"] = ["XADD", "x", "*", "f", "v"],
        ["xgroup|create"] = ["XGROUP", "CREATE", "x", "grp", "$", "MKSTREAM"],
        ["xgroup|createconsumer"] = ["XGROUP", "CREATECONSUMER", "x", "grp", "c"],
        ["xsetid"] = ["XSETID", "x", "0-1"],
        ["zadd"] = ["ZADD", "z", "1", "m"],
        ["zdiffstore"] = ["ZDIFFSTORE", "{z}d", "1", "{z}a"],
        ["zincrby"] = ["ZINCRBY", "z", "1", "m"],
        ["zinterstore"] = ["ZINTERSTORE", "{z}d", "1", "{z}a"],
        ["zrangestore"] = ["ZRANGESTORE", "{z}d", "{z}a", "0", "-1"],
        ["zunionstore"] = ["ZUNIONSTORE", "{z}d", "1", "{z}a"],
    };

    /// <summary>Data the reads and the shrinking writes below find (stored before the limit is set).</summary>
    static readonly string[][] Dataset =
    [
        ["SET", "s", "hello"], ["SET", "n", "10"], ["RPUSH", "l", "a", "b", "c", "d"], ["HSET", "h", "f", "1", "g", "2"],
        ["SADD", "set", "x"], ["ZADD", "z", "1", "m", "2", "n"], ["SET", "gone", "1"], ["SET", "ttl", "1"], ["SET", "{s}a", "1"],
    ];

    /// <summary>Commands that are not DENYOOM: reads, and writes that only remove or shrink. All must run when over.</summary>
    static readonly string[][] AllowedWhenOver =
    [
        ["GET", "s"], ["MGET", "s", "n", "missing"], ["EXISTS", "s", "l", "missing"], ["STRLEN", "s"], ["GETRANGE", "s", "0", "2"],
        ["LRANGE", "l", "0", "-1"], ["LLEN", "l"], ["HGETALL", "h"], ["HGET", "h", "f"], ["SISMEMBER", "set", "x"],
        ["ZRANGE", "z", "0", "-1", "WITHSCORES"], ["ZSCORE", "z", "m"], ["TYPE", "l"], ["DBSIZE"], ["PING"], ["ECHO", "e"],
        ["EXPIRE", "ttl", "1000"], ["PERSIST", "ttl"], ["GETEX", "s"], ["DEL", "gone"], ["UNLINK", "missing"], ["LPOP", "l"],
        ["RPOP", "l"], ["LTRIM", "l", "0", "0"], ["HDEL", "h", "g"], ["SREM", "set", "nope"], ["ZREM", "z", "n"],
        ["ZPOPMIN", "z"], ["GETDEL", "n"], ["RENAME", "{s}a", "{s}c"], ["GET", "{s}c"], ["SELECT", "1"], ["SELECT", "0"],
        ["DBSIZE"],
    ];

    DualSession Session(int threads, string protocol, string context)
    {
        var s = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server)
        {
            Context = $"{context}, --threads {threads}, RESP{protocol}",
        };
        s.Check("HELLO", protocol);
        s.Check("FLUSHALL");
        return s;
    }

    /// <summary>A second connection to each server, for CONFIG SET while the first holds a MULTI.</summary>
    sealed class Admin(ServerProcess oracle, ServerProcess target) : IDisposable
    {
        readonly RespConnection _oracle = oracle.Connect(), _target = target.Connect();

        public void Both(params string[] command)
        {
            string o = Resp.AsString(_oracle.Call(command)), t = Resp.AsString(_target.Call(command));
            Assert.True(o == t, $"{string.Join(' ', command)}: redis {Resp.Escape(Resp.Latin1.GetBytes(o))}, ours {Resp.Escape(Resp.Latin1.GetBytes(t))}");
        }

        public void Dispose()
        {
            _oracle.Call(ServerReadings.EvictionDefaults);
            _target.Call(ServerReadings.EvictionDefaults);
            _oracle.Dispose();
            _target.Dispose();
        }
    }

    Admin OpenAdmin(int threads) => new(servers.Oracle.Server, servers.TargetWithThreads(threads).Server);

    /// <summary>The oracle's DENYOOM commands, container subcommands as "container|sub", from its COMMAND reply.</summary>
    List<string> OracleDenyOomCommands()
    {
        using RespConnection c = servers.Oracle.Server.Connect();
        var names = new List<string>();
        foreach (RespValue command in Resp.Parse(c.Call("COMMAND")).Items!)
            CollectDenyOom(command, names);
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Whether COMMAND INFO names the command ("container|sub" for a subcommand) on this server.</summary>
    static bool HasCommand(RespConnection c, string name)
    {
        string[] parts = name.Split('|');
        RespValue info = Resp.Parse(c.Call("COMMAND", "INFO", parts[0])).Items![0];
        if (info.IsNull) return false;
        return parts.Length == 1 || info.Items![9].Items!.Any(sub => sub.Items![0].Text == name);
    }

    static void CollectDenyOom(RespValue command, List<string> names)
    {
        if (command.Items![2].Items!.Any(f => f.Text == "denyoom"))
            names.Add(command.Items[0].Text!);
        foreach (RespValue sub in command.Items[9].Items!)
            CollectDenyOom(sub, names);
    }

    /// <summary>Every DENYOOM command gets the OOM error; every other command here runs, with Redis's reply.</summary>
    [Theory]
    [MemberData(nameof(ThreadsAndProtocols))]
    public void OverTheLimit_DenyOomRefused_ReadsAndShrinkingWritesRun(int threads, string protocol)
    {
        List<string> denyOom = OracleDenyOomCommands();
        Assert.True(denyOom.Count > 40, "the oracle's COMMAND reply names only " + denyOom.Count + " DENYOOM commands");
        string[] unknown = denyOom.Where(n => !DenyOomCalls.ContainsKey(n)).ToArray();
        Assert.True(unknown.Length == 0, "DENYOOM commands with no call in the table: " + string.Join(", ", unknown));

        using DualSession s = Session(threads, protocol, "over maxmemory, noeviction");
        using Admin admin = OpenAdmin(threads);
        // Commands the server under test does not have yet answer "unknown command" before any OOM check (as
        // Redis would): they are named in the output, and every command it has must answer as Redis does.
        List<string> absent = denyOom.Where(n => !HasCommand(s.Target, n)).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine("DENYOOM commands the server under test lacks: " + string.Join(", ", absent));
        Assert.True(absent.Count < denyOom.Count / 2, "most DENYOOM commands are missing: " + string.Join(", ", absent));
        foreach (string[] command in Dataset)
            s.Check(command);
        s.Check("CONFIG", "SET", "maxmemory-policy", "noeviction");
        s.Check("CONFIG", "SET", "maxmemory", "1");
        foreach (string name in denyOom.Except(absent))
        {
            byte[] expected = s.Check(DenyOomCalls[name]);
            Assert.Equal(ServerReadings.OomError, Resp.AsString(expected));
        }
        foreach (string[] command in AllowedWhenOver)
            s.Check(command);
        // Still over: the refused writes stored nothing.
        foreach (string name in denyOom.Except(absent).Take(10))
            s.Check(DenyOomCalls[name]);
        s.Check("DBSIZE");
        s.Check("CONFIG", "SET", "maxmemory", "0");
        s.Check("SET", "s", "fits again");
        s.Check("GET", "s");
    }

    /// <summary>Over the limit before MULTI: every queued command is refused, whatever its flags; EXEC aborts.</summary>
    [Theory]
    [MemberData(nameof(ThreadsAndProtocols))]
    public void OverBeforeMulti_EveryQueuedCommandRefused_ExecAborts(int threads, string protocol)
    {
        using DualSession s = Session(threads, protocol, "MULTI while over maxmemory");
        using Admin admin = OpenAdmin(threads);
        s.Check("SET", "x", "1");
        s.Check("CONFIG", "SET", "maxmemory", "1");
        string[][] steps =
        [
            ["MULTI"], ["SET", "x", "2"], ["EXEC"], ["GET", "x"],
            ["MULTI"], ["GET", "x"], ["EXEC"],
            ["MULTI"], ["DEL", "x"], ["PING"], ["DISCARD"], ["EXISTS", "x"],
            ["MULTI"], ["INCR", "x"], ["GET", "x"], ["DEL", "x"], ["EXEC"], ["GET", "x"],
            // Unknown commands and wrong arities keep their own errors; WATCH and MULTI inside MULTI get OOM first.
            ["MULTI"], ["NOSUCH", "a"], ["GET"], ["WATCH", "x"], ["MULTI"], ["EXEC"],
            ["MULTI"], ["RESET"], ["GET", "x"],
            ["MULTI"], ["GET", "x"], ["DISCARD"], ["EXEC"], ["DISCARD"],
        ];
        foreach (string[] step in steps)
            s.Check(step);
        s.Check("CONFIG", "SET", "maxmemory", "0");
        s.Check("MULTI");
        s.Check("GET", "x");
        s.Check("EXEC");
    }

    /// <summary>
    /// Memory goes over between queueing and EXEC (another client lowers maxmemory): an EXEC holding a DENYOOM
    /// command is refused as a whole (EXECABORT naming the OOM error, nothing runs, the MULTI is over); an EXEC of
    /// reads and shrinking writes runs.
    /// </summary>
    [Theory]
    [MemberData(nameof(ThreadsAndProtocols))]
    public void OverAfterQueueing_ExecWithDenyOomAborts_ExecOfReadsRuns(int threads, string protocol)
    {
        using DualSession s = Session(threads, protocol, "over maxmemory between MULTI and EXEC");
        using Admin admin = OpenAdmin(threads);
        s.Check("SET", "x", "1");
        s.Check("SET", "{x}y", "2");

        s.Check("MULTI");
        s.Check("SET", "x", "changed");
        s.Check("GET", "x");
        admin.Both("CONFIG", "SET", "maxmemory", "1");
        s.Check("EXEC");
        s.Check("EXEC");
        s.Check("GET", "x");
        admin.Both("CONFIG", "SET", "maxmemory", "0");

        s.Check("MULTI");
        s.Check("GET", "x");
        s.Check("DEL", "x");
        s.Check("INCR", "{x}y");
        admin.Both("CONFIG", "SET", "maxmemory", "1");
        s.Check("EXEC");
        s.Check("MGET", "x", "{x}y");
        admin.Both("CONFIG", "SET", "maxmemory", "0");

        s.Check("MULTI");
        s.Check("GET", "x");
        s.Check("MGET", "x", "{x}y");
        s.Check("PING");
        admin.Both("CONFIG", "SET", "maxmemory", "1");
        s.Check("EXEC");
        admin.Both("CONFIG", "SET", "maxmemory", "0");

        s.Check("MULTI");
        s.Check("DEL", "{x}y");
        s.Check("EXPIRE", "x", "100");
        admin.Both("CONFIG", "SET", "maxmemory", "1");
        s.Check("EXEC");
        s.Check("EXISTS", "x", "{x}y");
        admin.Both("CONFIG", "SET", "maxmemory", "0");
    }

    /// <summary>
    /// An allkeys-* policy over the limit with nothing left to evict refuses DENYOOM commands as noeviction does;
    /// a volatile-* policy with only TTL-free keys the same, and those keys stay.
    /// </summary>
    [Theory]
    [MemberData(nameof(ThreadsAndProtocols))]
    public void NothingLeftToEvict_DenyOomRefusedUnderEveryPolicy(int threads, string protocol)
    {
        using DualSession s = Session(threads, protocol, "nothing left to evict");
        using Admin admin = OpenAdmin(threads);
        s.Check("SET", "kept", "1");
        s.Check("SET", "{kept}2", "2");
        foreach (string policy in new[] { "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl" })
        {
            s.Check("CONFIG", "SET", "maxmemory-policy", policy);
            s.Check("CONFIG", "SET", "maxmemory", "1");
            s.Check("SET", "a", "b");
            s.Check("MULTI");
            s.Check("GET", "kept");
            s.Check("EXEC");
            s.Check("MGET", "kept", "{kept}2");
            s.Check("CONFIG", "SET", "maxmemory", "0");
        }
        foreach (string policy in new[] { "allkeys-lru", "allkeys-lfu", "allkeys-random" })
        {
            s.Check("CONFIG", "SET", "maxmemory-policy", policy);
            s.Check("CONFIG", "SET", "maxmemory", "1");
            s.Check("SET", "a", "b");
            s.Check("DBSIZE");
            s.Check("RPUSH", "l", "x");
            s.Check("CONFIG", "SET", "maxmemory", "0");
        }
    }
}
