using System;
using System.Buffers;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// The sorted-set family (Redis t_zset.c). Values are <see cref="ZSet"/>s: a listpack while small, a
/// skiplist (dict + index) past zset-max-listpack-entries / -value; <see cref="ZSetValue"/> does the
/// encoding-independent work. This file holds registration, ZADD/ZINCRBY/ZREM and the point reads;
/// ZSetCommands.Range.cs the ZRANGE family, counts and range deletes; ZSetCommands.Algebra.cs
/// ZUNION/ZINTER/ZDIFF and their STORE forms; ZSetCommands.Pop.cs pops, ZRANDMEMBER and ZSCAN.
///
/// Unsafe invariant for the whole family: an entry pointer from a typed lookup is valid until the next
/// write to the same database; a handler writes a changed <see cref="ZSet"/> back with StoreTo before
/// anything else touches the table, and removes a key that became empty.
/// </summary>
public static unsafe partial class ZSetCommands
{

    public static void Register(CommandTable t)
    {
        t.Add("zadd", &ZAdd);
        t.Add("zincrby", &ZIncrBy);
        t.Add("zrem", &ZRem);
        t.Add("zcard", &ZCard);
        t.Add("zscore", &ZScore);
        t.Add("zmscore", &ZMScore);
        // Redis 7.2 arity: ZRANK key member [WITHSCORE].
        t.Add("zrank", &ZRank);
        t.Add("zrevrank", &ZRevRank);
        RegisterRange(t);
        RegisterAlgebra(t);
        RegisterPop(t);
        // Blocking forms: each waits for a sorted set and stands for its non-blocking command per key.
        t.Add("bzpopmin", &Blocking.Handler).Block = new BlockingForm(BlockKind.ZPop, "ZPOPMIN");
        t.Add("bzpopmax", &Blocking.Handler).Block = new BlockingForm(BlockKind.ZPop, "ZPOPMAX");
        t.Add("bzmpop", &Blocking.Handler, keys: &CommandTable.NumKeysAt2).Block = new BlockingForm(BlockKind.ZMPop, "zmpop");
    }


    static Arena ArenaOf(ref CommandContext c) => c.Shard.Arena;

    /// <summary>Writes the set back, or deletes the key when the set is empty (Redis deletes empty sets);
    /// true when it deleted the key.</summary>
    static bool StoreOrDelete(ref CommandContext c, byte* e, in ZSet z)
    {
        z.StoreTo(e);
        if (ZSetValue.Length(z) != 0) return false;
        c.Db.Remove(e);
        return true;
    }

    /// <summary>
    /// After members were removed from the set in <paramref name="key"/>: the command's event when something
    /// went (<paramref name="removed"/>, each one a change), then StoreOrDelete, with "del" when that deleted the key.
    /// </summary>
    static void StoreAfterRemove(ref CommandContext c, byte* e, in ZSet z, ReadOnlySpan<byte> key, long removed, ReadOnlySpan<byte> evt)
    {
        c.Dirty(removed);
        if (removed > 0) c.Modified(key, NotifyClass.ZSet, evt);
        if (StoreOrDelete(ref c, e, z)) c.Modified(key, NotifyClass.Generic, "del"u8);
    }

    /// <summary>
    /// Replaces <paramref name="key"/> with a new set (setKey: any old value and its TTL go), or deletes
    /// it when the set is empty, freeing the set: one change either way, none when nothing was there to delete.
    /// Returns the set's length.
    /// </summary>
    static long ReplaceKey(ref CommandContext c, ReadOnlySpan<byte> key, in ZSet z)
    {
        long n = ZSetValue.Length(z);
        bool existed = c.Db.Delete(key);
        if (n == 0)
        {
            ZSetValue.Free(ArenaOf(ref c), z);
            if (existed)
            {
                c.Dirty();
                c.Modified(key, NotifyClass.Generic, "del"u8);
            }
        }
        else
        {
            c.Db.AddCollection(key, ValueKind.ZSet, z.Encoding, z.Ptr, overwrite: existed);
            c.Dirty();
            c.Modified(key, NotifyClass.ZSet, c.Spec.Event);
        }
        return n;
    }

    // ---- ZADD / ZINCRBY ----------------------------------------------------------------------------

    const string NanScore = "ERR resulting score is not a number (NaN)";

    static void ZAdd(ref CommandContext c) => AddGeneric(ref c, ZAddFlags.None);

    static void ZIncrBy(ref CommandContext c) => AddGeneric(ref c, ZAddFlags.Incr);

