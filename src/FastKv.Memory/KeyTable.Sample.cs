using System.Diagnostics;
using System.Numerics;

namespace FastKv.Memory;

// Sampling for eviction: a few entries close together, as Redis's dictGetSomeKeys takes them.
public sealed unsafe partial class KeyTable
{
    /// <summary>Segments a sample walks past (empty ones) before it settles for what it has.</summary>
    const int SampleSegmentSteps = 16;

    /// <summary>
    /// Writes up to <paramref name="max"/> entries into <paramref name="dst"/> and returns how many: one entry from
    /// each occupied bucket, starting at a random bucket of a random segment and going on into the next segments
    /// when one runs out. The start is uniform over the hash space and the slot within each bucket is drawn at
    /// random (slot order follows insertion order, so taking a bucket's first slots would favour keys of one age),
    /// so the sample is close to independent draws while it costs a few adjacent cache lines instead of one miss
    /// per bucket. Returns 0 only when the table is empty.
    /// </summary>
    public int Sample(byte** dst, int max, ref ulong rngState)
    {
        Debug.Assert(_dir != null, "table disposed");
        if (_count == 0 || max <= 0) return 0;
        nuint len = (nuint)1 << _globalDepth;
        nuint d = DirIndex(NextRandom(ref rngState));
        int b = (int)(NextRandom(ref rngState) % BucketsPerSegment);
        int n = 0;
        for (int step = 0; step < SampleSegmentSteps && n < max; step++)
        {
            byte* seg = _dir[d];
            if (SegCount(seg) != 0)
            {
                for (int k = 0; k < BucketsPerSegment && n < max; k++)
                {
                    byte* bucket = Bucket(seg, b);
                    uint occupied = OccupiedMask(bucket);
                    if (occupied != 0) dst[n++] = Slots(bucket)[RandomSetBit(occupied, ref rngState)];
                    b = NextBucket(b);
                }
            }
            // On to the segment after this one's directory run, from its first bucket.
            nuint run = (nuint)1 << (_globalDepth - LocalDepth(seg));
            d = ((d & ~(run - 1)) + run) & (len - 1);
            b = 0;
        }
        if (n == 0) dst[n++] = RandomEntry(ref rngState);
        return n;
    }

    /// <summary>The index of a uniformly chosen set bit of <paramref name="mask"/> (not 0).</summary>
    static int RandomSetBit(uint mask, ref ulong rngState)
    {
        int count = BitOperations.PopCount(mask);
        int j = (int)((NextRandom(ref rngState) >> 32) * (ulong)count >> 32);
        for (; j > 0; j--) mask &= mask - 1;
        return BitOperations.TrailingZeroCount(mask);
    }
}
