using System;
using System.Globalization;
using System.Numerics;

namespace FastKv.Engine.Scripting;

/// <summary>
/// lua-cjson's number text, both ways, as Redis 7.2's build does it (fpconv.c with a '.' locale): glibc's
/// <c>printf("%.{precision}g")</c> for encoding and glibc's <c>strtod</c> (decimal, hexadecimal, inf, infinity, nan,
/// nan(chars)) for decoding, which reports how many bytes it read.
/// </summary>
public static class CjsonNumber
{
    /// <summary>Longest text <see cref="FormatG"/> writes ("-1.2345678901234e-308" is 21).</summary>
    public const int MaxChars = 32;

    static readonly string[] ExponentFormats = { "E0", "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10", "E11", "E12", "E13" };

    /// <summary>
    /// <c>%.{precision}g</c> of <paramref name="value"/> (precision 1..14): "inf", "-inf", "nan", "-nan" for the
    /// special values. .NET's "E" format gives the digits correctly rounded, ties to even, as glibc does.
    /// </summary>
    public static int FormatG(double value, int precision, Span<byte> destination)
    {
        if (double.IsInfinity(value)) return Copy(value > 0 ? "inf"u8 : "-inf"u8, destination);
        if (double.IsNaN(value)) return Copy(double.IsNegative(value) ? "-nan"u8 : "nan"u8, destination);

        // [-]d.ddddE+ddd with precision - 1 digits after the point
        Span<char> e = stackalloc char[MaxChars];
        value.TryFormat(e, out int len, ExponentFormats[precision - 1], CultureInfo.InvariantCulture);
        int i = 0;
        bool negative = e[0] == '-';
        if (negative) i = 1;
        Span<byte> digits = stackalloc byte[precision];
        digits[0] = (byte)e[i];
        for (int d = 1; d < precision; d++) digits[d] = (byte)e[i + 1 + d];
        int at = i + (precision > 1 ? precision + 1 : 1);
        int exponent = 0;
        bool negativeExponent = e[at + 1] == '-';
        for (int k = at + 2; k < len; k++) exponent = exponent * 10 + (e[k] - '0');
        if (negativeExponent) exponent = -exponent;

        int significant = precision;
        while (significant > 1 && digits[significant - 1] == (byte)'0') significant--;

        int o = 0;
        if (negative) destination[o++] = (byte)'-';
        if (exponent < -4 || exponent >= precision)
        {
            destination[o++] = digits[0];
            if (significant > 1)
            {
                destination[o++] = (byte)'.';
                digits[1..significant].CopyTo(destination[o..]);
                o += significant - 1;
            }
            destination[o++] = (byte)'e';
            destination[o++] = exponent < 0 ? (byte)'-' : (byte)'+';
            int abs = Math.Abs(exponent);
            if (abs >= 100) destination[o++] = (byte)('0' + abs / 100);
            destination[o++] = (byte)('0' + abs / 10 % 10);
            destination[o++] = (byte)('0' + abs % 10);
        }
        else if (exponent >= 0)
        {
            int intDigits = exponent + 1;
            for (int d = 0; d < intDigits; d++) destination[o++] = d < significant ? digits[d] : (byte)'0';
            if (significant > intDigits)
            {
                destination[o++] = (byte)'.';
                digits[intDigits..significant].CopyTo(destination[o..]);
                o += significant - intDigits;
            }
        }
        else
        {
            destination[o++] = (byte)'0';
            destination[o++] = (byte)'.';
            for (int z = -1; z > exponent; z--) destination[o++] = (byte)'0';
            digits[..significant].CopyTo(destination[o..]);
            o += significant;
        }
        return o;
    }

    static int Copy(ReadOnlySpan<byte> s, Span<byte> destination)
    {
        s.CopyTo(destination);
        return s.Length;
    }

    /// <summary>
    /// glibc strtod on <paramref name="s"/> (which ends where the C string would: at its end or first NUL): the value
    /// and the number of bytes read, 0 when no number starts there (then the value is 0).
    /// </summary>
    public static int Strtod(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        int i = 0;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }

