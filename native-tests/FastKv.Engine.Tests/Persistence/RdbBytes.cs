using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;

namespace FastKv.Tests.Rdb;

/// <summary>
/// Builds RDB value bytes by hand, in every form the format allows (each length form, integer and LZF strings,
/// ziplists with every entry encoding, zipmaps), so tests reach encodings Redis 7.2 no longer writes. Depends
/// on nothing in FastKv: the server tests link this file too, and a builder must not share code with the
/// decoder it checks. Also the DUMP footer (version + CRC-64 Jones, computed bit by bit).
/// </summary>
public sealed class RdbBytes
{
    readonly List<byte> b = new();

    public byte[] ToArray() => b.ToArray();
    public int Length => b.Count;

    public RdbBytes Raw(params byte[] bytes) { b.AddRange(bytes); return this; }
    public RdbBytes Raw(ReadOnlySpan<byte> bytes) { foreach (byte x in bytes) b.Add(x); return this; }
    public RdbBytes Byte(int x) { b.Add((byte)x); return this; }

    /// <summary>A length in its shortest form, or in <paramref name="form"/> (6, 14, 32, 64) when given.</summary>
    public RdbBytes Len(ulong n, int form = 0)
    {
        if (form == 0) form = n < 64 ? 6 : n < 16384 ? 14 : n <= uint.MaxValue ? 32 : 64;
        switch (form)
        {
            case 6: b.Add((byte)n); break;
            case 14: b.Add((byte)(0x40 | (n >> 8))); b.Add((byte)n); break;
            case 32: b.Add(0x80); for (int i = 3; i >= 0; i--) b.Add((byte)(n >> (8 * i))); break;
            default: b.Add(0x81); for (int i = 7; i >= 0; i--) b.Add((byte)(n >> (8 * i))); break;
        }
        return this;
    }

    public RdbBytes Str(string s) => Str(Encoding.UTF8.GetBytes(s));
    public RdbBytes Str(byte[] s) { Len((ulong)s.Length); b.AddRange(s); return this; }

    /// <summary>An integer-encoded string: INT8 (0xC0), INT16 (0xC1) or INT32 (0xC2).</summary>
    public RdbBytes IntStr(int enc, long v)
    {
        b.Add((byte)(0xC0 | enc));
        int size = 1 << enc;
        for (int i = 0; i < size; i++) b.Add((byte)(v >> (8 * i)));
        return this;
    }

    /// <summary>An LZF string: <paramref name="compressed"/> said to decompress to <paramref name="len"/> bytes.</summary>
    public RdbBytes LzfStr(byte[] compressed, ulong len)
    {
        b.Add(0xC3);
        Len((ulong)compressed.Length);
        Len(len);
        b.AddRange(compressed);
        return this;
    }

    /// <summary>A string in LZF form made of literal runs only (valid LZF, no compression).</summary>
    public RdbBytes LzfLiteral(byte[] s) => LzfStr(LiteralLzf(s), (ulong)s.Length);

    public static byte[] LiteralLzf(byte[] s)
    {
        var o = new List<byte>();
        for (int i = 0; i < s.Length; i += 32)
        {
            int n = Math.Min(32, s.Length - i);
            o.Add((byte)(n - 1));
            for (int k = 0; k < n; k++) o.Add(s[i + k]);
        }
        return o.ToArray();
    }

    public RdbBytes TextDouble(string s) { b.Add((byte)s.Length); b.AddRange(Encoding.ASCII.GetBytes(s)); return this; }
    public RdbBytes BinDouble(double d) { var t = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(t, d); b.AddRange(t); return this; }

    // ---- ziplist ----

    /// <summary>One ziplist entry's encoding and data (prevlen is added by <see cref="Ziplist"/>).</summary>
    public readonly record struct ZlEntry(byte[] Body)
    {
        public static ZlEntry S(string s, int form = 0) => S(Encoding.UTF8.GetBytes(s), form);

        /// <summary>A string, in its shortest form or the form (6, 14, 32) asked for.</summary>
        public static ZlEntry S(byte[] s, int form = 0)
        {
            int n = s.Length;
            if (form == 0) form = n <= 63 ? 6 : n <= 16383 ? 14 : 32;
            var o = new List<byte>();
            if (form == 6) o.Add((byte)n);
            else if (form == 14) { o.Add((byte)(0x40 | (n >> 8))); o.Add((byte)n); }
            else { o.Add(0x80); o.Add((byte)(n >> 24)); o.Add((byte)(n >> 16)); o.Add((byte)(n >> 8)); o.Add((byte)n); }
            o.AddRange(s);
            return new ZlEntry(o.ToArray());
        }

        /// <summary>An integer in the given encoding byte: 0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8, or 0xF1-0xFD immediate.</summary>
        public static ZlEntry I(byte enc, long v)
        {
            int size = enc switch { 0xC0 => 2, 0xD0 => 4, 0xE0 => 8, 0xF0 => 3, 0xFE => 1, _ => 0 };
            var o = new List<byte> { enc };
            for (int i = 0; i < size; i++) o.Add((byte)(v >> (8 * i)));
            return new ZlEntry(o.ToArray());
        }

        /// <summary>An integer in the narrowest encoding (as Redis's ziplist wrote it).</summary>
        public static ZlEntry I(long v)
        {
            if (v >= 0 && v <= 12) return I((byte)(0xF1 + v), v);
            if (v >= sbyte.MinValue && v <= sbyte.MaxValue) return I(0xFE, v);
            if (v >= short.MinValue && v <= short.MaxValue) return I(0xC0, v);
            if (v >= -(1 << 23) && v < (1 << 23)) return I(0xF0, v);
            if (v >= int.MinValue && v <= int.MaxValue) return I(0xD0, v);
            return I(0xE0, v);
        }
    }

