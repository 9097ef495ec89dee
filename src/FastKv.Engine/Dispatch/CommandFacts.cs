using System;
using System.Collections.Generic;

namespace FastKv.Engine;

/// <summary>
/// What Redis 7.2 says about one command (or subcommand, "config|get"): the facts its COMMAND INFO and
/// COMMAND DOCS replies carry, written as data by scripts/gen_command_facts.py into CommandFacts.g.cs.
/// This is Redis's commands.def for FastKv: a table row (<see cref="CommandTable.Add(string, delegate*{ref CommandContext, void})"/>)
/// takes arity, flags, key positions, ACL categories, tips, key specs and docs from here, and declares only
/// what is FastKv's own (handler, routing, cross-shard plan, blocking form, keyspace event).
/// </summary>
public sealed class CommandFact
{
    public readonly string Name;
    public readonly int Arity;
    /// <summary>Redis's flags, in the names COMMAND INFO shows (movablekeys apart).</summary>
    public readonly CommandFlags Flags;
    /// <summary>Redis computes the key positions with a procedure (COMMAND INFO's "movablekeys").</summary>
    public readonly bool MovableKeys;
    public readonly int FirstKey, LastKey, KeyStep;
    public readonly string[] Categories;
    public readonly string[] Tips;
    public readonly KeySpec[] KeySpecs;
    public readonly CommandDoc Doc;

    public CommandFact(string name, int arity, string flags, int firstKey, int lastKey, int keyStep, string categories,
        string? tips, KeySpec[]? keySpecs, CommandDoc doc)
    {
        Name = name;
        Arity = arity;
        foreach (string f in Words(flags))
        {
            if (f == "movablekeys") MovableKeys = true;
            else Flags |= CommandFacts.FlagOf(f);
        }
        FirstKey = firstKey;
        LastKey = lastKey;
        KeyStep = keyStep;
        Categories = Words(categories);
        Tips = Words(tips);
        KeySpecs = keySpecs ?? Array.Empty<KeySpec>();
        Doc = doc;
    }

    internal static string[] Words(string? s) => s == null ? Array.Empty<string>() : s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// A key specification (Redis 7's key-specs): how to find one group of keys in the arguments, and what the
/// command does with them. Routing still uses the table's FirstKey/LastKey/KeyStep or key procedure; these
/// are answered by COMMAND INFO, and ACL key patterns will read them.
/// </summary>
public sealed class KeySpec
{
    public string? Notes;
    /// <summary>RW RO OW RM, access update insert delete, not_key incomplete variable_flags.</summary>
    public string[] Flags = Array.Empty<string>();
    public KeySpecStep BeginSearch = null!;
    public KeySpecStep FindKeys = null!;
}

/// <summary>
/// One half of a key spec: begin_search ("index", "keyword", "unknown") or find_keys ("range", "keynum",
/// "unknown"), with its fields in the order Redis answers them.
/// </summary>
public sealed class KeySpecStep
{
    public required string Type;
    /// <summary>A keyword search's keyword (it comes before its startfrom).</summary>
    public string? Keyword;
    public (string Name, int Value)[] Numbers = Array.Empty<(string, int)>();
}

/// <summary>COMMAND DOCS for one command, except the summary (FastKv's own words, <see cref="CommandSummaries"/>).</summary>
public sealed class CommandDoc
{
    public required string Since;
    public required string Group;
    public string? Complexity;
    public string[]? DocFlags;
    public string? DeprecatedSince;
    public string? ReplacedBy;
    public (string Version, string Change)[]? History;
    public CommandArg[]? Arguments;
}

/// <summary>One argument of a command's syntax (COMMAND DOCS "arguments"), nested for blocks and choices.</summary>
public sealed class CommandArg
{
    public required string Name;
    public required string Type;
    public string? DisplayText;
    public int KeySpecIndex = -1;
    public string? Token;
    public string? Since;
    public string? DeprecatedSince;
    public string[]? Flags;
    public CommandArg[]? Arguments;
}

public static partial class CommandFacts
{
    static Dictionary<string, CommandFact>? byName;

    /// <summary>The facts of a command ("get") or subcommand ("config|get"), or null when Redis 7.2 has no such command.</summary>
    public static CommandFact? Find(string fullName)
    {
        var map = byName;
        if (map == null)
        {
            map = new Dictionary<string, CommandFact>(StringComparer.Ordinal);
            foreach (CommandFact f in Generated()) map.Add(f.Name, f);
            byName = map;
        }
        return map.TryGetValue(fullName, out CommandFact? fact) ? fact : null;
    }