        if (StartsWithIgnoreCase(s[i..], "inf"u8))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return i + (StartsWithIgnoreCase(s[i..], "infinity"u8) ? 8 : 3);
        }
        if (StartsWithIgnoreCase(s[i..], "nan"u8))
        {
            // glibc's NAN is positive; "-nan" flips the sign bit. A payload in parentheses is read and ignored here.
            value = BitConverter.Int64BitsToDouble(negative ? unchecked((long)0xFFF8000000000000) : 0x7FF8000000000000);
            int end = i + 3;
            if (end < s.Length && s[end] == '(')
            {
                int j = end + 1;
                while (j < s.Length && (char.IsAsciiLetterOrDigit((char)s[j]) || s[j] == '_')) j++;
                if (j < s.Length && s[j] == ')') end = j + 1;
            }
            return end;
        }
        if (i + 1 < s.Length && s[i] == '0' && (s[i + 1] | 0x20) == 'x')
        {
            int read = HexFloat(s[(i + 2)..], out double hex);
            if (read > 0)
            {
                value = negative ? -hex : hex;
                return i + 2 + read;
            }
            value = negative ? -0.0 : 0.0; // "0x" without hex digits: strtod reads the "0"
            return i + 1;
        }

        int start = i;
        int mantissaDigits = 0;
        while (i < s.Length && IsDigit(s[i])) { i++; mantissaDigits++; }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && IsDigit(s[i])) { i++; mantissaDigits++; }
        }
        if (mantissaDigits == 0) return 0;
        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            int j = i + 1;
            if (j < s.Length && (s[j] == '+' || s[j] == '-')) j++;
            if (j < s.Length && IsDigit(s[j]))
            {
                while (j < s.Length && IsDigit(s[j])) j++;
                i = j;
            }
        }
        double magnitude = double.Parse(s[start..i], NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
        value = negative ? -magnitude : magnitude;
        return i;
    }

    static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    static int HexValue(byte c)
    {
        if (IsDigit(c)) return c - '0';
        int lower = c | 0x20;
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }

    static bool StartsWithIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lowerWord)
    {
        if (s.Length < lowerWord.Length) return false;
        for (int i = 0; i < lowerWord.Length; i++)
            if ((s[i] | 0x20) != lowerWord[i]) return false;
        return true;
    }

    /// <summary>
    /// The part of a hexadecimal float after "0x": hex digits with an optional point, then an optional binary
    /// exponent p[+-]d+. Returns the bytes read (0 when no hex digit comes) and the value rounded to nearest, ties
    /// to even, subnormals included.
    /// </summary>
    static int HexFloat(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        ulong mantissa = 0;
        bool sticky = false;
        long exponent2 = 0;
        int digits = 0;
        int i = 0;
        bool point = false;
        for (; i < s.Length; i++)
        {
            if (s[i] == '.' && !point)
            {
                point = true;
                continue;
            }
            int d = HexValue(s[i]);
            if (d < 0) break;
            digits++;
            if (mantissa >> 60 == 0)
            {
                mantissa = (mantissa << 4) | (uint)d;
                if (point) exponent2 -= 4;
            }
            else
            {
                sticky |= d != 0;
                if (!point) exponent2 += 4;
            }
        }
        if (digits == 0) return 0;
        if (i < s.Length && (s[i] | 0x20) == 'p')
        {
            int j = i + 1;
            bool negative = false;
            if (j < s.Length && (s[j] == '+' || s[j] == '-'))
            {
                negative = s[j] == '-';
                j++;
            }
            if (j < s.Length && IsDigit(s[j]))
            {
                long e = 0;
                while (j < s.Length && IsDigit(s[j]))
                {
                    if (e < 1_000_000) e = e * 10 + (s[j] - '0');
                    j++;
                }
                exponent2 += negative ? -e : e;
                i = j;
            }
        }
        value = Compose(mantissa, sticky, exponent2);
        return i;
    }

    /// <summary>(mantissa + a nonzero fraction if sticky) * 2^exponent2, rounded to a double, ties to even.</summary>
    static double Compose(ulong mantissa, bool sticky, long exponent2)
    {
        if (mantissa == 0) return 0;
        int lz = BitOperations.LeadingZeroCount(mantissa);
        mantissa <<= lz;
        long top = exponent2 + 63 - lz; // the exponent of the leading bit
        if (top > 1023) return double.PositiveInfinity;
        long keepBits = top >= -1022 ? 53 : 53 - (-1022 - top);
        if (keepBits <= 0)
        {
            // below half the smallest subnormal, or exactly half of it (a tie that goes to even zero)
            if (keepBits < 0) return 0;
            bool aboveHalf = mantissa != 1UL << 63 || sticky;
            return aboveHalf ? double.Epsilon : 0;
        }
        ulong kept = mantissa >> (int)(64 - keepBits);
        ulong rest = mantissa << (int)keepBits;
        const ulong half = 1UL << 63;
        if (rest > half || (rest == half && (sticky || (kept & 1) != 0))) kept++;
        return Math.ScaleB(kept, (int)(top - (keepBits - 1)));
    }
}
