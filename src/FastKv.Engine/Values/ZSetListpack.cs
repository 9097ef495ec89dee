using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// The "listpack" encoding of small sorted sets (Redis's zzl* functions in t_zset.c): one
/// <see cref="Listpack"/> of member, score, member, score ... in Redis's order (score as C doubles
/// compare, then member bytes).
/// <code>
///  [header] member0 score0 member1 score1 ... [0xFF]      score0 &lt;= score1 ...; ties by member
/// </code>
/// A score is written as Redis 7.0.15's d2string writes it: an integral value within ±2^62 as its integer
/// (so -0.0 becomes 0), otherwise <c>%.17g</c> ("inf", "1.5", "1e+300"); the listpack then stores canonical
/// integers as integers. So a listpack never keeps -0.0 (Redis 7.0 neither), and the bytes match Redis's.
/// Entry pointers: <c>eptr</c> is a member entry, its score is the entry after it.
/// Unsafe invariant for the whole class: <c>lp</c> is a live zset listpack (even count, ordered) in the
/// calling shard's arena and <c>eptr</c> a member entry of it.
/// </summary>
public static unsafe class ZSetListpack
{
    /// <summary>Redis's lpSafeToAdd limit: a listpack stays below 1 GB.</summary>
    public const long SafeBytes = 1L << 30;

    /// <summary>Member scratch for integer entries: the longest int64 decimal.</summary>
    public const int IntegerScratch = Listpack.MaxIntegerChars;

    public static int Length(byte* lp) => Listpack.Count(lp) >> 1;

    /// <summary>The score entry's value (zzlGetScore).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ScoreAt(byte* sptr)
    {
        if (Listpack.Get(sptr, out long v, out ReadOnlySpan<byte> s)) return v;
        return ParseStoredScore(s);
    }

    static double ParseStoredScore(ReadOnlySpan<byte> s)
    {
        // Written by WriteScore: %.17g text or inf/-inf, which strtod reads back exactly.
        bool ok = RespNumber.TryParseDouble(s, out double d);
        Debug.Assert(ok, "listpack score is not a number");
        return d;
    }

    /// <summary>The score of the member entry <paramref name="eptr"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Score(byte* lp, byte* eptr) => ScoreAt(Listpack.Next(lp, eptr));

    /// <summary>The member's bytes: a string entry's own bytes, or an integer's decimal in <paramref name="scratch"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Member(byte* eptr, Span<byte> scratch)
    {
        if (!Listpack.Get(eptr, out long v, out ReadOnlySpan<byte> s)) return s;
        int n = RespNumber.FormatInt64(v, scratch);
        return scratch.Slice(0, n);
    }

    /// <summary>zzlCompareElements: the entry's member against <paramref name="member"/>, as unsigned bytes.</summary>
    static int CompareMember(byte* eptr, ReadOnlySpan<byte> member)
    {
        Span<byte> scratch = stackalloc byte[IntegerScratch];
        return Member(eptr, scratch).SequenceCompareTo(member);
    }

    /// <summary>zzlFind: the member's entry and score, or null.</summary>
    public static byte* Find(byte* lp, ReadOnlySpan<byte> member, out double score)
    {
        byte* eptr = Listpack.Find(lp, Listpack.First(lp), member, 1);
        score = eptr == null ? 0 : Score(lp, eptr);
        return eptr;
    }

    /// <summary>The member entry after the pair at <paramref name="eptr"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* NextPair(byte* lp, byte* eptr) => Listpack.Next(lp, Listpack.Next(lp, eptr));

    /// <summary>The member entry of the pair before <paramref name="eptr"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* PrevPair(byte* lp, byte* eptr)
    {
        byte* s = Listpack.Prev(lp, eptr);
        return s == null ? null : Listpack.Prev(lp, s);
    }

    /// <summary>The member entry of the last pair, or null when empty.</summary>
    public static byte* LastPair(byte* lp)
    {
        byte* s = Listpack.Last(lp);
        return s == null ? null : Listpack.Prev(lp, s);
    }

    // ---- writes ----

    /// <summary>
    /// A score as Redis 7.2's zzlInsertAt stores it: an integral value within ±2^62 (double2ll's range) as its
    /// integer decimal, so either zero is "0"; anything else as d2string ("inf", "1.5", "4.611686018427388e+18").
    /// </summary>
    public static int FormatScore(double score, Span<byte> text)
    {
        const double IntegerRange = 4611686018427387904.0; // (double)(LLONG_MAX / 2)
        if (score >= -IntegerRange && score <= IntegerRange)
        {
            long l = (long)score;
            if (l == score) return RespNumber.FormatInt64(l, text);
        }
        return RespNumber.FormatDouble(score, text);
    }

    /// <summary>The score entry's stored text (ZSCAN of a listpack shows it as is): an integer's decimal or the string.</summary>
    public static ReadOnlySpan<byte> ScoreText(byte* sptr, Span<byte> scratch)
    {
        if (!Listpack.Get(sptr, out long v, out ReadOnlySpan<byte> s)) return s;
        return scratch.Slice(0, RespNumber.FormatInt64(v, scratch));
    }

