using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// maxmemory is global, memory is per shard: each shard publishes the bytes it counts (its arena and its clients'
/// buffers) and whether it has anything left to evict, and reads the others' to know how far over the limit the
/// server is and what share of the excess is its own to free. Each shard's slot sits on its own cache lines, written
/// only by its owner, and only when the value moved by <see cref="PublishStep"/> or more, so reading the others costs
/// no traffic while memory is steady.
/// </summary>
public sealed class MemoryBudget
{
    /// <summary>Longs per shard slot: 128 bytes, two cache lines, so neighbours never share one.</summary>
    const int Stride = 16;
    const int CountedAt = 0, EmptyAt = 1;
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

    /// <summary>Shard <paramref name="shard"/> counts <paramref name="bytes"/>; returns what it published.</summary>
    public void Publish(int shard, long bytes) => Volatile.Write(ref slots[Slot(shard) + CountedAt], bytes);

    public long Published(int shard) => Volatile.Read(ref slots[Slot(shard) + CountedAt]);

    /// <summary>Shard <paramref name="shard"/> found nothing it may evict (1), or has candidates again (0).</summary>
    public void PublishEmpty(int shard, bool empty)
    {
        ref long slot = ref slots[Slot(shard) + EmptyAt];
        long v = empty ? 1 : 0;
        if (Volatile.Read(ref slot) != v) Volatile.Write(ref slot, v);
    }

    public bool IsEmpty(int shard) => Volatile.Read(ref slots[Slot(shard) + EmptyAt]) != 0;

    /// <summary>
    /// What the other shards published: their total bytes, the bytes of those that still have candidates, and
    /// whether none of them has any.
    /// </summary>
    public void Others(int self, out long total, out long evictable, out bool allEmpty)
    {
        total = evictable = 0;
        allEmpty = true;
        for (int i = 0; i < shards; i++)
        {
            if (i == self) continue;
            long b = Published(i);
            total += b;
            if (IsEmpty(i)) continue;
            evictable += b;
            allEmpty = false;
        }
    }
}
