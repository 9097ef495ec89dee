using System;
using System.Diagnostics;
using System.Globalization;
using FastKv.Protocol;

namespace FastKv.Benchmarks;

/// <summary>
/// The baseline for <see cref="DoubleFormatBenchmarks"/>: how FastKv wrote a non-integral double before it followed
/// fpconv's Grisu2, .NET's shortest round-trip ("R") digits, moved to the upper candidate on an exact tie, in
/// fpconv's layout. Kept only to measure against; its digits differ from Redis's now and then.
/// </summary>
internal static class RoundTripDoubleFormat
{
    public static int Format(double value, Span<byte> destination)
    {
        // "R" gives the shortest digits that round-trip, as [-]digits[.digits][E[+-]exp].
        Span<byte> r = stackalloc byte[RespNumber.MaxDoubleChars];
        bool formatted = value.TryFormat(r, out int len, "R", CultureInfo.InvariantCulture);
        Debug.Assert(formatted);
        Span<byte> digits = stackalloc byte[RespNumber.MaxDoubleChars];
        int n = 0;
        int fractionDigits = -1;
        int exponent = 0;
        for (int i = r[0] == (byte)'-' ? 1 : 0; i < len; i++)
        {
            byte b = r[i];
            if (b == (byte)'.')
            {
                fractionDigits = 0;
            }
            else if (b == (byte)'E')
            {
                exponent = int.Parse(r.Slice(i + 1, len - i - 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            else
            {
                digits[n++] = b;
                if (fractionDigits >= 0)
                {
                    fractionDigits++;
                }
            }
        }

        // value = digits * 10^k; leading zeros change nothing, trailing zeros move into k.
        int k = exponent - Math.Max(0, fractionDigits);
        int first = 0;
        while (first < n - 1 && digits[first] == (byte)'0')
        {
            first++;
        }

        while (n - 1 > first && digits[n - 1] == (byte)'0')
        {
            n--;
            k++;
        }

        digits = digits.Slice(first, n - first);
        k += TieToUpper(Math.Abs(value), ref digits);
        return RespNumber.EmitFpconvLayout(digits, k, value < 0, destination);
    }

    /// <summary>
    /// When the double lies exactly halfway between two shortest candidates (1.00000762939453125 between
    /// ...312 and ...313), "R" takes the even one and fpconv_dtoa's Grisu2 the one above: take that one.
    /// <paramref name="digits"/> become the upper candidate; returns how much k grows (1 when 99..9 carried).
    /// </summary>
    private static int TieToUpper(double magnitude, ref Span<byte> digits)
    {
        // A tie has one digit more than the shortest form, so 41 significant digits show it exactly.
        Span<byte> exact = stackalloc byte[64];
        bool ok = magnitude.TryFormat(exact, out int len, "E40", CultureInfo.InvariantCulture);
        Debug.Assert(ok && exact[1] == (byte)'.');
        int n = digits.Length;
        // Significant digit i of the exact value sits at exact[0] (i = 0) or exact[i + 1].
        if (n > 40 || exact[n + 1] != (byte)'5')
        {
            return 0;
        }

        for (int i = n + 1; i <= 40; i++)
        {
            if (exact[i + 1] != (byte)'0')
            {
                return 0;
            }
        }

        // digits = the first n exact digits, plus one in the last place.
        digits[0] = exact[0];
        for (int i = 1; i < n; i++)
        {
            digits[i] = exact[i + 1];
        }

        int at = n - 1;
        while (at >= 0 && digits[at] == (byte)'9')
        {
            digits[at--] = (byte)'0';
        }

        if (at < 0)
        {
            digits[0] = (byte)'1';
            digits = digits.Slice(0, 1);
            return n;
        }

        digits[at]++;
        int kept = at + 1;
        int grow = n - kept;
        digits = digits.Slice(0, kept);
        return grow;
    }
}
