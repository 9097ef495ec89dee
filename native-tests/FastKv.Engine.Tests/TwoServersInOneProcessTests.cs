using System.Text;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// Nothing is process-wide: two servers in one process (each with its shards, Sequencer, blocked clients, Pub/Sub and
/// scripts) see none of each other's keys, wake none of each other's blocked clients and deliver none of each other's
/// messages, even for the same key and channel names and with cross-shard work in flight on both.
/// </summary>
public class TwoServersInOneProcessTests
{
    static string Text(Session s)
    {
        string t = Encoding.ASCII.GetString(s.Output.ToArray());
        s.Output.Clear();
        return t;
    }

    static string Run(EngineHarness h, params string[] command)
    {
        h.Session.Feed(EngineHarness.Command(command));
        EngineHarness.Pump(h.Server);
        return Text(h.Session);
    }

    [Fact]
    public void TwoServers_ShareNoKeysWaitersMessagesOrScripts()
    {
        using var a = new EngineHarness(shards: 2, slowlog: false);
        using var b = new EngineHarness(shards: 2, slowlog: false);
        string k0 = EngineHarness.KeyOn(a.Server, 0, "k"), k1 = EngineHarness.KeyOn(a.Server, 1, "k");

        // Cross-shard MSET on both (each through its own Sequencer), different values for the same names.
        Assert.Equal("+OK\r\n", Run(a, "MSET", k0, "a0", k1, "a1"));
        Assert.Equal("+OK\r\n", Run(b, "MSET", k0, "b0", k1, "b1"));
        Assert.Equal("*2\r\n$2\r\na0\r\n$2\r\na1\r\n", Run(a, "MGET", k0, k1));
        Assert.Equal("*2\r\n$2\r\nb0\r\n$2\r\nb1\r\n", Run(b, "MGET", k0, k1));
        Assert.Equal("+OK\r\n", Run(b, "FLUSHALL"));
        Assert.Equal(":2\r\n", Run(a, "DBSIZE"));

        // A client blocked on q in server a is woken by a push to q in a, not in b.
        var waiter = new Session(a.Server.Shards[1], new Client { Id = 9 });
        waiter.Feed(EngineHarness.Command("BLPOP", "q", "0"));
        EngineHarness.Pump(a.Server);
        Assert.True(waiter.Waiting);
        Assert.Equal(":1\r\n", Run(b, "RPUSH", "q", "from-b"));
        EngineHarness.Pump(a.Server);
        Assert.True(waiter.Waiting);
        Assert.Equal(":1\r\n", Run(a, "RPUSH", "q", "from-a"));
        Assert.False(waiter.Waiting);
        Assert.Equal("*2\r\n$1\r\nq\r\n$6\r\nfrom-a\r\n", Text(waiter));

        // A subscriber of server a hears a's publishes only (cross-shard delivery included).
        var subscriber = new Session(a.Server.Shards[1], new Client { Id = 10 });
        subscriber.Feed(EngineHarness.Command("SUBSCRIBE", "ch"));
        Text(subscriber);
        Assert.Equal(":0\r\n", Run(b, "PUBLISH", "ch", "from-b"));
        Assert.Equal(":1\r\n", Run(a, "PUBLISH", "ch", "from-a"));
        Assert.Equal("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$6\r\nfrom-a\r\n", Text(subscriber));

        // Scripts are cached per server.
        string load = Run(a, "SCRIPT", "LOAD", "return 1");
        string sha = load.Split("\r\n")[1];
        Assert.Equal("*1\r\n:1\r\n", Run(a, "SCRIPT", "EXISTS", sha));
        Assert.Equal("*1\r\n:0\r\n", Run(b, "SCRIPT", "EXISTS", sha));
    }
}
