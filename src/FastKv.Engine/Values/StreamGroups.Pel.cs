using System;
using System.Diagnostics;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// The pending-entry lists (layout in StreamGroups.cs): a group's NACKs by ID and each consumer's IDs. A consumer's
/// list is updated lazily: an acknowledgement, or a claim by another consumer, takes the NACK out of the group's PEL (or
/// gives it its new owner) and leaves the old owner's slot in place, stale, only counting it; the list's tag counts its
/// live slots. Stale slots go when they outnumber the live ones, or come back to life when the ID is c's again. So XACK
/// touches one sorted array, not two (perf/RESULTS.md, 2026-12-05); readers of a consumer's list skip stale slots
/// (<see cref="OwnNack"/>).
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
        byte* owner = NackConsumer(PelAt(g, i));
        SlotArray.Remove(Pel(g), i, NackSize);
        Disown(g, owner);
        return true;
    }

    /// <summary>Gives NACK <paramref name="i"/> to <paramref name="c"/> (XCLAIM), when another consumer owns it.</summary>
    public static void Transfer(Arena arena, byte* g, int i, byte* c)
    {
        byte* n = PelAt(g, i);
        byte* old = NackConsumer(n);
        if (old == c) return;
        StreamId id = NackId(n);
        *(byte**)(n + 32) = c;
        Disown(g, old);
        InsertOwn(arena, c, id);
    }

    /// <summary>
    /// <paramref name="id"/>, whose NACK has just become <paramref name="c"/>'s, joins c's list: appended when it is the
    /// largest (a delivery), put in order otherwise, or, when the list still holds it stale, that slot lives again.
    /// </summary>
    static void InsertOwn(Arena arena, byte* c, StreamId id)
    {
        byte* own = ConsumerPel(c);
        int n = SlotArray.Count(own);
        int j = n == 0 || ConsumerSlotId(c, n - 1) < id ? ~n : SlotArray.FindId(own, IdSize, id.Ms, id.Seq);
        if (j < 0)
        {
            byte* p = SlotArray.Insert(arena, own, ~j, IdSize);
            *(ulong*)p = id.Ms;
            *(ulong*)(p + 8) = id.Seq;
        }
        SlotArray.Tag(own)++;
    }

    /// <summary>
    /// One of <paramref name="c"/>'s NACKs has just been acknowledged, deleted or given to another consumer: its slot in
    /// c's list turns stale. When the stale slots outnumber the live ones (and are a few), they are dropped.
    /// </summary>
    static void Disown(byte* g, byte* c)
    {
        byte* own = ConsumerPel(c);
        int live = --SlotArray.Tag(own);
        Debug.Assert(live >= 0);
        int stale = SlotArray.Count(own) - live;
        if (stale > live && stale >= CompactAt) Compact(g, c);
    }

    /// <summary>Stale slots a consumer's list keeps however few live ones it has.</summary>
    public const int CompactAt = 16;

    /// <summary>
    /// Drops <paramref name="c"/>'s stale slots in place, walking its list and the group's PEL together in ID order: a
    /// slot's ID is looked for from where the previous one was, and found at once when the two lists hold the same run.
    /// </summary>
    static void Compact(byte* g, byte* c)
    {
        byte* own = ConsumerPel(c);
        int n = SlotArray.Count(own), pelCount = PelCount(g), kept = 0, from = 0;
        for (int j = 0; j < n; j++)
        {
            StreamId id = ConsumerSlotId(c, j);
            // The group slots before `from` hold smaller IDs than this one (they held IDs up to the previous one); the
            // slot at `from` is most often this ID or, for a stale one, the next live one.
            int i = ~from;
            if (from < pelCount)
            {
                StreamId at = NackId(PelAt(g, from));
                if (at == id) i = from;
                else if (at < id) i = SlotArray.FindId(Pel(g), NackSize, id.Ms, id.Seq, from + 1, pelCount);
            }
            if (i < 0)
            {
                from = ~i;
                continue;
            }
            from = i + 1;
            if (NackConsumer(PelAt(g, i)) != c) continue;
            if (kept != j)
            {
                byte* to = SlotArray.At(own, kept, IdSize);
                *(ulong*)to = id.Ms;
                *(ulong*)(to + 8) = id.Seq;
            }
            kept++;
        }
        Debug.Assert(kept == SlotArray.Tag(own), "a consumer's live slots are its NACKs");
        SlotArray.Truncate(own, kept);
    }

    /// <summary>The NACK of slot <paramref name="j"/> of <paramref name="c"/>'s list when that slot is live (pending and
    /// c's), else null: valid until the group's PEL changes.</summary>
    public static byte* OwnNack(byte* g, byte* c, int j)
    {
        int i = PelFind(g, ConsumerSlotId(c, j));
        if (i < 0) return null;
        byte* n = PelAt(g, i);
        return NackConsumer(n) == c ? n : null;
    }
}
