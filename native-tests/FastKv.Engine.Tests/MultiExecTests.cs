using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// MULTI/EXEC/DISCARD/WATCH on a two-shard engine without sockets; the test plays both event loops by
/// draining the mailboxes. Expected replies were checked against redis-server 7.0.
/// </summary>
public class MultiExecTests
{
    static string KeyOn(ServerState s, int shard, string prefix) => EngineHarness.KeyOn(s, shard, prefix);

    static void Pump(EngineHarness h)
    {
        for (int round = 0; round < 100; round++)
        {
            int n = 0;
            foreach (Shard s in h.Server.Shards) n += s.Mailbox.Drain(s);
            if (n == 0 && !h.Session.Waiting) return;
        }
    }

    static string Send(EngineHarness h, params string[][] commands)
    {
        var req = new List<byte>();
        foreach (string[] c in commands) req.AddRange(EngineHarness.Command(c));
        h.Session.Feed(req.ToArray());
        Pump(h);
        Assert.False(h.Session.Waiting);
        string reply = Encoding.UTF8.GetString(h.Session.Output.ToArray());
        h.Session.Output.Clear();
        return reply;
    }

    static string[] C(params string[] a) => a;

    /// <summary>
    /// A client blocked on a key an EXEC pushes to is served after the whole EXEC, as in Redis (checked on
    /// redis-server 7.0: LLEN inside the EXEC sees the pushed element, the waiter gets it afterwards). Once with
    /// the key on the home shard (inline EXEC), on the other shard (the EXEC travels there as one request), and on
    /// the other shard with a PING between the writes, which splits the EXEC into rounds under intent locks.
    /// </summary>
    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(1, true)]
    public void BlockedClients_AreServedAfterTheWholeExec(int keyShard, bool rounds)
    {
        using var h = new EngineHarness(shards: 2);
        string q = KeyOn(h.Server, keyShard, "q");
        var waiter = new Session(h.Server.Shards[0], new Client { Id = 2 });
        waiter.Feed(EngineHarness.Command("BLPOP", q, "0"));
        Pump(h);
        Assert.True(waiter.Waiting);
        if (rounds)
        {
            Assert.Equal("+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n", Send(h, C("MULTI"), C("LPUSH", q, "a"), C("PING"), C("LLEN", q)));
            Assert.Equal("*3\r\n:1\r\n+PONG\r\n:1\r\n", Send(h, C("EXEC")));
        }
        else
        {
            Assert.Equal("+OK\r\n+QUEUED\r\n+QUEUED\r\n", Send(h, C("MULTI"), C("LPUSH", q, "a"), C("LLEN", q)));
            Assert.Equal("*2\r\n:1\r\n:1\r\n", Send(h, C("EXEC")));
        }
        Pump(h);
        Assert.False(waiter.Waiting);
        Assert.Equal($"*2\r\n${q.Length}\r\n{q}\r\n$1\r\na\r\n", Encoding.UTF8.GetString(waiter.Output.Written));
        Assert.Equal(":0\r\n", Send(h, C("LLEN", q)));
    }

    /// <summary>Every queued key on the other shard and nothing watched: the EXEC travels there as one atomic request
    /// (RemoteExec) and answers like any EXEC, runtime errors and WRONGTYPE per command.</summary>
    [Fact]
    public void AllKeysOnOneForeignShard_RunThereInOneRequest()
    {
        using var h = new EngineHarness(shards: 2);
        string a = KeyOn(h.Server, 1, "a"), b = KeyOn(h.Server, 1, "b");
        Assert.Equal("+OK\r\n", Send(h, C("SET", b, "text")));
        Assert.Equal("+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n",
            Send(h, C("MULTI"), C("INCR", a), C("INCRBY", a, "10"), C("INCR", b), C("LPUSH", b, "x"), C("GET", a)));
        Assert.Equal("*5\r\n:1\r\n:11\r\n-ERR value is not an integer or out of range\r\n" +
                     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$2\r\n11\r\n", Send(h, C("EXEC")));
        Assert.Equal("$2\r\n11\r\n", Send(h, C("GET", a)));
        Assert.Equal("-ERR EXEC without MULTI\r\n", Send(h, C("EXEC")));
    }

    [Fact]
    public void Queued_ThenExecutedInOrder_WithRuntimeErrorsPerCommand()
    {
        using var h = new EngineHarness(shards: 2);
        string home = KeyOn(h.Server, 0, "h"), foreign = KeyOn(h.Server, 1, "f");
        Assert.Equal("+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n",
            Send(h, C("MULTI"), C("SET", home, "1"), C("INCR", home), C("SET", foreign, "x"), C("INCR", foreign), C("MGET", home, foreign)));
        Assert.Equal("*5\r\n+OK\r\n:2\r\n+OK\r\n-ERR value is not an integer or out of range\r\n*2\r\n$1\r\n2\r\n$1\r\nx\r\n",
            Send(h, C("EXEC")));
        Assert.Equal("-ERR EXEC without MULTI\r\n", Send(h, C("EXEC")));
    }

    [Fact]
    public void HomeOnlyTransaction_RunsInline()
    {
        using var h = new EngineHarness(shards: 2);
        string home = KeyOn(h.Server, 0, "h");
        h.Session.Feed(EngineHarness.Command("MULTI"));
        h.Session.Feed(EngineHarness.Command("INCR", home));
        h.Session.Feed(EngineHarness.Command("EXEC"));
        Assert.False(h.Session.Waiting, "no message needed when every key is home");
        Assert.Equal("+OK\r\n+QUEUED\r\n*1\r\n:1\r\n", Encoding.UTF8.GetString(h.Session.Output.ToArray()));
    }

    [Fact]
    public void RejectedWhileQueuing_ExecAborts()
    {
        using var h = new EngineHarness(shards: 2);
        string k = KeyOn(h.Server, 1, "f");
        Assert.Equal("+OK\r\n+QUEUED\r\n-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n" +
                     "-ERR wrong number of arguments for 'get' command\r\n-ERR Command not allowed inside a transaction\r\n" +
                     "-EXECABORT Transaction discarded because of previous errors.\r\n$-1\r\n",
            Send(h, C("MULTI"), C("SET", k, "1"), C("NOSUCH", "x"), C("GET"), C("SHUTDOWN"), C("EXEC"), C("GET", k)));
    }

    [Fact]
    public void NestingAndMisplacedCommands_AnswerRedisErrors()
    {
        using var h = new EngineHarness(shards: 2);
        Assert.Equal("-ERR DISCARD without MULTI\r\n+OK\r\n-ERR MULTI calls can not be nested\r\n-ERR WATCH inside MULTI is not allowed\r\n" +
                     "+QUEUED\r\n*1\r\n+PONG\r\n",
            Send(h, C("DISCARD"), C("MULTI"), C("MULTI"), C("WATCH", "x"), C("PING"), C("EXEC")));
        Assert.Equal("+OK\r\n+QUEUED\r\n+OK\r\n-ERR EXEC without MULTI\r\n", Send(h, C("MULTI"), C("PING"), C("DISCARD"), C("EXEC")));
    }

    [Fact]
    public void SelectInsideMulti_AppliesToLaterCommands()
    {
        using var h = new EngineHarness(shards: 2);
        string foreign = KeyOn(h.Server, 1, "f");
        Send(h, C("SET", foreign, "db0"));
        Assert.Equal("*5\r\n+OK\r\n+OK\r\n$3\r\ndb1\r\n+OK\r\n$3\r\ndb0\r\n",
            Send(h, C("MULTI"), C("SELECT", "1"), C("SET", foreign, "db1"), C("GET", foreign), C("SELECT", "0"), C("GET", foreign), C("EXEC"))
                .Replace("+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n", ""));
        Assert.Equal(0, h.Session.Client.Db);
    }

    [Fact]
    public void BlockingCommandsInsideMulti_DoNotBlock()
    {
        using var h = new EngineHarness(shards: 2);
        string a = KeyOn(h.Server, 0, "h"), b = KeyOn(h.Server, 1, "f");
        Assert.Equal("*3\r\n*-1\r\n$-1\r\n*-1\r\n",
            Send(h, C("MULTI"), C("BLPOP", a, "0"), C("BLMOVE", a, b, "LEFT", "RIGHT", "0"), C("BRPOP", a, b, "0"), C("EXEC"))
                .Replace("+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n", ""));
    }

    [Fact]
    public void WatchedKeyTouchedOnItsShard_FailsExec_AndEveryRegistrationGoes()
    {
        using var h = new EngineHarness(shards: 2);
        string home = KeyOn(h.Server, 0, "h"), foreign = KeyOn(h.Server, 1, "f");
        Assert.Equal("+OK\r\n", Send(h, C("WATCH", home, foreign)));
        Assert.Equal(1, h.Server.Shards[0].Watches.Count);
        Assert.Equal(1, h.Server.Shards[1].Watches.Count);
        // Another client's write on the foreign shard (what KeyEvents.Modified does there).
        h.Server.Shards[1].Watches.Touch(0, Encoding.ASCII.GetBytes(foreign));
        Assert.Equal("+OK\r\n+QUEUED\r\n*-1\r\n", Send(h, C("MULTI"), C("SET", home, "v"), C("EXEC")));
        Assert.Equal(0, h.Server.Shards[0].Watches.Count);
        Assert.Equal(0, h.Server.Shards[1].Watches.Count);
        // Untouched: the transaction runs; a touch of another key or db does not count.
        Send(h, C("WATCH", foreign));
        h.Server.Shards[1].Watches.Touch(1, Encoding.ASCII.GetBytes(foreign));
        Assert.Equal("+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n", Send(h, C("MULTI"), C("SET", foreign, "v"), C("EXEC")));
        // UNWATCH and disconnect unregister too.
        Send(h, C("WATCH", foreign, home));
        Assert.Equal("+OK\r\n", Send(h, C("UNWATCH")));
        Pump(h);
        Assert.Equal(0, h.Server.Shards[1].Watches.Count);
        Send(h, C("WATCH", foreign, home));
        h.Session.Close();
        Pump(h);
        Assert.Equal(0, h.Server.Shards[0].Watches.Count + h.Server.Shards[1].Watches.Count);
    }

    [Fact]
    public void FlushTouchesOnlyExistingWatchedKeys()
    {
        using var h = new EngineHarness(shards: 2);
        string foreign = KeyOn(h.Server, 1, "f");
        Send(h, C("WATCH", "missing-" + foreign), C("FLUSHDB"));
        Assert.Equal("+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n", Send(h, C("MULTI"), C("PING"), C("EXEC")));
        Send(h, C("SET", foreign, "1"), C("WATCH", foreign), C("FLUSHALL"));
        Assert.Equal("+OK\r\n+QUEUED\r\n*-1\r\n", Send(h, C("MULTI"), C("PING"), C("EXEC")));
    }

    [Fact]
    public void WatchedKeyExpiredBeforeExec_FailsIt()
    {
        using var h = new EngineHarness(shards: 2);
        string foreign = KeyOn(h.Server, 1, "f");
        Send(h, C("SET", foreign, "v", "PX", "50"), C("WATCH", foreign));
        foreach (Shard s in h.Server.Shards) s.NowMs += 1000;
        Assert.Equal("+OK\r\n+QUEUED\r\n*-1\r\n", Send(h, C("MULTI"), C("PING"), C("EXEC")));
        Send(h, C("SET", foreign, "v", "PX", "100000"), C("WATCH", foreign));
        Assert.Equal("+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n", Send(h, C("MULTI"), C("PING"), C("EXEC")));
    }

    [Fact]
    public void ResetLeavesMultiAndUnwatches()
    {
        using var h = new EngineHarness(shards: 2);
        string foreign = KeyOn(h.Server, 1, "f");
        Assert.Equal("+OK\r\n+OK\r\n+QUEUED\r\n+RESET\r\n-ERR EXEC without MULTI\r\n",
            Send(h, C("WATCH", foreign), C("MULTI"), C("PING"), C("RESET"), C("EXEC")));
        Pump(h);
        Assert.Equal(0, h.Server.Shards[1].Watches.Count);
    }
}