    /// <summary>The names of a container's subcommands Redis 7.2 has ("cluster" → "addslots", ...), in name order.</summary>
    public static List<string> SubcommandsOf(string parent)
    {
        var names = new List<string>();
        string prefix = parent + "|";
        foreach (CommandFact f in Generated())
        {
            string full = f.Name;
            if (full.StartsWith(prefix, StringComparison.Ordinal)) names.Add(full.Substring(prefix.Length));
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Redis's flag name → ours. Redis's hidden flags (may_replicate, protected) are not in its replies.</summary>
    internal static CommandFlags FlagOf(string name) => name switch
    {
        "write" => CommandFlags.Write,
        "readonly" => CommandFlags.ReadOnly,
        "denyoom" => CommandFlags.DenyOom,
        "module" => CommandFlags.Module,
        "admin" => CommandFlags.Admin,
        "pubsub" => CommandFlags.PubSub,
        "noscript" => CommandFlags.NoScript,
        "blocking" => CommandFlags.Blocking,
        "loading" => CommandFlags.Loading,
        "stale" => CommandFlags.Stale,
        "skip_monitor" => CommandFlags.SkipMonitor,
        "skip_slowlog" => CommandFlags.SkipSlowlog,
        "asking" => CommandFlags.Asking,
        "fast" => CommandFlags.Fast,
        "no_auth" => CommandFlags.NoAuth,
        "may_replicate" => CommandFlags.MayReplicate,
        "no_mandatory_keys" => CommandFlags.NoMandatoryKeys,
        "no_async_loading" => CommandFlags.NoAsyncLoading,
        "no_multi" => CommandFlags.NoMulti,
        "allow_busy" => CommandFlags.AllowBusy,
        _ => throw new InvalidOperationException("unknown Redis command flag " + name),
    };

    /// <summary>The flags COMMAND INFO shows, in Redis's order; movablekeys goes between no_multi and allow_busy.</summary>
    internal static readonly (CommandFlags Flag, string Name)[] ShownFlags =
    {
        (CommandFlags.Write, "write"), (CommandFlags.ReadOnly, "readonly"), (CommandFlags.DenyOom, "denyoom"),
        (CommandFlags.Module, "module"), (CommandFlags.Admin, "admin"), (CommandFlags.PubSub, "pubsub"),
        (CommandFlags.NoScript, "noscript"), (CommandFlags.Blocking, "blocking"), (CommandFlags.Loading, "loading"),
        (CommandFlags.Stale, "stale"), (CommandFlags.SkipMonitor, "skip_monitor"), (CommandFlags.SkipSlowlog, "skip_slowlog"),
        (CommandFlags.Asking, "asking"), (CommandFlags.Fast, "fast"), (CommandFlags.NoAuth, "no_auth"),
        (CommandFlags.NoMandatoryKeys, "no_mandatory_keys"), (CommandFlags.NoAsyncLoading, "no_async_loading"),
        (CommandFlags.NoMulti, "no_multi"),
    };

    // ---- the generated file's vocabulary ----

    static KeySpec K(string flags, KeySpecStep begin, KeySpecStep find, string? notes = null)
        => new() { Flags = CommandFact.Words(flags), BeginSearch = begin, FindKeys = find, Notes = notes };

    static KeySpecStep Index(int index) => new() { Type = "index", Numbers = new[] { ("index", index) } };
    static KeySpecStep Keyword(string keyword, int startFrom) => new() { Type = "keyword", Keyword = keyword, Numbers = new[] { ("startfrom", startFrom) } };
    static KeySpecStep Unknown() => new() { Type = "unknown" };
    static KeySpecStep Range(int lastKey, int keyStep, int limit)
        => new() { Type = "range", Numbers = new[] { ("lastkey", lastKey), ("keystep", keyStep), ("limit", limit) } };
    static KeySpecStep KeyNum(int keyNumIdx, int firstKey, int keyStep)
        => new() { Type = "keynum", Numbers = new[] { ("keynumidx", keyNumIdx), ("firstkey", firstKey), ("keystep", keyStep) } };

    static CommandDoc D(string since, string group, string? complexity = null, string? deprecatedSince = null, string? replacedBy = null,
        string? docFlags = null, (string, string)[]? history = null, CommandArg[]? args = null)
        => new()
        {
            Since = since, Group = group, Complexity = complexity, DeprecatedSince = deprecatedSince, ReplacedBy = replacedBy,
            DocFlags = docFlags == null ? null : CommandFact.Words(docFlags), History = history, Arguments = args,
        };

    static CommandArg A(string name, string type, string? display = null, string? token = null, string? since = null,
        string? deprecatedSince = null, int keySpec = -1, string? flags = null, CommandArg[]? args = null)
        => new()
        {
            Name = name, Type = type, DisplayText = display, Token = token, Since = since, DeprecatedSince = deprecatedSince,
            KeySpecIndex = keySpec, Flags = flags == null ? null : CommandFact.Words(flags), Arguments = args,
        };
}
