using System;
using System.Collections.Generic;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace FastKv.Server.Tests.Clients;

/// <summary>
/// StackExchange.Redis on hashes, lists, sets and sorted sets, over RESP2 and RESP3, against the server
/// under test at --threads 4. The commands that take several keys (LMOVE, LMPOP, SUNION, SMOVE,
/// ZUNIONSTORE, ZRANGESTORE ...) are given keys on different shards.
/// </summary>
[Trait("Category", "Smoke")]
public class StackExchangeRedisCollectionTests(TargetFixture target) : IClassFixture<TargetFixture>
{
    public static TheoryData<int> Protocols => SeRedis.Protocols;

    private static string[] Strings(IEnumerable<RedisValue> values) => values.Select(v => (string)v!).ToArray();

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Hashes(int protocol)
    {
        using ConnectionMultiplexer mux = SeRedis.Connect(target.Server, protocol);
        IDatabase db = mux.GetDatabase();
        RedisKey key = SeRedis.Keys(db, "hash", protocol, 1)[0];

        db.HashSet(key, [new("a", "1"), new("b", "2"), new("c", "three")]);
        Assert.Equal(3, db.HashLength(key));
        Assert.Equal("three", db.HashGet(key, "c"));
        Assert.Equal(["1", "2", null], db.HashGet(key, ["a", "b", "zz"]).Select(v => (string?)v));
        Assert.Equal(11, db.HashIncrement(key, "a", 10));
        Assert.Equal(2.25, db.HashIncrement(key, "b", 0.25));
        Assert.True(db.HashExists(key, "c"));
        Assert.False(db.HashSet(key, "c", "again", When.NotExists));
        Assert.True(db.HashDelete(key, "c"));
        Assert.Equal(4, db.HashStringLength(key, "b"));

        var all = db.HashGetAll(key).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "11", ["b"] = "2.25" }, all);
        Assert.Equal(["a", "b"], Strings(db.HashKeys(key)).Order());
        Assert.Equal(["11", "2.25"], Strings(db.HashValues(key)).Order());
        Assert.Equal("listpack", db.KeyEncoding(key));

        // HSCAN through the client's cursor loop, on a hash big enough to leave the listpack encoding.
        // (hash-max-listpack-entries is 512 in 7.2.)
        for (int i = 0; i < 600; i++)
            db.HashSet(key, "f" + i, i);
        Assert.Equal("hashtable", db.KeyEncoding(key));
        var scanned = db.HashScan(key, "f1*", pageSize: 20).Select(e => (string)e.Name!).ToHashSet();
        var expected = Enumerable.Range(0, 600).Select(i => "f" + i).Where(f => f.StartsWith("f1", StringComparison.Ordinal));
        Assert.Equal(expected.ToHashSet(), scanned);
        Assert.Equal(602, db.HashLength(key));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Lists(int protocol)
    {
        using ConnectionMultiplexer mux = SeRedis.Connect(target.Server, protocol);
        IDatabase db = mux.GetDatabase();
        RedisKey[] keys = SeRedis.Keys(db, "list", protocol, 4);

        Assert.Equal(3, db.ListRightPush(keys[0], ["b", "c", "d"]));
        Assert.Equal(4, db.ListLeftPush(keys[0], "a"));
        Assert.Equal(["a", "b", "c", "d"], Strings(db.ListRange(keys[0])));
        Assert.Equal(5, db.ListInsertBefore(keys[0], "c", "bc"));
        db.ListSetByIndex(keys[0], 0, "A");
        Assert.Equal("bc", db.ListGetByIndex(keys[0], 2));
        Assert.Equal(3, db.ListPosition(keys[0], "c"));
        Assert.Equal(["A", "b"], Strings(db.ListLeftPop(keys[0], 2)!));
        Assert.Equal("d", db.ListRightPop(keys[0]));
        db.ListTrim(keys[0], 0, 0);
        Assert.Equal(1, db.ListLength(keys[0]));
        Assert.Equal(1, db.ListRemove(keys[0], "bc"));
        Assert.False(db.KeyExists(keys[0]));

        // LMOVE between keys on different shards, then LMPOP over several keys.
        db.ListRightPush(keys[1], ["x", "y"]);
        Assert.Equal("y", db.ListMove(keys[1], keys[2], ListSide.Right, ListSide.Left));
        Assert.Equal(["y"], Strings(db.ListRange(keys[2])));
        ListPopResult popped = db.ListLeftPop([keys[3], keys[1], keys[2]], 5);
        Assert.Equal(keys[1], popped.Key);
        Assert.Equal(["x"], Strings(popped.Values));
        Assert.False(db.KeyExists(keys[1]));

        db.StringSet(keys[3], "s");
        var wrong = Assert.Throws<RedisServerException>(() => db.ListRange(keys[3]));
        Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", wrong.Message);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Sets(int protocol)
    {
        using ConnectionMultiplexer mux = SeRedis.Connect(target.Server, protocol);
        IDatabase db = mux.GetDatabase();
        RedisKey[] keys = SeRedis.Keys(db, "set", protocol, 4);

        Assert.Equal(3, db.SetAdd(keys[0], ["a", "b", "c"]));
        Assert.False(db.SetAdd(keys[0], "a"));
        Assert.Equal(3, db.SetAdd(keys[1], [1, 2, 3]));
        Assert.Equal("intset", db.KeyEncoding(keys[1]));
        Assert.Equal(2, db.SetAdd(keys[1], ["b", "c"]));
        Assert.Equal("listpack", db.KeyEncoding(keys[1]));
        Assert.True(db.SetContains(keys[0], "b"));
        Assert.Equal([true, false], db.SetContains(keys[0], ["c", "z"]));
        Assert.Equal(3, db.SetLength(keys[0]));

        // Algebra over sets on different shards.
        Assert.Equal(["1", "2", "3", "a", "b", "c"], Strings(db.SetCombine(SetOperation.Union, keys[0], keys[1])).Order());
        Assert.Equal(["b", "c"], Strings(db.SetCombine(SetOperation.Intersect, keys[0], keys[1])).Order());
        Assert.Equal(["a"], Strings(db.SetCombine(SetOperation.Difference, keys[0], keys[1])));
        Assert.Equal(2, db.SetIntersectionLength([keys[0], keys[1]]));
        Assert.Equal(6, db.SetCombineAndStore(SetOperation.Union, keys[2], keys[0], keys[1]));
        Assert.Equal(6, db.SetLength(keys[2]));
        Assert.True(db.SetMove(keys[0], keys[3], "a"));
        Assert.Equal(["a"], Strings(db.SetMembers(keys[3])));
        Assert.Equal(["b", "c"], Strings(db.SetMembers(keys[0])).Order());

        RedisValue popped = db.SetPop(keys[3]);
        Assert.Equal("a", popped);
        Assert.False(db.KeyExists(keys[3]));
        Assert.Equal(2, db.SetRandomMembers(keys[0], 5).Length);
        Assert.Equal(["1", "2", "3", "b", "c"], Strings(db.SetScan(keys[1], pageSize: 2)).Order());

        // SSCAN's cursor loop over a set past the listpack encoding.
        db.SetAdd(keys[3], Enumerable.Range(0, 1000).Select(i => (RedisValue)("m" + i)).ToArray());
        Assert.Equal("hashtable", db.KeyEncoding(keys[3]));
        var scanned = Strings(db.SetScan(keys[3], "m9*", pageSize: 50)).ToHashSet();
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => "m" + i).Where(m => m.StartsWith("m9", StringComparison.Ordinal)).ToHashSet(), scanned);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void SortedSets(int protocol)
    {
        using ConnectionMultiplexer mux = SeRedis.Connect(target.Server, protocol);
        IDatabase db = mux.GetDatabase();
        RedisKey[] keys = SeRedis.Keys(db, "zset", protocol, 4);

        Assert.Equal(4, db.SortedSetAdd(keys[0], [new("a", 1), new("b", 2), new("c", 3), new("d", 4)]));
        Assert.False(db.SortedSetAdd(keys[0], "a", 1.5));
        Assert.Equal(1.5, db.SortedSetScore(keys[0], "a"));
        Assert.Equal([1.5, null], db.SortedSetScores(keys[0], ["a", "zz"]));
        Assert.Equal(5.5, db.SortedSetIncrement(keys[0], "c", 2.5));
        Assert.Equal(3, db.SortedSetRank(keys[0], "c"));
        Assert.Equal(0, db.SortedSetRank(keys[0], "c", Order.Descending));
        Assert.Equal(4, db.SortedSetLength(keys[0]));

        SortedSetEntry[] withScores = db.SortedSetRangeByRankWithScores(keys[0]);
        Assert.Equal(["a", "b", "d", "c"], withScores.Select(e => (string)e.Element!));
        Assert.Equal([1.5, 2, 4, 5.5], withScores.Select(e => e.Score));
        Assert.Equal(["b", "d"], Strings(db.SortedSetRangeByScore(keys[0], 2, 5)));
        Assert.Equal(["d", "b"], Strings(db.SortedSetRangeByScore(keys[0], 2, 5, order: Order.Descending)));
        Assert.Equal(["a", "b"], Strings(db.SortedSetRangeByScore(keys[0], double.NegativeInfinity, 4, Exclude.Stop)));

        // ZUNIONSTORE / ZINTER / ZRANGESTORE over sorted sets on different shards.
        db.SortedSetAdd(keys[1], [new("a", 10), new("z", 1)]);
        Assert.Equal(5, db.SortedSetCombineAndStore(SetOperation.Union, keys[2], keys[0], keys[1]));
        Assert.Equal(11.5, db.SortedSetScore(keys[2], "a"));
        Assert.Equal(["a"], Strings(db.SortedSetCombine(SetOperation.Intersect, [keys[0], keys[1]])));
        Assert.Equal(2, db.SortedSetRangeAndStore(keys[0], keys[3], 0, 1));
        Assert.Equal(["a", "b"], Strings(db.SortedSetRangeByRank(keys[3])));

        SortedSetEntry? min = db.SortedSetPop(keys[0]);
        Assert.Equal("a", min!.Value.Element);
        Assert.Equal(["c"], db.SortedSetPop(keys[0], 1, Order.Descending).Select(e => (string)e.Element!));
        Assert.Equal(1, db.SortedSetRemoveRangeByScore(keys[0], 0, 3));
        Assert.Equal(["d"], Strings(db.SortedSetRangeByRank(keys[0])));

        // Past zset-max-listpack-entries the set becomes a skiplist; ranks still hold.
        for (int i = 0; i < 200; i++)
            db.SortedSetAdd(keys[1], "m" + i, i);
        Assert.Equal("skiplist", db.KeyEncoding(keys[1]));
        // Below m100: m0..m99, and z (1) and a (10) from before.
        Assert.Equal(102, db.SortedSetRank(keys[1], "m100"));
        Assert.Equal(["m197", "m198", "m199"], Strings(db.SortedSetRangeByRank(keys[1], -3, -1)));
        var scanned = db.SortedSetScan(keys[1], pageSize: 16).ToDictionary(e => (string)e.Element!, e => e.Score);
        Assert.Equal(202, scanned.Count);
        Assert.Equal(150, scanned["m150"]);
        Assert.Equal(10, scanned["a"]);
    }
}
