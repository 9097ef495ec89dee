using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random command streams for the bitmap family: SETBIT/GETBIT at small, word-edge, large and out-of-range
/// offsets; BITCOUNT and BITPOS with byte and bit ranges (negative, reversed, past the end, huge, not integers, bad
/// units, wrong argument counts); BITOP over missing, short, long, int-encoded and wrong-type sources into any
/// destination (keys on different shards at --threads 4); BITFIELD and BITFIELD_RO with every type, signed and
/// unsigned, '#' offsets, SET and INCRBY values at and past each type's limits under OVERFLOW WRAP, SAT and FAIL,
/// and every parse error; plus the string commands that show what the bits did (GET, STRLEN, OBJECT ENCODING),
/// expiries, MULTI/EXEC and scripts. Writes stay below a few hundred KiB so both servers stay small; the huge
/// offsets (up to 2^32-1 and past it) are reads and errors.
/// </summary>
public sealed class BitmapCommandGenerator
{
    /// <summary>Bitmap keys: a hash-tagged group on one slot, plain keys spread over slots (and shards), a binary key.</summary>
    public static readonly string[] Keys = ["{b}1", "{b}2", "{b}3", "bits:a", "bits:b", "bits:c", "k1", "k2", "k3", "bin\0bit\r\n"];

    /// <summary>A key that holds a list (WRONGTYPE).</summary>
    public const string ListKey = "a-list";

    private static readonly string[] s_values =
    [
        "", "a", "foobar", "\u00ff\u00ff\u00ff", "\0\0\0\0", "\u00ff\0\u00ff\0\u00aa\u0055", "123", "-1", "0", "9223372036854775807",
        "12345678901234567890", "hello world, a longer value to count", "\u0080", new string('\u00ff', 40), new string('\u00f0', 70),
    ];

    private static readonly string[] s_badInts = ["x", "", "1.5", " 1", "99999999999999999999", "0x10", "+1"];

    private readonly Random _rng;
    private readonly List<byte[][]> _out = new();

    public BitmapCommandGenerator(int seed) => _rng = new Random(seed);

    public List<byte[][]> Generate(int count)
    {
        _out.Clear();
        Emit("FLUSHALL");
        Emit("RPUSH", ListKey, "x", "y");
        while (_out.Count < count)
            Next();
        return new List<byte[][]>(_out);
    }

    private void Emit(params string[] args)
    {
        var parts = new byte[args.Length][];
        for (int i = 0; i < args.Length; i++)
            parts[i] = Encoding.Latin1.GetBytes(args[i]); // one byte per char: binary-safe
        _out.Add(parts);
    }

