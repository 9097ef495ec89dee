using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Lifecycle;

/// <summary>SCAN / KEYS / DBSIZE across 4 shards, INFO sections and commandstats.</summary>
public class KeyspaceTests(TargetFixture target) : IClassFixture<TargetFixture>
{
    internal static void Fill(RespConnection c, IEnumerable<string> keys, params string[] tail)
    {
        foreach (var chunk in keys.Chunk(1000))
        {
            var buf = new List<byte>();
            foreach (string k in chunk)
                buf.AddRange(Resp.EncodeCommand(["SET", k, "v", .. tail]));
            c.Send(buf.ToArray());
            foreach (string k in chunk)
                Assert.Equal("+OK\r\n", Resp.AsString(c.ReadReply()));
        }
    }

    /// <summary>One SCAN call: the next cursor and the keys.</summary>
    private static (string cursor, List<string> keys) Scan(RespConnection c, string cursor, params string[] options)
    {
        RespValue v = Resp.Parse(c.Call(["SCAN", cursor, .. options]));
        Assert.True(v.Type == '*' && v.Items!.Count == 2, "SCAN replied " + v);
        return (v.Items[0].Text!, v.Items[1].Items!.Select(k => k.Text!).ToList());
    }

    private static HashSet<string> FullWalk(RespConnection c, Action? between, params string[] options)
    {
        var seen = new HashSet<string>();
        string cursor = "0";
        int calls = 0;
        do
        {
            (cursor, var keys) = Scan(c, cursor, options);
            seen.UnionWith(keys);
            between?.Invoke();
            Assert.True(++calls < 100_000, "SCAN never returned cursor 0");
        }
        while (cursor != "0");
        return seen;
    }

    [Fact]
    public void Scan_FullWalk_ReturnsEveryKey_AndAgreesWithKeysAndDbsize()
    {
        using var c = target.Server.Connect();
        Assert.Equal("+OK\r\n", c.CallText("FLUSHALL"));
        var all = Enumerable.Range(0, 5000).Select(i => "key:" + i).ToList();
        Fill(c, all);
        var seen = FullWalk(c, null, "COUNT", "100");
        Assert.Empty(all.Except(seen));
        Assert.Equal(5000, seen.Count);
        Assert.Equal(":5000\r\n", c.CallText("DBSIZE"));
        var keys = Resp.Parse(c.Call("KEYS", "*")).Items!.Select(k => k.Text!).ToList();
        Assert.Equal(5000, keys.Count);
        Assert.Equal(5000, keys.Distinct().Count());
        Assert.Empty(all.Except(keys));
    }

