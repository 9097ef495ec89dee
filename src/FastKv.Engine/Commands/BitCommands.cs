using System;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// The bitmap family (Redis bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS here, BITOP in BitCommands.Op.cs, BITFIELD and
/// BITFIELD_RO in BitCommands.Field.cs. Bitmaps are plain strings edited in place (<see cref="Bitmap"/> holds the
/// algorithms); an int-encoded string is its decimal text, as Redis's getObjectReadOnlyString gives it. A write leaves
/// the value <c>raw</c> (Redis's dbUnshareStringValue), even when no bit changes.
///
/// Unsafe invariant for the whole family: an entry pointer from Find/FindSlot is valid until the next write to the
/// same database; every handler reads through it, replies, and only then mutates.
/// </summary>
public static unsafe partial class BitCommands
{
    const string BitOffsetError = "ERR bit offset is not an integer or out of range";
    const string BitValueError = "ERR bit is not an integer or out of range";

    public static void Register(CommandTable t)
    {
        t.Add("setbit", &SetBit);
        t.Add("getbit", &GetBit);
        t.Add("bitcount", &BitCount);
        t.Add("bitpos", &BitPos);
        t.Add("bitop", &BitOp, CrossShard.Gather);
        t.Add("bitfield", &BitField);
        t.Add("bitfield_ro", &BitFieldRo);
    }

    /// <summary>
    /// Redis's getBitOffsetFromArgument: a non-negative integer whose byte lies below proto-max-bulk-len; with
    /// <paramref name="bits"/> &gt; 0 a leading '#' counts in fields of that width (BITFIELD's "#3" is bit 3 * bits).
    /// FastKv also refuses a byte past its own string ceiling, which only matters when proto-max-bulk-len is raised.
    /// </summary>
    static bool TryBitOffset(ref CommandContext c, int arg, int bits, out long offset)
    {
        ReadOnlySpan<byte> p = c.Arg(arg);
        bool hash = bits > 0 && p.Length > 0 && p[0] == '#';
        if (!RespNumber.TryParseInt64(hash ? p.Slice(1) : p, out offset)) { c.W.Error(BitOffsetError); return false; }
        if (hash) offset = unchecked(offset * bits);
        long limit = Math.Min(c.Shard.Server.Config.ProtoMaxBulkLen, MaxBitmapBytes);
        if (offset < 0 || (offset >> 3) >= limit) { c.W.Error(BitOffsetError); return false; }
        return true;
    }

    /// <summary>The longest string a bit write may build: the bit offset limit's byte plus BITFIELD's widest field.</summary>
    const long MaxBitmapBytes = int.MaxValue - (2 << 20);

    /// <summary>
    /// Redis's lookupStringForBitCommand: the string at argument 1 made long enough to address bit
    /// <paramref name="maxBit"/> (zero-filled; created as zeros when missing) and marked raw. Null after WRONGTYPE.
    /// <paramref name="grown"/>: the key was created or its length changed.
    /// </summary>
    static byte* StringForBitWrite(ref CommandContext c, long maxBit, out bool grown)
    {
        ReadOnlySpan<byte> key = c.Arg(1);
        Database db = c.Db;
        int need = (int)(maxBit >> 3) + 1;
        byte** slot = db.FindSlot(key, KeyHash.Hash(key));
        if (slot == null)
        {
            grown = true;
            return db.AddZeroedString(key, need);
        }
        byte* e = *slot;
        grown = false;
        if (KeyEntry.Type(e) != ValueKind.String) { c.W.Error(Errors.WrongType); return null; }
        int oldLen = KeyEntry.ValueLength(e);
        if (need > oldLen)
        {
            // After GrowString the blob holds need value bytes; bytes past oldLen are ours to zero.
            e = db.GrowString(slot, need);
            new Span<byte>(KeyEntry.ValuePtr(e) + oldLen, need - oldLen).Clear();
            KeyEntry.SetValueLength(e, need);
            grown = true;
        }
        KeyEntry.SetEncoding(e, ValueEncoding.Raw);
        return e;
    }

