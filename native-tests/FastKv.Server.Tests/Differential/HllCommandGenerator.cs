using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random command streams for HyperLogLog over a few keys (a hash-tagged group on one slot, plain keys on
/// different shards, a binary key): PFADD in small and large batches from a pool of 20,000 elements, so sketches
/// grow through the sparse/dense boundary, with hll-sparse-max-bytes moved between low values and the default;
/// PFCOUNT of one key (the cache) and of several, PFMERGE, GET of the raw value, PFDEBUG, the values SETRANGE and
/// APPEND corrupt (header bytes, opcodes, bytes past the end), strings that are not sketches, a list (WRONGTYPE),
/// MULTI/EXEC, and the errors of each command.
/// </summary>
public sealed class HllCommandGenerator
{
    public static readonly string[] Keys = ["{h}1", "{h}2", "{h}3", "hll:a", "hll:b", "hll:c", "hll:d", "bin\0hll\r\n"];

    /// <summary>A string that is not a sketch, and a list.</summary>
    public const string StringKey = "plain-string", ListKey = "a-list";

    private static readonly string[] s_sparseLimits = ["0", "30", "100", "300", "1000", "3000", "3000", "3000", "6000", "3kb"];

    private readonly Random _rng;
    private readonly List<byte[][]> _out = new();

    public HllCommandGenerator(int seed) => _rng = new Random(seed);

    public List<byte[][]> Generate(int count)
    {
        _out.Clear();
        Emit("FLUSHALL");
        Emit("CONFIG", "SET", "hll-sparse-max-bytes", "3000");
        Emit("SET", StringKey, "HYLL but not really one");
        Emit("RPUSH", ListKey, "x");
        while (_out.Count < count)
            Next();
        Emit("CONFIG", "SET", "hll-sparse-max-bytes", "3000");
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

    private string Key() => R(15) == 0 ? StringKey : R(25) == 0 ? ListKey : R(15) == 0 ? "missing-" + R(3) : Keys[R(Keys.Length)];

    /// <summary>The keys that hold sketches (or nothing), for the commands that should mostly succeed.</summary>
    private string HllKey() => Keys[R(Keys.Length)];

    private string[] KeysList(int min, int max)
    {
        var ks = new string[min + R(max - min + 1)];
        for (int i = 0; i < ks.Length; i++)
            ks[i] = P(0.85) ? HllKey() : Key();
        return ks;
    }

    /// <summary>Elements: mostly from a shared pool (so adds repeat and keys overlap), sometimes binary or empty.</summary>
    private string[] Elements()
    {
        int n = R(10) switch
        {
            0 => 0,
            < 7 => 1 + R(12),
            < 9 => 40 + R(200),
            _ => 300 + R(700),
        };
        var e = new string[n];
        for (int i = 0; i < n; i++)
            e[i] = R(40) == 0 ? (R(2) == 0 ? "" : "\0\xff\r\n" + S(R(100))) : "e" + S(R(20000));
        return e;
    }

    private void Next()
    {
        string k = HllKey();
        switch (R(100))
        {
            case < 38: Emit(["PFADD", P(0.95) ? k : Key(), .. Elements()]); break;
            case < 52: Emit("PFCOUNT", P(0.9) ? k : Key()); break;
            case < 58: Emit(["PFCOUNT", .. KeysList(2, 5)]); break;
            case < 64: Emit(["PFMERGE", P(0.9) ? k : Key(), .. KeysList(0, 4)]); break;
            case < 72: Emit("GET", k); break;
            case < 75: Emit("PFDEBUG", "ENCODING", P(0.9) ? k : Key()); break;
            case < 78: Emit("PFDEBUG", "DECODE", P(0.9) ? k : Key()); break;
            case < 80: Emit("PFDEBUG", "TODENSE", P(0.9) ? k : Key()); break;
            case 80: Emit("PFDEBUG", "GETREG", k); break;
            case < 85: Corrupt(k); break;
            case < 87: Emit("CONFIG", "SET", "hll-sparse-max-bytes", s_sparseLimits[R(s_sparseLimits.Length)]); break;
            case < 89: Emit("OBJECT", "ENCODING", k); break;
            case 89: Emit("STRLEN", k); break;
            case < 92: Emit("DEL", k); break;
            case 92: NotASketch(k); break;
            case 93: Transaction(); break;
            case 94: Errors(k); break;
            case 95: Emit("COPY", k, HllKey(), "REPLACE"); break;
            default: Emit(["PFADD", k, .. Elements()]); break;
        }
    }

    /// <summary>SETRANGE or APPEND over a sketch: its header (magic, encoding, cache), its opcodes, or past its end.</summary>
    private void Corrupt(string k)
    {
        int offset = R(4) switch
        {
            0 => R(16),
            1 => 16 + R(16),
            2 => 16 + R(400),
            _ => R(3) == 0 ? 12304 + R(3) - 1 : 16 + R(3000),
        };
        var patch = new StringBuilder();
        int n = 1 + R(3);
        for (int i = 0; i < n; i++)
            patch.Append((char)R(256));
        if (R(8) == 0) Emit("APPEND", k, patch.ToString());
        else Emit("SETRANGE", k, S(offset), patch.ToString());
    }

    private void NotASketch(string k)
    {
        switch (R(4))
        {
            case 0: Emit("SET", k, "HYLL"); break;
            case 1: Emit("SET", k, "HYLL\x02" + new string('\0', 20)); break;
            case 2: Emit("SET", k, "HYLL\0" + new string('\0', 11)); break; // dense of the wrong length
            default: Emit("SET", k, "12345678901234567"); break;
        }
    }

    private void Transaction()
    {
        string a = Keys[R(3)], b = Keys[R(3)];
        Emit("MULTI");
        Emit(["PFADD", a, .. Elements()]);
        Emit("PFCOUNT", a);
        Emit("PFMERGE", b, a);
        Emit("PFCOUNT", a, b);
        Emit("EXEC");
    }

    private void Errors(string k)
    {
        switch (R(6))
        {
            case 0: Emit("PFADD"); break;
            case 1: Emit("PFCOUNT"); break;
            case 2: Emit("PFMERGE"); break;
            case 3: Emit("PFDEBUG", "ENCODING"); break;
            case 4: Emit("PFDEBUG", P(0.5) ? "NOSUCH" : "dec\r\node", k); break;
            default: Emit("PFDEBUG", "ENCODING", k, "extra"); break;
        }
    }
}
