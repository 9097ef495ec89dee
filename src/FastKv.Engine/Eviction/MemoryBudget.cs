using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// maxmemory is global, memory is per shard: each shard publishes the bytes it counts (its arena and its clients'
/// buffers) and reads the others' to know how far over the limit the server is and what share of the excess is its
/// own to free. Each shard's slot sits on its own cache lines, written only by its owner (before each command while
/// maxmemory is set, and once per loop iteration always), and only when the value moved by <see cref="PublishStep"/>
/// or more, so reading the others costs no traffic while memory is steady. Whether a shard has anything to evict is
/// read from its key counts directly (<see cref="HasCandidates"/>), never from a flag it might not have refreshed.
/// </summary>
public sealed class MemoryBudget
{
    /// <summary>Longs per shard slot: 128 bytes, two cache lines, so neighbours never share one.</summary>
    const int Stride = 16;
    /// <summary>Bytes a shard's counted memory may drift from what it published.</summary>
    public const long PublishStep = 16 * 1024;

    readonly long[] slots;
    readonly int shards;

    public MemoryBudget(int shards)
    {
        this.shards = shards;
        slots = new long[(shards + 1) * Stride];
    }

    static int Slot(int shard) => (shard + 1) * Stride;

    /// <summary>
    /// Shard <paramref name="shard"/> counts <paramref name="bytes"/>, of which eviction could free at most
    /// <paramref name="freeable"/> (its keys and values: everything but the tables and the clients).
    /// </summary>
    public void Publish(int shard, long bytes, long freeable)
    {
        Volatile.Write(ref slots[Slot(shard) + 1], freeable);
        Volatile.Write(ref slots[Slot(shard)], bytes);
    }

    public long PublishedFreeable(int shard) => Volatile.Read(ref slots[Slot(shard) + 1]);

    public long Published(int shard) => Volatile.Read(ref slots[Slot(shard)]);

    /// <summary>
    /// Whether <paramref name="shard"/> holds a key the policy may evict: any key for allkeys-*, a key with a TTL for
    /// volatile-*. Read from the shard's table counts (each a 64-bit value written by its owner), so it is as fresh
    /// as the memory system makes it, whether or not that shard has run lately.
    /// </summary>
    public static bool HasCandidates(Shard shard, EvictionPolicy policy)
    {
        if (policy == EvictionPolicy.NoEviction) return false;
        bool allKeys = policy.IsAllKeys();
        foreach (Database db in shard.Dbs)
            if ((allKeys ? db.Count : db.ExpiresCount) != 0) return true;
        return false;
    }

    /// <summary>The published bytes of the other shards that have candidates under <paramref name="policy"/>.</summary>
    public long OthersEvictable(Shard self, EvictionPolicy policy)
    {
        long evictable = 0;
        foreach (Shard other in self.Server.Shards)
            if (other != self && HasCandidates(other, policy)) evictable += Published(other.Id);
        return evictable;
    }

    /// <summary>The other shards' published bytes.</summary>
    public long OthersTotal(int self)
    {
        long total = 0;
        for (int i = 0; i < shards; i++)
            if (i != self) total += Published(i);
        return total;
    }
}
