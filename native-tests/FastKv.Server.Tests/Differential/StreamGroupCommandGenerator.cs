using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random consumer-group command streams for differential runs: XADD with explicit IDs, XGROUP CREATE (ID, "$",
/// MKSTREAM, ENTRIESREAD) / SETID / DESTROY / CREATECONSUMER / DELCONSUMER, XREADGROUP with "&gt;", explicit IDs, COUNT
/// and NOACK (one key, or the {g} pair that shares a shard), XACK, XDEL and XTRIM under pending entries, XINFO STREAM
/// (its lag and entries-read fields), XINFO GROUPS, XPENDING's summary and
/// IDLE forms, XCLAIM (every option) and XAUTOCLAIM (start bounds, COUNT, JUSTID), and the errors (NOGROUP, "$",
/// WRONGTYPE, bad IDs). No reply holds a time: claims use a min-idle-time of 0, 1,000,000 ms (more than a run lasts,
/// less than the age of a TIME or IDLE given here) or 10^13 ms; TIME is a fixed early instant; IDLE is 0, 10^11 or out
/// of range (which means now).
/// </summary>
public sealed class StreamGroupCommandGenerator
{
    public static readonly string[] StreamKeys = ["{g}a", "{g}b", "gs"];
    public static readonly string[] Groups = ["ga", "gb"];
    public static readonly string[] Consumers = ["c1", "c2", "c3"];
    public const string StringKey = "{g}str";

    private readonly System.Random _rng;
    private readonly List<byte[][]> _out = new();
    private long _ms = 1;

    public StreamGroupCommandGenerator(int seed) => _rng = new System.Random(seed);

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
            parts[i] = Encoding.Latin1.GetBytes(args[i]);
        _out.Add(parts);
    }

    private int R(int n) => _rng.Next(n);
    private bool P(double p) => _rng.NextDouble() < p;
    private static string S(long v) => v.ToString(CultureInfo.InvariantCulture);
    private string Key() => R(30) == 0 ? StringKey : StreamKeys[R(StreamKeys.Length)];
    private string Group() => R(15) == 0 ? "nogroup" : Groups[R(Groups.Length)];
    private string Consumer() => Consumers[R(Consumers.Length)];
    private string OldId() => $"{S(R((int)_ms + 1))}-{S(R(2))}";
    private string StartId() => R(5) switch { 0 => "$", 1 => "0", _ => OldId() };

    private void Next()
    {
        string k = Key();
        switch (R(100))
        {
            case < 26: Emit("XADD", k, $"{S(_ms += 1 + R(2))}-{S(R(2))}", "f", S(R(100))); break;
            case < 32: Create(k); break;
            case < 36: SetId(k); break;
            case < 38: Emit("XGROUP", "DESTROY", k, Group()); break;
            case < 40: Emit("XGROUP", "CREATECONSUMER", k, Group(), Consumer()); break;
            case < 42: Emit("XGROUP", "DELCONSUMER", k, Group(), Consumer()); break;
            case < 60: ReadGroup(); break;
            case < 68: XClaim(k); break;
            case < 73: XAutoClaim(k); break;
            case < 80: Emit(["XACK", k, Group(), .. Ids(1 + R(3))]); break;
            case < 85: Emit(["XDEL", k, .. Ids(1 + R(2))]); break;
            case < 88: Emit("XTRIM", k, "MAXLEN", S(R(8))); break;
            case < 90: Emit("XINFO", "STREAM", k); break;
            case < 92: Emit("XINFO", "GROUPS", k); break;
            case < 93: Pending(k); break;
            case < 95: Emit("XLEN", k); break;
            case < 96: Emit("DEL", k); break;
            default: Emit("SET", StringKey, "x"); break;
        }
    }

    private string[] Ids(int n)
    {
        var ids = new string[n];
        for (int i = 0; i < n; i++) ids[i] = P(0.03) ? "1-x" : OldId();
        return ids;
    }

    private void Create(string k)
    {
        var a = new List<string> { "XGROUP", "CREATE", k, Group(), StartId() };
        if (P(0.4)) a.Add("MKSTREAM");
        if (P(0.2)) a.AddRange(["ENTRIESREAD", S(R(10) - 1)]);
        Emit(a.ToArray());
    }

    private void SetId(string k)
    {
        var a = new List<string> { "XGROUP", "SETID", k, Group(), StartId() };
        if (P(0.3)) a.AddRange(["ENTRIESREAD", S(R(10) - 1)]);
        Emit(a.ToArray());
    }

    /// <summary>XPENDING's forms whose replies hold no time: the summary, or an IDLE nothing reaches; and their errors.</summary>
    private void Pending(string k)
    {
        if (P(0.5)) { Emit("XPENDING", k, Group()); return; }
        var a = new List<string> { "XPENDING", k, Group(), "IDLE", P(0.1) ? "x" : "99999999", P(0.1) ? "abc" : "-", P(0.3) ? OldId() : "+", S(R(6) - 1) };
        if (P(0.4)) a.Add(Consumer());
        Emit(a.ToArray());
    }

    private void ReadGroup()
    {
        var a = new List<string> { "XREADGROUP", "GROUP", Group(), Consumer() };
        if (P(0.4)) a.AddRange(["COUNT", S(R(4))]);
        if (P(0.2)) a.Add("NOACK");
        a.Add("STREAMS");
        string[] keys = P(0.2) ? ["{g}a", "{g}b"] : [Key()];
        a.AddRange(keys);
        foreach (string _ in keys) a.Add(R(10) switch { < 6 => ">", 6 => "0", 7 => OldId(), 8 when P(0.3) => "$", _ => ">" });
        Emit(a.ToArray());
    }

    private static readonly string[] s_minIdle = ["0", "0", "0", "1000000", "10000000000000", "-5"];

    private void XClaim(string k)
    {
        var a = new List<string> { "XCLAIM", k, Group(), Consumer(), P(0.02) ? "soon" : s_minIdle[R(s_minIdle.Length)] };
        for (int i = 1 + R(4); i > 0; i--) a.Add(P(0.03) ? "1-x" : P(0.1) ? S(R((int)_ms + 1)) : OldId());
        if (P(0.4)) a.Add("FORCE");
        if (P(0.3)) a.Add("JUSTID");
        switch (R(6))
        {
            case 0: a.AddRange(["TIME", P(0.9) ? S(1000 + R(5000)) : P(0.5) ? "-3" : "x"]); break;
            case 1: a.AddRange(["IDLE", new[] { "0", "100000000000", "99999999999999", "-7", "1.5" }[R(5)]]); break;
            case 2: a.AddRange(["time", "5000", "idle", "0"]); break;
        }
        if (P(0.25)) a.AddRange(["RETRYCOUNT", P(0.9) ? S(R(9)) : P(0.5) ? "-1" : "many"]);
        if (P(0.15)) a.AddRange(["LASTID", P(0.9) ? OldId() : "-"]);
        if (P(0.03)) a.Add(P(0.5) ? "BOGUS" : "IDLE");
        if (P(0.03)) a.Add(OldId()); // an ID after the options: an unrecognized option
        Emit(a.ToArray());
    }

    private void XAutoClaim(string k)
    {
        string start = R(8) switch
        {
            0 => "-",
            1 => "+",
            2 => "(" + OldId(),
            3 when P(0.1) => "abc",
            3 => "0",
            _ => OldId(),
        };
        var a = new List<string> { "XAUTOCLAIM", k, Group(), Consumer(), P(0.02) ? "soon" : s_minIdle[R(s_minIdle.Length)], start };
        if (P(0.5)) a.AddRange(["COUNT", P(0.93) ? S(1 + R(4)) : new[] { "0", "-1", "x", "100000000000000" }[R(4)]]);
        if (P(0.35)) a.Add("JUSTID");
        if (P(0.02)) a.Add("EXTRA");
        Emit(a.ToArray());
    }
}
