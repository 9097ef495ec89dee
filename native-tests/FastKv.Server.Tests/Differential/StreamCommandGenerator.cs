using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random command streams over a few stream keys, for differential runs: XADD with explicit, "ms" and "ms-*"
/// IDs (never "*", whose IDs come from each server's clock), NOMKSTREAM, MAXLEN/MINID with "=", "~" and LIMIT, and the
/// ID errors; XDEL, XTRIM, XRANGE/XREVRANGE with "-", "+", incomplete and "(" bounds and COUNT; XREAD (no BLOCK) over
/// several keys with "$"; XINFO STREAM [FULL]; XSETID; XLEN; node limits lowered with CONFIG SET (stream-node-max-entries,
/// -bytes, restored at the start of every stream) so nodes split at both limits; WRONGTYPE through a string key; DEL,
/// RENAME and COPY across keys (and shards); TYPE and OBJECT ENCODING.
/// </summary>
public sealed class StreamCommandGenerator
{
    /// <summary>Stream keys (spread over shards; the {s} pair shares one) and the string key.</summary>
    public static readonly string[] StreamKeys = ["s1", "s2", "s3", "{s}a", "{s}b"];
    public const string StringKey = "str";

    private static readonly string[] s_fields = ["a", "b", "c", "10", "-3", "0", "field", "", "x y", "\0\r\n", new string('f', 70)];
    private static readonly string[] s_values = ["v", "1", "123456", "-9", "", "9223372036854775807", "1.5", "hello world", new string('y', 90), new string('z', 700)];

    private readonly Random _rng;
    private readonly List<byte[][]> _out = new();
    private long _ms = 1;

    public StreamCommandGenerator(int seed) => _rng = new Random(seed);

    public List<byte[][]> Generate(int count)
    {
        _out.Clear();
        Emit("FLUSHALL");
        Emit("SELECT", "0");
        Emit("CONFIG", "SET", "stream-node-max-entries", "100");
        Emit("CONFIG", "SET", "stream-node-max-bytes", "4096");
        while (_out.Count < count)
            Next();
        return new List<byte[][]>(_out);
    }

    private void Emit(params string[] args)
    {
        var parts = new byte[args.Length][];
        for (int i = 0; i < args.Length; i++)
            parts[i] = Encoding.Latin1.GetBytes(args[i]);
        _out.Add(parts);
    }

    private int R(int n) => _rng.Next(n);
    private bool P(double p) => _rng.NextDouble() < p;
    private static string S(long v) => v.ToString(CultureInfo.InvariantCulture);
    private string Key() => R(25) == 0 ? StringKey : StreamKeys[R(StreamKeys.Length)];
    private string OldId() => $"{S(R((int)_ms + 1))}-{S(R(4))}";

    /// <summary>A range bound: "-", "+", an incomplete or whole ID, sometimes exclusive, sometimes invalid.</summary>
    private string Bound()
    {
        string b = R(10) switch
        {
            0 => "-",
            1 => "+",
            2 => S(R((int)_ms + 2)),
            3 when P(0.2) => "abc",
            _ => OldId(),
        };
        return P(0.15) ? "(" + b : b;
    }

    private void Next()
    {
        string k = Key();
        switch (R(100))
        {
            case < 40: XAdd(k); break;
            case < 48: Emit(["XDEL", k, .. Ids(1 + R(4))]); break;
            case < 54: XTrim(k); break;
            case < 66: Range(k); break;
            case < 74: XRead(); break;
            case < 79: Emit(P(0.5) ? ["XINFO", "STREAM", k] : P(0.5) ? ["XINFO", "STREAM", k, "FULL"] : ["XINFO", "STREAM", k, "FULL", "COUNT", S(R(5))]); break;
            case < 82: Emit("XLEN", k); break;
            case < 85: XSetId(k); break;
            case < 88: Thresholds(); break;
            case < 90: Emit("TYPE", k); break;
            case < 92: Emit("OBJECT", "ENCODING", k); break;
            case < 93: Emit("DEL", k); break;
            case < 94: Emit("RENAME", k, Key()); break;
            case < 95: Emit("COPY", k, Key(), "REPLACE"); break;
            case < 96: Emit("SET", StringKey, "x"); break;
            default: Emit("XLEN", k); break;
        }
    }

