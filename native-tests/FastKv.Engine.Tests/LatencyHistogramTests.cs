using System;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// The per-command latency histogram against values Redis 7.2.4 reported (INFO latencystats, LATENCY HISTOGRAM on the
/// oracle): percentiles are the highest (p0: the lowest) value of the 2-digit HdrHistogram sub-bucket, and the
/// log-2 levels take each sub-bucket at the first level that covers it. A managed model (sorted durations) checks
/// the percentile rank over random samples.
/// </summary>
public class LatencyHistogramTests
{
    static long[] Of(params long[] micros)
    {
        long[]? counts = null;
        foreach (long us in micros) LatencyHistogram.Record(ref counts, us);
        return counts!;
    }

    [Theory]
    // One call: p50 and p100 at the top of its sub-bucket, p0 at its bottom (values the oracle printed, in ns).
    [InlineData(150_000, 50, 150_994_943)]
    [InlineData(150_000, 0, 149_946_368)]
    [InlineData(1, 50, 1_003)]        // 1 us: Redis's familiar "p50=1.003"
    [InlineData(0, 99, 1)]            // a call measured as 0 us is 1 ns: Redis prints "0.001"
    [InlineData(5_000_000, 50, 1_002_438_655)] // clamped down to 1 s
    [InlineData(30, 50, 30_079)]
    [InlineData(553, 0, 552_960)]
    public void OneCall_AtItsSubBucket(long micros, double percentile, long expectedNs)
    {
        Assert.Equal(expectedNs, LatencyHistogram.ValueAtPercentile(Of(micros), percentile));
    }

    [Fact]
    public void Percentiles_FollowTheRank_OfAManagedModel()
    {
        var rnd = new Random(3);
        for (int round = 0; round < 50; round++)
        {
            int n = rnd.Next(1, 500);
            var us = new long[n];
            for (int i = 0; i < n; i++) us[i] = rnd.Next(4) == 0 ? rnd.Next(1, 2_000_000) : rnd.Next(1, 300);
            long[] counts = Of(us);
            Array.Sort(us);
            foreach (double p in new[] { 0.0, 50, 90, 99, 99.9, 100 })
            {
                long rank = Math.Max((long)(p / 100 * n + 0.5), 1);
                long model = Math.Clamp(us[rank - 1] * 1000, 1000, 1_000_000_000);
                long got = LatencyHistogram.ValueAtPercentile(counts, p);
                // The model's value lies in the reported sub-bucket: within 1% below (2 digits) and never above.
                if (p == 0.0) Assert.InRange(model, got, got + got / 100 + 1);
                else Assert.InRange(model, got - got / 100 - 1, got);
            }
        }
    }

    [Fact]
    public void Levels_AsTheOracleCounted()
    {
        // SET calls of ~16, ~30 and ~60 us on the oracle gave histogram_usec 16:2, 33:3, 66:5 (cumulative).
        long[] levels = LatencyHistogram.ToLevels(Of(15, 16, 20, 30, 60, 64));
        Assert.Equal(2, levels[14 - LatencyHistogram.FirstLevel]); // 2^14 ns level: up to 16.511 us
        Assert.Equal(2, levels[15 - LatencyHistogram.FirstLevel]); // up to 33.023 us
        Assert.Equal(2, levels[16 - LatencyHistogram.FirstLevel]); // up to 66.047 us
        Assert.Equal(16_511, LatencyHistogram.LevelHighest(14 - LatencyHistogram.FirstLevel));
        Assert.Equal(1_031, LatencyHistogram.LevelHighest(0));
        // 1.4 us is past the 2^10 level (1.031 us) and counted at 2^11.
        Assert.Equal(0, LatencyHistogram.ToLevels(Of(1))[1]);
        // A call of a second or more: Redis's iterator ends at the last counter, 1073741823 ns.
        Assert.Equal(1_073_741_823, LatencyHistogram.LevelHighest(LatencyHistogram.Levels - 1));
        Assert.Equal(1, LatencyHistogram.ToLevels(Of(1_500_000))[LatencyHistogram.Levels - 1]);
    }
}
