using System;

namespace FastKv.Engine;

/// <summary>
/// The keys of one shard that clients WATCH, and who watches each; <see cref="Touch"/> marks the watchers of a
/// modified key so their EXEC fails. Placeholder: the transactions work fills it in.
/// </summary>
public sealed class WatchRegistry
{
    readonly Shard shard;

    public WatchRegistry(Shard shard) => this.shard = shard;

    /// <summary>Number of watched keys on this shard (0 on the fast path).</summary>
    public int Count;

    /// <summary>signalModifiedKey: every client watching <paramref name="key"/> of <paramref name="db"/> fails its next EXEC.</summary>
    public void Touch(int db, ReadOnlySpan<byte> key) { }

    /// <summary>FLUSHDB/FLUSHALL/SWAPDB: touches every watched key of <paramref name="db"/> (-1: every db) that exists.</summary>
    public void TouchAll(int db) { }
}
