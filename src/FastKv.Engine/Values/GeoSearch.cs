using System;
using System.Buffers;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>A match of a geo search (geoPoint): its decoded position, distance, score and member bytes in <see cref="GeoMatches"/>.</summary>
public struct GeoPoint
{
    public double Lon, Lat, Dist, Score;
    public int MemberAt, MemberLength;
}

/// <summary>
/// The matches of one geo search (Redis's geoArray), in pooled buffers: members are copied out of the set, so
/// the results outlive writes to it (GEOSEARCHSTORE onto its own source). <see cref="Dispose"/> returns the buffers.
/// </summary>
public unsafe struct GeoMatches : IDisposable
{
    GeoPoint[] points;
    byte[] members;
    int membersUsed;
    public int Count;

    public static GeoMatches Create() => new()
    {
        points = ArrayPool<GeoPoint>.Shared.Rent(16),
        members = ArrayPool<byte>.Shared.Rent(256),
    };

    public readonly Span<GeoPoint> Points => points.AsSpan(0, Count);

    public readonly ReadOnlySpan<byte> Member(in GeoPoint p) => members.AsSpan(p.MemberAt, p.MemberLength);

    void Append(double lon, double lat, double dist, double score, ReadOnlySpan<byte> member)
    {
        if (Count == points.Length) Grow(ref points, Count * 2);
        if (membersUsed + member.Length > members.Length) Grow(ref members, Math.Max(members.Length * 2, membersUsed + member.Length));
        member.CopyTo(members.AsSpan(membersUsed));
        points[Count++] = new GeoPoint { Lon = lon, Lat = lat, Dist = dist, Score = score, MemberAt = membersUsed, MemberLength = member.Length };
        membersUsed += member.Length;
    }

    static void Grow<T>(ref T[] a, int size)
    {
        T[] bigger = ArrayPool<T>.Shared.Rent(size);
        a.AsSpan().CopyTo(bigger);
        ArrayPool<T>.Shared.Return(a);
        a = bigger;
    }

    public void Dispose()
    {
        if (points != null) ArrayPool<GeoPoint>.Shared.Return(points);
        if (members != null) ArrayPool<byte>.Shared.Return(members);
        points = null!;
        members = null!;
    }

    /// <summary>
    /// membersOfAllNeighbors: every member of the nine cells that lies in the shape, cell by cell in set order,
    /// skipping a cell equal to the one searched before it (huge radii repeat cells). With
    /// <paramref name="limit"/> (COUNT ANY) it stops as soon as that many matched.
    /// </summary>
    public void Collect(in ZSet z, in GeoShape shape, ReadOnlySpan<GeoCell> cells, long limit)
    {
        GeoWindow window = GeoWindow.Of(shape);
        int last = 0;
        for (int i = 0; i < cells.Length; i++)
        {
            if (cells[i].IsZero) continue;
            if (last != 0 && cells[i].Bits == cells[last].Bits && cells[i].Step == cells[last].Step) continue;
            if (Count != 0 && limit != 0 && Count >= limit) break;
            CollectCell(z, shape, window, cells[i], limit);
            last = i;
        }
    }

    /// <summary>
    /// geoGetPointsInRange over a cell's scores: min included, max excluded. A candidate outside the
    /// <paramref name="window"/> cannot be in the shape, so it is passed over undecoded.
    /// </summary>
    void CollectCell(in ZSet z, in GeoShape shape, in GeoWindow window, GeoCell cell, long limit)
    {
        double min = GeoHash.Align52(cell);
        double max = GeoHash.Align52(new GeoCell(cell.Bits + 1, cell.Step));
        var range = new ScoreRange(min, false, max, true);
        Span<byte> scratch = stackalloc byte[ZSetListpack.IntegerScratch];
        ZCursor c = ZSetValue.FirstInRange(z, range);
        while (c.Valid)
        {
            double score = c.Score;
            if (!range.LteMax(score)) break;
            ulong bits = X86.DoubleToUInt64(score);
            uint ilat = GeoHash.LatIndex(bits), ilon = GeoHash.LonIndex(bits);
            if (!window.MayContain(ilat, ilon))
            {
                // In a skiplist, jump over the rest of the Z-order block that misses the window.
                if (c.Lp != null) c.Next();
                else
                {
                    ulong next = window.SkipPast(bits, ilat, ilon);
                    if (next >= max) break;
                    c.At = SortedIndex.SkipTo(c.At, next);
                }
                continue;
            }
            GeoHash.DecodeIndices(ilat, ilon, out double lon, out double lat);
            if (shape.Contains(lon, lat, out double dist)) Append(lon, lat, dist, score, c.Member(scratch));
            if (Count != 0 && limit != 0 && Count >= limit) break;
            c.Next();
        }
    }

    /// <summary>
    /// Orders the matches by distance as Redis does: all of them with glibc's qsort, a stable merge sort for
    /// arrays this size (ties keep set order), or only the first <paramref name="wanted"/> with Redis's pqsort,
    /// whose tie order <see cref="PartialQuickSort"/> reproduces.
    /// </summary>
    public readonly void Sort(bool descending, int wanted)
    {
        Span<GeoPoint> p = Points;
        if (wanted == p.Length) StableSort(p, descending);
        else PartialQuickSort.Sort(p, descending, 0, wanted - 1);
    }

    static void StableSort(Span<GeoPoint> p, bool descending)
    {
        if (p.Length < 2) return;
        GeoPoint[] tmp = ArrayPool<GeoPoint>.Shared.Rent(p.Length);
        MergeSort(p, tmp.AsSpan(0, p.Length), descending);
        ArrayPool<GeoPoint>.Shared.Return(tmp);
    }

    static void MergeSort(Span<GeoPoint> p, Span<GeoPoint> tmp, bool descending)
    {
        int n = p.Length;
        if (n < 2) return;
        int half = n / 2;
        MergeSort(p.Slice(0, half), tmp.Slice(0, half), descending);
        MergeSort(p.Slice(half), tmp.Slice(half), descending);
        p.CopyTo(tmp);
        int i = 0, j = half, k = 0;
        while (i < half && j < n)
            p[k++] = PartialQuickSort.Compare(tmp[j], tmp[i], descending) < 0 ? tmp[j++] : tmp[i++];
        while (i < half) p[k++] = tmp[i++];
        while (j < n) p[k++] = tmp[j++];
    }
}
