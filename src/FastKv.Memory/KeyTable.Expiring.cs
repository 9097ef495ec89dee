using System;
using System.Diagnostics;
using System.Numerics;

namespace FastKv.Memory;

// Entries with an expiry: the active expiry walk and volatile-* eviction's sampler.
//
// Every segment header counts its entries whose KeyEntry.HasExpire is set (KeyTable.Segment.cs draws it);
// TryPlace, RemoveAt and Replace keep it, so Insert, Remove, Split, Scan-with-remove and Clear do too, and
// _expiringCount is the sum over the segments. Both walks here read a segment's buckets only when that
// count is above 0: a table where few keys have a TTL costs them a header read per other segment, never a
// look at the keys without one.
public sealed unsafe partial class KeyTable
{
    /// <summary>Segments without an expiring entry one <see cref="ScanExpiring"/> call may pass over.</summary>
    const int MaxSegmentsSkippedPerScan = 1024;

    /// <summary>
    /// Like <see cref="Scan"/>, but visits only entries with an expiry. Segments whose expiring count is 0 are
    /// passed over by their header alone, at most <see cref="MaxSegmentsSkippedPerScan"/> per call, so one call
    /// stays bounded: it visits one segment that holds expiring entries, or none, and returns the next cursor
    /// (0 when the walk is complete). Same cursor as Scan: an entry that has an expiry for the whole walk is
    /// visited at least once.
    /// </summary>
    public uint ScanExpiring<TVisitor>(uint cursor, ref TVisitor visitor) where TVisitor : struct, IEntryVisitor
    {
        Debug.Assert(_dir != null, "table disposed");
        Debug.Assert(_globalDepth <= CursorBits);
        for (int skipped = 0; ; skipped++)
        {
            byte* seg = _dir[(nuint)((ulong)cursor >> (CursorBits - _globalDepth))];
            ulong span = 1UL << (CursorBits - LocalDepth(seg));
            ulong end = ((ulong)cursor & ~(span - 1)) + span;
            bool visit = SegExpiring(seg) != 0;
            if (visit) VisitSegment(seg, ref visitor, expiringOnly: true);
            if (end >= 1UL << CursorBits) return 0;
            cursor = (uint)end;
            if (visit || skipped == MaxSegmentsSkippedPerScan) return cursor;
        }
    }

    /// <summary>
    /// volatile-* eviction's sample: up to <paramref name="max"/> entries with an expiry, written to
    /// <paramref name="dst"/>, from the first segment at or after <paramref name="cursor"/> that holds any: one from
    /// each bucket that holds one (drawn at random among them), from a random first bucket. The cursor (a hash-prefix
    /// position, as <see cref="Scan"/>'s, so it survives splits) moves past that segment: successive samples sweep the
    /// segments with TTL keys in turn, and segments without any cost a header read, at most
    /// <see cref="MaxSegmentsSkippedPerScan"/> per call and one per segment per sweep, however rare TTL keys are. The
    /// eviction pool keeps the best candidates across samples, so a sweep rather than independent draws loses
    /// little. Returns 0 when the table has no expiring entry or this call's bound passed none.
    /// </summary>
    public int SampleExpiring(byte** dst, int max, ref uint cursor, ref ulong rngState)
    {
        Debug.Assert(_dir != null, "table disposed");
        if (_expiringCount == 0 || max <= 0) return 0;
        for (int skipped = 0; skipped <= MaxSegmentsSkippedPerScan; skipped++)
        {
            byte* seg = _dir[(nuint)((ulong)cursor >> (CursorBits - _globalDepth))];
            ulong span = 1UL << (CursorBits - LocalDepth(seg));
            ulong end = ((ulong)cursor & ~(span - 1)) + span;
            cursor = end >= 1UL << CursorBits ? 0 : (uint)end;
            if (SegExpiring(seg) == 0) continue;
            int n = 0;
            int b = (int)(NextRandom(ref rngState) % BucketsPerSegment);
            for (int k = 0; k < BucketsPerSegment && n < max; k++)
            {
                byte* bucket = Bucket(seg, b);
                uint occupied = OccupiedMask(bucket);
                uint expiring = 0;
                while (occupied != 0)
                {
                    int i = BitOperations.TrailingZeroCount(occupied);
                    occupied &= occupied - 1;
                    if (KeyEntry.HasExpire(Slots(bucket)[i])) expiring |= 1u << i;
                }
                if (expiring != 0) dst[n++] = Slots(bucket)[RandomSetBit(expiring, ref rngState)];
                b = NextBucket(b);
            }
            return n;
        }
        return 0;
    }

    /// <summary>Slot probes <see cref="RandomExpiringEntry"/> tries before the weighted walk.</summary>
    const int ExpiringProbes = 64;

    /// <summary>Directory entries the weighted walk of <see cref="RandomExpiringEntry"/> reads once it has a candidate.</summary>
    const int ExpiringWindow = 4096;

