using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace FastKv.Server.Tests.Clients;

/// <summary>
/// StackExchange.Redis, the most used .NET client, against the server under test at --threads 4, over
/// RESP2 and RESP3: connecting, strings, expiry and key commands. The keys of each test are spread over
/// all four shards, so the client's multi-key calls cross shards. Collections are
/// <see cref="StackExchangeRedisCollectionTests"/>, batches, transactions and pub/sub
/// <see cref="StackExchangeRedisPipelineTests"/>, and what the client sends when it connects
/// <see cref="StackExchangeRedisHandshakeTests"/>.
/// </summary>
[Trait("Category", "Smoke")]
public class StackExchangeRedisTests(TargetFixture target) : IClassFixture<TargetFixture>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    public static TheoryData<int> Protocols => SeRedis.Protocols;

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Connect_SeesAStandaloneRedis72Primary_OnTheAskedProtocol(int protocol)
    {
        using ConnectionMultiplexer mux = SeRedis.Connect(target.Server, protocol);
        IServer server = mux.GetServer(mux.GetEndPoints()[0]);
        Assert.Equal(ServerType.Standalone, server.ServerType);
        Assert.False(server.IsReplica);
        Assert.Equal(new Version(7, 2, 4), server.Version);
        Assert.Equal(protocol == 3 ? RedisProtocol.Resp3 : RedisProtocol.Resp2, server.Protocol);
        Assert.Equal(16, server.DatabaseCount);
        Assert.True(mux.GetDatabase().Ping() >= TimeSpan.Zero);
        // The name and library the client set in its handshake (CLIENT SETNAME, CLIENT SETINFO) are the
        // ones the server lists.
        ClientInfo[] clients = server.ClientList();
        Assert.Contains(clients, c => c.Name == mux.ClientName && c.LibraryName == "SE.Redis");
        // RESP3 types reach the client: ZSCORE is a double under RESP3, a bulk string under RESP2.
        IDatabase db = mux.GetDatabase();
        RedisKey z = SeRedis.Keys(db, "connect", protocol, 1)[0];
        db.SortedSetAdd(z, "m", 1.5);
        RedisResult score = db.Execute("ZSCORE", z, "m");
        Assert.Equal(protocol == 3 ? ResultType.Double : ResultType.BulkString, score.Resp3Type);
        Assert.Equal(1.5, (double)score);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Strings(int protocol)
    {
        using ConnectionMultiplexer mux = SeRedis.Connect(target.Server, protocol);
        IDatabase db = mux.GetDatabase();
        RedisKey[] keys = SeRedis.Keys(db, "str", protocol, 8);

        Assert.True(db.StringSet(keys[0], "hello"));
        Assert.False(db.StringSet(keys[0], "again", when: When.NotExists));
        Assert.Equal("hello", db.StringGet(keys[0]));
        Assert.Equal(11, db.StringAppend(keys[0], " world"));
        Assert.Equal("world", db.StringGetRange(keys[0], 6, -1));
        Assert.Equal(11, (long)db.StringSetRange(keys[0], 0, "J"));
        Assert.Equal("Jello world", db.StringGet(keys[0]));
        Assert.Equal(11, db.StringLength(keys[0]));

        Assert.Equal(5, db.StringIncrement(keys[1], 5));
        Assert.Equal(3, db.StringDecrement(keys[1], 2));
        Assert.Equal(3.5, db.StringIncrement(keys[1], 0.5));
        Assert.Equal("3.5", db.StringGetSet(keys[1], "x"));
        Assert.Equal("x", db.StringGetDelete(keys[1]));
        Assert.False(db.KeyExists(keys[1]));
        var ex = Assert.Throws<RedisServerException>(() => db.StringIncrement(keys[0]));
        Assert.Equal("ERR value is not an integer or out of range", ex.Message);

        // MSET, MGET, MSETNX, EXISTS and DEL over keys on every shard.
        var pairs = keys.Select((k, i) => new KeyValuePair<RedisKey, RedisValue>(k, "v" + i)).ToArray();
        Assert.True(db.StringSet(pairs));
        Assert.Equal(keys.Select((_, i) => "v" + i), db.StringGet(keys).Select(v => (string?)v));
        Assert.False(db.StringSet(pairs, When.NotExists));
        Assert.Equal(keys.Length, db.KeyExists(keys));
        Assert.Equal(keys.Length, db.KeyDelete(keys));
        Assert.All(db.StringGet(keys), v => Assert.True(v.IsNull));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Expiry(int protocol)
    {
        using ConnectionMultiplexer mux = SeRedis.Connect(target.Server, protocol);
        IDatabase db = mux.GetDatabase();
        RedisKey[] keys = SeRedis.Keys(db, "ttl", protocol, 4);

        Assert.True(db.StringSet(keys[0], "v", TimeSpan.FromSeconds(100)));
        Assert.InRange(db.KeyTimeToLive(keys[0])!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(100));
        DateTime? at = db.KeyExpireTime(keys[0]);
        Assert.NotNull(at);
        Assert.InRange(at!.Value, DateTime.UtcNow.AddSeconds(-5), DateTime.UtcNow.AddSeconds(105));
        Assert.True(db.KeyPersist(keys[0]));
        Assert.Null(db.KeyTimeToLive(keys[0]));
        Assert.Null(db.KeyExpireTime(keys[0]));

        db.StringSet(keys[1], "v");
        Assert.True(db.KeyExpire(keys[1], TimeSpan.FromSeconds(50)));
        Assert.False(db.KeyExpire(keys[1], TimeSpan.FromSeconds(500), ExpireWhen.HasNoExpiry));
        Assert.True(db.KeyExpire(keys[1], TimeSpan.FromSeconds(500), ExpireWhen.GreaterThanCurrentExpiry));
        Assert.InRange(db.KeyTimeToLive(keys[1])!.Value, TimeSpan.FromSeconds(51), TimeSpan.FromSeconds(500));
        Assert.True(db.StringSet(keys[1], "w", expiry: null, keepTtl: true));
        Assert.NotNull(db.KeyTimeToLive(keys[1]));
        Assert.Equal("w", db.StringGetSetExpiry(keys[1], TimeSpan.FromSeconds(7)));
        Assert.InRange(db.KeyTimeToLive(keys[1])!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(7));
        Assert.Equal("w", db.StringGetSetExpiry(keys[1], null));
        Assert.Null(db.KeyTimeToLive(keys[1]));

        // A key set to expire soon goes away (polled, since the machine may be slow).
        Assert.True(db.StringSet(keys[2], "short", TimeSpan.FromMilliseconds(50)));
        Assert.True(SpinWait.SpinUntil(() => !db.KeyExists(keys[2]), s_wait));
        Assert.True(db.StringGet(keys[2]).IsNull);
        Assert.Null(db.KeyTimeToLive(keys[3]));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Keys_AcrossShards(int protocol)
    {
        using ConnectionMultiplexer mux = SeRedis.Connect(target.Server, protocol);
        IDatabase db = mux.GetDatabase();
        IServer server = mux.GetServer(mux.GetEndPoints()[0]);
        RedisKey[] keys = SeRedis.Keys(db, "keys", protocol, 8);
        for (int i = 0; i < keys.Length; i++)
            db.StringSet(keys[i], i);

        // SCAN (the client's cursor loop) sees the keys of every shard.
        var scanned = server.Keys(pattern: $"se:keys:{protocol}:*", pageSize: 3).Select(k => (string?)k).Order().ToArray();
        Assert.Equal(keys.Select(k => (string?)k).Order(), scanned);
        Assert.True(server.DatabaseSize() >= keys.Length);

        // RENAME, RENAMENX and COPY between keys of different shards.
        Assert.True(db.KeyRename(keys[0], keys[1]));
        Assert.False(db.KeyExists(keys[0]));
        Assert.Equal("0", db.StringGet(keys[1]));
        Assert.False(db.KeyRename(keys[1], keys[2], When.NotExists));
        Assert.True(db.KeyCopy(keys[2], keys[0]));
        Assert.Equal("2", db.StringGet(keys[0]));
        Assert.False(db.KeyCopy(keys[3], keys[0]));
        Assert.True(db.KeyCopy(keys[3], keys[0], replace: true));
        Assert.Equal("3", db.StringGet(keys[0]));

        Assert.Equal(RedisType.String, db.KeyType(keys[0]));
        db.KeyDelete(keys[4]);
        db.ListLeftPush(keys[4], "x");
        Assert.Equal(RedisType.List, db.KeyType(keys[4]));
        Assert.Equal(RedisType.None, db.KeyType("se:keys:missing"));
        Assert.True(db.KeyTouch(keys[5]));
        Assert.Equal(3, db.KeyTouch([keys[5], keys[6], keys[7]]));
        Assert.Equal("int", db.KeyEncoding(keys[5]));
        Assert.Equal(1, (long)db.Execute("UNLINK", keys[5]));
        Assert.Equal(keys.Length - 1, db.KeyDelete(keys));

        // SELECT through the client: a key in database 3 is not in database 0.
        IDatabase db3 = mux.GetDatabase(3);
        db3.StringSet(keys[0], "in-3");
        Assert.Equal("in-3", db3.StringGet(keys[0]));
        Assert.True(db.StringGet(keys[0]).IsNull);
        Assert.True(db3.KeyDelete(keys[0]));
    }
}
