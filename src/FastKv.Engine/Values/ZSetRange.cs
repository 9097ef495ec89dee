using System;
using System.Globalization;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// A score interval as Redis's zrangespec: <c>[min, max]</c> with each end optionally exclusive
/// (written <c>(1.5</c>). Parsed by <see cref="TryParse"/> with zslParseRange's rules, which are C
/// <c>strtod</c>'s and not the stricter ones of ZADD scores: leading white space is skipped, "inf" and
/// "infinity" in any case are accepted, overflow gives an infinity and underflow a zero, an empty text
/// reads as 0 (so <c>(</c> alone is "above 0"), and only NaN or trailing text is an error.
/// </summary>
public readonly struct ScoreRange
{
    public readonly double Min, Max;
    public readonly bool MinExclusive, MaxExclusive;

    public ScoreRange(double min, bool minExclusive, double max, bool maxExclusive)
    {
        Min = min; MinExclusive = minExclusive; Max = max; MaxExclusive = maxExclusive;
    }

    /// <summary>zslValueGteMin: the score is not below the range.</summary>
    public bool GteMin(double v) => MinExclusive ? v > Min : v >= Min;

    /// <summary>zslValueLteMax: the score is not above the range.</summary>
    public bool LteMax(double v) => MaxExclusive ? v < Max : v <= Max;

    /// <summary>The bounds admit nothing (min above max, or equal with an exclusive end).</summary>
    public bool IsEmpty => Min > Max || (Min == Max && (MinExclusive || MaxExclusive));

    /// <summary>zslParseRange: false when either end is not a float (Errors.BadScoreRange).</summary>
    public static bool TryParse(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out ScoreRange range)
    {
        range = default;
        if (!TryParseEnd(min, out double lo, out bool loEx) || !TryParseEnd(max, out double hi, out bool hiEx)) return false;
        range = new ScoreRange(lo, loEx, hi, hiEx);
        return true;
    }

    static bool TryParseEnd(ReadOnlySpan<byte> s, out double v, out bool exclusive)
    {
        exclusive = s.Length > 0 && s[0] == (byte)'(';
        if (exclusive) s = s.Slice(1);
        return TryStrtod(s, out v) && !double.IsNaN(v);
    }

    /// <summary>
    /// <c>strtod(s, &amp;end)</c> followed by Redis's <c>end[0] == '\0'</c> check: the longest number
    /// prefix must be followed by nothing (or a NUL byte, the end of a C string). When no number is
    /// found strtod leaves <c>end</c> at the start, so only the empty text (or one starting with NUL) passes, as 0.
    /// </summary>
    public static bool TryStrtod(ReadOnlySpan<byte> s, out double v)
    {
        v = 0;
        int i = 0;
        while (i < s.Length && IsSpace(s[i])) i++;
        int numberStart = i;
        bool negative = false;
        if (i < s.Length && (s[i] == (byte)'+' || s[i] == (byte)'-'))
        {
            negative = s[i] == (byte)'-';
            i++;
        }
        int end;
        if (StartsWithIgnoreCase(s.Slice(i), "inf"u8))
        {
            end = i + (StartsWithIgnoreCase(s.Slice(i), "infinity"u8) ? 8 : 3);
            v = negative ? double.NegativeInfinity : double.PositiveInfinity;
        }
        else if (StartsWithIgnoreCase(s.Slice(i), "nan"u8))
        {
            return false; // NaN in any spelling is rejected by the caller's isnan test
        }
        else if (i + 1 < s.Length && s[i] == (byte)'0' && (s[i + 1] | 0x20) == (byte)'x' && HexPrefix(s.Slice(i + 2), out double hex, out int hexLen))
        {
            end = i + 2 + hexLen;
            v = negative ? -hex : hex;
        }
        else
        {
            end = DecimalPrefix(s, i);
            if (end < 0) return s.Length == 0 || s[0] == 0; // no conversion: end stays at the very start
            // The prefix is digits, point and exponent only: .NET parses it correctly rounded, saturating to infinity.
            v = double.Parse(s.Slice(numberStart, end - numberStart), NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        return end == s.Length || s[end] == 0;
    }

    static bool IsSpace(byte c) => c == (byte)' ' || (uint)(c - '\t') <= '\r' - '\t';

    static bool StartsWithIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (s.Length < lower.Length) return false;
        for (int i = 0; i < lower.Length; i++)
            if ((s[i] | 0x20) != lower[i]) return false;
        return true;
    }

    static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    /// <summary>End of the decimal number at <paramref name="i"/> (digits, point, exponent), or -1 when there is none.</summary>
    static int DecimalPrefix(ReadOnlySpan<byte> s, int i)
    {
        int digits = 0;
        while (i < s.Length && IsDigit(s[i])) { i++; digits++; }
        if (i < s.Length && s[i] == (byte)'.')
        {
            i++;
            while (i < s.Length && IsDigit(s[i])) { i++; digits++; }
        }
        if (digits == 0) return -1;
        if (i < s.Length && (s[i] | 0x20) == (byte)'e')
        {
            int j = i + 1;
            if (j < s.Length && (s[j] == (byte)'+' || s[j] == (byte)'-')) j++;
            int k = j;
            while (k < s.Length && IsDigit(s[k])) k++;
            if (k > j) i = k; // an exponent without digits is not part of the number
        }
        return i;
    }

    /// <summary>
    /// The hexadecimal number after "0x": hex digits with an optional point and a binary exponent
    /// <c>p[sign]digits</c>. False when there is no hex digit (strtod then reads just the "0").
    /// Scaled with one rounding of the leading 60 bits, so subnormal results may differ from glibc in the last bit.
    /// </summary>
    static bool HexPrefix(ReadOnlySpan<byte> s, out double v, out int length)
    {
        v = 0;
        length = 0;
        ulong mantissa = 0;
        long exponent = 0;
        int i = 0, digits = 0;
        bool point = false, sticky = false;
        for (; i < s.Length; i++)
        {
            int d = HexValue(s[i]);
            if (d >= 0)
            {
                digits++;
                if (mantissa >> 56 == 0)
                {
                    mantissa = (mantissa << 4) | (uint)d;
                    if (point) exponent -= 4;
                }
                else
                {
                    sticky |= d != 0;
                    if (!point) exponent += 4;
                }
            }
            else if (s[i] == (byte)'.' && !point) point = true;
            else break;
        }
        if (digits == 0) return false;
        if (i < s.Length && (s[i] | 0x20) == (byte)'p')
        {
            int j = i + 1;
            bool neg = false;
            if (j < s.Length && (s[j] == (byte)'+' || s[j] == (byte)'-')) { neg = s[j] == (byte)'-'; j++; }
            long e = 0;
            int k = j;
            for (; k < s.Length && IsDigit(s[k]); k++)
                if (e < 1_000_000) e = e * 10 + (s[k] - '0');
            if (k > j)
            {
                exponent += neg ? -e : e;
                i = k;
            }
        }
        if (sticky) mantissa |= 1;
        v = Math.ScaleB((double)mantissa, (int)Math.Clamp(exponent, -4000, 4000));
        length = i;
        return true;
    }

    static int HexValue(byte c)
    {
        if (IsDigit(c)) return c - '0';
        uint lower = (uint)((c | 0x20) - 'a');
        return lower <= 5 ? (int)lower + 10 : -1;
    }
}

/// <summary>zslParseLexRange: the two ends of a ZRANGEBYLEX-style range, borrowed from the arguments.</summary>
public readonly ref struct LexRange
{
    public readonly LexBound Min, Max;

    public LexRange(LexBound min, LexBound max) { Min = min; Max = max; }

    /// <summary>zslLexValueGteMin.</summary>
    public bool GteMin(ReadOnlySpan<byte> member) => Min.IsExclusive ? Min.CompareMember(member) > 0 : Min.CompareMember(member) >= 0;

    /// <summary>zslLexValueLteMax.</summary>
    public bool LteMax(ReadOnlySpan<byte> member) => Max.IsExclusive ? Max.CompareMember(member) < 0 : Max.CompareMember(member) <= 0;

    /// <summary>The bounds admit nothing (zslIsInLexRange's first test).</summary>
    public bool IsEmpty
    {
        get
        {
            int c = LexBound.Compare(Min, Max);
            return c > 0 || (c == 0 && (Min.IsExclusive || Max.IsExclusive));
        }
    }

    /// <summary>False when an end is not <c>-</c>, <c>+</c>, <c>[x</c> or <c>(x</c> (Errors.BadLexRange).</summary>
    public static bool TryParse(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out LexRange range)
    {
        range = default;
        if (!TryParseItem(min, out LexBound lo) || !TryParseItem(max, out LexBound hi)) return false;
        range = new LexRange(lo, hi);
        return true;
    }

    /// <summary>zslParseLexRangeItem: <c>+</c> and <c>-</c> must stand alone (a NUL after them ends the C string).</summary>
    static bool TryParseItem(ReadOnlySpan<byte> s, out LexBound b)
    {
        b = default;
        if (s.Length == 0) return false;
        switch (s[0])
        {
            case (byte)'+':
                if (s.Length > 1 && s[1] != 0) return false;
                b = LexBound.PositiveInfinity;
                return true;
            case (byte)'-':
                if (s.Length > 1 && s[1] != 0) return false;
                b = LexBound.NegativeInfinity;
                return true;
            case (byte)'(':
                b = LexBound.Exclusive(s.Slice(1));
                return true;
            case (byte)'[':
                b = LexBound.Inclusive(s.Slice(1));
                return true;
        }
        return false;
    }
}
