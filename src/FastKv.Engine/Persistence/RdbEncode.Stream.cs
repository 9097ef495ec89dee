using System;
using System.Buffers;
using System.Buffers.Binary;
using FastKv.Memory;

namespace FastKv.Engine;

// Streams as rdbSaveObject writes them (the layout is drawn in RdbDecode.Stream.cs): RDB_TYPE_STREAM_LISTPACKS_3 (21)
// for version 11, _2 (19) for version 10 (Redis 7.0 writes 19 and does not know 21: its consumers have no active
// time). The nodes' listpacks are Redis's bytes, written as they are; groups, PELs and consumers in name and ID order,
// as Redis walks its raxes (StreamGroups keeps them in that order).
public static unsafe partial class RdbEncode
{
    static void WriteStream(IBufferWriter<byte> w, byte* s, in RdbWriteOptions o)
    {
        int nodes = StreamValue.NodeCount(s);
        WriteLength(w, (ulong)nodes);
        Span<byte> key = stackalloc byte[16];
        for (int i = 0; i < nodes; i++)
        {
            WriteIdKey(key, StreamValue.NodeMasterId(s, i));
            WriteString(w, key, o.Lzf);
            byte* lp = StreamValue.NodeListpack(s, i);
            WriteString(w, new ReadOnlySpan<byte>(lp, Listpack.TotalBytes(lp)), o.Lzf);
        }
        WriteLength(w, StreamValue.Length(s));
        WriteId(w, StreamValue.LastId(s));
        WriteId(w, StreamValue.FirstId(s));
        WriteId(w, StreamValue.MaxDeletedId(s));
        WriteLength(w, StreamValue.EntriesAdded(s));
        WriteStreamGroups(w, s, o.Lzf, activeTime: o.Version >= 11);
    }

    /// <summary>
    /// The consumer groups of stream <paramref name="s"/> (rdbSaveObject's cgroups part, rdbSaveStreamPEL,
    /// rdbSaveStreamConsumers): per group its name, last ID, entries_read (-1 as the 64-bit length 2^64-1, as Redis
    /// casts it), the group PEL with delivery time and count, then each consumer with its seen time, its active time
    /// when <paramref name="activeTime"/> (type 21), and its own PEL IDs. StreamValue.Serialize writes the same part.
    /// </summary>
    public static void WriteStreamGroups(IBufferWriter<byte> w, byte* s, LzfMode lzf, bool activeTime)
    {
        int groups = StreamGroups.Count(s);
        WriteLength(w, (ulong)groups);
        for (int i = 0; i < groups; i++)
        {
            byte* g = StreamGroups.At(s, i);
            WriteString(w, StreamGroups.Name(g), lzf);
            WriteId(w, StreamGroups.LastId(g));
            WriteLength(w, (ulong)StreamGroups.EntriesRead(g));
            int pel = StreamGroups.PelCount(g);
            WriteLength(w, (ulong)pel);
            for (int j = 0; j < pel; j++)
            {
                byte* n = StreamGroups.PelAt(g, j);
                Span<byte> raw = w.GetSpan(24);
                WriteIdKey(raw, StreamGroups.NackId(n));
                BinaryPrimitives.WriteInt64LittleEndian(raw.Slice(16), StreamGroups.NackTime(n));
                w.Advance(24);
                WriteLength(w, StreamGroups.NackCount(n));
            }
            int consumers = StreamGroups.ConsumerCount(g);
            WriteLength(w, (ulong)consumers);
            for (int j = 0; j < consumers; j++)
            {
                byte* c = StreamGroups.ConsumerAt(g, j);
                WriteString(w, StreamGroups.ConsumerName(c), lzf);
                Span<byte> times = w.GetSpan(16);
                BinaryPrimitives.WriteInt64LittleEndian(times, StreamGroups.SeenTime(c));
                BinaryPrimitives.WriteInt64LittleEndian(times.Slice(8), StreamGroups.ActiveTime(c));
                w.Advance(activeTime ? 16 : 8);
                int own = StreamGroups.ConsumerPelCount(c), slots = StreamGroups.ConsumerSlots(c);
                WriteLength(w, (ulong)own);
                for (int k = 0; k < slots; k++)
                {
                    // A list with stale slots (StreamGroups.Pel.cs) gives its live ones only.
                    if (own != slots && StreamGroups.OwnNack(g, c, k) == null) continue;
                    Span<byte> raw = w.GetSpan(16);
                    WriteIdKey(raw, StreamGroups.ConsumerSlotId(c, k));
                    w.Advance(16);
                }
            }
        }
    }

    /// <summary>An ID as Redis's rax keys hold it: ms then seq, each 64-bit big-endian.</summary>
    static void WriteIdKey(Span<byte> d, StreamId id)
    {
        BinaryPrimitives.WriteUInt64BigEndian(d, id.Ms);
        BinaryPrimitives.WriteUInt64BigEndian(d.Slice(8), id.Seq);
    }

    static void WriteId(IBufferWriter<byte> w, StreamId id)
    {
        WriteLength(w, id.Ms);
        WriteLength(w, id.Seq);
    }
}
