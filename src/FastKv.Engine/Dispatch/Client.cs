namespace FastKv.Engine;

/// <summary>
/// The per-connection state commands may read or change (SELECT, HELLO, CLIENT SETNAME, AUTH).
/// Owned by the connection's shard thread. Commands executed on another shard never see it:
/// they get the database index and protocol version through their <see cref="CommandContext"/>.
/// </summary>
public sealed class Client
{
    public long Id;
    public int Db;
    public int Protocol = 2;
    public bool Authenticated;
    public string? Name;
    public string? LibName;
    public string? LibVersion;
    public string Address = "";
    public string LocalAddress = "";
    public int Fd;
    public int ShardId;
    public long CreatedMs;
    public long LastInteractionMs;
    public string LastCommand = "NULL";
    /// <summary>Set by QUIT, CLIENT KILL, protocol errors: close after flushing replies.</summary>
    public bool CloseAfterReply;
    /// <summary>Set by CLIENT KILL from another connection; checked by the owning loop.</summary>
    public volatile bool Killed;
    /// <summary>Bytes in the query buffer (CLIENT LIST qbuf), set by the session as it parses and by the loop's cron.</summary>
    public long QueryBufferLength;
    /// <summary>Free bytes after them in the query buffer (CLIENT LIST qbuf-free).</summary>
    public long QueryBufferFree;
    /// <summary>
    /// Redis's server.pre_command_oom_state, kept per client: memory was over maxmemory (after eviction) when this
    /// client's current command passed the gate. A script's denyoom calls are refused on it, not on memory the
    /// script itself uses.
    /// </summary>
    public bool PreCommandOom;
    /// <summary>CLIENT NO-EVICT: kept out of client eviction (flag e).</summary>
    public bool NoEvict;
    /// <summary>Connected through the unixsocket (CLIENT LIST flag U; addr and laddr are the socket's path).</summary>
    public bool UnixSocket;
    /// <summary>CLIENT NO-TOUCH: its commands (but TOUCH) leave keys' LRU/LFU alone (flag T).</summary>
    public bool NoTouch;
    /// <summary>In MONITOR mode: receives every command the server runs (flag O).</summary>
    public bool Monitor;
    /// <summary>CLIENT REPLY OFF: no replies until CLIENT REPLY ON (pushes still go out).</summary>
    public bool ReplyOff;
    /// <summary>CLIENT REPLY SKIP was the previous command: this one's reply is dropped.</summary>
    public bool ReplySkip;
    /// <summary>CLIENT REPLY SKIP runs now: the next command's reply is dropped.</summary>
    public bool ReplySkipNext;
    /// <summary>Waiting for a CLIENT PAUSE to end before its next command runs (flag b, as Redis's postponed clients).</summary>
    public volatile bool Postponed;
    /// <summary>The connection's session (set by it); subscriptions deliver through it.</summary>
    public Session? Session;
    /// <summary>This connection's subscriptions, null until its first (P|S)SUBSCRIBE; owned by its home shard.</summary>
    public Subscriptions? PubSub;
    /// <summary>When the unsent output first reached its class's soft limit (client-output-buffer-limit); 0: below it.</summary>
    public long OutputSoftLimitSinceMs;
    public long OutputBufferLength;
    /// <summary>
    /// Memory the connection held when last measured (CLIENT LIST tot-mem; client eviction): by every flush while
    /// maxmemory-clients is set, by the loop's cron always. See <see cref="ClientMemory"/>.
    /// </summary>
    public long TrackedMemory;
    /// <summary>Its client-eviction bucket (<see cref="ClientMemory.BucketOf"/>); -1 while not measured or CLIENT NO-EVICT.</summary>
    public int MemoryBucket = -1;
    /// <summary>MULTI/WATCH state, created when the client first uses them (null on the fast path).</summary>
    public MultiState? Multi;
    /// <summary>
    /// The AOF's replay client (Redis's CLIENT_ID_AOF fake client): Redis calls its commands directly, so none of
    /// processCommand's checks (authentication, -LOADING, OOM, pause) apply to it.
    /// </summary>
    public bool AofLoader;
    /// <summary>CLIENT TRACKING state, created by the client's first CLIENT TRACKING (null on the fast path).</summary>
    public ClientTracking? Tracking;
    /// <summary>
    /// Redis's c->woff, for WAITAOF: the AOF's <see cref="AofLog.WrittenOffset"/> once this client's writes were
    /// written, as of its last WAITAOF (or EXEC holding one). Writes since then are in <see cref="AofWritePending"/>.
    /// </summary>
    public long AofWoff;
    /// <summary>A write command ran since <see cref="AofWoff"/> was taken (set as it is dispatched while the AOF is on).</summary>
    public bool AofWritePending;
}