    /// <summary>zzlInsertAt: the pair goes before <paramref name="eptr"/> (null: at the end). Returns the blob.</summary>
    public static byte* InsertAt(Arena arena, byte* lp, byte* eptr, ReadOnlySpan<byte> member, double score)
    {
        Span<byte> text = stackalloc byte[RespNumber.MaxDoubleChars];
        int n = FormatScore(score, text);
        byte* at = eptr != null ? eptr : lp + Listpack.TotalBytes(lp) - 1;
        lp = Listpack.Insert(arena, lp, at, ListpackWhere.Before, member, out byte* m);
        return Listpack.Insert(arena, lp, m, ListpackWhere.After, text.Slice(0, n));
    }

    /// <summary>zzlInsert: the pair goes where the order puts it (the member is known absent). Returns the blob.</summary>
    public static byte* Insert(Arena arena, byte* lp, ReadOnlySpan<byte> member, double score)
    {
        byte* eptr = Listpack.First(lp);
        while (eptr != null)
        {
            byte* sptr = Listpack.Next(lp, eptr);
            double s = ScoreAt(sptr);
            if (s > score || (s == score && CompareMember(eptr, member) > 0)) break;
            eptr = Listpack.Next(lp, sptr);
        }
        return InsertAt(arena, lp, eptr, member, score);
    }

    /// <summary>zzlDelete: removes the pair at <paramref name="eptr"/>. Returns the blob.</summary>
    public static byte* Delete(Arena arena, byte* lp, byte* eptr)
    {
        lp = Listpack.Delete(arena, lp, eptr, out byte* sptr);
        Debug.Assert(sptr != null);
        return Listpack.Delete(arena, lp, sptr);
    }

    /// <summary>Entry index of the member entry <paramref name="eptr"/> (walks from the start).</summary>
    static int IndexOf(byte* lp, byte* eptr)
    {
        int i = 0;
        for (byte* p = Listpack.First(lp); p != eptr; p = Listpack.Next(lp, p)) i++;
        return i;
    }

    // ---- ranges ----

    /// <summary>zzlFirstInRange: the first pair whose score is in the range, or null.</summary>
    public static byte* FirstInRange(byte* lp, in ScoreRange r)
    {
        if (r.IsEmpty) return null;
        for (byte* e = Listpack.First(lp); e != null; e = NextPair(lp, e))
        {
            double s = Score(lp, e);
            if (r.GteMin(s)) return r.LteMax(s) ? e : null;
        }
        return null;
    }

    /// <summary>zzlLastInRange: the last pair whose score is in the range, or null.</summary>
    public static byte* LastInRange(byte* lp, in ScoreRange r)
    {
        if (r.IsEmpty) return null;
        for (byte* e = LastPair(lp); e != null; e = PrevPair(lp, e))
        {
            double s = Score(lp, e);
            if (r.LteMax(s)) return r.GteMin(s) ? e : null;
        }
        return null;
    }

    /// <summary>zzlFirstInLexRange.</summary>
    public static byte* FirstInLexRange(byte* lp, in LexRange r)
    {
        if (r.IsEmpty) return null;
        Span<byte> scratch = stackalloc byte[IntegerScratch];
        for (byte* e = Listpack.First(lp); e != null; e = NextPair(lp, e))
        {
            ReadOnlySpan<byte> m = Member(e, scratch);
            if (r.GteMin(m)) return r.LteMax(m) ? e : null;
        }
        return null;
    }

    /// <summary>zzlLastInLexRange.</summary>
    public static byte* LastInLexRange(byte* lp, in LexRange r)
    {
        if (r.IsEmpty) return null;
        Span<byte> scratch = stackalloc byte[IntegerScratch];
        for (byte* e = LastPair(lp); e != null; e = PrevPair(lp, e))
        {
            ReadOnlySpan<byte> m = Member(e, scratch);
            if (r.LteMax(m)) return r.GteMin(m) ? e : null;
        }
        return null;
    }

    /// <summary>zzlDeleteRangeByScore: one splice over the pairs in range. Returns the blob.</summary>
    public static byte* DeleteRangeByScore(Arena arena, byte* lp, in ScoreRange r, out long deleted)
    {
        deleted = 0;
        byte* first = FirstInRange(lp, r);
        if (first == null) return lp;
        int n = 0;
        for (byte* e = first; e != null && r.LteMax(Score(lp, e)); e = NextPair(lp, e)) n++;
        deleted = n;
        return Listpack.DeleteRange(arena, lp, IndexOf(lp, first), 2 * n);
    }

    /// <summary>zzlDeleteRangeByLex. Returns the blob.</summary>
    public static byte* DeleteRangeByLex(Arena arena, byte* lp, in LexRange r, out long deleted)
    {
        deleted = 0;
        byte* first = FirstInLexRange(lp, r);
        if (first == null) return lp;
        Span<byte> scratch = stackalloc byte[IntegerScratch];
        int n = 0;
        for (byte* e = first; e != null && r.LteMax(Member(e, scratch)); e = NextPair(lp, e)) n++;
        deleted = n;
        return Listpack.DeleteRange(arena, lp, IndexOf(lp, first), 2 * n);
    }

    /// <summary>zzlDeleteRangeByRank: 0-based ranks <paramref name="start"/>..<paramref name="end"/>, already clamped. Returns the blob.</summary>
    public static byte* DeleteRangeByRank(Arena arena, byte* lp, long start, long end)
        => Listpack.DeleteRange(arena, lp, (int)(2 * start), (int)(2 * (end - start + 1)));
}
