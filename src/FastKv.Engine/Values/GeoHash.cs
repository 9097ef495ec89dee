using System;
using System.Runtime.CompilerServices;

namespace FastKv.Engine;

/// <summary>
/// A geohash cell: <see cref="Bits"/> holds <see cref="Step"/> * 2 interleaved bits, latitude in the even
/// positions and longitude in the odd ones (Redis's GeoHashBits). Step 0 with no bits is "no cell".
/// </summary>
public readonly struct GeoCell
{
    public readonly ulong Bits;
    public readonly byte Step;

    public GeoCell(ulong bits, byte step) { Bits = bits; Step = step; }

    public bool IsZero => Bits == 0 && Step == 0;
}

/// <summary>A cell's extent in degrees (GeoHashArea).</summary>
public struct GeoArea
{
    public double LonMin, LonMax, LatMin, LatMax;
}

/// <summary>
/// Redis's geohash (geohash.c, geohash_helper.c): the 52-bit score of a point in a sorted set, its decoding,
/// neighbour cells and the haversine distance. Longitudes span -180..180 and latitudes
/// +-<see cref="LatLimit"/> (the Web-Mercator limits), both cut into 2^26 steps; the score is the two 26-bit
/// offsets interleaved. Every expression keeps Redis's operand order, so decoded coordinates and distances
/// are the same doubles Redis computes (libm's sin, cos and asin through <see cref="LibM"/>; no fused multiply-add).
/// </summary>
public static class GeoHash
{
    public const double LatLimit = 85.05112878;
    public const double LonLimit = 180;
    /// <summary>26 steps per axis: 52 bits, exact in a double score.</summary>
    public const byte MaxStep = 26;
    public const double EarthRadius = 6372797.560856;
    const double MercatorMax = 20037726.37;
    const double DegToRad = Math.PI / 180.0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToRadians(double deg) => deg * DegToRad;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToDegrees(double rad) => rad / DegToRad;

    /// <summary>Spreads the low 32 bits of each input: <paramref name="even"/> to the even bit positions, <paramref name="odd"/> to the odd ones.</summary>
    public static ulong Interleave(uint even, uint odd)
    {
        ulong x = Spread(even), y = Spread(odd);
        return x | (y << 1);
    }

