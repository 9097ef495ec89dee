using System;
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
        InsertOwn(arena, g, ~i, c, id);
    }

    /// <summary>Acknowledges <paramref name="id"/> (XACK): false when it was not pending.</summary>
    public static bool Ack(byte* g, StreamId id)
    {
        int i = PelFind(g, id);
        if (i < 0) return false;
        RemoveOwn(g, i, NackConsumer(PelAt(g, i)), id);
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
        RemoveOwn(g, i, old, id);
        *(byte**)(n + 32) = c;
        InsertOwn(arena, g, i, c, id);
    }

    /// <summary>Adds <paramref name="id"/>, the group's NACK <paramref name="i"/>, to <paramref name="c"/>'s list.</summary>
    static void InsertOwn(Arena arena, byte* g, int i, byte* c, StreamId id)
    {
        int j = ConsumerPelFind(g, i, c, id, owned: false);
        // Where the bounds put it, unless the lists were out of step: then where a whole search does.
        if (j >= 0 || !FitsAt(c, ~j, id)) j = ConsumerPelFind(c, id);
        Debug.Assert(j < 0);
        if (j >= 0) return;
        byte* p = SlotArray.Insert(arena, ConsumerPel(c), ~j, IdSize);
        *(ulong*)p = id.Ms;
        *(ulong*)(p + 8) = id.Seq;
    }

    /// <summary>Takes <paramref name="id"/>, the group's NACK <paramref name="i"/>, out of its owner <paramref name="c"/>'s list.</summary>
    static void RemoveOwn(byte* g, int i, byte* c, StreamId id)
    {
        int j = ConsumerPelFind(g, i, c, id, owned: true);
        if (j < 0) j = ConsumerPelFind(c, id);
        Debug.Assert(j >= 0, "a NACK's ID is in its owner's list");
        if (j >= 0) SlotArray.Remove(ConsumerPel(c), j, IdSize);
    }

    /// <summary>
    /// <see cref="ConsumerPelFind(byte*, StreamId)"/> of <paramref name="id"/>, the group's NACK <paramref name="i"/>
    /// (held by <paramref name="c"/> when <paramref name="owned"/>), searched only where it can be: c's list is a
    /// subsequence of the group's PEL, so c holds at most i of its IDs before id, and at least i less the group's other
    /// NACKs c does not hold. A consumer holding the whole PEL (one consumer per group, a common shape) is answered
    /// without a search.
    /// </summary>
    public static int ConsumerPelFind(byte* g, int i, byte* c, StreamId id, bool owned)
    {
        int others = PelCount(g) - 1;
        int mine = ConsumerPelCount(c) - (owned ? 1 : 0);
        int lo = Math.Max(0, i - (others - mine));
        int hi = Math.Min(i, mine) + (owned ? 1 : 0);
        if (lo > hi) return ~0; // the lists are out of step: the caller searches the whole list
        return SlotArray.FindId(ConsumerPel(c), IdSize, id.Ms, id.Seq, lo, hi);
    }

    /// <summary>Whether <paramref name="id"/> goes at slot <paramref name="j"/> of <paramref name="c"/>'s sorted list.</summary>
    static bool FitsAt(byte* c, int j, StreamId id)
    {
        int n = ConsumerPelCount(c);
        if ((uint)j > (uint)n) return false;
        return (j == 0 || ConsumerPelId(c, j - 1) < id) && (j == n || ConsumerPelId(c, j) > id);
    }
}
