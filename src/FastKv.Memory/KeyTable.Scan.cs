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

// Walking the table: SCAN-style cursors, Clear and random sampling.
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
        if (SegCount(seg) != 0) VisitSegment(seg, ref visitor);
        return end >= 1UL << CursorBits ? 0 : (uint)end;
    }

    void VisitSegment<TVisitor>(byte* seg, ref TVisitor visitor) where TVisitor : struct, IEntryVisitor
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
                // The home must be known before Visit: a removing visitor frees the blob (and its key).
                int home = HomeOf(seg, b, entry);
                if (visitor.Visit(entry))
                {
                    RemoveAt(seg, b, i, home);
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
    }

    /// <summary>
    /// A random entry, or null when the table is empty. Picks random slots (segments in proportion to the
    /// prefix range they cover); <paramref name="rngState"/> is an xorshift64 state the caller keeps.
    /// </summary>
    public byte* RandomEntry(ref ulong rngState)
    {
        Debug.Assert(_dir != null, "table disposed");
        if (_count == 0) return null;
        if (rngState == 0) rngState = 0x9E3779B97F4A7C15;
        const int RandomProbes = 32;
        for (int attempt = 0; attempt < RandomProbes; attempt++)
        {
            ulong r = NextRandom(ref rngState);
            byte* seg = _dir[DirIndex(r)];
            if (SegCount(seg) == 0) continue;
            int pos = (int)((uint)r % SlotsPerSegment);
            byte* bucket = Bucket(seg, pos / SlotsPerBucket);
            int i = pos % SlotsPerBucket;
            if (bucket[i] != 0) return Slots(bucket)[i];
        }
        // Sparse table: take the first entry from a random position onwards.
        nuint len = (nuint)1 << _globalDepth;
        nuint start = DirIndex(NextRandom(ref rngState));
        for (nuint n = 0; n < len; n++)
        {
            byte* seg = _dir[(start + n) & (len - 1)];
            if (SegCount(seg) == 0) continue;
            for (int b = 0; b < BucketsPerSegment; b++)
            {
                byte* bucket = Bucket(seg, b);
                uint occupied = OccupiedMask(bucket);
                if (occupied != 0) return Slots(bucket)[BitOperations.TrailingZeroCount(occupied)];
            }
        }
        Debug.Fail("Count > 0 but no entry found");
        return null;
    }

    static ulong NextRandom(ref ulong state)
    {
        ulong x = state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state = x;
        return x;
    }
}
