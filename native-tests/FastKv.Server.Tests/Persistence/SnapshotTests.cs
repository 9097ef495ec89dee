using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// SAVE, BGSAVE, LASTSAVE, save points, SHUTDOWN and SIGTERM saving, reload at startup, MISCONF after a failed save
/// and refusing corrupt files: each against a real server process and the files it leaves in its own directory.
/// </summary>
public class SnapshotTests
{
    /// <summary>A directory the test owns (the server's own is deleted when it is disposed).</summary>
    internal static string NewDir() => Directory.CreateTempSubdirectory("fastkv-rdb-").FullName;

    internal static ServerProcess StartIn(string dir, int threads, params string[] extra)
        => ServerProcess.Start(ServerKind.Target, threads, ["--dir", dir, .. extra]);

    /// <summary>Waits until no background save runs (INFO rdb_bgsave_in_progress:0).</summary>
    internal static void WaitForSave(RespConnection c)
    {
        var sw = Stopwatch.StartNew();
        while (Info(c, "rdb_bgsave_in_progress") != "0")
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), "the background save ends");
            Thread.Sleep(20);
        }
    }

    internal static string Info(RespConnection c, string field)
    {
        string text = Resp.Parse(c.Call("INFO", "persistence")).Text!;
        foreach (string line in text.Split("\r\n"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal)) return line[(field.Length + 1)..];
        throw new InvalidOperationException(field + " not in INFO persistence:\n" + text);
    }

    static void Fill(RespConnection c, int n, string prefix)
    {
        for (int i = 0; i < n; i += 100)
        {
            var args = new List<string> { "MSET" };
            for (int j = i; j < Math.Min(n, i + 100); j++) { args.Add(prefix + j); args.Add("v" + j); }
            Assert.Equal("+OK\r\n", c.CallText([.. args]));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Bgsave_WritesAFileTheServerLoadsAtStartup(int threads)
    {
        string dir = NewDir();
        try
        {
            using (var s = StartIn(dir, threads))
            using (var c = s.Connect())
            {
                Fill(c, 3000, "k");
                c.Call("SET", "ttl", "x", "EX", "1000");
                c.Call("SET", "gone", "x", "PX", "1");
                Thread.Sleep(5);
                long before = long.Parse(Resp.Parse(c.Call("LASTSAVE")).Text!);
                Assert.Equal("+Background saving started\r\n", c.CallText("BGSAVE"));
                WaitForSave(c);
                Assert.Equal("ok", Info(c, "rdb_last_bgsave_status"));
                Assert.Equal("0", Info(c, "rdb_changes_since_last_save"));
                Assert.True(long.Parse(Resp.Parse(c.Call("LASTSAVE")).Text!) >= before);
                Assert.True(File.Exists(Path.Combine(dir, "dump.rdb")));
                Assert.Empty(Directory.GetFiles(dir, "temp-*"));
            }
            using (var s = StartIn(dir, threads))
            using (var c = s.Connect())
            {
                Assert.Equal(":3001\r\n", c.CallText("DBSIZE"));
                Assert.Equal("$5\r\nv2999\r\n", c.CallText("GET", "k2999"));
                long ttl = long.Parse(Resp.Parse(c.Call("TTL", "ttl")).Text!);
                Assert.InRange(ttl, 900, 1000);
                Assert.Equal("3001", Info(c, "rdb_last_load_keys_loaded"));
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Save_RepliesWhenTheFileIsOnDisk_AndRedisChecksIt()
    {
        string dir = NewDir();
        try
        {
            using var s = StartIn(dir, 2);
            using var c = s.Connect();
            Fill(c, 500, "s");
            Assert.Equal("+OK\r\n", c.CallText("SAVE"));
            string file = Path.Combine(dir, "dump.rdb");
            Assert.True(File.Exists(file));
            string? checker = OracleTools.CheckRdb();
            if (checker != null)
            {
                var r = ProcessRunner.Run(checker, [file], (string?)null, TimeSpan.FromSeconds(30));
                Assert.True(r.ExitCode == 0, r.ToString());
                Assert.Contains("RDB looks OK", r.StdOut + r.StdErr);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SnapshotCommands_ReplyAsRedis(int threads)
    {
        using var s = ServerProcess.Start(ServerKind.Target, threads);
        using var c = s.Connect();
        Assert.Equal("-ERR syntax error\r\n", c.CallText("BGSAVE", "now"));
        Assert.Equal("-ERR wrong number of arguments for 'save' command\r\n", c.CallText("SAVE", "x"));
        Assert.Equal("-ERR wrong number of arguments for 'lastsave' command\r\n", c.CallText("LASTSAVE", "x"));
        // SCHEDULE with nothing running starts one at once.
        Assert.Equal("+Background saving started\r\n", c.CallText("BGSAVE", "SCHEDULE"));
        WaitForSave(c);
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n",
            c.CallText("CONFIG", "SET", "save", "1 2 3"));
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n",
            c.CallText("CONFIG", "SET", "dir", "/"));
        Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "save", "100 10"));
        Assert.Equal("*2\r\n$4\r\nsave\r\n$6\r\n100 10\r\n", c.CallText("CONFIG", "GET", "save"));
        Assert.Equal("+OK\r\n", c.CallText("MULTI"));
        Assert.Equal("-ERR Command not allowed inside a transaction\r\n", c.CallText("SAVE"));
        Assert.Equal("+OK\r\n", c.CallText("DISCARD"));
        // Inside EXEC a BGSAVE is scheduled (and the cron starts it at once, nothing else running).
        Assert.Equal("+OK\r\n", c.CallText("MULTI"));
        Assert.Equal("+QUEUED\r\n", c.CallText("BGSAVE"));
        Assert.Equal("*1\r\n+Background saving scheduled\r\n", c.CallText("EXEC"));
        var sw = Stopwatch.StartNew();
        while (Info(c, "rdb_saves") == "1" || Info(c, "rdb_bgsave_in_progress") != "0")
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), "the scheduled BGSAVE runs");
            Thread.Sleep(20);
        }
    }

    /// <summary>The persistence config replies, byte for byte against Redis 7.2.4 with protected configs allowed.</summary>
    [Fact]
    public void PersistenceConfig_RepliesAsTheOracle()
    {
        string dir = NewDir();
        try
        {
            string[][] commands =
            [
                ["CONFIG", "SET", "dir", "/nonexistent-dir-for-fastkv-tests"],
                ["CONFIG", "SET", "dbfilename", "a/b"],
                ["CONFIG", "SET", "dbfilename", ""],
                ["CONFIG", "SET", "dbfilename", "other.rdb"],
                ["CONFIG", "GET", "dbfilename"],
                ["CONFIG", "SET", "save", "1"],
                ["CONFIG", "SET", "save", "x 1"],
                ["CONFIG", "SET", "save", "1 -1"],
                ["CONFIG", "SET", "save", "0 1"],
                ["CONFIG", "SET", "save", "1 0 20 3"],
                ["CONFIG", "GET", "save"],
                ["CONFIG", "SET", "rdbchecksum", "no"],
                ["CONFIG", "SET", "rdbcompression", "maybe"],
                ["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"],
                ["CONFIG", "GET", "stop-writes-on-bgsave-error"],
            ];
            string Run(ServerKind kind)
            {
                using var s = ServerProcess.Start(kind, 2, "--dir", dir, "--enable-protected-configs", "yes");
                using var c = s.Connect();
                var sb = new System.Text.StringBuilder();
                foreach (string[] cmd in commands) sb.Append(string.Join(' ', cmd)).Append(" -> ").Append(c.CallText(cmd)).Append('\n');
                return sb.ToString();
            }
            Assert.Equal(Run(ServerKind.Redis), Run(ServerKind.Target));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SavePoint_StartsABackgroundSave()
    {
        string dir = NewDir();
        try
        {
            using var s = StartIn(dir, 2);
            using var c = s.Connect();
            Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "save", "1 3"));
            c.Call("SET", "a", "1");
            c.Call("SET", "b", "2");
            c.Call("SET", "c", "3");
            var sw = Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(dir, "dump.rdb")) || Info(c, "rdb_changes_since_last_save") != "0")
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), "a save point with 3 changes after 1 s saves");
                Thread.Sleep(50);
            }
            Assert.Equal("ok", Info(c, "rdb_last_bgsave_status"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Restart_AfterShutdownOrSigterm_BringsEveryKeyBack(bool sigterm)
    {
        string dir = NewDir();
        try
        {
            using (var s = StartIn(dir, 4, "--save", "3600 1 300 100 60 10000"))
            {
                using (var c = s.Connect())
                {
                    Fill(c, 2000, "r");
                    if (!sigterm) c.SendCommand("SHUTDOWN");
                }
                if (sigterm) s.Signal(15);
                Assert.Equal(0, s.WaitForExit(TimeSpan.FromSeconds(60)));
            }
            using (var s = StartIn(dir, 2))
            using (var c = s.Connect())
            {
                Assert.Equal(":2000\r\n", c.CallText("DBSIZE"));
                Assert.Equal("$5\r\nv1234\r\n", c.CallText("GET", "r1234"));
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// shutdown-on-sigterm and shutdown-on-sigint make the signal a SHUTDOWN with their flags: save saves without save
    /// points, nosave does not save with them, default saves only with them. Redis 7.2.4 and FastKv, the same outcome.
    /// </summary>
    [Theory]
    [InlineData(15, "save", "", true)]
    [InlineData(15, "nosave", "3600 1", false)]
    [InlineData(15, "default", "", false)]
    [InlineData(15, "default", "3600 1", true)]
    [InlineData(2, "save now", "", true)]
    [InlineData(2, "nosave force", "3600 1", false)]
    public void Signal_IsAShutdownWithTheFlagsOfShutdownOnSignal(int signal, string flags, string savePoints, bool saves)
    {
        foreach (ServerKind kind in new[] { ServerKind.Redis, ServerKind.Target })
        {
            string dir = NewDir();
            try
            {
                string setting = signal == 15 ? "--shutdown-on-sigterm" : "--shutdown-on-sigint";
                using (var s = ServerProcess.Start(kind, 2, ["--dir", dir, "--save", savePoints, setting, flags]))
                {
                    using (var c = s.Connect())
                    {
                        Assert.Equal(flags, Resp.Parse(c.Call("CONFIG", "GET", setting[2..])).Items![1].Text);
                        Fill(c, 300, "g");
                    }
                    s.Signal(signal);
                    Assert.Equal(0, s.WaitForExit(TimeSpan.FromSeconds(60)));
                }
                Assert.True(saves == File.Exists(Path.Combine(dir, "dump.rdb")), $"{kind}: {setting} {flags} with save '{savePoints}' saves: {saves}");
            }
            finally { Directory.Delete(dir, true); }
        }
    }

    [Fact]
    public void FlushallDuringBgsave_StopsIt_AndSavesTheEmptyDataset()
    {
        string dir = NewDir();
        try
        {
            using (var s = StartIn(dir, 2, "--save", "3600 1", "--fastkv-snapshot-slice-us", "10"))
            using (var c = s.Connect())
            {
                Fill(c, 100_000, "f");
                Assert.Equal("+Background saving started\r\n", c.CallText("BGSAVE"));
                Assert.Equal("+OK\r\n", c.CallText("FLUSHALL"));
                // The flushed keys must not come back from a file written after the flush.
                var sw = Stopwatch.StartNew();
                while (Info(c, "rdb_changes_since_last_save") != "0" || Info(c, "rdb_bgsave_in_progress") != "0")
                {
                    Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), "the empty dataset is saved");
                    Thread.Sleep(20);
                }
                Assert.Equal("ok", Info(c, "rdb_last_bgsave_status"));
            }
            using (var s = StartIn(dir, 2))
            using (var c = s.Connect())
                Assert.Equal(":0\r\n", c.CallText("DBSIZE"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void DebugReload_KeepsEveryKey_AndRejectsUnknownOptions()
    {
        string dir = NewDir();
        try
        {
            using var s = StartIn(dir, 4);
            using var c = s.Connect();
            Fill(c, 1000, "d");
            c.Call("HSET", "h", "a", "1");
            c.Call("RPUSH", "l", "x", "y");
            Assert.Equal("+OK\r\n", c.CallText("DEBUG", "RELOAD"));
            Assert.Equal(":1002\r\n", c.CallText("DBSIZE"));
            Assert.Equal("*2\r\n$1\r\nx\r\n$1\r\ny\r\n", c.CallText("LRANGE", "l", "0", "-1"));
            Assert.Equal("-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n", c.CallText("DEBUG", "RELOAD", "X"));
            // NOSAVE loads the file as it is: a key written since is gone; MERGE NOFLUSH keeps it.
            c.Call("SET", "later", "1");
            Assert.Equal("+OK\r\n", c.CallText("DEBUG", "RELOAD", "NOSAVE"));
            Assert.Equal(":0\r\n", c.CallText("EXISTS", "later"));
            c.Call("SET", "later", "1");
            Assert.Equal("+OK\r\n", c.CallText("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"));
            Assert.Equal(":1\r\n", c.CallText("EXISTS", "later"));
            Assert.Equal(":1003\r\n", c.CallText("DBSIZE"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SnapshotMemory_StaysWithinTheBufferLimits_UnderFullOverwriteLoad()
    {
        const int threads = 2;
        const long hard = 256 * 1024;
        using var s = ServerProcess.Start(ServerKind.Target, threads, "--fastkv-snapshot-buffer-limit", "64kb 256kb",
            "--fastkv-snapshot-slice-us", "10");
        using var c = s.Connect();
        Fill(c, 50_000, "o");
        using var stop = new CancellationTokenSource();
        var writers = new List<Thread>();
        for (int w = 0; w < 4; w++)
        {
            int id = w;
            var t = new Thread(() =>
            {
                using var conn = s.Connect();
                var rng = new Random(id);
                // Pipelines of overwrites of random existing keys: every stale bucket they hit is serialized first.
                while (!stop.IsCancellationRequested)
                {
                    var batch = new List<byte[]>();
                    for (int i = 0; i < 50; i++) batch.Add(Resp.EncodeCommand("SET", "o" + rng.Next(50_000), new string('w', 100)));
                    foreach (byte[] b in batch) conn.Send(b);
                    for (int i = 0; i < 50; i++) Assert.Equal("+OK\r\n", Resp.AsString(conn.ReadReply()));
                }
            });
            t.Start();
            writers.Add(t);
        }
        for (int round = 0; round < 3; round++)
        {
            Assert.Equal("+Background saving started\r\n", c.CallText("BGSAVE"));
            WaitForSave(c);
            Assert.Equal("ok", Info(c, "rdb_last_bgsave_status"));
        }
        stop.Cancel();
        foreach (var t in writers) t.Join();
        long peak = long.Parse(Info(c, "fastkv_snapshot_peak_bytes"));
        Assert.True(peak > 0, "the snapshots serialized something");
        // Per shard: the hard limit, plus the chunk being sealed and the buckets of the commands already past the gate.
        Assert.True(peak <= threads * (hard + 256 * 1024), $"peak {peak} bytes in flight over the limits");
    }

    [Fact]
    public void ShutdownNosave_LeavesNoFile()
    {
        string dir = NewDir();
        try
        {
            using var s = StartIn(dir, 2, "--save", "3600 1");
            using (var c = s.Connect())
            {
                c.Call("SET", "a", "1");
                c.SendCommand("SHUTDOWN", "NOSAVE");
            }
            Assert.Equal(0, s.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.False(File.Exists(Path.Combine(dir, "dump.rdb")));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// Several "save" directives while the configuration is read (setConfigSaveOption): each adds its points to the
    /// first's, and an empty one empties the list; at run time CONFIG SET replaces. Same on both servers.
    /// </summary>
    [Theory]
    [InlineData("900 1", "100 100")]
    [InlineData("900 1", "")]
    [InlineData("", "100 100")]
    [InlineData("900 1 300 10", "60 10000")]
    public void RepeatedSaveDirectives_AddUp_AsRedisReadsThem(string first, string second)
    {
        var got = new List<string>();
        foreach (ServerKind kind in new[] { ServerKind.Redis, ServerKind.Target })
        {
            string dir = NewDir();
            try
            {
                using var s = ServerProcess.Start(kind, 1, ["--dir", dir, "--save", first, "--save", second]);
                using var c = s.Connect();
                string atStart = Resp.AsString(c.Call("CONFIG", "GET", "save"));
                c.Call("CONFIG", "SET", "save", "30 3");
                got.Add(atStart + " then " + Resp.AsString(c.Call("CONFIG", "GET", "save")));
            }
            finally { Directory.Delete(dir, true); }
        }
        Assert.Equal(got[0], got[1]);
    }

    /// <summary>
    /// FLUSHALL with save points saves the empty dataset before it replies (Redis's flushAllDataAndResetRDB): no change
    /// since the last save right after it, and a kill -9 right after the reply restarts empty, not with the flushed keys.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void FlushallWithSavePoints_SavesTheEmptyDatasetBeforeReplying(int threads)
    {
        foreach (ServerKind kind in new[] { ServerKind.Redis, ServerKind.Target })
        {
            string dir = NewDir();
            try
            {
                using (var s = ServerProcess.Start(kind, threads, ["--dir", dir, "--save", "3600 1"]))
                using (var c = s.Connect())
                {
                    Fill(c, 1000, "k");
                    Assert.Equal("+OK\r\n", c.CallText("SAVE"));
                    Fill(c, 10, "more");
                    Assert.Equal("+OK\r\n", c.CallText("FLUSHALL"));
                    Assert.Equal("0", Info(c, "rdb_changes_since_last_save"));
                    s.Signal(9);
                    s.WaitForExit(TimeSpan.FromSeconds(30));
                }
                using (var s = ServerProcess.Start(kind, threads, ["--dir", dir]))
                using (var c = s.Connect())
                    Assert.Equal(":0\r\n", c.CallText("DBSIZE"));
            }
            finally { Directory.Delete(dir, true); }
        }
    }

    /// <summary>
    /// A failed foreground save (SAVE, SHUTDOWN's save) answers its error and leaves the background save's status as it
    /// was, as Redis's rdbSave does: no -MISCONF after it, unlike a failed BGSAVE. Same on both servers.
    /// </summary>
    [Fact]
    public void FailedForegroundSave_ErrorsWithoutMisconf()
    {
        foreach (ServerKind kind in new[] { ServerKind.Redis, ServerKind.Target })
        {
            string dir = NewDir();
            try
            {
                using var s = ServerProcess.Start(kind, 2, ["--dir", dir, "--save", "3600 1"]);
                using var c = s.Connect();
                // A directory where the file should go: the rename fails.
                Directory.CreateDirectory(Path.Combine(dir, "dump.rdb"));
                c.Call("SET", "a", "1");
                Assert.Equal("-ERR\r\n", c.CallText("SAVE"));
                Assert.Equal("-ERR Errors trying to SHUTDOWN. Check logs.\r\n", c.CallText("SHUTDOWN"));
                Assert.Equal("ok", Info(c, "rdb_last_bgsave_status"));
                Assert.Equal("+PONG\r\n", c.CallText("PING"));
                Assert.Equal("+OK\r\n", c.CallText("SET", "b", "2"));
                s.AssertAlive();
            }
            finally { Directory.Delete(dir, true); }
        }
    }

    /// <summary>
    /// A signal's shutdown waits for the cron (Redis's shutdown_asap): under DEBUG PAUSE-CRON 1 it is pending, SHUTDOWN
    /// ABORT cancels it (logged), and the server goes on after PAUSE-CRON 0; with none pending ABORT is an error, and
    /// ABORT with another flag, or SAVE with NOSAVE, a syntax error. Same on both servers.
    /// </summary>
    [Fact]
    public void ShutdownAbort_CancelsAPendingSignal()
    {
        foreach (ServerKind kind in new[] { ServerKind.Redis, ServerKind.Target })
        {
            string dir = NewDir();
            try
            {
                using var s = ServerProcess.Start(kind, 2, ["--dir", dir, "--save", "3600 1", "--enable-debug-command", "yes"]);
                using var c = s.Connect();
                Assert.Equal("-ERR No shutdown in progress.\r\n", c.CallText("SHUTDOWN", "ABORT"));
                Assert.Equal("-ERR syntax error\r\n", c.CallText("SHUTDOWN", "ABORT", "NOSAVE"));
                Assert.Equal("-ERR syntax error\r\n", c.CallText("SHUTDOWN", "SAVE", "NOSAVE"));
                Assert.Equal("+OK\r\n", c.CallText("DEBUG", "PAUSE-CRON", "1"));
                s.Signal(15);
                s.WaitForOutput("Received SIGTERM scheduling shutdown...");
                Thread.Sleep(300); // a cron that was not paused would have started the shutdown by now
                Assert.Equal("+OK\r\n", c.CallText("SHUTDOWN", "ABORT"));
                s.WaitForOutput("Shutdown manually aborted.");
                Assert.Equal("+OK\r\n", c.CallText("DEBUG", "PAUSE-CRON", "0"));
                Thread.Sleep(300);
                Assert.Equal("+PONG\r\n", c.CallText("PING"));
                Assert.Equal("-ERR No shutdown in progress.\r\n", c.CallText("SHUTDOWN", "ABORT"));
                Assert.False(File.Exists(Path.Combine(dir, "dump.rdb")), kind + ": nothing saved");
                // Unpaused, the next signal shuts down (saving, as save points exist).
                s.Signal(15);
                Assert.Equal(0, s.WaitForExit(TimeSpan.FromSeconds(60)));
                Assert.True(File.Exists(Path.Combine(dir, "dump.rdb")), kind + ": saved at the shutdown");
            }
            finally { Directory.Delete(dir, true); }
        }
    }

    [Fact]
    public void FailedSave_RefusesWritesAndPingWithMisconf_UntilASaveSucceeds()
    {
        string dir = NewDir();
        try
        {
            using var s = StartIn(dir, 2, "--save", "3600 1");
            using var c = s.Connect();
            // A directory where the file should go: the rename fails, as a full disk would fail the write.
            Directory.CreateDirectory(Path.Combine(dir, "dump.rdb"));
            c.Call("SET", "a", "1");
            Assert.Equal("+Background saving started\r\n", c.CallText("BGSAVE"));
            WaitForSave(c);
            Assert.Equal("err", Info(c, "rdb_last_bgsave_status"));
            string misconf = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
                + "Commands that may modify the data set are disabled, because this instance is configured to report errors during writes "
                + "if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n";
            Assert.Equal(misconf, c.CallText("SET", "b", "2"));
            Assert.Equal(misconf, c.CallText("PING"));
            Assert.Equal("$1\r\n1\r\n", c.CallText("GET", "a"));
            Assert.Empty(Directory.GetFiles(dir, "temp-*"));
            Directory.Delete(Path.Combine(dir, "dump.rdb"));
            Assert.Equal("+Background saving started\r\n", c.CallText("BGSAVE"));
            WaitForSave(c);
            Assert.Equal("ok", Info(c, "rdb_last_bgsave_status"));
            Assert.Equal("+OK\r\n", c.CallText("SET", "b", "2"));
        }
        finally { Directory.Delete(dir, true); }
    }
}

/// <summary>The oracle's tools, when present (tests that need them skip their part otherwise).</summary>
internal static class OracleTools
{
    public static string? CheckRdb() => Beside("redis-check-rdb");

    public static string? CheckAof() => Beside("redis-check-aof");

    static string? Beside(string tool)
    {
        try
        {
            string server = ServerLocator.RequireOracle();
            string check = Path.Combine(Path.GetDirectoryName(server)!, tool);
            return File.Exists(check) ? check : null;
        }
        catch (Exception ex) when (ex.GetType().Name.Contains("Skip", StringComparison.Ordinal))
        {
            return null;
        }
    }
}
