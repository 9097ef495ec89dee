using System;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// XREAD BLOCK against a 4-shard server: a writer on another connection (another core) wakes the reader; "$" means
/// the last ID when the reader blocked; several readers of one stream are all served by one XADD, in arrival order;
/// keys on several shards; a reader whose ID is past the new entry stays blocked while the one behind it is served;
/// timeouts in RESP2 and RESP3; errors and the MULTI and script forms. Every expectation holds for redis-server too
/// (FASTKV_TEST_TARGET=redis runs them there).
/// </summary>
public class StreamBlockingTests(TargetFixture target) : IClassFixture<TargetFixture>
{
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    ServerProcess Server => target.Server;

    static bool Silent(RespConnection c, TimeSpan wait) => BlockingCommandTests.Silent(c, wait);

    static string Key(string prefix, int index) => BlockingCommandTests.Key(prefix, index);

    /// <summary>An XREAD/XREADGROUP reply in RESP2 with one stream holding one entry of one field.</summary>
    internal static string Entry(string key, string id, string field, string value)
        => $"*1\r\n*2\r\n${key.Length}\r\n{key}\r\n*1\r\n*2\r\n${id.Length}\r\n{id}\r\n*2\r\n${field.Length}\r\n{field}\r\n${value.Length}\r\n{value}\r\n";

    [Fact]
    public void Dollar_IsTheLastIdWhenTheReaderBlocked()
    {
        using var reader = Server.Connect();
        using var writer = Server.Connect();
        writer.Call("DEL", "xb:a");
        writer.Call("XADD", "xb:a", "1-1", "old", "1");
        reader.SendCommand("XREAD", "BLOCK", "0", "STREAMS", "xb:a", "$");
        Assert.True(Silent(reader, Quiet), "XREAD BLOCK answered before any XADD");
        Assert.Equal("$3\r\n2-1\r\n", writer.CallText("XADD", "xb:a", "2-1", "new", "2"));
        Assert.Equal(Entry("xb:a", "2-1", "new", "2"), Resp.AsString(reader.ReadReply()));
    }

    [Fact]
    public void SeveralReaders_AreAllServedByOneXadd_InArrivalOrder()
    {
        var readers = new RespConnection[3];
        using var writer = Server.Connect();
        writer.Call("DEL", "xb:fifo");
        try
        {
            for (int i = 0; i < readers.Length; i++)
            {
                readers[i] = Server.Connect();
                readers[i].SendCommand("XREAD", "BLOCK", "0", "STREAMS", "xb:fifo", "$");
                Assert.True(Silent(readers[i], TimeSpan.FromMilliseconds(100)));
            }
            writer.Call("XADD", "xb:fifo", "5-0", "f", "v");
            foreach (var r in readers)
                Assert.Equal(Entry("xb:fifo", "5-0", "f", "v"), Resp.AsString(r.ReadReply()));
        }
        finally
        {
            foreach (var r in readers) r?.Dispose();
        }
    }

    [Fact]
    public void AReaderPastTheNewEntry_StaysBlocked_TheOneBehindItIsServed()
    {
        using var ahead = Server.Connect();
        using var behind = Server.Connect();
        using var writer = Server.Connect();
        writer.Call("DEL", "xb:ids");
        ahead.SendCommand("XREAD", "BLOCK", "0", "STREAMS", "xb:ids", "100-0");
        Assert.True(Silent(ahead, TimeSpan.FromMilliseconds(100)));
        behind.SendCommand("XREAD", "BLOCK", "0", "STREAMS", "xb:ids", "0-0");
        Assert.True(Silent(behind, TimeSpan.FromMilliseconds(100)));
        writer.Call("XADD", "xb:ids", "50-0", "a", "1");
        Assert.Equal(Entry("xb:ids", "50-0", "a", "1"), Resp.AsString(behind.ReadReply()));
        Assert.True(Silent(ahead, Quiet), "a reader waiting for IDs after 100-0 was served 50-0");
        writer.Call("XADD", "xb:ids", "101-0", "b", "2");
        Assert.Equal(Entry("xb:ids", "101-0", "b", "2"), Resp.AsString(ahead.ReadReply()));
    }

    [Fact]
    public void KeysOnSeveralShards_AWriteToAnyOfThemServesTheReader()
    {
        string k0 = Key("xb:multi", 0), k1 = Key("xb:multi", 1), k2 = Key("xb:multi", 2);
        using var reader = Server.Connect();
        using var writer = Server.Connect();
        writer.Call("DEL", k0, k1, k2);
        writer.Call("XADD", k0, "1-0", "a", "1");
        reader.SendCommand("XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", k0, k1, k2, "$", "$", "$");
        Assert.True(Silent(reader, Quiet), "answered with nothing new");
        writer.Call("XADD", k2, "7-0", "c", "3");
        Assert.Equal(Entry(k2, "7-0", "c", "3"), Resp.AsString(reader.ReadReply()));
        Assert.Equal("+PONG\r\n", reader.CallText("PING"));
    }

    [Theory]
    [InlineData(2, "*-1\r\n", false)]
    [InlineData(3, "_\r\n", false)]
    [InlineData(2, "*-1\r\n", true)]
    [InlineData(3, "_\r\n", true)]
    public void Timeout_AnswersNull(int protocol, string expected, bool group)
    {
        using var c = Server.Connect();
        if (protocol == 3) c.Call("HELLO", "3");
        c.Call("DEL", "xb:none");
        if (group) c.Call("XGROUP", "CREATE", "xb:none", "g", "$", "MKSTREAM");
        Assert.Equal(expected, group
            ? c.CallText("XREADGROUP", "GROUP", "g", "c", "BLOCK", "100", "STREAMS", "xb:none", ">")
            : c.CallText("XREAD", "BLOCK", "100", "STREAMS", "xb:none", "$"));
        Assert.Equal("+PONG\r\n", c.CallText("PING"));
    }

    [Fact]
    public void Resp3Reader_GetsAMap()
    {
        using var reader = Server.Connect();
        using var writer = Server.Connect();
        reader.Call("HELLO", "3");
        writer.Call("DEL", "xb:r3");
        reader.SendCommand("XREAD", "BLOCK", "0", "STREAMS", "xb:r3", "$");
        Assert.True(Silent(reader, TimeSpan.FromMilliseconds(100)));
        writer.Call("XADD", "xb:r3", "1-1", "a", "b");
        Assert.Equal("%1\r\n$5\r\nxb:r3\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n", Resp.AsString(reader.ReadReply()));
    }

    [Fact]
    public void Errors_MultiAndScripts_AnswerAsRedis()
    {
        using var c = Server.Connect();
        c.Call("DEL", "xb:err", "xb:str");
        c.Call("SET", "xb:str", "x");
        Assert.Equal("-ERR Invalid stream ID specified as stream command argument\r\n", c.CallText("XREAD", "BLOCK", "0", "STREAMS", "xb:err", "abc"));
        Assert.Equal("-ERR timeout is negative\r\n", c.CallText("XREAD", "BLOCK", "-1", "STREAMS", "xb:err", "0"));
        Assert.Equal("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", c.CallText("XREAD", "BLOCK", "0", "STREAMS", "xb:str", "0"));
        c.Call("MULTI");
        c.Call("XREAD", "BLOCK", "0", "STREAMS", "xb:err", "$");
        Assert.Equal("*1\r\n*-1\r\n", c.CallText("EXEC"));
        string script = c.CallText("EVAL", "return redis.call('xread','block','0','streams',KEYS[1],'$')", "1", "xb:err");
        Assert.StartsWith("-ERR xread command is not allowed with BLOCK option from scripts", script);
    }
}
