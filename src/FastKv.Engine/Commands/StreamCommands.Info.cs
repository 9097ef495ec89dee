using System;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>XINFO STREAM [FULL [COUNT n]] and XINFO HELP (xinfoCommand, xinfoReplyWithStreamInfo); GROUPS, CONSUMERS and
/// FULL's groups in StreamCommands.GroupInfo.cs.</summary>
public static unsafe partial class StreamCommands
{
    static void XInfoStream(ref CommandContext c)
    {
        if (!c.ReadTyped(2, ValueKind.Stream, out byte* e)) return;
        if (e == null) { c.Error(Errors.NoSuchKey); return; }
        byte* s = Of(e);
        bool full = c.Count > 3;
        long count = 10;
        if (full)
        {
            int optc = c.Count - 3;
            if ((optc != 1 && optc != 3) || !c.ArgIs(3, "full"u8) || (optc == 3 && !c.ArgIs(4, "count"u8)))
            {
                c.Error(Errors.UnknownSubcommandOrArgs(c.ArgString(1), "XINFO"));
                return;
            }
            if (optc == 3)
            {
                if (!c.TryInt(5, out count)) return;
                if (count < 0) count = 10;
            }
        }
        var w = c.W;
        w.MapHeader(full ? 9 : 10);
        w.Bulk("length"u8);
        w.Integer((long)StreamValue.Length(s));
        w.Bulk("radix-tree-keys"u8);
        w.Integer(StreamValue.NodeCount(s));
        w.Bulk("radix-tree-nodes"u8);
        w.Integer(StreamValue.RaxNodeCount(s));
        w.Bulk("last-generated-id"u8);
        StreamValue.LastId(s).Reply(w);
        w.Bulk("max-deleted-entry-id"u8);
        StreamValue.MaxDeletedId(s).Reply(w);
        w.Bulk("entries-added"u8);
        w.Integer((long)StreamValue.EntriesAdded(s));
        w.Bulk("recorded-first-entry-id"u8);
        StreamValue.FirstId(s).Reply(w);
        if (!full)
        {
            w.Bulk("groups"u8);
            w.Integer(StreamGroups.Count(s));
            w.Bulk("first-entry"u8);
            EdgeEntry(w, s, rev: false);
            w.Bulk("last-entry"u8);
            EdgeEntry(w, s, rev: true);
            return;
        }
        w.Bulk("entries"u8);
        ReplyRange(w, s, StreamId.Min, StreamId.Max, count, rev: false);
        w.Bulk("groups"u8);
        FullGroups(w, s, count);
    }

    /// <summary>The first or last live entry as [id, [field, value ...]], or a null.</summary>
    static void EdgeEntry(FastKv.Protocol.RespWriter w, byte* s, bool rev)
    {
        var it = new StreamIterator(s, StreamId.Min, StreamId.Max, rev);
        if (it.Next(out StreamId id, out long fields)) ReplyEntry(w, ref it, id, fields);
        else w.NullBulk();
    }

    static void XInfoHelp(ref CommandContext c) => ServerCommands.Help(c.W, new[]
    {
        "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
        "HELP",
        "    Print this help.",
    });
}