    /// <summary>
    /// A ziplist: [zlbytes u32][zltail u32][zllen u16] entries [0xFF], each entry [prevlen 1|5][body].
    /// <paramref name="bigPrevlen"/>: every prevlen in the 5-byte form (legal for any length).
    /// </summary>
    public static byte[] Ziplist(IEnumerable<ZlEntry> entries, bool bigPrevlen = false, int? countOverride = null)
    {
        var o = new List<byte>(new byte[10]);
        int prev = 0, tail = 10, count = 0;
        foreach (ZlEntry e in entries)
        {
            tail = o.Count;
            int start = o.Count;
            if (prev < 254 && !bigPrevlen) o.Add((byte)prev);
            else { o.Add(0xFE); o.Add((byte)prev); o.Add((byte)(prev >> 8)); o.Add((byte)(prev >> 16)); o.Add((byte)(prev >> 24)); }
            o.AddRange(e.Body);
            prev = o.Count - start;
            count++;
        }
        o.Add(0xFF);
        byte[] z = o.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(z, (uint)z.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(z.AsSpan(4), (uint)tail);
        BinaryPrimitives.WriteUInt16LittleEndian(z.AsSpan(8), (ushort)(countOverride ?? Math.Min(count, 65535)));
        return z;
    }

    public static byte[] Ziplist(params ZlEntry[] entries) => Ziplist((IEnumerable<ZlEntry>)entries);

    /// <summary>Ziplist of strings written as Redis's ziplist did: integers for integer-looking text.</summary>
    public static byte[] ZiplistOf(params string[] values)
    {
        var es = new List<ZlEntry>();
        foreach (string v in values)
            es.Add(long.TryParse(v, out long n) && n.ToString() == v ? ZlEntry.I(n) : ZlEntry.S(v));
        return Ziplist(es);
    }

    // ---- zipmap ----

    /// <summary>
    /// A zipmap: [zmlen u8] ([len] key [len][free] value [free bytes])* [0xFF]; len 1 byte below 254, else 254 + u32 LE.
    /// </summary>
    public static byte[] Zipmap(IEnumerable<(byte[] Key, byte[] Value)> pairs, int free = 0, bool bigLens = false, int? countOverride = null)
    {
        var o = new List<byte> { 0 };
        int count = 0;
        foreach (var (k, v) in pairs)
        {
            ZmLen(o, k.Length, bigLens);
            o.AddRange(k);
            ZmLen(o, v.Length, bigLens);
            o.Add((byte)free);
            o.AddRange(v);
            for (int i = 0; i < free; i++) o.Add(0);
            count++;
        }
        o.Add(0xFF);
        o[0] = (byte)(countOverride ?? Math.Min(count, 254));
        return o.ToArray();
    }

    public static byte[] ZipmapOf(params string[] kv)
    {
        var pairs = new List<(byte[], byte[])>();
        for (int i = 0; i + 1 < kv.Length; i += 2) pairs.Add((Encoding.UTF8.GetBytes(kv[i]), Encoding.UTF8.GetBytes(kv[i + 1])));
        return Zipmap(pairs);
    }

    static void ZmLen(List<byte> o, int n, bool big)
    {
        if (n < 254 && !big) { o.Add((byte)n); return; }
        o.Add(254);
        o.Add((byte)n); o.Add((byte)(n >> 8)); o.Add((byte)(n >> 16)); o.Add((byte)(n >> 24));
    }

    // ---- DUMP footer ----

    /// <summary>Redis's CRC-64 (Jones, reflected), bit by bit.</summary>
    public static ulong Crc64(ReadOnlySpan<byte> data)
    {
        ulong crc = 0;
        foreach (byte x in data)
        {
            crc ^= x;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x95ac9329ac4bc9b5UL : crc >> 1;
        }
        return crc;
    }

    /// <summary>A DUMP payload: the value bytes, the RDB version (2 bytes LE), the CRC-64 of both (8 bytes LE).</summary>
    public static byte[] WithFooter(ReadOnlySpan<byte> value, ushort version = 11)
    {
        var o = new byte[value.Length + 10];
        value.CopyTo(o);
        BinaryPrimitives.WriteUInt16LittleEndian(o.AsSpan(value.Length), version);
        BinaryPrimitives.WriteUInt64LittleEndian(o.AsSpan(value.Length + 2), Crc64(o.AsSpan(0, value.Length + 2)));
        return o;
    }

    /// <summary>Recomputes the CRC of a payload whose body was changed (fuzzing past the checksum).</summary>
    public static void FixCrc(byte[] payload)
    {
        if (payload.Length < 10) return;
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(payload.Length - 8), Crc64(payload.AsSpan(0, payload.Length - 8)));
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex);
}
