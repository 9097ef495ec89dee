using System;
using System.Diagnostics;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>What <see cref="StreamValue.Append"/> did: Redis's C_OK, or C_ERR with errno EDOM or ERANGE.</summary>
public enum StreamAppendResult : byte { Added, IdTooSmall, TooLarge }

/// <summary>
/// streamAppendItem: a new entry at the tail. The node layout is Redis's (the long comment in t_stream.c):
/// <code>
///  master entry   [count][deleted][num-fields][field_1]...[field_N][0]
///  entry          [flags][ms-diff][seq-diff][num-fields][field_1][value_1]...[field_N][value_N][lp-count]
///  SAMEFIELDS     [flags][ms-diff][seq-diff][value_1]...[value_N][lp-count]
/// </code>
/// count and deleted count the node's live and deleted entries; the diffs are against the node's master ID
/// (its index key); lp-count is the number of listpack elements of the entry before it (3 + N with
/// SAMEFIELDS, 4 + 2N without), so the node walks backwards; the master entry's 0 plays that part for it.
/// Flags: <see cref="FlagDeleted"/> (a tombstone), <see cref="FlagSameFields"/> (the master's fields).
/// </summary>
public static unsafe partial class StreamValue
{
    public const int FlagNone = 0, FlagDeleted = 1, FlagSameFields = 2;

    /// <summary>Redis's STREAM_LISTPACK_MAX_SIZE: no node grows past it, and no entry's bytes may exceed it.</summary>
    public const long ListpackMaxSize = 1L << 30;

    /// <summary>
    /// Appends the entry whose <paramref name="pairs"/> field/value pairs are arguments <paramref name="first"/>.. of
    /// <paramref name="args"/>. The ID: <paramref name="useId"/> when <paramref name="idGiven"/> (its sequence chosen
    /// here when not <paramref name="seqGiven"/>), else the next one after the last ID at <paramref name="nowMs"/>
    /// (streamNextID). A node takes the entry while its bytes plus the entry's field and value bytes stay under
    /// <paramref name="maxBytes"/> and its entries (live and deleted) under <paramref name="maxEntries"/> (0 = no limit).
    /// </summary>
    public static StreamAppendResult Append(Arena arena, byte* s, ReadOnlySpan<byte> buf, ArgList args, int first, int pairs,
        bool idGiven, StreamId useId, bool seqGiven, ulong nowMs, long maxBytes, long maxEntries, out StreamId added)
    {
        added = default;
        StreamId last = LastId(s), id;
        if (idGiven)
        {
            if (seqGiven) id = useId;
            else if (last.Ms == useId.Ms)
            {
                if (last.Seq == ulong.MaxValue) return StreamAppendResult.IdTooSmall;
                id = new StreamId(last.Ms, last.Seq + 1);
            }
            else id = useId;
        }
        else if (nowMs > last.Ms) id = new StreamId(nowMs, 0);
        else last.TryIncrement(out id);
        if (id <= last) return StreamAppendResult.IdTooSmall;

        long dataBytes = 0;
        for (int i = 0; i < pairs * 2; i++) dataBytes += args.Get(buf, first + i).Length;
        if (dataBytes > ListpackMaxSize) return StreamAppendResult.TooLarge;

        int nodes = Count(s);
        byte* lp = nodes > 0 ? NodeListpack(s, nodes - 1) : null;
        if (lp != null)
        {
            long nodeMax = maxBytes == 0 || maxBytes > ListpackMaxSize ? ListpackMaxSize : maxBytes;
            if (Listpack.TotalBytes(lp) + dataBytes >= nodeMax) lp = null;
            else if (maxEntries != 0)
            {
                byte* c = Listpack.First(lp);
                if (ReadInt(c) + ReadInt(Listpack.Next(lp, c)) >= maxEntries) lp = null;
            }
        }

        StreamId master;
        int flags = FlagNone;
        int node;
        if (lp == null)
        {
            master = id;
            lp = Listpack.Create(arena);
            lp = Listpack.AppendInteger(arena, lp, 1);
            lp = Listpack.AppendInteger(arena, lp, 0);
            lp = Listpack.AppendInteger(arena, lp, pairs);
            for (int i = 0; i < pairs; i++) lp = Listpack.Append(arena, lp, args.Get(buf, first + 2 * i));
            lp = Listpack.AppendInteger(arena, lp, 0);
            AppendNode(arena, s, master, lp);
            node = Count(s) - 1;
            flags = FlagSameFields;
        }
        else
        {
            node = nodes - 1;
            master = NodeMasterId(s, node);
            byte* p = Listpack.First(lp);
            lp = Listpack.ReplaceInteger(arena, lp, p, ReadInt(p) + 1, out p);
            p = Listpack.Next(lp, p); // deleted
            p = Listpack.Next(lp, p); // num-fields
            long masterFields = ReadInt(p);
            if (masterFields == pairs)
            {
                int i = 0;
                for (; i < pairs; i++)
                {
                    p = Listpack.Next(lp, p);
                    if (!Listpack.EntryEquals(p, args.Get(buf, first + 2 * i))) break;
                }
                if (i == pairs) flags = FlagSameFields;
            }
        }

        bool same = flags == FlagSameFields;
        long msDiff = unchecked((long)(id.Ms - master.Ms)), seqDiff = unchecked((long)(id.Seq - master.Seq));
        long lpCount = same ? 3 + pairs : 4 + 2L * pairs;
        // The entry's bytes first, so the node grows once and the elements are written in place.
        long add = Listpack.IntegerEntryBytes(flags) + Listpack.IntegerEntryBytes(msDiff) + Listpack.IntegerEntryBytes(seqDiff)
                   + Listpack.IntegerEntryBytes(lpCount) + (same ? 0 : Listpack.IntegerEntryBytes(pairs));
        for (int i = 0; i < pairs; i++)
        {
            if (!same) add += Listpack.EntryBytes(args.Get(buf, first + 2 * i));
            add += Listpack.EntryBytes(args.Get(buf, first + 2 * i + 1));
        }
        // dataBytes <= ListpackMaxSize (checked above) and each element adds at most 14 bytes: add fits an int.
        Debug.Assert(add < int.MaxValue);
        // The arguments live in the query buffer, never in the node.
        Listpack.TailAppender w = Listpack.AppendBegin(arena, lp, (int)add);
        w.Integer(flags);
        w.Integer(msDiff);
        w.Integer(seqDiff);
        if (!same) w.Integer(pairs);
        for (int i = 0; i < pairs; i++)
        {
            if (!same) w.Value(args.Get(buf, first + 2 * i));
            w.Value(args.Get(buf, first + 2 * i + 1));
        }
        w.Integer(lpCount);
        lp = w.End();
        SetNodeListpack(s, node, lp);

        SetLength(s, Length(s) + 1);
        SetEntriesAdded(s, EntriesAdded(s) + 1);
        SetLastId(s, id);
        if (Length(s) == 1) SetFirstId(s, id);
        added = id;
        return StreamAppendResult.Added;
    }

    /// <summary>lpGetInteger: an element the stream code wrote as an integer (a validated node holds only those there).</summary>
    internal static long ReadInt(byte* p)
    {
        if (Listpack.Get(p, out long v, out ReadOnlySpan<byte> text)) return v;
        // Redis parses a string element with string2ll; a node that passed validation has none here.
        return Listpack.TryParseInteger(text, out v) ? v : 0;
    }
}
