using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.RegularExpressions;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Lifecycle;

/// <summary>The server under test with --threads 2 (redis-server under FASTKV_TEST_TARGET=redis).</summary>
public sealed class Target2Fixture() : LazyServer(ServerKind.Target, 2);

/// <summary>CLIENT subcommands across 2 shards.</summary>
public class ClientCommandTests(Target2Fixture target) : IClassFixture<Target2Fixture>
{
    private static long Id(RespConnection c) => Resp.Parse(c.Call("CLIENT", "ID")).Integer;

    [Fact]
    public void ClientId_Name_Info_List_RoundTrip()
    {
        using var c = target.Server.Connect();
        long id = Id(c);
        Assert.True(id > 0);
        Assert.Equal($":{id}\r\n", c.CallText("CLIENT", "ID"));
        Assert.Equal("$-1\r\n", c.CallText("CLIENT", "GETNAME"));
        Assert.Equal("+OK\r\n", c.CallText("CLIENT", "SETNAME", "lifecycle-a"));
        Assert.Equal("$11\r\nlifecycle-a\r\n", c.CallText("CLIENT", "GETNAME"));
        Assert.Equal("-ERR Client names cannot contain spaces, newlines or special characters.\r\n", c.CallText("CLIENT", "SETNAME", "a b"));
        string info = Resp.Parse(c.Call("CLIENT", "INFO")).Text!;
        Assert.StartsWith($"id={id} addr=127.0.0.1:", info);
        Assert.Contains(" name=lifecycle-a ", info);
        Assert.Contains(" db=0 ", info);
        Assert.Contains(" cmd=client|info ", info);
        Assert.EndsWith("\n", info);
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "5"));
        string list = Resp.Parse(c.Call("CLIENT", "LIST", "ID", id.ToString())).Text!;
        Assert.Single(list.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"id={id} ", list);
        Assert.Contains(" name=lifecycle-a ", list);
        Assert.Contains(" db=5 ", list);
        Assert.Contains(" cmd=client|list ", list);
        Assert.Equal("+OK\r\n", c.CallText("CLIENT", "SETNAME", ""));
        Assert.Equal("$-1\r\n", c.CallText("CLIENT", "GETNAME"));
    }

    [Fact]
    public void ClientList_ShowsConnectionsOfBothShards_AndKillIdClosesEachPromptly()
    {
        using var admin = target.Server.Connect();
        var others = Enumerable.Range(0, 8).Select(_ => target.Server.Connect()).ToList();
        try
        {
            var ids = new List<long>();
            for (int i = 0; i < others.Count; i++)
            {
                Assert.Equal("+OK\r\n", others[i].CallText("CLIENT", "SETNAME", "lc-" + i));
                ids.Add(Id(others[i]));
            }
            Assert.Equal(ids.Count, ids.Distinct().Count());
            string list = Resp.Parse(admin.Call("CLIENT", "LIST")).Text!;
            for (int i = 0; i < others.Count; i++)
                Assert.Matches($@"(^|\n)id={ids[i]} addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:{target.Server.Port} fd=\d+ name=lc-{i} ", list);
            var lines = list.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length >= 9, list);
            string sub = Resp.Parse(admin.Call(["CLIENT", "LIST", "ID", .. ids.Take(3).Select(x => x.ToString())])).Text!;
            Assert.Equal(3, sub.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

            // Kill every other connection (they are spread over both shards); each sees EOF.
            for (int i = 0; i < others.Count; i++)
            {
                Assert.Equal(":1\r\n", admin.CallText("CLIENT", "KILL", "ID", ids[i].ToString()));
                Assert.True(others[i].IsClosedByPeer(TimeSpan.FromSeconds(10)), $"connection {ids[i]} still open 10 s after CLIENT KILL ID");
            }
            Assert.Equal(":0\r\n", admin.CallText("CLIENT", "KILL", "ID", ids[0].ToString()));
            Assert.Equal("-ERR No such client\r\n", admin.CallText("CLIENT", "KILL", "127.0.0.1:1"));
            string after = Resp.Parse(admin.Call("CLIENT", "LIST")).Text!;
            Assert.DoesNotContain("name=lc-", after);
            Assert.Equal("+PONG\r\n", admin.CallText("PING"));
        }
        finally
        {
            foreach (var o in others)
                o.Dispose();
        }
    }
}

