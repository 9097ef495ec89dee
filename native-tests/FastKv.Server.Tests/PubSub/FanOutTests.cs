using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.PubSub;

/// <summary>
/// Fan-out across shards: 200 subscribers of one channel (their connections land on all four shards of a
/// --threads 4 server), 10 publishers (also spread over shards) publishing 10,000 messages each. Every
/// subscriber must get every message exactly once and each publisher's messages in publish order, and every
/// PUBLISH must report 200 receivers.
/// </summary>
public class FanOutTests(TargetFixture target) : IClassFixture<TargetFixture>
{
    const int Subscribers = 200, Publishers = 10, PerPublisher = 10_000;
    const string Channel = "fanout";

    [Fact]
    public void EverySubscriberGetsEveryMessageOnce_InPublisherOrder()
    {
        ServerProcess server = target.Server;
        var subs = new RespConnection[Subscribers];
        for (int i = 0; i < Subscribers; i++)
        {
            subs[i] = server.Connect();
            subs[i].SendCommand("SUBSCRIBE", Channel);
            string confirm = Resp.AsString(subs[i].ReadReply());
            Assert.Equal($"*3\r\n$9\r\nsubscribe\r\n${Channel.Length}\r\n{Channel}\r\n:1\r\n", confirm);
        }
        using (var admin = server.Connect())
            Assert.Equal($"*2\r\n${Channel.Length}\r\n{Channel}\r\n:{Subscribers}\r\n", admin.CallText("PUBSUB", "NUMSUB", Channel));

        var failures = new ConcurrentQueue<string>();
        var readers = new Thread[Subscribers];
        var counts = new long[Subscribers];
        for (int i = 0; i < Subscribers; i++)
        {
            int s = i;
            readers[i] = new Thread(() => Read(subs[s].Socket, s, counts, failures)) { IsBackground = true };
            readers[i].Start();
        }
        var sw = Stopwatch.StartNew();
        var published = new long[Publishers];
        var pubs = new Thread[Publishers];
        for (int p = 0; p < Publishers; p++)
        {
            int publisher = p;
            pubs[p] = new Thread(() => Publish(server, publisher, published, failures)) { IsBackground = true };
            pubs[p].Start();
        }
        // Liveness, not a time budget: on a loaded machine the 20 million frames take what they take, but a minute
        // without one message published or received is a hang.
        Assert.True(JoinWhileProgressing(pubs, published), "publishing stalled: " + string.Join(",", published));
        // A publisher that failed stopped publishing: say why, not that the subscribers then waited in vain.
        Assert.True(failures.IsEmpty, string.Join("\n", failures));
        Assert.True(JoinWhileProgressing(readers, counts), "a subscriber stopped getting messages: " + string.Join(",", counts));
        Assert.True(failures.IsEmpty, string.Join("\n", failures));
        foreach (long n in counts) Assert.Equal((long)Publishers * PerPublisher, n);
        foreach (var c in subs) c.Dispose();
        Console.WriteLine($"fan-out: {Publishers * PerPublisher} messages to {Subscribers} subscribers in {sw.ElapsedMilliseconds} ms");
        server.AssertAlive();
    }

    /// <summary>Waits for <paramref name="threads"/>; false when <paramref name="progress"/> stood still for a minute first.</summary>
    static bool JoinWhileProgressing(Thread[] threads, long[] progress)
    {
        long last = -1;
        var still = Stopwatch.StartNew();
        foreach (Thread t in threads)
        {
            while (!t.Join(TimeSpan.FromSeconds(1)))
            {
                long now = 0;
                for (int i = 0; i < progress.Length; i++) now += Volatile.Read(ref progress[i]);
                if (now != last) { last = now; still.Restart(); }
                else if (still.Elapsed > TimeSpan.FromSeconds(60)) return false;
            }
        }
        return true;
    }

