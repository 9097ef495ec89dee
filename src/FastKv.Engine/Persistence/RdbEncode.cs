using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// The write side of Redis's RDB value format (rdb.c's rdbSave* functions): lengths, strings, doubles here; whole
/// values and key records in RdbEncode.Value.cs. Everything is appended to an <see cref="IBufferWriter{T}"/>
/// through small <c>GetSpan</c> requests (at most <see cref="MaxLengthBytes"/> plus a few bytes) and
/// <c>Write</c> of payload spans, so a writer made of fixed-size chunks can take a value of any size.
///
/// A length (rdbSaveLen) is big-endian where it has more than one byte; the first byte's top two bits say
/// which form it is:
/// <code>
///  00LLLLLL                          6-bit length, 0..63
///  01LLLLLL LLLLLLLL                 14-bit length, 64..16383
///  10000000 [u32 BE]                 32-bit length, up to 2^32-1
///  10000001 [u64 BE]                 64-bit length
///  11EEEEEE                          not a length: a string in special encoding E follows (RDB_ENCVAL)
/// </code>
/// A string (rdbSaveRawString) is, in the order Redis tries them: an integer (ENCVAL 0/1/2: INT8/16/32, little
/// endian) when it is at most 11 bytes and the canonical text of a 32-bit integer (string2ll); LZF (ENCVAL 3,
/// then the compressed and the original length, then the LZF bytes) when compression is on, the string is
/// longer than 20 bytes and LZF saves at least 4 bytes; otherwise its length and its bytes. DUMP compresses with
/// Redis's exact choices, files with the quick compressor (<see cref="LzfMode"/>), which after a run of failures
/// tries only some strings until one compresses (<see cref="QuickMissesBeforeSampling"/>).
/// </summary>
public static unsafe partial class RdbEncode
{
    /// <summary>QUICKLIST_NODE_CONTAINER_PACKED: a quicklist node whose payload is a listpack.</summary>
    public const int ContainerPacked = 2;

    const byte Len6 = 0x00, Len14 = 0x40, Len32 = 0x80, Len64 = 0x81, EncVal = 0xC0;
    const byte EncInt8 = 0, EncInt16 = 1, EncInt32 = 2, EncLzf = 3;

    /// <summary>Most bytes one length takes (the 64-bit form).</summary>
    public const int MaxLengthBytes = 9;

    /// <summary>Longest string that may be integer-encoded: "-2147483648" is 11 bytes.</summary>
    const int MaxIntegerEncodedChars = 11;

    /// <summary>Strings up to this long are never compressed (Redis: LZF cannot shrink them enough).</summary>
    const int MinCompressLength = 20;

    /// <summary>Bytes LZF must save for the compressed form to be written.</summary>
    const int MinCompressSaving = 4;

    /// <summary>rdbSaveLen: writes <paramref name="len"/> in its shortest form; returns the bytes written.</summary>
    public static int WriteLength(IBufferWriter<byte> w, ulong len)
    {
        Span<byte> s = w.GetSpan(MaxLengthBytes);
        int n = EncodeLength(s, len);
        w.Advance(n);
        return n;
    }

    /// <summary>Encodes a length into <paramref name="dst"/> (at least <see cref="MaxLengthBytes"/> long).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EncodeLength(Span<byte> dst, ulong len)
    {
        if (len < 1 << 6)
        {
            dst[0] = (byte)(Len6 | len);
            return 1;
        }
        if (len < 1 << 14)
        {
            dst[0] = (byte)(Len14 | (len >> 8));
            dst[1] = (byte)len;
            return 2;
        }
        if (len <= uint.MaxValue)
        {
            dst[0] = Len32;
            BinaryPrimitives.WriteUInt32BigEndian(dst.Slice(1), (uint)len);
            return 5;
        }
        dst[0] = Len64;
        BinaryPrimitives.WriteUInt64BigEndian(dst.Slice(1), len);
        return 9;
    }

    /// <summary>rdbEncodeInteger: the ENCVAL form of a value that fits 32 bits, else 0. <paramref name="dst"/> has 5 bytes.</summary>
    public static int EncodeInteger(Span<byte> dst, long value)
    {
        if (value >= sbyte.MinValue && value <= sbyte.MaxValue)
        {
            dst[0] = EncVal | EncInt8;
            dst[1] = (byte)value;
            return 2;
        }
        if (value >= short.MinValue && value <= short.MaxValue)
        {
            dst[0] = EncVal | EncInt16;
            BinaryPrimitives.WriteInt16LittleEndian(dst.Slice(1), (short)value);
            return 3;
        }
        if (value >= int.MinValue && value <= int.MaxValue)
        {
            dst[0] = EncVal | EncInt32;
            BinaryPrimitives.WriteInt32LittleEndian(dst.Slice(1), (int)value);
            return 5;
        }
        return 0;
    }

