using System;
using System.Buffers.Binary;

namespace FastKv.Engine;

/// <summary>
/// Streams in RDB (rdb.c, RDB_TYPE_STREAM_LISTPACKS 15, _2 19, _3 21):
/// <code>
///  len nodes, per node: string 16-byte big-endian master ID, string listpack
///  len length, len last ms, len last seq
///  19, 21 only: len first ms, len first seq, len max-deleted ms, len max-deleted seq, len entries-added
///  len groups, per group: string name, len last ms, len last seq, (19, 21: len entries-read),
///    len PEL size, per PEL entry: 16 raw ID bytes, 8 raw delivery ms, len delivery count,
///    len consumers, per consumer: string name, 8 raw seen ms, (21: 8 raw active ms), len PEL size, per entry 16 raw ID bytes
/// </code>
/// Every node is checked deeply (<see cref="StreamValue.ValidNode"/>) and must follow the previous node's master ID; the
/// length must be the nodes' live entries. Consumer groups are checked as rdbLoadObject checks them with deep sanitization
/// (StreamGroups.Load.cs): no duplicate group, consumer or PEL ID, every consumer PEL ID in the group PEL and owned once,
/// every group PEL ID owned.
/// </summary>
public static unsafe partial class RdbDecode
{
    static RdbLoadResult LoadStream(Shard shard, ref RdbReader r, byte rdbType, ref Built v)
    {
        if (!r.TryReadLength(out ulong nodes) || nodes > (ulong)r.Remaining) return RdbLoadResult.BadFormat;
        FastKv.Memory.Arena arena = shard.Arena;
        byte* s = StreamValue.Create(arena);
        RdbLoadResult Fail(RdbLoadResult why)
        {
            StreamValue.Free(arena, s);
            return why;
        }
        for (ulong i = 0; i < nodes; i++)
        {
            r.ResetScratch();
            if (!r.TryReadString(out ReadOnlySpan<byte> key) || key.Length != 16) return Fail(RdbLoadResult.BadFormat);
            StreamId master = ReadIdKey(key);
            if (!r.TryReadString(out ReadOnlySpan<byte> lp) || !StreamValue.TryAddNode(arena, s, master, lp)) return Fail(RdbLoadResult.BadFormat);
        }
        if (!r.TryReadLength(out ulong length) || !r.TryReadLength(out ulong lastMs) || !r.TryReadLength(out ulong lastSeq))
            return Fail(RdbLoadResult.BadFormat);
        StreamId first, maxDeleted;
        ulong entriesAdded;
        if (rdbType >= RdbType.StreamListpacks2)
        {
            if (!r.TryReadLength(out ulong fMs) || !r.TryReadLength(out ulong fSeq) || !r.TryReadLength(out ulong dMs)
                || !r.TryReadLength(out ulong dSeq) || !r.TryReadLength(out entriesAdded))
                return Fail(RdbLoadResult.BadFormat);
            first = new StreamId(fMs, fSeq);
            maxDeleted = new StreamId(dMs, dSeq);
        }
        else
        {
            // An old stream: Redis counts every entry as added, knows no tombstone, and reads the first live ID.
            entriesAdded = length;
            maxDeleted = StreamId.Min;
            first = StreamValue.EdgeId(s, first: true, skipTombstones: true);
        }
        if (!StreamValue.TrySetMeta(s, length, new StreamId(lastMs, lastSeq), first, maxDeleted, entriesAdded))
            return Fail(RdbLoadResult.BadFormat);
        if (!TryLoadStreamGroups(arena, ref r, s, rdbType)) return Fail(RdbLoadResult.BadFormat);
        v.Type = ValueKind.Stream;
        v.Encoding = ValueEncoding.Stream;
        v.Ptr = s;
        return RdbLoadResult.Ok;
    }

