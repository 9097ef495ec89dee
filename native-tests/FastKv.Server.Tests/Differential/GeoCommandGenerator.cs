using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Seeded random geo command streams for differential runs: GEOADD with NX/XX/CH and invalid pairs, point reads,
/// and searches (GEOSEARCH, GEOSEARCHSTORE, GEORADIUS[BYMEMBER][_RO]) by radius and box with ASC/DESC, COUNT,
/// COUNT ANY, every WITH* flag and STORE/STOREDIST, whose destinations are read back with ZRANGE WITHSCORES.
/// Points gather in clusters (some members share a position, so distances tie and the sort's tie order shows),
/// near the poles' limits and on both sides of the antimeridian; some keys share a slot, the others spread over
/// shards, so stores cross shards at --threads 4.
/// </summary>
public sealed class GeoCommandGenerator
{
    /// <summary>Sources and destinations: hash-tagged ones share a slot, the rest spread over shards.</summary>
    public static readonly string[] Keys = ["{g}1", "{g}2", "ga", "gb", "gc", "{g}d", "gd"];

    private const string StringKey = "gstr";

    /// <summary>Cluster centres (longitude, latitude): cities, the poles' limits, the antimeridian, the origin.</summary>
    private static readonly (double lon, double lat)[] s_centres =
    [
        (13.361389, 38.115556), (-73.9857, 40.7484), (151.2093, -33.8688), (179.9995, 10.5), (-179.9995, 10.5),
        (0, 0), (25.0, 85.05), (-120.0, -85.05), (100.0, 84.0), (-45.0, -70.0), (2.3522, 48.8566), (0.00001, -0.00001),
    ];

    private static readonly string[] s_units = ["m", "km", "ft", "mi", "KM", "M", "Mi"];
    private static readonly string[] s_badNumbers = ["abc", "", "1e", "nan", " 1"];

    private readonly Random _rng;
    private readonly List<byte[][]> _out = new();
    private readonly List<string> _members = new();

    public GeoCommandGenerator(int seed) => _rng = new Random(seed);

