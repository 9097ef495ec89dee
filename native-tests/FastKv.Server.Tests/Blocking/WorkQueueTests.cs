using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using FastKv.Server.Tests.Atomicity;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// Lists as a work queue, the way applications use them: producers LPUSH, consumers BRPOP (plain queue) or
/// BLMOVE into a per-consumer processing list and LREM when done (reliable queue). With a 4-shard server
/// the connections land on every shard, so most consumers wait on another shard's key. Every item must be
/// delivered exactly once, none lost, and each consumer must see each producer's items in order.
/// </summary>
public class WorkQueueTests(TargetFixture target) : IClassFixture<TargetFixture>
{
    const int Producers = 4, Consumers = 4, ItemsPerProducer = 400;

    [Theory]
    [InlineData("brpop")]
    [InlineData("blmove")]
    public void EveryItemDeliveredOnce_InOrderPerProducer(string mode)
    {
        ServerProcess server = target.Server;
        string queue = "wq:" + mode;
        string[] processing = MultiKeyAtomicityTests.SpreadKeys("wq:proc:" + mode + ":", Consumers);
        using (var setup = server.Connect()) setup.Call(["DEL", queue, .. processing]);

        // Each consumer records what it got in the order it got it.
        var received = new List<(int producer, int seq)>[Consumers];
        for (int c = 0; c < Consumers; c++) received[c] = new();
        var failures = new ConcurrentQueue<string>();
        int delivered = 0;
        const int total = Producers * ItemsPerProducer;
        var threads = new List<Thread>();
        for (int c = 0; c < Consumers; c++)
        {
            int consumer = c;
            threads.Add(new Thread(() => Guard(failures, () =>
            {
                using var conn = server.Connect();
                while (Volatile.Read(ref delivered) < total && failures.IsEmpty)
                {
                    string? item;
                    if (mode == "brpop")
                    {
                        RespValue r = Resp.Parse(conn.Call("BRPOP", queue, "0.2"));
                        if (r.IsNull) continue;
                        item = r.Items![1].Text;
                    }
                    else
                    {
                        RespValue r = Resp.Parse(conn.Call("BLMOVE", queue, processing[consumer], "RIGHT", "LEFT", "0.2"));
                        if (r.IsNull) continue;
                        item = r.Text;
                        string done = conn.CallText("LREM", processing[consumer], "1", item!);
                        if (done != ":1\r\n") failures.Enqueue($"LREM of {item} from {processing[consumer]} answered {done}");
                    }
                    string[] parts = item!.Split(':');
                    received[consumer].Add((int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture)));
                    Interlocked.Increment(ref delivered);
                }
            })));
        }
        for (int p = 0; p < Producers; p++)
        {
            int producer = p;
            threads.Add(new Thread(() => Guard(failures, () =>
            {
                using var conn = server.Connect();
                for (int i = 0; i < ItemsPerProducer; i++)
                {
                    // Batches of one to three items per push.
                    int n = Math.Min(1 + i % 3, ItemsPerProducer - i);
                    var args = new List<string> { "LPUSH", queue };
                    for (int j = 0; j < n; j++) args.Add(producer.ToString(CultureInfo.InvariantCulture) + ":" + (i + j).ToString(CultureInfo.InvariantCulture));
                    conn.Call(args.ToArray());
                    i += n - 1;
                }
            })));
        }
        foreach (var t in threads) t.Start();
        bool finished = threads.All(t => t.Join(TimeSpan.FromSeconds(60)));
        Assert.True(finished, $"the queue did not drain in time: {delivered} of {total} delivered");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));

        var all = received.SelectMany(r => r).ToList();
        Assert.Equal(total, all.Count);
        Assert.Equal(total, all.Distinct().Count());
        // LPUSH + right-side pops make a FIFO: whoever takes them, one consumer sees a producer's items in order.
        for (int c = 0; c < Consumers; c++)
            for (int p = 0; p < Producers; p++)
            {
                var seqs = received[c].Where(x => x.producer == p).Select(x => x.seq).ToList();
                for (int i = 1; i < seqs.Count; i++)
                    Assert.True(seqs[i] > seqs[i - 1], $"consumer {c} got producer {p}'s item {seqs[i]} after {seqs[i - 1]}");
            }
        using var check = server.Connect();
        Assert.Equal(":0\r\n", check.CallText("EXISTS", queue));
        foreach (var p in processing) Assert.Equal(":0\r\n", check.CallText("EXISTS", p));
        server.AssertAlive();
    }

    static void Guard(ConcurrentQueue<string> failures, Action body)
    {
        try { body(); }
        catch (Exception ex) { failures.Enqueue(ex.GetType().Name + ": " + ex.Message); }
    }
}
