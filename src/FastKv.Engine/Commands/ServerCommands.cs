using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>Server commands: COMMAND CONFIG TIME SHUTDOWN SLOWLOG MEMORY DEBUG. INFO is in <see cref="InfoCommand"/>.</summary>
public static unsafe class ServerCommands
{
    public static void Register(CommandTable t)
    {
        const CommandFlags adm = CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale;
        var command = t.Add("command", -1, CommandFlags.Loading | CommandFlags.Stale, 0, 0, 0, "@slow @connection", &CommandAll);
        t.AddSub(command, "count", 2, CommandFlags.Loading | CommandFlags.Stale, "@slow @connection", &CommandCount);
        t.AddSub(command, "info", -2, CommandFlags.Loading | CommandFlags.Stale, "@slow @connection", &CommandInfo);
        t.AddSub(command, "docs", -2, CommandFlags.Loading | CommandFlags.Stale, "@slow @connection", &CommandDocs);
        t.AddSub(command, "list", -2, CommandFlags.Loading | CommandFlags.Stale, "@slow @connection", &CommandList);
        t.AddSub(command, "getkeys", -3, CommandFlags.Loading | CommandFlags.Stale, "@slow @connection", &CommandGetKeys);
        t.AddSub(command, "help", 2, CommandFlags.Loading | CommandFlags.Stale, "@slow @connection", &CommandHelp);
        t.Add("info", -1, CommandFlags.Loading | CommandFlags.Stale, 0, 0, 0, "@slow @dangerous", &InfoCommand.Info);
        var config = t.Add("config", -2, CommandFlags.None, 0, 0, 0, "@slow", null);
        t.AddSub(config, "get", -3, adm, "@admin @slow @dangerous", &ConfigGet);
        t.AddSub(config, "set", -4, adm, "@admin @slow @dangerous", &ConfigSet);
        t.AddSub(config, "resetstat", 2, adm, "@admin @slow @dangerous", &ConfigResetStat);
        t.AddSub(config, "help", 2, CommandFlags.Loading | CommandFlags.Stale, "@slow", &ConfigHelp);
        t.Add("time", 1, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast, 0, 0, 0, "@fast", &Time);
        t.Add("shutdown", -1, adm | CommandFlags.AllowBusy, 0, 0, 0, "@admin @slow @dangerous", &Shutdown);
        var slowlog = t.Add("slowlog", -2, CommandFlags.None, 0, 0, 0, "@slow", null);
        t.AddSub(slowlog, "get", -2, adm, "@admin @slow @dangerous", &SlowlogGet);
        t.AddSub(slowlog, "len", 2, adm, "@admin @slow @dangerous", &SlowlogLen);
        t.AddSub(slowlog, "reset", 2, adm, "@admin @slow @dangerous", &SlowlogReset);
        t.AddSub(slowlog, "help", 2, CommandFlags.Loading | CommandFlags.Stale, "@slow", &SlowlogHelp);
        var memory = t.Add("memory", -2, CommandFlags.None, 0, 0, 0, "@slow", null);
        t.AddSub(memory, "usage", -3, CommandFlags.ReadOnly, "@read @slow", &MemoryUsage, 2, 2, 1);
        t.AddSub(memory, "doctor", 2, CommandFlags.None, "@slow", &MemoryDoctor);
        t.AddSub(memory, "help", 2, CommandFlags.Loading | CommandFlags.Stale, "@slow", &MemoryHelp);
        t.Add("debug", -2, adm, 0, 0, 0, "@admin @slow @dangerous", &Debug);
    }

    // ---- COMMAND ----

    static bool Hidden(CommandSpec s) => s.Name.StartsWith("__", StringComparison.Ordinal);

    static void CommandAll(ref CommandContext c)
    {
        var all = c.Shard.Server.Commands.All;
        int n = 0;
        foreach (var s in all) if (s.Parent == null && !Hidden(s)) n++;
        c.W.ArrayHeader(n);
        foreach (var s in all) if (s.Parent == null && !Hidden(s)) WriteInfo(c.W, s);
    }

    static void CommandCount(ref CommandContext c)
    {
        int n = 0;
        foreach (var s in c.Shard.Server.Commands.All) if (s.Parent == null && !Hidden(s)) n++;
        c.W.Integer(n);
    }

