using System;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Eviction;

/// <summary>
/// What an eviction tells others, on Redis 7.2.4 and on the server under test alike (at --threads 1 and 4): the
/// `evicted` keyspace event (notify-keyspace-events Ee and Ke) for an evicted key, and a WATCHed key that is
/// evicted failing the EXEC (a null reply). The same assertions hold both servers; which keys go differs.
/// </summary>
public class EvictionSignalsTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int, bool>> ThreadsAndServers() =>
        [new(1, false), new(4, false), new(1, true), new(4, true)];

    LazyServer Server(int threads, bool oracle) => oracle ? servers.Oracle : servers.TargetWithThreads(threads);

    /// <summary>allkeys-random with room for about 1 MB of data above what the server uses now.</summary>
    static void SmallCache(RespConnection c)
    {
        Assert.Equal("+OK\r\n", Resp.AsString(c.Call("FLUSHALL")));
        long limit = ServerReadings.InfoLong(c, "memory", "used_memory") + 1024 * 1024;
        Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CONFIG", "SET", "maxmemory-policy", "allkeys-random", "maxmemory", limit.ToString(CultureInfo.InvariantCulture))));
    }

    [Theory]
    [MemberData(nameof(ThreadsAndServers))]
    public void EvictedKeyspaceEvent_ForKeyeventAndKeyspaceChannels(int threads, bool oracle)
    {
        ServerProcess server = Server(threads, oracle).Server;
        using RespConnection admin = server.Connect();
        using RespConnection events = server.Connect();
        try
        {
            Assert.Equal("+OK\r\n", Resp.AsString(admin.Call("CONFIG", "SET", "notify-keyspace-events", "KEe")));
            events.Call("SUBSCRIBE", "__keyevent@0__:evicted");
            events.Call("PSUBSCRIBE", "__keyspace@0__:ev:*");
            SmallCache(admin);
            EvictionLoad.SetPipelined(admin, "ev:", 0, 4096, 1000);
            // Redis sends the keyspace message of a key, then its keyevent message: read until one key has both.
            var keyevent = new HashSet<string>();
            var keyspace = new HashSet<string>();
            string? key = null;
            for (int i = 0; i < 256 && key is null; i++)
            {
                RespValue m = Resp.Parse(events.ReadReply());
                string kind = m.Items![0].Text!;
                if (kind == "message")
                {
                    Assert.Equal("__keyevent@0__:evicted", m.Items[1].Text);
                    keyevent.Add(m.Items[2].Text!);
                    if (keyspace.Contains(m.Items[2].Text!)) key = m.Items[2].Text;
                }
                else if (kind == "pmessage")
                {
                    Assert.Equal("evicted", m.Items[3].Text);
                    string name = m.Items[2].Text!["__keyspace@0__:".Length..];
                    keyspace.Add(name);
                    if (keyevent.Contains(name)) key = name;
                }
            }
            Assert.True(key is not null, $"no key with both an evicted keyevent and keyspace message on {server.Description}");
            Assert.StartsWith("ev:", key);
            Assert.Equal("+OK\r\n", Resp.AsString(admin.Call("CONFIG", "SET", "maxmemory", "0")));
            Assert.Equal(":0\r\n", Resp.AsString(admin.Call("EXISTS", key)));
        }
        finally
        {
            admin.Call(ServerReadings.EvictionDefaults);
            admin.Call("FLUSHALL");
        }
    }

    [Theory]
    [MemberData(nameof(ThreadsAndServers))]
    public void WatchedKeyEvicted_ExecReturnsNull(int threads, bool oracle)
    {
        ServerProcess server = Server(threads, oracle).Server;
        using RespConnection watcher = server.Connect();
        using RespConnection writer = server.Connect();
        try
        {
            SmallCache(writer);
            Assert.Equal("+OK\r\n", Resp.AsString(writer.Call("SET", "watched", "v")));
            Assert.Equal("+OK\r\n", Resp.AsString(watcher.Call("WATCH", "watched")));
            int written = 0;
            while (Resp.AsString(writer.Call("EXISTS", "watched")) == ":1\r\n")
            {
                Assert.True(written < 200_000, $"'watched' survived {written} SETs on {server.Description}");
                written += EvictionLoad.SetPipelined(writer, "w:", written, 256, 1000);
            }
            Assert.Equal("+OK\r\n", Resp.AsString(watcher.Call("MULTI")));
            Assert.Equal("+QUEUED\r\n", Resp.AsString(watcher.Call("PING")));
            Assert.Equal("*-1\r\n", Resp.AsString(watcher.Call("EXEC")));
        }
        finally
        {
            writer.Call(ServerReadings.EvictionDefaults);
            writer.Call("FLUSHALL");
        }
    }
}
