using System;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>
/// Consumer-group administration (Redis's xgroupCommand and xackCommand, t_stream.c): XGROUP CREATE [MKSTREAM]
/// [ENTRIESREAD] / SETID [ENTRIESREAD] / DESTROY / CREATECONSUMER / DELCONSUMER / HELP and XACK, over
/// <see cref="StreamGroups"/>. The reads, claims and group introspection have files of their own (StreamCommands.cs lists them).
/// </summary>
public static unsafe partial class StreamCommands
{
    static void RegisterGroups(CommandTable t)
    {
        var xgroup = t.Add("xgroup", null);
        t.AddSub(xgroup, "create", &XGroup);
        t.AddSub(xgroup, "setid", &XGroup).ServesNoWaiter = true;
        t.AddSub(xgroup, "destroy", &XGroup);
        t.AddSub(xgroup, "createconsumer", &XGroup);
        t.AddSub(xgroup, "delconsumer", &XGroup);
        t.AddSub(xgroup, "help", &XGroupHelp);
        t.Add("xack", &XAck);
    }

    static void XGroupSyntax(ref CommandContext c)
        => c.Error(Errors.UnknownSubcommandOrArgs(Executor.Sanitize(c.Arg(1), 128), "XGROUP"));

    static void NoGroup(ref CommandContext c, int groupArg, int keyArg)
        => c.Error(Errors.NoGroupForKey(c.ArgString(groupArg), c.ArgString(keyArg)));

    /// <summary>ENTRIESREAD's value at <paramref name="arg"/>: false after the error reply.</summary>
    static bool ParseEntriesRead(ref CommandContext c, int arg, out long entriesRead)
    {
        if (!c.TryInt(arg, out entriesRead)) return false;
        if (entriesRead < 0 && entriesRead != StreamGroups.UnknownEntriesRead)
        {
            c.Error("ERR value for ENTRIESREAD must be positive or -1");
            return false;
        }
        return true;
    }