    static ulong Spread(ulong v)
    {
        v = (v | (v << 16)) & 0x0000FFFF0000FFFFUL;
        v = (v | (v << 8)) & 0x00FF00FF00FF00FFUL;
        v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        v = (v | (v << 2)) & 0x3333333333333333UL;
        return (v | (v << 1)) & 0x5555555555555555UL;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Gather(ulong v)
    {
        v &= 0x5555555555555555UL;
        v = (v | (v >> 1)) & 0x3333333333333333UL;
        v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0FUL;
        v = (v | (v >> 4)) & 0x00FF00FF00FF00FFUL;
        v = (v | (v >> 8)) & 0x0000FFFF0000FFFFUL;
        return (v | (v >> 16)) & 0x00000000FFFFFFFFUL;
    }

    /// <summary>
    /// geohashEncode: the cell of <paramref name="step"/> holding the point, over the given ranges; false when the
    /// point is outside Redis's limits or the ranges.
    /// </summary>
    public static bool Encode(double lonMin, double lonMax, double latMin, double latMax, double lon, double lat, byte step, out GeoCell cell)
    {
        cell = default;
        if (step > 32 || step == 0) return false;
        if (lon > LonLimit || lon < -LonLimit || lat > LatLimit || lat < -LatLimit) return false;
        if (lat < latMin || lat > latMax || lon < lonMin || lon > lonMax) return false;
        double latOffset = (lat - latMin) / (latMax - latMin);
        double lonOffset = (lon - lonMin) / (lonMax - lonMin);
        latOffset *= (double)(1UL << step);
        lonOffset *= (double)(1UL << step);
        cell = new GeoCell(Interleave((uint)latOffset, (uint)lonOffset), step);
        return true;
    }

    /// <summary>geohashEncodeWGS84 over Redis's ranges.</summary>
    public static bool Encode(double lon, double lat, byte step, out GeoCell cell) =>
        Encode(-LonLimit, LonLimit, -LatLimit, LatLimit, lon, lat, step, out cell);

    /// <summary>The sorted-set score of a point (GEOADD): its step-26 cell as a 52-bit integer.</summary>
    public static ulong Score(double lon, double lat)
    {
        Encode(lon, lat, MaxStep, out GeoCell cell);
        return Align52(cell);
    }

    /// <summary>geohashAlign52Bits: the cell's bits as the top of a 52-bit score.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Align52(GeoCell cell) => cell.Bits << (52 - cell.Step * 2);

    /// <summary>geohashDecode over the given ranges; false for the zero cell.</summary>
    public static bool Decode(double lonMin, double lonMax, double latMin, double latMax, GeoCell cell, out GeoArea area)
    {
        area = default;
        if (cell.IsZero) return false;
        Area(lonMin, lonMax, latMin, latMax, LatIndex(cell.Bits), LonIndex(cell.Bits), cell.Step, out area);
        return true;
    }

    /// <summary>The latitude's cell index in interleaved bits (their even positions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint LatIndex(ulong bits) => (uint)Gather(bits);

    /// <summary>The longitude's cell index in interleaved bits (their odd positions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint LonIndex(ulong bits) => (uint)Gather(bits >> 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Area(double lonMin, double lonMax, double latMin, double latMax, uint ilat, uint ilon, byte step, out GeoArea area)
    {
        double latScale = latMax - latMin;
        double lonScale = lonMax - lonMin;
        double cells = (double)(1UL << step);
        area.LatMin = latMin + (ilat * 1.0 / cells) * latScale;
        area.LatMax = latMin + ((ilat + 1) * 1.0 / cells) * latScale;
        area.LonMin = lonMin + (ilon * 1.0 / cells) * lonScale;
        area.LonMax = lonMin + ((ilon + 1) * 1.0 / cells) * lonScale;
    }

    public static bool Decode(GeoCell cell, out GeoArea area) => Decode(-LonLimit, LonLimit, -LatLimit, LatLimit, cell, out area);

    /// <summary>
    /// decodeGeohash: the centre of the step-26 cell a sorted-set score names, clamped to the limits. Any score
    /// decodes (a score that no GEOADD wrote gives a clamped point), as in Redis.
    /// </summary>
    public static void DecodeScore(double score, out double lon, out double lat)
    {
        ulong bits = X86.DoubleToUInt64(score);
        DecodeIndices(LatIndex(bits), LonIndex(bits), out lon, out lat);
    }

    /// <summary><see cref="DecodeScore"/> from a score's step-26 cell indices (<see cref="LatIndex"/>, <see cref="LonIndex"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DecodeIndices(uint ilat, uint ilon, out double lon, out double lat)
    {
        Area(-LonLimit, LonLimit, -LatLimit, LatLimit, ilat, ilon, MaxStep, out GeoArea a);
        lon = (a.LonMin + a.LonMax) / 2;
        if (lon > LonLimit) lon = LonLimit;
        if (lon < -LonLimit) lon = -LonLimit;
        lat = (a.LatMin + a.LatMax) / 2;
        if (lat > LatLimit) lat = LatLimit;
        if (lat < -LatLimit) lat = -LatLimit;
    }

    /// <summary>The 11-character standard geohash of a score (GEOHASH): re-encoded over latitudes -90..90.</summary>
    public static void ToBase32(double score, Span<byte> dest11)
    {
        ReadOnlySpan<byte> alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"u8;
        DecodeScore(score, out double lon, out double lat);
        Encode(-180, 180, -90, 90, lon, lat, MaxStep, out GeoCell cell);
        for (int i = 0; i < 10; i++) dest11[i] = alphabet[(int)((cell.Bits >> (52 - (i + 1) * 5)) & 0x1f)];
        // 52 bits make ten characters; Redis pads the eleventh with the zero digit.
        dest11[10] = alphabet[0];
    }

    // ---- neighbours ----

    const ulong LonBits = 0xaaaaaaaaaaaaaaaaUL, LatBits = 0x5555555555555555UL;

    /// <summary>
    /// geohash_move_x (<paramref name="axis"/> = longitude bits) and geohash_move_y (latitude bits): one cell
    /// forwards (+1) or backwards (-1) along that axis, wrapping around. Setting the other axis's bits first lets
    /// the carry or borrow run through them.
    /// </summary>
    static GeoCell Move(GeoCell c, int d, ulong axis, ulong other)
    {
        if (d == 0) return c;
        ulong moving = c.Bits & axis;
        ulong kept = c.Bits & other;
        ulong zz = other >> (64 - c.Step * 2);
        if (d > 0) moving += zz + 1;
        else
        {
            moving |= zz;
            moving -= zz + 1;
        }
        moving &= axis >> (64 - c.Step * 2);
        return new GeoCell(moving | kept, c.Step);
    }

    /// <summary>The cell one step away in longitude (<paramref name="dLon"/>) and latitude (<paramref name="dLat"/>).</summary>
    public static GeoCell Neighbour(GeoCell c, int dLon, int dLat) => Move(Move(c, dLon, LonBits, LatBits), dLat, LatBits, LonBits);

    // ---- distances ----

    /// <summary>geohashGetLatDistance: metres along a meridian.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double LatDistance(double lat1, double lat2) => EarthRadius * Math.Abs(ToRadians(lat2) - ToRadians(lat1));

    /// <summary>geohashGetDistance: the haversine great-circle distance in metres.</summary>
    public static double Distance(double lon1, double lat1, double lon2, double lat2)
    {
        double lon1r = ToRadians(lon1);
        double lon2r = ToRadians(lon2);
        double v = LibM.Sin((lon2r - lon1r) / 2);
        // Same meridian: the formula reduces to the latitude difference.
        if (v == 0.0) return LatDistance(lat1, lat2);
        double lat1r = ToRadians(lat1);
        double lat2r = ToRadians(lat2);
        double u = LibM.Sin((lat2r - lat1r) / 2);
        double a = u * u + LibM.Cos(lat1r) * LibM.Cos(lat2r) * v * v;
        return 2.0 * EarthRadius * LibM.Asin(Math.Sqrt(a));
    }

    /// <summary>geohashEstimateStepsByRadius: the coarsest step whose cells still cover the radius (1..26).</summary>
    public static byte EstimateSteps(double rangeMeters, double lat)
    {
        if (rangeMeters == 0) return 26;
        int step = 1;
        while (rangeMeters < MercatorMax)
        {
            rangeMeters *= 2;
            step++;
        }
        step -= 2; // include the range in most base cases
        // Meridians converge towards the poles: wider cells there.
        if (lat > 66 || lat < -66)
        {
            step--;
            if (lat > 80 || lat < -80) step--;
        }
        if (step < 1) step = 1;
        if (step > 26) step = 26;
        return (byte)step;
    }
}

/// <summary>Conversions as x86-64 code compiled from C performs them, where .NET's differ.</summary>
public static class X86
{
    const double TwoTo63 = 9223372036854775808.0;

    /// <summary>cvttsd2si: truncation, with the "integer indefinite" value for NaN and out-of-range inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long DoubleToInt64(double d) => d >= -TwoTo63 && d < TwoTo63 ? (long)d : long.MinValue;

    /// <summary>C's (uint64_t)double as gcc emits it for x86-64: below 2^63 a signed conversion, else offset by 2^63.</summary>
    public static ulong DoubleToUInt64(double d)
    {
        if (!(d >= TwoTo63)) return (ulong)DoubleToInt64(d);
        return (ulong)DoubleToInt64(d - TwoTo63) ^ 0x8000000000000000UL;
    }
}
