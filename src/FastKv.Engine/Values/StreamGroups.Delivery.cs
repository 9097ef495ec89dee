using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// A group's read counter (Redis 7.2's entries_read and lag, t_stream.c): how far the group has read, counted in
/// entries ever added, kept exact while no tombstone lies ahead of it, estimated from the stream's counters otherwise,
/// unknown (<see cref="UnknownEntriesRead"/>) when neither works. XREADGROUP advances it, XINFO reports it.
/// Unsafe invariant for the whole file: <c>s</c> is a live stream header, <c>g</c> a group of it.
/// </summary>
public static unsafe partial class StreamGroups
{
    /// <summary>streamRangeHasTombstones(s, start, NULL): whether a deleted entry may lie at or after <paramref name="start"/>.</summary>
    public static bool TombstonesFrom(byte* s, StreamId start)
    {
        StreamId maxDeleted = StreamValue.MaxDeletedId(s);
        if (StreamValue.Length(s) == 0 || maxDeleted.IsZero) return false;
        if (StreamValue.FirstId(s) > maxDeleted) return false;
        return start <= maxDeleted;
    }

    /// <summary>
    /// streamEstimateDistanceFromFirstEverEntry: the read counter of <paramref name="id"/> when the stream's counters
    /// tell it (no fragmentation between it and the ends), else <see cref="UnknownEntriesRead"/>.
    /// </summary>
    public static long EstimateEntriesRead(byte* s, StreamId id)
    {
        long added = (long)StreamValue.EntriesAdded(s);
        if (added == 0) return 0;
        long length = (long)StreamValue.Length(s);
        StreamId last = StreamValue.LastId(s);
        if (length == 0 && id <= last) return added;
        if (id == last) return added;
        if (id > last) return UnknownEntriesRead;
        StreamId first = StreamValue.FirstId(s), maxDeleted = StreamValue.MaxDeletedId(s);
        if (maxDeleted.IsZero || maxDeleted < first)
        {
            if (id < first) return added - length;
            if (id == first) return added - length + 1;
        }
        return UnknownEntriesRead;
    }

    /// <summary>streamReplyWithCGLag's value: the entries the group has yet to read, or null when unknown.</summary>
    public static long? Lag(byte* s, byte* g)
    {
        long added = (long)StreamValue.EntriesAdded(s);
        if (added == 0) return 0;
        long read = EntriesRead(g);
        if (read != UnknownEntriesRead && !TombstonesFrom(s, LastId(g))) return added - read;
        read = EstimateEntriesRead(s, LastId(g));
        return read == UnknownEntriesRead ? null : added - read;
    }

    /// <summary>
    /// Entry <paramref name="id"/> goes to a consumer of the group (streamReplyWithRange): past the last delivered
    /// ID it becomes the last, and the read counter counts it, or is estimated again. True when the last ID moved.
    /// </summary>
    public static bool Delivered(byte* s, byte* g, StreamId id)
    {
        if (id <= LastId(g)) return false;
        long read = EntriesRead(g);
        if (read != UnknownEntriesRead && !TombstonesFrom(s, id)) SetEntriesRead(g, read + 1);
        else if (StreamValue.EntriesAdded(s) != 0) SetEntriesRead(g, EstimateEntriesRead(s, id));
        SetLastId(g, id);
        return true;
    }

    /// <summary>
    /// A fresh delivery of <paramref name="id"/> to <paramref name="c"/>: a new NACK, or the existing one (another
    /// consumer's after XGROUP SETID moved the group back, or this one's) given to it with the count back to 1. The
    /// consumer becomes active. Returns the NACK, valid until the PEL changes.
    /// </summary>
    public static byte* DeliverPending(Arena arena, byte* g, byte* c, StreamId id, long nowMs)
    {
        int i = PelFind(g, id);
        if (i < 0)
        {
            AddPending(arena, g, c, id, nowMs, 1);
            i = PelFind(g, id);
        }
        else
        {
            Transfer(arena, g, i, c);
            SetNackTime(PelAt(g, i), nowMs);
            SetNackCount(PelAt(g, i), 1);
        }
        SetActiveTime(c, nowMs);
        return PelAt(g, i);
    }
}
