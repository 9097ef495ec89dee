using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// XINFO GROUPS, XINFO CONSUMERS and the groups of XINFO STREAM FULL (Redis 7.2's xinfoCommand and
/// xinfoReplyWithStreamInfo): entries-read and lag (<see cref="StreamGroups.Lag"/>), a consumer's idle time since it
/// was last seen and its inactive time since it last read (-1: never).
/// </summary>
public static unsafe partial class StreamCommands
{
    static void XInfoGroups(ref CommandContext c)
    {
        if (!c.ReadTyped(2, ValueKind.Stream, out byte* e)) return;
        if (e == null) { c.Error(Errors.NoSuchKey); return; }
        byte* s = Of(e);
        RespWriter w = c.W;
        int n = StreamGroups.Count(s);
        w.ArrayHeader(n);
        for (int i = 0; i < n; i++)
        {
            byte* g = StreamGroups.At(s, i);
            w.MapHeader(6);
            w.Bulk("name"u8);
            w.Bulk(StreamGroups.Name(g));
            w.Bulk("consumers"u8);
            w.Integer(StreamGroups.ConsumerCount(g));
            w.Bulk("pending"u8);
            w.Integer(StreamGroups.PelCount(g));
            GroupCounters(w, s, g);
        }
    }

    /// <summary>last-delivered-id, entries-read (null when unknown) and lag (null when unknown).</summary>
    static void GroupCounters(RespWriter w, byte* s, byte* g)
    {
        w.Bulk("last-delivered-id"u8);
        StreamGroups.LastId(g).Reply(w);
        w.Bulk("entries-read"u8);
        long read = StreamGroups.EntriesRead(g);
        if (read != StreamGroups.UnknownEntriesRead) w.Integer(read);
        else w.NullBulk();
        w.Bulk("lag"u8);
        long? lag = StreamGroups.Lag(s, g);
        if (lag.HasValue) w.Integer(lag.Value);
        else w.NullBulk();
    }

    static void XInfoConsumers(ref CommandContext c)
    {
        if (!c.ReadTyped(2, ValueKind.Stream, out byte* e)) return;
        if (e == null) { c.Error(Errors.NoSuchKey); return; }
        byte* g = StreamGroups.Find(Of(e), c.Arg(3));
        if (g == null)
        {
            c.Error(Errors.NoGroupForKey(c.ArgString(3), c.ArgString(2)));
            return;
        }
        RespWriter w = c.W;
        long now = c.NowMs;
        int n = StreamGroups.ConsumerCount(g);
        w.ArrayHeader(n);
        for (int i = 0; i < n; i++)
        {
            byte* consumer = StreamGroups.ConsumerAt(g, i);
            long active = StreamGroups.ActiveTime(consumer);
            w.MapHeader(4);
            w.Bulk("name"u8);
            w.Bulk(StreamGroups.ConsumerName(consumer));
            w.Bulk("pending"u8);
            w.Integer(StreamGroups.ConsumerPelCount(consumer));
            w.Bulk("idle"u8);
            w.Integer(System.Math.Max(now - StreamGroups.SeenTime(consumer), 0));
            w.Bulk("inactive"u8);
            w.Integer(active != -1 ? now - active : -1);
        }
    }

    /// <summary>XINFO STREAM FULL's groups: each with its PEL and consumers, every PEL cut at <paramref name="count"/> (0: all).</summary>
    static void FullGroups(RespWriter w, byte* s, long count)
    {
        int n = StreamGroups.Count(s);
        w.ArrayHeader(n);
        for (int i = 0; i < n; i++)
        {
            byte* g = StreamGroups.At(s, i);
            w.MapHeader(7);
            w.Bulk("name"u8);
            w.Bulk(StreamGroups.Name(g));
            GroupCounters(w, s, g);
            int pending = StreamGroups.PelCount(g);
            w.Bulk("pel-count"u8);
            w.Integer(pending);
            w.Bulk("pending"u8);
            int shown = Cut(pending, count);
            w.ArrayHeader(shown);
            for (int j = 0; j < shown; j++)
            {
                byte* nack = StreamGroups.PelAt(g, j);
                w.ArrayHeader(4);
                StreamGroups.NackId(nack).Reply(w);
                w.Bulk(StreamGroups.ConsumerName(StreamGroups.NackConsumer(nack)));
                w.Integer(StreamGroups.NackTime(nack));
                w.Integer((long)StreamGroups.NackCount(nack));
            }
            w.Bulk("consumers"u8);
            w.ArrayHeader(StreamGroups.ConsumerCount(g));
            for (int j = 0; j < StreamGroups.ConsumerCount(g); j++) FullConsumer(w, g, StreamGroups.ConsumerAt(g, j), count);
        }
    }

    static void FullConsumer(RespWriter w, byte* g, byte* consumer, long count)
    {
        w.MapHeader(5);
        w.Bulk("name"u8);
        w.Bulk(StreamGroups.ConsumerName(consumer));
        w.Bulk("seen-time"u8);
        w.Integer(StreamGroups.SeenTime(consumer));
        w.Bulk("active-time"u8);
        w.Integer(StreamGroups.ActiveTime(consumer));
        int pending = StreamGroups.ConsumerPelCount(consumer);
        w.Bulk("pel-count"u8);
        w.Integer(pending);
        w.Bulk("pending"u8);
        int shown = Cut(pending, count);
        w.ArrayHeader(shown);
        for (int k = 0; shown > 0; k++)
        {
            byte* nack = StreamGroups.OwnNack(g, consumer, k);
            if (nack == null) continue; // a stale slot
            shown--;
            w.ArrayHeader(3);
            StreamGroups.NackId(nack).Reply(w);
            w.Integer(StreamGroups.NackTime(nack));
            w.Integer((long)StreamGroups.NackCount(nack));
        }
    }

    /// <summary>How many of <paramref name="size"/> items a COUNT of <paramref name="count"/> shows (0: all).</summary>
    static int Cut(int size, long count) => count == 0 || count >= size ? size : (int)count;
}