    /// <summary>SETBIT key offset 0|1: the offset is checked, then the bit, then the key's type.</summary>
    static void SetBit(ref CommandContext c)
    {
        if (!TryBitOffset(ref c, 2, 0, out long offset)) return;
        if (!RespNumber.TryParseInt64(c.Arg(3), out long on) || (on & ~1L) != 0) { c.W.Error(BitValueError); return; }
        byte* e = StringForBitWrite(ref c, offset, out bool grown);
        if (e == null) return;
        byte* p = KeyEntry.ValuePtr(e) + (offset >> 3);
        int mask = 0x80 >> (int)(offset & 7);
        int old = (*p & mask) != 0 ? 1 : 0;
        if (grown || old != on)
        {
            *p = (byte)(on != 0 ? *p | mask : *p & ~mask);
            c.Modified(1, NotifyClass.String, "setbit"u8);
            c.Dirty();
        }
        c.W.Integer(old);
    }

    /// <summary>GETBIT key offset: a bit past the end (or of a missing key) is 0.</summary>
    static void GetBit(ref CommandContext c)
    {
        if (!TryBitOffset(ref c, 2, 0, out long offset)) return;
        if (!c.ReadTyped(1, ValueKind.String, out byte* e)) return;
        if (e == null || (offset >> 3) >= KeyEntry.ValueLength(e)) { c.W.Integer(0); return; }
        byte b = KeyEntry.ValuePtr(e)[offset >> 3];
        c.W.Integer((b >> (7 - (int)(offset & 7))) & 1);
    }

