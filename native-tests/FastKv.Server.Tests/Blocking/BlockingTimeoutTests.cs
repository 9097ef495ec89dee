using System;
using System.Collections.Generic;
using System.Net.Sockets;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// The timeout argument of every blocking command, against the Redis 7.2.4 oracle at --threads 1 and 4:
/// a timeout under a millisecond rounds up to 1 ms (it must not read as 0, "forever"); one that rounds up
/// to -0 does mean forever; out-of-range, negative and malformed timeouts get 7.2.4's exact errors.
/// A client that never answers fails by the connection's read timeout.
/// </summary>
public class BlockingTimeoutTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    /// <summary>Each blocking command with "T" where its timeout goes, on keys no test writes.</summary>
    public static readonly string[][] Commands =
    [
        ["BLPOP", "bt:none", "T"],
        ["BRPOP", "bt:none", "bt:none2", "T"],
        ["BLMOVE", "bt:none", "bt:dst", "LEFT", "RIGHT", "T"],
        ["BRPOPLPUSH", "bt:none", "bt:dst", "T"],
        ["BLMPOP", "T", "2", "bt:none", "bt:none2", "LEFT"],
        ["BZPOPMIN", "bt:none", "T"],
        ["BZPOPMAX", "bt:none", "T"],
        ["BZMPOP", "T", "1", "bt:none", "MAX", "COUNT", "2"],
    ];

    public static IEnumerable<TheoryDataRow<int, int>> CommandsAndThreads()
    {
        for (int i = 0; i < Commands.Length; i++)
        {
            yield return new(i, 1);
            yield return new(i, 4);
        }
    }

    static string[] With(string[] command, string timeout) => Array.ConvertAll(command, a => a == "T" ? timeout : a);

    static bool Silent(RespConnection c, TimeSpan wait) =>
        c.Pending.Length == 0 && !c.Socket.Poll((int)(wait.TotalMilliseconds * 1000), SelectMode.SelectRead);

    [Theory]
    [MemberData(nameof(CommandsAndThreads))]
    public void UnderAMillisecond_TimesOutLikeRedis_InsteadOfWaitingForever(int command, int threads)
    {
        using var oracle = servers.Oracle.Server.Connect();
        using var target = servers.TargetWithThreads(threads).Server.Connect();
        foreach (string timeout in new[] { "0.0005", "0.000001", "1e-400" })
        {
            string[] args = With(Commands[command], timeout);
            string expected = Resp.AsString(oracle.Call(args));
            Assert.StartsWith("*-1", expected); // the oracle timed out (RESP2 null array)
            Assert.Equal(expected, Resp.AsString(target.Call(args)));
        }
        Assert.Equal("+PONG\r\n", target.CallText("PING"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ANegativeTimeoutAboveMinusOneMillisecond_WaitsForever(int threads)
    {
        ServerProcess server = servers.TargetWithThreads(threads).Server;
        using var blocked = server.Connect();
        using var pusher = server.Connect();
        pusher.Call("DEL", "bt:forever");
        // ceill(-0.5 ms) is -0: 0, "forever", in Redis as here.
        blocked.SendCommand("BLPOP", "bt:forever", "-0.0005");
        Assert.True(Silent(blocked, TimeSpan.FromMilliseconds(300)), "BLPOP -0.0005 answered before any push");
        pusher.Call("RPUSH", "bt:forever", "v");
        Assert.Equal("*2\r\n$10\r\nbt:forever\r\n$1\r\nv\r\n", Resp.AsString(blocked.ReadReply()));
    }

    /// <summary>Timeouts that the oracle refuses (or serves within a millisecond), replies compared byte for byte.</summary>
    public static readonly string[] OddTimeouts =
    [
        "-1", "-0.5", "-1e400", "-inf", "-9223372036854775808", "abc", "", " 1", "1 ", "nan", "1e", "0x",
        "inf", "+inf", "1e400", "9.3e15", "9223372036854775.807", "9223372036854775807", "1e300",
        "1e-320", "0x1p-20", "+0.0001",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void OddTimeouts_GetTheOraclesReply(int threads)
    {
        using var oracle = servers.Oracle.Server.Connect();
        using var target = servers.TargetWithThreads(threads).Server.Connect();
        var mismatches = new List<string>();
        foreach (string[] command in Commands)
        {
            foreach (string timeout in OddTimeouts)
            {
                string[] args = With(command, timeout);
                byte[] expected = oracle.Call(args);
                byte[] actual = target.Call(args);
                if (!expected.AsSpan().SequenceEqual(actual))
                    mismatches.Add($"{string.Join(' ', args)}: oracle {Resp.Escape(expected)}, FastKv {Resp.Escape(actual)}");
            }
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }
}
