using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Protocol;

/// <summary>
/// The digits Redis 7.2's fpconv_dtoa gives a double: Florian Loitsch's Grisu2 ("Printing Floating-Point Numbers
/// Quickly and Accurately with Integers", PLDI 2010) as fpconv writes it. The digits always read back as the
/// double, but they are not always the shortest that do (the double nearest 6558.1527232590925 gets 17 digits
/// where 16 suffice), and an exact tie between two shortest candidates goes to the upper one; Redis's replies show
/// both, so FastKv generates the same digits rather than the shortest.
///
/// The steps, all in 64-bit integers ("diy_fp": f * 2^e with a 64-bit f):
/// <list type="number">
/// <item>w = the double as f * 2^e, and its boundaries m- and m+ (halfway to the neighbouring doubles; m- is
/// closer when f is the hidden bit alone), m+ normalized so its top bit is bit 63 and m- brought to m+'s exponent.</item>
/// <item>c = a cached power of ten 10^-k such that m+ * c has a binary exponent in [-60, -32]
/// (<see cref="CachedPowerSignificands"/>); w, m- and m+ are each multiplied by it, rounding the 128-bit
/// product to its upper 64 bits. m- is then raised and m+ lowered by one unit to stay inside the exact interval.</item>
/// <item>The digits of m+ are produced, integral part first (at most 10 digits, as m+ / 2^-e &lt; 2^32), then
/// fraction digits, until what remains of m+ falls within delta = m+ - m- of the digits so far.</item>
/// <item>The last digit is lowered while that brings the number closer to w and keeps it above m- (fpconv's
/// round_digit: Grisu's "weeding"), with the same unsigned wrap-around as the C.</item>
/// </list>
/// </summary>
public static class Grisu2
{
    /// <summary>fpconv's digit buffer holds 18; two more cost nothing and keep a surprise out of the span checks.</summary>
    public const int MaxDigits = 20;

    private const ulong FractionMask = 0x000FFFFFFFFFFFFFUL;
    private const ulong HiddenBit = 0x0010000000000000UL;
    private const int ExponentBias = 1023 + 52;

    private const int FirstPower = -348; // the decimal exponent of CachedPowerSignificands[0]
    private const int PowerStep = 8;     // decimal exponents between neighbouring entries
    private const int PowerCount = 87;
    private const int MinTargetExponent = -60;
    private const int MaxTargetExponent = -32;

    /// <summary>
    /// Writes the digits of a finite, non-zero double (its sign is ignored) and returns how many; the value is
    /// digits * 10^<paramref name="k"/>. <paramref name="digits"/> needs <see cref="MaxDigits"/> bytes.
    /// </summary>
    public static int Generate(double value, Span<byte> digits, out int k)
    {
        Debug.Assert(double.IsFinite(value) && value != 0);
        ulong bits = BitConverter.DoubleToUInt64Bits(value);
        ulong f = bits & FractionMask;
        int biased = (int)((bits >> 52) & 0x7FF);
        int e;
        if (biased != 0)
        {
            f += HiddenBit;
            e = biased - ExponentBias;
        }
        else
        {
            e = 1 - ExponentBias; // subnormal
        }

        // m+ = (2f + 1) * 2^(e-1), normalized to bit 63.
        ulong upper = (f << 1) + 1;
        int upperExp = e - 1;
        while ((upper & (HiddenBit << 1)) == 0)
        {
            upper <<= 1;
            upperExp--;
        }

        upper <<= 64 - 52 - 2;
        upperExp -= 64 - 52 - 2;

        // m- = (2f - 1) * 2^(e-1), or (4f - 1) * 2^(e-2) when f is a power of two, at m+'s exponent.
        int lowerShift = f == HiddenBit ? 2 : 1;
        ulong lower = ((f << lowerShift) - 1) << (e - lowerShift - upperExp);

        // w normalized to bit 63: its exponent is then m+'s.
        while ((f & HiddenBit) == 0)
        {
            f <<= 1;
        }

        f <<= 64 - 52 - 1;

        int index = CachedPowerIndex(upperExp);
        ulong c = CachedPowerSignificands[index];
        int shift = -(upperExp + CachedPowerExponents[index] + 64); // the exponent of every product, negated
        k = -(FirstPower + (index * PowerStep));

        ulong scaledW = MultiplyRounded(f, c);
        ulong scaledUpper = MultiplyRounded(upper, c) - 1;
        ulong scaledLower = MultiplyRounded(lower, c) + 1;
        return GenerateDigits(scaledW, scaledUpper, scaledLower, shift, digits, ref k);
    }

