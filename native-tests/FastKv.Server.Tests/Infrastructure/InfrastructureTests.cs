using System;
using System.Text;
using Xunit;

namespace FastKv.Server.Tests.Infrastructure;

/// <summary>Checks of the harness itself: framing, encoding, server start.</summary>
public class InfrastructureTests(OracleFixture oracle) : IClassFixture<OracleFixture>
{
    [Theory]
    [InlineData("+OK\r\n")]
    [InlineData("-ERR x\r\n")]
    [InlineData(":12\r\n")]
    [InlineData("$-1\r\n")]
    [InlineData("$3\r\na\r\n\r\n")]
    [InlineData("*-1\r\n")]
    [InlineData("*2\r\n$1\r\na\r\n*1\r\n:1\r\n")]
    [InlineData("_\r\n")]
    [InlineData(",1.5\r\n")]
    [InlineData("#t\r\n")]
    [InlineData("(123\r\n")]
    [InlineData("!3\r\nerr\r\n")]
    [InlineData("=7\r\ntxt:abc\r\n")]
    [InlineData("%1\r\n+a\r\n:1\r\n")]
    [InlineData("~2\r\n+a\r\n+b\r\n")]
    [InlineData(">2\r\n+message\r\n+x\r\n")]
    [InlineData("|1\r\n+key\r\n+val\r\n:5\r\n")]
    public void FrameLength_FindsTheWholeReply_AndNeedsEveryByte(string reply)
    {
        byte[] b = Encoding.Latin1.GetBytes(reply);
        byte[] withTail = [.. b, (byte)'+', (byte)'X'];
        Assert.Equal(b.Length, Resp.FrameLength(withTail));
        for (int cut = 0; cut < b.Length; cut++)
            Assert.Equal(-1, Resp.FrameLength(b.AsSpan(0, cut)));
    }

    [Fact]
    public void Crc16_MatchesRedisClusterVectors()
    {
        Assert.Equal(0x31C3, KeySlot.Crc16(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(12182, KeySlot.Of("foo"));
        Assert.Equal(5061, KeySlot.Of("bar"));
        Assert.Equal(KeySlot.Of("user1000"), KeySlot.Of("{user1000}.following"));
        Assert.Equal(KeySlot.Of("{}x"), KeySlot.Crc16(Encoding.ASCII.GetBytes("{}x")) & 16383);
    }

    [Fact]
    public void Oracle_StartsAndAnswers()
    {
        using var c = oracle.Server.Connect();
        Assert.Equal("+PONG\r\n", c.CallText("PING"));
        Assert.Equal("$5\r\nhello\r\n", c.CallText("ECHO", "hello"));
        c.Send(Encoding.ASCII.GetBytes("PING\r\nPING\r\n"));
        Assert.Equal("+PONG\r\n", Resp.AsString(c.ReadReply()));
        Assert.Equal("+PONG\r\n", Resp.AsString(c.ReadReply()));
    }
}
