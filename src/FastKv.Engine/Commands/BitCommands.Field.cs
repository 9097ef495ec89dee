using System;
using System.Runtime.InteropServices;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...
// and BITFIELD_RO key [GET type offset] ... (bitops.c bitfieldGeneric of 7.2). Every operation is parsed first, so
// any error leaves the key untouched; then a write makes the string long enough for its farthest field once, and
// the operations run in order. Types are i1..i64 and u1..u63 (lowercase only, as 7.2's parser); an offset "#n"
// means n fields of the type's width.
public static unsafe partial class BitCommands
{
    const string BitFieldTypeError = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

    const byte FieldGet = 0, FieldSet = 1, FieldIncrBy = 2;
    const byte OverflowWrap = 0, OverflowSat = 1, OverflowFail = 2;

    /// <summary>One parsed operation.</summary>
    [StructLayout(LayoutKind.Auto)]
    struct FieldOp
    {
        public long Offset;
        public long Value;
        public byte Code;
        public byte Overflow;
        public byte Bits;
        public bool Signed;
    }

    static void BitField(ref CommandContext c) => BitFieldGeneric(ref c, readOnly: false);

    static void BitFieldRo(ref CommandContext c) => BitFieldGeneric(ref c, readOnly: true);

    static void BitFieldGeneric(ref CommandContext c, bool readOnly)
    {
        // At most one operation per three arguments after the key.
        int most = (c.Count - 2) / 3 + 1;
        Span<FieldOp> ops = most <= 16 ? stackalloc FieldOp[16] : new FieldOp[most];
        int n = 0;
        byte overflow = OverflowWrap;
        bool writes = false;
        long highestBit = 0;
        for (int j = 2; j < c.Count; j++)
        {
            int left = c.Count - j - 1;
            ReadOnlySpan<byte> word = c.Arg(j);
            byte code;
            if (CWord(word, "get"u8) && left >= 2) code = FieldGet;
            else if (CWord(word, "set"u8) && left >= 3) code = FieldSet;
            else if (CWord(word, "incrby"u8) && left >= 3) code = FieldIncrBy;
            else if (CWord(word, "overflow"u8) && left >= 1)
            {
                ReadOnlySpan<byte> kind = c.Arg(++j);
                if (CWord(kind, "wrap"u8)) overflow = OverflowWrap;
                else if (CWord(kind, "sat"u8)) overflow = OverflowSat;
                else if (CWord(kind, "fail"u8)) overflow = OverflowFail;
                else { c.W.Error("ERR Invalid OVERFLOW type specified"); return; }
                continue;
            }
            else { c.W.Error(Errors.Syntax); return; }

            if (!TryFieldType(c.Arg(j + 1), out bool signed, out int bits)) { c.W.Error(BitFieldTypeError); return; }
            if (!TryBitOffset(ref c, j + 2, bits, out long offset)) return;
            long value = 0;
            if (code != FieldGet)
            {
                writes = true;
                highestBit = Math.Max(highestBit, offset + bits - 1);
                if (!c.TryInt(j + 3, out value)) return;
            }
            ops[n++] = new FieldOp { Offset = offset, Value = value, Code = code, Overflow = overflow, Bits = (byte)bits, Signed = signed };
            j += code == FieldGet ? 2 : 3;
        }

        byte* e;
        bool grown = false;
        if (!writes)
        {
            if (!c.ReadTyped(1, ValueKind.String, out e)) return;
        }
        else
        {
            if (readOnly) { c.W.Error("ERR BITFIELD_RO only supports the GET subcommand"); return; }
            e = StringForBitWrite(ref c, highestBit, out grown);
            if (e == null) return;
        }

        c.W.ArrayHeader(n);
        long changes = 0;
        for (int i = 0; i < n; i++)
        {
            ref FieldOp op = ref ops[i];
            ReadOnlySpan<byte> s = e != null ? KeyEntry.Value(e) : ReadOnlySpan<byte>.Empty;
            if (op.Code == FieldGet)
            {
                c.W.Integer(op.Signed ? Bitmap.GetSigned(s, op.Offset, op.Bits) : (long)Bitmap.GetUnsigned(s, op.Offset, op.Bits));
                continue;
            }
            if (!RunWrite(ref op, new Span<byte>(KeyEntry.ValuePtr(e), KeyEntry.ValueLength(e)), out long reply, out bool changed))
            {
                c.W.NullBulk();
                continue;
            }
            c.W.Integer(reply);
            // As Redis's bitfieldGeneric: a write counts when the key was made or grown, or the field's value changed.
            if (grown || changed) changes++;
        }
        if (changes > 0)
        {
            c.Modified(1, NotifyClass.String, "setbit"u8);
            c.Dirty(changes);
        }
    }

    /// <summary>
    /// SET or INCRBY on one field: writes the new value and gives the reply (SET: the old value; INCRBY: the new one),
    /// or false when OVERFLOW FAIL refuses the write. <paramref name="changed"/>: the field holds another value now.
    /// </summary>
    static bool RunWrite(ref FieldOp op, Span<byte> s, out long reply, out bool changed)
    {
        int bits = op.Bits;
        bool incr = op.Code == FieldIncrBy;
        bool overflowed;
        ulong written;
        if (op.Signed)
        {
            long old = Bitmap.GetSigned(s, op.Offset, bits);
            // SET checks the new value against the type's range as an increment of 0.
            long from = incr ? old : op.Value, by = incr ? op.Value : 0;
            overflowed = BitFieldOverflow.Signed(from, by, bits, op.Overflow, out long limited);
            long next = overflowed ? limited : unchecked(from + by);
            written = (ulong)next;
            reply = incr ? next : old;
            changed = next != old;
        }
        else
        {
            ulong old = Bitmap.GetUnsigned(s, op.Offset, bits);
            ulong from = incr ? old : (ulong)op.Value;
            long by = incr ? op.Value : 0;
            overflowed = BitFieldOverflow.Unsigned(from, by, bits, op.Overflow, out ulong limited);
            ulong next = overflowed ? limited : unchecked(from + (ulong)by);
            written = next;
            reply = (long)(incr ? next : old);
            changed = next != old;
        }
        if (overflowed && op.Overflow == OverflowFail) return false;
        Bitmap.Set(s, op.Offset, bits, written);
        return true;
    }

    /// <summary>
    /// Redis's getBitfieldTypeFromArgument: 'i' or 'u' (lowercase), then 1..64 (signed) or 1..63 (unsigned). The
    /// width is read as a C string, so it ends at a NUL byte.
    /// </summary>
    static bool TryFieldType(ReadOnlySpan<byte> p, out bool signed, out int bits)
    {
        signed = false;
        bits = 0;
        if (p.Length == 0 || (p[0] != 'i' && p[0] != 'u')) return false;
        signed = p[0] == 'i';
        ReadOnlySpan<byte> width = p.Slice(1);
        int nul = width.IndexOf((byte)0);
        if (nul >= 0) width = width.Slice(0, nul);
        if (!RespNumber.TryParseInt64(width, out long w) || w < 1 || w > (signed ? 64 : 63)) return false;
        bits = (int)w;
        return true;
    }
}
