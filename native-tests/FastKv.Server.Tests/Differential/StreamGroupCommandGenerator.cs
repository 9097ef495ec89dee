using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random consumer-group command streams for differential runs: XADD with explicit IDs, XGROUP CREATE (ID, "$",
/// MKSTREAM, ENTRIESREAD) / SETID / DESTROY / CREATECONSUMER / DELCONSUMER, XREADGROUP with "&gt;", explicit IDs, COUNT
/// and NOACK (one key, or the {g} pair that shares a shard), XACK, XDEL and XTRIM under pending entries, XINFO STREAM
/// (its lag and entries-read fields), XINFO GROUPS, XPENDING's summary and
/// IDLE forms, and the errors (NOGROUP, "$", WRONGTYPE, bad IDs). No reply holds a time.
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
            case < 30: Emit("XADD", k, $"{S(_ms += 1 + R(2))}-{S(R(2))}", "f", S(R(100))); break;
            case < 36: Create(k); break;
            case < 40: SetId(k); break;
            case < 42: Emit("XGROUP", "DESTROY", k, Group()); break;
            case < 44: Emit("XGROUP", "CREATECONSUMER", k, Group(), Consumer()); break;
            case < 46: Emit("XGROUP", "DELCONSUMER", k, Group(), Consumer()); break;
            case < 70: ReadGroup(); break;
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
}
