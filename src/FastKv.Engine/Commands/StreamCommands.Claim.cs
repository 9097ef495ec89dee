using System;
using System.Buffers;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// XCLAIM and XAUTOCLAIM (Redis 7.2's xclaimCommand and xautoclaimCommand, t_stream.c): pending entries change owner
/// within a group, over <see cref="StreamGroups"/>. Entries deleted from the stream since they were delivered leave
/// the PEL and are not returned (7.2). Neither command propagates itself: each entry it claims or drops goes to the
/// AOF as the idempotent XCLAIM ... FORCE JUSTID form (streamPropagateXCLAIM), and a LASTID that moved the group
/// with nothing else to say goes as XGROUP SETID. The loader replays those forms through this same handler.
/// </summary>
public static unsafe partial class StreamCommands
{
    static void RegisterClaim(CommandTable t)
    {
        t.Add("xclaim", &XClaim);
        t.Add("xautoclaim", &XAutoClaim);
    }

    /// <summary>Up to this many claimed IDs are collected on the stack before the reply is written.</summary>
    const int ClaimStackIds = 32;

    /// <summary>
    /// jemalloc's transient array for XAUTOCLAIM's deleted IDs (COUNT x 16 bytes) fails past the user address space
    /// (47 bits on x86-64): Redis answers an error there, and so does FastKv, without allocating anything that large.
    /// </summary>
    const long AutoClaimMaxArrayBytes = 1L << 47;

    static void NoKeyOrGroup(ref CommandContext c)
        => c.Error(Errors.NoKeyOrGroup(c.ArgString(1), c.ArgString(2)));

    /// <summary>The claiming consumer, created (seen now, dirty, xgroup-createconsumer) when missing.</summary>
    static byte* ClaimingConsumer(ref CommandContext c, byte* g)
    {
        byte* consumer = StreamGroups.FindConsumer(g, c.Arg(3));
        if (consumer == null)
        {
            consumer = StreamGroups.CreateConsumer(c.Shard.Arena, g, c.Arg(3), c.NowMs);
            c.Dirty();
            Notify(ref c, "xgroup-createconsumer"u8);
        }
        StreamGroups.SetSeenTime(consumer, c.NowMs);
        return consumer;
    }

    /// <summary>streamEntryExists: whether <paramref name="id"/> is a live entry of the stream.</summary>
    static bool EntryExists(byte* s, StreamId id) => new StreamIterator(s, id, id, rev: false).Next(out _, out _);

