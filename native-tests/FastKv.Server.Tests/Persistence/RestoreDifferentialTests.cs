using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using FastKv.Tests.Rdb;
using Xunit;
using Z = FastKv.Tests.Rdb.RdbBytes.ZlEntry;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// RESTORE against Redis 7.2.4: payloads DUMPed by Redis for every (type, encoding) at each threshold and one past
/// it, and hand-built payloads in the old encodings, restored on both servers under the default and under small
/// thresholds (so conversion on load is exercised both ways); the full value and OBJECT ENCODING must agree. Every
/// error reply byte for byte, TTLs in the past, IDLETIME/FREQ, the "restore" keyspace event and WATCH.
/// At --threads 1 and 4.
/// </summary>
public class RestoreDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static TheoryData<int> Threads => new() { 1, 4 };

    static byte[][] Cmd(params object[] args) => args.Select(a => a as byte[] ?? Encoding.UTF8.GetBytes((string)a)).ToArray();

    /// <summary>Both servers to a known state: empty, default thresholds, no notifications, noeviction, no payload sanitizing.</summary>
    static void Reset(DualSession s)
    {
        foreach (RespConnection c in new[] { s.Oracle, s.Target })
        {
            Assert.Equal("+OK\r\n", c.CallText("FLUSHALL"));
            RestoreShapes.Thresholds.Default.Apply(c);
            foreach (var (k, v) in new[] { ("notify-keyspace-events", ""), ("maxmemory-policy", "noeviction"), ("sanitize-dump-payload", "no") })
                Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", k, v));
        }
    }

    /// <summary>DUMPs of every shape, built on the oracle under <paramref name="t"/>.</summary>
    static List<(string Name, byte[] Payload)> RedisDumps(RespConnection oracle, RestoreShapes.Thresholds t)
    {
        Assert.Equal("+OK\r\n", oracle.CallText("FLUSHALL"));
        t.Apply(oracle);
        foreach (string[] c in RestoreShapes.Build(t)) Assert.False(Resp.Parse(oracle.Call(c)).IsError, string.Join(' ', c.Take(2)));
        var dumps = new List<(string, byte[])>();
        foreach (string key in RestoreShapes.Keys(t))
            dumps.Add((key + (t == RestoreShapes.Thresholds.Small ? "@small" : "@default"), Resp.Parse(oracle.Call("DUMP", key)).Data!));
        Assert.Equal("+OK\r\n", oracle.CallText("FLUSHALL"));
        return dumps;
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void EveryEncoding_RestoresAsOnRedis_UnderEachThresholdSet(int threads)
    {
        using var s = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server) { Context = $"--threads {threads}" };
        Reset(s);
        var payloads = RedisDumps(s.Oracle, RestoreShapes.Thresholds.Default)
            .Concat(RedisDumps(s.Oracle, RestoreShapes.Thresholds.Small))
            .Concat(RestoreShapes.OldEncodings()).ToList();
        Reset(s);
        var encodingsSeen = new HashSet<string>();
        foreach (RestoreShapes.Thresholds t in new[] { RestoreShapes.Thresholds.Default, RestoreShapes.Thresholds.Small })
        {
            t.Apply(s.Oracle);
            t.Apply(s.Target);
            long expireAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;
            for (int i = 0; i < payloads.Count; i++)
            {
                var (name, payload) = payloads[i];
                string key = "r:" + name;
                // Every third with an absolute TTL, so expiry travels too.
                byte[][] restore = i % 3 == 0 ? Cmd("RESTORE", key, expireAt.ToString(), payload, "ABSTTL") : Cmd("RESTORE", key, "0", payload);
                s.Check(restore, i);
                string expected = RestoreShapes.Describe(s.Oracle, key);
                string actual = RestoreShapes.Describe(s.Target, key);
                Assert.True(expected == actual, $"{name} under {t}: Redis {Resp.Escape(Encoding.Latin1.GetBytes(expected), 600)} FastKv {Resp.Escape(Encoding.Latin1.GetBytes(actual), 600)}");
                encodingsSeen.Add(s.Oracle.CallText("TYPE", key) + s.Oracle.CallText("OBJECT", "ENCODING", key));
                // REPLACE over the key just made gives the same again.
                s.Check(Cmd("RESTORE", key, "0", payload, "REPLACE"), i);
                Assert.Equal(RestoreShapes.Describe(s.Oracle, key), RestoreShapes.Describe(s.Target, key));
            }
            s.Check("DBSIZE");
            s.Check("FLUSHALL");
        }
        // Every (type, encoding) Redis 7.2 has for these five types showed up (string 3, list 2, set 3, zset 2, hash 2).
        Assert.Equal(12, encodingsSeen.Count);
        servers.TargetWithThreads(threads).Server.AssertAlive();
    }

    /// <summary>Payload bodies (type byte and value) that Redis 7.2.4 refuses with sanitize-dump-payload yes.</summary>
    static IEnumerable<(string Name, byte[] Body)> BadBodies()
    {
        byte[] B(byte type, RdbBytes v) => new RdbBytes().Byte(type).Raw(v.ToArray()).ToArray();
        byte[] Lp(params string[] items)
        {
            // A listpack of short strings, written out by hand (6-bit string entries, 1-byte backlens).
            var e = new List<byte>();
            foreach (string it in items) { e.Add((byte)(0x80 | it.Length)); e.AddRange(Encoding.ASCII.GetBytes(it)); e.Add((byte)(it.Length + 1)); }
            var lp = new List<byte>(BitConverter.GetBytes(e.Count + 7)) { (byte)items.Length, 0 };
            lp.AddRange(e);
            lp.Add(0xFF);
            return lp.ToArray();
        }
        yield return ("type 8", new byte[] { 8, 0 });
        yield return ("string longer than the payload", B(0, new RdbBytes().Len(16000).Raw(1, 2, 3)));
        yield return ("unknown string encoding", B(0, new RdbBytes().Byte(0xC4).Raw(0, 0, 0, 0)));
        yield return ("lzf claims the wrong length", B(0, new RdbBytes().LzfStr(RdbBytes.LiteralLzf(Encoding.ASCII.GetBytes("hello world, hello")), 30)));
        yield return ("empty plain list", B(1, new RdbBytes().Len(0)));
        yield return ("plain set duplicate", B(2, new RdbBytes().Len(2).Str("a").Str("a")));
        yield return ("plain set duplicate integer", B(2, new RdbBytes().Len(2).Str("7").Str("7")));
        yield return ("plain hash duplicate", B(4, new RdbBytes().Len(2).Str("f").Str("1").Str("f").Str("2")));
        yield return ("zset2 duplicate", B(5, new RdbBytes().Len(2).Str("m").BinDouble(1).Str("m").BinDouble(2)));
        yield return ("zset2 NaN", B(5, new RdbBytes().Len(1).Str("m").BinDouble(double.NaN)));
        yield return ("zset text NaN", B(3, new RdbBytes().Len(1).Str("m").Byte(253)));
        yield return ("set listpack duplicate", B(20, new RdbBytes().Str(Lp("a", "b", "a"))));
        yield return ("set listpack empty", B(20, new RdbBytes().Str(Lp())));
        yield return ("hash listpack odd", B(16, new RdbBytes().Str(Lp("f", "v", "g"))));
        yield return ("hash listpack duplicate field", B(16, new RdbBytes().Str(Lp("f", "v", "f", "w"))));
        yield return ("hash listpack bad count", B(16, new RdbBytes().Str(Lp("f", "v").Select((b, i) => i == 4 ? (byte)3 : b).ToArray())));
        yield return ("zset listpack duplicate member", B(17, new RdbBytes().Str(Lp("m", "1", "m", "2"))));
        yield return ("intset empty", B(11, new RdbBytes().Str(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0 })));
        yield return ("intset unordered", B(11, new RdbBytes().Str(new byte[] { 2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 3, 0 })));
        yield return ("intset bad encoding", B(11, new RdbBytes().Str(new byte[] { 3, 0, 0, 0, 1, 0, 0, 0, 5, 0, 3 })));
        yield return ("ziplist wrong prevlen", B(10, new RdbBytes().Str(RdbBytes.Ziplist(Z.S("a"), Z.S("b")).Select((b, i) => i == 13 ? (byte)9 : b).ToArray())));
        yield return ("ziplist wrong count", B(10, new RdbBytes().Str(RdbBytes.Ziplist(new[] { Z.S("a") }, countOverride: 2))));
        yield return ("empty list ziplist", B(10, new RdbBytes().Str(RdbBytes.Ziplist())));
        yield return ("hash ziplist duplicate", B(13, new RdbBytes().Str(RdbBytes.Ziplist(Z.S("f"), Z.S("v"), Z.S("f"), Z.S("w")))));
        yield return ("hash ziplist odd", B(13, new RdbBytes().Str(RdbBytes.Ziplist(Z.S("f"), Z.S("v"), Z.S("g")))));
        yield return ("zipmap duplicate", B(9, new RdbBytes().Str(RdbBytes.ZipmapOf("f", "1", "f", "2"))));
        yield return ("zipmap wrong count", B(9, new RdbBytes().Str(RdbBytes.Zipmap(new[] { (new byte[] { 1 }, new byte[] { 2 }) }, countOverride: 5))));
        yield return ("zipmap empty", B(9, new RdbBytes().Str(new byte[] { 0, 0xFF })));
        yield return ("quicklist2 unknown container", B(18, new RdbBytes().Len(1).Len(3).Str(Lp("a"))));
        yield return ("quicklist2 empty node", B(18, new RdbBytes().Len(1).Len(2).Str("")));
        yield return ("quicklist2 all nodes empty", B(18, new RdbBytes().Len(1).Len(2).Str(Lp())));
        yield return ("quicklist2 corrupt listpack", B(18, new RdbBytes().Len(1).Len(2).Str(Lp("a").Select((b, i) => i == 8 ? (byte)0x7F : b).ToArray())));
        yield return ("quicklist v1 corrupt ziplist", B(14, new RdbBytes().Len(1).Str(RdbBytes.Ziplist(Z.S("a")).Select((b, i) => i == 4 ? (byte)0 : b).ToArray())));
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void ErrorReplies_MatchRedisByteForByte(int threads)
    {
        using var s = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server) { Context = $"--threads {threads}" };
        Reset(s);
        // Redis checks payloads deeply only when told to; FastKv always does. Told to, Redis refuses the same bodies.
        Assert.Equal("+OK\r\n", s.Oracle.CallText("CONFIG", "SET", "sanitize-dump-payload", "yes"));
        try
        {
            s.Check("SET", "src", "hello");
            byte[] good = Resp.Parse(s.Oracle.Call("DUMP", "src")).Data!;
            var cases = new List<byte[][]>
            {
                Cmd("RESTORE", "k", "0", good, "IDLETIME"),
                Cmd("RESTORE", "k", "0", good, "IDLETIME", "x"),
                Cmd("RESTORE", "k", "0", good, "IDLETIME", "-1"),
                Cmd("RESTORE", "k", "0", good, "FREQ", "256"),
                Cmd("RESTORE", "k", "0", good, "FREQ", "-1"),
                Cmd("RESTORE", "k", "0", good, "FREQ", "1.5"),
                Cmd("RESTORE", "k", "0", good, "FREQ", "5", "IDLETIME", "3"),
                Cmd("RESTORE", "k", "0", good, "IDLETIME", "3", "FREQ", "5"),
                Cmd("RESTORE", "k", "0", good, "BOGUS"),
                Cmd("RESTORE", "k", "0", good, "REPLACE", "ABSTTL", "ABSTTL", "FREQ"),
                Cmd("RESTORE", "src", "0", good),
                Cmd("RESTORE", "src", "x", good),
                Cmd("RESTORE", "k", "x", good),
                Cmd("RESTORE", "k", "-1", good),
                Cmd("RESTORE", "k", "1.5", good),
                Cmd("RESTORE", "k", "0", "abc"),
                Cmd("RESTORE", "k", "0", ""),
                Cmd("RESTORE", "k", "0", good[..^1].Append((byte)(good[^1] ^ 1)).ToArray()),
                Cmd("RESTORE", "k", "0", RdbBytes.WithFooter(good.AsSpan(0, good.Length - 10), 12)),
                Cmd("RESTORE", "k"),
                Cmd("RESTORE", "k", "0"),
            };
            foreach ((string _, byte[] body) in BadBodies()) cases.Add(Cmd("RESTORE", "bad", "0", RdbBytes.WithFooter(body)));
            for (int i = 0; i < cases.Count; i++) s.Check(cases[i], i);
            s.Check("KEYS", "*");
        }
        finally
        {
            s.Oracle.CallText("CONFIG", "SET", "sanitize-dump-payload", "no");
        }
    }

    /// <summary>DEBUG SET-SKIP-CHECKSUM-VALIDATION 1: a payload with a wrong CRC restores; its version is still checked; 0 checks again.</summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void SkipChecksumValidation_RestoresABadCrc_ButNotABadVersion(int threads)
    {
        using var s = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server) { Context = $"--threads {threads}" };
        Reset(s);
        s.Check("SET", "src", "hello");
        byte[] good = Resp.Parse(s.Oracle.Call("DUMP", "src")).Data!;
        byte[] badCrc = good[..^1].Append((byte)(good[^1] ^ 1)).ToArray();
        byte[] badVersion = RdbBytes.WithFooter(good.AsSpan(0, good.Length - 10), 12);
        try
        {
            s.Check(Cmd("RESTORE", "a", "0", badCrc), 0);
            s.Check("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1");
            s.Check(Cmd("RESTORE", "a", "0", badCrc), 1);
            s.Check(Cmd("RESTORE", "b", "0", badVersion), 2);
            s.Check("GET", "a");
            s.Check("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0");
            s.Check(Cmd("RESTORE", "c", "0", badCrc), 3);
            s.Check("KEYS", "*");
        }
        finally
        {
            s.Oracle.CallText("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0");
            s.Target.CallText("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0");
        }
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void TtlInThePast_CreatesNothing_AndReplaceStillDeletes(int threads)
    {
        using var s = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server) { Context = $"--threads {threads}" };
        Reset(s);
        s.Check("SET", "src", "payload");
        byte[] good = Resp.Parse(s.Oracle.Call("DUMP", "src")).Data!;
        s.Check(Cmd("RESTORE", "gone", "1", good, "ABSTTL"), 0);
        s.Check("EXISTS", "gone");
        s.Check("SET", "old", "x");
        s.Check(Cmd("RESTORE", "old", "1", good, "ABSTTL", "REPLACE"), 1);
        s.Check("EXISTS", "old");
        // A relative TTL so large that adding now wraps: Redis takes it for the past.
        s.Check(Cmd("RESTORE", "wrap", long.MaxValue.ToString(), good), 2);
        s.Check("EXISTS", "wrap");
        s.Check(Cmd("RESTORE", "soon", "100000", good), 3);
        Assert.InRange(Resp.Parse(s.Target.Call("PTTL", "soon")).Integer, 1, 100000);
        s.Check(Cmd("RESTORE", "soon", "0", good, "REPLACE"), 4);
        s.Check("TTL", "soon");
        s.Check("GET", "soon");
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void IdleTimeAndFreq_SetTheAccessBits(int threads)
    {
        using var s = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server) { Context = $"--threads {threads}" };
        Reset(s);
        s.Check("RPUSH", "src", "a", "b");
        byte[] good = Resp.Parse(s.Oracle.Call("DUMP", "src")).Data!;
        s.Check(Cmd("RESTORE", "idle", "0", good, "IDLETIME", "1000"), 0);
        // The LRU clock has one-second steps: a tick between RESTORE and OBJECT may add one.
        Assert.InRange(Resp.Parse(s.Target.Call("OBJECT", "IDLETIME", "idle")).Integer, 1000, 1002);
        s.Check("OBJECT", "FREQ", "idle");
        foreach (RespConnection c in new[] { s.Oracle, s.Target }) Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"));
        s.Check(Cmd("RESTORE", "freq", "0", good, "FREQ", "77"), 1);
        s.Check("OBJECT", "FREQ", "freq");
        s.Check(Cmd("RESTORE", "freq2", "0", good, "IDLETIME", "5"), 2);
        s.Check("OBJECT", "FREQ", "freq2");
        s.Check("OBJECT", "IDLETIME", "freq2");
        foreach (RespConnection c in new[] { s.Oracle, s.Target }) Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "maxmemory-policy", "noeviction"));
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void KeyspaceEvents_AndWatch_AsRedis(int threads)
    {
        ServerProcess oracle = servers.Oracle.Server, target = servers.TargetWithThreads(threads).Server;
        using var s = new DualSession(oracle, target) { Context = $"--threads {threads}" };
        Reset(s);
        s.Check("SET", "src", "v");
        byte[] good = Resp.Parse(s.Oracle.Call("DUMP", "src")).Data!;
        foreach (RespConnection c in new[] { s.Oracle, s.Target }) Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "notify-keyspace-events", "KEA"));

        // Events: a new key, a replaced key, a replace whose TTL is past (del), a failed restore (nothing).
        using RespConnection subO = oracle.Connect(), subT = target.Connect();
        subO.Call("PSUBSCRIBE", "__key*@0__:*");
        subT.Call("PSUBSCRIBE", "__key*@0__:*");
        s.Check(Cmd("RESTORE", "e1", "0", good), 0);
        s.Check(Cmd("RESTORE", "e1", "0", good, "REPLACE"), 1);
        s.Check(Cmd("RESTORE", "e1", "1", good, "REPLACE", "ABSTTL"), 2);
        s.Check(Cmd("RESTORE", "src", "0", good), 3);
        s.Check("PUBLISH", "__keyspace@0__:end", "end");
        var seenO = new List<string>();
        var seenT = new List<string>();
        foreach (var (conn, seen) in new[] { (subO, seenO), (subT, seenT) })
            while (true)
            {
                string m = Resp.AsString(conn.ReadReply());
                seen.Add(m);
                if (m.Contains("__keyspace@0__:end")) break;
            }
        Assert.Equal(seenO, seenT);
        Assert.Contains(seenT, m => m.Contains("restore"));

        // WATCH: a RESTORE that creates the key aborts the transaction; one that fails does not.
        foreach (RespConnection c in new[] { s.Oracle, s.Target }) c.CallText("CONFIG", "SET", "notify-keyspace-events", "");
        using RespConnection otherO = oracle.Connect(), otherT = target.Connect();
        s.Check("WATCH", "w");
        Assert.Equal(Resp.AsString(otherO.Call(Cmd("RESTORE", "w", "0", good))), Resp.AsString(otherT.Call(Cmd("RESTORE", "w", "0", good))));
        s.Check("MULTI");
        s.Check("GET", "w");
        s.Check("EXEC");
        s.Check("WATCH", "w");
        otherO.Call(Cmd("RESTORE", "w", "0", good));
        otherT.Call(Cmd("RESTORE", "w", "0", good));
        s.Check("MULTI");
        s.Check("GET", "w");
        s.Check("EXEC");
    }
}
