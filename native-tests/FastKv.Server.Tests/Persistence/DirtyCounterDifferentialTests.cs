using System;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// The change counter behind save points and rdb_changes_since_last_save (Redis's server.dirty), command by
/// command against Redis 7.2.4 (<see cref="DirtyRun"/>): every write command FastKv has, in the forms that count
/// one, several or nothing (refused NX/XX, missing keys, members already there, WRONGTYPE, errors), inside
/// MULTI/EXEC, discarded and aborted transactions, blocking pops served by a later push, expired and evicted keys.
/// At --threads 4 the keys of each multi-key command sit on different shards (<see cref="KeyOn"/>), so every
/// cross-shard plan (split keys, moved keys, gathered copies, whole-server commands, EXEC) has to add up to
/// Redis's total.
/// </summary>
public class DirtyCounterDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    /// <summary>A key named <paramref name="name"/>:n that lives on shard <paramref name="shard"/> of 4 (slot ranges).</summary>
    private static string KeyOn(int shard, string name)
    {
        for (int i = 0; ; i++)
        {
            string k = name + ":" + i;
            if (KeySlot.Of(k) * 4 / 16384 == shard)
                return k;
        }
    }

    private DirtyRun Start(int threads, string what)
    {
        var run = new DirtyRun(servers.Oracle.Server, servers.TargetWithThreads(threads).Server, $"{what}, --threads {threads}");
        // Whatever an earlier test left: not compared (the two servers may hold different keys).
        run.Unchecked("FLUSHALL");
        run.Unchecked("CONFIG", "SET", "maxmemory", "0");
        run.Unchecked("CONFIG", "SET", "maxmemory-policy", "noeviction");
        return run;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void StringAndKeyCommands_CountAsRedis(int threads)
    {
        using DirtyRun run = Start(threads, "strings and keys");
        string a = KeyOn(0, "a"), b = KeyOn(1, "b"), c = KeyOn(2, "c"), d = KeyOn(3, "d"), e = KeyOn(1, "e");
        string n = KeyOn(2, "n"), missing = KeyOn(3, "missing"), list = KeyOn(0, "list");
        void S(params string[] cmd) => run.Step(cmd);

        // SET and its options: one change when it writes, none when NX/XX refuse; a past PXAT still writes.
        S("SET", a, "1"); S("SET", a, "1", "NX"); S("SET", a, "2", "XX"); S("SET", b, "2", "XX");
        S("SET", a, "3", "GET"); S("SET", a, "4", "PX", "100000"); S("SET", a, "5", "KEEPTTL");
        S("SET", a, "5", "PXAT", "1"); S("EXISTS", a); S("SET", a, "6", "EXAT", "1", "GET");
        S("SET", a, "x", "EX", "0"); S("SET", a, "x", "NX", "XX"); S("SET", a, "7", "NX", "GET"); S("SET", a, "8", "NX", "GET");
        S("SETNX", a, "1"); S("SETNX", c, "1"); S("SETEX", a, "100", "1"); S("PSETEX", a, "100000", "1"); S("SETEX", a, "0", "1");
        S("GETSET", a, "2"); S("GETSET", d, "2"); S("GETDEL", d); S("GETDEL", d);
        S("GETEX", a); S("GETEX", a, "EX", "100"); S("GETEX", a, "PERSIST"); S("GETEX", a, "PERSIST");
        S("GETEX", missing, "EX", "100"); S("GETEX", a, "PXAT", "1"); S("EXISTS", a);
        // MSET counts every pair, repeats included; MSETNX all or nothing; across shards each part counts its pairs.
        S("MSET", a, "1", b, "2", c, "3", d, "4"); S("MSET", a, "1", a, "2"); S("MSET", a, "1", b);
        S("MSETNX", a, "1", e, "2"); S("MSETNX", e, "1", n, "2", missing + "x", "3");
        // APPEND always counts (an empty tail too); SETRANGE not for an empty patch.
        S("APPEND", a, "x"); S("APPEND", a, ""); S("APPEND", KeyOn(0, "new"), ""); S("APPEND", KeyOn(1, "new"), "x");
        S("SETRANGE", a, "0", ""); S("SETRANGE", KeyOn(2, "nk"), "0", ""); S("SETRANGE", a, "0", "zz"); S("SETRANGE", a, "10", "");
        S("SETRANGE", a, "-1", "x"); S("SETRANGE", a, "3", "y");
        S("INCR", n); S("INCRBY", n, "5"); S("DECR", n); S("DECRBY", n, "2"); S("INCRBYFLOAT", n, "1.5");
        S("INCR", a); S("INCRBYFLOAT", a, "1"); S("INCRBY", n, "x"); S("SET", n, "9223372036854775807"); S("INCR", n);
        // SETBIT and BITFIELD count only a made or grown key or a bit or field that changed.
        S("SETBIT", KeyOn(3, "bits"), "0", "0"); S("SETBIT", KeyOn(3, "bits"), "0", "0"); S("SETBIT", KeyOn(3, "bits"), "0", "1");
        S("BITFIELD", KeyOn(0, "bf"), "SET", "i5", "0", "0"); S("BITFIELD", KeyOn(0, "bf"), "SET", "i5", "0", "0");
        S("BITFIELD", KeyOn(0, "bf"), "SET", "i5", "0", "1", "SET", "u3", "5", "0", "INCRBY", "u2", "8", "0");
        S("BITFIELD", KeyOn(0, "bf"), "SET", "u4", "100", "0"); S("BITFIELD", KeyOn(0, "bf"), "OVERFLOW", "SAT", "INCRBY", "u2", "0", "3");
        S("BITFIELD", KeyOn(0, "bf"), "OVERFLOW", "SAT", "INCRBY", "u2", "0", "3"); S("BITFIELD", KeyOn(0, "bf"), "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "1");
        S("RPUSH", list, "x"); S("SET", list, "v", "GET"); S("GETSET", list, "v"); S("APPEND", list, "v"); S("INCR", list);
        S("GETDEL", list); S("GETEX", list, "EX", "10"); S("SETRANGE", list, "0", "v");

        // DEL / UNLINK: one per key removed, on whichever shards they live.
        S("DEL", missing); S("DEL", a, b, c, d, missing); S("MSET", a, "1", b, "2"); S("UNLINK", a, b, c, missing);
        S("DEL", e, e);
        // The EXPIRE family: one when the TTL changed or the key went, none when refused or missing.
        S("SET", a, "1"); S("EXPIRE", a, "100"); S("EXPIRE", a, "100", "NX"); S("EXPIRE", a, "200", "XX");
        S("EXPIRE", a, "50", "GT"); S("EXPIRE", a, "50", "LT"); S("EXPIRE", missing, "10"); S("EXPIRE", a, "x");
        S("PEXPIRE", a, "100000"); S("EXPIREAT", a, "99999999999"); S("PEXPIREAT", a, "99999999999000");
        S("PERSIST", a); S("PERSIST", a); S("PERSIST", missing); S("EXPIRE", a, "10", "XX");
        S("EXPIRE", a, "0"); S("EXISTS", a); S("SET", a, "1"); S("EXPIRE", a, "-5"); S("SET", a, "1"); S("PEXPIREAT", a, "1");
        S("SET", a, "1"); S("EXPIRE", a, "-5", "NX");
        // RENAME / RENAMENX / COPY / MOVE: one change each when they act, also between shards.
        S("SET", a, "1"); S("RENAME", a, b); S("RENAME", b, b); S("RENAMENX", b, b); S("RENAME", missing, c);
        S("SET", a, "1"); S("RENAMENX", a, b); S("RENAMENX", a, c); S("RENAME", c, d); S("RENAME", d, a);
        S("SET", e, "1"); S("COPY", a, e); S("COPY", a, e, "REPLACE"); S("COPY", a, c); S("COPY", missing, d);
        S("COPY", a, a); S("COPY", a, KeyOn(0, "copy"), "DB", "2"); S("COPY", a, c, "DB", "2"); S("COPY", a, c, "DB", "2");
        S("MOVE", c, "3"); S("MOVE", c, "3"); S("SET", c, "1"); S("MOVE", c, "3"); S("MOVE", missing, "3"); S("MOVE", c, "0");
        S("RPUSH", list, "a", "b"); S("RENAME", list, KeyOn(3, "list2")); S("COPY", KeyOn(3, "list2"), list);
        // SWAPDB counts one for the server, also for a database with itself; the flushes count the keys they removed.
        S("SWAPDB", "0", "1"); S("SWAPDB", "0", "0"); S("SWAPDB", "1", "0"); S("SWAPDB", "0", "99");
        S("SELECT", "3"); S("FLUSHDB"); S("FLUSHDB"); S("SELECT", "0"); S("FLUSHDB", "ASYNC");
        S("MSET", a, "1", b, "2", c, "3"); S("SELECT", "2"); S("SET", a, "1"); S("SELECT", "0");
        S("FLUSHALL"); S("FLUSHALL"); S("FLUSHALL", "SYNC"); S("FLUSHDB", "BAD");
        // Reads count nothing.
        S("SET", a, "1"); S("GET", a); S("MGET", a, b, c); S("EXISTS", a, b); S("TOUCH", a, b); S("TTL", a);
        S("STRLEN", a); S("GETRANGE", a, "0", "-1"); S("TYPE", a); S("LCS", a, b);
        run.AssertAllMatched();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void CollectionCommands_CountAsRedis(int threads)
    {
        using DirtyRun run = Start(threads, "collections");
        string h = KeyOn(0, "h"), l = KeyOn(1, "l"), l2 = KeyOn(2, "l2"), l3 = KeyOn(3, "l3"), s = KeyOn(0, "s");
        string s1 = KeyOn(1, "s1"), s2 = KeyOn(2, "s2"), t = KeyOn(3, "t"), z = KeyOn(1, "z"), z1 = KeyOn(2, "z1");
        string z2 = KeyOn(3, "z2"), dst = KeyOn(0, "dst"), str = KeyOn(2, "str"), missing = KeyOn(3, "missing");
        void S(params string[] cmd) => run.Step(cmd);
        S("SET", str, "text");

        // Hashes: HSET counts every pair, equal values too; HDEL the fields removed.
        S("HSET", h, "a", "1", "b", "2"); S("HSET", h, "a", "1"); S("HSET", h, "a", "2", "c", "3"); S("HMSET", h, "a", "1");
        S("HSET", h, "a"); S("HSETNX", h, "a", "1"); S("HSETNX", h, "z", "1"); S("HDEL", h, "a", "b", "nope");
        S("HDEL", h, "nope"); S("HDEL", missing, "a"); S("HINCRBY", h, "n", "1"); S("HINCRBYFLOAT", h, "f", "1.5");
        S("HINCRBY", h, "z", "x"); S("HINCRBY", h, "c", "1"); S("HSET", h, "s", "abc"); S("HINCRBY", h, "s", "1");
        S("HINCRBYFLOAT", h, "s", "1"); S("HSET", str, "a", "1"); S("HDEL", str, "a"); S("HINCRBY", str, "a", "1");
        S("HDEL", h, "c", "z", "n", "f", "s"); S("EXISTS", h); S("HSET", h, "a", "1", "a", "2", "a", "1");
        S("HGET", h, "a"); S("HGETALL", h); S("HLEN", h);

        // Lists: one per element pushed, popped, removed, trimmed, inserted or set; a move is one.
        S("RPUSH", l, "a", "b", "c", "d", "e"); S("LPUSHX", l, "x", "y"); S("LPUSHX", missing, "x"); S("RPUSHX", l, "z");
        S("LINSERT", l, "BEFORE", "a", "q"); S("LINSERT", l, "BEFORE", "nope", "q"); S("LINSERT", missing, "BEFORE", "a", "q");
        S("LSET", l, "0", "w"); S("LSET", l, "100", "w"); S("LSET", missing, "0", "w");
        S("LPOP", l); S("LPOP", l, "3"); S("LPOP", l, "0"); S("LPOP", missing); S("LPOP", missing, "2"); S("RPOP", l, "100");
        S("RPUSH", l, "a", "b", "c", "a", "b", "a"); S("LREM", l, "0", "a"); S("LREM", l, "0", "zz"); S("LREM", l, "1", "b");
        S("LTRIM", l, "0", "-1"); S("RPUSH", l, "a", "b", "c", "d"); S("LTRIM", l, "1", "2"); S("LTRIM", l, "5", "10");
        S("LTRIM", missing, "0", "1"); S("RPUSH", l, "a", "b", "c");
        S("LMOVE", l, l2, "LEFT", "RIGHT"); S("LMOVE", l, l, "LEFT", "RIGHT"); S("RPOPLPUSH", l, l3);
        S("RPOPLPUSH", missing, l3); S("RPOPLPUSH", l3, l3); S("LMOVE", l2, str, "LEFT", "LEFT");
        S("LMPOP", "2", missing, l3, "LEFT", "COUNT", "5"); S("LMPOP", "1", missing, "LEFT"); S("LMPOP", "2", l, l2, "RIGHT", "COUNT", "2");
        S("RPUSH", l, "a", "b", "c", "d"); S("BLPOP", l, "1"); S("BRPOP", missing, l, "1"); S("BLPOP", missing, "0.01");
        S("BRPOPLPUSH", l, l2, "1"); S("BLMOVE", l, l3, "LEFT", "LEFT", "1"); S("BLMPOP", "1", "2", missing, l3, "RIGHT", "COUNT", "10");
        S("LPUSH", str, "a"); S("LPOP", str); S("LRANGE", l, "0", "-1"); S("LLEN", l);

        // Sets: SADD/SREM per member, SPOP per member popped, SMOVE one for the removal and one for the addition.
        S("SADD", s, "a", "b", "c"); S("SADD", s, "a"); S("SADD", s, "a", "d", "d"); S("SREM", s, "a", "nope");
        S("SREM", s, "nope"); S("SREM", missing, "a"); S("SPOP", s); S("SPOP", s, "0"); S("SPOP", missing); S("SPOP", missing, "2");
        S("SPOP", s, "-1"); S("DEL", s);
        // SPOP with a count: one by one (few go), the whole set, the survivors moved (most go); the members popped
        // are random, so the set is deleted after each.
        S("SADD", s, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"); S("SPOP", s, "2"); S("DEL", s);
        S("SADD", s, "a", "b", "c"); S("SPOP", s, "10"); S("SADD", s, "1", "2", "3", "4", "5", "6", "7"); S("SPOP", s, "7");
        S("SADD", s, "a", "b", "c", "d", "e", "f", "g"); S("SPOP", s, "6"); S("DEL", s);
        S("SADD", s, "1", "2", "3", "4", "5", "6", "7", "8"); S("SPOP", s, "7"); S("DEL", s);
        S("SADD", s, "a", "b", "c"); S("SMOVE", s, t, "a"); S("SADD", t, "b"); S("SMOVE", s, t, "b"); S("SMOVE", s, t, "nope");
        S("SMOVE", s, s, "c"); S("SMOVE", missing, t, "c"); S("SMOVE", s, str, "c"); S("SMOVE", t, s, "a");
        S("SADD", s1, "a", "b", "c"); S("SADD", s2, "b", "c", "d");
        // *STORE: one for the destination written, or deleted when the result is empty; none when nothing was there.
        S("SINTERSTORE", dst, s1, s2); S("SUNIONSTORE", dst, s1, s2); S("SDIFFSTORE", dst, s1, s2); S("SINTERSTORE", dst, s1, missing);
        S("SINTERSTORE", dst, s1, missing); S("SDIFFSTORE", dst, s1, s1); S("SUNIONSTORE", dst, missing, missing);
        S("SUNIONSTORE", dst, s1, str); S("SADD", str, "a"); S("SISMEMBER", s1, "a"); S("SMEMBERS", s1); S("SINTER", s1, s2);

        // Sorted sets: ZADD counts the members added or changed, the removals each member removed.
        S("ZADD", z, "1", "a", "2", "b", "3", "c"); S("ZADD", z, "1", "a"); S("ZADD", z, "5", "a"); S("ZADD", z, "NX", "6", "a");
        S("ZADD", z, "XX", "6", "a", "7", "newm"); S("ZADD", z, "CH", "6", "a", "8", "b"); S("ZADD", z, "GT", "1", "a");
        S("ZADD", z, "LT", "1", "a"); S("ZADD", z, "INCR", "1", "a"); S("ZADD", z, "NX", "INCR", "1", "a");
        S("ZADD", z, "1", "a", "1", "a", "2", "a"); S("ZADD", missing, "XX", "1", "a"); S("ZADD", z, "x", "a");
        S("ZADD", z, "NX", "XX", "1", "a"); S("ZADD", z, "INCR", "inf", "a"); S("ZADD", z, "INCR", "-inf", "a");
        S("ZINCRBY", z, "1", "a"); S("ZINCRBY", z, "0", "b"); S("ZINCRBY", z, "1", "new"); S("ZREM", z, "new", "nope"); S("ZREM", z, "nope");
        S("DEL", z); S("ZADD", z, "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f");
        S("ZREMRANGEBYRANK", z, "0", "1"); S("ZREMRANGEBYRANK", z, "10", "20"); S("ZREMRANGEBYSCORE", z, "3", "4");
        S("ZREMRANGEBYSCORE", z, "100", "200"); S("DEL", z); S("ZADD", z, "0", "x", "0", "y", "0", "zz", "0", "w");
        S("ZREMRANGEBYLEX", z, "[x", "[y"); S("ZREMRANGEBYLEX", z, "[q", "[r"); S("ZREMRANGEBYLEX", z, "x", "y");
        S("ZADD", z, "1", "a", "2", "b", "3", "c", "4", "d");
        S("ZPOPMIN", z); S("ZPOPMAX", z, "2"); S("ZPOPMIN", z, "0"); S("ZPOPMIN", missing); S("ZPOPMAX", missing, "3");
        S("ZMPOP", "1", z, "MIN", "COUNT", "2"); S("ZADD", z, "1", "a", "2", "b", "3", "c"); S("ZMPOP", "2", missing, z, "MAX");
        S("ZMPOP", "1", missing, "MIN"); S("BZPOPMIN", z, "1"); S("BZPOPMAX", missing, z, "1"); S("BZMPOP", "1", "2", missing, z, "MIN");
        S("BZPOPMIN", missing, "0.01"); S("ZADD", z1, "1", "a", "2", "b"); S("ZADD", z2, "1", "b", "3", "c");
        S("ZUNIONSTORE", dst, "2", z1, z2); S("ZINTERSTORE", dst, "2", z1, z2); S("ZDIFFSTORE", dst, "2", z1, z2);
        S("ZINTERSTORE", dst, "2", z1, missing); S("ZINTERSTORE", dst, "2", z1, missing); S("ZUNIONSTORE", dst, "1", str);
        S("ZRANGESTORE", dst, z1, "0", "-1"); S("ZRANGESTORE", dst, z1, "5", "10"); S("ZRANGESTORE", dst, z1, "5", "10");
        S("ZRANGESTORE", dst, z1, "(1", "+inf", "BYSCORE"); S("ZRANGESTORE", dst, missing, "0", "-1");
        S("ZADD", str, "1", "a"); S("ZREM", str, "a"); S("ZRANGE", z1, "0", "-1"); S("ZSCORE", z1, "a"); S("ZCARD", z1);

        // SORT ... STORE: one per element stored, or one for a deleted destination.
        S("SORT", missing, "STORE", dst); S("RPUSH", l3, "3", "1", "2"); S("SORT", l3, "STORE", dst); S("SORT", l3, "STORE", dst);
        S("SORT", l3, "LIMIT", "0", "2", "STORE", dst); S("SORT", missing, "STORE", dst); S("SORT", missing, "STORE", dst);
        S("SORT", l3); S("SORT_RO", l3); S("SORT", str, "STORE", dst);
        run.AssertAllMatched();
    }

    /// <summary>
    /// The seeded random streams of the type differential tests (every command of each family with random keys,
    /// members, options and bad arguments), counted command by command. SPOP is left out: which members it takes
    /// is random, so the two servers' sets would part ways (the fixed streams above count it).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void GeneratedStreams_CountAsRedis(int threads)
    {
        using DirtyRun run = Start(threads, "generated streams");
        const int count = 700;
        (string name, List<byte[][]> steps)[] streams =
        [
            ("strings", new StringCommandGenerator(11).Generate(count)),
            ("hashes", new HashCommandGenerator(12).Generate(count)),
            ("lists", new ListCommandGenerator(13, resp3: false).Generate(count)),
            ("sets", new SetCommandGenerator(14).Generate(count)),
            ("sorted sets", new ZSetCommandGenerator(15).Generate(count, resp3: false)),
            ("sort", new SortCommandGenerator(16).Generate(count, resp3: false)),
        ];
        foreach (var (name, steps) in streams)
        {
            foreach (byte[][] step in steps)
            {
                string[] command = Array.ConvertAll(step, Resp.AsString);
                if (command[0] == DualSession.PauseMarker)
                    System.Threading.Thread.Sleep(int.Parse(command[1], CultureInfo.InvariantCulture));
                else if (!command[0].Equals("SPOP", StringComparison.OrdinalIgnoreCase))
                    run.Step(command);
            }
        }
        run.AssertAllMatched();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Transactions_CountTheirCommands(int threads)
    {
        using DirtyRun run = Start(threads, "transactions");
        string a = KeyOn(0, "a"), b = KeyOn(1, "b"), c = KeyOn(2, "c"), d = KeyOn(3, "d");
        void S(params string[] cmd) => run.Step(cmd);
        // EXEC adds what its commands add, nothing of its own; a discarded or aborted transaction adds nothing.
        S("MULTI"); S("SET", a, "1"); S("INCR", a); S("EXEC");
        S("MULTI"); S("SET", a, "1"); S("SET", b, "2"); S("MSET", c, "3", d, "4"); S("DEL", a, b, c); S("SADD", d + "s", "x"); S("EXEC");
        S("MULTI"); S("GET", a); S("EXEC");
        S("MULTI"); S("SET", a, "1"); S("DISCARD");
        S("MULTI"); S("SET", a, "1"); S("LPUSH", a, "x"); S("SET", b, "1", "NX"); S("EXEC");
        S("MULTI"); S("SET", a, "1", "NX"); S("EXEC");
        S("MULTI"); S("NOSUCHCOMMAND"); S("SET", a, "2"); S("EXEC");
        S("MULTI"); S("RENAME", a, c); S("SUNIONSTORE", d + "u", d + "s", b); S("EXEC");
        S("MULTI"); S("SWAPDB", "0", "1"); S("FLUSHDB"); S("SWAPDB", "0", "1"); S("EXEC");
        S("MULTI"); S("FLUSHALL"); S("EXEC");
        // A WATCHed key written by another client: EXEC aborts and counts nothing (the other write counts, outside).
        S("SET", a, "1"); S("WATCH", a);
        run.Around("SET by another client", side =>
        {
            using RespConnection other = side.Server.Connect();
            return Resp.AsString(other.Call("SET", a, "2"));
        });
        S("MULTI"); S("SET", a, "3"); S("SET", b, "3"); S("EXEC"); S("GET", a);
        S("WATCH", b); S("MULTI"); S("SET", b, "4"); S("EXEC");
        run.AssertAllMatched();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ServedBlockingPops_CountAsTheirPop(int threads)
    {
        using DirtyRun run = Start(threads, "blocking pops");
        // Each blocked client is served by the push that follows: the push's changes plus the pop's. Every case has
        // keys of its own (a list left with elements would not block the next one); the moves cross shards at 4.
        string K(int shard, string name) => KeyOn(shard, "blocking-" + name);
        Served(run, ["BLPOP", K(0, "a"), "0"], ["RPUSH", K(0, "a"), "x", "y"]);
        Served(run, ["BRPOP", K(3, "none"), K(1, "b"), "0"], ["LPUSH", K(1, "b"), "x"]);
        Served(run, ["BLMOVE", K(0, "c"), K(3, "c-dst"), "LEFT", "RIGHT", "0"], ["LPUSH", K(0, "c"), "x"]);
        Served(run, ["BLMOVE", K(2, "d"), K(2, "d-dst"), "RIGHT", "LEFT", "0"], ["LPUSH", K(2, "d"), "x", "y"]);
        Served(run, ["BRPOPLPUSH", K(1, "e"), K(0, "e-dst"), "0"], ["RPUSH", K(1, "e"), "a", "b"]);
        Served(run, ["BLMPOP", "0", "2", K(3, "none"), K(2, "f"), "LEFT", "COUNT", "5"], ["RPUSH", K(2, "f"), "x", "y", "z"]);
        Served(run, ["BZPOPMIN", K(2, "g"), "0"], ["ZADD", K(2, "g"), "1", "x", "2", "y"]);
        Served(run, ["BZPOPMAX", K(0, "none"), K(1, "h"), "0"], ["ZADD", K(1, "h"), "1", "x"]);
        Served(run, ["BZMPOP", "0", "1", K(3, "i"), "MAX", "COUNT", "3"], ["ZADD", K(3, "i"), "1", "a", "2", "b"]);
        // Served after a transaction: three writes, then the pop.
        Served(run, ["BLPOP", K(1, "j"), "0"], ["MULTI"], ["RPUSH", K(1, "j"), "x"], ["DEL", K(1, "j")], ["RPUSH", K(1, "j"), "y"], ["EXEC"]);
        // A push of the wrong type serves nobody.
        Served(run, ["BLPOP", K(0, "k"), "0"], ["SET", K(0, "k"), "v"], ["DEL", K(0, "k")], ["RPUSH", K(0, "k"), "x"]);
        // A blocked pop that times out counts nothing.
        run.Step("BLPOP", KeyOn(1, "blocking-never"), "0.05");
        run.AssertAllMatched();
    }

    /// <summary>
    /// Parks <paramref name="blocking"/> on a connection of its own, then runs <paramref name="then"/> on the client
    /// connection and measures both together, once the blocked client has its reply.
    /// </summary>
    private static void Served(DirtyRun run, string[] blocking, params string[][] then)
    {
        run.Around(string.Join(' ', blocking) + " served by " + string.Join("; ", Array.ConvertAll(then, t => string.Join(' ', t))), side =>
        {
            using RespConnection blocked = side.Server.Connect();
            blocked.SendCommand(blocking);
            side.WaitBlocked(1);
            foreach (string[] cmd in then)
                side.Client.Call(cmd);
            return Resp.AsString(blocked.ReadReply());
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ExpiredKeys_CountNothing(int threads)
    {
        using DirtyRun run = Start(threads, "expiry");
        string a = KeyOn(0, "a"), b = KeyOn(1, "b"), c = KeyOn(2, "c"), d = KeyOn(3, "d");
        void S(params string[] cmd) => run.Step(cmd);
        S("SET", a, "1", "PX", "1"); S("SET", b, "1", "PX", "1"); S("SET", c, "1", "PX", "1"); S("RPUSH", d, "x");
        S("PEXPIRE", d, "1");
        // Both servers drop these lazily (on access) or actively (in the background); neither is a change.
        run.Around("sleep past the TTLs", side =>
        {
            System.Threading.Thread.Sleep(20);
            return "";
        });
        S("GET", a); S("SET", b, "2", "NX"); S("DEL", c); S("LPOP", d); S("EXISTS", a, b, c, d);
        S("SET", a, "1", "PX", "30"); S("SET", b, "1", "PX", "30");
        run.Around("active expiry of two keys", side =>
        {
            System.Threading.Thread.Sleep(300);
            return side.InfoField("stats", "expired_keys");
        });
        S("DBSIZE");
        run.AssertAllMatched();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void EvictedKeys_CountNothing(int threads)
    {
        using DirtyRun run = Start(threads, "eviction");
        string value = new('v', 4000);
        for (int i = 0; i < 100; i++)
            run.Step("SET", KeyOn(i % 4, "fill" + i), value);
        run.Unchecked("CONFIG", "SET", "maxmemory-policy", "allkeys-random");
        var evictedBefore = new long[2];
        DirtyRun.Side[] sides = [run.Oracle, run.Target];
        for (int i = 0; i < 2; i++)
        {
            // Each server's own limit: 200 KB under what it uses now, so the next writes must evict.
            long used = Number(sides[i].InfoField("memory", "used_memory"));
            sides[i].Client.Call("CONFIG", "SET", "maxmemory", (used - 200_000).ToString(CultureInfo.InvariantCulture));
            evictedBefore[i] = Number(sides[i].InfoField("stats", "evicted_keys"));
        }
        // Every SET counts one, whatever it evicted to make room.
        for (int i = 0; i < 20; i++)
            run.Step("SET", KeyOn(i % 4, "more" + i), value);
        for (int i = 0; i < 2; i++)
        {
            Assert.True(Number(sides[i].InfoField("stats", "evicted_keys")) > evictedBefore[i],
                $"{sides[i].Server.Description} evicted nothing: the test did not exercise eviction");
        }
        run.Unchecked("CONFIG", "SET", "maxmemory", "0");
        run.Unchecked("CONFIG", "SET", "maxmemory-policy", "noeviction");
        run.Unchecked("FLUSHALL");
        run.AssertAllMatched();
    }

    private static long Number(string s) => long.Parse(s, CultureInfo.InvariantCulture);
}
