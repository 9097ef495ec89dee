using System;
using System.Globalization;

namespace FastKv.Protocol;

public static partial class RespNumber
{
    /// <summary>Redis MAX_LONG_DOUBLE_CHARS (5 KiB): a number must be shorter than this.</summary>
    public const int MaxDoubleInputChars = 5 * 1024;

    /// <summary>
    /// Redis <c>string2d</c> / <c>string2ld</c>: the whole text must be a C strtod number. Accepted: an optional
    /// sign, then decimal digits with an optional point and exponent ("1", "-1.5", ".5", "5.", "1e-3"),
    /// hexadecimal ("0x1p4", "0x1.8"), or "inf" / "infinity" in any case. Rejected: empty text, 5120 characters
    /// or more, leading or trailing spaces, NaN, and results that overflow to infinity or underflow to zero.
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        if (text.IsEmpty || text.Length >= MaxDoubleInputChars)
        {
            return false;
        }

        int i = 0;
        bool negative = false;
        byte c = text[0];
        if (c == (byte)'-' || c == (byte)'+')
        {
            negative = c == (byte)'-';
            i = 1;
        }

        ReadOnlySpan<byte> body = text.Slice(i);
        if (body.IsEmpty)
        {
            return false;
        }

        byte first = (byte)(body[0] | 0x20);
        if (first == (byte)'i')
        {
            if (EqualsIgnoreCase(body, "inf"u8) || EqualsIgnoreCase(body, "infinity"u8))
            {
                value = negative ? double.NegativeInfinity : double.PositiveInfinity;
                return true;
            }

            return false;
        }

        if (body.Length > 2 && body[0] == (byte)'0' && (body[1] | 0x20) == (byte)'x')
        {
            if (!TryParseHex(body.Slice(2), out value))
            {
                return false;
            }

            value = negative ? -value : value;
            return true;
        }

        // Decimal: digits [. digits] [e [sign] digits], at least one mantissa digit.
        int p = 0;
        bool nonZeroDigit = false;
        int mantissaDigits = 0;
        while (p < body.Length && IsDigit(body[p]))
        {
            nonZeroDigit |= body[p] != (byte)'0';
            mantissaDigits++;
            p++;
        }

        if (p < body.Length && body[p] == (byte)'.')
        {
            p++;
            while (p < body.Length && IsDigit(body[p]))
            {
                nonZeroDigit |= body[p] != (byte)'0';
                mantissaDigits++;
                p++;
            }
        }

        if (mantissaDigits == 0)
        {
            return false;
        }

        if (p < body.Length && (body[p] | 0x20) == (byte)'e')
        {
            p++;
            if (p < body.Length && (body[p] == (byte)'+' || body[p] == (byte)'-'))
            {
                p++;
            }

            int expDigits = 0;
            while (p < body.Length && IsDigit(body[p]))
            {
                expDigits++;
                p++;
            }

            if (expDigits == 0)
            {
                return false; // strtod would stop before the 'e': trailing text
            }
        }

        if (p != body.Length)
        {
            return false;
        }

        const NumberStyles Styles = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
        if (!double.TryParse(text, Styles, CultureInfo.InvariantCulture, out value))
        {
            return false;
        }

        return IsInRange(value, nonZeroDigit);
    }

    /// <summary>strtod's ERANGE rejections: overflow to infinity, or a non-zero number that became zero.</summary>
    private static bool IsInRange(double value, bool nonZeroDigit)
    {
        if (double.IsInfinity(value) || double.IsNaN(value))
        {
            return false;
        }

        return value != 0 || !nonZeroDigit;
    }

    /// <summary>The part after "0x": hex digits [. hex digits] [p [sign] decimal digits], at least one hex digit.</summary>
    private static bool TryParseHex(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        ulong mantissa = 0;
        bool sticky = false;
        long exponent = 0; // binary exponent applied to mantissa
        int digits = 0;
        int p = 0;
        bool point = false;
        while (p < s.Length)
        {
            byte c = s[p];
            int d = HexDigitValue(c);
            if (d >= 0)
            {
                digits++;
                if (mantissa >> 56 == 0)
                {
                    mantissa = (mantissa << 4) | (uint)d;
                    if (point)
                    {
                        exponent -= 4;
                    }
                }
                else
                {
                    sticky |= d != 0;
                    if (!point)
                    {
                        exponent += 4;
                    }
                }

                p++;
            }
            else if (c == (byte)'.' && !point)
            {
                point = true;
                p++;
            }
            else
            {
                break;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        if (p < s.Length && (s[p] | 0x20) == (byte)'p')
        {
            p++;
            bool negativeExp = false;
            if (p < s.Length && (s[p] == (byte)'+' || s[p] == (byte)'-'))
            {
                negativeExp = s[p] == (byte)'-';
                p++;
            }

            int expDigits = 0;
            long e = 0;
            while (p < s.Length && IsDigit(s[p]))
            {
                if (e < 1_000_000)
                {
                    e = (e * 10) + (s[p] - '0');
                }

                expDigits++;
                p++;
            }

            if (expDigits == 0)
            {
                return false;
            }

            exponent += negativeExp ? -e : e;
        }

        if (p != s.Length)
        {
            return false;
        }

        bool nonZero = mantissa != 0 || sticky;
        if (sticky)
        {
            mantissa |= 1; // below the 53-bit rounding point: breaks ties the right way
        }

        int scale = (int)Math.Clamp(exponent, -4000, 4000);
        value = Math.ScaleB((double)mantissa, scale);
        return IsInRange(value, nonZero);
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private static int HexDigitValue(byte c)
    {
        if ((uint)(c - '0') <= 9)
        {
            return c - '0';
        }

        uint lower = (uint)((c | 0x20) - 'a');
        return lower <= 5 ? (int)lower + 10 : -1;
    }

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lowerAscii)
    {
        if (text.Length != lowerAscii.Length)
        {
            return false;
        }

        for (int i = 0; i < text.Length; i++)
        {
            if ((text[i] | 0x20) != lowerAscii[i])
            {
                return false;
            }
        }

        return true;
    }
}
