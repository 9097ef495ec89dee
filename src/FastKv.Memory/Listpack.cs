using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Memory;

/// <summary>
/// Redis's listpack: a sequence of strings and integers in one arena blob, walkable both ways. Hashes,
/// small sets, sorted sets and list nodes use it (DESIGN.md section 5). The bytes are Redis's own, so an
/// RDB writer can emit a blob verbatim (RDB types 16, 17, 18, 20).
/// <code>
///  offset      size   field
///   0          u32    total bytes of the blob, header and terminator included (little-endian)
///   4          u16    entry count; 65535 = unknown, count by walking (little-endian)
///   6          ...    entries
///   total-1    u8     0xFF terminator
///
///  entry: [encoding + data][backlen]
///  encoding (first byte)                          data                      value
///   0xxxxxxx                                       -                         uint 0..127
///   10LLLLLL                                       L bytes                   string, len &lt; 64
///   110xxxxx yyyyyyyy                              -                         int13 -4096..4095 (x high bits)
///   1110LLLL LLLLLLLL                              L bytes                   string, len &lt; 4096 (L high bits first)
///   11110000 [u32 len]                             len bytes                 string, len &lt; 2^32
///   11110001 / 11110010 / 11110011 / 11110100      2 / 3 / 4 / 8 bytes LE    int16 / int24 / int32 / int64
///   11111111                                       -                         terminator (not an entry)
///  backlen: the length of encoding + data, 1..5 bytes of 7 bits, most significant first; every byte
///  but the leftmost has bit 7 set, so it decodes right to left from the byte before the next entry.
/// </code>
/// Strings that look like integers (canonical decimal, see <see cref="TryParseInteger"/>) are stored as
/// integers, the narrowest encoding that holds them, as Redis does. Operations that change the size take
/// the arena and return the (maybe moved) blob; entry pointers into the old blob are then invalid.
/// The blob's block is the arena block of <c>TotalBytes</c> (the same size class, or exact for large
/// blocks), so <see cref="Free"/> needs no other size.
/// Unsafe invariant for the whole class: <c>lp</c> points at a live blob this format describes (checked
/// by <see cref="Validate"/> for untrusted bytes), and entry pointers <c>p</c> point at an entry start or
/// at the terminator of that blob.
/// </summary>
public static unsafe partial class Listpack
{
    public const int HeaderSize = 6;
    public const int CountOffset = 4;
    public const int EmptySize = HeaderSize + 1;
    public const ushort CountUnknown = 65535;
    public const byte Eof = 0xFF;

    // First-byte encodings: mask picks the tag bits, the constant is the tag.
    const byte Uint7Mask = 0x80, Uint7 = 0x00;
    const byte Str6Mask = 0xC0, Str6 = 0x80;
    const byte Int13Mask = 0xE0, Int13 = 0xC0;
    const byte Str12Mask = 0xF0, Str12 = 0xE0;
    const byte Str32 = 0xF0, Int16 = 0xF1, Int24 = 0xF2, Int32 = 0xF3, Int64 = 0xF4;

    const int Str6MaxLen = 63, Str12MaxLen = 4095;
    const int Int13Min = -4096, Int13Max = 4095;
    const int Int24Min = -(1 << 23), Int24Max = (1 << 23) - 1;

    /// <summary>Backlen bytes carry 7 bits each; bit 7 marks "more bytes to the left".</summary>
    const byte BacklenMore = 0x80, BacklenBits = 0x7F;
    /// <summary>The longest canonical decimal of an int64 ("-9223372036854775808").</summary>
    public const int MaxIntegerChars = 20;

    // ---- header ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TotalBytes(byte* lp) => (int)ReadU32(lp);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ushort HeaderCount(byte* lp) => ReadU16(lp + CountOffset);

    /// <summary>The number of entries; walks the blob when the header says unknown, and stores the count
    /// back when it fits again (as Redis's lpLength).</summary>
    public static int Count(byte* lp)
    {
        ushort c = HeaderCount(lp);
        if (c != CountUnknown) return c;
        int n = 0;
        for (byte* p = First(lp); p != null; p = Next(lp, p)) n++;
        if (n < CountUnknown) WriteU16(lp + CountOffset, (ushort)n);
        return n;
    }

    public static byte* Create(Arena arena)
    {
        byte* lp = arena.Alloc(EmptySize);
        WriteU32(lp, EmptySize);
        WriteU16(lp + CountOffset, 0);
        lp[HeaderSize] = Eof;
        return lp;
    }

    public static void Free(Arena arena, byte* lp) => arena.Free(lp, (nuint)TotalBytes(lp));

    // ---- walking ----

    /// <summary>The first entry, or null when empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* First(byte* lp)
    {
        byte* p = lp + HeaderSize;
        return *p == Eof ? null : p;
    }

    /// <summary>The last entry, or null when empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Last(byte* lp) => Prev(lp, lp + TotalBytes(lp) - 1);

