using System;
using System.Collections.Generic;
using System.Text;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// Seeded inputs for cmsgpack: Lua expressions for pack (numbers at every encoding's edges, floats that do and do not
/// survive float, strings at every header's edges, arrays, maps, tables that are almost arrays, nesting around the
/// limit of 16, cycles) and MessagePack byte streams for unpack (every form Redis's copy reads, plus the ones it does
/// not, then truncated, corrupted or followed by garbage).
/// </summary>
public sealed class CmsgpackInputGenerator(int seed)
{
    readonly Random random = new(seed);

    static readonly string[] Numbers =
    {
        "0", "1", "127", "128", "255", "256", "65535", "65536", "4294967295", "4294967296", "2^53", "2^53+1",
        "9223372036854774784", "2^63", "2^64", "-1", "-32", "-33", "-128", "-129", "-32768", "-32769", "-2147483648",
        "-2147483649", "-2^63", "-2^63-2048", "0.5", "0.1", "-0.0", "1/0", "-1/0", "0/0", "-(0/0)", "1e300", "-1e300",
        "3.4028234663852886e38", "3.4028235677973366e38", "1e-45", "2^-149", "2^-150", "1.5e-320", "123456.789",
        "16777216", "16777217", "-16777217.5", "1.25", "2^31", "2^31-1", "-2^31-0.5",
    };

    static readonly string[] Strings =
    {
        "''", "'a'", "'\\0\\255'", "string.rep('s', 31)", "string.rep('s', 32)", "string.rep('s', 255)",
        "string.rep('s', 256)", "string.rep('s', 65535)", "string.rep('s', 65536)", "'1'", "'key'", "'\\r\\n'",
    };

    static readonly string[] ShortStrings = { "''", "'a'", "'\\0\\255'", "string.rep('s', 31)", "'1'", "'key'", "'\\r\\n'" };

    /// <summary>A Lua expression for a value nested at most <paramref name="depth"/> tables deep.</summary>
    public string Value(int depth)
    {
        int kind = random.Next(depth > 0 ? 12 : 5);
        return kind switch
        {
            0 or 1 => Pick(Numbers),
            2 => Pick(Strings),
            3 => random.Next(3) switch { 0 => "true", 1 => "false", _ => "nil" },
            4 => random.Next(4) == 0 ? "print" : random.Next(-100000, 100000).ToString() + (random.Next(2) == 0 ? "" : ".5"),
            5 or 6 => Array(depth - 1),
            7 or 8 => Map(depth - 1),
            9 => AlmostArray(depth - 1),
            10 => Nested(random.Next(13, 20)),
            _ => "{}",
        };
    }

    string Array(int depth)
    {
        int n = random.Next(5) == 0 ? random.Next(14, 20) : random.Next(0, 6);
        var parts = new List<string>();
        for (int i = 0; i < n; i++) parts.Add(random.Next(8) == 0 ? "nil" : Value(depth));
        return "{" + string.Join(", ", parts) + "}";
    }

    string Map(int depth)
    {
        int n = random.Next(5) == 0 ? random.Next(14, 20) : random.Next(1, 6);
        var parts = new List<string>();
        for (int i = 0; i < n; i++)
        {
            string key = random.Next(6) switch
            {
                0 => "k" + i,
                1 => "[" + Pick(Numbers) + "]",
                2 => "[" + (n == 1 ? Pick(Strings) : Pick(ShortStrings)) + "]",
                3 => "[true]",
                // A table or function key is hashed by its address, and Redis's Lua hashes every byte of a string key where
                // Lua 5.1 samples those of 32 bytes and more: such keys only alone in their map are in the same place.
                4 when n == 1 => "[" + Value(Math.Max(depth - 1, 0)) + "]",
                4 => "[" + Pick(Numbers) + "]",
                _ => "['" + i + "']",
            };
            // A NaN or nil key is a Lua error in the constructor itself: keep keys to what Lua accepts.
            if (key is "[0/0]" or "[-(0/0)]" or "[nil]") key = "n" + i;
            parts.Add(key + " = " + Value(depth));
        }
        return "{" + string.Join(", ", parts) + "}";
    }

    /// <summary>Tables next to the array rule: holes, key 0, negative, fractional, huge, string keys that look like numbers.</summary>
    string AlmostArray(int depth) => random.Next(8) switch
    {
        0 => "{[1] = " + Value(depth) + ", [3] = 3}",
        1 => "{[0] = 0, 1, 2}",
        2 => "{[-1] = 1}",
        3 => "{[1.5] = 1, 2}",
        4 => "{[2^31] = 1}",
        5 => "{['1'] = 1, [2] = 2}",
        6 => "{1, 2, 3, x = " + Value(depth) + "}",
        _ => "{[2] = 2, [1] = 1}",
    };

    /// <summary>A table nested <paramref name="n"/> deep, as an array or a map, around the encoder's limit of 16.</summary>
    string Nested(int n) =>
        "(function() local t = " + Pick(Numbers) + " for i = 1, " + n + " do t = " + (random.Next(2) == 0 ? "{t}" : "{k = t}") + " end return t end)()";

    string Pick(string[] items) => items[random.Next(items.Length)];

