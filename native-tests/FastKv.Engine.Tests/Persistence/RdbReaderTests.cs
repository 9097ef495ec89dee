using System;
using System.Text;
using FastKv.Engine;
using FastKv.Tests.Rdb;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>The RDB primitives at every encoding edge, and every truncation of each refused without moving.</summary>
public class RdbReaderTests
{
    public static TheoryData<ulong, int, int> Lengths => new()
    {
        { 0, 6, 1 }, { 63, 6, 1 },
        { 0, 14, 2 }, { 64, 14, 2 }, { 16383, 14, 2 },
        { 0, 32, 5 }, { 16384, 32, 5 }, { uint.MaxValue, 32, 5 },
        { 0, 64, 9 }, { (ulong)uint.MaxValue + 1, 64, 9 }, { ulong.MaxValue, 64, 9 },
    };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Length_EveryForm_ReadsBackAndRefusesEveryTruncation(ulong n, int form, int size)
    {
        byte[] bytes = new RdbBytes().Len(n, form).ToArray();
        Assert.Equal(size, bytes.Length);
        var r = new RdbReader(bytes);
        Assert.True(r.TryReadLength(out ulong got, out bool encoded));
        Assert.False(encoded);
        Assert.Equal(n, got);
        Assert.Equal(size, r.Position);
        for (int cut = 0; cut < size; cut++)
        {
            var t = new RdbReader(bytes.AsSpan(0, cut));
            Assert.False(t.TryReadLength(out _, out _));
            Assert.Equal(0, t.Position);
        }
    }

    [Fact]
    public void Length_FirstBytes0x82To0xBF_AreRefused()
    {
        for (int b = 0x82; b <= 0xBF; b++)
        {
            byte[] bytes = new byte[9];
            bytes[0] = (byte)b;
            var r = new RdbReader(bytes);
            Assert.False(r.TryReadLength(out _, out _));
        }
    }

    [Fact]
    public void Length_EncVal_ReportsTheEncodingAndPlainReadRefusesIt()
    {
        for (int e = 0; e < 64; e++)
        {
            byte[] bytes = { (byte)(0xC0 | e) };
            var r = new RdbReader(bytes);
            Assert.True(r.TryReadLength(out ulong got, out bool encoded));
            Assert.True(encoded);
            Assert.Equal((ulong)e, got);
            var p = new RdbReader(bytes);
            Assert.False(p.TryReadLength(out _));
            Assert.Equal(0, p.Position);
        }
    }

    public static TheoryData<int, long> IntegerStrings => new()
    {
        { 0, 0 }, { 0, -128 }, { 0, 127 }, { 0, -1 },
        { 1, short.MinValue }, { 1, short.MaxValue }, { 1, 128 }, { 1, -129 },
        { 2, int.MinValue }, { 2, int.MaxValue }, { 2, 32768 }, { 2, -32769 },
    };

    [Theory]
    [MemberData(nameof(IntegerStrings))]
    public void String_IntegerEncodings_GiveTheDecimalText(int enc, long v)
    {
        byte[] bytes = new RdbBytes().IntStr(enc, v).ToArray();
        var r = new RdbReader(bytes);
        Assert.True(r.TryReadString(out ReadOnlySpan<byte> s));
        Assert.Equal(v.ToString(), Encoding.ASCII.GetString(s));
        Assert.Equal(bytes.Length, r.Position);
        AssertEveryTruncationRefused(bytes);
        var m = new RdbReader(bytes);
        Assert.True(m.TrySkipString());
        Assert.Equal(bytes.Length, m.Position);
    }

    [Fact]
    public void String_UnknownEncodings_AreRefused()
    {
        for (int e = 4; e < 64; e++)
        {
            byte[] bytes = { (byte)(0xC0 | e), 1, 2, 3, 4, 5, 6, 7, 8 };
            var r = new RdbReader(bytes);
            Assert.False(r.TryReadString(out _));
            Assert.False(r.TrySkipString());
            Assert.Equal(0, r.Position);
        }
    }

    [Theory]
    [InlineData(0, 6)]
    [InlineData(63, 6)]
    [InlineData(64, 14)]
    [InlineData(16383, 14)]
    [InlineData(16384, 32)]
    [InlineData(5, 64)]
    public void String_Plain_EveryLengthForm(int n, int form)
    {
        byte[] body = new byte[n];
        new Random(n).NextBytes(body);
        byte[] bytes = new RdbBytes().Len((ulong)n, form).Raw(body).ToArray();
        var r = new RdbReader(bytes);
        Assert.True(r.TryReadString(out ReadOnlySpan<byte> s));
        Assert.True(s.SequenceEqual(body));
        Assert.Equal(bytes.Length, r.Position);
        var m = new RdbReader(bytes);
        Assert.True(m.TrySkipString());
        Assert.Equal(bytes.Length, m.Position);
        if (n < 300) AssertEveryTruncationRefused(bytes);
    }

