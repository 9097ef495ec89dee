using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// A stream's consumer groups (Redis's cgroups rax, streamCG, streamConsumer and streamNACK in t_stream.c), in the
/// shard's arena. Every ordered map is a <see cref="SlotArray"/> searched by binary search: the groups by name, each
/// group's pending-entry list (PEL) by ID, each group's consumers by name, each consumer's own PEL by ID. Names
/// order as Redis's rax keys do (unsigned bytes, a proper prefix first).
/// <code>
///  groups table (the stream header's groups pointer, SlotArray.HeaderSize bytes): slots of 8 bytes, group pointers
///
///  group (GroupFixed + name bytes)          consumer (ConsumerFixed + name bytes)
///   0   u128  last_delivered_id             0   i64   seen_time ms
///   16  i64   entries_read (-1: unknown)    8   i64   active_time ms (-1: never)
///   24  24    PEL: NackSize slots           16  24    own PEL: IdSize slots (IDs), tag = live slots
///   48  24    consumers: 8-byte pointers    40  i32   name length
///   72  i32   name length                   44  ...   name
///   76  ...   name
///
///  NACK (a group PEL slot, NackSize bytes)
///   0   u128  entry ID
///   16  i64   delivery_time ms
///   24  u64   delivery_count
///   32  ptr   owning consumer
/// </code>
/// Every NACK's ID is in its owner's list; a consumer's list may also hold stale IDs, acknowledged or now another
/// consumer's, which its readers skip (StreamGroups.Pel.cs). Group and consumer blobs never move while they live, so
/// pointers to them stay valid until they are destroyed; a NACK or table slot pointer is valid only until the next
/// insert or remove in its array.
/// Unsafe invariant for the whole class: <c>s</c> is a live stream header of the calling shard's arena, <c>g</c> a
/// group and <c>c</c> a consumer reachable from it.
/// </summary>
public static unsafe partial class StreamGroups
{
    public const long UnknownEntriesRead = -1;
    const int GroupFixed = 76;
    const int ConsumerFixed = 44;
    const int PtrSize = 8;

    static byte* Table(byte* s) => StreamValue.Groups(s);

    // ---- groups ----

    /// <summary>Groups of the stream (0 when it never had one).</summary>
    public static int Count(byte* s) => Table(s) == null ? 0 : SlotArray.Count(Table(s));

    /// <summary>Group <paramref name="i"/> in name order.</summary>
    public static byte* At(byte* s, int i) => *(byte**)SlotArray.At(Table(s), i, PtrSize);

    public static ReadOnlySpan<byte> Name(byte* g) => new(g + 76, *(int*)(g + 72));
    public static StreamId LastId(byte* g) => new(*(ulong*)g, *(ulong*)(g + 8));
    public static void SetLastId(byte* g, StreamId id) { *(ulong*)g = id.Ms; *(ulong*)(g + 8) = id.Seq; }
    public static long EntriesRead(byte* g) => *(long*)(g + 16);
    public static void SetEntriesRead(byte* g, long v) => *(long*)(g + 16) = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte* Pel(byte* g) => g + 24;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte* Consumers(byte* g) => g + 48;

    /// <summary>The group named <paramref name="name"/>, or null.</summary>
    public static byte* Find(byte* s, ReadOnlySpan<byte> name)
    {
        if (Table(s) == null) return null;
        int i = Search(Table(s), name, 72);
        return i >= 0 ? At(s, i) : null;
    }

    /// <summary>Creates a group (XGROUP CREATE); null when one of that name exists.</summary>
    public static byte* Create(Arena arena, byte* s, ReadOnlySpan<byte> name, StreamId lastId, long entriesRead)
    {
        if (Table(s) == null)
        {
            byte* t = arena.Alloc(SlotArray.HeaderSize);
            new Span<byte>(t, SlotArray.HeaderSize).Clear();
            StreamValue.SetGroups(s, t);
        }
        int i = Search(Table(s), name, 72);
        if (i >= 0) return null;
        byte* g = arena.Alloc((nuint)(GroupFixed + name.Length));
        new Span<byte>(g, GroupFixed).Clear();
        SetLastId(g, lastId);
        SetEntriesRead(g, entriesRead);
        *(int*)(g + 72) = name.Length;
        name.CopyTo(new Span<byte>(g + 76, name.Length));
        *(byte**)SlotArray.Insert(arena, Table(s), ~i, PtrSize) = g;
        return g;
    }

