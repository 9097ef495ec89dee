using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Eviction;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Memory;

/// <summary>
/// Lazy free (Redis's lazyfree.c): which deletions free a value later (UNLINK always; DEL, overwrites, expiry and
/// eviction under their lazyfree-lazy-* settings; FLUSHALL/FLUSHDB ASYNC, or no argument under lazyfree-lazy-user-flush),
/// which values are big enough to (a free effort over 64: a hash table's or skiplist's elements, a quicklist's nodes, a
/// stream's radix-tree nodes and groups), and how INFO counts them (lazyfree_pending_objects, lazyfreed_objects, one per
/// value, one per key of a flushed database, zeroed by CONFIG RESETSTAT), against Redis 7.2.4 step by step once both
/// have nothing pending. FastKv frees in steps on the shard between commands instead of on a thread: a pipelined INFO
/// right after the UNLINK sees the value pending, memory comes back afterwards, and the clients are served meanwhile.
/// </summary>
public class LazyFreeTests
{
    static IEnumerable<string> Members(string prefix, int n) => Enumerable.Range(0, n).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture));

    /// <summary>One step on a server, then its (pending, freed) once nothing is pending.</summary>
    static string Settled(RespConnection c)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ServerReadings.InfoLong(c, "memory", "lazyfree_pending_objects") != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "lazy free never finished");
            System.Threading.Thread.Sleep(5);
        }
        return "pending 0, freed " + ServerReadings.InfoLong(c, "memory", "lazyfreed_objects");
    }

    static void Batch(RespConnection c, IEnumerable<string[]> commands)
    {
        foreach (string[] cmd in commands) c.Call(cmd);
    }

    static string[][] Fill(string cmd, string key, IEnumerable<string> args, int per = 100)
    {
        var all = args.ToList();
        var batches = new List<string[]>();
        for (int i = 0; i < all.Count; i += per)
            batches.Add([cmd, key, .. all.Skip(i).Take(per)]);
        return [.. batches];
    }

    static string[][] HashFill(string key, int n)
    {
        var pairs = Enumerable.Range(0, n).SelectMany(i => new[] { "f" + i, "v" + i });
        return Fill("HSET", key, pairs, 200);
    }

    static string[][] ZFill(string key, int n)
    {
        var pairs = Enumerable.Range(0, n).SelectMany(i => new[] { i.ToString(CultureInfo.InvariantCulture), "m" + i });
        return Fill("ZADD", key, pairs, 200);
    }

    static string[][] Xadds(string key, int n) => [.. Enumerable.Range(1, n).Select(i => new[] { "XADD", key, i + "-1", "f", "v" })];

    /// <summary>The scenario: each step's commands, then the counts compared.</summary>
    static IEnumerable<(string name, string[][] commands)> Steps()
    {
        // Too small for a lazy free (one allocation, or an effort of at most 64): freed at once either way.
        yield return ("UNLINK intset", [.. Fill("SADD", "s", Members("", 300)), ["UNLINK", "s"]]);
        yield return ("UNLINK listpack set", [.. Fill("SADD", "s", Members("m", 100)), ["UNLINK", "s"]]);
        yield return ("UNLINK listpack hash", [.. HashFill("h", 300), ["UNLINK", "h"]]);
        yield return ("UNLINK one-node list", [["RPUSH", "l", "a", "b", "c"], ["UNLINK", "l"]]);
        yield return ("UNLINK string", [["SET", "k", new string('x', 100000)], ["UNLINK", "k"]]);
        // Big enough: one object each.
        yield return ("UNLINK hashtable set", [.. Fill("SADD", "s", Members("m", 1000)), ["UNLINK", "s"]]);
        yield return ("UNLINK hashtable hash", [.. HashFill("h", 600), ["UNLINK", "h"]]);
        yield return ("UNLINK skiplist zset", [.. ZFill("z", 300), ["UNLINK", "z"]]);
        yield return ("UNLINK quicklist", [.. Fill("RPUSH", "l", Enumerable.Repeat(new string('x', 300), 3000)), ["UNLINK", "l"]]);
        yield return ("UNLINK stream", [["CONFIG", "SET", "stream-node-max-entries", "5"], .. Xadds("x", 1000), ["XGROUP", "CREATE", "x", "g", "0"],
            ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "x", ">"], ["XDEL", "x", "1-1"], ["UNLINK", "x"],
            ["CONFIG", "SET", "stream-node-max-entries", "100"]]);
        yield return ("UNLINK stream whose group was destroyed", [["XADD", "x", "1-1", "a", "b"], ["XGROUP", "CREATE", "x", "g", "$"],
            ["XGROUP", "DESTROY", "x", "g"], ["UNLINK", "x"]]);
        // DEL: lazy only under lazyfree-lazy-user-del.
        yield return ("DEL", [.. ZFill("z", 300), ["DEL", "z"]]);
        yield return ("DEL under lazyfree-lazy-user-del", [["CONFIG", "SET", "lazyfree-lazy-user-del", "yes"], .. ZFill("z", 300), ["DEL", "z"],
            ["CONFIG", "SET", "lazyfree-lazy-user-del", "no"]]);
        // The server's own deletions: overwrites and destinations, under lazyfree-lazy-server-del.
        yield return ("overwrites", [.. Fill("SADD", "s", Members("m", 1000)), ["SET", "s", "x"], ["DEL", "s"]]);
        yield return ("overwrites under lazyfree-lazy-server-del", [["CONFIG", "SET", "lazyfree-lazy-server-del", "yes"],
            .. Fill("SADD", "s", Members("m", 1000)), ["SET", "s", "x"],
            .. Fill("SADD", "{d}a", Members("m", 1000)), .. Fill("SADD", "{d}b", Members("n", 1000)), ["SUNIONSTORE", "{d}a", "{d}b"],
            .. ZFill("{d}z", 300), ["ZUNIONSTORE", "{d}z", "1", "{d}b"],
            ["DEL", "s", "{d}a", "{d}b", "{d}z"], ["CONFIG", "SET", "lazyfree-lazy-server-del", "no"]]);
        // Expiry under lazyfree-lazy-expire (the key found expired by a later access).
        yield return ("expiry under lazyfree-lazy-expire", [["CONFIG", "SET", "lazyfree-lazy-expire", "yes"], ["DEBUG", "SET-ACTIVE-EXPIRE", "0"],
            .. Fill("SADD", "e", Members("m", 1000)), ["PEXPIRE", "e", "1"], ["DEBUG", "SLEEP", "0.01"], ["EXISTS", "e"],
            ["DEBUG", "SET-ACTIVE-EXPIRE", "1"], ["CONFIG", "SET", "lazyfree-lazy-expire", "no"]]);
        // Flushes: ASYNC counts every key of the database, big or small; SYNC nothing; no argument as the setting says.
        yield return ("FLUSHALL ASYNC", [["SET", "a", "1"], ["SET", "b", "1"], .. Fill("SADD", "s", Members("m", 1000)), ["SELECT", "3"],
            ["SET", "c", "1"], ["SELECT", "0"], ["FLUSHALL", "ASYNC"]]);
        yield return ("FLUSHDB ASYNC", [["SET", "a", "1"], ["SET", "b", "1"], ["SELECT", "3"], ["SET", "c", "1"], ["SELECT", "0"], ["FLUSHDB", "ASYNC"],
            ["FLUSHALL"]]);
        yield return ("FLUSHALL under lazyfree-lazy-user-flush", [["CONFIG", "SET", "lazyfree-lazy-user-flush", "yes"], ["SET", "a", "1"], ["FLUSHALL"],
            ["SET", "a", "1"], ["SET", "b", "1"], ["FLUSHDB", "SYNC"], ["FLUSHALL", "ASYNC"], ["CONFIG", "SET", "lazyfree-lazy-user-flush", "no"]]);
        yield return ("CONFIG RESETSTAT", [["CONFIG", "RESETSTAT"]]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Counts_AsRedis(int threads)
    {
        using ServerProcess oracle = ServerProcess.Start(ServerKind.Redis, null, "--enable-debug-command", "yes");
        using ServerProcess target = ServerProcess.Start(ServerKind.Target, threads, "--enable-debug-command", "yes");
        using RespConnection o = oracle.Connect(), t = target.Connect();
        var diffs = new List<string>();
        foreach ((string name, string[][] commands) in Steps())
        {
            Batch(o, commands);
            Batch(t, commands);
            string redis = Settled(o), fastkv = Settled(t);
            if (redis != fastkv) diffs.Add($"{name}: Redis {redis}, FastKv {fastkv}");
        }
        Assert.True(diffs.Count == 0, string.Join("\n", diffs));
        // The last step zeroed the freed count: it proves the count was not zero all along.
        Assert.Equal(0, ServerReadings.InfoLong(t, "memory", "lazyfreed_objects"));
    }

    /// <summary>
    /// FastKv frees after the replies of the read that dropped the value: on one shard an INFO in the same read sees it
    /// pending; the memory comes back once the steps are done, and meanwhile the shard answers its clients.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Unlink_FreesAfterTheReply_AndGivesTheMemoryBack(int threads)
    {
        using ServerProcess target = ServerProcess.Start(ServerKind.Target, threads);
        using RespConnection c = target.Connect();
        long before = ServerReadings.InfoLong(c, "memory", "used_memory");
        Batch(c, Fill("SADD", "{k}big", Members("member:", 200_000), 1000));
        Batch(c, ZFill("{k}z", 50_000));
        long peak = ServerReadings.InfoLong(c, "memory", "used_memory");
        Assert.True(peak > before + 10_000_000, $"used_memory {before} -> {peak}: the set did not take the memory expected");

        c.Send(Encoding.ASCII.GetBytes("UNLINK {k}big {k}z\r\nINFO memory\r\nPING\r\n"));
        Assert.Equal(":2\r\n", Resp.AsString(c.ReadReply()));
        string info = Resp.Parse(c.ReadReply()).Text!;
        // One shard: the INFO ran in the same read, before any step. With four, the key's shard may be steps ahead.
        if (threads == 1) Assert.Contains("\r\nlazyfree_pending_objects:2\r\n", info);
        Assert.Equal("+PONG\r\n", Resp.AsString(c.ReadReply()));
        Assert.Equal(":0\r\n", c.CallText("EXISTS", "{k}big", "{k}z"));

        Assert.Equal("pending 0, freed 2", Settled(c));
        long after = ServerReadings.InfoLong(c, "memory", "used_memory");
        Assert.True(after < before + 1_000_000, $"used_memory {before} -> {peak} -> {after}: the memory did not come back");
        target.AssertAlive();
    }

    /// <summary>
    /// Under lazyfree-lazy-eviction an evicted value is freed after the eviction loop: the loop counts it as gone when it
    /// takes it, so it evicts about what the excess needs, not every key (counting only the entry it freed at once, it
    /// went on until nothing was left). Each evicted value is one lazily freed object.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void LazyEviction_EvictsAboutTheExcess(int threads)
    {
        using ServerProcess target = ServerProcess.Start(ServerKind.Target, threads);
        using RespConnection c = target.Connect();
        const int keys = 40;
        for (int k = 0; k < keys; k++) Batch(c, ZFill("z" + k, 3000));
        long used = ServerReadings.InfoLong(c, "memory", "used_memory");
        long perKey = used / keys;
        Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "lazyfree-lazy-eviction", "yes"));
        Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "maxmemory-policy", "allkeys-random"));
        // About five keys' worth over the limit.
        c.Call("CONFIG", "SET", "maxmemory", (used - 5 * perKey).ToString(CultureInfo.InvariantCulture));
        Assert.Equal("+OK\r\n", c.CallText("SET", "after", "1"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ServerReadings.InfoLong(c, "memory", "used_memory") > used - 5 * perKey)
        {
            Assert.True(DateTime.UtcNow < deadline, "memory never came under the limit");
            c.Call("SET", "after", "1");
            System.Threading.Thread.Sleep(5);
        }
        // With four shards another shard may still evict after the total came under (its published share lags):
        // read the count on both sides of a settled lazy free until no eviction came in between.
        long evicted;
        do
        {
            evicted = ServerReadings.InfoLong(c, "stats", "evicted_keys");
            Settled(c);
        } while (evicted != ServerReadings.InfoLong(c, "stats", "evicted_keys"));
        Assert.InRange(evicted, 4, 12);
        // Each evicted sorted set was freed lazily; the string "after" may be evicted too (allkeys-random), at once.
        long zLeft = Resp.Parse(c.Call(["EXISTS", .. Enumerable.Range(0, keys).Select(k => "z" + k)])).Integer;
        long afterLeft = Resp.Parse(c.Call("EXISTS", "after")).Integer;
        Assert.Equal(keys - zLeft, ServerReadings.InfoLong(c, "memory", "lazyfreed_objects"));
        Assert.Equal(evicted, keys - zLeft + 1 - afterLeft);
        Assert.Equal(keys + 1 - evicted, Resp.Parse(c.Call("DBSIZE")).Integer);
        c.Call("CONFIG", "SET", "maxmemory", "0");
    }

    /// <summary>An ASYNC flush: the keys are gone at once (a new key of the same name is a new key), the old ones freed later.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void FlushAllAsync_KeysGoneAtOnce_NewKeysUnaffected(int threads)
    {
        using ServerProcess target = ServerProcess.Start(ServerKind.Target, threads);
        using RespConnection c = target.Connect();
        var keys = Enumerable.Range(0, 5000).Select(i => "key:" + i).ToArray();
        for (int i = 0; i < keys.Length; i += 500)
            c.Call(["MSET", .. keys.Skip(i).Take(500).SelectMany(k => new[] { k, "old" })]);
        Batch(c, HashFill("{h}", 2000));
        c.Send(Encoding.ASCII.GetBytes("FLUSHALL ASYNC\r\nINFO memory\r\nDBSIZE\r\nSET key:7 new\r\nGET key:7\r\n"));
        Assert.Equal("+OK\r\n", Resp.AsString(c.ReadReply()));
        string info = Resp.Parse(c.ReadReply()).Text!;
        if (threads == 1) Assert.Contains("\r\nlazyfree_pending_objects:5001\r\n", info);
        Assert.Equal(":0\r\n", Resp.AsString(c.ReadReply()));
        Assert.Equal("+OK\r\n", Resp.AsString(c.ReadReply()));
        Assert.Equal("$3\r\nnew\r\n", Resp.AsString(c.ReadReply()));
        Assert.Equal("pending 0, freed 5001", Settled(c));
        Assert.Equal(":1\r\n", c.CallText("DBSIZE"));
        Assert.Equal("$3\r\nnew\r\n", c.CallText("GET", "key:7"));
    }

    /// <summary>A client blocked in XREADGROUP on a stream an ASYNC flush took away is told, as after a SYNC one and as in Redis.</summary>
    [Theory]
    [InlineData("ASYNC")]
    [InlineData("SYNC")]
    public void FlushAsync_WakesAGroupReaderOfAFlushedStream(string mode)
    {
        using ServerProcess oracle = ServerProcess.Start(ServerKind.Redis, null);
        using ServerProcess target = ServerProcess.Start(ServerKind.Target, 4);
        string Run(ServerProcess server)
        {
            using RespConnection c = server.Connect(), blocked = server.Connect();
            c.Call("XADD", "x", "1-1", "a", "b");
            c.Call("XGROUP", "CREATE", "x", "g", "$");
            blocked.SendCommand("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "x", ">");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (ServerReadings.InfoLong(c, "clients", "blocked_clients") != 1)
                Assert.True(DateTime.UtcNow < deadline, "the XREADGROUP never blocked");
            c.Call("FLUSHALL", mode);
            return Resp.AsString(blocked.ReadReply());
        }
        Assert.Equal(Run(oracle), Run(target));
    }
}
