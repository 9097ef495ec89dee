using System;
using System.Runtime.CompilerServices;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// A position in a sorted set of either encoding: a member entry of the listpack (<see cref="Lp"/> set)
/// or a node of the skiplist's index (<see cref="Lp"/> null). Walks both ways; invalid past either end.
/// Like Redis's (eptr, sptr) pairs and node pointers, it dies with any write to the set.
/// Unsafe invariant: <see cref="At"/> is null or a live member entry of <see cref="Lp"/> / a live index node.
/// </summary>
public unsafe struct ZCursor
{
    public byte* Lp;
    public byte* At;

    public readonly bool Valid
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => At != null;
    }

    public readonly double Score
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Lp != null ? ZSetListpack.Score(Lp, At) : SortedIndex.Score(At);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Next() => At = Lp != null ? ZSetListpack.NextPair(Lp, At) : SortedIndex.Next(At);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prev() => At = Lp != null ? ZSetListpack.PrevPair(Lp, At) : SortedIndex.Prev(At);

    /// <summary>One step towards the end (forward) or the start (reverse).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step(bool reverse)
    {
        if (reverse) Prev();
        else Next();
    }

    /// <summary>The member's bytes; a listpack integer is formatted into <paramref name="scratch"/> (20 bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ReadOnlySpan<byte> Member(Span<byte> scratch) =>
        Lp != null ? ZSetListpack.Member(At, scratch) : SortedIndex.Member(At);

    /// <summary>The member as a bulk reply (an integer entry as its decimal, like addReplyBulkLongLong).</summary>
    public readonly void WriteMember(RespWriter w)
    {
        if (Lp == null)
        {
            w.Bulk(SortedIndex.Member(At));
            return;
        }
        if (Listpack.Get(At, out long v, out ReadOnlySpan<byte> s)) w.BulkInteger(v);
        else w.Bulk(s);
    }
}

public static unsafe partial class ZSetValue
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ZCursor AtEntry(in ZSet z, byte* eptr) => new() { Lp = z.Ptr, At = eptr };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ZCursor Node(byte* node) => new() { Lp = null, At = node };

    public static ZCursor First(in ZSet z) =>
        z.IsListpack ? AtEntry(z, FastKv.Memory.Listpack.First(z.Ptr)) : Node(SortedIndex.First(ZSetSkipList.Index(z.Ptr)));

    public static ZCursor Last(in ZSet z) =>
        z.IsListpack ? AtEntry(z, ZSetListpack.LastPair(z.Ptr)) : Node(SortedIndex.Last(ZSetSkipList.Index(z.Ptr)));

    /// <summary>The element at 0-based <paramref name="rank"/> from the lowest (invalid when out of range).</summary>
    public static ZCursor AtRank(in ZSet z, long rank)
    {
        if ((ulong)rank >= (ulong)Length(z)) return default;
        if (z.IsListpack) return AtEntry(z, FastKv.Memory.Listpack.Seek(z.Ptr, (int)(2 * rank)));
        byte* zsl = ZSetSkipList.Index(z.Ptr);
        // The ends are O(1); only inner ranks descend the index.
        if (rank == 0) return Node(SortedIndex.First(zsl));
        if (rank == Length(z) - 1) return Node(SortedIndex.Last(zsl));
        return Node(SortedIndex.ByRank(zsl, rank));
    }

    /// <summary>The 0-based rank of the element under <paramref name="c"/>.</summary>
    public static long RankOf(in ZSet z, in ZCursor c)
    {
        if (!z.IsListpack) return SortedIndex.Rank(ZSetSkipList.Index(z.Ptr), SortedIndex.Score(c.At), SortedIndex.Member(c.At));
        long rank = 0;
        for (byte* e = FastKv.Memory.Listpack.First(z.Ptr); e != c.At; e = ZSetListpack.NextPair(z.Ptr, e)) rank++;
        return rank;
    }

    public static ZCursor FirstInRange(in ZSet z, in ScoreRange r) =>
        z.IsListpack ? AtEntry(z, ZSetListpack.FirstInRange(z.Ptr, r))
            : Node(SortedIndex.FirstInScoreRange(ZSetSkipList.Index(z.Ptr), r.Min, r.MinExclusive, r.Max, r.MaxExclusive));

    public static ZCursor LastInRange(in ZSet z, in ScoreRange r) =>
        z.IsListpack ? AtEntry(z, ZSetListpack.LastInRange(z.Ptr, r))
            : Node(SortedIndex.LastInScoreRange(ZSetSkipList.Index(z.Ptr), r.Min, r.MinExclusive, r.Max, r.MaxExclusive));

    public static ZCursor FirstInLexRange(in ZSet z, in LexRange r) =>
        z.IsListpack ? AtEntry(z, ZSetListpack.FirstInLexRange(z.Ptr, r))
            : Node(SortedIndex.FirstInLexRange(ZSetSkipList.Index(z.Ptr), r.Min, r.Max));

    public static ZCursor LastInLexRange(in ZSet z, in LexRange r) =>
        z.IsListpack ? AtEntry(z, ZSetListpack.LastInLexRange(z.Ptr, r))
            : Node(SortedIndex.LastInLexRange(ZSetSkipList.Index(z.Ptr), r.Min, r.Max));

    /// <summary>A uniformly random element (zsetTypeRandomElement) of a non-empty set; an integer member is formatted into <paramref name="scratch"/>.</summary>
    public static void RandomElement(Shard shard, in ZSet z, Span<byte> scratch, out ReadOnlySpan<byte> member, out double score)
    {
        if (z.IsListpack)
        {
            int n = ZSetListpack.Length(z.Ptr);
            byte* eptr = FastKv.Memory.Listpack.Seek(z.Ptr, 2 * (int)(shard.NextRandom() % (ulong)n));
            member = ZSetListpack.Member(eptr, scratch);
            score = ZSetListpack.Score(z.Ptr, eptr);
            return;
        }
        byte* el = FieldTable.Random(ZSetSkipList.Dict(z.Ptr), ref shard.Rng);
        member = FieldTable.ElementField(el);
        score = ZSetSkipList.ElementScore(el);
    }
}
