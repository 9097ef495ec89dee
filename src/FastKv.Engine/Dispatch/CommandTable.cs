using FastKv.Engine.Commands;
using System;
using System.Collections.Generic;


namespace FastKv.Engine;

/// <summary>
/// Every command FastKv knows, built once at startup. Lookup by name is case-insensitive and
/// allocation-free: an open-addressing array keyed by a hash of the ASCII-lowercased name.
/// </summary>
public sealed unsafe class CommandTable
{
    readonly List<CommandSpec> all = new();
    CommandSpec?[] slots = new CommandSpec?[1024];
    int mask = 1023;

    public int Count => all.Count;
    public IReadOnlyList<CommandSpec> All => all;

    public static CommandTable CreateDefault()
    {
        var t = new CommandTable();
        StringCommands.Register(t);
        ListCommands.Register(t);
        HashCommands.Register(t);
        SetCommands.Register(t);
        ZSetCommands.Register(t);
        KeyCommands.Register(t);
        ConnectionCommands.Register(t);
        ServerCommands.Register(t);
        EntryDump.Register(t);
        Blocking.Register(t);
        SortCommand.Register(t);
        MultiCommands.Register(t);
        PubSubCommands.Register(t);
        RoleCommands.Register(t);
        LatencyCommand.Register(t);
        TrackingCommands.Register(t);
        return t;
    }

    /// <summary>
    /// Registers a top-level command. Keys at FirstKey..LastKey (negative: from the end) by KeyStep, or
    /// wherever <paramref name="keys"/> finds them (a command with a key procedure routes by its keys).
    /// </summary>
    public CommandSpec Add(string name, int arity, CommandFlags flags, int firstKey, int lastKey, int keyStep,
        string categories, delegate*<ref CommandContext, void> handler, CrossShard? cross = null, Route? route = null,
        delegate*<ReadOnlySpan<byte>, FastKv.Protocol.ArgList, Span<int>, int> keys = null)
    {
        CommandSpec spec = NewSpec(name, name, arity, flags, firstKey, lastKey, keyStep, categories, handler);
        spec.Cross = cross;
        spec.KeysProc = keys;
        spec.Route = route ?? (keys != null ? Route.Keys : spec.Route);
        Insert(spec);
        return spec;
    }

    /// <summary>Registers a subcommand (CONFIG GET, CLIENT LIST, ...) under its container.</summary>
    public CommandSpec AddSub(CommandSpec parent, string name, int arity, CommandFlags flags, string categories,
        delegate*<ref CommandContext, void> handler, int firstKey = 0, int lastKey = 0, int keyStep = 0)
    {
        CommandSpec spec = NewSpec(name, parent.Name + "|" + name, arity, flags, firstKey, lastKey, keyStep, categories, handler);
        spec.Parent = parent;
        var subs = parent.Subcommands ?? Array.Empty<CommandSpec>();
        Array.Resize(ref subs, subs.Length + 1);
        subs[^1] = spec;
        parent.Subcommands = subs;
        return spec;
    }

    CommandSpec NewSpec(string name, string fullName, int arity, CommandFlags flags, int firstKey, int lastKey, int keyStep,
        string categories, delegate*<ref CommandContext, void> handler)
    {
        var spec = new CommandSpec
        {
            Name = name,
            FullName = fullName,
            Arity = arity,
            Flags = flags,
            FirstKey = firstKey,
            LastKey = lastKey,
            KeyStep = keyStep,
            Categories = categories,
            Handler = handler,
            Route = firstKey > 0 ? Route.Keys : Route.Local,
            Id = all.Count,
        };
        all.Add(spec);
        return spec;
    }

    static uint HashLower(ReadOnlySpan<byte> s)
    {
        uint h = 2166136261;
        foreach (byte b in s)
        {
            int c = b;
            if ((uint)(c - 'A') <= 'Z' - 'A') c |= 0x20;
            h = (h ^ (uint)c) * 16777619;
        }
        return h;
    }

    void Insert(CommandSpec spec)
    {
        Span<byte> name = stackalloc byte[spec.Name.Length];
        for (int i = 0; i < name.Length; i++) name[i] = (byte)spec.Name[i];
        uint i0 = HashLower(name) & (uint)mask;
        while (slots[i0] != null) i0 = (i0 + 1) & (uint)mask;
        slots[i0] = spec;
    }

