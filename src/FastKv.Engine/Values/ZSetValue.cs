using System;
using System.Runtime.CompilerServices;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>ZADD's input flags (zsetAdd's ZADD_IN_*).</summary>
[Flags]
public enum ZAddFlags : byte { None = 0, Incr = 1, Nx = 2, Xx = 4, Gt = 8, Lt = 16 }

/// <summary>What one zsetAdd did (ZADD_OUT_*); <see cref="Unchanged"/>: processed, same score.</summary>
public enum ZAddResult : byte { Nan, Nop, Added, Updated, Unchanged }

/// <summary>
/// A sorted set's structure and encoding, wherever it lives: the value of a key (<see cref="Of"/>,
/// <see cref="StoreTo"/>) or a set being built for ZRANGESTORE/ZUNIONSTORE before it replaces its
/// destination. Operations that may move the structure or change the encoding take it by ref.
/// </summary>
public unsafe struct ZSet
{
    public byte Encoding;
    public byte* Ptr;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ZSet Of(byte* e) => new() { Encoding = KeyEntry.Encoding(e), Ptr = Collection.Ptr(e) };

    /// <summary>Writes the (maybe moved or converted) structure back into the key's entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void StoreTo(byte* e)
    {
        Collection.SetPtr(e, Ptr);
        if (KeyEntry.Encoding(e) != Encoding) KeyEntry.SetEncoding(e, Encoding);
    }

    public readonly bool IsListpack => Encoding == ValueEncoding.ListPack;
}

/// <summary>
/// Sorted-set operations over both encodings (Redis's zset* functions): lookups, zsetAdd with its
/// flags, deletes, ranks, conversion from listpack to skiplist when a threshold is crossed (one way,
/// as Redis 7), range deletes and pops. Ordered walks go through <see cref="ZCursor"/>
/// (ZSetValue.Cursor.cs). Callers check types and delete keys that become empty.
/// Unsafe invariant for the whole class: a <see cref="ZSet"/> holds a live structure of its encoding in
/// the calling shard's arena.
/// </summary>
public static unsafe partial class ZSetValue
{
    public static ZSet NewListpack(Arena arena) => new() { Encoding = ValueEncoding.ListPack, Ptr = FastKv.Memory.Listpack.Create(arena) };

    public static ZSet NewSkipList(Shard shard, long sizeHint) => new()
    {
        Encoding = ValueEncoding.SkipList,
        Ptr = ZSetSkipList.Create(shard.Arena, (int)Math.Min(sizeHint, 1 << 20), shard.NextRandom()),
    };

    /// <summary>Redis 7.2's zsetTypeCreate: a listpack when the hints fit the thresholds, else a skiplist.</summary>
    public static ZSet NewFor(Shard shard, long sizeHint, long maxMemberLength)
    {
        ServerConfig cfg = shard.Server.Config;
        return sizeHint <= cfg.ZSetMaxListpackEntries && maxMemberLength <= cfg.ZSetMaxListpackValue
            ? NewListpack(shard.Arena)
            : NewSkipList(shard, sizeHint);
    }

    public static void Free(Arena arena, in ZSet z) => Collection.Free(arena, ValueKind.ZSet, z.Encoding, z.Ptr);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Length(in ZSet z) => z.IsListpack ? ZSetListpack.Length(z.Ptr) : ZSetSkipList.Length(z.Ptr);

    /// <summary>zsetScore.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryGetScore(in ZSet z, ReadOnlySpan<byte> member, out double score)
    {
        if (z.IsListpack) return ZSetListpack.Find(z.Ptr, member, out score) != null;
        return ZSetSkipList.TryGetScore(z.Ptr, member, out score);
    }

    /// <summary>zsetConvert to skiplist: every pair moves into a new dict and index.</summary>
    public static void ConvertToSkipList(Shard shard, ref ZSet z)
    {
        if (!z.IsListpack) return;
        Arena arena = shard.Arena;
        byte* lp = z.Ptr;
        byte* zs = ZSetSkipList.Create(arena, ZSetListpack.Length(lp), shard.NextRandom());
        Span<byte> scratch = stackalloc byte[ZSetListpack.IntegerScratch];
        // From the largest: each insert lands at the head of the index.
        for (byte* e = ZSetListpack.LastPair(lp); e != null; e = ZSetListpack.PrevPair(lp, e))
            ZSetSkipList.Insert(arena, zs, ZSetListpack.Member(e, scratch), ZSetListpack.Score(lp, e));
        FastKv.Memory.Listpack.Free(arena, lp);
        z = new ZSet { Encoding = ValueEncoding.SkipList, Ptr = zs };
    }

