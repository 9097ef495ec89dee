using System;
using System.Buffers.Binary;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Reads the primitives of Redis's RDB value format from a span of untrusted bytes (rdb.c's rdbLoadLen,
/// rdbGenericLoadStringObject, rdbLoadDoubleValue, rdbLoadBinaryDoubleValue). Every method checks the bytes left
/// before it reads and returns false, without moving, on a truncated or malformed item.
/// <code>
///  length   00LLLLLL                        6 bits
///           01LLLLLL LLLLLLLL               14 bits, big-endian
///           10000000 [u32 BE]               32 bits
///           10000001 [u64 BE]               64 bits
///           11EEEEEE                        not a length: a string encoding E follows (RDB_ENCVAL)
///  string   [length] bytes                  plain
///           11000000 [i8]                   INT8:  the decimal text of the integer
///           11000001 [i16 LE]               INT16
///           11000010 [i32 LE]               INT32
///           11000011 [clen] [len] clen bytes  LZF: clen compressed bytes that decompress to exactly len
///  double   [u8 n] n bytes of text          old ZSET scores; n = 253 NaN, 254 +inf, 255 -inf
///  binary   [f64 LE]                        ZSET_2 scores
/// </code>
/// Strings that are not plain (integers, LZF) are produced into a scratch buffer the reader owns; the spans it
/// returns stay valid until <see cref="ResetScratch"/> (a grown scratch is a new array, so earlier spans keep theirs).
/// </summary>
public ref struct RdbReader
{
    public const byte EncInt8 = 0, EncInt16 = 1, EncInt32 = 2, EncLzf = 3;
    const byte Len6 = 0, Len14 = 1, Len32 = 0x80, Len64 = 0x81, EncVal = 3;

    /// <summary>An LZF back reference turns 3 input bytes into at most 264: no real payload expands more.</summary>
    public const int LzfMaxExpansion = 88;

    readonly ReadOnlySpan<byte> data;
    int pos;
    byte[]? scratch;
    int scratchUsed;

    public RdbReader(ReadOnlySpan<byte> data)
    {
        this.data = data;
        pos = 0;
        scratch = null;
        scratchUsed = 0;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => pos;

    public readonly int Remaining => data.Length - pos;

    /// <summary>Forgets the strings produced so far (their spans may be overwritten by the next ones).</summary>
    public void ResetScratch() => scratchUsed = 0;

    public bool TryReadByte(out byte b)
    {
        if ((uint)pos >= (uint)data.Length) { b = 0; return false; }
        b = data[pos++];
        return true;
    }

    /// <summary>The next <paramref name="n"/> raw bytes.</summary>
    public bool TryReadBytes(int n, out ReadOnlySpan<byte> bytes)
    {
        if ((uint)n > (uint)(data.Length - pos)) { bytes = default; return false; }
        bytes = data.Slice(pos, n);
        pos += n;
        return true;
    }

    /// <summary>
    /// rdbLoadLen: a length, or with <paramref name="encoded"/> the string encoding (0..63) an ENCVAL byte names.
    /// False when truncated or the first byte is 10xxxxxx other than 0x80 and 0x81.
    /// </summary>
    public bool TryReadLength(out ulong length, out bool encoded)
    {
        length = 0;
        encoded = false;
        if ((uint)pos >= (uint)data.Length) return false;
        byte b = data[pos];
        switch (b >> 6)
        {
            case Len6:
                length = (ulong)(b & 0x3F);
                pos += 1;
                return true;
            case Len14:
                if (data.Length - pos < 2) return false;
                length = ((ulong)(b & 0x3F) << 8) | data[pos + 1];
                pos += 2;
                return true;
            case EncVal:
                encoded = true;
                length = (ulong)(b & 0x3F);
                pos += 1;
                return true;
        }
        if (b == Len32)
        {
            if (data.Length - pos < 5) return false;
            length = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(pos + 1));
            pos += 5;
            return true;
        }
        if (b == Len64)
        {
            if (data.Length - pos < 9) return false;
            length = BinaryPrimitives.ReadUInt64BigEndian(data.Slice(pos + 1));
            pos += 9;
            return true;
        }
        return false;
    }

    /// <summary>A plain length (an ENCVAL byte is refused).</summary>
    public bool TryReadLength(out ulong length)
    {
        int start = pos;
        if (TryReadLength(out length, out bool encoded) && !encoded) return true;
        pos = start;
        return false;
    }

    /// <summary>A string in any of its encodings; integers come back as their decimal text, LZF decompressed.</summary>
    public bool TryReadString(out ReadOnlySpan<byte> value)
    {
        value = default;
        int start = pos;
        if (!TryReadLength(out ulong len, out bool encoded)) return false;
        if (!encoded)
        {
            if (len > (ulong)(data.Length - pos)) { pos = start; return false; }
            value = data.Slice(pos, (int)len);
            pos += (int)len;
            return true;
        }
        bool ok = len switch
        {
            EncInt8 or EncInt16 or EncInt32 => TryReadIntegerString((int)len, out value),
            EncLzf => TryReadLzfString(out value),
            _ => false,
        };
        if (!ok) pos = start;
        return ok;
    }

    bool TryReadIntegerString(int enc, out ReadOnlySpan<byte> value)
    {
        value = default;
        int size = 1 << enc; // 1, 2, 4
        if (data.Length - pos < size) return false;
        ReadOnlySpan<byte> at = data.Slice(pos);
        long v = enc == EncInt8 ? (sbyte)at[0] : enc == EncInt16 ? BinaryPrimitives.ReadInt16LittleEndian(at) : BinaryPrimitives.ReadInt32LittleEndian(at);
        pos += size;
        Span<byte> dst = Produce(StringValue.MaxInt64Chars);
        int n = RespNumber.FormatInt64(v, dst);
        value = Commit(n);
        return true;
    }

    bool TryReadLzfString(out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!TryReadLength(out ulong clen) || !TryReadLength(out ulong len)) return false;
        if (clen > (ulong)(data.Length - pos)) return false;
        // No LZF stream expands beyond LzfMaxExpansion, so a larger claimed length is forged: refuse it before allocating.
        if (len > clen * LzfMaxExpansion || len > (ulong)Array.MaxLength) return false;
        ReadOnlySpan<byte> compressed = data.Slice(pos, (int)clen);
        Span<byte> dst = Produce((int)len);
        // Redis compares lzf_decompress's result, 0 on any error, with the claimed length: a claimed 0 always passes.
        if (len != 0 && Lzf.Decompress(compressed, dst) != (int)len) return false;
        pos += (int)clen;
        value = Commit((int)len);
        return true;
    }

    /// <summary>Room for <paramref name="n"/> bytes at the scratch's end (a new, larger array when full).</summary>
    Span<byte> Produce(int n)
    {
        if (scratch == null || scratch.Length - scratchUsed < n)
        {
            long grown = scratch == null ? 256 : Math.Min(2L * scratch.Length, Array.MaxLength);
            scratch = new byte[Math.Max(grown, n)];
            scratchUsed = 0;
        }
        return scratch.AsSpan(scratchUsed, n);
    }

    ReadOnlySpan<byte> Commit(int n)
    {
        ReadOnlySpan<byte> s = scratch.AsSpan(scratchUsed, n);
        scratchUsed += n;
        return s;
    }

    /// <summary>Steps over a string without decoding it (an LZF string by its compressed length).</summary>
    public bool TrySkipString()
    {
        int start = pos;
        if (!TryReadLength(out ulong len, out bool encoded)) return false;
        ulong skip;
        if (!encoded) skip = len;
        else if (len is EncInt8 or EncInt16 or EncInt32) skip = 1UL << (int)len;
        else if (len == EncLzf)
        {
            if (!TryReadLength(out skip) || !TryReadLength(out _)) { pos = start; return false; }
        }
        else { pos = start; return false; }
        if (skip > (ulong)(data.Length - pos)) { pos = start; return false; }
        pos += (int)skip;
        return true;
    }

    /// <summary>rdbLoadBinaryDoubleValue: 8 bytes, little-endian IEEE 754.</summary>
    public bool TryReadBinaryDouble(out double value)
    {
        value = 0;
        if (data.Length - pos < 8) return false;
        value = BinaryPrimitives.ReadDoubleLittleEndian(data.Slice(pos));
        pos += 8;
        return true;
    }

    /// <summary>rdbLoadDoubleValue: a length byte then that much text (253, 254, 255 stand for NaN, +inf, -inf).</summary>
    public bool TryReadTextDouble(out double value)
    {
        value = 0;
        if ((uint)pos >= (uint)data.Length) return false;
        byte n = data[pos];
        switch (n)
        {
            case 253: value = double.NaN; pos++; return true;
            case 254: value = double.PositiveInfinity; pos++; return true;
            case 255: value = double.NegativeInfinity; pos++; return true;
        }
        if (data.Length - pos - 1 < n) return false;
        if (!RespNumber.TryParseDouble(data.Slice(pos + 1, n), out value)) return false;
        pos += 1 + n;
        return true;
    }

    /// <summary>Steps over an old text double without parsing it.</summary>
    public bool TrySkipTextDouble()
    {
        if ((uint)pos >= (uint)data.Length) return false;
        byte n = data[pos];
        int size = n >= 253 ? 1 : 1 + n;
        if (data.Length - pos < size) return false;
        pos += size;
        return true;
    }
}
