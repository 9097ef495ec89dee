using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random list command streams for differential runs: every non-blocking list command over a
/// few keys, with negative and out-of-range indexes, wrong types, keys emptied (and so deleted) by pops,
/// trims and removals, binary, empty, integer-looking and large (10k) values, pushes big enough to cross
/// the fill limits and pops and trims that shrink lists back, fill changes, and the errors of every
/// option. OBJECT ENCODING is compared once, for every key, at the end of a stream (ListDifferentialTests);
/// ListEncodingTests asserts the conversion rules step by step.
/// </summary>
public sealed class ListCommandGenerator
{
    /// <summary>Hash-tagged keys share a slot; the plain ones spread over the shards (cross-shard moves).</summary>
    public static readonly string[] Keys = ["{l}a", "{l}b", "{l}c", "la", "lb", "lc", "ld", "bin\0list\r\n"];

    /// <summary>Holds a string, so list commands on it must answer WRONGTYPE.</summary>
    private const string StringKey = "{l}str";

    private static readonly string[] s_values =
    [
        "", "a", "b", "c", "a", "hello", "0", "1", "-1", "42", "127", "128", "-4096", "4096", "32767", "-32768",
        "8388607", "2147483648", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "007", "-0", "+1", " 1", "3.5", "1e3", "\0\u00ff\r\n", "x\r\ny", new string('m', 63), new string('n', 64),
        new string('o', 200),
    ];

    private static readonly string s_large = new string('L', 10000);
    private static readonly string s_chunk = new string('C', 4000);
    private static readonly string[] s_fills = ["-2", "-2", "-1", "1", "2", "4", "128", "0", "-5"];

    private readonly Random _rng;
    private readonly bool _resp3;
    private readonly List<byte[][]> _out = new();

    public ListCommandGenerator(int seed, bool resp3)
    {
        _rng = new Random(seed);
        _resp3 = resp3;
    }

