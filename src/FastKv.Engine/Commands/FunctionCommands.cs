using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Engine.Scripting;

namespace FastKv.Engine.Commands;

/// <summary>
/// FUNCTION and FCALL / FCALL_RO (Redis 7.2's functions.c). The libraries are the server's
/// (<see cref="FunctionLibraries"/>); FCALL routes by its keys as EVAL does and runs the function in the Lua state
/// of the shard that owns them (<see cref="ScriptEngine.FunctionsOf"/>), through the same call, reply and error
/// path as EVAL's scripts. The commands that change the libraries count as a change (dirty), so the AOF records them
/// as they came.
/// </summary>
public static unsafe class FunctionCommands
{
    public static void Register(CommandTable t)
    {
        // Routed as EVAL is: inline on the keys' shard once the function is known to keep to them, else a ScriptTx.
        CommandSpec fcall = t.Add("fcall", &FCall, CrossShard.Script, Route.Custom, &CommandTable.NumKeysAt2);
        fcall.Flags |= CommandFlags.MayReplicate; // as EVAL (ScriptCommands.Register)
        foreach (CommandSpec spec in new[] { fcall, t.Add("fcall_ro", &FCallRo, CrossShard.Script, Route.Custom, &CommandTable.NumKeysAt2) })
        {
            spec.CustomRoute = &ScriptCommands.ScriptTarget;
            spec.ScriptIsFunction = true;
        }
        CommandSpec function = t.Add("function", &Container);
        t.AddSub(function, "load", &Load);
        t.AddSub(function, "delete", &Delete);
        t.AddSub(function, "flush", &Flush);
        t.AddSub(function, "list", &List);
        t.AddSub(function, "stats", &Stats);
        t.AddSub(function, "dump", &Dump);
        t.AddSub(function, "restore", &Restore);
        t.AddSub(function, "kill", &Kill);
        t.AddSub(function, "help", &Help);
    }

    static void FCall(ref CommandContext c) => FCallGeneric(ref c, readOnly: false);
    static void FCallRo(ref CommandContext c) => FCallGeneric(ref c, readOnly: true);

    /// <summary>fcallCommandGeneric and scriptPrepareForRun's checks, in Redis's order (the function first).</summary>
    static void FCallGeneric(ref CommandContext c, bool readOnly)
    {
        FunctionSet set = c.Shard.Server.Functions.Current;
        FunctionInfo? f = set.Find(c.Arg(1));
        if (f == null)
        {
            c.W.Error("ERR Function not found");
            return;
        }
        if (!FastKv.Protocol.RespNumber.TryParseInt64(c.Arg(2), out long numKeys))
        {
            c.W.Error("ERR Bad number of keys provided");
            return;
        }
        if (!ScriptCommands.NumKeysFit(ref c, numKeys)) return;
        ScriptFlags flags = f.Flags;
        if (readOnly)
        {
            if ((flags & ScriptFlags.NoWrites) == 0)
            {
                c.W.Error("ERR Can not execute a script with write flag using *_ro command.");
                return;
            }
        }
        ScriptEngine.FunctionsOf(c.Shard, set).RunFunction(ref c, f, (int)numKeys, flags);
    }

    static void Container(ref CommandContext c) => ScriptCommands.UnknownSubcommand(ref c, "FUNCTION");

    static void SyntaxError(ref CommandContext c)
    {
        string sub = c.ArgString(1);
        if (sub.Length > 128) sub = sub.Substring(0, 128);
        c.W.Error(Errors.UnknownSubcommandOrArgs(sub, "FUNCTION"));
    }

