using System;
using System.Diagnostics;

namespace FastKv.Memory;

/// <summary>
/// Told about each node a range delete removes, before its memory is freed, so the caller can drop the
/// member from its hash table. The member span dies when the call returns; the visitor must not touch
/// the index. A struct type parameter, so the call is devirtualized.
/// </summary>
public interface ISortedIndexVisitor
{
    void Removed(double score, ReadOnlySpan<byte> member);
}

/// <summary>Score and lex ranges and the range deletes, with the semantics of Redis's zrangespec and zlexrangespec.</summary>
public static unsafe partial class SortedIndex
{
    static bool GteMin(double value, double min, bool minExclusive) => minExclusive ? value > min : value >= min;
    static bool LteMax(double value, double max, bool maxExclusive) => maxExclusive ? value < max : value <= max;

    /// <summary>Whether some node can be in the score range (zslIsInRange): false for empty ranges too.</summary>
    static bool InScoreRange(byte* zsl, double min, bool minExclusive, double max, bool maxExclusive)
    {
        if (min > max || (min == max && (minExclusive || maxExclusive))) return false;
        byte* last = Last(zsl);
        if (last == null || !GteMin(Score(last), min, minExclusive)) return false;
        return LteMax(Score(First(zsl)), max, maxExclusive);
    }

    /// <summary>The first node whose score is in the range, or null.</summary>
    public static byte* FirstInScoreRange(byte* zsl, double min, bool minExclusive, double max, bool maxExclusive)
    {
        if (!InScoreRange(zsl, min, minExclusive, max, maxExclusive)) return null;
        byte* x = Head(zsl);
        for (int i = LevelsInUse(zsl) - 1; i >= 0; i--)
        {
            byte* f;
            while ((f = Forward(x)[i]) != null && !GteMin(Score(f), min, minExclusive)) x = f;
        }
        // The range check found a node >= min, so x has a successor.
        x = Next(x);
        Debug.Assert(x != null);
        return LteMax(Score(x), max, maxExclusive) ? x : null;
    }

    /// <summary>The last node whose score is in the range, or null.</summary>
    public static byte* LastInScoreRange(byte* zsl, double min, bool minExclusive, double max, bool maxExclusive)
    {
        if (!InScoreRange(zsl, min, minExclusive, max, maxExclusive)) return null;
        byte* x = Head(zsl);
        for (int i = LevelsInUse(zsl) - 1; i >= 0; i--)
        {
            byte* f;
            while ((f = Forward(x)[i]) != null && LteMax(Score(f), max, maxExclusive)) x = f;
        }
        Debug.Assert(x != Head(zsl));
        return GteMin(Score(x), min, minExclusive) ? x : null;
    }

    static bool LexGteMin(ReadOnlySpan<byte> member, LexBound min) =>
        min.IsExclusive ? min.CompareMember(member) > 0 : min.CompareMember(member) >= 0;

    static bool LexLteMax(ReadOnlySpan<byte> member, LexBound max) =>
        max.IsExclusive ? max.CompareMember(member) < 0 : max.CompareMember(member) <= 0;

    /// <summary>zslIsInLexRange. Lex ranges only mean something when every score is equal (ZRANGEBYLEX's rule).</summary>
    static bool InLexRange(byte* zsl, LexBound min, LexBound max)
    {
        int c = LexBound.Compare(min, max);
        if (c > 0 || (c == 0 && (min.IsExclusive || max.IsExclusive))) return false;
        byte* last = Last(zsl);
        if (last == null || !LexGteMin(Member(last), min)) return false;
        return LexLteMax(Member(First(zsl)), max);
    }

    /// <summary>The first node whose member is in the lex range, or null.</summary>
    public static byte* FirstInLexRange(byte* zsl, LexBound min, LexBound max)
    {
        if (!InLexRange(zsl, min, max)) return null;
        byte* x = Head(zsl);
        for (int i = LevelsInUse(zsl) - 1; i >= 0; i--)
        {
            byte* f;
            while ((f = Forward(x)[i]) != null && !LexGteMin(Member(f), min)) x = f;
        }
        x = Next(x);
        Debug.Assert(x != null);
        return LexLteMax(Member(x), max) ? x : null;
    }