    static string[] FlagNames(CommandFlags f)
    {
        var list = new List<string>();
        void Add(CommandFlags x, string name) { if ((f & x) != 0) list.Add(name); }
        Add(CommandFlags.Write, "write"); Add(CommandFlags.ReadOnly, "readonly"); Add(CommandFlags.DenyOom, "denyoom");
        Add(CommandFlags.Admin, "admin"); Add(CommandFlags.PubSub, "pubsub"); Add(CommandFlags.NoScript, "noscript");
        Add(CommandFlags.Blocking, "blocking"); Add(CommandFlags.Loading, "loading"); Add(CommandFlags.Stale, "stale");
        Add(CommandFlags.SkipMonitor, "skip_monitor"); Add(CommandFlags.SkipSlowlog, "skip_slowlog"); Add(CommandFlags.Fast, "fast");
        Add(CommandFlags.NoAuth, "no_auth"); Add(CommandFlags.MayReplicate, "may_replicate"); Add(CommandFlags.NoMandatoryKeys, "no_mandatory_keys");
        Add(CommandFlags.NoMulti, "no_multi"); Add(CommandFlags.AllowBusy, "allow_busy");
        return list.ToArray();
    }

    static void WriteInfo(RespWriter w, CommandSpec s)
    {
        w.ArrayHeader(10);
        w.Bulk(Encoding.ASCII.GetBytes(s.FullName));
        w.Integer(s.Arity);
        var flags = FlagNames(s.Flags);
        bool movable = s.KeysProc != null;
        w.SetHeader(flags.Length + (movable ? 1 : 0));
        foreach (var f in flags) w.Simple(f);
        if (movable) w.Simple("movablekeys");
        w.Integer(s.FirstKey);
        w.Integer(s.LastKey);
        w.Integer(s.KeyStep);
        var cats = s.Categories.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        w.SetHeader(cats.Length);
        foreach (var cat in cats) w.Simple(cat);
        w.ArrayHeader(0);
        if (s.FirstKey > 0)
        {
            w.ArrayHeader(1);
            w.MapHeader(3);
            w.Bulk("flags"u8);
            bool write = (s.Flags & CommandFlags.Write) != 0;
            w.SetHeader(2); w.Simple(write ? "RW" : "RO"); w.Simple(write ? "UPDATE" : "ACCESS");
            w.Bulk("begin_search"u8);
            w.MapHeader(2); w.Bulk("type"u8); w.Bulk("index"u8); w.Bulk("spec"u8);
            w.MapHeader(1); w.Bulk("index"u8); w.Integer(s.FirstKey);
            w.Bulk("find_keys"u8);
            w.MapHeader(2); w.Bulk("type"u8); w.Bulk("range"u8); w.Bulk("spec"u8);
            w.MapHeader(3);
            w.Bulk("lastkey"u8); w.Integer(s.LastKey < 0 ? s.LastKey : s.LastKey - s.FirstKey);
            w.Bulk("keystep"u8); w.Integer(s.KeyStep);
            w.Bulk("limit"u8); w.Integer(0);
        }
        else w.ArrayHeader(0);
        var subs = s.Subcommands ?? Array.Empty<CommandSpec>();
        w.ArrayHeader(subs.Length);
        foreach (var sub in subs) WriteInfo(w, sub);
    }

