using System;

namespace FastKv.Engine;

/// <summary>
/// The area a geo search covers (Redis's GeoShape): a circle of <see cref="Radius"/> or an axis-aligned box of
/// <see cref="Width"/> x <see cref="Height"/> around (<see cref="Lon"/>, <see cref="Lat"/>), in the unit whose
/// size in metres is <see cref="Conversion"/>.
/// </summary>
public struct GeoShape
{
    public bool IsBox;
    public double Lon, Lat;
    public double Radius, Width, Height;
    public double Conversion;

    /// <summary>
    /// geoWithinShape: whether the point is inside, with its distance from the centre in metres. A box is tested
    /// on the latitude distance first, then the longitude distance along the point's own parallel.
    /// </summary>
    public readonly bool Contains(double lon, double lat, out double distance)
    {
        distance = 0;
        if (!IsBox)
        {
            distance = GeoHash.Distance(Lon, Lat, lon, lat);
            return distance <= Radius * Conversion;
        }
        double widthM = Width * Conversion, heightM = Height * Conversion;
        if (GeoHash.LatDistance(lat, Lat) > heightM / 2) return false;
        if (GeoHash.Distance(lon, lat, Lon, lat) > widthM / 2) return false;
        distance = GeoHash.Distance(Lon, Lat, lon, lat);
        return true;
    }

    /// <summary>
    /// geohashBoundingBox: (lonMin, latMin, lonMax, latMax) in degrees. Longitudes widen with latitude, so the
    /// side nearer the pole decides the longitude span.
    /// </summary>
    public readonly void BoundingBox(out double lonMin, out double latMin, out double lonMax, out double latMax)
    {
        double height = Conversion * (IsBox ? Height / 2 : Radius);
        double width = Conversion * (IsBox ? Width / 2 : Radius);
        double latDelta = GeoHash.ToDegrees(height / GeoHash.EarthRadius);
        double lonDeltaTop = GeoHash.ToDegrees(width / GeoHash.EarthRadius / LibM.Cos(GeoHash.ToRadians(Lat + latDelta)));
        double lonDeltaBottom = GeoHash.ToDegrees(width / GeoHash.EarthRadius / LibM.Cos(GeoHash.ToRadians(Lat - latDelta)));
        bool south = Lat < 0;
        lonMin = south ? Lon - lonDeltaBottom : Lon - lonDeltaTop;
        lonMax = south ? Lon + lonDeltaBottom : Lon + lonDeltaTop;
        latMin = Lat - latDelta;
        latMax = Lat + latDelta;
    }

    /// <summary>
    /// geohashCalculateAreasByShapeWGS84: the centre's cell and its eight neighbours at a step coarse enough to
    /// cover the shape, in Redis's search order (centre, N, S, E, W, NE, NW, SE, SW); cells that cannot hold a
    /// match are zero.
    /// </summary>
    public readonly void SearchCells(Span<GeoCell> cells9)
    {
        BoundingBox(out double minLon, out double minLat, out double maxLon, out double maxLat);
        double radiusM = !IsBox ? Radius : Math.Sqrt((Width / 2) * (Width / 2) + (Height / 2) * (Height / 2));
        radiusM *= Conversion;
        byte steps = GeoHash.EstimateSteps(radiusM, Lat);
        GeoHash.Encode(Lon, Lat, steps, out GeoCell hash);
        FillNeighbours(hash, cells9);
        GeoHash.Decode(cells9[1], out GeoArea north);
        GeoHash.Decode(cells9[2], out GeoArea south);
        GeoHash.Decode(cells9[3], out GeoArea east);
        GeoHash.Decode(cells9[4], out GeoArea west);
        // Near a cell's edge the estimate may leave part of the box outside the nine cells: one step coarser.
        bool decrease = north.LatMax < maxLat || south.LatMin > minLat || east.LonMax < maxLon || west.LonMin > minLon;
        if (steps > 1 && decrease)
        {
            steps--;
            GeoHash.Encode(Lon, Lat, steps, out hash);
            FillNeighbours(hash, cells9);
        }
        GeoHash.Decode(hash, out GeoArea area);
        if (steps >= 2)
        {
            if (area.LatMin < minLat) { cells9[2] = default; cells9[8] = default; cells9[7] = default; }
            if (area.LatMax > maxLat) { cells9[1] = default; cells9[5] = default; cells9[6] = default; }
            if (area.LonMin < minLon) { cells9[4] = default; cells9[8] = default; cells9[6] = default; }
            if (area.LonMax > maxLon) { cells9[3] = default; cells9[7] = default; cells9[5] = default; }
        }
    }

    static void FillNeighbours(GeoCell hash, Span<GeoCell> c)
    {
        c[0] = hash;
        c[1] = GeoHash.Neighbour(hash, 0, 1);   // north
        c[2] = GeoHash.Neighbour(hash, 0, -1);  // south
        c[3] = GeoHash.Neighbour(hash, 1, 0);   // east
        c[4] = GeoHash.Neighbour(hash, -1, 0);  // west
        c[5] = GeoHash.Neighbour(hash, 1, 1);   // north-east
        c[6] = GeoHash.Neighbour(hash, -1, 1);  // north-west
        c[7] = GeoHash.Neighbour(hash, 1, -1);  // south-east
        c[8] = GeoHash.Neighbour(hash, -1, -1); // south-west
    }
}
