using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random command streams for the set family over a few keys: integers (small, wide, the int64
/// extremes and strings that only look like integers), binary and long members, thresholds crossed with
/// low limits set by CONFIG SET on both servers, WRONGTYPE against a string key, multi-key algebra and
/// stores over keys on different shards, SMOVE, expiries, and the errors of every command.
///
/// SADD may pass more members than the limits in force (7.2 sizes the set by the command's count, its size
/// hint). Random commands (SPOP, SRANDMEMBER) and SSCAN walks are run and checked one at a time by the test
///   (<see cref="SetDifferentialTests"/>), which also makes the two keyspaces equal again after a pop.
/// </summary>
public sealed class SetCommandGenerator
{
    /// <summary>Set keys: a hash-tagged group on one slot, plain keys spread over slots (and shards), a binary key.</summary>
    public static readonly string[] Keys =
    [
        "{s}1", "{s}2", "{s}3", "set:a", "set:b", "set:c", "set:d", "k1", "k2", "k3", "k4", "k5",
        "bin\0set\r\n",
    ];

    /// <summary>A key that holds a string (WRONGTYPE) most of the time.</summary>
    public const string StringKey = "plain-string";

    private static readonly string[] s_integers =
    [
        "0", "1", "-1", "2", "3", "7", "42", "-17", "100", "255", "256", "32767", "32768", "-32768", "-32769",
        "65536", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "-9223372036854775808", "123456789012",
    ];

    private static readonly string[] s_strings =
    [
        "a", "b", "c", "d", "e", "apple", "banana", "", "hello world", "007", "-0", "+5", " 3", "3 ",
        "9223372036854775808", "-9223372036854775809", "1.5", "1e3", "0x10", "\0\u00ff\r\n", "bin\0ary",
    ];

    /// <summary>Around set-max-listpack-value's default (64) and far past it.</summary>
    private static readonly string[] s_long = [new string('x', 63), new string('y', 64), new string('z', 65), new string('w', 200)];

    private static readonly string[] s_patterns = ["*", "a*", "*1*", "[a-c]", "?", "-*", "*\0*", "x*"];

    private readonly Random _rng;
    private readonly List<byte[][]> _out = new();
    private int _intsetLimit = 512;

    public SetCommandGenerator(int seed) => _rng = new Random(seed);

    public List<byte[][]> Generate(int count)
    {
        _out.Clear();
        _intsetLimit = 512;
        Emit("FLUSHALL");
        Emit("CONFIG", "SET", "set-max-intset-entries", "512");
        Emit("CONFIG", "SET", "set-max-listpack-entries", "128");
        Emit("CONFIG", "SET", "set-max-listpack-value", "64");
        Emit("SET", StringKey, "text");
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

    private string Key() => R(12) == 0 ? StringKey : R(15) == 0 ? "missing-" + R(3) : Keys[R(Keys.Length)];

    private string Member() => R(5) < 3 ? Integer() : R(12) == 0 ? s_long[R(s_long.Length)] : s_strings[R(s_strings.Length)];

    /// <summary>Mostly the small integers, so intsets stay small long enough to be seen converting.</summary>
    private string Integer() => s_integers[R(3) == 0 ? R(s_integers.Length) : R(8)];

    /// <summary>Members for one command: half the time integers only (intsets), else mixed.</summary>
    private string[] Members(int max)
    {
        int n = 1 + R(max);
        bool integers = P(0.5);
        var m = new string[n];
        for (int i = 0; i < n; i++)
            m[i] = integers ? Integer() : Member();
        return m;
    }

    private string[] KeysList(int min, int max)
    {
        var ks = new string[min + R(max - min + 1)];
        for (int i = 0; i < ks.Length; i++)
            ks[i] = Key();
        return ks;
    }

    private string Count() => R(10) switch
    {
        0 => "-" + S(1 + R(5)),
        1 => "0",
        2 => "abc",
        3 => S(20 + R(30)),
        _ => S(1 + R(6)),
    };

    private void Next()
    {
        string k = Key();
        switch (R(100))
        {
            case < 22: Emit(["SADD", k, .. Members(8)]); break;
            case < 30: Emit(["SREM", k, .. Members(8)]); break;
            case < 34: Emit("SMEMBERS", k); break;
            case < 38: Emit("SISMEMBER", k, Member()); break;
            case < 40: Emit(["SMISMEMBER", k, .. Members(4)]); break;
            case < 43: Emit("SCARD", k); break;
            case < 47: Emit(P(0.3) ? ["SPOP", k] : ["SPOP", k, Count()]); break;
            case < 50: Emit(P(0.3) ? ["SRANDMEMBER", k] : ["SRANDMEMBER", k, Count()]); break;
            case < 54: Emit("SMOVE", k, Key(), Member()); break;
            case < 57: Emit(["SINTER", .. KeysList(1, 4)]); break;
            case < 60: Emit(["SUNION", .. KeysList(1, 4)]); break;
            case < 63: Emit(["SDIFF", .. KeysList(1, 4)]); break;
            case < 66: Emit([new[] { "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE" }[R(3)], Key(), .. KeysList(1, 4)]); break;
            case < 68: SInterCard(); break;
            case < 71: SScan(k); break;
            case < 75: Emit("OBJECT", "ENCODING", k); break;
            case < 78: Limits(); break;
            case 78: Emit("TYPE", k); break;
            case 79: Emit("EXISTS", k); break;
            case 80:
            case 86:
            case 87: Emit("DEL", k); break;
            case 81: Emit("EXPIRE", k, S(1000 + R(100000))); break;
            case 82: Emit("TTL", k); break;
            case 83: Emit("SET", StringKey, "text"); break;
            case 84: Errors(k); break;
            case 85: Emit("RENAME", k, Key()); break;
            default: Emit(["SADD", k, .. Members(3)]); break;
        }
    }

    private void SInterCard()
    {
        string[] keys = KeysList(1, 4);
        var args = new List<string> { "SINTERCARD", R(10) == 0 ? new[] { "0", "-1", "x", S(keys.Length + 1) }[R(4)] : S(keys.Length) };
        args.AddRange(keys);
        switch (R(5))
        {
            case 0: args.AddRange(["LIMIT", S(R(4))]); break;
            case 1: args.AddRange(["LIMIT", new[] { "-1", "x", "0" }[R(3)]]); break;
            case 2: args.Add(new[] { "LIMIT", "FOO" }[R(2)]); break;
        }
        Emit(args.ToArray());
    }

    private void SScan(string k)
    {
        var args = new List<string> { "SSCAN", k, R(12) == 0 ? "abc" : "0" };
        if (P(0.4)) args.AddRange(["MATCH", s_patterns[R(s_patterns.Length)]]);
        if (P(0.4)) args.AddRange(["COUNT", R(10) == 0 ? "0" : S(1 + R(20))]);
        if (R(15) == 0) args.Add("NOVALUES");
        Emit(args.ToArray());
    }

    /// <summary>Low limits (or the defaults), intset limit never above the listpack entry limit.</summary>
    private void Limits()
    {
        int[] intset = [2, 3, 5, 8, 512, 512];
        int i = R(intset.Length);
        _intsetLimit = intset[i];
        int listpack = _intsetLimit == 512 ? 128 : _intsetLimit + R(6);
        Emit("CONFIG", "SET", "set-max-intset-entries", S(_intsetLimit));
        Emit("CONFIG", "SET", "set-max-listpack-entries", S(listpack));
        Emit("CONFIG", "SET", "set-max-listpack-value", new[] { "3", "8", "64" }[R(3)]);
    }

    private void Errors(string k)
    {
        switch (R(6))
        {
            case 0: Emit("SADD", k); break;
            case 1: Emit("SPOP", k, "1", "2"); break;
            case 2: Emit("SRANDMEMBER", k, "1", "2"); break;
            case 3: Emit("SMOVE", k, Key()); break;
            case 4: Emit("SINTERCARD", "1"); break;
            default: Emit("SSCAN", k); break;
        }
    }
}
