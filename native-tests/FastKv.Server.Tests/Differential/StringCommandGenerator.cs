using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random command sequences over a small keyspace, for differential runs: strings, keyspace,
/// expiry, databases, connection commands, and the errors around them (wrong arity, bad numbers, bad
/// option combinations, unknown commands and subcommands, binary values).
///
/// What keeps the results independent of timing:
/// - expiries are long (1000 s and more, distinct enough that GT/LT comparisons never tie);
/// - a short expiry (1-3 ms) is always followed by a pause and an EXISTS on that key, so both servers
///   have deleted it before anything (DBSIZE included) can see it;
/// - absolute times are computed once, from the clock when the sequence is generated.
/// </summary>
public sealed class StringCommandGenerator
{
    /// <summary>
    /// The keyspace: hash-tagged groups that share a slot, plain keys spread over slots (and so over the
    /// shards of a multi-threaded server), a binary key and a long key.
    /// </summary>
    public static readonly string[] Keys =
    [
        "{a}1", "{a}2", "{a}3", "{a}4", "{b}1", "{b}2", "{b}3",
        "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12",
        "foo", "bar", "baz", "user:1000", "user:1001", "counter", "float", "x",
        "bin\0key\r\n", "long-key-" + new string('L', 60),
    ];

    private static readonly string[] s_values =
    [
        "", "0", "1", "-1", "7", "42", "-17", "123456", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "3.5", "-0.25", "1e3", " 12", "12 ", "0x10", "007", "abc", "hello world",
        "Hello, World!", "\0\u00ff\r\n\t", "ACGTACGTTAGC", "GATTACA", new string('v', 44), new string('w', 45),
        new string('z', 120),
    ];

    private static readonly string[] s_floatIncrements = ["1", "0.5", "-0.25", "1.5", "-2.75", "10", "0.1", "2.3", "-1.1", "100", "abc", "", "1e2", "inf"];

    private readonly Random _rng;
    private readonly long _nowSeconds;
    private readonly List<byte[][]> _out = new();

