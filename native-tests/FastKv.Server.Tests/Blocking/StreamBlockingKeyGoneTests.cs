using System;
using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// A client blocked in XREADGROUP ... BLOCK 0 whose stream goes away while it waits, as Redis 7.2.4 answers it: deleted
/// (DEL, UNLINK, RENAME or MOVE away), expired (by the active cycle, or by another client's read finding it expired),
/// flushed (FLUSHDB, FLUSHALL), swapped out (SWAPDB) or its group destroyed: NOGROUP; overwritten by another type (SET,
/// RENAME of a string onto it): WRONGTYPE. Deleted and recreated inside one MULTI, it waits on. A client blocked in XREAD
/// waits on through all of these, and is served by the next entry past its ID; but when one of its keys holds another type
/// and an entry added to another key runs the command again, it answers WRONGTYPE. Each case runs against redis-server
/// and against FastKv with --threads 4 and 1, with the same expectations.
/// </summary>
public class StreamBlockingKeyGoneTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);
    const string WrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    static readonly string[] GroupCases =
        ["del", "unlink", "expire", "lazy-expire", "set", "rename-string-onto", "destroy", "flushdb", "flushall", "rename-away", "move", "swapdb"];

    static readonly string[] ReadCases = ["del", "unlink", "expire", "set", "flushdb", "flushall", "rename-away", "move"];

    static readonly string[] Targets = ["redis", "4", "1"];

    public static IEnumerable<TheoryDataRow<string, string>> GroupRows()
    {
        foreach (string t in Targets)
            foreach (string how in GroupCases) yield return new(t, how);
    }

    public static IEnumerable<TheoryDataRow<string, string>> ReadRows()
    {
        foreach (string t in Targets)
            foreach (string how in ReadCases) yield return new(t, how);
    }

    public static IEnumerable<TheoryDataRow<string>> TargetRows()
    {
        foreach (string t in Targets) yield return new(t);
    }

    ServerProcess Server(string target) => target == "redis" ? servers.Oracle.Server : servers.TargetWithThreads(int.Parse(target)).Server;

    static string NoGroup(string key) => $"-NOGROUP No such key '{key}' or consumer group 'g' in XREADGROUP with GROUP option\r\n";

    static bool Silent(RespConnection c, TimeSpan wait) => BlockingCommandTests.Silent(c, wait);

    /// <summary>Takes <paramref name="key"/> away from database 0 the way <paramref name="how"/> names.</summary>
    static void TakeAway(RespConnection writer, RespConnection reader, string key, string how)
    {
        switch (how)
        {
            case "del": Assert.Equal(":1\r\n", writer.CallText("DEL", key)); break;
            case "unlink": Assert.Equal(":1\r\n", writer.CallText("UNLINK", key)); break;
            case "expire":
                // The active expiry cycle removes it: nobody looks the key up.
                Assert.Equal(":1\r\n", writer.CallText("PEXPIRE", key, "1"));
                break;
            case "lazy-expire":
                // Without the active cycle the key stays until a lookup finds it expired; that lookup wakes the waiter.
                Assert.Equal("+OK\r\n", writer.CallText("DEBUG", "SET-ACTIVE-EXPIRE", "0"));
                try
                {
                    Assert.Equal(":1\r\n", writer.CallText("PEXPIRE", key, "20"));
                    Assert.True(Silent(reader, Quiet), "the waiter was answered before anyone looked the expired key up");
                    Assert.Equal("$-1\r\n", writer.CallText("GET", key));
                }
                finally
                {
                    writer.Call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
                }
                break;
            case "set": Assert.Equal("+OK\r\n", writer.CallText("SET", key, "x")); break;
            case "rename-string-onto":
                writer.Call("SET", key + ":s", "x");
                Assert.Equal("+OK\r\n", writer.CallText("RENAME", key + ":s", key));
                break;
            case "destroy": Assert.Equal(":1\r\n", writer.CallText("XGROUP", "DESTROY", key, "g")); break;
            case "flushdb": Assert.Equal("+OK\r\n", writer.CallText("FLUSHDB")); break;
            case "flushall": Assert.Equal("+OK\r\n", writer.CallText("FLUSHALL")); break;
            case "rename-away": Assert.Equal("+OK\r\n", writer.CallText("RENAME", key, key + ":moved")); break;
            case "move": Assert.Equal(":1\r\n", writer.CallText("MOVE", key, "9")); break;
            case "swapdb":
                Assert.Equal("+OK\r\n", writer.CallText("SWAPDB", "0", "9"));
                break;
            default: throw new ArgumentOutOfRangeException(nameof(how));
        }
    }

    static void Clean(RespConnection c)
    {
        c.Call("SELECT", "9");
        c.Call("FLUSHDB");
        c.Call("SELECT", "0");
        c.Call("FLUSHDB");
    }

    [Theory]
    [MemberData(nameof(GroupRows))]
    public void XReadGroup_AnswersWhenItsStreamGoes(string target, string how)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        Clean(writer);
        const string key = "xgone:g";
        writer.Call("XGROUP", "CREATE", key, "g", "$", "MKSTREAM");
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", key, ">");
        Assert.True(Silent(reader, Settle), "XREADGROUP BLOCK answered with nothing new");
        TakeAway(writer, reader, key, how);
        string expected = how is "set" or "rename-string-onto" ? WrongType : NoGroup(key);
        Assert.Equal(expected, Resp.AsString(reader.ReadReply()));
        Assert.Equal("+PONG\r\n", reader.CallText("PING"));
        Clean(writer);
    }

    [Theory]
    [MemberData(nameof(TargetRows))]
    public void XReadGroup_OverKeysOnSeveralShards_AnswersWhenOneOfThemGoes(string target)
    {
        ServerProcess server = Server(target);
        string k0 = BlockingCommandTests.Key("xgone:m", 0), k1 = BlockingCommandTests.Key("xgone:m", 1);
        using var reader = server.Connect();
        using var writer = server.Connect();
        Clean(writer);
        writer.Call("XGROUP", "CREATE", k0, "g", "$", "MKSTREAM");
        writer.Call("XGROUP", "CREATE", k1, "g", "$", "MKSTREAM");
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", k0, k1, ">", ">");
        Assert.True(Silent(reader, Settle));
        Assert.Equal(":1\r\n", writer.CallText("PEXPIRE", k1, "1"));
        Assert.Equal(NoGroup(k1), Resp.AsString(reader.ReadReply()));
        Clean(writer);
    }

    [Theory]
    [MemberData(nameof(TargetRows))]
    public void XReadGroup_DeletedAndRecreatedInOneExec_WaitsOn(string target)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        Clean(writer);
        const string key = "xgone:again";
        writer.Call("XGROUP", "CREATE", key, "g", "$", "MKSTREAM");
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", key, ">");
        Assert.True(Silent(reader, Settle));
        writer.Call("MULTI");
        writer.Call("DEL", key);
        writer.Call("XGROUP", "CREATE", key, "g", "$", "MKSTREAM");
        Assert.Equal("*2\r\n:1\r\n+OK\r\n", writer.CallText("EXEC"));
        Assert.True(Silent(reader, Quiet), "the waiter was answered though its group is there again");
        writer.Call("XADD", key, "3-0", "f", "v");
        Assert.Equal(StreamBlockingTests.Entry(key, "3-0", "f", "v"), Resp.AsString(reader.ReadReply()));
        Clean(writer);
    }

    public static IEnumerable<TheoryDataRow<string, bool>> SpreadRows()
    {
        foreach (string t in Targets)
            foreach (bool spread in new[] { false, true })
                yield return new(t, spread);
    }

    [Theory]
    [MemberData(nameof(SpreadRows))]
    public void XRead_OneKeyNowAString_AnswersWrongTypeWhenAnotherKeyGetsAnEntry(string target, bool spread)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        Clean(writer);
        // Spread: on two shards at --threads 4; else one hash tag, one shard.
        string k0 = spread ? BlockingCommandTests.Key("xgone:t", 0) : "{xgone:t}0";
        string k1 = spread ? BlockingCommandTests.Key("xgone:t", 2) : "{xgone:t}1";
        writer.Call("XADD", k0, "1-0", "f", "v");
        writer.Call("XADD", k1, "1-0", "f", "v");
        reader.SendCommand("XREAD", "BLOCK", "0", "STREAMS", k0, k1, "$", "$");
        Assert.True(Silent(reader, Settle), "XREAD BLOCK answered with nothing new");
        // The string itself runs nothing: the waiter waits for streams.
        Assert.Equal("+OK\r\n", writer.CallText("SET", k0, "x"));
        Assert.True(Silent(reader, Quiet), "XREAD answered after its key became a string");
        writer.Call("XADD", k1, "2-0", "f", "v");
        Assert.Equal(WrongType, Resp.AsString(reader.ReadReply()));
        Assert.Equal("+PONG\r\n", reader.CallText("PING"));
        Clean(writer);
    }

    [Theory]
    [MemberData(nameof(ReadRows))]
    public void XRead_WaitsOnWhenItsStreamGoes_AndIsServedByTheNextEntryPastItsId(string target, string how)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        Clean(writer);
        const string key = "xgone:r";
        writer.Call("XADD", key, "5-0", "a", "1");
        reader.SendCommand("XREAD", "BLOCK", "0", "STREAMS", key, "$");
        Assert.True(Silent(reader, Settle), "XREAD BLOCK answered with nothing new");
        TakeAway(writer, reader, key, how);
        if (how == "expire")
        {
            // Wait for the cycle to have removed it.
            for (int i = 0; i < 100 && writer.CallText("EXISTS", key) != ":0\r\n"; i++) System.Threading.Thread.Sleep(20);
        }
        Assert.True(Silent(reader, Quiet), $"XREAD answered after {how}");
        writer.Call("DEL", key);
        writer.Call("XADD", key, "4-0", "b", "2");
        Assert.True(Silent(reader, Quiet), "XREAD was served an entry before the ID it resolved '$' to");
        writer.Call("XADD", key, "6-0", "c", "3");
        Assert.Equal(StreamBlockingTests.Entry(key, "6-0", "c", "3"), Resp.AsString(reader.ReadReply()));
        Clean(writer);
    }
}
