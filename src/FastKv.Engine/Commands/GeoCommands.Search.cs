using System;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

public static unsafe partial class GeoCommands
{
    /// <summary>Which command a search runs for (georadiusGeneric's flags).</summary>
    [Flags]
    enum SearchKind
    {
        /// <summary>GEORADIUS: centre from longitude and latitude arguments.</summary>
        Coords = 1,
        /// <summary>GEORADIUSBYMEMBER: centre from a member.</summary>
        Member = 2,
        /// <summary>The _RO forms: no STORE / STOREDIST.</summary>
        NoStore = 4,
        /// <summary>GEOSEARCH's FROM*/BY* arguments.</summary>
        Search = 8,
        /// <summary>GEOSEARCHSTORE: destination first, STOREDIST a bare flag.</summary>
        SearchStore = 16,
    }

    static void RegisterSearch(CommandTable t)
    {
        t.Add("georadius", &GeoRadius, CrossShard.Gather, keys: &RadiusKeys);
        t.Add("georadiusbymember", &GeoRadiusByMember, CrossShard.Gather, keys: &RadiusKeys);
        t.Add("georadius_ro", &GeoRadiusRo);
        t.Add("georadiusbymember_ro", &GeoRadiusByMemberRo);
        t.Add("geosearch", &GeoSearch);
        t.Add("geosearchstore", &GeoSearchStore, CrossShard.Gather);
    }

    static void GeoRadius(ref CommandContext c) => Search(ref c, 1, SearchKind.Coords);
    static void GeoRadiusByMember(ref CommandContext c) => Search(ref c, 1, SearchKind.Member);
    static void GeoRadiusRo(ref CommandContext c) => Search(ref c, 1, SearchKind.Coords | SearchKind.NoStore);
    static void GeoRadiusByMemberRo(ref CommandContext c) => Search(ref c, 1, SearchKind.Member | SearchKind.NoStore);
    static void GeoSearch(ref CommandContext c) => Search(ref c, 1, SearchKind.Search);
    static void GeoSearchStore(ref CommandContext c) => Search(ref c, 2, SearchKind.Search | SearchKind.SearchStore);

    /// <summary>
    /// georadiusGetKeys: the source, and the key after the last STORE or STOREDIST from the sixth argument on
    /// (the destination of GEORADIUS and GEORADIUSBYMEMBER).
    /// </summary>
    static int RadiusKeys(ReadOnlySpan<byte> buf, ArgList args, Span<int> positions)
    {
        int stored = -1;
        for (int i = 5; i < args.Count; i++)
        {
            ReadOnlySpan<byte> a = args.Get(buf, i);
            if ((Ascii.EqualsIgnoreCase(a, "store"u8) || Ascii.EqualsIgnoreCase(a, "storedist"u8)) && i + 1 < args.Count)
            {
                stored = i + 1;
                i++;
            }
        }
        if (positions.Length > 0) positions[0] = 1;
        if (stored < 0) return 1;
        if (positions.Length > 1) positions[1] = stored;
        return 2;
    }

    /// <summary>A search's options after parsing (georadiusGeneric's locals).</summary>
    struct SearchOptions
    {
        public GeoShape Shape;
        public int StoreKey; // argument index of the destination, 0 when none
        public bool StoreDist, WithDist, WithHash, WithCoord, Any, FromMember, FromLonLat, ByRadius, ByBox;
        public int Sort; // 0 none, 1 ascending, 2 descending
        public long Count;
    }

    /// <summary>
    /// georadiusGeneric: options and their errors in Redis's order (a missing source key still has its
    /// arguments checked, so the reply matches the STORE form), the nine-cell search, the sort, then the
    /// reply or the stored set.
    /// </summary>
    static void Search(ref CommandContext c, int srcKey, SearchKind kind)
    {
        if (!c.ReadTyped(srcKey, ValueKind.ZSet, out byte* e)) return;
        var o = new SearchOptions();
        int baseArgs;
        if ((kind & SearchKind.Coords) != 0)
        {
            baseArgs = 6;
            if (!TryLonLat(ref c, 2, out o.Shape.Lon, out o.Shape.Lat)) return;
            if (!TryRadius(ref c, baseArgs - 2, ref o.Shape)) return;
        }
        else if ((kind & SearchKind.Member) != 0)
        {
            baseArgs = 5;
            if (e != null)
            {
                if (!MemberPosition(ref c, e, 2, ref o.Shape)) return;
                if (!TryRadius(ref c, baseArgs - 2, ref o.Shape)) return;
            }
        }
        else
        {
            baseArgs = 2;
            if ((kind & SearchKind.SearchStore) != 0)
            {
                baseArgs = 3;
                o.StoreKey = 1;
            }
        }
        if (!ParseOptions(ref c, e, baseArgs, kind, ref o)) return;

        if (o.StoreKey != 0 && (o.WithDist || o.WithHash || o.WithCoord))
        {
            c.W.Error((kind & SearchKind.SearchStore) != 0
                ? "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
                : "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
            return;
        }
        if ((kind & SearchKind.Search) != 0 && !(o.FromMember || o.FromLonLat))
        {
            c.W.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + c.ArgString(0));
            return;
        }
        if ((kind & SearchKind.Search) != 0 && !(o.ByRadius || o.ByBox))
        {
            c.W.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + c.ArgString(0));
            return;
        }
        if (o.Any && o.Count == 0)
        {
            c.W.Error("ERR the ANY argument requires COUNT argument");
            return;
        }
        if (e == null)
        {
            if (o.StoreKey != 0)
            {
                ReadOnlySpan<byte> dest = c.Arg(o.StoreKey);
                if (c.Db.Delete(dest))
                {
                    c.Modified(dest, NotifyClass.Generic, "del"u8);
                    c.Dirty();
                }
                c.W.Integer(0);
            }
            else
            {
                c.W.ArrayHeader(0);
            }
            return;
        }
        // COUNT needs the nearest first, unless ANY asked for whichever come first.
        if (o.Count != 0 && o.Sort == 0 && !o.Any) o.Sort = 1;

