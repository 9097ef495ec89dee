using System;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// One running snapshot: the per-shard parts (<see cref="ShardSnapshot"/>) that serialize the cut's state, and the
/// file writer thread that merges their chunks into one RDB file (persistence design 1.5): magic, AUX fields,
/// then the chunks in arrival order with SELECTDB/RESIZEDB when the database changes, EOF and the CRC-64 (each
/// chunk's CRC was computed on its shard; the writer combines them). An AOF base in command form
/// (<see cref="CommandForm"/>) is the chunks alone, with SELECT commands. The file is written to a temp name, fsynced,
/// renamed over the target and the directory fsynced. When it ends, <see cref="Completed"/> runs on the home
/// shard's thread with null or the error.
/// </summary>
public sealed class Snapshot
{
    public readonly ServerState Server;
    public readonly ulong Version;
    public readonly ShardSnapshot[] Parts;
    public readonly string TargetPath;
    readonly string tempPath;
    readonly Shard home;
    readonly AutoResetEvent signal = new(false);
    public RdbWriteOptions Options;
    /// <summary>Soft limit per shard of serialized bytes in flight: over it, the walk pauses.</summary>
    public readonly long SoftLimitBytes;
    /// <summary>Hard limit per shard: over it, write commands wait until every shard is back under the soft limit.</summary>
    public readonly long HardLimitBytes;
    volatile bool throttled;
    /// <summary>Runs on the home shard's thread when the file is complete (null) or failed (the error).</summary>
    public Action<Snapshot, string?>? Completed;
    public long StartedMs;
    /// <summary>The cut's duration in microseconds (INFO latest_fork_usec).</summary>
    public long CutMicros;
    /// <summary>Dirty counter at the cut: what a successful save subtracts.</summary>
    public long DirtyAtCut;
    public long UsedMemoryAtCut;
    /// <summary>Why it is taken; a <see cref="SnapshotPurpose.Rewrite"/> writes an AOF base (<c>aof-base</c> AUX 1) and leaves it at its temp name.</summary>
    public SnapshotPurpose Purpose;
    /// <summary>
    /// A rewrite under aof-use-rdb-preamble no (taken at the cut): the base is commands, as rewriteAppendOnlyFileRio
    /// writes them (<see cref="AofBaseEncode"/>), with SELECT where the database changes and no RDB framing.
    /// </summary>
    public bool CommandForm;
    volatile bool aborted;
    long bytesWritten;
    /// <summary>rdb-key-save-delay when the snapshot was asked for (Redis's child keeps the value it forked with).</summary>
    readonly int keySaveDelay;
    long paceStart, pacedRecords;

    /// <summary>
    /// <paramref name="tempPath"/>, when given, is where the file is written; when it equals the target the file stays
    /// there (an AOF rewrite's done handler renames it into the AOF directory, as Redis's parent does).
    /// </summary>
    public Snapshot(ServerState server, Shard home, ulong version, string targetPath, string? tempPath = null)
    {
        Server = server;
        this.home = home;
        Version = version;
        TargetPath = targetPath;
        SoftLimitBytes = server.Config.SnapshotSoftLimit;
        HardLimitBytes = server.Config.SnapshotHardLimit;
        keySaveDelay = server.Config.RdbKeySaveDelay;
        this.tempPath = tempPath ?? Path.Combine(Path.GetDirectoryName(targetPath) ?? ".", "temp-" + Environment.ProcessId + ".rdb");
        Parts = new ShardSnapshot[server.Shards.Length];
        for (int i = 0; i < Parts.Length; i++) Parts[i] = new ShardSnapshot(server.Shards[i], this);
    }

    public long BytesWritten => Interlocked.Read(ref bytesWritten);

    /// <summary>Entries serialized so far, over all shards (INFO current_save_keys_processed).</summary>
    public long KeysProcessed
    {
        get
        {
            long n = 0;
            foreach (var p in Parts) n += p.Written;
            return n;
        }
    }

    public void WakeWriter() => signal.Set();

