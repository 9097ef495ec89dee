using System;

namespace FastKv.Engine;

/// <summary>
/// Redis's pqsort (Bentley and McIlroy's quicksort that leaves unsorted the partitions lying wholly outside
/// the wanted ranks), over geo matches by distance. Quicksort is not stable: a reply with COUNT matches Redis
/// in the order of equal distances only if every swap happens as in Redis's pqsort.c, so this follows its
/// steps exactly (pivot by median of three or ninther, the four-way split that gathers keys equal to the pivot
/// at both ends, insertion sort below seven elements), on element indices instead of byte pointers.
/// </summary>
public static class PartialQuickSort
{
    /// <summary>sort_gp_asc, negated for sort_gp_desc.</summary>
    public static int Compare(in GeoPoint a, in GeoPoint b, bool descending)
    {
        int r = a.Dist > b.Dist ? 1 : a.Dist == b.Dist ? 0 : -1;
        return descending ? -r : r;
    }

    /// <summary>Puts the elements of ranks <paramref name="left"/>..<paramref name="right"/> in their sorted places.</summary>
    public static void Sort(Span<GeoPoint> a, bool descending, int left, int right) => Partial(a, 0, a.Length, descending, left, right);

    static void Partial(Span<GeoPoint> a, int lo, int n, bool desc, int left, int right)
    {
        while (true)
        {
            if (n < 7)
            {
                for (int m = lo + 1; m < lo + n; m++)
                    for (int l = m; l > lo && Compare(a[l - 1], a[l], desc) > 0; l--) Swap(a, l, l - 1);
                return;
            }
            int pm = lo + n / 2;
            if (n > 7)
            {
                int pl = lo, pn = lo + n - 1;
                if (n > 40)
                {
                    int d = n / 8;
                    pl = Median3(a, pl, pl + d, pl + 2 * d, desc);
                    pm = Median3(a, pm - d, pm, pm + d, desc);
                    pn = Median3(a, pn - 2 * d, pn - d, pn, desc);
                }
                pm = Median3(a, pl, pm, pn, desc);
            }
            Swap(a, lo, pm);
            int pa = lo + 1, pb = lo + 1, pc = lo + n - 1, pd = lo + n - 1;
            while (true)
            {
                int r;
                while (pb <= pc && (r = Compare(a[pb], a[lo], desc)) <= 0)
                {
                    if (r == 0) Swap(a, pa++, pb);
                    pb++;
                }
                while (pb <= pc && (r = Compare(a[pc], a[lo], desc)) >= 0)
                {
                    if (r == 0) Swap(a, pc, pd--);
                    pc--;
                }
                if (pb > pc) break;
                Swap(a, pb++, pc--);
            }
            int end = lo + n;
            int s = Math.Min(pa - lo, pb - pa);
            VecSwap(a, lo, pb - s, s);
            s = Math.Min(pd - pc, end - pd - 1);
            VecSwap(a, pb, end - s, s);
            if ((s = pb - pa) > 1 && Overlaps(lo, lo + s, left, right)) Partial(a, lo, s, desc, left, right);
            if ((s = pd - pc) <= 1) return;
            // The upper part iterates rather than recursing, as pqsort does.
            lo = end - s;
            n = s;
            if (!Overlaps(lo, lo + s, left, right)) return;
        }
    }

    /// <summary>Whether the wanted ranks are not both before, nor both after, the part [lo, hi).</summary>
    static bool Overlaps(int lo, int hi, int left, int right) =>
        !((left < lo && right < lo) || (left >= hi && right >= hi));

    static int Median3(Span<GeoPoint> a, int x, int y, int z, bool desc) =>
        Compare(a[x], a[y], desc) < 0
            ? (Compare(a[y], a[z], desc) < 0 ? y : (Compare(a[x], a[z], desc) < 0 ? z : x))
            : (Compare(a[y], a[z], desc) > 0 ? y : (Compare(a[x], a[z], desc) < 0 ? x : z));

    static void Swap(Span<GeoPoint> a, int i, int j) => (a[i], a[j]) = (a[j], a[i]);

    static void VecSwap(Span<GeoPoint> a, int i, int j, int count)
    {
        for (int k = 0; k < count; k++) Swap(a, i + k, j + k);
    }
}
