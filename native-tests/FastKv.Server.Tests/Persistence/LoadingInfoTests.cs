using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// INFO persistence while a dataset loads, the load slowed by key-load-delay (Redis's test setting: microseconds after
/// each key of an RDB and each command of an AOF) so it lasts seconds: at startup from a dump.rdb and from an AOF
/// directory (an RDB base and an INCR file), and for DEBUG RELOAD and DEBUG LOADAOF. While it loads PING and GET get
/// -LOADING, and INFO is answered with loading:1 and Redis 7.2's loading_* fields: a start time that stays, the
/// loaded files' sizes as the total, loaded bytes that grow and never go back, their percentage of the total, an ETA,
/// the used-mem of the RDB; afterwards loading:0 without them, and every key. Each scenario runs on Redis 7.2.4 too
/// (startup on copies of the same files) and the field lists, totals and used-mem are compared.
/// </summary>
public class LoadingInfoTests
{
    const int Keys = 10000;
    /// <summary>key-load-delay in microseconds: a load of <see cref="Keys"/> lasts at least 2.5 s.</summary>
    const string Delay = "250";
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    const string LoadingError = "-LOADING Redis is loading the dataset in memory\r\n";

    static readonly string[] s_loadingFields =
    [
        "loading_start_time", "loading_total_bytes", "loading_rdb_used_mem", "loading_loaded_bytes", "loading_loaded_perc",
        "loading_eta_seconds",
    ];

    /// <summary>
    /// The slow load: Redis also needs a small loading-process-events-interval-bytes, or it serves no client before
    /// 2 MB of an RDB are read (FastKv serves them throughout and accepts the setting).
    /// </summary>
    static readonly string[] s_slowLoad = ["--key-load-delay", Delay, "--loading-process-events-interval-bytes", "1024"];

    /// <summary>INFO persistence: its fields in order (the fastkv_* ones left out) and by name.</summary>
    sealed record Sample(List<string> Names, Dictionary<string, string> Fields)
    {
        public string this[string name] => Fields[name];

        public long Long(string name) => long.Parse(Fields[name], CultureInfo.InvariantCulture);
    }