    /// <summary>
    /// zaddGenericCommand: options, then the checks in Redis's order (pairs, XX+NX, GT/LT/NX, INCR with
    /// several pairs), every score parsed before the key is touched, then each pair through zsetAdd.
    /// </summary>
    static void AddGeneric(ref CommandContext c, ZAddFlags flags)
    {
        bool ch = false;
        int scoreIdx = 2;
        for (; scoreIdx < c.Count; scoreIdx++)
        {
            ReadOnlySpan<byte> o = c.Arg(scoreIdx);
            if (Ascii.EqualsIgnoreCase(o, "nx"u8)) flags |= ZAddFlags.Nx;
            else if (Ascii.EqualsIgnoreCase(o, "xx"u8)) flags |= ZAddFlags.Xx;
            else if (Ascii.EqualsIgnoreCase(o, "ch"u8)) ch = true;
            else if (Ascii.EqualsIgnoreCase(o, "incr"u8)) flags |= ZAddFlags.Incr;
            else if (Ascii.EqualsIgnoreCase(o, "gt"u8)) flags |= ZAddFlags.Gt;
            else if (Ascii.EqualsIgnoreCase(o, "lt"u8)) flags |= ZAddFlags.Lt;
            else break;
        }
        bool incr = (flags & ZAddFlags.Incr) != 0, nx = (flags & ZAddFlags.Nx) != 0, xx = (flags & ZAddFlags.Xx) != 0;
        bool gt = (flags & ZAddFlags.Gt) != 0, lt = (flags & ZAddFlags.Lt) != 0;
        int args = c.Count - scoreIdx;
        if (args == 0 || (args & 1) != 0) { c.W.Error(Errors.Syntax); return; }
        int elements = args / 2;
        if (nx && xx) { c.W.Error("ERR XX and NX options at the same time are not compatible"); return; }
        if ((gt && nx) || (lt && nx) || (gt && lt)) { c.W.Error("ERR GT, LT, and/or NX options at the same time are not compatible"); return; }
        if (incr && elements > 1) { c.W.Error("ERR INCR option supports a single increment-element pair"); return; }

        double[]? rented = null;
        Span<double> scores = elements <= 64 ? stackalloc double[elements] : (rented = ArrayPool<double>.Shared.Rent(elements)).AsSpan(0, elements);
        try
        {
            for (int j = 0; j < elements; j++)
            {
                if (!RespNumber.TryParseDouble(c.Arg(scoreIdx + 2 * j), out double s)) { c.W.Error(Errors.NotFloat); return; }
                scores[j] = s;
            }
            AddParsed(ref c, flags, ch, scoreIdx + 1, 2, scores);
        }
        finally
        {
            if (rented != null) ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// zaddGenericCommand after parsing: the members are arguments <paramref name="firstMember"/>,
    /// + <paramref name="stride"/>, ... (ZADD's score-member pairs, GEOADD's longitude-latitude-member triples).
    /// </summary>
    internal static void AddParsed(ref CommandContext c, ZAddFlags flags, bool ch, int firstMember, int stride, scoped ReadOnlySpan<double> scores)
    {
        bool incr = (flags & ZAddFlags.Incr) != 0;
        if (!c.WriteTyped(1, ValueKind.ZSet, out byte* e)) return;
        long added = 0, updated = 0, processed = 0;
        double score = 0;
        // Redis 7.2 sizes the set for the whole command first, counting repeated members: a new key is a skiplist
        // when the pairs or the FIRST member pass the listpack limits (zsetTypeCreate(elements, its length)); an
        // existing listpack converts when the pairs alone do (zsetTypeMaybeConvert). A later long member converts
        // only when it is added, after the members before it went into the listpack (where -0 is stored as 0).
        if (e == null)
        {
            if ((flags & ZAddFlags.Xx) != 0) { ReplyAdd(ref c, incr, ch, added, updated, processed, score); return; }
            ZSet fresh = ZSetValue.NewFor(c.Shard, scores.Length, c.Arg(firstMember).Length);
            e = c.Db.AddCollection(c.Arg(1), ValueKind.ZSet, fresh.Encoding, fresh.Ptr);
        }
        ZSet z = ZSet.Of(e);
        ServerConfig cfg = c.Shard.Server.Config;
        if (z.IsListpack && scores.Length > cfg.ZSetMaxListpackEntries)
            ZSetValue.ConvertToSkipList(c.Shard, ref z); // stored into the entry with the adds below
        for (int j = 0; j < scores.Length; j++)
        {
            ZAddResult r = ZSetValue.Add(c.Shard, ref z, scores[j], c.Arg(firstMember + stride * j), flags, out double newScore);
            if (r == ZAddResult.Nan)
            {
                StoreOrDelete(ref c, e, z);
                NotifyAdd(ref c, incr, added, updated);
                c.W.Error(NanScore);
                return;
            }
            if (r == ZAddResult.Added) added++;
            else if (r == ZAddResult.Updated) updated++;
            if (r != ZAddResult.Nop) processed++;
            score = newScore;
        }
        StoreOrDelete(ref c, e, z);
        NotifyAdd(ref c, incr, added, updated);
        ReplyAdd(ref c, incr, ch, added, updated, processed, score);
    }

    /// <summary>zaddGenericCommand's cleanup: a change per member added or updated; "zadd" or "zincr" only when some was.</summary>
    static void NotifyAdd(ref CommandContext c, bool incr, long added, long updated)
    {
        c.Dirty(added + updated);
        if (added + updated > 0) c.Modified(1, NotifyClass.ZSet, incr ? "zincr"u8 : "zadd"u8);
    }

    static void ReplyAdd(ref CommandContext c, bool incr, bool ch, long added, long updated, long processed, double score)
    {
        if (incr)
        {
            if (processed > 0) c.W.Double(score);
            else c.W.NullBulk();
        }
        else
        {
            c.W.Integer(ch ? added + updated : added);
        }
    }

    // ---- ZREM ---------------------------------------------------------------------------------------

    static void ZRem(ref CommandContext c)
    {
        if (!c.WriteTyped(1, ValueKind.ZSet, out byte* e)) return;
        if (e == null) { c.W.Integer(0); return; }
        ZSet z = ZSet.Of(e);
        Arena arena = ArenaOf(ref c);
        long deleted = 0;
        for (int j = 2; j < c.Count; j++)
        {
            if (ZSetValue.Remove(arena, ref z, c.Arg(j))) deleted++;
            if (ZSetValue.Length(z) == 0) break;
        }
        StoreAfterRemove(ref c, e, z, c.Arg(1), deleted, "zrem"u8);
        c.W.Integer(deleted);
    }

    // ---- point reads --------------------------------------------------------------------------------

    static void ZCard(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.ZSet, out byte* e)) return;
        c.W.Integer(e == null ? 0 : ZSetValue.Length(ZSet.Of(e)));
    }

