using System;
using System.Text;
using FastKv.Engine;
using FastKv.Tests.Rdb;
using Xunit;
using Z = FastKv.Tests.Rdb.RdbBytes.ZlEntry;

namespace FastKv.Engine.Tests;

/// <summary>
/// RdbDecode.Load on one shard without sockets: every type loads to the expected type and encoding, and forged
/// values (every truncation, random bit flips) give an error or a readable value, leave the neighbours alone and
/// leak nothing (the arena's used bytes come back to where they were).
/// </summary>
public unsafe class RdbLoadTests
{
    static string Reply(EngineHarness h, params string[] args) => h.Run(EngineHarness.Command(args));

    static RdbLoadResult Load(EngineHarness h, string key, byte type, byte[] value, bool replace = false)
    {
        Shard shard = h.Server.Shards[0];
        return RdbDecode.Load(shard, shard.Dbs[0], Encoding.ASCII.GetBytes(key), type, value, -1, replace, out _);
    }

    [Fact]
    public void EveryType_LoadsWithTheEncodingRedisWouldGive()
    {
        using var h = new EngineHarness();
        foreach (var (k, v) in new[] { ("set-max-intset-entries", "4"), ("set-max-listpack-entries", "4"), ("zset-max-listpack-entries", "4"),
                     ("hash-max-listpack-entries", "4"), ("list-max-listpack-size", "4") })
            Reply(h, "config", "set", k, v);
        string[] expected =
        {
            "string int", "string int", "string int", "string raw", "list listpack", "list quicklist", "set intset", "set listpack",
            "set hashtable", "zset listpack", "zset skiplist", "hash listpack", "hash hashtable",
            // The hand-built old types, in RdbMeasureTests.AllValues order.
            "list listpack", "set listpack", "zset listpack", "hash listpack", "zset listpack", "hash listpack",
            "list quicklist" /* a list ziplist stays a quicklist in 7.2 */,
            "zset listpack", "hash listpack", "list quicklist" /* two nodes stay a quicklist */, "list listpack",
        };
        int i = 0;
        foreach (var (type, value) in RdbMeasureTests.AllValues())
        {
            string key = "k" + i;
            Assert.Equal(RdbLoadResult.Ok, Load(h, key, type, value));
            string[] want = expected[i].Split(' ');
            Assert.Equal("+" + want[0] + "\r\n", Reply(h, "type", key));
            Assert.True("$" + want[1].Length + "\r\n" + want[1] + "\r\n" == Reply(h, "object", "encoding", key), $"value {i}: {Reply(h, "object", "encoding", key)}");
            Assert.Equal(RdbLoadResult.KeyExists, Load(h, key, type, value));
            Assert.Equal(RdbLoadResult.Ok, Load(h, key, type, value, replace: true));
            i++;
        }
        Assert.Equal(expected.Length, i);
    }

    [Fact]
    public void ConversionsOnLoad_FollowTheThresholdsOfNow()
    {
        using var h = new EngineHarness();
        // A hash listpack of 2 pairs with hash-max-listpack-entries 1: a hashtable; a zipmap with a long value too.
        Reply(h, "config", "set", "hash-max-listpack-entries", "1");
        Assert.Equal(RdbLoadResult.Ok, Load(h, "h", RdbType.HashZiplist, new RdbBytes().Str(RdbBytes.Ziplist(Z.S("a"), Z.S("1"), Z.S("b"), Z.S("2"))).ToArray()));
        Assert.Contains("hashtable", Reply(h, "object", "encoding", "h"));
        Reply(h, "config", "set", "hash-max-listpack-entries", "10");
        Reply(h, "config", "set", "hash-max-listpack-value", "3");
        Assert.Equal(RdbLoadResult.Ok, Load(h, "zm", RdbType.HashZipmap, new RdbBytes().Str(RdbBytes.ZipmapOf("a", "long")).ToArray()));
        Assert.Contains("hashtable", Reply(h, "object", "encoding", "zm"));
        // A hash ziplist keeps its listpack whatever its value lengths (only the count is checked, as in Redis).
        Assert.Equal(RdbLoadResult.Ok, Load(h, "zl", RdbType.HashZiplist, new RdbBytes().Str(RdbBytes.Ziplist(Z.S("a"), Z.S("longer"))).ToArray()));
        Assert.Contains("listpack", Reply(h, "object", "encoding", "zl"));
        // A plain set of integers then a string: intset, then listpack.
        Assert.Equal(RdbLoadResult.Ok, Load(h, "s", RdbType.Set, new RdbBytes().Len(3).Str("1").Str("2").Str("x").ToArray()));
        Assert.Contains("listpack", Reply(h, "object", "encoding", "s"));
        Assert.Equal("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\nx\r\n", Reply(h, "smembers", "s"));
    }

