using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;
using static FastKv.Server.Tests.Persistence.RdbRoundTripData;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// An AOF base in command form (<c>aof-use-rdb-preamble no</c>, Redis's rewriteAppendOnlyFileRio): BGREWRITEAOF over
/// the round-trip dataset (every type and encoding, TTLs, several databases) writes <c>appendonly.aof.N.base.aof</c>
/// of commands. redis-check-aof 7.2.4 accepts the directory, Redis 7.2.4 and FastKv load it with every key as the
/// source holds it, writes made during the rewrite survive in the new INCR, and the base holds, key by key, the
/// commands Redis 7.2.4's own base holds for the same dataset (in the same order where Redis's order is its
/// structure's: strings, lists, listpacks and intsets; as sets of items for hash tables and skiplists).
/// </summary>
public class AofCommandBaseTests
{
    static string AofDir(string dir) => Path.Combine(dir, "appendonlydir");

    static string Manifest(string dir) => File.ReadAllText(Path.Combine(AofDir(dir), "appendonly.aof.manifest"));

    static string BaseName(string dir) =>
        Manifest(dir).Split('\n').Single(l => l.EndsWith(" type b", StringComparison.Ordinal)).Split(' ')[1];

    internal static void WaitForRewrite(RespConnection c)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (SnapshotTests.Info(c, "aof_rewrites") == "0" || SnapshotTests.Info(c, "aof_rewrite_in_progress") != "0"
               || SnapshotTests.Info(c, "aof_rewrite_scheduled") != "0")
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(120), "the rewrite ends");
            Thread.Sleep(20);
        }
        Assert.Equal("ok", SnapshotTests.Info(c, "aof_last_bgrewrite_status"));
    }

    /// <summary>
    /// Scores fpconv_dtoa lays out differently from d2string (integers in exponent form), in both encodings. And no
    /// score of -0: a ZADD batch that starts as a listpack stores it as "0" before a later member converts the set,
    /// so whether a rewritten -0 survives depends on the order of the walk (Redis's dict order loses it too).
    /// </summary>
    static void AddScores(RespConnection c)
    {
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
        foreach (string z in new[] { "zset:scores", "zset:scores-skiplist" })
        {
            // -0 equals 0, so ZADD alone would keep the sign.
            Assert.Equal(":1\r\n", c.CallText("ZREM", z, "s0"));
            Assert.Equal(":1\r\n", c.CallText("ZADD", z, "0", "s0"));
        }
        string[] scores = { "3", "1e10", "1e22", "-2.5e-7", "123456789012345678", "inf", "-inf", "0.5" };
        Assert.StartsWith(":", c.CallText([.. new[] { "ZADD", "zset:fpconv" }.Concat(scores.SelectMany((s, i) => new[] { s, "m" + i }))]));
        Assert.StartsWith(":", c.CallText([.. new[] { "ZADD", "zset:fpconv-skiplist", "0", new string('x', 200) }.Concat(scores.SelectMany((s, i) => new[] { s, "m" + i }))]));
    }

    public static IEnumerable<TheoryDataRow<int, bool>> Runs()
    {
        yield return new(1, false);
        yield return new(4, true);
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void Bgrewriteaof_PreambleNo_WritesRedisCommandBase(int threads, bool small)
    {
        RestoreShapes.Thresholds t = small ? RestoreShapes.Thresholds.Small : RestoreShapes.Thresholds.Default;
        string[] config = [.. ThresholdArgs(t), "--appendonly", "yes", "--aof-use-rdb-preamble", "no"];
        string context = $"{(small ? "small" : "default")} thresholds, --threads {threads}";
        long expireAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;
        string ours = SnapshotTests.NewDir(), theirs = SnapshotTests.NewDir(), copy = SnapshotTests.NewDir(), copy2 = SnapshotTests.NewDir();
        try
        {
            using ServerProcess fastkv = SnapshotTests.StartIn(ours, threads, config);
            using RespConnection f = fastkv.Connect();
            Assert.Equal("file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", Manifest(ours));
            Build(f, t, expireAt);
            AddScores(f);
            Assert.Empty(AllEncodings.Except(EncodingsSeen(f)));
            Assert.Equal("+Background append only file rewriting started\r\n", f.CallText("BGREWRITEAOF"));
            // After the cut: these go to the new INCR, not the base.
            Assert.Equal("+OK\r\n", f.CallText("SELECT", "2"));
            for (int i = 0; i < 200; i++) Assert.Equal("+OK\r\n", f.CallText("SET", "during:" + i, "d" + i));
            Assert.StartsWith(":", f.CallText("RPUSH", "during:list", "a", "b"));
            Assert.Equal("+OK\r\n", f.CallText("SELECT", "0"));
            WaitForRewrite(f);

            Assert.Equal("file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n", Manifest(ours));
            Assert.Equal(["appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"],
                Directory.GetFiles(AofDir(ours)).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
            fastkv.WaitForOutput(" into appendonly.aof.2.base.aof");
            string basePath = Path.Combine(AofDir(ours), "appendonly.aof.2.base.aof");
            byte[] ourBase = File.ReadAllBytes(basePath);
            Assert.Equal((byte)'*', ourBase[0]);
            long baseLength = ourBase.Length, incrLength = new FileInfo(Path.Combine(AofDir(ours), "appendonly.aof.2.incr.aof")).Length;
            Assert.True(incrLength > 0);
            // The base size is the new base and what its INCR held when the rewrite ended (the writes above may end later).
            long baseSize = long.Parse(SnapshotTests.Info(f, "aof_base_size"));
            Assert.InRange(baseSize, baseLength, baseLength + incrLength);
            Assert.Equal(baseLength + incrLength, long.Parse(SnapshotTests.Info(f, "aof_current_size")));
            Assert.Equal("+OK\r\n", f.CallText("SET", "after", "1"));

            string? check = OracleTools.CheckAof();
            if (check != null)
            {
                var r = ProcessRunner.Run(check, [Path.Combine(AofDir(ours), "appendonly.aof.manifest")], (string?)null, TimeSpan.FromSeconds(60));
                Assert.True(r.ExitCode == 0, r.ToString());
            }

            CopyAofDir(ours, copy);
            CopyAofDir(ours, copy2);
            using ServerProcess redisLoaded = ServerProcess.Start(ServerKind.Redis, null, ["--dir", copy, .. config]);
            using RespConnection rl = redisLoaded.Connect();
            Assert.True(Compare(f, rl, null, AccessBits.None, context + ", FastKv's directory in Redis") > BulkKeys);
            using ServerProcess restarted = SnapshotTests.StartIn(copy2, threads, config);
            using RespConnection fl = restarted.Connect();
            // The same commands loaded by both: every key, value, TTL and encoding as Redis has them.
            Assert.True(Compare(rl, fl, rl, AccessBits.None, context + ", FastKv's directory in FastKv") > BulkKeys);
            Assert.Equal("+OK\r\n", fl.CallText("SELECT", "2"));
            Assert.Equal("$4\r\nd199\r\n", fl.CallText("GET", "during:199"));

            // Redis's own base for the same dataset.
            using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, ["--dir", theirs, .. config]);
            using RespConnection r2 = redis.Connect();
            Build(r2, t, expireAt);
            AddScores(r2);
            Assert.Equal("+Background append only file rewriting started\r\n", r2.CallText("BGREWRITEAOF"));
            WaitForRewrite(r2);
            byte[] theirBase = File.ReadAllBytes(Path.Combine(AofDir(theirs), BaseName(theirs)));
            CompareBases(ParseBase(theirBase), ParseBase(ourBase), f, context);
        }
        finally
        {
            foreach (string d in new[] { ours, theirs, copy, copy2 }) Directory.Delete(d, true);
        }
    }

    [Fact]
    public void ConfigSetAppendonly_PreambleNo_CommandBase_EmptyDatabasesSkipped()
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            using var s = SnapshotTests.StartIn(dir, 2, "--aof-use-rdb-preamble", "no");
            using var c = s.Connect();
            Assert.Equal("+OK\r\n", c.CallText("SELECT", "9"));
            Assert.Equal("+OK\r\n", c.CallText("SET", "k", "v"));
            Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "appendonly", "yes"));
            WaitForRewrite(c);
            Assert.Equal("file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", Manifest(dir));
            Assert.Equal("*2\r\n$6\r\nSELECT\r\n$1\r\n9\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
                File.ReadAllText(Path.Combine(AofDir(dir), "appendonly.aof.1.base.aof")));
            // Back to an RDB base at the next rewrite.
            Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "aof-use-rdb-preamble", "yes"));
            Assert.Equal("+Background append only file rewriting started\r\n", c.CallText("BGREWRITEAOF"));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (SnapshotTests.Info(c, "aof_rewrites") != "2" || SnapshotTests.Info(c, "aof_rewrite_in_progress") != "0")
            {
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60));
                Thread.Sleep(20);
            }
            Assert.Equal("file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n", Manifest(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    static void CopyAofDir(string from, string to)
    {
        Directory.CreateDirectory(AofDir(to));
        foreach (string file in Directory.GetFiles(AofDir(from))) File.Copy(file, Path.Combine(AofDir(to), Path.GetFileName(file)));
    }

    /// <summary>The commands of a base of commands, per "db key", in file order (SELECT tracked, not kept).</summary>
    static Dictionary<string, List<string[]>> ParseBase(byte[] data)
    {
        var byKey = new Dictionary<string, List<string[]>>(StringComparer.Ordinal);
        string db = "?";
        int pos = 0;
        while (pos < data.Length)
        {
            int n = (int)ReadNumber(data, ref pos, (byte)'*');
            var args = new string[n];
            for (int i = 0; i < n; i++)
            {
                int len = (int)ReadNumber(data, ref pos, (byte)'$');
                args[i] = Encoding.Latin1.GetString(data, pos, len);
                pos += len;
                Assert.True(data[pos] == '\r' && data[pos + 1] == '\n', "CRLF after a bulk at " + pos);
                pos += 2;
            }
            if (args[0] == "SELECT")
            {
                db = args[1];
                continue;
            }
            string key = db + " " + args[1];
            if (!byKey.TryGetValue(key, out var list)) byKey[key] = list = new List<string[]>();
            list.Add(args);
        }
        return byKey;
    }

    static long ReadNumber(byte[] data, ref int pos, byte prefix)
    {
        Assert.True(data[pos] == prefix, $"'{(char)prefix}' expected at {pos}, found '{(char)data[pos]}'");
        int end = Array.IndexOf(data, (byte)'\r', pos);
        long v = long.Parse(Encoding.ASCII.GetString(data, pos + 1, end - pos - 1));
        pos = end + 2;
        return v;
    }

    /// <summary>
    /// The same keys; per key the same commands, byte for byte where the source's encoding fixes Redis's order; for a
    /// hash table or skiplist the same command names and sizes and the same items (pairs for HMSET and ZADD) as a set.
    /// </summary>
    static void CompareBases(Dictionary<string, List<string[]>> redis, Dictionary<string, List<string[]>> ours, RespConnection source, string context)
    {
        Assert.Equal(redis.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        foreach ((string key, List<string[]> want) in redis)
        {
            List<string[]> got = ours[key];
            string[] dbKey = key.Split(' ', 2);
            Assert.Equal("+OK\r\n", source.CallText("SELECT", dbKey[0]));
            string encoding = Resp.Parse(source.Call("OBJECT", "ENCODING", dbKey[1])).Text!;
            string Show(List<string[]> cmds) => string.Join(" | ", cmds.Select(a => string.Join(' ', a.Select(x => x.Length > 40 ? x[..40] + "..." : x))));
            string message = $"{context}, key {key} ({encoding}):\n  Redis:  {Show(want)}\n  FastKv: {Show(got)}";
            if (encoding is "hashtable" or "skiplist")
            {
                Assert.True(want.Select(a => a[0] + " " + a.Length).SequenceEqual(got.Select(a => a[0] + " " + a.Length)), message);
                Assert.True(Items(want).SetEquals(Items(got)), message);
            }
            else
                Assert.True(want.Count == got.Count && want.Zip(got).All(p => p.First.SequenceEqual(p.Second)), message);
        }
        Assert.Equal("+OK\r\n", source.CallText("SELECT", "0"));
    }

    /// <summary>The items of a key's commands: members, or "field value" / "score member" pairs; PEXPIREAT as itself.</summary>
    static HashSet<string> Items(List<string[]> cmds)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (string[] a in cmds)
        {
            if (a[0] == "PEXPIREAT")
            {
                set.Add("PEXPIREAT " + a[2]);
                continue;
            }
            int width = a[0] is "HMSET" or "ZADD" ? 2 : 1;
            for (int i = 2; i < a.Length; i += width) set.Add(width == 2 ? a[i] + "\0" + a[i + 1] : a[i]);
        }
        return set;
    }
}
