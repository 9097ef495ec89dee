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
/// length must be the nodes' live entries. Consumer groups are framed (so a file holding them is read past cleanly) but
/// not loaded yet: a stream with groups is refused as unsupported.
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
            var master = new StreamId(BinaryPrimitives.ReadUInt64BigEndian(key), BinaryPrimitives.ReadUInt64BigEndian(key.Slice(8)));
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
        if (!r.TryReadLength(out ulong groups)) return Fail(RdbLoadResult.BadFormat);
        if (groups != 0) return Fail(RdbLoadResult.Unsupported);
        v.Type = ValueKind.Stream;
        v.Encoding = ValueEncoding.Stream;
        v.Ptr = s;
        return RdbLoadResult.Ok;
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
