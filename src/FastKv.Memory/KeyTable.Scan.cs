using System.Diagnostics;
using System.Numerics;

namespace FastKv.Memory;

/// <summary>
/// Called for each entry a <see cref="KeyTable"/> walk reaches. Returning true removes the entry from the
/// table; the visitor frees the blob itself. The visitor must not otherwise change the table.
/// </summary>
public unsafe interface IEntryVisitor
{
    bool Visit(byte* entry);
}

// Walking the table: SCAN-style cursors, Clear and random sampling (of entries with an expiry:
// KeyTable.Expiring.cs).
//
// The scan cursor is a position in 32-bit hash-prefix space (the top 32 bits of a hash). A segment of
// local depth d covers the 2^(32-d) positions that share its d-bit prefix. Scan visits the whole segment
// covering the cursor and returns the first position past it. Splits only narrow the range a segment
// covers and an entry's prefix never changes, so an entry present for the whole walk is in the segment
// covering its prefix when the cursor reaches that prefix: visited at least once, never missed.
public sealed unsafe partial class KeyTable
{
    const int CursorBits = 32;

    /// <summary>
    /// Visits every entry of the segment covering <paramref name="cursor"/> and returns the next cursor,
    /// or 0 when the walk is complete. Start a walk with cursor 0.
    /// </summary>
    public uint Scan<TVisitor>(uint cursor, ref TVisitor visitor) where TVisitor : struct, IEntryVisitor
    {
        Debug.Assert(_dir != null, "table disposed");
        Debug.Assert(_globalDepth <= CursorBits);
        byte* seg = _dir[(nuint)((ulong)cursor >> (CursorBits - _globalDepth))];
        int depth = LocalDepth(seg);
        ulong span = 1UL << (CursorBits - depth);
        ulong end = ((ulong)cursor & ~(span - 1)) + span;
        if (SegCount(seg) != 0) VisitSegment(seg, ref visitor, expiringOnly: false);
        return end >= 1UL << CursorBits ? 0 : (uint)end;
    }

    /// <summary>
    /// Visits the entries of <paramref name="seg"/> (with <paramref name="expiringOnly"/>, only those with an
    /// expiry), removing those the visitor asks to.
    /// </summary>
    void VisitSegment<TVisitor>(byte* seg, ref TVisitor visitor, bool expiringOnly) where TVisitor : struct, IEntryVisitor
    {
        for (int b = 0; b < BucketsPerSegment; b++)
        {
            byte* bucket = Bucket(seg, b);
            uint occupied = OccupiedMask(bucket);
            // A removing visitor frees the blob inside Visit, before RemoveAt touches the bucket: while a
            // snapshot runs, the bucket is serialized before its first visit (a bucket of entries the visitor
            // keeps is merely serialized early). No stamp otherwise, so a plain SCAN writes nothing.
            if (occupied != 0 && Version(bucket) < _snapVersion) SerializeStale(bucket);
            while (occupied != 0)
            {
                int i = BitOperations.TrailingZeroCount(occupied);
                occupied &= occupied - 1;
                byte* entry = Slots(bucket)[i];
                // The home and the expiry flag must be read before Visit: a removing visitor frees the blob.
                bool expiring = KeyEntry.HasExpire(entry);
                if (expiringOnly && !expiring) continue;
                int home = HomeOf(seg, b, entry);
                if (visitor.Visit(entry))
                {
                    RemoveAt(seg, b, i, home, expiring);
                    _count--;
                }
            }
        }
    }

    /// <summary>Visits every entry (the visitor frees them; its return value is ignored) and empties the table.</summary>
    public void Clear<TVisitor>(ref TVisitor visitor) where TVisitor : struct, IEntryVisitor
    {
        Debug.Assert(_dir != null, "table disposed");
        nuint len = (nuint)1 << _globalDepth;
        for (nuint d = 0; d < len;)
        {
            byte* seg = _dir[d];
            d += (nuint)1 << (_globalDepth - LocalDepth(seg));
            for (int b = 0; b < BucketsPerSegment; b++)
            {
                byte* bucket = Bucket(seg, b);
                uint occupied = OccupiedMask(bucket);
                while (occupied != 0)
                {
                    int i = BitOperations.TrailingZeroCount(occupied);
                    occupied &= occupied - 1;
                    visitor.Visit(Slots(bucket)[i]);
                }
            }
        }
        FreeSegmentsAndDirectory();
        _count = 0;
        InitEmpty();
        Debug.Assert(_expiringCount == 0);
    }

    /// <summary>Random probes before <see cref="RandomEntry"/> falls back to counting its way to an entry.</summary>
    const int RandomProbes = 64;

    /// <summary>
    /// A random entry, every entry with the same odds, or null when the table is empty.
    /// <paramref name="rngState"/> is an xorshift64 state the caller keeps.
    /// <para>
    /// Each probe picks a segment uniformly (a random directory entry, kept only when it is its segment's
    /// first, since a segment of local depth d fills 2^(globalDepth-d) entries) and then a slot uniformly;
    /// an occupied slot is the answer. Every slot of the table is equally likely, so every entry is. When the
    /// table is sparse (below one slot in eight used, or the probes all missed), the entry is instead the
    /// n-th of a uniform n, found by walking segment counts and bucket occupancy: also uniform, and bounded
    /// by the number of segments. Unlike "the first entry after a random place", neither favours an entry
    /// that follows a long empty run.
    /// </para>
    /// </summary>
    public byte* RandomEntry(ref ulong rngState)
    {
        Debug.Assert(_dir != null, "table disposed");
        if (_count == 0) return null;
        if (_count * 8 >= (long)_segmentCount * SlotsPerSegment)
        {
            for (int attempt = 0; attempt < RandomProbes; attempt++)
            {
                ulong r = NextRandom(ref rngState);
                nuint d = DirIndex(r);
                byte* seg = _dir[d];
                nuint runMask = ((nuint)1 << (_globalDepth - LocalDepth(seg))) - 1;
                if ((d & runMask) != 0) continue;
                int pos = (int)(NextRandom(ref rngState) % SlotsPerSegment);
                byte* bucket = Bucket(seg, pos / SlotsPerBucket);
                int i = pos % SlotsPerBucket;
                if (bucket[i] != 0) return Slots(bucket)[i];
            }
        }
        return NthEntry((long)(NextRandom(ref rngState) % (ulong)_count));
    }

    /// <summary>The entry at position <paramref name="n"/> (0-based, below Count) in directory and bucket order.</summary>
    byte* NthEntry(long n)
    {
        nuint len = (nuint)1 << _globalDepth;
        for (nuint d = 0; d < len;)
        {
            byte* seg = _dir[d];
            d += (nuint)1 << (_globalDepth - LocalDepth(seg));
            uint inSegment = SegCount(seg);
            if (n >= inSegment)
            {
                n -= inSegment;
                continue;
            }
            for (int b = 0; b < BucketsPerSegment; b++)
            {
                byte* bucket = Bucket(seg, b);
                uint occupied = OccupiedMask(bucket);
                int here = BitOperations.PopCount(occupied);
                if (n >= here)
                {
                    n -= here;
                    continue;
                }
                for (; n > 0; n--) occupied &= occupied - 1;
                return Slots(bucket)[BitOperations.TrailingZeroCount(occupied)];
            }
            Debug.Fail("segment count disagrees with its buckets");
            return null;
        }
        Debug.Fail("Count > 0 but no entry found");
        return null;
    }

    static ulong NextRandom(ref ulong state) => SampleRandom.Next(ref state);
}
