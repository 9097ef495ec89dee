using System;
using System.Diagnostics;

namespace FastKv.Memory;

/// <summary>
/// Whole-blob operations: a copy (COPY, cloning a quicklist node, splitting one) and the concatenation of
/// two blobs (merging quicklist nodes, as Redis's lpMerge). Both keep the block invariant: a blob's block
/// is the arena block of its <c>TotalBytes</c>.
/// </summary>
public static unsafe partial class Listpack
{
    /// <summary>A new blob in <paramref name="arena"/> with the same bytes as <paramref name="lp"/>.</summary>
    public static byte* Copy(Arena arena, byte* lp)
    {
        int total = TotalBytes(lp);
        byte* copy = arena.Alloc((nuint)total);
        // copy is a fresh block of at least total bytes; lp holds total bytes.
        Buffer.MemoryCopy(lp, copy, total, total);
        return copy;
    }

    /// <summary>A new blob in <paramref name="arena"/> holding the listpack <paramref name="bytes"/>, which the
    /// caller has checked with <see cref="Validate"/> (or which came from this class).</summary>
    public static byte* Copy(Arena arena, ReadOnlySpan<byte> bytes)
    {
        Debug.Assert(bytes.Length >= EmptySize && bytes[^1] == Eof);
        byte* copy = arena.Alloc((nuint)bytes.Length);
        bytes.CopyTo(new Span<byte>(copy, bytes.Length));
        Debug.Assert(TotalBytes(copy) == bytes.Length);
        return copy;
    }

    /// <summary>
    /// One blob with the entries of <paramref name="first"/> followed by those of <paramref name="second"/>;
    /// both inputs are consumed (the larger one is grown in place when the arena allows, the other freed), so
    /// neither pointer may be used afterwards. The merged size is exactly <c>total(first) + total(second) - 7</c>
    /// (one header and one terminator fewer), the figure Redis's quicklist uses to decide merges.
    /// </summary>
    public static byte* Concat(Arena arena, byte* first, byte* second)
    {
        int ta = TotalBytes(first), tb = TotalBytes(second);
        int entriesA = ta - EmptySize, entriesB = tb - EmptySize;
        long newTotalLong = (long)ta + tb - EmptySize;
        if (newTotalLong > MaxTotalBytes) ThrowTooLarge();
        int newTotal = (int)newTotalLong;
        ushort ca = HeaderCount(first), cb = HeaderCount(second);
        int count = ca == CountUnknown || cb == CountUnknown ? CountUnknown : Math.Min(ca + cb, CountUnknown);

        byte* lp;
        if (ta >= tb)
        {
            lp = Grow(arena, first, ta, newTotal);
            // lp's block holds newTotal bytes; second's entries go where first's terminator was.
            Buffer.MemoryCopy(second + HeaderSize, lp + HeaderSize + entriesA, entriesB, entriesB);
            arena.Free(second, (nuint)tb);
        }
        else
        {
            lp = Grow(arena, second, tb, newTotal);
            // lp's block holds newTotal bytes; second's entries move right to make room for first's.
            Buffer.MemoryCopy(lp + HeaderSize, lp + HeaderSize + entriesA, entriesB, entriesB);
            Buffer.MemoryCopy(first + HeaderSize, lp + HeaderSize, entriesA, entriesA);
            arena.Free(first, (nuint)ta);
        }
        lp[newTotal - 1] = Eof;
        WriteU32(lp, (uint)newTotal);
        WriteU16(lp + CountOffset, (ushort)count);
        return lp;
    }
}
