using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Memory;

/// <summary>
/// maxmemory-clients (Redis 7's client eviction) end to end. Every scenario runs on Redis 7.2.4 and on FastKv with
/// --threads 1 and 4, with the same assertions: who is disconnected, how many (INFO evicted_clients), who stays.
/// The client sizes are chosen so both servers' accounting (Redis counts about 20 KB per idle client, FastKv less)
/// gives the same count. With 4 threads the clients spread over the shards, so only a global sum evicts them.
/// CONFIG SET/GET of the setting is compared byte for byte.
/// </summary>
public class ClientEvictionTests
{
    public static IEnumerable<TheoryDataRow<string, int>> Servers() =>
        [new("redis", 0), new("fastkv", 1), new("fastkv", 4)];

    /// <summary>Liveness only: every wait ends as soon as its condition holds.</summary>
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    static ServerProcess Start(string kind, int threads, params string[] args) =>
        ServerProcess.Start(kind == "redis" ? ServerKind.Redis : ServerKind.Target, kind == "redis" ? null : threads, args);

    /// <summary>A connection the test drives the server with, kept out of eviction itself.</summary>
    static RespConnection Admin(ServerProcess server)
    {
        var admin = server.Connect();
        Assert.Equal("+OK\r\n", admin.CallText("CLIENT", "NO-EVICT", "on"));
        return admin;
    }

    static long Id(RespConnection c) => Resp.Parse(c.Call("CLIENT", "ID")).Integer;