    /// <summary>
    /// A byte or bit range resolved as Redis's bitcountCommand / bitposCommand do: negative indexes from the end,
    /// clamped to the string; a BIT range becomes whole bytes plus masks of the bits outside it in the edge bytes
    /// (<paramref name="firstMask"/> covers the first byte's bits before the range, <paramref name="lastMask"/> the
    /// last byte's bits after it).
    /// </summary>
    static void ResolveRange(long length, bool isBit, ref long start, ref long end, out int firstMask, out int lastMask)
    {
        long total = isBit ? length << 3 : length;
        if (start < 0) start = total + start;
        if (end < 0) end = total + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= total) end = total - 1;
        firstMask = lastMask = 0;
        if (isBit && start <= end)
        {
            firstMask = ~((1 << (8 - (int)(start & 7))) - 1) & 0xFF;
            lastMask = (1 << (7 - (int)(end & 7))) - 1;
            start >>= 3;
            end >>= 3;
        }
    }

    /// <summary>BYTE or BIT (strcasecmp: the comparison stops at a NUL byte); false after a syntax error.</summary>
    static bool TryUnit(ref CommandContext c, int arg, out bool isBit)
    {
        isBit = false;
        if (CWord(c.Arg(arg), "bit"u8)) isBit = true;
        else if (!CWord(c.Arg(arg), "byte"u8)) { c.W.Error(Errors.Syntax); return false; }
        return true;
    }

    /// <summary>
    /// Redis's strcasecmp of an argument with a keyword: C strings, so an argument ends at its first NUL byte
    /// ("bit\0x" is BIT). Used where bitops.c compares names that way (units, BITOP's operation, BITFIELD's words).
    /// </summary>
    static bool CWord(ReadOnlySpan<byte> arg, ReadOnlySpan<byte> lower)
    {
        int nul = arg.IndexOf((byte)0);
        return Ascii.EqualsIgnoreCase(nul < 0 ? arg : arg.Slice(0, nul), lower);
    }

    /// <summary>
    /// BITCOUNT key [start end [BYTE|BIT]]. 7.2 looks the key up first: a missing key answers 0 and a wrong type
    /// WRONGTYPE whatever the other arguments are.
    /// </summary>
    static void BitCount(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.String, out byte* e)) return;
        if (e == null) { c.W.Integer(0); return; }
        ReadOnlySpan<byte> s = KeyEntry.Value(e);
        long start = 0, end = s.Length - 1;
        int firstMask = 0, lastMask = 0;
        if (c.Count == 4 || c.Count == 5)
        {
            if (!c.TryInt(2, out start) || !c.TryInt(3, out end)) return;
            if (start < 0 && end < 0 && start > end) { c.W.Integer(0); return; }
            bool isBit = false;
            if (c.Count == 5 && !TryUnit(ref c, 4, out isBit)) return;
            ResolveRange(s.Length, isBit, ref start, ref end, out firstMask, out lastMask);
        }
        else if (c.Count != 2) { c.W.Error(Errors.Syntax); return; }
        if (start > end) { c.W.Integer(0); return; }
        long count = Bitmap.PopCount(s.Slice((int)start, (int)(end - start + 1)));
        if (firstMask != 0) count -= System.Numerics.BitOperations.PopCount((uint)(s[(int)start] & firstMask));
        if (lastMask != 0) count -= System.Numerics.BitOperations.PopCount((uint)(s[(int)end] & lastMask));
        c.W.Integer(count);
    }

    /// <summary>
    /// BITPOS key bit [start [end [BYTE|BIT]]]. The bit is checked first, then the key (missing: 0 when looking for a
    /// clear bit, -1 for a set one), then the range. Without an explicit end the string is followed by zeros, so a
    /// search for 0 in all ones answers the bit after the range; with an end given it answers -1.
    /// </summary>
    static void BitPos(ref CommandContext c)
    {
        if (!c.TryInt(2, out long bit)) return;
        if (bit != 0 && bit != 1) { c.W.Error("ERR The bit argument must be 1 or 0."); return; }
        if (!c.ReadTyped(1, ValueKind.String, out byte* e)) return;
        if (e == null) { c.W.Integer(bit == 1 ? -1 : 0); return; }
        ReadOnlySpan<byte> s = KeyEntry.Value(e);
        long start = 0, end = s.Length - 1;
        int firstMask = 0, lastMask = 0;
        bool endGiven = false;
        if (c.Count >= 4 && c.Count <= 6)
        {
            if (!c.TryInt(3, out start)) return;
            bool isBit = false;
            if (c.Count == 6 && !TryUnit(ref c, 5, out isBit)) return;
            if (c.Count >= 5)
            {
                if (!c.TryInt(4, out end)) return;
                endGiven = true;
            }
            ResolveRange(s.Length, isBit, ref start, ref end, out firstMask, out lastMask);
        }
        else if (c.Count != 3) { c.W.Error(Errors.Syntax); return; }
        if (start > end) { c.W.Integer(-1); return; }
        c.W.Integer(FirstBitInRange(s, (int)bit, (int)start, (int)end, firstMask, lastMask, endGiven));
    }

    /// <summary>
    /// The search of Redis's bitposCommand over bytes start..end, with the edge bytes' out-of-range bits forced to the
    /// opposite of <paramref name="bit"/> so they never match.
    /// </summary>
    static long FirstBitInRange(ReadOnlySpan<byte> s, int bit, int start, int end, int firstMask, int lastMask, bool endGiven)
    {
        int bytes = end - start + 1;
        long pos;
        if (firstMask != 0)
        {
            byte t = Hide(s[start], firstMask | (bytes == 1 ? lastMask : 0), bit);
            pos = Bitmap.FirstBit(new ReadOnlySpan<byte>(in t), bit);
            if (bytes == 1 || (pos != -1 && pos != 8)) return Result(pos, bytes, start, bit, endGiven);
            start++;
            bytes--;
        }
        int whole = bytes - (lastMask != 0 ? 1 : 0);
        if (whole > 0)
        {
            pos = Bitmap.FirstBit(s.Slice(start, whole), bit);
            if (bytes == whole || (pos != -1 && pos != (long)whole << 3)) return Result(pos, bytes, start, bit, endGiven);
            start += whole;
            bytes -= whole;
        }
        byte last = Hide(s[end], lastMask, bit);
        pos = Bitmap.FirstBit(new ReadOnlySpan<byte>(in last), bit);
        return Result(pos, bytes, start, bit, endGiven);
    }

    /// <summary>A byte with the bits of <paramref name="mask"/> set to the opposite of the bit searched for.</summary>
    static byte Hide(byte b, int mask, int bit) => (byte)(bit == 1 ? b & ~mask : b | mask);

    /// <summary>
    /// Redis's "result:" label: a clear-bit search that ran off an explicit end finds nothing (-1); otherwise the
    /// position is made absolute by the bytes skipped.
    /// </summary>
    static long Result(long pos, int bytes, int start, int bit, bool endGiven)
    {
        if (endGiven && bit == 0 && pos == (long)bytes << 3) return -1;
        return pos != -1 ? pos + ((long)start << 3) : -1;
    }
}
