using FastKv.Engine.Commands;
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;


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
        DumpCommand.Register(t);
        ConnectionCommands.Register(t);
        ClientCommands.Register(t);
        MonitorCommand.Register(t);
        ServerCommands.Register(t);
        CommandCommand.Register(t);
        SortCommand.Register(t);
        MultiCommands.Register(t);
        PubSubCommands.Register(t);
        RoleCommands.Register(t);
        LatencyCommand.Register(t);
        TrackingCommands.Register(t);
        PersistenceCommands.Register(t);
        BgRewriteAofCommand.Register(t);
        WaitCommands.Register(t);
        RestoreCommand.Register(t);
        ScriptCommands.Register(t);
        FunctionCommands.Register(t);
        BitCommands.Register(t);
        HllCommands.Register(t);
        GeoCommands.Register(t);
        StreamCommands.Register(t);
        foreach (CommandSpec spec in t.all) spec.Summary = CommandSummaries.Of(spec.FullName);
        return t;
    }

    /// <summary>
    /// Registers a top-level Redis command: its arity, flags, key positions, ACL categories and docs are Redis
    /// 7.2's (<see cref="CommandFacts"/>); the row declares FastKv's own behaviour: the handler, how a
    /// multi-key command crosses shards, a route other than by its keys, a key procedure (a command with one
    /// routes by its keys), and whatever else it sets on the returned spec.
    /// </summary>
    public CommandSpec Add(string name, delegate*<ref CommandContext, void> handler, CrossShard? cross = null, Route? route = null,
        delegate*<ReadOnlySpan<byte>, FastKv.Protocol.ArgList, Span<int>, int> keys = null)
    {
        CommandFact fact = CommandFacts.Find(name) ?? throw new InvalidOperationException("Redis 7.2 has no command " + name);
        CommandSpec spec = NewSpec(name, name, fact.Arity, fact.Flags, fact.FirstKey, fact.LastKey, fact.KeyStep, handler);
        spec.Fact = fact;
        spec.Cross = cross;
        spec.KeysProc = keys;
        spec.Route = route ?? (keys != null ? Route.Keys : spec.Route);
        Insert(spec);
        return spec;
    }

    /// <summary>Registers a subcommand of a Redis container (CONFIG GET, CLIENT LIST, ...), its facts as <see cref="Add(string, delegate*{ref CommandContext, void}, CrossShard?, Route?, delegate*{ReadOnlySpan{byte}, FastKv.Protocol.ArgList, Span{int}, int})"/>.</summary>
    public CommandSpec AddSub(CommandSpec parent, string name, delegate*<ref CommandContext, void> handler)
    {
        string fullName = parent.Name + "|" + name;
        CommandFact fact = CommandFacts.Find(fullName) ?? throw new InvalidOperationException("Redis 7.2 has no command " + fullName);
        CommandSpec spec = NewSpec(name, fullName, fact.Arity, fact.Flags, fact.FirstKey, fact.LastKey, fact.KeyStep, handler);
        spec.Fact = fact;
        spec.Parent = parent;
        var subs = parent.Subcommands ?? Array.Empty<CommandSpec>();
        Array.Resize(ref subs, subs.Length + 1);
        subs[^1] = spec;
        parent.Subcommands = subs;
        return spec;
    }

    CommandSpec NewSpec(string name, string fullName, int arity, CommandFlags flags, int firstKey, int lastKey, int keyStep,
        delegate*<ref CommandContext, void> handler)
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
        byte[] name = System.Text.Encoding.ASCII.GetBytes(spec.Name);
        uint i0 = HashLower(name) & (uint)mask;
        while (slots[i0] != null) i0 = (i0 + 1) & (uint)mask;
        slots[i0] = spec;
        if (!Pack(name, out ulong lo, out ulong hi)) return;
        uint j = PackedHash(lo, hi) & PackedMask;
        while (packed[j].Spec != null) j = (j + 1) & PackedMask;
        packed[j] = new PackedName { Lo = lo, Hi = hi, Length = name.Length, Spec = spec };
    }

    /// <summary>A name of at most 16 bytes, lowercased, as two words; a slot of the table of such names.</summary>
    struct PackedName
    {
        public ulong Lo, Hi;
        public int Length;
        public CommandSpec? Spec;
    }

    const uint PackedMask = 1023;
    readonly PackedName[] packed = new PackedName[PackedMask + 1];

    /// <summary>
    /// Packs 1 to 16 ASCII bytes into two little-endian words, zero-padded, letters lowercased eight at a time; false
    /// for a longer or empty name or one with a byte above 0x7F (no command has one).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool Pack(ReadOnlySpan<byte> s, out ulong lo, out ulong hi)
    {
        int n = s.Length;
        lo = hi = 0;
        if ((uint)(n - 1) >= 16) return false;
        ref byte p = ref MemoryMarshal.GetReference(s);
        // Every read below lies inside the span: overlapping reads of its first and last bytes.
        if (n >= 8)
        {
            lo = Unsafe.ReadUnaligned<ulong>(ref p);
            if (n > 8) hi = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, n - 8)) >> ((16 - n) * 8);
        }
        else if (n >= 4)
        {
            ulong a = Unsafe.ReadUnaligned<uint>(ref p);
            ulong b = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, n - 4));
            lo = a | b << ((n - 4) * 8);
        }
        else
        {
            lo = p;
            if (n > 1) lo |= (ulong)Unsafe.Add(ref p, 1) << 8;
            if (n > 2) lo |= (ulong)Unsafe.Add(ref p, 2) << 16;
        }
        if (((lo | hi) & 0x8080808080808080UL) != 0) return false;
        lo = Lower(lo);
        hi = Lower(hi);
        return true;
    }

    /// <summary>ASCII letters A-Z of eight bytes below 0x80 made lowercase (no carry crosses a byte).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Lower(ulong x)
    {
        ulong upper = (x + 0x3F3F3F3F3F3F3F3FUL) & ~(x + 0x2525252525252525UL) & 0x8080808080808080UL;
        return x | upper >> 2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static uint PackedHash(ulong lo, ulong hi) => (uint)((lo * 0x9E3779B97F4A7C15UL ^ hi * 0xC2B2AE3D27D4EB4FUL) >> 40);

    /// <summary>The command named by <paramref name="name"/> (any case), or null.</summary>
    public CommandSpec? Find(ReadOnlySpan<byte> name)
    {
        if (Pack(name, out ulong lo, out ulong hi))
        {
            uint j = PackedHash(lo, hi) & PackedMask;
            while (true)
            {
                ref PackedName e = ref packed[j];
                if (e.Spec == null) return null;
                if (e.Lo == lo && e.Hi == hi && e.Length == name.Length) return e.Spec;
                j = (j + 1) & PackedMask;
            }
        }
        // Longer than 16 bytes (GEORADIUSBYMEMBER_RO), or with a byte no command name has.
        if ((uint)(name.Length - 1) < 16) return null;
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