    static long Stat(RespConnection admin, string field)
    {
        Match m = Regex.Match(Resp.Parse(admin.Call("INFO", "stats")).Text!, "(?m)^" + field + ":(\\d+)\r?$");
        Assert.True(m.Success, field + " is missing from INFO stats");
        return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The ids CLIENT LIST shows now.</summary>
    static HashSet<long> Listed(RespConnection admin)
    {
        var ids = new HashSet<long>();
        foreach (Match m in Regex.Matches(Resp.Parse(admin.Call("CLIENT", "LIST")).Text!, @"(?m)^id=(\d+) "))
            ids.Add(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        return ids;
    }

    static void WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "still not true after " + Patience.TotalSeconds + " s: " + what);
            Thread.Sleep(20);
        }
    }

    /// <summary>The header of a SET whose value is <paramref name="valueBytes"/> long and the first <paramref name="sent"/> bytes of it.</summary>
    static byte[] PartialSet(int valueBytes, int sent)
    {
        byte[] head = Encoding.ASCII.GetBytes($"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${valueBytes}\r\n");
        var b = new byte[head.Length + sent];
        head.CopyTo(b, 0);
        b.AsSpan(head.Length).Fill((byte)'q');
        return b;
    }

    /// <summary>
    /// Six clients each hold an unfinished 800 KB argument (about 0.8 MB of query buffer on FastKv, 0.9 MB on Redis)
    /// under a 2 MB limit: two fit, so four are evicted, whatever the order they arrive and grow in, and however the
    /// connections spread over shards. The NO-EVICT admin stays.
    /// </summary>
    [Theory]
    [MemberData(nameof(Servers))]
    public void QueryBuffers_OverLimitTogether_EvictedUntilUnder(string kind, int threads)
    {
        using ServerProcess server = Start(kind, threads);
        using var admin = Admin(server);
        Assert.Equal("+OK\r\n", admin.CallText("CONFIG", "SET", "maxmemory-clients", "2mb"));
        var clients = new List<RespConnection>();
        var ids = new List<long>();
        try
        {
            for (int i = 0; i < 6; i++)
            {
                var c = server.Connect();
                clients.Add(c);
                ids.Add(Id(c));
                c.Send(PartialSet(800_000, 100_000));
            }
            WaitUntil(() => Stat(admin, "evicted_clients") >= 4, "4 of the 6 clients evicted");
            // Two fit under the limit; the evicted ones' sockets are closed; nothing else was evicted.
            HashSet<long> listed = Listed(admin);
            int survivors = ids.FindAll(listed.Contains).Count;
            Assert.Equal(2, survivors);
            Assert.Equal(4, Stat(admin, "evicted_clients"));
            Assert.Contains(Id(admin), listed);
            int closed = 0;
            for (int i = 0; i < clients.Count; i++)
                if (!listed.Contains(ids[i]))
                {
                    Assert.True(clients[i].IsClosedByPeer(Patience), $"{server.Description}: evicted client {ids[i]} still has its socket");
                    closed++;
                }
            Assert.Equal(4, closed);
            // CONFIG RESETSTAT zeroes the count, as Redis's resetServerStats.
            Assert.Equal("+OK\r\n", admin.CallText("CONFIG", "RESETSTAT"));
            Assert.Equal(0, Stat(admin, "evicted_clients"));
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    /// <summary>A reader that asks for 20 MB of replies and never reads is evicted under a 5 MB limit; the admin is not.</summary>
    [Theory]
    [MemberData(nameof(Servers))]
    public void NonReader_OutputOverLimit_Evicted(string kind, int threads)
    {
        using ServerProcess server = Start(kind, threads);
        using var admin = Admin(server);
        // The admin connection is as small as the fresh one: which of two equals goes first is the order of Redis's
        // bucket list, so only the fresh client may be evicted here.
        Assert.Equal("+OK\r\n", admin.CallText("CLIENT", "NO-EVICT", "on"));
        SetBig(admin, "big", 1 << 20);
        Assert.Equal("+OK\r\n", admin.CallText("CONFIG", "SET", "maxmemory-clients", "5mb"));
        using var reader = NonReader(server, out long readerId);
        SendGets(reader, "big", 20);
        WaitUntil(() => !Listed(admin).Contains(readerId), "the reader that does not read evicted");
        Assert.Equal(1, Stat(admin, "evicted_clients"));
        Assert.Contains(Id(admin), Listed(admin));
    }

    /// <summary>
    /// A NO-EVICT reader holding 20 MB of unsent replies stays; as in Redis its memory still counts, so while it is
    /// there every evictable client is over the limit and goes: a fresh client is evicted (after its PING, or once
    /// Redis's cron has counted the reader), which proves eviction ran with the NO-EVICT client counted and spared.
    /// </summary>
    [Theory]
    [MemberData(nameof(Servers))]
    public void NoEvictClient_Spared_CountedAgainstTheOthers(string kind, int threads)
    {
        using ServerProcess server = Start(kind, threads);
        using var admin = Admin(server);
        // The admin connection is as small as the fresh one: which of two equals goes first is the order of Redis's
        // bucket list, so only the fresh client may be evicted here.
        Assert.Equal("+OK\r\n", admin.CallText("CLIENT", "NO-EVICT", "on"));
        SetBig(admin, "big", 1 << 20);
        Assert.Equal("+OK\r\n", admin.CallText("CONFIG", "SET", "maxmemory-clients", "5mb"));
        using var reader = NonReader(server, out long readerId);
        Assert.Equal("+OK\r\n", reader.CallText("CLIENT", "NO-EVICT", "on"));
        SendGets(reader, "big", 20);

        using var fresh = server.Connect();
        long freshId = -1;
        try
        {
            freshId = Id(fresh);
            fresh.SendCommand("PING");
        }
        catch (RespConnectionClosedException)
        {
            // Redis's cron counted the reader before the fresh client's first command: evicted at CLIENT ID already.
        }
        if (freshId >= 0)
            Assert.True(fresh.IsClosedByPeer(Patience), $"{server.Description}: the fresh client was not evicted while the NO-EVICT reader is over the limit");
        HashSet<long> listed = Listed(admin);
        Assert.DoesNotContain(freshId, listed);
        Assert.Contains(readerId, listed);
        Assert.Contains(Id(admin), listed);
        Assert.Equal(1, Stat(admin, "evicted_clients"));
    }

    /// <summary>A subscriber that does not read is a pubsub client, evictable like a normal one (before its 32 MB output limit).</summary>
    [Theory]
    [MemberData(nameof(Servers))]
    public void NonReadingSubscriber_Evicted(string kind, int threads)
    {
        using ServerProcess server = Start(kind, threads);
        using var admin = Admin(server);
        Assert.Equal("+OK\r\n", admin.CallText("CONFIG", "SET", "maxmemory-clients", "2mb"));
        using var sub = NonReader(server, out long subId);
        sub.SendCommand("SUBSCRIBE", "flood");
        Assert.Equal("*3\r\n$9\r\nsubscribe\r\n$5\r\nflood\r\n:1\r\n", Resp.AsString(sub.ReadReply()));
        byte[] payload = new byte[16 << 10];
        Array.Fill(payload, (byte)'m');
        var deadline = DateTime.UtcNow + Patience;
        while (Listed(admin).Contains(subId))
        {
            Assert.True(DateTime.UtcNow < deadline, "the subscriber that does not read was not evicted");
            for (int i = 0; i < 64; i++)
                admin.Call([Encoding.ASCII.GetBytes("PUBLISH"), Encoding.ASCII.GetBytes("flood"), payload]);
        }
        Assert.Equal(1, Stat(admin, "evicted_clients"));
    }

    /// <summary>
    /// A percentage is of maxmemory: with maxmemory 0 it is no limit, so a client holding 2 MB stays; once maxmemory
    /// is 100mb, 1% is 1 MB and it is evicted. The percentage set at startup reads back as written.
    /// </summary>
    [Theory]
    [MemberData(nameof(Servers))]
    public void Percentage_OfMaxmemory_NoLimitWithoutMaxmemory(string kind, int threads)
    {
        using ServerProcess server = Start(kind, threads, "--maxmemory-clients", "1%");
        using var admin = Admin(server);
        Assert.Equal("*2\r\n$17\r\nmaxmemory-clients\r\n$2\r\n1%\r\n", admin.CallText("CONFIG", "GET", "maxmemory-clients"));
        using var holder = server.Connect();
        long holderId = Id(holder);
        holder.Send(PartialSet(2_000_000, 300_000));
        long qbuf = 0;
        WaitUntil(() => (qbuf = QueryBuffer(admin, holderId)) is < 0 or >= 300_000, "the holder's partial argument read");
        Assert.True(qbuf >= 0, "the holder was evicted though 1% of no maxmemory is no limit");
        // One more round trip on the admin: the loop that read the holder has finished that iteration's work.
        Assert.Equal("+PONG\r\n", admin.CallText("PING"));
        Assert.Contains(holderId, Listed(admin));
        Assert.Equal(0, Stat(admin, "evicted_clients"));

        Assert.Equal("+OK\r\n", admin.CallText("CONFIG", "SET", "maxmemory", "100mb"));
        WaitUntil(() => !Listed(admin).Contains(holderId), "the holder evicted once 1% of maxmemory is a limit");
        Assert.True(holder.IsClosedByPeer(Patience));
        Assert.Equal(1, Stat(admin, "evicted_clients"));
    }

    /// <summary>CONFIG SET and GET of maxmemory-clients against Redis 7.2.4, byte for byte: units, percentages, Redis's odd corners.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ConfigSetGet_MatchRedis(int threads)
    {
        using ServerProcess oracle = Start("redis", 0);
        using ServerProcess target = Start("fastkv", threads);
        using var o = Admin(oracle);
        using var t = Admin(target);
        string[] values =
        [
            "0", "10%", "100%", "101%", "0%", "00%", "010%", "+10%", "-5%", "-1", "-0", "%", "1%", " 10%", "10 %", "100%%",
            "1mb", "1MB", "1k", "10KB", "10Kb", "1gb", "1G", "0b", "b", "k", "", "5.5%", "1.5mb", "abc", "1e3", "0x10",
            "9223372036854775807", "9223372036854775808", "18446744073709551615", "99999999999999999999", "20000000000gb", "0",
        ];
        foreach (string v in values)
        {
            Assert.Equal(o.CallText("CONFIG", "SET", "maxmemory-clients", v), t.CallText("CONFIG", "SET", "maxmemory-clients", v));
            Assert.Equal(o.CallText("CONFIG", "GET", "maxmemory-clients"), t.CallText("CONFIG", "GET", "maxmemory-clients"));
        }
        // With another parameter in one CONFIG SET, and inside CONFIG GET's pattern.
        Assert.Equal(o.CallText("CONFIG", "SET", "maxmemory-clients", "7%", "maxmemory", "1gb"),
                     t.CallText("CONFIG", "SET", "maxmemory-clients", "7%", "maxmemory", "1gb"));
        Assert.Equal(o.CallText("CONFIG", "GET", "maxmemory-clie*"), t.CallText("CONFIG", "GET", "maxmemory-clie*"));
        Assert.Equal(o.CallText("CONFIG", "SET", "maxmemory-clients", "3mb", "maxmemory", "oops"),
                     t.CallText("CONFIG", "SET", "maxmemory-clients", "3mb", "maxmemory", "oops"));
        Assert.Equal(o.CallText("CONFIG", "GET", "maxmemory-clients"), t.CallText("CONFIG", "GET", "maxmemory-clients"));
        Assert.Equal("*2\r\n$17\r\nmaxmemory-clients\r\n$2\r\n7%\r\n", t.CallText("CONFIG", "GET", "maxmemory-clients"));
    }

    static void SetBig(RespConnection admin, string key, int bytes)
    {
        byte[] value = new byte[bytes];
        Array.Fill(value, (byte)'b');
        Assert.Equal("+OK\r\n", Resp.AsString(admin.Call([Encoding.ASCII.GetBytes("SET"), Encoding.ASCII.GetBytes(key), value])));
    }

    /// <summary>A connection with a small receive window, for a client that stops reading.</summary>
    static RespConnection NonReader(ServerProcess server, out long id)
    {
        var c = server.Connect();
        c.Socket.ReceiveBufferSize = 4096;
        id = Id(c);
        return c;
    }

    static void SendGets(RespConnection c, string key, int count)
    {
        var wire = new List<byte>();
        for (int i = 0; i < count; i++) wire.AddRange(Resp.EncodeCommand(["GET", key]));
        c.Send(wire.ToArray());
    }

    /// <summary>The client's qbuf in CLIENT LIST, or -1 when it is gone.</summary>
    static long QueryBuffer(RespConnection admin, long id)
    {
        Match m = Regex.Match(Resp.Parse(admin.Call("CLIENT", "LIST", "ID", id.ToString(CultureInfo.InvariantCulture))).Text!, @" qbuf=(\d+) ");
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }
}
