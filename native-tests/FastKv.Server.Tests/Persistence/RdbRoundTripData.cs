using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>How a run keeps keys' access bits: not at all, LRU idle seconds, or the LFU counter (RDB IDLE / FREQ).</summary>
public enum AccessBits { None, Lru, Lfu }

/// <summary>
/// What the RDB round-trip tests carry through a file: a dataset with every (type, encoding) at each threshold and one
/// past it (<see cref="RestoreShapes.Build"/>), inline and pointer hashes, int/embstr/raw and long compressible strings,
/// absolute TTLs and keys in several databases; the servers that write and read it (FastKv, Redis 7.2.4, Debian's
/// Redis 7.0.15) started with the same thresholds; and a key-by-key comparison of two servers.
/// </summary>
public static class RdbRoundTripData
{
    static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Letters from a small vocabulary (LZF shrinks them) or random letters and digits (it cannot).</summary>
    static string Text(Random rng, int length, bool compressible)
    {
        string[] words = { "alpha", "beta", "gamma", " ", "delta:", "0123", "fastkv" };
        var sb = new StringBuilder(length + 8);
        while (sb.Length < length)
        {
            if (compressible) sb.Append(words[rng.Next(words.Length)]);
            else sb.Append((char)(rng.Next(2) == 0 ? 'a' + rng.Next(26) : '0' + rng.Next(10)));
        }
        return sb.ToString(0, length);
    }

