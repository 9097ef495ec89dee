using System;
using System.Globalization;
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
        if ((by < 0 && value < 0 && by < long.MinValue - value) ||
            (by > 0 && value > 0 && by > long.MaxValue - value))
        {
            c.W.Error(Errors.Overflow);
            return;
        }
        value += by;

        Span<byte> text = stackalloc byte[StringValue.MaxInt64Chars];
        int n = RespNumber.FormatInt64(value, text);
        StoreText(db, key, slot, text.Slice(0, n), ValueEncoding.Int);
        c.W.Integer(value);
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
    /// INCRBYFLOAT. Redis adds in C long double (x87, 64-bit mantissa) and prints "%.17Lf" with
    /// trailing zeros and the dot removed. We add in <see cref="decimal"/> when both operands are
    /// exact decimals of at most 27 digits and below 1e27: then the sum is exact and, rounded to 17
    /// places, equals Redis's text whenever long double's ~19 significant digits cover the integer
    /// part plus 17 decimals' worth of what is printed (10.5 + 0.1 = "10.6", 0.1 + 0.2 = "0.3",
    /// 3.0e3 + 0 = "3000"). Otherwise we add in double and print its exact expansion.
    /// Residual difference: where long double itself shows rounding noise, we do not reproduce it:
    /// 12345678.1 + 0.1 is "12345678.2" here, "12345678.2000000000007276" in Redis; and beyond the
    /// decimal range (1e300 + ...) our digits are double's, Redis's long double's.
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
        ReadOnlySpan<byte> incrText = c.Arg(2);
        if (!TryParseLongDouble(current, out double a) || !TryParseLongDouble(incrText, out double b))
        {
            c.W.Error(Errors.NotFloat);
            return;
        }

        Span<byte> text = stackalloc byte[512];
        int n;
        if (TryExactDecimal(current, out decimal da) && TryExactDecimal(incrText, out decimal db2))
        {
            decimal sum = Math.Round(da + db2, 17);
            sum.TryFormat(text, out n, "F17", CultureInfo.InvariantCulture);
        }
        else
        {
            double sum = a + b;
            if (double.IsNaN(sum) || double.IsInfinity(sum)) { c.W.Error(Errors.NanOrInf); return; }
            // 512 bytes hold double.MaxValue's 309 integer digits plus sign, dot and 17 decimals.
            sum.TryFormat(text, out n, "F17", CultureInfo.InvariantCulture);
        }
        n = TrimFraction(text, n);
        ReadOnlySpan<byte> result = text.Slice(0, n);

        // No write happened since FindSlot, so the slot still points at this key's entry.
        StoreText(db, key, slot, result, StringValue.EncodingOfText(n));
        c.W.Bulk(result);
    }

    /// <summary>string2ld's acceptance: no surrounding whitespace, bounded length, no NaN.</summary>
    static bool TryParseLongDouble(ReadOnlySpan<byte> s, out double v)
    {
        v = 0;
        if (s.Length == 0 || s.Length >= MaxLongDoubleChars) return false;
        if (IsSpace(s[0]) || IsSpace(s[^1])) return false;
        return RespNumber.TryParseDouble(s, out v) && !double.IsNaN(v);
    }

    static bool IsSpace(byte b) => b == ' ' || (uint)(b - '\t') <= '\r' - '\t';

    /// <summary>Parses plain decimal text (sign, digits, dot, exponent) that decimal holds exactly.</summary>
    static bool TryExactDecimal(ReadOnlySpan<byte> s, out decimal v)
    {
        v = 0;
        int digits = 0;
        foreach (byte b in s)
        {
            if ((uint)(b - '0') <= 9) digits++;
            else if (b == 'e' || b == 'E') break;
            else if (b != '.' && b != '-' && b != '+') return false; // hex, "inf": leave to double
        }
        if (digits > 27) return false;
        const NumberStyles style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
        if (!decimal.TryParse(s, style, CultureInfo.InvariantCulture, out v)) return false;
        // Keeps the sum far from decimal's 7.9e28 ceiling, so the addition cannot throw.
        return Math.Abs(v) < 1e27m;
    }

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
