using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Lifecycle;

/// <summary>--maxclients, --timeout, and active/lazy expiry across shards.</summary>
public class LimitsAndExpiryTests
{
    [Fact]
    public void MaxClients_RejectsTheFourth_ThenAcceptsAfterOneCloses()
    {
        using var s = RawServer.StartReady(out int port, threads: 2, "--maxclients", "3");
        var conns = new List<RespConnection>();
        try
        {
            // The readiness probe's connection may still be counted for a moment: retry until 3 are in.
            var sw = Stopwatch.StartNew();
            while (conns.Count < 3)
            {
                var c = RespConnection.Connect(port, TimeSpan.FromSeconds(3));
                string r = c.CallText("PING");
                if (r == "+PONG\r\n")
                {
                    conns.Add(c);
                    continue;
                }
                c.Dispose();
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), "could not open 3 connections under --maxclients 3: " + r);
                Thread.Sleep(50);
            }

            using (var fourth = RespConnection.Connect(port))
            {
                byte[] got = fourth.ReadUntilClosed(TimeSpan.FromSeconds(10));
                Assert.Equal("-ERR max number of clients reached\r\n", Resp.AsString(got));
            }
            foreach (var c in conns)
                Assert.Equal("+PONG\r\n", c.CallText("PING"));

            conns[0].Dispose();
            conns.RemoveAt(0);
            sw.Restart();
            while (true)
            {
                var c = RespConnection.Connect(port, TimeSpan.FromSeconds(2));
                string r;
                try
                {
                    r = c.CallText("PING");
                }
                catch (RespConnectionClosedException e)
                {
                    r = e.Message;
                }
                if (r == "+PONG\r\n")
                {
                    conns.Add(c);
                    break;
                }
                c.Dispose();
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), "no connection accepted after one of 3 closed: " + r);
                Thread.Sleep(50);
            }
            foreach (var c in conns)
                Assert.Equal("+PONG\r\n", c.CallText("PING"));
        }
        finally
        {
            foreach (var c in conns)
                c.Dispose();
        }
    }

    [Fact]
    public void Timeout_DisconnectsTheIdleClient_NotTheActiveOne()
    {
        using var s = RawServer.StartReady(out int port, threads: 2, "--timeout", "1");
        // Several idle and active connections so both kinds land on both shards.
        var idle = Enumerable.Range(0, 4).Select(_ => RespConnection.Connect(port)).ToList();
        var active = Enumerable.Range(0, 4).Select(_ => RespConnection.Connect(port)).ToList();
        try
        {
            foreach (var c in idle.Concat(active))
                Assert.Equal("+PONG\r\n", c.CallText("PING"));
            var sw = Stopwatch.StartNew();
            var closedAt = new Dictionary<int, TimeSpan>();
            // Waits as long as a loaded machine needs; the bound below is the behaviour (never before 1 s idle).
            while (sw.Elapsed < TimeSpan.FromSeconds(30) && closedAt.Count < idle.Count)
            {
                foreach (var c in active)
                    Assert.Equal("+PONG\r\n", c.CallText("PING"));
                for (int i = 0; i < idle.Count; i++)
                {
                    if (!closedAt.ContainsKey(i) && idle[i].Socket.Poll(0, System.Net.Sockets.SelectMode.SelectRead))
                    {
                        Assert.True(idle[i].IsClosedByPeer(TimeSpan.FromMilliseconds(200)), "idle client got data instead of EOF");
                        closedAt[i] = sw.Elapsed;
                    }
                }
                Thread.Sleep(100);
            }
            Assert.True(closedAt.Count == idle.Count, $"only {closedAt.Count} of {idle.Count} idle clients were disconnected within 30 s");
            Assert.True(closedAt.Values.Min() >= TimeSpan.FromSeconds(0.9), $"an idle client was dropped after only {closedAt.Values.Min()}");
            foreach (var c in active)
                Assert.Equal("+PONG\r\n", c.CallText("PING"));
        }
        finally
        {
            foreach (var c in idle.Concat(active))
                c.Dispose();
        }
    }

    private static void Pipeline(RespConnection c, IEnumerable<string[]> commands, string expectEach)
    {
        var list = commands.ToList();
        var buf = new List<byte>();
        foreach (var cmd in list)
            buf.AddRange(Resp.EncodeCommand(cmd));
        c.Send(buf.ToArray());
        foreach (var cmd in list)
        {
            string r = Resp.AsString(c.ReadReply());
            Assert.True(r == expectEach, $"{string.Join(' ', cmd)} -> {Resp.Escape(Resp.Latin1.GetBytes(r))}");
        }
    }

    private static string InfoField(string info, string field)
    {
        foreach (string line in info.Split("\r\n"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return line[(field.Length + 1)..];
        }
        throw new Xunit.Sdk.XunitException($"no {field} in INFO:\n{info}");
    }

    private static string Bulk(byte[] reply) => Resp.Parse(reply).Text ?? throw new Xunit.Sdk.XunitException("nil bulk");

    [Fact]
    public void ActiveExpiry_RemovesUntouchedKeysOnEveryShard()
    {
        using var s = RawServer.StartReady(out int port, threads: 4);
        using var c = RespConnection.Connect(port);
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "1"));
        Pipeline(c, Enumerable.Range(0, 200).Select(i => new[] { "SET", "keep:" + i, "v" }), "+OK\r\n");
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
        Pipeline(c, Enumerable.Range(0, 200).Select(i => new[] { "SET", "keep0:" + i, "v" }), "+OK\r\n");
        Pipeline(c, Enumerable.Range(0, 2000).Select(i => new[] { "SET", "vol:" + i, "x", "PX", "200" }), "+OK\r\n");

        var sw = Stopwatch.StartNew();
        string size;
        while ((size = c.CallText("DBSIZE")) != ":200\r\n" && sw.Elapsed < TimeSpan.FromSeconds(30))
            Thread.Sleep(50);
        Assert.True(size == ":200\r\n", $"DBSIZE still {Resp.Escape(Resp.Latin1.GetBytes(size))} 30 s after 2000 keys expired (PX 200)");

        string stats = Bulk(c.Call("INFO", "stats"));
        Assert.True(long.Parse(InfoField(stats, "expired_keys"), System.Globalization.CultureInfo.InvariantCulture) >= 2000, stats);
        string keyspace = Bulk(c.Call("INFO", "keyspace"));
        Assert.Contains("db0:keys=200,expires=0,", keyspace);
        Assert.Contains("db1:keys=200,expires=0,", keyspace);

        Assert.Equal("+OK\r\n", c.CallText("FLUSHDB"));
        keyspace = Bulk(c.Call("INFO", "keyspace"));
        Assert.DoesNotContain("db0:", keyspace);
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "1"));
        Assert.Equal(":200\r\n", c.CallText("DBSIZE"));
        Assert.Equal("$1\r\nv\r\n", c.CallText("GET", "keep:199"));
    }

    [Fact]
    public void ActiveExpiry_LeavesNoDb0LineWhenAllKeysExpire()
    {
        using var s = RawServer.StartReady(out int port, threads: 4);
        using var c = RespConnection.Connect(port);
        Pipeline(c, Enumerable.Range(0, 2000).Select(i => new[] { "SET", "v:" + i, "x", "PX", "200" }), "+OK\r\n");
        var sw = Stopwatch.StartNew();
        while (c.CallText("DBSIZE") != ":0\r\n" && sw.Elapsed < TimeSpan.FromSeconds(30))
            Thread.Sleep(50);
        Assert.Equal(":0\r\n", c.CallText("DBSIZE"));
        string keyspace = Bulk(c.Call("INFO", "keyspace"));
        Assert.Equal("# Keyspace\r\n", keyspace);
        Assert.True(long.Parse(InfoField(Bulk(c.Call("INFO", "stats")), "expired_keys"), System.Globalization.CultureInfo.InvariantCulture) >= 2000);
    }

    [Fact]
    public void LazyExpiry_ReadsSeeNilAtOnce()
    {
        using var s = RawServer.StartReady(out int port, threads: 4, "--hz", "1");
        using var c = RespConnection.Connect(port);
        Pipeline(c, Enumerable.Range(0, 300).Select(i => new[] { "SET", "lz:" + i, "x", "PX", "100" }), "+OK\r\n");
        Assert.Equal("+OK\r\n", c.CallText("SET", "forever", "y"));
        Thread.Sleep(250);
        Pipeline(c, Enumerable.Range(0, 300).Select(i => new[] { "GET", "lz:" + i }), "$-1\r\n");
        Assert.Equal(":0\r\n", c.CallText("EXISTS", "lz:0", "lz:150", "lz:299"));
        Assert.Equal(":-2\r\n", c.CallText("PTTL", "lz:7"));
        Assert.Equal("$1\r\ny\r\n", c.CallText("GET", "forever"));
    }
}
