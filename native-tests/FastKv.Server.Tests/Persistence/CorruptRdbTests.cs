using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;
using static FastKv.Server.Tests.Persistence.RdbFileRun;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// Startup loading of bad files (issue 12, corrupt input; persistence design 2): a small RDB that FastKv made, cut at
/// every offset of its header and first records (and a sample of the rest), with bits flipped (checksum kept, so the
/// CRC catches them, or fixed, so the decoder meets them), and with forged records. For each, FastKv exits non-zero
/// with Redis 7.2.4's log line for that file, never crashes, leaves the file byte-identical and writes no file.
/// Where the oracle is present each file is also given to it and the lines compared.
/// </summary>
public class CorruptRdbTests
{
    const string ShortRead = "Short read or OOM loading DB. Unrecoverable error, aborting now.";

    static readonly Lazy<byte[]> s_base = new(BuildBase);
    static readonly Lazy<bool> s_collectionsLoad = new(ProbeCollections);

    /// <summary>The small valid file the tests corrupt (made once per test run).</summary>
    internal static byte[] BaseFile => s_base.Value;

    /// <summary>About 2 KiB: string keys of several sizes in databases 0 and 1, some with TTLs, saved by FastKv.</summary>
    static byte[] BuildBase()
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            using (var s = SnapshotTests.StartIn(dir, 2))
            using (var c = s.Connect())
            {
                for (int i = 0; i < 40; i++)
                {
                    string value = "value-" + i + "-" + new string((char)('a' + i % 26), i % 37);
                    if (i % 5 == 0) Assert.Equal("+OK\r\n", c.CallText("SET", "key" + i, value, "EX", "100000"));
                    else Assert.Equal("+OK\r\n", c.CallText("SET", "key" + i, value));
                }
                Assert.Equal("+OK\r\n", c.CallText("SELECT", "1"));
                Assert.Equal("+OK\r\n", c.CallText("SET", "db1key", "12345"));
                Assert.Equal("+OK\r\n", c.CallText("SET", "db1ttl", "y", "PX", "90000000"));
                Assert.Equal("+OK\r\n", c.CallText("SET", "db1other", "some longer value in the second database"));
                Assert.Equal("+OK\r\n", c.CallText("SAVE"));
            }
            byte[] file = File.ReadAllBytes(Path.Combine(dir, "dump.rdb"));
            Assert.InRange(file.Length, 1024, 4096);
            // The test's CRC agrees with the server's, so files it fixes are valid where only the forged part is bad.
            Assert.Equal(Crc64(Body(file)), BitConverter.ToUInt64(file, file.Length - 8));
            return file;
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Whether this build loads collection values (a one-element list); until it does, collection cases are skipped.</summary>
    static bool ProbeCollections()
    {
        byte[] list = [RdbList, .. Str("probe-list"), 1, .. Str("a")];
        return Target(Inject(s_base.Value, list), mayLoad: true).Loaded;
    }

    const byte RdbList = 1;

    // ---- truncation ----