    /// <summary>
    /// zsetAdd: adds or updates one member under ZADD's flags. <paramref name="newScore"/> is the
    /// member's score afterwards when the result is Added, Updated or Unchanged. A listpack that would
    /// exceed zset-max-listpack-entries or -value (or 1 GB) becomes a skiplist first.
    /// <paramref name="member"/> must not point into the set itself.
    /// </summary>
    public static ZAddResult Add(Shard shard, ref ZSet z, double score, ReadOnlySpan<byte> member, ZAddFlags flags, out double newScore)
    {
        newScore = score;
        if (double.IsNaN(score)) return ZAddResult.Nan;
        Arena arena = shard.Arena;
        if (z.IsListpack)
        {
            byte* eptr = ZSetListpack.Find(z.Ptr, member, out double cur);
            if (eptr != null)
            {
                ZAddResult r = Updated(flags, ref score, cur);
                if (r != ZAddResult.Updated) { newScore = score; return r; }
                newScore = score;
                byte* lp = ZSetListpack.Delete(arena, z.Ptr, eptr);
                z.Ptr = ZSetListpack.Insert(arena, lp, member, score);
                return ZAddResult.Updated;
            }
            if ((flags & ZAddFlags.Xx) != 0) return ZAddResult.Nop;
            ServerConfig cfg = shard.Server.Config;
            if (ZSetListpack.Length(z.Ptr) + 1 > cfg.ZSetMaxListpackEntries || member.Length > cfg.ZSetMaxListpackValue
                || FastKv.Memory.Listpack.TotalBytes(z.Ptr) + (long)member.Length > ZSetListpack.SafeBytes)
            {
                ConvertToSkipList(shard, ref z);
            }
            else
            {
                z.Ptr = ZSetListpack.Insert(arena, z.Ptr, member, score);
                return ZAddResult.Added;
            }
        }
        byte* zs = z.Ptr;
        if (ZSetSkipList.TryGetScore(zs, member, out double old))
        {
            ZAddResult r = Updated(flags, ref score, old);
            newScore = score;
            if (r == ZAddResult.Updated) ZSetSkipList.UpdateScore(arena, zs, member, old, score);
            return r;
        }
        if ((flags & ZAddFlags.Xx) != 0) return ZAddResult.Nop;
        ZSetSkipList.Insert(arena, zs, member, score);
        return ZAddResult.Added;
    }

    /// <summary>zsetAdd's decision for a present member with score <paramref name="cur"/>; applies INCR to <paramref name="score"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ZAddResult Updated(ZAddFlags flags, ref double score, double cur)
    {
        if ((flags & ZAddFlags.Nx) != 0) return ZAddResult.Nop;
        if ((flags & ZAddFlags.Incr) != 0)
        {
            score += cur;
            if (double.IsNaN(score)) return ZAddResult.Nan;
        }
        if (((flags & ZAddFlags.Lt) != 0 && score >= cur) || ((flags & ZAddFlags.Gt) != 0 && score <= cur)) return ZAddResult.Nop;
        // -0.0 == 0.0: the stored bits stay, as Redis's "score != curscore" test.
        return score != cur ? ZAddResult.Updated : ZAddResult.Unchanged;
    }

    /// <summary>zsetDel: false when the member is absent.</summary>
    public static bool Remove(Arena arena, ref ZSet z, ReadOnlySpan<byte> member)
    {
        if (z.IsListpack)
        {
            byte* eptr = ZSetListpack.Find(z.Ptr, member, out _);
            if (eptr == null) return false;
            z.Ptr = ZSetListpack.Delete(arena, z.Ptr, eptr);
            return true;
        }
        return ZSetSkipList.Delete(arena, z.Ptr, member);
    }