    [Fact]
    public void Duplicates_AndEmptyCollections_AreRefused()
    {
        using var h = new EngineHarness();
        Assert.Equal(RdbLoadResult.BadFormat, Load(h, "a", RdbType.Set, new RdbBytes().Len(2).Str("1").Str("1").ToArray()));
        Assert.Equal(RdbLoadResult.BadFormat, Load(h, "a", RdbType.Set, new RdbBytes().Len(3).Str("x").Str("1").Str("x").ToArray()));
        Assert.Equal(RdbLoadResult.BadFormat, Load(h, "a", RdbType.Hash, new RdbBytes().Len(2).Str("f").Str("1").Str("f").Str("2").ToArray()));
        Assert.Equal(RdbLoadResult.BadFormat, Load(h, "a", RdbType.ZSet2, new RdbBytes().Len(2).Str("m").BinDouble(1).Str("m").BinDouble(2).ToArray()));
        Assert.Equal(RdbLoadResult.BadFormat, Load(h, "a", RdbType.ZSet2, new RdbBytes().Len(1).Str("m").BinDouble(double.NaN).ToArray()));
        Assert.Equal(RdbLoadResult.BadFormat, Load(h, "a", RdbType.HashZipmap, new RdbBytes().Str(RdbBytes.ZipmapOf("f", "1", "f", "2")).ToArray()));
        // Repeats found in each phase of the plain hash and sorted set loaders: after a listpack hash turned into a
        // table on a long value, and in a count large enough to go straight to a table or skiplist.
        Reply(h, "config", "set", "hash-max-listpack-value", "3");
        Reply(h, "config", "set", "zset-max-listpack-entries", "2");
        Assert.Equal(RdbLoadResult.BadFormat, Load(h, "a", RdbType.Hash, new RdbBytes().Len(3).Str("f").Str("1").Str("g").Str("long").Str("f").Str("2").ToArray()));
        Assert.Equal(RdbLoadResult.Ok, Load(h, "ok", RdbType.Hash, new RdbBytes().Len(3).Str("f").Str("1").Str("g").Str("long").Str("h").Str("2").ToArray()));
        Assert.Equal("$9\r\nhashtable\r\n", Reply(h, "object", "encoding", "ok"));
        Assert.Equal(":3\r\n", Reply(h, "hlen", "ok"));
        Assert.Equal(RdbLoadResult.BadFormat, Load(h, "a", RdbType.ZSet2, new RdbBytes().Len(3).Str("a").BinDouble(1).Str("b").BinDouble(2).Str("a").BinDouble(3).ToArray()));
        Assert.Equal(RdbLoadResult.Ok, Load(h, "z", RdbType.ZSet2, new RdbBytes().Len(3).Str("a").BinDouble(1).Str("b").BinDouble(2).Str("c").BinDouble(3).ToArray()));
        Assert.Equal("$8\r\nskiplist\r\n", Reply(h, "object", "encoding", "z"));
        Reply(h, "del", "ok", "z");
        Assert.Equal(RdbLoadResult.EmptyKey, Load(h, "a", RdbType.List, new RdbBytes().Len(0).ToArray()));
        Assert.Equal(RdbLoadResult.EmptyKey, Load(h, "a", RdbType.ListZiplist, new RdbBytes().Str(RdbBytes.Ziplist()).ToArray()));
        Assert.Equal(RdbLoadResult.EmptyKey, Load(h, "a", RdbType.HashListpack, new RdbBytes().Str(new byte[] { 7, 0, 0, 0, 0, 0, 0xFF }).ToArray()));
        Assert.Equal(RdbLoadResult.BadFormat, Load(h, "a", RdbType.SetIntset, new RdbBytes().Str(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0 }).ToArray()));
        Assert.Equal(RdbLoadResult.BadFormat, Load(h, "a", RdbType.StreamListpacks, new byte[] { 0 }));
        Assert.Equal(RdbLoadResult.BadFormat, Load(h, "a", 8, new byte[] { 0 }));
        Assert.Equal("$-1\r\n", Reply(h, "get", "a"));
        Assert.Equal(":0\r\n", Reply(h, "dbsize"));
    }

    /// <summary>Reads the whole value with the type's read command (a corrupt structure would crash or assert here).</summary>
    static void ReadWhole(EngineHarness h, string key)
    {
        string type = Reply(h, "type", key);
        string reply = type switch
        {
            "+string\r\n" => Reply(h, "get", key),
            "+list\r\n" => Reply(h, "lrange", key, "0", "-1"),
            "+set\r\n" => Reply(h, "smembers", key),
            "+zset\r\n" => Reply(h, "zrange", key, "0", "-1", "withscores"),
            "+hash\r\n" => Reply(h, "hgetall", key),
            _ => throw new Xunit.Sdk.XunitException("loaded key of type " + type),
        };
        Assert.False(reply.StartsWith('-'), reply);
    }

    [Fact]
    public void ForgedValues_ErrorOrLoad_NeverCorruptTheNeighboursOrLeak()
    {
        using var h = new EngineHarness();
        Shard shard = h.Server.Shards[0];
        Reply(h, "set", "neighbour", "intact");
        Reply(h, "rpush", "neighbour-list", "a", "b");
        var rng = new Random(2026);
        int loaded = 0, refused = 0;
        foreach (var (type, value) in RdbMeasureTests.AllValues())
        {
            void Try(byte[] forged)
            {
                long before = shard.Arena.UsedBytes;
                RdbLoadResult r = Load(h, "victim", type, forged);
                if (r == RdbLoadResult.Ok)
                {
                    loaded++;
                    ReadWhole(h, "victim");
                    Reply(h, "del", "victim");
                }
                else refused++;
                Assert.Equal(before, shard.Arena.UsedBytes);
            }
            for (int cut = 0; cut < value.Length; cut++) Try(value.AsSpan(0, cut).ToArray());
            for (int round = 0; round < 300; round++)
            {
                byte[] f = (byte[])value.Clone();
                for (int k = 0, n = 1 + rng.Next(3); k < n; k++) f[rng.Next(f.Length)] ^= (byte)(1 << rng.Next(8));
                Try(f);
            }
        }
        Assert.Equal("$6\r\nintact\r\n", Reply(h, "get", "neighbour"));
        Assert.Equal("*2\r\n$1\r\na\r\n$1\r\nb\r\n", Reply(h, "lrange", "neighbour-list", "0", "-1"));
        Assert.Equal(":2\r\n", Reply(h, "dbsize"));
        Assert.True(refused > 0 && loaded > 0, $"loaded {loaded}, refused {refused}");
    }
}