    /// <summary>
    /// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID]
    /// [LASTID id]: the IDs run up to the first argument that is not a strict ID; the options follow. All parsing is
    /// done before anything changes, so an error claims nothing.
    /// </summary>
    static void XClaim(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.Stream, out byte* e)) return;
        byte* s = e == null ? null : Of(e);
        byte* g = s == null ? null : StreamGroups.Find(s, c.Arg(2));
        if (g == null) { NoKeyOrGroup(ref c); return; }
        if (!RespNumber.TryParseInt64(c.Arg(4), out long minIdle)) { c.Error("ERR Invalid min-idle-time argument for XCLAIM"); return; }
        if (minIdle < 0) minIdle = 0;

        int lastIdArg = 4;
        while (lastIdArg + 1 < c.Count && StreamId.TryParse(c.Arg(lastIdArg + 1), out _, 0, strict: true, allowAutoSeq: false, out _))
            lastIdArg++;

        long now = c.NowMs;
        long deliveryTime = -1, retryCount = -1;
        bool force = false, justId = false;
        StreamId lastId = StreamId.Min;
        for (int j = lastIdArg + 1; j < c.Count; j++)
        {
            bool more = j + 1 < c.Count;
            if (c.ArgIs(j, "force"u8)) force = true;
            else if (c.ArgIs(j, "justid"u8)) justId = true;
            else if (c.ArgIs(j, "idle"u8) && more)
            {
                if (!RespNumber.TryParseInt64(c.Arg(++j), out long idle)) { c.Error("ERR Invalid IDLE option argument for XCLAIM"); return; }
                deliveryTime = unchecked(now - idle);
            }
            else if (c.ArgIs(j, "time"u8) && more)
            {
                if (!RespNumber.TryParseInt64(c.Arg(++j), out deliveryTime)) { c.Error("ERR Invalid TIME option argument for XCLAIM"); return; }
            }
            else if (c.ArgIs(j, "retrycount"u8) && more)
            {
                if (!RespNumber.TryParseInt64(c.Arg(++j), out retryCount)) { c.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM"); return; }
            }
            else if (c.ArgIs(j, "lastid"u8) && more)
            {
                if (!ParseId(ref c, ++j, 0, strict: true, out lastId)) return;
            }
            else { c.Error("ERR Unrecognized XCLAIM option '" + c.ArgString(j) + "'"); return; }
        }

        // Redis propagates only the forms written below, never the command as it came (preventCommandPropagation).
        c.Propagated = true;
        bool propagateLastId = false;
        if (lastId > StreamGroups.LastId(g))
        {
            StreamGroups.SetLastId(g, lastId);
            propagateLastId = true;
        }
        // A bogus IDLE or TIME (negative, or in the future) means now: the client's clock may be a little ahead.
        if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;

        byte* consumer = ClaimingConsumer(ref c, g);
        Arena arena = c.Shard.Arena;
        int idCount = lastIdArg - 4;
        StreamId[]? rented = idCount > ClaimStackIds ? ArrayPool<StreamId>.Shared.Rent(idCount) : null;
        Span<StreamId> claimed = rented != null ? rented : stackalloc StreamId[ClaimStackIds];
        int n = 0;
        for (int j = 5; j <= lastIdArg; j++)
        {
            StreamId.TryParse(c.Arg(j), out StreamId id, 0, true, false, out _);
            int i = StreamGroups.PelFind(g, id);
            if (!EntryExists(s, id))
            {
                if (i >= 0)
                {
                    // Propagated before it goes: the form names the owner, and replays as the same removal.
                    PropagateClaim(ref c, g, c.Arg(j), StreamGroups.PelAt(g, i));
                    propagateLastId = false;
                    c.Dirty();
                    StreamGroups.Ack(g, id);
                }
                continue;
            }
            if (i < 0)
            {
                if (!force) continue;
                // A NACK made by FORCE starts at one delivery (streamCreateNACK) and ignores min-idle-time.
                ulong count = retryCount >= 0 ? (ulong)retryCount : justId ? 1UL : 2UL;
                StreamGroups.AddPending(arena, g, consumer, id, deliveryTime, count);
                i = StreamGroups.PelFind(g, id);
            }
            else
            {
                byte* nack = StreamGroups.PelAt(g, i);
                if (minIdle != 0 && unchecked(now - StreamGroups.NackTime(nack)) < minIdle) continue;
                StreamGroups.Transfer(arena, g, i, consumer);
                nack = StreamGroups.PelAt(g, i);
                StreamGroups.SetNackTime(nack, deliveryTime);
                if (retryCount >= 0) StreamGroups.SetNackCount(nack, (ulong)retryCount);
                else if (!justId) StreamGroups.SetNackCount(nack, StreamGroups.NackCount(nack) + 1);
            }
            claimed[n++] = id;
            StreamGroups.SetActiveTime(consumer, now);
            PropagateClaim(ref c, g, c.Arg(j), StreamGroups.PelAt(g, i));
            propagateLastId = false;
            c.Dirty();
        }
        if (propagateLastId)
        {
            if (StreamGroupForms.Begin(ref c)) StreamGroupForms.SetId(ref c, c.Arg(1), c.Arg(2), g);
            c.Dirty();
        }
        ReplyClaimed(c.W, s, claimed.Slice(0, n), justId);
        if (rented != null) ArrayPool<StreamId>.Shared.Return(rented);
    }

    /// <summary>
    /// XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID]: walks the PEL from start, claiming the
    /// entries idle long enough and dropping those deleted from the stream, until COUNT of them are done or COUNT x 10
    /// PEL entries were looked at. Replies [next cursor or 0-0, claimed, deleted IDs].
    /// </summary>
    static void XAutoClaim(ref CommandContext c)
    {
        if (!RespNumber.TryParseInt64(c.Arg(4), out long minIdle)) { c.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM"); return; }
        if (minIdle < 0) minIdle = 0;
        if (!ParseBound(ref c, 5, 0, out StreamId start, out bool startEx)) return;
        if (startEx && !start.TryIncrement(out start)) { c.Error(Errors.InvalidStartId); return; }
        const long AttemptsFactor = 10;
        long count = 100;
        bool justId = false;
        for (int j = 6; j < c.Count; j++)
        {
            if (c.ArgIs(j, "count"u8) && j + 1 < c.Count)
            {
                // LONG_MAX / max(sizeof(streamID), attempts factor): COUNT x 16 bytes fits a long.
                if (!RespNumber.TryParseInt64(c.Arg(++j), out count) || count < 1 || count > long.MaxValue / 16)
                {
                    c.Error(Errors.CountNotAboveZero);
                    return;
                }
            }
            else if (c.ArgIs(j, "justid"u8)) justId = true;
            else { c.Error(Errors.Syntax); return; }
        }

        if (!c.ReadTyped(1, ValueKind.Stream, out byte* e)) return;
        byte* s = e == null ? null : Of(e);
        byte* g = s == null ? null : StreamGroups.Find(s, c.Arg(2));
        if (g == null) { NoKeyOrGroup(ref c); return; }
        if (count * 16 >= AutoClaimMaxArrayBytes)
        {
            c.Error("ERR Insufficient memory, failed allocating transient memory, COUNT too high.");
            return;
        }

        c.Propagated = true;
        byte* consumer = ClaimingConsumer(ref c, g);
        Arena arena = c.Shard.Arena;
        long now = c.NowMs;
        long attempts = count * AttemptsFactor;
        int i = StreamGroups.PelFind(g, start);
        if (i < 0) i = ~i;
        // Claimed IDs fill the buffer from the front, deleted ones from the back: together at most COUNT, and at
        // most the PEL entries from start.
        int room = (int)Math.Min(count, StreamGroups.PelCount(g) - i);
        StreamId[]? rented = room > ClaimStackIds ? ArrayPool<StreamId>.Shared.Rent(room) : null;
        Span<StreamId> ids = rented != null ? rented : stackalloc StreamId[ClaimStackIds];
        int claimedCount = 0, deletedCount = 0;
        Span<byte> idText = stackalloc byte[StreamId.MaxChars];
        while (attempts-- != 0 && count != 0 && i < StreamGroups.PelCount(g))
        {
            byte* nack = StreamGroups.PelAt(g, i);
            StreamId id = StreamGroups.NackId(nack);
            int idLen = id.Format(idText);
            if (!EntryExists(s, id))
            {
                PropagateClaim(ref c, g, idText.Slice(0, idLen), nack);
                c.Dirty();
                StreamGroups.Ack(g, id);
                ids[room - 1 - deletedCount++] = id;
                count--;
                continue;
            }
            if (minIdle != 0 && unchecked(now - StreamGroups.NackTime(nack)) < minIdle) { i++; continue; }
            StreamGroups.Transfer(arena, g, i, consumer);
            nack = StreamGroups.PelAt(g, i);
            StreamGroups.SetNackTime(nack, now);
            if (!justId) StreamGroups.SetNackCount(nack, StreamGroups.NackCount(nack) + 1);
            ids[claimedCount++] = id;
            count--;
            StreamGroups.SetActiveTime(consumer, now);
            PropagateClaim(ref c, g, idText.Slice(0, idLen), nack);
            c.Dirty();
            i++;
        }

        c.W.ArrayHeader(3);
        (i < StreamGroups.PelCount(g) ? StreamGroups.NackId(StreamGroups.PelAt(g, i)) : StreamId.Min).Reply(c.W);
        ReplyClaimed(c.W, s, ids.Slice(0, claimedCount), justId);
        c.W.ArrayHeader(deletedCount);
        for (int k = 0; k < deletedCount; k++) ids[room - 1 - k].Reply(c.W);
        if (rented != null) ArrayPool<StreamId>.Shared.Return(rented);
    }

    /// <summary>The claimed entries in claim order: IDs alone (JUSTID) or [id, [field, value, ...]] as XRANGE.</summary>
    static void ReplyClaimed(RespWriter w, byte* s, ReadOnlySpan<StreamId> claimed, bool justId)
    {
        w.ArrayHeader(claimed.Length);
        for (int k = 0; k < claimed.Length; k++)
        {
            if (justId) { claimed[k].Reply(w); continue; }
            var it = new StreamIterator(s, claimed[k], claimed[k], rev: false);
            it.Next(out StreamId id, out long fields);
            ReplyEntry(w, ref it, id, fields);
        }
    }

    /// <summary>
    /// streamPropagateXCLAIM through <see cref="StreamGroupForms"/>: the form replays to the same PEL entry (or its
    /// removal, when the entry is gone) whatever the replaying server's clock. <paramref name="idText"/> is the ID as
    /// the client wrote it (XCLAIM) or formatted (XAUTOCLAIM), as Redis writes it.
    /// </summary>
    static void PropagateClaim(ref CommandContext c, byte* g, scoped ReadOnlySpan<byte> idText, byte* nack)
    {
        if (StreamGroupForms.Begin(ref c)) StreamGroupForms.XClaim(ref c, c.Arg(1), c.Arg(2), g, nack, idText);
    }
}
