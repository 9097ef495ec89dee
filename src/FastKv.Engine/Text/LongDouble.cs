using System;
using System.Numerics;

namespace FastKv.Engine;

/// <summary>
/// A software x87 80-bit extended-precision value (C <c>long double</c> on x86-64 Linux): sign,
/// 64-bit mantissa with explicit integer bit, binary exponent in [-16382, 16383], plus zero,
/// infinity and NaN. Enough of it to reproduce Redis's INCRBYFLOAT bit for bit: glibc
/// <c>strtold</c> (<see cref="TryParse(ReadOnlySpan{byte}, out LongDouble, out bool)"/>), one
/// correctly rounded addition (<see cref="Add"/>) and <c>printf("%.17Lf")</c>
/// (<see cref="FormatFixed17"/>). All rounding is to nearest, ties to even, like the default
/// x87/glibc rounding mode.
/// The common case (at most 19 significant digits, small exponents, results below 2^128) runs on
/// <see cref="UInt128"/> without allocating; longer or far-out values fall back to
/// <see cref="BigInteger"/>.
/// </summary>
public readonly struct LongDouble
{
    const byte KindZero = 0, KindFinite = 1, KindInf = 2, KindNaN = 3;

    /// <summary>Exponent of the smallest normal value (2^-16382); subnormals use it with the integer bit clear.</summary>
    public const int MinExponent = -16382;

    /// <summary>Exponent of the largest finite binade (max ≈ 1.19e4932).</summary>
    public const int MaxExponent = 16383;

    /// <summary>Longest <see cref="FormatFixed17"/> output: sign, 4933 integer digits, dot, 17 decimals.</summary>
    public const int MaxFixed17Chars = 4960;

    readonly ulong _mantissa;
    readonly int _exponent;
    readonly byte _kind;
    readonly bool _negative;

    LongDouble(byte kind, bool negative, ulong mantissa, int exponent)
    {
        _kind = kind;
        _negative = negative;
        _mantissa = mantissa;
        _exponent = exponent;
    }

    /// <summary>The exact extended value of a double (C's implicit double to long double conversion).</summary>
    public static LongDouble FromDouble(double d)
    {
        if (double.IsNaN(d)) return NaN;
        bool neg = double.IsNegative(d);
        if (double.IsInfinity(d)) return Infinity(neg);
        if (d == 0) return Zero(neg);
        ulong bits = (ulong)BitConverter.DoubleToInt64Bits(d);
        int biased = (int)((bits >> 52) & 0x7FF);
        ulong frac = bits & 0xFFFFFFFFFFFFFUL;
        // A normal double is 1.frac * 2^(biased-1023); a subnormal 0.frac * 2^-1022, normalized here.
        ulong mant = biased == 0 ? frac : frac | (1UL << 52);
        int exp = biased == 0 ? -1022 : biased - 1023;
        int shift = BitOperations.LeadingZeroCount(mant);
        return new LongDouble(KindFinite, neg, mant << shift, exp + 11 - shift);
    }

    /// <summary>True for negative values, -0 and -inf.</summary>
    public bool IsNegative => _negative;

    public bool IsZero => _kind == KindZero;

    public bool IsInfinity => _kind == KindInf;

    public bool IsNaN => _kind == KindNaN;

    public bool IsFinite => _kind <= KindFinite;

    /// <summary>The 64-bit significand; the value is <c>Mantissa * 2^(Exponent - 63)</c>.</summary>
    public ulong Mantissa => _mantissa;

    /// <summary>The binary exponent of the mantissa's top bit (subnormals: <see cref="MinExponent"/>).</summary>
    public int Exponent => _exponent;

    public static LongDouble Zero(bool negative = false) => new(KindZero, negative, 0, 0);

    public static LongDouble Infinity(bool negative = false) => new(KindInf, negative, 0, 0);

    public static LongDouble NaN => new(KindNaN, false, 0, 0);

    /// <summary>Parses like glibc <c>strtold</c> consuming the whole text; out-of-range values give ±inf or ±0.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out LongDouble value) => TryParse(text, out value, out _);

    /// <summary>
    /// Parses the whole of <paramref name="text"/> as glibc <c>strtold</c> would: optional sign, then
    /// a decimal number (digits, optional '.', optional e/E exponent), a hex float (0x digits, '.',
    /// optional p/P binary exponent), or "inf"/"infinity" in any case. Returns false when strtold
    /// would not consume all of it, and for NaN (which Redis refuses anyway). Leading whitespace is
    /// refused (strtold skips it, Redis rejects it). <paramref name="rangeError"/> is strtold's
    /// ERANGE for overflow (value is ±inf) or underflow to zero (value is ±0); Redis's string2ld
    /// refuses both.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out LongDouble value, out bool rangeError)
    {
        value = default;
        rangeError = false;
        int i = 0;
        bool neg = false;
        if (i < text.Length && (text[i] == '+' || text[i] == '-'))
        {
            neg = text[i] == '-';
            i++;
        }
        ReadOnlySpan<byte> s = text.Slice(i);
        if (s.Length == 0) return false;

        if ((s[0] | 0x20) == 'i')
        {
            if (!EqualsIgnoreCase(s, "inf"u8) && !EqualsIgnoreCase(s, "infinity"u8)) return false;
            value = Infinity(neg);
            return true;
        }
        if (s.Length >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
            return TryParseHex(s.Slice(2), neg, out value, out rangeError);
        return TryParseDecimal(s, neg, out value, out rangeError);
    }

    static bool EqualsIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (s.Length != lower.Length) return false;
        for (int i = 0; i < s.Length; i++)
            if ((s[i] | 0x20) != lower[i]) return false;
        return true;
    }

    /// <summary>Reads an exponent's optional sign and digits, saturating far beyond any meaningful range.</summary>
    static bool TryParseExponent(ReadOnlySpan<byte> s, out int exp)
    {
        exp = 0;
        int i = 0;
        bool neg = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            neg = s[i] == '-';
            i++;
        }
        if (i == s.Length) return false;
        long e = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (e < 100_000_000) e = e * 10 + d;
        }
        exp = (int)(neg ? -e : e);
        return true;
    }

    static bool TryParseDecimal(ReadOnlySpan<byte> s, bool neg, out LongDouble value, out bool rangeError)
    {
        value = default;
        rangeError = false;
        // Mantissa digits: [start, end) excluding the dot; where the dot was.
        int i = 0, digits = 0, dot = -1;
        for (; i < s.Length; i++)
        {
            byte b = s[i];
            if ((uint)(b - '0') <= 9) digits++;
            else if (b == '.' && dot < 0) dot = i;
            else break;
        }
        if (digits == 0) return false;
        int mantEnd = i;
        int exp10 = 0;
        if (i < s.Length)
        {
            if ((s[i] | 0x20) != 'e') return false;
            if (!TryParseExponent(s.Slice(i + 1), out exp10)) return false;
        }
        ReadOnlySpan<byte> m = s.Slice(0, mantEnd);
        int fracDigits = dot < 0 ? 0 : mantEnd - dot - 1;

        // Significant digits: skip leading zeros (and the dot), drop trailing zeros into the exponent.
        int first = 0;
        while (first < m.Length && (m[first] == '0' || m[first] == '.')) first++;
        if (first == m.Length)
        {
            value = Zero(neg);
            return true;
        }
        int last = m.Length - 1;
        int trailing = 0;
        while (m[last] == '0' || m[last] == '.')
        {
            if (m[last] == '0' && (dot < 0 || last < dot)) trailing++;
            else if (m[last] == '0') fracDigits--;
            last--;
        }
        // Now value = sig(m[first..last]) * 10^e10.
        long e10 = (long)exp10 - fracDigits + trailing;
        int sig = 0;
        for (int k = first; k <= last; k++) if (m[k] != '.') sig++;

        // Decimal magnitude of the leading digit: value in [10^lead, 10^(lead+1)).
        long lead = sig - 1 + e10;
        if (lead > 4933) { value = Infinity(neg); rangeError = true; return true; }
        if (lead < -4952) { value = Zero(neg); rangeError = true; return true; }

        if (sig <= 19)
        {
            ulong d = 0;
            for (int k = first; k <= last; k++) if (m[k] != '.') d = d * 10 + (ulong)(m[k] - '0');
            if (e10 >= 0 && e10 <= 19)
            {
                value = Round(neg, (UInt128)d * Pow10U128((int)e10), 0, false, out rangeError);
                return true;
            }
            if (e10 < 0 && e10 >= -18)
            {
                // Put d's top bit at bit 127; the quotient keeps at least 68 bits, the rest is sticky.
                int shift = 128 - (64 - BitOperations.LeadingZeroCount(d));
                UInt128 n = (UInt128)d << shift;
                UInt128 p = Pow10U128((int)-e10);
                UInt128 q = UInt128.DivRem(n, p).Quotient;
                bool sticky = q * p != n;
                value = Round(neg, q, -shift, sticky, out rangeError);
                return true;
            }
        }

        BigInteger big = BigInteger.Zero;
        for (int k = first; k <= last; k++)
            if (m[k] != '.') big = big * 10 + (m[k] - '0');
        if (e10 >= 0)
        {
            value = RoundBig(neg, big * BigInteger.Pow(10, (int)e10), 0, false, out rangeError);
        }
        else
        {
            BigInteger p = BigInteger.Pow(10, (int)-e10);
            // Enough extra bits that the quotient has >= 130 significant bits.
            long bits = 130 + (long)p.GetBitLength() - (long)big.GetBitLength();
            int shift = (int)Math.Max(0, bits);
            BigInteger q = BigInteger.DivRem(big << shift, p, out BigInteger rem);
            value = RoundBig(neg, q, -shift, !rem.IsZero, out rangeError);
        }
        return true;
    }

    static bool TryParseHex(ReadOnlySpan<byte> s, bool neg, out LongDouble value, out bool rangeError)
    {
        value = default;
        rangeError = false;
        BigInteger big = BigInteger.Zero;
        int i = 0, digits = 0, fracDigits = 0;
        bool dot = false;
        for (; i < s.Length; i++)
        {
            byte b = s[i];
            int d = HexDigit(b);
            if (d >= 0)
            {
                digits++;
                if (dot) fracDigits++;
                if (!big.IsZero || d != 0) big = (big << 4) | d;
            }
            else if (b == '.' && !dot) dot = true;
            else break;
        }
        // "0x" with no digits: strtold reads just the "0" and stops at the 'x'.
        if (digits == 0) return false;
        int exp2 = 0;
        if (i < s.Length)
        {
            if ((s[i] | 0x20) != 'p') return false;
            if (!TryParseExponent(s.Slice(i + 1), out exp2)) return false;
        }
        if (big.IsZero)
        {
            value = Zero(neg);
            return true;
        }
        long e2 = (long)exp2 - 4L * fracDigits;
        long top = (long)big.GetBitLength() - 1 + e2;
        if (top > MaxExponent) { value = Infinity(neg); rangeError = true; return true; }
        if (top < MinExponent - 66) { value = Zero(neg); rangeError = true; return true; }
        value = RoundBig(neg, big, (int)e2, false, out rangeError);
        return true;
    }

    static int HexDigit(byte b)
    {
        if ((uint)(b - '0') <= 9) return b - '0';
        int l = b | 0x20;
        if ((uint)(l - 'a') <= 5) return l - 'a' + 10;
        return -1;
    }

    static readonly UInt128[] s_pow10 = BuildPow10();

    static UInt128[] BuildPow10()
    {
        var t = new UInt128[39];
        t[0] = 1;
        for (int i = 1; i < t.Length; i++) t[i] = t[i - 1] * 10;
        return t;
    }

    static UInt128 Pow10U128(int k) => s_pow10[k];

    static int BitLength(UInt128 n) => 128 - (int)UInt128.LeadingZeroCount(n);

    /// <summary>Rounds <c>n * 2^e2</c> (n &gt; 0) to a long double; n is brought down to 128 bits, the rest made sticky.</summary>
    static LongDouble RoundBig(bool neg, BigInteger n, int e2, bool sticky, out bool rangeError)
    {
        long len = (long)n.GetBitLength();
        if (len > 128)
        {
            int drop = (int)(len - 128);
            BigInteger hi = n >> drop;
            if (!sticky) sticky = !(n - (hi << drop)).IsZero;
            n = hi;
            e2 += drop;
        }
        // BigInteger to UInt128 without allocating further: two 64-bit halves.
        ulong lo = (ulong)(n & ulong.MaxValue);
        ulong hiWord = (ulong)(n >> 64);
        return Round(neg, new UInt128(hiWord, lo), e2, sticky, out rangeError);
    }

    /// <summary>
    /// Rounds the exact value <c>n * 2^e2</c>, plus a positive amount below n's last bit when
    /// <paramref name="sticky"/> (n must then carry at least two bits beyond the 64 kept), to
    /// nearest-even extended precision with gradual underflow. n must be non-zero.
    /// </summary>
    static LongDouble Round(bool neg, UInt128 n, int e2, bool sticky, out bool rangeError)
    {
        rangeError = false;
        int len = BitLength(n);
        long top = (long)len - 1 + e2;
        long keep = 64;
        if (top < MinExponent) keep = 64 - (MinExponent - top);
        if (keep < 0)
        {
            rangeError = true;
            return Zero(neg);
        }
        long shift = len - keep;
        UInt128 q;
        if (shift <= 0)
        {
            q = n << (int)-shift;
        }
        else
        {
            q = shift >= 128 ? UInt128.Zero : n >> (int)shift;
            UInt128 rem = shift >= 128 ? n : n & ((UInt128.One << (int)shift) - 1);
            UInt128 half = UInt128.One << (int)(shift - 1);
            if (rem > half || (rem == half && (sticky || (q & 1) != 0))) q++;
        }
        if (q == 0)
        {
            rangeError = true;
            return Zero(neg);
        }
        if (top < MinExponent)
        {
            // Subnormal (or rounded up into the smallest normal): value = q * 2^-16445.
            return new LongDouble(KindFinite, neg, (ulong)q, MinExponent);
        }
        if ((q >> 64) != 0)
        {
            q >>= 1;
            top++;
        }
        if (top > MaxExponent)
        {
            rangeError = true;
            return Infinity(neg);
        }
        return new LongDouble(KindFinite, neg, (ulong)q, (int)top);
    }

    /// <summary>The correctly rounded (nearest-even) sum, as one x87 <c>fadd</c> in extended precision.</summary>
    public static LongDouble Add(LongDouble a, LongDouble b)
    {
        if (a._kind == KindNaN || b._kind == KindNaN) return NaN;
        if (a._kind == KindInf)
        {
            if (b._kind == KindInf && b._negative != a._negative) return NaN;
            return a;
        }
        if (b._kind == KindInf) return b;
        if (a._kind == KindZero)
        {
            // -0 + -0 = -0; +0 + -0 = +0.
            if (b._kind == KindZero) return Zero(a._negative && b._negative);
            return b;
        }
        if (b._kind == KindZero) return a;

        // Order so that a has the larger exponent.
        if (b._exponent > a._exponent || (b._exponent == a._exponent && b._mantissa > a._mantissa))
            (a, b) = (b, a);
        long d = (long)a._exponent - b._exponent;
        // b is far below half an ulp of a: the sum rounds to a whatever b's sign.
        if (d > 130) return a;

        UInt128 x, y;
        int e2;
        if (d <= 63)
        {
            x = (UInt128)a._mantissa << (int)d;
            y = b._mantissa;
            e2 = b._exponent - 63;
        }
        else
        {
            // Keep 62 guard bits under a's mantissa; b's lost bits are jammed into the last one,
            // which rounds exactly like the true value since the rounding bit sits far above it.
            int s = (int)d - 62;
            x = (UInt128)a._mantissa << 62;
            ulong bm = b._mantissa;
            y = s >= 64 ? UInt128.Zero : (UInt128)(bm >> s);
            bool lost = s >= 64 ? bm != 0 : (bm & ((1UL << s) - 1)) != 0;
            if (lost) y |= 1;
            e2 = a._exponent - 63 - 62;
        }
        if (a._negative == b._negative)
            return Round(a._negative, x + y, e2, false, out _);
        if (x == y) return Zero(false);
        // |a| >= |b| by the ordering above, so the sign is a's.
        return Round(a._negative, x - y, e2, false, out _);
    }

    /// <summary>
    /// Writes what glibc <c>printf("%.17Lf")</c> prints: the exact binary value rounded half-even
    /// to 17 decimals, '-' for any negative value (so "-0.00000000000000000" for -0), "inf"/"-inf"
    /// and "nan"/"-nan". Returns the length, or -1 when <paramref name="dest"/> is too short
    /// (<see cref="MaxFixed17Chars"/> always suffices).
    /// </summary>
    public int FormatFixed17(Span<byte> dest)
    {
        int pos = 0;
        if (_kind == KindInf || _kind == KindNaN)
        {
            ReadOnlySpan<byte> word = _kind == KindInf ? "inf"u8 : "nan"u8;
            if (dest.Length < word.Length + 1) return -1;
            if (_negative) dest[pos++] = (byte)'-';
            word.CopyTo(dest.Slice(pos));
            return pos + word.Length;
        }
        if (_negative)
        {
            if (dest.Length < 1) return -1;
            dest[pos++] = (byte)'-';
        }
        const ulong Scale = 100_000_000_000_000_000UL; // 10^17
        if (_kind == KindZero)
            return WriteParts(dest, pos, UInt128.Zero, 0);

        int e2 = _exponent - 63;
        if (e2 < 0)
        {
            int k = -e2;
            // mantissa * 10^17 < 2^121: for k >= 122 it is below half a unit, so it prints as zero.
            if (k >= 122) return WriteParts(dest, pos, UInt128.Zero, 0);
            UInt128 scaled = (UInt128)_mantissa * Scale;
            UInt128 q = scaled >> k;
            UInt128 rem = scaled & ((UInt128.One << k) - 1);
            UInt128 half = UInt128.One << (k - 1);
            if (rem > half || (rem == half && (q & 1) != 0)) q++;
            (UInt128 ip, UInt128 fp) = UInt128.DivRem(q, Scale);
            return WriteParts(dest, pos, ip, (ulong)fp);
        }
        if (e2 <= 64)
            return WriteParts(dest, pos, (UInt128)_mantissa << e2, 0);

        // Integer beyond 2^128: exact decimal digits through BigInteger (rare, allocates).
        BigInteger big = new BigInteger(_mantissa) << e2;
        string digits = big.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (dest.Length - pos < digits.Length + 18) return -1;
        for (int i = 0; i < digits.Length; i++) dest[pos++] = (byte)digits[i];
        return WriteFraction(dest, pos, 0);
    }

    static int WriteParts(Span<byte> dest, int pos, UInt128 intPart, ulong frac)
    {
        // UInt128 has at most 39 digits.
        Span<byte> tmp = stackalloc byte[40];
        int n = 0;
        do
        {
            (UInt128 qq, UInt128 r) = UInt128.DivRem(intPart, 10);
            tmp[n++] = (byte)('0' + (int)(ulong)r);
            intPart = qq;
        }
        while (intPart != 0);
        if (dest.Length - pos < n + 18) return -1;
        while (n > 0) dest[pos++] = tmp[--n];
        return WriteFraction(dest, pos, frac);
    }

    static int WriteFraction(Span<byte> dest, int pos, ulong frac)
    {
        dest[pos++] = (byte)'.';
        for (int i = 16; i >= 0; i--)
        {
            dest[pos + i] = (byte)('0' + (int)(frac % 10));
            frac /= 10;
        }
        return pos + 17;
    }

    /// <summary>The <c>%.17Lf</c> text as a string (tests and diagnostics).</summary>
    public override string ToString()
    {
        Span<byte> buf = stackalloc byte[MaxFixed17Chars];
        int n = FormatFixed17(buf);
        return System.Text.Encoding.ASCII.GetString(buf.Slice(0, n));
    }
}