    private string[] Ids(int n)
    {
        var ids = new string[n];
        for (int i = 0; i < n; i++) ids[i] = P(0.05) ? "-" : P(0.03) ? "1-x" : OldId();
        return ids;
    }

    private void XAdd(string k)
    {
        var a = new List<string> { "XADD", k };
        if (P(0.08)) a.Add("NOMKSTREAM");
        if (P(0.25)) Trim(a);
        _ms += R(3);
        a.Add(R(12) switch
        {
            < 5 => $"{S(_ms)}-{S(R(4))}",
            < 8 => $"{S(_ms)}-*",
            8 => S(_ms),
            9 => P(0.5) ? "0-0" : "0-*",
            10 => "18446744073709551615-18446744073709551615",
            _ => OldId(),
        });
        int pairs = 1 + R(3);
        bool master = P(0.6);
        for (int i = 0; i < pairs; i++)
        {
            a.Add(master ? s_fields[i] : s_fields[R(s_fields.Length)]);
            a.Add(s_values[R(s_values.Length)]);
        }
        if (R(30) == 0) a.RemoveAt(a.Count - 1); // an odd count: arity error
        Emit(a.ToArray());
    }

    /// <summary>MAXLEN|MINID [=|~] threshold [LIMIT n], sometimes malformed.</summary>
    private void Trim(List<string> a)
    {
        bool maxlen = P(0.6);
        a.Add(maxlen ? "MAXLEN" : "MINID");
        if (P(0.6)) a.Add(P(0.6) ? "~" : "=");
        a.Add(maxlen ? S(R(40) - (P(0.03) ? 5 : 0)) : $"{S(R((int)_ms + 1))}-{S(R(3))}");
        if (P(0.3)) a.AddRange(["LIMIT", S(R(60) - (P(0.03) ? 2 : 0))]);
    }

    private void XTrim(string k)
    {
        var a = new List<string> { "XTRIM", k };
        if (P(0.95)) Trim(a);
        Emit(a.ToArray());
    }

    private void Range(string k)
    {
        bool rev = P(0.4);
        var a = new List<string> { rev ? "XREVRANGE" : "XRANGE", k, Bound(), Bound() };
        if (P(0.4)) a.AddRange(["COUNT", S(R(10) - 1)]);
        if (P(0.03)) a.Add("JUNK");
        Emit(a.ToArray());
    }

    private void XRead()
    {
        int n = 1 + R(3);
        var keys = new List<string>();
        while (keys.Count < n)
        {
            string k = StreamKeys[R(StreamKeys.Length)];
            if (!keys.Contains(k)) keys.Add(k);
        }
        var a = new List<string> { "XREAD" };
        if (P(0.4)) a.AddRange(["COUNT", S(R(6))]);
        a.Add("STREAMS");
        a.AddRange(keys);
        foreach (string _ in keys) a.Add(P(0.2) ? "$" : P(0.3) ? "0" : OldId());
        Emit(a.ToArray());
    }

    private void XSetId(string k)
    {
        var a = new List<string> { "XSETID", k, $"{S(_ms + R(3) - 1)}-{S(R(5))}" };
        if (P(0.3)) a.AddRange(["ENTRIESADDED", S(R(200))]);
        if (P(0.3)) a.AddRange(["MAXDELETEDID", OldId()]);
        Emit(a.ToArray());
    }

    private void Thresholds()
    {
        if (P(0.5)) Emit("CONFIG", "SET", "stream-node-max-entries", S(new[] { 0, 1, 2, 3, 5, 10, 100 }[R(7)]));
        else Emit("CONFIG", "SET", "stream-node-max-bytes", S(new[] { 0, 1, 60, 200, 1000, 4096 }[R(6)]));
    }
}
