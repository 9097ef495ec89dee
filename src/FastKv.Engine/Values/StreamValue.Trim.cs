using System;
using System.Diagnostics;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>How <see cref="StreamValue.Trim"/> trims: Redis's streamAddTrimArgs without the XADD parts.</summary>
public struct StreamTrimArgs
{
    public const int None = 0, MaxLen = 1, MinId = 2;
    public int Strategy;
    /// <summary>Only whole nodes are removed (the "~" form).</summary>
    public bool Approx;
    /// <summary>At most this many entries removed; 0 = no limit.</summary>
    public long Limit;
    public long MaxLength;
    public StreamId MinimumId;
}

/// <summary>Deleting entries: XDEL (one entry, a tombstone) and trimming (whole nodes from the head, then
/// tombstones in the first node left when the trim is exact), as streamIteratorRemoveEntry and streamTrim.</summary>
public static unsafe partial class StreamValue
{
    /// <summary>
    /// streamDeleteItem: marks the live entry <paramref name="id"/> deleted (removing its node when it was the node's
    /// last live entry); false when there is no such entry. Updates the length, not first_id or max_deleted_entry_id
    /// (XDEL does).
    /// </summary>
    public static bool Delete(Arena arena, byte* s, StreamId id)
    {
        var it = new StreamIterator(s, id, id, rev: false);
        if (!it.Next(out _, out _)) return false;
        DeleteAt(arena, s, ref it);
        return true;
    }

    /// <summary>streamIteratorRemoveEntry without the re-seek: the iterator is not used afterwards.</summary>
    internal static void DeleteAt(Arena arena, byte* s, ref StreamIterator it)
    {
        int node = it.Node;
        byte* lp = NodeListpack(s, node);
        byte* fp = it.FlagsPtr;
        lp = Listpack.ReplaceInteger(arena, lp, fp, it.EntryFlags | FlagDeleted, out _);
        byte* p = Listpack.First(lp);
        long live = ReadInt(p);
        if (live == 1)
        {
            SetNodeListpack(s, node, lp);
            RemoveNode(arena, s, node);
        }
        else
        {
            lp = Listpack.ReplaceInteger(arena, lp, p, live - 1, out p);
            p = Listpack.Next(lp, p);
            lp = Listpack.ReplaceInteger(arena, lp, p, ReadInt(p) + 1, out _);
            SetNodeListpack(s, node, lp);
        }
        SetLength(s, Length(s) - 1);
    }

    /// <summary>streamGetEdgeID: the first or last entry's ID (tombstones too unless skipped); the largest ID as
    /// the first of an empty range, 0-0 as its last.</summary>
    public static StreamId EdgeId(byte* s, bool first, bool skipTombstones)
    {
        var it = new StreamIterator(s, StreamId.Min, StreamId.Max, rev: !first) { SkipTombstones = skipTombstones };
        if (it.Next(out StreamId id, out _)) return id;
        return first ? StreamId.Max : StreamId.Min;
    }

    /// <summary>streamLastValidID: the last live entry's ID (0-0 when empty).</summary>
    public static StreamId LastValidId(byte* s)
    {
        var it = new StreamIterator(s, StreamId.Min, StreamId.Max, rev: true);
        return it.Next(out StreamId id, out _) ? id : StreamId.Min;
    }

