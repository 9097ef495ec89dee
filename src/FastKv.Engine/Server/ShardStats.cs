using System;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>Counters one shard keeps; INFO sums them over shards.</summary>
public sealed class ShardStats
{
    public long ExpiredKeys;
    public long KeyspaceHits;
    public long KeyspaceMisses;
    public long CommandsProcessed;
    public long ConnectionsReceived;
    public long RejectedConnections;
    public long NetInputBytes;
    public long NetOutputBytes;
    /// <summary>Clients this shard disconnected for maxmemory-clients (INFO evicted_clients).</summary>
    public long EvictedClients;
}
