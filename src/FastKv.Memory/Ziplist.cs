using System;
using System.Buffers.Binary;

namespace FastKv.Memory;

/// <summary>
/// Redis's ziplist, the compact encoding of lists, hashes and sorted sets before listpacks (RDB types 10, 12, 13
/// and the nodes of 14). FastKv never keeps one: it validates the bytes an RDB file or a RESTORE payload carries
/// and rebuilds them as a listpack. All multi-byte header fields are little-endian.
/// <code>
///  [zlbytes u32][zltail u32][zllen u16] entry ... [0xFF]
///  zlbytes   total size;  zltail   offset of the last entry (10 when empty);  zllen   count, 65535 = unknown
///  entry     [prevlen][encoding][data]
///  prevlen   the previous entry's size: 1 byte when &lt; 254, else 0xFE + u32 (the long form is legal for any size)
///  encoding  00LLLLLL                       string, 6-bit length
///            01LLLLLL LLLLLLLL              string, 14-bit length, big-endian
///            10______ [u32 BE]              string, 32-bit length (the low 6 bits are ignored, as Redis does)
///            11000000                       int16          11010000   int32        11100000   int64
///            11110000                       int24          11111110   int8
///            1111xxxx, xxxx = 0001..1101    the integer xxxx - 1 (0..12), no data
/// </code>
/// Validation is Redis's deep ziplistValidateIntegrity: the header size matches, the terminator is last, zltail
/// points at the last entry, every entry's header and data lie before the terminator, every prevlen equals the
/// previous entry's size, and the count matches when known. Reads stay inside the given bytes whatever they hold.
/// </summary>
public static class Ziplist
{
    public const int HeaderSize = 10;
    const byte End = 0xFF;
    const byte BigPrevlen = 0xFE;
    const byte Int16 = 0xC0, Int32 = 0xD0, Int64 = 0xE0, Int24 = 0xF0, Int8 = 0xFE;
    const byte ImmediateMin = 0xF1, ImmediateMax = 0xFD;

    /// <summary>One decoded entry: an integer, or a string slice of the ziplist.</summary>
    public readonly ref struct Entry
    {
        public readonly bool IsInteger;
        public readonly long Integer;
        public readonly ReadOnlySpan<byte> Bytes;
        public Entry(long v) { IsInteger = true; Integer = v; Bytes = default; }
        public Entry(ReadOnlySpan<byte> s) { IsInteger = false; Integer = 0; Bytes = s; }
    }

    /// <summary>Receives each entry of a valid ziplist in order; false stops the walk (and fails it).</summary>
    public interface IVisitor
    {
        bool Visit(in Entry entry);
    }

    /// <summary>Deep validation (see the class comment); <paramref name="count"/> is the number of entries.</summary>
    public static bool Validate(ReadOnlySpan<byte> zl, out int count)
    {
        var none = new NoVisitor();
        return Walk(zl, ref none, out count);
    }

    struct NoVisitor : IVisitor
    {
        public bool Visit(in Entry entry) => true;
    }

