using System;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>List writes that add or replace: LPUSH, RPUSH, LPUSHX, RPUSHX, LINSERT, LSET (t_list.c).</summary>
public static unsafe partial class ListCommands
{
    static void LPush(ref CommandContext c) => Push(ref c, head: true, onlyExisting: false);
    static void RPush(ref CommandContext c) => Push(ref c, head: false, onlyExisting: false);
    static void LPushX(ref CommandContext c) => Push(ref c, head: true, onlyExisting: true);
    static void RPushX(ref CommandContext c) => Push(ref c, head: false, onlyExisting: true);

    /// <summary>pushGenericCommand: one conversion check for all the elements, then the pushes in order.</summary>
    static void Push(ref CommandContext c, bool head, bool onlyExisting)
    {
        if (!c.WriteTyped(1, ValueKind.List, out byte* e)) return;
        byte* ql;
        if (e == null)
        {
            if (onlyExisting) { c.W.Integer(0); return; }
            e = ListEncoding.CreateList(ref c, c.Arg(1), out ql);
        }
        else
        {
            ql = Collection.Ptr(e);
        }
        ListEncoding.BeforeGrow(ref c, e, ql, ListEncoding.ArgBytes(ref c, 2, c.Count - 1), c.Count - 2);
        Arena arena = c.Shard.Arena;
        for (int i = 2; i < c.Count; i++) QuickList.Push(arena, ql, c.Arg(i), head);
        c.Dirty(c.Count - 2);
        c.Modified(1, NotifyClass.List, head ? "lpush"u8 : "rpush"u8);
        c.W.Integer(QuickList.Count(ql));
    }

    /// <summary>LINSERT key BEFORE|AFTER pivot element: -1 when the pivot is absent, 0 when the key is.</summary>
    static void LInsert(ref CommandContext c)
    {
        bool after;
        if (c.ArgIs(2, "after"u8)) after = true;
        else if (c.ArgIs(2, "before"u8)) after = false;
        else { c.Error(Errors.Syntax); return; }

        if (!c.WriteTyped(1, ValueKind.List, out byte* e)) return;
        if (e == null) { c.W.Integer(0); return; }
        byte* ql = Collection.Ptr(e);
        // Redis converts before looking for the pivot (it cannot convert inside the walk), found or not.
        ListEncoding.BeforeGrow(ref c, e, ql, c.Arg(4).Length, 1);

        ReadOnlySpan<byte> pivot = c.Arg(3);
        for (QuickListIterator it = QuickList.IteratorAt(ql, 0, forward: true); it.Valid; it.MoveNext())
        {
            if (!it.CurrentEquals(pivot)) continue;
            it.Insert(c.Shard.Arena, c.Arg(4), after);
            c.Dirty();
            c.Modified(1, NotifyClass.List, "linsert"u8);
            c.W.Integer(QuickList.Count(ql));
            return;
        }
        c.W.Integer(-1);
    }

    /// <summary>LSET key index element.</summary>
    static void LSet(ref CommandContext c)
    {
        if (!c.WriteTyped(1, ValueKind.List, out byte* e)) return;
        if (e == null) { c.Error(Errors.NoSuchKey); return; }
        if (!c.TryInt(2, out long index)) return;
        byte* ql = Collection.Ptr(e);
        // As Redis: the growing check runs before the index is known to be in range.
        ListEncoding.BeforeGrow(ref c, e, ql, c.Arg(3).Length, 1);
        // Redis 7.2's listTypeReplaceAtIndex takes the index as an int: the long is truncated to its low 32 bits
        // (LLONG_MAX is -1, the last element; 2^32 is 0), and the oracle answers so.
        QuickListIterator it = QuickList.IteratorAt(ql, unchecked((int)index), forward: true);
        if (!it.Valid) { c.Error("ERR index out of range"); return; }
        it.ReplaceCurrent(c.Shard.Arena, c.Arg(3));
        c.Dirty();
        c.Modified(1, NotifyClass.List, "lset"u8);
        c.W.Ok();
        ListEncoding.AfterShrink(ref c, e, ql);
    }
}
