using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace FastKv.Memory;

/// <summary>Where <see cref="Listpack.Insert(Arena, byte*, byte*, ListpackWhere, ReadOnlySpan{byte})"/> puts the new entry relative to the given one.</summary>
public enum ListpackWhere : byte { Before, After }

/// <summary>
/// Listpack writers. Every change is one splice: replace <c>removeBytes</c> bytes at an offset with zero
/// or one encoded entry. The splice grows the block first (inside the arena's slack when it fits, else an
/// exact Realloc, as Redis), moves the tail, writes the entry, and only after the tail has moved left
/// shrinks the block, so capacity is checked before every write and no byte is written past the block.
/// </summary>
public static unsafe partial class Listpack
{
    /// <summary>A blob may not exceed this (spans and offsets are ints; the header's u32 would allow more).</summary>
    public const int MaxTotalBytes = int.MaxValue - 8;

    /// <summary>Encoding bytes of an integer entry: at most 1 + 8; of a string header: at most 1 + 4.</summary>
    const int MaxEncodingHeader = 9;

    public static byte* Append(Arena arena, byte* lp, ReadOnlySpan<byte> value)
        => Splice(arena, lp, TotalBytes(lp) - 1, 0, value, 1, out _);

    public static byte* Prepend(Arena arena, byte* lp, ReadOnlySpan<byte> value)
        => Splice(arena, lp, HeaderSize, 0, value, 1, out _);

    public static byte* AppendInteger(Arena arena, byte* lp, long value)
        => SpliceInteger(arena, lp, TotalBytes(lp) - 1, 0, value, 1, out _);

    public static byte* PrependInteger(Arena arena, byte* lp, long value)
        => SpliceInteger(arena, lp, HeaderSize, 0, value, 1, out _);

    public static byte* Insert(Arena arena, byte* lp, byte* p, ListpackWhere where, ReadOnlySpan<byte> value)
        => Insert(arena, lp, p, where, value, out _);

    /// <summary>Inserts <paramref name="value"/> before or after the entry <paramref name="p"/> (before the
    /// terminator appends); <paramref name="entry"/> is the new entry in the returned blob.</summary>
    public static byte* Insert(Arena arena, byte* lp, byte* p, ListpackWhere where, ReadOnlySpan<byte> value, out byte* entry)
        => Splice(arena, lp, InsertOffset(lp, p, where), 0, value, 1, out entry);

    public static byte* InsertInteger(Arena arena, byte* lp, byte* p, ListpackWhere where, long value, out byte* entry)
        => SpliceInteger(arena, lp, InsertOffset(lp, p, where), 0, value, 1, out entry);

    public static byte* Replace(Arena arena, byte* lp, byte* p, ReadOnlySpan<byte> value)
        => Replace(arena, lp, p, value, out _);

    /// <summary>Replaces the entry <paramref name="p"/>; <paramref name="entry"/> is the new one in the returned blob.</summary>
    public static byte* Replace(Arena arena, byte* lp, byte* p, ReadOnlySpan<byte> value, out byte* entry)
    {
        Debug.Assert(*p != Eof);
        return Splice(arena, lp, (int)(p - lp), EntrySize(p), value, 0, out entry);
    }

    /// <summary>
    /// Replaces the entry <paramref name="p"/> only if <paramref name="value"/> encodes to exactly its encoding and
    /// data length: then its backlen, the header and every other byte stay as they are, so this also works on a
    /// listpack that is not an arena blob of its own and on packed entries (Listpack.Packed.cs: a small hash kept
    /// inline in its key entry). False, with nothing written, when the lengths differ.
    /// </summary>
    public static bool TryReplaceSameSize(byte* p, ReadOnlySpan<byte> value)
    {
        Debug.Assert(*p != Eof);
        // head holds MaxEncodingHeader bytes: EncodeInteger writes at most 9, EncodeStringHeader at most 5.
        byte* head = stackalloc byte[MaxEncodingHeader];
        int headLen;
        ReadOnlySpan<byte> data = default;
        if (TryParseInteger(value, out long v)) headLen = EncodeInteger(v, head);
        else
        {
            headLen = EncodeStringHeader(value.Length, head);
            data = value;
        }
        if ((long)headLen + data.Length != EncodedLength(p)) return false;
        // Same length: the new encoding and data cover exactly the old ones. The caller guarantees value does not
        // point into this entry (HashValue.Set's rule), so the copy reads nothing it has overwritten.
        Buffer.MemoryCopy(head, p, headLen, headLen);
        data.CopyTo(new Span<byte>(p + headLen, data.Length));
        return true;
    }

