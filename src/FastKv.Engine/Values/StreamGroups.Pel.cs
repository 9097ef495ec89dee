using System.Diagnostics;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// The pending-entry lists (layout in StreamGroups.cs): a group's NACKs by ID and each consumer's IDs, kept in step.
/// Unsafe invariant for the whole file: <c>g</c> is a live group, <c>c</c> a consumer of it.
/// </summary>
public static unsafe partial class StreamGroups
{
    const int NackSize = 40;
    const int IdSize = 16;

    public static int PelCount(byte* g) => SlotArray.Count(Pel(g));

    /// <summary>NACK <paramref name="i"/> of the group's PEL in ID order: valid until the PEL changes.</summary>
    public static byte* PelAt(byte* g, int i) => SlotArray.At(Pel(g), i, NackSize);

    /// <summary>The position of <paramref name="id"/> in the group's PEL, or ~(where it would go).</summary>
    public static int PelFind(byte* g, StreamId id) => SlotArray.FindId(Pel(g), NackSize, id.Ms, id.Seq);

    public static StreamId NackId(byte* n) => new(*(ulong*)n, *(ulong*)(n + 8));
    public static long NackTime(byte* n) => *(long*)(n + 16);
    public static void SetNackTime(byte* n, long ms) => *(long*)(n + 16) = ms;
    public static ulong NackCount(byte* n) => *(ulong*)(n + 24);
    public static void SetNackCount(byte* n, ulong v) => *(ulong*)(n + 24) = v;
    public static byte* NackConsumer(byte* n) => *(byte**)(n + 32);

    /// <summary>Adds <paramref name="id"/>, not pending in the group, as pending for <paramref name="c"/>.</summary>
    public static void AddPending(Arena arena, byte* g, byte* c, StreamId id, long deliveryTime, ulong deliveryCount)
    {
        int i = PelFind(g, id);
        Debug.Assert(i < 0, "the entry is not pending yet");
        byte* n = SlotArray.Insert(arena, Pel(g), ~i, NackSize);
        *(ulong*)n = id.Ms;
        *(ulong*)(n + 8) = id.Seq;
        SetNackTime(n, deliveryTime);
        SetNackCount(n, deliveryCount);
        *(byte**)(n + 32) = c;
        InsertOwn(arena, c, id);
    }

    /// <summary>Acknowledges <paramref name="id"/> (XACK): false when it was not pending.</summary>
    public static bool Ack(byte* g, StreamId id)
    {
        int i = PelFind(g, id);
        if (i < 0) return false;
        RemoveOwn(NackConsumer(PelAt(g, i)), id);
        SlotArray.Remove(Pel(g), i, NackSize);
        return true;
    }

    /// <summary>Gives NACK <paramref name="i"/> to <paramref name="c"/> (XCLAIM), when another consumer owns it.</summary>
    public static void Transfer(Arena arena, byte* g, int i, byte* c)
    {
        byte* n = PelAt(g, i);
        byte* old = NackConsumer(n);
        if (old == c) return;
        StreamId id = NackId(n);
        RemoveOwn(old, id);
        *(byte**)(n + 32) = c;
        InsertOwn(arena, c, id);
    }

    static void InsertOwn(Arena arena, byte* c, StreamId id)
    {
        int j = ConsumerPelFind(c, id);
        Debug.Assert(j < 0);
        byte* p = SlotArray.Insert(arena, ConsumerPel(c), ~j, IdSize);
        *(ulong*)p = id.Ms;
        *(ulong*)(p + 8) = id.Seq;
    }

    static void RemoveOwn(byte* c, StreamId id)
    {
        int j = ConsumerPelFind(c, id);
        Debug.Assert(j >= 0, "a NACK's ID is in its owner's list");
        SlotArray.Remove(ConsumerPel(c), j, IdSize);
    }
}