    /// <summary>The stream: FLUSHALL, optional HELLO 3, small listpack thresholds, then <paramref name="count"/> commands in all.</summary>
    public List<byte[][]> Generate(int count, bool resp3)
    {
        _out.Clear();
        Emit("FLUSHALL");
        if (resp3)
            Emit("HELLO", "3");
        Emit("CONFIG", "SET", "zset-max-listpack-entries", S(new[] { 4, 16, 128 }[R(3)]));
        Emit("SET", StringKey, "x");
        for (int i = 0; i < 150; i++) _members.Add("m" + S(i));
        _members.Add("7");
        _members.Add("-12");
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
    private static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    private string Key() => P(0.03) ? StringKey : P(0.03) ? "missing" : Keys[R(5)];
    private string Dest() => P(0.1) ? Keys[R(5)] : Keys[5 + R(2)];
    private string Member() => _members[R(_members.Count)];
    private string Unit() => P(0.02) ? "furlong" : s_units[R(s_units.Length)];

    /// <summary>A point near a centre: the same few positions often (ties), sometimes a random spot anywhere.</summary>
    private (string lon, string lat) Point()
    {
        if (P(0.03)) return (P(0.5) ? "181" : s_badNumbers[R(s_badNumbers.Length)], "10");
        if (P(0.03)) return ("10", P(0.5) ? "85.06" : "-90");
        if (P(0.1)) return (D(Math.Round(_rng.NextDouble() * 360 - 180, 6)), D(Math.Round(_rng.NextDouble() * 170 - 85, 6)));
        var (clon, clat) = s_centres[R(s_centres.Length)];
        if (P(0.3)) return (D(clon), D(clat));
        double spread = new[] { 0.0001, 0.01, 0.5, 3 }[R(4)];
        double lon = Math.Clamp(clon + (_rng.NextDouble() - 0.5) * spread, -180, 180);
        double lat = Math.Clamp(clat + (_rng.NextDouble() - 0.5) * spread, -85.05112878, 85.05112878);
        if (lon > 180 - 1e-9 && P(0.5)) lon = 180;
        return (D(Math.Round(lon, 1 + R(8))), D(Math.Round(lat, 1 + R(8))));
    }

    private string Radius()
    {
        if (P(0.02)) return P(0.5) ? "-1" : s_badNumbers[R(s_badNumbers.Length)];
        return new[] { "0", "1", "50", "1000", "25000", "300000", "2500000", "7000000", "20000000" }[R(9)];
    }

    private void Next()
    {
        int choice = R(100);
        switch (choice)
        {
            case < 22: GeoAdd(); break;
            case < 27: Emit("GEOPOS", Key(), Member(), Member()); break;
            case < 32: Emit("GEOHASH", Key(), Member(), Member()); break;
            case < 38:
                if (P(0.7)) Emit("GEODIST", Key(), Member(), Member(), Unit());
                else Emit("GEODIST", Key(), Member(), Member());
                break;
            case < 60: GeoSearch(store: false); break;
            case < 68: GeoSearch(store: true); break;
            case < 84: GeoRadius(byMember: P(0.4)); break;
            case < 92: ReadBack(); break;
            case < 95: Emit("ZREM", Key(), Member()); break;
            case 95: Emit("DEL", Dest()); break;
            default: GeoSearch(store: false); break;
        }
    }

    private void GeoAdd()
    {
        var args = new List<string> { "GEOADD", Key() };
        if (P(0.15)) args.Add("NX");
        if (P(0.15)) args.Add("XX");
        if (P(0.2)) args.Add("CH");
        int n = 1 + R(10);
        for (int i = 0; i < n; i++)
        {
            var (lon, lat) = Point();
            args.Add(lon);
            args.Add(lat);
            args.Add(Member());
        }
        if (P(0.02)) args.RemoveAt(args.Count - 1);
        Emit(args.ToArray());
    }

    private void Options(List<string> args, bool store)
    {
        var opts = new List<string[]>();
        if (!store || P(0.05))
        {
            if (P(0.4)) opts.Add(["WITHDIST"]);
            if (P(0.3)) opts.Add(["WITHCOORD"]);
            if (P(0.3)) opts.Add(["WITHHASH"]);
        }
        if (P(0.6)) opts.Add([P(0.5) ? "ASC" : "DESC"]);
        if (P(0.5))
        {
            string count = P(0.03) ? (P(0.5) ? "0" : "x") : S(1 + R(P(0.5) ? 3 : 30));
            opts.Add(P(0.3) ? ["COUNT", count, "ANY"] : ["COUNT", count]);
        }
        else if (P(0.03)) opts.Add(["ANY"]);
        // Shuffle the option groups: Redis takes them in any order.
        for (int i = opts.Count - 1; i > 0; i--)
        {
            int j = R(i + 1);
            (opts[i], opts[j]) = (opts[j], opts[i]);
        }
        foreach (string[] o in opts) args.AddRange(o);
    }

    private void GeoSearch(bool store)
    {
        var args = new List<string>();
        if (store) args.AddRange(["GEOSEARCHSTORE", Dest(), Key()]);
        else args.AddRange(["GEOSEARCH", Key()]);
        var from = new List<string>();
        if (P(0.4)) from.AddRange(["FROMMEMBER", Member()]);
        else
        {
            var (lon, lat) = Point();
            from.AddRange(["FROMLONLAT", lon, lat]);
        }
        var by = new List<string>();
        if (P(0.5)) by.AddRange(["BYRADIUS", Radius(), Unit()]);
        else by.AddRange(["BYBOX", Radius(), Radius(), Unit()]);
        if (P(0.03)) from.Clear();
        if (P(0.03)) by.Clear();
        if (P(0.5)) { args.AddRange(from); args.AddRange(by); }
        else { args.AddRange(by); args.AddRange(from); }
        Options(args, store);
        if (store && P(0.4)) args.Add("STOREDIST");
        if (P(0.01)) args.Add("BOGUS");
        Emit(args.ToArray());
    }

    private void GeoRadius(bool byMember)
    {
        bool ro = P(0.3);
        string name = byMember ? (ro ? "GEORADIUSBYMEMBER_RO" : "GEORADIUSBYMEMBER") : (ro ? "GEORADIUS_RO" : "GEORADIUS");
        var args = new List<string> { name, Key() };
        if (byMember) args.Add(Member());
        else
        {
            var (lon, lat) = Point();
            args.Add(lon);
            args.Add(lat);
        }
        args.Add(Radius());
        args.Add(Unit());
        bool store = P(ro ? 0.05 : 0.35);
        Options(args, store);
        if (store) args.AddRange([P(0.5) ? "STORE" : "STOREDIST", Dest()]);
        Emit(args.ToArray());
    }

    private void ReadBack()
    {
        string k = Dest();
        Emit("ZRANGE", k, "0", "-1", "WITHSCORES");
        if (P(0.3)) Emit("OBJECT", "ENCODING", k);
    }
}
