using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Memory;

/// <summary>
/// Quicklist writers: pushes and pops at the ends, range deletes, and the insert that starts, splits and
/// merges nodes, each following quicklist.c's decisions. Values are written in string form; the listpack
/// stores canonical integers as integers. A value may point into this list's own listpacks only for the
/// single-listpack writes (Listpack copies it first); elsewhere it must stay valid across the write.
/// </summary>
public static unsafe partial class QuickList
{
    // ---- ends ----

    /// <summary>Adds <paramref name="value"/> before the first element (Redis's quicklistPushHead).</summary>
    public static void PushHead(Arena arena, byte* ql, ReadOnlySpan<byte> value)
    {
        byte* head = HeadNode(ql);
        // A large element fails AllowInsert, so it always starts a node of its own.
        if (AllowInsert(head, Fill(ql), value.Length))
        {
            SetListpack(ql, head, Listpack.Prepend(arena, NodeListpack(head), value));
            NodeEntriesRef(head)++;
        }
        else
        {
            LinkNode(ql, head, NewNodeWith(arena, ql, value), after: false);
        }
        CountRef(ql)++;
    }

    /// <summary>Adds <paramref name="value"/> after the last element (Redis's quicklistPushTail).</summary>
    public static void PushTail(Arena arena, byte* ql, ReadOnlySpan<byte> value)
    {
        byte* tail = TailNode(ql);
        if (AllowInsert(tail, Fill(ql), value.Length))
        {
            SetListpack(ql, tail, Listpack.Append(arena, NodeListpack(tail), value));
            NodeEntriesRef(tail)++;
        }
        else
        {
            LinkNode(ql, tail, NewNodeWith(arena, ql, value), after: true);
        }
        CountRef(ql)++;
    }

    public static void Push(Arena arena, byte* ql, ReadOnlySpan<byte> value, bool head)
    {
        if (head) PushHead(arena, ql, value);
        else PushTail(arena, ql, value);
    }

    /// <summary>The first element; the list must not be empty. Valid until the next write.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ListpackValue Head(byte* ql)
    {
        Debug.Assert(Count(ql) > 0);
        return Listpack.Get(Listpack.First(NodeListpack(HeadNode(ql))));
    }

    /// <summary>The last element; the list must not be empty. Valid until the next write.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ListpackValue Tail(byte* ql)
    {
        Debug.Assert(Count(ql) > 0);
        return Listpack.Get(Listpack.Last(NodeListpack(TailNode(ql))));
    }

    /// <summary>Removes the first element (read it with <see cref="Head"/> first); the list must not be empty.</summary>
    public static void DeleteHead(Arena arena, byte* ql)
    {
        byte* node = HeadNode(ql);
        DeleteEntryAt(arena, ql, node, Listpack.First(NodeListpack(node)), out _);
    }

    /// <summary>Removes the last element (read it with <see cref="Tail"/> first); the list must not be empty.</summary>
    public static void DeleteTail(Arena arena, byte* ql)
    {
        byte* node = TailNode(ql);
        DeleteEntryAt(arena, ql, node, Listpack.Last(NodeListpack(node)), out _);
    }

    /// <summary>
    /// Deletes the entry <paramref name="p"/> of <paramref name="node"/> (Redis's quicklistDelIndex; no merge).
    /// Returns true when the node went with it; otherwise <paramref name="next"/> is the entry that followed
    /// in the node's new listpack, or null when it was the node's last.
    /// </summary>
    internal static bool DeleteEntryAt(Arena arena, byte* ql, byte* node, byte* p, out byte* next)
    {
        if (NodeEntries(node) == 1)
        {
            next = null;
            DeleteNode(arena, ql, node);
            return true;
        }
        SetListpack(ql, node, Listpack.Delete(arena, NodeListpack(node), p, out next));
        NodeEntriesRef(node)--;
        CountRef(ql)--;
        return false;
    }

    // ---- ranges ----

    /// <summary>
    /// Deletes up to <paramref name="count"/> elements from <paramref name="start"/> (negative counts from
    /// the end) towards the tail, as Redis's quicklistDelRange: nothing when count &lt;= 0 or start is out of
    /// range; emptied nodes go, the rest are not merged. Returns the number deleted.
    /// </summary>
    public static long DeleteRange(Arena arena, byte* ql, long start, long count)
    {
        long total = Count(ql);
        if (count <= 0) return 0;
        if (start < 0) start += total;
        if ((ulong)start >= (ulong)total) return 0;
        long extent = Math.Min(count, total - start);
        long deleted = extent;

        byte* node = FindNode(ql, start, out int offset);
        while (extent > 0)
        {
            Debug.Assert(node != null);
            byte* next = NextNode(node);
            int entries = NodeEntries(node);
            if (offset == 0 && extent >= entries)
            {
                DeleteNode(arena, ql, node);
                extent -= entries;
            }
            else
            {
                int del = (int)Math.Min(extent, entries - offset);
                SetListpack(ql, node, Listpack.DeleteRange(arena, NodeListpack(node), offset, del));
                NodeEntriesRef(node) -= del;
                CountRef(ql) -= del;
                extent -= del;
            }
            node = next;
            offset = 0;
        }
        return deleted;
    }

