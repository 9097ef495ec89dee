using System;
using System.Collections.Concurrent;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// What the whole server shares: configuration, the command table, the shards and the slot map,
/// the client registry (for CLIENT LIST/KILL and INFO clients) and lifecycle flags.
/// Written at startup; afterwards only counters and the registry change, from any thread.
/// </summary>
public sealed class ServerState : IDisposable
{
    public const string RedisVersion = "7.2.4";
    public const int SlotCount = 16384;

    public readonly ServerConfig Config;
    public readonly CommandTable Commands;
    /// <summary>Scripts by SHA-1, shared by every shard (EVAL, EVALSHA, SCRIPT).</summary>
    public readonly Scripting.ScriptCache Scripts = new();
    /// <summary>Scripts past busy-reply-threshold, on any shard (-BUSY, SCRIPT KILL).</summary>
    public readonly Scripting.BusyScripts BusyScripts;
    /// <summary>FUNCTION libraries, shared by every shard (FUNCTION, FCALL).</summary>
    public readonly Scripting.FunctionLibraries Functions = new();
    public readonly Shard[] Shards;
    public int ShardCount => Shards.Length;
    readonly Shard[] slotOwner = new Shard[SlotCount];
    public readonly long StartTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    public readonly string RunId = Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant() + "01234567";
    public readonly ConcurrentDictionary<long, Client> Clients = new();
    public readonly SlowLog SlowLog = new();
    /// <summary>Error replies by code (INFO errorstats, total_error_replies).</summary>
    public readonly ErrorReplyStats ErrorReplies = new();
    /// <summary>The global order of multi-shard transactions.</summary>
    public readonly Sequencer Sequencer = new();
    /// <summary>Snapshots, the last save, save points (Redis's rdb_* state).</summary>
    public readonly Persistence Persistence;
    /// <summary>The append-only file (open while appendonly is on).</summary>
    public readonly AofLog Aof;
    /// <summary>The highest <see cref="UsedMemory"/> INFO has seen (used_memory_peak).</summary>
    public long PeakMemory;
    /// <summary>The shard evicting clients now (maxmemory-clients), -1 when none: <see cref="ClientMemory.BucketToEvict"/>.</summary>
    public int ClientEvictionTurn = -1;
    /// <summary>used_memory once the empty keyspace existed (INFO used_memory_startup).</summary>
    public readonly long StartupMemory;
    /// <summary>Channels, patterns and shard channels with subscribers, and message delivery.</summary>
    public readonly PubSubHub PubSub;
    /// <summary>Clients in MONITOR mode, on every shard.</summary>
    public readonly Monitors Monitors;
    /// <summary>CLIENT PAUSE state and the clients waiting for it to end.</summary>
    public readonly ClientPause Pause;
    /// <summary>Each shard's counted memory, for the global maxmemory (<see cref="Evictor"/>).</summary>
    public readonly MemoryBudget Memory;
    /// <summary>LATENCY's events (latency-monitor-threshold).</summary>
    public readonly LatencyMonitor Latency = new();
    /// <summary>The prefixes of CLIENT TRACKING BCAST clients.</summary>
    public readonly TrackingPrefixes TrackingPrefixes = new();
    long nextClientId;
    public string ExecutablePath = "";
    public string ConfigFile = "";
    public int TcpPort;
    /// <summary>Set by SHUTDOWN or a signal; every loop exits when it sees it.</summary>
    public volatile bool ShutdownRequested;
    /// <summary>An RDB file or the AOF is being loaded: commands without the loading flag get -LOADING.</summary>
    public volatile bool Loading;
    /// <summary>DEBUG SET-ACTIVE-EXPIRE (Redis's active_expire_enabled): off, expired keys leave only when touched.</summary>
    public volatile bool ActiveExpireEnabled = true;
    /// <summary>
    /// DEBUG PAUSE-CRON (Redis's pause_cron): the loops skip their cron work (active expiry, save points, client
    /// timeouts and measurements) and a signal's shutdown waits.
    /// </summary>
    public volatile bool CronPaused;
    /// <summary>DEBUG SET-SKIP-CHECKSUM-VALIDATION (Redis's skip_checksum_validation): RESTORE payloads and RDB files load without their CRC compared.</summary>
    public volatile bool SkipChecksumValidation;
    /// <summary>DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call the commands flagged noscript (Redis's script_disable_deny_script).</summary>
    public volatile bool ScriptDenyDisabled;
    /// <summary>
    /// The load in progress, for INFO's loading_* fields; null otherwise. The loader registers itself and stays
    /// registered until <see cref="EndLoading"/>, so INFO never shows loading:1 without its fields at the end.
    /// </summary>
    public volatile ILoadProgress? LoadInProgress;

