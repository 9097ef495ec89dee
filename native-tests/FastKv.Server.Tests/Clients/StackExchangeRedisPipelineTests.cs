using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FastKv.Server.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace FastKv.Server.Tests.Clients;

/// <summary>
/// StackExchange.Redis batches, pipelining, transactions and pub/sub, over RESP2 and RESP3, against the
/// server under test at --threads 4. The client pipelines everything it is given on one connection, so
/// these tests put many commands for keys on different shards in flight at once and check that every
/// reply comes back to the right caller. Its transactions are WATCH, the condition reads, MULTI ... EXEC;
/// its subscriptions live on a second connection.
/// </summary>
[Trait("Category", "Smoke")]
public class StackExchangeRedisPipelineTests(TargetFixture target) : IClassFixture<TargetFixture>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    public static TheoryData<int> Protocols => SeRedis.Protocols;

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Batch_RepliesReachTheirCallers_InOrder(int protocol)
    {
        using ConnectionMultiplexer mux = SeRedis.Connect(target.Server, protocol);
        IDatabase db = mux.GetDatabase();
        RedisKey[] keys = SeRedis.Keys(db, "batch", protocol, 16);

        IBatch batch = db.CreateBatch();
        var sets = keys.Select((k, i) => batch.StringSetAsync(k, i)).ToArray();
        var incrs = keys.Select(k => batch.StringIncrementAsync(k, 100)).ToArray();
        var gets = keys.Select(k => batch.StringGetAsync(k)).ToArray();
        Task<RedisValue[]> mget = batch.StringGetAsync(keys);
        Task<long> wrongType = batch.ListLengthAsync(keys[0]);
        Task<long> deleted = batch.KeyDeleteAsync(keys);
        batch.Execute();

        Assert.All(await Task.WhenAll(sets), Assert.True);
        Assert.Equal(keys.Select((_, i) => 100L + i), await Task.WhenAll(incrs));
        Assert.Equal(keys.Select((_, i) => (100 + i).ToString()), (await Task.WhenAll(gets)).Select(v => (string?)v));
        Assert.Equal(keys.Select((_, i) => (100 + i).ToString()), (await mget).Select(v => (string?)v));
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => wrongType);
        Assert.StartsWith("WRONGTYPE", ex.Message);
        Assert.Equal(keys.Length, await deleted);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Pipelining_ThousandsInFlight_FromSeveralThreads(int protocol)
    {
        using ConnectionMultiplexer mux = SeRedis.Connect(target.Server, protocol);
        IDatabase db = mux.GetDatabase();
        RedisKey[] keys = SeRedis.Keys(db, "pipe", protocol, 8);

        // Four writers share the multiplexer's one connection; each increments every key 500 times.
        const int Rounds = 500;
        Task[] writers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var pending = new List<Task<long>>(Rounds * keys.Length);
            for (int r = 0; r < Rounds; r++)
                foreach (RedisKey k in keys)
                    pending.Add(db.StringIncrementAsync(k));
            await Task.WhenAll(pending);
        })).ToArray();
        await Task.WhenAll(writers);
        Assert.All(db.StringGet(keys), v => Assert.Equal(4 * Rounds, (long)v));

        // Fire-and-forget commands, then one awaited read behind them on the same connection.
        foreach (RedisKey k in keys)
            db.StringSet(k, "ff", flags: CommandFlags.FireAndForget);
        Assert.All(await db.StringGetAsync(keys), v => Assert.Equal("ff", v));
        db.KeyDelete(keys);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Transaction_WithConditions_RunsAtomicallyAcrossShards(int protocol)
    {
        using ConnectionMultiplexer mux = SeRedis.Connect(target.Server, protocol);
        IDatabase db = mux.GetDatabase();
        RedisKey[] keys = SeRedis.Keys(db, "tx", protocol, 4);
        db.StringSet(keys[0], "ready");
        db.HashSet(keys[1], "state", "open");

        // Conditions hold: every queued command runs and its task gets its own reply.
        ITransaction tx = db.CreateTransaction();
        tx.AddCondition(Condition.StringEqual(keys[0], "ready"));
        tx.AddCondition(Condition.HashEqual(keys[1], "state", "open"));
        tx.AddCondition(Condition.KeyNotExists(keys[2]));
        Task<bool> set = tx.StringSetAsync(keys[2], "written");
        Task<long> push = tx.ListRightPushAsync(keys[3], ["a", "b"]);
        Task<bool> hset = tx.HashSetAsync(keys[1], "state", "closed");
        Task<long> incr = tx.StringIncrementAsync(keys[0]);
        Assert.True(await tx.ExecuteAsync());
        Assert.True(await set);
        Assert.Equal(2, await push);
        Assert.False(await hset);
        // A command that fails inside EXEC fails alone, as in Redis; the others have run.
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => incr);
        Assert.Equal("ERR value is not an integer or out of range", ex.Message);
        Assert.Equal("written", db.StringGet(keys[2]));
        Assert.Equal("closed", db.HashGet(keys[1], "state"));

        // A condition fails: nothing runs, the queued commands are cancelled.
        ITransaction failing = db.CreateTransaction();
        failing.AddCondition(Condition.StringEqual(keys[0], "ready"));
        failing.AddCondition(Condition.ListLengthEqual(keys[3], 5));
        Task<bool> notRun = failing.StringSetAsync(keys[2], "overwritten");
        Assert.False(await failing.ExecuteAsync());
        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => notRun);
        Assert.Equal("written", db.StringGet(keys[2]));

        // No conditions: a plain MULTI/EXEC whose keys span every shard.
        ITransaction plain = db.CreateTransaction();
        Task<long> deleted = plain.KeyDeleteAsync(keys);
        Task<bool> after = plain.StringSetAsync(keys[0], "after");
        Assert.True(await plain.ExecuteAsync());
        Assert.Equal(4, await deleted);
        Assert.True(await after);
        Assert.Equal(1, db.KeyDelete(keys));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task PubSub_ChannelsAndPatterns(int protocol)
    {
        using ConnectionMultiplexer subscriberMux = SeRedis.Connect(target.Server, protocol);
        using ConnectionMultiplexer publisherMux = SeRedis.Connect(target.Server, protocol);
        ISubscriber subscriber = subscriberMux.GetSubscriber();
        ISubscriber publisher = publisherMux.GetSubscriber();
        string prefix = $"se:chan:{protocol}:";
        var literal = RedisChannel.Literal(prefix + "news");
        var pattern = RedisChannel.Pattern(prefix + "n*");

        ChannelMessageQueue direct = await subscriber.SubscribeAsync(literal);
        ChannelMessageQueue matched = await subscriber.SubscribeAsync(pattern);
        var callbacks = new List<string>();
        using var callbackSeen = new SemaphoreSlim(0);
        await subscriber.SubscribeAsync(RedisChannel.Literal(prefix + "cb"), (_, message) =>
        {
            lock (callbacks)
                callbacks.Add(message!);
            callbackSeen.Release();
        });

        // The literal channel has one subscriber and the pattern matches it: PUBLISH counts both.
        Assert.Equal(2, await publisher.PublishAsync(literal, "first"));
        Assert.Equal(1, await publisher.PublishAsync(RedisChannel.Literal(prefix + "nope"), "second"));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(s_wait);
        ChannelMessage m1 = await direct.ReadAsync(cts.Token);
        Assert.Equal(("first", (string?)literal), ((string)m1.Message!, (string?)m1.Channel));
        ChannelMessage p1 = await matched.ReadAsync(cts.Token);
        ChannelMessage p2 = await matched.ReadAsync(cts.Token);
        Assert.Equal(["first", "second"], new[] { (string)p1.Message!, (string)p2.Message! });
        Assert.Equal(prefix + "nope", (string?)p2.Channel);

        for (int i = 0; i < 50; i++)
            await publisher.PublishAsync(RedisChannel.Literal(prefix + "cb"), i.ToString());
        for (int i = 0; i < 50; i++)
            Assert.True(await callbackSeen.WaitAsync(s_wait, TestContext.Current.CancellationToken));
        // StackExchange.Redis runs handler callbacks concurrently (its ChannelMessageQueue, above, is the ordered
        // API), so the callbacks see every message once but not necessarily in publish order.
        lock (callbacks)
            Assert.Equal(Enumerable.Range(0, 50).Select(i => i.ToString()), callbacks.OrderBy(int.Parse).ToList());

        IServer server = publisherMux.GetServer(publisherMux.GetEndPoints()[0]);
        Assert.Contains(literal, server.SubscriptionChannels(RedisChannel.Pattern(prefix + "*")));
        Assert.Equal(1, server.SubscriptionSubscriberCount(literal));
        Assert.True(server.SubscriptionPatternCount() >= 1);

        await direct.UnsubscribeAsync();
        await matched.UnsubscribeAsync();
        Assert.Equal(0, await publisher.PublishAsync(literal, "after"));
    }
}
