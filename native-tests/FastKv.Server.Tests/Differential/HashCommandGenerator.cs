using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random command streams over a few hash keys, for differential runs: every hash command with
/// small, large, binary and integer-looking fields and values; HINCRBY/HINCRBYFLOAT at their edges;
/// both encodings and the crossing between them (the thresholds are lowered with CONFIG SET, sent to both
/// servers, and restored at the start of every stream); WRONGTYPE through a string key; DEL, EXISTS, TYPE,
/// OBJECT ENCODING (whose hash names 7.0 and 7.2 share), RENAME and COPY across keys (and shards).
///
/// What keeps replies comparable: HRANDFIELD and table-ordered replies go through
/// <see cref="UnorderedReplies"/>; HSCAN always starts at cursor 0 (cursors are each server's own), and a
/// COUNT at least as large as any hash here is common, so whole walks are compared by content.
/// </summary>
public sealed class HashCommandGenerator
{
    /// <summary>Hash keys (spread over shards; the {h} pair shares one), the string key, and the big one.</summary>
    public static readonly string[] HashKeys = ["h1", "h2", "h3", "{h}a", "{h}b", "user:1000", "bin\0hash\r\n"];
    public const string StringKey = "str";
    public const string BigKey = "big";

    private static readonly string[] s_fields =
    [
        "f0", "f1", "f2", "f3", "f4", "f5", "name", "email", "age", "", "0", "1", "-1", "42", "007", "-0",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "4096", "-4097", "1.5", " 1",
        "a b", "\0\u00ff", "field:\r\n", "12345678", "123456789", new string('F', 20), new string('G', 64), new string('H', 65),
    ];

    private static readonly string[] s_values =
    [
        "", "0", "1", "-1", "7", "127", "128", "-4096", "4095", "32767", "-32768", "8388607", "2147483648",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "3.5", "-0.25", "1e3", " 12",
        "12 ", "0x10", "007", "abc", "hello world", "\0\u00ff\r\n\t", new string('v', 8), new string('v', 9),
        new string('w', 64), new string('w', 65), new string('z', 200), new string('y', 5000),
    ];

    private static readonly string[] s_intIncrements =
    [
        "1", "-1", "0", "5", "-100", "1000000", "9223372036854775807", "-9223372036854775808", "4611686018427387904",
        "abc", "1.5", "", " 1", "99999999999999999999",
    ];

    private static readonly string[] s_floatIncrements =
    [
        "1", "0.5", "-0.25", "1.5", "-2.75", "10", "0.1", "2.3", "-1.1", "1e3", "5.0e-3", "1e308", "-1e308",
        "1e4931", "3", "0x10", "abc", "", "inf", "-inf", "nan", " 1", "1e-20", "123557.5",
    ];

    private static readonly string[] s_patterns = ["*", "f*", "f?", "*e*", "[0-9]*", "-*", "nomatch", "\0*", "*\\*", "[a-f]?"];

    private readonly Random _rng;
    private readonly List<byte[][]> _out = new();

    public HashCommandGenerator(int seed) => _rng = new Random(seed);

    public List<byte[][]> Generate(int count)
    {
        _out.Clear();
        Emit("FLUSHALL");
        Emit("SELECT", "0");
        Emit("CONFIG", "SET", "hash-max-listpack-entries", "512");
        Emit("CONFIG", "SET", "hash-max-listpack-value", "64");
        while (_out.Count < count)
            Next();
        return new List<byte[][]>(_out);
    }

    private void Emit(params string[] args)
    {
        var parts = new byte[args.Length][];
        for (int i = 0; i < args.Length; i++)
            parts[i] = Encoding.Latin1.GetBytes(args[i]); // Latin-1: one byte per char, binary-safe
        _out.Add(parts);
    }

    private int R(int n) => _rng.Next(n);
    private bool P(double p) => _rng.NextDouble() < p;
    private static string S(long v) => v.ToString(CultureInfo.InvariantCulture);
    private string Key() => R(20) == 0 ? StringKey : R(8) == 0 ? BigKey : HashKeys[R(HashKeys.Length)];
    private string Field() => s_fields[R(s_fields.Length)];
    private string Value() => R(3) == 0 ? S(R(2000) - 1000) : s_values[R(s_values.Length)];

    private string[] Fields(int min, int max)
    {
        var fs = new string[min + R(max - min + 1)];
        for (int i = 0; i < fs.Length; i++)
            fs[i] = Field();
        return fs;
    }

    private void Next()
    {
        string k = Key();
        switch (R(100))
        {
            case < 14: HSet(k, P(0.2) ? "HMSET" : "HSET"); break;
            case < 16: Emit("HSETNX", k, Field(), Value()); break;
            case < 24: Emit("HGET", k, Field()); break;
            case < 27: Emit(["HMGET", k, .. Fields(1, 5)]); break;
            case < 33: Emit(["HDEL", k, .. Fields(1, 4)]); break;
            case < 35: Emit("HEXISTS", k, Field()); break;
            case < 37: Emit("HLEN", k); break;
            case < 39: Emit("HSTRLEN", k, Field()); break;
            case < 43: Emit("HINCRBY", k, P(0.5) ? "n" : Field(), s_intIncrements[R(s_intIncrements.Length)]); break;
            case < 47: Emit("HINCRBYFLOAT", k, P(0.5) ? "x" : Field(), s_floatIncrements[R(s_floatIncrements.Length)]); break;
            case < 50: Emit(new[] { "HKEYS", "HVALS", "HGETALL" }[R(3)], k); break;
            case < 55: HRandField(k); break;
            case < 59: HScan(k); break;
            case < 62: Grow(k); break;
            case < 65: Thresholds(); break;
            case < 68: Emit("OBJECT", "ENCODING", k); break;
            case < 70: Emit("TYPE", k); break;
            case < 72: Emit("EXISTS", k); break;
            case < 74: Emit("DEL", k); break;
            case < 76: Emit(P(0.7) ? "RENAME" : "RENAMENX", k, Key()); break;
            case < 78: Emit(P(0.5) ? ["COPY", k, Key()] : ["COPY", k, Key(), "REPLACE"]); break;
            case < 80: StringKeyOps(); break;
            case < 82: WrongArity(k); break;
            case < 84: Emit("HGETALL", k); break;
            default: Emit("HGET", k, Field()); break;
        }
    }