    /// <summary>Validates <paramref name="zl"/> and hands every entry to <paramref name="visitor"/>; false when invalid or the visitor refused.</summary>
    public static bool Walk<TVisitor>(ReadOnlySpan<byte> zl, ref TVisitor visitor, out int count) where TVisitor : struct, IVisitor
    {
        count = 0;
        if (zl.Length < HeaderSize + 1) return false;
        if (BinaryPrimitives.ReadUInt32LittleEndian(zl) != (uint)zl.Length) return false;
        if (zl[^1] != End) return false;
        uint tail = BinaryPrimitives.ReadUInt32LittleEndian(zl.Slice(4));
        if (tail > (uint)(zl.Length - 1)) return false;
        ushort headerCount = BinaryPrimitives.ReadUInt16LittleEndian(zl.Slice(8));

        int end = zl.Length - 1;
        int p = HeaderSize, prev = -1;
        long prevSize = 0;
        // Invariant: HeaderSize <= p <= end; each read below is checked against end first.
        while (zl[p] != End)
        {
            int start = p;
            // prevlen
            long prevlen;
            if (zl[p] < BigPrevlen) { prevlen = zl[p]; p += 1; }
            else
            {
                if (end - p < 5) return false;
                prevlen = BinaryPrimitives.ReadUInt32LittleEndian(zl.Slice(p + 1));
                p += 5;
            }
            if (prevlen != prevSize) return false;
            if (p >= end) return false;
            // encoding and data
            byte enc = zl[p];
            long dataLen;
            int headLen;
            Entry entry;
            switch (enc >> 6)
            {
                case 0:
                    headLen = 1; dataLen = enc & 0x3F;
                    break;
                case 1:
                    if (end - p < 2) return false;
                    headLen = 2; dataLen = ((enc & 0x3F) << 8) | zl[p + 1];
                    break;
                case 2:
                    if (end - p < 5) return false;
                    headLen = 5; dataLen = BinaryPrimitives.ReadUInt32BigEndian(zl.Slice(p + 1));
                    break;
                default:
                    headLen = 1;
                    dataLen = IntegerSize(enc);
                    if (dataLen < 0) return false;
                    break;
            }
            if (headLen + dataLen > end - p) return false;
            ReadOnlySpan<byte> data = zl.Slice(p + headLen, (int)dataLen);
            entry = enc >> 6 == 3 ? new Entry(ReadInteger(enc, data)) : new Entry(data);
            p += headLen + (int)dataLen;
            if (!visitor.Visit(in entry)) return false;
            prevSize = p - start;
            prev = start;
            count++;
        }
        if (p != end) return false;
        if (prev >= 0 && (uint)prev != tail) return false;
        return headerCount == ushort.MaxValue || headerCount == count;
    }

    /// <summary>Data bytes of an integer encoding, or -1 for a byte that is none.</summary>
    static int IntegerSize(byte enc)
    {
        switch (enc)
        {
            case Int16: return 2;
            case Int32: return 4;
            case Int64: return 8;
            case Int24: return 3;
            case Int8: return 1;
        }
        return enc >= ImmediateMin && enc <= ImmediateMax ? 0 : -1;
    }

    static long ReadInteger(byte enc, ReadOnlySpan<byte> d)
    {
        switch (enc)
        {
            case Int16: return BinaryPrimitives.ReadInt16LittleEndian(d);
            case Int32: return BinaryPrimitives.ReadInt32LittleEndian(d);
            case Int64: return BinaryPrimitives.ReadInt64LittleEndian(d);
            case Int24: return (d[0] | (d[1] << 8) | (d[2] << 16)) << 8 >> 8;
            case Int8: return (sbyte)d[0];
        }
        return (enc & 0x0F) - 1;
    }

    struct ToListpack : IVisitor
    {
        public Listpack.Builder Builder;
        public bool Visit(in Entry entry)
        {
            if (entry.IsInteger) Builder.AppendInteger(entry.Integer);
            else Builder.Append(entry.Bytes);
            return true;
        }
    }

    struct PairsToListpack : IVisitor
    {
        public Listpack.Builder Builder;
        public ElementSet Fields;
        public bool IsField;
        public bool Visit(in Entry entry)
        {
            IsField = !IsField;
            if (IsField && !(entry.IsInteger ? Fields.Add(entry.Integer) : Fields.Add(entry.Bytes)))
                return false;
            if (entry.IsInteger) Builder.AppendInteger(entry.Integer);
            else Builder.Append(entry.Bytes);
            return true;
        }
    }

    /// <summary>
    /// Redis's ziplistPairsConvertAndValidateIntegrity (hash and sorted-set ziplists): as <see cref="AppendTo"/>, and
    /// the entries must be (field, value) pairs with no field twice (a field is compared by its text, integer or not).
    /// </summary>
    public static bool AppendPairsTo(ReadOnlySpan<byte> zl, Listpack.Builder builder, out int count)
    {
        var v = new PairsToListpack { Builder = builder, Fields = ElementSet.ForThread() };
        return Walk(zl, ref v, out count) && (count & 1) == 0;
    }

    /// <summary>
    /// Validates the ziplist and appends its entries to <paramref name="builder"/> (as Redis's conversion:
    /// integers stay integers, strings go through the listpack's own integer detection).
    /// </summary>
    public static bool AppendTo(ReadOnlySpan<byte> zl, Listpack.Builder builder, out int count)
    {
        var v = new ToListpack { Builder = builder };
        return Walk(zl, ref v, out count);
    }
}
