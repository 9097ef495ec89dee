using System.Collections.Generic;
using System.Text.RegularExpressions;
using System.Threading;
using FastKv.Server.Tests.Eviction;
using FastKv.Server.Tests.Infrastructure;
using Xunit;
using static FastKv.Server.Tests.Sessions.ExchangeCheck;

namespace FastKv.Server.Tests.Sessions;

/// <summary>
/// CLIENT LIST / INFO / KILL fields and types, CLIENT REPLY, CLIENT UNBLOCK, CLIENT PAUSE / UNPAUSE, CLIENT NO-EVICT
/// and NO-TOUCH against Redis 7.2.4, byte for byte where the reply does not carry ids, ports or times, and field by
/// field (flags, qbuf, cmd, multi) where it does; --threads 1 and 4.
/// </summary>
public class ClientCommandDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int>> Threads() => [new(1), new(4)];

    sealed class Pair(OracleAndTargetsFixture servers, int threads) : System.IDisposable
    {
        readonly List<RespConnection> open = new();
        public readonly string Context = $"--threads {threads}";
        public (RespConnection O, RespConnection T) Connect()
        {
            var p = (servers.Oracle.Server.Connect(), servers.TargetWithThreads(threads).Server.Connect());
            open.Add(p.Item1);
            open.Add(p.Item2);
            return p;
        }
        public void Dispose() { foreach (var c in open) c.Dispose(); }
    }

    static long Id(RespConnection c) => Resp.Parse(c.Call("CLIENT", "ID")).Integer;

    /// <summary>The fields of one CLIENT LIST/INFO line that do not depend on ids, ports, ages or memory.</summary>
    static string Fields(byte[] reply, string keep) => FieldsOf(Resp.Parse(reply).Text ?? Resp.AsString(reply), keep);

    static string FieldsOf(string text, string keep)
    {
        var parts = new List<string>();
        foreach (string name in keep.Split(' '))
        {
            Match m = Regex.Match(text, @"(?:^|\s)" + Regex.Escape(name) + @"=(\S*)");
            parts.Add(name + "=" + (m.Success ? m.Groups[1].Value : "<missing>"));
        }
        return string.Join(' ', parts);
    }

    static void SameFields(Pair p, RespConnection o, RespConnection t, string keep, params string[] command)
    {
        string expected = Fields(o.Call(command), keep), actual = Fields(t.Call(command), keep);
        Assert.True(expected == actual, $"{p.Context} {string.Join(' ', command)}\nexpected: {expected}\nactual:   {actual}");
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void ListAndKill_FlagsTypesAndQueryBuffer(int threads)
    {
        using var p = new Pair(servers, threads);
        var (o, t) = p.Connect();
        var (so, st) = p.Connect();
        var (bo, bt) = p.Connect();
        long bIdO = Id(bo), bIdT = Id(bt), sIdO = Id(so), sIdT = Id(st);
        Same(so, st, 1, p.Context, ["SUBSCRIBE", "news"]);
        bo.SendCommand("BLPOP", "client-list-nokey", "0");
        bt.SendCommand("BLPOP", "client-list-nokey", "0");
        Thread.Sleep(200);
        const string keep = "flags db sub psub ssub multi qbuf cmd";
        string blockedO = Fields(o.Call("CLIENT", "LIST", "ID", bIdO.ToString()), keep);
        string blockedT = Fields(t.Call("CLIENT", "LIST", "ID", bIdT.ToString()), keep);
        Assert.Equal(blockedO, blockedT);
        Assert.Contains("flags=b ", blockedT);
        Assert.Equal(Fields(o.Call("CLIENT", "LIST", "ID", sIdO.ToString()), keep), Fields(t.Call("CLIENT", "LIST", "ID", sIdT.ToString()), keep));

        // Own query buffer: the pipeline the command came in, counted as Redis does.
        var wire = Pipeline(["CLIENT", "INFO"], ["PING"]);
        o.Send(wire);
        t.Send(wire);
        Assert.Equal(Fields(o.ReadReply(), "qbuf flags multi cmd"), Fields(t.ReadReply(), "qbuf flags multi cmd"));
        Assert.Equal(Resp.AsString(o.ReadReply()), Resp.AsString(t.ReadReply()));
        Assert.Matches(@"qbuf-free=[1-9]\d*", Resp.Parse(t.Call("CLIENT", "INFO")).Text!);

        // Flags e and T, x inside MULTI (CLIENT LIST runs within EXEC, which Redis shows as multi=1, cmd=exec).
        Same(o, t, 2, p.Context, ["CLIENT", "NO-EVICT", "on"], ["CLIENT", "NO-TOUCH", "ON"]);
        SameFields(p, o, t, keep, "CLIENT", "INFO");
        Same(o, t, 2, p.Context, ["MULTI"], ["CLIENT", "INFO"]);
        string execO = FieldsOf(Resp.Parse(o.Call("EXEC")).Items![0].Text!, keep), execT = FieldsOf(Resp.Parse(t.Call("EXEC")).Items![0].Text!, keep);
        Assert.Equal(execO, execT);
        Same(o, t, 4, p.Context, ["CLIENT", "NO-EVICT", "maybe"], ["CLIENT", "NO-TOUCH", "1"], ["CLIENT", "NO-EVICT", "off"], ["CLIENT", "NO-TOUCH", "OFF"]);
        SameFields(p, o, t, keep, "CLIENT", "INFO");

        // Types: unknown ones are errors; master and replica match nobody; pubsub only the subscriber.
        Same(o, t, 1, p.Context, ["CLIENT", "KILL", "TYPE", "foo"]);
        Same(o, t, 1, p.Context, ["CLIENT", "LIST", "TYPE", "bar"]);
        foreach (string type in new[] { "master", "replica", "slave", "MASTER" })
            Same(o, t, 1, p.Context + " type " + type, ["CLIENT", "KILL", "TYPE", type]);
        Same(o, t, 1, p.Context, ["CLIENT", "LIST", "TYPE", "master"]);
        // Users: an unknown one is an error (names are case-sensitive); the default user is everybody's, so with the
        // subscriber's ID it kills nobody else.
        Same(o, t, 1, p.Context, ["CLIENT", "KILL", "USER", "wrong_user"]);
        Same(o, t, 1, p.Context, ["CLIENT", "KILL", "USER", "Default"]);
        Same(o, t, 1, p.Context, ["CLIENT", "KILL", "USER", "default", "ID", "999999"]);
        string pubsubO = Fields(o.Call("CLIENT", "LIST", "TYPE", "pubsub"), keep), pubsubT = Fields(t.Call("CLIENT", "LIST", "TYPE", "pubsub"), keep);
        Assert.Equal(pubsubO, pubsubT);
        Assert.Contains("flags=P ", pubsubT);
        Assert.DoesNotContain("id=" + bIdT + " ", Resp.Parse(t.Call("CLIENT", "LIST", "TYPE", "pubsub")).Text!);
        Assert.Contains("id=" + bIdT + " ", Resp.Parse(t.Call("CLIENT", "LIST", "TYPE", "normal")).Text!);
        Assert.DoesNotContain("id=" + sIdT + " ", Resp.Parse(t.Call("CLIENT", "LIST", "TYPE", "normal")).Text!);
        Assert.Equal(Resp.AsString(o.Call("CLIENT", "KILL", "TYPE", "normal", "ID", sIdO.ToString())),
                     Resp.AsString(t.Call("CLIENT", "KILL", "TYPE", "normal", "ID", sIdT.ToString())));
        Assert.Equal(":1\r\n", Resp.AsString(o.Call("CLIENT", "KILL", "TYPE", "pubsub", "ID", sIdO.ToString())));
        Assert.Equal(":1\r\n", Resp.AsString(t.Call("CLIENT", "KILL", "TYPE", "pubsub", "ID", sIdT.ToString())));
        Assert.True(st.IsClosedByPeer(System.TimeSpan.FromSeconds(10)), p.Context + ": the killed subscriber is still connected");
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void Reply_OffSkipOn(int threads)
    {
        using var p = new Pair(servers, threads);
        var (o, t) = p.Connect();
        // Keys on several shards, so some commands of a pipeline are out on other shards while others are silenced.
        Same(o, t, 4, p.Context, ["CLIENT", "REPLY", "OFF"], ["SET", "ra", "1"], ["SET", "rb", "2"], ["NOSUCH"], ["CLIENT", "REPLY", "SKIP"],
            ["GET", "ra"], ["CLIENT", "REPLY", "ON"], ["CLIENT", "REPLY", "SKIP"], ["GET", "rb"], ["GET", "ra"], ["GET", "rc"],
            ["CLIENT", "REPLY", "SKIP"], ["MGET", "ra", "rb", "rc"], ["PING"]);
        Same(o, t, 4, p.Context, ["CLIENT", "REPLY", "SKIP"], ["CLIENT", "REPLY", "SKIP"], ["GET", "ra"], ["CLIENT", "REPLY", "MAYBE"],
            ["CLIENT", "REPLY", "OFF"], ["CLIENT", "REPLY", "MAYBE"], ["MULTI"], ["SET", "rc", "3"], ["EXEC"], ["CLIENT", "REPLY", "ON"],
            ["GET", "rc"], ["CLIENT", "REPLY", "ON"]);
        Same(o, t, 1, p.Context, ["DEL", "ra", "rb", "rc"]);
        Quiet(t, p.Context);
    }

    /// <summary>
    /// (Un)subscribe confirmations are pushes that CLIENT REPLY OFF and SKIP do not stop (Redis's CLIENT_PUSHING), in
    /// RESP2 as in RESP3; the silenced commands' own replies stay dropped.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void Reply_OffStillSendsSubscriptionConfirmations(int threads)
    {
        using var p = new Pair(servers, threads);
        var (o, t) = p.Connect();
        Same(o, t, 5, p.Context + " RESP2", ["CLIENT", "REPLY", "OFF"], ["SUBSCRIBE", "ro1", "ro2"], ["PSUBSCRIBE", "ro*"],
            ["UNSUBSCRIBE", "ro2", "ro1"]);
        Same(o, t, 3, p.Context + " RESP2", ["PUNSUBSCRIBE"], ["PUNSUBSCRIBE"], ["CLIENT", "REPLY", "ON"]);
        Same(o, t, 3, p.Context + " RESP2 skip", ["CLIENT", "REPLY", "SKIP"], ["SUBSCRIBE", "ro3"], ["UNSUBSCRIBE", "ro3"], ["PING"]);
        Quiet(t, p.Context);
        var (o3, t3) = p.Connect();
        foreach (RespConnection c in new[] { o3, t3 }) Assert.StartsWith("%7", Resp.AsString(c.Call("HELLO", "3")));
        Same(o3, t3, 3, p.Context + " RESP3", ["CLIENT", "REPLY", "OFF"], ["SUBSCRIBE", "ro1"], ["GET", "x"], ["SSUBSCRIBE", "{ro}s"],
            ["PSUBSCRIBE", "ro*"]);
        var (po, pt) = p.Connect();
        Assert.Equal(Resp.AsString(po.Call("PUBLISH", "ro1", "hello")), Resp.AsString(pt.Call("PUBLISH", "ro1", "hello")));
        Same(o3, t3, 2, p.Context + " RESP3 message", []);
        Same(o3, t3, 5, p.Context + " RESP3", ["UNSUBSCRIBE", "ro1"], ["SUNSUBSCRIBE"], ["PUNSUBSCRIBE", "ro*", "nope"],
            ["CLIENT", "REPLY", "ON"]);
        Quiet(t3, p.Context);
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void Unblock_TimeoutErrorAndNotBlocked(int threads)
    {
        using var p = new Pair(servers, threads);
        var (o, t) = p.Connect();
        var (bo, bt) = p.Connect();
        long bIdO = Id(bo), bIdT = Id(bt);
        Same(o, t, 3, p.Context, ["CLIENT", "UNBLOCK", "abc"], ["CLIENT", "UNBLOCK", "1", "soon"], ["CLIENT", "UNBLOCK", "999999"]);
        foreach (string[] how in new[] { new[] { "TIMEOUT" }, new[] { "ERROR" }, new string[0], new[] { "error" } })
        {
            foreach (var (b, c, id) in new[] { (bo, o, bIdO), (bt, t, bIdT) })
            {
                b.SendCommand("BZPOPMIN", "unblock-nokey-" + how.Length, "0");
                Thread.Sleep(150);
                var args = new List<string> { "CLIENT", "UNBLOCK", id.ToString() };
                args.AddRange(how);
                Assert.Equal(":1\r\n", Resp.AsString(c.Call(args.ToArray())));
            }
            Assert.Equal(Resp.AsString(bo.ReadReply()), Resp.AsString(bt.ReadReply()));
        }
        Assert.Equal(":0\r\n", Resp.AsString(t.Call("CLIENT", "UNBLOCK", bIdT.ToString())));
        Assert.StartsWith("%7", Resp.AsString(bo.Call("HELLO", "3")));
        Assert.StartsWith("%7", Resp.AsString(bt.Call("HELLO", "3")));
        foreach (var (b, c, id) in new[] { (bo, o, bIdO), (bt, t, bIdT) })
        {
            b.SendCommand("BLPOP", "unblock-nokey", "0");
            Thread.Sleep(150);
            Assert.Equal(":1\r\n", Resp.AsString(c.Call("CLIENT", "UNBLOCK", id.ToString())));
        }
        Assert.Equal(Resp.AsString(bo.ReadReply()), Resp.AsString(bt.ReadReply()));
        Quiet(bt, p.Context);
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void Pause_WriteHoldsWritesAllHoldsEverything(int threads)
    {
        using var p = new Pair(servers, threads);
        var (o, t) = p.Connect();
        var (wo, wt) = p.Connect();
        Same(o, t, 5, p.Context, ["CLIENT", "PAUSE", "abc"], ["CLIENT", "PAUSE", "100", "sometimes"], ["CLIENT", "PAUSE", "-1"],
            ["CLIENT", "PAUSE", "0", "WRITE"], ["CLIENT", "UNPAUSE"]);
        foreach (var (c, w) in new[] { (o, wo), (t, wt) })
        {
            long wid = Id(w);
            Assert.Equal("+OK\r\n", Resp.AsString(c.Call("SET", "pk", "1")));
            Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CLIENT", "PAUSE", "100000", "WRITE")));
            // Reads go on; a write, a PUBLISH (may replicate) and an EXEC queued with a write wait for the pause.
            Assert.Equal("$1\r\n1\r\n", Resp.AsString(w.Call("GET", "pk")));
            w.Send(Pipeline(["INCR", "pk"], ["PUBLISH", "pc", "m"], ["GET", "pk"]));
            Thread.Sleep(300);
            Assert.Equal(0, w.Socket.Available + w.Pending.Length); // nothing answered while paused
            Assert.Contains("flags=b ", Resp.Parse(c.Call("CLIENT", "LIST", "ID", wid.ToString())).Text!);
            // A postponed client counts as blocked (Redis's BLOCKED_POSTPONE), until the pause ends.
            Assert.Equal(1, ServerReadings.InfoLong(c, "clients", "blocked_clients"));
            Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CLIENT", "UNPAUSE")));
            Assert.Equal(":2\r\n:0\r\n$1\r\n2\r\n", Resp.AsString(w.ReadReply()) + Resp.AsString(w.ReadReply()) + Resp.AsString(w.ReadReply()));
            Assert.Equal(0, ServerReadings.InfoLong(c, "clients", "blocked_clients"));

            // ALL: every command waits, CLIENT UNPAUSE included, until the deadline.
            Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CLIENT", "PAUSE", "500", "ALL")));
            w.Send(Pipeline(["PING"], ["CLIENT", "UNPAUSE"]));
            Thread.Sleep(100);
            Assert.Equal(0, w.Socket.Available + w.Pending.Length); // nothing answered while paused
            Assert.Equal("+PONG\r\n+OK\r\n", Resp.AsString(w.ReadReply()) + Resp.AsString(w.ReadReply()));
            Assert.Equal(":1\r\n", Resp.AsString(c.Call("DEL", "pk")));
        }
    }

    /// <summary>
    /// What CLIENT PAUSE WRITE holds, as Redis's getCommandFlags sees it: PFCOUNT (may replicate), a script without
    /// declared flags (EVAL, EVALSHA and FCALL may replicate), a flagged one unless no-writes, a function unless
    /// no-writes; EVAL_RO runs; EXEC holds when a queued script would. Each command is held (counted in
    /// blocked_clients until CLIENT UNPAUSE) or answered at once, on both servers alike.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void PauseWrite_HoldsScriptsAndPfcountAsRedis(int threads)
    {
        using var p = new Pair(servers, threads);
        var (o, t) = p.Connect();
        var (wo, wt) = p.Connect();
        const string lib = "#!lua name=pauselib\nredis.register_function{function_name='pw', callback=function() return 1 end}\n"
            + "redis.register_function{function_name='pr', callback=function() return 2 end, flags={'no-writes'}}";
        string[][][] cases =
        [
            [["PFCOUNT", "pause-hll"]], [["EVAL", "return 1", "0"]], [["EVAL", "#!lua\nreturn 1", "0"]],
            [["EVAL", "#!lua flags=no-writes\nreturn 1", "0"]], [["EVAL_RO", "return 1", "0"]],
            [["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"]], [["FCALL", "pw", "0"]], [["FCALL", "pr", "0"]],
            [["FCALL_RO", "pr", "0"]], [["FCALL", "nosuchfunction", "0"]],
            [["MULTI"], ["EVAL", "#!lua flags=no-writes\nreturn 1", "0"], ["EXEC"]], [["MULTI"], ["EVAL", "return 1", "0"], ["EXEC"]],
        ];
        var outcomes = new List<string>[2];
        foreach (var (c, w, i) in new[] { (o, wo, 0), (t, wt, 1) })
        {
            outcomes[i] = new List<string>();
            c.Call("PFADD", "pause-hll", "a");
            c.Call("SCRIPT", "LOAD", "return 1");
            c.Call("FUNCTION", "LOAD", "REPLACE", lib);
            foreach (string[][] cmds in cases)
            {
                for (int k = 0; k < cmds.Length - 1; k++) w.Call(cmds[k]);
                Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CLIENT", "PAUSE", "100000", "WRITE")));
                w.SendCommand(cmds[^1]);
                var deadline = System.DateTime.UtcNow.AddSeconds(30);
                string outcome = "";
                while (outcome.Length == 0)
                {
                    Assert.True(System.DateTime.UtcNow < deadline, "neither answered nor held: " + string.Join(' ', cmds[^1]));
                    if (w.Socket.Available > 0 || w.Pending.Length > 0) outcome = "ran";
                    else if (ServerReadings.InfoLong(c, "clients", "blocked_clients") == 1) outcome = "held";
                }
                Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CLIENT", "UNPAUSE")));
                outcomes[i].Add(string.Join(' ', cmds[^1]) + ": " + outcome + " " + Resp.AsString(w.ReadReply()));
            }
            c.Call("FUNCTION", "DELETE", "pauselib");
            c.Call("DEL", "pause-hll");
        }
        Assert.Equal(outcomes[0], outcomes[1]);
        Assert.Contains(outcomes[1], x => x.StartsWith("PFCOUNT pause-hll: held", System.StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void NoTouch_ReadsLeaveIdleTime_TouchTouches(int threads)
    {
        using var p = new Pair(servers, threads);
        var (o, t) = p.Connect();
        foreach (RespConnection c in new[] { o, t })
        {
            foreach (string k in new[] { "nt-a", "nt-b", "nt-c", "nt-d" }) c.Call("SET", k, "v");
            Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CLIENT", "NO-TOUCH", "ON")));
        }
        Thread.Sleep(2200);
        foreach (RespConnection c in new[] { o, t })
        {
            string who = c == o ? "oracle" : p.Context;
            foreach (string k in new[] { "nt-a", "nt-b", "nt-c", "nt-d" })
            {
                c.Call("GET", k);
                Assert.True(Resp.Parse(c.Call("OBJECT", "IDLETIME", k)).Integer >= 2, $"{who}: a NO-TOUCH GET touched {k}");
            }
            // The LRU clock has one-second resolution (Redis's too): a tick between the touch and the read makes it 1.
            // Untouched, the key is idle 2 s or more.
            c.Call("TOUCH", "nt-a");
            Assert.InRange(Resp.Parse(c.Call("OBJECT", "IDLETIME", "nt-a")).Integer, 0, 1);
            c.Call("CLIENT", "NO-TOUCH", "OFF");
            c.Call("GET", "nt-b");
            Assert.InRange(Resp.Parse(c.Call("OBJECT", "IDLETIME", "nt-b")).Integer, 0, 1);
            Assert.True(Resp.Parse(c.Call("OBJECT", "IDLETIME", "nt-c")).Integer >= 2, $"{who}: OBJECT IDLETIME touched");
            c.Call("DEL", "nt-a", "nt-b", "nt-c", "nt-d");
        }
    }
}
