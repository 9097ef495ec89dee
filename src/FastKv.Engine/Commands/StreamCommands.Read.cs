using System;
using System.Collections.Generic;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>XRANGE, XREVRANGE and XREAD (without BLOCK's wait: StreamCommands.Block.cs), as xrangeGenericCommand and xreadCommand.</summary>
public static unsafe partial class StreamCommands
{
    static void XRange(ref CommandContext c) => RangeGeneric(ref c, rev: false);

    static void XRevRange(ref CommandContext c) => RangeGeneric(ref c, rev: true);

    /// <summary>
    /// xrangeGenericCommand: an incomplete start reads seq 0, an incomplete end seq 2^64-1; "(" makes a bound exclusive
    /// (strict: "(-" and "(+" are invalid IDs); COUNT below 0 counts as 0, which answers a null array.
    /// </summary>
    static void RangeGeneric(ref CommandContext c, bool rev)
    {
        int startArg = rev ? 3 : 2, endArg = rev ? 2 : 3;
        if (!ParseBound(ref c, startArg, 0, out StreamId start, out bool startEx)) return;
        if (startEx && !start.TryIncrement(out start)) { c.Error(Errors.InvalidStartId); return; }
        if (!ParseBound(ref c, endArg, ulong.MaxValue, out StreamId end, out bool endEx)) return;
        if (endEx && !end.TryDecrement(out end)) { c.Error(Errors.InvalidEndId); return; }
        long count = -1;
        for (int j = 4; j < c.Count; j++)
        {
            if (c.ArgIs(j, "count"u8) && c.Count - j - 1 >= 1)
            {
                if (!c.TryInt(j + 1, out count)) return;
                if (count < 0) count = 0;
                j++;
            }
            else { c.Error(Errors.Syntax); return; }
        }
        if (!c.ReadTyped(1, ValueKind.Stream, out byte* e)) return;
        if (e == null) { c.W.ArrayHeader(0); return; }
        if (count == 0) { c.W.NullArray(); return; }
        ReplyRange(c.W, Of(e), start, end, count < 0 ? 0 : count, rev);
    }

    /// <summary>streamParseIntervalIDOrReply.</summary>
    static bool ParseBound(ref CommandContext c, int arg, ulong missingSeq, out StreamId id, out bool exclusive)
    {
        ReadOnlySpan<byte> text = c.Arg(arg);
        exclusive = text.Length > 1 && text[0] == '(';
        bool ok = exclusive
            ? StreamId.TryParse(text.Slice(1), out id, missingSeq, strict: true, allowAutoSeq: false, out _)
            : StreamId.TryParse(text, out id, missingSeq, strict: false, allowAutoSeq: false, out _);
        if (!ok) c.Error(InvalidId);
        return ok;
    }

    /// <summary>
    /// streamReplyWithRange without groups: the entries from <paramref name="start"/> to <paramref name="end"/>, at most
    /// <paramref name="count"/> (0 = all), each as [id, [field, value, ...]]. The entries are counted first (the
    /// array's length goes before them). Returns how many were written.
    /// </summary>
    internal static long ReplyRange(RespWriter w, byte* s, StreamId start, StreamId end, long count, bool rev)
    {
        long n = StreamValue.CountRange(s, start, end, count);
        w.ArrayHeader((int)n);
        var it = new StreamIterator(s, start, end, rev);
        for (long k = 0; k < n; k++)
        {
            it.Next(out StreamId id, out long fields);
            ReplyEntry(w, ref it, id, fields);
        }
        return n;
    }

    /// <summary>One entry: [id, [field, value, ...]], reading its fields from the iterator.</summary>
    internal static void ReplyEntry(RespWriter w, ref StreamIterator it, StreamId id, long fields)
    {
        w.ArrayHeader(2);
        id.Reply(w);
        w.ArrayHeader((int)(fields * 2));
        for (long f = 0; f < fields; f++)
        {
            it.Field(out byte* field, out byte* value);
            HashValue.ReplyEntry(w, field);
            HashValue.ReplyEntry(w, value);
        }
    }

    /// <summary>The parsed arguments of XREAD and XREADGROUP.</summary>
    struct ReadArgs
    {
        public long TimeoutMs; // -1: no BLOCK
        public long Count;
        public int StreamsArg, Streams;
        public int GroupArg; // XREADGROUP: GROUP's group name (the consumer follows); 0: none
        public bool NoAck;
    }

    /// <summary>xreadCommand's option loop (<paramref name="xreadgroup"/>: XREADGROUP's): false after the error reply.</summary>
    static bool ParseRead(ref CommandContext c, out ReadArgs a, bool xreadgroup = false)
    {
        a = new ReadArgs { TimeoutMs = -1 };
        for (int i = 1; i < c.Count; i++)
        {
            int more = c.Count - i - 1;
            if (c.ArgIs(i, "block"u8) && more > 0)
            {
                if (c.Shard.InScript)
                {
                    c.Error("ERR " + c.ArgString(0) + " command is not allowed with BLOCK option from scripts");
                    return false;
                }
                i++;
                if (!RespNumber.TryParseInt64(c.Arg(i), out long t)) { c.Error(Errors.TimeoutNotInteger); return false; }
                if (t < 0) { c.Error(Errors.TimeoutNegative); return false; }
                if (t > 0 && t > long.MaxValue - c.NowMs) { c.Error(Errors.TimeoutOutOfRange); return false; }
                a.TimeoutMs = t;
            }
            else if (c.ArgIs(i, "count"u8) && more > 0)
            {
                i++;
                if (!c.TryInt(i, out a.Count)) return false;
                if (a.Count < 0) a.Count = 0;
            }
            else if (c.ArgIs(i, "streams"u8) && more > 0)
            {
                a.StreamsArg = i + 1;
                a.Streams = c.Count - a.StreamsArg;
                if ((a.Streams & 1) != 0)
                {
                    c.Error(xreadgroup
                        ? "ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must be specified."
                        : "ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified.");
                    return false;
                }
                a.Streams /= 2;
                break;
            }
            else if (c.ArgIs(i, "group"u8) && more >= 2)
            {
                if (!xreadgroup)
                {
                    c.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                    return false;
                }
                a.GroupArg = i + 1;
                i += 2;
            }
            else if (c.ArgIs(i, "noack"u8))
            {
                if (!xreadgroup)
                {
                    c.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                    return false;
                }
                a.NoAck = true;
            }
            else { c.Error(Errors.Syntax); return false; }
        }
        if (a.StreamsArg == 0) { c.Error(Errors.Syntax); return false; }
        if (xreadgroup && a.GroupArg == 0) { c.Error("ERR Missing GROUP option for XREADGROUP"); return false; }
        return true;
    }

    /// <summary>
    /// Resolves XREAD's IDs in argument order, type-checking each key as Redis does: "$" is the stream's last ID (0-0
    /// for a missing key), "&gt;" belongs to XREADGROUP. False after the error reply.
    /// </summary>
    static bool ResolveIds(ref CommandContext c, in ReadArgs a, scoped Span<StreamId> ids)
    {
        for (int k = 0; k < a.Streams; k++)
        {
            int idArg = a.StreamsArg + a.Streams + k;
            if (!c.ReadTyped(a.StreamsArg + k, ValueKind.Stream, out byte* e)) return false;
            ReadOnlySpan<byte> text = c.Arg(idArg);
            if (text.Length == 1 && text[0] == '$') { ids[k] = e == null ? StreamId.Min : StreamValue.LastId(Of(e)); continue; }
            if (text.Length == 1 && text[0] == '>')
            {
                c.Error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
                return false;
            }
            if (!ParseId(ref c, idArg, 0, strict: true, out ids[k])) return false;
        }
        return true;
    }

    /// <summary>
    /// XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...]: every stream with an entry after its ID answers
    /// (RESP2: an array of [key, entries]; RESP3: a map key → entries); none: a null array, or (BLOCK, outside a
    /// script, MULTI or a cross-shard gather) a wait handled by StreamCommands.Block.cs.
    /// </summary>
    static void XRead(ref CommandContext c)
    {
        if (!ParseRead(ref c, out ReadArgs a)) return;
        Span<StreamId> ids = a.Streams <= 16 ? stackalloc StreamId[16] : new StreamId[a.Streams];
        if (!ResolveIds(ref c, in a, ids)) return;
        if (!ReplyReady(ref c, in a, ids)) c.W.NullArray();
    }

    /// <summary>The synchronous part of xreadCommand: replies and returns true when some stream has entries after its ID.</summary>
    static bool ReplyReady(ref CommandContext c, in ReadArgs a, scoped ReadOnlySpan<StreamId> ids)
    {
        int ready = 0;
        for (int k = 0; k < a.Streams; k++)
            if (HasAfter(ref c, a.StreamsArg + k, ids[k])) ready++;
        if (ready == 0) return false;
        bool resp3 = c.W.Protocol == 3;
        if (resp3) c.W.MapHeader(ready);
        else c.W.ArrayHeader(ready);
        for (int k = 0; k < a.Streams; k++)
        {
            if (!HasAfter(ref c, a.StreamsArg + k, ids[k])) continue;
            byte* s = Of(c.Db.Find(c.Arg(a.StreamsArg + k)));
            if (!resp3) c.W.ArrayHeader(2);
            c.W.Bulk(c.Arg(a.StreamsArg + k));
            ids[k].TryIncrement(out StreamId start);
            ReplyRange(c.W, s, start, StreamId.Max, a.Count, rev: false);
        }
        return true;
    }

    /// <summary>Whether the stream in argument <paramref name="keyArg"/> has a live entry after <paramref name="after"/>.</summary>
    static bool HasAfter(ref CommandContext c, int keyArg, StreamId after)
    {
        byte* e = c.Db.Find(c.Arg(keyArg));
        if (e == null || KeyEntry.Type(e) != ValueKind.Stream) return false;
        byte* s = Of(e);
        return StreamValue.Length(s) > 0 && StreamValue.LastValidId(s) > after;
    }

    /// <summary>Key procedure of XREAD (xreadGetKeys): the keys are the first half of what follows STREAMS; -1 when malformed.</summary>
    static int XReadKeys(ReadOnlySpan<byte> buf, ArgList args, Span<int> positions)
    {
        int streamsPos = -1;
        for (int i = 1; i < args.Count; i++)
        {
            ReadOnlySpan<byte> arg = args.Get(buf, i);
            if (Ascii.EqualsIgnoreCase(arg, "block"u8) || Ascii.EqualsIgnoreCase(arg, "count"u8)) i++;
            else if (Ascii.EqualsIgnoreCase(arg, "group"u8)) i += 2;
            else if (Ascii.EqualsIgnoreCase(arg, "noack"u8)) { }
            else if (Ascii.EqualsIgnoreCase(arg, "streams"u8)) { streamsPos = i; break; }
            else break;
        }
        int numKeys = args.Count - streamsPos - 1;
        if (streamsPos < 0 || numKeys == 0 || (numKeys & 1) != 0) return -1;
        numKeys /= 2;
        for (int k = 0; k < numKeys; k++)
            if (k < positions.Length) positions[k] = streamsPos + 1 + k;
        return numKeys;
    }

    // ---- XREAD BLOCK: the waiter's side (Blocking/, BlockKind.StreamRead) ----------------------------

    /// <summary>
    /// When an XREAD waiter registers on <paramref name="shard"/> (right after its first attempt found nothing, in the
    /// same step or under the same locks): the IDs of this shard's keys, "$" as the stream's last ID now (0-0 for a
    /// missing key), as Redis rewrites "$" before it blocks. The first attempt already refused invalid IDs.
    /// </summary>
    internal static void ResolveBlockedIds(Shard shard, BlockingPlan plan)
    {
        Database db = shard.Dbs[plan.Db];
        int n = plan.Keys.Length;
        for (int k = 0; k < n; k++)
        {
            if (shard.Server.ShardOf(plan.Keys[k]) != shard) continue;
            byte[] idText = IdArgument(plan, k);
            if (idText.Length == 1 && idText[0] == '$')
            {
                byte* e = db.Find(plan.Keys[k]);
                plan.StreamIds[k] = e == null || KeyEntry.Type(e) != ValueKind.Stream ? StreamId.Min : StreamValue.LastId(Of(e));
            }
            else StreamId.TryParse(idText, out plan.StreamIds[k], 0, strict: true, allowAutoSeq: false, out _);
        }
    }

    /// <summary>The ID argument that goes with key <paramref name="k"/> (the IDs are the command's last arguments).</summary>
    static byte[] IdArgument(BlockingPlan plan, int k) => plan.Command[plan.Command.Length - plan.Keys.Length + k];

    /// <summary>
    /// A write made one of the waiter's keys on this shard ready: XREAD's reply over this shard's keys that have entries
    /// after their IDs, in argument order; false (nothing written) when none has. <paramref name="indices"/>, when given,
    /// receives the argument each written stream stands for (a key named twice may answer twice, after two IDs). As
    /// Redis's run of the whole command again, a key that holds another type now answers WRONGTYPE (true, the error
    /// written), whatever the others hold.
    /// </summary>
    internal static bool ServeBlocked(Shard shard, int dbIndex, BlockingPlan plan, RespWriter w, List<int>? indices = null)
    {
        Database db = shard.Dbs[dbIndex];
        int n = plan.Keys.Length, ready = 0;
        for (int k = 0; k < n; k++)
        {
            if (shard.Server.ShardOf(plan.Keys[k]) != shard) continue;
            // A lookup only: the entry is not kept past these tests.
            byte* e = db.Find(plan.Keys[k]);
            if (e == null) continue;
            if (KeyEntry.Type(e) != ValueKind.Stream)
            {
                w.Error(Errors.WrongType);
                return true;
            }
            if (HasEntryAfter(Of(e), plan.StreamIds[k])) ready++;
        }
        if (ready == 0) return false;
        bool resp3 = w.Protocol == 3;
        if (resp3) w.MapHeader(ready);
        else w.ArrayHeader(ready);
        for (int k = 0; k < n; k++)
        {
            byte* s = ReadyStream(shard, db, plan, k);
            if (s == null) continue;
            indices?.Add(k);
            if (!resp3) w.ArrayHeader(2);
            w.Bulk(plan.Keys[k]);
            plan.StreamIds[k].TryIncrement(out StreamId start);
            ReplyRange(w, s, start, StreamId.Max, plan.StreamCount, rev: false);
        }
        return true;
    }

    /// <summary>Key <paramref name="k"/>'s stream when this shard holds it and it has a live entry after its ID, else null.</summary>
    static byte* ReadyStream(Shard shard, Database db, BlockingPlan plan, int k)
    {
        if (shard.Server.ShardOf(plan.Keys[k]) != shard) return null;
        byte* e = db.Find(plan.Keys[k]);
        if (e == null || KeyEntry.Type(e) != ValueKind.Stream) return null;
        byte* s = Of(e);
        return HasEntryAfter(s, plan.StreamIds[k]) ? s : null;
    }
}
