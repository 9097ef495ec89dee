using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// Crashes under write load (persistence design 6.8): FastKv with the AOF on, writers on every shard and cross-shard
/// MSET pairs, SIGKILL at a random moment, restart on the same directory, again and again. Every acknowledged write
/// must come back (Redis's promise: under always it was fsynced, under everysec written to the kernel before the
/// reply, which a killed process cannot lose), at most the one write in flight per writer beyond it, and an MSET
/// pair whole or not at all. One round in three starts BGREWRITEAOF before the kill, so some kills land during a
/// rewrite.
/// </summary>
public class AofCrashTests
{
    const int Threads = 4;

    [Theory]
    [InlineData("always", 100)]
    [InlineData("everysec", 100)]
    public void SigkillUnderLoad_EveryAcknowledgedWriteSurvives(string fsync, int kills)
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            string[] tags = ShardTags(Threads);
            var rng = new Random(fsync.GetHashCode() ^ kills);
            // Per writer: the last value acknowledged, across every run (a key only grows).
            var acked = new long[tags.Length + 1];
            var sent = new long[tags.Length + 1];
            for (int round = 0; round < kills; round++)
            {
                using ServerProcess server = SnapshotTests.StartIn(dir, Threads, "--appendonly", "yes", "--appendfsync", fsync);
                Check(server, tags, acked, sent, round);
                using var stop = new CancellationTokenSource();
                var writers = new List<Thread>();
                for (int w = 0; w <= tags.Length; w++)
                {
                    int id = w;
                    var t = new Thread(() => Write(server.Port, tags, id, acked, sent, stop.Token)) { IsBackground = true };
                    writers.Add(t);
                    t.Start();
                }
                Thread.Sleep(rng.Next(10, 120));
                // One round in three the kill may land during a rewrite: the switch to a new incr, the base being
                // written, the manifest being replaced.
                if (round % 3 == 1)
                {
                    using RespConnection ctl = server.Connect();
                    ctl.Call("BGREWRITEAOF");
                }
                Thread.Sleep(rng.Next(10, 130));
                server.Signal(9);
                server.WaitForExit(TimeSpan.FromSeconds(30));
                stop.Cancel();
                foreach (Thread t in writers) Assert.True(t.Join(TimeSpan.FromSeconds(30)), "a writer stops once the server is gone");
            }
            using ServerProcess last = SnapshotTests.StartIn(dir, Threads, "--appendonly", "yes", "--appendfsync", fsync);
            Check(last, tags, acked, sent, kills);
            long total = 0;
            foreach (long a in acked) total += a;
            Assert.True(total > kills, $"the writers got writes acknowledged ({total} over {kills} runs)");
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Writer <paramref name="id"/> &lt; tags: SET seq:{tag} n with n counting up; the last one: MSET of a pair on
    /// the first and last shard. Each waits for its reply before the next, so at most one write is unacknowledged.
    /// </summary>
    static void Write(int port, string[] tags, int id, long[] acked, long[] sent, CancellationToken stop)
    {
        try
        {
            using RespConnection c = RespConnection.Connect(port, TimeSpan.FromSeconds(30));
            while (!stop.IsCancellationRequested)
            {
                long n = Volatile.Read(ref acked[id]) + 1;
                string v = n.ToString(CultureInfo.InvariantCulture);
                Volatile.Write(ref sent[id], n);
                byte[] reply = id < tags.Length
                    ? c.Call("SET", "seq:" + tags[id], v)
                    : c.Call("MSET", "pair:" + tags[0], v, "pair:" + tags[^1], v);
                if (Resp.AsString(reply) != "OK") return;
                Volatile.Write(ref acked[id], n);
            }
        }
        catch (IOException) { }
        catch (System.Net.Sockets.SocketException) { }
    }

    /// <summary>
    /// After a restart: each writer's key holds its last acknowledged value or the one write it had in flight; both
    /// keys of the pair hold the same value. The counters then continue from what the file holds.
    /// </summary>
    static void Check(ServerProcess server, string[] tags, long[] acked, long[] sent, int round)
    {
        using RespConnection c = server.Connect();
        for (int id = 0; id <= tags.Length; id++)
        {
            long have;
            if (id < tags.Length)
            {
                have = Value(c, "seq:" + tags[id]);
            }
            else
            {
                have = Value(c, "pair:" + tags[0]);
                long other = Value(c, "pair:" + tags[^1]);
                Assert.True(have == other, $"round {round}: the MSET pair is whole ({have} and {other})\n{server.Output}");
            }
            Assert.True(have >= acked[id], $"round {round}, writer {id}: acknowledged {acked[id]} but the file holds {have}\n{server.Output}");
            Assert.True(have <= sent[id], $"round {round}, writer {id}: holds {have}, more than ever sent ({sent[id]})");
            acked[id] = have;
            sent[id] = have;
        }
    }

    static long Value(RespConnection c, string key)
    {
        string? s = Resp.Parse(c.Call("GET", key)).Text;
        return s == null ? 0 : long.Parse(s, CultureInfo.InvariantCulture);
    }

    /// <summary>A hash tag per shard of a FastKv with <paramref name="n"/> threads (contiguous slot ranges).</summary>
    static string[] ShardTags(int n)
    {
        var tags = new string[n];
        for (int shard = 0; shard < n; shard++)
            for (int i = 0; ; i++)
            {
                string tag = "{c" + i.ToString(CultureInfo.InvariantCulture) + "}";
                if (KeySlot.Of(tag) * n / 16384 != shard) continue;
                tags[shard] = tag;
                break;
            }
        return tags;
    }
}