    /// <summary>The last node whose member is in the lex range, or null.</summary>
    public static byte* LastInLexRange(byte* zsl, LexBound min, LexBound max)
    {
        if (!InLexRange(zsl, min, max)) return null;
        byte* x = Head(zsl);
        for (int i = LevelsInUse(zsl) - 1; i >= 0; i--)
        {
            byte* f;
            while ((f = Forward(x)[i]) != null && LexLteMax(Member(f), max)) x = f;
        }
        Debug.Assert(x != Head(zsl));
        return LexGteMin(Member(x), min) ? x : null;
    }

    /// <summary>Removes every node whose score is in the range; returns how many, telling the visitor about each.</summary>
    public static long DeleteRangeByScore<TVisitor>(Arena arena, byte* zsl, double min, bool minExclusive, double max, bool maxExclusive, ref TVisitor visitor)
        where TVisitor : struct, ISortedIndexVisitor
    {
        byte** update = stackalloc byte*[MaxLevel];
        byte* x = Head(zsl);
        for (int i = LevelsInUse(zsl) - 1; i >= 0; i--)
        {
            byte* f;
            while ((f = Forward(x)[i]) != null && !GteMin(Score(f), min, minExclusive)) x = f;
            update[i] = x;
        }
        x = Next(x);
        long removed = 0;
        while (x != null && LteMax(Score(x), max, maxExclusive))
        {
            byte* next = Next(x);
            Unlink(zsl, x, update);
            visitor.Removed(Score(x), Member(x));
            FreeNode(arena, zsl, x);
            removed++;
            x = next;
        }
        return removed;
    }

    /// <summary>Removes every node whose member is in the lex range; returns how many, telling the visitor about each.</summary>
    public static long DeleteRangeByLex<TVisitor>(Arena arena, byte* zsl, LexBound min, LexBound max, ref TVisitor visitor)
        where TVisitor : struct, ISortedIndexVisitor
    {
        byte** update = stackalloc byte*[MaxLevel];
        byte* x = Head(zsl);
        for (int i = LevelsInUse(zsl) - 1; i >= 0; i--)
        {
            byte* f;
            while ((f = Forward(x)[i]) != null && !LexGteMin(Member(f), min)) x = f;
            update[i] = x;
        }
        x = Next(x);
        long removed = 0;
        while (x != null && LexLteMax(Member(x), max))
        {
            byte* next = Next(x);
            Unlink(zsl, x, update);
            visitor.Removed(Score(x), Member(x));
            FreeNode(arena, zsl, x);
            removed++;
            x = next;
        }
        return removed;
    }

    /// <summary>
    /// Removes the nodes at 0-based ranks <paramref name="start"/>..<paramref name="end"/> inclusive (the
    /// caller has resolved negative indices, as ZREMRANGEBYRANK does); ranks outside the index are ignored.
    /// Returns how many were removed, telling the visitor about each.
    /// </summary>
    public static long DeleteRangeByRank<TVisitor>(Arena arena, byte* zsl, long start, long end, ref TVisitor visitor)
        where TVisitor : struct, ISortedIndexVisitor
    {
        if (start < 0) start = 0;
        if (end >= Length(zsl)) end = Length(zsl) - 1;
        if (start > end) return 0;
        byte** update = stackalloc byte*[MaxLevel];
        byte* x = Head(zsl);
        long traversed = 0;
        for (int i = LevelsInUse(zsl) - 1; i >= 0; i--)
        {
            byte* f;
            while ((f = Forward(x)[i]) != null && traversed + Span(x)[i] <= start)
            {
                traversed += Span(x)[i];
                x = f;
            }
            update[i] = x;
        }
        x = Next(x);
        long removed = 0, count = end - start + 1;
        while (x != null && removed < count)
        {
            byte* next = Next(x);
            Unlink(zsl, x, update);
            visitor.Removed(Score(x), Member(x));
            FreeNode(arena, zsl, x);
            removed++;
            x = next;
        }
        return removed;
    }
}