    /// <summary>The entry after <paramref name="p"/>, or null at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Next(byte* lp, byte* p)
    {
        Debug.Assert(p >= lp + HeaderSize && p < lp + TotalBytes(lp) - 1 && *p != Eof);
        int len = EncodedLength(p);
        p += len + BacklenSize(len);
        Debug.Assert(p <= lp + TotalBytes(lp) - 1);
        return *p == Eof ? null : p;
    }

    /// <summary>The entry before <paramref name="p"/> (an entry or the terminator), or null at the start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Prev(byte* lp, byte* p)
    {
        Debug.Assert(p >= lp + HeaderSize && p <= lp + TotalBytes(lp) - 1);
        if (p == lp + HeaderSize) return null;
        int len = ReadBacklen(p - 1, out int size);
        p -= size + len;
        Debug.Assert(p >= lp + HeaderSize && EncodedLength(p) == len);
        return p;
    }

    /// <summary>The entry at <paramref name="index"/> (negative counts from the end, -1 the last), or
    /// null when out of range. Walks from the nearer end when the count is known.</summary>
    public static byte* Seek(byte* lp, int index)
    {
        ushort c = HeaderCount(lp);
        bool forward;
        if (c == CountUnknown)
        {
            forward = index >= 0;
        }
        else
        {
            if (index < 0) index += c;
            if ((uint)index >= c) return null;
            forward = index < c / 2;
            if (!forward) index -= c;
        }
        if (forward)
        {
            byte* p = First(lp);
            while (p != null && index-- > 0) p = Next(lp, p);
            return p;
        }
        else
        {
            byte* p = Last(lp);
            while (p != null && ++index < 0) p = Prev(lp, p);
            return p;
        }
    }

    // ---- reading ----

    /// <summary>Reads the entry at <paramref name="p"/>: true with <paramref name="value"/> for an integer,
    /// false with <paramref name="str"/> (pointing into the blob) for a string.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Get(byte* p, out long value, out ReadOnlySpan<byte> str)
    {
        byte b = *p;
        Debug.Assert(b != Eof);
        str = default;
        if ((b & Uint7Mask) == Uint7) { value = b; return true; }
        if ((b & Str6Mask) == Str6) { value = 0; str = new ReadOnlySpan<byte>(p + 1, b & Str6MaxLen); return false; }
        return GetSlow(p, b, out value, out str);
    }

    /// <summary>The entry at <paramref name="p"/> as a <see cref="ListpackValue"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ListpackValue Get(byte* p)
        => Get(p, out long v, out ReadOnlySpan<byte> s) ? new ListpackValue(v) : new ListpackValue(s);

    static bool GetSlow(byte* p, byte b, out long value, out ReadOnlySpan<byte> str)
    {
        value = 0;
        str = default;
        if ((b & Int13Mask) == Int13)
        {
            int raw = ((b & 0x1F) << 8) | p[1];
            value = (raw ^ 0x1000) - 0x1000; // sign-extend 13 bits
            return true;
        }
        if ((b & Str12Mask) == Str12)
        {
            str = new ReadOnlySpan<byte>(p + 2, ((b & 0x0F) << 8) | p[1]);
            return false;
        }
        switch (b)
        {
            case Int16: value = (short)ReadU16(p + 1); return true;
            case Int24: value = ((int)(p[1] | (p[2] << 8) | (p[3] << 16)) << 8) >> 8; return true;
            case Int32: value = (int)ReadU32(p + 1); return true;
            case Int64: value = (long)ReadU64(p + 1); return true;
            case Str32: str = new ReadOnlySpan<byte>(p + 5, (int)ReadU32(p + 1)); return false;
        }
        Debug.Fail("invalid listpack encoding");
        return false;
    }

    /// <summary>The length of encoding + data of the entry at <paramref name="p"/> (the value its backlen holds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int EncodedLength(byte* p)
    {
        byte b = *p;
        if ((b & Uint7Mask) == Uint7) return 1;
        if ((b & Str6Mask) == Str6) return 1 + (b & Str6MaxLen);
        if ((b & Int13Mask) == Int13) return 2;
        if ((b & Str12Mask) == Str12) return 2 + (((b & 0x0F) << 8) | p[1]);
        switch (b)
        {
            case Int16: return 3;
            case Int24: return 4;
            case Int32: return 5;
            case Int64: return 9;
            case Str32: return 5 + (int)ReadU32(p + 1);
        }
        Debug.Fail("invalid listpack encoding");
        return 1;
    }

    /// <summary>The whole entry at <paramref name="p"/> in bytes, backlen included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EntrySize(byte* p)
    {
        int len = EncodedLength(p);
        return len + BacklenSize(len);
    }

    // ---- comparing ----