    /// <summary>The node holding element <paramref name="index"/> (0 &lt;= index &lt; Count) and the index
    /// inside it, walking from the nearer end (Redis's quicklistGetIteratorAtIdx).</summary>
    static byte* FindNode(byte* ql, long index, out int offset)
    {
        long total = Count(ql);
        Debug.Assert((ulong)index < (ulong)total);
        if (index <= (total - 1) / 2)
        {
            long accum = 0;
            byte* n = HeadNode(ql);
            while (accum + NodeEntries(n) <= index)
            {
                accum += NodeEntries(n);
                n = NextNode(n);
            }
            offset = (int)(index - accum);
            return n;
        }
        else
        {
            long fromTail = total - 1 - index, accum = 0;
            byte* n = TailNode(ql);
            while (accum + NodeEntries(n) <= fromTail)
            {
                accum += NodeEntries(n);
                n = PrevNode(n);
            }
            offset = NodeEntries(n) - 1 - (int)(fromTail - accum);
            return n;
        }
    }

    // ---- insert in the middle (quicklist.c's _quicklistInsert) ----

    /// <summary>
    /// Inserts <paramref name="value"/> before or after the entry <paramref name="p"/>, the
    /// <paramref name="offset"/>-th of <paramref name="node"/>. In a node with room it goes in place; a
    /// full node at its edge hands the value to the neighbour when that one has room, else gets a new node
    /// beside it; a full node hit in the middle is split at the entry, the value joins the split-off half
    /// (or, when that half has no room, goes between the halves in a node of its own), and the nodes around
    /// the split are merged where they fit.
    /// </summary>
    internal static void InsertAtEntry(Arena arena, byte* ql, byte* node, byte* p, int offset, ReadOnlySpan<byte> value, bool after)
    {
        int fill = Fill(ql);
        int len = value.Length;
        bool full = !AllowInsert(node, fill, len);
        bool atTail = after && offset == NodeEntries(node) - 1;
        bool atHead = !after && offset == 0;
        bool availNext = atTail && AllowInsert(NextNode(node), fill, len);
        bool availPrev = atHead && AllowInsert(PrevNode(node), fill, len);

        if (IsLargeElement(fill, len))
        {
            // Such an element gets a node of its own (Redis 7.4 makes it a plain node): beside this node
            // when inserting at its edge, else between the two halves of a split.
            if (atTail || atHead)
            {
                LinkNode(ql, node, NewNodeWith(arena, ql, value), after);
            }
            else
            {
                byte* split = SplitNode(arena, ql, node, offset, after);
                byte* single = NewNodeWith(arena, ql, value);
                LinkNode(ql, node, single, after);
                LinkNode(ql, single, split, after);
            }
            CountRef(ql)++;
            return;
        }

        if (!full)
        {
            SetListpack(ql, node, Listpack.Insert(arena, NodeListpack(node), p, after ? ListpackWhere.After : ListpackWhere.Before, value));
            NodeEntriesRef(node)++;
        }
        else if (atTail && availNext)
        {
            byte* next = NextNode(node);
            SetListpack(ql, next, Listpack.Prepend(arena, NodeListpack(next), value));
            NodeEntriesRef(next)++;
        }
        else if (atHead && availPrev)
        {
            byte* prev = PrevNode(node);
            SetListpack(ql, prev, Listpack.Append(arena, NodeListpack(prev), value));
            NodeEntriesRef(prev)++;
        }
        else if (atTail || atHead)
        {
            LinkNode(ql, node, NewNodeWith(arena, ql, value), after);
        }
        else
        {
            byte* split = SplitNode(arena, ql, node, offset, after);
            if (AllowInsert(split, fill, len))
            {
                SetListpack(ql, split, after
                    ? Listpack.Prepend(arena, NodeListpack(split), value)
                    : Listpack.Append(arena, NodeListpack(split), value));
                NodeEntriesRef(split)++;
                LinkNode(ql, node, split, after);
            }
            else
            {
                // Redis would add it to the split-off half regardless and let that node exceed the limit;
                // here it goes between the halves in a node of its own, so the limits keep holding.
                byte* single = NewNodeWith(arena, ql, value);
                LinkNode(ql, node, single, after);
                LinkNode(ql, single, split, after);
            }
            MergeAround(arena, ql, node);
        }
        CountRef(ql)++;
    }