    /// <summary>
    /// The commands that build the dataset on an empty server started with thresholds <paramref name="t"/>, SELECTs
    /// included. Expiry times are absolute (from <paramref name="expireAtMs"/>), so two servers fed this stream hold
    /// the same PEXPIRETIME. <paramref name="redis70"/>: no score of -0, which Redis 7.0's listpack ZADD turns into 0
    /// (7.2 keeps the sign), so the stream builds the same values on 7.0.
    /// </summary>
    public static List<string[]> Commands(RestoreShapes.Thresholds t, long expireAtMs, bool redis70 = false)
    {
        var rng = new Random(12);
        var cmds = new List<string[]> { new[] { "SELECT", "0" } };
        cmds.AddRange(RestoreShapes.Build(t));
        cmds.Add(new[] { "SET", "str:small", "7" });
        cmds.Add(new[] { "SET", "str:emb", "hello world" });
        cmds.Add(new[] { "SET", "str:compressible", Text(rng, 6000, true) });
        cmds.Add(new[] { "SET", "str:random", Text(rng, 700, false) });
        cmds.Add(new[] { "SET", "str:appended", "12" });
        cmds.Add(new[] { "APPEND", "str:appended", "34" });
        // A hash small enough to live inside its entry, and one whose listpack (over 512 bytes) sits behind a pointer.
        cmds.Add(new[] { "HSET", "hash:inline", "a", "1", "bb", "two", "ccc", "-3" });
        cmds.Add(new[] { "HSET", "hash:pointer" }.Concat(Enumerable.Range(0, 40).SelectMany(i => new[] { "field-" + i, "v" + Text(rng, 18, false) })).ToArray());
        cmds.Add(new[] { "HSET", "hash:compressible", "a", Text(rng, 400, true), "b", Text(rng, 300, true), "c", "3" });
        cmds.Add(new[] { "ZADD", "zset:compressible", "1", Text(rng, 200, true), "2.5", Text(rng, 200, true) });
        cmds.Add(new[] { "RPUSH", "list:compressible" }.Concat(Enumerable.Range(0, 50).Select(_ => Text(rng, 120, true))).ToArray());
        // Several 8 KiB nodes, which a server with list-compress-depth compresses (and saves compressed) in the middle.
        cmds.Add(new[] { "RPUSH", "list:nodes" }.Concat(Enumerable.Range(0, 400).Select(_ => Text(rng, 100, true))).ToArray());
        // Lengths past 16383 (the 32-bit length form), compressible and not; bytes that are not text; odd key bytes.
        cmds.Add(new[] { "SET", "str:70k", Text(rng, 70_000, false) });
        cmds.Add(new[] { "SET", "str:100k-compressible", Text(rng, 100_000, true) });
        // Values past the snapshot's 64 KiB chunks and, together, past its 4 MiB soft limit on the writer's backlog.
        for (int i = 0; i < 3; i++) cmds.Add(new[] { "SET", "str:2m:" + i, Text(rng, 2 << 20, false) });
        string binary = new string(Enumerable.Range(0, 300).Select(i => (char)(i % 256)).ToArray());
        cmds.Add(new[] { "SET", "key with \0\r\n and spaces", binary });
        cmds.Add(new[] { "HSET", "hash:binary", "\0", binary[..40], "", "empty field" });
        cmds.Add(new[] { "SADD", "set:binary", "", "\r\n", binary[..50] });
        cmds.Add(new[] { "ZADD", "zset:binary", "0", "", "1", "\0\0", "-0.5", binary[..60] });
        cmds.Add(new[] { "RPUSH", "list:binary", "", binary, "\0" });

        // Numbers at the edges of the integer and double encodings, and texts that only look like numbers.
        string[] numbers = { "0", "-0", "+1", "00", " 1", "127", "-128", "128", "32767", "-32768", "8388607", "-8388608", "2147483647",
            "-2147483648", "4294967296", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551615", "1.5", "1e3" };
        cmds.Add(new[] { "RPUSH", "list:numbers" }.Concat(numbers).ToArray());
        cmds.Add(new[] { "SADD", "set:numbers" }.Concat(numbers).ToArray());
        cmds.Add(new[] { "HSET", "hash:numbers" }.Concat(numbers.SelectMany(n => new[] { n, n })).ToArray());
        string[] scores = { redis70 ? "0" : "-0", "0.1", "5e-324", "1.7976931348623157e308", "-1.7976931348623157e308", "2.2250738585072014e-308", "9007199254740993", "1e-7", "123456789.125" };
        cmds.Add(new[] { "ZADD", "zset:scores" }.Concat(scores.SelectMany((v, i) => new[] { v, "s" + i })).ToArray());
        cmds.Add(new[] { "ZADD", "zset:scores-skiplist", "1", new string('k', t.ZSetValue + 1) }.Concat(scores.SelectMany((v, i) => new[] { v, "s" + i })).ToArray());

        // Expiry on one key of each kind, a second apart.
        string[] expiring = { "str:int", "str:raw45", "str:lzf", "hash:inline", "hash:pointer", "hash:past", "list:at", "list:many",
            "set:int-at", "set:lp-at", "set:lp-past", "zset:at", "zset:past" };
        for (int i = 0; i < expiring.Length; i++) cmds.Add(new[] { "PEXPIREAT", expiring[i], N(expireAtMs + i * 1000L) });

        // Other databases: a few keys of each type, some expiring; the last database too.
        foreach (int db in new[] { 3, 15 })
        {
            string p = "db" + db + ":";
            cmds.Add(new[] { "SELECT", N(db) });
            cmds.Add(new[] { "SET", p + "str", "in db " + db });
            cmds.Add(new[] { "SET", p + "int", N(1000 + db) });
            cmds.Add(new[] { "HSET", p + "hash", "f", "v", "n", "1" });
            cmds.Add(new[] { "RPUSH", p + "list", "a", "b", "c" });
            cmds.Add(new[] { "SADD", p + "intset", "1", "2", "3" });
            cmds.Add(new[] { "SADD", p + "set", "x", "y", "1" });
            cmds.Add(new[] { "ZADD", p + "zset", "1", "a", "2", "b" });
            cmds.Add(new[] { "PEXPIREAT", p + "str", N(expireAtMs + 500 + db) });
            cmds.Add(new[] { "PEXPIREAT", p + "zset", N(expireAtMs + 86_400_000L * db) });
        }
        // Keys that moved: databases swapped, a key MOVEd and one RENAMEd (likely to another shard), a TTL removed.
        cmds.Add(new[] { "SWAPDB", "3", "15" });
        cmds.Add(new[] { "SELECT", "0" });
        cmds.Add(new[] { "MOVE", "hash:inline", "5" });
        cmds.Add(new[] { "RENAME", "zset:past", "zset:past:renamed" });
        cmds.Add(new[] { "PERSIST", "list:at" });
        cmds.Add(new[] { "SELECT", "5" });
        cmds.Add(new[] { "SET", "db5:str", "in db 5" });

        // Many small strings in one database: the loader's batches to each shard fill and flush many times.
        cmds.Add(new[] { "SELECT", N(BulkDb) });
        for (int from = 0; from < BulkKeys; from += 500)
            cmds.Add(new[] { "MSET" }.Concat(Enumerable.Range(from, 500).SelectMany(i => new[] { "bulk:" + i, i % 3 == 0 ? N(i) : "value-" + i })).ToArray());
        cmds.Add(new[] { "SELECT", "0" });
        return cmds;
    }

    /// <summary>The database holding <see cref="BulkKeys"/> plain strings, compared in bulk (MGET) and by sample.</summary>
    public const int BulkDb = 7, BulkKeys = 2000;

    /// <summary>Runs <see cref="Commands"/> on <paramref name="c"/>; no reply may be an error.</summary>
    public static void Build(RespConnection c, RestoreShapes.Thresholds t, long expireAtMs, bool redis70 = false)
    {
        foreach (string[] cmd in Commands(t, expireAtMs, redis70))
        {
            RespValue r = Resp.Parse(c.Call(cmd));
            Assert.False(r.IsError, $"{string.Join(' ', cmd.Take(2))}: {r}");
        }
    }

    /// <summary>
    /// Under an LRU or LFU policy, copies of one key RESTOREd with chosen IDLETIME or FREQ, so the file carries
    /// values other than "just touched".
    /// </summary>
    public static void AddAccessKeys(RespConnection c, AccessBits access)
    {
        if (access == AccessBits.None) return;
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
        byte[] payload = Resp.Parse(c.Call("DUMP", "str:emb")).Data!;
        int[] values = access == AccessBits.Lru ? new[] { 0, 9, 120, 4000, 259_200 } : new[] { 0, 1, 7, 100, 255 };
        foreach (int v in values)
        {
            byte[][] restore = { Resp.Bytes("RESTORE"), Resp.Bytes("access:" + v), Resp.Bytes("0"), payload,
                Resp.Bytes(access == AccessBits.Lru ? "IDLETIME" : "FREQ"), Resp.Bytes(N(v)) };
            Assert.Equal("+OK\r\n", Resp.AsString(c.Call(restore)));
        }
    }

    /// <summary>
    /// Keys that have expired but are still held (active expiry off, never read), as a SAVE may find them; a loader
    /// must skip them. Returns how many.
    /// </summary>
    public static int AddExpiredKeys(RespConnection c)
    {
        Assert.Equal("+OK\r\n", c.CallText("DEBUG", "SET-ACTIVE-EXPIRE", "0"));
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "3"));
        Assert.Equal("+OK\r\n", c.CallText("SET", "expired:str", "x", "PX", "1"));
        Assert.Equal(":2\r\n", c.CallText("HSET", "expired:hash", "a", "1", "b", "2"));
        Assert.Equal(":1\r\n", c.CallText("PEXPIRE", "expired:hash", "1"));
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
        System.Threading.Thread.Sleep(10);
        return 2;
    }

    /// <summary>"type encoding" of every key in every database of <paramref name="c"/>.</summary>
    public static HashSet<string> EncodingsSeen(RespConnection c)
    {
        var seen = new HashSet<string>();
        for (int db = 0; db < 16; db++)
        {
            Assert.Equal("+OK\r\n", c.CallText("SELECT", N(db)));
            foreach (string key in Keys(c))
                seen.Add(Resp.Parse(c.Call("TYPE", key)).Text + " " + Resp.Parse(c.Call("OBJECT", "ENCODING", key)).Text);
        }
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
        return seen;
    }

    /// <summary>Every (type, encoding) Redis 7.2 has for the five types.</summary>
    public static readonly string[] AllEncodings =
    {
        "string int", "string embstr", "string raw", "hash listpack", "hash hashtable", "set intset", "set listpack",
        "set hashtable", "zset listpack", "zset skiplist", "list listpack", "list quicklist",
    };

    public static List<string> Keys(RespConnection c)
        => Resp.Parse(c.Call("KEYS", "*")).Items!.Select(k => k.Text!).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// A key's type, absolute expiry (PEXPIRETIME, to the millisecond) and whole value, set members and hash pairs
    /// sorted since a hashtable's order is its own; without its encoding.
    /// </summary>
    public static string Value(RespConnection c, string key) => RestoreShapes.Describe(c, key, withEncoding: false);

    /// <summary>
    /// Compares every key of every database: the same keys, the same <see cref="Value"/> (hence PTTL within a
    /// millisecond), the access bits (IDLETIME within <paramref name="idleSlack"/> seconds, FREQ equal; read before any
    /// value read touches the key), and OBJECT ENCODING: <paramref name="loaded"/>'s equals
    /// <paramref name="encodingsFrom"/>'s (the server whose own choice is the reference) unless that is null.
    /// Returns how many keys the databases hold (<see cref="BulkDb"/>'s are compared by MGET and every 37th in full).
    /// </summary>
    public static int Compare(RespConnection source, RespConnection loaded, RespConnection? encodingsFrom, AccessBits access, string context, int idleSlack = 0)
    {
        int compared = 0;
        for (int db = 0; db < 16; db++)
        {
            foreach (RespConnection? c in new[] { source, loaded, encodingsFrom }.Distinct())
                if (c != null) Assert.Equal("+OK\r\n", c.CallText("SELECT", N(db)));
            List<string> keys = Keys(source);
            Assert.True(keys.SequenceEqual(Keys(loaded)),
                $"{context}, db {db}: keys differ\n  source: {string.Join(' ', keys)}\n  loaded: {string.Join(' ', Keys(loaded))}");
            if (db == BulkDb)
            {
                for (int i = 0; i < keys.Count; i += 500)
                {
                    string[] mget = new[] { "MGET" }.Concat(keys.Skip(i).Take(500)).ToArray();
                    Assert.True(source.CallText(mget) == loaded.CallText(mget), $"{context}, db {db}: MGET of keys {i}.. differs");
                }
            }
            for (int k = 0; k < keys.Count; k += db == BulkDb ? 37 : 1)
            {
                string key = keys[k];
                if (access == AccessBits.Lru)
                {
                    long idle = Resp.Parse(source.Call("OBJECT", "IDLETIME", key)).Integer, got = Resp.Parse(loaded.Call("OBJECT", "IDLETIME", key)).Integer;
                    Assert.True(Math.Abs(idle - got) <= idleSlack, $"{context}, db {db} key {key}: IDLETIME {got}, source {idle}");
                }
                else if (access == AccessBits.Lfu)
                {
                    string freq = source.CallText("OBJECT", "FREQ", key), got = loaded.CallText("OBJECT", "FREQ", key);
                    Assert.True(freq == got, $"{context}, db {db} key {key}: OBJECT FREQ {got.TrimEnd()}, source {freq.TrimEnd()}");
                }
                string expected = Value(source, key), actual = Value(loaded, key);
                Assert.True(expected == actual, $"{context}, db {db} key {key}:\n  source: {Resp.Escape(Resp.Latin1.GetBytes(expected), 600)}\n  loaded: {Resp.Escape(Resp.Latin1.GetBytes(actual), 600)}");
                if (encodingsFrom != null)
                {
                    string want = encodingsFrom.CallText("OBJECT", "ENCODING", key), got = loaded.CallText("OBJECT", "ENCODING", key);
                    Assert.True(want == got || IntegerOnLoad(want, got), $"{context}, db {db} key {key}: loaded as {got.TrimEnd()}, expected {want.TrimEnd()}");
                }
            }
            compared += keys.Count;
        }
        return compared;
    }

    /// <summary>
    /// A raw string that reads as an integer (made by APPEND, say) is saved int-encoded, as Redis's rdbSaveStringObject
    /// saves it, and loads as an int: the one encoding a file round trip may change (the value is compared apart).
    /// </summary>
    public static bool IntegerOnLoad(string before, string after) => before == "$3\r\nraw\r\n" && after == "$3\r\nint\r\n";

    /// <summary>The config arguments that give a server thresholds <paramref name="t"/> (Redis 7.0 has no set listpack).</summary>
    public static string[] ThresholdArgs(RestoreShapes.Thresholds t, bool redis70 = false)
    {
        var args = new List<string>
        {
            "--set-max-intset-entries", N(t.IntsetEntries), "--zset-max-listpack-entries", N(t.ZSetEntries),
            "--zset-max-listpack-value", N(t.ZSetValue), "--hash-max-listpack-entries", N(t.HashEntries),
            "--hash-max-listpack-value", N(t.HashValue), "--list-max-listpack-size", N(t.ListSize),
        };
        if (!redis70) args.AddRange(new[] { "--set-max-listpack-entries", N(t.SetEntries), "--set-max-listpack-value", N(t.SetValue) });
        return args.ToArray();
    }

    /// <summary>
    /// An eviction policy, with a maxmemory far above the data: without one Redis hands out its shared integer objects,
    /// whose access bits belong to no key (IDLETIME counts from the clock's zero, FREQ is 0).
    /// </summary>
    public static string[] AccessArgs(AccessBits access) => access switch
    {
        AccessBits.Lru => new[] { "--maxmemory", "1gb", "--maxmemory-policy", "allkeys-lru" },
        // No decay: a minute boundary between the save and the comparison must not change the counter.
        AccessBits.Lfu => new[] { "--maxmemory", "1gb", "--maxmemory-policy", "allkeys-lfu", "--lfu-decay-time", "0" },
        _ => Array.Empty<string>(),
    };

    /// <summary>The first nine bytes of a file: "REDIS00vv".</summary>
    public static string Magic(string file)
    {
        byte[] head = new byte[9];
        using var fs = File.OpenRead(file);
        Assert.Equal(9, fs.Read(head, 0, 9));
        return Encoding.ASCII.GetString(head);
    }

    /// <summary>Runs a redis-check-rdb on <paramref name="file"/>; it must exit 0 and say the file looks OK.</summary>
    /// Returns its counts: the "[info] ..." lines (keys read, expires, already expired).
    public static string CheckRdb(string checker, string file)
    {
        var r = ProcessRunner.Run(checker, [file], (string?)null, TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0 && (r.StdOut + r.StdErr).Contains("RDB looks OK", StringComparison.Ordinal), checker + ": " + r);
        return string.Join('\n', (r.StdOut + r.StdErr).Split('\n').Where(l => l.StartsWith("[info] ", StringComparison.Ordinal) && !l.Contains("file", StringComparison.Ordinal)));
    }
}

