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
    NoAsyncLoading = 1 << 18,
    Asking = 1 << 19,
    Module = 1 << 20,
    /// <summary>Redis's hidden "protected" flag (DEBUG, MODULE): refused unless enable-*-command allows it.</summary>
    Protected = 1 << 21,
    /// <summary>Redis's internal CMD_TOUCHES_ARBITRARY_KEYS (SCAN, RANDOMKEY): the expiry deletions it causes are
    /// propagated one by one, not wrapped in MULTI/EXEC with it.</summary>
    TouchesArbitraryKeys = 1 << 22,
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
    /// <summary>Routing decided by the command's <see cref="CommandSpec.CustomRoute"/> (SCAN by cursor, RANDOMKEY, SORT).</summary>
    Custom,
}

/// <summary>What a command is to a connection inside MULTI (Redis's processCommand tests these by handler).</summary>
/// <summary>Which arguments MONITOR shows as "(redacted)" (Redis's redactClientCommandArgument).</summary>
public enum Redaction : byte
{
    None,
    /// <summary>AUTH: every argument.</summary>
    AllArguments,
    /// <summary>HELLO: the two after its AUTH option.</summary>
    HelloAuth,
    /// <summary>MIGRATE: the one after AUTH, or the two after AUTH2.</summary>
    MigrateAuth,
}

public enum MultiRole : byte
{
    /// <summary>Queued until EXEC (or rejected when no-multi).</summary>
    Queued,
    /// <summary>Runs at once, leaving the transaction to its handler (QUIT, RESET).</summary>
    RunsNow,
    Exec,
    Discard,
    /// <summary>MULTI inside MULTI: an error, the transaction goes on.</summary>
    Multi,
    /// <summary>WATCH inside MULTI: an error, the transaction goes on.</summary>
    Watch,
}

/// <summary>How RENAME, RENAMENX and COPY move a value between shards (<see cref="CrossShard.Move"/>).</summary>
public enum KeyMove : byte
{
    Rename,
    RenameNx,
    Copy,
}

/// <summary>
/// One row of the command table: name, arity, flags, key positions, handler. The same row
/// answers COMMAND INFO, routes keys to shards and dispatches. Built once at startup.
/// </summary>
public sealed unsafe class CommandSpec
{
    public required string Name;
    /// <summary>"get", or "config|get" for a subcommand. For messages and COMMAND; behaviour never tests it.</summary>
    public string FullName = "";
    public int Id;
    /// <summary>Redis convention: N means exactly N arguments (name included), -N at least N.</summary>
    public int Arity;
    public CommandFlags Flags;
    public int FirstKey;
    public int LastKey;
    public int KeyStep;
    /// <summary>ACL categories ("@read @string @fast"): Redis's, from <see cref="Fact"/>.</summary>
    public string[] Categories => Fact?.Categories ?? Array.Empty<string>();
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
    /// <summary>EVALSHA, EVALSHA_RO: the script is named by its SHA-1 (EVAL gives its body).</summary>
    public bool ScriptBySha;
    /// <summary>FCALL, FCALL_RO: the script is a FUNCTION named by argument 1.</summary>
    public bool ScriptIsFunction;
    /// <summary>Refused with -MISCONF after a failed save like a write (PING, as Redis's processCommand singles it out).</summary>
    public bool RefusedOnDiskError;
    /// <summary>Routed even with one shard: its route may build a transaction that a single shard needs too (SAVE's cut).</summary>
    public bool RoutedAlways;
    public CommandSpec[]? Subcommands;
    public CommandSpec? Parent;
    /// <summary>
    /// Redis 7.2's facts for this command (arity, flags, keys, categories, tips, key specs, docs); null for
    /// a FastKv-internal command, which COMMAND does not show.
    /// </summary>
    public CommandFact? Fact;
    /// <summary>FastKv's own one-line summary for COMMAND DOCS (<see cref="CommandSummaries"/>).</summary>
    public string Summary = "";

    // ---- behaviour the row declares (nothing else looks a command up by name) ----

