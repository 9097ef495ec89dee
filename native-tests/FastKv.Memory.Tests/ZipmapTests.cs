using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Memory;
using FastKv.Tests.Rdb;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>Zipmaps built by hand at each length edge, converted to hash listpacks; malformed ones refused without a crash.</summary>
public class ZipmapTests
{
    static List<string> Convert(byte[] zm, out long maxLen)
    {
        var b = new Listpack.Builder();
        Assert.True(Zipmap.AppendTo(zm, b, out int pairs, out maxLen));
        List<string> got = ZiplistTests.Entries(b.Finish());
        Assert.Equal(2 * pairs, got.Count);
        return got;
    }

    static (byte[], byte[]) P(string k, string v) => (Encoding.ASCII.GetBytes(k), Encoding.ASCII.GetBytes(v));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(253)]
    [InlineData(254)]
    [InlineData(1000)]
    public void LengthForms_AndFreeBytes(int n)
    {
        string big = new string('v', n);
        foreach (int free in new[] { 0, 3 })
        {
            byte[] zm = RdbBytes.Zipmap(new[] { P("f", big), P(big + "k", "7") }, free);
            Assert.Equal(new[] { "f", big, big + "k", "7" }, Convert(zm, out long maxLen));
            Assert.Equal(n + 1, maxLen);
            // The long length form for a short length: Redis's walker would misread it, so it is refused.
            Assert.False(Zipmap.Validate(RdbBytes.Zipmap(new[] { P("f", big) }, free, bigLens: true), out _));
        }
    }

    [Fact]
    public void Counts_UnknownAccepted_WrongRefused_EmptyRefused()
    {
        Assert.True(Zipmap.Validate(RdbBytes.Zipmap(new[] { P("a", "1"), P("b", "2") }, countOverride: 254), out int n));
        Assert.Equal(2, n);
        Assert.False(Zipmap.Validate(RdbBytes.Zipmap(new[] { P("a", "1"), P("b", "2") }, countOverride: 3), out _));
        Assert.False(Zipmap.Validate(new byte[] { 0, 0xFF }, out _));
        Assert.False(Zipmap.Validate(new byte[] { 0xFF }, out _));
    }

    [Fact]
    public void RepeatedField_IsRefusedByTheConversion()
    {
        byte[] zm = RdbBytes.ZipmapOf("a", "1", "a", "2");
        Assert.True(Zipmap.Validate(zm, out _));
        Assert.False(Zipmap.AppendTo(zm, new Listpack.Builder(), out _, out _));
    }

    [Fact]
    public void EveryTruncation_IsRefused_EvenWithTheTerminatorPutBack()
    {
        byte[] good = RdbBytes.Zipmap(new[] { P("field", "value"), P(new string('k', 300), "v"), P("x", new string('w', 260)) }, free: 2);
        Assert.True(Zipmap.Validate(good, out int pairs));
        for (int cut = 0; cut < good.Length; cut++)
        {
            Assert.False(Zipmap.Validate(good.AsSpan(0, cut), out _));
            if (cut == good.Length - 1) continue; // the last cut put back is the original
            byte[] patched = new byte[cut + 1];
            good.AsSpan(0, cut).CopyTo(patched);
            patched[cut] = 0xFF;
            bool ok = Zipmap.AppendTo(patched, new Listpack.Builder(), out int n, out _);
            Assert.True(!ok || n < pairs);
        }
    }

    [Fact]
    public void RandomBitFlips_NeverCrash()
    {
        byte[] good = RdbBytes.Zipmap(new[] { P("field", "value"), P(new string('k', 300), "v"), P("7", "8") }, free: 1);
        var rng = new Random(3);
        int passed = 0;
        for (int round = 0; round < 5000; round++)
        {
            byte[] z = (byte[])good.Clone();
            for (int f = 0, k = 1 + rng.Next(3); f < k; f++) z[rng.Next(z.Length)] ^= (byte)(1 << rng.Next(8));
            var b = new Listpack.Builder();
            if (!Zipmap.AppendTo(z, b, out int n, out _)) continue;
            passed++;
            Assert.Equal(2 * n, ZiplistTests.Entries(b.Finish()).Count);
        }
        Assert.True(passed < 5000);
    }
}
