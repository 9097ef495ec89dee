using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Memory;

/// <summary>
/// The "hashtable" encoding of large hashes and sets, kept entirely in the shard's arena so a value's
/// <see cref="KeyEntry"/> holds one pointer and the GC heap does not grow with collections.
/// Extendible hashing like <see cref="KeyTable"/>: a directory indexed by the top bits of a field's hash
/// points at fixed-size segments; a full segment splits alone, so no operation pauses for longer than one
/// segment (128 slots) plus, rarely, a directory doubling (one pointer copy per directory entry).
/// <code>
///  table blob (handle t)                       segment blob (SegmentBytes = 1168)
///  offset size  field                          offset size     field
///   0     u64   count (live elements)           0     i32      local depth d
///   8     u64   version (+1 per write)          4     i32      live elements
///  16     u64   seed of the field hash         8     i32      used slots (live + tombstones)
///  24     u64   element bytes (UsableSize sum) 12     i32      reserved
///  32     i32   global depth g                 16     u8[128]  fingerprints: 0 empty, 1 tombstone, 2..255 live
///  36     i32   segment count                 144     ptr[128] element pointers
///  40     24    reserved
///  64     ptr[2^g] directory
///
///  element blob: [fieldLen u32][valueLen u32][field][value]   (sets: valueLen 0)
/// </code>
/// Hash bits (64-bit <see cref="KeyHash.Hash(ReadOnlySpan{byte}, ulong)"/> with the table's seed): top g bits
/// → directory, low 7 bits → home slot, bits 7..14 → fingerprint (mapped into 2..255). Depth is capped at
/// <see cref="MaxDepth"/> so prefix and fingerprint bits never overlap.
/// Probing is linear inside a segment (wrapping). Removal leaves a tombstone; a segment whose used slots
/// reach <see cref="MaxUsed"/> is rebuilt in place when tombstones are a quarter of it, else split.
/// Used slots never reach 128, so every probe ends at an empty slot.
/// The table never shrinks (Redis shrinks below 10% fill; see README).
/// Unsafe invariant for the whole class: <c>t</c> points at a live table blob this layout describes, owned
/// by the calling shard's arena; every directory entry and slot pointer points at a live blob of that arena.
/// </summary>
public static unsafe partial class FieldTable
{
    public const int SlotsPerSegment = 128;
    const int SlotMask = SlotsPerSegment - 1;
    const int HomeBits = 7;
    /// <summary>Used-slot limit that triggers a rebuild or split (75%).</summary>
    public const int MaxUsed = SlotsPerSegment * 3 / 4;
    /// <summary>Tombstones at or above this many make a full segment rebuild instead of split.</summary>
    const int RebuildTombstones = SlotsPerSegment / 4;
    /// <summary>Deepest split: prefix bits [64-MaxDepth, 64) stay clear of fingerprint bits [7, 15).</summary>
    public const int MaxDepth = 48;

    public const int HeaderSize = 64;
    const int SegHeaderSize = 16;
    const int SegPtrOffset = SegHeaderSize + SlotsPerSegment;
    public const int SegmentBytes = SegPtrOffset + SlotsPerSegment * 8;
    public const int ElementHeaderSize = 8;

    const byte Empty = 0, Tombstone = 1;

    /// <summary>Per-process secret mixed into every table's seed, so fields cannot be chosen to collide.</summary>
    static readonly ulong ProcessSecret = OsRandom.NextUInt64();
    /// <summary>Shard threads race on this unlocked counter; a lost increment only gives two tables one seed.</summary>
    static ulong _seedCounter;

    // ---- header ----
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Count(byte* t) => *(long*)t;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Version(byte* t) => *(ulong*)(t + 8);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Seed(byte* t) => *(ulong*)(t + 16);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref long ElementBytes(byte* t) => ref *(long*)(t + 24);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GlobalDepth(byte* t) => *(int*)(t + 32);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SegmentCount(byte* t) => *(int*)(t + 36);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte** Dir(byte* t) => (byte**)(t + HeaderSize);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static nuint TableBlobSize(int globalDepth) => (nuint)HeaderSize + ((nuint)8 << globalDepth);

    // ---- segment ----
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref int SegDepth(byte* seg) => ref *(int*)seg;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref int SegCount(byte* seg) => ref *(int*)(seg + 4);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref int SegUsed(byte* seg) => ref *(int*)(seg + 8);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte* Fps(byte* seg) => seg + SegHeaderSize;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte** Ptrs(byte* seg) => (byte**)(seg + SegPtrOffset);

    // ---- element ----
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ElementFieldLength(byte* e) => *(int*)e;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ElementValueLength(byte* e) => *(int*)(e + 4);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> ElementField(byte* e) => new(e + ElementHeaderSize, *(int*)e);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> ElementValue(byte* e) => new(e + ElementHeaderSize + *(int*)e, *(int*)(e + 4));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static nuint ElementSize(int fieldLen, int valueLen) => (nuint)ElementHeaderSize + (nuint)(uint)fieldLen + (nuint)(uint)valueLen;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static nuint ElementSize(byte* e) => ElementSize(*(int*)e, *(int*)(e + 4));

