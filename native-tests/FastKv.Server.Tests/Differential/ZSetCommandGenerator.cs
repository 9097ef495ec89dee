using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random sorted-set command streams for differential runs: writes with every ZADD option,
/// reads by rank, score and lex, stores, set algebra with WEIGHTS and AGGREGATE over sorted sets and
/// plain sets on several shards, pops, and the errors around them. Small listpack thresholds (changed mid-stream) make keys
/// cross into the skiplist encoding and shrink back below the thresholds (they stay skiplists).
///
/// What keeps the replies comparable byte for byte:
/// - lex ranges run only on <see cref="LexKeys"/>, whose members all score 0 (on unequal scores a
///   skiplist's lex walk depends on its random levels, in Redis too);
/// - ZRANDMEMBER and ZSCAN are random or cursor-shaped: the test checks them by content
///   (<see cref="ZSetDifferentialTests"/>), not by bytes.
/// </summary>
public sealed class ZSetCommandGenerator
{
    /// <summary>Keys whose scores vary: hash-tagged ones share a slot, the rest spread over shards.</summary>
    public static readonly string[] ScoreKeys = ["{z}1", "{z}2", "{z}3", "za", "zb", "zc", "zd", "ze", "big"];

    /// <summary>Keys written only with score 0, so lex ranges over them are well defined.</summary>
    public static readonly string[] LexKeys = ["lex1", "lex2", "{z}lex"];

    private const string StringKey = "str";

    /// <summary>Plain sets, inputs of the algebra (members score 1) and WRONGTYPE for everything else.</summary>
    public static readonly string[] SetKeys = ["set1", "{z}set", "set2"];

    private static readonly string[] s_scores =
    [
        "0", "1", "2", "-1", "3", "42", "-5", "0.5", "-2.25", "3.14159", "0.1", "0.30000000000000004", "1e300",
        "-1.7976931348623157e308", "9007199254740993", "1e17", "123456789012345678", "5e-324", "inf", "-inf", "+inf",
        "-0", "2.5", "10", "100",
    ];

    private static readonly string[] s_badScores = ["abc", "nan", "", " 1", "1 ", "1e", "--1"];

    private static readonly string[] s_members =
    [
        "a", "b", "c", "d", "e", "f", "g", "h", "1", "10", "-1", "007", "2", "aa", "ab", "b\0c", "member:with:colons",
        "a-rather-long-member-name", "m-longer-than-thresholds-" + new string('x', 40),
    ];

    /// <summary>Range ends in ascending order; a pair is drawn and sorted, so most ranges are not empty.</summary>
    private static readonly string[] s_orderedBounds = ["-inf", "-5", "-1", "0", "0.5", "1", "2", "2.5", "3", "10", "42", "100", "1e300", "+inf"];

    private static readonly string[] s_badBounds = ["abc", "(", "", "nan", "(nan", " 1", "1x", "0x10"];

    /// <summary>Lex range ends in ascending byte order (after the "[" or "(").</summary>
    private static readonly string[] s_orderedLex = ["-1", "007", "1", "10", "2", "a", "aa", "ab", "b", "c", "d", "e", "h", "z"];

    private static readonly string[] s_badLex = ["a", "+x", "-a", "", "x", "[", "("];

    private readonly Random _rng;
    private readonly List<byte[][]> _out = new();

    public ZSetCommandGenerator(int seed) => _rng = new Random(seed);

