using System.Diagnostics;
using System.Numerics;

namespace FastKv.Memory;

// Sampling for eviction: a few entries close together, as Redis's dictGetSomeKeys takes them.
public sealed unsafe partial class KeyTable
{
    /// <summary>Segments a sample walks past (empty ones) before it settles for what it has.</summary>
    const int SampleSegmentSteps = 16;

    /// <summary>
    /// Writes up to <paramref name="max"/> entries into <paramref name="dst"/> and returns how many: the occupied
    /// slots from a random bucket of a random segment onwards, continuing into the next segments when one runs
    /// out. The start is uniform over the hash space, so every entry is about equally likely to lead a sample,
    /// and the sample costs a few adjacent cache lines instead of one miss per entry. Entries may repeat only
    /// when the table holds fewer than <paramref name="max"/>. Returns 0 only when the table is empty.
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
                    while (occupied != 0 && n < max)
                    {
                        int i = BitOperations.TrailingZeroCount(occupied);
                        occupied &= occupied - 1;
                        dst[n++] = Slots(bucket)[i];
                    }
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
}