    /// <summary>The cached power whose product with m+ (exponent <paramref name="upperExp"/>) lands in [-60, -32].</summary>
    private static int CachedPowerIndex(int upperExp)
    {
        // An estimate from log10(2), then a step either way: fpconv's find_cachedpow10, including its truncations.
        int approx = (int)(-(upperExp + PowerCount) * 0.30102999566398114);
        int index = (approx - FirstPower) / PowerStep;
        while (true)
        {
            int exponent = upperExp + CachedPowerExponents[index] + 64;
            if (exponent < MinTargetExponent)
            {
                index++;
            }
            else if (exponent > MaxTargetExponent)
            {
                index--;
            }
            else
            {
                return index;
            }
        }
    }

    /// <summary>The upper 64 bits of a * b, rounded half up: fpconv's multiply, whose four 32-bit partial products
    /// plus 2^31 at bit 32 carry exactly what 2^63 added to the whole 128-bit product carries.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MultiplyRounded(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        return high + (low >> 63);
    }

    private static int GenerateDigits(ulong w, ulong upper, ulong lower, int shift, Span<byte> digits, ref int k)
    {
        Debug.Assert(shift >= -MaxTargetExponent && shift <= -MinTargetExponent);
        ulong wDistance = upper - w;
        ulong delta = upper - lower;
        ulong one = 1UL << shift;
        ulong integral = upper >> shift; // below 2^32
        ulong fraction = upper & (one - 1);
        ReadOnlySpan<ulong> pow10 = PowersOfTen;

        int n = 0;
        for (int kappa = 10; kappa > 0;)
        {
            ulong divisor = pow10[kappa - 1];
            ulong digit = integral / divisor;
            if (digit != 0 || n != 0)
            {
                digits[n++] = (byte)('0' + digit);
            }

            integral -= digit * divisor;
            kappa--;
            ulong rest = (integral << shift) + fraction;
            if (rest <= delta)
            {
                k += kappa;
                Weed(digits.Slice(0, n), delta, rest, unchecked(divisor << shift), wDistance);
                return n;
            }
        }

        // Fraction digits: each multiplies what is left, and delta, by ten.
        for (int scale = 1; ; scale++)
        {
            fraction *= 10;
            delta = unchecked(delta * 10);
            ulong digit = fraction >> shift;
            if (digit != 0 || n != 0)
            {
                digits[n++] = (byte)('0' + digit);
            }

            fraction &= one - 1;
            if (fraction < delta)
            {
                k -= scale;
                Weed(digits.Slice(0, n), delta, fraction, one, unchecked(wDistance * pow10[scale]));
                return n;
            }
        }
    }

    /// <summary>
    /// Lowers the last digit while the number stays above m- (<paramref name="rest"/> + step within delta) and gets
    /// closer to w (<paramref name="target"/> is m+ - w, in the same units as rest). fpconv's round_digit, whose
    /// unsigned arithmetic may wrap; ulong wraps the same way.
    /// </summary>
    private static void Weed(Span<byte> digits, ulong delta, ulong rest, ulong step, ulong target)
    {
        unchecked
        {
            while (rest < target && delta - rest >= step && (rest + step < target || target - rest > rest + step - target))
            {
                digits[^1]--;
                rest += step;
            }
        }
    }

    /// <summary>10^0 .. 10^19.</summary>
    private static ReadOnlySpan<ulong> PowersOfTen =>
    [
        1UL, 10UL, 100UL, 1000UL, 10000UL, 100000UL, 1000000UL, 10000000UL, 100000000UL, 1000000000UL,
        10000000000UL, 100000000000UL, 1000000000000UL, 10000000000000UL, 100000000000000UL, 1000000000000000UL,
        10000000000000000UL, 100000000000000000UL, 1000000000000000000UL, 10000000000000000000UL,
    ];

    /// <summary>
    /// 10^(-348 + 8i) as f * 2^e with f normalized to bit 63 and rounded to nearest: the significands f. Grisu's
    /// table, as fpconv has it; GrisuTests recomputes every entry from exact powers of ten.
    /// </summary>
    public static ReadOnlySpan<ulong> CachedPowerSignificands =>
    [
        0xFA8FD5A0081C0288UL, 0xBAAEE17FA23EBF76UL, 0x8B16FB203055AC76UL, 0xCF42894A5DCE35EAUL,
        0x9A6BB0AA55653B2DUL, 0xE61ACF033D1A45DFUL, 0xAB70FE17C79AC6CAUL, 0xFF77B1FCBEBCDC4FUL,
        0xBE5691EF416BD60CUL, 0x8DD01FAD907FFC3CUL, 0xD3515C2831559A83UL, 0x9D71AC8FADA6C9B5UL,
        0xEA9C227723EE8BCBUL, 0xAECC49914078536DUL, 0x823C12795DB6CE57UL, 0xC21094364DFB5637UL,
        0x9096EA6F3848984FUL, 0xD77485CB25823AC7UL, 0xA086CFCD97BF97F4UL, 0xEF340A98172AACE5UL,
        0xB23867FB2A35B28EUL, 0x84C8D4DFD2C63F3BUL, 0xC5DD44271AD3CDBAUL, 0x936B9FCEBB25C996UL,
        0xDBAC6C247D62A584UL, 0xA3AB66580D5FDAF6UL, 0xF3E2F893DEC3F126UL, 0xB5B5ADA8AAFF80B8UL,
        0x87625F056C7C4A8BUL, 0xC9BCFF6034C13053UL, 0x964E858C91BA2655UL, 0xDFF9772470297EBDUL,
        0xA6DFBD9FB8E5B88FUL, 0xF8A95FCF88747D94UL, 0xB94470938FA89BCFUL, 0x8A08F0F8BF0F156BUL,
        0xCDB02555653131B6UL, 0x993FE2C6D07B7FACUL, 0xE45C10C42A2B3B06UL, 0xAA242499697392D3UL,
        0xFD87B5F28300CA0EUL, 0xBCE5086492111AEBUL, 0x8CBCCC096F5088CCUL, 0xD1B71758E219652CUL,
        0x9C40000000000000UL, 0xE8D4A51000000000UL, 0xAD78EBC5AC620000UL, 0x813F3978F8940984UL,
        0xC097CE7BC90715B3UL, 0x8F7E32CE7BEA5C70UL, 0xD5D238A4ABE98068UL, 0x9F4F2726179A2245UL,
        0xED63A231D4C4FB27UL, 0xB0DE65388CC8ADA8UL, 0x83C7088E1AAB65DBUL, 0xC45D1DF942711D9AUL,
        0x924D692CA61BE758UL, 0xDA01EE641A708DEAUL, 0xA26DA3999AEF774AUL, 0xF209787BB47D6B85UL,
        0xB454E4A179DD1877UL, 0x865B86925B9BC5C2UL, 0xC83553C5C8965D3DUL, 0x952AB45CFA97A0B3UL,
        0xDE469FBD99A05FE3UL, 0xA59BC234DB398C25UL, 0xF6C69A72A3989F5CUL, 0xB7DCBF5354E9BECEUL,
        0x88FCF317F22241E2UL, 0xCC20CE9BD35C78A5UL, 0x98165AF37B2153DFUL, 0xE2A0B5DC971F303AUL,
        0xA8D9D1535CE3B396UL, 0xFB9B7CD9A4A7443CUL, 0xBB764C4CA7A44410UL, 0x8BAB8EEFB6409C1AUL,
        0xD01FEF10A657842CUL, 0x9B10A4E5E9913129UL, 0xE7109BFBA19C0C9DUL, 0xAC2820D9623BF429UL,
        0x80444B5E7AA7CF85UL, 0xBF21E44003ACDD2DUL, 0x8E679C2F5E44FF8FUL, 0xD433179D9C8CB841UL,
        0x9E19DB92B4E31BA9UL, 0xEB96BF6EBADF77D9UL, 0xAF87023B9BF0EE6BUL,
    ];

    /// <summary>The binary exponents e of <see cref="CachedPowerSignificands"/>.</summary>
    public static ReadOnlySpan<short> CachedPowerExponents =>
    [
        -1220, -1193, -1166, -1140, -1113, -1087, -1060, -1034, -1007, -980, -954, -927,
        -901, -874, -847, -821, -794, -768, -741, -715, -688, -661, -635, -608,
        -582, -555, -529, -502, -475, -449, -422, -396, -369, -343, -316, -289,
        -263, -236, -210, -183, -157, -130, -103, -77, -50, -24, 3, 30,
        56, 83, 109, 136, 162, 189, 216, 242, 269, 295, 322, 348,
        375, 402, 428, 455, 481, 508, 534, 561, 588, 614, 641, 667,
        694, 720, 747, 774, 800, 827, 853, 880, 907, 933, 960, 986,
        1013, 1039, 1066,
    ];
}
