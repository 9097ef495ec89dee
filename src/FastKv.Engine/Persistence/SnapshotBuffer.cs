using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Threading;

namespace FastKv.Engine;

/// <summary>Serialized records of one shard, all of one database, on their way to the file writer.</summary>
public sealed class SnapshotChunk
{
    public byte[] Data = Array.Empty<byte>();
    public int Length;
    /// <summary>Database the records belong to (the table's index at the cut).</summary>
    public int Db;
    /// <summary>CRC-64 of Data[..Length], computed on the shard while the bytes are cache-hot (0 in an AOF base of commands).</summary>
    public ulong Crc;
    /// <summary>Records (keys) in Data[..Length]: what rdb-key-save-delay charges for.</summary>
    public int Records;
}

/// <summary>
/// The byte sink a shard serializes snapshot records into: an <see cref="IBufferWriter{T}"/> over pooled 64 KiB
/// arrays that never splits a record across chunks (chunks of different shards interleave in the file, so each
/// must hold whole records), and never mixes databases in one chunk. Sealed chunks go to a queue the file writer
/// thread drains; <see cref="QueuedBytes"/> is what is in flight, the snapshot's whole extra memory.
/// Only the owning shard's thread writes; the writer thread only dequeues and returns arrays.
/// </summary>
public sealed class SnapshotBuffer : IBufferWriter<byte>
{
    public const int ChunkSize = 64 * 1024;

    readonly ConcurrentQueue<SnapshotChunk> queue = new();
    readonly Action wake;
    byte[] data;
    int pos;
    int recordStart;
    int db = -1;
    /// <summary>Records ended since the last chunk was sealed (a partial record is not one yet).</summary>
    int records;
    long queuedBytes;
    long peakBytes;

    /// <summary>Whether sealed chunks carry their CRC-64 (set at the cut, before the first record).</summary>
    public bool Checksummed = true;

    public SnapshotBuffer(Action wakeWriter)
    {
        wake = wakeWriter;
        data = ArrayPool<byte>.Shared.Rent(ChunkSize);
    }

    /// <summary>Bytes sealed and not yet written by the writer thread.</summary>
    public long QueuedBytes => Volatile.Read(ref queuedBytes);

    /// <summary>The most bytes this shard ever had in flight (INFO fastkv_snapshot_peak_bytes).</summary>
    public long PeakBytes => Volatile.Read(ref peakBytes);

    /// <summary>Starts a record of database <paramref name="database"/>: seals the chunk first when it holds another database.</summary>
    public void BeginRecord(int database)
    {
        if (database != db)
        {
            if (pos > 0) Seal();
            db = database;
        }
        recordStart = pos;
    }

    /// <summary>The record written since <see cref="BeginRecord"/> is complete; a full chunk is sealed.</summary>
    public void EndRecord()
    {
        recordStart = pos;
        records++;
        if (pos >= ChunkSize - 512) Seal();
    }

    /// <summary>Drops the record being written (an entry skipped after its first bytes).</summary>
    public void AbandonRecord() => pos = recordStart;

    public void Advance(int count)
    {
        if (count < 0 || pos + count > data.Length) throw new ArgumentOutOfRangeException(nameof(count));
        pos += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return data.AsMemory(pos);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return data.AsSpan(pos);
    }

    void Ensure(int sizeHint)
    {
        if (sizeHint < 1) sizeHint = 1;
        if (data.Length - pos >= sizeHint) return;
        // The record so far moves with it into a chunk big enough; what precedes it is sealed as it is.
        int partial = pos - recordStart;
        byte[] next = ArrayPool<byte>.Shared.Rent(Math.Max(ChunkSize, 2 * (partial + sizeHint)));
        data.AsSpan(recordStart, partial).CopyTo(next);
        int sealedLength = recordStart;
        byte[] old = data;
        data = next;
        pos = partial;
        recordStart = 0;
        if (sealedLength > 0) Enqueue(old, sealedLength);
        else ArrayPool<byte>.Shared.Return(old);
    }

    /// <summary>Hands the complete records to the writer (the partial record, if any, stays).</summary>
    public void Seal()
    {
        if (recordStart == 0) return;
        byte[] next = ArrayPool<byte>.Shared.Rent(ChunkSize);
        int partial = pos - recordStart;
        data.AsSpan(recordStart, partial).CopyTo(next);
        byte[] old = data;
        int length = recordStart;
        data = next;
        pos = partial;
        recordStart = 0;
        Enqueue(old, length);
    }

    void Enqueue(byte[] array, int length)
    {
        var chunk = new SnapshotChunk
        {
            Data = array, Length = length, Db = db, Records = records, Crc = Checksummed ? Crc64.Update(0, array.AsSpan(0, length)) : 0,
        };
        records = 0;
        long q = Interlocked.Add(ref queuedBytes, length);
        if (q > peakBytes) Volatile.Write(ref peakBytes, q);
        queue.Enqueue(chunk);
        wake();
    }

    /// <summary>Writer thread: the next sealed chunk, or null.</summary>
    public SnapshotChunk? TryTake() => queue.TryDequeue(out var c) ? c : null;

    /// <summary>Writer thread: the chunk was written; its array goes back to the pool.</summary>
    public void Written(SnapshotChunk c)
    {
        Interlocked.Add(ref queuedBytes, -c.Length);
        ArrayPool<byte>.Shared.Return(c.Data);
        c.Data = Array.Empty<byte>();
    }

    /// <summary>Returns every array (the snapshot ended or was aborted; the writer no longer reads).</summary>
    public void Release()
    {
        while (queue.TryDequeue(out var c)) Written(c);
        if (data.Length > 0) ArrayPool<byte>.Shared.Return(data);
        data = Array.Empty<byte>();
        pos = recordStart = 0;
    }
}
