using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FastKv.Engine;
using FastKv.Tests.Rdb;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// Redis's own RDB fixtures (versions 3-10: zipmap, ziplists, quicklists, every 7.x encoding, a corrupt ziplist,
/// empty keys) cut into records with TryMeasureValue, which must agree with an independent walk and end exactly at
/// EOF and the file's CRC; each value then loads (or is refused, for the corrupt ones) with RdbDecode.Load.
/// </summary>
public unsafe class RdbFixtureTests
{
    static string FixturesDir()
    {
        string? env = Environment.GetEnvironmentVariable("FASTKV_ORACLE");
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(env))
        {
            string d = File.Exists(env) ? Path.GetDirectoryName(env)! : env;
            candidates.Add(Path.Combine(d, "fixtures"));
            candidates.Add(Path.Combine(d, "redis-7.2.4", "fixtures"));
        }
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "FastKv.sln"))) dir = dir.Parent;
        if (dir != null) candidates.Add(Path.Combine(dir.FullName, "..", "shared", "oracle", "redis-7.2.4", "fixtures"));
        foreach (string c in candidates)
            if (Directory.Exists(c)) return Path.GetFullPath(c);
        Assert.Skip("Redis's RDB fixtures were not found (" + string.Join(", ", candidates) + ")");
        return "";
    }

    public static TheoryData<string> Fixtures => new()
    {
        "encodings.rdb", "hash-zipmap.rdb", "hash-ziplist.rdb", "list-quicklist.rdb", "zset-ziplist.rdb",
        "corrupt_empty_keys.rdb", "corrupt_ziplist.rdb",
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixture_FramesExactly_AndEveryValueLoadsOrIsRefusedAsRedisDoes(string name)
    {
        byte[] file = File.ReadAllBytes(Path.Combine(FixturesDir(), name));
        List<RdbRecord> records = RdbFileRecords.Read(file, RdbDecode.TryMeasureValue, out int version);
        Assert.NotEmpty(records);
        if (version >= 5)
        {
            ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(file.Length - 8));
            Assert.True(stored == 0 || stored == Crc64.Update(0, file.AsSpan(0, file.Length - 8)));
        }
        foreach (RdbRecord r in records)
        {
            Assert.True(RdbFileRecords.WalkValue(r.Value, r.Type, out int walked));
            Assert.Equal(r.Value.Length, walked);
            for (int cut = 0; cut < r.Value.Length; cut++) Assert.False(RdbDecode.TryMeasureValue(r.Value.AsSpan(0, cut), r.Type, out _));
        }

        using var h = new EngineHarness();
        Shard shard = h.Server.Shards[0];
        var results = new List<RdbLoadResult>();
        foreach (RdbRecord r in records)
        {
            results.Add(RdbDecode.Load(shard, shard.Dbs[r.Db], r.Key, r.Type, r.Value, -1, replace: false, out _));
            if (results[^1] == RdbLoadResult.Ok)
                Assert.False(h.Run(EngineHarness.Command("SELECT", r.Db.ToString())).StartsWith('-'));
        }
        if (name == "corrupt_empty_keys.rdb") Assert.All(results, r => Assert.Equal(RdbLoadResult.EmptyKey, r));
        else if (name == "corrupt_ziplist.rdb") Assert.Contains(RdbLoadResult.BadFormat, results);
        else Assert.All(results, r => Assert.Equal(RdbLoadResult.Ok, r));
    }
}
