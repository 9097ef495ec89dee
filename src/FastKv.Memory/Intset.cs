using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Memory;

/// <summary>
/// Redis's intset: a set of integers kept as one sorted array in one arena blob, each element
/// as narrow as the widest member needs. Used for small sets whose members are all integers
/// (set-max-intset-entries, default 512).
/// <code>
///  offset  size          field
///   0      u32           encoding: 2, 4 or 8 (bytes per element)
///   4      u32           length (elements)
///   8      length*enc    elements, ascending, little-endian signed
/// </code>
/// Adding a member that does not fit the encoding upgrades every element to the wider one
/// (never downgrades, as Redis). Lookups are binary searches. The blob is exactly
/// <see cref="BlobSize"/> bytes rounded up by the arena; operations that change the length
/// return the (maybe moved) blob.
/// Unsafe invariant for the whole class: <c>set</c> points at a live blob this format describes,
/// of at least <see cref="BlobSize"/> bytes, owned by the calling shard's arena.
/// </summary>
public static unsafe class Intset
{
    public const int HeaderSize = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Encoding(byte* set) => *(int*)set;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Length(byte* set) => *(int*)(set + 4);
    public static int BlobSize(byte* set) => HeaderSize + Length(set) * Encoding(set);

    /// <summary>The narrowest encoding that holds <paramref name="v"/>.</summary>
    public static int EncodingFor(long v) => v < int.MinValue || v > int.MaxValue ? 8 : v < short.MinValue || v > short.MaxValue ? 4 : 2;

    public static byte* Create(Arena arena)
    {
        byte* s = arena.Alloc(HeaderSize);
        *(int*)s = 2;
        *(int*)(s + 4) = 0;
        return s;
    }

    public static void Free(Arena arena, byte* set) => arena.Free(set, (nuint)BlobSize(set));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static long At(byte* set, int enc, int i) => enc switch
    {
        2 => *(short*)(set + HeaderSize + i * 2),
        4 => *(int*)(set + HeaderSize + i * 4),
        _ => *(long*)(set + HeaderSize + i * 8),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put(byte* set, int enc, int i, long v)
    {
        switch (enc)
        {
            case 2: *(short*)(set + HeaderSize + i * 2) = (short)v; break;
            case 4: *(int*)(set + HeaderSize + i * 4) = (int)v; break;
            default: *(long*)(set + HeaderSize + i * 8) = v; break;
        }
    }

    /// <summary>Element i in ascending order.</summary>
    public static long Get(byte* set, int i)
    {
        Debug.Assert((uint)i < (uint)Length(set));
        return At(set, Encoding(set), i);
    }

    /// <summary>Binary search: true with the index when present, else false with the insertion point.</summary>
    public static bool Search(byte* set, long v, out int pos)
    {
        int enc = Encoding(set), len = Length(set);
        if (len == 0 || EncodingFor(v) > enc) { pos = len == 0 || v > 0 ? len : 0; return false; }
        if (v > At(set, enc, len - 1)) { pos = len; return false; }
        if (v < At(set, enc, 0)) { pos = 0; return false; }
        int lo = 0, hi = len - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            long cur = At(set, enc, mid);
            if (cur == v) { pos = mid; return true; }
            if (cur < v) lo = mid + 1; else hi = mid - 1;
        }
        pos = lo;
        return false;
    }

    public static bool Contains(byte* set, long v) => Search(set, v, out _);

    /// <summary>Adds <paramref name="v"/>; returns the (maybe moved) blob. <paramref name="added"/> is false when present.</summary>
    public static byte* Add(Arena arena, byte* set, long v, out bool added)
    {
        int enc = Encoding(set), len = Length(set);
        int need = EncodingFor(v);
        if (need > enc) { added = true; return Upgrade(arena, set, need, v); }
        if (Search(set, v, out int pos)) { added = false; return set; }
        set = Resize(arena, set, len + 1);
        byte* data = set + HeaderSize;
        Buffer.MemoryCopy(data + pos * enc, data + (pos + 1) * enc, (len - pos) * enc, (len - pos) * enc);
        Put(set, enc, pos, v);
        *(int*)(set + 4) = len + 1;
        added = true;
        return set;
    }

    /// <summary>Removes <paramref name="v"/>; returns the (maybe moved) blob.</summary>
    public static byte* Remove(Arena arena, byte* set, long v, out bool removed)
    {
        if (!Search(set, v, out int pos)) { removed = false; return set; }
        int enc = Encoding(set), len = Length(set);
        byte* data = set + HeaderSize;
        Buffer.MemoryCopy(data + (pos + 1) * enc, data + pos * enc, (len - pos - 1) * enc, (len - pos - 1) * enc);
        *(int*)(set + 4) = len - 1;
        removed = true;
        // Shrink after the length is updated so BlobSize describes the smaller blob.
        return Shrink(arena, set, len);
    }

    /// <summary>A new blob with every element widened to <paramref name="enc"/>, plus <paramref name="v"/>
    /// (which, being wider than the old encoding, is the new minimum or maximum).</summary>
    static byte* Upgrade(Arena arena, byte* set, int enc, long v)
    {
        int oldEnc = Encoding(set), len = Length(set);
        byte* n = arena.Alloc((nuint)(HeaderSize + (len + 1) * enc));
        *(int*)n = enc;
        *(int*)(n + 4) = len + 1;
        int offset = v < 0 ? 1 : 0;
        for (int i = 0; i < len; i++) Put(n, enc, i + offset, At(set, oldEnc, i));
        Put(n, enc, v < 0 ? 0 : len, v);
        arena.Free(set, (nuint)(HeaderSize + len * oldEnc));
        return n;
    }

    static byte* Resize(Arena arena, byte* set, int newLen)
    {
        int enc = Encoding(set), len = Length(set);
        nuint oldSize = (nuint)(HeaderSize + len * enc), newSize = (nuint)(HeaderSize + newLen * enc);
        if (Arena.UsableSize(oldSize) >= newSize) return set;
        return arena.Realloc(set, oldSize, newSize);
    }

    static byte* Shrink(Arena arena, byte* set, int oldLen)
    {
        int enc = Encoding(set), len = Length(set);
        nuint oldSize = (nuint)(HeaderSize + oldLen * enc), newSize = (nuint)(HeaderSize + len * enc);
        if (Arena.UsableSize(oldSize) == Arena.UsableSize(newSize)) return set;
        return arena.Realloc(set, oldSize, newSize);
    }
}
