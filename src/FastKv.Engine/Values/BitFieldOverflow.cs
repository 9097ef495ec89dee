namespace FastKv.Engine;

/// <summary>
/// BITFIELD's overflow rules, as Redis's checkUnsignedBitfieldOverflow / checkSignedBitfieldOverflow decide them:
/// whether <c>value + incr</c> leaves the range of a field of <c>bits</c> bits, and with WRAP (0) or SAT (1) the value
/// to write instead (FAIL, 2, writes nothing). SET checks its value as an increment of 0, so a SET value outside the
/// type's range (a negative one for an unsigned type included) overflows too. All arithmetic wraps as C's unsigned
/// arithmetic does.
/// </summary>
public static class BitFieldOverflow
{
    const byte Wrap = 0, Sat = 1;

    /// <summary>True when the unsigned field overflows; <paramref name="limit"/> is then the wrapped or saturated value.</summary>
    public static bool Unsigned(ulong value, long incr, int bits, byte policy, out ulong limit)
    {
        unchecked
        {
            ulong max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
            long maxIncr = (long)(max - value);
            long minIncr = -(long)value;
            limit = 0;
            if (value > max || (incr > 0 && incr > maxIncr))
            {
                if (policy == Wrap) limit = (value + (ulong)incr) & max;
                else if (policy == Sat) limit = max;
                return true;
            }
            if (incr < 0 && incr < minIncr)
            {
                if (policy == Wrap) limit = (value + (ulong)incr) & max;
                else if (policy == Sat) limit = 0;
                return true;
            }
            return false;
        }
    }

    /// <summary>True when the signed field overflows; <paramref name="limit"/> is then the wrapped or saturated value.</summary>
    public static bool Signed(long value, long incr, int bits, byte policy, out long limit)
    {
        unchecked
        {
            long max = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
            long min = -max - 1;
            // Either may wrap; each is used only once value is known to be in range, where it does not.
            long maxIncr = (long)((ulong)max - (ulong)value);
            long minIncr = min - value;
            limit = 0;
            if (value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr))
            {
                limit = policy == Wrap ? WrapSigned(value, incr, bits) : max;
                return true;
            }
            if (value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr))
            {
                limit = policy == Wrap ? WrapSigned(value, incr, bits) : min;
                return true;
            }
            return false;
        }
    }

    /// <summary>The sum taken modulo 2^bits, its sign bit extended (Redis's handle_wrap).</summary>
    static long WrapSigned(long value, long incr, int bits)
    {
        unchecked
        {
            ulong c = (ulong)value + (ulong)incr;
            if (bits < 64)
            {
                ulong mask = ulong.MaxValue << bits;
                ulong msb = 1UL << (bits - 1);
                c = (c & msb) != 0 ? c | mask : c & ~mask;
            }
            return (long)c;
        }
    }
}