    [Fact]
    public void Scan_WithGrowthBetweenCalls_StillReturnsEveryOriginalKey()
    {
        using var c = target.Server.Connect();
        using var writer = target.Server.Connect();
        Assert.Equal("+OK\r\n", c.CallText("FLUSHALL"));
        var original = Enumerable.Range(0, 5000).Select(i => "orig:" + i).ToList();
        Fill(c, original);
        int added = 0;
        var seen = FullWalk(c, () =>
        {
            if (added < 20000)
            {
                // COUNT is only a hint (FastKv returns more per call across shards): big steps.
                Fill(writer, Enumerable.Range(added, 2500).Select(i => "grow:" + i));
                added += 2500;
            }
        }, "COUNT", "100");
        Assert.Equal(20000, added);
        var missing = original.Except(seen).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} original keys never returned, e.g. {string.Join(", ", missing.Take(10))}");
        Assert.Equal(":25000\r\n", c.CallText("DBSIZE"));
    }

    [Fact]
    public void Scan_MatchTypeAndBadCursor()
    {
        using var c = target.Server.Connect();
        Assert.Equal("+OK\r\n", c.CallText("FLUSHALL"));
        Fill(c, Enumerable.Range(0, 300).Select(i => "m:" + i));
        Fill(c, Enumerable.Range(0, 700).Select(i => "other:" + i));
        var matched = FullWalk(c, null, "MATCH", "m:*", "COUNT", "50");
        Assert.Equal(300, matched.Count);
        Assert.All(matched, k => Assert.StartsWith("m:", k));
        Assert.Equal(10, FullWalk(c, null, "MATCH", "m:1?", "COUNT", "1000").Count); // m:10..m:19
        Assert.Equal(1000, FullWalk(c, null, "TYPE", "string").Count);
        Assert.Empty(FullWalk(c, null, "TYPE", "hash"));
        Assert.Equal(300, FullWalk(c, null, "MATCH", "m:*", "TYPE", "STRING").Count);
        Assert.Equal("-ERR invalid cursor\r\n", c.CallText("SCAN", "abc"));
        Assert.Equal("-ERR syntax error\r\n", c.CallText("SCAN", "0", "COUNT", "0"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", c.CallText("SCAN", "0", "COUNT", "x"));
        Assert.Equal("-ERR syntax error\r\n", c.CallText("SCAN", "0", "BOGUS"));
        Assert.Equal(300, Resp.Parse(c.Call("KEYS", "m:*")).Items!.Count);
        Assert.Equal(":1000\r\n", c.CallText("DBSIZE"));
    }

    private static string InfoText(RespConnection c, params string[] section) => Resp.Parse(c.Call(["INFO", .. section])).Text!;

    [Fact]
    public void Info_HasRedisSectionsAndFieldNames()
    {
        using var c = target.Server.Connect();
        Assert.Equal("+OK\r\n", c.CallText("FLUSHALL"));
        Fill(c, Enumerable.Range(0, 50).Select(i => "i:" + i));
        Fill(c, Enumerable.Range(0, 7).Select(i => "t:" + i), "EX", "1000");
        string info = InfoText(c);
        foreach (string section in new[] { "# Server\r\n", "# Clients\r\n", "# Memory\r\n", "# Stats\r\n", "# CPU\r\n", "# Keyspace\r\n" })
            Assert.Contains(section, info);
        Assert.Contains("redis_version:7.2.4\r\n", info);
        foreach (string field in new[] { "tcp_port:" + c.Port + "\r\n", "connected_clients:", "used_memory:", "used_memory_human:", "total_commands_processed:",
                     "expired_keys:", "keyspace_hits:", "used_cpu_sys:", "used_cpu_user:", "uptime_in_seconds:", "maxmemory:" })
            Assert.Contains("\r\n" + field, info);
        Assert.Contains("\r\ndb0:keys=57,expires=7,avg_ttl=", info);
        Assert.DoesNotContain("# Commandstats", info);

        string clients = InfoText(c, "clients");
        Assert.StartsWith("# Clients\r\n", clients);
        Assert.DoesNotContain("# Server", clients);
        string all = InfoText(c, "all");
        Assert.Contains("# Commandstats\r\n", all);
        Assert.Contains("# Keyspace\r\n", InfoText(c, "keyspace"));
        Assert.Contains("# Memory\r\n", InfoText(c, "MEMORY"));
    }

    [Fact]
    public void InfoCommandstats_CountsCallsOnEveryShard()
    {
        using var c = target.Server.Connect();
        Assert.Equal("+OK\r\n", c.CallText("CONFIG", "RESETSTAT"));
        var conns = Enumerable.Range(0, 6).Select(_ => target.Server.Connect()).ToList();
        try
        {
            int n = 0;
            foreach (var k in conns)
            {
                for (int i = 0; i < 40; i++)
                {
                    Assert.Equal("+OK\r\n", k.CallText("SET", $"cs:{n}:{i}", "v"));
                }
                n++;
            }
            Assert.Equal("$1\r\nv\r\n", conns[1].CallText("GET", "cs:0:0"));
            string stats = InfoText(c, "commandstats");
            Assert.StartsWith("# Commandstats\r\n", stats);
            Assert.Contains("\r\ncmdstat_set:calls=240,usec=", stats);
            Assert.Contains("\r\ncmdstat_get:calls=1,usec=", stats);
            Assert.Matches(@"cmdstat_set:calls=240,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0\r\n", stats);
        }
        finally
        {
            foreach (var k in conns)
                k.Dispose();
        }
    }
}