    /// <summary>FUNCTION LOAD [REPLACE] code: the library's name.</summary>
    static void Load(ref CommandContext c)
    {
        bool replace = false;
        int i = 2;
        for (; i < c.Count - 1; i++)
        {
            if (c.ArgIs(i, "replace"u8)) replace = true;
            else
            {
                c.W.Error("ERR Unknown option given: " + c.ArgString(i));
                return;
            }
        }
        if (!ScriptCommands.LuaAvailable(ref c)) return;
        FunctionLibraries registry = c.Shard.Server.Functions;
        string? error = ScriptEngine.CompileLibrary(c.Shard, c.Arg(i), out FunctionLibrary? library,
            name => !replace && registry.Current.Libraries.ContainsKey(name) ? Errors.LibraryExists(name) : null,
            timed: true);
        error ??= registry.Add(library!, replace);
        if (error != null)
        {
            c.W.Error(error);
            return;
        }
        c.Shard.Stats.Dirty++;
        c.W.Bulk(Encoding.ASCII.GetBytes(library!.Name));
    }

    static void Delete(ref CommandContext c)
    {
        if (!c.Shard.Server.Functions.Delete(c.ArgString(2)))
        {
            c.W.Error("ERR Library not found");
            return;
        }
        c.Shard.Stats.Dirty++;
        c.W.Ok();
    }

    static void Flush(ref CommandContext c)
    {
        if (c.Count > 3)
        {
            SyntaxError(ref c);
            return;
        }
        if (c.Count == 3 && !c.ArgIs(2, "sync"u8) && !c.ArgIs(2, "async"u8))
        {
            c.W.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
            return;
        }
        c.Shard.Server.Functions.ReplaceAll(Array.Empty<FunctionLibrary>());
        c.Shard.Stats.Dirty++;
        c.W.Ok();
    }

    /// <summary>FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern] (pattern without case, as Redis's stringmatchlen(..., 1)).</summary>
    static void List(ref CommandContext c)
    {
        bool withCode = false;
        int pattern = 0;
        for (int i = 2; i < c.Count; i++)
        {
            if (!withCode && c.ArgIs(i, "withcode"u8))
            {
                withCode = true;
                continue;
            }
            if (pattern == 0 && c.ArgIs(i, "libraryname"u8))
            {
                if (i >= c.Count - 1)
                {
                    c.W.Error("ERR library name argument was not given");
                    return;
                }
                pattern = ++i;
                continue;
            }
            c.W.Error("ERR Unknown argument " + c.ArgString(i));
            return;
        }
        FunctionSet set = c.Shard.Server.Functions.Current;
        var libs = new List<FunctionLibrary>();
        foreach (FunctionLibrary l in set.Sorted)
            if (pattern == 0 || Glob.Match(c.Arg(pattern), Encoding.ASCII.GetBytes(l.Name), nocase: true)) libs.Add(l);
        c.W.ArrayHeader(libs.Count);
        foreach (FunctionLibrary l in libs)
        {
            c.W.MapHeader(withCode ? 4 : 3);
            c.W.Bulk("library_name"u8);
            c.W.Bulk(Encoding.ASCII.GetBytes(l.Name));
            c.W.Bulk("engine"u8);
            c.W.Bulk("LUA"u8);
            c.W.Bulk("functions"u8);
            c.W.ArrayHeader(l.Functions.Length);
            foreach (FunctionInfo f in l.SortedFunctions())
            {
                c.W.MapHeader(3);
                c.W.Bulk("name"u8);
                c.W.Bulk(Encoding.ASCII.GetBytes(f.Name));
                c.W.Bulk("description"u8);
                if (f.Description != null) c.W.Bulk(f.Description);
                else c.W.NullBulk();
                c.W.Bulk("flags"u8);
                WriteFlags(c.W, f.Flags);
            }
            if (withCode)
            {
                c.W.Bulk("library_code"u8);
                c.W.Bulk(l.Code);
            }
        }
    }

