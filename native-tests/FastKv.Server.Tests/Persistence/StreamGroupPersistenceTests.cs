using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using FastKv.Server.Tests.Infrastructure;
using FastKv.Tests.Rdb;
using Xunit;
using static FastKv.Server.Tests.Persistence.RdbRoundTripData;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// Streams with consumer groups between Redis and FastKv. The real Redis builds them (XGROUP CREATE [ENTRIESREAD],
/// XREADGROUP with and without NOACK, XACK, XCLAIM with TIME/RETRYCOUNT, CREATECONSUMER, XDEL of pending entries, long
/// names LZF compresses, binary names); FastKv loads Redis's file and payloads and must write back the same bytes
/// (its DUMP equals Redis's, also after a cross-shard RENAME and DEBUG RELOAD), its file passes redis-check-rdb and
/// loads in Redis with XINFO STREAM FULL, XINFO GROUPS and XPENDING as the original. Version 10 (type 19) the same
/// with Redis 7.0.15. Forged group sections are refused as Redis refuses them with sanitize-dump-payload yes, and cut
/// or flipped payloads never crash. The AOF base of commands holds rewriteStreamObject's XGROUP/XCLAIM forms and
/// Redis loads it with the same groups (seen and active times are the load's, in Redis's own rewrite too).
/// </summary>
public class StreamGroupPersistenceTests
{
    static readonly string[] Keys = ["sg:main", "sg:empty", "sg:plain"];
    static readonly string[] Config = ["--stream-node-max-entries", "10"];
    const string LongGroup = "a-group-name-long-enough-for-lzf-lzf-lzf-lzf";
    const string LongConsumer = "a-consumer-name-long-enough-for-lzf-lzf-lzf";

    /// <summary>The commands, on Redis (7.2.4 or 7.0.15: both know every one of them).</summary>
    static void Build(RespConnection c)
    {
        for (int i = 1; i <= 60; i++) c.Call("XADD", "sg:main", $"{i}-1", "f", "v" + i);
        Ok(c, "XGROUP", "CREATE", "sg:main", "alpha", "0");
        Ok(c, "XGROUP", "CREATE", "sg:main", "beta", "$");
        Ok(c, "XGROUP", "CREATE", "sg:main", "\0bin\r\ngroup", "10-1", "ENTRIESREAD", "10");
        Ok(c, "XGROUP", "CREATE", "sg:main", LongGroup, "0");
        c.Call("XREADGROUP", "GROUP", "alpha", "c1", "COUNT", "10", "STREAMS", "sg:main", ">");
        c.Call("XREADGROUP", "GROUP", "alpha", "c2", "COUNT", "15", "STREAMS", "sg:main", ">");
        c.Call("XREADGROUP", "GROUP", "alpha", "c3", "NOACK", "COUNT", "5", "STREAMS", "sg:main", ">");
        c.Call("XACK", "sg:main", "alpha", "2-1", "3-1", "12-1");
        c.Call("XCLAIM", "sg:main", "alpha", "c3", "0", "4-1", "5-1", "13-1");
        c.Call("XCLAIM", "sg:main", "alpha", "c1", "0", "14-1", "TIME", "1700000000000", "RETRYCOUNT", "7", "JUSTID");
        c.Call("XGROUP", "CREATECONSUMER", "sg:main", "alpha", "idle-one");
        c.Call("XREADGROUP", "GROUP", "\0bin\r\ngroup", "consumer\0x", "COUNT", "3", "STREAMS", "sg:main", ">");
        c.Call("XREADGROUP", "GROUP", LongGroup, LongConsumer, "COUNT", "40", "STREAMS", "sg:main", ">");
        c.Call("XDEL", "sg:main", "6-1", "7-1", "30-1");
        Ok(c, "XGROUP", "CREATE", "sg:empty", "g0", "$", "MKSTREAM");
        c.Call("XGROUP", "CREATECONSUMER", "sg:empty", "g0", "lonely");
        c.Call("XADD", "sg:plain", "1-1", "a", "b");
    }

    static void Ok(RespConnection c, params string[] args) => Assert.Equal("+OK\r\n", c.CallText(args));

