using System;
using System.Buffers;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// List writes that remove: LPOP, RPOP, LMPOP, LMOVE, RPOPLPUSH, LREM, LTRIM (t_list.c). Every path that
/// can empty a list deletes the key; the others try the shrinking conversion (listElementsRemoved).
/// </summary>
public static unsafe partial class ListCommands
{
    /// <summary>Values up to this many bytes are copied to the stack when they must outlive their list entry.</summary>
    const int StackValueBytes = 256;

    static void LPop(ref CommandContext c) => Pop(ref c, head: true);
    static void RPop(ref CommandContext c) => Pop(ref c, head: false);

    /// <summary>LPOP/RPOP key [count]: a bulk without count, an array with it (null array for a missing key).</summary>
    static void Pop(ref CommandContext c, bool head)
    {
        if (c.Count > 3) { c.WrongArgs(); return; }
        bool hasCount = c.Count == 3;
        long count = 0;
        if (hasCount && !TryPositive(ref c, 2, null, out count)) return;
        if (!c.WriteTyped(1, ValueKind.List, out byte* e)) return;
        if (e == null)
        {
            if (hasCount) c.W.NullArray();
            else c.W.NullBulk();
            return;
        }
        if (hasCount && count == 0) { c.W.ArrayHeader(0); return; }
        byte* ql = Collection.Ptr(e);
        if (!hasCount)
        {
            Arena arena = c.Shard.Arena;
            if (head)
            {
                WriteValue(c.W, QuickList.Head(ql));
                QuickList.DeleteHead(arena, ql);
            }
            else
            {
                WriteValue(c.W, QuickList.Tail(ql));
                QuickList.DeleteTail(arena, ql);
            }
            c.Dirty();
            ListEncoding.Removed(ref c, 1, e, ql, head ? "lpop"u8 : "rpop"u8);
            return;
        }
        PopRange(ref c, 1, e, ql, head, count);
    }

    /// <summary>Replies with up to <paramref name="count"/> elements from one end (the tail's in reverse) and
    /// deletes them, then the key if emptied.</summary>
    static void PopRange(ref CommandContext c, int keyArg, byte* e, byte* ql, bool head, long count)
    {
        long llen = QuickList.Count(ql);
        long n = Math.Min(count, llen);
        WriteRange(c.W, ql, head ? 0 : llen - 1, n, reverse: !head);
        QuickList.DeleteRange(c.Shard.Arena, ql, head ? 0 : -n, n);
        c.Dirty(n);
        ListEncoding.Removed(ref c, keyArg, e, ql, head ? "lpop"u8 : "rpop"u8);
    }

    /// <summary>LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pops from the first non-empty list.</summary>
    static void LMPop(ref CommandContext c)
    {
        if (!TryRange(ref c, 1, 1, long.MaxValue, Errors.NumKeysNotPositive, out long numkeys)) return;
        if (numkeys >= c.Count - 2) { c.Error(Errors.Syntax); return; }
        int whereArg = (int)numkeys + 2;
        if (!TryWhere(ref c, whereArg, out bool head)) return;
        long count = -1;
        for (int j = whereArg + 1; j < c.Count; j++)
        {
            if (count == -1 && j < c.Count - 1 && c.ArgIs(j, "count"u8))
            {
                if (!TryRange(ref c, ++j, 1, long.MaxValue, Errors.CountNotPositive, out count)) return;
            }
            else
            {
                c.Error(Errors.Syntax);
                return;
            }
        }
        if (count == -1) count = 1;

        for (int k = 2; k < whereArg; k++)
        {
            if (!c.WriteTyped(k, ValueKind.List, out byte* e)) return;
            if (e == null) continue;
            byte* ql = Collection.Ptr(e);
            c.W.ArrayHeader(2);
            c.W.Bulk(c.Arg(k));
            long llen = QuickList.Count(ql);
            PopRange(ref c, k, e, ql, head, count);
            // Propagated as LPOP|RPOP key n (BLMPOP too: its attempt is this LMPOP).
            if (c.Shard.Aof.On) AofForms.PopCount(ref c, head ? "LPOP"u8 : "RPOP"u8, c.Arg(k), Math.Min(count, llen));
            return;
        }
        c.W.NullArray();
    }

    /// <summary>LEFT or RIGHT (any case), else a syntax error.</summary>
    static bool TryWhere(ref CommandContext c, int arg, out bool head)
    {
        head = c.ArgIs(arg, "left"u8);
        if (head || c.ArgIs(arg, "right"u8)) return true;
        c.Error(Errors.Syntax);
        return false;
    }

    /// <summary>LMOVE source destination LEFT|RIGHT LEFT|RIGHT.</summary>
    static void LMove(ref CommandContext c)
    {
        if (!TryWhere(ref c, 3, out bool fromHead) || !TryWhere(ref c, 4, out bool toHead)) return;
        Move(ref c, fromHead, toHead);
    }

    static void RPopLPush(ref CommandContext c) => Move(ref c, fromHead: false, toHead: true);

