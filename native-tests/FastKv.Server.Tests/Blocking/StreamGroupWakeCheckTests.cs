using System;
using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// XREADGROUP over streams on several shards whose other key fails (its group destroyed, the stream deleted, or a string
/// in its place) when the command runs: Redis 7.2.4 checks every key before it serves any, so the client gets only the
/// error of the first failing key in argument order, and the stream that has entries delivers none: nothing pending,
/// the group's last-delivered-id and entries-read as they were. Blocked clients woken by one EXEC or one script that adds
/// to one key and breaks the other run the whole command again, with the same outcome; so do XREADGROUP without BLOCK,
/// in MULTI and in a script. A client blocked behind such a waiter on the woken key comes after it, as Redis serves them.
/// Each case runs against redis-server and against FastKv with --threads 4 (the keys on different shards) and 1.
/// </summary>
public class StreamGroupWakeCheckTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);
    const string WrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    const string NoPending = "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n";

    static readonly string[] Targets = ["redis", "4", "1"];

    public static IEnumerable<TheoryDataRow<string, string, string>> BreakRows()
    {
        foreach (string t in Targets)
            foreach (string how in new[] { "destroy", "del", "set" })
                foreach (string by in new[] { "exec", "script" })
                    yield return new(t, how, by);
    }

    public static IEnumerable<TheoryDataRow<string, string>> RunRows()
    {
        foreach (string t in Targets)
            foreach (string how in new[] { "plain", "block", "exec", "script" })
                yield return new(t, how);
    }

    public static IEnumerable<TheoryDataRow<string>> TargetRows()
    {
        foreach (string t in Targets) yield return new(t);
    }

    ServerProcess Server(string target) => target == "redis" ? servers.Oracle.Server : servers.TargetWithThreads(int.Parse(target)).Server;

    static bool Silent(RespConnection c, TimeSpan wait) => BlockingCommandTests.Silent(c, wait);

    static string NoGroup(string key) => $"-NOGROUP No such key '{key}' or consumer group 'g' in XREADGROUP with GROUP option\r\n";

    /// <summary>XINFO GROUPS of a stream with one entry, 1-0, and group g with one consumer, nothing delivered.</summary>
    const string UntouchedGroup = "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:0\r\n" +
        "$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:1\r\n";

    /// <summary>Two keys on different shards (at --threads 4), each an empty stream with group g.</summary>
    static (string K0, string K1) Streams(RespConnection w, string prefix)
    {
        string k0 = BlockingCommandTests.Key(prefix, 0), k1 = BlockingCommandTests.Key(prefix, 2);
        w.Call("DEL", k0, k1);
        w.Call("XGROUP", "CREATE", k0, "g", "$", "MKSTREAM");
        w.Call("XGROUP", "CREATE", k1, "g", "$", "MKSTREAM");
        return (k0, k1);
    }

    /// <summary>Runs <paramref name="commands"/> (Lua calls, e.g. "'xadd', KEYS[1], ...") as one EXEC or one script over both keys.</summary>
    static void Atomically(RespConnection w, string by, string k0, string k1, params string[][] commands)
    {
        if (by == "exec")
        {
            w.Call("MULTI");
            foreach (string[] c in commands) w.Call(Array.ConvertAll(c, a => a == "K1" ? k0 : a == "K2" ? k1 : a));
            Assert.StartsWith($"*{commands.Length}\r\n", w.CallText("EXEC"));
            return;
        }
        var lua = new System.Text.StringBuilder();
        foreach (string[] c in commands)
            lua.Append("redis.call(").Append(string.Join(", ", Array.ConvertAll(c, a => a is "K1" or "K2" ? $"KEYS[{a[1]}]" : $"'{a}'"))).Append(") ");
        lua.Append("return 1");
        Assert.Equal(":1\r\n", w.CallText("EVAL", lua.ToString(), "2", k0, k1));
    }

    static string[] Break(string how) => how switch
    {
        "destroy" => ["XGROUP", "DESTROY", "K2", "g"],
        "del" => ["DEL", "K2"],
        "set" => ["SET", "K2", "x"],
        _ => throw new ArgumentOutOfRangeException(nameof(how)),
    };

    [Theory]
    [MemberData(nameof(BreakRows))]
    public void Woken_WhileTheOtherKeyFails_AnswersItsError_AndDeliversNothing(string target, string how, string by)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        var (k0, k1) = Streams(writer, "xcheck:w");
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", k0, k1, ">", ">");
        Assert.True(Silent(reader, Settle), "XREADGROUP BLOCK answered with nothing new");
        Atomically(writer, by, k0, k1, ["XADD", "K1", "1-0", "f", "v"], Break(how));
        Assert.Equal(how == "set" ? WrongType : NoGroup(k1), Resp.AsString(reader.ReadReply()));
        Assert.Equal(NoPending, writer.CallText("XPENDING", k0, "g"));
        Assert.Equal(UntouchedGroup, writer.CallText("XINFO", "GROUPS", k0));
        // Made by the first attempt, never active: the run that failed did not see it either.
        Assert.Contains("$7\r\npending\r\n:0\r\n", writer.CallText("XINFO", "CONSUMERS", k0, "g"));
        Assert.Contains("$8\r\ninactive\r\n:-1\r\n", writer.CallText("XINFO", "CONSUMERS", k0, "g"));
        Assert.Equal("+PONG\r\n", reader.CallText("PING"));
        writer.Call("DEL", k0, k1);
    }

    [Theory]
    [MemberData(nameof(TargetRows))]
    public void Woken_WhileTheOtherKeyHasExpiredUnseen_AnswersNoGroup_AndDeliversNothing(string target)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        var (k0, k1) = Streams(writer, "xcheck:x");
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", k0, k1, ">", ">");
        Assert.True(Silent(reader, Settle), "XREADGROUP BLOCK answered with nothing new");
        // Without the active cycle the expired stream stays until a lookup finds it: the run that XADD starts is that lookup.
        Assert.Equal("+OK\r\n", writer.CallText("DEBUG", "SET-ACTIVE-EXPIRE", "0"));
        try
        {
            Assert.Equal(":1\r\n", writer.CallText("PEXPIRE", k1, "20"));
            Assert.True(Silent(reader, Quiet), "the waiter was answered before anyone looked the expired key up");
            writer.Call("XADD", k0, "1-0", "f", "v");
            Assert.Equal(NoGroup(k1), Resp.AsString(reader.ReadReply()));
        }
        finally
        {
            writer.Call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        }
        Assert.Equal(NoPending, writer.CallText("XPENDING", k0, "g"));
        Assert.Equal(UntouchedGroup, writer.CallText("XINFO", "GROUPS", k0));
        Assert.Equal(":0\r\n", writer.CallText("EXISTS", k1));
        writer.Call("DEL", k0, k1);
    }

    [Theory]
    [InlineData("redis", false)]
    [InlineData("redis", true)]
    [InlineData("4", false)]
    [InlineData("4", true)]
    [InlineData("1", false)]
    [InlineData("1", true)]
    public void Woken_WithTwoKeysFailing_AnswersTheFirstInArgumentOrder(string target, bool reversed)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        var (k0, k1) = Streams(writer, "xcheck:o");
        string first = reversed ? k1 : k0, second = reversed ? k0 : k1;
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", first, second, ">", ">");
        Assert.True(Silent(reader, Settle), "XREADGROUP BLOCK answered with nothing new");
        // k1 becomes a string, then k0 loses its group, in one EXEC: the reply is the first key's error.
        Atomically(writer, "exec", k0, k1, ["SET", "K2", "x"], ["XGROUP", "DESTROY", "K1", "g"]);
        Assert.Equal(reversed ? WrongType : NoGroup(k0), Resp.AsString(reader.ReadReply()));
        writer.Call("DEL", k0, k1);
    }

    [Theory]
    [MemberData(nameof(RunRows))]
    public void RunAtOnce_AKeyWithoutTheGroup_AnswersNoGroup_AndTheOtherDeliversNothing(string target, string how)
    {
        using var c = Server(target).Connect();
        string k0 = BlockingCommandTests.Key("xcheck:n", 0), k1 = BlockingCommandTests.Key("xcheck:n", 2);
        c.Call("DEL", k0, k1);
        c.Call("XADD", k0, "1-0", "f", "v");
        c.Call("XGROUP", "CREATE", k0, "g", "0");
        c.Call("XADD", k1, "1-0", "f", "v");
        string[] read = ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k0, k1, ">", ">"];
        string reply = how switch
        {
            "plain" => c.CallText(read),
            "block" => c.CallText(["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", k0, k1, ">", ">"]),
            "exec" => Exec(c, read),
            _ => c.CallText("EVAL", "return redis.pcall('xreadgroup', 'group', 'g', 'c', 'streams', KEYS[1], KEYS[2], '>', '>')", "2", k0, k1),
        };
        Assert.Equal((how == "exec" ? "*1\r\n" : "") + NoGroup(k1), reply);
        Assert.Equal(NoPending, c.CallText("XPENDING", k0, "g"));
        // Not even the consumer is made: the check comes first.
        Assert.Equal("*0\r\n", c.CallText("XINFO", "CONSUMERS", k0, "g"));
        Assert.Contains("$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n", c.CallText("XINFO", "GROUPS", k0));
        c.Call("DEL", k0, k1);
    }

    static string Exec(RespConnection c, string[] command)
    {
        c.Call("MULTI");
        c.Call(command);
        return c.CallText("EXEC");
    }

    [Theory]
    [MemberData(nameof(TargetRows))]
    public void AWaiterBehindOne_OverSeveralShards_ComesAfterIt(string target)
    {
        ServerProcess server = Server(target);
        using var first = server.Connect();
        using var second = server.Connect();
        using var writer = server.Connect();
        var (k0, k1) = Streams(writer, "xcheck:f");
        first.SendCommand("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", k0, k1, ">", ">");
        Assert.True(Silent(first, Settle));
        second.SendCommand("XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", k0, ">");
        Assert.True(Silent(second, Settle));
        writer.Call("XADD", k0, "1-0", "f", "one");
        Assert.Equal(StreamBlockingTests.Entry(k0, "1-0", "f", "one"), Resp.AsString(first.ReadReply()));
        Assert.True(Silent(second, Quiet), "the later waiter was served the entry of the earlier one");
        writer.Call("XADD", k0, "2-0", "f", "two");
        Assert.Equal(StreamBlockingTests.Entry(k0, "2-0", "f", "two"), Resp.AsString(second.ReadReply()));
        writer.Call("DEL", k0, k1);
    }
}