    /// <summary>What a Redis tells about a stream's groups: XINFO STREAM FULL (every entry, PEL entry and consumer with
    /// their times), XINFO GROUPS and each group's XPENDING summary.</summary>
    internal static List<string> Snapshot(RespConnection c, string key)
    {
        var all = new List<string> { c.CallText("XINFO", "STREAM", key, "FULL", "COUNT", "0"), c.CallText("XINFO", "GROUPS", key) };
        foreach (RespValue g in Resp.Parse(c.Call("XINFO", "GROUPS", key)).Items!)
            all.Add(Resp.AsString(c.Call([Resp.Bytes("XPENDING"), Resp.Bytes(key), g.Items![1].Data!])));
        return all;
    }

    static Dictionary<string, List<string>> SnapshotAll(RespConnection c) => Keys.ToDictionary(k => k, k => Snapshot(c, k));

    static void AssertSame(Dictionary<string, List<string>> expected, Dictionary<string, List<string>> actual, string context,
        Func<string, string>? normalise = null)
    {
        normalise ??= s => s;
        foreach (string k in Keys)
        {
            Assert.Equal(expected[k].Count, actual[k].Count);
            for (int i = 0; i < expected[k].Count; i++)
                Assert.True(normalise(expected[k][i]) == normalise(actual[k][i]),
                    $"{context}: {k} part {i} differs\n  expected: {Resp.Escape(Encoding.Latin1.GetBytes(expected[k][i]))}\n  actual:   {Resp.Escape(Encoding.Latin1.GetBytes(actual[k][i]))}");
        }
    }

    static byte[] Dump(RespConnection c, string key) => Resp.Parse(c.Call("DUMP", key)).Data!;

    static string Restore(RespConnection c, string key, byte[] payload)
        => Resp.AsString(c.Call([Resp.Bytes("RESTORE"), Resp.Bytes(key), Resp.Bytes("0"), payload]));