    /// <summary>streamTrim: the number of entries removed.</summary>
    public static long Trim(Arena arena, byte* s, in StreamTrimArgs args)
    {
        if (args.Strategy == StreamTrimArgs.None) return 0;
        long deleted = 0;
        while (Count(s) > 0)
        {
            if (args.Strategy == StreamTrimArgs.MaxLen && Length(s) <= (ulong)args.MaxLength) break;
            byte* lp = NodeListpack(s, 0);
            byte* p = Listpack.First(lp);
            long entries = ReadInt(p);
            if (args.Limit != 0 && deleted + entries > args.Limit) break;

            StreamId master = NodeMasterId(s, 0);
            bool removeNode = args.Strategy == StreamTrimArgs.MaxLen
                ? (long)Length(s) - entries >= args.MaxLength
                : LastInNode(lp, master) < args.MinimumId;
            if (removeNode)
            {
                RemoveNode(arena, s, 0);
                SetLength(s, Length(s) - (ulong)entries);
                deleted += entries;
                continue;
            }
            if (args.Approx) break;

            deleted += TrimInNode(arena, s, in args, master);
            break; // the first node kept entries, so nothing after it is trimmed
        }
        if (Length(s) == 0) SetFirstId(s, StreamId.Min);
        else if (deleted != 0) SetFirstId(s, EdgeId(s, first: true, skipTombstones: true));
        return deleted;
    }

    /// <summary>Marks the head node's entries deleted while the trim calls for it; returns how many it marked.</summary>
    static long TrimInNode(Arena arena, byte* s, in StreamTrimArgs args, StreamId master)
    {
        byte* lp = NodeListpack(s, 0);
        byte* p = Listpack.First(lp);
        long entries = ReadInt(p);
        p = Listpack.Next(lp, p); // deleted
        p = Listpack.Next(lp, p); // num-fields
        long masterFields = ReadInt(p);
        p = Listpack.Next(lp, p);
        for (long j = 0; j < masterFields; j++) p = Listpack.Next(lp, p);
        p = Listpack.Next(lp, p); // past the master terminator: the first entry

        long marked = 0;
        while (p != null)
        {
            byte* flagsAt = p;
            long flags = ReadInt(p);
            p = Listpack.Next(lp, p);
            long msDelta = ReadInt(p);
            p = Listpack.Next(lp, p);
            long seqDelta = ReadInt(p);
            p = Listpack.Next(lp, p);
            bool stop = args.Strategy == StreamTrimArgs.MaxLen
                ? Length(s) <= (ulong)args.MaxLength
                : new StreamId(unchecked(master.Ms + (ulong)msDelta), unchecked(master.Seq + (ulong)seqDelta)) >= args.MinimumId;
            if (stop) break;
            long skip;
            if ((flags & FlagSameFields) != 0) skip = masterFields;
            else
            {
                skip = ReadInt(p) * 2;
                p = Listpack.Next(lp, p);
            }
            while (skip-- > 0) p = Listpack.Next(lp, p);
            p = Listpack.Next(lp, p); // past lp-count
            if ((flags & FlagDeleted) == 0)
            {
                long offset = p == null ? -1 : p - lp;
                // The flag stays a one-byte integer (0..3), so nothing after it moves.
                lp = Listpack.ReplaceInteger(arena, lp, flagsAt, flags | FlagDeleted, out _);
                marked++;
                SetLength(s, Length(s) - 1);
                p = offset < 0 ? null : lp + offset;
            }
        }

        p = Listpack.First(lp);
        lp = Listpack.ReplaceInteger(arena, lp, p, entries - marked, out p);
        p = Listpack.Next(lp, p);
        lp = Listpack.ReplaceInteger(arena, lp, p, ReadInt(p) + marked, out _);
        SetNodeListpack(s, 0, lp);
        return marked;
    }

    /// <summary>lpGetEdgeStreamID(last): the ID of the node's last entry, tombstone or not (its master ID when the
    /// node holds only the master entry).</summary>
    static StreamId LastInNode(byte* lp, StreamId master)
    {
        byte* p = Listpack.Last(lp);
        long lpCount = ReadInt(p);
        if (lpCount == 0) return StreamId.Min;
        while (lpCount-- > 0) p = Listpack.Prev(lp, p);
        p = Listpack.Next(lp, p);
        ulong ms = unchecked(master.Ms + (ulong)ReadInt(p));
        p = Listpack.Next(lp, p);
        return new StreamId(ms, unchecked(master.Seq + (ulong)ReadInt(p)));
    }
}
