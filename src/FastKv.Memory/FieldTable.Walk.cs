using System.Diagnostics;

namespace FastKv.Memory;

/// <summary>Called for each element a <see cref="FieldTable"/> walk reaches. It must not change the table.</summary>
public unsafe interface IFieldVisitor
{
    void Visit(byte* element);
}

// Walking the table: HSCAN/SSCAN cursors, whole-table enumeration and random sampling.
//
// The scan cursor is a position in the 64-bit space of hash prefixes. Scan visits the whole segment
// covering the cursor (the segment owns every prefix in its aligned range) and returns the first position
// past that range, 0 after the last. Segments are at most MaxDepth deep, so a range boundary has its low
// 64 - MaxDepth bits clear, and the cursor a client sees is the position shifted right by that much: a
// number below 2^48, which clients that parse cursors as signed 64-bit integers (StackExchange.Redis)
// accept, as they do Redis's small table-index cursors. Cursors only increase, and the call at cursor c visits, as the table
// is at that moment, every element whose prefix lies in [c, next). The ranges [0, c1), [c1, c2), ... cover
// the whole space, and an element's prefix never changes, so an element present for the whole walk is
// returned at least once whatever splits happen between calls. (A merge would only cause duplicates.)
public static unsafe partial class FieldTable
{
    /// <summary>
    /// Visits every element of the segment covering <paramref name="cursor"/> and returns the next cursor,
    /// or 0 when the walk is complete. Start a walk with cursor 0.
    /// </summary>
    public static ulong Scan<TVisitor>(byte* t, ulong cursor, ref TVisitor visitor) where TVisitor : struct, IFieldVisitor
    {
        // Bits of a client's cursor above 48 have no position: they are dropped, as any cursor is accepted.
        ulong position = cursor << CursorShift;
        byte* seg = Dir(t)[DirIndex(position, GlobalDepth(t))];
        int depth = SegDepth(seg);
        if (SegCount(seg) != 0) VisitSegment(seg, ref visitor);
        if (depth == 0) return 0;
        ulong span = 1UL << (64 - depth);
        // Wraps to 0 exactly when the segment's range ends the space.
        return ((position & ~(span - 1)) + span) >> CursorShift;
    }

    /// <summary>Low bits of a position that no segment boundary uses (see the note above the class).</summary>
    const int CursorShift = 64 - MaxDepth;

    /// <summary>Visits every element once (HGETALL, SMEMBERS).</summary>
    public static void Enumerate<TVisitor>(byte* t, ref TVisitor visitor) where TVisitor : struct, IFieldVisitor
    {
        int g = GlobalDepth(t);
        byte** dir = Dir(t);
        nuint len = (nuint)1 << g;
        for (nuint d = 0; d < len;)
        {
            byte* seg = dir[d];
            d += (nuint)1 << (g - SegDepth(seg));
            if (SegCount(seg) != 0) VisitSegment(seg, ref visitor);
        }
    }

    static void VisitSegment<TVisitor>(byte* seg, ref TVisitor visitor) where TVisitor : struct, IFieldVisitor
    {
        byte* fps = Fps(seg);
        byte** ptrs = Ptrs(seg);
        for (int i = 0; i < SlotsPerSegment; i++)
            if (fps[i] > Tombstone) visitor.Visit(ptrs[i]);
    }

    /// <summary>
    /// A random live element, or null when the table is empty. Draws a directory index and a slot and
    /// accepts only a live slot reached through the first directory entry of its segment's run, so each
    /// element has the same probability 2^-g / 128 per draw: exactly uniform. After many misses (a very
    /// sparse table, which never shrinks) it falls back to the next live slot after a random one, which is
    /// biased towards elements after long gaps but bounded by one pass.
    /// </summary>
    public static byte* Random(byte* t, ref ulong rng)
    {
        if (Count(t) == 0) return null;
        int g = GlobalDepth(t);
        byte** dir = Dir(t);
        ulong r;
        for (int tries = 0; tries < 256; tries++)
        {
            r = Next(ref rng);
            nuint d = DirIndex(r, g);
            byte* seg = dir[d];
            nuint run = (nuint)1 << (g - SegDepth(seg));
            int slot = (int)r & SlotMask;
            if ((d & (run - 1)) == 0 && Fps(seg)[slot] > Tombstone) return Ptrs(seg)[slot];
        }
        r = Next(ref rng);
        nuint len = (nuint)1 << g;
        nuint start = DirIndex(r, g);
        int first = (int)r & SlotMask;
        // At most one pass over the directory plus the starting segment again; Count > 0 ends it.
        for (nuint k = 0; k <= len; k++)
        {
            nuint d = (start + k) & (len - 1);
            byte* seg = dir[d];
            byte* fps = Fps(seg);
            for (int i = k == 0 ? first : 0; i < SlotsPerSegment; i++)
                if (fps[i] > Tombstone) return Ptrs(seg)[i];
        }
        Debug.Fail("Count > 0 but no live slot");
        return null;
    }

    /// <summary>SplitMix64 step.</summary>
    static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
