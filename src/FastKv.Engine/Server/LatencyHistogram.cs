using System;

namespace FastKv.Engine;

/// <summary>
/// One command's latency histogram as Redis 7.2 reports it (LATENCY HISTOGRAM, fillCommandCDF): Redis records
/// each call's duration in an HdrHistogram (1 us to 1 s, 2 significant digits) and reports it through a log-2
/// iterator starting at 1024 ns. All that reply can show is, for each level 2^k ns (k = 10..30), how many calls
/// fell at or below that level's highest equivalent value, so that is what is counted here: one counter per level.
/// <para>
/// HdrHistogram with a lowest value of 1000 ns and 2 digits has 256 sub-buckets of 512 ns below 2^17 ns, and
/// doubles the unit for each power of two above; a level L = 2^k therefore covers values up to
/// L + unit(L) - 1 with unit(L) = 512 * 2^max(0, k - 16).
/// </para>
/// </summary>
public static class LatencyHistogram
{
    public const int FirstLevel = 10;
    public const int Levels = 21; // 2^10 .. 2^30 ns; Redis clamps durations to 1 s < 2^30 ns

    /// <summary>Highest value (ns) counted at level index <paramref name="i"/> (2^(10+i) ns).</summary>
    public static long HighestEquivalent(int i)
    {
        int k = FirstLevel + i;
        long unit = 512L << Math.Max(0, k - 16);
        return (1L << k) + unit - 1;
    }

    /// <summary>The level a call of <paramref name="micros"/> us is counted at (Redis clamps it to 1 us .. 1 s).</summary>
    public static int LevelOf(long micros)
    {
        long ns = Math.Clamp(micros * 1000, 1000, 1_000_000_000);
        int i = 0;
        while (i < Levels - 1 && ns > HighestEquivalent(i)) i++;
        return i;
    }

    /// <summary>Adds a call to the counters of one command (allocated on its first call).</summary>
    public static void Record(ref long[]? levels, long micros)
    {
        levels ??= new long[Levels];
        levels[LevelOf(micros)]++;
    }
}