    /// <summary>XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER key group ...: options first, then the key and
    /// the group, then the subcommand's own argument count, in xgroupCommand's order.</summary>
    static void XGroup(ref CommandContext c)
    {
        bool create = c.ArgIs(1, "create"u8), setId = c.ArgIs(1, "setid"u8);
        bool mkStream = false;
        long entriesRead = StreamGroups.UnknownEntriesRead;
        if (create)
        {
            for (int i = 5; i < c.Count;)
            {
                if (c.ArgIs(i, "mkstream"u8)) { mkStream = true; i++; }
                else if (c.ArgIs(i, "entriesread"u8) && i + 1 < c.Count)
                {
                    if (!ParseEntriesRead(ref c, i + 1, out entriesRead)) return;
                    i += 2;
                }
                else { XGroupSyntax(ref c); return; }
            }
        }
        else if (setId)
        {
            if (c.Count == 7)
            {
                if (!c.ArgIs(5, "entriesread"u8)) { XGroupSyntax(ref c); return; }
                if (!ParseEntriesRead(ref c, 6, out entriesRead)) return;
            }
            else if (c.Count != 5) { XGroupSyntax(ref c); return; }
        }

        if (!c.WriteTyped(2, ValueKind.Stream, out byte* e)) return;
        if (e == null && !mkStream)
        {
            c.Error("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use " +
                    "the MKSTREAM option to create an empty stream automatically.");
            return;
        }
        byte* s = e == null ? null : Of(e);
        byte* g = s == null ? null : StreamGroups.Find(s, c.Arg(3));
        if (g == null && s != null && !create && !c.ArgIs(1, "destroy"u8)) { NoGroup(ref c, 3, 2); return; }

        Arena arena = c.Shard.Arena;
        if (create && c.Count <= 8)
        {
            StreamId id;
            ReadOnlySpan<byte> idArg = c.Arg(4);
            if (idArg.Length == 1 && idArg[0] == '$') id = s == null ? StreamId.Min : StreamValue.LastId(s);
            else if (!ParseId(ref c, 4, 0, strict: true, out id)) return;
            if (s == null)
            {
                e = c.Db.AddCollection(c.Arg(2), ValueKind.Stream, ValueEncoding.Stream, StreamValue.Create(arena));
                s = Of(e);
                if (c.Shard.Events.Active) c.Shard.Events.Touched(c.DbIndex, c.Arg(2));
            }
            if (StreamGroups.Create(arena, s, c.Arg(3), id, entriesRead) == null)
            {
                c.Error("BUSYGROUP Consumer Group name already exists");
                return;
            }
            c.W.Ok();
            c.Dirty();
            GroupEvent(ref c, "xgroup-create"u8);
        }
        else if (setId && (c.Count == 5 || c.Count == 7))
        {
            StreamId id;
            ReadOnlySpan<byte> idArg = c.Arg(4);
            if (idArg.Length == 1 && idArg[0] == '$') id = StreamValue.LastId(s);
            else if (!ParseId(ref c, 4, 0, strict: false, out id)) return;
            StreamGroups.SetLastId(g, id);
            StreamGroups.SetEntriesRead(g, entriesRead);
            c.W.Ok();
            c.Dirty();
            GroupEvent(ref c, "xgroup-setid"u8);
        }
        else if (c.ArgIs(1, "destroy"u8) && c.Count == 4)
        {
            if (g == null) { c.W.Integer(0); return; }
            StreamGroups.Destroy(arena, s, c.Arg(3));
            c.W.Integer(1);
            c.Dirty();
            // Its waiters answer NOGROUP (Redis's xgroupCommand signals the key as deleted).
            c.StreamReady(2);
            GroupEvent(ref c, "xgroup-destroy"u8);
        }
        else if (c.ArgIs(1, "createconsumer"u8) && c.Count == 5)
        {
            bool made = StreamGroups.CreateConsumer(arena, g, c.Arg(4), c.NowMs) != null;
            c.W.Integer(made ? 1 : 0);
            if (!made) return;
            c.Dirty();
            GroupEvent(ref c, "xgroup-createconsumer"u8);
        }
        else if (c.ArgIs(1, "delconsumer"u8) && c.Count == 5)
        {
            byte* consumer = StreamGroups.FindConsumer(g, c.Arg(4));
            long pending = 0;
            if (consumer != null)
            {
                pending = StreamGroups.DeleteConsumer(arena, g, consumer);
                c.Dirty();
                GroupEvent(ref c, "xgroup-delconsumer"u8);
            }
            c.W.Integer(pending);
        }
        else XGroupSyntax(ref c);
    }

    /// <summary>A group event on the key in argument 2: notified, not a modification of the key (as Redis).</summary>
    static void GroupEvent(ref CommandContext c, ReadOnlySpan<byte> evt)
    {
        if (c.Shard.Events.Active) c.Shard.Events.Notify(c.DbIndex, c.Arg(2), NotifyClass.Stream, evt);
    }

    static void XGroupHelp(ref CommandContext c) => ServerCommands.Help(c.W, new[]
    {
        "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
        "HELP",
        "    Print this help.",
    });

    /// <summary>XACK key group id [id ...]: every ID is parsed before any is acknowledged; no key or group acks none.</summary>
    static void XAck(ref CommandContext c)
    {
        if (!c.WriteTyped(1, ValueKind.Stream, out byte* e)) return;
        byte* g = e == null ? null : StreamGroups.Find(Of(e), c.Arg(2));
        if (g == null) { c.W.Integer(0); return; }
        for (int j = 3; j < c.Count; j++)
            if (!ParseId(ref c, j, 0, strict: true, out _)) return;
        long acked = 0;
        for (int j = 3; j < c.Count; j++)
        {
            StreamId.TryParse(c.Arg(j), out StreamId id, 0, true, false, out _);
            if (StreamGroups.Ack(g, id)) acked++;
        }
        c.Dirty(acked);
        c.W.Integer(acked);
    }
}
