using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

public class RdbEncodeTests
{
    static byte[] Length(ulong len)
    {
        var w = new ArrayBufferWriter<byte>();
        int n = RdbEncode.WriteLength(w, len);
        Assert.Equal(w.WrittenCount, n);
        return w.WrittenSpan.ToArray();
    }

    static byte[] Str(string s, bool compress = true) => Str(Encoding.ASCII.GetBytes(s), compress);

    static byte[] Str(byte[] s, bool compress = true)
    {
        var w = new ArrayBufferWriter<byte>();
        RdbEncode.WriteString(w, s, compress ? LzfMode.Exact : LzfMode.Off);
        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public void Lengths_TakeTheShortestForm_AtEveryBoundary()
    {
        Assert.Equal(new byte[] { 0x00 }, Length(0));
        Assert.Equal(new byte[] { 0x3F }, Length(63));
        Assert.Equal(new byte[] { 0x40, 0x40 }, Length(64));
        Assert.Equal(new byte[] { 0x41, 0x2C }, Length(300));
        Assert.Equal(new byte[] { 0x7F, 0xFF }, Length(16383));
        Assert.Equal(new byte[] { 0x80, 0x00, 0x00, 0x40, 0x00 }, Length(16384));
        Assert.Equal(new byte[] { 0x80, 0xFF, 0xFF, 0xFF, 0xFF }, Length(uint.MaxValue));
        Assert.Equal(new byte[] { 0x81, 0, 0, 0, 1, 0, 0, 0, 0 }, Length(1UL << 32));
        Assert.Equal(new byte[] { 0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, Length(ulong.MaxValue));
    }

    [Fact]
    public void IntegerStrings_UseTheSmallestIntegerEncoding()
    {
        Assert.Equal(new byte[] { 0xC0, 0x00 }, Str("0"));
        Assert.Equal(new byte[] { 0xC0, 0x7F }, Str("127"));
        Assert.Equal(new byte[] { 0xC0, 0x80 }, Str("-128"));
        Assert.Equal(new byte[] { 0xC1, 0x80, 0x00 }, Str("128"));
        Assert.Equal(new byte[] { 0xC1, 0x7F, 0xFF }, Str("-129"));
        Assert.Equal(new byte[] { 0xC1, 0xFF, 0x7F }, Str("32767"));
        Assert.Equal(new byte[] { 0xC1, 0x00, 0x80 }, Str("-32768"));
        Assert.Equal(new byte[] { 0xC2, 0x00, 0x80, 0x00, 0x00 }, Str("32768"));
        Assert.Equal(new byte[] { 0xC2, 0xFF, 0x7F, 0xFF, 0xFF }, Str("-32769"));
        Assert.Equal(new byte[] { 0xC2, 0xFF, 0xFF, 0xFF, 0x7F }, Str("2147483647"));
        Assert.Equal(new byte[] { 0xC2, 0x00, 0x00, 0x00, 0x80 }, Str("-2147483648")); // 11 characters
    }

    [Theory]
    [InlineData("2147483648")]      // past 32 bits
    [InlineData("-2147483649")]     // 11 characters, past 32 bits
    [InlineData("01")]              // not canonical
    [InlineData("-0")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1.0")]
    [InlineData("-")]
    [InlineData("")]
    [InlineData("100000000000")]    // 12 characters
    [InlineData("-10000000000")]    // 12 characters
    [InlineData("9223372036854775807")]
    public void NonRoundTrippingOrLongNumbers_AreWrittenAsText(string s)
    {
        byte[] expect = new byte[1 + s.Length];
        expect[0] = (byte)s.Length;
        Encoding.ASCII.GetBytes(s).CopyTo(expect, 1);
        Assert.Equal(expect, Str(s));
    }

    [Fact]
    public void WriteInteger_IsTheIntegerEncodingOrTheDecimalText()
    {
        foreach (long v in new[] { 0L, -1, 127, -128, 128, 32767, 32768, int.MaxValue, (long)int.MaxValue + 1, int.MinValue,
                     (long)int.MinValue - 1, long.MaxValue, long.MinValue })
        {
            var w = new ArrayBufferWriter<byte>();
            RdbEncode.WriteInteger(w, v);
            Assert.Equal(Str(v.ToString(System.Globalization.CultureInfo.InvariantCulture)), w.WrittenSpan.ToArray());
        }
    }

    [Fact]
    public void Strings_AreCompressed_OnlyPast20Bytes_AndWhenLzfSavesFour()
    {
        // 20 bytes: never compressed.
        string twenty = new('a', 20);
        Assert.Equal(Encoding.ASCII.GetBytes("\x14" + twenty), Str(twenty));
        // 21 bytes of one letter compress well: ENCVAL LZF, compressed length, original length, data.
        byte[] c = Str(new string('a', 21));
        Assert.Equal(0xC3, c[0]);
        int clen = c[1];
        Assert.Equal(21, c[2]);
        Assert.Equal(3 + clen, c.Length);
        Assert.Equal(Encoding.ASCII.GetBytes(new string('a', 21)), LzfTests.Decompress(c.AsSpan(3), 21));
        // With compression off: plain.
        Assert.Equal(22, Str(new string('a', 21), compress: false).Length);
        // Random bytes do not save four: plain.
        var rnd = new byte[100];
        new Random(1).NextBytes(rnd);
        byte[] plain = Str(rnd);
        Assert.Equal(new byte[] { 0x40, 100 }, plain[..2]);
        Assert.Equal(rnd, plain[2..]);
    }

    /// <summary>
    /// Files' quick compressor after a run of incompressible strings: at most 15 strings in a row go out without an
    /// attempt, the first one that compresses brings every attempt back, and every string decodes to itself. DUMP's
    /// exact compressor always tries. (A fresh thread: the run is counted per thread.)
    /// </summary>
    [Fact]
    public void QuickCompression_SamplesAfterARunOfFailures_AndResumesOnASuccess()
    {
        var rng = new Random(7);
        byte[][] noise = new byte[100][];
        for (int i = 0; i < noise.Length; i++)
        {
            noise[i] = new byte[100];
            rng.NextBytes(noise[i]);
        }
        byte[] text = Encoding.ASCII.GetBytes(string.Concat(System.Linq.Enumerable.Repeat("\"id\":12345,", 5)));
        (bool[] quick, bool[] exact) = (new bool[noise.Length + 40], new bool[noise.Length + 40]);
        Exception? failed = null;
        var t = new System.Threading.Thread(() =>
        {
            try { Run(); }
            catch (Exception ex) { failed = ex; }
        });
        t.Start();
        t.Join();
        if (failed != null) throw failed;
        // Random bytes never compress; the text always does when tried.
        Assert.DoesNotContain(true, quick[..noise.Length]);
        int firstTried = Array.IndexOf(quick, true, noise.Length);
        Assert.InRange(firstTried - noise.Length, 1, 15);
        Assert.DoesNotContain(false, quick[firstTried..]);
        Assert.DoesNotContain(false, exact[noise.Length..]);

        void Run()
        {
            for (int mode = 0; mode < 2; mode++)
            {
                LzfMode lzf = mode == 0 ? LzfMode.Quick : LzfMode.Exact;
                bool[] compressed = mode == 0 ? quick : exact;
                for (int i = 0; i < compressed.Length; i++)
                {
                    byte[] s = i < noise.Length ? noise[i] : text;
                    var w = new ArrayBufferWriter<byte>();
                    RdbEncode.WriteString(w, s, lzf);
                    byte[] b = w.WrittenSpan.ToArray();
                    compressed[i] = b[0] == 0xC3;
                    // Lengths under 64 take one byte (the text and its compressed form), 100 takes two (the noise).
                    byte[] back = compressed[i] ? LzfTests.Decompress(b.AsSpan(3), s.Length) : b[(s.Length < 64 ? 1 : 2)..];
                    Assert.Equal(s, back);
                }
            }
        }
    }

    [Fact]
    public void LongCompressedStrings_UseLongLengthForms()
    {
        byte[] s = new byte[100_000];
        for (int i = 0; i < s.Length; i++) s[i] = (byte)('a' + i % 7);
        byte[] c = Str(s);
        Assert.Equal(0xC3, c[0]);
        // Compressed length: 14-bit form (a few thousand bytes); original: 32-bit form.
        Assert.Equal(0x40, c[1] & 0xC0);
        int clen = ((c[1] & 0x3F) << 8) | c[2];
        Assert.Equal(0x80, c[3]);
        Assert.Equal(100_000u, BinaryPrimitives.ReadUInt32BigEndian(c.AsSpan(4)));
        Assert.Equal(8 + clen, c.Length);
        Assert.Equal(s, LzfTests.Decompress(c.AsSpan(8), s.Length));
    }

    [Fact]
    public void BinaryDoubles_AreLittleEndianIeee()
    {
        foreach (double d in new[] { 0.0, -0.0, 1.5, -3.25e300, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon })
        {
            var w = new ArrayBufferWriter<byte>();
            RdbEncode.WriteBinaryDouble(w, d);
            Assert.Equal(BitConverter.DoubleToInt64Bits(d), BinaryPrimitives.ReadInt64LittleEndian(w.WrittenSpan));
            Assert.Equal(8, w.WrittenCount);
        }
    }
}