/// <summary>SWAPDB / FLUSHALL / FLUSHDB / MOVE / COPY ... DB with --threads 4, reply by reply against redis-server.</summary>
public class MultiDbTests(OracleAndTargetFixture servers) : IClassFixture<OracleAndTargetFixture>
{
    private static readonly string[][] s_script =
    [
        ["FLUSHALL"],
        ["MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6", "g", "7", "h", "8"],
        ["SET", "ttl", "x", "EX", "1000"],
        ["SELECT", "1"],
        ["MSET", "a", "10", "z", "26"],
        ["DBSIZE"],
        ["SWAPDB", "0", "1"],
        ["DBSIZE"],
        ["MGET", "a", "b", "z", "h"],
        ["TTL", "ttl"],
        ["SELECT", "0"],
        ["DBSIZE"],
        ["MGET", "a", "b", "z"],
        ["SWAPDB", "1", "1"],
        ["SWAPDB", "0", "16"],
        ["SWAPDB", "0", "abc"],
        ["SWAPDB", "-1", "0"],
        ["SELECT", "1"],
        ["MOVE", "b", "2"],
        ["MOVE", "b", "2"],
        ["MOVE", "a", "1"],
        ["MOVE", "a", "99"],
        ["MOVE", "nosuch", "2"],
        ["MOVE", "ttl", "2"],
        ["SET", "c", "other"],
        ["SELECT", "2"],
        ["SET", "c", "exists-in-2"],
        ["SELECT", "1"],
        ["MOVE", "c", "2"],
        ["GET", "c"],
        ["SELECT", "2"],
        ["MGET", "b", "c", "ttl"],
        ["TTL", "ttl"],
        ["COPY", "b", "bb", "DB", "3"],
        ["COPY", "b", "bb", "DB", "3"],
        ["COPY", "c", "bb", "DB", "3", "REPLACE"],
        ["COPY", "b", "b"],
        ["COPY", "b", "b2", "DB", "2"],
        ["COPY", "ttl", "ttl2", "DB", "0"],
        ["COPY", "b", "x", "DB", "16"],
        ["COPY", "b", "x", "DB", "zz"],
        ["COPY", "b", "x", "BOGUS"],
        ["COPY", "nosuch", "x", "DB", "3"],
        ["SELECT", "3"],
        ["GET", "bb"],
        ["DBSIZE"],
        ["SELECT", "0"],
        ["TTL", "ttl2"],
        ["GET", "ttl2"],
        ["SELECT", "3"],
        ["FLUSHDB"],
        ["DBSIZE"],
        ["SELECT", "2"],
        ["DBSIZE"],
        ["FLUSHDB", "ASYNC"],
        ["DBSIZE"],
        ["FLUSHDB", "BOGUS"],
        ["SELECT", "1"],
        ["DBSIZE"],
        ["FLUSHALL", "SYNC"],
        ["DBSIZE"],
        ["SELECT", "0"],
        ["DBSIZE"],
        ["EXISTS", "a", "b", "c", "d", "ttl2"],
        ["FLUSHALL", "BOGUS"],
    ];

    [Fact]
    public void MultiDbCommands_MatchTheOracle()
    {
        using var o = servers.Oracle.Server.Connect();
        using var t = servers.Target.Server.Connect();
        for (int i = 0; i < s_script.Length; i++)
        {
            string[] cmd = s_script[i];
            string expected = o.CallText(cmd);
            string actual = t.CallText(cmd);
            // TTLs are whole seconds left of 1000; allow one second of drift, nothing else.
            if (cmd[0] == "TTL" && expected != actual && Regex.IsMatch(expected, @"^:99\d\r\n$") && Regex.IsMatch(actual, @"^:99\d\r\n$"))
                continue;
            Assert.True(expected == actual,
                $"command {i}: {string.Join(' ', cmd)}\n  oracle: {Resp.Escape(Resp.Latin1.GetBytes(expected))}\n  target: {Resp.Escape(Resp.Latin1.GetBytes(actual))}");
        }
    }
}
