using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

public class LongDoubleTests
{
    const string NotFloat = "ERR value is not a valid float";
    const string NanOrInf = "ERR increment would produce NaN or Infinity";

    /// <summary>Redis's incrbyfloatCommand on texts: string2ld both, add, refuse NaN/inf, ld2string human.</summary>
    static string RedisIncrByFloat(string stored, string incr)
    {
        if (!Parse(stored, out LongDouble a) || !Parse(incr, out LongDouble b)) return NotFloat;
        LongDouble sum = LongDouble.Add(a, b);
        if (sum.IsNaN || sum.IsInfinity) return NanOrInf;
        return Human(sum);
    }

    static bool Parse(string s, out LongDouble v)
    {
        v = default;
        byte[] bytes = Encoding.ASCII.GetBytes(s);
        if (bytes.Length == 0 || bytes.Length >= 5 * 1024) return false;
        if (char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1])) return false;
        return LongDouble.TryParse(bytes, out v, out bool range) && !range && !v.IsNaN;
    }

    static string Human(LongDouble v)
    {
        string s = v.ToString();
        if (s.Contains('.', StringComparison.Ordinal)) s = s.TrimEnd('0').TrimEnd('.');
        return s == "-0" ? "0" : s;
    }

    public static IEnumerable<object[]> Vectors()
    {
        foreach (string[] v in IncrByFloatVectors.All) yield return v;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void MatchesRedis(string stored, string incr, string expected)
    {
        Assert.Equal(expected, RedisIncrByFloat(stored, incr));
    }

    [Theory]
    [InlineData("123557.5", "0.1", "123557.60000000000000142")]
    [InlineData("9223372036854775808", "-2.75", "9223372036854775805")]
    [InlineData("16", "0.1", "16.1")]
    [InlineData("10.5", "0.1", "10.6")]
    [InlineData("12345678.1", "0.1", "12345678.2000000000007276")]
    public void KnownCases(string stored, string incr, string expected)
    {
        Assert.Equal(expected, RedisIncrByFloat(stored, incr));
    }

    [Theory]
    [InlineData("0.1", "0.10000000000000000")]
    [InlineData("-0", "-0.00000000000000000")]
    [InlineData("1e-18", "0.00000000000000000")]
    [InlineData("5e-18", "0.00000000000000000")]
    [InlineData("1.5e-17", "0.00000000000000002")]
    [InlineData("inf", "inf")]
    [InlineData("-Infinity", "-inf")]
    [InlineData("0x1p64", "18446744073709551616.00000000000000000")]
    [InlineData("0x1p200", "1606938044258990275541962092341162602522202993782792835301376.00000000000000000")]
    public void FormatsLikeGlibc(string text, string expected)
    {
        Assert.True(LongDouble.TryParse(Encoding.ASCII.GetBytes(text), out LongDouble v));
        Assert.Equal(expected, v.ToString());
    }

    [Theory]
    [InlineData("1e5000", true)]
    [InlineData("1e-5000", true)]
    [InlineData("1e-4940", false)]
    [InlineData("0e99999", false)]
    public void ReportsRangeErrors(string text, bool range)
    {
        Assert.True(LongDouble.TryParse(Encoding.ASCII.GetBytes(text), out _, out bool r));
        Assert.Equal(range, r);
    }

    static string RandomDecimal(Random rng)
    {
        int intDigits = rng.Next(1, 12);
        int fracDigits = rng.Next(0, 18 - intDigits + 1);
        var sb = new StringBuilder();
        if (rng.Next(2) == 0) sb.Append('-');
        sb.Append(rng.NextInt64(0, (long)Math.Pow(10, intDigits)).ToString(CultureInfo.InvariantCulture));
        if (fracDigits > 0)
        {
            sb.Append('.');
            for (int i = 0; i < fracDigits; i++) sb.Append((char)('0' + rng.Next(10)));
        }
        return sb.ToString();
    }

    static string Canonical(string s)
    {
        bool neg = s.StartsWith('-');
        if (neg) s = s.Substring(1);
        if (s.Contains('.', StringComparison.Ordinal)) s = s.TrimEnd('0').TrimEnd('.');
        s = s.TrimStart('0');
        if (s.Length == 0 || s[0] == '.') s = "0" + s;
        return neg && s != "0" ? "-" + s : s;
    }

    /// <summary>
    /// Below 64 an ulp is at most 2^-58, so half of it stays under the 0.5e-17 that %.17Lf rounds
    /// away: every decimal with up to 17 places prints back as typed (above 64 the binary noise
    /// shows, as in Redis: 0 + 12345678.1 gives "12345678.1000000000003638").
    /// </summary>
    [Fact]
    public void RoundTripsDecimalsBelow64WithUpTo17Places()
    {
        var rng = new Random(42);
        for (int i = 0; i < 20000; i++)
        {
            var sb = new StringBuilder();
            if (rng.Next(2) == 0) sb.Append('-');
            sb.Append(rng.Next(0, 64).ToString(CultureInfo.InvariantCulture));
            int places = rng.Next(0, 18);
            if (places > 0) sb.Append('.');
            for (int k = 0; k < places; k++) sb.Append((char)('0' + rng.Next(10)));
            string s = sb.ToString();
            Assert.True(Parse(s, out LongDouble v), s);
            Assert.Equal(Canonical(s), Human(v));
        }
    }

    [Fact]
    public void AddIsCommutativeAndZeroIsNeutral()
    {
        var rng = new Random(7);
        LongDouble zero = LongDouble.Zero();
        for (int i = 0; i < 20000; i++)
        {
            string sa = RandomDecimal(rng) + (rng.Next(3) == 0 ? "e" + rng.Next(-40, 40).ToString(CultureInfo.InvariantCulture) : "");
            string sb = RandomDecimal(rng) + (rng.Next(3) == 0 ? "e" + rng.Next(-40, 40).ToString(CultureInfo.InvariantCulture) : "");
            Assert.True(Parse(sa, out LongDouble a), sa);
            Assert.True(Parse(sb, out LongDouble b), sb);
            Assert.Equal(LongDouble.Add(a, b).ToString(), LongDouble.Add(b, a).ToString());
            // x + 0 = x, except that -0 + +0 is +0.
            if (!a.IsZero) Assert.Equal(a.ToString(), LongDouble.Add(a, zero).ToString());
            LongDouble ab = LongDouble.Add(a, b);
            Assert.Equal(ab.Mantissa, LongDouble.Add(b, a).Mantissa);
            Assert.Equal(ab.Exponent, LongDouble.Add(b, a).Exponent);
        }
    }
}
