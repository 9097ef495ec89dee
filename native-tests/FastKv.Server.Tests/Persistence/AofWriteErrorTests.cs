using System;
using System.Collections.Generic;
using System.IO;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// A write to the AOF that fails (issue 12, "-MISCONF on an AOF write error"): the incr file is a symlink to
/// /dev/full, so every write gets ENOSPC. Under everysec and no the command whose record failed was already applied
/// and answered, and every write after it is refused with Redis's MISCONF line while reads go on; under always the
/// server exits (Redis cannot acknowledge what it could not write). Each conversation is run on Redis 7.2.4 too and
/// the replies compared byte for byte.
/// </summary>
public class AofWriteErrorTests
{
    /// <summary>A directory with an AOF whose incr file is /dev/full (made by the server itself, then swapped).</summary>
    internal static string FullDisk(ServerKind kind)
    {
        string dir = Directory.CreateTempSubdirectory("fastkv-aoffull-").FullName;
        using (var s = ServerProcess.Start(kind, 1, "--dir", dir, "--appendonly", "yes", "--save", ""))
        using (var c = s.Connect())
        {
            Assert.Equal("+OK\r\n", c.CallText("SET", "before", "1"));
            c.SendCommand("SHUTDOWN", "NOSAVE");
            Assert.NotNull(s.WaitForExit(TimeSpan.FromSeconds(30)));
        }
        string incr = Path.Combine(dir, "appendonlydir", "appendonly.aof.1.incr.aof");
        Assert.True(File.Exists(incr), "the server made " + incr);
        File.Delete(incr);
        File.CreateSymbolicLink(incr, "/dev/full");
        return dir;
    }

    static List<string> Conversation(ServerKind kind, int threads, string fsync)
    {
        string dir = FullDisk(kind);
        try
        {
            using var s = ServerProcess.Start(kind, threads, "--dir", dir, "--appendonly", "yes", "--appendfsync", fsync, "--save", "");
            using var c = s.Connect();
            var log = new List<string>
            {
                "loaded: " + c.CallText("GET", "before"),
                // Applied and answered; its record's write fails after the reply is decided.
                "first write: " + c.CallText("SET", "a", "1"),
            };
            s.WaitForOutput("Error writing to the AOF file: No space left on device");
            log.Add("second write: " + c.CallText("SET", "a", "2"));
            log.Add("another write: " + c.CallText("INCR", "n"));
            log.Add("read: " + c.CallText("GET", "a"));
            log.Add("status: " + SnapshotTests.Info(c, "aof_last_write_status"));
            log.Add("ping: " + c.CallText("PING"));
            return log;
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("everysec", 1)]
    [InlineData("everysec", 4)]
    [InlineData("no", 1)]
    [InlineData("no", 4)]
    public void WriteError_RefusesLaterWrites_WithRedisMisconf(string fsync, int threads)
    {
        if (!File.Exists("/dev/full")) Assert.Skip("no /dev/full on this machine");
        List<string> fastkv = Conversation(ServerKind.Target, threads, fsync);
        Assert.Equal("second write: -MISCONF Errors writing to the AOF file: No space left on device\r\n", fastkv[2]);
        Assert.Equal("read: $1\r\n1\r\n", fastkv[4]);
        Assert.Equal(Conversation(ServerKind.Redis, 1, fsync), fastkv);
    }

    /// <summary>Under always the write cannot be acknowledged: no reply, the log line, exit 1 (Redis's exit(1)).</summary>
    static (string Reply, int? Exit, bool Line) Always(ServerKind kind, int threads)
    {
        string dir = FullDisk(kind);
        try
        {
            using var s = ServerProcess.Start(kind, threads, "--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "");
            using var c = s.Connect();
            c.SendCommand("SET", "a", "1");
            string reply;
            try { reply = Resp.Escape(c.ReadUntilClosed(TimeSpan.FromSeconds(30))); }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException) { reply = "<reset>"; }
            int? exit = s.WaitForExit(TimeSpan.FromSeconds(30));
            s.WaitForOutput("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
            return (reply, exit, true);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void WriteError_UnderAlways_ExitsWithoutAcknowledging(int threads)
    {
        if (!File.Exists("/dev/full")) Assert.Skip("no /dev/full on this machine");
        var fastkv = Always(ServerKind.Target, threads);
        Assert.Equal(1, fastkv.Exit);
        Assert.Equal(Always(ServerKind.Redis, 1), fastkv);
    }
}
