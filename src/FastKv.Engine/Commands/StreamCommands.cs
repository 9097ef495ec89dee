using System;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>
/// The stream family without consumer groups (Redis t_stream.c): XADD, XTRIM, XDEL, XLEN, XSETID here;
/// XRANGE, XREVRANGE and XREAD in StreamCommands.Read.cs; XINFO STREAM in StreamCommands.Info.cs. The value is
/// <see cref="StreamValue"/>. A stream is a key even when empty (XDEL or XTRIM of every entry keeps it), as in Redis.
/// XGROUP and XACK in StreamCommands.Groups.cs; XREADGROUP in StreamCommands.ReadGroup.cs; XPENDING in
/// StreamCommands.Pending.cs; XINFO GROUPS/CONSUMERS in StreamCommands.GroupInfo.cs; XCLAIM and XAUTOCLAIM in
/// StreamCommands.Claim.cs.
///
/// Unsafe invariant for the whole family: an entry pointer from ReadTyped/WriteTyped is valid until the key is
/// removed, and the stream header it points at never moves; listpack pointers are valid until the next write.
/// </summary>
public static unsafe partial class StreamCommands
{
    public static void Register(CommandTable t)
    {
        t.Add("xadd", &XAdd);
        t.Add("xtrim", &XTrim);
        t.Add("xdel", &XDel);
        t.Add("xlen", &XLen);
        t.Add("xsetid", &XSetId);
        t.Add("xrange", &XRange);
        t.Add("xrevrange", &XRevRange);
        t.Add("xread", &XRead, CrossShard.Gather, keys: &XReadKeys).Block = new BlockingForm(BlockKind.StreamRead, "xread");
        var xreadgroup = t.Add("xreadgroup", &XReadGroup, CrossShard.Gather, keys: &XReadKeys);
        xreadgroup.Block = new BlockingForm(BlockKind.StreamReadGroup, "xreadgroup");
        xreadgroup.ServesNoWaiter = true;
        var xinfo = t.Add("xinfo", null);
        t.AddSub(xinfo, "stream", &XInfoStream);
        t.AddSub(xinfo, "help", &XInfoHelp);
        t.AddSub(xinfo, "groups", &XInfoGroups);
        t.AddSub(xinfo, "consumers", &XInfoConsumers);
        t.Add("xpending", &XPending);
        RegisterGroups(t);
        RegisterClaim(t);
    }

    const string InvalidId = "ERR Invalid stream ID specified as stream command argument";

    /// <summary>The stream structure of a stream entry.</summary>
    static byte* Of(byte* e) => Collection.Ptr(e);

    /// <summary>streamParseStrictIDOrReply / streamParseIDOrReply: false after the error reply.</summary>
    static bool ParseId(ref CommandContext c, int arg, ulong missingSeq, bool strict, out StreamId id)
    {
        if (StreamId.TryParse(c.Arg(arg), out id, missingSeq, strict, allowAutoSeq: false, out _)) return true;
        c.Error(InvalidId);
        return false;
    }

    /// <summary>The parsed options of XADD and XTRIM (streamAddTrimArgs).</summary>
    struct AddTrimArgs
    {
        public StreamTrimArgs Trim;
        public int TrimArgIndex;
        public bool IdGiven, SeqGiven, NoMkStream;
        public StreamId Id;
    }

    /// <summary>streamParseAddOrTrimArgsOrReply: the ID's position (XADD), or -1 after an error reply.</summary>
    static int ParseAddOrTrim(ref CommandContext c, ref AddTrimArgs a, bool xadd)
    {
        a.SeqGiven = true;
        int i = 2;
        bool limitGiven = false;
        for (; i < c.Count; i++)
        {
            int more = c.Count - 1 - i;
            ReadOnlySpan<byte> opt = c.Arg(i);
            if (xadd && opt.Length == 1 && opt[0] == '*') break;
            bool maxlen = Ascii.EqualsIgnoreCase(opt, "maxlen"u8);
            if ((maxlen || Ascii.EqualsIgnoreCase(opt, "minid"u8)) && more > 0)
            {
                if (a.Trim.Strategy != StreamTrimArgs.None)
                {
                    c.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
                    return -1;
                }
                a.Trim.Approx = false;
                ReadOnlySpan<byte> next = c.Arg(i + 1);
                if (more >= 2 && next.Length == 1 && next[0] == '~') { a.Trim.Approx = true; i++; }
                else if (more >= 2 && next.Length == 1 && next[0] == '=') i++;
                if (maxlen)
                {
                    if (!c.TryInt(i + 1, out a.Trim.MaxLength)) return -1;
                    if (a.Trim.MaxLength < 0) { c.Error("ERR The MAXLEN argument must be >= 0."); return -1; }
                    a.Trim.Strategy = StreamTrimArgs.MaxLen;
                }
                else
                {
                    if (!ParseId(ref c, i + 1, 0, strict: true, out a.Trim.MinimumId)) return -1;
                    a.Trim.Strategy = StreamTrimArgs.MinId;
                }
                i++;
                a.TrimArgIndex = i;
            }
            else if (Ascii.EqualsIgnoreCase(opt, "limit"u8) && more > 0)
            {
                if (!c.TryInt(i + 1, out a.Trim.Limit)) return -1;
                if (a.Trim.Limit < 0) { c.Error("ERR The LIMIT argument must be >= 0."); return -1; }
                limitGiven = true;
                i++;
            }
            else if (xadd && Ascii.EqualsIgnoreCase(opt, "nomkstream"u8)) a.NoMkStream = true;
            else if (xadd)
            {
                if (!StreamId.TryParse(opt, out a.Id, 0, strict: true, allowAutoSeq: true, out a.SeqGiven)) { c.Error(InvalidId); return -1; }
                a.IdGiven = true;
                break;
            }
            else { c.Error(Errors.Syntax); return -1; }
        }
        if (a.Trim.Limit != 0 && a.Trim.Strategy == StreamTrimArgs.None)
        {
            c.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
            return -1;
        }
        if (!xadd && a.Trim.Strategy == StreamTrimArgs.None)
        {
            c.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
            return -1;
        }
        if (c.Shard.Server.Loading)
        {
            // mustObeyClient: only the AOF's commands run while loading; they trim as recorded (Redis rewrote "~" into "=").
            a.Trim.Limit = 0;
        }
        else if (limitGiven)
        {
            if (!a.Trim.Approx) { c.Error("ERR syntax error, LIMIT cannot be used without the special ~ option"); return -1; }
        }
        else if (a.Trim.Approx)
        {
            // At most 100 nodes' worth, capped both ways (the product wraps in C as here).
            long limit = unchecked(100 * c.Shard.Server.Config.StreamNodeMaxEntries);
            if (limit <= 0) limit = 10000;
            if (limit > 1000000) limit = 1000000;
            a.Trim.Limit = limit;
        }
        else a.Trim.Limit = 0;
        return i;
    }