    [Fact]
    public void Truncated_AtEveryOffsetOfTheHeaderAndFirstRecords_AndASampleOfTheRest_IsAShortRead()
    {
        byte[] file = s_base.Value;
        var offsets = new SortedSet<int>(Enumerable.Range(0, 72));
        for (int i = file.Length - 9; i < file.Length; i++) offsets.Add(i); // the EOF opcode and the checksum
        var rng = new Random(1201);
        while (offsets.Count < 100) offsets.Add(rng.Next(72, file.Length - 9));
        bool oracle = HaveOracle;
        foreach (int at in offsets)
        {
            byte[] cut = file[..at];
            LoadOutcome fk = Target(cut, mayLoad: false);
            AssertRefused(fk, ShortRead);
            if (oracle) Assert.True(Redis(cut).Essential == ShortRead, $"Redis 7.2.4 also reads a file cut at {at} short");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ForgedResizeDbCounts_AreNotTrusted_TheFileLoadsInLittleMemory(int threads)
    {
        // RESIZEDB 2^62 keys (a 9-byte length), 2^62 with a TTL, then one key in database 2: FastKv sizes its tables
        // from the count only as far as a 2 KiB file could hold keys, so the load takes no more memory than usual.
        byte[] huge = [0x81, 0x40, 0, 0, 0, 0, 0, 0, 0];
        byte[] file = Inject(s_base.Value, [0xFE, 2], [0xFB, .. huge, .. huge], [0, .. Str("forged"), .. Str("v")]);
        string dir = SnapshotTests.NewDir();
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "dump.rdb"), file);
            using var s = SnapshotTests.StartIn(dir, threads);
            using var c = s.Connect();
            Assert.Equal("+OK\r\n", c.CallText("SELECT", "2"));
            Assert.Equal(":1\r\n", c.CallText("DBSIZE"));
            Assert.Equal("$1\r\nv\r\n", c.CallText("GET", "forged"));
            string info = c.CallText("INFO", "memory");
            long used = long.Parse(info.Split("\r\n").First(l => l.StartsWith("used_memory:")).Split(':')[1]);
            Assert.InRange(used, 1, 64L << 20);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Truncated_WithSavePoints_ExitsWithoutSavingOverTheFile()
    {
        byte[] file = s_base.Value;
        // The default save points would save at shutdown; the failed load must not replace the file.
        LoadOutcome fk = Target(file[..(file.Length / 2)], mayLoad: false, "--save", "3600 1 300 100 60 10000");
        AssertRefused(fk, ShortRead);
    }

    [Fact]
    public void DumpRdbIsADirectory_IsAShortRead()
    {
        var launch = ServerLocator.Resolve(ServerKind.Target);
        string dir = SnapshotTests.NewDir();
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "dump.rdb"));
            var r = ProcessRunner.Run(launch.FileName,
                [.. launch.PrefixArgs, "--dir", dir, "--port", PortAllocator.Next().ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1"],
                (string?)null, RdbFileRun.Timeout);
            var outcome = new LoadOutcome(r.ExitCode, r.StdOut + r.StdErr);
            AssertRefused(outcome, ShortRead);
            Assert.Equal(["dump.rdb"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).ToArray());
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(dir, "dump.rdb")));
        }
        finally { Directory.Delete(dir, true); }
    }

    // ---- bit flips ----

    [Theory]
    [InlineData(false, 30, 77)]
    [InlineData(true, 40, 78)]
    public void BitFlips_GiveRedisOutcome(bool fixChecksum, int count, int seed)
    {
        ServerLocator.RequireOracle();
        byte[] file = s_base.Value;
        byte[] body = Body(file);
        var rng = new Random(seed);
        for (int n = 0; n < count; n++)
        {
            // Half the flips land in the header and first records, where the structure is dense.
            int at = n % 2 == 0 ? rng.Next(0, 128) : rng.Next(0, body.Length);
            byte[] b = (byte[])body.Clone();
            b[at] ^= (byte)(1 << rng.Next(8));
            byte[] bad = fixChecksum ? WithCrc(b) : [.. b, .. file[^8..]];
            LoadOutcome redis = Redis(bad);
            if (!s_collectionsLoad.Value && b[at] is >= 1 and <= 21 && body[at] == 0 && !redis.Loaded && redis.Essential != ShortRead)
                continue; // a string's type byte became a collection type: not decodable by this build's string-only loader
            LoadOutcome fk = Target(bad, mayLoad: true);
            Assert.True(redis.Essential == fk.Essential,
                $"flip at {at}: Redis 7.2.4 says \"{redis.Essential}\", FastKv \"{fk.Essential}\"\n{fk}");
            if (!fk.Loaded) Assert.NotEqual(0, fk.ExitCode);
        }
    }

    // ---- forged files and records ----

    static readonly string[] s_badFiles =
    [
        "bad-magic", "version-0", "version-12", "version-not-digits", "type-8", "type-22", "stream-15", "stream-19", "stream-21",
        "module-6", "module-7", "module-aux", "module-aux-bad-when", "selectdb-16", "selectdb-99", "duplicate-key",
        "wrong-checksum", "no-checksum", "bad-length-encoding", "bad-string-encoding", "bad-lzf-key", "function-pre-release",
        "bad-lzf-expired-value", "first-error-in-file-order",
    ];

    /// <summary>Every forged file at --threads 1 and 4 (records are routed to the shards that own their keys).</summary>
    public static TheoryData<string, int> BadFiles()
    {
        var data = new TheoryData<string, int>();
        foreach (int threads in new[] { 1, 4 })
            foreach (string name in s_badFiles) data.Add(name, threads);
        return data;
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFile_IsRefusedWithRedisLine(string name, int threads)
    {
        byte[] file = s_base.Value;
        byte[] body = Body(file);
        (byte[] bad, string line, bool redisSaysSo) = name switch
        {
            "bad-magic" => (WithCrc([.. "REDIX"u8.ToArray(), .. body[5..]]), "Wrong signature trying to load DB from file", true),
            "version-0" => (WithCrc([.. "REDIS0000"u8.ToArray(), .. body[9..]]), "Can't handle RDB format version 0", true),
            "version-12" => (WithCrc([.. "REDIS0012"u8.ToArray(), .. body[9..]]), "Can't handle RDB format version 12", true),
            "version-not-digits" => (WithCrc([.. "REDIS00a1"u8.ToArray(), .. body[9..]]), "Can't handle RDB format version 0", true),
            "type-8" => (Inject(file, [8, .. Str("k"), .. Str("v")]), "Unknown RDB encoding type 8", true),
            "type-22" => (Inject(file, [22, .. Str("k"), .. Str("v")]), "Unknown RDB encoding type 22", true),
            // A stream value that is one string: its length byte reads as one node, whose key then runs past the file.
            // FastKv's framing finds the short read first; Redis, decoding as it reads, names the stream's master ID
            // ("Internal error in RDB reading offset 0, function at rdb.c:2496 -> Stream master ID loading failed").
            "stream-15" => (Inject(file, [15, .. Str("k"), .. Str("v")]), ShortRead, false),
            "stream-19" => (Inject(file, [19, .. Str("k"), .. Str("v")]), ShortRead, false),
            "stream-21" => (Inject(file, [21, .. Str("k"), .. Str("v")]), ShortRead, false),
            "module-6" => (Inject(file, [6, .. Str("k"), .. Str("v")]), "Pre-release module format not supported", true),
            "module-7" => (Inject(file, [7, .. Str("k"), 0x81, 0, 0, 0, 0, 0, 0, 0, 0]),
                "The RDB file contains module data I can't load: no matching module type 'AAAAAAAAA'", true),
            "module-aux" => (Inject(file, [0xF7, 0x81, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0x00, 2, 0]),
                "The RDB file contains AUX module data I can't load: no matching module 'EjRWeJq83'", true),
            "module-aux-bad-when" => (Inject(file, [0xF7, 0x81, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0x00, 1, 0]), "bad when_opcode", true),
            "selectdb-16" => (Inject(file, [0xFE, 16, 0, .. Str("k"), .. Str("v")]),
                "FATAL: Data file was created with a Redis server configured to handle more than 16 databases. Exiting", true),
            "selectdb-99" => (Inject(file, [0xFE, 0x40, 99, 0, .. Str("k"), .. Str("v")]),
                "FATAL: Data file was created with a Redis server configured to handle more than 16 databases. Exiting", true),
            "duplicate-key" => (Inject(file, [0, .. Str("db1key"), .. Str("x")]), "RDB has duplicated key 'db1key' in DB 1", true),
            "wrong-checksum" => WrongChecksum(file),
            "no-checksum" => (body, ShortRead, true),
            "bad-length-encoding" => (Inject(file, [0, 0x82, .. Str("x")]), "Unknown length encoding 2 in rdbLoadLen()", true),
            "bad-string-encoding" => (Inject(file, [0, .. Str("k"), 0xC5]), "Unknown RDB string encoding type 5", true),
            "bad-lzf-key" => (Inject(file, [0, 0xC3, 3, 5, 1, (byte)'a', (byte)'b', .. Str("v")]), "Invalid LZF compressed string", true),
            "function-pre-release" => (Inject(file, [0xF6, .. Str("x")]), "Pre-release function format not supported.", true),
            // Redis decodes a value before it drops the expired key: the bad block still fails the load.
            "bad-lzf-expired-value" => (Inject(file, [0xFC, .. BitConverter.GetBytes(1000L), 0, .. Str("gone"), .. BadLzf]),
                "Invalid LZF compressed string", true),
            "first-error-in-file-order" => (Inject(file, FirstErrorThenLaterOnes()), "Invalid LZF compressed string", true),
            _ => throw new ArgumentException(name),
        };
        if (ServerLocator.TargetIsRedis && !redisSaysSo) Assert.Skip("the line is FastKv's own");
        string[] extra = ServerLocator.TargetIsRedis ? [] : ["--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        AssertRefused(Target(bad, mayLoad: false, extra), line);
        if (redisSaysSo && HaveOracle && threads == 1)
        {
            LoadOutcome redis = Redis(bad);
            Assert.True(redis.Essential == line, $"Redis 7.2.4 prints the line too\n{redis}");
        }
    }

    /// <summary>An LZF string of 2 literal bytes that claims 5: Redis's "Invalid LZF compressed string".</summary>
    static readonly byte[] BadLzf = [0xC3, 3, 5, 1, (byte)'a', (byte)'b'];

    /// <summary>
    /// A bad value, then keys each given twice: at 4 threads the duplicates fall on other shards than the bad value,
    /// which decode in parallel with it. The error reported must still be the first in the file, as Redis's.
    /// </summary>
    static byte[][] FirstErrorThenLaterOnes()
    {
        List<byte[]> records = [[0, .. Str("bad-value"), .. BadLzf]];
        for (int i = 0; i < 64; i++)
        {
            byte[] pair = [0, .. Str("twice-" + i), .. Str("x")];
            records.Add(pair);
            records.Add(pair);
        }
        return records.ToArray();
    }

    static (byte[], string, bool) WrongChecksum(byte[] file)
    {
        byte[] bad = (byte[])file.Clone();
        bad[^8] ^= 1;
        ulong computed = Crc64(Body(file)), stored = BitConverter.ToUInt64(bad, bad.Length - 8);
        return (bad, $"Wrong RDB checksum expected: ({computed:x}) but got ({stored:x}). Aborting now.", true);
    }

    // ---- files that load ----

    [Fact]
    public void ExpiredKey_IsDroppedAndCounted_AsRedisCounts()
    {
        byte[] file = Inject(s_base.Value,
            [0xFC, .. BitConverter.GetBytes(1000L), 0, .. Str("gone-ms"), .. Str("x")],
            [0xFD, .. BitConverter.GetBytes(1000), 0, .. Str("gone-s"), .. Str("x")],
            [0xFC, .. BitConverter.GetBytes(DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds()), 0, .. Str("kept"), .. Str("x")]);
        var fk = LoadedCounts(file, ServerKind.Target);
        Assert.Equal("2", fk.Expired);
        Assert.Equal("$-1\r\n", fk.GoneReply);
        if (HaveOracle) Assert.Equal(LoadedCounts(file, ServerKind.Redis), fk);
    }

    [Fact]
    public void ZeroChecksum_LoadsWithoutACheck_AndTrailingBytesAreIgnored()
    {
        byte[] body = Body(s_base.Value);
        byte[] zero = [.. body, 0, 0, 0, 0, 0, 0, 0, 0];
        LoadOutcome fk = Target(zero, mayLoad: true);
        Assert.True(fk.Loaded, fk.ToString());
        Assert.Contains("RDB file was saved with checksum disabled: no check performed.", fk.Output);
        Assert.True(Target([.. s_base.Value, .. "garbage"u8.ToArray()], mayLoad: true).Loaded);
        if (HaveOracle)
        {
            Assert.Equal(LoadedCounts(zero, ServerKind.Redis), LoadedCounts(zero, ServerKind.Target));
            Assert.True(Redis([.. s_base.Value, .. "garbage"u8.ToArray()]).Loaded);
        }
    }

    sealed record Counts(string Loaded, string Expired, string DbSize0, string DbSize1, string GoneReply);

    /// <summary>Starts the server on the file and reads what it loaded.</summary>
    static Counts LoadedCounts(byte[] file, ServerKind kind)
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "dump.rdb"), file);
            using var s = ServerProcess.Start(kind, 2, "--dir", dir);
            using var c = s.Connect();
            string loaded = SnapshotTests.Info(c, "rdb_last_load_keys_loaded");
            string expired = SnapshotTests.Info(c, "rdb_last_load_keys_expired");
            string db0 = c.CallText("DBSIZE");
            c.Call("SELECT", "1");
            return new Counts(loaded, expired, db0, c.CallText("DBSIZE"), c.CallText("GET", "gone-ms"));
        }
        finally { Directory.Delete(dir, true); }
    }

    // ---- Redis's own corrupt fixtures ----

    [Fact]
    public void RedisCorruptFixtures_GiveRedisOutcome()
    {
        string oracle = ServerLocator.RequireOracle();
        if (!s_collectionsLoad.Value)
            Assert.Skip("this build's RDB value loader reads strings only (the temporary stub); Redis's corrupt_*.rdb fixtures hold collections");
        string fixtures = Path.Combine(Path.GetDirectoryName(oracle)!, "fixtures");
        string[] files = Directory.Exists(fixtures) ? Directory.GetFiles(fixtures, "corrupt_*.rdb") : [];
        if (files.Length == 0) Assert.Skip("no corrupt_*.rdb fixtures beside the oracle (" + fixtures + ")");
        foreach (string path in files)
        {
            byte[] file = File.ReadAllBytes(path);
            LoadOutcome redis = Redis(file), fk = Target(file, mayLoad: true);
            Assert.True(redis.Essential == fk.Essential, $"{Path.GetFileName(path)}: Redis 7.2.4 \"{redis.Essential}\", FastKv \"{fk.Essential}\"\n{fk}");
            // rdbReportError's last line, on both or neither.
            const string Terminating = "Terminating server after rdb file reading failure.";
            Assert.True(redis.Output.Contains(Terminating) == fk.Output.Contains(Terminating),
                $"{Path.GetFileName(path)}: \"{Terminating}\" printed by Redis {redis.Output.Contains(Terminating)}, by FastKv\n{fk}");
        }
    }
}
