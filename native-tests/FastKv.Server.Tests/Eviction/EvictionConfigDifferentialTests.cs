using System.Collections.Generic;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Eviction;

/// <summary>
/// CONFIG SET and CONFIG GET of every eviction setting against Redis 7.2.4, byte for byte, at --threads 1 and 4:
/// each value is set on both servers, then read back, so a value accepted with another spelling (1k is 1000, 1kb
/// 1024, ALLKEYS-LRU is allkeys-lru) and a refused value that must leave the old one are both compared. Every
/// test puts Redis's defaults back so the servers of the class stay usable.
/// </summary>
public class EvictionConfigDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int>> Threads() => [new(1), new(4)];

    DualSession Session(int threads, string context) =>
        new(servers.Oracle.Server, servers.TargetWithThreads(threads).Server) { Context = $"{context}, --threads {threads}" };

    /// <summary>Sets each value on both servers and reads the setting back after each one.</summary>
    static void SetAndGet(DualSession s, string name, IEnumerable<string> values)
    {
        try
        {
            s.Check("CONFIG", "GET", name);
            foreach (string v in values)
            {
                s.Check("CONFIG", "SET", name, v);
                s.Check("CONFIG", "GET", name);
            }
        }
        finally
        {
            foreach (RespConnection c in new[] { s.Oracle, s.Target })
                c.Call(ServerReadings.EvictionDefaults);
        }
    }

    /// <summary>
    /// Redis's memory units: k/m/g are powers of 1000, kb/mb/gb of 1024, any case, a trailing b is bytes; the value
    /// is an unsigned 64-bit number (2^63 and 2^64-1 are accepted); a sign, a fraction, a space, an unknown unit
    /// are "argument must be a memory value". The large values are set while nothing is stored, and the small ones
    /// leave the server over its limit with noeviction, which only refuses writes.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void MaxMemory_UnitsAndBadValues(int threads)
    {
        using DualSession s = Session(threads, "maxmemory");
        SetAndGet(s, "maxmemory",
        [
            "1k", "1kb", "1m", "1mb", "1g", "1gb", "1K", "1KB", "1Kb", "1Mb", "1GB", "1b", "1B", "123456", "0", "64mb", "1024gb",
            "-1", "-1k", "-0", "abc", "1.5", "1.5gb", "1t", "1tb", "1kbb", "k", " 1k", "1k ", "+1", "0x10",
            "9223372036854775807", "9223372036854775808", "8589934592gb", "18446744073709551615", "",
        ]);
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void MaxMemoryPolicy_EveryPolicyAnyCaseAndBadNames(int threads)
    {
        using DualSession s = Session(threads, "maxmemory-policy");
        SetAndGet(s, "maxmemory-policy",
        [
            "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random",
            "noeviction", "ALLKEYS-LFU", "Volatile-Ttl", "NoEviction", "bogus", "", "allkeys", "lru", "allkeys-lru ",
            "allkeys_lru", "volatile-lru,allkeys-lru", "noeviction",
        ]);
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void MaxMemorySamples_RangeEdges(int threads)
    {
        using DualSession s = Session(threads, "maxmemory-samples");
        SetAndGet(s, "maxmemory-samples",
            ["1", "0", "-1", "10", "64", "65", "2147483647", "2147483648", "abc", "1k", "", "5.0", "5"]);
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void MaxMemoryEvictionTenacity_RangeEdges(int threads)
    {
        using DualSession s = Session(threads, "maxmemory-eviction-tenacity");
        SetAndGet(s, "maxmemory-eviction-tenacity", ["0", "100", "101", "-1", "50", "abc", "", "10"]);
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void LfuLogFactorAndDecayTime_RangeEdges(int threads)
    {
        using DualSession s = Session(threads, "lfu-log-factor / lfu-decay-time");
        string[] values = ["0", "1", "-1", "2147483647", "2147483648", "abc", "1k", "", "100"];
        SetAndGet(s, "lfu-log-factor", values);
        SetAndGet(s, "lfu-decay-time", values);
    }

    /// <summary>A memory value or a percentage of maxmemory (0% reads back as 0, above 100% is its own error).</summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void MaxMemoryClients_BytesPercentAndBadValues(int threads)
    {
        using DualSession s = Session(threads, "maxmemory-clients");
        SetAndGet(s, "maxmemory-clients",
        [
            "1k", "1kb", "1mb", "1gb", "4096", "10%", "100%", "1%", "0%", "101%", "1000%", "-1", "-1%", "abc", "1.5%", "5%%",
            "%", "1kb%", "", "0",
        ]);
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void LazyfreeLazyEviction_YesNo(int threads)
    {
        using DualSession s = Session(threads, "lazyfree-lazy-eviction");
        SetAndGet(s, "lazyfree-lazy-eviction", ["yes", "no", "YES", "No", "maybe", "1", "0", "", "no"]);
    }

    /// <summary>Several eviction settings in one CONFIG SET: all applied, or none when one value is bad.</summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void SeveralSettingsInOneSet_AllOrNothing(int threads)
    {
        using DualSession s = Session(threads, "several eviction settings");
        try
        {
            s.Check("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu", "maxmemory-samples", "10", "lfu-log-factor", "20");
            s.Check("CONFIG", "SET", "maxmemory-policy", "volatile-ttl", "maxmemory-samples", "0");
            s.Check("CONFIG", "SET", "maxmemory-eviction-tenacity", "20", "maxmemory-policy", "nope");
            s.Check("CONFIG", "SET", "maxmemory", "1gb", "maxmemory", "2gb");
            foreach (string name in new[] { "maxmemory-policy", "maxmemory-samples", "lfu-log-factor", "maxmemory-eviction-tenacity", "maxmemory" })
                s.Check("CONFIG", "GET", name);
            string[] several = ["CONFIG", "GET", "maxmemory-eviction-tenacity", "MAXMEMORY-POLICY", "Lfu-Decay-Time", "*lfu*", "maxmemory*"];
            Assert.Equal(ServerReadings.ConfigMap(s.Oracle.Call(several)), ServerReadings.ConfigMap(s.Target.Call(several)));
        }
        finally
        {
            foreach (RespConnection c in new[] { s.Oracle, s.Target })
                c.Call(ServerReadings.EvictionDefaults);
        }
    }
}
