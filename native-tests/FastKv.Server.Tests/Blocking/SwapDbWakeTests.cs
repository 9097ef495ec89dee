using System;
using System.Net.Sockets;
using FastKv.Server.Tests.Atomicity;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// SWAPDB serves clients blocked on a key that the swap brings into their database, at once, as Redis's
/// swapdb does (it scans both databases for keys clients block on). Each test runs on FastKv with one
/// shard and with four (keys spread over the shards), and on the Redis 7.2.4 oracle (threads = 0) to
/// prove the expectation. A blocked client that is never served fails by the connection's read timeout.
/// </summary>
public class SwapDbWakeTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    ServerProcess Server(int threads) => threads == 0 ? servers.Oracle.Server : servers.TargetWithThreads(threads).Server;

    static bool Silent(RespConnection c, TimeSpan wait) =>
        c.Pending.Length == 0 && !c.Socket.Poll((int)(wait.TotalMilliseconds * 1000), SelectMode.SelectRead);

    /// <summary>Keys on four different shards of a four-shard server, unique to one test.</summary>
    static string[] Keys(string prefix) => MultiKeyAtomicityTests.SpreadKeys(prefix, 4);

    /// <summary>Empties databases 0 and 1, so a test starts from nothing whatever ran before it.</summary>
    static void Reset(RespConnection admin, params string[] keys)
    {
        foreach (string db in new[] { "1", "0" })
        {
            admin.Call("SELECT", db);
            var del = new string[keys.Length + 1];
            del[0] = "DEL";
            keys.CopyTo(del, 1);
            admin.Call(del);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void Brpop_IsServedByAListTheSwapBringsIn(int threads)
    {
        ServerProcess server = Server(threads);
        string[] k = Keys($"swapw:{threads}:a:");
        using var admin = server.Connect();
        using var blocked = server.Connect();
        Reset(admin, k);
        // db 1 holds a list on the third key; the client waits in db 0 on all four.
        admin.Call("SELECT", "1");
        Assert.Equal(":2\r\n", admin.CallText("RPUSH", k[2], "first", "second"));
        blocked.SendCommand("BRPOP", k[0], k[1], k[2], k[3], "0");
        Assert.True(Silent(blocked, Quiet), "BRPOP answered before any data");

        Assert.Equal("+OK\r\n", admin.CallText("SWAPDB", "0", "1"));
        Assert.Equal($"*2\r\n${k[2].Length}\r\n{k[2]}\r\n$6\r\nsecond\r\n", Resp.AsString(blocked.ReadReply()));
        // The pop happened in db 0, which now holds what was db 1.
        admin.Call("SELECT", "0");
        Assert.Equal("*1\r\n$5\r\nfirst\r\n", admin.CallText("LRANGE", k[2], "0", "-1"));
        Assert.Equal("+PONG\r\n", blocked.CallText("PING"));
        Reset(admin, k);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void WaitersOfBothDatabases_AreServed_InArrivalOrder(int threads)
    {
        ServerProcess server = Server(threads);
        string[] k = Keys($"swapw:{threads}:b:");
        using var admin = server.Connect();
        using var inDb0First = server.Connect();
        using var inDb0Second = server.Connect();
        using var inDb1 = server.Connect();
        Reset(admin, k);
        admin.Call("SELECT", "1");
        admin.Call("RPUSH", k[1], "x", "y");
        admin.Call("SELECT", "0");
        admin.Call("ZADD", k[3], "1", "m");

        inDb0First.SendCommand("BLPOP", k[1], "0");
        Assert.True(Silent(inDb0First, Quiet));
        inDb0Second.SendCommand("BLPOP", k[0], k[1], "0");
        Assert.True(Silent(inDb0Second, Quiet));
        inDb1.Call("SELECT", "1");
        inDb1.SendCommand("BZPOPMIN", k[3], "0");
        Assert.True(Silent(inDb1, Quiet));

        Assert.Equal("+OK\r\n", admin.CallText("SWAPDB", "1", "0"));
        Assert.Equal($"*2\r\n${k[1].Length}\r\n{k[1]}\r\n$1\r\nx\r\n", Resp.AsString(inDb0First.ReadReply()));
        Assert.Equal($"*2\r\n${k[1].Length}\r\n{k[1]}\r\n$1\r\ny\r\n", Resp.AsString(inDb0Second.ReadReply()));
        Assert.Equal($"*3\r\n${k[3].Length}\r\n{k[3]}\r\n$1\r\nm\r\n$1\r\n1\r\n", Resp.AsString(inDb1.ReadReply()));
        Assert.Equal(":0\r\n", admin.CallText("EXISTS", k[1], k[3]));
        Reset(admin, k);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void Blmove_IsServedByTheSwap_IntoItsDestination(int threads)
    {
        ServerProcess server = Server(threads);
        string[] k = Keys($"swapw:{threads}:c:");
        using var admin = server.Connect();
        using var blocked = server.Connect();
        Reset(admin, k);
        admin.Call("SELECT", "1");
        admin.Call("RPUSH", k[0], "job");
        blocked.SendCommand("BLMOVE", k[0], k[2], "LEFT", "RIGHT", "0");
        Assert.True(Silent(blocked, Quiet));

        Assert.Equal("+OK\r\n", admin.CallText("SWAPDB", "0", "1"));
        Assert.Equal("$3\r\njob\r\n", Resp.AsString(blocked.ReadReply()));
        admin.Call("SELECT", "0");
        Assert.Equal("*1\r\n$3\r\njob\r\n", admin.CallText("LRANGE", k[2], "0", "-1"));
        Assert.Equal(":0\r\n", admin.CallText("EXISTS", k[0]));
        Reset(admin, k);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void AKeyOfAnotherType_LeavesTheClientBlocked_UntilAPush(int threads)
    {
        ServerProcess server = Server(threads);
        string[] k = Keys($"swapw:{threads}:d:");
        using var admin = server.Connect();
        using var blocked = server.Connect();
        Reset(admin, k);
        admin.Call("SELECT", "1");
        admin.Call("SET", k[1], "a string");
        blocked.SendCommand("BLPOP", k[1], "0");
        Assert.True(Silent(blocked, Quiet));

        Assert.Equal("+OK\r\n", admin.CallText("SWAPDB", "0", "1"));
        Assert.True(Silent(blocked, Quiet), "BLPOP answered for a string key");
        admin.Call("SELECT", "0");
        admin.Call("DEL", k[1]);
        admin.Call("LPUSH", k[1], "late");
        Assert.Equal($"*2\r\n${k[1].Length}\r\n{k[1]}\r\n$4\r\nlate\r\n", Resp.AsString(blocked.ReadReply()));
        Reset(admin, k);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void SwapInsideMulti_ServesAfterExec(int threads)
    {
        ServerProcess server = Server(threads);
        string[] k = Keys($"swapw:{threads}:e:");
        using var admin = server.Connect();
        using var blocked = server.Connect();
        Reset(admin, k);
        admin.Call("SELECT", "1");
        admin.Call("RPUSH", k[3], "v");
        admin.Call("SELECT", "0");
        blocked.SendCommand("BRPOP", k[3], "0");
        Assert.True(Silent(blocked, Quiet));

        admin.Call("MULTI");
        admin.Call("SWAPDB", "0", "1");
        admin.Call("PING");
        Assert.Equal("*2\r\n+OK\r\n+PONG\r\n", admin.CallText("EXEC"));
        Assert.Equal($"*2\r\n${k[3].Length}\r\n{k[3]}\r\n$1\r\nv\r\n", Resp.AsString(blocked.ReadReply()));
        Reset(admin, k);
    }
}