    // ---------------------------------------------------------------- MessagePack streams

    /// <summary>A stream of one to four values, then perhaps truncated, corrupted in one byte, or followed by garbage.</summary>
    public byte[] Stream()
    {
        var b = new List<byte>();
        int values = random.Next(1, 5);
        for (int i = 0; i < values; i++) Encoded(b, random.Next(0, 5));
        switch (random.Next(6))
        {
            case 0 when b.Count > 1:
                int keep = random.Next(1, b.Count);
                b.RemoveRange(keep, b.Count - keep);
                break;
            case 1 when b.Count > 0:
                b[random.Next(b.Count)] = (byte)random.Next(256);
                break;
            case 2:
                for (int i = random.Next(1, 4); i > 0; i--) b.Add((byte)random.Next(256));
                break;
        }
        return b.ToArray();
    }

    void Encoded(List<byte> b, int depth)
    {
        int kind = random.Next(depth > 0 ? 14 : 10);
        switch (kind)
        {
            case 0: b.Add((byte)random.Next(0, 0x80)); break;      // positive fixnum
            case 1: b.Add((byte)random.Next(0xe0, 0x100)); break;  // negative fixnum
            case 2: b.Add((byte)(0xc0 + random.Next(4))); break;   // nil, 0xc1 (never used), false, true
            case 3:                                                // uint/int 8..64
                byte tag = (byte)(random.Next(2) == 0 ? 0xcc + random.Next(4) : 0xd0 + random.Next(4));
                b.Add(tag);
                Bytes(b, 1 << (tag & 3));
                break;
            case 4:                                                // float 32 / 64, any bits (NaNs, infinities, subnormals)
                b.Add(random.Next(2) == 0 ? (byte)0xca : (byte)0xcb);
                Bytes(b, b[^1] == 0xca ? 4 : 8);
                break;
            case 5: String(b, random.Next(0, 32)); break;
            case 6: String(b, random.Next(2) == 0 ? random.Next(32, 300) : random.Next(0, 70)); break;
            case 7:                                                // bin, ext, fixext: not read by Redis's copy
                b.Add((byte)(random.Next(2) == 0 ? 0xc4 + random.Next(6) : 0xd4 + random.Next(5)));
                Bytes(b, random.Next(0, 4));
                break;
            case 8:                                                // a header claiming more than follows
                b.Add((byte)(0xd9 + random.Next(7)));
                Bytes(b, random.Next(0, 5));
                break;
            case 9: String(b, random.Next(0, 5)); break;
            case 10 or 11:                                         // array: fix, 16, 32
            {
                int n = random.Next(0, 18);
                Header(b, n, 0x90, 0xdc);
                for (int i = 0; i < n; i++) Encoded(b, depth - 1);
                break;
            }
            default:                                               // map: fix, 16, 32
            {
                int n = random.Next(0, 18);
                Header(b, n, 0x80, 0xde);
                for (int i = 0; i < 2 * n; i++) Encoded(b, depth - 1);
                break;
            }
        }
    }

    void Header(List<byte> b, int n, byte fix, byte tag16)
    {
        int form = n > 15 ? 1 + random.Next(2) : random.Next(3);
        if (form == 0) b.Add((byte)(fix | n));
        else if (form == 1) { b.Add(tag16); BigEndian(b, (ulong)n, 2); }
        else { b.Add((byte)(tag16 + 1)); BigEndian(b, (ulong)n, 4); }
    }

    void String(List<byte> b, int n)
    {
        int form = n >= 32 ? 1 + random.Next(3) : random.Next(4);
        if (form == 0) b.Add((byte)(0xa0 | n));
        else if (form == 1 && n <= 0xff) { b.Add(0xd9); b.Add((byte)n); }
        else if (form <= 2) { b.Add(0xda); BigEndian(b, (ulong)n, 2); }
        else { b.Add(0xdb); BigEndian(b, (ulong)n, 4); }
        for (int i = 0; i < n; i++) b.Add((byte)(random.Next(4) == 0 ? random.Next(256) : 'a' + random.Next(26)));
    }

    void Bytes(List<byte> b, int n)
    {
        for (int i = 0; i < n; i++) b.Add((byte)random.Next(256));
    }

    static void BigEndian(List<byte> b, ulong v, int n)
    {
        for (int i = n - 1; i >= 0; i--) b.Add((byte)(v >> (8 * i)));
    }

    /// <summary>
    /// An offset or limit argument for unpack_one/unpack_limit as the scripts' ARGV carries it: a number, "nil", or
    /// "s" and a numeric string; small, at the input's length and past it, negative, huge.
    /// </summary>
    public string Count(int length) => random.Next(10) switch
    {
        0 => "0",
        1 => "nil",
        2 => "-1",
        3 => length.ToString(),
        4 => (length + 1).ToString(),
        5 => "s2",
        6 => "1099511627776",
        _ => random.Next(0, Math.Max(length, 1)).ToString(),
    };

    public static string Describe(byte[] b)
    {
        var s = new StringBuilder();
        foreach (byte x in b) s.Append(x.ToString("x2"));
        return s.ToString();
    }
}
