using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random SORT / SORT_RO streams: lists, sets (an intset, small and large string sets) and sorted
/// sets (listpack and skiplist) over a pool of numeric and word elements; per element a string weight
/// <c>w_&lt;elem&gt;</c> (numbers with ties, some missing, some that strtod rejects), a string
/// <c>a_&lt;elem&gt;</c> whose value no other a_ key holds (so ALPHA sorts BY a_* are mostly free of ties and
/// compared exactly), an object <c>o_&lt;elem&gt;</c> and a hash <c>h_&lt;elem&gt;</c> with fields f and g.
/// Each SORT takes options in random order: ASC/DESC, ALPHA, LIMIT (negative, huge, zero), BY (weights, hash fields, "nosort", patterns
/// naming wrong types), GET (#, objects, fields, a pattern without '*'), STORE into a destination that is then
/// read back, repeated options, syntax errors, wrong types and missing keys. Data and weights change between
/// sorts, and COMMAND GETKEYS is asked of well-formed sorts.
///
/// What stays out, because the two servers may legitimately disagree:
/// - values that make strtod set ERANGE (1e400, subnormals): 7.0's sort.c never clears errno, so one such
///   value makes later sorts on the same connection fail until some system call resets it (checked on the
///   oracle); SortCommandTests asserts those values;
/// - NUL bytes in any value: a weight read by GET and stored becomes an element of a later sort, and 7.0
///   compares elements and ALPHA values with strcoll, which stops at NUL (the scripted test has a NUL weight);
/// - OBJECT ENCODING: 7.0 calls small lists quicklist, and Redis (7.0 and 7.2 alike) converts every sorted
///   set it sorts to a skiplist, which FastKv does not do (a sorted set's encoding is not changed by a read);
/// - STORE into a set key, so that set keys stay sets (their walk order is unordered, see
///   <see cref="SortDifferentialTests"/>).
/// Before every ALPHA sort BY a pattern the stream has a probe, <c>SORT_RO key BY nosort GET # GET pattern</c>,
/// whose reply tells the test whether two elements compare equal (their order is then unspecified).
/// The element strings are Latin-1: one char per byte, the high ones invalid UTF-8 (C.UTF-8 strcoll orders them by byte).
/// </summary>
public sealed class SortCommandGenerator
{
    public static readonly string[] ListKeys = ["sl:num", "sl:mix", "sl:big"];
    public static readonly string[] SetKeys = ["ss:int", "ss:word", "ss:num", "ss:big"];
    public static readonly string[] ZSetKeys = ["sz:a", "sz:word", "sz:big"];
    public static readonly string[] DestKeys = ["dst:1", "dst:2", "{sl:num}dst"];

    private static readonly string[] s_numbers =
    [
        "0", "1", "2", "3", "5", "7", "10", "11", "20", "42", "-1", "-3", "100", "007", "3.5", "-2.25", "1e2",
        "0x10", " 4", "1.0", "9223372036854775807", "-9223372036854775808", "inf", "-0",
    ];

    private static readonly string[] s_words =
    [
        "a", "b", "c", "apple", "Apple", "banana", "cherry", "x y", "B", "zed", "_u", "10a", "m\u00e9", "\u00ff", "str",
    ];

    /// <summary>Weights: ties among small integers, decimals, strtod's forms, and text strtod rejects.</summary>
    private static readonly string[] s_weights =
    [
        "0", "1", "1", "2", "2", "3", "5", "-1", "2.5", "1e1", " 3", "-inf", "inf", "0x1A", "", "+.5", "-0", "007",
        "123456789",
    ];

    private static readonly string[] s_badWeights = ["abc", "3 ", "   ", "nan", "1e", "--1"];

    private static readonly string[] s_byPatterns =
    [
        "w_*", "w_*", "w_*", "a_*", "a_*", "a_*", "h_*->f", "h_*->f", "h_*->g", "o_*", "nosort", "w_*->f", "h_*", "nokey_*", "*", "h_*->", "w_*x",
    ];

    private static readonly string[] s_getPatterns = ["#", "#", "a_*", "o_*", "o_*", "h_*->f", "w_*", "nostar", "o_*->f", "*", "h_*->g"];

    private readonly Random _rng;
    private readonly List<byte[][]> _out = new();
    private readonly List<string> _pool = new();

    public SortCommandGenerator(int seed) => _rng = new Random(seed);

