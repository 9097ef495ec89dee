using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;
using static FastKv.Server.Tests.Persistence.RdbRoundTripData;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// Redis's own RDB fixtures loaded at startup (persistence design 6, item 3): each is copied as dump.rdb into a fresh
/// directory, FastKv starts on it at --threads 1 and 4, and the keys, values and encodings are the ones Redis's tests
/// expect (tests/integration/convert-*-on-load.tcl, rdb.tcl), under the default thresholds and with the relevant ones
/// set to 1 on the command line; Redis 7.2.4 started on the same file must give the same replies. The corrupt ziplist
/// is refused at startup, as Redis refuses it.
/// </summary>
public class RdbFixtureLoadTests
{
    static string Fixtures()
    {
        string dir = Path.Combine(Path.GetDirectoryName(ServerLocator.RequireOracle())!, "fixtures");
        if (!Directory.Exists(dir)) Assert.Skip("Redis's fixtures are not beside the oracle");
        return dir;
    }

    /// <summary>A fresh directory holding <paramref name="fixture"/> as dump.rdb.</summary>
    static string DirWith(string fixture)
    {
        string file = Path.Combine(Fixtures(), fixture);
        if (!File.Exists(file)) Assert.Skip("Redis's fixture " + fixture + " is not beside the oracle");
        string dir = SnapshotTests.NewDir();
        File.Copy(file, Path.Combine(dir, "dump.rdb"));
        return dir;
    }

    /// <summary>The thresholds Redis's tests set to 1 to force the conversion on load.</summary>
    static readonly string[] ThresholdsOfOne =
    {
        "--hash-max-listpack-entries", "1", "--zset-max-listpack-entries", "1", "--set-max-intset-entries", "1",
        "--set-max-listpack-entries", "1", "--list-max-listpack-size", "1",
    };

    public static IEnumerable<TheoryDataRow<string, bool>> Loadable()
    {
        foreach (string f in new[] { "hash-zipmap.rdb", "hash-ziplist.rdb", "zset-ziplist.rdb", "list-quicklist.rdb", "encodings.rdb", "scriptbackup.rdb", "corrupt_empty_keys.rdb" })
            foreach (bool ones in new[] { false, true })
                yield return new(f, ones);
    }

