using System;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Surface;

/// <summary>
/// INFO commandstats' usec: a command of a pipeline takes the previous command's end as its start (one clock read per
/// command, Shard.ClockCarry). What it must not absorb: the idle time before a new read, a slow command ahead of it in
/// the same pipeline, or the Lua code a script runs between its calls.
/// </summary>
public class CommandTimingTests
{
    static long Usec(RespConnection c, string command)
    {
        string info = c.CallText("INFO", "commandstats");
        Match m = Regex.Match(info, "cmdstat_" + command + @":calls=\d+,usec=(\d+),");
        Assert.True(m.Success, command + " in INFO commandstats: " + info);
        return long.Parse(m.Groups[1].Value);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Usec_CountsEachCommandsOwnTime(int threads)
    {
        using var server = ServerProcess.Start(ServerKind.Target, threads, "--enable-debug-command", "yes");
        using var c = server.Connect();
        Assert.Equal("+OK\r\n", c.CallText("CONFIG", "RESETSTAT"));

        // Idle time between two reads is nobody's.
        c.CallText("SET", "k", "v");
        Thread.Sleep(1500);
        c.CallText("GET", "k");
        Assert.InRange(Usec(c, "get"), 0, 1_000_000);

        // A slow command ahead in the same pipeline is its own.
        c.Send(Encoding.ASCII.GetBytes("*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$3\r\n0.5\r\n*1\r\n$4\r\nPING\r\n"));
        Assert.Equal("+OK\r\n", Encoding.ASCII.GetString(c.ReadReply()));
        Assert.Equal("+PONG\r\n", Encoding.ASCII.GetString(c.ReadReply()));
        Assert.True(Usec(c, "debug") >= 500_000, "DEBUG SLEEP 0.5 counts its half second");
        Assert.InRange(Usec(c, "ping"), 0, 499_999);

        // Lua time between a script's calls is the script's, not its calls'.
        c.CallText("EVAL", "redis.call('echo', 'a') local x = 0 for i = 1, 5e6 do x = x + i end redis.call('echo', 'b') return 1", "0");
        long eval = Usec(c, "eval"), echo = Usec(c, "echo");
        Assert.True(echo < eval / 2, $"echo {echo} usec inside an EVAL of {eval} usec");
        server.AssertAlive();
    }
}
