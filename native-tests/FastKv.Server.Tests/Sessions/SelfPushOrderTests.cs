using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;
using static FastKv.Server.Tests.Sessions.ExchangeCheck;

namespace FastKv.Server.Tests.Sessions;

/// <summary>
/// RESP3 pushes a client's own command causes (it publishes to a channel it is subscribed to, its write fires a
/// keyspace event it listens to) come after that command's reply, and after the whole EXEC array inside MULTI, as
/// in Redis 7.2 ("publish to self inside multi", "unsubscribe inside multi, and publish to self"). Compared byte
/// for byte with Redis 7.2.4, with one shard and with four (where keys live on other shards than the client).
/// </summary>
public class SelfPushOrderTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int>> Threads() => [new(1), new(4)];

    static void Hello3(RespConnection o, RespConnection t)
    {
        Assert.StartsWith("%7", Resp.AsString(o.Call("HELLO", "3")));
        Assert.StartsWith("%7", Resp.AsString(t.Call("HELLO", "3")));
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void PushesToSelf_FollowTheReply(int threads)
    {
        using RespConnection o = servers.Oracle.Server.Connect();
        using RespConnection t = servers.TargetWithThreads(threads).Server.Connect();
        string ctx = $"--threads {threads}";
        Hello3(o, t); // not compared: the client ids differ
        Same(o, t, 1, ctx, ["SUBSCRIBE", "ch"]);
        Same(o, t, 2, ctx, ["PUBLISH", "ch", "self"]);
        Same(o, t, 3, ctx, ["PUBLISH", "ch", "one"], ["PING"]);
        Same(o, t, 6, ctx, ["MULTI"], ["PUBLISH", "ch", "a"], ["PUBLISH", "ch", "b"], ["EXEC"]);
        // Unsubscribed inside the transaction: the unsubscribe push is part of EXEC's array, the message never comes.
        Same(o, t, 5, ctx, ["MULTI"], ["PUBLISH", "ch", "c"], ["UNSUBSCRIBE", "ch"], ["PUBLISH", "ch", "d"], ["EXEC"]);
        Same(o, t, 1, ctx, ["SUBSCRIBE", "ch"]);
        Same(o, t, 2, ctx, ["PSUBSCRIBE", "c*"]);
        Same(o, t, 3, ctx, ["PUBLISH", "ch", "both"]);
        Quiet(t, ctx);
        Quiet(o, ctx);
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void KeyspaceEventsOfOwnWrites_FollowTheReply(int threads)
    {
        using RespConnection o = servers.Oracle.Server.Connect();
        using RespConnection t = servers.TargetWithThreads(threads).Server.Connect();
        string ctx = $"--threads {threads}";
        Same(o, t, 1, ctx, ["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
        try
        {
            Hello3(o, t); // not compared: the client ids differ
            Same(o, t, 1, ctx, ["SUBSCRIBE", "__keyevent@0__:set"]);
            Same(o, t, 1, ctx, ["PSUBSCRIBE", "__keyspace@0__:*sp*"]);
            // Keys on every shard in turn (with four threads most are not on the client's own shard).
            foreach (string key in new[] { "spa", "spb", "spc", "spd", "spe", "spf" })
            {
                Same(o, t, 3, ctx + " key " + key, ["SET", key, "v"]);
                Same(o, t, 2, ctx + " key " + key, ["DEL", key]);
            }
            Same(o, t, 4, ctx, ["SET", "{sp}x", "1"], ["PING"]);
            // A transaction (on one shard, maybe not the client's): every event after the EXEC array.
            Same(o, t, 11, ctx, ["MULTI"], ["SET", "{sp}a", "1"], ["SET", "{sp}b", "2"], ["SET", "{sp}c", "3"], ["EXEC"]);
            Same(o, t, 4, ctx, ["MULTI"], ["INCR", "{sp}a"], ["EXEC"]);
            Same(o, t, 5, ctx, ["DEL", "{sp}a", "{sp}b", "{sp}c", "{sp}x"]);
            Quiet(t, ctx);
            Quiet(o, ctx);
        }
        finally
        {
            using RespConnection ro = servers.Oracle.Server.Connect();
            using RespConnection rt = servers.TargetWithThreads(threads).Server.Connect();
            ro.Call("CONFIG", "SET", "notify-keyspace-events", "");
            rt.Call("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }
}
