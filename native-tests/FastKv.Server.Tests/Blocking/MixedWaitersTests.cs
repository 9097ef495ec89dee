using System;
using System.Collections.Generic;
using FastKv.Server.Tests.Eviction;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// Clients of different blocking commands waiting on one key, as Redis 7.2.4's handleClientsBlockedOnKey serves them:
/// every waiter of the key is looked at, so one that the key cannot serve (another type, or the key gone) does not hold
/// back the ones behind it. An XREADGROUP behind a BLPOP is answered NOGROUP when the key is deleted, and INFO counts its
/// key in total_blocking_keys_on_nokey while it waits; a BZPOPMIN behind a BLPOP is served by a ZADD. Each case runs
/// against redis-server and against FastKv with --threads 4 and 1, with the same expectations.
/// </summary>
public class MixedWaitersTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(150);

    public static IEnumerable<TheoryDataRow<string>> TargetRows()
    {
        foreach (string t in new[] { "redis", "4", "1" }) yield return new(t);
    }

    ServerProcess Server(string target) => target == "redis" ? servers.Oracle.Server : servers.TargetWithThreads(int.Parse(target)).Server;

    static bool Silent(RespConnection c, TimeSpan wait) => BlockingCommandTests.Silent(c, wait);

    /// <summary>Polls INFO until <paramref name="count"/> clients are blocked (no time budget but a generous deadline).</summary>
    static void WaitBlocked(RespConnection c, long count)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (ServerReadings.InfoLong(c, "clients", "blocked_clients") != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{count} clients never blocked");
            System.Threading.Thread.Sleep(10);
        }
    }

    static string Keys(RespConnection c) =>
        ServerReadings.InfoLong(c, "clients", "total_blocking_keys") + " keys, " +
        ServerReadings.InfoLong(c, "clients", "total_blocking_keys_on_nokey") + " on nokey";

    [Theory]
    [MemberData(nameof(TargetRows))]
    public void XReadGroup_BehindABlpop_IsAnsweredWhenTheKeyIsDeleted(string target)
    {
        ServerProcess server = Server(target);
        using var list = server.Connect();
        using var group = server.Connect();
        using var writer = server.Connect();
        const string key = "mixed:xg";
        writer.Call("DEL", key);
        list.SendCommand("BLPOP", key, "0");
        Assert.True(Silent(list, Settle), "BLPOP answered on a missing key");
        WaitBlocked(writer, 1);
        Assert.Equal("1 keys, 0 on nokey", Keys(writer));
        writer.Call("XADD", key, "666-0", "f", "v");
        Assert.Equal("+OK\r\n", writer.CallText("XGROUP", "CREATE", key, "g", "$"));
        group.SendCommand("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", key, ">");
        Assert.True(Silent(group, Settle), "XREADGROUP answered with nothing new");
        WaitBlocked(writer, 2);
        Assert.Equal("1 keys, 1 on nokey", Keys(writer));
        Assert.Equal(":1\r\n", writer.CallText("DEL", key));
        Assert.Equal($"-NOGROUP No such key '{key}' or consumer group 'g' in XREADGROUP with GROUP option\r\n", Resp.AsString(group.ReadReply()));
        Assert.Equal("1 keys, 0 on nokey", Keys(writer));
        Assert.True(Silent(list, Settle), "BLPOP answered without a list");
        Assert.Equal(":1\r\n", writer.CallText("RPUSH", key, "x"));
        Assert.Equal($"*2\r\n${key.Length}\r\n{key}\r\n$1\r\nx\r\n", Resp.AsString(list.ReadReply()));
        Assert.Equal("0 keys, 0 on nokey", Keys(writer));
    }

    [Theory]
    [MemberData(nameof(TargetRows))]
    public void Bzpopmin_BehindABlpop_IsServedByZadd(string target)
    {
        ServerProcess server = Server(target);
        using var list = server.Connect();
        using var zset = server.Connect();
        using var writer = server.Connect();
        const string key = "mixed:z";
        writer.Call("DEL", key);
        list.SendCommand("BLPOP", key, "0");
        Assert.True(Silent(list, Settle), "BLPOP answered on a missing key");
        zset.SendCommand("BZPOPMIN", key, "0");
        Assert.True(Silent(zset, Settle), "BZPOPMIN answered on a missing key");
        WaitBlocked(writer, 2);
        Assert.Equal(":1\r\n", writer.CallText("ZADD", key, "1", "m"));
        Assert.Equal($"*3\r\n${key.Length}\r\n{key}\r\n$1\r\nm\r\n$1\r\n1\r\n", Resp.AsString(zset.ReadReply()));
        Assert.True(Silent(list, Settle), "BLPOP answered by a sorted set");
        Assert.Equal(":1\r\n", writer.CallText("LPUSH", key, "y"));
        Assert.Equal($"*2\r\n${key.Length}\r\n{key}\r\n$1\r\ny\r\n", Resp.AsString(list.ReadReply()));
    }
}
