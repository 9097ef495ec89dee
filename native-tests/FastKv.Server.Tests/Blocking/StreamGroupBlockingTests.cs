using System;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// XREADGROUP ... BLOCK against a 4-shard server, as Redis 7.2.4 re-executes a blocked XREADGROUP: each new entry goes to
/// exactly one waiting consumer, the longest-waiting first, and becomes pending for it (not with NOACK); keys on several
/// shards; a group moved back by XGROUP SETID serves nobody until the next XADD; a deleted key, destroyed group or
/// changed type answers the waiter NOGROUP or WRONGTYPE; explicit IDs, MULTI and scripts answer at once; timeouts and
/// CLIENT UNBLOCK as for XREAD. Every expectation holds for redis-server too (FASTKV_TEST_TARGET=redis runs them there).
/// </summary>
public class StreamGroupBlockingTests(TargetFixture target) : IClassFixture<TargetFixture>
{
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);
    static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);

    ServerProcess Server => target.Server;

    static bool Silent(RespConnection c, TimeSpan wait) => BlockingCommandTests.Silent(c, wait);

    static string Entry(string key, string id, string field, string value) => StreamBlockingTests.Entry(key, id, field, value);

    static string NoGroup(string key, string group) => $"-NOGROUP No such key '{key}' or consumer group '{group}' in XREADGROUP with GROUP option\r\n";

    /// <summary>A fresh stream <paramref name="key"/> with group g at its end.</summary>
    static void Fresh(RespConnection c, params string[] keys)
    {
        c.Call(["DEL", .. keys]);
        foreach (string k in keys) c.Call("XGROUP", "CREATE", k, "g", "$", "MKSTREAM");
    }

    static void Block(RespConnection c, string consumer, params string[] keys)
    {
        string[] ids = new string[keys.Length];
        Array.Fill(ids, ">");
        c.SendCommand(["XREADGROUP", "GROUP", "g", consumer, "COUNT", "1", "BLOCK", "0", "STREAMS", .. keys, .. ids]);
        Assert.True(Silent(c, Settle), "XREADGROUP BLOCK answered with nothing new");
    }

    [Fact]
    public void EachEntry_GoesToOneWaiter_InArrivalOrder_AndIsPendingForIt()
    {
        var readers = new RespConnection[3];
        using var writer = Server.Connect();
        Fresh(writer, "xgb:fifo");
        try
        {
            for (int i = 0; i < readers.Length; i++)
            {
                readers[i] = Server.Connect();
                Block(readers[i], "c" + i, "xgb:fifo");
            }
            for (int i = 0; i < readers.Length; i++)
            {
                string id = (i + 1) + "-0";
                writer.Call("XADD", "xgb:fifo", id, "n", i.ToString());
                Assert.Equal(Entry("xgb:fifo", id, "n", i.ToString()), Resp.AsString(readers[i].ReadReply()));
                for (int j = i + 1; j < readers.Length; j++)
                    Assert.True(Silent(readers[j], TimeSpan.FromMilliseconds(50)), $"reader {j} was served entry {id} too");
            }
            Assert.Equal("*4\r\n:3\r\n$3\r\n1-0\r\n$3\r\n3-0\r\n*3\r\n*2\r\n$2\r\nc0\r\n$1\r\n1\r\n*2\r\n$2\r\nc1\r\n$1\r\n1\r\n*2\r\n$2\r\nc2\r\n$1\r\n1\r\n",
                writer.CallText("XPENDING", "xgb:fifo", "g"));
            string groups = writer.CallText("XINFO", "GROUPS", "xgb:fifo");
            Assert.Contains("$17\r\nlast-delivered-id\r\n$3\r\n3-0\r\n$12\r\nentries-read\r\n:3\r\n", groups);
        }
        finally
        {
            foreach (var r in readers) r?.Dispose();
        }
    }

    [Fact]
    public void NoAck_ServesWithoutPending()
    {
        using var reader = Server.Connect();
        using var writer = Server.Connect();
        Fresh(writer, "xgb:noack");
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "NOACK", "BLOCK", "0", "STREAMS", "xgb:noack", ">");
        Assert.True(Silent(reader, Settle));
        writer.Call("XADD", "xgb:noack", "1-1", "a", "b");
        Assert.Equal(Entry("xgb:noack", "1-1", "a", "b"), Resp.AsString(reader.ReadReply()));
        Assert.Equal("*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n", writer.CallText("XPENDING", "xgb:noack", "g"));
    }

    [Fact]
    public void KeysOnSeveralShards_AWriteToAnyServesTheWaiter_LongestWaitingFirst()
    {
        string k0 = BlockingCommandTests.Key("xgb:multi", 0), k1 = BlockingCommandTests.Key("xgb:multi", 1), k2 = BlockingCommandTests.Key("xgb:multi", 2);
        using var first = Server.Connect();
        using var second = Server.Connect();
        using var writer = Server.Connect();
        Fresh(writer, k0, k1, k2);
        Block(first, "a", k0, k1, k2);
        Block(second, "b", k2);
        writer.Call("XADD", k2, "7-0", "c", "3");
        Assert.Equal(Entry(k2, "7-0", "c", "3"), Resp.AsString(first.ReadReply()));
        Assert.True(Silent(second, Quiet), "the entry went to both consumers");
        writer.Call("XADD", k2, "8-0", "d", "4");
        Assert.Equal(Entry(k2, "8-0", "d", "4"), Resp.AsString(second.ReadReply()));
        Assert.Equal("+PONG\r\n", first.CallText("PING"));
        Assert.Equal("*4\r\n:2\r\n$3\r\n7-0\r\n$3\r\n8-0\r\n*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n1\r\n",
            writer.CallText("XPENDING", k2, "g"));
        Assert.Equal("*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n", writer.CallText("XPENDING", k0, "g"));
    }

    [Fact]
    public void SetIdBack_ServesNobody_UntilTheNextXadd()
    {
        using var reader = Server.Connect();
        using var writer = Server.Connect();
        Fresh(writer, "xgb:setid");
        writer.Call("XADD", "xgb:setid", "1-0", "a", "1");
        writer.Call("XGROUP", "SETID", "xgb:setid", "g", "$");
        Block(reader, "c", "xgb:setid");
        writer.Call("XGROUP", "SETID", "xgb:setid", "g", "0");
        Assert.True(Silent(reader, Quiet), "XGROUP SETID served a waiter (Redis signals no key for it)");
        writer.Call("XADD", "xgb:setid", "2-0", "b", "2");
        Assert.Equal(Entry("xgb:setid", "1-0", "a", "1"), Resp.AsString(reader.ReadReply()));
    }

    [Theory]
    [InlineData("del")]
    [InlineData("destroy")]
    [InlineData("set")]
    public void AWaiterWhoseGroupIsGone_GetsRedisError(string how)
    {
        using var reader = Server.Connect();
        using var writer = Server.Connect();
        Fresh(writer, "xgb:gone");
        Block(reader, "c", "xgb:gone");
        if (how == "del") writer.Call("DEL", "xgb:gone");
        else if (how == "destroy") Assert.Equal(":1\r\n", writer.CallText("XGROUP", "DESTROY", "xgb:gone", "g"));
        else writer.Call("SET", "xgb:gone", "x");
        string expected = how == "set" ? "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" : NoGroup("xgb:gone", "g");
        Assert.Equal(expected, Resp.AsString(reader.ReadReply()));
        Assert.Equal("+PONG\r\n", reader.CallText("PING"));
    }

    [Fact]
    public void ExplicitIds_MultiAndScripts_AnswerAtOnce()
    {
        using var c = Server.Connect();
        Fresh(c, "xgb:now");
        Assert.Equal("*1\r\n*2\r\n$7\r\nxgb:now\r\n*0\r\n", c.CallText("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "xgb:now", "0"));
        c.Call("MULTI");
        c.Call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "xgb:now", ">");
        Assert.Equal("*1\r\n*-1\r\n", c.CallText("EXEC"));
        string script = c.CallText("EVAL", "return redis.call('xreadgroup','group','g','c','block','0','streams',KEYS[1],'>')", "1", "xgb:now");
        Assert.StartsWith("-ERR xreadgroup command is not allowed with BLOCK option from scripts", script);
        Assert.Equal(NoGroup("xgb:now", "nog"), c.CallText("XREADGROUP", "GROUP", "nog", "c", "BLOCK", "0", "STREAMS", "xgb:now", ">"));
        Assert.Equal("-ERR timeout is negative\r\n", c.CallText("XREADGROUP", "GROUP", "g", "c", "BLOCK", "-1", "STREAMS", "xgb:now", ">"));
    }

    [Theory]
    [InlineData("TIMEOUT", "*-1\r\n")]
    [InlineData("ERROR", "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")]
    public void ClientUnblock_EndsTheWait(string mode, string expected)
    {
        using var reader = Server.Connect();
        using var admin = Server.Connect();
        Fresh(admin, "xgb:unblock");
        string id = Resp.AsString(reader.Call("CLIENT", "ID")).Trim().TrimStart(':');
        Block(reader, "c", "xgb:unblock");
        Assert.Equal(":1\r\n", admin.CallText("CLIENT", "UNBLOCK", id, mode));
        Assert.Equal(expected, Resp.AsString(reader.ReadReply()));
        admin.Call("XADD", "xgb:unblock", "1-0", "a", "b");
        Assert.Equal("*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n", admin.CallText("XPENDING", "xgb:unblock", "g"));
    }
}