    static void ZScore(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.ZSet, out byte* e)) return;
        if (e != null && ZSetValue.TryGetScore(ZSet.Of(e), c.Arg(2), out double score)) c.W.Double(score);
        else c.W.NullBulk();
    }

    /// <summary>ZMSCORE: a missing key answers like an empty set, one null per member.</summary>
    static void ZMScore(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.ZSet, out byte* e)) return;
        c.W.ArrayHeader(c.Count - 2);
        for (int j = 2; j < c.Count; j++)
        {
            if (e != null && ZSetValue.TryGetScore(ZSet.Of(e), c.Arg(j), out double score)) c.W.Double(score);
            else c.W.NullBulk();
        }
    }

    static void ZRank(ref CommandContext c) => RankGeneric(ref c, reverse: false);

    static void ZRevRank(ref CommandContext c) => RankGeneric(ref c, reverse: true);

    /// <summary>
    /// Redis 7.2's zrankGenericCommand: ZRANK key member [WITHSCORE]. With WITHSCORE the reply is
    /// [rank, score] and a missing member a null array; without it the rank or a null.
    /// </summary>
    static void RankGeneric(ref CommandContext c, bool reverse)
    {
        if (c.Count > 4) { c.WrongArgs(); return; }
        bool withScore = false;
        if (c.Count == 4)
        {
            if (!c.ArgIs(3, "withscore"u8)) { c.W.Error(Errors.Syntax); return; }
            withScore = true;
        }
        if (!c.ReadTyped(1, ValueKind.ZSet, out byte* e)) return;
        double score = 0;
        long rank = e == null ? -1 : ZSetValue.Rank(ZSet.Of(e), c.Arg(2), reverse, out score);
        if (rank < 0)
        {
            if (withScore) c.W.NullArray();
            else c.W.NullBulk();
            return;
        }
        if (!withScore)
        {
            c.W.Integer(rank);
            return;
        }
        c.W.ArrayHeader(2);
        c.W.Integer(rank);
        c.W.Double(score);
    }
}
