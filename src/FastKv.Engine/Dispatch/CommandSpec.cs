using System;

namespace FastKv.Engine;

[Flags]
public enum CommandFlags
{
    None = 0,
    Write = 1 << 0,
    ReadOnly = 1 << 1,
    DenyOom = 1 << 2,
    Admin = 1 << 3,
    PubSub = 1 << 4,
    NoScript = 1 << 5,
    Blocking = 1 << 6,
    Loading = 1 << 7,
    Stale = 1 << 8,
    SkipMonitor = 1 << 9,
    SkipSlowlog = 1 << 10,
    Fast = 1 << 11,
    NoAuth = 1 << 12,
    MayReplicate = 1 << 13,
    Sentinel = 1 << 14,
    NoMandatoryKeys = 1 << 15,
    NoMulti = 1 << 16,
    AllowBusy = 1 << 17,
    /// <summary>Internal, never shown: the session hands the command to MultiCommands.Intercept even outside
    /// MULTI (WATCH, whose reply waits until its keys' shards registered them).</summary>
    SessionHook = 1 << 30,
}

/// <summary>Where a command runs.</summary>
public enum Route
{
    /// <summary>On the connection's own shard (no keys, or connection state).</summary>
    Local,
    /// <summary>On the shard owning its keys (FirstKey..LastKey by KeyStep); split when they span shards.</summary>
    Keys,
    /// <summary>On every shard, replies merged (KEYS, DBSIZE, FLUSHALL, ...).</summary>
    AllShards,
    /// <summary>Routing decided by the command itself (SCAN by cursor, RANDOMKEY).</summary>
    Custom,
}

/// <summary>
/// One row of the command table: name, arity, flags, key positions, handler. The same row
/// answers COMMAND INFO, routes keys to shards and dispatches. Built once at startup.
/// </summary>
public sealed unsafe class CommandSpec
{
    public required string Name;
    /// <summary>"get", or "config|get" for a subcommand.</summary>
    public string FullName = "";
    public int Id;
    /// <summary>Redis convention: N means exactly N arguments (name included), -N at least N.</summary>
    public int Arity;
    public CommandFlags Flags;
    public int FirstKey;
    public int LastKey;
    public int KeyStep;
    public string Categories = "";
    public Route Route;
    public delegate*<ref CommandContext, void> Handler;
    /// <summary>
    /// Key positions of a command whose keys are not FirstKey..LastKey by KeyStep (Redis's getkeys_proc:
    /// ZUNIONSTORE, SINTERCARD, LMPOP, SORT...). Writes argument indexes into the span (as many as fit)
    /// and returns how many keys there are, or -1 when the arguments are malformed (the handler then
    /// replies the error). Null: FirstKey/LastKey/KeyStep say it all.
    /// </summary>
    public delegate*<ReadOnlySpan<byte>, FastKv.Protocol.ArgList, Span<int>, int> KeysProc;
    /// <summary>How the command is split when its keys live on several shards; null: it cannot be.</summary>
    public CrossShard? Cross;
    public CommandSpec[]? Subcommands;
    public CommandSpec? Parent;
    public string Group = "generic";
    public string Summary = "";
    public string Since = "1.0.0";

    public bool ArityOk(int argc) => Arity >= 0 ? argc == Arity : argc >= -Arity;
}

/// <summary>How a multi-key command runs when its keys span shards: split, run parts, merge.</summary>
public enum CrossShard
{
    /// <summary>MSET: key/value pairs split per shard, reply +OK.</summary>
    MSet,
    /// <summary>MSETNX: EXISTS on every shard first, then MSET parts if none exists.</summary>
    MSetNx,
    /// <summary>MGET: keys split per shard, array reassembled in request order.</summary>
    MGet,
    /// <summary>DEL, UNLINK, EXISTS, TOUCH: keys split per shard, integer replies summed.</summary>
    SumIntegers,
    /// <summary>RENAME: the value moves through a serialized copy (<see cref="MoveKeyTx"/>).</summary>
    Rename,
    /// <summary>RENAMENX: as RENAME when the destination does not exist.</summary>
    RenameNx,
    /// <summary>COPY: the value is copied through a serialized copy, the source stays.</summary>
    Copy,
    /// <summary>
    /// Any multi-key command (SUNIONSTORE, SMOVE, LMOVE, ZINTERSTORE...): every key is copied to one
    /// shard, the handler runs there over the copies, changed keys are written back (<see cref="GatherTx"/>).
    /// </summary>
    Gather,
}