    public List<byte[][]> Generate(int count)
    {
        _out.Clear();
        Emit("FLUSHALL");
        Emit("CONFIG", "SET", "list-max-listpack-size", "-2");
        if (_resp3) Emit("HELLO", "3");
        Emit("SET", StringKey, "not a list");
        while (_out.Count < count)
            Next();
        Emit("CONFIG", "SET", "list-max-listpack-size", "-2");
        foreach (string k in Keys)
        {
            Emit("TYPE", k);
            Emit("LRANGE", k, "0", "-1");
        }
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

    /// <summary>Mostly list keys; now and then the string key or a key that never exists.</summary>
    private string Key() => P(0.06) ? StringKey : P(0.04) ? "nokey" : Keys[R(Keys.Length)];

    private string Value() => R(100) switch
    {
        < 2 => s_large,
        < 5 => s_chunk,
        _ => s_values[R(s_values.Length)],
    };

    /// <summary>An index around the lists' sizes: in range either way, just past the ends, huge, or not a number.</summary>
    private string Index() => R(20) switch
    {
        0 => "x",
        1 => S(long.MaxValue),
        2 => S(long.MinValue),
        3 => S(R(400)),
        4 => "-" + S(R(400)),
        < 12 => S(R(8)),
        _ => S(-1 - R(8)),
    };

    private string Where() => R(20) switch { 0 => "middle", 1 => "Left", 2 => "RIGHT", < 11 => "LEFT", _ => "right" };

    private string[] Values(int min, int max)
    {
        var vs = new string[min + R(max - min + 1)];
        for (int i = 0; i < vs.Length; i++) vs[i] = Value();
        return vs;
    }

    private void EmitWith(string[] head, string[] tail)
    {
        var all = new string[head.Length + tail.Length];
        head.CopyTo(all, 0);
        tail.CopyTo(all, head.Length);
        Emit(all);
    }

    private void Next()
    {
        int op = R(100);
        switch (op)
        {
            case < 18:
                EmitWith([P(0.5) ? "LPUSH" : "RPUSH", Key()], Values(1, 6));
                break;
            case < 21:
            {
                // A burst of small or medium values: crosses the fill limits (quicklist in 7.2 terms).
                string v = P(0.5) ? "e" : new string('M', 100);
                var vs = new string[40 + R(120)];
                for (int i = 0; i < vs.Length; i++) vs[i] = i % 7 == 0 ? S(i) : v;
                EmitWith([P(0.5) ? "LPUSH" : "RPUSH", Key()], vs);
                break;
            }
            case < 24:
                EmitWith([P(0.5) ? "LPUSHX" : "RPUSHX", Key()], Values(1, 3));
                break;
            case < 33:
                Pop();
                break;
            case < 36:
                Emit("LLEN", Key());
                break;
            case < 41:
                Emit("LINDEX", Key(), Index());
                break;
            case < 48:
                Emit("LRANGE", Key(), Index(), Index());
                break;
            case < 52:
                Emit("LSET", Key(), Index(), Value());
                break;
            case < 57:
                Emit("LINSERT", Key(), R(12) switch { 0 => "middle", < 6 => "BEFORE", _ => "after" }, Value(), Value());
                break;
            case < 62:
                Emit("LREM", Key(), R(10) == 0 ? "x" : S(R(7) - 3), Value());
                break;
            case < 66:
                Emit("LTRIM", Key(), Index(), Index());
                break;
            case < 72:
                LPos();
                break;
            case < 79:
                Emit("LMOVE", Key(), P(0.2) ? "{l}a" : Key(), Where(), Where());
                break;
            case < 83:
                Emit("RPOPLPUSH", Key(), P(0.3) ? "{l}b" : Key());
                break;
            case < 89:
                LMPop();
                break;
            case < 91:
                Emit("CONFIG", "SET", "list-max-listpack-size", s_fills[R(s_fills.Length)]);
                break;
            case < 93:
                Emit("DEL", Key());
                break;
            case < 95:
                Emit(P(0.5) ? "EXISTS" : "TYPE", Key());
                break;
            case < 96:
                // Turns a list into a string now and then; later list commands on it answer WRONGTYPE.
                Emit("SET", Keys[R(Keys.Length)], "s");
                break;
            case < 98:
                Arity();
                break;
            default:
                Emit("COPY", Keys[R(3)], Keys[R(3)], "REPLACE");
                break;
        }
    }

    private void Pop()
    {
        string cmd = P(0.5) ? "LPOP" : "RPOP";
        switch (R(10))
        {
            case < 5: Emit(cmd, Key()); break;
            case 5: Emit(cmd, Key(), "0"); break;
            case 6: Emit(cmd, Key(), R(3) == 0 ? "-1" : R(2) == 0 ? "x" : "1.5"); break;
            case 7: Emit(cmd, Key(), S(1000 + R(100))); break;
            default: Emit(cmd, Key(), S(1 + R(5))); break;
        }
    }

    private void LPos()
    {
        var args = new List<string> { "LPOS", Key(), P(0.8) ? s_values[R(6)] : Value() };
        int options = R(4);
        for (int i = 0; i < options; i++)
        {
            switch (R(12))
            {
                case < 3: args.Add("RANK"); args.Add(R(6) switch { 0 => "0", 1 => "x", 2 => P(0.5) ? S(-9223372036854775807) : "-9223372036854775808", _ => S(R(7) - 3) }); break;
                case < 6: args.Add("COUNT"); args.Add(R(6) switch { 0 => "-1", 1 => "y", _ => S(R(4)) }); break;
                case < 9: args.Add("MAXLEN"); args.Add(R(6) switch { 0 => "-2", 1 => "z", _ => S(R(30)) }); break;
                case 9: args.Add("rank"); break; // no value: syntax error
                default: args.Add("FOO"); args.Add("1"); break;
            }
        }
        Emit(args.ToArray());
    }

    private void LMPop()
    {
        int n = 1 + R(3);
        var args = new List<string> { "LMPOP" };
        switch (R(14))
        {
            case 0: args.Add("0"); break;
            case 1: args.Add("-1"); break;
            case 2: args.Add("x"); break;
            case 3: args.Add(S(n + 2)); break; // more keys than given: syntax error
            default: args.Add(S(n)); break;
        }
        for (int i = 0; i < n; i++) args.Add(Key());
        args.Add(Where());
        switch (R(10))
        {
            case < 4: break;
            case < 7: args.Add("COUNT"); args.Add(S(1 + R(6))); break;
            case 7: args.Add("COUNT"); args.Add(R(2) == 0 ? "0" : "-3"); break;
            case 8: args.Add("COUNT"); break;
            default: args.Add("COUNT"); args.Add("1"); args.Add("COUNT"); args.Add("2"); break;
        }
        Emit(args.ToArray());
    }

    private void Arity()
    {
        string[][] wrong =
        [
            ["LPUSH", "la"], ["RPUSHX"], ["LPOP"], ["LPOP", "la", "1", "2"], ["LLEN"], ["LLEN", "la", "lb"],
            ["LINDEX", "la"], ["LRANGE", "la", "0"], ["LSET", "la", "0"], ["LINSERT", "la", "before", "a"],
            ["LREM", "la", "0"], ["LTRIM", "la", "0"], ["LPOS", "la"], ["LMOVE", "la", "lb", "left"],
            ["RPOPLPUSH", "la"], ["LMPOP", "1", "la"],
        ];
        Emit(wrong[R(wrong.Length)]);
    }
}
