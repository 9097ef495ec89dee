using System;
using System.Numerics;
using FastKv.Engine.Commands;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// The three ways Redis's geo commands print numbers: distances with four decimals (fixedpoint_d2string),
/// coordinates in ld2string's human form (addReplyHumanLongDouble: "%.17Lf" of the double, trailing zeros
/// dropped) and the coordinates of an invalid pair in an error ("%f").
/// </summary>
public static class GeoNumbers
{
    /// <summary>Room for <see cref="FormatDistance"/> (a sign, 19 digits, a dot).</summary>
    public const int DistanceChars = 24;

    /// <summary>fixedpoint_d2string(d, 4): llrint(d * 10^4), rounding half to even, printed with four decimals.</summary>
    public static int FormatDistance(double d, Span<byte> dest)
    {
        long scaled = d == 0 ? 0 : X86.DoubleToInt64(Math.Round(d * 10000.0, MidpointRounding.ToEven));
        int pos = 0;
        ulong v;
        if (scaled < 0)
        {
            dest[pos++] = (byte)'-';
            v = scaled == long.MinValue ? 1UL << 63 : (ulong)-scaled;
        }
        else
        {
            v = (ulong)scaled;
        }
        ulong ip = v / 10000, fp = v % 10000;
        pos += RespNumber.FormatInt64((long)ip, dest.Slice(pos));
        dest[pos++] = (byte)'.';
        for (int i = 3; i >= 0; i--)
        {
            dest[pos + i] = (byte)('0' + (int)(fp % 10));
            fp /= 10;
        }
        return pos + 4;
    }

    /// <summary>A coordinate as addReplyHumanLongDouble prints it: RESP2 a bulk string, RESP3 a double.</summary>
    public static void WriteCoordinate(RespWriter w, double d)
    {
        Span<byte> text = stackalloc byte[StringCommands.HumanStackChars];
        byte[]? rented = null;
        int n = StringCommands.FormatHuman(LongDouble.FromDouble(d), ref text, ref rented);
        w.DoubleText(text.Slice(0, n));
        if (rented != null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>printf("%f"): the exact binary value rounded half to even to six decimals (errors only; allocates).</summary>
    public static string FormatF6(double d)
    {
        if (double.IsNaN(d)) return double.IsNegative(d) ? "-nan" : "nan";
        if (double.IsInfinity(d)) return d < 0 ? "-inf" : "inf";
        bool neg = double.IsNegative(d);
        long bits = BitConverter.DoubleToInt64Bits(d);
        int biased = (int)((bits >> 52) & 0x7FF);
        long mant = bits & 0xFFFFFFFFFFFFFL;
        if (biased != 0) mant |= 1L << 52;
        int e2 = (biased == 0 ? -1022 : biased - 1023) - 52;
        // |d| * 10^6 = mant * 10^6 * 2^e2, rounded half to even.
        BigInteger scaled = new BigInteger(mant) * 1_000_000;
        BigInteger q;
        if (e2 >= 0)
        {
            q = scaled << e2;
        }
        else
        {
            BigInteger div = BigInteger.One << -e2;
            q = BigInteger.DivRem(scaled, div, out BigInteger rem);
            BigInteger twice = rem * 2;
            if (twice > div || (twice == div && !q.IsEven)) q += 1;
        }
        string digits = q.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(7, '0');
        string text = digits.Substring(0, digits.Length - 6) + "." + digits.Substring(digits.Length - 6);
        return neg ? "-" + text : text;
    }
}
