using System;
using System.Buffers;
using System.Buffers.Binary;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// A stream as bytes: what <see cref="EntryDump"/> carries between shards and COPY clones through, and the deep
/// check every node from outside (RDB, RESTORE, a forged internal payload) passes before the readers trust it.
/// <code>
///  [nodes i32][length u64][last ms u64, seq u64][first ..][max deleted ..][entries added u64]
///  per node: [master ms u64][master seq u64][listpack, which starts with its own u32 size]
///  the consumer groups as RDB type 21 holds them (RdbEncode.WriteStreamGroups, uncompressed)
/// </code>
/// Little-endian. The groups part is read back through the RDB loader's checks (RdbDecode.TryLoadStreamGroups), so a
/// copy between shards keeps groups, PELs and consumers exactly, and a forged one is refused like a forged RDB.
/// </summary>
public static unsafe partial class StreamValue
{
    const int SerializedHeader = 4 + 8 + 16 * 3 + 8;

    public static void Serialize(byte* s, IBufferWriter<byte> w)
    {
        Span<byte> h = w.GetSpan(SerializedHeader);
        BinaryPrimitives.WriteInt32LittleEndian(h, Count(s));
        BinaryPrimitives.WriteUInt64LittleEndian(h.Slice(4), Length(s));
        WriteIdLe(h.Slice(12), LastId(s));
        WriteIdLe(h.Slice(28), FirstId(s));
        WriteIdLe(h.Slice(44), MaxDeletedId(s));
        BinaryPrimitives.WriteUInt64LittleEndian(h.Slice(60), EntriesAdded(s));
        w.Advance(SerializedHeader);
        for (int i = 0; i < Count(s); i++)
        {
            Span<byte> k = w.GetSpan(16);
            WriteIdLe(k, NodeMasterId(s, i));
            w.Advance(16);
            byte* lp = NodeListpack(s, i);
            w.Write(new ReadOnlySpan<byte>(lp, Listpack.TotalBytes(lp)));
        }
        RdbEncode.WriteStreamGroups(w, s, LzfMode.Off, activeTime: true);
    }

