using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// The point-in-time checker (persistence design 6, item 7). Clients write increasing sequence numbers, each after
/// the previous reply, to keys on every shard; others run cross-shard MSET pairs, grow the keyspace (table splits)
/// and flush a spare database in a loop, while a controller sends BGSAVE. The file must hold, per client, exactly
/// the state after one of its writes: everything acknowledged before BGSAVE was sent, nothing sent after its reply;
/// every MSET pair equal; the spare database either empty or one whole round.
/// </summary>
public class SnapshotConsistencyTests
{
    const int Writers = 4;
    const int KeysPerWriter = 32;
    const int Pairs = 16;

    /// <summary>One client's progress: the last sequence number sent and the last acknowledged.</summary>
    sealed class Progress
    {
        public long Sent, Acked;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Bgsave_HoldsExactlyOneInstant_UnderConcurrentWrites(int threads)
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            var progress = new Progress[Writers + 4];
            for (int i = 0; i < progress.Length; i++) progress[i] = new Progress();
            long[] ackedBefore, sentBefore;
            // Short slices, so the walk is still going when the writers resume after the cut.
            using (var server = SnapshotTests.StartIn(dir, threads, "--fastkv-snapshot-slice-us", "10"))
            {
                using (var c = server.Connect())
                {
                    // A keyspace big enough that the walk runs across many slices while the writers go on.
                    for (int i = 0; i < 100_000; i += 500)
                    {
                        var args = new List<string> { "MSET" };
                        for (int j = i; j < i + 500; j++) { args.Add("pre:" + j); args.Add(new string('p', 40)); }
                        Assert.Equal("+OK\r\n", c.CallText([.. args]));
                    }
                }
                using var stop = new CancellationTokenSource();
                var workers = new List<Thread>();
                var failures = new List<string>();
                void Run(Action<RespConnection, CancellationToken> body)
                {
                    var t = new Thread(() =>
                    {
                        try
                        {
                            using var conn = server.Connect();
                            body(conn, stop.Token);
                        }
                        catch (Exception ex)
                        {
                            lock (failures) failures.Add(ex.ToString());
                        }
                    });
                    t.Start();
                    workers.Add(t);
                }
                for (int w = 0; w < Writers; w++)
                {
                    int id = w;
                    Run((conn, token) =>
                    {
                        for (long n = 1; !token.IsCancellationRequested; n++)
                        {
                            Volatile.Write(ref progress[id].Sent, n);
                            Assert.Equal("+OK\r\n", conn.CallText("SET", $"w{id}:{n % KeysPerWriter}", n.ToString()));
                            Volatile.Write(ref progress[id].Acked, n);
                        }
                    });
                }
                // Growth: new keys all the time, so tables split while the snapshot walks them.
                Run((conn, token) =>
                {
                    for (long n = 1; !token.IsCancellationRequested; n++)
                    {
                        Volatile.Write(ref progress[Writers].Sent, n);
                        Assert.Equal("+OK\r\n", conn.CallText("SET", "g:" + n, n.ToString()));
                        Volatile.Write(ref progress[Writers].Acked, n);
                    }
                });
                // Cross-shard MSET pairs: both keys of a pair hold the same number in any consistent state.
                Run((conn, token) =>
                {
                    for (long n = 1; !token.IsCancellationRequested; n++)
                    {
                        Volatile.Write(ref progress[Writers + 1].Sent, n);
                        Assert.Equal("+OK\r\n", conn.CallText("MSET", $"pa:{n % Pairs}", n.ToString(), $"pb:{n % Pairs}", n.ToString()));
                        Volatile.Write(ref progress[Writers + 1].Acked, n);
                    }
                });
                // Collections changed in place: a list that grows by one element per write, a hash whose fields cycle.
                Run((conn, token) =>
                {
                    for (long n = 1; !token.IsCancellationRequested; n++)
                    {
                        Volatile.Write(ref progress[Writers + 2].Sent, n);
                        Assert.Equal(":" + n + "\r\n", conn.CallText("RPUSH", "lst", n.ToString()));
                        Volatile.Write(ref progress[Writers + 2].Acked, n);
                    }
                });
                Run((conn, token) =>
                {
                    for (long n = 1; !token.IsCancellationRequested; n++)
                    {
                        Volatile.Write(ref progress[Writers + 3].Sent, n);
                        conn.Call("HSET", "hs", "f" + (n % KeysPerWriter), n.ToString());
                        Volatile.Write(ref progress[Writers + 3].Acked, n);
                    }
                });
                // A spare database filled and flushed in rounds: FLUSHDB while the snapshot walks it.
                Run((conn, token) =>
                {
                    conn.Call("SELECT", "1");
                    for (long round = 1; !token.IsCancellationRequested; round++)
                    {
                        var args = new List<string> { "MSET" };
                        for (int k = 0; k < 10; k++) { args.Add("f:" + k); args.Add(round.ToString()); }
                        Assert.Equal("+OK\r\n", conn.CallText([.. args]));
                        Assert.Equal("+OK\r\n", conn.CallText("FLUSHDB"));
                    }
                });

                Thread.Sleep(300);
                using (var control = server.Connect())
                {
                    ackedBefore = Array.ConvertAll(progress, p => Volatile.Read(ref p.Acked));
                    Assert.Equal("+Background saving started\r\n", control.CallText("BGSAVE"));
                    sentBefore = Array.ConvertAll(progress, p => Volatile.Read(ref p.Sent));
                    Thread.Sleep(300);
                    stop.Cancel();
                    foreach (var t in workers) t.Join();
                    Assert.True(failures.Count == 0, string.Join("\n", failures));
                    SnapshotTests.WaitForSave(control);
                    Assert.Equal("ok", SnapshotTests.Info(control, "rdb_last_bgsave_status"));
                    // The writers reached buckets before the walk did: serialize-before-write ran, not only the walk. At 4
                    // shards on a small machine a shard may walk its quarter before the first write after the cut
                    // arrives, so only the 1- and 2-shard runs must show it.
                    long onWrite = long.Parse(SnapshotTests.Info(control, "fastkv_snapshot_buckets_on_write"));
                    if (threads <= 2) Assert.True(onWrite > 0, "no write reached a bucket before the walk: the test did not exercise the hooks");
                }
            }