    /// <summary>Destroys the group named <paramref name="name"/> with its PEL and consumers (XGROUP DESTROY).</summary>
    public static bool Destroy(Arena arena, byte* s, ReadOnlySpan<byte> name)
    {
        if (Table(s) == null) return false;
        int i = Search(Table(s), name, 72);
        if (i < 0) return false;
        FreeGroup(arena, At(s, i));
        SlotArray.Remove(Table(s), i, PtrSize);
        return true;
    }

    /// <summary>Frees every group and the table (the stream is being freed).</summary>
    public static void FreeAll(Arena arena, byte* s)
    {
        byte* t = Table(s);
        if (t == null) return;
        for (int i = 0; i < SlotArray.Count(t); i++) FreeGroup(arena, At(s, i));
        SlotArray.Free(arena, t, PtrSize);
        arena.Free(t, SlotArray.HeaderSize);
        StreamValue.SetGroups(s, null);
    }

    static void FreeGroup(Arena arena, byte* g)
    {
        byte* cs = Consumers(g);
        for (int i = 0; i < SlotArray.Count(cs); i++) FreeConsumer(arena, ConsumerAt(g, i));
        SlotArray.Free(arena, cs, PtrSize);
        SlotArray.Free(arena, Pel(g), NackSize);
        arena.Free(g, (nuint)(GroupFixed + Name(g).Length));
    }

    /// <summary>Arena bytes of the groups (MEMORY USAGE).</summary>
    public static long BytesUsed(byte* s)
    {
        byte* t = Table(s);
        if (t == null) return 0;
        long total = (long)Arena.UsableSize(SlotArray.HeaderSize) + SlotArray.BytesUsed(t, PtrSize);
        for (int i = 0; i < SlotArray.Count(t); i++)
        {
            byte* g = At(s, i);
            total += (long)Arena.UsableSize((nuint)(GroupFixed + Name(g).Length))
                + SlotArray.BytesUsed(Pel(g), NackSize) + SlotArray.BytesUsed(Consumers(g), PtrSize);
            for (int j = 0; j < ConsumerCount(g); j++)
            {
                byte* c = ConsumerAt(g, j);
                total += (long)Arena.UsableSize((nuint)(ConsumerFixed + ConsumerName(c).Length))
                    + SlotArray.BytesUsed(ConsumerPel(c), IdSize);
            }
        }
        return total;
    }

    /// <summary>Copies every group, PEL and consumer of <paramref name="from"/> onto <paramref name="to"/> (COPY).</summary>
    public static void CloneAll(Arena arena, byte* from, byte* to)
    {
        for (int i = 0; i < Count(from); i++)
        {
            byte* g = At(from, i);
            byte* ng = Create(arena, to, Name(g), LastId(g), EntriesRead(g))!;
            for (int j = 0; j < ConsumerCount(g); j++)
            {
                byte* c = ConsumerAt(g, j);
                byte* nc = CreateConsumer(arena, ng, ConsumerName(c), SeenTime(c));
                SetActiveTime(nc, ActiveTime(c));
            }
            for (int j = 0; j < PelCount(g); j++)
            {
                byte* n = PelAt(g, j);
                byte* owner = FindConsumer(ng, ConsumerName(NackConsumer(n)));
                AddPending(arena, ng, owner, NackId(n), NackTime(n), NackCount(n));
            }
        }
    }

    // ---- consumers ----