    static void WriteIdLe(Span<byte> d, StreamId id)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(d, id.Ms);
        BinaryPrimitives.WriteUInt64LittleEndian(d.Slice(8), id.Seq);
    }

    static StreamId ReadIdLe(ReadOnlySpan<byte> d)
        => new(BinaryPrimitives.ReadUInt64LittleEndian(d), BinaryPrimitives.ReadUInt64LittleEndian(d.Slice(8)));

    /// <summary>The stream the bytes describe, or null when they are not a valid one (nothing is left allocated).</summary>
    public static byte* Deserialize(Arena arena, ReadOnlySpan<byte> data)
    {
        if (data.Length < SerializedHeader) return null;
        int nodes = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (nodes < 0 || nodes > (data.Length - SerializedHeader) / (16 + Listpack.EmptySize)) return null;
        byte* s = Create(arena);
        int pos = SerializedHeader;
        for (int i = 0; i < nodes; i++)
        {
            if (data.Length - pos < 16 + Listpack.EmptySize) { Free(arena, s); return null; }
            StreamId master = ReadIdLe(data.Slice(pos));
            pos += 16;
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(pos));
            if (size > (uint)(data.Length - pos) || !TryAddNode(arena, s, master, data.Slice(pos, (int)size))) { Free(arena, s); return null; }
            pos += (int)size;
        }
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(4));
        if (!TrySetMeta(s, length, ReadIdLe(data.Slice(12)), ReadIdLe(data.Slice(28)), ReadIdLe(data.Slice(44)),
                BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(60))))
        {
            Free(arena, s);
            return null;
        }
        var groups = new RdbReader(data.Slice(pos));
        if (!RdbDecode.TryLoadStreamGroups(arena, ref groups, s, RdbType.StreamListpacks3) || groups.Remaining != 0)
        {
            Free(arena, s);
            return null;
        }
        return s;
    }

    /// <summary>
    /// Adds a node read from outside after the deep check (<see cref="ValidNode"/>); false when the node is not
    /// valid or its master ID does not exceed the previous node's (Redis: "Listpack re-added with existing key").
    /// </summary>
    public static bool TryAddNode(Arena arena, byte* s, StreamId master, ReadOnlySpan<byte> listpack)
    {
        if (Count(s) > 0 && NodeMasterId(s, Count(s) - 1) >= master) return false;
        fixed (byte* d = listpack)
        {
            if (!ValidNode(d, listpack.Length, out _)) return false;
        }
        AppendNode(arena, s, master, Listpack.Copy(arena, listpack));
        return true;
    }

    /// <summary>Sets the counters read from outside; false when the length is not the nodes' live entries.</summary>
    public static bool TrySetMeta(byte* s, ulong length, StreamId last, StreamId first, StreamId maxDeleted, ulong entriesAdded)
    {
        ulong live = 0;
        for (int i = 0; i < Count(s); i++) live += (ulong)ReadInt(Listpack.First(NodeListpack(s, i)));
        if (live != length) return false;
        SetMeta(s, length, last, first, maxDeleted, entriesAdded);
        return true;
    }

    /// <summary>
    /// streamValidateListpackIntegrity, deep: a valid, non-empty listpack holding a master entry and exactly
    /// count + deleted entries of the layout in StreamValue.Append.cs, every number an integer, every lp-count right,
    /// and the header's live and deleted counts matching the entries' flags. Reads only inside the bytes.
    /// </summary>
    public static bool ValidNode(byte* lp, int size, out long live)
    {
        live = 0;
        if (!Listpack.Validate(lp, size)) return false;
        byte* p = Listpack.First(lp);
        if (!TryInt(p, out long count) || count < 0) return false;
        p = Listpack.Next(lp, p);
        if (!TryInt(p, out long deleted) || deleted < 0) return false;
        p = Listpack.Next(lp, p);
        if (!TryInt(p, out long masterFields) || masterFields < 0) return false;
        for (long j = 0; j < masterFields && p != null; j++) p = Listpack.Next(lp, p);
        if (p == null) return false;
        p = Listpack.Next(lp, p);
        if (!TryInt(p, out long zero) || zero != 0) return false;
        long seenLive = 0, seenDeleted = 0;
        for (long e = 0; e < count + deleted; e++)
        {
            p = Listpack.Next(lp, p);
            if (!TryInt(p, out long flags)) return false;
            if ((flags & FlagDeleted) != 0) seenDeleted++; else seenLive++;
            p = Listpack.Next(lp, p);
            if (!TryInt(p, out _)) return false;
            p = Listpack.Next(lp, p);
            if (!TryInt(p, out _)) return false;
            long fields = masterFields, extra = 3, skip = masterFields;
            if ((flags & FlagSameFields) == 0)
            {
                p = Listpack.Next(lp, p);
                if (!TryInt(p, out fields) || fields < 0) return false;
                extra += fields + 1;
                skip = fields * 2;
            }
            for (long j = 0; j < skip && p != null; j++) p = Listpack.Next(lp, p);
            if (p == null) return false;
            p = Listpack.Next(lp, p);
            if (!TryInt(p, out long lpCount) || lpCount != fields + extra) return false;
        }
        if (Listpack.Next(lp, p) != null || seenLive != count || seenDeleted != deleted) return false;
        live = count;
        return true;
    }

    /// <summary>lpGetIntegerIfValid on an element that may be absent (null: false).</summary>
    static bool TryInt(byte* p, out long v)
    {
        v = 0;
        if (p == null) return false;
        if (Listpack.Get(p, out v, out ReadOnlySpan<byte> text)) return true;
        return Listpack.TryParseInteger(text, out v);
    }

    /// <summary>A deep copy in the same arena (COPY).</summary>
    public static byte* Clone(Arena arena, byte* s)
    {
        byte* c = Create(arena);
        for (int i = 0; i < Count(s); i++) AppendNode(arena, c, NodeMasterId(s, i), Listpack.Copy(arena, NodeListpack(s, i)));
        SetMeta(c, Length(s), LastId(s), FirstId(s), MaxDeletedId(s), EntriesAdded(s));
        StreamGroups.CloneAll(arena, s, c);
        return c;
    }
}
