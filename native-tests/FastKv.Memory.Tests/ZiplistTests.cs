using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using FastKv.Memory;
using FastKv.Tests.Rdb;
using Xunit;
using Z = FastKv.Tests.Rdb.RdbBytes.ZlEntry;

namespace FastKv.Memory.Tests;

/// <summary>Ziplists built by hand at every encoding edge, converted to listpacks; malformed ones refused without a crash.</summary>
public unsafe class ZiplistTests
{
    /// <summary>The listpack's entries as text (integers in decimal).</summary>
    internal static List<string> Entries(ReadOnlySpan<byte> lp)
    {
        var list = new List<string>();
        fixed (byte* p = lp)
        {
            Assert.True(Listpack.Validate(p, lp.Length));
            for (byte* e = Listpack.First(p); e != null; e = Listpack.Next(p, e))
                list.Add(Listpack.Get(e, out long v, out ReadOnlySpan<byte> s) ? v.ToString(CultureInfo.InvariantCulture) : Encoding.Latin1.GetString(s));
        }
        return list;
    }

    static List<string> Convert(byte[] zl)
    {
        var b = new Listpack.Builder();
        Assert.True(Ziplist.AppendTo(zl, b, out int n));
        List<string> got = Entries(b.Finish());
        Assert.Equal(n, got.Count);
        return got;
    }

    public static TheoryData<byte, long> IntegerEdges()
    {
        var d = new TheoryData<byte, long>();
        for (int i = 0; i <= 12; i++) d.Add((byte)(0xF1 + i), i);
        foreach (long v in new long[] { sbyte.MinValue, sbyte.MaxValue, -1, 13 }) d.Add(0xFE, v);
        foreach (long v in new long[] { short.MinValue, short.MaxValue, 0 }) d.Add(0xC0, v);
        foreach (long v in new long[] { -(1 << 23), (1 << 23) - 1, -1 }) d.Add(0xF0, v);
        foreach (long v in new long[] { int.MinValue, int.MaxValue }) d.Add(0xD0, v);
        foreach (long v in new long[] { long.MinValue, long.MaxValue, 0 }) d.Add(0xE0, v);
        return d;
    }

    [Theory]
    [MemberData(nameof(IntegerEdges))]
    public void IntegerEncodings_ConvertToTheSameIntegers(byte enc, long v)
    {
        byte[] zl = RdbBytes.Ziplist(Z.S("before"), Z.I(enc, v), Z.S("after"));
        Assert.Equal(new[] { "before", v.ToString(CultureInfo.InvariantCulture), "after" }, Convert(zl));
    }

    [Theory]
    [InlineData(0, 6)]
    [InlineData(63, 6)]
    [InlineData(64, 14)]
    [InlineData(16383, 14)]
    [InlineData(16384, 32)]
    [InlineData(3, 14)]
    [InlineData(3, 32)]
    [InlineData(300, 32)]
    public void StringEncodings_EveryLengthForm(int n, int form)
    {
        var s = new string('q', n);
        byte[] zl = RdbBytes.Ziplist(Z.S(s, form), Z.I(5), Z.S("z"));
        Assert.Equal(new[] { s, "5", "z" }, Convert(zl));
    }

    [Fact]
    public void LongPrevlen_AfterA254ByteEntry_AndForcedEverywhere()
    {
        var big = new string('b', 300);
        Assert.Equal(new[] { big, "x", "1" }, Convert(RdbBytes.Ziplist(Z.S(big), Z.S("x"), Z.I(1))));
        Assert.Equal(new[] { "a", "x", "1" }, Convert(RdbBytes.Ziplist(new[] { Z.S("a"), Z.S("x"), Z.I(1) }, bigPrevlen: true)));
    }

    [Fact]
    public void IntegerLookingStrings_BecomeListpackIntegers_AsRedisConverts()
    {
        var b = new Listpack.Builder();
        Assert.True(Ziplist.AppendTo(RdbBytes.Ziplist(Z.S("123"), Z.S("0123")), b, out _));
        fixed (byte* p = b.Finish())
        {
            byte* e = Listpack.First(p);
            Assert.True(Listpack.Get(e, out long v, out _));
            Assert.Equal(123, v);
            Assert.False(Listpack.Get(Listpack.Next(p, e), out _, out _));
        }
    }

    [Fact]
    public void Empty_IsValidWithNoEntries()
    {
        byte[] zl = RdbBytes.Ziplist();
        Assert.True(Ziplist.Validate(zl, out int n));
        Assert.Equal(0, n);
    }

    [Fact]
    public void UnknownCount_IsCounted_AndAWrongCountRefused()
    {
        Assert.True(Ziplist.Validate(RdbBytes.Ziplist(new[] { Z.S("a"), Z.S("b") }, countOverride: 65535), out int n));
        Assert.Equal(2, n);
        Assert.False(Ziplist.Validate(RdbBytes.Ziplist(new[] { Z.S("a"), Z.S("b") }, countOverride: 3), out _));
    }

