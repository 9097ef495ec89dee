using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using FastKv.Server.Tests.Blocking;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// FastKv replays its own AOF of consumer-group commands to the same groups: XGROUP CREATE [MKSTREAM], XREADGROUP
/// (one key and keys on several shards, NOACK, a blocked one served by an XADD), XACK, XCLAIM, XAUTOCLAIM, XDEL of
/// pending entries, XGROUP SETID/CREATECONSUMER/DELCONSUMER; after a restart on the same directory, XINFO STREAM FULL,
/// XINFO GROUPS and XPENDING say what they said before (wall-clock times masked: seen and active times are the
/// replay's), and again after BGREWRITEAOF (the rewrite's XGROUP/XCLAIM forms) and another restart.
/// </summary>
public class StreamGroupAofReplayTests
{
    static readonly string[] Aof = ["--appendonly", "yes", "--appendfsync", "always"];
    static readonly Regex EpochMs = new(@":\d{12,}\r\n", RegexOptions.Compiled);
    /// <summary>A group's read counter and the lag computed from it: XCLAIM ... LASTID (Redis's form for "&gt;" reads)
    /// carries no counter, and Redis 7.2.4's own replay leaves it where XGROUP CREATE/SETID put it, or nil (checked
    /// against the oracle: entries-read 12 / lag 0 come back as 8 / 4), so they are not compared.</summary>
    static readonly Regex EntriesRead = new(@"\$12\r\nentries-read\r\n(:\d+|\$-1)\r\n\$3\r\nlag\r\n(:\d+|\$-1)\r\n", RegexOptions.Compiled);

    static string[] Keys => [BlockingCommandTests.Key("sgaof", 0), BlockingCommandTests.Key("sgaof", 1), BlockingCommandTests.Key("sgaof", 2), BlockingCommandTests.Key("sgaof", 3), "sgaof:one"];

    static void Run(RespConnection c, string[] keys)
    {
        string one = keys[^1];
        string[] multi = keys[..^1];
        for (int i = 1; i <= 12; i++) c.Call("XADD", one, $"{i}-0", "f", "v" + i);
        Assert.Equal("+OK\r\n", c.CallText("XGROUP", "CREATE", one, "g", "0"));
        Assert.Equal("+OK\r\n", c.CallText("XGROUP", "CREATE", one, "h", "$"));
        c.Call("XREADGROUP", "GROUP", "g", "c1", "COUNT", "4", "STREAMS", one, ">");
        c.Call("XREADGROUP", "GROUP", "g", "c2", "COUNT", "3", "STREAMS", one, ">");
        c.Call("XREADGROUP", "GROUP", "g", "c3", "NOACK", "COUNT", "2", "STREAMS", one, ">");
        c.Call("XACK", one, "g", "1-0", "5-0");
        c.Call("XCLAIM", one, "g", "c3", "0", "2-0", "6-0");
        c.Call("XCLAIM", one, "g", "c1", "0", "7-0", "TIME", "1700000000000", "RETRYCOUNT", "5", "JUSTID");
        c.Call("XDEL", one, "3-0", "4-0");
        c.Call("XAUTOCLAIM", one, "g", "c4", "0", "0", "COUNT", "2");
        c.Call("XGROUP", "CREATECONSUMER", one, "g", "idle");
        c.Call("XGROUP", "CREATECONSUMER", one, "g", "gone");
        c.Call("XGROUP", "DELCONSUMER", one, "g", "gone");
        c.Call("XGROUP", "SETID", one, "h", "8-0", "ENTRIESREAD", "8");
        c.Call("XREADGROUP", "GROUP", "h", "d", "STREAMS", one, ">");

        foreach (string k in multi) Assert.Equal("+OK\r\n", c.CallText("XGROUP", "CREATE", k, "g", "$", "MKSTREAM"));
        for (int i = 0; i < multi.Length; i++) c.Call("XADD", multi[i], "1-0", "k", i.ToString());
        c.Call(["XREADGROUP", "GROUP", "g", "m1", "COUNT", "1", "STREAMS", .. multi, .. multi.Select(_ => ">")]);
        c.Call(["XREADGROUP", "GROUP", "g", "m2", "NOACK", "STREAMS", .. multi, .. multi.Select(_ => "0")]);
        c.Call("XADD", multi[1], "2-0", "k", "again");
        c.Call(["XREADGROUP", "GROUP", "g", "m2", "NOACK", "STREAMS", .. multi, .. multi.Select(_ => ">")]);
        c.Call("XACK", multi[0], "g", "1-0");
    }

    /// <summary>A consumer blocked on keys of several shards, served by an XADD: its XCLAIM goes to the AOF too.</summary>
    static void ServeABlockedReader(ServerProcess server, RespConnection writer, string[] keys)
    {
        string[] multi = keys[..^1];
        // Made first: a consumer an XREADGROUP without NOACK makes is not propagated (Redis's neither), so the ones the
        // wait makes on the keys that serve it nothing would not come back.
        foreach (string k in multi) writer.Call("XGROUP", "CREATECONSUMER", k, "g", "blocked");
        using RespConnection reader = server.Connect();
        reader.SendCommand(["XREADGROUP", "GROUP", "g", "blocked", "BLOCK", "0", "STREAMS", .. multi, .. multi.Select(_ => ">")]);
        Assert.True(BlockingCommandTests.Silent(reader, TimeSpan.FromMilliseconds(200)), "answered with nothing new");
        writer.Call("XADD", multi[2], "9-0", "k", "late");
        Assert.Equal(StreamBlockingTests.Entry(multi[2], "9-0", "k", "late"), Resp.AsString(reader.ReadReply()));
    }

    static List<string> Snapshot(RespConnection c, string[] keys)
        => keys.SelectMany(k => StreamGroupPersistenceTests.Snapshot(c, k))
            .Select(s => EntriesRead.Replace(EpochMs.Replace(s, ":T\r\n"), "entries-read ? lag ?\r\n")).ToList();

    static void AssertSame(List<string> expected, List<string> actual, string when)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i] == actual[i], $"{when}, reply {i}\n  before: {expected[i].Replace("\r\n", " ")}\n  after:  {actual[i].Replace("\r\n", " ")}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Restart_AndRewriteThenRestart_LeaveTheGroupsAsTheyWere(int threads)
    {
        string dir = SnapshotTests.NewDir();
        string[] keys = Keys;
        try
        {
            List<string> before;
            using (ServerProcess server = SnapshotTests.StartIn(dir, threads, Aof))
            using (RespConnection c = server.Connect())
            {
                Run(c, keys);
                ServeABlockedReader(server, c, keys);
                before = Snapshot(c, keys);
            }
            using (ServerProcess server = SnapshotTests.StartIn(dir, threads, Aof))
            using (RespConnection c = server.Connect())
            {
                AssertSame(before, Snapshot(c, keys), $"after a restart, --threads {threads}");
                Assert.StartsWith("+Background append only file rewriting", c.CallText("BGREWRITEAOF"));
                AofRewriteTests.WaitFor(c, "aof_rewrite_in_progress", v => v == "0");
                AofRewriteTests.WaitFor(c, "aof_rewrite_scheduled", v => v == "0");
            }
            using (ServerProcess server = SnapshotTests.StartIn(dir, threads, Aof))
            using (RespConnection c = server.Connect())
                AssertSame(before, Snapshot(c, keys), $"after BGREWRITEAOF and a restart, --threads {threads}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
