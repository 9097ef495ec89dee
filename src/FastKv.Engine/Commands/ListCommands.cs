using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// The list family (Redis t_list.c), non-blocking commands. A list value is a <see cref="QuickList"/> in
/// the shard's arena; its reported encoding follows Redis 7.2 (ListCommands.Encoding.cs). This file holds
/// registration and the reads (LLEN, LINDEX, LRANGE, LPOS); ListCommands.Push.cs the writes that add or
/// replace (LPUSH, RPUSH, LPUSHX, RPUSHX, LINSERT, LSET); ListCommands.Pop.cs those that remove (LPOP,
/// RPOP, LMPOP, LMOVE, RPOPLPUSH, LREM, LTRIM).
///
/// Unsafe invariant for the whole family: an entry pointer from a typed lookup is valid until the key is
/// removed; the quicklist header it points at never moves, and values read from it (ListpackValue) are
/// valid until the next write to that list.
/// </summary>
public static unsafe partial class ListCommands
{

    public static void Register(CommandTable t)
    {
        t.Add("lpush", &LPush);
        t.Add("rpush", &RPush);
        t.Add("lpushx", &LPushX);
        t.Add("rpushx", &RPushX);
        t.Add("linsert", &LInsert);
        t.Add("lset", &LSet);
        t.Add("lpop", &LPop);
        t.Add("rpop", &RPop);
        t.Add("llen", &LLen);
        t.Add("lindex", &LIndex);
        t.Add("lrange", &LRange);
        t.Add("lpos", &LPos);
        t.Add("lrem", &LRem);
        t.Add("ltrim", &LTrim);
        t.Add("lmove", &LMove, CrossShard.Gather);
        t.Add("rpoplpush", &RPopLPush, CrossShard.Gather);
        t.Add("lmpop", &LMPop, CrossShard.Gather, keys: &CommandTable.NumKeysAt1);
        // Blocking forms: each waits for a list and stands for its non-blocking command per key.
        t.Add("blpop", &Blocking.Handler).Block = new BlockingForm(BlockKind.ListPop, "LPOP");
        t.Add("brpop", &Blocking.Handler).Block = new BlockingForm(BlockKind.ListPop, "RPOP");
        t.Add("brpoplpush", &Blocking.Handler).Block = new BlockingForm(BlockKind.ListMove, "RPOPLPUSH");
        t.Add("blmove", &Blocking.Handler).Block = new BlockingForm(BlockKind.ListMove, "LMOVE", hasSides: true);
        t.Add("blmpop", &Blocking.Handler, keys: &CommandTable.NumKeysAt2).Block = new BlockingForm(BlockKind.ListMPop, "lmpop");
    }

    /// <summary>LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT n]: the keys after numkeys.</summary>
    // ---- replies ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WriteValue(RespWriter w, ListpackValue v)
    {
        if (v.IsInteger) w.BulkInteger(v.Integer);
        else w.Bulk(v.Bytes);
    }

    /// <summary>An array of <paramref name="count"/> elements from <paramref name="from"/> (0-based, in range),
    /// towards the tail, or towards the head when <paramref name="reverse"/>.</summary>
    static void WriteRange(RespWriter w, byte* ql, long from, long count, bool reverse)
    {
        w.ArrayHeader((int)count);
        QuickListIterator it = QuickList.IteratorAt(ql, from, !reverse);
        for (long i = 0; i < count; i++)
        {
            WriteValue(w, it.Current);
            it.MoveNext();
        }
    }

    /// <summary>addListRangeReply: start and end inclusive, negative from the end, clamped; empty when inverted.</summary>
    static void WriteRangeReply(RespWriter w, byte* ql, long start, long end, bool reverse)
    {
        long llen = QuickList.Count(ql);
        if (start < 0) start += llen;
        if (end < 0) end += llen;
        if (start < 0) start = 0;
        if (start > end || start >= llen)
        {
            w.ArrayHeader(0);
            return;
        }
        if (end >= llen) end = llen - 1;
        WriteRange(w, ql, reverse ? end : start, end - start + 1, reverse);
    }

