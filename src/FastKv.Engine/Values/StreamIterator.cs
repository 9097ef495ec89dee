using System;
using System.Diagnostics;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// streamIterator: walks a stream's entries between two IDs (inclusive), forwards or backwards, skipping
/// tombstones unless told otherwise. Usage, as in t_stream.c:
/// <code>
///  var it = new StreamIterator(s, start, end, rev);
///  while (it.Next(out StreamId id, out long fields))
///      for (long i = 0; i &lt; fields; i++) { it.Field(out byte* f, out byte* v); ... }
/// </code>
/// The seek is Redis's: forwards from the last node whose master ID is &lt;= start (or the first node),
/// backwards from the last node whose master ID is &lt;= end (none: the iteration is empty, as every node then
/// lies above the end). Pointers it hands out are listpack elements, valid until the stream is written.
/// Unsafe invariant: <c>s</c> is a live stream (<see cref="StreamValue"/>) not written while the iterator is in use,
/// except through <see cref="StreamValue.DeleteAt"/>, after which the iterator is not used again.
/// </summary>
public unsafe struct StreamIterator
{
    readonly byte* s;
    readonly StreamId start, end;
    readonly bool rev;
    /// <summary>Emit only live entries (the default); false also emits tombstones.</summary>
    public bool SkipTombstones;
    int nextNode;
    StreamId master;
    long masterFieldCount;
    byte* masterFieldsStart, masterFieldsPtr;
    byte* lp, ele;
    internal byte* FlagsPtr;
    internal int Node;
    int entryFlags;
    /// <summary>Fields of the current entry the caller has not read: <see cref="Next"/> steps over them.</summary>
    long unread;

    public StreamIterator(byte* stream, StreamId start, StreamId end, bool rev)
    {
        s = stream;
        this.start = start;
        this.end = end;
        this.rev = rev;
        SkipTombstones = true;
        int n = StreamValue.NodeCount(stream);
        if (!rev) nextNode = start.IsZero ? 0 : Math.Max(0, StreamValue.FindNodeAtOrBefore(stream, start));
        else nextNode = end.IsZero ? n - 1 : StreamValue.FindNodeAtOrBefore(stream, end);
        master = default;
        masterFieldCount = 0;
        masterFieldsStart = masterFieldsPtr = null;
        lp = ele = null;
        FlagsPtr = null;
        Node = -1;
        entryFlags = 0;
        unread = 0;
    }

    /// <summary>The flags of the entry <see cref="Next"/> returned last.</summary>
    public readonly int EntryFlags => entryFlags;

    /// <summary>streamIteratorGetID: the next entry in range, with its field count; false at the end.</summary>
    public bool Next(out StreamId id, out long numFields)
    {
        // The walk below starts from the current entry's lp-count, where reading every field leaves it.
        while (unread > 0) Field(out _, out _);
        while (true)
        {
            if (lp == null || ele == null)
            {
                if (nextNode < 0 || nextNode >= StreamValue.NodeCount(s)) { id = default; numFields = 0; return false; }
                Node = nextNode;
                nextNode += rev ? -1 : 1;
                master = StreamValue.NodeMasterId(s, Node);
                lp = StreamValue.NodeListpack(s, Node);
                ele = Listpack.First(lp);       // count
                ele = Listpack.Next(lp, ele);   // deleted
                ele = Listpack.Next(lp, ele);   // num-fields
                masterFieldCount = StreamValue.ReadInt(ele);
                ele = Listpack.Next(lp, ele);   // first master field (or the master terminator)
                masterFieldsStart = ele;
                if (!rev) for (long i = 0; i < masterFieldCount; i++) ele = Listpack.Next(lp, ele);
                else ele = Listpack.Last(lp);
            }
            else if (rev)
            {
                // Back over the entry just emitted to the lp-count of the one before it.
                long lpCount = StreamValue.ReadInt(ele);
                while (lpCount-- > 0) ele = Listpack.Prev(lp, ele);
                ele = Listpack.Prev(lp, ele);
            }

            while (true)
            {
                if (!rev)
                {
                    // Past the previous entry's lp-count (or the master terminator).
                    ele = Listpack.Next(lp, ele);
                    if (ele == null) break;
                }
                else
                {
                    long lpCount = StreamValue.ReadInt(ele);
                    if (lpCount == 0) { lp = null; ele = null; break; } // the master entry
                    while (lpCount-- > 0) ele = Listpack.Prev(lp, ele);
                }

                FlagsPtr = ele;
                int flags = (int)StreamValue.ReadInt(ele);
                ele = Listpack.Next(lp, ele);
                ulong ms = unchecked(master.Ms + (ulong)StreamValue.ReadInt(ele));
                ele = Listpack.Next(lp, ele);
                ulong seq = unchecked(master.Seq + (ulong)StreamValue.ReadInt(ele));
                ele = Listpack.Next(lp, ele);
                id = new StreamId(ms, seq);
                if ((flags & StreamValue.FlagSameFields) != 0) numFields = masterFieldCount;
                else
                {
                    numFields = StreamValue.ReadInt(ele);
                    ele = Listpack.Next(lp, ele);
                }

                bool live = !SkipTombstones || (flags & StreamValue.FlagDeleted) == 0;
                if (!rev)
                {
                    if (id >= start && live)
                    {
                        if (id > end) return false;
                        entryFlags = flags;
                        unread = numFields;
                        if ((flags & StreamValue.FlagSameFields) != 0) masterFieldsPtr = masterFieldsStart;
                        return true;
                    }
                    long discard = (flags & StreamValue.FlagSameFields) != 0 ? numFields : numFields * 2;
                    for (long i = 0; i < discard; i++) ele = Listpack.Next(lp, ele);
                }
                else
                {
                    if (id <= end && live)
                    {
                        if (id < start) return false;
                        entryFlags = flags;
                        unread = numFields;
                        if ((flags & StreamValue.FlagSameFields) != 0) masterFieldsPtr = masterFieldsStart;
                        return true;
                    }
                    // flags, ms, seq, (num-fields), and one more to the previous entry's lp-count.
                    int back = (flags & StreamValue.FlagSameFields) != 0 ? 4 : 5;
                    while (back-- > 0) ele = Listpack.Prev(lp, ele);
                }
            }
        }
    }

    /// <summary>streamIteratorGetField: the next field and value of the current entry, as listpack elements.</summary>
    public void Field(out byte* field, out byte* value)
    {
        Debug.Assert(unread > 0);
        unread--;
        if ((entryFlags & StreamValue.FlagSameFields) != 0)
        {
            field = masterFieldsPtr;
            masterFieldsPtr = Listpack.Next(lp, masterFieldsPtr);
        }
        else
        {
            field = ele;
            ele = Listpack.Next(lp, ele);
        }
        value = ele;
        ele = Listpack.Next(lp, ele);
    }
}
