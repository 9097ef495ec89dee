using System.Collections.Generic;
using System.Linq;
using System;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.PubSub;

/// <summary>
/// client-output-buffer-limit for the pubsub class: a subscriber that never reads is disconnected when its
/// unsent output reaches the hard limit (or stays above the soft limit too long), the memory its output held
/// is given back, and another subscriber of the same channel receives every message.
/// </summary>
public class SlowSubscriberTests
{
    const string Channel = "slow";

    [Fact]
    public void HardLimit_DisconnectsNonReader_MemoryReturns_OthersUnaffected()
    {
        using ServerProcess server = ServerProcess.Start(ServerKind.Target, 4);
        using var admin = server.Connect();
        Assert.Equal("+OK\r\n", admin.CallText("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 16mb 60"));
        Assert.Contains("pubsub 33554432 16777216 60", admin.CallText("CONFIG", "GET", "client-output-buffer-limit"));
        long baseline = Rss(server);

        using var slow = Subscribe(server, receiveBuffer: 4096, out long slowId);
        var good = new GoodSubscriber(server);
        const int messages = 20_000;
        byte[] payload = new byte[4096];
        Array.Fill(payload, (byte)'m');
        long peak = 0;
        using (var pub = server.Connect())
        {
            for (int i = 0; i < messages; i++)
            {
                pub.SendCommand([Encoding.ASCII.GetBytes("PUBLISH"), Encoding.ASCII.GetBytes(Channel), payload]);
                pub.ReadReply();
                if (i % 500 == 0) peak = Math.Max(peak, Rss(server));
                // The good subscriber keeps up: never more than 2000 messages (8 MB) behind.
                while (i - good.Count > 2000) Thread.Sleep(1);
            }
        }
        Assert.True(Gone(admin, slowId), "the subscriber that never reads is still connected");
        Assert.Equal(messages, good.WaitFor(messages));
        Assert.Contains("sub=1", admin.CallText("CLIENT", "LIST"));
        Assert.Equal($"*2\r\n$4\r\n{Channel}\r\n:1\r\n", admin.CallText("PUBSUB", "NUMSUB", Channel));
        long after = WaitForRssBelow(server, baseline + (peak - baseline) / 2, TimeSpan.FromSeconds(30));
        Assert.True(peak - baseline >= 16 << 10, $"the slow subscriber's output never grew the process (baseline {baseline} KiB, peak {peak} KiB)");
        Assert.True(after < baseline + (peak - baseline) / 2, $"memory did not return: baseline {baseline} KiB, peak {peak} KiB, after {after} KiB\n{admin.CallText("INFO", "memory")}\n{TopMappings(server)}");
        good.Dispose();
        server.AssertAlive();
    }

    [Fact]
    public void SoftLimit_DisconnectsAfterItsSeconds()
    {
        using ServerProcess server = ServerProcess.Start(ServerKind.Target, 4);
        using var admin = server.Connect();
        // First an hour's grace: however long the burst takes on a loaded machine, the subscriber ends it far
        // over the soft limit and still connected, so being over the soft limit does not close it at once.
        Assert.Equal("+OK\r\n", admin.CallText("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 1mb 3600"));
        using var slow = Subscribe(server, receiveBuffer: 4096, out long slowId);
        var good = new GoodSubscriber(server);
        byte[] payload = new byte[1024];
        using var pub = server.Connect();
        for (int i = 0; i < 10_000; i++)
        {
            pub.Call([Encoding.ASCII.GetBytes("PUBLISH"), Encoding.ASCII.GetBytes(Channel), payload]);
            while (i - good.Count > 2000) Thread.Sleep(1);
        }
        int sent = 10_000;
        // Its unsent output is over the soft limit (what the kernel holds is at most a few hundred KB of the 10 MB).
        long omem = WaitForOutputAtLeast(admin, slowId, 1 << 20);
        Assert.True(omem >= 1 << 20, $"the subscriber's unsent output is {omem} bytes, not over the 1mb soft limit (or it is gone)");

        // Then one second: it has been over the soft limit longer than that, so the next write closes it.
        Assert.Equal("+OK\r\n", admin.CallText("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 1mb 1"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60); // liveness only: it normally goes within a second
        bool closed = false;
        while (!closed && DateTime.UtcNow < deadline)
        {
            pub.Call([Encoding.ASCII.GetBytes("PUBLISH"), Encoding.ASCII.GetBytes(Channel), payload]);
            sent++;
            Thread.Sleep(20);
            closed = !admin.CallText("CLIENT", "LIST").Contains($"id={slowId} ");
        }
        Assert.True(closed, "the subscriber over the soft limit was not disconnected");
        Assert.Equal(sent, good.WaitFor(sent));
        good.Dispose();
    }

    /// <summary>The client's omem in CLIENT LIST once it reaches <paramref name="bytes"/> (the count is refreshed as the loop writes), or the last seen; -1 when the client is gone.</summary>
    static long WaitForOutputAtLeast(RespConnection admin, long id, long bytes)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        long omem = -1;
        while (DateTime.UtcNow < deadline)
        {
            omem = -1;
            foreach (string line in admin.CallText("CLIENT", "LIST").Split('\n'))
            {
                if (!line.StartsWith($"id={id} ", StringComparison.Ordinal)) continue;
                int at = line.IndexOf(" omem=", StringComparison.Ordinal);
                if (at >= 0) omem = long.Parse(line.AsSpan(at + 6, line.IndexOf(' ', at + 6) - at - 6), System.Globalization.CultureInfo.InvariantCulture);
            }
            if (omem < 0 || omem >= bytes) return omem;
            Thread.Sleep(50);
        }
        return omem;
    }

