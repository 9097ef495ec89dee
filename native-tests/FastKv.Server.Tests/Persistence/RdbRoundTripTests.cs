using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;
using static FastKv.Server.Tests.Persistence.RdbRoundTripData;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// RDB files between FastKv and the real Redis, both ways (persistence design 6, item 4): FastKv SAVEs a dataset of
/// every (type, encoding) at each threshold and one past it, redis-check-rdb accepts the file, a Redis started on that
/// directory loads it and every key reads back as on FastKv (type, value, PEXPIRETIME, OBJECT ENCODING, IDLETIME or
/// FREQ); then Redis SAVEs the same dataset and FastKv loads it. Version 11 against Redis 7.2.4, version 10
/// (--fastkv-rdb-version 10) against Debian's Redis 7.0.15. And DEBUG RELOAD (item 5): the same command stream on
/// FastKv and Redis 7.2.4, DEBUG RELOAD on both, every read reply byte for byte, and its options.
/// At --threads 1 and 4.
/// </summary>
public class RdbRoundTripTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    /// <summary>Default and small thresholds, each at 1 and 4 threads (version 11 adds allkeys-lru to the first, allkeys-lfu to the second).</summary>
    public static IEnumerable<TheoryDataRow<int, bool>> Runs()
    {
        foreach (int threads in new[] { 1, 4 })
            foreach (bool small in new[] { false, true })
                yield return new(threads, small);
    }

    static RestoreShapes.Thresholds Of(bool small) => small ? RestoreShapes.Thresholds.Small : RestoreShapes.Thresholds.Default;

    /// <summary>Seconds an IDLETIME may differ by: the clocks' one-second steps plus the time the file lay unloaded.</summary>
    static int Slack(Stopwatch sinceSave) => 2 + (int)Math.Ceiling(sinceSave.Elapsed.TotalSeconds);

    static long InAnHour() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;

    /// <summary>Builds the dataset on <paramref name="c"/>, SAVEs it, and checks the file's version.</summary>
    static string BuildAndSave(RespConnection c, RestoreShapes.Thresholds t, long expireAtMs, AccessBits access, string dir, string magic)
    {
        Build(c, t, expireAtMs, redis70: magic == "REDIS0010");
        AddAccessKeys(c, access);
        Assert.Equal("+OK\r\n", c.CallText("SAVE"));
        string file = Path.Combine(dir, "dump.rdb");
        Assert.Equal(magic, Magic(file));
        return file;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void Version11_FastKvFileLoadsInRedis72_AndRedisFileLoadsInFastKv(int threads, bool small)
    {
        RestoreShapes.Thresholds t = Of(small);
        AccessBits access = small ? AccessBits.Lfu : AccessBits.Lru;
        string[] config = [.. ThresholdArgs(t), .. AccessArgs(access), "--list-compress-depth", "1"];
        string context = $"v11, {(small ? "small thresholds, allkeys-lfu" : "default thresholds, allkeys-lru")}, --threads {threads}";
        string ours = SnapshotTests.NewDir(), theirs = SnapshotTests.NewDir();
        try
        {
            using ServerProcess fastkv = SnapshotTests.StartIn(ours, threads, config);
            using RespConnection f = fastkv.Connect();
            Build(f, t, InAnHour());
            AddAccessKeys(f, access);
            // Read before SAVE: nothing after it may touch a key's access bits before they are compared.
            Assert.Empty(AllEncodings.Except(EncodingsSeen(f)));
            int expiredHeld = AddExpiredKeys(f);
            // The small run writes its file in the background (the same snapshot, another path to it).
            if (small)
            {
                Assert.Equal("+Background saving started\r\n", f.CallText("BGSAVE"));
                SnapshotTests.WaitForSave(f);
                Assert.Equal("ok", SnapshotTests.Info(f, "rdb_last_bgsave_status"));
            }
            else Assert.Equal("+OK\r\n", f.CallText("SAVE"));
            // A file does not age: a key's IDLETIME loaded lags the source's by the time from SAVE to the load.
            var sinceSave = Stopwatch.StartNew();
            string file = Path.Combine(ours, "dump.rdb");
            Assert.Equal("REDIS0011", Magic(file));
            string checker = OracleTools.CheckRdb() ?? throw new InvalidOperationException("redis-check-rdb is not beside the oracle");
            string counts = CheckRdb(checker, file);
            using (ServerProcess loaded = ServerProcess.Start(ServerKind.Redis, null, ["--dir", ours, .. config]))
            using (RespConnection l = loaded.Connect())
            {
                Assert.True(Compare(f, l, f, access, context + ", FastKv's file in Redis", Slack(sinceSave)) > BulkKeys);
                // Expired keys still held are saved, as Redis saves them (its own file below holds them too).
                Assert.Equal(expiredHeld.ToString(), SnapshotTests.Info(l, "rdb_last_load_keys_expired"));
            }

            using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, ["--dir", theirs, .. config]);
            using RespConnection r = redis.Connect();
            Build(r, t, InAnHour());
            AddAccessKeys(r, access);
            // Redis saves keys that expired but are still held; the loader counts and drops them.
            int expired = AddExpiredKeys(r);
            Assert.Equal("+OK\r\n", r.CallText("SAVE"));
            sinceSave.Restart();
            // The same keys, expiries and expired keys in both files, by Redis's own count.
            Assert.Equal(CheckRdb(checker, Path.Combine(theirs, "dump.rdb")), counts);
            using (ServerProcess loaded = SnapshotTests.StartIn(theirs, threads, config))
            using (RespConnection l = loaded.Connect())
            {
                int keys = Compare(r, l, r, access, context + ", Redis's file in FastKv", Slack(sinceSave));
                Assert.True(keys > BulkKeys);
                Assert.Equal(keys.ToString(), SnapshotTests.Info(l, "rdb_last_load_keys_loaded"));
                Assert.Equal(expired.ToString(), SnapshotTests.Info(l, "rdb_last_load_keys_expired"));
            }
        }
        finally
        {
            Directory.Delete(ours, true);
            Directory.Delete(theirs, true);
        }
    }

    /// <summary>
    /// Version 10: Redis 7.0 has no set listpack, so such sets travel as plain sets and 7.0 picks its own encoding.
    /// FastKv's file loaded by 7.0 must read as 7.0's own copy of the same commands reads (values, expiry, encodings;
    /// 7.0 prints some scores with 17 digits, so FastKv's own replies are not the reference); 7.0's file loaded by
    /// FastKv must read as Redis 7.2.4 reads that file.
    /// </summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public void Version10_FastKvFileLoadsInRedis70_AndRedis70FileLoadsInFastKv(int threads, bool small)
    {
        if (ServerLocator.TargetIsRedis) Assert.Skip("--fastkv-rdb-version is FastKv's");
        RestoreShapes.Thresholds t = Of(small);
        // Files without LZF (small) and without a checksum (default) on both sides too.
        string[] file = small ? ["--rdbcompression", "no"] : ["--rdbchecksum", "no"];
        string context = $"v10, {(small ? "small thresholds, rdbcompression no" : "default thresholds, rdbchecksum no")}, --threads {threads}";
        string ours = SnapshotTests.NewDir(), theirs = SnapshotTests.NewDir();
        try
        {
            long expireAtMs = InAnHour();
            using ServerProcess redis = Redis70.Start(["--dir", theirs, .. ThresholdArgs(t, redis70: true), .. file]);
            using RespConnection r = redis.Connect();
            string counts = CheckRdb(Redis70.CheckRdb, BuildAndSave(r, t, expireAtMs, AccessBits.None, theirs, "REDIS0010"));

            using ServerProcess fastkv = SnapshotTests.StartIn(ours, threads, [.. ThresholdArgs(t), "--fastkv-rdb-version", "10", .. file]);
            using RespConnection f = fastkv.Connect();
            Assert.Equal(counts, CheckRdb(Redis70.CheckRdb, BuildAndSave(f, t, expireAtMs, AccessBits.None, ours, "REDIS0010")));

            using (ServerProcess loaded = Redis70.Start(["--dir", ours, .. ThresholdArgs(t, redis70: true)]))
            using (RespConnection l = loaded.Connect())
                Assert.True(Compare(r, l, r, AccessBits.None, context + ", FastKv's file in Redis 7.0") > BulkKeys);
            using (ServerProcess loaded = SnapshotTests.StartIn(theirs, threads, ThresholdArgs(t)))
            using (RespConnection l = loaded.Connect())
            using (ServerProcess oracle = ServerProcess.Start(ServerKind.Redis, null, ["--dir", theirs, .. ThresholdArgs(t)]))
            using (RespConnection o = oracle.Connect())
                Assert.True(Compare(o, l, o, AccessBits.None, context + ", Redis 7.0's file in FastKv") > BulkKeys);
        }
        finally
        {
            Directory.Delete(ours, true);
            Directory.Delete(theirs, true);
        }
    }

    /// <summary>
    /// Conversions on load: a file Redis 7.2.4 saved under one set of thresholds and one eviction policy, loaded by
    /// FastKv and by Redis under the other thresholds and policy (listpacks past the smaller limits become tables; small
    /// tables, under the larger, listpacks or intsets; IDLE records under an LFU policy and FREQ records under an LRU
    /// one are dropped, keys starting afresh). Both must hold the same keys with the same encodings and access bits.
    /// </summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public void RedisFile_LoadsUnderOtherThresholdsAndPolicy_AsRedisLoadsIt(int threads, bool builtSmall)
    {
        RestoreShapes.Thresholds built = Of(builtSmall), loadedUnder = Of(!builtSmall);
        AccessBits savedWith = builtSmall ? AccessBits.Lfu : AccessBits.Lru, loadedWith = builtSmall ? AccessBits.Lru : AccessBits.Lfu;
        string dir = SnapshotTests.NewDir();
        try
        {
            using (ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, ["--dir", dir, .. ThresholdArgs(built), .. AccessArgs(savedWith)]))
            using (RespConnection r = redis.Connect())
                BuildAndSave(r, built, InAnHour(), savedWith, dir, "REDIS0011");
            var sinceLoad = Stopwatch.StartNew();
            using ServerProcess oracle = ServerProcess.Start(ServerKind.Redis, null, ["--dir", dir, .. ThresholdArgs(loadedUnder), .. AccessArgs(loadedWith)]);
            using RespConnection o = oracle.Connect();
            using ServerProcess fastkv = SnapshotTests.StartIn(dir, threads, [.. ThresholdArgs(loadedUnder), .. AccessArgs(loadedWith)]);
            using RespConnection f = fastkv.Connect();
            string context = $"built under {(builtSmall ? "small thresholds, allkeys-lfu" : "default thresholds, allkeys-lru")}, loaded under the others, --threads {threads}";
            Assert.True(Compare(o, f, o, loadedWith, context, Slack(sinceLoad)) > BulkKeys);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// A Redis file holding a function library (FUNCTION2 records): FastKv loads it, keeps the library and writes it into
    /// its own next file, from which Redis 7.2.4 gets the library back.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void FunctionsInARedisFile_SurviveFastKvLoadingAndSaving(int threads)
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            const string library = "#!lua name=roundtrip\nredis.register_function('echo_first', function(keys, args) return args[1] end)";
            string list;
            using (ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, "--dir", dir))
            using (RespConnection r = redis.Connect())
            {
                Assert.Equal("$9\r\nroundtrip\r\n", r.CallText("FUNCTION", "LOAD", library));
                Assert.Equal("+OK\r\n", r.CallText("SET", "k", "v"));
                Assert.Equal("+OK\r\n", r.CallText("SAVE"));
                list = r.CallText("FUNCTION", "LIST", "WITHCODE");
            }
            using (ServerProcess fastkv = SnapshotTests.StartIn(dir, threads))
            using (RespConnection f = fastkv.Connect())
            {
                Assert.Equal("$1\r\nv\r\n", f.CallText("GET", "k"));
                Assert.Equal("+OK\r\n", f.CallText("SET", "k", "after"));
                Assert.Equal("+OK\r\n", f.CallText("SAVE"));
            }
            CheckRdb(OracleTools.CheckRdb() ?? throw new InvalidOperationException("redis-check-rdb is not beside the oracle"), Path.Combine(dir, "dump.rdb"));
            using (ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, "--dir", dir))
            using (RespConnection r = redis.Connect())
            {
                Assert.Equal("$5\r\nafter\r\n", r.CallText("GET", "k"));
                Assert.Equal(list, r.CallText("FUNCTION", "LIST", "WITHCODE"));
                Assert.Equal("$5\r\nhello\r\n", r.CallText("FCALL", "echo_first", "0", "hello"));
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// The reads of a key, reply by reply: TYPE, OBJECT ENCODING, PEXPIRETIME and the whole value. A hashtable's
    /// members come in its own order, which is not Redis's, so those are sorted first.
    /// </summary>
    static List<string> Reads(RespConnection c, string key)
    {
        string type = c.CallText("TYPE", key), encoding = c.CallText("OBJECT", "ENCODING", key);
        var reads = new List<string> { type, encoding, c.CallText("PEXPIRETIME", key) };
        bool table = encoding == "$9\r\nhashtable\r\n";
        reads.Add(type switch
        {
            "+string\r\n" => c.CallText("GET", key),
            "+list\r\n" => c.CallText("LRANGE", key, "0", "-1"),
            "+zset\r\n" => c.CallText("ZRANGE", key, "0", "-1", "WITHSCORES"),
            "+set\r\n" when table => string.Join('|', Resp.Parse(c.Call("SMEMBERS", key)).Items!.Select(v => v.Text).Order(StringComparer.Ordinal)),
            "+set\r\n" => c.CallText("SMEMBERS", key),
            "+hash\r\n" when table => Value(c, key),
            "+hash\r\n" => c.CallText("HGETALL", key),
            _ => "",
        });
        return reads;
    }

    static Dictionary<string, List<string>> AllReads(RespConnection c)
    {
        var all = new Dictionary<string, List<string>>();
        for (int db = 0; db < 16; db++)
        {
            Assert.Equal("+OK\r\n", c.CallText("SELECT", db.ToString()));
            List<string> keys = Keys(c);
            for (int k = 0; k < keys.Count; k += db == BulkDb ? 37 : 1) all[db + ":" + keys[k]] = Reads(c, keys[k]);
            if (db == BulkDb)
                for (int i = 0; i < keys.Count; i += 500)
                    all[db + ":MGET " + i] = new List<string> { c.CallText(new[] { "MGET" }.Concat(keys.Skip(i).Take(500)).ToArray()) };
        }
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
        return all;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void DebugReload_KeepsEveryKeyAsRedisDoes(int threads, bool small)
    {
        RestoreShapes.Thresholds t = Of(small);
        using RespConnection oracle = servers.Oracle.Server.Connect();
        using RespConnection target = servers.TargetWithThreads(threads).Server.Connect();
        try
        {
            foreach (RespConnection c in new[] { oracle, target })
            {
                Assert.Equal("+OK\r\n", c.CallText("FLUSHALL"));
                t.Apply(c);
            }
            foreach (string[] cmd in Commands(t, InAnHour()))
            {
                string o = oracle.CallText(cmd), g = target.CallText(cmd);
                Assert.True(o == g, $"{string.Join(' ', cmd.Take(2))}: Redis {o.TrimEnd()}, FastKv {g.TrimEnd()}");
            }
            Dictionary<string, List<string>> before = AllReads(target);
            Assert.True(before.Count > 40, "the dataset was built");
            AddExpiredKeys(oracle);
            AddExpiredKeys(target);
            Assert.Equal("+OK\r\n", oracle.CallText("DEBUG", "RELOAD"));
            Assert.Equal("+OK\r\n", target.CallText("DEBUG", "RELOAD"));
            foreach (string field in new[] { "rdb_last_load_keys_loaded", "rdb_last_load_keys_expired" })
                Assert.Equal(SnapshotTests.Info(oracle, field), SnapshotTests.Info(target, field));
            Dictionary<string, List<string>> redis = AllReads(oracle), after = AllReads(target);
            Assert.Equal(redis.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
            foreach ((string key, List<string> expected) in redis)
            {
                for (int i = 0; i < expected.Count; i++)
                {
                    Assert.True(expected[i] == after[key][i],
                        $"{key} read {i} after DEBUG RELOAD ({(small ? "small" : "default")} thresholds):\n  Redis:  {Resp.Escape(Resp.Latin1.GetBytes(expected[i]), 400)}\n  FastKv: {Resp.Escape(Resp.Latin1.GetBytes(after[key][i]), 400)}");
                    Assert.True(before[key][i] == after[key][i] || (i == 1 && IntegerOnLoad(before[key][i], after[key][i])),
                        $"{key} read {i} changed across DEBUG RELOAD: {before[key][i].TrimEnd()} became {after[key][i].TrimEnd()}");
                }
            }
        }
        finally
        {
            foreach (RespConnection c in new[] { oracle, target })
            {
                c.CallText("FLUSHALL");
                c.CallText("DEBUG", "SET-ACTIVE-EXPIRE", "1");
                RestoreShapes.Thresholds.Default.Apply(c);
            }
        }
    }

    /// <summary>
    /// DEBUG RELOAD's options against Redis 7.2.4, reply by reply and the keys after each: no file yet (NOSAVE fails
    /// after emptying), a plain reload, MERGE NOFLUSH NOSAVE overlaying the file on newer keys, options in any case and
    /// order, and unknown options.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void DebugReloadOptions_ReplyAsRedis(int threads)
    {
        string[] args = ["--dbfilename", "reload-options.rdb"];
        using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, args);
        using ServerProcess fastkv = ServerProcess.Start(ServerKind.Target, threads, args);
        using RespConnection o = redis.Connect(), g = fastkv.Connect();
        string[][] script =
        {
            new[] { "SET", "a", "1" }, new[] { "DEBUG", "RELOAD", "NOSAVE" }, new[] { "DBSIZE" },
            new[] { "MSET", "a", "1", "b", "2", "c", "3" }, new[] { "HSET", "h", "f", "v" }, new[] { "DEBUG", "RELOAD" }, new[] { "DBSIZE" },
            new[] { "SET", "a", "changed" }, new[] { "DEL", "b", "h" }, new[] { "SET", "d", "4" },
            new[] { "DEBUG", "RELOAD", "MERGE", "NOFLUSH", "NOSAVE" }, new[] { "MGET", "a", "b", "c", "d" }, new[] { "HGETALL", "h" },
            new[] { "DEBUG", "RELOAD", "bogus" }, new[] { "DEBUG", "RELOAD", "MERGE", "nosave", "extra" }, new[] { "MGET", "a", "b", "c", "d" },
            new[] { "SET", "e", "5" }, new[] { "debug", "reload", "nosave", "merge" }, new[] { "DBSIZE" }, new[] { "EXISTS", "d", "e" },
            new[] { "DEBUG", "RELOAD", "NOFLUSH", "NOSAVE", "MERGE" }, new[] { "DBSIZE" },
            new[] { "DEBUG", "RELOAD", "NOSAVE", "NOSAVE" }, new[] { "DEBUG", "RELOAD", "" }, new[] { "DBSIZE" },
        };
        foreach (string[] cmd in script)
        {
            string expected = o.CallText(cmd), actual = g.CallText(cmd);
            Assert.True(expected == actual, $"--threads {threads}, {string.Join(' ', cmd)}: Redis {expected.TrimEnd()}, FastKv {actual.TrimEnd()}");
        }
    }
}