    /// <summary>
    /// lmoveGenericCommand: the destination's type is checked before anything is popped; the value is
    /// popped, pushed (creating the destination) and only then the source deleted if emptied, so a source
    /// that is also the destination rotates.
    /// </summary>
    static void Move(ref CommandContext c, bool fromHead, bool toHead)
    {
        if (!c.WriteTyped(1, ValueKind.List, out byte* src)) return;
        if (src == null) { c.W.NullBulk(); return; }
        if (!c.WriteTyped(2, ValueKind.List, out byte* dst)) return;
        byte* sql = Collection.Ptr(src);
        Arena arena = c.Shard.Arena;

        // The popped value must outlive its entry: integers as their decimal, short strings on the stack.
        ListpackValue v = fromHead ? QuickList.Head(sql) : QuickList.Tail(sql);
        Span<byte> stack = stackalloc byte[StackValueBytes];
        byte[]? rented = null;
        scoped ReadOnlySpan<byte> value;
        // What listTypeTryConvertListpack counts: Redis pops an integer from a quicklist as an int-encoded
        // object (no bytes counted) and anything else as a string.
        long addBytes;
        if (v.IsInteger)
        {
            int n = RespNumber.FormatInt64(v.Integer, stack);
            value = stack.Slice(0, n);
            addBytes = KeyEntry.Encoding(src) == ValueEncoding.QuickList ? 0 : n;
        }
        else
        {
            Span<byte> copy = v.Bytes.Length <= StackValueBytes
                ? stack
                : (rented = ArrayPool<byte>.Shared.Rent(v.Bytes.Length));
            v.Bytes.CopyTo(copy);
            value = copy.Slice(0, v.Bytes.Length);
            addBytes = value.Length;
        }
        if (fromHead) QuickList.DeleteHead(arena, sql);
        else QuickList.DeleteTail(arena, sql);

        byte* dql;
        if (dst == null) dst = ListEncoding.CreateList(ref c, c.Arg(2), out dql);
        else dql = Collection.Ptr(dst);
        ListEncoding.BeforeGrow(ref c, dst, dql, addBytes, 1);
        QuickList.Push(arena, dql, value, toHead);
        c.W.Bulk(value);
        if (rented != null) ArrayPool<byte>.Shared.Return(rented);
        // As lmoveGenericCommand: one change for the move, the destination's push event, then the source's pop
        // (and del).
        c.Dirty();
        c.Modified(2, NotifyClass.List, toHead ? "lpush"u8 : "rpush"u8);
        ListEncoding.Removed(ref c, 1, src, sql, fromHead ? "lpop"u8 : "rpop"u8);
    }

    /// <summary>LREM key count element: count &gt; 0 from the head, &lt; 0 from the tail, 0 all.</summary>
    static void LRem(ref CommandContext c)
    {
        if (!c.TryInt(2, out long toRemove)) return;
        if (!c.WriteTyped(1, ValueKind.List, out byte* e)) return;
        if (e == null) { c.W.Integer(0); return; }
        byte* ql = Collection.Ptr(e);
        bool forward = toRemove >= 0;
        if (!forward) toRemove = -toRemove; // long.MinValue stays negative: never reached, so all go (as Redis)
        ReadOnlySpan<byte> element = c.Arg(3);
        Arena arena = c.Shard.Arena;
        long removed = 0;
        QuickListIterator it = QuickList.IteratorAt(ql, forward ? 0 : -1, forward);
        while (it.Valid)
        {
            if (!it.CurrentEquals(element))
            {
                it.MoveNext();
                continue;
            }
            it.DeleteCurrent(arena);
            removed++;
            if (toRemove != 0 && removed == toRemove) break;
        }
        if (removed > 0)
        {
            c.Dirty(removed);
            c.Modified(1, NotifyClass.List, "lrem"u8);
        }
        if (QuickList.Count(ql) == 0)
        {
            c.Db.Remove(e);
            c.Modified(1, NotifyClass.Generic, "del"u8);
        }
        else if (removed > 0) ListEncoding.AfterShrink(ref c, e, ql);
        c.W.Integer(removed);
    }

    /// <summary>LTRIM key start stop: keeps [start, stop] (negative from the end); an empty range deletes the key.</summary>
    static void LTrim(ref CommandContext c)
    {
        if (!c.TryInt(2, out long start) || !c.TryInt(3, out long end)) return;
        if (!c.WriteTyped(1, ValueKind.List, out byte* e)) return;
        if (e == null) { c.W.Ok(); return; }
        byte* ql = Collection.Ptr(e);
        long llen = QuickList.Count(ql);
        if (start < 0) start += llen;
        if (end < 0) end += llen;
        if (start < 0) start = 0;
        long ltrim, rtrim;
        if (start > end || start >= llen)
        {
            ltrim = llen;
            rtrim = 0;
        }
        else
        {
            if (end >= llen) end = llen - 1;
            ltrim = start;
            rtrim = llen - end - 1;
        }
        Arena arena = c.Shard.Arena;
        QuickList.DeleteRange(arena, ql, 0, ltrim);
        QuickList.DeleteRange(arena, ql, -rtrim, rtrim);
        c.Dirty(ltrim + rtrim);
        ListEncoding.Removed(ref c, 1, e, ql, "ltrim"u8);
        c.W.Ok();
    }
}