    /// <summary>XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]</summary>
    static void XAdd(ref CommandContext c)
    {
        var a = new AddTrimArgs();
        int idPos = ParseAddOrTrim(ref c, ref a, xadd: true);
        if (idPos < 0) return;
        int fieldPos = idPos + 1;
        int rest = c.Count - fieldPos;
        if (rest < 2 || (rest & 1) == 1) { c.WrongArgs(); return; }
        if (a.IdGiven && a.SeqGiven && a.Id.IsZero) { c.Error("ERR The ID specified in XADD must be greater than 0-0"); return; }

        if (!c.WriteTyped(1, ValueKind.Stream, out byte* e)) return;
        Arena arena = c.Shard.Arena;
        if (e == null)
        {
            if (a.NoMkStream) { c.W.NullBulk(); return; }
            e = c.Db.AddCollection(c.Arg(1), ValueKind.Stream, ValueEncoding.Stream, StreamValue.Create(arena));
        }
        byte* s = Of(e);
        if (StreamValue.LastId(s) == StreamId.Max) { c.Error("ERR The stream has exhausted the last possible ID, unable to add more items"); return; }

        ServerConfig cfg = c.Shard.Server.Config;
        StreamAppendResult r = StreamValue.Append(arena, s, c.Buffer, c.Args, fieldPos, rest / 2, a.IdGiven, a.Id, a.SeqGiven,
            (ulong)c.NowMs, cfg.StreamNodeMaxBytes, cfg.StreamNodeMaxEntries, out StreamId id);
        if (r != StreamAppendResult.Added)
        {
            c.Error(r == StreamAppendResult.IdTooSmall
                ? "ERR The ID specified in XADD is equal or smaller than the target stream top item"
                : "ERR Elements are too large to be stored");
            return;
        }
        Span<byte> idText = stackalloc byte[StreamId.MaxChars];
        idText = idText.Slice(0, id.Format(idText));
        c.W.Bulk(idText);
        c.Modified(1, NotifyClass.Stream, "xadd"u8);
        c.Dirty();
        // Only an added entry wakes XREADGROUP waiters (a failed XADD leaves them as they were).
        c.StreamReady(1);

        Span<byte> trimText = stackalloc byte[StreamId.MaxChars];
        int trimLen = 0;
        if (a.Trim.Strategy != StreamTrimArgs.None)
        {
            if (StreamValue.Trim(arena, s, in a.Trim) != 0) Notify(ref c, "xtrim"u8);
            if (a.Trim.Approx) trimLen = ExactTrimArgument(s, a.Trim.Strategy, trimText);
        }
        bool idRewritten = !a.IdGiven || !a.SeqGiven;
        if (c.Shard.Aof.On && (idRewritten || trimLen > 0))
            AofForms.WithArgs(ref c,
                trimLen > 0 ? a.TrimArgIndex - 1 : -1, "="u8, trimLen > 0 ? a.TrimArgIndex : -1, trimText.Slice(0, trimLen),
                idRewritten ? idPos : -1, idText);
    }

    /// <summary>streamRewriteTrimArgument: what "~" trimmed to, as an exact threshold (the length, or the first ID).</summary>
    static int ExactTrimArgument(byte* s, int strategy, Span<byte> dst)
    {
        if (strategy == StreamTrimArgs.MaxLen) return FastKv.Protocol.RespNumber.FormatInt64((long)StreamValue.Length(s), dst);
        return StreamValue.EdgeId(s, first: true, skipTombstones: false).Format(dst);
    }

