using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>Listpack against a managed model (a list of "integer or bytes" in canonical stored form):
/// random edits over every encoding class and boundary, walked both ways and validated after each step.</summary>
public unsafe class ListpackTests
{
    /// <summary>A model entry in stored form: canonical integers are integers, everything else bytes.</summary>
    readonly struct Item
    {
        public readonly bool IsInt;
        public readonly long Int;
        public readonly byte[] Bytes;
        public Item(long v) { IsInt = true; Int = v; Bytes = Array.Empty<byte>(); }
        public Item(byte[] b) { IsInt = false; Int = 0; Bytes = b; }
        public override string ToString() => IsInt ? "int " + Int : "bytes[" + Bytes.Length + "]";
    }

    /// <summary>The model's own idea of "looks like an integer", independent of Listpack.TryParseInteger: it
    /// parses as an int64 and formats back to exactly the same bytes (so no '+', no leading zeros, no "-0").</summary>
    static Item Canon(byte[] s)
    {
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)
            && Encoding.ASCII.GetBytes(v.ToString(CultureInfo.InvariantCulture)).AsSpan().SequenceEqual(s))
            return new Item(v);
        return new Item(s);
    }

    static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    static readonly long[] BoundaryInts =
    {
        0, 1, 127, 128, 255, -1, -128, -4096, -4097, 4095, 4096,
        short.MinValue, short.MinValue - 1, short.MaxValue, short.MaxValue + 1,
        -(1 << 23), -(1 << 23) - 1, (1 << 23) - 1, 1 << 23,
        int.MinValue, int.MinValue - 1L, int.MaxValue, int.MaxValue + 1L,
        long.MinValue, long.MinValue + 1, long.MaxValue, long.MaxValue - 1,
    };

    static readonly string[] NumericLookingStrings =
    {
        "007", "-0", "+1", "123456789012345678901", "9223372036854775808", "-9223372036854775809",
        " 1", "1 ", "", "-", "0x10", "1e3", "00", "-01", "18446744073709551616", "99999999999999999999",
    };

    /// <summary>String lengths at the encoding and backlen boundaries: 6/12/32-bit headers, and entries whose
    /// encoding+data length is 127/128 (1 vs 2 backlen bytes) and 16382/16383 (2 vs 3).</summary>
    static readonly int[] BoundaryLengths = { 0, 1, 63, 64, 125, 126, 4095, 4096, 16377, 16378, 70000 };

    static byte[] RandomBytes(Random rng, int len)
    {
        var b = new byte[len];
        rng.NextBytes(b);
        // Keep the odd one that happens to be digits honest: binary strings stay binary.
        if (len > 0 && b[0] >= (byte)'0' && b[0] <= (byte)'9') b[0] = 0xFF;
        return b;
    }

    static long RandomInt(Random rng) => rng.Next(6) switch
    {
        0 => rng.Next(0, 128),
        1 => rng.Next(-4096, 4096),
        2 => rng.Next(short.MinValue, short.MaxValue + 1),
        3 => rng.Next(-(1 << 23), 1 << 23),
        4 => rng.NextInt64(int.MinValue, int.MaxValue + 1L),
        _ => rng.NextInt64(long.MinValue, long.MaxValue),
    };

    /// <summary>A value to write: either bytes (maybe numeric) or an integer for the *Integer writers.</summary>
    static (bool asInt, long i, byte[] s) Draw(Random rng, bool allowHuge)
    {
        switch (rng.Next(10))
        {
            case 0: return (true, BoundaryInts[rng.Next(BoundaryInts.Length)], Array.Empty<byte>());
            case 1: return (false, 0, Ascii(BoundaryInts[rng.Next(BoundaryInts.Length)].ToString(CultureInfo.InvariantCulture)));
            case 2: return (true, RandomInt(rng), Array.Empty<byte>());
            case 3: return (false, 0, Ascii(RandomInt(rng).ToString(CultureInfo.InvariantCulture)));
            case 4: return (false, 0, Ascii(NumericLookingStrings[rng.Next(NumericLookingStrings.Length)]));
            case 5:
            {
                int len = BoundaryLengths[rng.Next(BoundaryLengths.Length)];
                if (len > 5000 && !allowHuge) len = 64;
                return (false, 0, RandomBytes(rng, len));
            }
            case 6: return (false, 0, RandomBytes(rng, rng.Next(0, 200)));
            default: return (false, 0, Ascii("v" + rng.Next(50).ToString(CultureInfo.InvariantCulture)));
        }
    }

    static void AssertEntry(Item expected, byte* p)
    {
        Assert.True(p != null, "entry missing");
        bool isInt = Listpack.Get(p, out long v, out ReadOnlySpan<byte> s);
        Assert.Equal(expected.IsInt, isInt);
        if (isInt) Assert.Equal(expected.Int, v);
        else Assert.True(s.SequenceEqual(expected.Bytes), "bytes differ");
        ListpackValue lv = Listpack.Get(p);
        Assert.Equal(isInt, lv.IsInteger);
    }

    static void AssertSame(Arena arena, byte* lp, List<Item> model)
    {
        int total = Listpack.TotalBytes(lp);
        Assert.True(Listpack.Validate(lp, total));
        Assert.Equal(model.Count, Listpack.Count(lp));
        Assert.Equal((long)Arena.UsableSize((nuint)total), arena.UsedBytes);
        byte* p = Listpack.First(lp);
        foreach (Item it in model)
        {
            AssertEntry(it, p);
            p = Listpack.Next(lp, p);
        }
        Assert.True(p == null);
        p = Listpack.Last(lp);
        for (int i = model.Count - 1; i >= 0; i--)
        {
            AssertEntry(model[i], p);
            p = Listpack.Prev(lp, p);
        }
        Assert.True(p == null);
        AssertPackRoundTrip(lp, model.Count);
    }

    /// <summary>The packed form (Listpack.Packed.cs) drops exactly the header, terminator and backlens, and
    /// unpacking rebuilds the listpack byte for byte.</summary>
    static void AssertPackRoundTrip(byte* lp, int count)
    {
        int total = Listpack.TotalBytes(lp);
        int framing = Listpack.EmptySize;
        for (byte* p = Listpack.First(lp); p != null; p = Listpack.Next(lp, p))
        {
            byte* n = Listpack.Next(lp, p);
            int next = n != null ? (int)(n - p) : (int)(lp + total - 1 - p);
            int encLen = PackedEntryLength(p);
            framing += next - encLen; // the backlen
        }
        int packedSize = Listpack.PackedSize(lp);
        Assert.Equal(total - framing, packedSize);
        byte[] packed = new byte[packedSize + 1];
        byte[] rebuilt = new byte[total + 1];
        fixed (byte* pk = packed)
        fixed (byte* rb = rebuilt)
        {
            Assert.Equal(packedSize, Listpack.Pack(lp, pk));
            Assert.Equal(total, Listpack.UnpackedSize(pk, packedSize));
            Assert.Equal(total, Listpack.Unpack(pk, packedSize, rb));
            Assert.True(new ReadOnlySpan<byte>(lp, total).SequenceEqual(rebuilt.AsSpan(0, total)), "unpacked bytes differ");
            Assert.Equal(count, Listpack.Count(rb));
            Assert.Equal(count, Listpack.PackedCount(pk, packedSize));
            // Walking and searching the packed bytes agrees with the listpack, entry by entry and for skip 0 and 1.
            byte* q = pk;
            int i = 0;
            byte[] digits = new byte[Listpack.MaxIntegerChars];
            for (byte* p = Listpack.First(lp); p != null; p = Listpack.Next(lp, p), q = Listpack.PackedNext(q), i++)
            {
                int len = PackedEntryLength(p);
                Assert.True(new ReadOnlySpan<byte>(p, len).SequenceEqual(new ReadOnlySpan<byte>(q, len)));
                if (i % 7 != 0) continue; // a sample keeps the search quadratic cost down
                ListpackValue v = Listpack.Get(p);
                ReadOnlySpan<byte> text = v.Bytes;
                if (v.IsInteger)
                {
                    Assert.True(v.Integer.TryFormat(digits, out int n, default, CultureInfo.InvariantCulture));
                    text = digits[..n];
                }
                foreach (int skip in new[] { 0, 1 })
                {
                    byte* inLp = Listpack.Find(lp, Listpack.First(lp), text, skip);
                    byte* inPacked = Listpack.PackedFind(pk, packedSize, text, skip);
                    Assert.Equal(inLp == null, inPacked == null);
                    if (inLp != null) Assert.Equal(IndexOf(lp, inLp), PackedIndexOf(pk, inPacked));
                }
            }
            Assert.True(q == pk + packedSize);
        }
    }

    static int PackedIndexOf(byte* packed, byte* p)
    {
        int i = 0;
        for (byte* q = packed; q < p; q = Listpack.PackedNext(q)) i++;
        return i;
    }

    /// <summary>Encoding plus data bytes of one entry, by the listpack format's rules (independent of the code under test).</summary>
    static int PackedEntryLength(byte* p)
    {
        byte b = *p;
        if ((b & 0x80) == 0) return 1;
        if ((b & 0xC0) == 0x80) return 1 + (b & 0x3F);
        if ((b & 0xE0) == 0xC0) return 2;
        if ((b & 0xF0) == 0xE0) return 2 + (((b & 0x0F) << 8) | p[1]);
        return b switch { 0xF1 => 3, 0xF2 => 4, 0xF3 => 5, 0xF4 => 9, 0xF0 => 5 + *(int*)(p + 1), _ => throw new InvalidOperationException() };
    }

    static int IndexOf(byte* lp, byte* p)
    {
        int i = 0;
        for (byte* q = Listpack.First(lp); q != null; q = Listpack.Next(lp, q), i++)
            if (q == p) return i;
        return -1;
    }

    static bool ModelEquals(Item a, Item b) => a.IsInt == b.IsInt && (a.IsInt ? a.Int == b.Int : a.Bytes.AsSpan().SequenceEqual(b.Bytes));

    [Theory]
    [InlineData(1, 3000, false)]
    [InlineData(2, 3000, false)]
    [InlineData(3, 600, true)]
    [InlineData(4, 5000, false)]
    public void RandomOperations_MatchModel(int seed, int steps, bool allowHuge)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        byte* lp = Listpack.Create(arena);
        var model = new List<Item>();
        for (int step = 0; step < steps; step++)
        {
            var (asInt, iv, sv) = Draw(rng, allowHuge);
            Item item = asInt ? new Item(iv) : Canon(sv);
            int op = rng.Next(model.Count > 200 ? 10 : 8);
            switch (op)
            {
                case 0:
                    lp = asInt ? Listpack.AppendInteger(arena, lp, iv) : Listpack.Append(arena, lp, sv);
                    model.Add(item);
                    break;
                case 1:
                    lp = asInt ? Listpack.PrependInteger(arena, lp, iv) : Listpack.Prepend(arena, lp, sv);
                    model.Insert(0, item);
                    break;
                case 2:
                {
                    // Insert before or after a random entry; before the terminator when empty.
                    var where = rng.Next(2) == 0 ? ListpackWhere.Before : ListpackWhere.After;
                    int idx = model.Count == 0 ? 0 : rng.Next(model.Count);
                    byte* p = model.Count == 0 ? lp + Listpack.TotalBytes(lp) - 1 : Listpack.Seek(lp, idx);
                    if (model.Count == 0) where = ListpackWhere.Before;
                    byte* entry;
                    lp = asInt ? Listpack.InsertInteger(arena, lp, p, where, iv, out entry) : Listpack.Insert(arena, lp, p, where, sv, out entry);
                    int at = where == ListpackWhere.Before ? idx : idx + 1;
                    model.Insert(at, item);
                    AssertEntry(item, entry);
                    Assert.Equal(at, IndexOf(lp, entry));
                    break;
                }
                case 3 when model.Count > 0:
                {
                    int idx = rng.Next(model.Count);
                    byte* p = Listpack.Seek(lp, idx - (rng.Next(2) == 0 ? model.Count : 0));
                    byte* entry;
                    lp = asInt ? Listpack.ReplaceInteger(arena, lp, p, iv, out entry) : Listpack.Replace(arena, lp, p, sv, out entry);
                    model[idx] = item;
                    AssertEntry(item, entry);
                    break;
                }
                case 4 when model.Count > 0:
                {
                    // Replace an entry with a copy of another entry's bytes read straight out of the blob.
                    int from = rng.Next(model.Count), to = rng.Next(model.Count);
                    byte* src = Listpack.Seek(lp, from);
                    if (Listpack.Get(src, out _, out ReadOnlySpan<byte> s)) break;
                    lp = Listpack.Replace(arena, lp, Listpack.Seek(lp, to), s);
                    model[to] = model[from];
                    break;
                }
                case 5:
                {
                    int idx = rng.Next(-model.Count - 2, model.Count + 2);
                    byte* p = Listpack.Seek(lp, idx);
                    int resolved = idx < 0 ? idx + model.Count : idx;
                    if (resolved < 0 || resolved >= model.Count) Assert.True(p == null);
                    else AssertEntry(model[resolved], p);
                    byte* found = Listpack.Find(lp, Listpack.First(lp), sv, 0);
                    int expected = asInt ? -2 : model.FindIndex(m => ModelEquals(m, Canon(sv)));
                    if (expected != -2) Assert.Equal(expected, found == null ? -1 : IndexOf(lp, found));
                    break;
                }
                case 6 or 8 when model.Count > 0:
                {
                    int idx = rng.Next(model.Count);
                    lp = Listpack.Delete(arena, lp, Listpack.Seek(lp, idx), out byte* next);
                    model.RemoveAt(idx);
                    if (idx == model.Count) Assert.True(next == null);
                    else AssertEntry(model[idx], next);
                    break;
                }
                case 7 or 9:
                {
                    int idx = rng.Next(-model.Count - 2, model.Count + 2);
                    int count = rng.Next(0, op == 9 ? 60 : 5);
                    lp = Listpack.DeleteRange(arena, lp, idx, count);
                    int resolved = idx < 0 ? idx + model.Count : idx;
                    if (resolved >= 0 && resolved < model.Count && count > 0)
                        model.RemoveRange(resolved, Math.Min(count, model.Count - resolved));
                    break;
                }
            }
            AssertSame(arena, lp, model);
        }
        Listpack.Free(arena, lp);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void KnownBytes_HelloAnd1024()
    {
        // Derived by hand from the encoding rules:
        //  header: total = 6 (header) + 7 ("hello" entry) + 3 (1024 entry) + 1 (0xFF) = 17 = 0x11 as u32 LE,
        //          count 2 as u16 LE.
        //  "hello": 6-bit string 10|000101 = 0x85, the 5 bytes, backlen = 1 + 5 = 6 -> 0x06.
        //  1024: not 0..127, fits 13 bits: 1024 = 0b0_0100_0000_0000, so 110|00100 = 0xC4, low byte 0x00,
        //        backlen 2 -> 0x02.
        //  terminator 0xFF.
        // (The brief's 0x12 for the total is one too many: 6 + 7 + 3 + 1 = 17.)
        using var arena = new Arena();
        byte* lp = Listpack.Create(arena);
        lp = Listpack.Append(arena, lp, "hello"u8);
        lp = Listpack.AppendInteger(arena, lp, 1024);
        byte[] expected = { 0x11, 0, 0, 0, 0x02, 0x00, 0x85, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o', 0x06, 0xC4, 0x00, 0x02, 0xFF };
        Assert.Equal(expected, new ReadOnlySpan<byte>(lp, Listpack.TotalBytes(lp)).ToArray());
        // "1024" as a string is stored the same way.
        byte* lp2 = Listpack.Create(arena);
        lp2 = Listpack.Append(arena, lp2, "hello"u8);
        lp2 = Listpack.Append(arena, lp2, "1024"u8);
        Assert.Equal(expected, new ReadOnlySpan<byte>(lp2, Listpack.TotalBytes(lp2)).ToArray());
        Listpack.Free(arena, lp);
        Listpack.Free(arena, lp2);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void MatchesRedis7Bytes_ForAHashOfEveryEncoding()
    {
        // Captured from redis-server 7.0.15 (rdbcompression no): HSET h with the pairs below, then DUMP h;
        // the payload is RDB type 16 (hash listpack) and the RDB string inside it is this listpack. Long runs
        // of one byte are spelled out in code rather than in hex.
        byte[][] pairs =
        {
            Ascii("hello"), Ascii("1024"), Ascii("f"), Ascii("-1"), Ascii("007"), Ascii("127"), Ascii("128"), Ascii("-4096"),
            Ascii("4096"), Ascii("-4097"), Ascii("x"), Ascii("32768"), Ascii("y"), Ascii("8388608"), Ascii("z"), Ascii("-2147483649"),
            Ascii("w"), Ascii("9223372036854775807"), Ascii("-9223372036854775808"), Ascii("+1"), Ascii(""), Ascii("-0"),
            Ascii("s63"), Ascii(new string('c', 63)), Ascii("s64"), Ascii(new string('a', 64)),
            Ascii("s4095"), Ascii(new string('d', 4095)), Ascii("s4096"), Ascii(new string('b', 4096)),
            Ascii("bin"), Range256(),
        };
        var expected = new List<byte>();
        expected.AddRange(Convert.FromHexString(
            "1a22000020008568656c6c6f06c40002816602dfff0283303037047f01c08002d00002f1001003f1ffef03817802f200800004817902f30000800005817a02"
            + "f4ffffff7fffffffff09817702f4ffffffffffffff7f09f4000000000000008009822b31038001822d30038373363304bf"));
        expected.AddRange(pairs[23]);
        expected.AddRange(Convert.FromHexString("408373363404e040"));
        expected.AddRange(pairs[25]);
        expected.AddRange(Convert.FromHexString("4285733430393506efff"));
        expected.AddRange(pairs[27]);
        expected.AddRange(Convert.FromHexString("208185733430393606f000100000"));
        expected.AddRange(pairs[29]);
        expected.AddRange(Convert.FromHexString("20858362696e04e100"));
        expected.AddRange(pairs[31]);
        expected.AddRange(Convert.FromHexString("0282ff"));

        using var arena = new Arena();
        byte* lp = Listpack.Create(arena);
        foreach (byte[] v in pairs) lp = Listpack.Append(arena, lp, v);
        Assert.Equal(expected.ToArray(), new ReadOnlySpan<byte>(lp, Listpack.TotalBytes(lp)).ToArray());
        fixed (byte* e = expected.ToArray()) Assert.True(Listpack.Validate(e, expected.Count));
        Listpack.Free(arena, lp);
        Assert.Equal(0, arena.UsedBytes);
    }

    static byte[] Range256()
    {
        var b = new byte[256];
        for (int i = 0; i < b.Length; i++) b[i] = (byte)i;
        return b;
    }

    [Fact]
    public void Empty_IsSevenBytes()
    {
        using var arena = new Arena();
        byte* lp = Listpack.Create(arena);
        Assert.Equal(new byte[] { 7, 0, 0, 0, 0, 0, 0xFF }, new ReadOnlySpan<byte>(lp, 7).ToArray());
        Assert.True(Listpack.First(lp) == null && Listpack.Last(lp) == null && Listpack.Seek(lp, 0) == null && Listpack.Seek(lp, -1) == null);
        Assert.Equal(0, Listpack.Count(lp));
        Listpack.Free(arena, lp);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Theory]
    // value, expected first byte, expected entry bytes (encoding + data + 1-byte backlen)
    [InlineData(0L, 0x00, 2)]
    [InlineData(127L, 0x7F, 2)]
    [InlineData(128L, 0xC0, 3)]
    [InlineData(-1L, 0xDF, 3)]
    [InlineData(-4096L, 0xD0, 3)]
    [InlineData(4095L, 0xCF, 3)]
    [InlineData(4096L, 0xF1, 4)]
    [InlineData(-4097L, 0xF1, 4)]
    [InlineData(32767L, 0xF1, 4)]
    [InlineData(32768L, 0xF2, 5)]
    [InlineData(-32769L, 0xF2, 5)]
    [InlineData(8388607L, 0xF2, 5)]
    [InlineData(8388608L, 0xF3, 6)]
    [InlineData(-8388609L, 0xF3, 6)]
    [InlineData(2147483647L, 0xF3, 6)]
    [InlineData(2147483648L, 0xF4, 10)]
    [InlineData(-2147483649L, 0xF4, 10)]
    [InlineData(long.MinValue, 0xF4, 10)]
    [InlineData(long.MaxValue, 0xF4, 10)]
    public void IntegerEncodings_AreRedisNarrowest(long v, int firstByte, int entryBytes)
    {
        using var arena = new Arena();
        foreach (bool viaString in new[] { false, true })
        {
            byte* lp = Listpack.Create(arena);
            lp = viaString ? Listpack.Append(arena, lp, Ascii(v.ToString(CultureInfo.InvariantCulture))) : Listpack.AppendInteger(arena, lp, v);
            byte* p = Listpack.First(lp);
            Assert.Equal(firstByte, *p);
            Assert.Equal(entryBytes, Listpack.EntrySize(p));
            Assert.Equal(Listpack.EmptySize + entryBytes, Listpack.TotalBytes(lp));
            Assert.True(Listpack.Get(p, out long back, out _));
            Assert.Equal(v, back);
            Listpack.Free(arena, lp);
        }
        Assert.Equal(0, arena.UsedBytes);
    }

    [Theory]
    // string length, header bytes, backlen bytes
    [InlineData(0, 1, 1)]
    [InlineData(63, 1, 1)]
    [InlineData(64, 2, 1)]
    [InlineData(125, 2, 1)]      // 2 + 125 = 127: last 1-byte backlen
    [InlineData(126, 2, 2)]      // 128
    [InlineData(4095, 2, 2)]
    [InlineData(4096, 5, 2)]
    [InlineData(16377, 5, 2)]    // 5 + 16377 = 16382: last 2-byte backlen
    [InlineData(16378, 5, 3)]    // 16383
    [InlineData(70000, 5, 3)]
    public void StringEncodings_AndBacklenSizes(int len, int header, int backlen)
    {
        using var arena = new Arena();
        byte* lp = Listpack.Create(arena);
        byte[] s = RandomBytes(new Random(len), len);
        lp = Listpack.Append(arena, lp, s);
        lp = Listpack.Append(arena, lp, "x"u8);
        byte* p = Listpack.First(lp);
        Assert.Equal(header + len + backlen, Listpack.EntrySize(p));
        Assert.False(Listpack.Get(p, out _, out ReadOnlySpan<byte> back));
        Assert.True(back.SequenceEqual(s));
        Assert.True(Listpack.Prev(lp, Listpack.Last(lp)) == p);
        Assert.True(Listpack.Validate(lp, Listpack.TotalBytes(lp)));
        Listpack.Free(arena, lp);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("-1", true)]
    [InlineData("9223372036854775807", true)]
    [InlineData("-9223372036854775808", true)]
    [InlineData("9223372036854775808", false)]
    [InlineData("-9223372036854775809", false)]
    [InlineData("007", false)]
    [InlineData("-0", false)]
    [InlineData("+1", false)]
    [InlineData("123456789012345678901", false)]
    [InlineData("", false)]
    [InlineData("-", false)]
    [InlineData(" 1", false)]
    [InlineData("1a", false)]
    public void TryParseInteger_FollowsString2ll(string s, bool isInt)
    {
        Assert.Equal(isInt, Listpack.TryParseInteger(Ascii(s), out long v));
        if (isInt) Assert.Equal(s, v.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Find_ComparesStoredForm_AndSkips()
    {
        using var arena = new Arena();
        byte* lp = Listpack.Create(arena);
        // A hash's field/value pairs: f1=5, 5=f1, 007=x
        foreach (string s in new[] { "f1", "5", "5", "f1", "007", "x" }) lp = Listpack.Append(arena, lp, Ascii(s));
        byte* first = Listpack.First(lp);
        Assert.Equal(0, IndexOf(lp, Listpack.Find(lp, first, "f1"u8, 1)));
        Assert.Equal(2, IndexOf(lp, Listpack.Find(lp, first, "5"u8, 1)));   // fields only: skips the value "5"
        Assert.Equal(1, IndexOf(lp, Listpack.Find(lp, first, "5"u8, 0)));
        Assert.True(Listpack.Find(lp, first, "x"u8, 1) == null);              // "x" is a value
        Assert.True(Listpack.Find(lp, first, "05"u8, 0) == null);             // not the integer 5
        Assert.Equal(4, IndexOf(lp, Listpack.Find(lp, first, "007"u8, 0)));  // stayed a string
        Assert.True(Listpack.Find(lp, null, "f1"u8, 0) == null);
        Assert.True(Listpack.EntryEquals(Listpack.Seek(lp, 1), "5"u8));
        Assert.False(Listpack.EntryEquals(Listpack.Seek(lp, 1), "+5"u8));
        Assert.True(Listpack.EntryEquals(Listpack.Seek(lp, 4), "007"u8));
        Assert.False(Listpack.EntryEquals(Listpack.Seek(lp, 4), "7"u8));
        Listpack.Free(arena, lp);
    }

    [Fact]
    public void CountBeyondU16_IsUnknownAndWalked()
    {
        using var arena = new Arena();
        byte* lp = Listpack.Create(arena);
        const int n = 70000;
        for (int i = 0; i < n; i++) lp = Listpack.AppendInteger(arena, lp, i % 100);
        Assert.Equal(Listpack.CountUnknown, *(ushort*)(lp + Listpack.CountOffset));
        Assert.Equal(n, Listpack.Count(lp));
        Assert.True(Listpack.Validate(lp, Listpack.TotalBytes(lp)));
        Assert.Equal(99L, Listpack.Get(Listpack.Seek(lp, -1)).Integer);
        Assert.Equal(5L, Listpack.Get(Listpack.Seek(lp, 69905)).Integer);
        lp = Listpack.DeleteRange(arena, lp, 0, n - 10);
        Assert.Equal(Listpack.CountUnknown, *(ushort*)(lp + Listpack.CountOffset));
        Assert.Equal(10, Listpack.Count(lp)); // walked, and stored back
        Assert.Equal(10, *(ushort*)(lp + Listpack.CountOffset));
        Assert.Equal(90L, Listpack.Get(Listpack.First(lp)).Integer);
        Listpack.Free(arena, lp);
        Assert.Equal(0, arena.UsedBytes);
    }

    /// <summary>A mixed blob touching every encoding, as a managed copy.</summary>
    static byte[] SampleBlob(int seed)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        byte* lp = Listpack.Create(arena);
        foreach (long v in BoundaryInts) lp = Listpack.AppendInteger(arena, lp, v);
        foreach (int len in new[] { 0, 5, 63, 64, 200, 4095, 4096 }) lp = Listpack.Append(arena, lp, RandomBytes(rng, len));
        foreach (string s in NumericLookingStrings) lp = Listpack.Prepend(arena, lp, Ascii(s));
        byte[] blob = new ReadOnlySpan<byte>(lp, Listpack.TotalBytes(lp)).ToArray();
        Listpack.Free(arena, lp);
        return blob;
    }

    static bool Validate(byte[] blob, int size)
    {
        fixed (byte* p = blob) return Listpack.Validate(p, size);
    }

    [Fact]
    public void Validate_RejectsCorruptions()
    {
        byte[] good = SampleBlob(1);
        Assert.True(Validate(good, good.Length));

        Assert.False(Validate(good, good.Length - 1));                      // truncated
        Assert.False(Validate(good, 6));                                    // shorter than a header + terminator
        byte[] b = (byte[])good.Clone(); b[^1] = 0;                         // terminator dropped
        Assert.False(Validate(b, b.Length));
        b = (byte[])good.Clone(); b[0]++;                                   // total bytes wrong
        Assert.False(Validate(b, b.Length));
        b = (byte[])good.Clone(); b[4]++;                                   // count wrong
        Assert.False(Validate(b, b.Length));
        b = (byte[])good.Clone(); b[4] = 0xFF; b[5] = 0xFF;                 // count unknown is allowed
        Assert.True(Validate(b, b.Length));

        // Truncate by a whole entry but keep the header's total consistent: the count no longer matches.
        byte[] shorter = new byte[good.Length - 2];
        Array.Copy(good, shorter, shorter.Length - 1);
        shorter[^1] = 0xFF;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(shorter, (uint)shorter.Length);
        Assert.False(Validate(shorter, shorter.Length));

        // Every entry: bump its length/encoding byte, break its backlen, give it an unused encoding.
        fixed (byte* lp = good)
        {
            for (byte* p = Listpack.First(lp); p != null; p = Listpack.Next(lp, p))
            {
                int off = (int)(p - lp), size = Listpack.EntrySize(p);
                b = (byte[])good.Clone(); b[off + size - 1] ^= 0x01;          // backlen value off by one
                Assert.False(Validate(b, b.Length));
                b = (byte[])good.Clone(); b[off] = 0xF5;                      // unused encoding
                Assert.False(Validate(b, b.Length));
                b = (byte[])good.Clone(); b[off] = 0xFF;                      // stray terminator
                Assert.False(Validate(b, b.Length));
                if ((good[off] & 0xC0) == 0x80 && (good[off] & 0x3F) < 63)   // 6-bit string one byte longer
                {
                    b = (byte[])good.Clone(); b[off]++;
                    Assert.False(Validate(b, b.Length));
                }
                if (good[off] == 0xF0)                                        // 32-bit string length way out
                {
                    b = (byte[])good.Clone(); b[off + 4] = 0x7F;
                    Assert.False(Validate(b, b.Length));
                }
            }
        }
    }

    [Fact]
    public void Validate_AcceptsOnlyWalkableBlobs_UnderRandomFlips()
    {
        var rng = new Random(7);
        byte[] good = SampleBlob(2);
        int accepted = 0;
        for (int trial = 0; trial < 20000; trial++)
        {
            byte[] b = (byte[])good.Clone();
            int flips = rng.Next(1, 4);
            for (int k = 0; k < flips; k++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
            int size = rng.Next(4) == 0 ? rng.Next(0, b.Length + 1) : b.Length;
            if (!Validate(b, size)) continue;
            accepted++;
            // Accepted: both walks stay in bounds and agree.
            fixed (byte* lp = b)
            {
                var forward = new List<nint>();
                for (byte* p = Listpack.First(lp); p != null; p = Listpack.Next(lp, p))
                {
                    Assert.True(p >= lp + Listpack.HeaderSize && p + Listpack.EntrySize(p) <= lp + size - 1);
                    Listpack.Get(p, out _, out ReadOnlySpan<byte> s);
                    forward.Add((nint)p);
                }
                int i = forward.Count;
                for (byte* p = Listpack.Last(lp); p != null; p = Listpack.Prev(lp, p)) Assert.Equal(forward[--i], (nint)p);
                Assert.Equal(0, i);
                Assert.Equal(forward.Count, Listpack.Count(lp));
            }
        }
        Assert.True(accepted > 0, "some flips land in string data and stay valid");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TailAppender_WritesTheBytesOfOneAppendPerEntry(int seed)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        byte* a = Listpack.Create(arena), b = Listpack.Create(arena);
        for (int round = 0; round < 400; round++)
        {
            // A batch of integers of every width and strings of every header size, some canonical integers as text.
            int n = 1 + rng.Next(9);
            var items = new List<object>();
            for (int i = 0; i < n; i++)
            {
                switch (rng.Next(5))
                {
                    case 0: items.Add((long)rng.Next(-200, 200)); break;
                    case 1: items.Add(rng.NextInt64(long.MinValue, long.MaxValue) >> rng.Next(64)); break;
                    case 2: items.Add(Encoding.ASCII.GetBytes(rng.NextInt64(-100000, 100000).ToString())); break;
                    default:
                    {
                        var s = new byte[rng.Next(3) switch { 0 => rng.Next(0, 64), 1 => rng.Next(64, 4096), _ => rng.Next(4096, 9000) }];
                        rng.NextBytes(s);
                        items.Add(s);
                        break;
                    }
                }
            }
            int bytes = 0;
            foreach (object o in items) bytes += o is long l ? Listpack.IntegerEntryBytes(l) : Listpack.EntryBytes((byte[])o);
            foreach (object o in items) a = o is long l ? Listpack.AppendInteger(arena, a, l) : Listpack.Append(arena, a, (byte[])o);
            int before = Listpack.TotalBytes(b);
            Listpack.TailAppender w = Listpack.AppendBegin(arena, b, bytes);
            foreach (object o in items)
            {
                if (o is long l) w.Integer(l);
                else w.Value((byte[])o);
            }
            b = w.End();
            Assert.Equal(before + bytes, Listpack.TotalBytes(b));
            Assert.Equal(new ReadOnlySpan<byte>(a, Listpack.TotalBytes(a)).ToArray(), new ReadOnlySpan<byte>(b, Listpack.TotalBytes(b)).ToArray());
            Assert.Equal(Listpack.Count(a), Listpack.Count(b));
            // Shrink now and then, so the tail grows from small blocks too.
            if (rng.Next(20) == 0)
            {
                Listpack.Free(arena, a);
                Listpack.Free(arena, b);
                a = Listpack.Create(arena);
                b = Listpack.Create(arena);
            }
        }
        // An entry past what was announced is refused before it is written; fewer bytes than announced are refused at
        // the end. (The growth may have moved each blob: neither is touched after its refusal; the arena takes them.)
        byte* c = Listpack.Create(arena), d = Listpack.Create(arena);
        Assert.Throws<InvalidOperationException>(() =>
        {
            Listpack.TailAppender w = Listpack.AppendBegin(arena, c, 2);
            w.Integer(1);
            w.Integer(1000);
        });
        Assert.Throws<InvalidOperationException>(() =>
        {
            Listpack.TailAppender w = Listpack.AppendBegin(arena, d, 4);
            w.Integer(1);
            w.End();
        });
        Listpack.Free(arena, a);
        Listpack.Free(arena, b);
    }
}