    /// <summary>getRangeLongFromObjectOrReply: an integer within [min, max], else the message (or Redis's default ones).</summary>
    static bool TryRange(ref CommandContext c, int arg, long min, long max, string? message, out long value)
    {
        if (!RespNumber.TryParseInt64(c.Arg(arg), out value))
        {
            c.Error(message ?? Errors.NotInteger);
            return false;
        }
        if (value < min || value > max)
        {
            c.Error(message ?? $"ERR value is out of range, value must between {min} and {max}");
            return false;
        }
        return true;
    }

    /// <summary>getPositiveLongFromObjectOrReply.</summary>
    static bool TryPositive(ref CommandContext c, int arg, string? message, out long value)
        => TryRange(ref c, arg, 0, long.MaxValue, message ?? Errors.NotPositive, out value);

    // ---- reads ----

    static void LLen(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.List, out byte* e)) return;
        c.W.Integer(e == null ? 0 : QuickList.Count(Collection.Ptr(e)));
    }

    static void LIndex(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.List, out byte* e)) return;
        if (e == null) { c.W.NullBulk(); return; }
        if (!c.TryInt(2, out long index)) return;
        if (QuickList.TryGet(Collection.Ptr(e), index, out ListpackValue v)) WriteValue(c.W, v);
        else c.W.NullBulk();
    }

    static void LRange(ref CommandContext c)
    {
        if (!c.TryInt(2, out long start) || !c.TryInt(3, out long end)) return;
        if (!c.ReadTyped(1, ValueKind.List, out byte* e)) return;
        if (e == null) { c.W.ArrayHeader(0); return; }
        WriteRangeReply(c.W, Collection.Ptr(e), start, end, reverse: false);
    }

    const string RankZero = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

    /// <summary>LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].</summary>
    static void LPos(ref CommandContext c)
    {
        long rank = 1, count = -1, maxlen = 0; // count -1: option not given
        for (int j = 3; j < c.Count; j++)
        {
            bool more = j < c.Count - 1;
            if (more && c.ArgIs(j, "rank"u8))
            {
                if (!TryRange(ref c, ++j, -long.MaxValue, long.MaxValue, null, out rank)) return;
                if (rank == 0) { c.Error(RankZero); return; }
            }
            else if (more && c.ArgIs(j, "count"u8))
            {
                if (!TryPositive(ref c, ++j, "ERR COUNT can't be negative", out count)) return;
            }
            else if (more && c.ArgIs(j, "maxlen"u8))
            {
                if (!TryPositive(ref c, ++j, "ERR MAXLEN can't be negative", out maxlen)) return;
            }
            else
            {
                c.Error(Errors.Syntax);
                return;
            }
        }
        bool forward = rank > 0;
        if (!forward) rank = -rank;

        if (!c.ReadTyped(1, ValueKind.List, out byte* e)) return;
        if (e == null)
        {
            if (count != -1) c.W.ArrayHeader(0);
            else c.W.NullBulk();
            return;
        }
        byte* ql = Collection.Ptr(e);
        ReadOnlySpan<byte> element = c.Arg(2);
        long llen = QuickList.Count(ql);

        // Matches are collected first: the array length is only known at the end (Redis defers it).
        Span<long> small = stackalloc long[32];
        long[]? rented = null;
        Span<long> found = small;
        int nfound = 0;
        long matches = 0, matchIndex = -1, index = 0;
        QuickListIterator it = QuickList.IteratorAt(ql, forward ? 0 : -1, forward);
        for (; it.Valid && (maxlen == 0 || index < maxlen); index++, it.MoveNext())
        {
            if (!it.CurrentEquals(element)) continue;
            matches++;
            if (matches < rank) continue;
            matchIndex = forward ? index : llen - index - 1;
            if (count == -1) break;
            if (nfound == found.Length)
            {
                long[] bigger = ArrayPool<long>.Shared.Rent(found.Length * 2);
                found.CopyTo(bigger);
                if (rented != null) ArrayPool<long>.Shared.Return(rented);
                rented = bigger;
                found = bigger;
            }
            found[nfound++] = matchIndex;
            if (count != 0 && matches - rank + 1 >= count) break;
        }

        if (count != -1)
        {
            c.W.ArrayHeader(nfound);
            for (int i = 0; i < nfound; i++) c.W.Integer(found[i]);
        }
        else if (matchIndex != -1) c.W.Integer(matchIndex);
        else c.W.NullBulk();
        if (rented != null) ArrayPool<long>.Shared.Return(rented);
    }
}
