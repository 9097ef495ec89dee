using System;
using System.Buffers;
using System.Buffers.Binary;
using FastKv.Memory;

namespace FastKv.Engine;

// Streams as rdbSaveObject writes them (the layout is drawn in RdbDecode.Stream.cs): RDB_TYPE_STREAM_LISTPACKS_3 (21)
// for version 11, _2 (19) for version 10 (Redis 7.0 writes 19 and does not know 21; without consumer groups the two
// differ only in the type byte). The nodes' listpacks are Redis's bytes, written as they are.
public static unsafe partial class RdbEncode
{
    static void WriteStream(IBufferWriter<byte> w, byte* s, bool compress)
    {
        int nodes = StreamValue.NodeCount(s);
        WriteLength(w, (ulong)nodes);
        Span<byte> key = stackalloc byte[16];
        for (int i = 0; i < nodes; i++)
        {
            StreamId master = StreamValue.NodeMasterId(s, i);
            BinaryPrimitives.WriteUInt64BigEndian(key, master.Ms);
            BinaryPrimitives.WriteUInt64BigEndian(key.Slice(8), master.Seq);
            WriteString(w, key, compress);
            byte* lp = StreamValue.NodeListpack(s, i);
            WriteString(w, new ReadOnlySpan<byte>(lp, Listpack.TotalBytes(lp)), compress);
        }
        WriteLength(w, StreamValue.Length(s));
        WriteId(w, StreamValue.LastId(s));
        WriteId(w, StreamValue.FirstId(s));
        WriteId(w, StreamValue.MaxDeletedId(s));
        WriteLength(w, StreamValue.EntriesAdded(s));
        WriteLength(w, 0); // consumer groups
    }

    static void WriteId(IBufferWriter<byte> w, StreamId id)
    {
        WriteLength(w, id.Ms);
        WriteLength(w, id.Seq);
    }
}