    /// <summary>What a client saw of one load: INFO while it ran (with the loading_* fields), PING and GET then, and INFO after.</summary>
    sealed class Watch
    {
        public readonly List<Sample> During = new();
        public string Ping = "", Get = "";
        public Sample? After;
        public long StartedAfter, EndedBefore;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StartupLoad_InfoShowsTheLoadAsRedisDoes(bool aof)
    {
        string source = MakeDataset(aof);
        try
        {
            long total = DatasetBytes(source, aof);
            long keysFromRdb = aof ? Keys / 2 : Keys; // the AOF's base holds the first half
            long baseBytes = aof ? BaseBytes(source) : total;
            Watch fastkv = StartupLoad(ServerKind.Target, source, aof);
            AssertHonest(fastkv, total, keysFromRdb, baseBytes);
            if (ServerLocator.TargetIsRedis) return;
            Watch redis = StartupLoad(ServerKind.Redis, source, aof);
            AssertHonest(redis, total, keysFromRdb, baseBytes);
            AssertSameFields(redis, fastkv);
            Assert.Equal(redis.During[^1]["loading_rdb_used_mem"], fastkv.During[^1]["loading_rdb_used_mem"]);
        }
        finally { Directory.Delete(source, true); }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DebugReloadOrLoadAof_InfoShowsTheLoadAsRedisDoes(bool aof)
    {
        Watch fastkv = DebugLoad(ServerKind.Target, aof, out long total);
        // DEBUG LOADAOF replays an INCR file over an empty base: no key comes from an RDB.
        AssertHonest(fastkv, total, aof ? 0 : Keys, total);
        if (ServerLocator.TargetIsRedis) return;
        Watch redis = DebugLoad(ServerKind.Redis, aof, out long redisTotal);
        AssertHonest(redis, redisTotal, aof ? 0 : Keys, redisTotal);
        AssertSameFields(redis, fastkv);
    }

    [Fact]
    public void KeyLoadDelay_IsAHiddenConfig_AsInRedis()
    {
        List<string> Conversation(ServerKind kind)
        {
            using var s = ServerProcess.Start(kind, 1, "--key-load-delay", "-5");
            using var c = s.Connect();
            return
            [
                c.CallText("CONFIG", "GET", "key-load-delay"),
                c.CallText("CONFIG", "GET", "loading-process-events-interval-bytes"),
                // Hidden: a pattern does not find them.
                c.CallText("CONFIG", "GET", "key-load-*"),
                c.CallText("CONFIG", "GET", "loading-process-*"),
                c.CallText("CONFIG", "SET", "key-load-delay", "-2147483648"),
                c.CallText("CONFIG", "SET", "key-load-delay", "2147483648"),
                c.CallText("CONFIG", "SET", "key-load-delay", "1.5"),
                c.CallText("CONFIG", "SET", "loading-process-events-interval-bytes", "1023"),
                c.CallText("CONFIG", "SET", "loading-process-events-interval-bytes", "1kb"),
                c.CallText("CONFIG", "SET", "loading-process-events-interval-bytes", "4096"),
                c.CallText("CONFIG", "GET", "key-load-delay"),
                c.CallText("CONFIG", "GET", "loading-process-events-interval-bytes"),
            ];
        }
        List<string> fastkv = Conversation(ServerKind.Target);
        Assert.Equal("*2\r\n$14\r\nkey-load-delay\r\n$2\r\n-5\r\n", fastkv[0]);
        Assert.Equal("*0\r\n", fastkv[2]);
        Assert.Equal(Conversation(ServerKind.Redis), fastkv);
    }

    // ---- the scenarios ----

    /// <summary>
    /// A directory holding a dataset the server under test wrote: a dump.rdb, or an AOF directory whose RDB base holds
    /// the first half of the keys (a rewrite) and whose INCR file the SETs of the second half.
    /// </summary>
    static string MakeDataset(bool aof)
    {
        string dir = SnapshotTests.NewDir();
        using var s = ServerProcess.Start(ServerKind.Target, 2, ["--dir", dir, "--appendonly", aof ? "yes" : "no"]);
        using var c = s.Connect();
        Fill(c, 0, aof ? Keys / 2 : Keys);
        if (aof)
        {
            Assert.StartsWith("+Background append only file rewriting", c.CallText("BGREWRITEAOF"));
            var sw = Stopwatch.StartNew();
            while (SnapshotTests.Info(c, "aof_rewrites") != "1" || SnapshotTests.Info(c, "aof_rewrite_in_progress") != "0")
            {
                Assert.True(sw.Elapsed < Timeout, "the rewrite ends\n" + s.Output);
                Thread.Sleep(20);
            }
            Fill(c, Keys / 2, Keys);
        }
        else Assert.Equal("+OK\r\n", c.CallText("SAVE"));
        c.SendCommand("SHUTDOWN", "NOSAVE");
        Assert.NotNull(s.WaitForExit(Timeout));
        return dir;
    }

    /// <summary>SET key:i for i in [from, to), pipelined a thousand at a time.</summary>
    static void Fill(RespConnection c, int from, int to)
    {
        for (int i = from; i < to; i += 1000)
        {
            int n = Math.Min(1000, to - i);
            var batch = new MemoryStream();
            for (int k = i; k < i + n; k++) batch.Write(Resp.EncodeCommand(["SET", "key:" + k, Value(k)]));
            c.Send(batch.ToArray());
            for (int k = 0; k < n; k++) Assert.Equal("+OK\r\n", Resp.AsString(c.ReadReply()));
        }
    }

    static string Value(int k) => "value-" + k + new string('x', 48);

    /// <summary>
    /// The bytes a load of the directory reads, as Redis's loading_total_bytes counts them: the dump.rdb, or the base
    /// and INCR files the manifest names (not its history files, nor the manifest).
    /// </summary>
    static long DatasetBytes(string dir, bool aof)
    {
        if (!aof) return new FileInfo(Path.Combine(dir, "dump.rdb")).Length;
        string aofDir = Path.Combine(dir, "appendonlydir");
        long total = 0;
        foreach (string line in File.ReadAllLines(Path.Combine(aofDir, "appendonly.aof.manifest")))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var kv = new Dictionary<string, string>();
            for (int i = 0; i + 1 < f.Length; i += 2) kv[f[i]] = f[i + 1];
            if (kv.TryGetValue("file", out string? name) && kv.GetValueOrDefault("type") != "h")
                total += new FileInfo(Path.Combine(aofDir, name)).Length;
        }
        Assert.True(total > 0, "the manifest names files");
        return total;
    }