    private int R(int n) => _rng.Next(n);
    private bool P(double p) => _rng.NextDouble() < p;
    private static string S(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string U(ulong v) => v.ToString(CultureInfo.InvariantCulture);

    private string Key() => R(14) == 0 ? ListKey : R(12) == 0 ? "missing-" + R(3) : Keys[R(Keys.Length)];

    /// <summary>A bit offset that is safe to write: mostly inside a few hundred bytes, sometimes up to 2^20 bits.</summary>
    private long WriteOffset() => R(10) switch
    {
        0 => R(1 << 20),
        1 => 63 + R(3) * 64,
        _ => R(700),
    };

    /// <summary>An offset argument for reads: also huge and out of range, and not integers.</summary>
    private string ReadOffset() => R(14) switch
    {
        0 => "4294967295",
        1 => "4294967296",
        2 => "-1",
        3 => s_badInts[R(s_badInts.Length)],
        4 => S(R(1 << 30)),
        _ => S(WriteOffset()),
    };

    /// <summary>A range index: near the string's bit and byte sizes, negative, or extreme.</summary>
    private string Index() => R(16) switch
    {
        0 => "9223372036854775807",
        1 => "-9223372036854775808",
        2 => s_badInts[R(s_badInts.Length)],
        3 => S(R(6000)),
        < 9 => S(R(80) - 40),
        _ => S(R(700) - 350),
    };

    private string Unit() => R(12) switch
    {
        0 => "bad",
        1 => "BIT",
        2 => "bYtE",
        < 7 => "bit",
        _ => "byte",
    };

    private void Next()
    {
        string k = Key();
        switch (R(100))
        {
            case < 14: SetBit(k); break;
            case < 20: Emit("GETBIT", k, ReadOffset()); break;
            case < 32: BitCount(k); break;
            case < 44: BitPos(k); break;
            case < 52: BitOp(); break;
            case < 70: BitField(k, readOnly: false); break;
            case < 75: BitField(k, readOnly: true); break;
            case < 80: Emit("SET", k, s_values[R(s_values.Length)]); break;
            case < 83: Emit("SET", k, S(R(20000) - 10000)); break; // int encoded: its decimal text is the bitmap
            case < 86: Emit("GET", k); break;
            case 86: Emit("STRLEN", k); break;
            case < 89: Emit("OBJECT", "ENCODING", k); break;
            case 89: Emit("DEL", k); break;
            case 90: Emit("EXPIRE", k, S(1000 + R(1000))); break;
            case 91: Emit("TTL", k); break;
            case 92: Transaction(k); break;
            case 93: Script(k); break;
            case 94: Emit("APPEND", k, s_values[R(s_values.Length)]); break;
            case 95: Emit("SETRANGE", k, S(R(100)), "xyz"); break;
            case 96:
                // BITOP may have overwritten the list: put it back.
                Emit("DEL", ListKey);
                Emit("RPUSH", ListKey, "x", "y");
                break;
            default: WrongArity(k); break;
        }
    }

    private void SetBit(string k)
    {
        // Only invalid offsets past the written range: a valid huge one would build 512 MB on each server.
        string offset = R(12) == 0 ? new[] { "4294967296", "-1", "18446744073709551616", s_badInts[R(s_badInts.Length)] }[R(4)] : S(WriteOffset());
        string value = R(12) switch
        {
            0 => "2",
            1 => "-1",
            2 => s_badInts[R(s_badInts.Length)],
            _ => S(R(2)),
        };
        Emit("SETBIT", k, offset, value);
    }

    private void BitCount(string k)
    {
        switch (R(10))
        {
            case 0: Emit("BITCOUNT", k); break;
            case 1: Emit("BITCOUNT", k, Index()); break; // 7.2: 0 for a missing key, else a syntax error
            case 2: Emit("BITCOUNT", k, Index(), Index(), Unit(), "extra"); break;
            case < 6: Emit("BITCOUNT", k, Index(), Index()); break;
            default: Emit("BITCOUNT", k, Index(), Index(), Unit()); break;
        }
    }

    private void BitPos(string k)
    {
        string bit = R(15) == 0 ? (P(0.5) ? "2" : "x") : S(R(2));
        switch (R(10))
        {
            case 0: Emit("BITPOS", k, bit); break;
            case 1: Emit("BITPOS", k, bit, Index()); break;
            case 2: Emit("BITPOS", k, bit, Index(), Index(), Unit(), "extra"); break;
            case < 6: Emit("BITPOS", k, bit, Index(), Index()); break;
            default: Emit("BITPOS", k, bit, Index(), Index(), Unit()); break;
        }
    }

    private void BitOp()
    {
        string op = R(20) switch
        {
            0 => "nand",
            1 => "And",
            _ => new[] { "AND", "OR", "XOR", "NOT", "and", "or", "xor", "not" }[R(8)],
        };
        int sources = op.Equals("not", StringComparison.OrdinalIgnoreCase) && R(8) != 0 ? 1 : 1 + R(4);
        var args = new List<string> { "BITOP", op, Key() };
        for (int i = 0; i < sources; i++)
            args.Add(Key());
        Emit(args.ToArray());
    }

    /// <summary>A type argument: mostly valid (every width), sometimes one 7.2 refuses.</summary>
    private (string text, bool signed, int bits) Type()
    {
        if (R(15) == 0)
        {
            string bad = new[] { "u64", "i65", "i0", "u0", "I8", "U8", "x8", "i", "u-1", "i8x", "" }[R(11)];
            return (bad, false, 8);
        }
        bool signed = P(0.5);
        int bits = R(4) switch
        {
            0 => signed ? 64 : 63,
            1 => 1 + R(8),
            _ => 1 + R(signed ? 64 : 63),
        };
        return ((signed ? "i" : "u") + S(bits), signed, bits);
    }

    /// <summary>A value near the limits of a field of <paramref name="bits"/> bits, or anywhere in 64 bits.</summary>
    private string FieldValue(bool signed, int bits)
    {
        long max = signed ? (bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1) : (bits == 64 ? long.MaxValue : (long)((1UL << bits) - 1));
        long min = signed ? -max - 1 : 0;
        return R(10) switch
        {
            0 => S(max),
            1 => S(min),
            2 => S(unchecked(max + 1)),
            3 => S(unchecked(min - 1)),
            4 => P(0.5) ? "9223372036854775807" : "-9223372036854775808",
            5 => S(R(7) - 3),
            6 => s_badInts[R(s_badInts.Length)],
            7 => S(unchecked((long)((ulong)_rng.NextInt64() << R(64)))),
            _ => S(R(512) - 256),
        };
    }

    private void BitField(string k, bool readOnly)
    {
        var args = new List<string> { readOnly ? "BITFIELD_RO" : "BITFIELD", k };
        int ops = R(5);
        for (int i = 0; i < ops; i++)
        {
            var (type, signed, bits) = Type();
            string offset = R(4) == 0 ? "#" + S(R(40)) : S(WriteOffset());
            int kind = readOnly ? (R(10) == 0 ? 1 + R(2) : 0) : R(4);
            if (kind == 0 && R(6) == 0)
                offset = R(3) == 0 ? "#" + S(R(1 << 20)) : ReadOffset(); // reads may look anywhere
            else if (R(40) == 0)
                offset = new[] { "#-1", "#", "-3", "x", "4294967296" }[R(5)];
            switch (kind)
            {
                case 0: args.AddRange(["GET", type, offset]); break;
                case 1: args.AddRange([P(0.5) ? "SET" : "set", type, offset, FieldValue(signed, bits)]); break;
                case 2: args.AddRange([P(0.5) ? "INCRBY" : "incrby", type, offset, FieldValue(signed, bits)]); break;
                default: args.AddRange(["OVERFLOW", R(12) == 0 ? "bad" : new[] { "WRAP", "SAT", "FAIL", "sat", "fail" }[R(5)]]); break;
            }
        }
        switch (R(25))
        {
            case 0: args.Add("GET"); break; // too few arguments for GET: a syntax error
            case 1: args.Add("OVERFLOW"); break;
            case 2: args.AddRange(["FROB", "u8", "0"]); break;
        }
        Emit(args.ToArray());
    }

    private void Transaction(string k)
    {
        Emit("MULTI");
        Emit("SETBIT", k, S(WriteOffset()), "1");
        Emit("BITFIELD", k, "INCRBY", "u8", "#0", "1", "GET", "u4", "0");
        Emit("BITCOUNT", k);
        Emit("EXEC");
    }

    private void Script(string k)
    {
        Emit("EVAL", "redis.call('SETBIT', KEYS[1], ARGV[1], 1) return {redis.call('BITCOUNT', KEYS[1]), redis.call('BITPOS', KEYS[1], 0), redis.call('BITFIELD', KEYS[1], 'GET', 'i5', ARGV[1])}",
            "1", k, S(WriteOffset()));
    }

    private void WrongArity(string k)
    {
        switch (R(6))
        {
            case 0: Emit("SETBIT", k, "1"); break;
            case 1: Emit("GETBIT", k); break;
            case 2: Emit("BITCOUNT"); break;
            case 3: Emit("BITPOS", k); break;
            case 4: Emit("BITOP", "AND", k); break;
            default: Emit("BITFIELD_RO"); break;
        }
    }
}
