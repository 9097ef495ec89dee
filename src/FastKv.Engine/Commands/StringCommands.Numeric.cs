using System;
using System.Buffers;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// Counters: INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT. The value stays text in the entry; a counter
/// parses it, adds, and formats the result back in place (the blob grows only when the text does),
/// keeping the key's TTL, as Redis's in-place update and dbReplaceValue do.
/// </summary>
public static unsafe partial class StringCommands
{
    static void Incr(ref CommandContext c) => IncrDecr(ref c, 1);

    static void Decr(ref CommandContext c) => IncrDecr(ref c, -1);

    static void IncrBy(ref CommandContext c)
    {
        if (!c.TryInt(2, out long by)) return;
        IncrDecr(ref c, by);
    }

    static void DecrBy(ref CommandContext c)
    {
        if (!c.TryInt(2, out long by)) return;
        // -LLONG_MIN does not exist; Redis has its own message for it.
        if (by == long.MinValue) { c.W.Error("ERR decrement would overflow"); return; }
        IncrDecr(ref c, -by);
    }

    /// <summary>incrDecrCommand: allocation-free parse, overflow check, add, format, store.</summary>
    static void IncrDecr(ref CommandContext c, long by)
    {
        ReadOnlySpan<byte> key = c.Arg(1);
        Database db = c.Db;
        byte** slot = db.FindSlot(key, KeyHash.Hash(key));
        long value = 0;
        if (slot != null)
        {
            byte* e = *slot;
            if (KeyEntry.Type(e) != ValueKind.String) { c.W.Error(Errors.WrongType); return; }
            if (!RespNumber.TryParseInt64(KeyEntry.Value(e), out value)) { c.W.Error(Errors.NotInteger); return; }
        }
        if (!TryAdd(ref value, by)) { c.W.Error(Errors.Overflow); return; }

        Span<byte> text = stackalloc byte[StringValue.MaxInt64Chars];
        int n = RespNumber.FormatInt64(value, text);
        StoreText(db, key, slot, text.Slice(0, n), ValueEncoding.Int);
        c.Dirty();
        c.Modified(1, NotifyClass.String, "incrby"u8);
        c.W.Integer(value);
    }

    /// <summary>value += by, or false when the sum leaves int64 (Redis's overflow test, before adding).</summary>
    internal static bool TryAdd(ref long value, long by)
    {
        if ((by < 0 && value < 0 && by < long.MinValue - value) ||
            (by > 0 && value > 0 && by > long.MaxValue - value))
            return false;
        value += by;
        return true;
    }

    /// <summary>
    /// Writes a counter's new text: a new key when <paramref name="slot"/> is null, otherwise over
    /// the old value in place (growing the blob if needed), keeping the TTL.
    /// </summary>
    static void StoreText(Database db, ReadOnlySpan<byte> key, byte** slot, ReadOnlySpan<byte> text, byte encoding)
    {
        if (slot == null)
        {
            db.AddString(key, text, encoding, -1);
            return;
        }
        // GrowString returns a blob with capacity >= text.Length; its value bytes start at ValuePtr.
        byte* e = db.GrowString(slot, text.Length);
        text.CopyTo(new Span<byte>(KeyEntry.ValuePtr(e), text.Length));
        KeyEntry.SetValueLength(e, text.Length);
        KeyEntry.SetEncoding(e, encoding);
    }

    /// <summary>Redis's MAX_LONG_DOUBLE_CHARS: string2ld refuses texts this long or longer.</summary>
    const int MaxLongDoubleChars = 5 * 1024;

    /// <summary>
    /// INCRBYFLOAT, as Redis does it in C long double: both texts parsed like strtold, one
    /// x87-extended addition, NaN/inf refused, then "%.17Lf" with trailing zeros and the dot removed
    /// (ld2string's human form). <see cref="LongDouble"/> emulates all three exactly, so
    /// 123557.5 + 0.1 is "123557.60000000000000142" here too, while 10.5 + 0.1 is "10.6".
    /// </summary>
    static void IncrByFloat(ref CommandContext c)
    {
        ReadOnlySpan<byte> key = c.Arg(1);
        Database db = c.Db;
        byte** slot = db.FindSlot(key, KeyHash.Hash(key));
        ReadOnlySpan<byte> current = "0"u8;
        if (slot != null)
        {
            byte* e = *slot;
            if (KeyEntry.Type(e) != ValueKind.String) { c.W.Error(Errors.WrongType); return; }
            current = KeyEntry.Value(e);
        }
        if (!TryParseLongDouble(current, out LongDouble a) || !TryParseLongDouble(c.Arg(2), out LongDouble b))
        {
            c.W.Error(Errors.NotFloat);
            return;
        }
        LongDouble sum = LongDouble.Add(a, b);
        if (!sum.IsFinite) { c.W.Error(Errors.NanOrInf); return; }

        byte[]? rented = null;
        Span<byte> text = stackalloc byte[HumanStackChars];
        int n = FormatHuman(sum, ref text, ref rented);
        ReadOnlySpan<byte> result = text.Slice(0, n);

        // No write happened since FindSlot, so the slot still points at this key's entry.
        StoreText(db, key, slot, result, StringValue.EncodingOfText(n));
        c.Dirty();
        c.Modified(1, NotifyClass.String, "incrbyfloat"u8);
        c.W.Bulk(result);
        if (c.Shard.Aof.On) AofForms.IncrByFloat(ref c, result);
        if (rented != null) ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>Stack room for <see cref="FormatHuman"/>: values up to ~1e100 fit it.</summary>
    internal const int HumanStackChars = 128;

    /// <summary>
    /// ld2string(LD_STR_HUMAN) of a finite value into <paramref name="text"/> (give it
    /// <see cref="HumanStackChars"/> bytes of stack); returns the length. Longer expansions (up to
    /// ~1.19e4932) switch <paramref name="text"/> to a rented buffer, which the caller returns to
    /// ArrayPool&lt;byte&gt;.Shared when <paramref name="rented"/> is set.
    /// </summary>
    internal static int FormatHuman(LongDouble v, ref Span<byte> text, ref byte[]? rented)
    {
        int n = v.FormatFixed17(text);
        if (n < 0)
        {
            rented = ArrayPool<byte>.Shared.Rent(LongDouble.MaxFixed17Chars);
            text = rented;
            n = v.FormatFixed17(text);
        }
        return TrimFraction(text, n);
    }

    /// <summary>
    /// string2ld: no surrounding whitespace, bounded length, the whole text a strtold number, not
    /// NaN, and not out of range (overflow to inf or underflow to zero).
    /// </summary>
    internal static bool TryParseLongDouble(ReadOnlySpan<byte> s, out LongDouble v)
    {
        v = default;
        if (s.Length == 0 || s.Length >= MaxLongDoubleChars) return false;
        if (IsSpace(s[0]) || IsSpace(s[^1])) return false;
        return LongDouble.TryParse(s, out v, out bool rangeError) && !rangeError && !v.IsNaN;
    }

    static bool IsSpace(byte b) => b == ' ' || (uint)(b - '\t') <= '\r' - '\t';

    /// <summary>ld2string's human form: drop trailing zeros of the fraction, then a bare dot; "-0" is "0".</summary>
    static int TrimFraction(Span<byte> s, int n)
    {
        if (s.Slice(0, n).IndexOf((byte)'.') >= 0)
        {
            while (s[n - 1] == '0') n--;
            if (s[n - 1] == '.') n--;
        }
        if (n == 2 && s[0] == '-' && s[1] == '0')
        {
            s[0] = (byte)'0';
            n = 1;
        }
        return n;
    }
}