    static void Notify(ref CommandContext c, ReadOnlySpan<byte> evt)
    {
        if (c.Shard.Events.Active) c.Shard.Events.Notify(c.DbIndex, c.Arg(1), NotifyClass.Stream, evt);
    }

    /// <summary>XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]</summary>
    static void XTrim(ref CommandContext c)
    {
        var a = new AddTrimArgs();
        if (ParseAddOrTrim(ref c, ref a, xadd: false) < 0) return;
        if (!c.WriteTyped(1, ValueKind.Stream, out byte* e)) return;
        if (e == null) { c.W.Integer(0); return; }
        byte* s = Of(e);
        long deleted = StreamValue.Trim(c.Shard.Arena, s, in a.Trim);
        if (deleted != 0)
        {
            Notify(ref c, "xtrim"u8);
            if (a.Trim.Approx && c.Shard.Aof.On)
            {
                Span<byte> trimText = stackalloc byte[StreamId.MaxChars];
                int n = ExactTrimArgument(s, a.Trim.Strategy, trimText);
                AofForms.WithArgs(ref c, a.TrimArgIndex - 1, "="u8, a.TrimArgIndex, trimText.Slice(0, n), -1, default);
            }
            if (c.Shard.Events.Active) c.Shard.Events.Touched(c.DbIndex, c.Arg(1));
            c.Dirty(deleted);
        }
        c.W.Integer(deleted);
    }

    /// <summary>XDEL key id [id ...]: every ID is parsed before any is deleted.</summary>
    static void XDel(ref CommandContext c)
    {
        if (!c.WriteTyped(1, ValueKind.Stream, out byte* e)) return;
        if (e == null) { c.W.Integer(0); return; }
        for (int j = 2; j < c.Count; j++)
            if (!ParseId(ref c, j, 0, strict: true, out _)) return;
        byte* s = Of(e);
        Arena arena = c.Shard.Arena;
        long deleted = 0;
        bool firstDeleted = false;
        for (int j = 2; j < c.Count; j++)
        {
            StreamId.TryParse(c.Arg(j), out StreamId id, 0, true, false, out _);
            if (!StreamValue.Delete(arena, s, id)) continue;
            if (id == StreamValue.FirstId(s)) firstDeleted = true;
            if (id > StreamValue.MaxDeletedId(s)) StreamValue.SetMaxDeletedId(s, id);
            deleted++;
        }
        if (deleted != 0)
        {
            if (StreamValue.Length(s) == 0) StreamValue.SetFirstId(s, StreamId.Min);
            else if (firstDeleted) StreamValue.SetFirstId(s, StreamValue.EdgeId(s, first: true, skipTombstones: true));
            c.Modified(1, NotifyClass.Stream, "xdel"u8);
            c.Dirty(deleted);
        }
        c.W.Integer(deleted);
    }

    static void XLen(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.Stream, out byte* e)) return;
        c.W.Integer(e == null ? 0 : (long)StreamValue.Length(Of(e)));
    }

    /// <summary>XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]</summary>
    static void XSetId(ref CommandContext c)
    {
        if (!ParseId(ref c, 2, 0, strict: true, out StreamId id)) return;
        long entriesAdded = -1;
        StreamId maxDeleted = StreamId.Min;
        for (int i = 3; i < c.Count;)
        {
            int more = c.Count - 1 - i;
            if (c.ArgIs(i, "entriesadded"u8) && more > 0)
            {
                if (!c.TryInt(i + 1, out entriesAdded)) return;
                if (entriesAdded < 0) { c.Error("ERR entries_added must be positive"); return; }
                i += 2;
            }
            else if (c.ArgIs(i, "maxdeletedid"u8) && more > 0)
            {
                if (!ParseId(ref c, i + 1, 0, strict: true, out maxDeleted)) return;
                if (id < maxDeleted) { c.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"); return; }
                i += 2;
            }
            else { c.Error(Errors.Syntax); return; }
        }
        if (!c.WriteTyped(1, ValueKind.Stream, out byte* e)) return;
        if (e == null) { c.Error(Errors.NoSuchKey); return; }
        byte* s = Of(e);
        if (id < StreamValue.MaxDeletedId(s)) { c.Error("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"); return; }
        if (StreamValue.Length(s) > 0)
        {
            if (id < StreamValue.LastValidId(s)) { c.Error("ERR The ID specified in XSETID is smaller than the target stream top item"); return; }
            if (entriesAdded != -1 && StreamValue.Length(s) > (ulong)entriesAdded)
            {
                c.Error("ERR The entries_added specified in XSETID is smaller than the target stream length");
                return;
            }
        }
        StreamValue.SetLastId(s, id);
        if (entriesAdded != -1) StreamValue.SetEntriesAdded(s, (ulong)entriesAdded);
        if (!maxDeleted.IsZero) StreamValue.SetMaxDeletedId(s, maxDeleted);
        c.W.Ok();
        c.Dirty();
        Notify(ref c, "xsetid"u8);
    }
}
