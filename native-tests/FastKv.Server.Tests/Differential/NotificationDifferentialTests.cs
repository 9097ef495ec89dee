using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Keyspace notifications against redis-server: both servers get <c>notify-keyspace-events KEA</c>, a second
/// connection of each PSUBSCRIBEs <c>__key*__:*</c> (and SUBSCRIBEs a fence channel), a seeded command stream over
/// every type runs on the first connection (replies compared as in the other differential tests), then a PUBLISH on
/// the fence channel closes the stream and the two subscribers' message frames must be byte-identical, in order.
/// RESP2 (pmessage arrays) and RESP3 (push frames), --threads 4 and 1.
/// <para>
/// Keys come in four hash-tag groups that land on four different shards of --threads 4, so consecutive commands
/// publish from different shards; a multi-key command (RENAME, LMOVE, SMOVE, *STORE, ...) takes its keys from one
/// group, because the events of a command whose keys sit on several shards are sent by each owner shard and may
/// interleave differently: <see cref="CrossShardCommands_SameEvents"/> compares those as multisets.
/// </para>
/// Needs the Pub/Sub of issue 5 (PSUBSCRIBE, PUBLISH) in the server under test; FASTKV_TEST_TARGET=redis checks
/// the test itself.
/// </summary>
public class NotificationDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int CommandsPerSeed = 1500;
    private const string Fence = "notify-fence";

    public static IEnumerable<TheoryDataRow<int, int, int>> Cases()
    {
        // (threads, seed, protocol)
        yield return new(4, 1, 2);
        yield return new(4, 2, 3);
        yield return new(1, 3, 2);
        yield return new(1, 4, 3);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomCommands_SameNotifications(int threads, int seed, int protocol)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        string[] groups = Groups(4);
        List<string[]> steps = new Generator(seed, groups).Generate(CommandsPerSeed);
        string context = $"seed {seed}, --threads {threads}, RESP{protocol}";
        RunAndCompare(target, protocol, steps, context, ordered: true);
    }

    /// <summary>Multi-key commands whose keys are on different shards: the same events, in any order.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void CrossShardCommands_SameEvents(int protocol)
    {
        ServerProcess target = servers.TargetWithThreads(4).Server;
        string[] g = Groups(4);
        string a = g[0] + "a", b = g[1] + "b", c = g[2] + "c", d = g[3] + "d";
        var steps = new List<string[]>
        {
            new[] { "SADD", a, "1", "2", "3" }, new[] { "SADD", b, "2", "3", "4" },
            new[] { "SINTERSTORE", c, a, b }, new[] { "SUNIONSTORE", d, a, b, c }, new[] { "SDIFFSTORE", d, a, a },
            new[] { "SMOVE", a, b, "1" }, new[] { "SMOVE", c, a, "2" }, new[] { "SMOVE", c, a, "3" },
            new[] { "RPUSH", a + "l", "x", "y" }, new[] { "LMOVE", a + "l", b + "l", "LEFT", "RIGHT" },
            new[] { "RPOPLPUSH", a + "l", b + "l" }, new[] { "LMPOP", "2", c + "l", b + "l", "LEFT", "COUNT", "5" },
            new[] { "ZADD", a + "z", "1", "m", "2", "n" }, new[] { "ZADD", b + "z", "3", "n" },
            new[] { "ZUNIONSTORE", c + "z", "2", a + "z", b + "z" }, new[] { "ZINTERSTORE", d + "z", "2", a + "z", b + "z" },
            new[] { "ZDIFFSTORE", d + "z", "1", c + "l" }, new[] { "ZRANGESTORE", d + "z", c + "z", "0", "0" },
            new[] { "SET", a + "s", "v" }, new[] { "RENAME", a + "s", b + "s" }, new[] { "COPY", b + "s", c + "s" },
            new[] { "COPY", b + "s", c + "s", "REPLACE" }, new[] { "RENAMENX", b + "s", c + "s" },
            new[] { "MSET", a + "m", "1", b + "m", "2", c + "m", "3" }, new[] { "DEL", a + "m", b + "m", c + "m", d + "m" },
            new[] { "RPUSH", a + "n", "3", "1", "2" }, new[] { "SORT", a + "n", "STORE", b + "n" },
            new[] { "SORT", c + "n", "STORE", b + "n" },
        };
        RunAndCompare(target, protocol, steps, $"cross-shard, RESP{protocol}", ordered: false);
    }

    /// <summary>
    /// Bitmap writes: "setbit" for SETBIT and BITFIELD only when something was written (and "new" for a created key),
    /// "set" or "del" for BITOP's destination, nothing for a write that changes nothing. BITOP's sources sit on other
    /// shards of --threads 4, so events are compared in order at --threads 1 and as multisets at 4.
    /// </summary>
    [Theory]
    [InlineData(1, 2)]
    [InlineData(4, 3)]
    public void BitmapWrites_SameNotifications(int threads, int protocol)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        string[] g = Groups(4);
        string a = g[0] + "a", b = g[1] + "b", c = g[2] + "c";
        var steps = new List<string[]>
        {
            new[] { "CONFIG", "SET", "notify-keyspace-events", "KEAn" },
            new[] { "SETBIT", a, "7", "1" }, new[] { "SETBIT", a, "7", "1" }, new[] { "SETBIT", a, "7", "0" },
            new[] { "SETBIT", a, "100", "0" }, new[] { "SETBIT", a, "x", "1" }, new[] { "SET", b, "123" },
            new[] { "SETBIT", b, "0", "0" }, new[] { "BITFIELD", b, "GET", "u8", "0" },
            new[] { "BITFIELD", b, "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9" }, new[] { "BITFIELD", c, "SET", "i8", "#2", "-5", "INCRBY", "u4", "0", "1" },
            new[] { "BITFIELD", a, "SET", "u1", "0", "1" }, new[] { "BITFIELD_RO", c, "GET", "i8", "#2" }, new[] { "BITOP", "AND", c, a, b }, new[] { "BITOP", "NOT", c, "nothing" },
            new[] { "BITOP", "OR", c, "nothing" }, new[] { "BITOP", "XOR", a, a, b, c },
            new[] { "CONFIG", "SET", "notify-keyspace-events", "KEA" },
        };
        RunAndCompare(target, protocol, steps, $"bitmaps, --threads {threads}, RESP{protocol}", ordered: threads == 1);
    }

    /// <summary>
    /// Writes made by scripts (issue 13, section 5): declared keys and keys named in ARGV, on every shard of --threads 4
    /// (where a script's events come from several shards, so they are compared as multisets), a write before the
    /// script fails, a failed call (no event), a script in MULTI.
    /// </summary>
    [Theory]
    [InlineData(1, 2)]
    [InlineData(4, 2)]
    [InlineData(4, 3)]
    public void ScriptWrites_SameEvents(int threads, int protocol)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        string[] g = Groups(4);
        string a = g[0] + "a", b = g[1] + "b", c = g[2] + "c", d = g[3] + "d";
        var steps = new List<string[]>
        {
            new[] { "EVAL", "redis.call('set', KEYS[1], 'v') redis.call('incr', KEYS[2]) redis.call('rpush', ARGV[1], 'x', 'y') redis.call('hset', ARGV[2], 'f', 'v') return redis.call('del', KEYS[1], ARGV[1])", "2", a, b, c, d },
            new[] { "EVAL", "redis.call('mset', ARGV[1], 1, ARGV[2], 2, ARGV[3], 3) redis.call('expire', ARGV[1], 100) redis.call('sadd', ARGV[4], 'm') redis.call('zadd', ARGV[4] .. 'z', 1, 'm') return redis.call('lpop', ARGV[5])", "0", a, b, c, d, c },
            new[] { "EVAL", "redis.pcall('lpush', KEYS[1], 'x') redis.call('set', KEYS[1], 'y', 'EX', 100) redis.call('persist', KEYS[1]) return redis.call('getdel', ARGV[1])", "1", d, b },
            new[] { "EVAL", "redis.call('set', KEYS[1], 'z') redis.call('rename', ARGV[1], ARGV[2]) error('after the writes')", "1", a, c, c + "2" },
            new[] { "EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", a },
            new[] { "MULTI" },
            new[] { "EVAL", "return redis.call('incrby', KEYS[1], 5)", "1", b },
            new[] { "EVAL", "return redis.call('hincrby', ARGV[1], 'n', 2)", "0", d + "h" },
            new[] { "EXEC" },
            new[] { "EVAL", "return redis.call('del', ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])", "0", a, b, c + "2", d, d + "h" },
        };
        RunAndCompare(target, protocol, steps, $"scripts, --threads {threads}, RESP{protocol}", ordered: threads == 1);
    }

    /// <summary>Blocked BLPOP, BLMOVE, BZPOPMIN and BLMPOP clients served by pushes: the push's event, then the pop's.</summary>
    [Theory]
    [InlineData(4, 2)]
    [InlineData(4, 3)]
    [InlineData(1, 2)]
    public void BlockedClientsServed_SameNotifications(int threads, int protocol)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        string[] g = Groups(4);
        string[][] blocking =
        {
            new[] { "BLPOP", g[0] + "l", "0" },
            new[] { "BLMOVE", g[1] + "m", g[1] + "d", "RIGHT", "LEFT", "0" },
            new[] { "BZPOPMIN", g[2] + "z", "0" },
            new[] { "BLMPOP", "0", "2", g[3] + "x", g[3] + "y", "RIGHT", "COUNT", "5" },
        };
        var steps = new List<string[]>
        {
            new[] { "RPUSH", g[0] + "l", "a" }, new[] { "RPUSH", g[1] + "m", "x", "y" },
            new[] { "ZADD", g[2] + "z", "1", "a", "2", "b" }, new[] { "LPUSH", g[3] + "y", "p", "q" },
        };
        var servedOracle = new List<RespConnection>();
        var servedTarget = new List<RespConnection>();
        try
        {
            foreach (var (server, list) in new[] { (servers.Oracle.Server, servedOracle), (target, servedTarget) })
            {
                using (RespConnection flush = server.Connect())
                    Assert.Equal("+OK\r\n", Resp.AsString(flush.Call("FLUSHALL")));
                foreach (var command in blocking)
                {
                    RespConnection conn = server.Connect();
                    list.Add(conn);
                    conn.SendCommand(command);
                }
            }
            RunAndCompare(target, protocol, steps, $"blocked clients, --threads {threads}, RESP{protocol}", ordered: true,
                beforeSteps: () =>
                {
                    // Each blocked command must be waiting before the pushes run.
                    foreach (var (server, list) in new[] { (servers.Oracle.Server, servedOracle), (target, servedTarget) })
                        WaitBlocked(server, list.Count);
                },
                afterSteps: () =>
                {
                    foreach (var conn in servedOracle) conn.ReadReply();
                    foreach (var conn in servedTarget) conn.ReadReply();
                });
        }
        finally
        {
            foreach (var conn in servedOracle) conn.Dispose();
            foreach (var conn in servedTarget) conn.Dispose();
        }
    }

    private static void WaitBlocked(ServerProcess server, int count)
    {
        using RespConnection probe = server.Connect();
        for (int i = 0; i < 500; i++)
        {
            string info = Resp.AsString(probe.Call("INFO", "clients"));
            int at = info.IndexOf("blocked_clients:", StringComparison.Ordinal);
            if (at >= 0 && int.Parse(info.AsSpan(at + 16, info.IndexOf('\r', at) - at - 16), CultureInfo.InvariantCulture) >= count)
                return;
            System.Threading.Thread.Sleep(10);
        }
        Assert.Fail($"{server.Description}: the {count} blocking commands did not block");
    }

    /// <summary>HyperLogLog: PFADD and PFMERGE announce "pfadd" (and a created key "new"); PFCOUNT, a PFADD that
    /// changes nothing and a failed command announce nothing. In one group (ordered) and across shards (as multisets).</summary>
    [Theory]
    [InlineData(2, true)]
    [InlineData(3, false)]
    public void HllCommands_SameNotifications(int protocol, bool oneGroup)
    {
        ServerProcess target = servers.TargetWithThreads(4).Server;
        string[] g = Groups(4);
        string a = g[0] + "h1", b = (oneGroup ? g[0] : g[1]) + "h2", c = (oneGroup ? g[0] : g[2]) + "h3";
        var steps = new List<string[]>
        {
            new[] { "PFADD", a, "x", "y" }, new[] { "PFADD", a, "x" }, new[] { "PFADD", b }, new[] { "PFCOUNT", a },
            new[] { "PFMERGE", c, a, b }, new[] { "PFMERGE", c }, new[] { "PFCOUNT", a, b, c }, new[] { "SET", b, "text" },
            new[] { "PFADD", b, "z" }, new[] { "PFMERGE", c, b }, new[] { "PFDEBUG", "TODENSE", a }, new[] { "PFADD", a, "w" },
        };
        RunAndCompare(target, protocol, steps, $"HLL, {(oneGroup ? "one group" : "across shards")}, RESP{protocol}", ordered: oneGroup);
    }

    private void RunAndCompare(ServerProcess target, int protocol, List<string[]> steps, string context, bool ordered,
        Action? beforeSteps = null, Action? afterSteps = null)
    {
        using var session = new DualSession(servers.Oracle.Server, target) { Context = context };
        foreach (var conn in new[] { session.Oracle, session.Target })
        {
            Assert.Equal("+OK\r\n", Resp.AsString(conn.Call("FLUSHALL")));
            Assert.Equal("+OK\r\n", Resp.AsString(conn.Call("CONFIG", "SET", "notify-keyspace-events", "KEA")));
        }
        using RespConnection oracleSub = Subscribe(servers.Oracle.Server, protocol);
        using RespConnection targetSub = Subscribe(target, protocol);
        try
        {
            if (protocol == 3)
                session.Check("HELLO", "3");
            beforeSteps?.Invoke();
            for (int i = 0; i < steps.Count; i++)
            {
                byte[][] command = DualSession.Command(steps[i]);
                if (steps[i][0] == "SPOP")
                {
                    // Which members a partial pop takes is random; the generator only pops whole sets, whose
                    // reply order is each table's business: the events are what this test compares.
                    session.Oracle.Call(command);
                    session.Target.Call(command);
                    continue;
                }
                session.Check(command, i);
            }
            afterSteps?.Invoke();
            session.Oracle.Call("PUBLISH", Fence, "end");
            session.Target.Call("PUBLISH", Fence, "end");
            List<string> expected = Drain(oracleSub), actual = Drain(targetSub);
            if (!ordered)
            {
                expected.Sort(StringComparer.Ordinal);
                actual.Sort(StringComparer.Ordinal);
            }
            Compare(context, expected, actual);
        }
        finally
        {
            foreach (var conn in new[] { session.Oracle, session.Target })
                conn.Call("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }

    private static RespConnection Subscribe(ServerProcess server, int protocol)
    {
        RespConnection sub = server.Connect();
        if (protocol == 3)
            sub.Call("HELLO", "3");
        string confirm = Resp.AsString(sub.Call("PSUBSCRIBE", "__key*__:*"));
        Assert.Contains("psubscribe", confirm);
        confirm = Resp.AsString(sub.Call("SUBSCRIBE", Fence));
        Assert.Contains(Fence, confirm);
        return sub;
    }

    /// <summary>Every message frame up to (not including) the fence message, as escaped text.</summary>
    private static List<string> Drain(RespConnection sub)
    {
        var frames = new List<string>();
        byte[] fence = Encoding.ASCII.GetBytes("$" + Fence.Length + "\r\n" + Fence + "\r\n");
        for (int n = 0; n < 1_000_000; n++)
        {
            byte[] frame = sub.ReadReply();
            if (frame.AsSpan().IndexOf(fence) >= 0)
                return frames;
            frames.Add(Resp.Escape(frame));
        }
        throw new InvalidOperationException("no fence message");
    }

    private static void Compare(string context, List<string> expected, List<string> actual)
    {
        int n = Math.Min(expected.Count, actual.Count);
        for (int i = 0; i < n; i++)
        {
            if (expected[i] == actual[i])
                continue;
            var around = new StringBuilder();
            for (int j = Math.Max(0, i - 4); j < Math.Min(n, i + 4); j++)
                around.Append($"\n  #{j}: oracle {expected[j]}\n       target {actual[j]}");
            Assert.Fail($"{context}: notification #{i} differs{around}");
        }
        if (expected.Count != actual.Count)
            Assert.Fail($"{context}: oracle sent {expected.Count} notifications, target {actual.Count}; first extra: "
                + (expected.Count > n ? "oracle " + expected[n] : "target " + actual[n]));
        Assert.NotEmpty(expected);
    }

    /// <summary>Hash tags "{tN}" whose slots fall in N different quarters of the slot space (shards of --threads N).</summary>
    private static string[] Groups(int n)
    {
        var groups = new string[n];
        for (int shard = 0; shard < n; shard++)
            for (int i = 0; ; i++)
            {
                string tag = "{t" + i.ToString(CultureInfo.InvariantCulture) + "}";
                if (KeySlot.Of(tag) * n / 16384 != shard)
                    continue;
                groups[shard] = tag;
                break;
            }
        return groups;
    }

    /// <summary>
    /// Seeded commands over every type on a few keys per group; keys are shared between types, so commands also
    /// hit WRONGTYPE (no event) and replace values of other types. TTLs are long (no expiry during a run) or
    /// already past (an immediate "del").
    /// </summary>
    private sealed class Generator(int seed, string[] groups)
    {
        private readonly Random _rng = new(seed);
        private static readonly string[] Names = { "a", "b", "c", "d" };
        private static readonly string[] Values = { "1", "2", "7", "-3", "x", "yy", "10", "abc" };

        private string Group() => groups[_rng.Next(groups.Length)];
        private string Key(string g) => g + Names[_rng.Next(Names.Length)];
        private string V() => Values[_rng.Next(Values.Length)];
        private string N(int max) => _rng.Next(max).ToString(CultureInfo.InvariantCulture);
        private string Side() => _rng.Next(2) == 0 ? "LEFT" : "RIGHT";

        public List<string[]> Generate(int count)
        {
            var steps = new List<string[]>(count);
            for (int i = 0; i < count; i++)
                steps.Add(Next());
            return steps;
        }

        private string[] Next()
        {
            string g = Group(), k = Key(g), k2 = Key(g), k3 = Key(g);
            return _rng.Next(62) switch
            {
                0 => new[] { "SET", k, V() },
                1 => new[] { "SET", k, V(), "EX", "1000" },
                2 => new[] { "SET", k, V(), "NX" },
                3 => new[] { "SET", k, V(), "XX", "KEEPTTL" },
                4 => new[] { "SETNX", k, V() },
                5 => new[] { "GETSET", k, V() },
                6 => new[] { "GETDEL", k },
                7 => _rng.Next(3) switch
                {
                    0 => new[] { "GETEX", k },
                    1 => new[] { "GETEX", k, "PERSIST" },
                    _ => new[] { "GETEX", k, "EX", "1000" },
                },
                8 => new[] { "APPEND", k, _rng.Next(4) == 0 ? "" : V() },
                9 => new[] { "SETRANGE", k, N(4), _rng.Next(4) == 0 ? "" : V() },
                10 => new[] { "INCR", k },
                11 => new[] { "DECRBY", k, N(5) },
                12 => new[] { "INCRBYFLOAT", k, "1.5" },
                13 => new[] { "MSET", k, V(), k2, V() },
                14 => new[] { "MSETNX", k, V(), k2, V() },
                15 => new[] { "DEL", k, k2 },
                16 => new[] { "EXPIRE", k, _rng.Next(3) == 0 ? "-1" : "1000" },
                17 => new[] { "PERSIST", k },
                18 => new[] { "RENAME", k, k2 },
                19 => new[] { "RENAMENX", k, k2 },
                20 => new[] { "COPY", k, k2, "REPLACE" },
                21 => new[] { "HSET", k, "f" + N(3), V(), "g", V() },
                22 => new[] { "HSETNX", k, "f" + N(3), V() },
                23 => new[] { "HDEL", k, "f" + N(3), "g" },
                24 => new[] { "HINCRBY", k, "n", N(5) },
                25 => new[] { "HINCRBYFLOAT", k, "n", "0.5" },
                26 => new[] { "LPUSH", k, V(), V() },
                27 => new[] { "RPUSH", k, V() },
                28 => new[] { "LPUSHX", k, V() },
                29 => new[] { "LPOP", k },
                30 => new[] { "RPOP", k, N(3) },
                31 => new[] { "LINSERT", k, "BEFORE", V(), V() },
                32 => new[] { "LSET", k, "0", V() },
                33 => new[] { "LREM", k, N(3), V() },
                34 => new[] { "LTRIM", k, N(3), N(4) },
                35 => new[] { "LMOVE", k, k2, Side(), Side() },
                36 => new[] { "RPOPLPUSH", k, k2 },
                37 => new[] { "LMPOP", "2", k, k2, Side(), "COUNT", (1 + _rng.Next(2)).ToString(CultureInfo.InvariantCulture) },
                38 => new[] { "SADD", k, V(), V() },
                39 => new[] { "SREM", k, V(), V() },
                40 => new[] { "SMOVE", k, k2, V() },
                41 => new[] { "SPOP", k, "100" },
                42 => new[] { "SINTERSTORE", k3, k, k2 },
                43 => new[] { "SUNIONSTORE", k3, k, k2 },
                44 => new[] { "SDIFFSTORE", k3, k, k2 },
                45 => new[] { "ZADD", k, N(5), V(), N(5), V() },
                46 => new[] { "ZADD", k, _rng.Next(2) == 0 ? "NX" : "XX", "CH", N(5), V() },
                47 => new[] { "ZADD", k, "GT", N(9), V() },
                48 => new[] { "ZINCRBY", k, N(3), V() },
                49 => new[] { "ZREM", k, V(), V() },
                50 => new[] { "ZPOPMIN", k },
                51 => new[] { "ZPOPMAX", k, N(3) },
                52 => new[] { "ZREMRANGEBYRANK", k, "0", N(2) },
                53 => new[] { "ZREMRANGEBYSCORE", k, "-inf", N(3) },
                54 => new[] { "ZREMRANGEBYLEX", k, "-", "[b" },
                55 => new[] { "ZUNIONSTORE", k3, "2", k, k2 },
                56 => new[] { "ZINTERSTORE", k3, "2", k, k2 },
                57 => new[] { "ZDIFFSTORE", k3, "2", k, k2 },
                58 => new[] { "ZRANGESTORE", k3, k, "0", N(3) },
                59 => new[] { "ZMPOP", "2", k, k2, _rng.Next(2) == 0 ? "MIN" : "MAX" },
                60 => new[] { "SORT", k, "ALPHA", "STORE", k3 },
                _ => new[] { "MOVE", k, "1" },
            };
        }
    }
}