    [Fact]
    public void String_Lzf_RedisMadePayloadDecompresses()
    {
        // DUMP of a 100-byte "aaa..." string on Redis 7.2.4 (footer removed, type byte 0 skipped).
        byte[] dump = RdbBytes.Hex("00c3094064016161e057000161610b00817c08744df21bf8");
        var r = new RdbReader(dump.AsSpan(1, dump.Length - 11));
        Assert.True(r.TryReadString(out ReadOnlySpan<byte> s));
        Assert.Equal(new string('a', 100), Encoding.ASCII.GetString(s));
        Assert.Equal(dump.Length - 11, r.Position);
        AssertEveryTruncationRefused(dump.AsSpan(1, dump.Length - 11).ToArray());
    }

    [Fact]
    public void String_Lzf_WrongClaimedLengthIsRefused()
    {
        byte[] body = Encoding.ASCII.GetBytes("hello lzf literal");
        // A claimed 0 passes, as in Redis (lzf_decompress gives 0 on error, which equals it): an empty string.
        var zero = new RdbReader(new RdbBytes().LzfStr(RdbBytes.LiteralLzf(body), 0).ToArray());
        Assert.True(zero.TryReadString(out ReadOnlySpan<byte> empty));
        Assert.Equal(0, empty.Length);
        foreach (ulong claimed in new ulong[] { (ulong)body.Length - 1, (ulong)body.Length + 1, ulong.MaxValue, 1UL << 40 })
        {
            byte[] bytes = new RdbBytes().LzfStr(RdbBytes.LiteralLzf(body), claimed).ToArray();
            var r = new RdbReader(bytes);
            Assert.False(r.TryReadString(out _));
            Assert.Equal(0, r.Position);
        }
        byte[] good = new RdbBytes().LzfLiteral(body).ToArray();
        var g = new RdbReader(good);
        Assert.True(g.TryReadString(out ReadOnlySpan<byte> s));
        Assert.True(s.SequenceEqual(body));
    }

    [Fact]
    public void String_ProducedStringsStayValidUntilReset()
    {
        var b = new RdbBytes();
        for (int i = 0; i < 200; i++) b.IntStr(2, 1_000_000_000 + i);
        byte[] bytes = b.ToArray();
        var r = new RdbReader(bytes);
        var kept = new string[200];
        for (int i = 0; i < 200; i++)
        {
            Assert.True(r.TryReadString(out ReadOnlySpan<byte> s));
            kept[i] = Encoding.ASCII.GetString(s);
        }
        for (int i = 0; i < 200; i++) Assert.Equal((1_000_000_000 + i).ToString(), kept[i]);
    }

    [Theory]
    [InlineData("3.5", 3.5)]
    [InlineData("-0.25", -0.25)]
    [InlineData("1e300", 1e300)]
    [InlineData("17", 17.0)]
    public void TextDouble_ParsesAndSkips(string text, double expected)
    {
        byte[] bytes = new RdbBytes().TextDouble(text).ToArray();
        var r = new RdbReader(bytes);
        Assert.True(r.TryReadTextDouble(out double d));
        Assert.Equal(expected, d);
        Assert.Equal(bytes.Length, r.Position);
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var t = new RdbReader(bytes.AsSpan(0, cut));
            Assert.False(t.TryReadTextDouble(out _));
            Assert.False(t.TrySkipTextDouble());
        }
    }

    [Fact]
    public void TextDouble_SpecialLengths()
    {
        Assert.True(new RdbReader(new byte[] { 253 }).TryReadTextDouble(out double nan) && double.IsNaN(nan));
        Assert.True(new RdbReader(new byte[] { 254 }).TryReadTextDouble(out double pinf) && double.IsPositiveInfinity(pinf));
        Assert.True(new RdbReader(new byte[] { 255 }).TryReadTextDouble(out double ninf) && double.IsNegativeInfinity(ninf));
        Assert.False(new RdbReader(new RdbBytes().TextDouble("abc").ToArray()).TryReadTextDouble(out _));
    }

    [Fact]
    public void BinaryDouble_ReadsLittleEndian()
    {
        byte[] bytes = new RdbBytes().BinDouble(-1.5e-7).ToArray();
        var r = new RdbReader(bytes);
        Assert.True(r.TryReadBinaryDouble(out double d));
        Assert.Equal(-1.5e-7, d);
        Assert.False(new RdbReader(bytes.AsSpan(0, 7)).TryReadBinaryDouble(out _));
    }

    static void AssertEveryTruncationRefused(byte[] bytes)
    {
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var t = new RdbReader(bytes.AsSpan(0, cut));
            Assert.False(t.TryReadString(out _));
            Assert.Equal(0, t.Position);
            var m = new RdbReader(bytes.AsSpan(0, cut));
            Assert.False(m.TrySkipString());
        }
    }
}