    private void HSet(string k, string name)
    {
        var args = new List<string> { name, k };
        int pairs = 1 + R(4);
        for (int i = 0; i < pairs; i++)
            args.AddRange([Field(), Value()]);
        if (R(20) == 0)
            args.RemoveAt(args.Count - 1); // odd count: arity error
        Emit(args.ToArray());
    }

    /// <summary>Many new fields at once: crosses the entry threshold, and grows the big hash into many table segments.</summary>
    private void Grow(string k)
    {
        string key = P(0.5) ? BigKey : k;
        int n = key == BigKey ? 20 + R(120) : 3 + R(10);
        int start = R(2000);
        var args = new List<string> { "HSET", key };
        for (int i = 0; i < n; i++)
            args.AddRange(["g" + S(start + i), P(0.5) ? S(start * 7 + i) : "val-" + S(i)]);
        Emit(args.ToArray());
        if (P(0.3))
            Emit("HLEN", key);
    }

    /// <summary>Lower (or restore) the listpack limits on both servers: the conversion happens on the next growth.</summary>
    private void Thresholds()
    {
        if (P(0.5))
            Emit("CONFIG", "SET", "hash-max-listpack-entries", R(4) == 0 ? "512" : S(R(9)));
        else
            Emit("CONFIG", "SET", "hash-max-listpack-value", R(4) == 0 ? "64" : S(R(17)));
    }

    private void HRandField(string k)
    {
        switch (R(8))
        {
            case 0: Emit("HRANDFIELD", k); break;
            case 1: Emit("HRANDFIELD", k, S(R(12))); break;
            case 2: Emit("HRANDFIELD", k, S(R(12)), "WITHVALUES"); break;
            case 3: Emit("HRANDFIELD", k, S(-1 - R(20))); break;
            case 4: Emit("HRANDFIELD", k, S(-1 - R(20)), "WITHVALUES"); break;
            case 5: Emit("HRANDFIELD", k, "100000", P(0.5) ? "WITHVALUES" : "withvalues"); break;
            case 6:
                string[][] bad =
                [
                    ["HRANDFIELD", k, "abc"], ["HRANDFIELD", k, "1", "WITHSCORES"], ["HRANDFIELD", k, "1", "WITHVALUES", "x"],
                    ["HRANDFIELD", k, "-9223372036854775808"], ["HRANDFIELD", k, "4611686018427387904", "WITHVALUES"],
                    ["HRANDFIELD", k, "0"],
                ];
                Emit(bad[R(bad.Length)]);
                break;
            default: Emit("HRANDFIELD", k, "1"); break;
        }
    }

    private void HScan(string k)
    {
        // Cursors are each server's own: only 0 (or what parses as 0, or an invalid one) is comparable.
        var args = new List<string> { "HSCAN", k, R(10) == 0 ? new[] { "abc", "", "+0", " 0" }[R(4)] : "0" };
        if (P(0.5))
            args.AddRange(["MATCH", s_patterns[R(s_patterns.Length)]]);
        if (P(0.6))
            args.AddRange(["COUNT", P(0.7) ? "100000" : S(1 + R(20))]);
        if (R(12) == 0)
            args.AddRange(new[] { new[] { "COUNT", "0" }, new[] { "TYPE", "hash" }, new[] { "COUNT", "x" }, new[] { "MATCH" } }[R(4)]);
        Emit(args.ToArray());
    }

    private void StringKeyOps()
    {
        switch (R(4))
        {
            case 0: Emit("SET", StringKey, Value()); break;
            case 1: Emit("GET", P(0.5) ? StringKey : HashKeys[R(HashKeys.Length)]); break;
            case 2: Emit("APPEND", HashKeys[R(HashKeys.Length)], "x"); break;
            default: Emit("SET", HashKeys[R(HashKeys.Length)], Value()); break;
        }
    }

    private void WrongArity(string k)
    {
        string[][] cases =
        [
            ["HSET", k], ["HSET", k, "f"], ["HMSET", k, "f"], ["HSETNX", k, "f"], ["HGET", k], ["HMGET", k], ["HDEL", k],
            ["HEXISTS", k], ["HLEN"], ["HSTRLEN", k], ["HINCRBY", k, "f"], ["HINCRBYFLOAT", k, "f"], ["HKEYS"],
            ["HVALS", k, "x"], ["HGETALL"], ["HRANDFIELD"], ["HSCAN", k],
        ];
        Emit(cases[R(cases.Length)]);
    }
}
