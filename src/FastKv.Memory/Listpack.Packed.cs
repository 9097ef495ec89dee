using System;
using System.Diagnostics;

namespace FastKv.Memory;

/// <summary>
/// The packed form of a small listpack: its entries' encoding and data bytes, back to back, without the
/// header, the backlens or the terminator.
/// <code>
///  listpack  [total u32][count u16] [enc data backlen] [enc data backlen] ... [FF]
///  packed                           [enc data]         [enc data]         ...
/// </code>
/// Every listpack encoding states its own length, so the packed bytes walk forward and
/// <see cref="Unpack"/> rebuilds the listpack byte for byte. This saves 7 bytes plus one byte per entry
/// (two for an entry of 128 bytes or more): for a hash of ten small fields, 27 of its 187 bytes.
/// The engine keeps small hashes packed inside their key entry (Engine/Collection.Inline.cs).
///
/// Unsafe invariant: <c>lp</c> is a valid listpack; <c>packed</c>/<c>size</c> are bytes <see cref="Pack"/>
/// wrote; destinations have room for the size the matching *Size method returns.
/// </summary>
public static unsafe partial class Listpack
{
    /// <summary>The packed entry after <paramref name="p"/> (<paramref name="end"/> when it was the last).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static byte* PackedNext(byte* p) => p + EncodedLength(p);

    /// <summary>The number of entries in <paramref name="size"/> packed bytes.</summary>
    public static int PackedCount(byte* packed, int size)
    {
        int n = 0;
        for (byte* p = packed, end = packed + size; p < end; p = PackedNext(p)) n++;
        return n;
    }

    /// <summary><see cref="Find"/> over packed bytes, from the first entry: the first entry that equals
    /// <paramref name="value"/>, checking one entry and then skipping <paramref name="skip"/>; null when none.</summary>
    public static byte* PackedFind(byte* packed, int size, ReadOnlySpan<byte> value, int skip)
    {
        bool queryIsInt = TryParseInteger(value, out long q);
        int skipLeft = 0;
        for (byte* p = packed, end = packed + size; p < end; p = PackedNext(p))
        {
            if (skipLeft > 0) { skipLeft--; continue; }
            if (Matches(p, value, queryIsInt, q)) return p;
            skipLeft = skip;
        }
        return null;
    }

    /// <summary>Bytes <see cref="Pack"/> writes for <paramref name="lp"/>.</summary>
    public static int PackedSize(byte* lp)
    {
        int size = TotalBytes(lp) - EmptySize;
        for (byte* p = First(lp); p != null; p = Next(lp, p)) size -= BacklenSize(EncodedLength(p));
        return size;
    }

    /// <summary>Writes the packed form of <paramref name="lp"/> at <paramref name="dst"/>; returns its size.</summary>
    public static int Pack(byte* lp, byte* dst)
    {
        byte* q = dst;
        for (byte* p = First(lp); p != null; p = Next(lp, p))
        {
            int len = EncodedLength(p);
            Buffer.MemoryCopy(p, q, len, len);
            q += len;
        }
        return (int)(q - dst);
    }

    /// <summary>Bytes of the listpack <see cref="Unpack"/> rebuilds from <paramref name="size"/> packed bytes.</summary>
    public static int UnpackedSize(byte* packed, int size)
    {
        int total = EmptySize + size;
        for (byte* p = packed, end = packed + size; p < end;)
        {
            int len = EncodedLength(p);
            total += BacklenSize(len);
            p += len;
        }
        return total;
    }

    /// <summary>Rebuilds at <paramref name="lp"/> the listpack whose packed form is <paramref name="packed"/>; returns its size.</summary>
    public static int Unpack(byte* packed, int size, byte* lp)
    {
        byte* q = lp + HeaderSize;
        int count = 0;
        for (byte* p = packed, end = packed + size; p < end; count++)
        {
            int len = EncodedLength(p);
            Debug.Assert(p + len <= end, "packed entry runs past its bytes");
            Buffer.MemoryCopy(p, q, len, len);
            q += len;
            q += WriteBacklen(q, len);
            p += len;
        }
        *q++ = Eof;
        int total = (int)(q - lp);
        WriteU32(lp, (uint)total);
        WriteU16(lp + CountOffset, count < CountUnknown ? (ushort)count : CountUnknown);
        return total;
    }
}
