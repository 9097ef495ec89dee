using System;
using System.Diagnostics;
using System.Globalization;

namespace FastKv.Protocol;

public static partial class RespNumber
{
    /// <summary>Longest text <see cref="FormatDouble"/> writes ("-123456789012345670000000" is 25).</summary>
    public const int MaxDoubleChars = 32;

    /// <summary>Magnitude up to which an integral double is written as an integer: LLONG_MAX / 2, as a double (2^62).</summary>
    private const double IntegerTextLimit = 4611686018427387903.0;

    /// <summary>
    /// The text Redis 7.2's d2string gives a double (addReplyDouble, ZSCORE, scores kept as text): "nan",
    /// "inf", "-inf", "0", "-0"; an integral value within ±2^62 as an integer; anything else as fpconv_dtoa writes
    /// it (<see cref="FormatShortest"/>: Grisu2's digits, which read back as the same double).
    /// Returns the number of bytes written; the destination needs <see cref="MaxDoubleChars"/> bytes at most.
    /// </summary>
    public static int FormatDouble(double value, Span<byte> destination)
    {
        // d2string writes "nan" whatever the sign: fpconv_dtoa writes "-nan" for a negative one.
        if (double.IsNaN(value))
        {
            return Copy("nan"u8, destination);
        }

        // d2string is fpconv_dtoa but for its integer shortcut (0 and -0 stay fpconv's specials).
        if (value != 0 && value >= -IntegerTextLimit && value <= IntegerTextLimit && value == Math.Floor(value))
        {
            bool ok = ((long)value).TryFormat(destination, out int written, default, CultureInfo.InvariantCulture);
            Debug.Assert(ok);
            return written;
        }

        return FormatDoubleFpconv(value, destination);
    }

    /// <summary>
    /// fpconv_dtoa itself, without d2string's integer shortcut: what Redis 7.2's rioWriteBulkDouble writes (the
    /// scores of ZADD in a rewritten AOF), so an integral score is laid out like any other ("3", "1e+10").
    /// "nan", "inf", "0" as fpconv's filter_special, after a "-" for any value whose sign bit is set ("-nan": x86's
    /// 0/0, which a script passes to redis.call). Needs <see cref="MaxDoubleChars"/> bytes at most.
    /// </summary>
    public static int FormatDoubleFpconv(double value, Span<byte> destination)
    {
        if (double.IsNaN(value))
        {
            return Copy(double.IsNegative(value) ? "-nan"u8 : "nan"u8, destination);
        }

        if (double.IsInfinity(value))
        {
            return Copy(value > 0 ? "inf"u8 : "-inf"u8, destination);
        }

        if (value == 0)
        {
            return Copy(double.IsNegative(value) ? "-0"u8 : "0"u8, destination);
        }

        // The usual case in scripts (a counter passed back to redis.call): an integer below 2^53 is its own shortest
        // digits, and fpconv writes it plainly unless it ends in 8 or more zeros (then "1e+08"). Same bytes as below.
        if (Math.Abs(value) < 9007199254740992.0 && value == Math.Floor(value))
        {
            long n = (long)value;
            long m = n < 0 ? -n : n;
            int zeros = 0;
            while (m % 10 == 0)
            {
                m /= 10;
                zeros++;
            }
            if (zeros < 8) return FormatInt64(n, destination);
        }

        return FormatShortest(value, destination);
    }

    /// <summary>
    /// A finite non-zero double as fpconv_dtoa writes it: <see cref="Grisu2"/>'s digits (round-trip, usually but not
    /// always the shortest) in fpconv's layout (the general path of <see cref="FormatDoubleFpconv"/>; public so tests
    /// can compare its integer shortcut with it).
    /// </summary>
    public static int FormatShortest(double value, Span<byte> destination)
    {
        Span<byte> digits = stackalloc byte[Grisu2.MaxDigits];
        int n = Grisu2.Generate(value, digits, out int k);
        return EmitFpconvLayout(digits.Slice(0, n), k, double.IsNegative(value), destination);
    }

    /// <summary>
    /// fpconv_dtoa's layout of digits * 10^k: a plain integer when k &gt;= 0 and the exponent is under
    /// ndigits + 7; a plain decimal when k &lt; 0 and (k &gt; -7 or the exponent is under 4); otherwise
    /// d.ddde[+-]x with the exponent's digits unpadded (1e+22, -2.5e-7, 1e-300), keeping at most 18 digits (17 after
    /// a "-"), the sign of the exponent then taken from the digits kept, as fpconv's emit_digits does. Public for the
    /// benchmark that sets Grisu2's digits against .NET's shortest ones in the same layout.
    /// </summary>
    public static int EmitFpconvLayout(ReadOnlySpan<byte> digits, int k, bool negative, Span<byte> destination)
    {
        int at = 0;
        if (negative)
        {
            destination[at++] = (byte)'-';
        }

        int ndigits = digits.Length;
        int exp = Math.Abs(k + ndigits - 1);
        if (k >= 0 && exp < ndigits + 7)
        {
            digits.CopyTo(destination.Slice(at));
            at += ndigits;
            destination.Slice(at, k).Fill((byte)'0');
            return at + k;
        }

        if (k < 0 && (k > -7 || exp < 4))
        {
            int offset = ndigits + k;
            if (offset <= 0)
            {
                destination[at++] = (byte)'0';
                destination[at++] = (byte)'.';
                destination.Slice(at, -offset).Fill((byte)'0');
                at += -offset;
                digits.CopyTo(destination.Slice(at));
                return at + ndigits;
            }

            digits.Slice(0, offset).CopyTo(destination.Slice(at));
            at += offset;
            destination[at++] = (byte)'.';
            digits.Slice(offset).CopyTo(destination.Slice(at));
            return at + ndigits - offset;
        }

        ndigits = Math.Min(ndigits, negative ? 17 : 18);
        destination[at++] = digits[0];
        if (ndigits > 1)
        {
            destination[at++] = (byte)'.';
            digits.Slice(1).CopyTo(destination.Slice(at));
            at += ndigits - 1;
        }

        destination[at++] = (byte)'e';
        destination[at++] = k + ndigits - 1 < 0 ? (byte)'-' : (byte)'+';
        bool ok = exp.TryFormat(destination.Slice(at), out int written, default, CultureInfo.InvariantCulture);
        Debug.Assert(ok);
        return at + written;
    }

    /// <summary>
    /// C <c>printf("%.17g")</c> (glibc, so NaN is "nan" or "-nan"), with "inf" and "-inf": what Redis 7.0 sent
    /// for every double, and what 7.2 still sends where it prints with ld2string's LD_STR_AUTO ("%.17Lg" of a
    /// double is the same text): ZSCAN of a skiplist-encoded sorted set. Returns the number of bytes written;
    /// the destination needs <see cref="MaxDoubleChars"/> bytes at most.
    /// </summary>
    public static int FormatDoubleG17(double value, Span<byte> destination)
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