    /// <summary>
    /// Whether write commands must wait (persistence design 1.4): a shard is over the hard limit of serialized bytes
    /// in flight (writes pre-serialize faster than the file is written), until every shard is back under the soft one.
    /// Read by any shard's gate; the flag's races only move the switch by one command.
    /// </summary>
    public bool HoldsWrites()
    {
        if (throttled)
        {
            foreach (var p in Parts) if (p.Buffer.QueuedBytes > SoftLimitBytes) return true;
            throttled = false;
            return false;
        }
        foreach (var p in Parts)
            if (p.Buffer.QueuedBytes > HardLimitBytes)
            {
                throttled = true;
                return true;
            }
        return false;
    }

    /// <summary>Starts the file writer thread once every shard has cut.</summary>
    public void StartWriter()
    {
        Volatile.Write(ref writerStarted, true);
        paceStart = Stopwatch.GetTimestamp();
        var t = new Thread(WriteFile) { Name = "fastkv-rdb-writer", IsBackground = true };
        t.Start();
    }

    /// <summary>Stops the snapshot unless already stopping (FLUSHALL runs this on every shard).</summary>
    public void AbortOnce()
    {
        if (Interlocked.Exchange(ref abortRequested, 1) == 0) Abort();
    }

    int abortRequested;

    /// <summary>Stops the snapshot (FLUSHALL, shutdown): shards stop serializing, the writer deletes its temp file.</summary>
    public void Abort()
    {
        aborted = true;
        foreach (var s in Server.Shards) s.Mailbox.Post(new AbortPart(this));
        signal.Set();
    }

    /// <summary>
    /// The server stops with this snapshot unfinished (a second SIGTERM, a failed load): every shard loop has ended, so
    /// the calling thread owns the shards; their parts stop here and the writer deletes its temp file, as Redis
    /// removes a killed child's temp file.
    /// </summary>
    public void AbortStopped(TimeSpan wait)
    {
        aborted = true;
        foreach (var p in Parts) p.Abort();
        signal.Set();
        writerDone.Wait(wait);
    }

    readonly ManualResetEventSlim writerDone = new(false);
    bool writerStarted;

    /// <summary>
    /// After <see cref="Abort"/> (any thread): waits, at most <paramref name="wait"/>, for a started writer to stop, so
    /// no rename of its file can land after a save that follows (FLUSHALL's save of the empty dataset).
    /// </summary>
    public void WaitWriterStopped(TimeSpan wait)
    {
        if (Volatile.Read(ref writerStarted)) writerDone.Wait(wait);
    }

    sealed class AbortPart(Snapshot snapshot) : ShardMessage
    {
        public override void Run(Shard shard) => snapshot.Parts[shard.Id].Abort();
    }

