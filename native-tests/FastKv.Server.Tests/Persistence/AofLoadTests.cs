using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// Loading a Redis 7 multi-part AOF directory at startup (persistence design 3, "Loading"): a directory Redis 7.2.4
/// wrote loads into FastKv as Redis itself loads it again (every key, type, value and TTL), at --threads 1 and 4 and
/// with the base in RDB and in AOF form; a cut last file loads its prefix and is truncated (or refuses to load with
/// aof-load-truncated no); an unknown command and each corrupt manifest end the process with Redis's line; a fresh
/// start creates the files Redis names. Each server runs in its own temp directory with --save "".
/// </summary>
public class AofLoadTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>How one start on a directory ended: up (ExitCode null, then killed) or exited, and its log.</summary>
    sealed record Outcome(int? ExitCode, string Output)
    {
        public override string ToString() => (ExitCode is null ? "loaded" : "exit code " + ExitCode) + "\n" + Output;
    }

    static string NewDir() => Directory.CreateTempSubdirectory("fastkv-aof-").FullName;

    static string AofDir(string dir) => Path.Combine(dir, "appendonlydir");

    /// <summary>Starts a server on <paramref name="dir"/> with appendonly yes and waits until it is ready or exits; a ready one is killed (SIGKILL: nothing written).</summary>
    static Outcome Run(ServerKind kind, string dir, params string[] extra)
    {
        var launch = ServerLocator.Resolve(kind);
        var args = new List<string>(launch.PrefixArgs)
        {
            "--dir", dir, "--port", PortAllocator.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
        };
        args.AddRange(extra);
        using Process p = RdbFileRun.StartCapturing(launch.FileName, args, out StringBuilder output, out ManualResetEventSlim ready);
        var sw = Stopwatch.StartNew();
        while (!ready.IsSet && !p.HasExited)
        {
            if (sw.Elapsed > Timeout)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                Assert.Fail($"{launch.FileName} neither loaded nor exited within {Timeout.TotalSeconds} s\n{Text(output)}");
            }
            ready.Wait(20);
        }
        if (ready.IsSet && !p.HasExited)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return new Outcome(null, Text(output));
        }
        p.WaitForExit();
        return new Outcome(p.ExitCode, Text(output));
    }

    static string Text(StringBuilder sb)
    {
        lock (sb) return sb.ToString();
    }

    internal static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (string d in Directory.GetDirectories(from)) CopyDir(d, Path.Combine(to, Path.GetFileName(d)));
    }

    static string Manifest(params string[] lines) => string.Concat(lines.Select(l => l + "\n"));

    /// <summary>A directory holding appendonlydir with this manifest and these files.</summary>
    static string DirWith(string manifest, params (string Name, byte[] Bytes)[] files)
    {
        string dir = NewDir();
        Directory.CreateDirectory(AofDir(dir));
        File.WriteAllText(Path.Combine(AofDir(dir), "appendonly.aof.manifest"), manifest);
        foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(AofDir(dir), name), bytes);
        return dir;
    }

    static byte[] Cmds(params string[][] cmds)
    {
        var ms = new MemoryStream();
        foreach (string[] c in cmds) ms.Write(Resp.EncodeCommand(c));
        return ms.ToArray();
    }

    const string OneIncr = "file appendonly.aof.1.incr.aof seq 1 type i";

    // ---- a directory Redis wrote ----

    /// <summary>Writes through Redis 7.2.4 with appendonly yes: every type, TTLs, SELECT, MULTI/EXEC, MSET over many slots, a rewrite in the middle.</summary>
    static void WriteWithRedis(string dir, bool preamble)
    {
        using (ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null,
                   ["--dir", dir, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble ? "yes" : "no"]))
        using (RespConnection r = redis.Connect())
        {
            long future = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;
            void Batch(string tag)
            {
                for (int i = 0; i < 40; i++)
                {
                    string k = tag + i;
                    r.Call("SET", "s:" + k, "v" + i);
                    r.Call("RPUSH", "l:" + k, "a", "b", k);
                    r.Call("HSET", "h:" + k, "f", k, "g", "2");
                    r.Call("SADD", "set:" + k, "x", k, "3");
                    r.Call("ZADD", "z:" + k, "1.5", "m", "2", k);
                    r.Call("INCRBY", "n:" + k, "5");
                }
                r.Call("SET", "ttl:" + tag, "v", "PXAT", future.ToString());
                r.Call("EXPIRE", "s:" + tag + "1", "7200");
                r.Call("SET", "gone:" + tag, "v", "PX", "1"); // expired before the load
                r.Call("MSET", "m1:" + tag, "1", "m2:" + tag, "2", "m3:" + tag, "3", "{x}m4:" + tag, "4");
                r.Call("MULTI");
                r.Call("INCR", "tx:" + tag);
                r.Call("LPUSH", "l:" + tag + "0", "front");
                r.Call("DEL", "s:" + tag + "2");
                r.Call("EXEC");
                r.Call("SELECT", "3");
                r.Call("SET", "db3:" + tag, "x");
                r.Call("HSET", "db3h:" + tag, "a", "1");
                r.Call("SELECT", "0");
                r.Call("LPOP", "l:" + tag + "3");
                r.Call("SREM", "set:" + tag + "4", "x");
                r.Call("ZINCRBY", "z:" + tag + "5", "10", "m");
                r.Call("RENAME", "s:" + tag + "6", "renamed:" + tag);
            }
            Batch("a");
            Assert.StartsWith("+Background append only file rewriting", r.CallText("BGREWRITEAOF"));
            var sw = Stopwatch.StartNew();
            while (!r.CallText("INFO", "persistence").Contains("aof_rewrite_in_progress:0") || r.CallText("INFO", "persistence").Contains("aof_rewrite_scheduled:1"))
            {
                Assert.True(sw.Elapsed < Timeout, "the rewrite ends");
                Thread.Sleep(20);
            }
            Batch("b");
            r.Call("FLUSHDB"); // db 0 gone: what follows rebuilds part of it
            Batch("c");
            Thread.Sleep(5);
            try { r.Call("SHUTDOWN", "NOSAVE"); } catch (IOException) { }
            redis.WaitForExit(Timeout);
        }
        Assert.True(File.Exists(Path.Combine(AofDir(dir), "appendonly.aof.manifest")), "Redis wrote a manifest");
    }

    public static IEnumerable<TheoryDataRow<int, bool>> ThreadsAndPreamble()
    {
        foreach (int t in new[] { 1, 4 })
            foreach (bool p in new[] { true, false })
                yield return new(t, p);
    }

    [Theory]
    [MemberData(nameof(ThreadsAndPreamble))]
    public void RedisDirectory_LoadsAsRedisLoadsIt(int threads, bool preamble)
    {
        string written = NewDir(), forRedis = NewDir(), forTarget = NewDir();
        try
        {
            WriteWithRedis(written, preamble);
            string manifest = File.ReadAllText(Path.Combine(AofDir(written), "appendonly.aof.manifest"));
            Assert.Contains(preamble ? ".base.rdb" : ".base.aof", manifest);
            CopyDir(written, forRedis);
            CopyDir(written, forTarget);
            using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, ["--dir", forRedis, "--appendonly", "yes"]);
            using ServerProcess target = ServerProcess.Start(ServerKind.Target, threads, ["--dir", forTarget, "--appendonly", "yes"]);
            using RespConnection r = redis.Connect(), t = target.Connect();
            int keys = RdbRoundTripData.Compare(r, t, null, AccessBits.None, $"threads {threads}, preamble {preamble}");
            Assert.True(keys > 200, "the dataset is there: " + keys + " keys");
            Assert.Contains("DB loaded from append only file", target.Output);
        }
        finally
        {
            foreach (string d in new[] { written, forRedis, forTarget }) Directory.Delete(d, true);
        }
    }

    [Fact]
    public void PreambleFixture_OldStyleFileIsUpgradedAndLoaded()
    {
        string fixture = Path.Combine(Path.GetDirectoryName(ServerLocator.RequireOracle())!, "fixtures", "rdb-preamble.aof");
        if (!File.Exists(fixture)) Assert.Skip("Redis's rdb-preamble.aof fixture is not beside the oracle");
        string forRedis = NewDir(), forTarget = NewDir();
        try
        {
            File.Copy(fixture, Path.Combine(forRedis, "appendonly.aof"));
            File.Copy(fixture, Path.Combine(forTarget, "appendonly.aof"));
            using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, ["--dir", forRedis, "--appendonly", "yes"]);
            using ServerProcess target = ServerProcess.Start(ServerKind.Target, 4, ["--dir", forTarget, "--appendonly", "yes"]);
            using RespConnection r = redis.Connect(), t = target.Connect();
            int keys = RdbRoundTripData.Compare(r, t, null, AccessBits.None, "rdb-preamble.aof");
            Assert.True(keys > 0);
            Assert.Contains("Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).", target.Output);
            Assert.Contains("Reading RDB preamble from AOF file...", target.Output);
            Assert.False(File.Exists(Path.Combine(forTarget, "appendonly.aof")), "the old file moved into the directory");
            Assert.Equal(File.ReadAllText(Path.Combine(AofDir(forRedis), "appendonly.aof.manifest")),
                         File.ReadAllText(Path.Combine(AofDir(forTarget), "appendonly.aof.manifest")));
        }
        finally
        {
            Directory.Delete(forRedis, true);
            Directory.Delete(forTarget, true);
        }
    }

    /// <summary>What FastKv's own AOF writer wrote loads back: the same commands sent to a live Redis are the reference.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void OwnDirectory_LoadsBack(int threads)
    {
        string dir = NewDir();
        try
        {
            long future = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;
            using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null);
            using RespConnection r = redis.Connect();
            using (ServerProcess writer = ServerProcess.Start(ServerKind.Target, threads, ["--dir", dir, "--appendonly", "yes"]))
            using (RespConnection w = writer.Connect())
            {
                void Both(params string[] cmd)
                {
                    string expected = r.CallText(cmd);
                    Assert.Equal(expected, w.CallText(cmd));
                }
                for (int i = 0; i < 50; i++)
                {
                    Both("SET", "s" + i, "v" + i);
                    Both("HSET", "h" + i, "f", "1", "g", i.ToString());
                    Both("RPUSH", "l" + i, "a", "b");
                    Both("SADD", "set" + i, "x", "y" + i);
                    Both("ZADD", "z" + i, "1", "a", i.ToString(), "b");
                }
                Both("MSET", "m1", "1", "m2", "2", "m3", "3");
                Both("PEXPIREAT", "s1", future.ToString());
                Both("SET", "ttl", "v", "PXAT", future.ToString());
                Both("MULTI"); Both("INCR", "c1"); Both("INCR", "c2"); Both("LPOP", "l3"); Both("EXEC");
                Both("SELECT", "2"); Both("SET", "in2", "x"); Both("SELECT", "0");
                Both("DEL", "s4", "h5");
                Both("RENAME", "s6", "s6renamed");
                Both("INCRBYFLOAT", "f", "1.5");
                try { w.Call("SHUTDOWN"); } catch (IOException) { }
                writer.WaitForExit(Timeout);
            }
            using ServerProcess target = ServerProcess.Start(ServerKind.Target, threads, ["--dir", dir, "--appendonly", "yes"]);
            using RespConnection t = target.Connect();
            int keys = RdbRoundTripData.Compare(r, t, null, AccessBits.None, "FastKv's own AOF, threads " + threads);
            Assert.True(keys > 200, keys + " keys");
            Assert.Contains("DB loaded from append only file", target.Output);
        }
        finally { Directory.Delete(dir, true); }
    }

    // ---- expiry during replay ----

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ExpiredKeys_StayWhileReplaying(int threads)
    {
        long past = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        byte[] incr = Cmds(
            ["SELECT", "0"],
            ["SET", "k1", "v1", "PXAT", past.ToString()], ["PERSIST", "k1"],
            ["SET", "k2", "v2"], ["PEXPIREAT", "k2", past.ToString()], ["PERSIST", "k2"],
            ["SET", "k3", "v3"], ["PEXPIREAT", "k3", past.ToString()], ["APPEND", "k3", "x"], ["PERSIST", "k3"],
            ["SET", "k4", "v4"], ["PEXPIREAT", "k4", past.ToString()]);
        string forRedis = DirWith(Manifest(OneIncr), ("appendonly.aof.1.incr.aof", incr));
        string forTarget = DirWith(Manifest(OneIncr), ("appendonly.aof.1.incr.aof", incr));
        try
        {
            using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, ["--dir", forRedis, "--appendonly", "yes"]);
            using ServerProcess target = ServerProcess.Start(ServerKind.Target, threads, ["--dir", forTarget, "--appendonly", "yes"]);
            using RespConnection r = redis.Connect(), t = target.Connect();
            RdbRoundTripData.Compare(r, t, null, AccessBits.None, "expired keys while replaying");
            t.Call("SELECT", "0"); // Compare leaves the connections in the last database
            Assert.Equal("$3\r\nv3x\r\n", t.CallText("GET", "k3"));
            Assert.Equal("$2\r\nv1\r\n", t.CallText("GET", "k1"));
            Assert.Equal(":0\r\n", t.CallText("EXISTS", "k4"));
        }
        finally
        {
            Directory.Delete(forRedis, true);
            Directory.Delete(forTarget, true);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void EachFile_StartsInDatabaseZero(int threads)
    {
        string manifest = Manifest("file appendonly.aof.1.base.aof seq 1 type b", OneIncr, "file appendonly.aof.2.incr.aof seq 2 type i");
        (string, byte[])[] files =
        [
            ("appendonly.aof.1.base.aof", Cmds(["SELECT", "5"], ["SET", "base5", "1"])),
            ("appendonly.aof.1.incr.aof", Cmds(["SET", "incr1", "1"], ["SELECT", "3"], ["MSET", "a3", "1", "b3", "2", "c3", "3"])),
            ("appendonly.aof.2.incr.aof", Cmds(["SET", "incr2", "1"], ["MULTI"], ["SET", "t", "1"], ["INCR", "u"], ["EXEC"])),
        ];
        string forRedis = DirWith(manifest, files), forTarget = DirWith(manifest, files);
        try
        {
            using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, ["--dir", forRedis, "--appendonly", "yes"]);
            using ServerProcess target = ServerProcess.Start(ServerKind.Target, threads, ["--dir", forTarget, "--appendonly", "yes"]);
            using RespConnection r = redis.Connect(), t = target.Connect();
            RdbRoundTripData.Compare(r, t, null, AccessBits.None, "database per file");
            t.Call("SELECT", "0");
            Assert.Equal(":4\r\n", t.CallText("EXISTS", "incr1", "incr2", "t", "u"));
        }
        finally
        {
            Directory.Delete(forRedis, true);
            Directory.Delete(forTarget, true);
        }
    }

    // ---- truncated files ----

    static byte[] CutIncr(out long validLength, bool openMulti)
    {
        byte[] whole = Cmds(["SELECT", "0"], ["SET", "a", "1"], ["SET", "b", "2"]);
        byte[] multi = openMulti ? Cmds(["MULTI"], ["SET", "c", "3"]) : [];
        byte[] cut = Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$1\r\nd\r\n$5\r\nab");
        validLength = whole.Length;
        return [.. whole, .. multi, .. cut];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedLastFile_LoadsThePrefixAndCutsTheFile(bool openMulti)
    {
        byte[] incr = CutIncr(out long valid, openMulti);
        string dir = DirWith(Manifest(OneIncr), ("appendonly.aof.1.incr.aof", incr));
        try
        {
            Outcome o = Run(ServerKind.Target, dir, "--aof-load-truncated", "yes");
            Assert.True(o.ExitCode is null, o.ToString());
            Assert.Contains("!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!", o.Output);
            // Inside an open MULTI Redis keeps the queued commands' bytes (its last whole command) but runs none of them.
            long cutAt = openMulti ? incr.Length - Encoding.ASCII.GetByteCount("*3\r\n$3\r\nSET\r\n$1\r\nd\r\n$5\r\nab") : valid;
            Assert.Contains("!!! Truncating the AOF appendonly.aof.1.incr.aof at offset " + cutAt + " !!!", o.Output);
            Assert.Contains("AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled", o.Output);
            Assert.Equal(cutAt, new FileInfo(Path.Combine(AofDir(dir), "appendonly.aof.1.incr.aof")).Length);
            using ServerProcess again = ServerProcess.Start(ServerKind.Target, 4, ["--dir", dir, "--appendonly", "yes"]);
            using RespConnection c = again.Connect();
            Assert.Equal("$1\r\n1\r\n", c.CallText("GET", "a"));
            Assert.Equal("$1\r\n2\r\n", c.CallText("GET", "b"));
            Assert.Equal(":0\r\n", c.CallText("EXISTS", "c", "d"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TruncatedFile_WithLoadTruncatedNo_Exits()
    {
        byte[] incr = CutIncr(out _, openMulti: false);
        string dir = DirWith(Manifest(OneIncr), ("appendonly.aof.1.incr.aof", incr));
        try
        {
            Outcome o = Run(ServerKind.Target, dir, "--aof-load-truncated", "no");
            Assert.Equal(1, o.ExitCode);
            Assert.Contains("Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. You can: " +
                            "1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. " +
                            "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.", o.Output);
            Assert.Equal(incr.Length, new FileInfo(Path.Combine(AofDir(dir), "appendonly.aof.1.incr.aof")).Length);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TruncatedFile_NotTheLast_Exits()
    {
        byte[] first = CutIncr(out _, openMulti: false);
        string dir = DirWith(Manifest(OneIncr, "file appendonly.aof.2.incr.aof seq 2 type i"),
            ("appendonly.aof.1.incr.aof", first), ("appendonly.aof.2.incr.aof", Cmds(["SET", "z", "1"])));
        try
        {
            Outcome o = Run(ServerKind.Target, dir);
            Assert.Equal(1, o.ExitCode);
            Assert.Contains("Fatal error: the truncated file is not the last file", o.Output);
        }
        finally { Directory.Delete(dir, true); }
    }

    // ---- fatal contents ----

    /// <summary>File contents FastKv refuses with Redis's line, as the oracle does.</summary>
    public static IEnumerable<TheoryDataRow<string, string>> BadFiles() =>
    [
        new("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$7\r\nNOSUCH!\r\n$1\r\nk\r\n", "Unknown command 'NOSUCH!' reading the append only file appendonly.aof.1.incr.aof"),
        new("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\nGARBAGE\r\n", "Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"),
        new("*1\r\nX4\r\nPING\r\n", "Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"),
    ];

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadContent_ExitsWithRedisLine(string content, string line)
    {
        string dir = DirWith(Manifest(OneIncr), ("appendonly.aof.1.incr.aof", Encoding.ASCII.GetBytes(content)));
        try
        {
            Outcome o = Run(ServerKind.Target, dir);
            Assert.Equal(1, o.ExitCode);
            Assert.Contains(line, o.Output);
            Outcome redis = Run(ServerKind.Redis, dir);
            Assert.Equal(1, redis.ExitCode);
            Assert.Contains(line, redis.Output);
        }
        finally { Directory.Delete(dir, true); }
    }

    public static IEnumerable<TheoryDataRow<string, string>> BadManifests() =>
    [
        new("", "Found an empty AOF manifest"),
        new("file appendonly.aof.1.incr.aof seq 1 type i", "The AOF manifest file contains too long line"),
        new("file a seq 1 type i\n\n", "Invalid AOF manifest file format"),
        new("file a seq 1\n", "Invalid AOF manifest file format"),
        new("file \"a seq 1 type i\n", "Invalid AOF manifest file format"),
        new("file a seq 0 type i\n", "Invalid AOF manifest file format"),
        new("file dir/a seq 1 type i\n", "File can't be a path, just a filename"),
        new("file b1 seq 1 type b\nfile b2 seq 2 type b\n", "Found duplicate base file information"),
        new("file i2 seq 2 type i\nfile i1 seq 1 type i\n", "Found a non-monotonic sequence number"),
        new("file x seq 1 type x\n", "Unknown AOF file type"),
        new("file " + new string('a', 1100) + " seq 1 type i\n", "The AOF manifest file contains too long line"),
        new("# comment\nfile appendonly.aof.9.incr.aof seq 1 type i\n", "Unable to obtain the AOF file appendonly.aof.9.incr.aof length. stat: No such file or directory"),
    ];

    [Theory]
    [MemberData(nameof(BadManifests))]
    public void BadManifest_ExitsWithRedisLine(string manifest, string line)
    {
        string dir = DirWith(manifest);
        try
        {
            Outcome o = Run(ServerKind.Target, dir);
            Assert.Equal(1, o.ExitCode);
            Assert.Contains(line, o.Output);
            Outcome redis = Run(ServerKind.Redis, dir);
            Assert.Equal(1, redis.ExitCode);
            Assert.Contains(line, redis.Output);
        }
        finally { Directory.Delete(dir, true); }
    }

    // ---- fresh start ----

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FreshStart_CreatesTheFilesRedisCreates(bool preamble)
    {
        string forRedis = NewDir(), forTarget = NewDir();
        try
        {
            string p = preamble ? "yes" : "no";
            Outcome r = Run(ServerKind.Redis, forRedis, "--aof-use-rdb-preamble", p);
            Outcome t = Run(ServerKind.Target, forTarget, "--aof-use-rdb-preamble", p);
            Assert.True(r.ExitCode is null && t.ExitCode is null, r + "\n" + t);
            string[] Names(string d) => Directory.GetFiles(AofDir(d)).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
            Assert.Equal(Names(forRedis), Names(forTarget));
            Assert.Equal(File.ReadAllText(Path.Combine(AofDir(forRedis), "appendonly.aof.manifest")),
                         File.ReadAllText(Path.Combine(AofDir(forTarget), "appendonly.aof.manifest")));
            string baseName = "appendonly.aof.1.base." + (preamble ? "rdb" : "aof");
            Assert.Contains("Creating AOF base file " + baseName + " on server start", t.Output);
            Assert.Contains("Creating AOF incr file appendonly.aof.1.incr.aof on server start", t.Output);
            Assert.DoesNotContain("DB loaded from append only file", t.Output);
            // A second start loads what the first created (the empty base included), as Redis does.
            Outcome again = Run(ServerKind.Target, forTarget, "--aof-use-rdb-preamble", p);
            Assert.True(again.ExitCode is null, again.ToString());
            Assert.Contains("Opening AOF incr file appendonly.aof.1.incr.aof on server start", again.Output);
            Assert.Equal(Names(forRedis), Names(forTarget));
        }
        finally
        {
            Directory.Delete(forRedis, true);
            Directory.Delete(forTarget, true);
        }
    }

    [Fact]
    public void ManifestWithoutIncr_GetsOne()
    {
        string dir = DirWith(Manifest("file appendonly.aof.1.base.aof seq 1 type b"), ("appendonly.aof.1.base.aof", Cmds(["SET", "k", "v"])));
        try
        {
            using ServerProcess s = ServerProcess.Start(ServerKind.Target, 4, ["--dir", dir, "--appendonly", "yes"]);
            using RespConnection c = s.Connect();
            Assert.Equal("$1\r\nv\r\n", c.CallText("GET", "k"));
            Assert.Contains("Creating AOF incr file appendonly.aof.1.incr.aof on server start", s.Output);
            Assert.Equal("file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
                         File.ReadAllText(Path.Combine(AofDir(dir), "appendonly.aof.manifest")));
            Assert.True(File.Exists(Path.Combine(AofDir(dir), "appendonly.aof.1.incr.aof")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AppendOnly_IgnoresTheRdbFile()
    {
        string dir = DirWith(Manifest(OneIncr), ("appendonly.aof.1.incr.aof", Cmds(["SET", "fromaof", "1"])));
        try
        {
            // An RDB that would load a key, written by the server itself with appendonly no.
            using (ServerProcess w = ServerProcess.Start(ServerKind.Target, 1, ["--dir", dir]))
            using (RespConnection c = w.Connect())
            {
                c.Call("SET", "fromrdb", "1");
                Assert.Equal("+OK\r\n", c.CallText("SAVE"));
            }
            using ServerProcess s = ServerProcess.Start(ServerKind.Target, 1, ["--dir", dir, "--appendonly", "yes"]);
            using RespConnection r = s.Connect();
            Assert.Equal(":1\r\n", r.CallText("EXISTS", "fromaof"));
            Assert.Equal(":0\r\n", r.CallText("EXISTS", "fromrdb"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
