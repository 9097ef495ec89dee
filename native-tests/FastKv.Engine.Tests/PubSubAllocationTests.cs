using System;
using System.Collections.Generic;
using System.Text;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// DESIGN.md principle 5 for Pub/Sub on one shard: PUBLISH to a channel nobody listens to, and to local channel,
/// pattern and RESP3 subscribers, allocates no managed memory in steady state (cross-shard delivery: PublishLinkTests). The subscribers' outputs are checked so the loop is known to deliver.
/// </summary>
public class PubSubAllocationTests
{
    [Fact]
    public void Publish_ToNobodyAndToLocalSubscribers_AllocatesNothing()
    {
        using var h = new EngineHarness(slowlog: false);
        var resp2 = new Session(h.Server.Shards[0], new Client { Id = 2 });
        var resp3 = new Session(h.Server.Shards[0], new Client { Id = 3 });
        var pattern = new Session(h.Server.Shards[0], new Client { Id = 4 });
        resp2.Feed(EngineHarness.Command("SUBSCRIBE", "news"));
        resp3.Feed(EngineHarness.Command("HELLO", "3"));
        resp3.Feed(EngineHarness.Command("SUBSCRIBE", "news"));
        pattern.Feed(EngineHarness.Command("PSUBSCRIBE", "ne*"));
        foreach (Session s in new[] { resp2, resp3, pattern }) s.Output.Clear();

        var parts = new List<byte>();
        for (int i = 0; i < 50; i++)
        {
            parts.AddRange(EngineHarness.Command("PUBLISH", "news", "message-" + i));
            parts.AddRange(EngineHarness.Command("PUBLISH", "nobody", "message-" + i));
        }
        byte[] pipeline = parts.ToArray();
        void Round()
        {
            h.Session.Feed(pipeline);
            h.Session.Output.Clear();
            foreach (Session s in new[] { resp2, resp3, pattern }) s.Output.Clear();
        }
        for (int i = 0; i < 200; i++) Round();

        // One round's deliveries, checked: 3 receivers per "news" message, 0 for "nobody".
        h.Session.Feed(pipeline);
        string replies = Encoding.ASCII.GetString(h.Session.Output.ToArray());
        Assert.Equal(50, CountOf(replies, ":3\r\n"));
        Assert.Equal(50, CountOf(replies, ":0\r\n"));
        Assert.StartsWith("*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$9\r\nmessage-0\r\n", Encoding.ASCII.GetString(resp2.Output.Written));
        Assert.StartsWith(">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$9\r\nmessage-0\r\n", Encoding.ASCII.GetString(resp3.Output.Written));
        Assert.StartsWith("*4\r\n$8\r\npmessage\r\n$3\r\nne*\r\n$4\r\nnews\r\n$9\r\nmessage-0\r\n", Encoding.ASCII.GetString(pattern.Output.Written));
        Assert.Equal(50, CountOf(Encoding.ASCII.GetString(resp3.Output.Written), ">3\r\n"));
        h.Session.Output.Clear();
        foreach (Session s in new[] { resp2, resp3, pattern }) s.Output.Clear();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            h.Session.Feed(pipeline);
            h.Session.Output.Clear();
            resp2.Output.Clear();
            resp3.Output.Clear();
            pattern.Output.Clear();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    static int CountOf(string s, string part)
    {
        int n = 0;
        for (int i = s.IndexOf(part, StringComparison.Ordinal); i >= 0; i = s.IndexOf(part, i + part.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
