using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// COMMAND, COMMAND COUNT / LIST / INFO / DOCS / GETKEYS / HELP: the command table describing itself
/// (Redis's commandCommand and friends). Everything shown comes from the table rows and their Redis facts
/// (<see cref="CommandFact"/>), so the replies are Redis 7.2's for every command FastKv has; a container
/// lists only the subcommands FastKv has, and COMMAND shows no internal command.
/// Off the hot path: replies are built with managed strings.
/// </summary>
public static unsafe class CommandCommand
{
    public static void Register(CommandTable t)
    {
        var command = t.Add("command", &CommandAll);
        t.AddSub(command, "count", &CommandCount);
        t.AddSub(command, "info", &CommandInfo);
        t.AddSub(command, "docs", &CommandDocs);
        t.AddSub(command, "list", &CommandList);
        t.AddSub(command, "getkeys", &CommandGetKeys);
        t.AddSub(command, "getkeysandflags", &CommandGetKeysAndFlags);
        t.AddSub(command, "help", &CommandHelp);
    }

    static void CommandAll(ref CommandContext c)
    {
        var all = c.Shard.Server.Commands.All;
        int n = 0;
        foreach (var s in all) if (s.Parent == null) n++;
        c.W.ArrayHeader(n);
        foreach (var s in all) if (s.Parent == null) WriteInfo(c.W, s);
    }

    static void CommandCount(ref CommandContext c)
    {
        int n = 0;
        foreach (var s in c.Shard.Server.Commands.All) if (s.Parent == null) n++;
        c.W.Integer(n);
    }

    static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    /// <summary>One command's COMMAND INFO entry, as Redis's addReplyCommandInfo lays it out.</summary>
    static void WriteInfo(RespWriter w, CommandSpec s)
    {
        CommandFact f = s.Fact!;
        w.ArrayHeader(10);
        w.Bulk(Ascii(s.FullName));
        w.Integer(s.Arity);
        int flags = 0;
        foreach (var (flag, _) in CommandFacts.ShownFlags) if ((s.Flags & flag) != 0) flags++;
        bool allowBusy = (s.Flags & CommandFlags.AllowBusy) != 0;
        w.SetHeader(flags + (f.MovableKeys ? 1 : 0) + (allowBusy ? 1 : 0));
        foreach (var (flag, name) in CommandFacts.ShownFlags) if ((s.Flags & flag) != 0) w.Simple(name);
        if (f.MovableKeys) w.Simple("movablekeys");
        if (allowBusy) w.Simple("allow_busy");
        w.Integer(s.FirstKey);
        w.Integer(s.LastKey);
        w.Integer(s.KeyStep);
        w.SetHeader(f.Categories.Length);
        foreach (string cat in f.Categories) w.Simple(cat);
        w.SetHeader(f.Tips.Length);
        foreach (string tip in f.Tips) w.Bulk(Ascii(tip));
        w.SetHeader(f.KeySpecs.Length);
        foreach (KeySpec k in f.KeySpecs) WriteKeySpec(w, k);
        // Redis answers a container's subcommands as an array, a command without any as an empty set.
        if (s.Subcommands is { Length: > 0 } subs)
        {
            w.ArrayHeader(subs.Length);
            foreach (var sub in subs) WriteInfo(w, sub);
        }
        else w.SetHeader(0);
    }

    static void WriteKeySpec(RespWriter w, KeySpec k)
    {
        w.MapHeader(k.Notes != null ? 4 : 3);
        if (k.Notes != null) { w.Bulk("notes"u8); w.Bulk(Encoding.UTF8.GetBytes(k.Notes)); }
        w.Bulk("flags"u8);
        w.SetHeader(k.Flags.Length);
        foreach (string flag in k.Flags) w.Simple(flag);
        w.Bulk("begin_search"u8);
        WriteKeySpecStep(w, k.BeginSearch);
        w.Bulk("find_keys"u8);
        WriteKeySpecStep(w, k.FindKeys);
    }

    static void WriteKeySpecStep(RespWriter w, KeySpecStep step)
    {
        w.MapHeader(2);
        w.Bulk("type"u8); w.Bulk(Ascii(step.Type));
        w.Bulk("spec"u8);
        w.MapHeader(step.Numbers.Length + (step.Keyword != null ? 1 : 0));
        if (step.Keyword != null) { w.Bulk("keyword"u8); w.Bulk(Ascii(step.Keyword)); }
        foreach (var (name, value) in step.Numbers) { w.Bulk(Ascii(name)); w.Integer(value); }
    }

