using System;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>Counters one shard keeps; INFO sums them over shards.</summary>
public sealed class ShardStats
{
    public long ExpiredKeys;
    /// <summary>Time the active expiry cycle ran (INFO expire_cycle_cpu_milliseconds, in microseconds here).</summary>
    public long ExpireCycleMicros;
    public long KeyspaceHits;
    public long KeyspaceMisses;
    public long CommandsProcessed;
    public long ConnectionsReceived;
    public long RejectedConnections;
    public long NetInputBytes;
    public long NetOutputBytes;
    /// <summary>Clients this shard disconnected for maxmemory-clients (INFO evicted_clients).</summary>
    public long EvictedClients;
    /// <summary>Times this shard's loop slept to let more clients' requests arrive (INFO fastkv_coalesced_waits).</summary>
    public long CoalescedWaits;
    /// <summary>
    /// This shard's part of Redis's <c>server.dirty</c>: the changes its commands made, counted as Redis counts
    /// them (SET 1, MSET one per pair, SADD one per member added, ...; expiry and eviction count nothing).
    /// Written only by the shard's thread with a plain add; <see cref="ServerState.Dirty"/> sums the shards.
    /// Never reset (CONFIG RESETSTAT leaves it, as Redis does): a save records the sum it covered instead.
    /// </summary>
    public long Dirty;
}
