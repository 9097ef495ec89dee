using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Atomicity;

/// <summary>
/// Issue 14's consumer-group test with --threads 4: several consumers, each on its own connection and thread, read one
/// group of several streams (spread over the shards by their slots) with XREADGROUP "&gt;" at the same time. Every entry is delivered
/// exactly once; after acknowledging part of them XPENDING counts exactly the rest, per consumer; a consumer that read
/// and died without acknowledging has its entries recovered by XAUTOCLAIM, and in the end every entry is acknowledged
/// exactly once. Nothing depends on timing except the claim's min-idle-time, which the test waits out.
/// </summary>
public class ConsumerGroupTests
{
    static readonly string[] Keys = ["q:a", "q:b", "q:c", "q:d"];
    const int EntriesPerKey = 400;
    const int Consumers = 4;

    [Fact]
    public void ConcurrentConsumers_EachEntryOnce_PelExact_DeadConsumerRecovered()
    {
        using var server = ServerProcess.Start(ServerKind.Target, 4);
        using (var setup = server.Connect())
        {
            foreach (string key in Keys)
            {
                setup.Call("XGROUP", "CREATE", key, "g", "0", "MKSTREAM");
                for (int i = 1; i <= EntriesPerKey; i++)
                    setup.SendCommand("XADD", key, "*", "n", i.ToString(CultureInfo.InvariantCulture));
                for (int i = 1; i <= EntriesPerKey; i++)
                    Assert.False(Resp.Parse(setup.ReadReply()).IsError);
            }
        }

        // Who got each entry and its number; consumers ack the entries whose number is even and keep the odd ones.
        var deliveredTo = new ConcurrentDictionary<(string Key, string Id), (string Consumer, int N)>();
        var problems = new ConcurrentBag<string>();
        var threads = new List<Thread>();
        for (int c = 0; c < Consumers; c++)
        {
            string name = "c" + c.ToString(CultureInfo.InvariantCulture);
            var t = new Thread(() => Consume(server, name, deliveredTo, problems));
            threads.Add(t);
            t.Start();
        }
        foreach (Thread t in threads) t.Join();

        Assert.Empty(problems);
        Assert.Equal(Keys.Length * EntriesPerKey, deliveredTo.Count);
        using var conn = server.Connect();
        int pendingTotal = 0;
        foreach (string key in Keys)
        {
            RespValue summary = Resp.Parse(conn.Call("XPENDING", key, "g"));
            int expected = 0;
            foreach (var kv in deliveredTo) if (kv.Key.Key == key && kv.Value.N % 2 == 1) expected++;
            Assert.Equal(expected, (int)summary.Items![0].Integer);
            pendingTotal += expected;
            // Per consumer: exactly the odd entries it was given.
            foreach (RespValue pair in summary.Items[3].Items ?? [])
            {
                string consumer = pair.Items![0].Text!;
                int count = int.Parse(pair.Items[1].Text!, CultureInfo.InvariantCulture);
                int mine = 0;
                foreach (var kv in deliveredTo) if (kv.Key.Key == key && kv.Value.Consumer == consumer && kv.Value.N % 2 == 1) mine++;
                Assert.Equal(mine, count);
            }
        }
        Assert.Equal(Keys.Length * EntriesPerKey / 2, pendingTotal);

        // Every consumer "died": a rescuer claims what has been idle at least 50 ms, batch by batch, and acks it.
        Thread.Sleep(100);
        var recovered = new HashSet<(string, string)>();
        foreach (string key in Keys)
        {
            string cursor = "0-0";
            do
            {
                RespValue r = Resp.Parse(conn.Call("XAUTOCLAIM", key, "g", "rescuer", "50", cursor, "COUNT", "25"));
                cursor = r.Items![0].Text!;
                Assert.Empty(r.Items[2].Items!);
                foreach (RespValue entry in r.Items[1].Items!)
                {
                    string id = entry.Items![0].Text!;
                    Assert.True(recovered.Add((key, id)), "claimed twice: " + key + " " + id);
                    Assert.Equal(1, Resp.Parse(conn.Call("XACK", key, "g", id)).Integer);
                }
            } while (cursor != "0-0");
            Assert.Equal(0, Resp.Parse(conn.Call("XPENDING", key, "g")).Items![0].Integer);
        }
        Assert.Equal(pendingTotal, recovered.Count);
        server.AssertAlive();
    }

    /// <summary>One consumer: reads every key in turn, 7 entries at a time, until a whole round reads nothing. A thread
    /// cannot fail the test by throwing, so what goes wrong is reported in <paramref name="problems"/>.</summary>
    static void Consume(ServerProcess server, string name, ConcurrentDictionary<(string, string), (string, int)> deliveredTo,
        ConcurrentBag<string> problems)
    {
        try
        {
            ConsumeAll(server, name, deliveredTo, problems);
        }
        catch (System.Exception e)
        {
            problems.Add(name + ": " + e);
        }
    }

    static void ConsumeAll(ServerProcess server, string name, ConcurrentDictionary<(string, string), (string, int)> deliveredTo,
        ConcurrentBag<string> problems)
    {
        using var conn = server.Connect();
        bool any = true;
        while (any)
        {
            any = false;
            foreach (string key in Keys)
            {
                RespValue r = Resp.Parse(conn.Call("XREADGROUP", "GROUP", "g", name, "COUNT", "7", "STREAMS", key, ">"));
                if (r.IsNull) continue;
                foreach (RespValue entry in r.Items![0].Items![1].Items!)
                {
                    any = true;
                    string id = entry.Items![0].Text!;
                    int n = int.Parse(entry.Items[1].Items![1].Text!, CultureInfo.InvariantCulture);
                    if (!deliveredTo.TryAdd((key, id), (name, n))) problems.Add("delivered twice: " + key + " " + id);
                    if (n % 2 == 0 && Resp.Parse(conn.Call("XACK", key, "g", id)).Integer != 1) problems.Add("ack failed: " + key + " " + id);
                }
            }
        }
    }
}
