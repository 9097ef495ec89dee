using System;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// XPENDING key group (the summary) and XPENDING key group [IDLE ms] start end count [consumer] (the entries), as
/// Redis 7.2's xpendingCommand: the range arguments are checked before the key, and idle times are measured from the
/// command's time, never below 0.
/// </summary>
public static unsafe partial class StreamCommands
{
    static void XPending(ref CommandContext c)
    {
        if (c.Count != 3 && (c.Count < 6 || c.Count > 9)) { c.Error(Errors.Syntax); return; }
        long count = 0, minIdle = 0;
        StreamId start = default, end = default;
        int consumerArg = 0;
        if (c.Count >= 6)
        {
            int first = 3;
            if (c.ArgIs(3, "idle"u8))
            {
                if (!c.TryInt(4, out minIdle)) return;
                if (c.Count < 8) { c.Error(Errors.Syntax); return; }
                first += 2;
            }
            if (!c.TryInt(first + 2, out count)) return;
            if (count < 0) count = 0;
            if (!ParseBound(ref c, first, 0, out start, out bool startEx)) return;
            if (startEx && !start.TryIncrement(out start)) { c.Error(Errors.InvalidStartId); return; }
            if (!ParseBound(ref c, first + 1, ulong.MaxValue, out end, out bool endEx)) return;
            if (endEx && !end.TryDecrement(out end)) { c.Error(Errors.InvalidEndId); return; }
            if (first + 3 < c.Count) consumerArg = first + 3;
        }
        if (!c.ReadTyped(1, ValueKind.Stream, out byte* e)) return;
        byte* g = e == null ? null : StreamGroups.Find(Of(e), c.Arg(2));
        if (g == null)
        {
            c.Error(Errors.NoKeyOrGroup(c.ArgString(1), c.ArgString(2)));
            return;
        }
        if (c.Count == 3) { PendingSummary(c.W, g); return; }
        byte* consumer = null;
        if (consumerArg != 0)
        {
            consumer = StreamGroups.FindConsumer(g, c.Arg(consumerArg));
            if (consumer == null) { c.W.ArrayHeader(0); return; }
        }
        long n = PendingRange(null, g, consumer, start, end, count, minIdle, c.NowMs);
        c.W.ArrayHeader((int)n);
        PendingRange(c.W, g, consumer, start, end, n, minIdle, c.NowMs);
    }

    /// <summary>[count, first ID, last ID, [[consumer, its count as a bulk string], ...]] (nils when nothing is pending).</summary>
    static void PendingSummary(RespWriter w, byte* g)
    {
        int pending = StreamGroups.PelCount(g);
        w.ArrayHeader(4);
        w.Integer(pending);
        if (pending == 0)
        {
            w.NullBulk();
            w.NullBulk();
            w.NullArray();
            return;
        }
        StreamGroups.NackId(StreamGroups.PelAt(g, 0)).Reply(w);
        StreamGroups.NackId(StreamGroups.PelAt(g, pending - 1)).Reply(w);
        int owners = 0;
        for (int i = 0; i < StreamGroups.ConsumerCount(g); i++)
            if (StreamGroups.ConsumerPelCount(StreamGroups.ConsumerAt(g, i)) > 0) owners++;
        w.ArrayHeader(owners);
        Span<byte> digits = stackalloc byte[20];
        for (int i = 0; i < StreamGroups.ConsumerCount(g); i++)
        {
            byte* consumer = StreamGroups.ConsumerAt(g, i);
            int own = StreamGroups.ConsumerPelCount(consumer);
            if (own == 0) continue;
            w.ArrayHeader(2);
            w.Bulk(StreamGroups.ConsumerName(consumer));
            own.TryFormat(digits, out int len, default, System.Globalization.CultureInfo.InvariantCulture);
            w.Bulk(digits.Slice(0, len));
        }
    }

    /// <summary>
    /// The pending entries from <paramref name="start"/> to <paramref name="end"/> (the consumer's, or the group's), idle
    /// at least <paramref name="minIdle"/> ms, at most <paramref name="count"/>: each [id, consumer, idle ms, deliveries]
    /// written to <paramref name="w"/> when given. Returns how many there are.
    /// </summary>
    static long PendingRange(RespWriter? w, byte* g, byte* consumer, StreamId start, StreamId end, long count, long minIdle, long now)
    {
        int i = consumer != null ? StreamGroups.ConsumerSlotFind(consumer, start) : StreamGroups.PelFind(g, start);
        if (i < 0) i = ~i;
        int size = consumer != null ? StreamGroups.ConsumerSlots(consumer) : StreamGroups.PelCount(g);
        long n = 0;
        for (; n < count && i < size; i++)
        {
            byte* nack;
            if (consumer == null) nack = StreamGroups.PelAt(g, i);
            else
            {
                if (StreamGroups.ConsumerSlotId(consumer, i) > end) break;
                nack = StreamGroups.OwnNack(g, consumer, i);
                if (nack == null) continue; // a stale slot of the consumer's list
            }
            StreamId id = StreamGroups.NackId(nack);
            if (id > end) break;
            long idle = now - StreamGroups.NackTime(nack);
            if (minIdle != 0 && idle < minIdle) continue;
            n++;
            if (w == null) continue;
            w.ArrayHeader(4);
            id.Reply(w);
            w.Bulk(StreamGroups.ConsumerName(StreamGroups.NackConsumer(nack)));
            w.Integer(Math.Max(idle, 0));
            w.Integer((long)StreamGroups.NackCount(nack));
        }
        return n;
    }
}
