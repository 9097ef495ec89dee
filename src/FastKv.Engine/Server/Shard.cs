using System;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Everything one shard thread owns: its arena, its part of every database, its clock and
/// counters, its mailbox and intent locks. Only the owning thread touches it, except the
/// mailbox (many producers) and read-only counters that INFO samples.
/// </summary>
public sealed unsafe class Shard : IDisposable
{
    public readonly int Id;
    public readonly ServerState Server;
    public readonly Arena Arena = new();
    public readonly Database[] Dbs;
    public readonly ShardStats Stats = new();
    public readonly CommandStats CommandStats;
    public readonly Mailbox Mailbox;
    public readonly TxLocks Locks;
    /// <summary>Clients blocked on this shard's keys, and the timeouts of this shard's blocked clients.</summary>
    public readonly ShardBlocking Blocking;
    /// <summary>Keys of this shard that clients WATCH.</summary>
    public readonly WatchRegistry Watches;
    /// <summary>Modified-key signal: WATCH invalidation and keyspace notifications.</summary>
    public readonly KeyEvents Events;
    /// <summary>Keys of this shard that tracking clients read (CLIENT TRACKING).</summary>
    public readonly TrackingTable Tracking;
    /// <summary>
    /// Wall clock in unix ms, refreshed by the loop before each batch of work. A script's time stands still (Redis's
    /// commandTimeSnapshot): its calls on other shards run there with the script's value (<see cref="Scripting.ScriptCall"/>).
    /// </summary>
    public long NowMs;
    /// <summary>
    /// While a script runs on this thread: TIME's answer in unix microseconds, read at its first TIME and kept until the
    /// script ends (0 before that); -1 outside scripts, where TIME reads the clock.
    /// </summary>
    public long ScriptTimeUs = -1;
    /// <summary>Redis's LRU clock: seconds, 24 bits.</summary>
    public uint LruClock;
    /// <summary>Redis's LFUGetTimeInMinutes: unix minutes, 16 bits.</summary>
    public uint LfuMinutes;
    /// <summary>
    /// An LFU maxmemory-policy is selected: keys' access bits hold the LFU counter (<see cref="AccessClock"/>). Read from
    /// the configuration each time, so a key written right after CONFIG SET on another shard already follows it.
    /// </summary>
    public bool LfuMode => Server.Config.Policy.IsLfu();
    /// <summary>Eviction under maxmemory: this shard's pool and share of the limit.</summary>
    public readonly Evictor Evictor;
    /// <summary>The command running now comes from a CLIENT NO-TOUCH client: lookups leave the LRU clock of keys alone.</summary>
    public bool NoTouch;
    /// <summary>The request running now (from another shard) carries a CLIENT NO-TOUCH client's commands.</summary>
    public bool NoTouchRequest;
    /// <summary>State of the random generator for RANDOMKEY and sampling.</summary>
    public ulong Rng;
    /// <summary>Parser and argument list for requests that arrive from other shards.</summary>
    public RespParser ScratchParser;
    public readonly ArgList ScratchArgs = new();
    /// <summary>Parses a pipeline ahead of its sessions and prefetches its keys' table memory.</summary>
    public readonly PipelinePrefetch Prefetch;
    Database? scratchDb;
    /// <summary>Where a cross-shard multi-key command runs over gathered copies (<see cref="GatherTx"/>); empty between uses.</summary>
    public Database ScratchDb => scratchDb ??= new Database(this, -1);
    /// <summary>Connection buffers: the shard's native chunks and the objects around them.</summary>
    public readonly BufferPool Buffers = new();
    /// <summary>This shard's clients' memory and its part of client eviction (maxmemory-clients).</summary>
    public readonly ClientMemory ClientMemory;

    /// <summary>Values and flushed tables freed in steps between commands (UNLINK, FLUSHALL ASYNC, the lazyfree-* settings).</summary>
    public readonly LazyFree LazyFree;
    /// <summary>This shard's part of the running snapshot while it still has buckets to serialize, else null.</summary>
    public ShardSnapshot? Snapshot;
    /// <summary>The shard's Lua state, created by the first script that runs here (<see cref="Scripting.ScriptEngine.Of"/>).</summary>
    public Scripting.ScriptEngine? Scripts;
    /// <summary>
    /// A script is running on this shard's thread (maybe waiting for another shard's reply): keys it touched are not
    /// all locked, so another script's call may not take a lock here meanwhile (<see cref="Scripting.ScriptCall"/>).
    /// </summary>
    public bool InScript;
    /// <summary>Set by a session around an inline script: the script may stop before writing and ask to run again.</summary>
    public bool ScriptRetryAllowed;
    /// <summary>The inline script stopped before writing (a key it reached was held): run it again as a transaction.</summary>
    public bool ScriptRetry;
    /// <summary>
    /// The clock reading that ended the last command counted here (Stopwatch ticks), which the next command of the same
    /// pipelined pass takes as its start (<see cref="Executor.Invoke"/>): one clock read per command instead of two (a
    /// read costs tens of nanoseconds under a hypervisor's clock). 0 when none is carried: reset at the start of each
    /// pass, so a carried reading is never older than the pass (where only parsing and replying run between commands).
    /// </summary>
    public long ClockCarry;
    /// <summary>Set by a session just before it invokes its command; the executor consumes it (nested calls read the clock).</summary>
    public bool ClockCarryOk;
    /// <summary>When the command running here started (Stopwatch ticks): a script's busy watch starts from it.</summary>
    public long CommandStart;
    /// <summary>The shard's Lua state for FUNCTION libraries (FCALL), created on first use.</summary>
    public Scripting.ScriptEngine? Functions;
    /// <summary>This shard's AOF records not yet handed to the log.</summary>
    public readonly AofRecorder Aof;

    public Shard(ServerState server, int id, int databases)
    {
        Server = server;
        Id = id;
        Dbs = new Database[databases];
        Prefetch = new PipelinePrefetch(server.Config);
        for (int i = 0; i < databases; i++) Dbs[i] = new Database(this, i);
        CommandStats = new CommandStats(server.Commands.Count);
        Mailbox = new Mailbox();
        Locks = new TxLocks(this);
        Blocking = new ShardBlocking(this);
        Watches = new WatchRegistry(this);
        Events = new KeyEvents(this);
        Tracking = new TrackingTable(this);
        ClientMemory = new ClientMemory(this);
        LazyFree = new LazyFree(this);
        Evictor = new Evictor(this);
        Aof = new AofRecorder(this);
        Rng = (ulong)(id + 1) * 0x9E3779B97F4A7C15UL ^ (ulong)Environment.TickCount64;
        UpdateClock();
    }

    public void UpdateClock()
    {
        NowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        LruClock = (uint)(NowMs / 1000) & AccessClock.LruClockMax;
        LfuMinutes = (uint)(NowMs / 60_000) & 0xFFFF;
    }

    public ulong NextRandom() => SampleRandom.Next(ref Rng);

    public long KeyCount()
    {
        long n = 0;
        foreach (var db in Dbs) n += db.Count;
        return n;
    }

    /// <summary>Arena bytes the keyspace tables themselves hold (directories and segments), for INFO's overhead.</summary>
    public long TableOverhead()
    {
        long n = 0;
        foreach (var db in Dbs) n += db.Table.OverheadBytes;
        return n;
    }

    public void Dispose()
    {
        Scripts?.Dispose();
        Functions?.Dispose();
        foreach (var db in Dbs) db.Dispose();
        Arena.Dispose();
        Buffers.Dispose();
    }
}
