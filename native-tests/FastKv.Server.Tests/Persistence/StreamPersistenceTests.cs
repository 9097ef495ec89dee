using System;
using System.Collections.Generic;
using System.IO;
using FastKv.Server.Tests.Infrastructure;
using Xunit;
using static FastKv.Server.Tests.Persistence.RdbRoundTripData;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// Streams between FastKv and the real Redis: FastKv SAVEs streams of every shape (one node and many, split by
/// entries and by bytes, tombstones, a trimmed head, an empty stream, XSETID counters), redis-check-rdb 7.2.4 accepts
/// the file, Redis 7.2.4 loads it with identical XRANGE and XINFO STREAM FULL; Redis's own file of the same commands
/// loads in FastKv the same; DUMP payloads RESTORE both ways; DEBUG RELOAD keeps everything; version 10 files
/// (type 19) load in Debian's Redis 7.0.15. At --threads 1 and 4.
/// </summary>
public class StreamPersistenceTests
{
    static readonly string[] Keys = ["st:one", "st:many", "st:bytes", "st:tomb", "st:trim", "st:empty", "{st}x"];
    static readonly string[] Config = ["--stream-node-max-entries", "10"];

    /// <summary>The same explicit-ID commands on any server.</summary>
    static void Build(RespConnection c)
    {
        c.Call("XADD", "st:one", "1-1", "a", "1", "b", "two");
        for (int i = 1; i <= 95; i++) c.Call("XADD", "st:many", $"{i}-0", "f", i.ToString(), "g", i % 7 == 0 ? "seven" : "x");
        c.Call("CONFIG", "SET", "stream-node-max-bytes", "300");
        for (int i = 1; i <= 40; i++) c.Call("XADD", "st:bytes", $"{i}-{i % 3}", "field" + (i % 4), new string('v', 30 + i));
        c.Call("CONFIG", "SET", "stream-node-max-bytes", "4096");
        for (int i = 1; i <= 30; i++) c.Call("XADD", "st:tomb", $"5-{i}", "k", "-12345", "n", "9223372036854775807");
        c.Call("XDEL", "st:tomb", "5-1", "5-2", "5-17", "5-30", "5-99");
        for (int i = 1; i <= 50; i++) c.Call("XADD", "st:trim", "MAXLEN", "~", "25", $"{100 + i}-0", "i", i.ToString());
        c.Call("XTRIM", "st:trim", "MINID", "130");
        c.Call("XADD", "st:empty", "3-3", "a", "b");
        c.Call("XDEL", "st:empty", "3-3");
        c.Call("XSETID", "st:empty", "10-10", "ENTRIESADDED", "50", "MAXDELETEDID", "9-9");
        c.Call("XADD", "{st}x", "1-1", "\0bin\r\n", new string('z', 5000));
    }

    static List<string> Snapshot(RespConnection c)
    {
        var all = new List<string>();
        foreach (string k in Keys)
        {
            all.Add(c.CallText("TYPE", k));
            all.Add(c.CallText("XINFO", "STREAM", k, "FULL", "COUNT", "0"));
            all.Add(c.CallText("XREVRANGE", k, "+", "-"));
        }
        return all;
    }

    static void AssertSame(List<string> expected, List<string> actual, string context)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i] == actual[i], $"{context}: {Keys[i / 3]} differs\n  expected: {expected[i]}\n  actual:   {actual[i]}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Version11_BothWays_Dump_AndDebugReload(int threads)
    {
        string ours = SnapshotTests.NewDir(), theirs = SnapshotTests.NewDir();
        try
        {
            using ServerProcess fastkv = SnapshotTests.StartIn(ours, threads, Config);
            using RespConnection f = fastkv.Connect();
            Build(f);
            List<string> reference = Snapshot(f);
            Assert.Equal("+OK\r\n", f.CallText("SAVE"));
            string file = Path.Combine(ours, "dump.rdb");
            Assert.Equal("REDIS0011", Magic(file));
            string checker = OracleTools.CheckRdb() ?? throw new InvalidOperationException("redis-check-rdb is not beside the oracle");
            CheckRdb(checker, file);
            using (ServerProcess loaded = ServerProcess.Start(ServerKind.Redis, null, ["--dir", ours, .. Config]))
            using (RespConnection l = loaded.Connect())
                AssertSame(reference, Snapshot(l), "FastKv's file in Redis 7.2.4");

            using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, ["--dir", theirs, .. Config]);
            using RespConnection r = redis.Connect();
            Build(r);
            AssertSame(Snapshot(r), reference, "the same commands on Redis 7.2.4");
            Assert.Equal("+OK\r\n", r.CallText("SAVE"));
            using (ServerProcess loaded = SnapshotTests.StartIn(theirs, threads, Config))
            using (RespConnection l = loaded.Connect())
                AssertSame(reference, Snapshot(l), "Redis's file in FastKv");

            // DUMP payloads both ways.
            foreach (string k in Keys)
            {
                byte[] ourDump = Resp.Parse(f.Call("DUMP", k)).Data!;
                byte[] theirDump = Resp.Parse(r.Call("DUMP", k)).Data!;
                r.Call("DEL", "copy:" + k);
                f.Call("DEL", "copy:" + k);
                Assert.Equal("+OK\r\n", Resp.AsString(r.Call([Resp.Bytes("RESTORE"), Resp.Bytes("copy:" + k), Resp.Bytes("0"), ourDump])));
                Assert.Equal("+OK\r\n", Resp.AsString(f.Call([Resp.Bytes("RESTORE"), Resp.Bytes("copy:" + k), Resp.Bytes("0"), theirDump])));
                Assert.Equal(f.CallText("XINFO", "STREAM", k, "FULL"), r.CallText("XINFO", "STREAM", "copy:" + k, "FULL"));
                Assert.Equal(r.CallText("XINFO", "STREAM", k, "FULL"), f.CallText("XINFO", "STREAM", "copy:" + k, "FULL"));
            }

            Assert.Equal("+OK\r\n", f.CallText("DEBUG", "RELOAD"));
            AssertSame(reference, Snapshot(f), "after DEBUG RELOAD");
        }
        finally
        {
            Directory.Delete(ours, true);
            Directory.Delete(theirs, true);
        }
    }

    [Fact]
    public void Version10_LoadsInRedis70()
    {
        if (ServerLocator.TargetIsRedis) Assert.Skip("--fastkv-rdb-version is FastKv's");
        string ours = SnapshotTests.NewDir();
        try
        {
            using ServerProcess fastkv = SnapshotTests.StartIn(ours, 4, [.. Config, "--fastkv-rdb-version", "10"]);
            using RespConnection f = fastkv.Connect();
            Build(f);
            Assert.Equal("+OK\r\n", f.CallText("SAVE"));
            string file = Path.Combine(ours, "dump.rdb");
            Assert.Equal("REDIS0010", Magic(file));
            CheckRdb(Redis70.CheckRdb, file);
            using ServerProcess loaded = Redis70.Start(["--dir", ours, .. Config]);
            using RespConnection l = loaded.Connect();
            foreach (string k in Keys)
            {
                Assert.Equal(f.CallText("XRANGE", k, "-", "+"), l.CallText("XRANGE", k, "-", "+"));
                Assert.Equal(f.CallText("XLEN", k), l.CallText("XLEN", k));
            }
        }
        finally
        {
            Directory.Delete(ours, true);
        }
    }
}
