using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;

namespace FastKv.Tests.Rdb;

/// <summary>One key of an RDB file: its database, absolute expiry (ms, -1 none), RDB type, key and value bytes.</summary>
public sealed record RdbRecord(int Db, long ExpireAtMs, byte Type, byte[] Key, byte[] Value);

/// <summary>
/// Cuts an RDB file into its key records, test-side: the header ("REDIS" + 4-digit version), the opcodes (AUX,
/// SELECTDB, RESIZEDB, EXPIRETIME(_MS), IDLE, FREQ, FUNCTION2, EOF) and, for each key, its value's length from
/// <c>measure</c> (the decoder's TryMeasureValue in the engine tests, an independent walk in the server tests).
/// Linked into the engine and server tests; depends on nothing in FastKv.
/// </summary>
public static class RdbFileRecords
{
    public delegate bool Measure(ReadOnlySpan<byte> data, byte type, out int length);

    public static List<RdbRecord> Read(byte[] file, Measure measure, out int version)
    {
        if (file.Length < 9 || Encoding.ASCII.GetString(file, 0, 5) != "REDIS") throw new FormatException("not an RDB file");
        version = int.Parse(Encoding.ASCII.GetString(file, 5, 4));
        var records = new List<RdbRecord>();
        int p = 9, db = 0;
        long expire = -1;
        while (true)
        {
            byte op = file[p++];
            switch (op)
            {
                case 0xFF: // EOF, then the CRC from version 5 on
                    if (p + (version >= 5 ? 8 : 0) != file.Length) throw new FormatException($"{file.Length - p} bytes after EOF");
                    return records;
                case 0xFE: db = (int)Length(file, ref p); continue;
                case 0xFB: Length(file, ref p); Length(file, ref p); continue;
                case 0xFA: SkipString(file, ref p); SkipString(file, ref p); continue;
                case 0xFD: expire = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(p)) * 1000L; p += 4; continue;
                case 0xFC: expire = BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(p)); p += 8; continue;
                case 0xF9: p += 1; continue;
                case 0xF8: Length(file, ref p); continue;
                case 0xF5: SkipString(file, ref p); continue;
            }
            int keyStart = p;
            SkipString(file, ref p);
            byte[] key = StringAt(file, keyStart);
            if (!measure(file.AsSpan(p), op, out int len)) throw new FormatException($"value of type {op} at offset {p} not measured");
            records.Add(new RdbRecord(db, expire, op, key, file.AsSpan(p, len).ToArray()));
            p += len;
            expire = -1;
        }
    }

    public static ulong Length(ReadOnlySpan<byte> d, ref int p)
    {
        byte b = d[p];
        switch (b >> 6)
        {
            case 0: p += 1; return (ulong)(b & 0x3F);
            case 1: p += 2; return (ulong)(((b & 0x3F) << 8) | d[p - 1]);
            case 3: p += 1; return (ulong)(uint)(b & 0x3F) | (1UL << 63); // an encoding, flagged
        }
        if (b == 0x80) { p += 5; return BinaryPrimitives.ReadUInt32BigEndian(d.Slice(p - 4)); }
        if (b == 0x81) { p += 9; return BinaryPrimitives.ReadUInt64BigEndian(d.Slice(p - 8)); }
        throw new FormatException($"bad length byte {b:X2}");
    }

    public static void SkipString(ReadOnlySpan<byte> d, ref int p)
    {
        ulong n = Length(d, ref p);
        if ((n & (1UL << 63)) == 0) { p += (int)n; return; }
        int enc = (int)(n & 0x3F);
        if (enc < 3) { p += 1 << enc; return; }
        if (enc != 3) throw new FormatException("unknown string encoding " + enc);
        ulong clen = Length(d, ref p);
        Length(d, ref p);
        p += (int)clen;
    }

    /// <summary>A plain or integer-encoded string (keys are never LZF in the fixtures; such a key throws).</summary>
    static byte[] StringAt(byte[] file, int p)
    {
        ulong n = Length(file, ref p);
        if ((n & (1UL << 63)) == 0) return file.AsSpan(p, (int)n).ToArray();
        int enc = (int)(n & 0x3F);
        long v = enc switch
        {
            0 => (sbyte)file[p],
            1 => BinaryPrimitives.ReadInt16LittleEndian(file.AsSpan(p)),
            2 => BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(p)),
            _ => throw new FormatException("compressed key"),
        };
        return Encoding.ASCII.GetBytes(v.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>An independent walk of one value (for tests that must not use the decoder's own framing).</summary>
    public static bool WalkValue(ReadOnlySpan<byte> d, byte type, out int length)
    {
        int p = 0;
        length = 0;
        try
        {
            switch (type)
            {
                case 0: case 9: case 10: case 11: case 12: case 13: case 16: case 17: case 20:
                    SkipString(d, ref p); break;
                case 1: case 2: case 14:
                    for (ulong n = Length(d, ref p); n > 0; n--) SkipString(d, ref p);
                    break;
                case 4:
                    for (ulong n = Length(d, ref p); n > 0; n--) { SkipString(d, ref p); SkipString(d, ref p); }
                    break;
                case 3:
                    for (ulong n = Length(d, ref p); n > 0; n--) { SkipString(d, ref p); p += d[p] >= 253 ? 1 : 1 + d[p]; }
                    break;
                case 5:
                    for (ulong n = Length(d, ref p); n > 0; n--) { SkipString(d, ref p); p += 8; }
                    break;
                case 18:
                    for (ulong n = Length(d, ref p); n > 0; n--) { Length(d, ref p); SkipString(d, ref p); }
                    break;
                default: return false;
            }
        }
        catch (IndexOutOfRangeException) { return false; }
        catch (ArgumentOutOfRangeException) { return false; }
        if (p > d.Length) return false;
        length = p;
        return true;
    }
}
