using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// The AOF FastKv writes for a command stream against the one Redis 7.2.4 writes for the same stream, record by
/// record: every write command group as it came, every command Redis propagates in another form (SET … PXAT, PEXPIREAT,
/// SET … KEEPTTL, HSET, SREM/DEL, LPOP/ZPOPMIN …, RESTORE … ABSTTL, GEOADD as zadd), blocking pops served at once, and DEL of a key a
/// lookup found expired (Redis wraps it with the write that found it in MULTI/EXEC). Absolute times near now are
/// compared as placeholders; SPOP's random members by their count.
/// </summary>
public class AofPropagationTests
{
    const string Incr = "appendonlydir/appendonly.aof.1.incr.aof";

    /// <summary>All keys share the hash tag, so with several threads they still live on one shard.</summary>
    static readonly string[][] Stream =
    [
        ["debug", "set-active-expire", "0"],
        // Strings.
        ["set", "{t}s", "v"], ["SET", "{t}s", "v", "PX", "100000", "GET"], ["set", "{t}s2", "v", "pxat", "99999999999999", "get"],
        ["set", "{t}s3", "v", "keepttl", "get"], ["set", "{t}s3", "w", "nx", "get"], ["set", "{t}s4", "v", "exat", "99999999999", "nx"],
        ["setex", "{t}s5", "100", "v"], ["psetex", "{t}s6", "100000", "v"], ["setnx", "{t}s7", "v"], ["getset", "{t}s3", "x"],
        ["getex", "{t}s3", "ex", "100"], ["getex", "{t}s3", "persist"], ["getex", "{t}s3", "persist"], ["getex", "{t}s3", "pxat", "1"],
        ["getdel", "{t}s2"], ["mset", "{t}m1", "1", "{t}m2", "2"], ["msetnx", "{t}m3", "1", "{t}m1", "2"], ["append", "{t}m1", "x"],
        ["incr", "{t}n"], ["incrby", "{t}n", "5"], ["decr", "{t}n"], ["decrby", "{t}n", "2"], ["set", "{t}f", "1.5"],
        ["incrbyfloat", "{t}f", "1.25"], ["setrange", "{t}m2", "3", "abc"],
        // Keys and expiry.
        ["set", "{t}e", "1"], ["expire", "{t}e", "100", "nx"], ["pexpire", "{t}e", "100000", "xx"], ["expireat", "{t}e", "99999999999"],
        ["pexpireat", "{t}e", "99999999999999"], ["persist", "{t}e"], ["expire", "{t}e", "-1"], ["expire", "{t}e", "100"],
        ["rename", "{t}m1", "{t}m9"], ["renamenx", "{t}m9", "{t}m2"], ["copy", "{t}m9", "{t}c1"], ["move", "{t}c1", "2"],
        ["del", "{t}m9", "{t}nope"], ["unlink", "{t}m2"], ["touch", "{t}n"],
        // Hashes.
        ["hset", "{t}h", "a", "1", "b", "2"], ["hsetnx", "{t}h", "c", "3"], ["hincrby", "{t}h", "a", "4"],
        ["hincrbyfloat", "{t}h", "f", "2.5"], ["hdel", "{t}h", "b", "zz"], ["hmset", "{t}h", "d", "4"],
        // Sets.
        ["sadd", "{t}st", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"], ["srem", "{t}st", "j"], ["smove", "{t}st", "{t}st2", "i"],
        ["spop", "{t}st2"], ["spop", "{t}st", "2"], ["spop", "{t}st", "100"], ["sadd", "{t}u1", "1", "2"], ["sadd", "{t}u2", "2", "3"],
        ["sunionstore", "{t}u3", "{t}u1", "{t}u2"], ["sinterstore", "{t}u4", "{t}u1", "{t}u2"], ["sdiffstore", "{t}u5", "{t}u1", "{t}u2"],
        // Lists.
        ["rpush", "{t}l", "a", "b", "c", "d"], ["lpush", "{t}l", "z"], ["lpushx", "{t}l", "y"], ["rpushx", "{t}nol", "y"],
        ["linsert", "{t}l", "before", "a", "q"], ["lset", "{t}l", "0", "w"], ["lrem", "{t}l", "1", "q"], ["ltrim", "{t}l", "0", "10"],
        ["lpop", "{t}l"], ["rpop", "{t}l", "1"], ["lmove", "{t}l", "{t}l2", "left", "right"], ["rpoplpush", "{t}l", "{t}l2"],
        ["lmpop", "2", "{t}nol", "{t}l2", "left", "count", "3"],
        ["rpush", "{t}bl", "x", "y", "z"], ["blpop", "{t}bl", "0"], ["brpop", "{t}bl", "0"], ["blmove", "{t}bl", "{t}bl2", "left", "Right", "0"],
        ["brpoplpush", "{t}bl2", "{t}bl3", "0"], ["blmpop", "0", "1", "{t}bl3", "right", "count", "9"],
        // Sorted sets.
        ["zadd", "{t}z", "1", "a", "2", "b", "3", "c", "4", "d"], ["zincrby", "{t}z", "2", "a"], ["zrem", "{t}z", "d"],
        ["zpopmin", "{t}z"], ["zpopmax", "{t}z", "1"], ["zadd", "{t}z", "1", "a", "2", "b", "3", "c", "4", "d"],
        ["zmpop", "1", "{t}z", "max", "count", "2"], ["zremrangebyscore", "{t}z", "0", "1"], ["zadd", "{t}z2", "1", "x"],
        ["zunionstore", "{t}z3", "2", "{t}z", "{t}z2"], ["zrangestore", "{t}z4", "{t}z3", "0", "-1"],
        ["zadd", "{t}bz", "1", "a", "2", "b", "3", "c", "4", "d"], ["bzpopmin", "{t}bz", "0"], ["bzpopmax", "{t}bz", "0"],
        ["bzmpop", "0", "1", "{t}bz", "min", "count", "1"],
        // Lazy expiry: a PXAT in the past stores the key expired; the lookup that finds it propagates its DEL.
        ["set", "{t}x1", "1", "pxat", "1"], ["get", "{t}x1"], ["set", "{t}x2", "1", "pxat", "1"], ["incr", "{t}x2"],
        ["set", "{t}x3", "1", "pxat", "1"], ["del", "{t}x3"],
        // Scripts: their effects, not the script (Redis 7), in MULTI/EXEC when there are several; a script's SET ... EX as
        // SET ... PXAT; reads and failed writes leave nothing; SELECT inside a script moves only the script.
        ["eval", "redis.call('set', KEYS[1], 'a') redis.call('incr', KEYS[2]) return 1", "2", "{t}e1", "{t}e2"],
        ["eval", "return redis.call('set', KEYS[1], 'b', 'ex', 100)", "1", "{t}e1"], ["eval", "return redis.call('get', KEYS[1])", "1", "{t}e1"],
        ["eval", "return redis.pcall('incr', KEYS[1])", "1", "{t}e1"], ["script", "load", "return redis.call('incrby', KEYS[1], ARGV[1])"],
        ["evalsha", "65b45e1e1b8b36c8c3e885080b88ae484e64fde6", "1", "{t}e2", "5"],
        ["eval", "redis.call('select', 2) redis.call('set', KEYS[1], 'in2') redis.call('select', 0) return redis.call('set', KEYS[1], 'in0')", "1", "{t}e3"],
        // Geo: GEOADD as the zadd it becomes (lower case, options as they came, the 52-bit scores), not when it changed
        // nothing or failed, and inside a script; the stores as they came, and the empty one that deletes.
        ["geoadd", "{t}g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"],
        ["GEOADD", "{t}g", "NX", "CH", "13.361389", "38.115556", "Palermo", "2", "3", "X"], ["geoadd", "{t}g", "xx", "ch", "2.5", "3", "X", "4", "5", "Y"],
        ["geoadd", "{t}g", "XX", "2.5", "3", "X"], ["geoadd", "{t}g", "1", "100", "bad"], ["geoadd", "{t}g", "CH", "1", "2", "Palermo"],
        ["georadius", "{t}g", "15", "37", "200", "km", "store", "{t}gd"], ["georadius", "{t}g", "15", "37", "200", "km", "storedist", "{t}gd2"],
        ["georadiusbymember", "{t}g", "Palermo", "300", "km", "STORE", "{t}gd3"],
        ["geosearchstore", "{t}gs", "{t}g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["geosearchstore", "{t}gs", "{t}g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST"],
        ["geosearchstore", "{t}gs", "{t}g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
        ["geosearchstore", "{t}none", "{t}g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
        ["eval", "return redis.call('geoadd', KEYS[1], 7, 8, 'Z')", "1", "{t}g"],
        // Databases. FLUSHDB and FLUSHALL go into the file even when there was nothing to flush (Redis's
        // forceCommandPropagation), once however many shards held keys.
        ["select", "1"], ["set", "{t}d1", "v", "ex", "100"], ["flushdb"], ["flushdb"], ["flushdb", "async"], ["swapdb", "1", "3"],
        ["select", "0"], ["set", "{a}1", "1"], ["set", "{b}2", "2"], ["set", "{c}3", "3"],
        ["set", "{d}4", "4"], ["set", "{e}5", "5"], ["set", "{f}6", "6"],
        ["flushall"], ["flushall", "sync"], ["set", "{t}after", "1"],
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void SameStream_SameAof(int threads)
    {
        List<string> redis = Record(ServerKind.Redis, threads);
        List<string> fastkv = Record(ServerKind.Target, threads);
        Assert.Equal(redis, fastkv);
    }

    /// <summary>
    /// aof-timestamp-enabled: a "#TS:" line before the first record and again once the second has moved on, on both
    /// servers; none while it is off.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TimestampAnnotations_AsRedisWritesThem(int threads)
    {
        foreach (ServerKind kind in new[] { ServerKind.Redis, ServerKind.Target })
        {
            using var server = ServerProcess.Start(kind, threads, "--appendonly", "yes", "--appendfsync", "always",
                "--aof-timestamp-enabled", "yes");
            using var conn = server.Connect();
            // a and b just after a second begins, so both fall in it; c in a later second.
            NextSecond();
            conn.Call("set", "a", "1");
            conn.Call("set", "b", "2");
            NextSecond();
            conn.Call("set", "c", "3");
            conn.Call("config", "set", "aof-timestamp-enabled", "no");
            System.Threading.Thread.Sleep(1100);
            conn.Call("set", "d", "4");
            List<string> records = Records(File.ReadAllBytes(Path.Combine(server.WorkDir, Incr)));
            Assert.Equal(["#TS:<now>", "SELECT|0", "set|a|1", "set|b|2", "#TS:<now>", "set|c|3", "set|d|4"], records);
        }
    }

    /// <summary>Sleeps until the unix second changes (a few ms into the new one).</summary>
    static void NextSecond()
    {
        long second = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        while (DateTimeOffset.UtcNow.ToUnixTimeSeconds() == second) System.Threading.Thread.Sleep(2);
    }

    /// <summary>Runs the stream (with a DUMP/RESTORE round trip) on a fresh server with the AOF on; its incr file's records.</summary>
    static List<string> Record(ServerKind kind, int threads)
    {
        // always: Redis writes the file before it replies. With everysec it may postpone a write for up to 2 s while
        // a background fsync is slow (a loaded machine), and the file read after the last reply would be short.
        using var server = ServerProcess.Start(kind, threads, "--appendonly", "yes", "--appendfsync", "always");
        using var conn = server.Connect();
        foreach (string[] cmd in Stream) conn.Call(cmd);
        conn.Call("set", "{t}r", "1");
        byte[] dump = conn.Call("dump", "{t}r");
        int nl = dump.AsSpan().IndexOf("\r\n"u8);
        byte[] payload = dump[(nl + 2)..^2];
        conn.Call([.. new[] { "restore", "{t}r2", "100000" }.Select(Encoding.ASCII.GetBytes), payload]);
        conn.Call("ping");
        string path = Path.Combine(server.WorkDir, Incr);
        if (!File.Exists(path))
        {
            Assert.Fail(server.Description + " wrote no " + Incr + "\n" + server.Output);
        }
        return Records(File.ReadAllBytes(path));
    }

    /// <summary>The file's RESP arrays, one line each (arguments as Latin-1, '|'-separated), normalised.</summary>
    internal static List<string> Records(byte[] file)
    {
        var records = new List<string>();
        int i = 0;
        while (i < file.Length)
        {
            if (file[i] == '#')
            {
                // aof-timestamp-enabled's annotation: "#TS:<unix seconds>", the time compared to now.
                int end = Array.IndexOf(file, (byte)'\r', i);
                string line = Encoding.ASCII.GetString(file, i, end - i);
                long ts = line.StartsWith("#TS:", StringComparison.Ordinal) && long.TryParse(line[4..], out long t) ? t : -1;
                records.Add(Math.Abs(ts - DateTimeOffset.UtcNow.ToUnixTimeSeconds()) <= 10 ? "#TS:<now>" : line);
                i = end + 2;
                continue;
            }
            long n = Number(file, ref i, (byte)'*');
            var args = new List<string>();
            for (long k = 0; k < n; k++)
            {
                int len = (int)Number(file, ref i, (byte)'$');
                args.Add(Encoding.Latin1.GetString(file, i, len));
                i += len;
                Assert.True(file[i] == '\r' && file[i + 1] == '\n', "bulk string not ended by CRLF at " + i);
                i += 2;
            }
            records.Add(string.Join('|', Normalise(args)));
        }
        return records;
    }

    static long Number(byte[] f, ref int i, byte type)
    {
        Assert.True(f[i] == type, "expected '" + (char)type + "' at offset " + i + ", found '" + (char)f[i] + "'");
        i++;
        int end = Array.IndexOf(f, (byte)'\r', i);
        long v = long.Parse(Encoding.ASCII.GetString(f, i, end - i), System.Globalization.CultureInfo.InvariantCulture);
        i = end + 2;
        return v;
    }

    /// <summary>Absolute times within 5 s of now (or of now + 100 s, the stream's relative TTL) become placeholders.</summary>
    static List<string> Normalise(List<string> a)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int i = 1; i < a.Count; i++)
        {
            if (!long.TryParse(a[i], out long ms)) continue;
            if (Math.Abs(ms - now) <= 5000) a[i] = "<now>";
            else if (Math.Abs(ms - 100_000 - now) <= 5000) a[i] = "<now+100s>";
        }
        // SPOP's members are random: its SREM is compared by key and count.
        if (a.Count > 3 && a[0] == "SREM") return [a[0], a[1], "<" + (a.Count - 2) + " members>"];
        return a;
    }
}
