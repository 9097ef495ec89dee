using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Eviction;

/// <summary>
/// INFO memory and INFO stats against Redis 7.2.4 at --threads 1 and 4: every field name the oracle gives is
/// present (names only: the values are measurements), and the eviction fields follow the config: maxmemory and
/// maxmemory_human (Redis's bytesToHuman) after each CONFIG SET, maxmemory_policy for every policy, and
/// evicted_keys counting exactly the keys eviction removed.
/// </summary>
public class EvictionInfoFieldsTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int>> Threads() => [new(1), new(4)];

    [Theory]
    [MemberData(nameof(Threads))]
    public void InfoMemoryAndStats_HaveEveryFieldRedisHas(int threads)
    {
        using RespConnection oracle = servers.Oracle.Server.Connect();
        using RespConnection target = servers.TargetWithThreads(threads).Server.Connect();
        foreach (string section in new[] { "memory", "stats" })
        {
            List<string> expected = ServerReadings.Info(oracle, section).Keys.ToList();
            Dictionary<string, string> actual = ServerReadings.Info(target, section);
            Assert.True(expected.Count > 20, $"the oracle's INFO {section} has only {expected.Count} fields");
            string[] missing = expected.Where(f => !actual.ContainsKey(f)).ToArray();
            Assert.True(missing.Length == 0, $"INFO {section} at --threads {threads} lacks Redis's fields: {string.Join(", ", missing)}");
        }
    }

    /// <summary>maxmemory, maxmemory_human and maxmemory_policy read back what CONFIG SET stored, as Redis prints them.</summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void MaxMemoryFields_FollowConfig(int threads)
    {
        using RespConnection oracle = servers.Oracle.Server.Connect();
        using RespConnection target = servers.TargetWithThreads(threads).Server.Connect();
        try
        {
            // Large limits only: nothing is evicted and no write is refused while these are set.
            foreach (string limit in new[] { "0", "1gb", "1000000000", "1536mb", "1023gb", "1024gb", "1099511627775", "1125899906842624", "1152921504606846976", "9223372036854775807" })
            {
                foreach (RespConnection c in new[] { oracle, target })
                    Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CONFIG", "SET", "maxmemory", limit)));
                Dictionary<string, string> expected = ServerReadings.Info(oracle, "memory"), actual = ServerReadings.Info(target, "memory");
                foreach (string field in new[] { "maxmemory", "maxmemory_human", "maxmemory_policy" })
                    Assert.Equal($"maxmemory {limit}: {field}:{expected[field]}", $"maxmemory {limit}: {field}:{actual[field]}");
            }
            foreach (string policy in new[] { "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "NoEviction" })
            {
                foreach (RespConnection c in new[] { oracle, target })
                    Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CONFIG", "SET", "maxmemory-policy", policy)));
                Assert.Equal(ServerReadings.Info(oracle, "memory")["maxmemory_policy"], ServerReadings.Info(target, "memory")["maxmemory_policy"]);
            }
        }
        finally
        {
            oracle.Call(ServerReadings.EvictionDefaults);
            target.Call(ServerReadings.EvictionDefaults);
        }
    }

    /// <summary>
    /// The smallest maxmemory values print in bytes and K as Redis does; set while the database is empty so the
    /// server being over the limit changes nothing.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void MaxMemoryHuman_SmallValues(int threads)
    {
        using RespConnection oracle = servers.Oracle.Server.Connect();
        using RespConnection target = servers.TargetWithThreads(threads).Server.Connect();
        try
        {
            foreach (string limit in new[] { "1", "1000", "1023", "1024", "1536", "1048575", "1mb", "64mb", "1000000" })
            {
                foreach (RespConnection c in new[] { oracle, target })
                    Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CONFIG", "SET", "maxmemory", limit)));
                Dictionary<string, string> expected = ServerReadings.Info(oracle, "memory"), actual = ServerReadings.Info(target, "memory");
                Assert.Equal($"maxmemory:{expected["maxmemory"]} maxmemory_human:{expected["maxmemory_human"]}",
                    $"maxmemory:{actual["maxmemory"]} maxmemory_human:{actual["maxmemory_human"]}");
            }
        }
        finally
        {
            oracle.Call(ServerReadings.EvictionDefaults);
            target.Call(ServerReadings.EvictionDefaults);
        }
    }

    /// <summary>
    /// evicted_keys starts at 0 after CONFIG RESETSTAT and counts every key eviction removed: with no TTLs and no
    /// deletes, the keys written minus the keys left. Checked on both servers (they agree on the relation, not on
    /// the count).
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void EvictedKeys_CountsTheKeysEvictionRemoved(int threads)
    {
        foreach (LazyServer server in new[] { servers.Oracle, servers.TargetWithThreads(threads) })
        {
            using RespConnection c = server.Server.Connect();
            try
            {
                Assert.Equal("+OK\r\n", Resp.AsString(c.Call("FLUSHALL")));
                Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CONFIG", "RESETSTAT")));
                Assert.Equal("0", ServerReadings.Info(c, "stats")["evicted_keys"]);
                long used = ServerReadings.InfoLong(c, "memory", "used_memory");
                // Room for about 2 MB of data above what the server uses empty; 8 MB are written.
                long limit = used + 2 * 1024 * 1024;
                Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CONFIG", "SET", "maxmemory-policy", "allkeys-random", "maxmemory", limit.ToString(CultureInfo.InvariantCulture))));
                int written = EvictionLoad.SetPipelined(c, "ek:", 0, 8192, 1024);
                // Every command may evict while the server is over its limit (DBSIZE and INFO too): lift the limit so
                // the two readings below see the same state.
                Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CONFIG", "SET", "maxmemory", "0")));
                long left = Resp.Parse(c.Call("DBSIZE")).Integer;
                long evicted = ServerReadings.InfoLong(c, "stats", "evicted_keys");
                Assert.True(evicted > 0, $"{server.Server.Description}: nothing evicted ({left} of {written} keys left)");
                Assert.Equal(written - left, evicted);
                Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CONFIG", "RESETSTAT")));
                Assert.Equal("0", ServerReadings.Info(c, "stats")["evicted_keys"]);
            }
            finally
            {
                c.Call(ServerReadings.EvictionDefaults);
                c.Call("FLUSHALL");
            }
        }
    }
}
