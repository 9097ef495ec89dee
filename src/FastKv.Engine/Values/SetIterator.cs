using System;
using System.Diagnostics;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Walks a set's members in its encoding's order: an intset ascending, a listpack in insertion order,
/// a table segment by segment (<see cref="FieldTable.Scan"/>). Members come out as
/// <see cref="ListpackValue"/>s: integers for intset and listpack integer entries, bytes otherwise.
/// The set must not change during the walk. A table walk needs a caller-provided buffer of
/// <see cref="BufferLength"/> element pointers (a <c>stackalloc</c>), refilled one segment at a time, so
/// walking allocates nothing.
/// Unsafe invariant: the set is live and unchanged for the iterator's lifetime, and the buffer holds
/// <see cref="BufferLength"/> entries for as long.
/// </summary>
public unsafe ref struct SetIterator
{
    /// <summary>Element pointers one table segment can hold.</summary>
    public const int BufferLength = FieldTable.SlotsPerSegment;

    readonly byte enc;
    readonly byte* set;
    readonly nint* buffer;
    int index, filled;
    byte* entry;
    byte* last;
    ulong cursor;
    bool tableDone;

    public SetIterator(SetRef s, nint* tableBuffer)
    {
        enc = s.Encoding;
        set = s.Ptr;
        buffer = tableBuffer;
        index = filled = 0;
        cursor = 0;
        tableDone = false;
        entry = enc == ValueEncoding.ListPack ? Listpack.First(set) : null;
        last = null;
    }

    /// <summary>Where the member <see cref="Next"/> returned lives: its listpack entry or its table
    /// element (<see cref="FieldTable.ElementField"/>); null for an intset.</summary>
    public readonly byte* Position => last;

    public bool Next(out ListpackValue member)
    {
        switch (enc)
        {
            case ValueEncoding.IntSet:
                if (index >= Intset.Length(set)) { member = default; return false; }
                member = new ListpackValue(Intset.Get(set, index++));
                return true;
            case ValueEncoding.ListPack:
                if (entry == null) { member = default; return false; }
                member = Listpack.Get(entry);
                last = entry;
                entry = Listpack.Next(set, entry);
                return true;
            default:
                while (index >= filled)
                {
                    if (tableDone) { member = default; return false; }
                    var collect = new ElementCollector { Buffer = buffer };
                    cursor = FieldTable.Scan(set, cursor, ref collect);
                    tableDone = cursor == 0;
                    index = 0;
                    filled = collect.Count;
                }
                last = (byte*)buffer[index++];
                member = new ListpackValue(FieldTable.ElementField(last));
                return true;
        }
    }

    /// <summary>Collects a segment's element pointers; a segment holds fewer than <see cref="BufferLength"/> live ones.</summary>
    internal struct ElementCollector : IFieldVisitor
    {
        public nint* Buffer;
        public int Count;

        public void Visit(byte* element)
        {
            Debug.Assert(Count < BufferLength);
            Buffer[Count++] = (nint)element;
        }
    }
}