    public List<byte[][]> Generate(int count, bool resp3)
    {
        _out.Clear();
        _pool.Clear();
        _pool.AddRange(s_numbers);
        _pool.AddRange(s_words);
        Emit("FLUSHALL");
        if (resp3) Emit("HELLO", "3");
        Setup();
        count += _out.Count;
        while (_out.Count < count)
            Next();
        foreach (string k in ListKeys.Concat(DestKeys))
            Emit("LRANGE", k, "0", "-1");
        foreach (string k in SetKeys.Concat(ZSetKeys))
            Emit("SORT", k, "ALPHA");
        return new List<byte[][]>(_out);
    }

    private void Setup()
    {
        Emit(["RPUSH", "sl:num", .. Pick(s_numbers, 12)]);
        Emit(["RPUSH", "sl:mix", .. Pick(_pool, 10)]);
        Emit(["RPUSH", "sl:big", .. Enumerable.Range(0, 180).Select(_ => S(R(200)))]);
        Emit(["SADD", "ss:int", .. Enumerable.Range(0, 12).Select(_ => S(R(60) - 20))]);
        Emit(["SADD", "ss:word", .. Pick(s_words, 8)]);
        Emit(["SADD", "ss:num", .. Pick(s_numbers, 10)]);
        Emit(["SADD", "ss:big", .. Enumerable.Range(0, 150).Select(i => i % 3 == 0 ? S(i) + ".5" : S(i))]);
        Emit(["ZADD", "sz:a", .. Pick(s_numbers, 10).SelectMany(m => new[] { S(R(4)), m })]);
        Emit(["ZADD", "sz:word", .. Pick(s_words, 8).SelectMany(m => new[] { S(R(4)), m })]);
        Emit(["ZADD", "sz:big", .. Enumerable.Range(0, 160).SelectMany(i => new[] { S(R(50)), S(i) })]);
        Emit("SET", "str", "hello");
        Emit("HSET", "hsrc", "f", "v");
        // Keys named like elements: BY * and GET * read them.
        Emit("MSET", "apple", "fruit", "10", "ten", "str", "hello");
        var weights = new List<string> { "MSET" };
        var objects = new List<string> { "MSET" };
        foreach (string e in _pool.Concat(Enumerable.Range(0, 200).Select(i => S(i))).Concat(Enumerable.Range(0, 50).Select(i => S(3 * i) + ".5")).Distinct())
        {
            // Bad weights only for the pool's elements: one in a big source would fail every numeric sort of it.
            if (P(0.85)) weights.AddRange(["w_" + e, _pool.Contains(e) ? Weight() : One(s_weights)]);
            weights.AddRange(["a_" + e, AlphaWeight()]);
            if (P(0.7)) objects.AddRange(["o_" + e, "obj-" + e]);
            if (P(0.6)) Emit("HSET", "h_" + e, "f", _pool.Contains(e) ? Weight() : One(s_weights), "g", "g-" + R(100));
        }
        Emit(weights.ToArray());
        Emit(objects.ToArray());
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
    private string One(IReadOnlyList<string> xs) => xs[R(xs.Count)];
    private string[] Pick(IReadOnlyList<string> xs, int n) => Enumerable.Range(0, n).Select(_ => One(xs)).ToArray();

    private string Weight() => P(0.04) ? One(s_badWeights) : One(s_weights);

    /// <summary>A value no other a_ key holds: ALPHA sorts BY a_* have no ties until an a_ key is deleted.</summary>
    private string AlphaWeight() => S(R(1_000_000)) + "-" + S(_alphaWeights++);

    private int _alphaWeights;

    /// <summary>An element whose keys may exist: from the pool, or from the big sources' ranges.</summary>
    private string Element() => R(10) switch
    {
        < 7 => One(_pool),
        < 9 => S(R(200)),
        _ => S(3 * R(50)) + ".5",
    };

    private string Source() => R(100) switch
    {
        < 30 => One(ListKeys),
        < 60 => One(SetKeys),
        < 80 => One(ZSetKeys),
        < 88 => One(DestKeys),
        < 92 => "str",
        < 95 => "hsrc",
        _ => "nokey",
    };

    /// <summary>Anything but a set key (so sets stay sets): destinations, a list source, a weight, the string key.</summary>
    private string Destination() => R(20) switch
    {
        < 14 => One(DestKeys),
        14 => "sl:mix",
        15 => "w_" + One(_pool),
        16 => "o_" + One(_pool),
        17 => "str",
        18 => "hsrc",
        _ => "sl:num",
    };

    private void Next()
    {
        switch (R(100))
        {
            case < 58: Sort(); break;
            case < 64: ListChange(); break;
            case < 68: SetChange(); break;
            case < 71: ZSetChange(); break;
            case < 80: WeightChange(); break;
            case < 89:
                string d = P(0.8) ? One(DestKeys) : Destination();
                switch (R(5))
                {
                    case 0: Emit("EXISTS", d); break;
                    case 1: Emit("TYPE", d); break;
                    case 2: Emit("TTL", d); break;
                    default: Emit("LRANGE", d, "0", "-1"); break;
                }
                break;
            case < 93: GetKeys(); break;
            case < 95: Emit("DEL", One(DestKeys)); break;
            case < 97: Emit(R(2) == 0 ? "SORT" : "SORT_RO"); break;
            default: Emit("EXPIRE", One(DestKeys), "1000"); break;
        }
    }

    private void ListChange()
    {
        string k = P(0.6) ? "sl:mix" : "sl:num";
        switch (R(6))
        {
            case < 3: Emit([P(0.5) ? "RPUSH" : "LPUSH", k, .. Pick(k == "sl:num" ? s_numbers : _pool, 1 + R(3))]); break;
            case 3: Emit("LPOP", k); break;
            case 4: Emit("LTRIM", k, "0", S(5 + R(20))); break;
            default: Emit("RPUSH", One(DestKeys), Element()); break;
        }
    }

    private void SetChange()
    {
        string k = One(SetKeys);
        string m = k switch { "ss:int" => S(R(60) - 20), "ss:word" => One(s_words), "ss:num" => One(s_numbers), _ => S(R(200)) };
        Emit(P(0.65) ? "SADD" : "SREM", k, m);
    }

    private void ZSetChange()
    {
        string k = One(ZSetKeys);
        string m = k switch { "sz:a" => One(s_numbers), "sz:word" => One(s_words), _ => S(R(200)) };
        if (P(0.6)) Emit("ZADD", k, S(R(6)), m);
        else Emit("ZREM", k, m);
    }

    private void WeightChange()
    {
        string e = Element();
        switch (R(10))
        {
            case < 3: Emit("SET", "w_" + e, Weight()); break;
            case 3: Emit("DEL", "w_" + e); break;
            case 4: if (P(0.3)) Emit("DEL", "a_" + e); else Emit("SET", "a_" + e, AlphaWeight()); break;
            case 5: Emit("HSET", "h_" + e, P(0.7) ? "f" : "g", Weight()); break;
            case 6: Emit("HDEL", "h_" + e, "f"); break;
            case 7: Emit("SET", "o_" + e, "obj" + R(1000)); break;
            case 8: Emit("DEL", "o_" + e); break;
            default: Emit(P(0.5) ? "RPUSH" : "SADD", (P(0.5) ? "w_" : "o_") + e, "x"); break; // wrong type: reads as missing
        }
    }

    private string LimitNumber(bool count) => R(14) switch
    {
        0 => S(long.MaxValue),
        1 => S(long.MinValue),
        2 => "-1",
        3 => count ? "0" : "-5",
        4 => S(100 + R(200)),
        5 when count => "-" + S(2 + R(5)),
        _ => S(R(count ? 8 : 12)),
    };

    private static string Case(string keyword, int style) => style switch { 0 => keyword.ToLowerInvariant(), 1 => keyword, _ => char.ToUpperInvariant(keyword[0]) + keyword.Substring(1).ToLowerInvariant() };

    private void Sort()
    {
        bool ro = P(0.25);
        var args = new List<string> { ro ? (P(0.5) ? "SORT_RO" : "sort_ro") : (P(0.8) ? "SORT" : "sort"), Source() };
        // Word sources mostly sort ALPHA (a numeric sort of them fails on the first word).
        if (args[1] is "sl:mix" or "ss:word" or "sz:word" && P(0.5)) args.Add(Case("ALPHA", R(3)));
        int options = R(6);
        int style = R(4);
        for (int i = 0; i < options; i++)
        {
            switch (R(20))
            {
                case < 2: args.Add(Case(P(0.5) ? "ASC" : "DESC", style)); break;
                case < 3: args.Add(Case("DESC", style)); break;
                case < 7: args.Add(Case("ALPHA", style)); break;
                case < 9: args.Add(Case("LIMIT", style)); args.Add(LimitNumber(false)); args.Add(LimitNumber(true)); break;
                case < 13: args.Add(Case("BY", style)); args.Add(One(s_byPatterns)); break;
                case < 17: args.Add(Case("GET", style)); args.Add(One(s_getPatterns)); break;
                default:
                    if (!ro || P(0.3)) { args.Add(Case("STORE", style)); args.Add(Destination()); }
                    break;
            }
        }
        if (P(0.04)) Mistake(args);
        byte[][] cmd = args.Select(a => Encoding.Latin1.GetBytes(a)).ToArray();
        SortShape? shape = SortShape.Parse(cmd);
        if (shape is { AlphaByPattern: true })
            Emit("SORT_RO", args[1], "BY", "nosort", "GET", "#", "GET", shape.By!);
        _out.Add(cmd);
    }

    /// <summary>A syntax or value error somewhere in the options.</summary>
    private void Mistake(List<string> args)
    {
        switch (R(7))
        {
            case 0: args.Add("LIMIT"); args.Add("1"); break;
            case 1: args.Add(P(0.5) ? "BY" : "GET"); break;
            case 2: args.Add("STORE"); break;
            case 3: args.Insert(2, "BOGUS"); break;
            case 4: args.Add("LIMIT"); args.Add(P(0.5) ? "x" : "1.5"); args.Add("2"); break;
            case 5: args.Add("LIMIT"); args.Add("0"); args.Add("99999999999999999999"); break;
            default: args.Add("ALPHA"); args.Add("ALPHA"); args.Add("desc"); args.Add("asc"); break;
        }
    }

    /// <summary>COMMAND GETKEYS of a well-formed SORT or SORT_RO (the key, and the last STORE destination).</summary>
    private void GetKeys()
    {
        var args = new List<string> { "COMMAND", "GETKEYS", P(0.7) ? "SORT" : "SORT_RO", Source() };
        for (int i = R(4); i > 0; i--)
        {
            switch (R(4))
            {
                case 0: args.Add("LIMIT"); args.Add("0"); args.Add("1"); break;
                case 1: args.Add("BY"); args.Add(One(s_byPatterns)); break;
                case 2: args.Add("GET"); args.Add(One(s_getPatterns)); break;
                default: args.Add("STORE"); args.Add(Destination()); break;
            }
        }
        Emit(args.ToArray());
    }
}

/// <summary>
/// What a SORT / SORT_RO command asks for, parsed as sortCommandGeneric parses it (null: syntax or LIMIT
/// error). <see cref="DontSort"/> is sticky: any BY without '*' turns sorting off, whatever BY follows.
/// </summary>
public sealed record SortShape(string Key, bool Alpha, bool DontSort, string? By, bool HasLimit, int Gets, string? Store)
{
    /// <summary>An ALPHA sort by the values of other keys: elements with equal values come out in no defined order.</summary>
    public bool AlphaByPattern => Alpha && !DontSort && By != null;

