using System;

namespace FastKv.Engine;

/// <summary>
/// A blocking command's timeout argument in seconds, read as Redis 7.2's getTimeoutFromObjectOrReply reads
/// it: a long double (string2ld: strtold rules, no spaces, no NaN, no overflow), times 1000 in extended
/// precision, then "out of range" when the product exceeds LLONG_MAX, else rounded UP to whole
/// milliseconds (ceill), then "negative" below zero. Rounding up is what makes <c>BLPOP k 0.0005</c> wait
/// 1 ms rather than forever (0 means forever), while <c>-0.0005</c> rounds up to -0, which is 0: forever,
/// as Redis has it. The x87 arithmetic is emulated exactly, so the edges (1e-400, values near 2^63 ms)
/// fall where Redis's do.
/// </summary>
public static class BlockingTimeout
{
    public const string NotAFloat = "ERR timeout is not a float or out of range";
    public const string OutOfRange = Errors.TimeoutOutOfRange;
    public const string Negative = Errors.TimeoutNegative;

    /// <summary>The relative timeout in ms (0: forever), or false with Redis's error text.</summary>
    public static bool TryParseSeconds(ReadOnlySpan<byte> text, out long ms, out string? error)
    {
        ms = 0;
        error = null;
        if (!Commands.StringCommands.TryParseLongDouble(text, out LongDouble v))
        {
            error = NotAFloat;
            return false;
        }
        if (v.IsZero) return true;
        if (v.IsInfinity)
        {
            error = v.IsNegative ? Negative : OutOfRange;
            return false;
        }
        // v * 1000 as one x87 fmul: the exact product of the 64-bit significand and 1000, rounded back to
        // 64 significant bits (nearest, ties to even). value = q * 2^e afterwards.
        UInt128 product = (UInt128)v.Mantissa * 1000u;
        int e = v.Exponent - 63;
        int extra = 128 - (int)UInt128.LeadingZeroCount(product) - 64;
        UInt128 q = product;
        if (extra > 0)
        {
            q = product >> extra;
            UInt128 rem = product & ((UInt128.One << extra) - 1);
            UInt128 half = UInt128.One << (extra - 1);
            if (rem > half || (rem == half && (q & 1) != 0)) q++;
            e += extra;
        }
        // q < 2^65 and e is the binary exponent of its last bit.
        int bits = 128 - (int)UInt128.LeadingZeroCount(q);
        if (v.IsNegative)
        {
            // ceill of a value in (-1, 0) is -0, which is 0 (forever); anything else is at most -1.
            if (bits + e <= 0) return true;
            error = Negative;
            return false;
        }
        // Positive: "out of range" when the product is above LLONG_MAX = 2^63 - 1, i.e. at or above 2^63
        // (an integer) or between 2^63 - 1 and 2^63 (its integer part 2^63 - 1 with a fraction).
        if (bits + e > 63)
        {
            error = OutOfRange;
            return false;
        }
        if (e >= 0)
        {
            ms = (long)(q << e);
            return true;
        }
        if (-e >= bits)
        {
            ms = 1; // below 1 ms: rounds up to 1
            return true;
        }
        UInt128 whole = q >> -e;
        bool fraction = (q & ((UInt128.One << -e) - 1)) != 0;
        if (fraction && whole == long.MaxValue)
        {
            error = OutOfRange;
            return false;
        }
        ms = (long)whole + (fraction ? 1 : 0);
        return true;
    }
}
