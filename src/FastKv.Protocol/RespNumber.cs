using System;
using System.Runtime.CompilerServices;

namespace FastKv.Protocol;

/// <summary>
/// Number text exactly as Redis reads and writes it: <c>string2ll</c> for integers, <c>string2d</c>
/// (strtod) for doubles, <c>%.17g</c> for double replies.
/// </summary>
public static partial class RespNumber
{
    /// <summary>Redis LONG_STR_SIZE is 21: an integer is at most 20 characters ("-9223372036854775808").</summary>
    public const int MaxInt64Chars = 20;

    /// <summary>
    /// Redis <c>string2ll</c>: an optional '-', then "0" alone or a digit 1-9 followed by digits.
    /// No '+', no spaces, no leading zeros, no "-0", at most 20 characters, overflow rejected.
    /// </summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        int len = text.Length;
        if ((uint)(len - 1) >= MaxInt64Chars)
        {
            return false; // empty, or 21 characters and more
        }

        int i = 0;
        bool negative = false;
        if (text[0] == (byte)'-')
        {
            negative = true;
            i = 1;
            if (len == 1)
            {
                return false;
            }
        }

        uint first = (uint)(text[i] - '0');
        if (first - 1 > 8)
        {
            // First digit must be 1-9; the only number starting with 0 is "0" itself.
            if (first == 0 && len == 1)
            {
                return true;
            }

            return false;
        }

        ulong v = first;
        i++;

        // Up to 18 digits cannot overflow a ulong; the 19th and 20th are checked.
        for (; (uint)i < (uint)text.Length; i++)
        {
            uint d = (uint)(text[i] - '0');
            if (d > 9)
            {
                return false;
            }

            if (v > ulong.MaxValue / 10)
            {
                return false;
            }

            v *= 10;
            if (v > ulong.MaxValue - d)
            {
                return false;
            }

            v += d;
        }

        if (negative)
        {
            if (v > (ulong)long.MaxValue + 1)
            {
                return false;
            }

            value = (long)(0 - v);
        }
        else
        {
            if (v > long.MaxValue)
            {
                return false;
            }

            value = (long)v;
        }

        return true;
    }

    /// <summary>Number of characters <see cref="FormatInt64"/> writes for <paramref name="value"/>, sign included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Digits(long value)
    {
        if (value < 0)
        {
            return 1 + DigitsUnsigned(0 - (ulong)value);
        }

        return DigitsUnsigned((ulong)value);
    }

    /// <summary>Decimal digits of an unsigned value (1 for 0).</summary>
    public static int DigitsUnsigned(ulong v)
    {
        int n = 1;
        while (v >= 10000)
        {
            v /= 10000;
            n += 4;
        }

        if (v >= 10)
        {
            n++;
            if (v >= 100)
            {
                n++;
                if (v >= 1000)
                {
                    n++;
                }
            }
        }

        return n;
    }

    /// <summary>
    /// Writes the decimal text of <paramref name="value"/> (as Redis ll2string) and returns its length.
    /// The destination must hold at least <see cref="Digits"/> bytes (20 always suffice).
    /// </summary>
    public static int FormatInt64(long value, Span<byte> destination)
    {
        ulong v = (ulong)value;
        int start = 0;
        if (value < 0)
        {
            v = 0 - v;
            destination[0] = (byte)'-';
            start = 1;
        }

        int len = start + DigitsUnsigned(v);
        if ((uint)len > (uint)destination.Length)
        {
            ThrowDestinationTooSmall();
        }

        int i = len - 1;
        do
        {
            ulong q = v / 10;
            destination[i] = (byte)('0' + (int)(v - (q * 10)));
            v = q;
            i--;
        }
        while (v != 0);

        return len;
    }

    private static void ThrowDestinationTooSmall() => throw new ArgumentException("Destination is too small.", "destination");
}
