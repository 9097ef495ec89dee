using System;
using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// Gives the GC heap's free memory back to the OS once the server goes quiet after a burst. The keyspace and the
/// connection buffers are native and return their memory themselves (the arenas, <see cref="BufferPool.Idle"/>);
/// what a burst leaves on the GC heap is the cross-shard messages it carried (a PUBLISH fanned out to other shards,
/// say). The collector commits regions for them and decommits free ones only while it collects, and a quiet server
/// allocates nothing, so nothing would collect: RSS would stay at the burst's peak. Once a second shard 0 looks: when
/// the last second was quiet and the heap grew well past what the last trim left, one compacting collection in aggressive
/// mode releases the difference. Its pause is bounded by the live managed heap (a few MB; the dataset is not on it),
/// and it never runs under load.
/// </summary>
public sealed class ManagedHeapTrim
{
    /// <summary>Commands a second below which the server counts as quiet.</summary>
    const long QuietOpsPerSecond = 1000;
    /// <summary>Growth of the heap (or of what it commits) since the last trim that is worth a collection to give back.</summary>
    const long Slack = 4 << 20;

    readonly ServerState server;
    long lastOps;
    /// <summary>
    /// What the heap held and committed after the last trim (at first, at the first look): a heap that cannot
    /// shrink further is not collected again until it grows.
    /// </summary>
    long heapAfterTrim = -1, committedAfterTrim;

    public ManagedHeapTrim(ServerState server) => this.server = server;

    /// <summary>How many trims ran (a test's witness).</summary>
    public long Trims;

    /// <summary>Called once a second from shard 0's cron.</summary>
    public void Tick()
    {
        long ops = 0;
        foreach (Shard s in server.Shards) ops += Volatile.Read(ref s.Stats.CommandsProcessed);
        long delta = ops - lastOps;
        lastOps = ops;
        // CONFIG RESETSTAT zeroes the counters: a negative delta is a quiet second as far as it tells.
        if (delta > QuietOpsPerSecond) return;
        // Only on a quiet second: GetGCMemoryInfo allocates its small result object. The heap's size counts what it
        // holds now, dead objects in older generations included; committed is as of the last collection.
        long heap = GC.GetTotalMemory(false), committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        if (heapAfterTrim < 0)
        {
            (heapAfterTrim, committedAfterTrim) = (heap, committed);
            return;
        }
        if (heap < heapAfterTrim + Slack && committed < committedAfterTrim + Slack) return;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        heapAfterTrim = GC.GetTotalMemory(false);
        committedAfterTrim = GC.GetGCMemoryInfo().TotalCommittedBytes;
        Trims++;
    }
}
