using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// What happens around an AOF rewrite that is still running, each conversation run on Redis 7.2.4 too and compared
/// line for line: FLUSHALL, FLUSHDB and SWAPDB let it finish; SAVE, BGSAVE and BGREWRITEAOF get Redis's replies;
/// SHUTDOWN stops it (or a BGSAVE) and saves, but refuses while the first rewrite of an AOF being turned on runs; and
/// at every exit the files left are Redis's and a restart loads exactly what was acknowledged. rdb-key-save-delay
/// (Redis's debugging knob, 5 ms a key here) keeps each rewrite running for seconds, so the commands under test
/// really meet it.
/// </summary>
public class AofRewriteEdgeTests
{
    const int Keys = 400;
    const string DelayMicros = "5000";

    static ServerProcess StartIn(ServerKind kind, int threads, string dir, params string[] extra)
        => ServerProcess.Start(kind, threads, ["--dir", dir, .. extra]);

    /// <summary>400 keys in db 0 and 50 in db 1, then every snapshot from here on costs 5 ms a key.</summary>
    static void FillAndSlowDown(RespConnection c)
    {
        AofRewriteTests.Fill(c, Keys, "k");
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "1"));
        AofRewriteTests.Fill(c, 50, "j");
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
        Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "rdb-key-save-delay", DelayMicros));
    }

    /// <summary>The AOF directory's files and the temp or RDB files in dir, sorted.</summary>
    static string Files(string dir)
    {
        IEnumerable<string> top = Directory.GetFiles(dir).Select(Path.GetFileName)
            .Where(n => n!.StartsWith("temp-", StringComparison.Ordinal) || n.EndsWith(".rdb", StringComparison.Ordinal))!;
        string[] aof = Directory.Exists(AofRewriteTests.AofDir(dir)) ? AofRewriteTests.AofFiles(dir) : [];
        return string.Join(" ", top.Concat(aof.Select(f => "appendonlydir/" + f)).OrderBy(n => n, StringComparer.Ordinal));
    }

    static void WaitForRewriteEnd(RespConnection c) => AofRewriteTests.WaitFor(c, "aof_rewrite_in_progress", v => v == "0");

    /// <summary>SHUTDOWN with <paramref name="args"/>: the connection closes and the process exits 0.</summary>
    static void Shutdown(ServerProcess s, RespConnection c, params string[] args)
    {
        c.SendCommand(["SHUTDOWN", .. args]);
        Assert.Equal(0, s.WaitForExit(TimeSpan.FromSeconds(60)));
    }

    /// <summary>A server started on <paramref name="dir"/> holds <paramref name="expected"/>, under these settings.</summary>
    static string Reloaded(ServerKind kind, int threads, string dir, SortedDictionary<string, string> expected, params string[] extra)
    {
        using var s = StartIn(kind, threads, dir, extra);
        using var c = s.Connect();
        SortedDictionary<string, string> got = AofRewriteTests.Dataset(c);
        Shutdown(s, c, "NOSAVE");
        return got.Count + " keys, as acknowledged: " + got.SequenceEqual(expected);
    }

    /// <summary>
    /// A conversation with a server started on a directory of its own with <paramref name="settings"/> and filled
    /// (<see cref="FillAndSlowDown"/>): <paramref name="talk"/> gets the server, its connection, the directory and the
    /// log it adds to, which is returned.
    /// </summary>
    static List<string> Converse(ServerKind kind, int threads, string[] settings, Action<ServerProcess, RespConnection, string, List<string>> talk)
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            var log = new List<string>();
            using var s = StartIn(kind, threads, dir, settings);
            using var c = s.Connect();
            FillAndSlowDown(c);
            talk(s, c, dir, log);
            return log;
        }
        finally { Directory.Delete(dir, true); }
    }

    static List<string> FlushDuringRewrite(ServerKind kind, int threads, string[] op) =>
        Converse(kind, threads, ["--appendonly", "yes"], (s, c, dir, log) =>
        {
            log.Add("bgrewriteaof: " + c.CallText("BGREWRITEAOF"));
            log.Add(string.Join(" ", op) + ": " + c.CallText(op));
            log.Add("set: " + c.CallText("SET", "after", "1"));
            log.Add("rewrite still running: " + SnapshotTests.Info(c, "aof_rewrite_in_progress"));
            WaitForRewriteEnd(c);
            log.Add("status: " + SnapshotTests.Info(c, "aof_last_bgrewrite_status") + ", rewrites " + SnapshotTests.Info(c, "aof_rewrites"));
            log.Add("manifest: " + AofRewriteTests.Manifest(dir));
            log.Add("files: " + Files(dir));
            SortedDictionary<string, string> acknowledged = AofRewriteTests.Dataset(c);
            log.Add("dataset: " + acknowledged.Count + " keys");
            Shutdown(s, c, "NOSAVE");
            if (kind == ServerKind.Target)
                s.WaitForOutput("Successfully renamed the temporary AOF base file temp-rewriteaof-bg-" + s.ProcessId + ".aof into appendonly.aof.2.base.rdb");
            log.Add("restart: " + Reloaded(kind, threads, dir, acknowledged, "--appendonly", "yes"));
        });

    /// <summary>
    /// Redis lets its rewrite child finish through FLUSHALL (it kills only an RDB child), FLUSHDB and SWAPDB: the new
    /// base is the dataset at the rewrite's start, the INCR after it holds the flush, and a restart replays both.
    /// </summary>
    [Theory]
    [InlineData(1, "FLUSHALL")]
    [InlineData(3, "FLUSHALL")]
    [InlineData(3, "FLUSHDB")]
    [InlineData(3, "SWAPDB", "0", "1")]
    public void FlushOrSwap_DuringRewrite_TheRewriteFinishes_AndARestartLoadsTheFlush(int threads, params string[] op)
    {
        List<string> fastkv = FlushDuringRewrite(ServerKind.Target, threads, op);
        Assert.Equal("rewrite still running: 1", fastkv[3]);
        Assert.Equal("status: ok, rewrites 1", fastkv[4]);
        Assert.EndsWith("as acknowledged: True", fastkv[^1]);
        Assert.Equal(FlushDuringRewrite(ServerKind.Redis, 1, op), fastkv);
    }

    static List<string> AppendOnlyTurnedOn(ServerKind kind, int threads) =>
        Converse(kind, threads, ["--appendonly", "no"], (s, c, dir, log) =>
        {
            log.Add("config set: " + c.CallText("CONFIG", "SET", "appendonly", "yes"));
            log.Add("right after: rewrite " + SnapshotTests.Info(c, "aof_rewrite_in_progress") + ", scheduled " + SnapshotTests.Info(c, "aof_rewrite_scheduled"));
            WaitForRewriteEnd(c);
            log.Add("status: " + SnapshotTests.Info(c, "aof_last_bgrewrite_status") + ", rewrites " + SnapshotTests.Info(c, "aof_rewrites"));
            log.Add("set: " + c.CallText("SET", "after", "1"));
            c.Timeout = TimeSpan.FromSeconds(60);
            log.Add("debug loadaof: " + c.CallText("DEBUG", "LOADAOF"));
            log.Add("dbsize: " + c.CallText("DBSIZE") + ", after: " + c.CallText("GET", "after"));
            log.Add("manifest: " + AofRewriteTests.Manifest(dir));
        });

    /// <summary>
    /// CONFIG SET appendonly yes starts the rewrite before it answers, as Redis forks it there: the next command sees
    /// aof_rewrite_in_progress:1 (not a rewrite scheduled for the cron), so a client that waits while it is in progress
    /// (Redis's own test suite's waitForBgrewriteaof) then finds the AOF on disk, and DEBUG LOADAOF reloads everything.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ConfigSetAppendOnly_StartsTheRewriteBeforeItAnswers(int threads)
    {
        List<string> fastkv = AppendOnlyTurnedOn(ServerKind.Target, threads);
        Assert.Equal("right after: rewrite 1, scheduled 0", fastkv[1]);
        Assert.Equal("debug loadaof: +OK\r\n", fastkv[4]);
        Assert.Equal(AppendOnlyTurnedOn(ServerKind.Redis, 1), fastkv);
    }

    static List<string> AppendOnlyTurnedOnInExec(ServerKind kind, int threads) =>
        Converse(kind, threads, ["--appendonly", "no"], (s, c, dir, log) =>
        {
            Assert.Equal("+OK\r\n", c.CallText("MULTI"));
            c.Call("CONFIG", "SET", "appendonly", "yes");
            c.Call("INFO", "persistence");
            RespValue reply = Resp.Parse(c.Call("EXEC"));
            log.Add("config set: " + reply.Items![0].Text);
            var fields = new List<string>();
            foreach (string line in reply.Items[1].Text!.Split("\r\n"))
                if (line.StartsWith("aof_enabled:", StringComparison.Ordinal) || line.StartsWith("aof_rewrite_in_progress:", StringComparison.Ordinal) ||
                    line.StartsWith("aof_rewrite_scheduled:", StringComparison.Ordinal))
                    fields.Add(line);
            log.Add("inside exec: " + string.Join(" ", fields));
            AofRewriteTests.WaitFor(c, "aof_rewrites", v => v == "1");
            WaitForRewriteEnd(c);
            log.Add("status: " + SnapshotTests.Info(c, "aof_last_bgrewrite_status") + ", manifest: " + AofRewriteTests.Manifest(dir));
        });

    /// <summary>Inside EXEC, CONFIG SET appendonly yes only schedules the first rewrite (Redis's server.in_exec): the cron starts it.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ConfigSetAppendOnly_InsideExec_SchedulesTheRewrite(int threads)
    {
        List<string> fastkv = AppendOnlyTurnedOnInExec(ServerKind.Target, threads);
        Assert.Equal("inside exec: aof_enabled:1 aof_rewrite_in_progress:0 aof_rewrite_scheduled:1", fastkv[1]);
        Assert.Equal(AppendOnlyTurnedOnInExec(ServerKind.Redis, 1), fastkv);
    }

    static List<string> SavesDuringRewrite(ServerKind kind, int threads) =>
        Converse(kind, threads, ["--appendonly", "yes"], (s, c, dir, log) =>
        {
            log.Add("bgrewriteaof: " + c.CallText("BGREWRITEAOF"));
            log.Add("bgrewriteaof again: " + c.CallText("BGREWRITEAOF"));
            log.Add("bgsave: " + c.CallText("BGSAVE"));
            log.Add("bgsave schedule: " + c.CallText("BGSAVE", "SCHEDULE"));
            log.Add("in progress: rewrite " + SnapshotTests.Info(c, "aof_rewrite_in_progress") + ", bgsave " + SnapshotTests.Info(c, "rdb_bgsave_in_progress"));
            // Redis saves in the parent while its child rewrites; FastKv's SAVE waits for the rewrite, then saves.
            c.Timeout = TimeSpan.FromSeconds(60);
            log.Add("save: " + c.CallText("SAVE"));
            log.Add("dump.rdb after SAVE: " + File.Exists(Path.Combine(dir, "dump.rdb")));
            WaitForRewriteEnd(c);
            // The scheduled BGSAVE starts once the rewrite is over (rdb_saves counts SAVE and BGSAVE).
            AofRewriteTests.WaitFor(c, "rdb_saves", v => v == "2");
            AofRewriteTests.WaitFor(c, "rdb_bgsave_in_progress", v => v == "0");
            log.Add("status: rewrite " + SnapshotTests.Info(c, "aof_last_bgrewrite_status") + ", bgsave " + SnapshotTests.Info(c, "rdb_last_bgsave_status"));
            log.Add("files: " + Files(dir));
            SortedDictionary<string, string> acknowledged = AofRewriteTests.Dataset(c);
            Shutdown(s, c, "NOSAVE");
            log.Add("from the AOF: " + Reloaded(kind, threads, dir, acknowledged, "--appendonly", "yes"));
            log.Add("from dump.rdb: " + Reloaded(kind, threads, dir, acknowledged, "--appendonly", "no"));
        });

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void SaveBgsaveAndBgrewriteaof_DuringRewrite_AnswerAsRedis(int threads)
    {
        List<string> fastkv = SavesDuringRewrite(ServerKind.Target, threads);
        Assert.Equal("save: +OK\r\n", fastkv[5]);
        Assert.Equal(SavesDuringRewrite(ServerKind.Redis, 1), fastkv);
    }

    static List<string> ShutdownDuring(ServerKind kind, int threads, string background, string shutdownArg, out string output)
    {
        string printed = "";
        List<string> result = Converse(kind, threads, ["--appendonly", "yes", "--save", "3600 1"], (s, c, dir, log) =>
        {
            log.Add(background + ": " + c.CallText(background));
            log.Add("set: " + c.CallText("SET", "after", "1"));
            // The save SHUTDOWN makes is not slowed down (Redis reads the delay again for it).
            Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "rdb-key-save-delay", "0"));
            SortedDictionary<string, string> acknowledged = AofRewriteTests.Dataset(c);
            Shutdown(s, c, shutdownArg);
            printed = s.Output;
            log.Add("manifest: " + AofRewriteTests.Manifest(dir));
            log.Add("files: " + Files(dir));
            log.Add("from the AOF: " + Reloaded(kind, threads, dir, acknowledged, "--appendonly", "yes"));
            if (shutdownArg == "SAVE") log.Add("from dump.rdb: " + Reloaded(kind, threads, dir, acknowledged, "--appendonly", "no"));
        });
        output = printed;
        return result;
    }

    /// <summary>
    /// Redis's finishShutdown kills a running rewrite or BGSAVE child (its temp file goes, the INCR the rewrite opened
    /// stays in the manifest), fsyncs the AOF and saves; FastKv used to refuse SHUTDOWN while either ran.
    /// </summary>
    [Theory]
    [InlineData("BGREWRITEAOF", "SAVE", "There is a child rewriting the AOF. Killing it!")]
    [InlineData("BGSAVE", "SAVE", "There is a child saving an .rdb. Killing it!")]
    [InlineData("BGREWRITEAOF", "NOSAVE", "There is a child rewriting the AOF. Killing it!")]
    public void Shutdown_DuringRewriteOrBgsave_StopsIt_AndExits(string background, string shutdownArg, string line)
    {
        List<string> fastkv = ShutdownDuring(ServerKind.Target, 3, background, shutdownArg, out string output);
        Assert.Contains(line, output);
        Assert.Contains("Calling fsync() on the AOF file.", output);
        Assert.DoesNotContain("temp-", fastkv[2]);
        Assert.Equal(ShutdownDuring(ServerKind.Redis, 1, background, shutdownArg, out _), fastkv);
    }

    static List<string> ShutdownDuringFirstRewrite(ServerKind kind, int threads) =>
        Converse(kind, threads, [], (s, c, dir, log) =>
        {
            log.Add("appendonly yes: " + c.CallText("CONFIG", "SET", "appendonly", "yes"));
            AofRewriteTests.WaitFor(c, "aof_rewrite_in_progress", v => v == "1");
            log.Add("shutdown nosave: " + c.CallText("SHUTDOWN", "NOSAVE"));
            log.Add("shutdown: " + c.CallText("SHUTDOWN"));
            log.Add("still running: " + SnapshotTests.Info(c, "aof_rewrite_in_progress"));
            Shutdown(s, c, "NOSAVE", "FORCE");
            s.WaitForOutput("Writing initial AOF, can't exit.");
            s.WaitForOutput("Writing initial AOF. Exit anyway.");
            log.Add("files: " + Files(dir));
        });

    /// <summary>The first rewrite of an AOF turned on at run time holds the only copy to come: SHUTDOWN fails without FORCE.</summary>
    [Fact]
    public void Shutdown_DuringTheFirstRewrite_FailsUnlessForced()
    {
        List<string> fastkv = ShutdownDuringFirstRewrite(ServerKind.Target, 3);
        Assert.Equal("shutdown nosave: -ERR Errors trying to SHUTDOWN. Check logs.\r\n", fastkv[1]);
        Assert.Equal(ShutdownDuringFirstRewrite(ServerKind.Redis, 1), fastkv);
    }

    static string FsyncFailsAtShutdown(ServerKind kind)
    {
        string dir = AofWriteErrorTests.FullDisk(kind);
        try
        {
            using var s = StartIn(kind, 2, dir, "--appendonly", "yes");
            using var c = s.Connect();
            Shutdown(s, c);
            s.WaitForOutput("Fail to fsync the AOF file: ");
            return s.Output.Split('\n').Single(l => l.Contains("Fail to fsync the AOF file: ", StringComparison.Ordinal));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>At exit the AOF is fsynced; when that fails (an INCR on /dev/full: EINVAL) Redis logs it and exits all the same.</summary>
    [Fact]
    public void Shutdown_WhenTheAofFsyncFails_LogsRedisLine()
    {
        if (!File.Exists("/dev/full")) Assert.Skip("no /dev/full on this machine");
        string fastkv = FsyncFailsAtShutdown(ServerKind.Target);
        Assert.EndsWith("Fail to fsync the AOF file: Invalid argument.", fastkv);
        string redis = FsyncFailsAtShutdown(ServerKind.Redis);
        Assert.EndsWith(fastkv[fastkv.IndexOf("Fail", StringComparison.Ordinal)..], redis);
    }

    static List<string> DelayConfig(ServerKind kind)
    {
        using var s = ServerProcess.Start(kind, 1);
        using var c = s.Connect();
        return
        [
            Resp.Escape(c.Call("CONFIG", "GET", "rdb-key-save-delay")),
            // A hidden config: only its exact name reports it.
            Resp.Escape(c.Call("CONFIG", "GET", "rdb-key-save-*")),
            Resp.Escape(c.Call("CONFIG", "SET", "rdb-key-save-delay", "-10")),
            Resp.Escape(c.Call("CONFIG", "GET", "rdb-key-save-delay")),
            Resp.Escape(c.Call("CONFIG", "SET", "rdb-key-save-delay", "abc")),
            Resp.Escape(c.Call("CONFIG", "SET", "rdb-key-save-delay", "2147483648")),
        ];
    }

    [Fact]
    public void RdbKeySaveDelay_IsRedisHiddenConfig()
    {
        List<string> fastkv = DelayConfig(ServerKind.Target);
        Assert.Equal(DelayConfig(ServerKind.Redis), fastkv);
    }

    /// <summary>
    /// DEBUG LOADAOF reads the manifest again (Redis's aofLoadManifestFromDisk): after a rewrite with the AOF off it
    /// lists no INCR, so turning the AOF on numbers INCR files from 1 again; aof-disable-auto-gc set back to no deletes
    /// the history at once. Manifest and files after each step, the same on both servers.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void DebugLoadAof_RereadsTheManifest_AutoGcOnDeletesHistory(int threads)
    {
        Assert.Equal(ManifestSteps(ServerKind.Redis, 1), ManifestSteps(ServerKind.Target, threads));
    }

    static List<string> ManifestSteps(ServerKind kind, int threads)
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            var log = new List<string>();
            using var s = StartIn(kind, threads, dir, "--appendonly", "yes", "--enable-debug-command", "yes");
            using var c = s.Connect();
            void Step(string what)
            {
                string manifest = AofRewriteTests.Manifest(dir);
                // History files go in the background on both servers: wait until the directory is what the manifest names.
                string[] named = manifest.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[1]).Append("appendonly.aof.manifest")
                    .OrderBy(n => n, StringComparer.Ordinal).ToArray();
                var sw = Stopwatch.StartNew();
                while (!AofRewriteTests.AofFiles(dir).SequenceEqual(named) && sw.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(20);
                log.Add(what + ": " + manifest.Replace("\n", " | ") + " files: " + string.Join(",", AofRewriteTests.AofFiles(dir)));
            }
            void Rewrite()
            {
                log.Add("bgrewriteaof: " + c.CallText("BGREWRITEAOF"));
                WaitForRewriteEnd(c);
                AofRewriteTests.WaitFor(c, "aof_rewrite_scheduled", v => v == "0");
            }
            c.Call("SET", "k", "v");
            Step("start");
            log.Add("off: " + c.CallText("CONFIG", "SET", "appendonly", "no"));
            Rewrite();
            Step("rewritten while off");
            log.Add("loadaof: " + c.CallText("DEBUG", "LOADAOF"));
            Step("reloaded");
            log.Add("on: " + c.CallText("CONFIG", "SET", "appendonly", "yes"));
            WaitForRewriteEnd(c);
            AofRewriteTests.WaitFor(c, "aof_rewrite_scheduled", v => v == "0");
            Step("on again");
            log.Add("gc off: " + c.CallText("CONFIG", "SET", "aof-disable-auto-gc", "yes"));
            Rewrite();
            Rewrite();
            Step("history kept");
            log.Add("gc on: " + c.CallText("CONFIG", "SET", "aof-disable-auto-gc", "no"));
            Step("history deleted");
            c.Call("SET", "k2", "v2");
            log.Add("loadaof: " + c.CallText("DEBUG", "LOADAOF") + " " + c.CallText("MGET", "k", "k2"));
            return log;
        }
        finally { Directory.Delete(dir, true); }
    }
}
