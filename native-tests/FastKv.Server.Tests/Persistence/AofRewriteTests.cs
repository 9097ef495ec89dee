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
/// BGREWRITEAOF, automatic rewrite and CONFIG SET appendonly (persistence design 3, "Rewrite"): the directory a
/// rewrite leaves is Redis 7.2.4's (its manifest text, redis-check-aof accepts it, Redis loads exactly FastKv's data).
/// </summary>
public class AofRewriteTests
{
    internal static string AofDir(string dir) => Path.Combine(dir, "appendonlydir");

    internal static string Manifest(string dir) => File.ReadAllText(Path.Combine(AofDir(dir), "appendonly.aof.manifest"));

    internal static string[] AofFiles(string dir) =>
        Directory.GetFiles(AofDir(dir)).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;

    /// <summary>Waits until INFO persistence's <paramref name="field"/> satisfies <paramref name="ok"/>.</summary>
    internal static void WaitFor(RespConnection c, string field, Func<string, bool> ok)
    {
        var sw = Stopwatch.StartNew();
        while (!ok(SnapshotTests.Info(c, field)))
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(90), field + " reaches the expected value: " + SnapshotTests.Info(c, field));
            Thread.Sleep(20);
        }
    }

    /// <summary>Waits until no rewrite runs or waits to run.</summary>
    static void WaitForRewrites(RespConnection c, int atLeast)
    {
        WaitFor(c, "aof_rewrites", v => long.Parse(v) >= atLeast);
        WaitFor(c, "aof_rewrite_in_progress", v => v == "0");
        WaitFor(c, "aof_rewrite_scheduled", v => v == "0");
    }

    /// <summary>Every key of every string value: the dataset the tests write is strings in db 0 and db 1.</summary>
    internal static SortedDictionary<string, string> Dataset(RespConnection c)
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string db in new[] { "0", "1" })
        {
            Assert.Equal("+OK\r\n", c.CallText("SELECT", db));
            var keys = Resp.Parse(c.Call("KEYS", "*")).Items!.Select(i => i.Text!).ToList();
            foreach (string k in keys) all[db + ":" + k] = Resp.Parse(c.Call("GET", k)).Text!;
        }
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
        return all;
    }

    internal static void Fill(RespConnection c, int n, string prefix)
    {
        for (int i = 0; i < n; i += 50)
        {
            var args = new List<string> { "MSET" };
            for (int j = i; j < Math.Min(n, i + 50); j++) { args.Add(prefix + j); args.Add("v" + j); }
            Assert.Equal("+OK\r\n", c.CallText([.. args]));
        }
    }

    /// <summary>Writers on their own connections until told to stop: INCR counters, SET and a db-1 SET, each checked.</summary>
    static Thread[] StartWriters(ServerProcess s, int count, Func<bool> stop)
    {
        var threads = new Thread[count];
        for (int w = 0; w < count; w++)
        {
            int id = w;
            threads[w] = new Thread(() =>
            {
                using var c = s.Connect();
                for (int i = 0; !stop(); i++)
                {
                    Assert.StartsWith(":", c.CallText("INCR", "counter" + (i % 7)));
                    Assert.Equal("+OK\r\n", c.CallText("SET", "w" + id + ":" + (i % 500), "x" + i));
                    if (i % 10 == 0)
                    {
                        Assert.Equal("+OK\r\n", c.CallText("SELECT", "1"));
                        Assert.Equal("+OK\r\n", c.CallText("SET", "db1:" + id + ":" + (i % 50), "y" + i));
                        Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
                    }
                }
            }) { IsBackground = true };
            threads[w].Start();
        }
        return threads;
    }

    /// <summary>redis-check-aof of Redis 7.2.4 accepts the manifest, and Redis started on a copy holds <paramref name="expected"/>.</summary>
    static void OracleAgrees(string dir, SortedDictionary<string, string> expected)
    {
        string server;
        try { server = ServerLocator.RequireOracle(); }
        catch (Exception ex) when (ex.GetType().Name.Contains("Skip", StringComparison.Ordinal)) { return; }
        string check = Path.Combine(Path.GetDirectoryName(server)!, "redis-check-aof");
        if (File.Exists(check))
        {
            var r = ProcessRunner.Run(check, [Path.Combine(AofDir(dir), "appendonly.aof.manifest")], (string?)null, TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0, r.ToString());
        }
        string copy = SnapshotTests.NewDir();
        try
        {
            Directory.CreateDirectory(AofDir(copy));
            foreach (string f in Directory.GetFiles(AofDir(dir))) File.Copy(f, Path.Combine(AofDir(copy), Path.GetFileName(f)));
            using var redis = ServerProcess.Start(ServerKind.Redis, null, "--appendonly", "yes", "--dir", copy);
            using var c = redis.Connect();
            Assert.Equal(expected, Dataset(c));
        }
        finally { Directory.Delete(copy, true); }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Bgrewriteaof_UnderWriters_LeavesARedisDirectory(int threads)
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            using var s = SnapshotTests.StartIn(dir, threads, "--appendonly", "yes");
            using var c = s.Connect();
            Fill(c, 3000, "k");
            Assert.Equal("+OK\r\n", c.CallText("SET", "before", "1"));
            bool stop = false;
            Thread[] writers = StartWriters(s, 3, () => Volatile.Read(ref stop));
            Thread.Sleep(50);
            Assert.Equal("+Background append only file rewriting started\r\n", c.CallText("BGREWRITEAOF"));
            Fill(c, 500, "during");
            WaitForRewrites(c, 1);
            Volatile.Write(ref stop, true);
            foreach (Thread t in writers) t.Join();
            Assert.Equal("+OK\r\n", c.CallText("SET", "after", "1"));

            Assert.Equal("ok", SnapshotTests.Info(c, "aof_last_bgrewrite_status"));
            Assert.Equal("1", SnapshotTests.Info(c, "aof_rewrites"));
            Assert.Equal("file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n", Manifest(dir));
            Assert.Equal(["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"], AofFiles(dir));
            Assert.Empty(Directory.GetFiles(dir, "temp-*"));
            s.WaitForOutput("Background AOF rewrite finished successfully");
            s.WaitForOutput("Removing the history file appendonly.aof.1.incr.aof in the background");
            OracleAgrees(dir, Dataset(c));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AutomaticRewrite_OnGrowthOverTheMinimumSize()
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            using var s = SnapshotTests.StartIn(dir, 2, "--appendonly", "yes", "--auto-aof-rewrite-min-size", "20000",
                "--auto-aof-rewrite-percentage", "100");
            using var c = s.Connect();
            Fill(c, 2000, "auto");
            WaitForRewrites(c, 1);
            // What the fill wrote during the first rewrite may start another one; no more after this, and the
            // one running ends before the directory is read.
            Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "auto-aof-rewrite-percentage", "0"));
            WaitForRewrites(c, 1);
            s.WaitForOutput("Starting automatic rewriting of AOF on ");
            Assert.Matches(@"^file appendonly\.aof\.\d+\.base\.rdb seq \d+ type b\nfile appendonly\.aof\.\d+\.incr\.aof seq \d+ type i\n$", Manifest(dir));
            // After the rewrite the size it compares against is the new base's (plus what came during it).
            Assert.True(long.Parse(SnapshotTests.Info(c, "aof_base_size")) > 0);
            OracleAgrees(dir, Dataset(c));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ConfigSetAppendonly_YesRewritesThenLogs_NoStops(int threads)
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            using var s = SnapshotTests.StartIn(dir, threads);
            using var c = s.Connect();
            Fill(c, 1000, "k");
            Assert.Equal("0", SnapshotTests.Info(c, "aof_enabled"));
            Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "appendonly", "yes"));
            Assert.Equal("1", SnapshotTests.Info(c, "aof_enabled"));
            bool stop = false;
            Thread[] writers = StartWriters(s, 2, () => Volatile.Read(ref stop));
            WaitForRewrites(c, 1);
            Volatile.Write(ref stop, true);
            foreach (Thread t in writers) t.Join();
            Fill(c, 100, "later");
            Assert.Equal("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", Manifest(dir));
            Assert.Equal(["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"], AofFiles(dir));
            s.WaitForOutput("Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr into appendonly.aof.1.incr.aof");
            OracleAgrees(dir, Dataset(c));

            Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "appendonly", "no"));
            Assert.Equal("0", SnapshotTests.Info(c, "aof_enabled"));
            long size = new FileInfo(Path.Combine(AofDir(dir), "appendonly.aof.1.incr.aof")).Length;
            Fill(c, 100, "off");
            Assert.Equal(size, new FileInfo(Path.Combine(AofDir(dir), "appendonly.aof.1.incr.aof")).Length);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void InfoPersistence_AofFieldsInRedisOrder()
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            using var s = SnapshotTests.StartIn(dir, 2, "--appendonly", "yes");
            using var c = s.Connect();
            string[] expected =
            [
                "aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled", "aof_last_rewrite_time_sec",
                "aof_current_rewrite_time_sec", "aof_last_bgrewrite_status", "aof_rewrites", "aof_rewrites_consecutive_failures",
                "aof_last_write_status", "aof_last_cow_size", "aof_current_size", "aof_base_size", "aof_pending_rewrite",
                "aof_buffer_length", "aof_pending_bio_fsync", "aof_delayed_fsync",
            ];
            string text = Resp.Parse(c.Call("INFO", "persistence")).Text!;
            string[] names = text.Split("\r\n").Where(l => l.StartsWith("aof_", StringComparison.Ordinal)).Select(l => l[..l.IndexOf(':')]).ToArray();
            Assert.Equal(expected, names);
            Assert.Equal("1", SnapshotTests.Info(c, "aof_enabled"));
            Assert.Equal("-1", SnapshotTests.Info(c, "aof_last_rewrite_time_sec"));
            Assert.Equal("0", SnapshotTests.Info(c, "aof_rewrites"));
            long before = long.Parse(SnapshotTests.Info(c, "aof_current_size"));
            Assert.Equal("+OK\r\n", c.CallText("SET", "k", "v"));
            // SELECT 0 and the SET: 23 + 27 bytes.
            Assert.Equal(before + 50, long.Parse(SnapshotTests.Info(c, "aof_current_size")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
