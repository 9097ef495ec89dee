using System;
using System.Collections.Generic;
using System.Diagnostics;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// One shard's part of a running snapshot (persistence design 1.1-1.4). At the cut (<see cref="Begin"/>, on the
/// shard's thread, while the cut transaction holds every shard) each database's table starts the snapshot at the
/// snapshot's version with this object as its sink. From then on, every bucket still holding the cut's state is
/// serialized either by the first write that would change it (the table's hooks call <see cref="SerializeBucket"/>)
/// or by <see cref="Step"/>, which the event loop runs in short slices between requests. The records go into a
/// <see cref="SnapshotBuffer"/> that the file writer drains. Only the shard's thread calls in, except the counters.
/// </summary>
public sealed unsafe class ShardSnapshot : IBucketSink
{
    readonly Shard shard;
    readonly Snapshot snapshot;
    public readonly SnapshotBuffer Buffer;
    readonly List<KeyTable> tables = new();
    SnapshotCursor cursor;
    int tableIndex;
    RdbWriteOptions options;
    /// <summary>The records are the commands of an AOF base (<see cref="Snapshot.CommandForm"/>), not RDB records.</summary>
    bool commandForm;
    /// <summary>Keys and keys with a TTL per database at the cut (RESIZEDB).</summary>
    public long[] Keys = Array.Empty<long>(), Expires = Array.Empty<long>();
    /// <summary>Entries written so far (INFO current_save_keys_processed).</summary>
    public long Written;
    /// <summary>Buckets serialized by a write before the walk reached them (INFO fastkv_snapshot_buckets_on_write).</summary>
    public long BucketsOnWrite;
    bool inStep;
    volatile bool done;

    public ShardSnapshot(Shard shard, Snapshot snapshot)
    {
        this.shard = shard;
        this.snapshot = snapshot;
        Buffer = new SnapshotBuffer(snapshot.WakeWriter);
    }

    /// <summary>The walk waits for the writer (over the soft limit): the loop may sleep until it is woken.</summary>
    public bool Paused => Buffer.QueuedBytes > snapshot.SoftLimitBytes;

    /// <summary>True once every bucket of every table was serialized and the last chunk sealed.</summary>
    public bool Done => done;

    /// <summary>The cut on this shard: every database's table starts the snapshot.</summary>
    public void Begin(ulong version, in RdbWriteOptions o)
    {
        options = o;
        commandForm = snapshot.CommandForm;
        // Only an RDB file ends with a checksum of its records.
        Buffer.Checksummed = !commandForm;
        int n = shard.Dbs.Length;
        Keys = new long[n];
        Expires = new long[n];
        for (int i = 0; i < n; i++)
        {
            Database db = shard.Dbs[i];
            KeyTable t = db.Table;
            t.SnapshotDb = i;
            Keys[i] = db.Count;
            Expires[i] = db.ExpiresCount;
            if (db.Count == 0) continue;
            t.BeginSnapshot(version, this);
            tables.Add(t);
        }
        shard.Snapshot = this;
        if (tables.Count == 0) Complete();
    }

    /// <summary>Table hook: entries of a bucket as they were at the cut, just before it changes (or the walk reached it).</summary>
    public void SerializeBucket(KeyTable table, ReadOnlySpan<IntPtr> entries)
    {
        if (!inStep) BucketsOnWrite++;
        int db = table.SnapshotDb;
        foreach (IntPtr p in entries)
        {
            byte* e = (byte*)p;
            // Keys already expired at the cut but still held are written, as Redis 7.2's rdbSaveDb writes them; every
            // loader drops them (INFO rdb_last_load_keys_expired, redis-check-rdb's "already expired").
            Buffer.BeginRecord(db);
            if (commandForm) AofBaseEncode.WriteEntry(Buffer, e);
            else RdbEncode.WriteEntry(Buffer, e, options);
            Buffer.EndRecord();
            Written++;
        }
    }

    /// <summary>
    /// Serializes buckets no write reached yet for at most <paramref name="budgetTicks"/> Stopwatch ticks (checked
    /// every 64 buckets). Stops early while the writer is behind by more than the soft limit. True when done.
    /// </summary>
    public bool Step(long budgetTicks)
    {
        if (done) return true;
        if (Paused) return false;
        long deadline = Stopwatch.GetTimestamp() + budgetTicks;
        inStep = true;
        try
        {
            while (tableIndex < tables.Count)
            {
                KeyTable t = tables[tableIndex];
                if (t.SnapshotVersion == 0 || t.SnapshotStep(ref cursor, 64))
                {
                    t.EndSnapshot();
                    tableIndex++;
                    cursor = default;
                    continue;
                }
                if (Stopwatch.GetTimestamp() >= deadline || Paused) return false;
            }
        }
        finally { inStep = false; }
        Complete();
        return true;
    }

    /// <summary>
    /// FLUSHDB (or a table about to be cleared or freed) while the snapshot runs: the table's remaining buckets are
    /// serialized now, so clearing it cannot lose the cut's state.
    /// </summary>
    public void Drain(KeyTable table)
    {
        if (table.SnapshotVersion == 0) return;
        int i = tables.IndexOf(table);
        if (i < 0) return;
        var c = i == tableIndex ? cursor : default;
        inStep = true;
        try { while (!table.SnapshotStep(ref c, int.MaxValue)) { } }
        finally { inStep = false; }
        table.EndSnapshot();
        if (i == tableIndex) cursor = c;
    }

    void Complete()
    {
        Buffer.Seal();
        shard.Snapshot = null;
        done = true;
        snapshot.WakeWriter();
    }

    /// <summary>The snapshot was aborted: stop serializing (shard thread).</summary>
    public void Abort()
    {
        // A part that finished (or was aborted) has handed its tables back: they may already serve a newer snapshot.
        if (done) return;
        foreach (var t in tables) if (t.SnapshotVersion == snapshot.Version) t.EndSnapshot();
        tableIndex = tables.Count;
        if (shard.Snapshot == this) shard.Snapshot = null;
        Buffer.Release();
        done = true;
        snapshot.WakeWriter();
    }
}