/// <summary>
/// Debian's Redis 7.0.15 (redis-server and redis-check-rdb on PATH), the reader and writer of RDB version 10.
/// Tests that need it skip when it is absent or another version.
/// </summary>
public static class Redis70
{
    static readonly Lazy<(string? Server, string? Check, string Why)> Found = new(Find);

    static (string?, string?, string) Find()
    {
        string? server = OnPath("redis-server"), check = OnPath("redis-check-rdb");
        if (server == null || check == null) return (null, null, "redis-server or redis-check-rdb is not on PATH");
        var v = ProcessRunner.Run(server, ["--version"], (string?)null, TimeSpan.FromSeconds(20));
        if (!v.StdOut.Contains("v=7.0.", StringComparison.Ordinal)) return (null, null, "the redis-server on PATH is not 7.0: " + v.StdOut.Trim());
        return (server, check, "");
    }

    static string? OnPath(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    static void Require()
    {
        if (Found.Value.Server == null) Assert.Skip("Redis 7.0.15 is needed for RDB version 10: " + Found.Value.Why);
    }

    public static ServerProcess Start(params string[] args)
    {
        Require();
        return ServerProcess.Start(new LaunchCommand(Found.Value.Server!, [], IsRedis: true), null, args);
    }

    public static string CheckRdb
    {
        get
        {
            Require();
            return Found.Value.Check!;
        }
    }
}