    void WriteFile()
    {
        string? error = null;
        try
        {
            using (var fs = new FileStream(tempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                if (CommandForm) WriteCommands(fs);
                else WriteRdb(fs);
                fs.Flush(flushToDisk: true);
            }
            if (tempPath != TargetPath)
            {
                File.Move(tempPath, TargetPath, overwrite: true);
                DirectorySync.Fsync(Path.GetDirectoryName(Path.GetFullPath(TargetPath)) ?? ".");
            }
            else if (Purpose == SnapshotPurpose.Rewrite)
                Console.WriteLine("Successfully created the temporary AOF base file " + Path.GetFileName(tempPath));
        }
        catch (OperationCanceledException)
        {
            error = "aborted";
        }
        catch (Exception ex)
        {
            error = ex is IOException or UnauthorizedAccessException ? ex.Message : ex.ToString();
        }
        if (error != null)
        {
            try { File.Delete(tempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            // The shards may still be serializing: each stops and returns its own buffers on its thread.
            if (!aborted) Abort();
        }
        else
        {
            // Every part is done: no shard touches its buffer any more.
            foreach (var p in Parts) p.Buffer.Release();
        }
        writerDone.Set();
        home.Mailbox.Post(new CompletedMessage(this, error));
    }

    /// <summary>The RDB file: header and AUX fields, SELECTDB/RESIZEDB where the database changes, EOF and the CRC.</summary>
    void WriteRdb(FileStream fs)
    {
        var file = new RdbFileWriter(fs, Options, Server.Config.RdbChecksum);
        file.Header(UsedMemoryAtCut, aofBase: Purpose == SnapshotPurpose.Rewrite, Server.Persistence.Functions);
        var seen = new bool[Server.Config.Databases];
        DrainChunks((c, dbChanged) =>
        {
            if (dbChanged)
            {
                if (!seen[c.Db])
                {
                    seen[c.Db] = true;
                    file.SelectDb(c.Db, SumKeys(c.Db, expires: false), SumKeys(c.Db, expires: true));
                }
                else file.SelectDb(c.Db, -1, -1);
            }
            file.Chunk(c.Data.AsSpan(0, c.Length), c.Crc);
        });
        file.End();
    }

    /// <summary>
    /// An AOF base of commands (rewriteAppendOnlyFileRio): the timestamp annotation under aof-timestamp-enabled, then
    /// the records with a SELECT where the database changes (chunks of shards interleave, so a database may be
    /// selected again; Redis selects each once, as it walks one database after the other). An empty database has no
    /// chunk, so it is not selected, as Redis skips it. Nothing else: no header, no trailer.
    /// </summary>
    void WriteCommands(FileStream fs)
    {
        if (Server.Config.AofTimestampEnabled)
            fs.Write(System.Text.Encoding.ASCII.GetBytes("#TS:" + DateTimeOffset.UtcNow.ToUnixTimeSeconds() + "\r\n"));
        // Redis's rewriteFunctions: each library as FUNCTION LOAD, before the databases.
        var select = new System.Buffers.ArrayBufferWriter<byte>(32);
        foreach (Scripting.FunctionLibrary l in Server.Functions.Current.Sorted)
        {
            select.ResetWrittenCount();
            AofBaseEncode.WriteFunctionLoad(select, l.Code);
            fs.Write(select.WrittenSpan);
        }
        DrainChunks((c, dbChanged) =>
        {
            if (dbChanged)
            {
                select.ResetWrittenCount();
                AofBaseEncode.WriteSelect(select, c.Db);
                fs.Write(select.WrittenSpan);
            }
            fs.Write(c.Data.AsSpan(0, c.Length));
        });
    }

    /// <summary>
    /// Hands every chunk to <paramref name="write"/> as the parts seal them, with whether its database differs from
    /// the previous chunk's, until every part is done; throws when the snapshot is aborted.
    /// </summary>
    void DrainChunks(Action<SnapshotChunk, bool> write)
    {
        int lastDb = -1;
        while (true)
        {
            bool progressed = false, allDone = true;
            foreach (var part in Parts)
            {
                // Read Done before draining: a part seals its last chunk before it says done.
                bool done = part.Done;
                SnapshotChunk? c;
                while ((c = part.Buffer.TryTake()) != null)
                {
                    write(c, c.Db != lastDb);
                    lastDb = c.Db;
                    Interlocked.Add(ref bytesWritten, c.Length);
                    int records = c.Records;
                    part.Buffer.Written(c);
                    Pace(records);
                    progressed = true;
                }
                if (!done) allDone = false;
            }
            if (aborted) throw new OperationCanceledException();
            if (allDone) break;
            if (!progressed) signal.WaitOne(10);
        }
    }

    /// <summary>
    /// rdb-key-save-delay: the writer, which stands where Redis's fork child does, waits after each chunk until every
    /// record written so far has cost its delay since the writer started (Redis's debugDelay after each key: so many
    /// microseconds, or for a negative value one microsecond every -value keys). The shards are never slowed: their
    /// walk pauses behind the writer as it does behind a slow disk. Throws when the snapshot is aborted meanwhile.
    /// </summary>
    void Pace(int records)
    {
        if (keySaveDelay == 0) return;
        pacedRecords += records;
        double microsPerKey = keySaveDelay > 0 ? keySaveDelay : 1.0 / -(long)keySaveDelay;
        long due = paceStart + (long)(pacedRecords * microsPerKey * Stopwatch.Frequency / 1_000_000);
        while (!aborted)
        {
            long left = due - Stopwatch.GetTimestamp();
            if (left <= 0) return;
            signal.WaitOne((int)Math.Min(100, left * 1000 / Stopwatch.Frequency + 1));
        }
        throw new OperationCanceledException();
    }

    long SumKeys(int db, bool expires)
    {
        long n = 0;
        foreach (var p in Parts)
        {
            long[] a = expires ? p.Expires : p.Keys;
            if (db < a.Length) n += a[db];
        }
        return n;
    }

    sealed class CompletedMessage(Snapshot snapshot, string? error) : ShardMessage
    {
        public override void Run(Shard shard) => snapshot.Completed?.Invoke(snapshot, error);
    }
}
