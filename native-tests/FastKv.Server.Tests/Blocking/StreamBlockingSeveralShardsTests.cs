using System;
using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// A client blocked in XREAD or XREADGROUP over streams on several shards, woken by one EXEC or one script that adds to
/// more than one of them: Redis 7.2.4 runs the command again when it wakes the client, so the reply lists every named
/// stream with new data, in the order the command names them (not the order of the writes), RESP2 and RESP3; with a
/// group every delivered entry is pending. Each case runs against redis-server and against FastKv with --threads 4 (the
/// keys on different shards) and 1.
/// </summary>
public class StreamBlockingSeveralShardsTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);

    public static IEnumerable<TheoryDataRow<string, int, string>> Rows()
    {
        foreach (string t in new[] { "redis", "4", "1" })
            foreach (int protocol in new[] { 2, 3 })
                foreach (string how in new[] { "exec", "script" })
                    yield return new(t, protocol, how);
    }

    ServerProcess Server(string target) => target == "redis" ? servers.Oracle.Server : servers.TargetWithThreads(int.Parse(target)).Server;

    static bool Silent(RespConnection c, TimeSpan wait) => BlockingCommandTests.Silent(c, wait);

    static string Bulk(string s) => $"${s.Length}\r\n{s}\r\n";

    /// <summary>One stream of the reply holding one entry "id f value".</summary>
    static string Stream(int protocol, string key, string id, string value)
        => (protocol == 2 ? "*2\r\n" : "") + Bulk(key) + "*1\r\n*2\r\n" + Bulk(id) + "*2\r\n" + Bulk("f") + Bulk(value);

    static string Header(int protocol, int streams) => (protocol == 2 ? "*" : "%") + streams + "\r\n";

    /// <summary>Adds 5-0 to <paramref name="k2"/>, then to <paramref name="k0"/>, in one EXEC or one script.</summary>
    static void AddToTwo(RespConnection w, string how, string k0, string k2)
    {
        if (how == "exec")
        {
            w.Call("MULTI");
            w.Call("XADD", k2, "5-0", "f", "two");
            w.Call("XADD", k0, "5-0", "f", "zero");
            Assert.Equal("*2\r\n$3\r\n5-0\r\n$3\r\n5-0\r\n", w.CallText("EXEC"));
        }
        else
        {
            Assert.Equal(":1\r\n", w.CallText("EVAL",
                "redis.call('xadd', KEYS[2], '5-0', 'f', 'two') redis.call('xadd', KEYS[1], '5-0', 'f', 'zero') return 1", "2", k0, k2));
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void XRead_RepliesWithEveryStreamTheWriteFilled_InTheOrderNamed(string target, int protocol, string how)
    {
        ServerProcess server = Server(target);
        string k0 = BlockingCommandTests.Key("xshards:r", 0), k1 = BlockingCommandTests.Key("xshards:r", 1), k2 = BlockingCommandTests.Key("xshards:r", 2);
        using var reader = server.Connect();
        using var writer = server.Connect();
        if (protocol == 3) reader.Call("HELLO", "3");
        writer.Call("DEL", k0, k1, k2);
        foreach (string k in new[] { k0, k1, k2 }) writer.Call("XADD", k, "1-0", "f", "old");
        reader.SendCommand("XREAD", "COUNT", "10", "BLOCK", "0", "STREAMS", k0, k1, k2, "$", "$", "$");
        Assert.True(Silent(reader, Settle), "XREAD BLOCK answered with nothing new");
        AddToTwo(writer, how, k0, k2);
        Assert.Equal(Header(protocol, 2) + Stream(protocol, k0, "5-0", "zero") + Stream(protocol, k2, "5-0", "two"),
            Resp.AsString(reader.ReadReply()));
        Assert.Equal("+PONG\r\n", reader.CallText("PING"));
        writer.Call("DEL", k0, k1, k2);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void XReadGroup_RepliesWithEveryStreamTheWriteFilled_AndEachEntryIsPending(string target, int protocol, string how)
    {
        ServerProcess server = Server(target);
        string k0 = BlockingCommandTests.Key("xshards:g", 0), k1 = BlockingCommandTests.Key("xshards:g", 1), k2 = BlockingCommandTests.Key("xshards:g", 2);
        using var reader = server.Connect();
        using var writer = server.Connect();
        if (protocol == 3) reader.Call("HELLO", "3");
        writer.Call("DEL", k0, k1, k2);
        foreach (string k in new[] { k0, k1, k2 }) writer.Call("XGROUP", "CREATE", k, "g", "$", "MKSTREAM");
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", k0, k1, k2, ">", ">", ">");
        Assert.True(Silent(reader, Settle), "XREADGROUP BLOCK answered with nothing new");
        AddToTwo(writer, how, k0, k2);
        Assert.Equal(Header(protocol, 2) + Stream(protocol, k0, "5-0", "zero") + Stream(protocol, k2, "5-0", "two"),
            Resp.AsString(reader.ReadReply()));
        const string onePending = "*4\r\n:1\r\n$3\r\n5-0\r\n$3\r\n5-0\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n";
        Assert.Equal(onePending, writer.CallText("XPENDING", k0, "g"));
        Assert.Equal(onePending, writer.CallText("XPENDING", k2, "g"));
        Assert.Equal("*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n", writer.CallText("XPENDING", k1, "g"));
        writer.Call("DEL", k0, k1, k2);
    }
}