    public StringCommandGenerator(int seed)
    {
        _rng = new Random(seed);
        _nowSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    public List<byte[][]> Generate(int count)
    {
        _out.Clear();
        Emit("FLUSHALL");
        Emit("SELECT", "0");
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
    private string Key() => Keys[R(Keys.Length)];
    private string Value() => s_values[R(s_values.Length)];
    private static string S(long v) => v.ToString(CultureInfo.InvariantCulture);

    private string[] KeysList(int min, int max)
    {
        var ks = new string[min + R(max - min + 1)];
        for (int i = 0; i < ks.Length; i++)
            ks[i] = Key();
        return ks;
    }

    private string LongSeconds() => S(1000 + R(1_000_000));
    private string LongMillis() => S(1_000_000 + (long)R(1_000_000_000));

    /// <summary>A number argument that is usually fine and sometimes not.</summary>
    private string BadNumber() => R(8) switch
    {
        0 => "abc",
        1 => "0",
        2 => "-5",
        3 => "1.5",
        4 => "99999999999999999999",
        5 => "",
        6 => "9223372036854775807",
        _ => " 10",
    };

    private void ShortExpiryThenSettle(string key)
    {
        Emit(DualSession.PauseMarker, S(10 + R(10)));
        Emit("EXISTS", key);
    }

    private void Next()
    {
        int choice = R(100);
        string k = Key();
        switch (choice)
        {
            case < 10: Emit("GET", k); break;
            case < 20: Set(k); break;
            case 20: Emit("SETNX", k, Value()); break;
            case 21:
            case 22: SetEx(k); break;
            case 23: Emit("GETSET", k, Value()); break;
            case 24: Emit("GETDEL", k); break;
            case 25:
            case 26: GetEx(k); break;
            case 27:
            case 28: Emit(["MGET", .. KeysList(1, 6)]); break;
            case 29:
            case 30: MSet(P(0.3) ? "MSETNX" : "MSET"); break;
            case 31:
            case 32: Emit("APPEND", k, Value()); break;
            case 33: Emit("STRLEN", k); break;
            case < 38: Counter(k); break;
            case 38:
            case 39: Emit("INCRBYFLOAT", P(0.7) ? "float" : k, s_floatIncrements[R(s_floatIncrements.Length)]); break;
            case 40:
            case 41: Emit(P(0.8) ? "GETRANGE" : "SUBSTR", k, S(R(20) - 10), S(R(40) - 10)); break;
            case 42:
            case 43: SetRange(k); break;
            case 44: Lcs(); break;
            case 45:
            case 46: Emit([P(0.5) ? "DEL" : "UNLINK", .. KeysList(1, 4)]); break;
            case 47: Emit([P(0.7) ? "EXISTS" : "TOUCH", .. KeysList(1, 5)]); break;
            case 48: Emit("TYPE", k); break;
            case < 55: Expire(k); break;
            case < 59: Emit(new[] { "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME" }[R(4)], k); break;
            case 59: Emit("PERSIST", k); break;
            case 60:
            case 61: Emit(P(0.6) ? "RENAME" : "RENAMENX", k, Key()); break;
            case 62:
            case 63: Copy(k); break;
            case 64: Emit("MOVE", k, S(R(5) == 0 ? R(20) - 2 : R(4))); break;
            case 65: Emit("DBSIZE"); break;
            case 66: Emit("SELECT", R(10) == 0 ? BadNumber() : S(R(4))); break;
            case 67:
                if (R(8) == 0)
                    Emit(new[] { "FLUSHDB", "FLUSHDB", "FLUSHDB ASYNC", "FLUSHDB SYNC" }[R(4)].Split(' '));
                else
                    Emit("DBSIZE");
                break;
            case 68: Emit("SWAPDB", S(R(4)), R(10) == 0 ? BadNumber() : S(R(4))); break;
            case 69:
            case 70: Emit("OBJECT", "ENCODING", k); break;
            case 71: Emit(P(0.5) ? ["PING"] : ["PING", Value()]); break;
            case 72: Emit("ECHO", Value()); break;
            case 73:
            case 74: WrongArity(k); break;
            case 75: Unknown(); break;
            case 76: Emit("KEYS", new[] { "*", "k*", "{a}*", "user:100?", "[fb]*", "nomatch*" }[R(6)]); break;
            case 77: BinaryValue(k); break;
            case 78: Emit("SET", k, S(R(20000) - 10000)); break; // integers: shared and int encodings
            default:
                if (R(3) == 0)
                    Emit("SET", k, Value());
                else
                    Emit("GET", k);
                break;
        }
    }

    private void Set(string k)
    {
        var args = new List<string> { "SET", k, Value() };
        bool shortExpiry = false;
        switch (R(10))
        {
            case 0: args.AddRange(["EX", LongSeconds()]); break;
            case 1: args.AddRange(["PX", LongMillis()]); break;
            case 2: args.AddRange(["EXAT", S(_nowSeconds + 1000 + R(1_000_000))]); break;
            case 3: args.AddRange(["PXAT", S((_nowSeconds + 1000) * 1000 + (long)R(1_000_000_000))]); break;
            case 4: args.Add("KEEPTTL"); break;
            case 5:
                if (P(0.3))
                {
                    args.AddRange(["PX", S(1 + R(3))]);
                    shortExpiry = true;
                }
                break;
        }
        switch (R(6))
        {
            case 0: args.Add("NX"); break;
            case 1: args.Add("XX"); break;
        }
        if (R(5) == 0)
            args.Add("GET");
        if (R(12) == 0)
        {
            // A bad combination or a bad number.
            switch (R(7))
            {
                case 0: args.AddRange(["EX", "10", "PX", "10000"]); break;
                case 1: args.AddRange(["NX", "XX"]); break;
                case 2: args.AddRange(["KEEPTTL", "EX", "100"]); break;
                case 3: args.AddRange(["EX", BadNumber()]); break;
                case 4: args.AddRange(["PX", BadNumber()]); break;
                case 5: args.Add("EX"); break;
                default: args.Add("BOGUS"); break;
            }
        }
        Emit(args.ToArray());
        if (shortExpiry)
            ShortExpiryThenSettle(k);
    }

    private void SetEx(string k)
    {
        bool ms = P(0.5);
        if (P(0.1))
        {
            Emit(ms ? "PSETEX" : "SETEX", k, S(1 + R(3)), Value());
            if (ms)
                ShortExpiryThenSettle(k);
            return;
        }
        string time = R(8) == 0 ? BadNumber() : ms ? LongMillis() : LongSeconds();
        Emit(ms ? "PSETEX" : "SETEX", k, time, Value());
    }

    private void GetEx(string k)
    {
        switch (R(8))
        {
            case 0: Emit("GETEX", k); break;
            case 1: Emit("GETEX", k, "EX", LongSeconds()); break;
            case 2: Emit("GETEX", k, "PX", LongMillis()); break;
            case 3: Emit("GETEX", k, "EXAT", S(_nowSeconds + 2000 + R(1_000_000))); break;
            case 4: Emit("GETEX", k, "PERSIST"); break;
            case 5: Emit("GETEX", k, "EX", BadNumber()); break;
            case 6: Emit("GETEX", k, "PX", "2"); ShortExpiryThenSettle(k); break;
            default: Emit("GETEX", k, "PERSIST", "EX", "100"); break;
        }
    }

    private void MSet(string name)
    {
        int pairs = 1 + R(5);
        var args = new List<string> { name };
        for (int i = 0; i < pairs; i++)
            args.AddRange([Key(), Value()]);
        if (R(15) == 0)
            args.RemoveAt(args.Count - 1); // odd argument count
        Emit(args.ToArray());
    }

    private void Counter(string k)
    {
        string key = P(0.6) ? "counter" : k;
        switch (R(4))
        {
            case 0: Emit("INCR", key); break;
            case 1: Emit("DECR", key); break;
            case 2: Emit("INCRBY", key, R(6) == 0 ? BadNumber() : S(R(2000) - 1000)); break;
            default: Emit("DECRBY", key, R(6) == 0 ? BadNumber() : S(R(2000) - 1000)); break;
        }
    }

    private void SetRange(string k)
    {
        string offset = R(10) switch
        {
            0 => "-1",
            1 => "536870912",
            2 => "abc",
            _ => S(R(60)),
        };
        Emit("SETRANGE", k, offset, R(8) == 0 ? "" : Value());
    }

    private void Lcs()
    {
        string a = P(0.5) ? "{a}1" : "{a}2";
        string b = P(0.5) ? "{a}3" : "{a}4";
        if (P(0.5))
        {
            string[] values = ["GATTACA", "ACGTACGTTAGC", "ohmytext", "mynewtext", "", "aaaa", "abcabc"];
            Emit("SET", a, values[R(values.Length)]);
            Emit("SET", b, values[R(values.Length)]);
        }
        switch (R(6))
        {
            case 0: Emit("LCS", a, b); break;
            case 1: Emit("LCS", a, b, "LEN"); break;
            case 2: Emit("LCS", a, b, "IDX"); break;
            case 3: Emit("LCS", a, b, "IDX", "MINMATCHLEN", S(R(4)), "WITHMATCHLEN"); break;
            case 4: Emit("LCS", a, b, "IDX", "WITHMATCHLEN"); break;
            default: Emit("LCS", a, b, "LEN", "IDX"); break;
        }
    }

    private void Expire(string k)
    {
        bool ms = R(4) == 0;
        bool at = R(3) == 0;
        string name = (ms ? "P" : "") + "EXPIRE" + (at ? "AT" : "");
        string time;
        if (R(12) == 0)
            time = BadNumber();
        else if (R(15) == 0)
            time = at ? "1" : "-1"; // in the past: deletes the key
        else if (at)
            time = ms ? S((_nowSeconds + 1000) * 1000 + (long)R(1_000_000_000)) : S(_nowSeconds + 1000 + R(1_000_000));
        else
            time = ms ? LongMillis() : LongSeconds();
        var args = new List<string> { name, k, time };
        switch (R(7))
        {
            case 0: args.Add("NX"); break;
            case 1: args.Add("XX"); break;
            case 2: args.Add("GT"); break;
            case 3: args.Add("LT"); break;
            case 4:
                if (R(3) == 0)
                    args.AddRange(new[] { new[] { "NX", "XX" }, new[] { "GT", "LT" }, new[] { "NX", "GT" }, new[] { "FOO" } }[R(4)]);
                break;
        }
        Emit(args.ToArray());
        if (R(30) == 0)
        {
            Emit("PEXPIRE", k, S(1 + R(3)));
            ShortExpiryThenSettle(k);
        }
    }

    private void Copy(string k)
    {
        var args = new List<string> { "COPY", k, Key() };
        if (P(0.4))
            args.AddRange(["DB", R(8) == 0 ? BadNumber() : S(R(4))]);
        if (P(0.4))
            args.Add("REPLACE");
        if (R(15) == 0)
            args.Add("BOGUS");
        Emit(args.ToArray());
    }

    private void WrongArity(string k)
    {
        string[][] cases =
        [
            ["GET"], ["GET", k, k], ["SET", k], ["SETNX", k], ["SETEX", k, "10"], ["GETSET", k], ["MGET"], ["MSET"],
            ["MSET", k], ["APPEND", k], ["STRLEN"], ["INCR"], ["INCRBY", k], ["DECRBY", k, "1", "2"], ["GETRANGE", k, "0"],
            ["SETRANGE", k, "0"], ["LCS", k], ["DEL"], ["EXISTS"], ["TYPE"], ["EXPIRE", k], ["TTL"], ["PERSIST"],
            ["RENAME", k], ["COPY", k], ["MOVE", k], ["DBSIZE", k], ["SELECT"], ["SWAPDB", "0"], ["OBJECT"],
            ["OBJECT", "ENCODING"], ["ECHO"], ["ECHO", "a", "b"], ["PING", "a", "b"], ["GETEX"], ["GETDEL"], ["TOUCH"],
            ["INCRBYFLOAT", k], ["PSETEX", k, "100"], ["EXPIRETIME"], ["KEYS"], ["FLUSHDB", "SYNC", "ASYNC"],
        ];
        Emit(cases[R(cases.Length)]);
    }

    private void Unknown()
    {
        string[][] cases =
        [
            ["FOOBAR"], ["FOOBAR", "a", "b"], ["getx", "k"], ["OBJECT", "FOO", "k"], ["OBJECT", "foo"], ["SETT", new string('q', 200)],
            ["CONFIG", "NOPE"], ["CLIENT", "BOGUS"], ["\u00ff\u0001"],
        ];
        Emit(cases[R(cases.Length)]);
    }

    private void BinaryValue(string k)
    {
        var b = new char[R(40)];
        for (int i = 0; i < b.Length; i++)
            b[i] = (char)R(256);
        Emit("SET", k, new string(b));
        Emit("GET", k);
    }
}
