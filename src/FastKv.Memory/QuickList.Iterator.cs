using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Memory;

public static unsafe partial class QuickList
{
    /// <summary>
    /// An iterator positioned on the element at <paramref name="index"/> (negative counts from the end, -1
    /// the last), moving towards the tail when <paramref name="forward"/>, else towards the head. Not
    /// <see cref="QuickListIterator.Valid"/> when the index is out of range.
    /// </summary>
    public static QuickListIterator IteratorAt(byte* ql, long index, bool forward)
    {
        long total = Count(ql);
        if (index < 0) index += total;
        if ((ulong)index >= (ulong)total) return new QuickListIterator(ql, null, null, 0, forward);
        byte* node = FindNode(ql, index, out int offset);
        byte* entry = Listpack.Seek(NodeListpack(node), offset);
        Debug.Assert(entry != null);
        return new QuickListIterator(ql, node, entry, offset, forward);
    }

    /// <summary>The element at <paramref name="index"/> (negative from the end) into <paramref name="value"/>;
    /// false when out of range. The value is valid until the next write.</summary>
    public static bool TryGet(byte* ql, long index, out ListpackValue value)
    {
        QuickListIterator it = IteratorAt(ql, index, true);
        if (!it.Valid)
        {
            value = default;
            return false;
        }
        value = it.Current;
        return true;
    }
}

/// <summary>
/// A position in a quicklist: a node, an entry of its listpack and the entry's index in the node (Redis's
/// quicklistIter plus quicklistEntry). It walks one way, can delete or replace the element it is on and
/// keep going (LREM), or replace it (LSET) or insert beside it (LINSERT), which end the walk. Any other write to the
/// list invalidates it. A plain struct of pointers: keep it in a local and call its methods on that local.
/// Unsafe invariant: while <see cref="Valid"/>, <c>_node</c> is a live node of <c>_ql</c> and
/// <c>_entry</c> the <c>_offset</c>-th entry of its current listpack.
/// </summary>
public unsafe struct QuickListIterator
{
    readonly byte* _ql;
    byte* _node;
    byte* _entry;
    int _offset;
    readonly bool _forward;

    internal QuickListIterator(byte* ql, byte* node, byte* entry, int offset, bool forward)
    {
        _ql = ql;
        _node = node;
        _entry = entry;
        _offset = offset;
        _forward = forward;
    }

    /// <summary>Whether the iterator is on an element.</summary>
    public readonly bool Valid
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _entry != null;
    }

    /// <summary>The element; valid until the next write to the list.</summary>
    public readonly ListpackValue Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            Debug.Assert(_entry != null);
            return Listpack.Get(_entry);
        }
    }

    /// <summary>Whether the element equals <paramref name="value"/> in stored form (Redis's lpCompare).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool CurrentEquals(ReadOnlySpan<byte> value) => Listpack.EntryEquals(_entry, value);

    /// <summary>Steps to the next element in the iterator's direction (or past the end: not Valid).</summary>
    public void MoveNext()
    {
        Debug.Assert(_entry != null);
        byte* lp = QuickList.NodeListpack(_node);
        if (_forward)
        {
            _entry = Listpack.Next(lp, _entry);
            _offset++;
            if (_entry == null) EnterNode(QuickList.NextNode(_node));
        }
        else
        {
            _entry = Listpack.Prev(lp, _entry);
            _offset--;
            if (_entry == null) EnterNode(QuickList.PrevNode(_node));
        }
    }

    /// <summary>Deletes the element and moves to the one that came after it in the iterator's direction
    /// (Redis's quicklistDelEntry: the node goes when emptied; nothing is merged).</summary>
    public void DeleteCurrent(Arena arena)
    {
        Debug.Assert(_entry != null);
        byte* prevNode = QuickList.PrevNode(_node), nextNode = QuickList.NextNode(_node);
        if (QuickList.DeleteEntryAt(arena, _ql, _node, _entry, out byte* next))
        {
            EnterNode(_forward ? nextNode : prevNode);
            return;
        }
        byte* lp = QuickList.NodeListpack(_node);
        if (_forward)
        {
            _entry = next;
            if (_entry == null) EnterNode(nextNode);
        }
        else
        {
            _offset--;
            _entry = _offset < 0 ? null : next != null ? Listpack.Prev(lp, next) : Listpack.Last(lp);
            if (_entry == null) EnterNode(prevNode);
        }
    }

    /// <summary>Replaces the element with <paramref name="value"/> (LSET). Ends the walk, as Redis's iterator
    /// after a replace: the iterator is no longer Valid.</summary>
    public void ReplaceCurrent(Arena arena, ReadOnlySpan<byte> value)
    {
        Debug.Assert(_entry != null);
        QuickList.ReplaceAt(arena, _ql, _node, _entry, _offset, value);
        _node = null;
        _entry = null;
    }

    /// <summary>Inserts <paramref name="value"/> after (or before) the element (LINSERT). Ends the walk: the
    /// iterator is no longer Valid.</summary>
    public void Insert(Arena arena, ReadOnlySpan<byte> value, bool after)
    {
        Debug.Assert(_entry != null);
        QuickList.InsertAtEntry(arena, _ql, _node, _entry, _offset, value, after);
        _node = null;
        _entry = null;
    }

    /// <summary>Moves onto the first (forward) or last (backward) element of <paramref name="node"/>, or ends.</summary>
    void EnterNode(byte* node)
    {
        _node = node;
        if (node == null)
        {
            _entry = null;
            return;
        }
        byte* lp = QuickList.NodeListpack(node);
        if (_forward)
        {
            _entry = Listpack.First(lp);
            _offset = 0;
        }
        else
        {
            _entry = Listpack.Last(lp);
            _offset = QuickList.NodeEntries(node) - 1;
        }
    }
}