    static CommandSpec? Lookup(CommandTable t, ReadOnlySpan<byte> name)
    {
        int bar = name.IndexOf((byte)'|');
        if (bar < 0) return t.Find(name) is { } s && !Hidden(s) ? s : null;
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
            if (s == null) c.W.NullArray();
            else WriteInfo(c.W, s);
        }
    }

    static void WriteDoc(RespWriter w, CommandSpec s)
    {
        int n = 3 + (s.Subcommands != null ? 1 : 0);
        w.MapHeader(n);
        w.Bulk("summary"u8); w.Bulk(Encoding.UTF8.GetBytes(s.Summary.Length > 0 ? s.Summary : s.FullName.ToUpperInvariant() + " command"));
        w.Bulk("since"u8); w.Bulk(Encoding.ASCII.GetBytes(s.Since));
        w.Bulk("group"u8); w.Bulk(Encoding.ASCII.GetBytes(s.Group));
        if (s.Subcommands != null)
        {
            w.Bulk("subcommands"u8);
            w.MapHeader(s.Subcommands.Length);
            foreach (var sub in s.Subcommands)
            {
                w.Bulk(Encoding.ASCII.GetBytes(sub.FullName));
                WriteDoc(w, sub);
            }
        }
    }

    static void CommandDocs(ref CommandContext c)
    {
        var t = c.Shard.Server.Commands;
        var list = new List<CommandSpec>();
        if (c.Count == 2) { foreach (var s in t.All) if (s.Parent == null && !Hidden(s)) list.Add(s); }
        else for (int i = 2; i < c.Count; i++) if (Lookup(t, c.Arg(i)) is { } s) list.Add(s);
        c.W.MapHeader(list.Count);
        foreach (var s in list)
        {
            c.W.Bulk(Encoding.ASCII.GetBytes(s.FullName));
            WriteDoc(c.W, s);
        }
    }

    static void CommandList(ref CommandContext c)
    {
        var names = new List<string>();
        string? pattern = null;
        if (c.Count > 2)
        {
            if (c.Count != 5 || !c.ArgIs(2, "filterby"u8)) { c.Error(Errors.Syntax); return; }
            if (c.ArgIs(3, "pattern"u8)) pattern = c.ArgString(4);
            else if (!c.ArgIs(3, "aclcat"u8) && !c.ArgIs(3, "module"u8)) { c.Error(Errors.Syntax); return; }
            else if (c.ArgIs(3, "module"u8)) { c.W.ArrayHeader(0); return; }
        }
        foreach (var s in c.Shard.Server.Commands.All)
        {
            if (Hidden(s)) continue;
            if (c.Count == 5 && c.ArgIs(3, "aclcat"u8) && !s.Categories.Contains("@" + c.ArgString(4).ToLowerInvariant(), StringComparison.Ordinal)) continue;
            if (pattern != null && !Glob.Match(Encoding.UTF8.GetBytes(pattern), Encoding.UTF8.GetBytes(s.FullName), true)) continue;
            names.Add(s.FullName);
        }
        c.W.ArrayHeader(names.Count);
        foreach (var n in names) c.W.Bulk(Encoding.ASCII.GetBytes(n));
    }

    static void CommandGetKeys(ref CommandContext c)
    {
        var t = c.Shard.Server.Commands;
        CommandSpec? s = t.Find(c.Arg(2));
        if (s == null || Hidden(s)) { c.Error("ERR Invalid command specified"); return; }
        int argc = c.Count - 2;
        if (s.Subcommands != null && argc >= 2)
        {
            s = CommandTable.FindSub(s, c.Arg(3));
            if (s == null) { c.Error("ERR Invalid command specified"); return; }
        }
        if (!s.ArityOk(argc)) { c.Error("ERR Invalid number of arguments specified for command"); return; }
        // The target command's arguments start at argument 2 of COMMAND GETKEYS.
        var sub = new ArgList(argc);
        for (int i = 0; i < argc; i++) sub.Add(c.Args.Offsets[i + 2], c.Args.Lengths[i + 2]);
        int[]? pos = CommandTable.GetKeys(s, c.Buffer, sub);
        if (pos == null) { c.Error("ERR Invalid arguments specified for command"); return; }
        if (pos.Length == 0) { c.Error("ERR The command has no key arguments"); return; }
        c.W.ArrayHeader(pos.Length);
        foreach (int p in pos) c.W.Bulk(c.Arg(p + 2));
    }

    internal static void Help(RespWriter w, string[] lines)
    {
        w.ArrayHeader(lines.Length);
        foreach (var l in lines) w.Simple(l);
    }

    static void CommandHelp(ref CommandContext c) => Help(c.W, new[]
    {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)", "    Return details about all Redis commands.",
        "COUNT", "    Return the total number of commands in this Redis server.",
        "LIST", "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
        "DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
        "GETKEYS <full-command>", "    Return the keys from a full Redis command.",
        "HELP", "    Print this help.",
    });

    // ---- CONFIG ----

    /// <summary>
    /// configGetCommand: a name without glob characters is looked up and reported as written; a pattern reports
    /// every matching name; a parameter matched twice is reported once.
    /// </summary>
    static void ConfigGet(ref CommandContext c)
    {
        var cfg = c.Shard.Server.Config;
        var found = new List<(string Name, ConfigParam P)>();
        for (int i = 2; i < c.Count; i++)
        {
            ReadOnlySpan<byte> pattern = c.Arg(i);
            if (pattern.IndexOfAny("[*?"u8) < 0)
            {
                ConfigParam? p = cfg.Find(c.ArgString(i));
                if (p != null && !Contains(found, p)) found.Add((c.ArgString(i), p));
                continue;
            }
            foreach (var p in cfg.All)
                if (!Contains(found, p) && Glob.Match(pattern, Encoding.ASCII.GetBytes(p.Name), true)) found.Add((p.Name, p));
        }
        c.W.MapHeader(found.Count);
        foreach (var (name, p) in found)
        {
            c.W.Bulk(Encoding.UTF8.GetBytes(name));
            c.W.Bulk(Encoding.UTF8.GetBytes(ServerConfig.ValueOf(p)));
        }
    }

    static bool Contains(List<(string Name, ConfigParam P)> found, ConfigParam p)
    {
        foreach (var f in found)
            if (f.P == p) return true;
        return false;
    }

    /// <summary>
    /// configSetCommand: every name is checked first (an unknown name wins over every other error, then the first
    /// immutable or repeated one), then the values are set in order; when one is refused the ones already set
    /// get their old values back, so the call changes all or nothing.
    /// </summary>
    static void ConfigSet(ref CommandContext c)
    {
        var cfg = c.Shard.Server.Config;
        if ((c.Count & 1) != 0)
        {
            c.Error(Errors.Syntax);
            return;
        }
        int n = (c.Count - 2) / 2;
        var set = new ConfigParam[n];
        string? unknown = null, err = null, errArg = null;
        for (int i = 0; i < n; i++)
        {
            ConfigParam? p = cfg.Find(c.ArgString(2 + i * 2));
            if (p == null)
            {
                if (unknown == null && err == null) unknown = Executor.Sanitize(c.Arg(2 + i * 2), 128);
                continue;
            }
            if (unknown != null || err != null) continue;
            if (p.Immutable)
            {
                err = "can't set immutable config";
                errArg = c.ArgString(2 + i * 2);
                continue;
            }
            for (int j = 0; j < i; j++)
                if (set[j] == p)
                {
                    err = "duplicate parameter";
                    errArg = c.ArgString(2 + i * 2);
                    break;
                }
            set[i] = p;
        }
        if (unknown != null)
        {
            c.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + unknown + "'");
            return;
        }
        if (err != null)
        {
            c.Error("ERR CONFIG SET failed (possibly related to argument '" + errArg + "') - " + err);
            return;
        }
        var old = new string[n];
        for (int i = 0; i < n; i++) old[i] = ServerConfig.ValueOf(set[i]);
        for (int i = 0; i < n; i++)
        {
            string? e = cfg.Set(set[i].Name, c.ArgString(3 + i * 2));
            if (e == null) continue;
            for (int j = i - 1; j >= 0; j--) cfg.Set(set[j].Name, old[j]);
            c.Error("ERR CONFIG SET failed (possibly related to argument '" + set[i].Name + "') - " + e);
            return;
        }
        c.W.Ok();
    }

    static void ConfigResetStat(ref CommandContext c)
    {
        var s = c.Shard.Server;
        foreach (var sh in s.Shards)
        {
            sh.CommandStats.Reset();
            sh.Stats.ExpiredKeys = sh.Stats.KeyspaceHits = sh.Stats.KeyspaceMisses = sh.Stats.CommandsProcessed = 0;
            sh.Stats.NetInputBytes = sh.Stats.NetOutputBytes = 0;
        }
        Interlocked.Exchange(ref s.TotalConnectionsReceived, 0);
        Interlocked.Exchange(ref s.RejectedConnections, 0);
        s.SlowLog.Reset();
        c.W.Ok();
    }

    static void ConfigHelp(ref CommandContext c) => Help(c.W, new[]
    {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
        "RESETSTAT", "    Reset statistics reported by the INFO command.",
        "HELP", "    Print this help.",
    });

    // ---- TIME, SHUTDOWN ----

    static void Time(ref CommandContext c)
    {
        long us = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;
        c.W.ArrayHeader(2);
        c.W.BulkInteger(us / 1_000_000);
        c.W.BulkInteger(us % 1_000_000);
    }

    static void Shutdown(ref CommandContext c)
    {
        bool abort = false;
        for (int i = 1; i < c.Count; i++)
        {
            if (c.ArgIs(i, "nosave"u8) || c.ArgIs(i, "save"u8) || c.ArgIs(i, "now"u8) || c.ArgIs(i, "force"u8)) continue;
            if (c.ArgIs(i, "abort"u8)) { abort = true; continue; }
            c.Error(Errors.Syntax);
            return;
        }
        if (abort)
        {
            c.Error("ERR No shutdown in progress.");
            return;
        }
        // Redis does not reply to a successful SHUTDOWN: the connection just closes.
        c.Shard.Server.ShutdownRequested = true;
        c.Shard.Server.RequestShutdown?.Invoke();
        if (c.Client != null) c.Client.CloseAfterReply = true;
    }

    // ---- SLOWLOG ----

    static void SlowlogGet(ref CommandContext c)
    {
        long count = 10;
        if (c.Count == 3)
        {
            if (!RespNumber.TryParseInt64(c.Arg(2), out count) || count < -1)
            {
                c.Error("ERR count should be greater than or equal to -1");
                return;
            }
            if (count == -1) count = long.MaxValue;
        }
        else if (c.Count > 3) { c.WrongArgs(); return; }
        var entries = c.Shard.Server.SlowLog.Snapshot((int)Math.Min(count, int.MaxValue));
        c.W.ArrayHeader(entries.Length);
        foreach (var e in entries)
        {
            c.W.ArrayHeader(6);
            c.W.Integer(e.Id);
            c.W.Integer(e.Time);
            c.W.Integer(e.Micros);
            c.W.ArrayHeader(e.Args.Length);
            foreach (var a in e.Args) c.W.Bulk(a);
            c.W.Bulk(Encoding.UTF8.GetBytes(e.Addr));
            c.W.Bulk(Encoding.UTF8.GetBytes(e.Name));
        }
    }

    static void SlowlogLen(ref CommandContext c) => c.W.Integer(c.Shard.Server.SlowLog.Length);

    static void SlowlogReset(ref CommandContext c)
    {
        c.Shard.Server.SlowLog.Reset();
        c.W.Ok();
    }

    static void SlowlogHelp(ref CommandContext c) => Help(c.W, new[]
    {
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]", "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:", "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name", "LEN", "    Return the length of the slowlog.",
        "RESET", "    Reset the slowlog.", "HELP", "    Print this help.",
    });

    // ---- MEMORY ----

    static void MemoryUsage(ref CommandContext c)
    {
        if (c.Count != 3 && !(c.Count == 5 && c.ArgIs(3, "samples"u8))) { c.Error(Errors.Syntax); return; }
        if (c.Count == 5 && !c.TryInt(4, out _)) return;
        byte* e = c.Db.Find(c.Arg(2));
        if (e == null) { c.W.NullBulk(); return; }
        // The entry blob plus its share of the table (one slot and fingerprint at ~85% load), plus
        // everything a collection's value points at (all of it: SAMPLES changes nothing here).
        c.W.Integer(KeyEntry.AllocSize(e) + 12 + Collection.ValueBytesUsed(e));
    }

    static void MemoryDoctor(ref CommandContext c) =>
        c.W.Verbatim("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base."u8, "txt");

    static void MemoryHelp(ref CommandContext c) => Help(c.W, new[]
    {
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR", "    Return memory problems reports.",
        "USAGE <key> [SAMPLES <count>]", "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP", "    Print this help.",
    });

    // ---- DEBUG ----

    static void Debug(ref CommandContext c)
    {
        if (c.ArgIs(1, "sleep"u8) && c.Count == 3)
        {
            if (!RespNumber.TryParseDouble(c.Arg(2), out double secs)) { c.Error(Errors.NotFloat); return; }
            // DEBUG SLEEP blocks the whole loop, as it blocks Redis.
            if (secs > 0) Thread.Sleep(TimeSpan.FromSeconds(Math.Min(secs, 3600)));
            c.W.Ok();
            return;
        }
        if (c.ArgIs(1, "set-active-expire"u8) && c.Count == 3) { c.W.Ok(); return; }
        if (c.ArgIs(1, "help"u8))
        {
            Help(c.W, new[]
            {
                "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed.",
                "SET-ACTIVE-EXPIRE <0|1>", "    Setting it to 0 disables expiring keys in background when they are not accessed.",
                "HELP", "    Print this help.",
            });
            return;
        }
        c.Error("ERR unknown subcommand or wrong number of arguments for '" + Executor.Sanitize(c.Arg(1), 128) + "'. Try DEBUG HELP.");
    }
}
