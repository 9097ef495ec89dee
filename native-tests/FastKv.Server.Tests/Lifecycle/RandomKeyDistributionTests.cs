using System;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Server.Tests.Atomicity;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Lifecycle;

/// <summary>
/// RANDOMKEY gives every key of the database the same odds: two keys come back about half and half, whether
/// they share a shard or not, as from Redis 7.2.4 (threads = 0 runs that check on the oracle), and a larger
/// keyspace spread unevenly over the shards passes a chi-square test. Each case uses its own
/// database, so the counts cannot see another test's keys.
/// </summary>
public class RandomKeyDistributionTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    ServerProcess Server(int threads) => threads == 0 ? servers.Oracle.Server : servers.TargetWithThreads(threads).Server;

    /// <summary>Sends RANDOMKEY <paramref name="calls"/> times in one pipeline and counts the answers per key.</summary>
    static Dictionary<string, int> Sample(RespConnection c, int calls)
    {
        var batch = new List<byte>();
        byte[] one = Resp.EncodeCommand("RANDOMKEY");
        for (int i = 0; i < calls; i++) batch.AddRange(one);
        c.Send(batch.ToArray());
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < calls; i++)
        {
            RespValue v = Resp.Parse(c.ReadReply());
            string key = v.Data is null ? "(nil)" : Resp.AsString(v.Data);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    static void Fill(RespConnection c, string db, IEnumerable<string> keys)
    {
        c.Call("SELECT", db);
        c.Call("FLUSHDB");
        foreach (string k in keys) c.Call("SET", k, "v");
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(4, false)]
    [InlineData(4, true)]
    [InlineData(1, true)]
    public void TwoKeys_EachComesBackAboutHalfTheTime(int threads, bool sameShard)
    {
        using var c = Server(threads).Connect();
        string[] keys = sameShard ? ["{rk}a", "{rk}b"] : MultiKeyAtomicityTests.SpreadKeys("rk2:", 2);
        Fill(c, "5", keys);
        const int Calls = 2_000;
        Dictionary<string, int> counts = Sample(c, Calls);
        Assert.Equal(2, counts.Count);
        foreach (string k in keys)
        {
            int n = counts.GetValueOrDefault(k);
            // Binomial(2000, 0.5) has a deviation of 22: 45-55% is 4.5 deviations either way.
            Assert.True(n >= Calls * 45 / 100 && n <= Calls * 55 / 100,
                $"{k} came back {n} times out of {Calls} ({string.Join(", ", counts)})");
        }
    }

    /// <summary>
    /// FastKv only: Redis 7.2.4 itself fails this (chi-square about 1,400 here), as its dictGetFairRandomKey
    /// favours keys in short chains; FastKv's table samples every entry alike, and the shard is chosen by count.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ManyKeys_SpreadUnevenlyOverShards_AreUniform(int threads)
    {
        using var c = Server(threads).Connect();
        // 150 keys on one shard (a hash tag), 40 spread over all shards, 10 on another tag: the shards
        // hold very different counts, and a per-shard choice that ignored them would be far from uniform.
        var keys = new List<string>();
        for (int i = 0; i < 150; i++) keys.Add("{heavy}" + i.ToString(CultureInfo.InvariantCulture));
        keys.AddRange(MultiKeyAtomicityTests.SpreadKeys("rkspread:", 40));
        for (int i = 0; i < 10; i++) keys.Add("{light}" + i.ToString(CultureInfo.InvariantCulture));
        Fill(c, "6", keys);

        int calls = keys.Count * 60;
        Dictionary<string, int> counts = Sample(c, calls);
        double expected = (double)calls / keys.Count;
        double chi = 0;
        foreach (string k in keys)
        {
            double d = counts.GetValueOrDefault(k) - expected;
            chi += d * d / expected;
        }
        Assert.Equal(keys.Count, counts.Count);
        int df = keys.Count - 1;
        // Mean df, deviation sqrt(2 df) = 20: the bound is six deviations out.
        double bound = df + 6 * Math.Sqrt(2.0 * df);
        Assert.True(chi < bound, $"chi-square {chi:F1} over {df} degrees of freedom (bound {bound:F1})");
    }
}