    /// <summary>rdbSaveRawString: <paramref name="s"/> as an integer, LZF or plain string (see the class notes).</summary>
    public static void WriteString(IBufferWriter<byte> w, ReadOnlySpan<byte> s, LzfMode lzf)
    {
        if (s.Length <= MaxIntegerEncodedChars && RespNumber.TryParseInt64(s, out long v))
        {
            Span<byte> d = w.GetSpan(5);
            int n = EncodeInteger(d, v);
            if (n > 0)
            {
                w.Advance(n);
                return;
            }
        }
        if (lzf != LzfMode.Off && s.Length > MinCompressLength && TryWriteLzf(w, s, lzf)) return;
        WriteLength(w, (ulong)s.Length);
        w.Write(s);
    }

    /// <summary>rdbSaveLongLongAsStringObject: an integer as an ENCVAL integer, or its decimal text.</summary>
    public static void WriteInteger(IBufferWriter<byte> w, long value)
    {
        Span<byte> d = w.GetSpan(1 + StringValue.MaxInt64Chars);
        int n = EncodeInteger(d, value);
        if (n == 0)
        {
            // Longer than 11 characters, so the text is written as it is (never compressed: at most 20 bytes).
            n = RespNumber.FormatInt64(value, d.Slice(1));
            d[0] = (byte)(Len6 | n);
            n++;
        }
        w.Advance(n);
    }

    /// <summary>Quick compressions that failed in a row on this thread (a shard writing a snapshot).</summary>
    [ThreadStatic] static int t_quickMisses;
    /// <summary>Strings this thread still writes without trying the quick compressor.</summary>
    [ThreadStatic] static int t_quickSkips;

    /// <summary>
    /// After this many quick compressions failed in a row, only one string in <see cref="QuickProbeEvery"/> is tried
    /// until one compresses: a dataset of incompressible values (random tokens, already compressed blobs) stops paying
    /// for attempts that give up, and any value that compresses brings every attempt back.
    /// </summary>
    const int QuickMissesBeforeSampling = 32, QuickProbeEvery = 16;

    /// <summary>rdbSaveLzfStringObject: compresses into a pooled buffer of <c>length - 4</c> bytes; false when it did not fit.</summary>
    static bool TryWriteLzf(IBufferWriter<byte> w, ReadOnlySpan<byte> s, LzfMode lzf)
    {
        if (lzf == LzfMode.Quick && t_quickSkips > 0)
        {
            t_quickSkips--;
            return false;
        }
        int outLen = s.Length - MinCompressSaving;
        byte[] buf = ArrayPool<byte>.Shared.Rent(outLen);
        try
        {
            int n = lzf == LzfMode.Quick ? Lzf.CompressQuick(s, buf.AsSpan(0, outLen)) : Lzf.Compress(s, buf.AsSpan(0, outLen));
            if (lzf == LzfMode.Quick)
            {
                if (n != 0) t_quickMisses = 0;
                else if (++t_quickMisses >= QuickMissesBeforeSampling) t_quickSkips = QuickProbeEvery - 1;
            }
            if (n == 0) return false;
            Span<byte> head = w.GetSpan(1 + 2 * MaxLengthBytes);
            head[0] = EncVal | EncLzf;
            int h = 1 + EncodeLength(head.Slice(1), (ulong)n);
            h += EncodeLength(head.Slice(h), (ulong)s.Length);
            w.Advance(h);
            w.Write(new ReadOnlySpan<byte>(buf, 0, n));
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    /// <summary>rdbSaveBinaryDoubleValue: the IEEE 754 bits, little-endian.</summary>
    public static void WriteBinaryDouble(IBufferWriter<byte> w, double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(w.GetSpan(8), value);
        w.Advance(8);
    }

    /// <summary>One byte: a type or an opcode.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteByte(IBufferWriter<byte> w, byte b)
    {
        w.GetSpan(1)[0] = b;
        w.Advance(1);
    }
}
