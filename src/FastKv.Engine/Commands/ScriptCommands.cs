using System;
using System.Text;
using FastKv.Engine.Scripting;

namespace FastKv.Engine.Commands;

/// <summary>
/// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis 7.2's eval.c). A script whose declared keys are on one shard
/// runs there inline, so it is atomic there (<see cref="ScriptTarget"/>); one whose keys span shards, or that is known
/// to reach keys it did not declare, runs as a <see cref="ScriptTx"/> under intent locks (DESIGN.md 6a).
/// </summary>
public static unsafe class ScriptCommands
{
    public static void Register(CommandTable t)
    {
        // EVAL, EVALSHA and FCALL are may-replicate in Redis 7.2 (COMMAND INFO does not show it): a script without
        // declared flags counts as one that may change data (CLIENT PAUSE WRITE holds it, see PausedByWrite).
        CommandSpec eval = t.Add("eval", &Eval, CrossShard.Script, Route.Custom, &CommandTable.NumKeysAt2);
        eval.CustomRoute = &ScriptTarget;
        eval.Flags |= CommandFlags.MayReplicate;
        CommandSpec evalSha = t.Add("evalsha", &EvalSha, CrossShard.Script, Route.Custom, &CommandTable.NumKeysAt2);
        evalSha.CustomRoute = &ScriptTarget;
        evalSha.Flags |= CommandFlags.MayReplicate;
        evalSha.ScriptBySha = true;
        t.Add("eval_ro", &EvalRo, CrossShard.Script, Route.Custom, &CommandTable.NumKeysAt2).CustomRoute = &ScriptTarget;
        CommandSpec evalShaRo = t.Add("evalsha_ro", &EvalShaRo, CrossShard.Script, Route.Custom, &CommandTable.NumKeysAt2);
        evalShaRo.CustomRoute = &ScriptTarget;
        evalShaRo.ScriptBySha = true;
        CommandSpec script = t.Add("script", &ScriptContainer);
        t.AddSub(script, "load", &ScriptLoad);
        t.AddSub(script, "exists", &ScriptExists);
        t.AddSub(script, "flush", &ScriptFlush);
        t.AddSub(script, "kill", &ScriptKill);
        t.AddSub(script, "help", &ScriptHelp);
    }

    /// <summary>
    /// Where a script runs: inline on the shard of its declared keys (home without keys), or null (a
    /// <see cref="ScriptTx"/>) when they span shards or the script is known to reach beyond them.
    /// </summary>
    public static Shard? ScriptTarget(ServerState server, Shard home, CommandSpec spec, ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args, int db)
    {
        if (server.ShardCount == 1) return home;
        Shard? target = Router.KeysProcTarget(server, home, spec, buf, args);
        if (target == null) return null;
        ScriptReach? script = ReachOf(server, spec, buf, args);
        // A script not seen before (or not yet proven to keep to its keys) first runs with every shard held.
        return script != null && script.Proven ? target : null;
    }

    /// <summary>
    /// The cached script an EVAL* names, or null (EVALSHA of an unknown SHA; EVAL of a body not cached yet, unless
    /// <paramref name="add"/>, which gives an uncached stand-in for it).
    /// </summary>
    public static Script? ScriptOf(ServerState server, CommandSpec spec, ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args, bool add = false)
    {
        if (args.Count < 3) return null;
        ReadOnlySpan<byte> a = args.Get(buf, 1);
        if (spec.ScriptBySha) return server.Scripts.Find(a);
        if (add)
        {
            // Not cached here: EVAL caches a body once it compiles. A new body's stand-in has learned nothing (every shard held).
            if (!ParseShebang(a, out _, out _)) return null;
            string sha = Sha1.Hex(a);
            return server.Scripts.Find(sha) ?? new Script(sha, a.ToArray());
        }
        return server.Scripts.Find(Sha1.Hex(a));
    }

    /// <summary>
    /// What is known of where the script an EVAL* or FCALL* names reaches (<see cref="ScriptOf"/>, or the FUNCTION),
    /// and whether it is read-only (EVAL_RO, FCALL_RO, a no-writes flag); null when it names none.
    /// </summary>
    public static ScriptReach? ReachOf(ServerState server, CommandSpec spec, ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args,
        bool add = false) => ReachOf(server, spec, buf, args, add, out _);

    public static ScriptReach? ReachOf(ServerState server, CommandSpec spec, ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args,
        bool add, out bool readOnly)
    {
        readOnly = (spec.Flags & CommandFlags.ReadOnly) != 0;
        if (spec.ScriptIsFunction)
        {
            FunctionInfo? f = args.Count >= 3 ? server.Functions.Current.Find(args.Get(buf, 1)) : null;
            readOnly |= f != null && (f.Flags & ScriptFlags.NoWrites) != 0;
            return f;
        }
        Script? script = ScriptOf(server, spec, buf, args, add);
        readOnly |= script != null && ParseShebang(script.Body, out ScriptFlags flags, out _) && (flags & ScriptFlags.NoWrites) != 0;
        return script;
    }

