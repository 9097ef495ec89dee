using System;
using System.Buffers;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// The geo family (Redis geo.c): points live in sorted sets, each scored with its 52-bit geohash
/// (<see cref="GeoHash"/>), so every sorted-set command works on them too. This file holds registration,
/// GEOADD (ZADD underneath) and the point reads GEOPOS, GEODIST and GEOHASH; GeoCommands.Search.cs the
/// searches GEOSEARCH, GEOSEARCHSTORE and GEORADIUS[BYMEMBER][_RO].
/// Unsafe invariant for the whole family: an entry pointer from a typed lookup is valid until the next write to
/// the same database.
/// </summary>
public static unsafe partial class GeoCommands
{
    public static void Register(CommandTable t)
    {
        t.Add("geoadd", &GeoAdd);
        t.Add("geopos", &GeoPos);
        t.Add("geodist", &GeoDist);
        t.Add("geohash", &GeoHashCommand);
        RegisterSearch(t);
    }

    // ---- argument helpers ---------------------------------------------------------------------------

    /// <summary>extractLongLatOrReply: two floats at <paramref name="at"/> within Redis's limits.</summary>
    static bool TryLonLat(ref CommandContext c, int at, out double lon, out double lat)
    {
        lat = 0;
        if (!RespNumber.TryParseDouble(c.Arg(at), out lon) || !RespNumber.TryParseDouble(c.Arg(at + 1), out lat))
        {
            c.W.Error(Errors.NotFloat);
            return false;
        }
        if (lon < -GeoHash.LonLimit || lon > GeoHash.LonLimit || lat < -GeoHash.LatLimit || lat > GeoHash.LatLimit)
        {
            c.W.Error("ERR invalid longitude,latitude pair " + GeoNumbers.FormatF6(lon) + "," + GeoNumbers.FormatF6(lat));
            return false;
        }
        return true;
    }

    /// <summary>extractUnitOrReply: metres per unit, or -1 after the error.</summary>
    static double Unit(ref CommandContext c, int at)
    {
        ReadOnlySpan<byte> u = c.Arg(at);
        if (Ascii.EqualsIgnoreCase(u, "m"u8)) return 1;
        if (Ascii.EqualsIgnoreCase(u, "km"u8)) return 1000;
        if (Ascii.EqualsIgnoreCase(u, "ft"u8)) return 0.3048;
        if (Ascii.EqualsIgnoreCase(u, "mi"u8)) return 1609.34;
        c.W.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
        return -1;
    }

    static void WriteDistance(ref CommandContext c, double d)
    {
        Span<byte> text = stackalloc byte[GeoNumbers.DistanceChars];
        c.W.Bulk(text.Slice(0, GeoNumbers.FormatDistance(d, text)));
    }

    // ---- GEOADD -------------------------------------------------------------------------------------

    /// <summary>
    /// geoaddCommand: options NX, XX, CH, then longitude-latitude-member triples, each pair checked before
    /// anything is written; then ZADD's work with the scores (keyspace event "zadd"), recorded in the AOF as that ZADD.
    /// </summary>
    static void GeoAdd(ref CommandContext c)
    {
        bool nx = false, xx = false, ch = false;
        int longIdx = 2;
        for (; longIdx < c.Count; longIdx++)
        {
            if (c.ArgIs(longIdx, "nx"u8)) nx = true;
            else if (c.ArgIs(longIdx, "xx"u8)) xx = true;
            else if (c.ArgIs(longIdx, "ch"u8)) ch = true;
            else break;
        }
        int args = c.Count - longIdx;
        // No triples at all is a syntax error too, from ZADD in Redis.
        if (args % 3 != 0 || (xx && nx) || args == 0) { c.W.Error(Errors.Syntax); return; }
        int elements = args / 3;
        double[]? rented = null;
        Span<double> scores = elements <= 64 ? stackalloc double[elements] : (rented = ArrayPool<double>.Shared.Rent(elements)).AsSpan(0, elements);
        try
        {
            for (int i = 0; i < elements; i++)
            {
                if (!TryLonLat(ref c, longIdx + 3 * i, out double lon, out double lat)) return;
                scores[i] = GeoHash.Score(lon, lat);
            }
            ZAddFlags flags = (nx ? ZAddFlags.Nx : 0) | (xx ? ZAddFlags.Xx : 0);
            long dirty = c.Shard.Stats.Dirty;
            ZSetCommands.AddParsed(ref c, flags, ch, longIdx + 2, 3, scores);
            // Propagated as the ZADD it became, and only when it changed something, as Redis propagates any command.
            if (c.Shard.Aof.On && c.Shard.Stats.Dirty != dirty) AofForms.GeoAddAsZAdd(ref c, longIdx, scores);
        }
        finally
        {
            if (rented != null) ArrayPool<double>.Shared.Return(rented);
        }
    }

    // ---- point reads --------------------------------------------------------------------------------

    /// <summary>geoposCommand: [lon, lat] per member, a null array for a missing one.</summary>
    static void GeoPos(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.ZSet, out byte* e)) return;
        c.W.ArrayHeader(c.Count - 2);
        for (int j = 2; j < c.Count; j++)
        {
            if (e == null || !ZSetValue.TryGetScore(ZSet.Of(e), c.Arg(j), out double score))
            {
                c.W.NullArray();
                continue;
            }
            GeoHash.DecodeScore(score, out double lon, out double lat);
            c.W.ArrayHeader(2);
            GeoNumbers.WriteCoordinate(c.W, lon);
            GeoNumbers.WriteCoordinate(c.W, lat);
        }
    }

    /// <summary>geodistCommand: GEODIST key m1 m2 [unit]; null when the key or either member is missing.</summary>
    static void GeoDist(ref CommandContext c)
    {
        double toMeters = 1;
        if (c.Count == 5)
        {
            toMeters = Unit(ref c, 4);
            if (toMeters < 0) return;
        }
        else if (c.Count > 5)
        {
            c.W.Error(Errors.Syntax);
            return;
        }
        if (!c.ReadTyped(1, ValueKind.ZSet, out byte* e)) return;
        if (e == null) { c.W.NullBulk(); return; }
        ZSet z = ZSet.Of(e);
        if (!ZSetValue.TryGetScore(z, c.Arg(2), out double s1) || !ZSetValue.TryGetScore(z, c.Arg(3), out double s2))
        {
            c.W.NullBulk();
            return;
        }
        GeoHash.DecodeScore(s1, out double lon1, out double lat1);
        GeoHash.DecodeScore(s2, out double lon2, out double lat2);
        WriteDistance(ref c, GeoHash.Distance(lon1, lat1, lon2, lat2) / toMeters);
    }

    /// <summary>geohashCommand: the 11-character standard geohash per member, a null for a missing one.</summary>
    static void GeoHashCommand(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.ZSet, out byte* e)) return;
        c.W.ArrayHeader(c.Count - 2);
        Span<byte> text = stackalloc byte[11];
        for (int j = 2; j < c.Count; j++)
        {
            if (e == null || !ZSetValue.TryGetScore(ZSet.Of(e), c.Arg(j), out double score))
            {
                c.W.NullBulk();
                continue;
            }
            GeoHash.ToBase32(score, text);
            c.W.Bulk(text);
        }
    }
}