            using var reader = SnapshotTests.StartIn(dir, 1);
            using var r = reader.Connect();
            for (int w = 0; w < Writers; w++)
            {
                var values = new long[KeysPerWriter];
                long cut = 0;
                for (int k = 0; k < KeysPerWriter; k++)
                {
                    RespValue v = Resp.Parse(r.Call("GET", $"w{w}:{k}"));
                    values[k] = v.Text == null ? 0 : long.Parse(v.Text);
                    cut = Math.Max(cut, values[k]);
                }
                Assert.InRange(cut, ackedBefore[w], sentBefore[w]);
                for (int k = 0; k < KeysPerWriter; k++)
                {
                    // The state right after write number `cut`: each key holds the last number written to it by then.
                    long last = cut - ((cut - k) % KeysPerWriter + KeysPerWriter) % KeysPerWriter;
                    Assert.True(values[k] == (last >= 1 ? last : 0),
                        $"writer {w}: key {k} holds {values[k]}, but the state after write {cut} has {last}");
                }
            }
            long grown = 0;
            while (Resp.Parse(r.Call("EXISTS", "g:" + (grown + 1))).Text == "1") grown++;
            Assert.InRange(grown, ackedBefore[Writers], sentBefore[Writers]);
            for (long n = grown + 1; n <= grown + 50; n++) Assert.Equal(":0\r\n", r.CallText("EXISTS", "g:" + n));
            long pairCut = 0;
            for (int k = 0; k < Pairs; k++)
            {
                string? a = Resp.Parse(r.Call("GET", "pa:" + k)).Text, b = Resp.Parse(r.Call("GET", "pb:" + k)).Text;
                Assert.True(a == b, $"pair {k}: pa={a} pb={b}, a cross-shard MSET is half in the snapshot");
                if (a != null) pairCut = Math.Max(pairCut, long.Parse(a));
            }
            Assert.InRange(pairCut, ackedBefore[Writers + 1], sentBefore[Writers + 1]);
            RespValue list = Resp.Parse(r.Call("LRANGE", "lst", "0", "-1"));
            long listCut = list.Items!.Count;
            Assert.InRange(listCut, ackedBefore[Writers + 2], sentBefore[Writers + 2]);
            for (int i = 0; i < listCut; i++) Assert.Equal((i + 1).ToString(), list.Items[i].Text);
            var fields = new long[KeysPerWriter];
            long hashCut = 0;
            for (int k = 0; k < KeysPerWriter; k++)
            {
                string? f = Resp.Parse(r.Call("HGET", "hs", "f" + k)).Text;
                fields[k] = f == null ? 0 : long.Parse(f);
                hashCut = Math.Max(hashCut, fields[k]);
            }
            Assert.InRange(hashCut, ackedBefore[Writers + 3], sentBefore[Writers + 3]);
            for (int k = 0; k < KeysPerWriter; k++)
            {
                long last = hashCut - ((hashCut - k) % KeysPerWriter + KeysPerWriter) % KeysPerWriter;
                Assert.True(fields[k] == (last >= 1 ? last : 0), $"hash field {k} holds {fields[k]}, the state after write {hashCut} has {last}");
            }
            r.Call("SELECT", "1");
            long size = long.Parse(Resp.Parse(r.Call("DBSIZE")).Text!);
            Assert.True(size == 0 || size == 10, $"db 1 holds {size} keys: a FLUSHDB was half in the snapshot");
            if (size == 10)
            {
                var rounds = new HashSet<string?>();
                for (int k = 0; k < 10; k++) rounds.Add(Resp.Parse(r.Call("GET", "f:" + k)).Text);
                Assert.Single(rounds);
            }
            r.Call("SELECT", "0");
            Assert.Equal("$40\r\n" + new string('p', 40) + "\r\n", r.CallText("GET", "pre:99999"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