    /// <summary>The shard of a <see cref="Route.Custom"/> command (null: it needs several shards).</summary>
    public delegate*<ServerState, Shard, CommandSpec, ReadOnlySpan<byte>, FastKv.Protocol.ArgList, int, Shard?> CustomRoute;
    /// <summary>Also writes its key in another database (MOVE, COPY ... DB): EXEC locks the key's shard whole.</summary>
    public bool WritesOtherDb;
    /// <summary>
    /// A <see cref="Route.AllShards"/> write's last step on its home shard, once every shard ran it and while all are
    /// still held (FLUSHALL: the save of the empty dataset); with one shard the handler calls it itself.
    /// </summary>
    public delegate*<Shard, void> AfterAllShards;
    /// <summary>Switches the connection's database to its argument 1 (SELECT): later commands queued in MULTI use it.</summary>
    public bool ChangesDb;
    /// <summary>The blocking form (BLPOP, BZMPOP, ...): what it waits for and the non-blocking attempt it stands for.</summary>
    public BlockingForm? Block;
    /// <summary>A write that never serves a blocked client (XREADGROUP, XGROUP SETID: Redis signals no key for them).</summary>
    public bool ServesNoWaiter;
    /// <summary>
    /// WAIT and WAITAOF: run from a connection (not in MULTI) the session may block on acknowledgements
    /// (<see cref="Commands.WaitCommands.Begin"/>); the handler is the form that answers at once.
    /// </summary>
    public AckKind WaitsFor;
    /// <summary>What the command is to a connection inside MULTI.</summary>
    public MultiRole InMulti;
    /// <summary>May run on a RESP2 connection in subscriber mode ((P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT, RESET).</summary>
    public bool AllowedWhileSubscribed;
    /// <summary>The keyspace event a STORE variant announces on its destination (sunionstore, zrangestore, ...).</summary>
    public byte[]? Event;
    /// <summary>
    /// The key flags of one call, for a command whose key spec says variable_flags (SET: OW update, or RW
    /// access update with GET). Redis's getkeys procedure answers them; COMMAND GETKEYSANDFLAGS and ACL read them.
    /// </summary>
    public delegate*<ReadOnlySpan<byte>, FastKv.Protocol.ArgList, string[]> KeyFlags;
    /// <summary>CLIENT's subcommands do not use up a CLIENT CACHING yes/no (Redis's trackingHandlePendingKeyInvalidations).</summary>
    public bool KeepsTrackingCaching;
    /// <summary>The arguments MONITOR hides.</summary>
    public Redaction Redact;
    /// <summary>TOUCH: updates the access time of its keys even for a CLIENT NO-TOUCH client (Redis's lookupKey).</summary>
    public bool TouchesAlways;
    /// <summary>RENAME, RENAMENX or COPY (for <see cref="CrossShard.Move"/>).</summary>
    public KeyMove Move;

    public string Group => Fact?.Doc.Group ?? "generic";

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
    /// <summary>RENAME, RENAMENX, COPY: value moved through a serialized copy (<see cref="CommandSpec.Move"/> says which).</summary>
    Move,
    /// <summary>SORT, SORT_RO: with BY/GET patterns a <see cref="SortTx"/> (they name keys anywhere), else <see cref="Gather"/>.</summary>
    Sort,
    /// <summary>
    /// Any multi-key command (SUNIONSTORE, SMOVE, LMOVE, ZINTERSTORE...): every key is copied to one
    /// shard, the handler runs there over the copies, changed keys are written back (<see cref="GatherTx"/>).
    /// </summary>
    Gather,
    /// <summary>SAVE: a snapshot (<see cref="SnapshotStartTx"/>), reply when the file is on disk.</summary>
    Save,
    /// <summary>BGSAVE: a snapshot, reply at its cut.</summary>
    Bgsave,
    /// <summary>SHUTDOWN with a save: a snapshot, writes paused until the file is on disk, then the server stops.</summary>
    ShutdownSave,
    /// <summary>BGREWRITEAOF: a snapshot whose file is the AOF's new base, the log switched to a new INCR at its cut.</summary>
    BgRewriteAof,
    /// <summary>DEBUG RELOAD: save, empty, load under every shard's write lock (<see cref="DebugReloadTx"/>).</summary>
    DebugReload,
    /// <summary>EVAL and friends: a <see cref="Scripting.ScriptTx"/> under intent locks on its keys or every shard.</summary>
    Script,
}
