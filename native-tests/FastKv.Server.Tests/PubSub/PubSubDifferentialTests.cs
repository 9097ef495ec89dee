using System.Collections.Generic;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.PubSub;

/// <summary>
/// Pub/sub conversations against redis-server 7.0 and FastKv (--threads 4 and 1), RESP2 and RESP3, byte for
/// byte: subscribe and unsubscribe with and without arguments, patterns, shard channels, messages received by
/// subscribers on other connections (and so, with four threads, usually other shards), PUBSUB subcommands and
/// their errors, the RESP2 subscriber mode (refused commands, PING's shape), RESET and QUIT dropping
/// subscriptions, INFO and CLIENT LIST counters.
/// </summary>
public class PubSubDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int, int>> Cases()
    {
        yield return new(4, 2);
        yield return new(4, 3);
        yield return new(1, 2);
        yield return new(1, 3);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conversation_MatchesRedis(int threads, int protocol)
    {
        using var t = new PubSubConversation(servers.Oracle.Server, servers.TargetWithThreads(threads).Server, 5)
        {
            Context = $"--threads {threads}, RESP{protocol}",
        };
        // Connections 0-2 subscribe, 3 publishes, 4 subscribes to patterns only. No connection has two patterns
        // matching one channel: Redis delivers those in the order of its pattern dict, which is not defined.
        if (protocol == 3)
            for (int i = 0; i < 5; i++) t.Resp3(i);
        const int pub = 3;
        t.CheckPart(pub, "^:", "DEL", "k"); // other cases share the oracle
        t.Check(0, 1, "UNSUBSCRIBE");
        t.Check(0, 1, "PUNSUBSCRIBE");
        t.Check(0, 1, "SUNSUBSCRIBE");
        t.Check(0, 1, "SUBSCRIBE");
        t.Check(0, 3, "SUBSCRIBE", "news", "sport", "news");
        t.Check(1, 2, "PSUBSCRIBE", "n*", "s?ort");
        t.Check(2, 1, "SUBSCRIBE", "news");
        t.Check(2, 3, "SSUBSCRIBE", "shard1", "{t}a", "{t}b");
        t.Check(4, 2, "PSUBSCRIBE", "*", "zz*");

        t.Check(pub, 1, "PUBLISH", "news", "hello");
        t.Read(0, 1);
        t.Read(1, 1);
        t.Read(2, 1);
        t.Read(4, 1);
        t.Check(pub, 1, "PUBLISH", "sport", "s1");
        t.Read(0, 1);
        t.Read(1, 1);
        t.Read(4, 1);
        t.Check(pub, 1, "PUBLISH", "yyy", "nobody but *");
        t.Read(4, 1);
        t.Check(pub, 1, "SPUBLISH", "{t}a", "sharded");
        t.Read(2, 1);
        t.Check(pub, 1, "SPUBLISH", "nobody", "x");
        for (int i = 0; i < 5; i++) t.Quiet(i);

        t.Check(pub, 1, "PUBSUB", "NUMSUB", "news", "sport", "zzz");
        t.Check(pub, 1, "PUBSUB", "NUMSUB");
        t.Check(pub, 1, "PUBSUB", "NUMPAT");
        t.Check(pub, 1, "PUBSUB", "SHARDNUMSUB", "{t}a", "shard1", "x");
        t.Check(pub, 1, "PUBSUB", "CHANNELS", "n*");
        t.Check(pub, 1, "PUBSUB", "CHANNELS", "nothing*");
        t.Check(pub, 1, "PUBSUB", "SHARDCHANNELS", "sh*");
        t.Check(pub, 1, "PUBSUB", "CHANNELS", "a", "b");
        t.Check(pub, 1, "PUBSUB", "SHARDCHANNELS", "a", "b");
        t.Check(pub, 1, "PUBSUB", "NUMPAT", "x");
        t.Check(pub, 1, "PUBSUB", "FOO");
        t.Check(pub, 1, "PUBSUB");
        t.Check(pub, 1, "PUBSUB", "HELP");
        t.Check(pub, 1, "PUBLISH", "x");
        t.Check(pub, 1, "SPUBLISH", "x", "y", "z");
        t.CheckPart(pub, @"pubsub_channels:\d+\r\npubsub_patterns:\d+\r\npubsubshard_channels:\d+", "INFO", "stats");
        t.CheckPart(pub, @"flags=\w+ db=0 sub=\d+ psub=\d+ ssub=\d+", "CLIENT", "LIST");

        // Ordinary commands while subscribed: refused in RESP2, run in RESP3; PING's shape.
        t.Check(0, 1, "GET", "k");
        t.Check(0, 1, "PING");
        t.Check(0, 1, "PING", "hi");
        t.Check(1, 1, "CLIENT", "GETNAME");
        t.Check(2, 1, "SET", "k", "v");
        if (protocol == 3)
        {
            // A RESP3 subscriber may publish (to itself too: Sessions/SelfPushOrderTests, against Redis 7.2, where the
            // push follows the reply; 7.0 sent it first).
            t.CheckPart(2, @"flags=\w+ db=0 sub=\d+ psub=\d+ ssub=\d+", "CLIENT", "INFO");
        }

        t.Check(0, 2, "UNSUBSCRIBE", "news", "never");
        t.Check(0, 1, "UNSUBSCRIBE");
        t.Check(0, 1, "PING");
        t.Check(0, 1, "GET", "nokey");
        t.Check(1, 2, "PUNSUBSCRIBE", "n*", "nope");
        t.Check(2, 1, "SUNSUBSCRIBE", "{t}a");
        t.Check(2, 1, "UNSUBSCRIBE", "news");
        t.Check(2, 1, "PING");
        t.Check(2, 1, "RESET");
        t.Check(2, 1, "PING");
        t.Check(pub, 1, "PUBSUB", "SHARDNUMSUB", "{t}b", "shard1");
        t.Check(pub, 1, "PUBSUB", "NUMPAT");
        t.Check(pub, 1, "PUBLISH", "sport", "only s?ort and *");
        t.Read(1, 1);
        t.Read(4, 1);
        t.Check(4, 1, "QUIT");
        Thread.Sleep(100);
        t.Check(pub, 1, "PUBSUB", "NUMPAT");
        t.Check(pub, 1, "PUBSUB", "NUMSUB", "news", "sport");
        t.Check(pub, 1, "PUBLISH", "news", "to nobody");
        t.Check(1, 1, "PUNSUBSCRIBE");
        t.Check(1, 1, "PUNSUBSCRIBE");
        t.Check(pub, 1, "PUBSUB", "NUMPAT");
        t.CheckPart(pub, @"pubsub_channels:\d+\r\npubsub_patterns:\d+\r\npubsubshard_channels:\d+", "INFO", "stats");
        for (int i = 0; i < 4; i++) t.Quiet(i);
    }
}