    public static int ConsumerCount(byte* g) => SlotArray.Count(Consumers(g));
    public static byte* ConsumerAt(byte* g, int i) => *(byte**)SlotArray.At(Consumers(g), i, PtrSize);
    public static ReadOnlySpan<byte> ConsumerName(byte* c) => new(c + 44, *(int*)(c + 40));
    public static long SeenTime(byte* c) => *(long*)c;
    public static void SetSeenTime(byte* c, long ms) => *(long*)c = ms;
    public static long ActiveTime(byte* c) => *(long*)(c + 8);
    public static void SetActiveTime(byte* c, long ms) => *(long*)(c + 8) = ms;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte* ConsumerPel(byte* c) => c + 16;
    /// <summary>The consumer's pending entries (its live slots).</summary>
    public static int ConsumerPelCount(byte* c) => SlotArray.Tag(ConsumerPel(c));

    /// <summary>Slots of the consumer's list, live and stale (StreamGroups.Pel.cs), in ID order.</summary>
    public static int ConsumerSlots(byte* c) => SlotArray.Count(ConsumerPel(c));

    public static StreamId ConsumerSlotId(byte* c, int j)
    {
        byte* p = SlotArray.At(ConsumerPel(c), j, IdSize);
        return new(*(ulong*)p, *(ulong*)(p + 8));
    }

    /// <summary>The slot of <paramref name="id"/> in the consumer's list (live or stale), or ~(where it would go).</summary>
    public static int ConsumerSlotFind(byte* c, StreamId id) => SlotArray.FindId(ConsumerPel(c), IdSize, id.Ms, id.Seq);

    public static byte* FindConsumer(byte* g, ReadOnlySpan<byte> name)
    {
        int i = Search(Consumers(g), name, 40);
        return i >= 0 ? ConsumerAt(g, i) : null;
    }

    /// <summary>Creates a consumer (seen now, never active: Redis 7.2's streamCreateConsumer); null when it exists.</summary>
    public static byte* CreateConsumer(Arena arena, byte* g, ReadOnlySpan<byte> name, long nowMs)
    {
        int i = Search(Consumers(g), name, 40);
        if (i >= 0) return null;
        byte* c = arena.Alloc((nuint)(ConsumerFixed + name.Length));
        new Span<byte>(c, ConsumerFixed).Clear();
        SetSeenTime(c, nowMs);
        SetActiveTime(c, -1);
        *(int*)(c + 40) = name.Length;
        name.CopyTo(new Span<byte>(c + 44, name.Length));
        *(byte**)SlotArray.Insert(arena, Consumers(g), ~i, PtrSize) = c;
        return c;
    }

    /// <summary>Deletes a consumer and its pending entries from the group's PEL (XGROUP DELCONSUMER): the count of
    /// entries it had pending.</summary>
    public static long DeleteConsumer(Arena arena, byte* g, byte* c)
    {
        int i = Search(Consumers(g), ConsumerName(c), 40);
        Debug.Assert(i >= 0 && ConsumerAt(g, i) == c);
        long pending = ConsumerPelCount(c), removed = 0;
        for (int j = 0; j < ConsumerSlots(c); j++)
        {
            int k = PelFind(g, ConsumerSlotId(c, j));
            if (k < 0 || NackConsumer(PelAt(g, k)) != c) continue; // stale
            SlotArray.Remove(Pel(g), k, NackSize);
            removed++;
        }
        Debug.Assert(removed == pending);
        FreeConsumer(arena, c);
        SlotArray.Remove(Consumers(g), i, PtrSize);
        return pending;
    }

    static void FreeConsumer(Arena arena, byte* c)
    {
        SlotArray.Free(arena, ConsumerPel(c), IdSize);
        arena.Free(c, (nuint)(ConsumerFixed + ConsumerName(c).Length));
    }

    /// <summary>Binary search of a table of blob pointers whose name length sits at <paramref name="lenAt"/> and the
    /// name right after it: the position of <paramref name="name"/>, or ~(where it would go).</summary>
    static int Search(byte* t, ReadOnlySpan<byte> name, int lenAt)
    {
        int lo = 0, hi = SlotArray.Count(t) - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            byte* b = *(byte**)SlotArray.At(t, mid, PtrSize);
            int cmp = new ReadOnlySpan<byte>(b + lenAt + 4, *(int*)(b + lenAt)).SequenceCompareTo(name);
            if (cmp == 0) return mid;
            if (cmp < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }
}
