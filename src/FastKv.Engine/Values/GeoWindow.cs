using System;
using System.Runtime.CompilerServices;

namespace FastKv.Engine;

/// <summary>
/// A cheap first test of a geo search's candidates, on the step-26 cell indices of a score before any decoding
/// or haversine: a latitude band and a longitude band, in cell indices, outside which no point can lie in the
/// shape. The nine cells of a search hold about fifteen times the shape's area at the usual steps, so most
/// candidates are refused here and only the rest pay for <see cref="GeoHash.DecodeScore"/> and
/// <see cref="GeoShape.Contains"/>, whose verdict alone decides a match: the window never changes a reply.
/// <para>
/// Why a refused point is outside: the great-circle distance is at least R·|Δlat| (the circle's distance and the
/// box's latitude test), and haversine's a is at least cos(lat1)·cos(lat2)·sin²(Δlon/2) (the circle; the box's
/// distance along the point's parallel is the case lat1 = lat2), with both cosines at least the cosine of the
/// band's farthest latitude. Each band is widened by a relative 1e-7 of the distance and three cells each side,
/// far beyond the rounding of libm's functions and of the decoding (whose centres are monotonic in the index).
/// A band that would wrap round the antimeridian, reach a pole or pass a half turn is not used (the whole axis).
/// </para>
/// </summary>
public readonly struct GeoWindow
{
    readonly uint latLo, latHi, lonLo, lonHi;

    const double Cells = 1 << GeoHash.MaxStep;
    const double Slack = 3; // cells each side
    const double Widen = 1 + 1e-7;

    /// <summary>Whether the point whose score has these cell indices may lie in the shape.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool MayContain(uint ilat, uint ilon) =>
        ilat - latLo <= latHi - latLo && ilon - lonLo <= lonHi - lonLo;

    /// <summary>
    /// For a score's cell indices outside the window, the first score past the largest aligned Z-order block
    /// around it that lies wholly outside (so every score between cannot be in the shape); 2^52 when that block
    /// is the whole plane. A block of level k fixes all but the low k bits of each index: it misses the window
    /// when one index is below (above) the band in a bit at or above k, i.e. k up to the highest bit in which
    /// the index and the band's bound differ.
    /// </summary>
    public ulong SkipPast(ulong code, uint ilat, uint ilon)
    {
        int k = Math.Max(OutsideLevel(ilat, latLo, latHi), OutsideLevel(ilon, lonLo, lonHi));
        if (k >= GeoHash.MaxStep) return 1UL << (2 * GeoHash.MaxStep);
        return ((code >> (2 * k)) + 1) << (2 * k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int OutsideLevel(uint i, uint lo, uint hi)
    {
        if (i < lo) return 31 - System.Numerics.BitOperations.LeadingZeroCount(i ^ lo);
        if (i > hi) return 31 - System.Numerics.BitOperations.LeadingZeroCount(i ^ hi);
        return -1;
    }

    GeoWindow(uint latLo, uint latHi, uint lonLo, uint lonHi)
    {
        this.latLo = latLo;
        this.latHi = latHi;
        this.lonLo = lonLo;
        this.lonHi = lonHi;
    }

    /// <summary>The window of <paramref name="shape"/>: half-height and half-width in metres as its tests use them.</summary>
    public static GeoWindow Of(in GeoShape shape)
    {
        double halfHeight = shape.Conversion * (shape.IsBox ? shape.Height / 2 : shape.Radius) * Widen;
        double halfWidth = shape.Conversion * (shape.IsBox ? shape.Width / 2 : shape.Radius) * Widen;
        if (!(halfHeight >= 0) || !(halfWidth >= 0)) return Everything;
        double latDelta = GeoHash.ToDegrees(halfHeight / GeoHash.EarthRadius);
        double south = shape.Lat - latDelta, north = shape.Lat + latDelta;
        (uint latLo, uint latHi) = Band(south, north, GeoHash.LatLimit);

        // The longitude band: sin(Δlon/2) <= sin(w / 2R) / cos(farthest latitude), with the band's slack.
        double cellDeg = 2 * GeoHash.LatLimit / Cells;
        double farthest = Math.Max(Math.Abs(south), Math.Abs(north)) + (Slack + 1) * cellDeg;
        double half = halfWidth / (2 * GeoHash.EarthRadius);
        if (farthest >= 89 || half >= Math.PI / 4) return new GeoWindow(latLo, latHi, 0, uint.MaxValue);
        double s = Math.Sin(half) * Widen / (Math.Cos(GeoHash.ToRadians(farthest)) * (1 - 1e-9));
        if (s >= 0.5) return new GeoWindow(latLo, latHi, 0, uint.MaxValue);
        double lonDelta = GeoHash.ToDegrees(2 * Math.Asin(s)) * Widen;
        double west = shape.Lon - lonDelta, east = shape.Lon + lonDelta;
        if (west <= -GeoHash.LonLimit || east >= GeoHash.LonLimit) return new GeoWindow(latLo, latHi, 0, uint.MaxValue);
        (uint lonLo, uint lonHi) = Band(west, east, GeoHash.LonLimit);
        return new GeoWindow(latLo, latHi, lonLo, lonHi);
    }

    /// <summary>No test: every index passes.</summary>
    public static GeoWindow Everything => new(0, uint.MaxValue, 0, uint.MaxValue);

    /// <summary>
    /// The cell indices whose decoded centres may lie in [lo, hi] over -limit..limit. An index past the last cell
    /// (a score no GEOADD wrote) decodes clamped to the limit, so a band reaching the limit keeps them all.
    /// </summary>
    static (uint, uint) Band(double lo, double hi, double limit)
    {
        double a = Math.Floor((lo + limit) / (2 * limit) * Cells) - Slack;
        double b = Math.Floor((hi + limit) / (2 * limit) * Cells) + Slack;
        uint first = a <= 0 ? 0 : (uint)a;
        uint last = b >= Cells - 1 ? uint.MaxValue : (uint)b;
        return (first, last);
    }
}
