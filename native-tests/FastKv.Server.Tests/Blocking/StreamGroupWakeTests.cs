using System;
using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// Which writes wake a client blocked in XREADGROUP, as Redis 7.2.4 runs the command again only when XADD added an entry
/// (or the stream or group went away): with the group moved back by XGROUP SETID, a failed XADD (ID too small, 0-0) and
/// every write that adds no entry (XDEL, XACK, XTRIM, XSETID, XCLAIM, XGROUP CREATECONSUMER, EXPIRE, PERSIST, a refused
/// LPUSH) leave the client waiting, and the next XADD serves it the entries after the group's ID. Running the command
/// again would also make a deleted consumer anew: XGROUP DELCONSUMER of the waiting consumer leaves it deleted. Each case
/// runs against redis-server and against FastKv with --threads 4 and 1.
/// </summary>
public class StreamGroupWakeTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    static readonly string[] Targets = ["redis", "4", "1"];

    static readonly string[] NoEntryWrites =
        ["xadd-too-small", "xadd-zero", "xdel", "xack", "xtrim", "xsetid", "xclaim", "createconsumer", "expire", "persist", "lpush"];

    public static IEnumerable<TheoryDataRow<string, string>> Rows()
    {
        foreach (string t in Targets)
            foreach (string how in NoEntryWrites) yield return new(t, how);
    }

    public static IEnumerable<TheoryDataRow<string>> TargetRows()
    {
        foreach (string t in Targets) yield return new(t);
    }

    ServerProcess Server(string target) => target == "redis" ? servers.Oracle.Server : servers.TargetWithThreads(int.Parse(target)).Server;

    static bool Silent(RespConnection c, TimeSpan wait) => BlockingCommandTests.Silent(c, wait);

    /// <summary>Stream <paramref name="key"/> with 1-0 and 2-0, group g at its end, consumers c and c0.</summary>
    static void Fresh(RespConnection c, string key)
    {
        c.Call("DEL", key);
        c.Call("XADD", key, "1-0", "a", "1");
        c.Call("XADD", key, "2-0", "a", "2");
        c.Call("XGROUP", "CREATE", key, "g", "$");
        c.Call("XGROUP", "CREATECONSUMER", key, "g", "c0");
    }

    static void Write(RespConnection w, string key, string how)
    {
        string expected = how switch
        {
            "xadd-too-small" => "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n",
            "xadd-zero" => "-ERR The ID specified in XADD must be greater than 0-0\r\n",
            "xclaim" => "*0\r\n",
            "xack" => ":0\r\n",
            "xsetid" => "+OK\r\n",
            "lpush" => "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            _ => ":1\r\n",
        };
        if (how == "persist") Assert.Equal(":1\r\n", w.CallText("EXPIRE", key, "100"));
        string got = how switch
        {
            "xadd-too-small" => w.CallText("XADD", key, "1-5", "b", "1"),
            "xadd-zero" => w.CallText("XADD", key, "0-0", "b", "1"),
            "xdel" => w.CallText("XDEL", key, "1-0"),
            "xack" => w.CallText("XACK", key, "g", "1-0"),
            "xtrim" => w.CallText("XTRIM", key, "MAXLEN", "1"),
            "xsetid" => w.CallText("XSETID", key, "9-0"),
            "xclaim" => w.CallText("XCLAIM", key, "g", "c0", "0", "1-0"),
            "createconsumer" => w.CallText("XGROUP", "CREATECONSUMER", key, "g", "c2"),
            "expire" => w.CallText("EXPIRE", key, "100"),
            "persist" => w.CallText("PERSIST", key),
            "lpush" => w.CallText("LPUSH", key, "x"),
            _ => throw new ArgumentOutOfRangeException(nameof(how)),
        };
        Assert.Equal(expected, got);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void AWriteThatAddsNoEntry_LeavesTheWaiterWaiting_TheNextXaddServesIt(string target, string how)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        const string key = "xwake:k";
        Fresh(writer, key);
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "BLOCK", "0", "STREAMS", key, ">");
        Assert.True(Silent(reader, Settle), "XREADGROUP BLOCK answered with nothing new");
        // The group's ID goes back: a run of the command now would hand out an old entry.
        Assert.Equal("+OK\r\n", writer.CallText("XGROUP", "SETID", key, "g", "0"));
        Write(writer, key, how);
        Assert.True(Silent(reader, Quiet), $"{how} woke the waiter (Redis runs XREADGROUP again only after an added entry)");
        Assert.Equal("$4\r\n10-0\r\n", writer.CallText("XADD", key, "10-0", "n", "10"));
        string first = how is "xdel" or "xtrim" ? "2-0" : "1-0";
        string value = first == "1-0" ? "1" : "2";
        Assert.Equal(StreamBlockingTests.Entry(key, first, "a", value), Resp.AsString(reader.ReadReply()));
        writer.Call("DEL", key);
    }

    [Theory]
    [MemberData(nameof(TargetRows))]
    public void DeletingTheWaitingConsumer_LeavesItDeleted(string target)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        const string key = "xwake:del";
        Fresh(writer, key);
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", key, ">");
        Assert.True(Silent(reader, Settle));
        Assert.Equal(":0\r\n", writer.CallText("XGROUP", "DELCONSUMER", key, "g", "c"));
        Assert.Equal(":0\r\n", writer.CallText("XGROUP", "DELCONSUMER", key, "g", "c0"));
        Assert.True(Silent(reader, Quiet));
        Assert.Equal("*0\r\n", writer.CallText("XINFO", "CONSUMERS", key, "g"));
        writer.Call("XADD", key, "3-0", "f", "v");
        Assert.Equal(StreamBlockingTests.Entry(key, "3-0", "f", "v"), Resp.AsString(reader.ReadReply()));
        writer.Call("DEL", key);
    }
}