    static void Publish(ServerProcess server, int publisher, long[] published, ConcurrentQueue<string> failures)
    {
        try
        {
            // A reply's bound on a loaded machine: the server answers each PUBLISH only once its fan-out is queued.
            using var conn = RespConnection.Connect(server.Port, TimeSpan.FromSeconds(120));
            const int batch = 100;
            byte[] expected = Encoding.ASCII.GetBytes($":{Subscribers}\r\n");
            for (int seq = 0; seq < PerPublisher; seq += batch)
            {
                var sb = new StringBuilder();
                for (int k = seq; k < seq + batch; k++)
                {
                    string payload = publisher + ":" + k;
                    sb.Append($"*3\r\n$7\r\nPUBLISH\r\n${Channel.Length}\r\n{Channel}\r\n${payload.Length}\r\n{payload}\r\n");
                }
                conn.Send(Encoding.ASCII.GetBytes(sb.ToString()));
                for (int k = 0; k < batch; k++)
                {
                    byte[] r = conn.ReadReply();
                    if (!r.AsSpan().SequenceEqual(expected)) { failures.Enqueue($"publisher {publisher}: PUBLISH replied {Resp.Escape(r)}"); return; }
                }
                Volatile.Write(ref published[publisher], seq + batch);
            }
        }
        catch (Exception e) { failures.Enqueue($"publisher {publisher}: {e}"); }
    }

    /// <summary>Reads message pushes straight off the socket (allocation-light: 20 million frames in all).</summary>
    static void Read(Socket socket, int sub, long[] counts, ConcurrentQueue<string> failures)
    {
        try
        {
            socket.ReceiveTimeout = 120_000; // a hang's bound; JoinWhileProgressing notices first
            var last = new int[Publishers];
            Array.Fill(last, -1);
            byte[] buf = new byte[256 * 1024];
            int start = 0, end = 0;
            long total = (long)Publishers * PerPublisher, got = 0;
            while (got < total)
            {
                if (start > 0 && end == buf.Length)
                {
                    Buffer.BlockCopy(buf, start, buf, 0, end - start);
                    end -= start;
                    start = 0;
                }
                int n = socket.Receive(buf, end, buf.Length - end, SocketFlags.None);
                if (n == 0) { failures.Enqueue($"subscriber {sub}: closed after {got}"); return; }
                end += n;
                while (true)
                {
                    int used = ParseMessage(buf.AsSpan(start, end - start), out int pub, out int seq);
                    if (used < 0) break;
                    if (used == 0) { failures.Enqueue($"subscriber {sub}: unexpected frame {Resp.Escape(buf.AsSpan(start, Math.Min(80, end - start)))}"); return; }
                    start += used;
                    if (seq != last[pub] + 1) { failures.Enqueue($"subscriber {sub}: publisher {pub} seq {seq} after {last[pub]}"); return; }
                    last[pub] = seq;
                    got++;
                }
                if (start == end) start = end = 0;
                Volatile.Write(ref counts[sub], got);
            }
            Volatile.Write(ref counts[sub], got);
        }
        catch (Exception e) { failures.Enqueue($"subscriber {sub}: {e.Message}"); }
    }

    /// <summary>
    /// One <c>*3 message fanout "p:seq"</c> frame: bytes consumed, -1 when incomplete, 0 when it is something else.
    /// </summary>
    static int ParseMessage(ReadOnlySpan<byte> b, out int pub, out int seq)
    {
        pub = seq = 0;
        ReadOnlySpan<byte> head = "*3\r\n$7\r\nmessage\r\n$6\r\nfanout\r\n$"u8;
        if (b.Length < head.Length) return head.StartsWith(b) ? -1 : 0;
        if (!b.StartsWith(head)) return 0;
        int pos = head.Length, len = 0;
        while (true)
        {
            if (pos >= b.Length) return -1;
            byte c = b[pos++];
            if (c == '\r') break;
            len = len * 10 + (c - '0');
        }
        if (b.Length < pos + 1 + len + 2) return -1;
        ReadOnlySpan<byte> payload = b.Slice(pos + 1, len);
        int colon = payload.IndexOf((byte)':');
        foreach (byte c in payload[..colon]) pub = pub * 10 + (c - '0');
        foreach (byte c in payload[(colon + 1)..]) seq = seq * 10 + (c - '0');
        return pos + 1 + len + 2;
    }
}