    /// <summary>
    /// Redis's evalGetCommandFlags / fcallGetCommandFlags: the flags a script declared (its shebang, or the function's
    /// flags) replace the command's own at the gate; false when it declared none (no shebang, an unknown SHA or function:
    /// then its calls are checked one by one).
    /// </summary>
    static bool DeclaredFlags(ServerState server, CommandSpec spec, ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args, out ScriptFlags flags)
    {
        flags = 0;
        if (args.Count < 2) return false;
        if (spec.ScriptIsFunction)
        {
            FunctionInfo? f = server.Functions.Current.Find(args.Get(buf, 1));
            if (f == null) return false;
            flags = f.Flags;
            return true;
        }
        ReadOnlySpan<byte> body = args.Get(buf, 1);
        if (spec.ScriptBySha)
        {
            Script? script = server.Scripts.Find(body);
            if (script == null) return false;
            body = script.Body;
        }
        return body.StartsWith("#!"u8) && ParseShebang(body, out flags, out _);
    }

    /// <summary>A script that declared flags is denyoom unless they say allow-oom or no-writes, so it is refused before it runs.</summary>
    public static bool DeniedOnOom(ServerState server, CommandSpec spec, ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args)
        => DeclaredFlags(server, spec, buf, args, out ScriptFlags flags) && (flags & (ScriptFlags.AllowOom | ScriptFlags.NoWrites)) == 0;

    /// <summary>
    /// Redis's getCommandFlags for a script, as CLIENT PAUSE WRITE reads it: with declared flags (a shebang, or the
    /// function's), a write unless no-writes (may-replicate is dropped); without, the command's own flags (EVAL, EVALSHA
    /// and FCALL may replicate, the _RO forms do not).
    /// </summary>
    public static bool PausedByWrite(ServerState server, CommandSpec spec, ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args)
        => DeclaredFlags(server, spec, buf, args, out ScriptFlags flags)
            ? (flags & ScriptFlags.NoWrites) == 0
            : (spec.Flags & (CommandFlags.Write | CommandFlags.MayReplicate)) != 0;

    /// <summary>A script that declared flags without no-writes is a write command at the gate (refused after a failed save).</summary>
    public static bool WritesByFlags(ServerState server, CommandSpec spec, ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args)
        => DeclaredFlags(server, spec, buf, args, out ScriptFlags flags) && (flags & ScriptFlags.NoWrites) == 0;

    /// <summary>EVAL's numkeys when it is valid.</summary>
    public static bool NumKeys(ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args, out int numKeys)
    {
        numKeys = 0;
        if (args.Count < 3 || !FastKv.Protocol.RespNumber.TryParseInt64(args.Get(buf, 2), out long n) || n < 0 || n > args.Count - 3) return false;
        numKeys = (int)n;
        return true;
    }

    static void Eval(ref CommandContext c) => EvalGeneric(ref c, bySha: false, readOnly: false);
    static void EvalSha(ref CommandContext c) => EvalGeneric(ref c, bySha: true, readOnly: false);
    static void EvalRo(ref CommandContext c) => EvalGeneric(ref c, bySha: false, readOnly: true);
    static void EvalShaRo(ref CommandContext c) => EvalGeneric(ref c, bySha: true, readOnly: true);

    static void EvalGeneric(ref CommandContext c, bool bySha, bool readOnly)
    {
        if (!FastKv.Protocol.RespNumber.TryParseInt64(c.Arg(2), out long numKeys))
        {
            c.W.Error(Errors.NotInteger);
            return;
        }
        if (!NumKeysFit(ref c, numKeys)) return;
        ScriptCache cache = c.Shard.Server.Scripts;
        Script? script = null;
        if (bySha)
        {
            script = cache.Find(c.Arg(1));
            if (script == null)
            {
                c.W.Error("NOSCRIPT No matching script. Please use EVAL.");
                return;
            }
        }
        // A body with a bad shebang is refused before it is cached.
        if (!ParseShebang(script?.Body ?? c.Arg(1), out ScriptFlags flags, out string? error))
        {
            c.W.Error(error!);
            return;
        }
        if (readOnly) flags |= ScriptFlags.NoWrites;
        if (!LuaAvailable(ref c)) return;
        ScriptEngine engine = ScriptEngine.Of(c.Shard);
        if (script == null)
        {
            // EVAL of a body: cached once it compiles (Redis keeps no script that failed to compile).
            string sha = Sha1.Hex(c.Arg(1));
            script = cache.Find(sha);
            if (script == null)
            {
                var fresh = new Script(sha, c.Arg(1).ToArray());
                if (!engine.Compile(c.W, fresh)) return;
                script = cache.Add(c.Arg(1));
            }
        }
        engine.Run(ref c, script, (int)numKeys, flags);
    }

