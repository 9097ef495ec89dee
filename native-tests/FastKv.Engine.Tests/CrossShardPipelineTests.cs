using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// A pipeline whose keys live on two shards, driven on one thread: the test plays both event
/// loops by draining each shard's mailbox. Replies must come back in request order, and the
/// steady state must allocate nothing (requests, stage and reply slots are reused).
/// </summary>
public class CrossShardPipelineTests
{
    static string KeyOn(ServerState s, int shard, int n)
    {
        for (int i = n; ; i++)
        {
            string k = "key:" + i;
            if (s.ShardOf(Encoding.ASCII.GetBytes(k)).Id == shard) return k;
        }
    }

    static void Pump(EngineHarness h)
    {
        // Shard 1 serves the requests, then shard 0 delivers the replies to the session.
        while (h.Server.Shards[1].Mailbox.Drain(h.Server.Shards[1]) + h.Server.Shards[0].Mailbox.Drain(h.Server.Shards[0]) > 0) { }
    }

    static (byte[] request, string expected) Pipeline(ServerState s, int round, bool withErrors = true)
    {
        var req = new List<byte>();
        var exp = new StringBuilder();
        for (int i = 0; i < 40; i++)
        {
            string local = KeyOn(s, 0, i * 31), foreign = KeyOn(s, 1, i * 37);
            string v = "v" + round + "-" + i;
            req.AddRange(EngineHarness.Command("SET", foreign, v)); exp.Append("+OK\r\n");
            req.AddRange(EngineHarness.Command("SET", local, v)); exp.Append("+OK\r\n");
            req.AddRange(EngineHarness.Command("GET", foreign)); exp.Append('$').Append(v.Length).Append("\r\n").Append(v).Append("\r\n");
            req.AddRange(EngineHarness.Command("GET", local)); exp.Append('$').Append(v.Length).Append("\r\n").Append(v).Append("\r\n");
            if (withErrors)
            {
                // Error replies build their text (they allocate; they are not the hot path).
                req.AddRange(EngineHarness.Command("NOSUCHCMD"));
                exp.Append("-ERR unknown command 'NOSUCHCMD', with args beginning with: \r\n");
            }
            req.AddRange(EngineHarness.Command("GET", "missing-" + foreign)); exp.Append("$-1\r\n");
        }
        return (req.ToArray(), exp.ToString());
    }

    [Fact]
    public void RepliesInRequestOrder_AcrossShards()
    {
        using var h = new EngineHarness(shards: 2);
        var (request, expected) = Pipeline(h.Server, 0);
        h.Session.Feed(request);
        Assert.True(h.Session.Waiting, "foreign commands are out");
        Pump(h);
        Assert.False(h.Session.Waiting);
        Assert.Equal(expected, Encoding.UTF8.GetString(h.Session.Output.ToArray()));
    }

    [Fact]
    public void SelectEndsTheBatch_AndAppliesToWhatFollows()
    {
        using var h = new EngineHarness(shards: 2);
        string foreign = KeyOn(h.Server, 1, 0);
        var req = new List<byte>();
        req.AddRange(EngineHarness.Command("SET", foreign, "db0"));
        req.AddRange(EngineHarness.Command("SELECT", "1"));
        req.AddRange(EngineHarness.Command("GET", foreign));
        req.AddRange(EngineHarness.Command("SET", foreign, "db1"));
        req.AddRange(EngineHarness.Command("SELECT", "0"));
        req.AddRange(EngineHarness.Command("GET", foreign));
        h.Session.Feed(req.ToArray());
        for (int i = 0; i < 10 && (h.Session.Waiting || h.Session.BufferedInput > 0); i++) Pump(h);
        Assert.Equal("+OK\r\n+OK\r\n$-1\r\n+OK\r\n+OK\r\n$3\r\ndb0\r\n", Encoding.UTF8.GetString(h.Session.Output.ToArray()));
    }

    [Fact]
    public void SteadyCrossShardPipeline_AllocatesNothing()
    {
        using var h = new EngineHarness(shards: 2, slowlog: false);
        var rounds = new[] { Pipeline(h.Server, 1, withErrors: false), Pipeline(h.Server, 2, withErrors: false) };
        for (int i = 0; i < 200; i++)
        {
            h.Session.Feed(rounds[i & 1].request);
            Pump(h);
            h.Session.Output.Clear();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 300; i++)
        {
            h.Session.Feed(rounds[i & 1].request);
            Pump(h);
            h.Session.Output.Clear();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        h.Session.Feed(rounds[0].request);
        Pump(h);
        Assert.Equal(rounds[0].expected, Encoding.UTF8.GetString(h.Session.Output.ToArray()));
    }
}