    /// <summary>A server started on a copy of <paramref name="source"/> with the slow load, watched from its first answer.</summary>
    static Watch StartupLoad(ServerKind kind, string source, bool aof)
    {
        var launch = ServerLocator.Resolve(kind);
        string dir = SnapshotTests.NewDir();
        AofLoadTests.CopyDir(source, dir);
        int port = PortAllocator.Next();
        var args = new List<string>(launch.PrefixArgs)
        {
            "--dir", dir, "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", aof ? "yes" : "no",
        };
        args.AddRange(s_slowLoad);
        if (!launch.IsRedis) args.AddRange(["--threads", "2"]);
        long before = UnixNow();
        using Process p = RdbFileRun.StartCapturing(launch.FileName, args, out StringBuilder output, out _);
        try
        {
            string Output() { lock (output) return launch.Describe() + "\n" + output; }
            using RespConnection c = ConnectWhileStarting(port, p, Output);
            // At startup the load has begun when the server first answers: loading:0 means it is over.
            Watch w = Observe(c, loadEnded: () => true, Output);
            w.StartedAfter = before;
            AssertLoadedAfter(c, w);
            return w;
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// DEBUG RELOAD (save, empty, load the dump.rdb) or DEBUG LOADAOF (empty, replay the AOF) on one connection, the
    /// slow load set with CONFIG SET, watched from another. <paramref name="total"/>: the size of what was loaded.
    /// </summary>
    static Watch DebugLoad(ServerKind kind, bool aof, out long total)
    {
        using var s = ServerProcess.Start(kind, 2, "--appendonly", aof ? "yes" : "no");
        using var a = s.Connect();
        using var b = s.Connect();
        Fill(a, 0, Keys);
        Assert.Equal("+OK\r\n", a.CallText(["CONFIG", "SET", .. SettingsOf(s_slowLoad)]));
        long before = UnixNow();
        a.SendCommand("DEBUG", aof ? "LOADAOF" : "RELOAD");
        // Before the load starts (DEBUG RELOAD saves first) INFO shows loading:0 too: the load is over only once
        // DEBUG has answered.
        Watch w = Observe(b, loadEnded: () => a.Socket.Poll(0, SelectMode.SelectRead), () => s.Output);
        w.StartedAfter = before;
        Assert.Equal("+OK\r\n", Resp.AsString(a.ReadReply(Timeout)));
        AssertLoadedAfter(b, w);
        total = DatasetBytes(s.WorkDir, aof);
        return w;
    }

    /// <summary>"--name value" pairs as CONFIG SET's "name value".</summary>
    static string[] SettingsOf(string[] args)
    {
        var r = new string[args.Length];
        for (int i = 0; i < args.Length; i++) r[i] = i % 2 == 0 ? args[i][2..] : args[i];
        return r;
    }

    static RespConnection ConnectWhileStarting(int port, Process p, Func<string> output)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // The port was free when chosen; until this server binds it another process may hold it (CI twice saw a
                // connection closed with nothing logged by ours): only a connection to this process counts.
                RespConnection c = RespConnection.Connect(port, Timeout);
                var m = System.Text.RegularExpressions.Regex.Match(c.CallText("INFO", "server"), @"process_id:(\d+)");
                if (m.Success && m.Groups[1].Value == p.Id.ToString(CultureInfo.InvariantCulture)) return c;
                c.Dispose();
                Assert.True(sw.Elapsed < Timeout, "another process answers on port " + port + "\n" + output());
                Thread.Sleep(20);
            }
            catch (Exception e) when (e is IOException or SocketException or RespConnectionClosedException)
            {
                Assert.False(p.HasExited, "the server exited before it listened\n" + output());
                Assert.True(sw.Elapsed < Timeout, "the server listens\n" + output());
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>
    /// INFO persistence every 50 ms from the first loading:1 with the loading_* fields until loading:0 once
    /// <paramref name="loadEnded"/> says the load may be over; PING and GET are sent at the first such answer.
    /// </summary>
    static Watch Observe(RespConnection c, Func<bool> loadEnded, Func<string> output)
    {
        c.Timeout = Timeout; // Redis answers only between batches of keys
        var w = new Watch();
        var sw = Stopwatch.StartNew();
        while (true)
        {
            Sample info;
            try
            {
                info = Info(c);
            }
            catch (RespConnectionClosedException e)
            {
                // Which server closed it, and what it logged (a crash, or another test's server on the port).
                throw new Xunit.Sdk.XunitException("the connection closed during the load: " + e.Message + "\n" + output());
            }
            if (info["loading"] == "0")
            {
                if (w.During.Count > 0)
                {
                    w.After = info;
                    w.EndedBefore = UnixNow();
                    return w;
                }
                Assert.False(loadEnded(), "the load ended before INFO showed it\n" + output());
            }
            else if (info.Fields.ContainsKey("loading_start_time"))
            {
                if (w.During.Count == 0)
                {
                    w.Ping = c.CallText("PING");
                    w.Get = c.CallText("GET", "key:1");
                }
                w.During.Add(info);
            }
            Assert.True(sw.Elapsed < Timeout, "the load ends within " + Timeout.TotalSeconds + " s\n" + output());
            Thread.Sleep(50);
        }
    }

    static Sample Info(RespConnection c)
    {
        var names = new List<string>();
        var fields = new Dictionary<string, string>();
        foreach (string line in Resp.Parse(c.Call("INFO", "persistence")).Text!.Split("\r\n"))
        {
            int colon = line.IndexOf(':');
            if (colon <= 0 || line.StartsWith("fastkv_", StringComparison.Ordinal)) continue;
            names.Add(line[..colon]);
            fields[line[..colon]] = line[(colon + 1)..];
        }
        return new Sample(names, fields);
    }

    static void AssertLoadedAfter(RespConnection c, Watch w)
    {
        Assert.Equal(":" + Keys + "\r\n", c.CallText("DBSIZE"));
        string v = Value(Keys - 1);
        Assert.Equal("$" + v.Length + "\r\n" + v + "\r\n", c.CallText("GET", "key:" + (Keys - 1)));
    }

    static long UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    // ---- what must hold ----

    /// <summary>
    /// The load as Redis 7.2 reports it: -LOADING for PING and GET; in every INFO while it runs loading:1, the six
    /// loading_* fields last in Redis's order, one start time within the load, the size of the files as the total,
    /// loaded bytes that never go back and take more than one value, their percentage of the total as Redis prints
    /// it, an ETA, the RDB's used-mem once read; rdb_last_load_keys_loaded counting up to the keys the RDB held; after
    /// it loading:0 and no loading_* field.
    /// </summary>
    /// <summary>The AOF's base file's size: the loaded bytes past it are the commands after the base.</summary>
    static long BaseBytes(string dir)
    {
        string aofDir = Path.Combine(dir, "appendonlydir");
        foreach (string line in File.ReadAllLines(Path.Combine(aofDir, "appendonly.aof.manifest")))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (Array.IndexOf(f, "type") is int t && t >= 0 && t + 1 < f.Length && f[t + 1] == "b")
                return new FileInfo(Path.Combine(aofDir, f[Array.IndexOf(f, "file") + 1])).Length;
        }
        throw new InvalidOperationException("the manifest names no base");
    }

    /// <summary>
    /// <paramref name="baseBytes"/>: where the RDB part ends in the loaded bytes; a sample past it (the AOF's commands
    /// replaying) shows the base's whole key count, as Redis sets it when its base is loaded.
    /// </summary>
    static void AssertHonest(Watch w, long total, long keysFromRdb, long baseBytes)
    {
        Assert.NotEmpty(w.During);
        Assert.Equal(LoadingError, w.Ping);
        Assert.Equal(LoadingError, w.Get);
        string start = w.During[0]["loading_start_time"];
        Assert.InRange(long.Parse(start, CultureInfo.InvariantCulture), w.StartedAfter, w.EndedBefore);
        long lastLoaded = 0, lastKeys = 0, usedMem = 0;
        var seen = new HashSet<long>();
        foreach (Sample s in w.During)
        {
            string all = string.Join("\n", s.Names.ConvertAll(n => n + ":" + s[n]));
            Assert.True(s["loading"] == "1" && s["async_loading"] == "0", all);
            Assert.Equal(s_loadingFields, s.Names.GetRange(s.Names.Count - s_loadingFields.Length, s_loadingFields.Length));
            Assert.Equal(start, s["loading_start_time"]);
            Assert.Equal(total, s.Long("loading_total_bytes"));
            long loaded = s.Long("loading_loaded_bytes");
            Assert.True(loaded >= lastLoaded && loaded <= total, "loaded bytes only grow, up to the total\n" + all);
            lastLoaded = loaded;
            seen.Add(loaded);
            Assert.Equal(((double)loaded / total * 100).ToString("F2", CultureInfo.InvariantCulture), s["loading_loaded_perc"]);
            Assert.True(s.Long("loading_eta_seconds") >= 0, all);
            long mem = s.Long("loading_rdb_used_mem");
            Assert.True(mem == usedMem || usedMem == 0, "the RDB's used-mem stays once read\n" + all);
            usedMem = mem;
            long keys = s.Long("rdb_last_load_keys_loaded");
            Assert.True(keys >= lastKeys && keys <= keysFromRdb, "keys loaded count up to the RDB's\n" + all);
            if (loaded > baseBytes) Assert.True(keys == keysFromRdb, "past the base, its whole key count\n" + all);
            lastKeys = keys;
        }
        Assert.True(seen.Count >= 2, "loaded bytes grow while INFO watches: " + string.Join(", ", seen));
        Assert.True(usedMem > 0, "the RDB's used-mem is reported");
        Assert.Equal("0", w.After!["loading"]);
        Assert.DoesNotContain("loading_start_time", w.After.Names);
        Assert.Equal(keysFromRdb, w.After.Long("rdb_last_load_keys_loaded"));
    }

    /// <summary>INFO persistence has Redis's fields in Redis's order while the load runs, and after it.</summary>
    static void AssertSameFields(Watch redis, Watch fastkv)
    {
        Assert.Equal(redis.During[0].Names, fastkv.During[0].Names);
        Assert.Equal(redis.After!.Names, fastkv.After!.Names);
        Assert.Equal(redis.During[0]["aof_enabled"], fastkv.During[0]["aof_enabled"]);
    }
}
