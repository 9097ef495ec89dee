using System;
using System.Buffers;

namespace FastKv.Engine;

// Streams in an AOF base of command form (Redis 7.2's rewriteStreamObject). Unsafe invariant for the whole file: `s` is
// the live stream of an entry being encoded (AofBaseEncode.cs), `g` one of its groups.
public static unsafe partial class AofBaseEncode
{
    /// <summary>
    /// rewriteStreamObject: one XADD per entry with its ID (an empty stream: XADD key MAXLEN 0 0-1 x y, which leaves it
    /// empty), then XSETID key last-id ENTRIESADDED n MAXDELETEDID id, then per group (in name order) XGROUP CREATE key
    /// group last-id ENTRIESREAD n and per consumer (in name order) either XGROUP CREATECONSUMER (nothing pending) or
    /// one XCLAIM per pending ID (rioWriteStreamPendingEntry): XCLAIM key group consumer 0 id TIME delivery-ms
    /// RETRYCOUNT count JUSTID FORCE. As in Redis, consumers' seen and active times are not kept by this form.
    /// </summary>
    static void WriteStream(IBufferWriter<byte> w, ReadOnlySpan<byte> key, byte* s)
    {
        Span<byte> id = stackalloc byte[StreamId.MaxChars];
        if (StreamValue.Length(s) > 0)
        {
            var it = new StreamIterator(s, StreamId.Min, StreamId.Max, rev: false);
            while (it.Next(out StreamId entry, out long fields))
            {
                ArrayHeader(w, 3 + fields * 2);
                Bulk(w, "XADD"u8);
                Bulk(w, key);
                Bulk(w, id.Slice(0, entry.Format(id)));
                for (long f = 0; f < fields; f++)
                {
                    it.Field(out byte* field, out byte* value);
                    BulkEntry(w, field);
                    BulkEntry(w, value);
                }
            }
        }
        else
        {
            ArrayHeader(w, 7);
            Bulk(w, "XADD"u8);
            Bulk(w, key);
            Bulk(w, "MAXLEN"u8);
            Bulk(w, "0"u8);
            Bulk(w, "0-1"u8);
            Bulk(w, "x"u8);
            Bulk(w, "y"u8);
        }
        ArrayHeader(w, 7);
        Bulk(w, "XSETID"u8);
        Bulk(w, key);
        Bulk(w, id.Slice(0, StreamValue.LastId(s).Format(id)));
        Bulk(w, "ENTRIESADDED"u8);
        BulkInteger(w, (long)StreamValue.EntriesAdded(s));
        Bulk(w, "MAXDELETEDID"u8);
        Bulk(w, id.Slice(0, StreamValue.MaxDeletedId(s).Format(id)));
        for (int i = 0; i < StreamGroups.Count(s); i++) WriteGroup(w, key, StreamGroups.At(s, i), id);
    }

    static void WriteGroup(IBufferWriter<byte> w, ReadOnlySpan<byte> key, byte* g, Span<byte> id)
    {
        ReadOnlySpan<byte> group = StreamGroups.Name(g);
        ArrayHeader(w, 7);
        Bulk(w, "XGROUP"u8);
        Bulk(w, "CREATE"u8);
        Bulk(w, key);
        Bulk(w, group);
        Bulk(w, id.Slice(0, StreamGroups.LastId(g).Format(id)));
        Bulk(w, "ENTRIESREAD"u8);
        BulkInteger(w, StreamGroups.EntriesRead(g));
        for (int i = 0; i < StreamGroups.ConsumerCount(g); i++)
        {
            byte* c = StreamGroups.ConsumerAt(g, i);
            int own = StreamGroups.ConsumerPelCount(c);
            if (own == 0)
            {
                ArrayHeader(w, 5);
                Bulk(w, "XGROUP"u8);
                Bulk(w, "CREATECONSUMER"u8);
                Bulk(w, key);
                Bulk(w, group);
                Bulk(w, StreamGroups.ConsumerName(c));
                continue;
            }
            for (int j = 0; j < StreamGroups.ConsumerSlots(c); j++)
            {
                byte* n = StreamGroups.OwnNack(g, c, j);
                if (n == null) continue; // a stale slot
                StreamId pending = StreamGroups.NackId(n);
                ArrayHeader(w, 12);
                Bulk(w, "XCLAIM"u8);
                Bulk(w, key);
                Bulk(w, group);
                Bulk(w, StreamGroups.ConsumerName(c));
                Bulk(w, "0"u8);
                Bulk(w, id.Slice(0, pending.Format(id)));
                Bulk(w, "TIME"u8);
                BulkInteger(w, StreamGroups.NackTime(n));
                Bulk(w, "RETRYCOUNT"u8);
                BulkInteger(w, (long)StreamGroups.NackCount(n));
                Bulk(w, "JUSTID"u8);
                Bulk(w, "FORCE"u8);
            }
        }
    }
}