    public static byte* ReplaceInteger(Arena arena, byte* lp, byte* p, long value, out byte* entry)
    {
        Debug.Assert(*p != Eof);
        return SpliceInteger(arena, lp, (int)(p - lp), EntrySize(p), value, 0, out entry);
    }

    public static byte* Delete(Arena arena, byte* lp, byte* p) => Delete(arena, lp, p, out _);

    /// <summary>Deletes the entry <paramref name="p"/>; <paramref name="next"/> is the entry that followed it
    /// in the returned blob, or null when it was the last.</summary>
    public static byte* Delete(Arena arena, byte* lp, byte* p, out byte* next)
    {
        Debug.Assert(*p != Eof);
        lp = SpliceEncoded(arena, lp, (int)(p - lp), EntrySize(p), default, default, false, -1, out next);
        if (*next == Eof) next = null;
        return lp;
    }

    /// <summary>Deletes up to <paramref name="count"/> entries from <paramref name="index"/> (negative from the
    /// end) on; deletes nothing when the index is out of range.</summary>
    public static byte* DeleteRange(Arena arena, byte* lp, int index, int count)
    {
        byte* start = Seek(lp, index);
        if (start == null || count <= 0) return lp;
        byte* p = start;
        int n = 0;
        while (n < count && *p != Eof)
        {
            p += EntrySize(p);
            n++;
        }
        return SpliceEncoded(arena, lp, (int)(start - lp), (int)(p - start), default, default, false, -n, out _);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int InsertOffset(byte* lp, byte* p, ListpackWhere where)
    {
        Debug.Assert(p >= lp + HeaderSize && p < lp + TotalBytes(lp));
        Debug.Assert(where == ListpackWhere.Before || *p != Eof, "nothing comes after the terminator");
        return (int)(p - lp) + (where == ListpackWhere.Before ? 0 : EntrySize(p));
    }

    static byte* SpliceInteger(Arena arena, byte* lp, int offset, int removeBytes, long value, int countDelta, out byte* entry)
    {
        // head holds MaxEncodingHeader bytes: EncodeInteger writes at most 9, EncodeStringHeader at most 5.
        byte* head = stackalloc byte[MaxEncodingHeader];
        int headLen = EncodeInteger(value, head);
        return SpliceEncoded(arena, lp, offset, removeBytes, new ReadOnlySpan<byte>(head, headLen), default, true, countDelta, out entry);
    }

    /// <summary>Encodes <paramref name="value"/> (as an integer when it is a canonical one) and splices it in.</summary>
    static byte* Splice(Arena arena, byte* lp, int offset, int removeBytes, ReadOnlySpan<byte> value, int countDelta, out byte* entry)
    {
        // head holds MaxEncodingHeader bytes: EncodeInteger writes at most 9, EncodeStringHeader at most 5.
        byte* head = stackalloc byte[MaxEncodingHeader];
        int headLen;
        ReadOnlySpan<byte> data = default;
        if (TryParseInteger(value, out long v))
        {
            headLen = EncodeInteger(v, head);
        }
        else
        {
            headLen = EncodeStringHeader(value.Length, head);
            data = value;
        }
        return SpliceEncoded(arena, lp, offset, removeBytes, new ReadOnlySpan<byte>(head, headLen), data, true, countDelta, out entry);
    }

    /// <summary>
    /// The one writer: replaces <paramref name="removeBytes"/> bytes at <paramref name="offset"/> with the entry
    /// <paramref name="head"/> + <paramref name="data"/> + backlen (when <paramref name="insert"/>), updates the
    /// header (count += <paramref name="countDelta"/> unless unknown; reaching 65535 makes it unknown, as
    /// Redis) and returns the (maybe moved) blob. <paramref name="entry"/> is the byte at the offset afterwards.
    /// </summary>
    static byte* SpliceEncoded(Arena arena, byte* lp, int offset, int removeBytes, ReadOnlySpan<byte> head, ReadOnlySpan<byte> data,
        bool insert, int countDelta, out byte* entry)
    {
        int total = TotalBytes(lp);
        Debug.Assert(offset >= HeaderSize && offset + removeBytes <= total - 1);
        long encLen = insert ? (long)head.Length + data.Length : 0;
        long add = insert ? encLen + BacklenSize(encLen) : 0;
        long newTotalLong = total - removeBytes + add;
        if (newTotalLong > MaxTotalBytes) ThrowTooLarge();
        int newTotal = (int)newTotalLong;

        // A value read from this very blob would move under the splice: copy it first (rare, allocates).
        if (!data.IsEmpty)
        {
            fixed (byte* d = data)
            {
                // d is only compared with the blob's bounds, never dereferenced.
                if (d + data.Length > lp && d < lp + total) data = data.ToArray();
            }
        }

        if (newTotal > total) lp = Grow(arena, lp, total, newTotal);
        // The block now holds max(total, newTotal) bytes; the tail [offset+removeBytes, total) moves to offset+add.
        byte* at = lp + offset;
        int tail = total - offset - removeBytes;
        // After Grow the block is the block of max(total, newTotal): every write below stays inside it.
        Debug.Assert(offset + add + tail == newTotal && (nuint)(offset + Math.Max(add, removeBytes) + tail) <= Arena.UsableSize((nuint)Math.Max(total, newTotal)));
        if (add != removeBytes) new ReadOnlySpan<byte>(at + removeBytes, tail).CopyTo(new Span<byte>(at + add, tail));
        if (insert)
        {
            head.CopyTo(new Span<byte>(at, head.Length));
            data.CopyTo(new Span<byte>(at + head.Length, data.Length));
            int written = WriteBacklen(at + head.Length + data.Length, (int)encLen);
            Debug.Assert(head.Length + data.Length + written == add);
        }
        WriteU32(lp, (uint)newTotal);
        ushort count = HeaderCount(lp);
        if (count != CountUnknown)
        {
            int c = count + countDelta;
            Debug.Assert(c >= 0);
            WriteU16(lp + CountOffset, c >= CountUnknown ? CountUnknown : (ushort)c);
        }
        Debug.Assert(lp[newTotal - 1] == Eof);
        if (newTotal < total) lp = Shrink(arena, lp, total, newTotal);
        entry = lp + offset;
        return lp;
    }

    /// <summary>Room for <paramref name="newTotal"/> bytes: the arena slack when it fits, else an exact Realloc.</summary>
    static byte* Grow(Arena arena, byte* lp, int total, int newTotal)
    {
        if (Arena.UsableSize((nuint)total) >= (nuint)newTotal) return lp;
        return arena.Realloc(lp, (nuint)total, (nuint)newTotal);
    }

    /// <summary>Gives back the block's tail when <paramref name="newTotal"/> maps to a smaller block.</summary>
    static byte* Shrink(Arena arena, byte* lp, int total, int newTotal)
    {
        if (Arena.UsableSize((nuint)total) == Arena.UsableSize((nuint)newTotal)) return lp;
        return arena.Realloc(lp, (nuint)total, (nuint)newTotal);
    }

    /// <summary>Writes the narrowest integer encoding of <paramref name="v"/> (at most 9 bytes); returns its length.</summary>
    static int EncodeInteger(long v, byte* buf)
    {
        if (v >= 0 && v <= 127) { buf[0] = (byte)v; return 1; }
        if (v >= Int13Min && v <= Int13Max)
        {
            int u = (int)v & 0x1FFF; // 13-bit two's complement
            buf[0] = (byte)(Int13 | (u >> 8));
            buf[1] = (byte)u;
            return 2;
        }
        if (v >= short.MinValue && v <= short.MaxValue) { buf[0] = Int16; WriteU16(buf + 1, (ushort)v); return 3; }
        if (v >= Int24Min && v <= Int24Max)
        {
            buf[0] = Int24;
            buf[1] = (byte)v;
            buf[2] = (byte)(v >> 8);
            buf[3] = (byte)(v >> 16);
            return 4;
        }
        if (v >= int.MinValue && v <= int.MaxValue) { buf[0] = Int32; WriteU32(buf + 1, (uint)v); return 5; }
        buf[0] = Int64;
        WriteU64(buf + 1, (ulong)v);
        return 9;
    }

    /// <summary>Writes the string header for <paramref name="len"/> bytes (at most 5); returns its length.</summary>
    static int EncodeStringHeader(int len, byte* buf)
    {
        if (len <= Str6MaxLen) { buf[0] = (byte)(Str6 | len); return 1; }
        if (len <= Str12MaxLen) { buf[0] = (byte)(Str12 | (len >> 8)); buf[1] = (byte)len; return 2; }
        buf[0] = Str32;
        WriteU32(buf + 1, (uint)len);
        return 5;
    }

    [DoesNotReturn]
    static void ThrowTooLarge() => throw new InvalidOperationException("listpack would exceed " + MaxTotalBytes + " bytes");
}