    /// <summary>zsetRank: 0-based rank from the lowest (or the highest when <paramref name="reverse"/>), -1 when absent.</summary>
    public static long Rank(in ZSet z, ReadOnlySpan<byte> member, bool reverse, out double score)
    {
        long len = Length(z);
        long rank;
        if (z.IsListpack)
        {
            byte* lp = z.Ptr;
            score = 0;
            rank = 0;
            byte* eptr = FastKv.Memory.Listpack.First(lp);
            while (eptr != null && !FastKv.Memory.Listpack.EntryEquals(eptr, member))
            {
                eptr = ZSetListpack.NextPair(lp, eptr);
                rank++;
            }
            if (eptr == null) return -1;
            score = ZSetListpack.Score(lp, eptr);
        }
        else
        {
            if (!ZSetSkipList.TryGetScore(z.Ptr, member, out score)) return -1;
            rank = SortedIndex.Rank(ZSetSkipList.Index(z.Ptr), score, member);
        }
        return reverse ? len - 1 - rank : rank;
    }

    /// <summary>Removes the element under <paramref name="c"/> (whose pointers die with it).</summary>
    public static void DeleteAt(Arena arena, ref ZSet z, in ZCursor c)
    {
        if (z.IsListpack) z.Ptr = ZSetListpack.Delete(arena, z.Ptr, c.At);
        else ZSetSkipList.Delete(arena, z.Ptr, SortedIndex.Member(c.At));
    }

    // ---- range deletes (ZREMRANGEBY*) ----

    public static long DeleteRangeByScore(Arena arena, ref ZSet z, in ScoreRange r)
    {
        if (z.IsListpack)
        {
            z.Ptr = ZSetListpack.DeleteRangeByScore(arena, z.Ptr, r, out long n);
            return n;
        }
        var v = ZSetSkipList.Remover(arena, z.Ptr);
        long deleted = SortedIndex.DeleteRangeByScore(arena, ZSetSkipList.Index(z.Ptr), r.Min, r.MinExclusive, r.Max, r.MaxExclusive, ref v);
        ZSetSkipList.AfterRemove(z.Ptr, v);
        return deleted;
    }

    public static long DeleteRangeByLex(Arena arena, ref ZSet z, in LexRange r)
    {
        if (z.IsListpack)
        {
            z.Ptr = ZSetListpack.DeleteRangeByLex(arena, z.Ptr, r, out long n);
            return n;
        }
        var v = ZSetSkipList.Remover(arena, z.Ptr);
        long deleted = SortedIndex.DeleteRangeByLex(arena, ZSetSkipList.Index(z.Ptr), r.Min, r.Max, ref v);
        ZSetSkipList.AfterRemove(z.Ptr, v);
        return deleted;
    }

    /// <summary>Deletes 0-based ranks <paramref name="start"/>..<paramref name="end"/>, already clamped to the set.</summary>
    public static long DeleteRangeByRank(Arena arena, ref ZSet z, long start, long end)
    {
        if (z.IsListpack)
        {
            z.Ptr = ZSetListpack.DeleteRangeByRank(arena, z.Ptr, start, end);
            return end - start + 1;
        }
        var v = ZSetSkipList.Remover(arena, z.Ptr);
        long deleted = SortedIndex.DeleteRangeByRank(arena, ZSetSkipList.Index(z.Ptr), start, end, ref v);
        ZSetSkipList.AfterRemove(z.Ptr, v);
        return deleted;
    }

    // ---- counts (ZCOUNT, ZLEXCOUNT) ----

    public static long CountInRange(in ZSet z, in ScoreRange r)
    {
        ZCursor c = FirstInRange(z, r);
        if (!c.Valid) return 0;
        if (z.IsListpack)
        {
            long n = 0;
            for (; c.Valid && r.LteMax(c.Score); c.Next()) n++;
            return n;
        }
        ZCursor last = LastInRange(z, r);
        return last.Valid ? RankOf(z, last) - RankOf(z, c) + 1 : 0;
    }

    public static long CountInLexRange(in ZSet z, in LexRange r)
    {
        ZCursor c = FirstInLexRange(z, r);
        if (!c.Valid) return 0;
        if (z.IsListpack)
        {
            Span<byte> scratch = stackalloc byte[ZSetListpack.IntegerScratch];
            long n = 0;
            for (; c.Valid && r.LteMax(c.Member(scratch)); c.Next()) n++;
            return n;
        }
        ZCursor last = LastInLexRange(z, r);
        return last.Valid ? RankOf(z, last) - RankOf(z, c) + 1 : 0;
    }
}