    /// <summary>
    /// Splits <paramref name="node"/> at <paramref name="offset"/> (Redis's _quicklistSplitNode) and returns the
    /// new, unlinked node: after, the node keeps [0, offset] and the new one gets the rest; before, the new one
    /// gets [0, offset) and the node keeps the rest. Entry pointers into the node die.
    /// </summary>
    static byte* SplitNode(Arena arena, byte* ql, byte* node, int offset, bool after)
    {
        int entries = NodeEntries(node);
        Debug.Assert(after ? offset < entries - 1 : offset > 0);
        byte* copy = Listpack.Copy(arena, NodeListpack(node));
        int keepFrom, keepCount, newFrom, newCount;
        if (after)
        {
            keepFrom = 0; keepCount = offset + 1;
            newFrom = offset + 1; newCount = entries - offset - 1;
        }
        else
        {
            keepFrom = offset; keepCount = entries - offset;
            newFrom = 0; newCount = offset;
        }
        SetListpack(ql, node, KeepRange(arena, NodeListpack(node), entries, keepFrom, keepCount));
        NodeEntriesRef(node) = keepCount;
        byte* split = NewNode(arena, ql, KeepRange(arena, copy, entries, newFrom, newCount), newCount);
        return split;
    }

    /// <summary>Deletes every entry of <paramref name="lp"/> outside [from, from + count).</summary>
    static byte* KeepRange(Arena arena, byte* lp, int entries, int from, int count)
    {
        int tail = entries - from - count;
        if (tail > 0) lp = Listpack.DeleteRange(arena, lp, from + count, tail);
        if (from > 0) lp = Listpack.DeleteRange(arena, lp, 0, from);
        return lp;
    }

    /// <summary>Redis's _quicklistMergeNodes: tries (prev.prev, prev), (next, next.next), (prev, center) and
    /// then the result with its next, each only when the merged node stays within the fill.</summary>
    static void MergeAround(Arena arena, byte* ql, byte* center)
    {
        int fill = Fill(ql);
        byte* prev = PrevNode(center);
        byte* prevPrev = prev != null ? PrevNode(prev) : null;
        byte* next = NextNode(center);
        byte* nextNext = next != null ? NextNode(next) : null;

        if (AllowMerge(prev, prevPrev, fill)) Merge(arena, ql, prevPrev, prev);
        if (AllowMerge(next, nextNext, fill)) Merge(arena, ql, next, nextNext);

        byte* target = center;
        if (AllowMerge(center, PrevNode(center), fill)) target = Merge(arena, ql, PrevNode(center), center);
        if (AllowMerge(target, NextNode(target), fill)) Merge(arena, ql, target, NextNode(target));
    }

    /// <summary>Moves <paramref name="b"/>'s entries to the end of its left neighbour <paramref name="a"/>,
    /// frees <paramref name="b"/> and returns <paramref name="a"/>.</summary>
    static byte* Merge(Arena arena, byte* ql, byte* a, byte* b)
    {
        Debug.Assert(NextNode(a) == b);
        int bEntries = NodeEntries(b), bSz = NodeBytes(b);
        byte* merged = Listpack.Concat(arena, NodeListpack(a), NodeListpack(b));
        // Concat consumed both blobs: account for b's as freed, then give a the merged one.
        BytesRef(ql) -= (long)Arena.UsableSize((nuint)bSz);
        SetListpack(ql, a, merged);
        NodeEntriesRef(a) += bEntries;

        byte* next = NextNode(b);
        SetNext(a, next);
        if (next != null) SetPrev(next, a);
        if (TailNode(ql) == b) SetTail(ql, a);
        NodeCountRef(ql)--;
        BytesRef(ql) -= (long)NodeUsable;
        arena.Free(b, NodeBlobSize);
        return a;
    }

    // ---- replace ----

    /// <summary>
    /// Replaces the entry <paramref name="p"/>, the <paramref name="offset"/>-th of <paramref name="node"/>: in
    /// place when the node holds only this entry or stays within the fill's byte limit (always, under
    /// <see cref="Unlimited"/>); otherwise the old entry is deleted and the value inserted where it was by the
    /// rules of <see cref="InsertAtEntry"/>, so the node limits keep holding. <paramref name="value"/> must not
    /// point into this list on that path.
    /// </summary>
    internal static void ReplaceAt(Arena arena, byte* ql, byte* node, byte* p, int offset, ReadOnlySpan<byte> value)
    {
        int fill = Fill(ql);
        long newBytes = (long)NodeBytes(node) - Listpack.EntrySize(p) + value.Length + EntryOverheadEstimate;
        if (NodeEntries(node) == 1 || (!IsLargeElement(fill, value.Length) && !NodeExceedsLimit(fill, newBytes, 1)))
        {
            SetListpack(ql, node, Listpack.Replace(arena, NodeListpack(node), p, value));
            return;
        }
        // The node keeps at least one entry, so it survives the delete.
        DeleteEntryAt(arena, ql, node, p, out byte* next);
        if (next != null) InsertAtEntry(arena, ql, node, next, offset, value, after: false);
        else InsertAtEntry(arena, ql, node, Listpack.Last(NodeListpack(node)), offset - 1, value, after: true);
    }
}