    public static SortShape? Parse(byte[][] cmd)
    {
        string name = Encoding.Latin1.GetString(cmd[0]).ToLowerInvariant();
        if (name is not ("sort" or "sort_ro") || cmd.Length < 2)
            return null;
        bool ro = name == "sort_ro", alpha = false, dontSort = false, limit = false;
        string? by = null, store = null;
        int gets = 0;
        for (int j = 2; j < cmd.Length; j++)
        {
            int left = cmd.Length - j - 1;
            string a = Encoding.Latin1.GetString(cmd[j]).ToLowerInvariant();
            if (a is "asc" or "desc") continue;
            if (a == "alpha") alpha = true;
            else if (a == "limit" && left >= 2)
            {
                if (!long.TryParse(Encoding.Latin1.GetString(cmd[j + 1]), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                    || !long.TryParse(Encoding.Latin1.GetString(cmd[j + 2]), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                    return null;
                limit = true;
                j += 2;
            }
            else if (!ro && a == "store" && left >= 1) store = Encoding.Latin1.GetString(cmd[++j]);
            else if (a == "by" && left >= 1)
            {
                by = Encoding.Latin1.GetString(cmd[++j]);
                if (!by.Contains('*')) dontSort = true;
            }
            else if (a == "get" && left >= 1) { gets++; j++; }
            else return null;
        }
        return new SortShape(Encoding.Latin1.GetString(cmd[1]), alpha, dontSort, by, limit, gets, store);
    }
}
