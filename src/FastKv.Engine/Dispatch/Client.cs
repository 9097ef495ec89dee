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
    public long QueryBufferLength;
    /// <summary>The connection's session (set by it); subscriptions deliver through it.</summary>
    public Session? Session;
    /// <summary>This connection's subscriptions, null until its first (P|S)SUBSCRIBE; owned by its home shard.</summary>
    public Subscriptions? PubSub;
    /// <summary>When the unsent output first reached its class's soft limit (client-output-buffer-limit); 0: below it.</summary>
    public long OutputSoftLimitSinceMs;
    public long OutputBufferLength;
    /// <summary>Native memory held by the query buffer and by the unsent output (CLIENT LIST tot-mem); set by the loop's cron.</summary>
    public long QueryBufferMemory, OutputMemory;
    /// <summary>MULTI/WATCH state, created when the client first uses them (null on the fast path).</summary>
    public MultiState? Multi;
}
