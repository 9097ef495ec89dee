using System;
using System.Globalization;
using System.Text;
using FastKv.Protocol;
using Xunit;

namespace FastKv.Protocol.Tests;

public class RespNumberTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1", 1L)]
    [InlineData("-1", -1L)]
    [InlineData("1234567890", 1234567890L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    [InlineData("10", 10L)]
    public void ParsesInt64(string text, long expected)
    {
        Assert.True(RespNumber.TryParseInt64(Encoding.ASCII.GetBytes(text), out long v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("+1")]
    [InlineData("-0")]
    [InlineData("01")]
    [InlineData("00")]
    [InlineData("-01")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1a")]
    [InlineData("1.0")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    [InlineData("18446744073709551616")]
    [InlineData("99999999999999999999")]
    [InlineData("-99999999999999999999")]
    [InlineData("000000000000000000001")]
    [InlineData("123456789012345678901")]
    [InlineData("--1")]
    [InlineData("1-")]
    public void RejectsInt64(string text)
    {
        Assert.False(RespNumber.TryParseInt64(Encoding.ASCII.GetBytes(text), out long v));
        Assert.Equal(0, v);
    }

    [Fact]
    public void FormatAndDigitsAgreeWithToString()
    {
        var rnd = new Random(3);
        Span<byte> buf = stackalloc byte[20];
        long[] edges = { 0, 1, -1, 9, 10, 99, 100, -10, long.MaxValue, long.MinValue, long.MaxValue - 1, long.MinValue + 1, 999_999_999_999_999_999, 1_000_000_000_000_000_000 };
        for (int i = 0; i < 20000; i++)
        {
            long v = i < edges.Length ? edges[i] : rnd.NextInt64(long.MinValue, long.MaxValue) >> rnd.Next(0, 64);
            string expected = v.ToString(CultureInfo.InvariantCulture);
            int n = RespNumber.FormatInt64(v, buf);
            Assert.Equal(expected, Encoding.ASCII.GetString(buf.Slice(0, n)));
            Assert.Equal(expected.Length, RespNumber.Digits(v));
            Assert.True(RespNumber.TryParseInt64(buf.Slice(0, n), out long back));
            Assert.Equal(v, back);
        }

        for (long p = 1, k = 1; k <= 18; k++, p *= 10)
        {
            Assert.Equal((int)k, RespNumber.Digits(p));
            Assert.Equal((int)k, RespNumber.Digits(p * 10 - 1));
        }
    }

    [Theory]
    [InlineData("1", 1.0)]
    [InlineData("-1.5", -1.5)]
    [InlineData("+.5", 0.5)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5.0)]
    [InlineData("00012", 12.0)]
    [InlineData("1e+5", 100000.0)]
    [InlineData("1E5", 100000.0)]
    [InlineData("1e-3", 0.001)]
    [InlineData("0.1", 0.1)]
    [InlineData("0e-999", 0.0)]
    [InlineData("1e308", 1e308)]
    [InlineData("1.7976931348623157e308", double.MaxValue)]
    [InlineData("5e-324", 5e-324)]
    [InlineData("1e-320", 1e-320)]
    [InlineData("inf", double.PositiveInfinity)]
    [InlineData("Inf", double.PositiveInfinity)]
    [InlineData("+INFINITY", double.PositiveInfinity)]
    [InlineData("-inf", double.NegativeInfinity)]
    [InlineData("-Infinity", double.NegativeInfinity)]
    [InlineData("0x10", 16.0)]
    [InlineData("0x1.8p1", 3.0)]
    [InlineData("0X.8", 0.5)]
    [InlineData("-0x1p-1074", -5e-324)]
    [InlineData("0x1.fffffffffffff8p0", 2.0)]
    [InlineData("0x1.fffffffffffff7p0", 1.9999999999999998)]
    [InlineData("0x123456789abcdef0123", 5.373003642731685e21)]
    public void ParsesDouble(string text, double expected)
    {
        Assert.True(RespNumber.TryParseDouble(Encoding.ASCII.GetBytes(text), out double v), text);
        Assert.Equal(expected, v);
    }

    [Fact]
    public void NegativeZeroKeepsItsSign()
    {
        Assert.True(RespNumber.TryParseDouble("-0"u8, out double v));
        Assert.True(double.IsNegative(v) && v == 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("\t1")]
    [InlineData("+")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("-.")]
    [InlineData("1e")]
    [InlineData("1.5e")]
    [InlineData("1e+")]
    [InlineData("e5")]
    [InlineData("1..2")]
    [InlineData("1,5")]
    [InlineData("nan")]
    [InlineData("NaN")]
    [InlineData("-nan")]
    [InlineData("nan(1)")]
    [InlineData("infinit")]
    [InlineData("infx")]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("1e-400")]
    [InlineData("0x")]
    [InlineData("0x1p")]
    [InlineData("0x1p-1080")]
    [InlineData("0x1p1024")]
    [InlineData("0xg")]
    [InlineData("1\0")]
    [InlineData("++1")]
    [InlineData("1_0")]
    public void RejectsDouble(string text)
    {
        Assert.False(RespNumber.TryParseDouble(Encoding.Latin1.GetBytes(text), out _), text);
    }

    [Fact]
    public void DoubleLengthLimit()
    {
        byte[] ok = Encoding.ASCII.GetBytes("0." + new string('1', RespNumber.MaxDoubleInputChars - 3));
        Assert.Equal(RespNumber.MaxDoubleInputChars - 1, ok.Length);
        Assert.True(RespNumber.TryParseDouble(ok, out double v));
        Assert.Equal(0.11111111111111111, v);
        byte[] tooLong = Encoding.ASCII.GetBytes("0." + new string('1', RespNumber.MaxDoubleInputChars - 2));
        Assert.False(RespNumber.TryParseDouble(tooLong, out _));

        // 400 digits overflow a double, as Redis rejects them.
        Assert.False(RespNumber.TryParseDouble(Encoding.ASCII.GetBytes(new string('1', 400)), out _));
    }

    [Fact]
    public void DoubleRoundTripsThroughFormat()
    {
        var rnd = new Random(5);
        Span<byte> buf = stackalloc byte[RespNumber.MaxDoubleChars];
        for (int i = 0; i < 20000; i++)
        {
            double x = BitConverter.Int64BitsToDouble(rnd.NextInt64());
            if (double.IsNaN(x))
            {
                continue;
            }

            int n = RespNumber.FormatDouble(x, buf);
            Assert.True(RespNumber.TryParseDouble(buf.Slice(0, n), out double back));
            Assert.Equal(BitConverter.DoubleToInt64Bits(x), BitConverter.DoubleToInt64Bits(back));
        }
    }
}