    /// <summary>A command by name, or "container|sub" for a subcommand; null when FastKv has no such command.</summary>
    static CommandSpec? Lookup(CommandTable t, ReadOnlySpan<byte> name)
    {
        int bar = name.IndexOf((byte)'|');
        if (bar < 0) return t.Find(name) is { } s ? s : null;
        var parent = t.Find(name.Slice(0, bar));
        return parent == null ? null : CommandTable.FindSub(parent, name.Slice(bar + 1));
    }

    static void CommandInfo(ref CommandContext c)
    {
        var t = c.Shard.Server.Commands;
        if (c.Count == 2) { CommandAll(ref c); return; }
        c.W.ArrayHeader(c.Count - 2);
        for (int i = 2; i < c.Count; i++)
        {
            var s = Lookup(t, c.Arg(i));
            if (s == null) c.W.NullBulk(); // Redis: a null bulk in RESP2, null in RESP3
            else WriteInfo(c.W, s);
        }
    }

    /// <summary>One command's COMMAND DOCS map: our summary, then Redis's facts in its order.</summary>
    static void WriteDoc(RespWriter w, CommandSpec s)
    {
        CommandDoc d = s.Fact!.Doc;
        bool subs = s.Subcommands is { Length: > 0 };
        int n = 3 + (d.Complexity != null ? 1 : 0) + (d.DocFlags != null ? 1 : 0) + (d.DeprecatedSince != null ? 1 : 0)
                + (d.ReplacedBy != null ? 1 : 0) + (d.History != null ? 1 : 0) + (d.Arguments != null ? 1 : 0) + (subs ? 1 : 0);
        w.MapHeader(n);
        w.Bulk("summary"u8); w.Bulk(Encoding.UTF8.GetBytes(s.Summary));
        w.Bulk("since"u8); w.Bulk(Ascii(d.Since));
        w.Bulk("group"u8); w.Bulk(Ascii(d.Group));
        if (d.Complexity != null) { w.Bulk("complexity"u8); w.Bulk(Encoding.UTF8.GetBytes(d.Complexity)); }
        if (d.DocFlags != null)
        {
            w.Bulk("doc_flags"u8);
            w.SetHeader(d.DocFlags.Length);
            foreach (string flag in d.DocFlags) w.Simple(flag);
        }
        if (d.DeprecatedSince != null) { w.Bulk("deprecated_since"u8); w.Bulk(Ascii(d.DeprecatedSince)); }
        if (d.ReplacedBy != null) { w.Bulk("replaced_by"u8); w.Bulk(Encoding.UTF8.GetBytes(d.ReplacedBy)); }
        if (d.History != null)
        {
            w.Bulk("history"u8);
            w.SetHeader(d.History.Length);
            foreach (var (version, change) in d.History)
            {
                w.ArrayHeader(2);
                w.Bulk(Ascii(version));
                w.Bulk(Encoding.UTF8.GetBytes(change));
            }
        }
        if (d.Arguments != null) { w.Bulk("arguments"u8); WriteArgs(w, d.Arguments); }
        if (subs)
        {
            w.Bulk("subcommands"u8);
            w.MapHeader(s.Subcommands!.Length);
            foreach (var sub in s.Subcommands)
            {
                w.Bulk(Ascii(sub.FullName));
                WriteDoc(w, sub);
            }
        }
    }

    static void WriteArgs(RespWriter w, CommandArg[] args)
    {
        w.ArrayHeader(args.Length);
        foreach (CommandArg a in args)
        {
            int n = 2 + (a.DisplayText != null ? 1 : 0) + (a.KeySpecIndex >= 0 ? 1 : 0) + (a.Token != null ? 1 : 0)
                    + (a.Since != null ? 1 : 0) + (a.DeprecatedSince != null ? 1 : 0) + (a.Flags != null ? 1 : 0) + (a.Arguments != null ? 1 : 0);
            w.MapHeader(n);
            w.Bulk("name"u8); w.Bulk(Ascii(a.Name));
            w.Bulk("type"u8); w.Bulk(Ascii(a.Type));
            if (a.DisplayText != null) { w.Bulk("display_text"u8); w.Bulk(Encoding.UTF8.GetBytes(a.DisplayText)); }
            if (a.KeySpecIndex >= 0) { w.Bulk("key_spec_index"u8); w.Integer(a.KeySpecIndex); }
            if (a.Token != null) { w.Bulk("token"u8); w.Bulk(Encoding.UTF8.GetBytes(a.Token)); }
            if (a.Since != null) { w.Bulk("since"u8); w.Bulk(Ascii(a.Since)); }
            if (a.DeprecatedSince != null) { w.Bulk("deprecated_since"u8); w.Bulk(Ascii(a.DeprecatedSince)); }
            if (a.Flags != null)
            {
                w.Bulk("flags"u8);
                w.SetHeader(a.Flags.Length);
                foreach (string flag in a.Flags) w.Simple(flag);
            }
            if (a.Arguments != null) { w.Bulk("arguments"u8); WriteArgs(w, a.Arguments); }
        }
    }