    /// <summary>The command named by <paramref name="name"/> (any case), or null.</summary>
    public CommandSpec? Find(ReadOnlySpan<byte> name)
    {
        uint i = HashLower(name) & (uint)mask;
        while (true)
        {
            var s = slots[i];
            if (s == null) return null;
            if (s.Name.Length == name.Length && NameEquals(s.Name, name)) return s;
            i = (i + 1) & (uint)mask;
        }
    }

    static bool NameEquals(string lower, ReadOnlySpan<byte> name)
    {
        for (int i = 0; i < name.Length; i++)
        {
            int c = name[i];
            if ((uint)(c - 'A') <= 'Z' - 'A') c |= 0x20;
            if (c != lower[i]) return false;
        }
        return true;
    }

    public static CommandSpec? FindSub(CommandSpec parent, ReadOnlySpan<byte> name)
    {
        if (parent.Subcommands == null) return null;
        foreach (var s in parent.Subcommands)
            if (s.Name.Length == name.Length && NameEquals(s.Name, name)) return s;
        return null;
    }

    /// <summary>
    /// Key argument positions of a command: its <see cref="CommandSpec.KeysProc"/>, or Redis's
    /// (first, last, step) rule. Writes as many as fit to <paramref name="positions"/> and returns the
    /// number of keys (which may exceed the span), or -1 when the arguments are malformed.
    /// </summary>
    public static int GetKeys(CommandSpec spec, ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args, Span<int> positions)
    {
        if (spec.KeysProc != null) return spec.KeysProc(buf, args, positions);
        if (spec.FirstKey <= 0) return 0;
        int argc = args.Count;
        int last = spec.LastKey >= 0 ? spec.LastKey : argc + spec.LastKey;
        if (last >= argc) last = argc - 1;
        int n = 0;
        for (int i = spec.FirstKey; i <= last; i += spec.KeyStep)
        {
            if (n < positions.Length) positions[n] = i;
            n++;
        }
        return n;
    }

    /// <summary>Key positions in a fresh array (off the hot path: cross-shard planning, COMMAND GETKEYS); null when malformed.</summary>
    public static int[]? GetKeys(CommandSpec spec, ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args)
    {
        Span<int> small = stackalloc int[16];
        int n = GetKeys(spec, buf, args, small);
        if (n <= 0) return n < 0 ? null : Array.Empty<int>();
        if (n <= small.Length) return small.Slice(0, n).ToArray();
        var all = new int[n];
        GetKeys(spec, buf, args, all);
        return all;
    }

    /// <summary>Key procedure: numkeys at argument 1, keys after it (LMPOP, ZMPOP, SINTERCARD, ZUNION...).</summary>
    public static int NumKeysAt1(ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args, Span<int> positions)
        => NumKeysPositions(buf, args, positions, 1, 0);

    /// <summary>Key procedure: numkeys at argument 2, keys after it (BLMPOP, BZMPOP: the timeout comes first).</summary>
    public static int NumKeysAt2(ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args, Span<int> positions)
        => NumKeysPositions(buf, args, positions, 2, 0);

    /// <summary>Key procedure: a destination at 1, numkeys at 2, keys after it (ZUNIONSTORE and friends).</summary>
    public static int DestinationThenNumKeys(ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args, Span<int> positions)
        => NumKeysPositions(buf, args, positions, 2, 1);

    /// <summary>
    /// Reads the numkeys argument at <paramref name="numkeysArg"/> and lists the keys after it
    /// (ZUNIONSTORE dest numkeys k..., SINTERCARD numkeys k..., LMPOP numkeys k...). Keys before numkeys
    /// (a destination) are given by <paramref name="leadingKey"/> (0: none). -1 when numkeys is not a
    /// positive integer or exceeds the arguments.
    /// </summary>
    public static int NumKeysPositions(ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args, Span<int> positions,
        int numkeysArg, int leadingKey)
    {
        if (numkeysArg >= args.Count) return -1;
        if (!FastKv.Protocol.RespNumber.TryParseInt64(args.Get(buf, numkeysArg), out long nk)) return -1;
        if (nk <= 0 || nk > args.Count - numkeysArg - 1) return -1;
        int n = 0;
        if (leadingKey > 0)
        {
            if (n < positions.Length) positions[n] = leadingKey;
            n++;
        }
        for (int i = 0; i < nk; i++)
        {
            if (n < positions.Length) positions[n] = numkeysArg + 1 + i;
            n++;
        }
        return n;
    }
}