    /// <summary>Whether the client left CLIENT LIST (the server closes it asynchronously).</summary>
    static bool Gone(RespConnection admin, long id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); // liveness, not a budget: a loaded machine is slow
        while (admin.CallText("CLIENT", "LIST").Contains($"id={id} "))
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(50);
        }
        return true;
    }

    static RespConnection Subscribe(ServerProcess server, int receiveBuffer) => Subscribe(server, receiveBuffer, out _);

    static RespConnection Subscribe(ServerProcess server, int receiveBuffer, out long id)
    {
        var c = server.Connect();
        c.Socket.ReceiveBufferSize = receiveBuffer;
        id = long.Parse(c.CallText("CLIENT", "ID").Trim(':', '\r', '\n'));
        c.SendCommand("SUBSCRIBE", Channel);
        Assert.Equal($"*3\r\n$9\r\nsubscribe\r\n$4\r\n{Channel}\r\n:1\r\n", Resp.AsString(c.ReadReply()));
        return c;
    }

    /// <summary>The process's largest resident mappings, for a failure message.</summary>
    static string TopMappings(ServerProcess server)
    {
        var maps = new List<(long Rss, string Head)>();
        string head = "";
        foreach (string line in File.ReadLines($"/proc/{server.ProcessId}/smaps"))
        {
            if (char.IsAsciiHexDigit(line[0]) && line.Contains('-')) head = line;
            else if (line.StartsWith("Rss:", StringComparison.Ordinal))
                maps.Add((long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]), head));
        }
        return string.Join("\n", maps.OrderByDescending(m => m.Rss).Take(12).Select(m => m.Rss + " kB " + m.Head));
    }

    static long Rss(ServerProcess server)
    {
        foreach (string line in File.ReadLines($"/proc/{server.ProcessId}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return 0;
    }

    static long WaitForRssBelow(ServerProcess server, long kib, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        long rss;
        while ((rss = Rss(server)) >= kib && DateTime.UtcNow < deadline) Thread.Sleep(100);
        return rss;
    }

    /// <summary>A subscriber that drains continuously on its own thread and counts the messages.</summary>
    sealed class GoodSubscriber : IDisposable
    {
        readonly RespConnection conn;
        readonly Thread thread;
        int count;
        volatile bool stop;

        public GoodSubscriber(ServerProcess server)
        {
            conn = Subscribe(server, receiveBuffer: 1 << 20);
            thread = new Thread(() =>
            {
                while (!stop)
                {
                    try
                    {
                        byte[] frame = conn.ReadReply(TimeSpan.FromMilliseconds(200));
                        if (Resp.AsString(frame).StartsWith("*3\r\n$7\r\nmessage\r\n", StringComparison.Ordinal)) Interlocked.Increment(ref count);
                    }
                    catch (TimeoutException) { }
                    catch (Exception) { return; }
                }
            }) { IsBackground = true };
            thread.Start();
        }

        public int Count => Volatile.Read(ref count);

        public int WaitFor(int n)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (Volatile.Read(ref count) < n && DateTime.UtcNow < deadline) Thread.Sleep(20);
            return Volatile.Read(ref count);
        }

        public void Dispose()
        {
            stop = true;
            thread.Join();
            conn.Dispose();
        }
    }
}