    /// <summary>
    /// Reads the consumer groups part of a stream of <paramref name="rdbType"/> onto <paramref name="s"/> (whose nodes
    /// and counters are set): false on a short read or a check refused. What was added is freed with the stream.
    /// StreamValue.Deserialize reads its groups through this too (as type 21).
    /// </summary>
    public static bool TryLoadStreamGroups(FastKv.Memory.Arena arena, ref RdbReader r, byte* s, byte rdbType)
    {
        if (!r.TryReadLength(out ulong groups) || groups > (ulong)r.Remaining) return false;
        for (ulong i = 0; i < groups; i++)
        {
            r.ResetScratch();
            if (!r.TryReadString(out ReadOnlySpan<byte> name) || !r.TryReadLength(out ulong ms) || !r.TryReadLength(out ulong seq))
                return false;
            var last = new StreamId(ms, seq);
            long entriesRead;
            if (rdbType >= RdbType.StreamListpacks2)
            {
                if (!r.TryReadLength(out ulong read)) return false;
                entriesRead = (long)read;
            }
            else entriesRead = EstimateDistanceFromFirstEverEntry(s, last);
            byte* g = StreamGroups.Create(arena, s, name, last, entriesRead);
            if (g == null) return false; // "Duplicated consumer group name"
            if (!r.TryReadLength(out ulong pel) || pel > (ulong)r.Remaining) return false;
            for (ulong j = 0; j < pel; j++)
            {
                if (!r.TryReadBytes(24, out ReadOnlySpan<byte> raw) || !r.TryReadLength(out ulong count)) return false;
                if (!StreamGroups.TryAddUnowned(arena, g, ReadIdKey(raw), BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(16)), count))
                    return false;
            }
            if (!r.TryReadLength(out ulong consumers) || consumers > (ulong)r.Remaining) return false;
            for (ulong j = 0; j < consumers; j++)
            {
                r.ResetScratch();
                if (!r.TryReadString(out ReadOnlySpan<byte> cname)) return false;
                byte* c = StreamGroups.CreateConsumer(arena, g, cname, 0);
                if (c == null) return false; // "Duplicate stream consumer detected."
                bool active = rdbType >= RdbType.StreamListpacks3;
                if (!r.TryReadBytes(active ? 16 : 8, out ReadOnlySpan<byte> times)) return false;
                long seen = BinaryPrimitives.ReadInt64LittleEndian(times);
                StreamGroups.SetSeenTime(c, seen);
                StreamGroups.SetActiveTime(c, active ? BinaryPrimitives.ReadInt64LittleEndian(times.Slice(8)) : seen);
                if (!r.TryReadLength(out ulong own) || own > (ulong)r.Remaining) return false;
                for (ulong k = 0; k < own; k++)
                    if (!r.TryReadBytes(16, out ReadOnlySpan<byte> raw) || !StreamGroups.TryClaimLoaded(arena, g, c, ReadIdKey(raw)))
                        return false;
            }
            if (!StreamGroups.AllPendingOwned(g)) return false;
        }
        return true;
    }

    static StreamId ReadIdKey(ReadOnlySpan<byte> raw)
        => new(BinaryPrimitives.ReadUInt64BigEndian(raw), BinaryPrimitives.ReadUInt64BigEndian(raw.Slice(8)));

    /// <summary>
    /// streamEstimateDistanceFromFirstEverEntry: the entries_read Redis gives a group loaded from a type 15 stream (which
    /// has no such field), from the group's last ID and the stream's counters; -1 when it cannot tell.
    /// </summary>
    static long EstimateDistanceFromFirstEverEntry(byte* s, StreamId id)
    {
        ulong added = StreamValue.EntriesAdded(s), length = StreamValue.Length(s);
        if (added == 0) return 0;
        StreamId last = StreamValue.LastId(s), first = StreamValue.FirstId(s), maxDeleted = StreamValue.MaxDeletedId(s);
        if (length == 0 && id <= last) return (long)added;
        if (id == last) return (long)added;
        if (id > last) return StreamGroups.UnknownEntriesRead;
        if (maxDeleted.IsZero || maxDeleted < first)
        {
            if (id < first) return (long)(added - length);
            if (id == first) return (long)(added - length + 1);
        }
        return StreamGroups.UnknownEntriesRead;
    }

    /// <summary>Steps over a stream value, consumer groups included (the layout above).</summary>
    static bool SkipStream(ref RdbReader r, byte rdbType)
    {
        if (!r.TryReadLength(out ulong nodes) || nodes > (ulong)r.Remaining) return false;
        for (ulong i = 0; i < nodes; i++)
            if (!r.TrySkipString() || !r.TrySkipString()) return false;
        int lens = rdbType >= RdbType.StreamListpacks2 ? 8 : 3;
        for (int i = 0; i < lens; i++)
            if (!r.TryReadLength(out _)) return false;
        if (!r.TryReadLength(out ulong groups) || groups > (ulong)r.Remaining) return false;
        for (ulong g = 0; g < groups; g++)
        {
            if (!r.TrySkipString() || !r.TryReadLength(out _) || !r.TryReadLength(out _)) return false;
            if (rdbType >= RdbType.StreamListpacks2 && !r.TryReadLength(out _)) return false;
            if (!r.TryReadLength(out ulong pel) || pel > (ulong)r.Remaining) return false;
            for (ulong p = 0; p < pel; p++)
                if (!r.TryReadBytes(24, out _) || !r.TryReadLength(out _)) return false;
            if (!r.TryReadLength(out ulong consumers) || consumers > (ulong)r.Remaining) return false;
            for (ulong c = 0; c < consumers; c++)
            {
                if (!r.TrySkipString() || !r.TryReadBytes(rdbType >= RdbType.StreamListpacks3 ? 16 : 8, out _)) return false;
                if (!r.TryReadLength(out ulong cpel) || cpel > (ulong)r.Remaining) return false;
                for (ulong p = 0; p < cpel; p++)
                    if (!r.TryReadBytes(16, out _)) return false;
            }
        }
        return true;
    }
}