    static void AssertDumpsEqual(Dictionary<string, byte[]> expected, RespConnection c, string context, Func<string, string>? name = null)
    {
        foreach (string k in Keys)
        {
            byte[] got = Dump(c, name?.Invoke(k) ?? k);
            Assert.True(expected[k].AsSpan().SequenceEqual(got),
                $"{context}: DUMP {k}\n  Redis:  {Resp.Escape(expected[k])}\n  FastKv: {Resp.Escape(got)}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Version11_RedisFileAndPayloads_FastKvWritesTheSameBytes_AndRedisLoadsThem(int threads)
    {
        if (ServerLocator.TargetIsRedis) Assert.Skip("compares FastKv's bytes with Redis's");
        string theirs = SnapshotTests.NewDir(), ours = SnapshotTests.NewDir();
        try
        {
            using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, ["--dir", theirs, .. Config]);
            using RespConnection r = redis.Connect();
            Build(r);
            Dictionary<string, List<string>> reference = SnapshotAll(r);
            Dictionary<string, byte[]> dumps = Keys.ToDictionary(k => k, k => Dump(r, k));
            Ok(r, "SAVE");
            File.Copy(Path.Combine(theirs, "dump.rdb"), Path.Combine(ours, "dump.rdb"));

            using ServerProcess fastkv = SnapshotTests.StartIn(ours, threads, Config);
            using RespConnection f = fastkv.Connect();
            AssertDumpsEqual(dumps, f, "Redis's file loaded in FastKv");

            // Copies between shards carry the groups (RENAME to keys of every slot range, then back).
            foreach (string k in Keys) Ok(f, "RENAME", k, "moved:" + k);
            AssertDumpsEqual(dumps, f, "after RENAME", k => "moved:" + k);
            foreach (string k in Keys) Ok(f, "RENAME", "moved:" + k, k);

            Ok(f, "DEBUG", "RELOAD");
            AssertDumpsEqual(dumps, f, "after DEBUG RELOAD");

            // RESTORE both ways; Redis checks FastKv's payloads deeply.
            Ok(r, "CONFIG", "SET", "sanitize-dump-payload", "yes");
            foreach (string k in Keys)
            {
                Assert.Equal("+OK\r\n", Restore(f, "copy:" + k, dumps[k]));
                Assert.Equal("+OK\r\n", Restore(r, "copy:" + k, Dump(f, "copy:" + k)));
                Assert.Equal(reference[k], Snapshot(r, "copy:" + k));
            }
            AssertDumpsEqual(dumps, f, "RESTOREd from Redis's payloads", k => "copy:" + k);

            foreach (string k in Keys) f.Call("DEL", "copy:" + k);
            Ok(f, "SAVE");
            string file = Path.Combine(ours, "dump.rdb");
            Assert.Equal("REDIS0011", Magic(file));
            CheckRdb(OracleTools.CheckRdb() ?? throw new InvalidOperationException("redis-check-rdb is not beside the oracle"), file);
            using ServerProcess loaded = ServerProcess.Start(ServerKind.Redis, null, ["--dir", ours, "--sanitize-dump-payload", "yes", .. Config]);
            using RespConnection l = loaded.Connect();
            AssertSame(reference, SnapshotAll(l), "FastKv's file in Redis 7.2.4");
        }
        finally
        {
            Directory.Delete(theirs, true);
            Directory.Delete(ours, true);
        }
    }

    [Fact]
    public void Version10_Redis70FileAndPayloads_RoundTrip()
    {
        if (ServerLocator.TargetIsRedis) Assert.Skip("--fastkv-rdb-version is FastKv's");
        string theirs = SnapshotTests.NewDir(), ours = SnapshotTests.NewDir();
        try
        {
            using ServerProcess redis = Redis70.Start(["--dir", theirs, .. Config]);
            using RespConnection r = redis.Connect();
            Build(r);
            Dictionary<string, List<string>> reference = SnapshotAll(r);
            Dictionary<string, byte[]> dumps = Keys.ToDictionary(k => k, k => Dump(r, k));
            Ok(r, "SAVE");
            Assert.Equal("REDIS0010", Magic(Path.Combine(theirs, "dump.rdb")));
            File.Copy(Path.Combine(theirs, "dump.rdb"), Path.Combine(ours, "dump.rdb"));

            // FastKv's DUMP is version 11 whatever the file version, so the bytes are compared through a file here.
            using ServerProcess fastkv = SnapshotTests.StartIn(ours, 4, [.. Config, "--fastkv-rdb-version", "10"]);
            using RespConnection f = fastkv.Connect();
            foreach (string k in Keys) Assert.Equal("+OK\r\n", Restore(f, "copy:" + k, dumps[k]));
            Ok(f, "SAVE");
            string file = Path.Combine(ours, "dump.rdb");
            Assert.Equal("REDIS0010", Magic(file));
            CheckRdb(Redis70.CheckRdb, file);
            using ServerProcess loaded = Redis70.Start(["--dir", ours, .. Config]);
            using RespConnection l = loaded.Connect();
            AssertSame(reference, SnapshotAll(l), "FastKv's version 10 file in Redis 7.0.15");
            foreach (string k in Keys) Assert.Equal(reference[k], Snapshot(l, "copy:" + k));
            // Redis 7.0 writes version 10 of what it loaded: the same bytes FastKv's file held.
            foreach (string k in Keys) Assert.Equal(dumps[k], Dump(l, "copy:" + k));
        }
        finally
        {
            Directory.Delete(theirs, true);
            Directory.Delete(ours, true);
        }
    }

    // ---- forged group sections ----

    static byte[] IdKey(ulong ms, ulong seq)
    {
        byte[] b = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b, ms);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(8), seq);
        return b;
    }

    static byte[] Ms(long ms)
    {
        byte[] b = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(b, ms);
        return b;
    }

    /// <summary>An empty type 21 stream (last ID 5-0, 5 added) whose groups part <paramref name="groups"/> writes.</summary>
    static byte[] Forged(Action<RdbBytes> groups)
    {
        var b = new RdbBytes().Byte(21).Len(0).Len(0).Len(5).Len(0).Len(0).Len(0).Len(0).Len(0).Len(5);
        groups(b);
        return RdbBytes.WithFooter(b.ToArray());
    }

    /// <summary>One group "g" with PEL <paramref name="pel"/> and consumers (name, owned IDs).</summary>
    static byte[] OneGroup(ulong[] pel, params (string Name, ulong[] Own)[] consumers) => Forged(b =>
    {
        b.Len(1).Str("g").Len(5).Len(0).Len(5).Len((ulong)pel.Length);
        foreach (ulong id in pel) b.Raw(IdKey(id, 0)).Raw(Ms(1700000000000)).Len(2);
        b.Len((ulong)consumers.Length);
        foreach ((string name, ulong[] own) in consumers)
        {
            b.Str(name).Raw(Ms(1700000000001)).Raw(Ms(1700000000002)).Len((ulong)own.Length);
            foreach (ulong id in own) b.Raw(IdKey(id, 0));
        }
    });

