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
    /// <summary>
    /// A score or lex range as a predicate over nodes, so every range walk is written once.
    /// Struct (or ref struct) type parameters: the calls are devirtualized and inlined.
    /// </summary>
    interface INodeRange
    {
        /// <summary>The node is not before the range's start.</summary>
        bool AtOrAfterMin(byte* node);
        /// <summary>The node is not past the range's end.</summary>
        bool AtOrBeforeMax(byte* node);
        /// <summary>The bounds themselves admit something (min below max, or equal and both inclusive).</summary>
        bool BoundsNonEmpty();
    }

    readonly struct ScoreRange(double min, bool minExclusive, double max, bool maxExclusive) : INodeRange
    {
        public bool AtOrAfterMin(byte* n) => minExclusive ? Score(n) > min : Score(n) >= min;
        public bool AtOrBeforeMax(byte* n) => maxExclusive ? Score(n) < max : Score(n) <= max;
        public bool BoundsNonEmpty() => !(min > max || (min == max && (minExclusive || maxExclusive)));
    }

    readonly ref struct LexRange(LexBound min, LexBound max) : INodeRange
    {
        readonly LexBound min = min, max = max;
        public bool AtOrAfterMin(byte* n) => min.IsExclusive ? min.CompareMember(Member(n)) > 0 : min.CompareMember(Member(n)) >= 0;
        public bool AtOrBeforeMax(byte* n) => max.IsExclusive ? max.CompareMember(Member(n)) < 0 : max.CompareMember(Member(n)) <= 0;
        public bool BoundsNonEmpty()
        {
            int c = LexBound.Compare(min, max);
            return !(c > 0 || (c == 0 && (min.IsExclusive || max.IsExclusive)));
        }
    }

    /// <summary>
    /// A finger search forward: the first node after <paramref name="node"/> whose score is at least
    /// <paramref name="score"/>, or null. It climbs by each node's highest forward that stays below the score, so
    /// skipping d nodes reads O(log d) of them, and a near target costs what stepping there would.
    /// </summary>
    public static byte* SkipTo(byte* node, double score)
    {
        while (true)
        {
            byte** forward = Forward(node);
            int i = Level(node) - 1;
            while (i >= 0 && (forward[i] == null || Score(forward[i]) >= score)) i--;
            if (i < 0) return forward[0];
            node = forward[i];
        }
    }

    /// <summary>Whether some node can be in the range (zslIsInRange / zslIsInLexRange).</summary>
    static bool InRange<TRange>(byte* zsl, in TRange r) where TRange : INodeRange, allows ref struct
    {
        if (!r.BoundsNonEmpty()) return false;
        byte* last = Last(zsl);
        return last != null && r.AtOrAfterMin(last) && r.AtOrBeforeMax(First(zsl));
    }

    /// <summary>Descends to the last node before the range; fills <paramref name="update"/> when given.</summary>
    static byte* BeforeRange<TRange>(byte* zsl, in TRange r, byte** update) where TRange : INodeRange, allows ref struct
    {
        byte* x = Head(zsl);
        for (int i = LevelsInUse(zsl) - 1; i >= 0; i--)
        {
            byte* f;
            while ((f = Forward(x)[i]) != null && !r.AtOrAfterMin(f)) x = f;
            if (update != null) update[i] = x;
        }
        return x;
    }

    static byte* FirstInRange<TRange>(byte* zsl, in TRange r) where TRange : INodeRange, allows ref struct
    {
        if (!InRange(zsl, r)) return null;
        // The range check found a node at or after min, so there is a successor.
        byte* x = Next(BeforeRange(zsl, r, null));
        Debug.Assert(x != null);
        return r.AtOrBeforeMax(x) ? x : null;
    }

    static byte* LastInRange<TRange>(byte* zsl, in TRange r) where TRange : INodeRange, allows ref struct
    {
        if (!InRange(zsl, r)) return null;
        byte* x = Head(zsl);
        for (int i = LevelsInUse(zsl) - 1; i >= 0; i--)
        {
            byte* f;
            while ((f = Forward(x)[i]) != null && r.AtOrBeforeMax(f)) x = f;
        }
        Debug.Assert(x != Head(zsl));
        return r.AtOrAfterMin(x) ? x : null;
    }

    static long DeleteRange<TRange, TVisitor>(Arena arena, byte* zsl, in TRange r, ref TVisitor visitor)
        where TRange : INodeRange, allows ref struct
        where TVisitor : struct, ISortedIndexVisitor
    {
        byte** update = stackalloc byte*[MaxLevel];
        byte* x = Next(BeforeRange(zsl, r, update));
        return DeleteFrom(arena, zsl, x, update, long.MaxValue, r, ref visitor);
    }

    /// <summary>Unlinks and frees nodes from <paramref name="x"/> while they are in range, at most <paramref name="limit"/>.</summary>
    static long DeleteFrom<TRange, TVisitor>(Arena arena, byte* zsl, byte* x, byte** update, long limit, in TRange r, ref TVisitor visitor)
        where TRange : INodeRange, allows ref struct
        where TVisitor : struct, ISortedIndexVisitor
    {
        long removed = 0;
        while (x != null && removed < limit && r.AtOrBeforeMax(x))
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

    /// <summary>The first node whose score is in the range, or null.</summary>
    public static byte* FirstInScoreRange(byte* zsl, double min, bool minExclusive, double max, bool maxExclusive)
        => FirstInRange(zsl, new ScoreRange(min, minExclusive, max, maxExclusive));

    /// <summary>The last node whose score is in the range, or null.</summary>
    public static byte* LastInScoreRange(byte* zsl, double min, bool minExclusive, double max, bool maxExclusive)
        => LastInRange(zsl, new ScoreRange(min, minExclusive, max, maxExclusive));

    /// <summary>The first node whose member is in the lex range, or null. Lex ranges mean something only when every score is equal (ZRANGEBYLEX's rule).</summary>
    public static byte* FirstInLexRange(byte* zsl, LexBound min, LexBound max) => FirstInRange(zsl, new LexRange(min, max));

    /// <summary>The last node whose member is in the lex range, or null.</summary>
    public static byte* LastInLexRange(byte* zsl, LexBound min, LexBound max) => LastInRange(zsl, new LexRange(min, max));

    /// <summary>Removes every node whose score is in the range; returns how many, telling the visitor about each.</summary>
    public static long DeleteRangeByScore<TVisitor>(Arena arena, byte* zsl, double min, bool minExclusive, double max, bool maxExclusive, ref TVisitor visitor)
        where TVisitor : struct, ISortedIndexVisitor
        => DeleteRange(arena, zsl, new ScoreRange(min, minExclusive, max, maxExclusive), ref visitor);

    /// <summary>Removes every node whose member is in the lex range; returns how many, telling the visitor about each.</summary>
    public static long DeleteRangeByLex<TVisitor>(Arena arena, byte* zsl, LexBound min, LexBound max, ref TVisitor visitor)
        where TVisitor : struct, ISortedIndexVisitor
        => DeleteRange(arena, zsl, new LexRange(min, max), ref visitor);

    /// <summary>Every node is in this range: rank deletes bound the walk by count instead.</summary>
    readonly struct AllNodes : INodeRange
    {
        public bool AtOrAfterMin(byte* n) => true;
        public bool AtOrBeforeMax(byte* n) => true;
        public bool BoundsNonEmpty() => true;
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
        return DeleteFrom(arena, zsl, Next(x), update, end - start + 1, new AllNodes(), ref visitor);
    }
}