    [Fact]
    public void HeaderDamage_IsRefused()
    {
        byte[] good = RdbBytes.Ziplist(Z.S("a"), Z.S("bb"), Z.I(7));
        Assert.True(Ziplist.Validate(good, out _));

        byte[] z = (byte[])good.Clone(); z[0]++; Assert.False(Ziplist.Validate(z, out _));        // zlbytes
        z = (byte[])good.Clone(); z[4]++; Assert.False(Ziplist.Validate(z, out _));               // zltail not the last entry
        z = (byte[])good.Clone(); z[4] = 0xFF; Assert.False(Ziplist.Validate(z, out _));          // zltail outside
        z = (byte[])good.Clone(); z[^1] = 0; Assert.False(Ziplist.Validate(z, out _));            // terminator
        z = (byte[])good.Clone(); z[10] = 1; Assert.False(Ziplist.Validate(z, out _));            // first prevlen not 0
        z = (byte[])good.Clone(); z[13] = 9; Assert.False(Ziplist.Validate(z, out _));            // second prevlen wrong
    }

    [Fact]
    public void InvalidIntegerEncodings_AreRefused()
    {
        foreach (int enc in new[] { 0xC1, 0xC8, 0xD1, 0xE1, 0xF8 - 0x07 + 0x0E /* 0xFF is the end */, 0xCF, 0xDF, 0xEF })
        {
            if (enc is 0xF1 or 0xFE) continue;
            byte[] zl = RdbBytes.Ziplist(Z.S("a"), new Z(new byte[] { (byte)enc, 0, 0, 0, 0, 0, 0, 0, 0 }));
            Assert.False(Ziplist.Validate(zl, out _), $"encoding {enc:X2}");
        }
    }

    [Fact]
    public void PairsConversion_RefusesOddCountsAndRepeatedFields()
    {
        var b = new Listpack.Builder();
        Assert.True(Ziplist.AppendPairsTo(RdbBytes.Ziplist(Z.S("f"), Z.S("v"), Z.I(5), Z.S("w")), b, out int n));
        Assert.Equal(4, n);
        Assert.False(Ziplist.AppendPairsTo(RdbBytes.Ziplist(Z.S("f"), Z.S("v"), Z.S("g")), new Listpack.Builder(), out _));
        Assert.False(Ziplist.AppendPairsTo(RdbBytes.Ziplist(Z.S("f"), Z.S("v"), Z.S("f"), Z.S("w")), new Listpack.Builder(), out _));
        // "5" as a string and 5 as an integer are the same field.
        Assert.False(Ziplist.AppendPairsTo(RdbBytes.Ziplist(Z.S("5"), Z.S("v"), Z.I(0xFE, 5), Z.S("w")), new Listpack.Builder(), out _));
        // Values may repeat.
        Assert.True(Ziplist.AppendPairsTo(RdbBytes.Ziplist(Z.S("f"), Z.S("v"), Z.S("g"), Z.S("v")), new Listpack.Builder(), out _));
    }

    static byte[] Sample() => RdbBytes.Ziplist(Z.S(new string('s', 70)), Z.I(-5), Z.I(1000), Z.I(0xF0, -70000), Z.I(long.MaxValue),
        Z.S("x", 32), Z.I(0xFE, -3), Z.S(new string('p', 260)), Z.I(12));

    [Fact]
    public void EveryTruncation_IsRefused_EvenWithTheHeaderPatched()
    {
        byte[] good = Sample();
        Assert.True(Ziplist.Validate(good, out int full));
        for (int cut = 0; cut < good.Length; cut++)
        {
            Assert.False(Ziplist.Validate(good.AsSpan(0, cut), out _));
            if (cut < Ziplist.HeaderSize || cut == good.Length - 1) continue; // the last cut put back is the original
            // The same bytes made to look whole: size fixed and a terminator put back.
            byte[] patched = new byte[cut + 1];
            good.AsSpan(0, cut).CopyTo(patched);
            patched[cut] = 0xFF;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(patched, (uint)patched.Length);
            bool ok = Ziplist.AppendTo(patched, new Listpack.Builder(), out int n);
            Assert.True(!ok || n < full);
        }
    }

    [Fact]
    public void RandomBitFlips_NeverCrash_AndWhatPassesConvertsToAValidListpack()
    {
        byte[] good = Sample();
        var rng = new Random(7);
        int passed = 0;
        for (int round = 0; round < 5000; round++)
        {
            byte[] z = (byte[])good.Clone();
            int flips = 1 + rng.Next(3);
            for (int f = 0; f < flips; f++) z[rng.Next(z.Length)] ^= (byte)(1 << rng.Next(8));
            var b = new Listpack.Builder();
            if (!Ziplist.AppendTo(z, b, out int n)) continue;
            passed++;
            Assert.Equal(n, Entries(b.Finish()).Count);
        }
        Assert.True(passed < 5000);
    }
}