    static void CommandDocs(ref CommandContext c)
    {
        var t = c.Shard.Server.Commands;
        var list = new List<CommandSpec>();
        if (c.Count == 2) { foreach (var s in t.All) if (s.Parent == null) list.Add(s); }
        else for (int i = 2; i < c.Count; i++) if (Lookup(t, c.Arg(i)) is { } s) list.Add(s);
        c.W.MapHeader(list.Count);
        foreach (var s in list)
        {
            c.W.Bulk(Ascii(s.FullName));
            WriteDoc(c.W, s);
        }
    }

    /// <summary>COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: commands and subcommands by name.</summary>
    static void CommandList(ref CommandContext c)
    {
        var names = new List<string>();
        string? pattern = null, category = null;
        if (c.Count > 2)
        {
            if (c.Count != 5 || !c.ArgIs(2, "filterby"u8)) { c.Error(Errors.Syntax); return; }
            if (c.ArgIs(3, "pattern"u8)) pattern = c.ArgString(4);
            else if (c.ArgIs(3, "aclcat"u8)) category = "@" + c.ArgString(4).ToLowerInvariant();
            else if (c.ArgIs(3, "module"u8)) { c.W.ArrayHeader(0); return; }
            else { c.Error(Errors.Syntax); return; }
        }
        foreach (var s in c.Shard.Server.Commands.All)
        {
            if (category != null && Array.IndexOf(s.Categories, category) < 0) continue;
            if (pattern != null && !Glob.Match(Encoding.UTF8.GetBytes(pattern), Encoding.UTF8.GetBytes(s.FullName), true)) continue;
            names.Add(s.FullName);
        }
        c.W.ArrayHeader(names.Count);
        foreach (var n in names) c.W.Bulk(Ascii(n));
    }

    static void CommandGetKeys(ref CommandContext c)
    {
        if (!TargetKeys(ref c, out _, out _, out List<(int Pos, string[] Flags)>? keys)) return;
        c.W.ArrayHeader(keys!.Count);
        foreach (var (p, _) in keys) c.W.Bulk(c.Arg(p + 2));
    }

    /// <summary>COMMAND GETKEYSANDFLAGS: each key with the flags of the key spec that finds it (Redis's getKeysUsingKeySpecs).</summary>
    static void CommandGetKeysAndFlags(ref CommandContext c)
    {
        if (!TargetKeys(ref c, out _, out _, out List<(int Pos, string[] Flags)>? keys)) return;
        c.W.ArrayHeader(keys!.Count);
        foreach (var (p, flags) in keys)
        {
            c.W.ArrayHeader(2);
            c.W.Bulk(c.Arg(p + 2));
            c.W.SetHeader(flags.Length);
            foreach (string flag in flags) c.W.Simple(flag);
        }
    }

    /// <summary>
    /// The flags of each key position: those of the first key spec that finds it; a key only a key procedure
    /// finds (SORT's STORE destination) takes the last spec Redis could not search ("unknown"). A spec with
    /// variable_flags asks the row's <see cref="CommandSpec.KeyFlags"/>. Channels (not_key) are no keys.
    /// </summary>
    static List<(int Pos, string[] Flags)> KeysWithFlags(CommandSpec s, ReadOnlySpan<byte> buf, ArgList args, int[] pos)
    {
        KeySpec[] specs = s.Fact!.KeySpecs;
        var found = new List<int>[specs.Length];
        for (int i = 0; i < specs.Length; i++) found[i] = KeySpecPositions(specs[i], buf, args);
        var keys = new List<(int, string[])>();
        foreach (int p in pos)
        {
            KeySpec? spec = null;
            for (int i = 0; i < specs.Length && spec == null; i++) if (found[i].Contains(p)) spec = specs[i];
            for (int i = specs.Length - 1; i >= 0 && spec == null; i--) if (specs[i].BeginSearch.Type == "unknown") spec = specs[i];
            if (specs.Length == 0) { keys.Add((p, Array.Empty<string>())); continue; }
            spec ??= specs[0];
            if (Array.IndexOf(spec.Flags, "not_key") >= 0) continue;
            bool variable = Array.IndexOf(spec.Flags, "variable_flags") >= 0 && s.KeyFlags != null;
            keys.Add((p, variable ? s.KeyFlags(buf, args) : spec.Flags));
        }
        return keys;
    }

