using System;
using System.Diagnostics;

namespace FastKv.Memory;

// Writing: set, add, remove, and the bounded restructuring they trigger (segment rebuild, split,
// directory doubling). Every write bumps the table's version. Operations that may double the directory
// take `ref byte* t`: the table blob can move; element and segment pointers never move because of it.
public static unsafe partial class FieldTable
{
    /// <summary>
    /// Sets <paramref name="field"/> to <paramref name="value"/>. Returns true when the field was new.
    /// An existing element is rewritten in place when the new size has the same arena block size, else
    /// reallocated (element pointers from earlier calls are then invalid). <paramref name="value"/> may
    /// point into the current element.
    /// </summary>
    public static bool Set(Arena arena, ref byte* t, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
    {
        ulong h = KeyHash.Hash(field, Seed(t));
        byte* seg = Dir(t)[DirIndex(h, GlobalDepth(t))];
        int slot = FindSlot(seg, h, field);
        (*(ulong*)(t + 8))++;
        if (slot >= 0)
        {
            byte** ptrs = Ptrs(seg);
            byte* e = ptrs[slot];
            int fl = *(int*)e;
            nuint oldSize = ElementSize(fl, *(int*)(e + 4)), newSize = ElementSize(fl, value.Length);
            if (Arena.UsableSize(oldSize) == Arena.UsableSize(newSize))
            {
                // Same block: the new value fits; CopyTo is a memmove, so an overlapping value is safe.
                value.CopyTo(new Span<byte>(e + ElementHeaderSize + fl, value.Length));
                *(int*)(e + 4) = value.Length;
                return false;
            }
            // The new block is written completely before the old one (which value may alias) is freed.
            byte* n = NewElement(arena, t, ElementField(e), value);
            ElementBytes(t) -= (long)Arena.UsableSize(oldSize);
            arena.Free(e, oldSize);
            ptrs[slot] = n;
            return false;
        }
        InsertNew(arena, ref t, h, NewElement(arena, t, field, value));
        return true;
    }

    /// <summary>Adds a set member (value length 0). Returns true when it was new.</summary>
    public static bool Add(Arena arena, ref byte* t, ReadOnlySpan<byte> field)
    {
        ulong h = KeyHash.Hash(field, Seed(t));
        byte* seg = Dir(t)[DirIndex(h, GlobalDepth(t))];
        if (FindSlot(seg, h, field) >= 0) return false;
        (*(ulong*)(t + 8))++;
        InsertNew(arena, ref t, h, NewElement(arena, t, field, default));
        return true;
    }

    /// <summary>Removes <paramref name="field"/> and frees its element. Returns true when it was present.</summary>
    public static bool Remove(Arena arena, ref byte* t, ReadOnlySpan<byte> field)
    {
        ulong h = KeyHash.Hash(field, Seed(t));
        byte* seg = Dir(t)[DirIndex(h, GlobalDepth(t))];
        int slot = FindSlot(seg, h, field);
        if (slot < 0) return false;
        byte* e = Ptrs(seg)[slot];
        nuint size = ElementSize(e);
        ElementBytes(t) -= (long)Arena.UsableSize(size);
        arena.Free(e, size);
        // Tombstone: later elements of the probe run stay reachable; used slots are unchanged.
        Fps(seg)[slot] = Tombstone;
        Ptrs(seg)[slot] = null;
        SegCount(seg)--;
        (*(long*)t)--;
        (*(ulong*)(t + 8))++;
        Debug.Assert(SegCount(seg) >= 0 && Count(t) >= 0);
        return true;
    }

    static byte* NewElement(Arena arena, byte* t, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
    {
        nuint size = ElementSize(field.Length, value.Length);
        byte* e = arena.Alloc(size);
        // The block holds ElementHeaderSize + field + value bytes.
        *(int*)e = field.Length;
        *(int*)(e + 4) = value.Length;
        field.CopyTo(new Span<byte>(e + ElementHeaderSize, field.Length));
        value.CopyTo(new Span<byte>(e + ElementHeaderSize + field.Length, value.Length));
        ElementBytes(t) += (long)Arena.UsableSize(size);
        return e;
    }

    /// <summary>Stores a new element (its field known absent) with hash <paramref name="h"/>.</summary>
    static void InsertNew(Arena arena, ref byte* t, ulong h, byte* e)
    {
        while (true)
        {
            nuint d = DirIndex(h, GlobalDepth(t));
            byte* seg = Dir(t)[d];
            int depth = SegDepth(seg);
            int limit = depth >= MaxDepth ? SlotsPerSegment - 1 : MaxUsed;
            if (SegUsed(seg) >= limit && !HasTombstoneOnPath(seg, h))
            {
                if (SegUsed(seg) - SegCount(seg) >= RebuildTombstones || (depth >= MaxDepth && SegUsed(seg) > SegCount(seg)))
                    Rebuild(arena, t, seg);
                else if (depth < MaxDepth)
                    Split(arena, ref t, d);
                else
                    throw new InvalidOperationException("FieldTable segment full at maximum depth (hash collisions)");
                continue;
            }
            PlaceInSegment(seg, h, e);
            (*(long*)t)++;
            return;
        }
    }

    /// <summary>True when the probe from <paramref name="h"/>'s home meets a tombstone before an empty slot.</summary>
    static bool HasTombstoneOnPath(byte* seg, ulong h)
    {
        byte* fps = Fps(seg);
        for (int i = Home(h), n = 0; n < SlotsPerSegment; n++, i = (i + 1) & SlotMask)
        {
            if (fps[i] == Empty) return false;
            if (fps[i] == Tombstone) return true;
        }
        return false;
    }

    /// <summary>Puts <paramref name="e"/> in the first empty or tombstone slot from its home.</summary>
    static void PlaceInSegment(byte* seg, ulong h, byte* e)
    {
        byte* fps = Fps(seg);
        int i = Home(h);
        while (fps[i] > Tombstone) i = (i + 1) & SlotMask;
        if (fps[i] == Empty) SegUsed(seg)++;
        fps[i] = Fingerprint(h);
        Ptrs(seg)[i] = e;
        SegCount(seg)++;
        Debug.Assert(SegUsed(seg) < SlotsPerSegment && SegCount(seg) <= SegUsed(seg));
    }

    /// <summary>Re-places every live element of <paramref name="seg"/>, dropping its tombstones.</summary>
    static void Rebuild(Arena arena, byte* t, byte* seg)
    {
        byte** live = stackalloc byte*[SlotsPerSegment];
        int n = TakeAll(seg, live);
        ulong seed = Seed(t);
        for (int i = 0; i < n; i++) PlaceInSegment(seg, KeyHash.Hash(ElementField(live[i]), seed), live[i]);
    }

    /// <summary>Moves the live elements of <paramref name="seg"/> to <paramref name="live"/> and empties it.</summary>
    static int TakeAll(byte* seg, byte** live)
    {
        byte* fps = Fps(seg);
        byte** ptrs = Ptrs(seg);
        int n = 0;
        for (int i = 0; i < SlotsPerSegment; i++)
            if (fps[i] > Tombstone) live[n++] = ptrs[i];
        Debug.Assert(n == SegCount(seg));
        new Span<byte>(fps, SlotsPerSegment).Clear();
        SegCount(seg) = 0;
        SegUsed(seg) = 0;
        return n;
    }

    /// <summary>Splits the segment at directory index <paramref name="d"/> into two of depth + 1.</summary>
    static void Split(Arena arena, ref byte* t, nuint d)
    {
        byte* seg = Dir(t)[d];
        int depth = SegDepth(seg);
        if (depth == GlobalDepth(t))
        {
            DoubleDirectory(arena, ref t);
            d <<= 1;
        }
        int g = GlobalDepth(t);
        byte** dir = Dir(t);
        // The segment's run of 2^(g - depth) directory entries; its upper half goes to the new segment.
        nuint run = (nuint)1 << (g - depth);
        nuint start = d & ~(run - 1);
        byte* hi = NewSegment(arena, depth + 1);
        SegDepth(seg) = depth + 1;
        for (nuint i = start + run / 2; i < start + run; i++) dir[i] = hi;
        (*(int*)(t + 36))++;

        byte** live = stackalloc byte*[SlotsPerSegment];
        int n = TakeAll(seg, live);
        ulong seed = Seed(t);
        int bit = 63 - depth;
        for (int i = 0; i < n; i++)
        {
            ulong h = KeyHash.Hash(ElementField(live[i]), seed);
            PlaceInSegment(((h >> bit) & 1) == 0 ? seg : hi, h, live[i]);
        }
    }

    static void DoubleDirectory(Arena arena, ref byte* t)
    {
        int g = GlobalDepth(t);
        Debug.Assert(g < MaxDepth);
        byte* n = arena.Realloc(t, TableBlobSize(g), TableBlobSize(g + 1));
        byte** dir = Dir(n);
        // Backwards so each source entry is read before it is overwritten: dir'[i] = dir[i / 2].
        for (nuint i = ((nuint)2 << g) - 1; ; i--)
        {
            dir[i] = dir[i >> 1];
            if (i == 0) break;
        }
        *(int*)(n + 32) = g + 1;
        t = n;
    }
}