    /// <summary>functionListReplyFlags: a set of status replies in scripts_flags_def's order.</summary>
    static void WriteFlags(FastKv.Protocol.RespWriter w, ScriptFlags flags)
    {
        ReadOnlySpan<ScriptFlags> order = [ScriptFlags.NoWrites, ScriptFlags.AllowOom, ScriptFlags.AllowStale, ScriptFlags.NoCluster, ScriptFlags.AllowCrossSlot];
        int n = 0;
        foreach (ScriptFlags f in order) if ((flags & f) != 0) n++;
        w.SetHeader(n);
        if ((flags & ScriptFlags.NoWrites) != 0) w.Simple("no-writes");
        if ((flags & ScriptFlags.AllowOom) != 0) w.Simple("allow-oom");
        if ((flags & ScriptFlags.AllowStale) != 0) w.Simple("allow-stale");
        if ((flags & ScriptFlags.NoCluster) != 0) w.Simple("no-cluster");
        if ((flags & ScriptFlags.AllowCrossSlot) != 0) w.Simple("allow-cross-slot-keys");
    }

    /// <summary>
    /// FUNCTION STATS (functionStatsCommand): the busy function, if one is, with its command and how long it has run;
    /// -BUSY while an EVAL is busy.
    /// </summary>
    static void Stats(ref CommandContext c)
    {
        BusyScripts busy = c.Shard.Server.BusyScripts;
        if (busy.EvalBusy)
        {
            c.Error(BusyScripts.BusyEval);
            return;
        }
        FunctionSet set = c.Shard.Server.Functions.Current;
        c.W.MapHeader(2);
        c.W.Bulk("running_script"u8);
        if (busy.Function is { } running)
        {
            c.W.MapHeader(3);
            c.W.Bulk("name"u8);
            c.W.Bulk(running.Name);
            c.W.Bulk("command"u8);
            c.W.ArrayHeader(running.Command.Length);
            foreach (byte[] a in running.Command) c.W.Bulk(a);
            c.W.Bulk("duration_ms"u8);
            c.W.Integer(running.DurationMs);
        }
        else c.W.NullBulk();
        c.W.Bulk("engines"u8);
        c.W.MapHeader(1);
        c.W.Bulk("LUA"u8);
        c.W.MapHeader(2);
        c.W.Bulk("libraries_count"u8);
        c.W.Integer(set.Libraries.Count);
        c.W.Bulk("functions_count"u8);
        c.W.Integer(set.FunctionCount);
    }

    static void Dump(ref CommandContext c) =>
        c.W.Bulk(FunctionPayload.Dump(c.Shard.Server.Functions.Current, c.Shard.Server.Config.RdbCompression));

    /// <summary>FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE] (functionRestoreCommand): all the payload's libraries or none.</summary>
    static void Restore(ref CommandContext c)
    {
        if (c.Count > 4)
        {
            SyntaxError(ref c);
            return;
        }
        bool flush = false, replace = false;
        if (c.Count == 4)
        {
            if (c.ArgIs(3, "append"u8)) { }
            else if (c.ArgIs(3, "replace"u8)) replace = true;
            else if (c.ArgIs(3, "flush"u8)) flush = true;
            else
            {
                c.W.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
                return;
            }
        }
        ReadOnlySpan<byte> payload = c.Arg(2);
        if (!RestoreCommand.VerifyFooter(payload, c.Shard.Server.SkipChecksumValidation))
        {
            c.W.Error(Errors.BadDumpPayload);
            return;
        }
        var libraries = new List<FunctionLibrary>();
        string? error = FunctionPayload.ReadRecords(c.Shard, payload.Slice(0, payload.Length - RestoreCommand.FooterSize), libraries);
        if (error == null)
        {
            if (flush) c.Shard.Server.Functions.ReplaceAll(libraries);
            else error = c.Shard.Server.Functions.Join(libraries, replace);
        }
        if (error != null)
        {
            c.W.Error(error);
            return;
        }
        c.Shard.Stats.Dirty++;
        c.W.Ok();
    }

    /// <summary>FUNCTION KILL: Redis's scriptKill for a function (NOTBUSY, UNKILLABLE, the EVAL's BUSY error, or OK).</summary>
    static void Kill(ref CommandContext c) => c.Shard.Server.BusyScripts.Kill(c.W, eval: false);

    static void Help(ref CommandContext c) => ServerCommands.Help(c.W, new[]
    {
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        "HELP",
        "    Print this help.",
    });
}