    /// <summary>Whether the entry equals <paramref name="value"/> in stored form: a string entry matches the
    /// same bytes, an integer entry matches the canonical decimal that parses to it.</summary>
    public static bool EntryEquals(byte* p, ReadOnlySpan<byte> value)
    {
        if (Get(p, out long v, out ReadOnlySpan<byte> s)) return TryParseInteger(value, out long w) && v == w;
        return s.SequenceEqual(value);
    }

    /// <summary>The first entry from <paramref name="p"/> on that equals <paramref name="value"/> (as
    /// <see cref="EntryEquals"/>), comparing one entry and then skipping <paramref name="skip"/> (1 finds
    /// hash fields among field/value pairs); null when none. <paramref name="p"/> may be null or the terminator.</summary>
    public static byte* Find(byte* lp, byte* p, ReadOnlySpan<byte> value, int skip)
    {
        Debug.Assert(skip >= 0);
        // The query is parsed once; if it is not a canonical integer no integer entry can match.
        bool queryIsInt = TryParseInteger(value, out long q);
        int skipLeft = 0;
        if (p != null && *p == Eof) p = null;
        while (p != null)
        {
            if (skipLeft == 0)
            {
                if (Matches(p, value, queryIsInt, q)) return p;
                skipLeft = skip;
            }
            else
            {
                skipLeft--;
            }
            p = Next(lp, p);
        }
        return null;
    }

    /// <summary>Whether the entry at <paramref name="p"/> equals <paramref name="value"/>, whose integer parse
    /// (<see cref="TryParseInteger"/>) the caller did once: <paramref name="queryIsInt"/>, <paramref name="q"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool Matches(byte* p, ReadOnlySpan<byte> value, bool queryIsInt, long q)
        => Get(p, out long v, out ReadOnlySpan<byte> s) ? queryIsInt && v == q : s.SequenceEqual(value);

    /// <summary>
    /// Redis's string2ll rules: an optional '-', then digits with no leading zero ("0" alone is fine, "-0"
    /// is not), no '+', no spaces, at most <see cref="MaxIntegerChars"/> characters, and within int64.
    /// Exactly the strings an integer formats back to.
    /// </summary>
    public static bool TryParseInteger(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.Length == 0 || s.Length > MaxIntegerChars) return false;
        if (s.Length == 1 && s[0] == (byte)'0') return true;
        int i = 0;
        bool negative = s[0] == (byte)'-';
        if (negative) i = 1;
        if (i >= s.Length || s[i] < (byte)'1' || s[i] > (byte)'9') return false;
        ulong acc = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - (byte)'0');
            if (d > 9) return false;
            if (acc > (ulong.MaxValue - d) / 10) return false;
            acc = acc * 10 + d;
        }
        if (negative)
        {
            if (acc > (ulong)long.MaxValue + 1) return false;
            value = (long)(0 - acc);
        }
        else
        {
            if (acc > long.MaxValue) return false;
            value = (long)acc;
        }
        return true;
    }

    // ---- backlen ----

    /// <summary>Bytes a backlen of <paramref name="len"/> takes (Redis's thresholds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int BacklenSize(long len)
        => len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : len < 268435455 ? 4 : 5;

    /// <summary>Writes the backlen of <paramref name="len"/> at <paramref name="q"/> (left to right); returns its size.</summary>
    static int WriteBacklen(byte* q, int len)
    {
        int n = BacklenSize(len);
        // Leftmost byte holds the top bits without the "more" flag; each byte to its right sets it.
        for (int i = 0; i < n; i++)
        {
            byte bits = (byte)((uint)len >> (7 * (n - 1 - i)) & BacklenBits);
            q[i] = i == 0 ? bits : (byte)(bits | BacklenMore);
        }
        return n;
    }

    /// <summary>Decodes the backlen whose last byte is at <paramref name="last"/>, walking left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int ReadBacklen(byte* last, out int size)
    {
        int value = 0, shift = 0;
        size = 0;
        while (true)
        {
            byte b = *last--;
            value |= (b & BacklenBits) << shift;
            size++;
            if ((b & BacklenMore) == 0) return value;
            shift += 7;
            Debug.Assert(size < 5, "backlen longer than 5 bytes");
        }
    }

    // ---- little-endian unaligned access ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ushort ReadU16(byte* p) => BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(p, 2));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static uint ReadU32(byte* p) => BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(p, 4));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong ReadU64(byte* p) => BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(p, 8));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WriteU16(byte* p, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(p, 2), v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WriteU32(byte* p, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(p, 4), v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WriteU64(byte* p, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(p, 8), v);
}

/// <summary>One listpack entry read out: an integer, or bytes pointing into the blob (valid until it changes).</summary>
public readonly ref struct ListpackValue
{
    public readonly long Integer;
    public readonly ReadOnlySpan<byte> Bytes;
    public readonly bool IsInteger;

    public ListpackValue(long value) { Integer = value; Bytes = default; IsInteger = true; }
    public ListpackValue(ReadOnlySpan<byte> bytes) { Integer = 0; Bytes = bytes; IsInteger = false; }
}