    // ---- hash bits ----
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static nuint DirIndex(ulong h, int globalDepth) => globalDepth == 0 ? 0 : (nuint)(h >> (64 - globalDepth));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int Home(ulong h) => (int)h & SlotMask;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte Fingerprint(ulong h)
    {
        byte fp = (byte)(h >> HomeBits);
        return fp < 2 ? (byte)(fp + 2) : fp;
    }

    /// <summary>Creates an empty table sized for about <paramref name="capacityHint"/> elements, with a fresh secret seed.</summary>
    public static byte* Create(Arena arena, int capacityHint)
    {
        ulong seed = ProcessSecret + ++_seedCounter * 0x9E3779B97F4A7C15UL;
        return Create(arena, capacityHint, KeyHash.Hash(new ReadOnlySpan<byte>(&seed, 8)));
    }

    /// <summary>As <see cref="Create(Arena, int)"/> with a given hash seed (tests, reproducible layouts).</summary>
    public static byte* Create(Arena arena, int capacityHint, ulong seed)
    {
        // Half-full segments after a split: aim for ~64 elements per segment.
        int g = 0;
        while (g < 20 && ((long)SlotsPerSegment / 2 << g) < capacityHint) g++;
        nuint size = TableBlobSize(g);
        byte* t = arena.Alloc(size);
        // The blob is at least HeaderSize + 8 * 2^g bytes.
        new Span<byte>(t, HeaderSize).Clear();
        *(ulong*)(t + 16) = seed;
        *(int*)(t + 32) = g;
        *(int*)(t + 36) = 1 << g;
        byte** dir = Dir(t);
        for (int i = 0; i < 1 << g; i++) dir[i] = NewSegment(arena, g);
        return t;
    }

    static byte* NewSegment(Arena arena, int depth)
    {
        byte* seg = arena.Alloc(SegmentBytes);
        // The block holds SegmentBytes; fingerprints (and the header) zeroed mean every slot is empty.
        new Span<byte>(seg, SegPtrOffset).Clear();
        SegDepth(seg) = depth;
        return seg;
    }

    /// <summary>Frees every element, every segment and the table blob.</summary>
    public static void Free(Arena arena, byte* t)
    {
        nuint cursor = 0;
        int budget = int.MaxValue;
        FreeSome(arena, t, ref cursor, ref budget);
    }

    /// <summary>
    /// A free in steps (lazy free): from directory position <paramref name="cursor"/> (0 to begin), frees whole
    /// segments with their elements while <paramref name="budget"/> lasts, taking one per element, one per segment and one for the table blob (a segment begun is finished, so a step may overspend);
    /// true once everything, the table blob included, is gone. The table must be out of every keyspace and unchanged
    /// between steps (the directory is read again at each, so its freed segments are never touched).
    /// </summary>
    public static bool FreeSome(Arena arena, byte* t, ref nuint cursor, ref int budget)
    {
        int g = GlobalDepth(t);
        byte** dir = Dir(t);
        nuint len = (nuint)1 << g;
        while (cursor < len && budget > 0)
        {
            byte* seg = dir[cursor];
            cursor += (nuint)1 << (g - SegDepth(seg));
            byte* fps = Fps(seg);
            byte** ptrs = Ptrs(seg);
            for (int i = 0; i < SlotsPerSegment; i++)
                if (fps[i] > Tombstone)
                {
                    arena.Free(ptrs[i], ElementSize(ptrs[i]));
                    budget--;
                }
            arena.Free(seg, SegmentBytes);
            budget--;
        }
        if (cursor < len) return false;
        arena.Free(t, TableBlobSize(g));
        budget--;
        return true;
    }

    /// <summary>Arena bytes held by the table: its blob, its segments and its elements (MEMORY USAGE).</summary>
    public static long BytesUsed(byte* t)
        => (long)Arena.UsableSize(TableBlobSize(GlobalDepth(t)))
           + SegmentCount(t) * (long)Arena.UsableSize(SegmentBytes)
           + ElementBytes(t);

    /// <summary>The element holding <paramref name="field"/>, or null.</summary>
    public static byte* Find(byte* t, ReadOnlySpan<byte> field)
    {
        ulong h = KeyHash.Hash(field, Seed(t));
        byte* seg = Dir(t)[DirIndex(h, GlobalDepth(t))];
        int slot = FindSlot(seg, h, field);
        return slot < 0 ? null : Ptrs(seg)[slot];
    }

    /// <summary>Slot of <paramref name="field"/> in <paramref name="seg"/>, or -1.</summary>
    static int FindSlot(byte* seg, ulong h, ReadOnlySpan<byte> field)
    {
        byte fp = Fingerprint(h);
        byte* fps = Fps(seg);
        int i = Home(h);
        // Used slots stay below SlotsPerSegment, so an empty slot ends the probe.
        for (int n = 0; n < SlotsPerSegment; n++, i = (i + 1) & SlotMask)
        {
            byte f = fps[i];
            if (f == Empty) return -1;
            if (f == fp)
            {
                byte* e = Ptrs(seg)[i];
                if (*(int*)e == field.Length && ElementField(e).SequenceEqual(field)) return i;
            }
        }
        Debug.Fail("segment without an empty slot");
        return -1;
    }
}