    /// <summary>
    /// A random entry that has an expiry (volatile-* eviction's sample), or null when the table has none.
    /// <paramref name="rngState"/> is an xorshift64 state the caller keeps. Never reads a bucket of a segment
    /// whose expiring count is 0.
    /// <para>
    /// Where expiring entries fill at least one slot in 16, slot probes: a uniform segment (a random directory
    /// entry, kept only when it is its segment's first), passed over by its header when its count is 0, then a
    /// uniform slot, kept when it holds an expiring entry. Every expiring entry has the same odds per probe, so
    /// the answer is uniform; 64 probes all miss with odds under 2%.
    /// </para>
    /// <para>
    /// Otherwise (few TTL keys, or the probes missed) a weighted walk: segment headers in directory order,
    /// one picked with odds proportional to its expiring count (a one-pass weighted reservoir), then the n-th
    /// expiring entry of that segment for a uniform n. That is exactly uniform when the directory has at most
    /// 4,096 entries (about 3M keys). A larger directory is read from a random place for 4,096 entries (more
    /// only while none of them holds an expiring entry): the answer stays among the keys with a TTL and close
    /// to uniform, and one call costs at most 4,096 directory reads, the headers of the segments they name and
    /// one segment's entries, whatever the table's size, unless TTL keys are so rare that finding one needs
    /// the walk to go on (at most the whole directory once).
    /// </para>
    /// </summary>
    public byte* RandomExpiringEntry(ref ulong rngState)
    {
        Debug.Assert(_dir != null, "table disposed");
        if (_expiringCount == 0) return null;
        if (_expiringCount * 16 >= (long)_segmentCount * SlotsPerSegment)
        {
            for (int attempt = 0; attempt < ExpiringProbes; attempt++)
            {
                nuint d = DirIndex(NextRandom(ref rngState));
                byte* seg = _dir[d];
                nuint runMask = ((nuint)1 << (_globalDepth - LocalDepth(seg))) - 1;
                if ((d & runMask) != 0 || SegExpiring(seg) == 0) continue;
                int pos = (int)(NextRandom(ref rngState) % SlotsPerSegment);
                byte* bucket = Bucket(seg, pos / SlotsPerBucket);
                int i = pos % SlotsPerBucket;
                if (bucket[i] != 0 && KeyEntry.HasExpire(Slots(bucket)[i])) return Slots(bucket)[i];
            }
        }
        return WeightedExpiringEntry(ref rngState);
    }

    /// <summary>The weighted walk of <see cref="RandomExpiringEntry"/>; the table has an expiring entry.</summary>
    byte* WeightedExpiringEntry(ref ulong rngState)
    {
        nuint len = (nuint)1 << _globalDepth;
        nuint d = len <= ExpiringWindow ? 0 : (nuint)(NextRandom(ref rngState) & (ulong)(len - 1));
        // Start at the first entry of d's segment: segments fill aligned runs of the directory, so stepping
        // by runs from there meets each segment once, at its first entry, and wraps to 0 at a run start.
        d &= ~(((nuint)1 << (_globalDepth - LocalDepth(_dir[d]))) - 1);
        byte* chosen = null;
        ulong total = 0;
        for (nuint walked = 0; walked < len && (total == 0 || walked < ExpiringWindow);)
        {
            byte* seg = _dir[d];
            nuint run = (nuint)1 << (_globalDepth - LocalDepth(seg));
            uint here = SegExpiring(seg);
            if (here != 0)
            {
                total += here;
                if (NextRandom(ref rngState) % total < here) chosen = seg;
            }
            walked += run;
            d = (d + run) & (len - 1);
        }
        Debug.Assert(chosen != null, "expiring count above 0 but no segment holds an expiring entry");
        return NthExpiring(chosen, (long)(NextRandom(ref rngState) % SegExpiring(chosen)));
    }

    /// <summary>The expiring entry at position <paramref name="n"/> (0-based, below the segment's count) in bucket order.</summary>
    static byte* NthExpiring(byte* seg, long n)
    {
        for (int b = 0; b < BucketsPerSegment; b++)
        {
            byte* bucket = Bucket(seg, b);
            uint occupied = OccupiedMask(bucket);
            while (occupied != 0)
            {
                int i = BitOperations.TrailingZeroCount(occupied);
                occupied &= occupied - 1;
                byte* entry = Slots(bucket)[i];
                if (!KeyEntry.HasExpire(entry)) continue;
                if (n == 0) return entry;
                n--;
            }
        }
        Debug.Fail("segment expiring count disagrees with its entries");
        return null;
    }

    /// <summary>
    /// Recounts every segment's entries with an expiry and throws when a segment's count or the table's
    /// <see cref="ExpiringCount"/> disagrees. For tests: it reads every entry.
    /// </summary>
    public void VerifyExpiringCounts()
    {
        Debug.Assert(_dir != null, "table disposed");
        nuint len = (nuint)1 << _globalDepth;
        long sum = 0;
        for (nuint d = 0; d < len;)
        {
            byte* seg = _dir[d];
            uint actual = 0;
            for (int b = 0; b < BucketsPerSegment; b++)
            {
                byte* bucket = Bucket(seg, b);
                uint occupied = OccupiedMask(bucket);
                while (occupied != 0)
                {
                    int i = BitOperations.TrailingZeroCount(occupied);
                    occupied &= occupied - 1;
                    if (KeyEntry.HasExpire(Slots(bucket)[i])) actual++;
                }
            }
            if (actual != SegExpiring(seg))
                throw new InvalidOperationException(
                    $"KeyTable: segment at directory entry {d} counts {SegExpiring(seg)} expiring entries, holds {actual}");
            sum += actual;
            d += (nuint)1 << (_globalDepth - LocalDepth(seg));
        }
        if (sum != _expiringCount)
            throw new InvalidOperationException($"KeyTable: ExpiringCount is {_expiringCount}, segments hold {sum}");
    }
}
