using System;
using System.Numerics;
using FastKv.Protocol;
using Xunit;

namespace FastKv.Protocol.Tests;

public class Grisu2Tests
{
    /// <summary>Each cached power is 10^(-348 + 8i) rounded to nearest as a 64-bit significand with its top bit set.</summary>
    [Fact]
    public void CachedPowers_AreThePowersOfTenRoundedToNearest()
    {
        ReadOnlySpan<ulong> significands = Grisu2.CachedPowerSignificands;
        ReadOnlySpan<short> exponents = Grisu2.CachedPowerExponents;
        Assert.Equal(87, significands.Length);
        Assert.Equal(87, exponents.Length);
        for (int i = 0; i < significands.Length; i++)
        {
            int k = -348 + (8 * i);
            int e = exponents[i];
            // f = round(10^k / 2^e), computed as round(num / den) in integers.
            BigInteger num = k >= 0 ? BigInteger.Pow(10, k) : BigInteger.One;
            BigInteger den = k >= 0 ? BigInteger.One : BigInteger.Pow(10, -k);
            if (e >= 0)
            {
                den <<= e;
            }
            else
            {
                num <<= -e;
            }

            BigInteger f = BigInteger.DivRem(num, den, out BigInteger rem);
            if (rem * 2 >= den)
            {
                f++;
            }

            Assert.Equal(f, new BigInteger(significands[i]));
            Assert.True(significands[i] >= 1UL << 63, $"entry {i} is not normalized");
        }
    }

    /// <summary>Grisu2's digits always read back as the double, over random bit patterns of every exponent.</summary>
    [Fact]
    public void Digits_RoundTrip()
    {
        var rnd = new Random(11);
        Span<byte> digits = stackalloc byte[Grisu2.MaxDigits];
        for (int i = 0; i < 200_000; i++)
        {
            double value = BitConverter.UInt64BitsToDouble((ulong)rnd.NextInt64() & 0x7FFFFFFFFFFFFFFFUL);
            if (!double.IsFinite(value) || value == 0)
            {
                continue;
            }

            int n = Grisu2.Generate(value, digits, out int k);
            Assert.InRange(n, 1, 17);
            Assert.NotEqual((byte)'0', digits[0]);
            string text = System.Text.Encoding.ASCII.GetString(digits.Slice(0, n)) + "e" + k;
            Assert.Equal(value, double.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
