using System;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>
/// OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP. Lookups do not touch the access time
/// (LOOKUP_NOTOUCH), so asking for IDLETIME does not reset it. A missing key answers null.
/// </summary>
public static unsafe partial class KeyCommands
{
    static void RegisterObject(CommandTable t)
    {
        CommandSpec obj = t.Add("object", &ObjectContainer);
        t.AddSub(obj, "encoding", &ObjectEncoding);
        t.AddSub(obj, "freq", &ObjectFreq);
        t.AddSub(obj, "idletime", &ObjectIdleTime);
        t.AddSub(obj, "refcount", &ObjectRefCount);
        t.AddSub(obj, "help", &ObjectHelp);
    }

    /// <summary>Reached only when the dispatcher found no subcommand by that name.</summary>
    static void ObjectContainer(ref CommandContext c)
    {
        string sub = c.ArgString(1);
        if (sub.Length > 128) sub = sub.Substring(0, 128);
        c.W.Error(Errors.UnknownSubcommand(sub, "OBJECT"));
    }

    static void ObjectEncoding(ref CommandContext c)
    {
        byte* e = KeyLookup.ReadNoTouch(c.Shard, c.Db, c.Arg(2), notify: false);
        if (e == null) { c.W.NullBulk(); return; }
        c.W.Bulk(System.Text.Encoding.ASCII.GetBytes(ValueEncoding.Name(KeyEntry.Encoding(e))));
    }

    /// <summary>The LFU counter, decayed but not touched; Redis's error when no LFU policy is selected.</summary>
    static void ObjectFreq(ref CommandContext c)
    {
        byte* e = KeyLookup.ReadNoTouch(c.Shard, c.Db, c.Arg(2), notify: false);
        if (e == null) { c.W.NullBulk(); return; }
        if (!c.Shard.Server.Config.Policy.IsLfu())
        {
            c.W.Error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
            return;
        }
        c.W.Integer(AccessClock.LfuDecayed(c.Shard, KeyEntry.Lru(e)));
    }

    /// <summary>Seconds since the key was last touched (the LRU clock); Redis's error under an LFU policy.</summary>
    static void ObjectIdleTime(ref CommandContext c)
    {
        byte* e = KeyLookup.ReadNoTouch(c.Shard, c.Db, c.Arg(2), notify: false);
        if (e == null) { c.W.NullBulk(); return; }
        if (c.Shard.Server.Config.Policy.IsLfu())
        {
            c.W.Error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
            return;
        }
        c.W.Integer(AccessClock.IdleMillis(c.Shard, KeyEntry.Lru(e)) / 1000);
    }

    static void ObjectRefCount(ref CommandContext c)
    {
        byte* e = KeyLookup.ReadNoTouch(c.Shard, c.Db, c.Arg(2), notify: false);
        if (e == null) { c.W.NullBulk(); return; }
        c.W.Integer(KeyEntry.Type(e) == ValueKind.String ? StringValue.RefCount(KeyEntry.Encoding(e), KeyEntry.Value(e)) : 1);
    }

    static readonly string[] ObjectHelpLines =
    {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Print this help.",
    };

    static void ObjectHelp(ref CommandContext c)
    {
        c.W.ArrayHeader(ObjectHelpLines.Length);
        foreach (string line in ObjectHelpLines) c.W.Simple(line);
    }
}