    public static TheoryData<string> ForgedCases => new()
    {
        "valid", "pel-duplicate", "consumer-id-not-in-pel", "consumer-id-twice", "pel-entry-without-owner",
        "group-duplicate", "consumer-duplicate", "owned-by-two-consumers", "short-consumer-pel",
    };

    static byte[] ForgedPayload(string name) => name switch
    {
        "valid" => OneGroup([1, 2], ("a", [1]), ("b", [2]), ("c", [])),
        "pel-duplicate" => OneGroup([1, 1], ("a", [1])),
        "consumer-id-not-in-pel" => OneGroup([1], ("a", [1, 2])),
        "consumer-id-twice" => OneGroup([1], ("a", [1, 1])),
        "pel-entry-without-owner" => OneGroup([1, 2], ("a", [1])),
        "consumer-duplicate" => OneGroup([1], ("a", [1]), ("a", [])),
        "owned-by-two-consumers" => OneGroup([1], ("a", [1]), ("b", [1])),
        "short-consumer-pel" => Forged(b => b.Len(1).Str("g").Len(5).Len(0).Len(5).Len(0).Len(1).Str("a").Raw(Ms(1)).Raw(Ms(2)).Len(3).Raw(IdKey(1, 0))),
        "group-duplicate" => Forged(b => b.Len(2).Str("g").Len(5).Len(0).Len(5).Len(0).Len(0).Str("g").Len(5).Len(0).Len(5).Len(0).Len(0)),
        _ => throw new ArgumentException(name),
    };

