using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Lifecycle;

/// <summary>Startup failures (port in use, bad configuration), a valid config file, and clean shutdown.</summary>
public class StartupShutdownTests
{
    private static readonly TimeSpan s_exitWithin = TimeSpan.FromSeconds(5);

    [Fact]
    public void PortHeldByAnotherProcess_ExitsNonZero_AndNamesTheAddress()
    {
        var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        try
        {
            int port = ((IPEndPoint)holder.LocalEndpoint).Port;
            string dir = Directory.CreateTempSubdirectory("fastkv-lifecycle-").FullName;
            using var s = RawServer.Start(RawServer.StandardArgs(port, 2, dir), dir);
            Assert.True(s.WaitForExit(s_exitWithin), "server still running with its port held by another socket\n" + s.Output);
            Assert.NotEqual(0, s.ExitCode);
            string all = s.StdOut + s.StdErr;
            Assert.Contains("127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), all);
            Assert.Contains("Address already in use", all);
        }
        finally
        {
            holder.Stop();
        }
    }

    [Fact]
    public void UnknownDirectiveInConfigFile_ExitsNonZero_QuotingTheLine()
    {
        string dir = Directory.CreateTempSubdirectory("fastkv-lifecycle-").FullName;
        string conf = Path.Combine(dir, "bad.conf");
        File.WriteAllText(conf, "# a comment\nport " + PortAllocator.Next() + "\nnosuchdirective yes\nsave \"\"\n");
        using var s = RawServer.Start([conf], dir);
        Assert.True(s.WaitForExit(s_exitWithin), "server accepted an unknown directive\n" + s.Output);
        Assert.NotEqual(0, s.ExitCode);
        string all = s.StdOut + s.StdErr;
        Assert.Contains("*** FATAL CONFIG FILE ERROR", all);
        Assert.Contains("Reading the configuration file, at line 3\n>>> 'nosuchdirective yes'\nBad directive or wrong number of arguments", all);
    }

    /// <summary>
    /// redis-server 7.0.15 turns `--name value` into the config line `name "value"` (sdscatrepr), so the
    /// value is shown in double quotes; the first option is line 2 after an empty config file.
    /// </summary>
    [Theory]
    [InlineData("port", "abc", "argument couldn't be parsed into an integer")]
    [InlineData("maxclients", "-5", "argument must be between 1 and ")]
    [InlineData("nosuchoption", "1", "Bad directive or wrong number of arguments")]
    [InlineData("databases", "zero", "argument couldn't be parsed into an integer")]
    public void InvalidCommandLineOption_ExitsNonZero_QuotingTheLine(string name, string value, string reason)
    {
        string dir = Directory.CreateTempSubdirectory("fastkv-lifecycle-").FullName;
        var args = new System.Collections.Generic.List<string> { "--" + name, value };
        args.AddRange(RawServer.StandardArgs(PortAllocator.Next(), 2, dir));
        using var s = RawServer.Start(args, dir);
        Assert.True(s.WaitForExit(s_exitWithin), $"server accepted --{name} {value}\n" + s.Output);
        Assert.NotEqual(0, s.ExitCode);
        string all = s.StdOut + s.StdErr;
        Assert.Contains($"Reading the configuration file, at line 2\n>>> '{name} \"{value}\"'\n{reason}", all);
    }

    [Fact]
    public void ValidConfigFile_IsApplied()
    {
        string dir = Directory.CreateTempSubdirectory("fastkv-lifecycle-").FullName;
        int port = PortAllocator.Next();
        string conf = Path.Combine(dir, "good.conf");
        string threadsLine = ServerLocator.TargetIsRedis ? "" : "threads 3\n";
        File.WriteAllText(conf,
            $"# lifecycle test\nport {port}\nbind 127.0.0.1\n{threadsLine}requirepass \"s3cret pw\"\ndatabases 4\nsave \"\"\nappendonly no\ndir {dir}\n");
        using var s = RawServer.Start([conf], dir);
        s.WaitReady(port, "s3cret pw");

        using var c = RespConnection.Connect(port);
        Assert.Equal("-NOAUTH Authentication required.\r\n", c.CallText("GET", "x"));
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", c.CallText("AUTH", "wrong"));
        Assert.Equal("+OK\r\n", c.CallText("AUTH", "s3cret pw"));
        string p = port.ToString(CultureInfo.InvariantCulture);
        Assert.Equal($"*2\r\n$4\r\nport\r\n${p.Length}\r\n{p}\r\n", c.CallText("CONFIG", "GET", "port"));
        Assert.Equal("*2\r\n$9\r\ndatabases\r\n$1\r\n4\r\n", c.CallText("CONFIG", "GET", "databases"));
        Assert.Equal("*2\r\n$11\r\nrequirepass\r\n$9\r\ns3cret pw\r\n", c.CallText("CONFIG", "GET", "requirepass"));
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "3"));
        Assert.Equal("-ERR DB index is out of range\r\n", c.CallText("SELECT", "4"));
        if (!ServerLocator.TargetIsRedis)
            Assert.Equal("*2\r\n$7\r\nthreads\r\n$1\r\n3\r\n", c.CallText("CONFIG", "GET", "threads"));
    }

    [Theory]
    [InlineData(RawServer.SIGTERM)]
    [InlineData(RawServer.SIGINT)]
    public void Signal_ExitsZero(int sig)
    {
        using var s = RawServer.StartReady(out int port, threads: 4);
        using var idle = RespConnection.Connect(port);
        Assert.Equal("+OK\r\n", idle.CallText("SET", "k", "v"));
        s.Signal(sig);
        Assert.True(s.WaitForExit(TimeSpan.FromSeconds(20)), $"still running 20 s after signal {sig}\n" + s.Output);
        Assert.True(s.ExitCode == 0, $"exit code {s.ExitCode} after signal {sig}\n" + s.Output);
        // Redis's line names the signal (checked against 7.2.4).
        Assert.Contains($"Received {(sig == RawServer.SIGINT ? "SIGINT" : "SIGTERM")} scheduling shutdown...", s.Output);
        Assert.True(idle.IsClosedByPeer(TimeSpan.FromSeconds(10)));
    }

    /// <summary>redis-server closes the connection without any reply and exits 0 (checked against 7.0.15).</summary>
    [Theory]
    [InlineData("SHUTDOWN")]
    [InlineData("SHUTDOWN NOSAVE")]
    public void ShutdownCommand_ClosesWithoutReply_ExitsZero(string command)
    {
        using var s = RawServer.StartReady(out int port, threads: 4);
        using var other = RespConnection.Connect(port);
        Assert.Equal("+PONG\r\n", other.CallText("PING"));
        using var c = RespConnection.Connect(port);
        c.SendCommand(command.Split(' '));
        byte[] got = c.ReadUntilClosed(TimeSpan.FromSeconds(10));
        Assert.True(got.Length == 0, "SHUTDOWN replied " + Resp.Escape(got));
        // Redis exits from inside the command: once the connection closed, nobody can connect any more.
        var refused = Assert.ThrowsAny<System.Net.Sockets.SocketException>(() => RespConnection.Connect(port).Dispose());
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.True(s.WaitForExit(TimeSpan.FromSeconds(20)), $"still running 20 s after {command}\n" + s.Output);
        Assert.True(s.ExitCode == 0, $"exit code {s.ExitCode} after {command}\n" + s.Output);
        Assert.True(other.IsClosedByPeer(TimeSpan.FromSeconds(10)));
    }
}