    /// <summary>The stream: FLUSHALL, optional HELLO 3, small thresholds, then <paramref name="count"/> commands in all.</summary>
    public List<byte[][]> Generate(int count, bool resp3)
    {
        _out.Clear();
        Emit("FLUSHALL");
        if (resp3)
            Emit("HELLO", "3");
        Thresholds();
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
    private string ScoreKey() => ScoreKeys[R(ScoreKeys.Length)];
    private string LexKey() => LexKeys[R(LexKeys.Length)];
    private string AnyKey() => R(12) == 0 ? StringKey : R(15) == 0 ? SetKey() : R(4) == 0 ? LexKey() : ScoreKey();
    private string SetKey() => SetKeys[R(SetKeys.Length)];
    private string AlgebraSource() => R(5) == 0 ? LexKey() : R(5) == 0 ? SetKey() : R(20) == 0 ? StringKey : ScoreKey();
    private string Score() => P(0.03) ? s_badScores[R(s_badScores.Length)] : s_scores[R(s_scores.Length)];
    private string Member() => s_members[R(s_members.Length)];
    private string Index() => S(R(14) - 7);

    /// <summary>(min, max) for a score range: usually ordered, sometimes exclusive, reversed or not a number.</summary>
    private (string min, string max) ScoreBounds()
    {
        int i = R(s_orderedBounds.Length), j = R(s_orderedBounds.Length);
        if (i > j && P(0.85)) (i, j) = (j, i);
        string min = (P(0.25) ? "(" : "") + s_orderedBounds[i], max = (P(0.25) ? "(" : "") + s_orderedBounds[j];
        if (P(0.05)) min = s_badBounds[R(s_badBounds.Length)];
        if (P(0.05)) max = s_badBounds[R(s_badBounds.Length)];
        return (min, max);
    }

    /// <summary>(min, max) for a lex range: usually ordered, with "-" and "+" now and then, sometimes malformed.</summary>
    private (string min, string max) LexBounds()
    {
        int i = R(s_orderedLex.Length), j = R(s_orderedLex.Length);
        if (i > j && P(0.85)) (i, j) = (j, i);
        string min = P(0.15) ? "-" : (P(0.5) ? "[" : "(") + s_orderedLex[i];
        string max = P(0.15) ? "+" : (P(0.5) ? "[" : "(") + s_orderedLex[j];
        if (P(0.03)) (min, max) = (max, min);
        if (P(0.04)) min = s_badLex[R(s_badLex.Length)];
        if (P(0.04)) max = s_badLex[R(s_badLex.Length)];
        return (min, max);
    }

    private void Thresholds()
    {
        Emit("CONFIG", "SET", "zset-max-listpack-entries", S(new[] { 0, 1, 3, 6, 10, 16, 16, 32, 128 }[R(9)]));
        Emit("CONFIG", "SET", "zset-max-listpack-value", S(new[] { 3, 8, 24, 64, 64 }[R(5)]));
    }

    private void Next()
    {
        int choice = R(100);
        switch (choice)
        {
            case < 16: ZAdd(); break;
            case < 19: ZAddLex(); break;
            case < 21: Emit("ZINCRBY", ScoreKey(), Score(), Member()); break;
            case < 24: ZRem(); break;
            case < 26: Emit("ZCARD", AnyKey()); break;
            case < 29: Emit("ZSCORE", AnyKey(), Member()); break;
            case 29: ZMScore(); break;
            case < 32:
                if (P(0.7)) Emit(P(0.5) ? "ZRANK" : "ZREVRANK", AnyKey(), Member());
                else Emit(P(0.5) ? "ZRANK" : "ZREVRANK", AnyKey(), Member(), P(0.8) ? "WITHSCORE" : "WITHSCORES");
                break;
            case < 38: ZRangeRank(); break;
            case < 44: ZRangeScore(); break;
            case < 47: ZRangeLex(); break;
            case < 50: ZRangeStore(); break;
            case < 52: { var (lo, hi) = ScoreBounds(); Emit("ZCOUNT", AnyKey(), lo, hi); break; }
            case 52: { var (lo, hi) = LexBounds(); Emit("ZLEXCOUNT", LexKey(), lo, hi); break; }
            case < 56: ZRemRange(); break;
            case < 60: ZPop(); break;
            case < 62: ZMPop(); break;
            case < 70: Algebra(); break;
            case < 72: ZInterCard(); break;
            case < 75: ZRandMember(); break;
            case < 78: ZScan(); break;
            case < 82: Emit("OBJECT", "ENCODING", P(0.8) ? ScoreKey() : LexKey()); break;
            case 82: Emit("TYPE", AnyKey()); break;
            case 83: Emit("DEL", ScoreKey()); break;
            case 84: Emit("SET", StringKey, "v"); break;
            case 85: Grow(); break;
            case 86: Thresholds(); break;
            case 87: Emit("EXISTS", AnyKey(), AnyKey()); break;
            case < 90: Errors(); break;
            case 90: MoveOrCopy(); break;
            case < 94: SetWrite(); break;
            default: ZAdd(); break;
        }
    }

    private void ZAdd()
    {
        var args = new List<string> { "ZADD", R(15) == 0 ? StringKey : ScoreKey() };
        // Mostly valid option sets; sometimes the incompatible ones.
        if (P(0.4))
        {
            string[] opts = ["NX", "XX", "GT", "LT", "CH", "INCR", "ch", "gt"];
            int n = 1 + R(P(0.8) ? 2 : 3);
            for (int i = 0; i < n; i++)
                args.Add(opts[R(opts.Length)]);
        }
        int pairs = args.Contains("INCR") && P(0.9) ? 1 : 1 + R(4);
        for (int i = 0; i < pairs; i++)
        {
            args.Add(Score());
            args.Add(Member());
        }
        if (P(0.02))
            args.RemoveAt(args.Count - 1);
        Emit(args.ToArray());
    }

    private void ZAddLex()
    {
        var args = new List<string> { "ZADD", LexKey() };
        if (P(0.2))
            args.Add(P(0.5) ? "NX" : "CH");
        for (int i = 0, n = 1 + R(5); i < n; i++)
        {
            args.Add("0");
            args.Add(Member());
        }
        Emit(args.ToArray());
    }

    private void ZRem()
    {
        var args = new List<string> { "ZREM", P(0.8) ? ScoreKey() : LexKey() };
        for (int i = 0, n = 1 + R(4); i < n; i++)
            args.Add(Member());
        Emit(args.ToArray());
    }

    private void ZMScore()
    {
        var args = new List<string> { "ZMSCORE", AnyKey() };
        for (int i = 0, n = 1 + R(4); i < n; i++)
            args.Add(Member());
        Emit(args.ToArray());
    }

    private void ZRangeRank()
    {
        string key = AnyKey();
        switch (R(4))
        {
            case 0: Emit(P(0.5) ? ["ZRANGE", key, Index(), Index()] : ["ZRANGE", key, Index(), Index(), "WITHSCORES"]); break;
            case 1: Emit(P(0.5) ? ["ZREVRANGE", key, Index(), Index()] : ["ZREVRANGE", key, Index(), Index(), "WITHSCORES"]); break;
            case 2: Emit("ZRANGE", key, Index(), Index(), "REV", "WITHSCORES"); break;
            default: Emit("ZRANGE", key, "0", "-1", P(0.5) ? "WITHSCORES" : "REV"); break;
        }
    }

    private string[] Limit() => P(0.4) ? ["LIMIT", S(R(8) - 1), S(R(7) - 2)] : [];

    private void ZRangeScore()
    {
        string key = AnyKey();
        var (min, max) = ScoreBounds();
        var args = new List<string>();
        switch (R(3))
        {
            case 0: args.AddRange(["ZRANGEBYSCORE", key, min, max]); break;
            case 1: args.AddRange(["ZREVRANGEBYSCORE", key, max, min]); break;
            default:
                bool rev = P(0.4);
                args.AddRange(["ZRANGE", key, rev ? max : min, rev ? min : max, "BYSCORE"]);
                if (rev)
                    args.Add("REV");
                break;
        }
        if (P(0.5))
            args.Add("WITHSCORES");
        args.AddRange(Limit());
        Emit(args.ToArray());
    }

    private void ZRangeLex()
    {
        string key = LexKey();
        var (min, max) = LexBounds();
        switch (R(3))
        {
            case 0: Emit(["ZRANGEBYLEX", key, min, max, .. Limit()]); break;
            case 1: Emit(["ZREVRANGEBYLEX", key, max, min, .. Limit()]); break;
            default:
                bool rev = P(0.5);
                Emit(["ZRANGE", key, rev ? max : min, rev ? min : max, "BYLEX", .. (rev ? new[] { "REV" } : []), .. Limit()]);
                break;
        }
    }

    private void ZRangeStore()
    {
        string dst = ScoreKey();
        var (lo, hi) = ScoreBounds();
        var (llo, lhi) = LexBounds();
        switch (R(3))
        {
            case 0: Emit(["ZRANGESTORE", dst, AnyKey(), Index(), Index(), .. (P(0.3) ? new[] { "REV" } : [])]); break;
            case 1:
                bool rev = P(0.3);
                Emit(["ZRANGESTORE", dst, AnyKey(), rev ? hi : lo, rev ? lo : hi, "BYSCORE", .. (rev ? new[] { "REV" } : []), .. Limit()]);
                break;
            default: Emit(["ZRANGESTORE", dst, LexKey(), llo, lhi, "BYLEX", .. Limit()]); break;
        }
    }

    private void ZRemRange()
    {
        var (lo, hi) = ScoreBounds();
        var (llo, lhi) = LexBounds();
        switch (R(3))
        {
            case 0: Emit("ZREMRANGEBYRANK", P(0.8) ? ScoreKey() : LexKey(), Index(), Index()); break;
            case 1: Emit("ZREMRANGEBYSCORE", P(0.8) ? ScoreKey() : LexKey(), lo, hi); break;
            default: Emit("ZREMRANGEBYLEX", LexKey(), llo, lhi); break;
        }
    }

    private void ZPop()
    {
        string cmd = P(0.5) ? "ZPOPMIN" : "ZPOPMAX";
        string key = P(0.8) ? ScoreKey() : AnyKey();
        if (P(0.4))
            Emit(cmd, key);
        else
            Emit(cmd, key, R(10) == 0 ? "-1" : S(R(5)));
    }

    private void ZMPop()
    {
        int n = 1 + R(3);
        var args = new List<string> { "ZMPOP", S(n) };
        for (int i = 0; i < n; i++)
            args.Add(AnyKey());
        args.Add(P(0.5) ? "MIN" : "max");
        if (P(0.5))
            args.AddRange(["COUNT", S(R(6))]);
        Emit(args.ToArray());
    }

    private void Algebra()
    {
        bool store = P(0.4);
        string op = new[] { "UNION", "INTER", "DIFF" }[R(3)];
        int n = 1 + R(3);
        var args = new List<string> { "Z" + op + (store ? "STORE" : "") };
        if (store)
            args.Add(ScoreKey());
        args.Add(S(n));
        for (int i = 0; i < n; i++)
            args.Add(AlgebraSource());
        if (op != "DIFF" && P(0.4))
        {
            args.Add("WEIGHTS");
            string[] w = ["1", "2", "0.5", "-1", "0", "inf", "-inf", "3.3"];
            for (int i = 0; i < n; i++)
                args.Add(w[R(w.Length)]);
        }
        if (op != "DIFF" && P(0.4))
            args.AddRange(["AGGREGATE", new[] { "SUM", "MIN", "MAX", "min" }[R(4)]]);
        if (!store && P(0.6))
            args.Add("WITHSCORES");
        Emit(args.ToArray());
    }

    private void ZInterCard()
    {
        int n = 1 + R(3);
        var args = new List<string> { "ZINTERCARD", S(n) };
        for (int i = 0; i < n; i++)
            args.Add(AlgebraSource());
        if (P(0.5))
            args.AddRange(["LIMIT", S(R(4))]);
        Emit(args.ToArray());
    }

    private void ZRandMember()
    {
        string key = P(0.9) ? ScoreKey() : AnyKey();
        switch (R(4))
        {
            case 0: Emit("ZRANDMEMBER", key); break;
            case 1: Emit("ZRANDMEMBER", key, S(R(12) - 4)); break;
            case 2: Emit("ZRANDMEMBER", key, S(R(40) - 15), "WITHSCORES"); break;
            default: Emit("ZRANDMEMBER", key, "200", "WITHSCORES"); break;
        }
    }

    private void ZScan()
    {
        var args = new List<string> { "ZSCAN", P(0.9) ? (P(0.7) ? ScoreKey() : LexKey()) : StringKey, "0" };
        if (P(0.3))
            args.AddRange(["MATCH", new[] { "*", "a*", "?", "*-*", "[a-c]" }[R(5)]]);
        if (P(0.4))
            args.AddRange(["COUNT", S(1 + R(5))]);
        Emit(args.ToArray());
    }

    /// <summary>SADD or SREM on a plain set: integers and strings, so its encoding varies.</summary>
    private void SetWrite()
    {
        var args = new List<string> { P(0.8) ? "SADD" : "SREM", SetKey() };
        for (int i = 0, n = 1 + R(5); i < n; i++)
            args.Add(P(0.5) ? S(R(20) - 5) : Member());
        Emit(args.ToArray());
    }

    /// <summary>RENAME and COPY carry a set to another key (often on another shard) in its encoding.</summary>
    private void MoveOrCopy()
    {
        bool lex = P(0.3);
        string src = lex ? LexKey() : ScoreKey(), dst = lex ? LexKey() : ScoreKey();
        if (P(0.5))
            Emit(P(0.7) ? "RENAME" : "RENAMENX", src, dst);
        else
            Emit(P(0.7) ? ["COPY", src, dst, "REPLACE"] : ["COPY", src, dst]);
        Emit("OBJECT", "ENCODING", dst);
        Emit("ZRANGE", dst, "0", "-1", "WITHSCORES");
    }

    /// <summary>Takes "big" well past the thresholds, then shrinks it below them again (it stays a skiplist).</summary>
    private void Grow()
    {
        var args = new List<string> { "ZADD", "big" };
        for (int i = 0; i < 40; i++)
        {
            args.Add(S(R(30)) + (P(0.3) ? ".25" : ""));
            args.Add("g" + R(60));
        }
        Emit(args.ToArray());
        Emit("OBJECT", "ENCODING", "big");
        if (P(0.5))
        {
            Emit("ZREMRANGEBYRANK", "big", "0", "-3");
            Emit("OBJECT", "ENCODING", "big");
            Emit("ZRANGE", "big", "0", "-1", "WITHSCORES");
        }
    }

    private void Errors()
    {
        string key = ScoreKey();
        switch (R(14))
        {
            case 0: Emit("ZADD", key, "NX", "XX", "1", "a"); break;
            case 1: Emit("ZADD", key, "GT", "LT", "1", "a"); break;
            case 2: Emit("ZADD", key, "INCR", "1", "a", "2", "b"); break;
            case 3: Emit("ZRANGE", key, "0", "1", "LIMIT", "0", "1"); break;
            case 4: Emit("ZRANGE", key, "-", "+", "BYLEX", "WITHSCORES"); break;
            case 5: Emit("ZRANGEBYSCORE", key, "x", "1"); break;
            case 6: Emit("ZRANGEBYLEX", key, "a", "b"); break;
            case 7: Emit("ZUNIONSTORE", key, "0", "za"); break;
            case 8: Emit("ZUNION", "3", "za", "zb"); break;
            case 9: Emit("ZINTER", "2", "za", "zb", "WEIGHTS", "1", "x"); break;
            case 10: Emit("ZMPOP", "0", "za", "MIN"); break;
            case 11: Emit("ZPOPMIN", key, "1", "2"); break;
            case 12: Emit("ZINCRBY", key, "abc", "a"); break;
            default: Emit("ZRANDMEMBER", key, "1", "x"); break;
        }
    }
}