    /// <summary>
    /// Each forged payload answers in FastKv what it answers in Redis 7.2.4 with sanitize-dump-payload yes, except a
    /// PEL entry two consumers list: Redis keeps the last owner and a dangling entry in the first consumer's PEL; FastKv
    /// refuses it. The valid one reads back the same in both.
    /// </summary>
    [Theory]
    [MemberData(nameof(ForgedCases))]
    public void ForgedGroupSections_AnsweredAsRedisWithSanitizePayload(string name)
    {
        if (ServerLocator.TargetIsRedis) Assert.Skip("compares FastKv with Redis");
        byte[] payload = ForgedPayload(name);
        using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, ["--sanitize-dump-payload", "yes"]);
        using RespConnection r = redis.Connect();
        using ServerProcess fastkv = ServerProcess.Start(ServerKind.Target, 2);
        using RespConnection f = fastkv.Connect();
        string theirs = Restore(r, "k", payload), ours = Restore(f, "k", payload);
        if (name == "owned-by-two-consumers") Assert.Equal("+OK\r\n", theirs);
        else Assert.Equal(theirs, ours);
        Assert.Equal(name == "valid" ? "+OK\r\n" : "-ERR Bad data format\r\n", ours);
        if (name == "valid")
        {
            Assert.Equal(Dump(r, "k"), Dump(f, "k"));
            Assert.Equal("+OK\r\n", Restore(r, "back", Dump(f, "k")));
            Assert.Equal(Snapshot(r, "k"), Snapshot(r, "back"));
        }
        Assert.Equal("+PONG\r\n", f.CallText("PING"));
    }

    /// <summary>Every cut and random bit flips (CRC fixed) of payloads with groups: loaded whole or "Bad data format";
    /// what loads DUMPs and RESTOREs again; the server stays up.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void CutAndFlippedGroupPayloads_ErrorOrLoad(int threads)
    {
        if (ServerLocator.TargetIsRedis) Assert.Skip("FastKv's checks");
        using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, Config);
        using RespConnection r = redis.Connect();
        Build(r);
        var payloads = new List<byte[]> { Dump(r, "sg:empty"), ForgedPayload("valid") };
        // A smaller stream than sg:main, with every part: two groups, PEL, claimed entries, an empty consumer.
        for (int i = 1; i <= 6; i++) r.Call("XADD", "sg:small", $"{i}-1", "f", "v");
        Ok(r, "XGROUP", "CREATE", "sg:small", "g1", "0");
        Ok(r, "XGROUP", "CREATE", "sg:small", "g2", "0");
        r.Call("XREADGROUP", "GROUP", "g1", "a", "COUNT", "3", "STREAMS", "sg:small", ">");
        r.Call("XREADGROUP", "GROUP", "g1", "b", "COUNT", "2", "STREAMS", "sg:small", ">");
        r.Call("XREADGROUP", "GROUP", "g2", "a", "COUNT", "1", "STREAMS", "sg:small", ">");
        r.Call("XGROUP", "CREATECONSUMER", "sg:small", "g2", "z");
        payloads.Add(Dump(r, "sg:small"));

        using ServerProcess fastkv = ServerProcess.Start(ServerKind.Target, threads);
        using RespConnection f = fastkv.Connect();
        var rng = new Random(20261203);
        int ok = 0, bad = 0;
        foreach (byte[] payload in payloads)
        {
            var forged = new List<byte[]>();
            byte[] body = payload[..^10];
            for (int cut = 0; cut < body.Length; cut++) forged.Add(RdbBytes.WithFooter(body.AsSpan(0, cut)));
            for (int round = 0; round < 300; round++)
            {
                byte[] x = (byte[])payload.Clone();
                for (int k = 0, n = 1 + rng.Next(3); k < n; k++) x[rng.Next(x.Length - 10)] ^= (byte)(1 << rng.Next(8));
                RdbBytes.FixCrc(x);
                forged.Add(x);
            }
            var wire = new MemoryStream();
            for (int i = 0; i < forged.Count; i++)
                wire.Write(Resp.EncodeCommand([Resp.Bytes("RESTORE"), Resp.Bytes("fuzz:" + i), Resp.Bytes("0"), forged[i], Resp.Bytes("REPLACE")]));
            f.Send(wire.ToArray());
            var loaded = new List<string>();
            for (int i = 0; i < forged.Count; i++)
            {
                string reply = Resp.AsString(f.ReadReply());
                if (reply == "+OK\r\n") { ok++; loaded.Add("fuzz:" + i); }
                else
                {
                    Assert.True(reply == "-ERR Bad data format\r\n", $"forgery {i} ({Resp.Escape(forged[i], 300)}): {reply}");
                    bad++;
                }
            }
            foreach (string key in loaded)
            {
                byte[] again = Dump(f, key);
                Assert.Equal("+OK\r\n", Restore(f, key + ":again", again));
                Assert.Equal(again, Dump(f, key + ":again"));
                Assert.StartsWith("*", f.CallText("XINFO", "STREAM", key, "FULL"));
                f.Call("DEL", key, key + ":again");
            }
        }
        fastkv.AssertAlive();
        Assert.True(ok > 0 && bad > 0, $"{ok} loaded, {bad} refused");
    }

    // ---- the AOF base of commands ----

    static readonly Regex WallClock = new(@"(\$9\r\nseen-time\r\n|\$11\r\nactive-time\r\n):-?\d+", RegexOptions.Compiled);

    /// <summary>
    /// Redis's file loaded by both; CONFIG SET appendonly yes with aof-use-rdb-preamble no writes a base of commands:
    /// FastKv's holds Redis's commands for each stream, byte for byte (XADD ..., XSETID, XGROUP CREATE ... ENTRIESREAD,
    /// XGROUP CREATECONSUMER, XCLAIM ... TIME RETRYCOUNT JUSTID FORCE), and Redis 7.2.4 loads FastKv's directory as it
    /// loads its own.
    /// </summary>
    [Fact]
    public void AofBaseOfCommands_RewriteStreamObjectForms_LoadInRedis()
    {
        if (ServerLocator.TargetIsRedis) Assert.Skip("compares FastKv's base with Redis's");
        string theirs = SnapshotTests.NewDir(), ours = SnapshotTests.NewDir(), copy = SnapshotTests.NewDir(), copy2 = SnapshotTests.NewDir();
        try
        {
            using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, ["--dir", theirs, "--aof-use-rdb-preamble", "no", .. Config]);
            using RespConnection r = redis.Connect();
            Build(r);
            Ok(r, "SAVE");
            File.Copy(Path.Combine(theirs, "dump.rdb"), Path.Combine(ours, "dump.rdb"));
            Ok(r, "CONFIG", "SET", "appendonly", "yes");
            AofRewriteTests.WaitFor(r, "aof_rewrites", v => v != "0");
            AofRewriteTests.WaitFor(r, "aof_rewrite_in_progress", v => v == "0");
            AofRewriteTests.WaitFor(r, "aof_rewrite_scheduled", v => v == "0");

            using ServerProcess fastkv = SnapshotTests.StartIn(ours, 2, ["--aof-use-rdb-preamble", "no", .. Config]);
            using RespConnection f = fastkv.Connect();
            Ok(f, "CONFIG", "SET", "appendonly", "yes");
            AofRewriteTests.WaitFor(f, "aof_rewrites", v => v != "0");
            AofRewriteTests.WaitFor(f, "aof_rewrite_in_progress", v => v == "0");

            Dictionary<string, List<string>> want = BaseCommands(theirs), got = BaseCommands(ours);
            Assert.Equal(want.Keys.Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
            foreach ((string key, List<string> cmds) in want)
                Assert.True(cmds.SequenceEqual(got[key]), $"{key}\n  Redis:  {string.Join(" | ", cmds)}\n  FastKv: {string.Join(" | ", got[key])}");

            // Redis's form is lossy where Redis is (an XCLAIM of a deleted entry claims nothing, and seen and active
            // times are the load's), so FastKv's directory is compared in Redis with Redis's own directory in Redis.
            using ServerProcess loaded = ServerProcess.Start(ServerKind.Redis, null, ["--dir", CopyAof(ours, copy), "--appendonly", "yes", .. Config]);
            using RespConnection l = loaded.Connect();
            using ServerProcess own = ServerProcess.Start(ServerKind.Redis, null, ["--dir", CopyAof(theirs, copy2), "--appendonly", "yes", .. Config]);
            using RespConnection o = own.Connect();
            AssertSame(SnapshotAll(o), SnapshotAll(l), "FastKv's AOF in Redis 7.2.4", s => WallClock.Replace(s, "$1:T"));
        }
        finally
        {
            foreach (string d in new[] { theirs, ours, copy, copy2 }) Directory.Delete(d, true);
        }
    }

    /// <summary>Copies the AOF directory of <paramref name="from"/> into <paramref name="to"/>; returns <paramref name="to"/>.</summary>
    static string CopyAof(string from, string to)
    {
        Directory.CreateDirectory(AofRewriteTests.AofDir(to));
        foreach (string file in Directory.GetFiles(AofRewriteTests.AofDir(from)))
            File.Copy(file, Path.Combine(AofRewriteTests.AofDir(to), Path.GetFileName(file)));
        return to;
    }

    /// <summary>The base file's commands per key (the second argument, or the third for XGROUP), each as escaped text.</summary>
    static Dictionary<string, List<string>> BaseCommands(string dir)
    {
        string name = AofRewriteTests.Manifest(dir).Split('\n').Single(l => l.EndsWith(" type b", StringComparison.Ordinal)).Split(' ')[1];
        byte[] data = File.ReadAllBytes(Path.Combine(AofRewriteTests.AofDir(dir), name));
        var byKey = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        int pos = 0;
        while (pos < data.Length)
        {
            int end = Array.IndexOf(data, (byte)'\r', pos);
            Assert.Equal((byte)'*', data[pos]);
            int n = int.Parse(Encoding.ASCII.GetString(data, pos + 1, end - pos - 1));
            int start = pos;
            pos = end + 2;
            var args = new List<string>();
            for (int i = 0; i < n; i++)
            {
                end = Array.IndexOf(data, (byte)'\r', pos);
                int len = int.Parse(Encoding.ASCII.GetString(data, pos + 1, end - pos - 1));
                args.Add(Encoding.Latin1.GetString(data, end + 2, len));
                pos = end + 2 + len + 2;
            }
            if (args[0] == "SELECT") continue;
            string key = args[0] == "XGROUP" ? args[2] : args[1];
            if (!byKey.TryGetValue(key, out var list)) byKey[key] = list = new List<string>();
            list.Add(Resp.Escape(data.AsSpan(start, pos - start)));
        }
        return byKey;
    }
}