    /// <summary>
    /// A first line <c>#!lua [flags=a,b]</c> declares the script's flags (Redis 7's shebang); a body without one
    /// runs in eval compatibility mode.
    /// </summary>
    public static bool ParseShebang(ReadOnlySpan<byte> body, out ScriptFlags flags, out string? error)
    {
        flags = ScriptFlags.None;
        error = null;
        if (!body.StartsWith("#!"u8))
        {
            flags = ScriptFlags.EvalCompat;
            return true;
        }
        int eol = body.IndexOf((byte)'\n');
        if (eol < 0)
        {
            error = "ERR Invalid script shebang";
            return false;
        }
        string line = Encoding.UTF8.GetString(body.Slice(2, eol - 2));
        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0] != "lua")
        {
            error = "ERR Unexpected engine in script shebang: #!" + (parts.Length == 0 ? "" : parts[0]);
            return false;
        }
        for (int i = 1; i < parts.Length; i++)
        {
            if (!parts[i].StartsWith("flags=", StringComparison.Ordinal))
            {
                error = "ERR Unknown lua shebang option: " + parts[i];
                return false;
            }
            foreach (string f in parts[i].Substring(6).Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                switch (f)
                {
                    case "no-writes": flags |= ScriptFlags.NoWrites; break;
                    case "allow-oom": flags |= ScriptFlags.AllowOom; break;
                    case "allow-stale": flags |= ScriptFlags.AllowStale; break;
                    case "no-cluster": flags |= ScriptFlags.NoCluster; break;
                    case "allow-cross-slot-keys": flags |= ScriptFlags.AllowCrossSlot; break;
                    default:
                        error = "ERR Unexpected flag in script shebang: " + f;
                        return false;
                }
            }
        }
        return true;
    }

    static void ScriptContainer(ref CommandContext c) => UnknownSubcommand(ref c, "SCRIPT");

    /// <summary>A container's reply to a subcommand it does not have.</summary>
    internal static void UnknownSubcommand(ref CommandContext c, string container)
    {
        string sub = c.ArgString(1);
        if (sub.Length > 128) sub = sub.Substring(0, 128);
        c.W.Error(Errors.UnknownSubcommand(sub, container));
    }

    /// <summary>EVAL's and FCALL's numkeys against the arguments after it; false after replying the error.</summary>
    internal static bool NumKeysFit(ref CommandContext c, long numKeys)
    {
        if (numKeys > c.Count - 3)
        {
            c.W.Error(Errors.MoreKeysThanArgs);
            return false;
        }
        if (numKeys < 0)
        {
            c.W.Error("ERR Number of keys can't be negative");
            return false;
        }
        return true;
    }

    /// <summary>False after replying the error when liblua5.1 is missing.</summary>
    internal static bool LuaAvailable(ref CommandContext c)
    {
        if (LuaApi.Available) return true;
        c.W.Error("ERR scripting is not available: the Lua 5.1 library (liblua5.1) is not installed");
        return false;
    }

    /// <summary>SCRIPT LOAD: compiled here (so a syntax error answers now), kept for every shard.</summary>
    static void ScriptLoad(ref CommandContext c)
    {
        ReadOnlySpan<byte> body = c.Arg(2);
        if (!ParseShebang(body, out _, out string? error))
        {
            c.W.Error(error!);
            return;
        }
        if (!LuaAvailable(ref c)) return;
        var script = new Script(Sha1.Hex(body), body.ToArray());
        if (!ScriptEngine.Of(c.Shard).Compile(c.W, script)) return;
        c.Shard.Server.Scripts.Add(body);
        c.W.Bulk(Encoding.ASCII.GetBytes(script.Sha));
    }

    static void ScriptExists(ref CommandContext c)
    {
        ScriptCache cache = c.Shard.Server.Scripts;
        c.W.ArrayHeader(c.Count - 2);
        for (int i = 2; i < c.Count; i++) c.W.Integer(cache.Find(c.Arg(i)) != null ? 1 : 0);
    }

    static void ScriptFlush(ref CommandContext c)
    {
        if (c.Count > 3 || (c.Count == 3 && !c.ArgIs(2, "sync"u8) && !c.ArgIs(2, "async"u8)))
        {
            c.W.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
            return;
        }
        c.Shard.Server.Scripts.Flush();
        c.W.Ok();
    }

    /// <summary>SCRIPT KILL: stops a busy script that has not written, on whichever shard it runs (<see cref="BusyScripts"/>).</summary>
    static void ScriptKill(ref CommandContext c) => c.Shard.Server.BusyScripts.Kill(c.W, eval: true);

    static void ScriptHelp(ref CommandContext c) => ServerCommands.Help(c.W, new[]
    {
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Print this help.",
    });
}