        Span<GeoCell> cells = stackalloc GeoCell[9];
        o.Shape.SearchCells(cells);
        GeoMatches m = GeoMatches.Create();
        try
        {
            m.Collect(ZSet.Of(e), o.Shape, cells, o.Any ? o.Count : 0);
            if (m.Count == 0 && o.StoreKey == 0)
            {
                c.W.ArrayHeader(0);
                return;
            }
            int returned = o.Count == 0 || m.Count < o.Count ? m.Count : (int)o.Count;
            if (o.Sort != 0) m.Sort(o.Sort == 2, returned);
            if (o.StoreKey == 0) Reply(ref c, m, returned, o);
            else Store(ref c, m, returned, o, kind);
        }
        finally
        {
            m.Dispose();
        }
    }

    /// <summary>extractDistanceOrReply: radius and unit at <paramref name="at"/>.</summary>
    static bool TryRadius(ref CommandContext c, int at, ref GeoShape shape)
    {
        if (!RespNumber.TryParseDouble(c.Arg(at), out double r)) { c.W.Error("ERR need numeric radius"); return false; }
        if (r < 0) { c.W.Error("ERR radius cannot be negative"); return false; }
        double unit = Unit(ref c, at + 1);
        if (unit < 0) return false;
        shape.IsBox = false;
        shape.Radius = r;
        shape.Conversion = unit;
        return true;
    }

    /// <summary>extractBoxOrReply: width, height and unit at <paramref name="at"/>.</summary>
    static bool TryBox(ref CommandContext c, int at, ref GeoShape shape)
    {
        if (!RespNumber.TryParseDouble(c.Arg(at), out double w)) { c.W.Error("ERR need numeric width"); return false; }
        if (!RespNumber.TryParseDouble(c.Arg(at + 1), out double h)) { c.W.Error("ERR need numeric height"); return false; }
        if (h < 0 || w < 0) { c.W.Error("ERR height or width cannot be negative"); return false; }
        double unit = Unit(ref c, at + 2);
        if (unit < 0) return false;
        shape.IsBox = true;
        shape.Width = w;
        shape.Height = h;
        shape.Conversion = unit;
        return true;
    }

    /// <summary>longLatFromMember: the centre from a member's score, or the error when it is missing.</summary>
    static bool MemberPosition(ref CommandContext c, byte* e, int memberArg, ref GeoShape shape)
    {
        if (!ZSetValue.TryGetScore(ZSet.Of(e), c.Arg(memberArg), out double score))
        {
            c.W.Error("ERR could not decode requested zset member");
            return false;
        }
        GeoHash.DecodeScore(score, out shape.Lon, out shape.Lat);
        return true;
    }

    /// <summary>The optional arguments, each accepted only where Redis accepts it; anything else is a syntax error.</summary>
    static bool ParseOptions(ref CommandContext c, byte* e, int baseArgs, SearchKind kind, ref SearchOptions o)
    {
        bool search = (kind & SearchKind.Search) != 0;
        bool storeForms = (kind & SearchKind.NoStore) == 0 && !search;
        int remaining = c.Count - baseArgs;
        for (int i = 0; i < remaining; i++)
        {
            int at = baseArgs + i;
            if (c.ArgIs(at, "withdist"u8)) o.WithDist = true;
            else if (c.ArgIs(at, "withhash"u8)) o.WithHash = true;
            else if (c.ArgIs(at, "withcoord"u8)) o.WithCoord = true;
            else if (c.ArgIs(at, "any"u8)) o.Any = true;
            else if (c.ArgIs(at, "asc"u8)) o.Sort = 1;
            else if (c.ArgIs(at, "desc"u8)) o.Sort = 2;
            else if (c.ArgIs(at, "count"u8) && i + 1 < remaining)
            {
                if (!c.TryInt(at + 1, out o.Count)) return false;
                if (o.Count <= 0) { c.W.Error(Errors.CountNotAboveZero); return false; }
                i++;
            }
            else if (c.ArgIs(at, "store"u8) && i + 1 < remaining && storeForms)
            {
                o.StoreKey = at + 1;
                o.StoreDist = false;
                i++;
            }
            else if (c.ArgIs(at, "storedist"u8) && i + 1 < remaining && storeForms)
            {
                o.StoreKey = at + 1;
                o.StoreDist = true;
                i++;
            }
            else if (c.ArgIs(at, "storedist"u8) && search && (kind & SearchKind.SearchStore) != 0)
            {
                o.StoreDist = true;
            }
            else if (c.ArgIs(at, "frommember"u8) && i + 1 < remaining && search && !o.FromLonLat)
            {
                // Without a source key the arguments are still checked; the empty reply comes after.
                if (e != null && !MemberPosition(ref c, e, at + 1, ref o.Shape)) return false;
                o.FromMember = true;
                i++;
            }
            else if (c.ArgIs(at, "fromlonlat"u8) && i + 2 < remaining && search && !o.FromMember)
            {
                if (!TryLonLat(ref c, at + 1, out o.Shape.Lon, out o.Shape.Lat)) return false;
                o.FromLonLat = true;
                i += 2;
            }
            else if (c.ArgIs(at, "byradius"u8) && i + 2 < remaining && search && !o.ByBox)
            {
                if (!TryRadius(ref c, at + 1, ref o.Shape)) return false;
                o.ByRadius = true;
                i += 2;
            }
            else if (c.ArgIs(at, "bybox"u8) && i + 3 < remaining && search && !o.ByRadius)
            {
                if (!TryBox(ref c, at + 1, ref o.Shape)) return false;
                o.ByBox = true;
                i += 3;
            }
            else
            {
                c.W.Error(Errors.Syntax);
                return false;
            }
        }
        return true;
    }

    /// <summary>The matches as the reply: members alone, or [member, dist?, hash?, [lon, lat]?] each.</summary>
    static void Reply(ref CommandContext c, in GeoMatches m, int returned, in SearchOptions o)
    {
        int options = (o.WithDist ? 1 : 0) + (o.WithCoord ? 1 : 0) + (o.WithHash ? 1 : 0);
        c.W.ArrayHeader(returned);
        Span<GeoPoint> points = m.Points;
        for (int i = 0; i < returned; i++)
        {
            ref GeoPoint p = ref points[i];
            if (options != 0) c.W.ArrayHeader(options + 1);
            c.W.Bulk(m.Member(p));
            if (o.WithDist) WriteDistance(ref c, p.Dist / o.Shape.Conversion);
            if (o.WithHash) c.W.Integer(X86.DoubleToInt64(p.Score));
            if (o.WithCoord)
            {
                c.W.ArrayHeader(2);
                GeoNumbers.WriteCoordinate(c.W, p.Lon);
                GeoNumbers.WriteCoordinate(c.W, p.Lat);
            }
        }
    }

    /// <summary>
    /// STORE / STOREDIST / GEOSEARCHSTORE: the matches replace the destination as a sorted set scored by geohash
    /// or by distance in the unit; none deletes it. One change per stored member, as Redis counts.
    /// </summary>
    static void Store(ref CommandContext c, in GeoMatches m, int returned, in SearchOptions o, SearchKind kind)
    {
        ReadOnlySpan<byte> dest = c.Arg(o.StoreKey);
        if (returned == 0)
        {
            if (c.Db.Delete(dest))
            {
                c.Modified(dest, NotifyClass.Generic, "del"u8);
                c.Dirty();
            }
            c.W.Integer(0);
            return;
        }
        Span<GeoPoint> points = m.Points;
        int longest = 0;
        for (int i = 0; i < returned; i++) longest = Math.Max(longest, points[i].MemberLength);
        ZSet z = ZSetValue.NewFor(c.Shard, returned, longest);
        for (int i = 0; i < returned; i++)
        {
            ref GeoPoint p = ref points[i];
            double score = o.StoreDist ? p.Dist / o.Shape.Conversion : p.Score;
            ZSetValue.Add(c.Shard, ref z, score, m.Member(p), ZAddFlags.None, out _);
        }
        bool existed = c.Db.Delete(dest);
        c.Db.AddCollection(dest, ValueKind.ZSet, z.Encoding, z.Ptr, overwrite: existed);
        c.Modified(dest, NotifyClass.ZSet, (kind & SearchKind.Search) != 0 ? "geosearchstore"u8 : "georadiusstore"u8);
        c.Dirty(returned);
        c.W.Integer(returned);
    }
}
