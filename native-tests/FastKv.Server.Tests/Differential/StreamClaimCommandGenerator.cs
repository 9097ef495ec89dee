using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random command streams over consumer groups for differential runs: XADD with explicit IDs, XDEL and XTRIM
/// (so PEL entries outlive their stream entries), XGROUP CREATE/SETID/DESTROY/CREATECONSUMER/DELCONSUMER, XACK, and
/// XCLAIM (every option, FORCE to make PEL entries) and XAUTOCLAIM (start bounds, COUNT, JUSTID) with their errors.
/// Replies must not depend on either server's clock: min-idle-time is 0, 1,000,000 ms (more than a run lasts, less
/// than the age of a TIME or IDLE given below) or 10^13 ms; TIME is a fixed early instant; IDLE is 0, 10^11 or out of
/// range (which means now). Nothing here shows delivery or seen times (no XINFO FULL, no XPENDING's idle).
/// </summary>
public sealed class StreamClaimCommandGenerator
{
    /// <summary>Stream keys (spread over shards; the {c} pair shares one) and the string key.</summary>
    public static readonly string[] StreamKeys = ["c1", "c2", "{c}a", "{c}b"];
    public static readonly string[] Groups = ["grp", "other"];
    public static readonly string[] Consumers = ["alice", "bob", "carol", "Dave"];
    public const string StringKey = "cstr";

    private static readonly string[] s_minIdle = ["0", "0", "0", "1000000", "10000000000000", "-5"];

    private readonly Random _rng;
    private readonly List<byte[][]> _out = new();
    private readonly Dictionary<string, List<string>> _added = new();
    private long _ms = 1;

    public StreamClaimCommandGenerator(int seed) => _rng = new Random(seed);

    public List<byte[][]> Generate(int count)
    {
        _out.Clear();
        Emit("FLUSHALL");
        Emit("SELECT", "0");
        foreach (string k in StreamKeys)
        {
            for (int i = 0; i < 6; i++) AddEntry(k);
            Emit("XGROUP", "CREATE", k, Groups[0], "0");
        }
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
    private string Key() => R(50) == 0 ? StringKey : R(60) == 0 ? "nokey" : StreamKeys[R(StreamKeys.Length)];
    private string Group() => R(40) == 0 ? "nogroup" : Groups[R(10) < 9 ? 0 : 1];
    private string Consumer() => Consumers[R(Consumers.Length)];

    /// <summary>
    /// Mostly an ID once added to <paramref name="k"/> (perhaps deleted since), else one near the entries: whole, or
    /// without its sequence (which means -0).
    /// </summary>
    private string OldId(string k)
    {
        if (_added.TryGetValue(k, out List<string>? ids) && ids.Count > 0 && P(0.8))
            return ids[ids.Count - 1 - R(Math.Min(ids.Count, 30))];
        return P(0.1) ? S(1 + R((int)_ms)) : $"{S(1 + R((int)_ms))}-{S(R(3))}";
    }

    private void AddEntry(string k)
    {
        _ms++;
        string id = $"{S(_ms)}-{S(R(3))}";
        if (!_added.TryGetValue(k, out List<string>? ids)) _added[k] = ids = new List<string>();
        ids.Add(id);
        Emit("XADD", k, id, "f", S(_ms));
    }

    private void Next()
    {
        string k = Key();
        switch (R(100))
        {
            case < 18: AddEntry(StreamKeys[R(StreamKeys.Length)]); break;
            case < 40: XClaim(k); break;
            case < 55: XAutoClaim(k); break;
            case < 63: Emit(["XACK", k, Group(), .. Ids(k, 1 + R(3))]); break;
            case < 69: Emit(["XDEL", k, .. Ids(k, 1 + R(2))]); break;
            case < 71: Emit("XTRIM", k, "MAXLEN", S(2 + R(6))); break;
            case < 75: Emit(P(0.3) ? ["XGROUP", "CREATE", k, Group(), "0", "MKSTREAM"] : ["XGROUP", "CREATE", k, Group(), P(0.5) ? "0" : "$"]); break;
            case < 78: Emit("XGROUP", "CREATECONSUMER", k, Group(), Consumer()); break;
            case < 81: Emit("XGROUP", "DELCONSUMER", k, Group(), Consumer()); break;
            case < 83: Emit("XGROUP", "SETID", k, Group(), P(0.5) ? "0" : OldId(k)); break;
            case < 84: Emit("XGROUP", "DESTROY", k, Groups[1]); break;
            case < 88: Emit("XINFO", "STREAM", k); break;
            case < 92: Emit("XRANGE", k, "-", "+"); break;
            case < 93: Emit("SET", StringKey, "x"); break;
            case < 94 when P(0.2): Emit("DEL", StreamKeys[R(StreamKeys.Length)]); break;
            default: Emit("XLEN", k); break;
        }
    }

    private string[] Ids(string k, int n)
    {
        var ids = new string[n];
        for (int i = 0; i < n; i++) ids[i] = P(0.03) ? "1-x" : OldId(k);
        return ids;
    }

    private void XClaim(string k)
    {
        var a = new List<string> { "XCLAIM", k, Group(), Consumer(), P(0.02) ? "soon" : s_minIdle[R(s_minIdle.Length)] };
        a.AddRange(Ids(k, 1 + R(4)));
        if (P(0.4)) a.Add("FORCE");
        if (P(0.3)) a.Add("JUSTID");
        switch (R(6))
        {
            case 0: a.AddRange(["TIME", P(0.9) ? S(1000 + R(5000)) : P(0.5) ? "-3" : "x"]); break;
            case 1: a.AddRange(["IDLE", new[] { "0", "100000000000", "99999999999999", "-7", "1.5" }[R(5)]]); break;
            case 2: a.AddRange(["time", "5000", "idle", "0"]); break;
        }
        if (P(0.25)) a.AddRange(["RETRYCOUNT", P(0.9) ? S(R(9)) : P(0.5) ? "-1" : "many"]);
        if (P(0.15)) a.AddRange(["LASTID", P(0.9) ? OldId(k) : "-"]);
        if (P(0.03)) a.Add(P(0.5) ? "BOGUS" : "IDLE");
        if (P(0.03)) a.Add(OldId(k)); // an ID after the options: an unrecognized option
        Emit(a.ToArray());
    }

    private void XAutoClaim(string k)
    {
        string start = R(8) switch
        {
            0 => "-",
            1 => "+",
            2 => "(" + OldId(k),
            3 when P(0.1) => "abc",
            3 => "0",
            _ => OldId(k),
        };
        var a = new List<string> { "XAUTOCLAIM", k, Group(), Consumer(), P(0.02) ? "soon" : s_minIdle[R(s_minIdle.Length)], start };
        if (P(0.5)) a.AddRange(["COUNT", P(0.93) ? S(1 + R(4)) : new[] { "0", "-1", "x", "100000000000000" }[R(4)]]);
        if (P(0.35)) a.Add("JUSTID");
        if (P(0.02)) a.Add("EXTRA");
        Emit(a.ToArray());
    }
}