    /// <summary>Redis's stopLoading: clients may use the dataset again, and INFO's loading_* fields go.</summary>
    public void EndLoading()
    {
        Loading = false;
        LoadInProgress = null;
    }

    public long TotalConnectionsReceived;
    public long RejectedConnections;
    public long StatResetMs;
    /// <summary>
    /// <see cref="Dirty"/> when the last save covered the dataset; INFO's rdb_changes_since_last_save is the
    /// difference (Redis resets server.dirty to 0 instead; the shards' counters only grow, so nothing needs
    /// their threads to reset them).
    /// </summary>
    public long DirtyAtLastSave;
    /// <summary>Set by the server: closes a killed client promptly on its own loop.</summary>
    public Action<Client>? RequestKill;
    /// <summary>Set by the server: closes the listening sockets and wakes every loop so it sees <see cref="ShutdownRequested"/>.</summary>
    public Action? RequestShutdown;

    public ServerState(ServerConfig config, int shards)
    {
        Config = config;
        Commands = CommandTable.CreateDefault();
        PubSub = new PubSubHub(this);
        Monitors = new Monitors(this, shards);
        Pause = new ClientPause(this, shards);
        Memory = new MemoryBudget(shards);
        Persistence = new Persistence(this);
        Aof = new AofLog(this, shards);
        BusyScripts = new Scripting.BusyScripts(this, shards);
        Shards = new Shard[shards];
        for (int i = 0; i < shards; i++) Shards[i] = new Shard(this, i, config.Databases);
        // Contiguous slot ranges per shard, like cluster nodes own ranges.
        for (int s = 0; s < SlotCount; s++) slotOwner[s] = Shards[(int)((long)s * shards / SlotCount)];
        StartupMemory = UsedMemory();
    }

    public Shard ShardOf(ReadOnlySpan<byte> key) => slotOwner[KeySlot.Slot(key)];

    public long NextClientId() => Interlocked.Increment(ref nextClientId);

    /// <summary>
    /// Bytes allocated: every shard's arena (keys, values, tables), its clients' buffers, as Redis counts both, and its
    /// Lua state (which Redis 7.2 leaves out of used_memory; FastKv counts all it holds, issue 13).
    /// </summary>
    public long UsedMemory()
    {
        long n = 0;
        foreach (var s in Shards) n += s.Arena.UsedBytes + s.Buffers.ClientBytes + (s.Scripts?.MemoryBytes ?? 0);
        return n;
    }

    /// <summary>
    /// Redis's server.dirty: the changes made since startup, summed over the shards. A shard's counter is written
    /// only by its own thread; a volatile read sees each one's latest value (a long's write is atomic on the
    /// 64-bit targets), so the sum is exact once the shards are idle and never counts a change twice.
    /// </summary>
    public long Dirty()
    {
        long n = 0;
        foreach (var s in Shards) n += Volatile.Read(ref s.Stats.Dirty);
        return n;
    }

    /// <summary>Connections' query and output buffers on every shard (INFO mem_clients_normal).</summary>
    public long ClientBufferMemory()
    {
        long n = 0;
        foreach (var s in Shards) n += s.Buffers.ClientBytes;
        return n;
    }

    public void Dispose()
    {
        Aof.Dispose();
        foreach (var s in Shards) s.Dispose();
    }
}
