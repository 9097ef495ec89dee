using System;
using System.Diagnostics;
using System.Globalization;

namespace FastKv.Protocol;

public static partial class RespNumber
{
    /// <summary>Longest text <see cref="FormatDouble"/> writes ("-1.2345678901234567e-308" is 24).</summary>
    public const int MaxDoubleChars = 32;

    /// <summary>
    /// The text Redis 7.0 addReplyDouble sends: "inf", "-inf", otherwise C <c>printf("%.17g")</c> (glibc, so
    /// NaN is "nan" or "-nan"). Returns the number of bytes written; the destination needs
    /// <see cref="MaxDoubleChars"/> bytes at most.
    /// </summary>
    public static int FormatDouble(double value, Span<byte> destination)
    {
        if (double.IsInfinity(value))
        {
            return Copy(value > 0 ? "inf"u8 : "-inf"u8, destination);
        }

        if (double.IsNaN(value))
        {
            return Copy(double.IsNegative(value) ? "-nan"u8 : "nan"u8, destination);
        }

        // "E16" gives exactly 17 significant digits, correctly rounded: [-]d.dddddddddddddddde[+-]ddd
        Span<byte> e = stackalloc byte[MaxDoubleChars];
        bool ok = value.TryFormat(e, out int len, "E16", CultureInfo.InvariantCulture);
        Debug.Assert(ok);

        int i = 0;
        bool negative = e[0] == (byte)'-';
        if (negative)
        {
            i = 1;
        }

        Span<byte> digits = stackalloc byte[17];
        digits[0] = e[i];
        e.Slice(i + 2, 16).CopyTo(digits.Slice(1));
        i += 18;
        Debug.Assert(e[i] == (byte)'E');
        bool negativeExponent = e[i + 1] == (byte)'-';
        int exponent = 0;
        for (int k = i + 2; k < len; k++)
        {
            exponent = (exponent * 10) + (e[k] - '0');
        }

        if (negativeExponent)
        {
            exponent = -exponent;
        }

        // %g drops trailing zeros (and the point when nothing follows it).
        int significant = 17;
        while (significant > 1 && digits[significant - 1] == (byte)'0')
        {
            significant--;
        }

        int at = 0;
        if (negative)
        {
            destination[at++] = (byte)'-';
        }

        if (exponent < -4 || exponent >= 17)
        {
            destination[at++] = digits[0];
            if (significant > 1)
            {
                destination[at++] = (byte)'.';
                digits.Slice(1, significant - 1).CopyTo(destination.Slice(at));
                at += significant - 1;
            }

            destination[at++] = (byte)'e';
            destination[at++] = exponent < 0 ? (byte)'-' : (byte)'+';
            int abs = Math.Abs(exponent);
            if (abs >= 100)
            {
                destination[at++] = (byte)('0' + (abs / 100));
            }

            destination[at++] = (byte)('0' + (abs / 10 % 10));
            destination[at++] = (byte)('0' + (abs % 10));
        }
        else if (exponent >= 0)
        {
            int intDigits = exponent + 1;
            digits.Slice(0, intDigits).CopyTo(destination.Slice(at));
            at += intDigits;
            if (significant > intDigits)
            {
                destination[at++] = (byte)'.';
                digits.Slice(intDigits, significant - intDigits).CopyTo(destination.Slice(at));
                at += significant - intDigits;
            }
        }
        else
        {
            destination[at++] = (byte)'0';
            destination[at++] = (byte)'.';
            for (int z = -1; z > exponent; z--)
            {
                destination[at++] = (byte)'0';
            }

            digits.Slice(0, significant).CopyTo(destination.Slice(at));
            at += significant;
        }

        return at;
    }

    private static int Copy(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        text.CopyTo(destination);
        return text.Length;
    }
}
