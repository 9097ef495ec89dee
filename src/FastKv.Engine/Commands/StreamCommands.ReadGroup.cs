using System;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id... (Redis 7.2's xreadCommand with a
/// group, streamReplyWithRange and streamReplyWithRangeFromConsumerPEL): "&gt;" delivers the entries after the group's
/// last delivered ID, each becoming pending for the consumer (not with NOACK); an explicit ID replays the consumer's
/// own pending entries after it, a deleted one as [id, nil]. Propagated as Redis propagates it
/// (<see cref="StreamGroupForms"/>), never as it came.
/// </summary>
public static unsafe partial class StreamCommands
{
    /// <summary>The ID argument "&gt;": new entries (xreadCommand's UINT64_MAX-UINT64_MAX).</summary>
    static readonly StreamId NewEntries = StreamId.Max;

    static void XReadGroup(ref CommandContext c)
    {
        bool record = StreamGroupForms.Begin(ref c);
        if (!ParseRead(ref c, out ReadArgs a, xreadgroup: true)) return;
        int n = a.Streams;
        Span<StreamId> ids = n <= 16 ? stackalloc StreamId[16] : new StreamId[n];
        if (!ResolveGroupIds(ref c, in a, ids)) return;

        int ready = CountGroupReady(ref c, in a, ids);
        if (ready == 0)
        {
            // Consumers are still made (and seen) for every stream, as xreadCommand's serving loop does.
            for (int k = 0; k < n; k++) TouchConsumer(ref c, in a, k, record);
            c.W.NullArray();
            return;
        }
        bool resp3 = c.W.Protocol == 3;
        if (resp3) c.W.MapHeader(ready);
        else c.W.ArrayHeader(ready);
        for (int k = 0; k < n; k++)
        {
            byte* consumer = TouchConsumer(ref c, in a, k, record);
            byte* s = Of(KeyLookup.Read(c.Shard, c.Db, c.Arg(a.StreamsArg + k)));
            byte* g = StreamGroups.Find(s, c.Arg(a.GroupArg));
            bool history = ids[k] != NewEntries;
            if (!history && !HasEntryAfter(s, StreamGroups.LastId(g))) continue;
            if (!resp3) c.W.ArrayHeader(2);
            c.W.Bulk(c.Arg(a.StreamsArg + k));
            if (history) ReplyHistory(ref c, s, g, consumer, ids[k], a.Count);
            else ReplyNew(ref c, a.StreamsArg + k, a.GroupArg, s, g, consumer, a.Count, a.NoAck, record);
            c.Dirty();
        }
    }

    /// <summary>
    /// xreadCommand's first loop for XREADGROUP: each key in order is type-checked and must hold the group (NOGROUP
    /// otherwise), then its ID is read ("&gt;", never "$", else a strict ID). False after the error reply.
    /// </summary>
    static bool ResolveGroupIds(ref CommandContext c, in ReadArgs a, scoped Span<StreamId> ids)
    {
        for (int k = 0; k < a.Streams; k++)
        {
            int keyArg = a.StreamsArg + k, idArg = a.StreamsArg + a.Streams + k;
            if (!c.ReadTyped(keyArg, ValueKind.Stream, out byte* e)) return false;
            if (e == null || StreamGroups.Find(Of(e), c.Arg(a.GroupArg)) == null)
            {
                c.Error(NoGroup(c.Arg(keyArg), c.Arg(a.GroupArg)));
                return false;
            }
            ReadOnlySpan<byte> text = c.Arg(idArg);
            if (text.Length == 1 && text[0] == '$')
            {
                c.Error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this " +
                        "consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just " +
                        "return an empty result set.");
                return false;
            }
            if (text.Length == 1 && text[0] == '>') { ids[k] = NewEntries; continue; }
            if (!ParseId(ref c, idArg, 0, strict: true, out ids[k])) return false;
        }
        return true;
    }

    /// <summary>XREADGROUP's error for a key that is missing or lacks the group.</summary>
    static string NoGroup(ReadOnlySpan<byte> key, ReadOnlySpan<byte> group)
        => Errors.NoKeyOrGroup(System.Text.Encoding.UTF8.GetString(key), System.Text.Encoding.UTF8.GetString(group))
           + " in XREADGROUP with GROUP option";

    /// <summary>
    /// The checks of <see cref="ResolveGroupIds"/> for a waiting XREADGROUP run again, over the keys <paramref name="shard"/>
    /// holds, in argument order: the error of the first that is not a stream (WRONGTYPE) or lacks the group (NOGROUP), with
    /// its argument index in <paramref name="index"/>; null when all pass. Reads only (a lookup may find a key expired and
    /// delete it, as any lookup does). The waiter's IDs are all "&gt;" (any other ID answers at once, never waits).
    /// </summary>
    internal static string? CheckBlockedGroupKeys(Shard shard, BlockingPlan plan, out int index)
    {
        Database db = shard.Dbs[plan.Db];
        byte[] group = plan.Command[plan.GroupArg];
        for (index = 0; index < plan.Keys.Length; index++)
        {
            byte[] key = plan.Keys[index];
            if (shard.Server.ShardOf(key) != shard) continue;
            // A lookup only: the entry is not kept past these tests.
            byte* e = db.Find(key);
            if (e != null && KeyEntry.Type(e) != ValueKind.Stream) return Errors.WrongType;
            if (e == null || StreamGroups.Find(Of(e), group) == null) return NoGroup(key, group);
        }
        index = -1;
        return null;
    }

    /// <summary>Whether a stream has a live entry after <paramref name="after"/> (a group's last delivered ID, an XREAD ID).</summary>
    static bool HasEntryAfter(byte* s, StreamId after) => StreamValue.Length(s) > 0 && StreamValue.LastValidId(s) > after;

    /// <summary>
    /// How many streams the reply names, before anything changes: every explicit ID, and "&gt;" where entries wait
    /// after the group's last ID, as it will be when that stream's turn comes (a key named twice sees the first
    /// read's delivery).
    /// </summary>
    static int CountGroupReady(ref CommandContext c, in ReadArgs a, scoped ReadOnlySpan<StreamId> ids)
    {
        int ready = 0;
        for (int k = 0; k < a.Streams; k++)
        {
            if (ids[k] != NewEntries) { ready++; continue; }
            byte* s = Of(c.Db.Find(c.Arg(a.StreamsArg + k)));
            byte* g = StreamGroups.Find(s, c.Arg(a.GroupArg));
            StreamId last = StreamGroups.LastId(g);
            for (int j = 0; j < k; j++)
            {
                if (ids[j] != NewEntries || !c.Arg(a.StreamsArg + j).SequenceEqual(c.Arg(a.StreamsArg + k))) continue;
                last = LastAfterRead(s, last, a.Count);
            }
            if (HasEntryAfter(s, last)) ready++;
        }
        return ready;
    }

    /// <summary>The group's last ID after a "&gt;" read of at most <paramref name="count"/> entries (0 = all) from <paramref name="last"/>.</summary>
    static StreamId LastAfterRead(byte* s, StreamId last, long count)
    {
        if (!HasEntryAfter(s, last)) return last;
        last.TryIncrement(out StreamId start);
        var it = new StreamIterator(s, start, StreamId.Max, rev: false);
        for (long n = 0; (count == 0 || n < count) && it.Next(out StreamId id, out _); n++) last = id;
        return last;
    }

    /// <summary>
    /// The consumer named by GROUP for stream <paramref name="k"/>, made when missing (xgroup-createconsumer, dirty;
    /// with NOACK also propagated, as nothing else would make it on a replica), and seen now.
    /// </summary>
    static byte* TouchConsumer(ref CommandContext c, in ReadArgs a, int k, bool record)
    {
        ReadOnlySpan<byte> key = c.Arg(a.StreamsArg + k), name = c.Arg(a.GroupArg + 1);
        byte* g = StreamGroups.Find(Of(c.Db.Find(key)), c.Arg(a.GroupArg));
        byte* consumer = StreamGroups.FindConsumer(g, name);
        if (consumer == null)
        {
            consumer = StreamGroups.CreateConsumer(c.Shard.Arena, g, name, c.NowMs);
            c.Dirty();
            if (c.Shard.Events.Active) c.Shard.Events.Notify(c.DbIndex, key, NotifyClass.Stream, "xgroup-createconsumer"u8);
            if (a.NoAck && record) StreamGroupForms.CreateConsumer(ref c, key, c.Arg(a.GroupArg), name);
        }
        StreamGroups.SetSeenTime(consumer, c.NowMs);
        return consumer;
    }

    /// <summary>
    /// streamReplyWithRange with a group: the entries after the group's last ID, at most <paramref name="count"/>; each
    /// moves the last ID and the read counter, and (without NOACK) becomes pending for the consumer, propagated as an
    /// XCLAIM. A NOACK read that moved the last ID propagates XGROUP SETID.
    /// </summary>
    static void ReplyNew(ref CommandContext c, int keyArg, int groupArg, byte* s, byte* g, byte* consumer, long count,
        bool noAck, bool record)
    {
        StreamGroups.LastId(g).TryIncrement(out StreamId start);
        long n = 0;
        var counter = new StreamIterator(s, start, StreamId.Max, rev: false);
        while ((count == 0 || n < count) && counter.Next(out _, out _)) n++;
        c.W.ArrayHeader((int)n);
        var it = new StreamIterator(s, start, StreamId.Max, rev: false);
        bool moved = false;
        for (long j = 0; j < n; j++)
        {
            it.Next(out StreamId id, out long fields);
            moved |= StreamGroups.Delivered(s, g, id);
            ReplyEntry(c.W, ref it, id, fields);
            if (noAck) continue;
            byte* nack = StreamGroups.DeliverPending(c.Shard.Arena, g, consumer, id, c.NowMs);
            if (record) StreamGroupForms.XClaim(ref c, c.Arg(keyArg), c.Arg(groupArg), g, nack);
        }
        if (noAck && moved && record) StreamGroupForms.SetId(ref c, c.Arg(keyArg), c.Arg(groupArg), g);
    }

    /// <summary>
    /// streamReplyWithRangeFromConsumerPEL: the consumer's pending IDs after <paramref name="after"/>, at most
    /// <paramref name="count"/>; an entry still in the stream is sent whole and counts one more delivery, a deleted one
    /// is sent as [id, nil]. Nothing is propagated.
    /// </summary>
    static void ReplyHistory(ref CommandContext c, byte* s, byte* g, byte* consumer, StreamId after, long count)
    {
        after.TryIncrement(out StreamId start); // never the largest ID: that one reads as ">"
        int pos = StreamGroups.ConsumerSlotFind(consumer, start);
        if (pos < 0) pos = ~pos;
        int slots = StreamGroups.ConsumerSlots(consumer);
        long n = 0;
        // The reply's length: the live slots from pos (a list with stale slots is counted through).
        if (slots == StreamGroups.ConsumerPelCount(consumer)) n = slots - pos;
        else
            for (int j = pos; j < slots && (count == 0 || n < count); j++)
                if (StreamGroups.OwnNack(g, consumer, j) != null) n++;
        if (count != 0 && n > count) n = count;
        c.W.ArrayHeader((int)n);
        for (int j = pos; n > 0; j++)
        {
            byte* nack = StreamGroups.OwnNack(g, consumer, j);
            if (nack == null) continue; // stale
            n--;
            StreamId id = StreamGroups.NackId(nack);
            var it = new StreamIterator(s, id, id, rev: false);
            if (!it.Next(out _, out long fields))
            {
                c.W.ArrayHeader(2);
                id.Reply(c.W);
                c.W.NullArray();
                continue;
            }
            ReplyEntry(c.W, ref it, id, fields);
            StreamGroups.SetNackTime(nack, c.NowMs);
            StreamGroups.SetNackCount(nack, StreamGroups.NackCount(nack) + 1);
        }
    }
}