    [Theory]
    [MemberData(nameof(Loadable))]
    public void Fixture_LoadsWithTheKeysRedisExpects(string fixture, bool thresholdsOfOne)
    {
        string[] config = thresholdsOfOne ? ThresholdsOfOne : [];
        string dir = DirWith(fixture);
        try
        {
            using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, ["--dir", dir, .. config]);
            using RespConnection r = redis.Connect();
            Expect(r, fixture, thresholdsOfOne, "Redis 7.2.4");
            if (fixture == "scriptbackup.rdb") Assert.Equal("*1\r\n:0\r\n", r.CallText("SCRIPT", "EXISTS", ScriptInBackup));
            foreach (int threads in new[] { 1, 4 })
            {
                using ServerProcess fastkv = SnapshotTests.StartIn(dir, threads, config);
                using RespConnection f = fastkv.Connect();
                string context = $"{fixture}{(thresholdsOfOne ? " (thresholds 1)" : "")} at --threads {threads}";
                Expect(f, fixture, thresholdsOfOne, context);
                Compare(r, f, r, AccessBits.None, context);
            }
            // Nothing was written into the directory: the file is as it came.
            Assert.Equal(File.ReadAllBytes(Path.Combine(Fixtures(), fixture)), File.ReadAllBytes(Path.Combine(dir, "dump.rdb")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>The SHA1 of the script scriptbackup.rdb carries as a "lua" AUX field, which Redis 7 no longer loads.</summary>
    const string ScriptInBackup = "a0c38691e69ffe8e6ae1d8dc0e4ff5a0ac1dab8e";

    /// <summary>What Redis's tests assert about each fixture, checked on <paramref name="c"/>.</summary>
    static void Expect(RespConnection c, string fixture, bool ones, string context)
    {
        string Enc(string key) => Resp.Parse(c.Call("OBJECT", "ENCODING", key)).Text ?? "(nil)";
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
        switch (fixture)
        {
            case "hash-zipmap.rdb":
            case "hash-ziplist.rdb":
                Assert.True(Enc("hash") == (ones ? "hashtable" : "listpack"), $"{context}: hash is {Enc("hash")}");
                Assert.Equal(":2\r\n", c.CallText("HLEN", "hash"));
                Assert.Equal("*2\r\n$2\r\nv1\r\n$2\r\nv2\r\n", c.CallText("HMGET", "hash", "f1", "f2"));
                break;
            case "zset-ziplist.rdb":
                Assert.True(Enc("zset") == (ones ? "skiplist" : "listpack"), $"{context}: zset is {Enc("zset")}");
                Assert.Equal(":2\r\n", c.CallText("ZCARD", "zset"));
                Assert.Equal("*4\r\n$3\r\none\r\n$1\r\n1\r\n$3\r\ntwo\r\n$1\r\n2\r\n", c.CallText("ZRANGE", "zset", "0", "-1", "WITHSCORES"));
                break;
            case "list-quicklist.rdb":
                // rdb.tcl "test old version rdb file": a 4.0 quicklist of ziplists becomes a listpack list.
                Assert.Equal("$1\r\n7\r\n", c.CallText("GET", "x"));
                Assert.True(Enc("list") == "listpack", $"{context}: list is {Enc("list")}");
                Assert.Equal(":1\r\n", c.CallText("LLEN", "list"));
                Assert.Equal("*1\r\n$1\r\n7\r\n", c.CallText("LRANGE", "list", "0", "-1"));
                break;
            case "encodings.rdb":
                ExpectEncodings(c, context);
                break;
            case "scriptbackup.rdb":
                // rdb.tcl "script won't load anymore if it's in rdb": the "lua" AUX field is skipped (SCRIPT EXISTS on
                // Redis above; FastKv has no scripting yet), and the file holds no key.
                Assert.Equal(":0\r\n", c.CallText("DBSIZE"));
                break;
            case "corrupt_empty_keys.rdb":
                // rdb.tcl "corrupt payload: load corrupted rdb with empty keys": every key is empty, so none is loaded.
                Assert.Equal(":0\r\n", c.CallText("DBSIZE"));
                break;
        }
    }

    /// <summary>rdb.tcl "RDB encoding loading test": the csvdump of database 0 (set members and hash fields sorted).</summary>
    static void ExpectEncodings(RespConnection c, string context)
    {
        string[] list = { "1", "2", "3", "a", "b", "c", "100000", "6000000000" };
        var expected = new Dictionary<string, (string Type, string[] Value)>
        {
            ["compressible"] = ("string", new[] { new string('a', 137) }),
            ["hash"] = ("hash", new[] { "a", "1", "aa", "10", "aaa", "100", "b", "2", "bb", "20", "bbb", "200", "c", "3", "cc", "30", "ccc", "300", "ddd", "400", "eee", "5000000000" }),
            ["hash_zipped"] = ("hash", new[] { "a", "1", "b", "2", "c", "3" }),
            ["list"] = ("list", list.Concat(list).Concat(list).ToArray()),
            ["list_zipped"] = ("list", list),
            ["number"] = ("string", new[] { "10" }),
            ["set"] = ("set", new[] { "1", "100000", "2", "3", "6000000000", "a", "b", "c" }),
            ["set_zipped_1"] = ("set", new[] { "1", "2", "3", "4" }),
            ["set_zipped_2"] = ("set", new[] { "100000", "200000", "300000", "400000" }),
            ["set_zipped_3"] = ("set", new[] { "1000000000", "2000000000", "3000000000", "4000000000", "5000000000", "6000000000" }),
            ["string"] = ("string", new[] { "Hello World" }),
            ["zset"] = ("zset", new[] { "a", "1", "b", "2", "c", "3", "aa", "10", "bb", "20", "cc", "30", "aaa", "100", "bbb", "200", "ccc", "300", "aaaa", "1000", "cccc", "123456789", "bbbb", "5000000000" }),
            ["zset_zipped"] = ("zset", new[] { "a", "1", "b", "2", "c", "3" }),
        };
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), Keys(c));
        foreach ((string key, (string type, string[] value)) in expected)
        {
            Assert.True(Resp.Parse(c.Call("TYPE", key)).Text == type, $"{context}: {key} is not a {type}");
            List<string> got = type switch
            {
                "string" => new List<string> { Resp.Parse(c.Call("GET", key)).Text! },
                "list" => Texts(c.Call("LRANGE", key, "0", "-1")),
                "set" => Texts(c.Call("SMEMBERS", key)).Order(StringComparer.Ordinal).ToList(),
                "zset" => Texts(c.Call("ZRANGE", key, "0", "-1", "WITHSCORES")),
                _ => SortedPairs(Texts(c.Call("HGETALL", key))),
            };
            Assert.True(value.SequenceEqual(got), $"{context}: {key} holds {string.Join(',', got)}");
        }
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
    }

    static List<string> Texts(byte[] reply) => Resp.Parse(reply).Items!.Select(i => i.Text!).ToList();

    static List<string> SortedPairs(List<string> flat)
        => Enumerable.Range(0, flat.Count / 2).OrderBy(i => flat[2 * i], StringComparer.Ordinal).SelectMany(i => new[] { flat[2 * i], flat[2 * i + 1] }).ToList();

    /// <summary>
    /// corrupt_ziplist.rdb holds a hash ziplist whose integrity check fails: Redis 7.2.4 logs it and exits 1 at
    /// startup; FastKv must refuse it too, with a non-zero exit and without touching the file.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void CorruptZiplist_IsRefusedAtStartup_AsRedisRefusesIt(int threads)
    {
        string dir = DirWith("corrupt_ziplist.rdb");
        try
        {
            string file = Path.Combine(dir, "dump.rdb");
            byte[] original = File.ReadAllBytes(file);
            var redis = ProcessRunner.Run(ServerLocator.RequireOracle(), ["--port", PortAllocator.Next().ToString(), "--bind", "127.0.0.1", "--dir", dir, "--save", ""],
                (string?)null, TimeSpan.FromSeconds(60));
            Assert.True(redis.ExitCode != 0 && redis.StdOut.Contains("ziplist integrity check failed", StringComparison.Ordinal), "Redis: " + redis);

            LaunchCommand launch = ServerLocator.Resolve(ServerKind.Target);
            string[] args = [.. launch.PrefixArgs, "--port", PortAllocator.Next().ToString(), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
                .. (launch.IsRedis ? Array.Empty<string>() : new[] { "--threads", threads.ToString() })];
            var fastkv = ProcessRunner.Run(launch.FileName, args, (string?)null, TimeSpan.FromSeconds(60));
            Assert.True(fastkv.ExitCode != 0, "FastKv started on a corrupt ziplist: " + fastkv);
            Assert.Equal(original, File.ReadAllBytes(file));
            Assert.Equal(new[] { "dump.rdb" }, Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
