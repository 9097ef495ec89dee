using System;
using System.Numerics;

namespace FastKv.Engine;

/// <summary>
/// One command's latency histogram, counted as Redis 7.2 counts it: an HdrHistogram of call durations in ns with a
/// lowest discernible value of 1 and 2 significant digits (256 sub-buckets: a unit of 1 ns below 256 ns that doubles
/// with each power of two above), durations (whole us, as ns) clamped to 1 ns .. 1 s, one counter per sub-bucket. From it come LATENCY
/// HISTOGRAM (log-2 levels, fillCommandCDF) and INFO latencystats (hdr_value_at_percentile): "1.003" is the highest
/// value of the sub-bucket holding 1000 ns.
/// </summary>
public static class LatencyHistogram
{
    /// <summary>Redis's LATENCY_HISTOGRAM_MIN/MAX_VALUE: a call measured as 0 us is recorded as 1 ns.</summary>
    const long Lowest = 1, Highest = 1_000_000_000;
    const int UnitMagnitude = 0;              // floor(log2(lowest discernible value, 1))
    const int SubBucketCount = 256;           // 2^ceil(log2(2 * 10^2))
    const int SubBucketHalfCount = 128, SubBucketHalfCountMagnitude = 7;
    const long SubBucketMask = (long)(SubBucketCount - 1) << UnitMagnitude;
    /// <summary>Buckets needed to reach <see cref="Highest"/>: 256 * 2^22 > 10^9.</summary>
    const int BucketCount = 23;
    /// <summary>Counters per command.</summary>
    public const int Counts = (BucketCount + 1) * SubBucketHalfCount;

    /// <summary>LATENCY HISTOGRAM's levels: 2^10 .. 2^30 ns.</summary>
    public const int FirstLevel = 10;
    public const int Levels = 21;

    /// <summary>Adds a call of <paramref name="micros"/> us (Redis clamps it to 1 ns .. 1 s); the counters are allocated on the first call.</summary>
    public static void Record(ref long[]? counts, long micros)
    {
        counts ??= new long[Counts];
        counts[IndexOf(Math.Clamp(micros * 1000, Lowest, Highest))]++;
    }

    static int BucketOf(long value) =>
        64 - BitOperations.LeadingZeroCount((ulong)(value | SubBucketMask)) - UnitMagnitude - (SubBucketHalfCountMagnitude + 1);

    static int IndexOf(long value)
    {
        int bucket = BucketOf(value);
        int sub = (int)(value >> (bucket + UnitMagnitude));
        return ((bucket + 1) << SubBucketHalfCountMagnitude) + (sub - SubBucketHalfCount);
    }

    /// <summary>The lowest value counted at counter <paramref name="index"/>.</summary>
    static long ValueAt(int index)
    {
        int bucket = (index >> SubBucketHalfCountMagnitude) - 1;
        int sub = (index & (SubBucketHalfCount - 1)) + SubBucketHalfCount;
        if (bucket < 0)
        {
            sub -= SubBucketHalfCount;
            bucket = 0;
        }
        return (long)sub << (bucket + UnitMagnitude);
    }

    static long LowestEquivalent(long value)
    {
        int bucket = BucketOf(value);
        int sub = (int)(value >> (bucket + UnitMagnitude));
        return (long)sub << (bucket + UnitMagnitude);
    }

    static long HighestEquivalent(long value)
    {
        int bucket = BucketOf(value);
        int sub = (int)(value >> (bucket + UnitMagnitude));
        int adjusted = sub >= SubBucketCount ? bucket + 1 : bucket;
        return LowestEquivalent(value) + (1L << (UnitMagnitude + adjusted)) - 1;
    }

    /// <summary>hdr_value_at_percentile, in ns: the highest value of the counter where the percentile's count is reached (the lowest for 0).</summary>
    public static long ValueAtPercentile(long[] counts, double percentile)
    {
        long total = 0;
        foreach (long n in counts) total += n;
        double p = Math.Min(percentile, 100.0);
        long wanted = Math.Max((long)(p / 100 * total + 0.5), 1);
        long seen = 0, value = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen < wanted) continue;
            value = ValueAt(i);
            break;
        }
        return percentile == 0.0 ? LowestEquivalent(value) : HighestEquivalent(value);
    }

    /// <summary>
    /// Highest value (ns) counted at level index <paramref name="i"/> (2^(10+i) ns). Redis's log iterator stops at the
    /// histogram's last counter, so the 2^30 level reads as that counter's highest value (1073741823 ns).
    /// </summary>
    public static long LevelHighest(int i) => Math.Min(HighestEquivalent(1L << (FirstLevel + i)), HighestEquivalent(ValueAt(Counts - 1)));

    /// <summary>The counters gathered into LATENCY HISTOGRAM's levels: a counter goes to the first level whose highest value covers it.</summary>
    public static long[] ToLevels(long[] counts)
    {
        var levels = new long[Levels];
        int level = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0) continue;
            long top = HighestEquivalent(ValueAt(i));
            while (level < Levels - 1 && top > LevelHighest(level)) level++;
            levels[level] += counts[i];
        }
        return levels;
    }
}