    /// <summary>The argument positions a key spec describes in <paramref name="args"/> (none when it cannot search them).</summary>
    static List<int> KeySpecPositions(KeySpec spec, ReadOnlySpan<byte> buf, ArgList args)
    {
        var list = new List<int>();
        int argc = args.Count, first;
        KeySpecStep b = spec.BeginSearch, f = spec.FindKeys;
        if (b.Type == "index") first = b.Numbers[0].Value;
        else if (b.Type == "keyword")
        {
            int from = b.Numbers[0].Value;
            int step = from < 0 ? -1 : 1, i = from < 0 ? argc + from : from, end = from < 0 ? 0 : argc;
            first = -1;
            for (; i != end && i >= 0 && i < argc; i += step)
                if (Engine.Ascii.EqualsIgnoreCase(args.Get(buf, i), Encoding.ASCII.GetBytes(b.Keyword!))) { first = i + 1; break; }
            if (first < 0) return list;
        }
        else return list;
        if (first >= argc) return list;
        int last, keyStep;
        if (f.Type == "range")
        {
            int lastKey = f.Numbers[0].Value, limit = f.Numbers[2].Value;
            keyStep = f.Numbers[1].Value;
            if (lastKey >= 0) last = first + lastKey;
            else if (limit <= 1) last = argc + lastKey;
            else last = first + (argc - first) / limit + lastKey;
        }
        else if (f.Type == "keynum")
        {
            int numIdx = first + f.Numbers[0].Value;
            if (numIdx >= argc || !RespNumber.TryParseInt64(args.Get(buf, numIdx), out long n) || n < 0 || n > argc) return list;
            keyStep = f.Numbers[2].Value;
            first += f.Numbers[1].Value;
            last = first + ((int)n - 1) * keyStep;
        }
        else return list;
        for (int i = first; i <= last && i < argc; i += Math.Max(1, keyStep)) list.Add(i);
        return list;
    }

    /// <summary>
    /// The command COMMAND GETKEYS[ANDFLAGS] names (arguments from 2 on) and its key positions, relative to
    /// argument 2; false after Redis's error.
    /// </summary>
    static bool TargetKeys(ref CommandContext c, out ArgList? sub, out CommandSpec? s, out List<(int Pos, string[] Flags)>? keys)
    {
        sub = null;
        keys = null;
        var t = c.Shard.Server.Commands;
        s = t.Find(c.Arg(2));
        if (s == null) { c.Error(Errors.InvalidCommand); return false; }
        int argc = c.Count - 2;
        if (s.Subcommands != null && argc >= 2)
        {
            s = CommandTable.FindSub(s, c.Arg(3));
            if (s == null) { c.Error(Errors.InvalidCommand); return false; }
        }
        // getKeysSubcommandImpl's order: a command without keys, then the arity, then the arguments.
        if (!HasKeys(s)) { c.Error("ERR The command has no key arguments"); return false; }
        if (!s.ArityOk(argc)) { c.Error("ERR Invalid number of arguments specified for command"); return false; }
        // The target command's arguments start at argument 2 of COMMAND GETKEYS.
        sub = new ArgList(argc);
        for (int i = 0; i < argc; i++) sub.Add(c.Args.Offsets[i + 2], c.Args.Lengths[i + 2]);
        int[]? pos = CommandTable.GetKeys(s, c.Buffer, sub);
        if (pos == null || pos.Length == 0)
        {
            // No keys found: an empty list for a command whose keys are optional (EVAL ... 0), Redis's error otherwise.
            if ((s.Flags & CommandFlags.NoMandatoryKeys) != 0)
            {
                keys = new List<(int Pos, string[] Flags)>();
                return true;
            }
            c.Error("ERR Invalid arguments specified for command");
            return false;
        }
        keys = KeysWithFlags(s, c.Buffer, sub, pos);
        return true;
    }

    /// <summary>doesCommandHaveKeys: its own key finder, or a key spec that is not marked not_key.</summary>
    static bool HasKeys(CommandSpec s)
    {
        if (s.KeysProc != null) return true;
        foreach (KeySpec k in s.Fact?.KeySpecs ?? [])
            if (Array.IndexOf(k.Flags, "not_key") < 0) return true;
        return false;
    }

    static void CommandHelp(ref CommandContext c) => ServerCommands.Help(c.W, new[]
    {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)", "    Return details about all Redis commands.",
        "COUNT", "    Return the total number of commands in this Redis server.",
        "LIST", "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>", "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>", "    Return the keys and the access flags from a full Redis command.",
        "HELP", "    Print this help.",
    });
}
