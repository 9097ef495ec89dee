using System;
using System.Collections.Concurrent;
using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// The server's persistence state, Redis's rdb_* fields: the running snapshot (one at a time, as Redis allows one
/// fork child), the last save's time and status, the dirty count a successful save takes away, a scheduled
/// BGSAVE, and the save-point check shard 0's cron runs (Redis's serverCron rule).
/// Fields are written by the shard that owns the snapshot's completion and read by any shard (INFO): volatile or
/// Interlocked, never locks.
/// </summary>
public sealed class Persistence
{
    readonly ServerState server;
    Snapshot? running;
    ulong lastVersion;
    /// <summary>Unix seconds of the last successful save (server start counts, as Redis's lastsave).</summary>
    public long LastSaveUnix;
    public volatile bool LastBgsaveOk = true;
    /// <summary>Duration of the last background save in seconds, -1 before the first (rdb_last_bgsave_time_sec).</summary>
    public long LastBgsaveSeconds = -1;
    /// <summary>Unix ms of the last attempt (Redis retries a failed save point after 5 s).</summary>
    public long LastBgsaveTryMs;
    public volatile bool BgsaveScheduled;
    public long SnapshotsTaken;
    public long LastCutMicros;
    public long LastSavedKeys;
    public long PeakSnapshotBytes;
    public long BucketsOnWrite;
    public long LastSnapshotBytes;

    public Persistence(ServerState server)
    {
        this.server = server;
        LastSaveUnix = server.StartTimeMs / 1000;
    }

    /// <summary>rdb_last_load_keys_loaded / _expired.</summary>
    public long LastLoadKeysLoaded, LastLoadKeysExpired;
    /// <summary>The server's function libraries as the strings of FUNCTION2 records, for an RDB file being written.</summary>
    public byte[][] Functions => Scripting.FunctionPayload.RdbStrings(server.Functions.Current, server.Config.RdbCompression);

    /// <summary>A file was loaded: its counts, and its function libraries replace the server's.</summary>
    public string? LoadedFrom(RdbLoader loader, bool intoCurrentFunctions = false, bool replaceFunctions = false)
    {
        LastLoadKeysLoaded = loader.KeysLoaded;
        LastLoadKeysExpired = loader.KeysExpired;
        return Scripting.FunctionPayload.LoadFromRdb(server, loader.Functions, intoCurrentFunctions, replaceFunctions);
    }

    /// <summary>The running snapshot, or null.</summary>
    public Snapshot? Running => Volatile.Read(ref running);

    /// <summary>Claims the one snapshot slot; false when a snapshot already runs.</summary>
    public bool TryClaim(Snapshot s)
    {
        return Interlocked.CompareExchange(ref running, s, null) == null;
    }

    /// <summary>
    /// The next snapshot's version. Tables start at version 0 and only BeginSnapshot raises their CurrentVersion, to
    /// a version from here, so each new one is above every bucket stamped so far.
    /// </summary>
    public ulong NextVersion() => Interlocked.Increment(ref lastVersion);

    /// <summary>The snapshot ended (home shard's thread): record the outcome and free the slot.</summary>
    public void Ended(Snapshot s, string? error)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // SAVE, SHUTDOWN's save and DEBUG RELOAD are Redis's foreground rdbSave: a failure leaves the background save's
        // status (and so -MISCONF) as it was, and only a background save times itself.
        bool background = s.Purpose is SnapshotPurpose.Bgsave or SnapshotPurpose.Cron;
        if (background) LastBgsaveSeconds = (now - s.StartedMs) / 1000;
        long peak = 0, onWrite = 0;
        foreach (var p in s.Parts)
        {
            peak += p.Buffer.PeakBytes;
            onWrite += p.BucketsOnWrite;
        }
        if (peak > PeakSnapshotBytes) PeakSnapshotBytes = peak;
        BucketsOnWrite += onWrite;
        if (s.Purpose == SnapshotPurpose.Rewrite)
        {
            // An AOF base, not the RDB file: the rdb_* state stays (AofLog.RewriteDone records the outcome).
            Release();
            return;
        }
        if (error == null)
        {
            LastBgsaveOk = true;
            LastSaveUnix = now / 1000;
            LastSavedKeys = s.KeysProcessed;
            LastSnapshotBytes = s.BytesWritten;
            server.DirtyAtLastSave = s.DirtyAtCut;
            Console.WriteLine("DB saved on disk");
        }
        else if (error != "aborted" && background)
        {
            LastBgsaveOk = false;
            Console.WriteLine("Background saving error: " + error);
        }
        else if (error != "aborted") Console.WriteLine("Error saving DB on disk: " + error);
        Release();
    }

    /// <summary>Frees the snapshot slot; whoever waits for it tries again.</summary>
    void Release()
    {
        Volatile.Write(ref running, null);
        WakeIdleWaiters();
    }

    readonly ConcurrentQueue<(Shard Home, ShardMessage Retry)> idleWaiters = new();

    /// <summary>
    /// Posts <paramref name="retry"/> to <paramref name="home"/> once no snapshot runs: what Redis does while its
    /// child runs and FastKv's one snapshot slot cannot, waits for it (SAVE behind a rewrite, SHUTDOWN behind the
    /// snapshot it stopped). The retry may find the slot taken again, and wait again.
    /// </summary>
    public void WhenIdle(Shard home, ShardMessage retry)
    {
        idleWaiters.Enqueue((home, retry));
        // The snapshot may have ended between the caller's claim and the enqueue: nobody else would wake it.
        if (Running == null) WakeIdleWaiters();
    }

    void WakeIdleWaiters()
    {
        while (idleWaiters.TryDequeue(out var w)) w.Home.Mailbox.Post(w.Retry);
    }

    /// <summary>A signal's shutdown not yet started (Redis's shutdown_asap): the signal's name, null when none.</summary>
    string? pendingSignal;
    /// <summary>A signal's shutdown started and has not failed: a repeated SIGINT stops at once.</summary>
    volatile bool signalShutdownUnderway;

    /// <summary>
    /// SIGTERM or SIGINT, from the signal's thread, as Redis's sigShutdownHandler: logs it and leaves the shutdown to
    /// shard 0's loop (<see cref="TakePendingSignal"/>, held while DEBUG PAUSE-CRON holds the cron; SHUTDOWN ABORT
    /// cancels it meanwhile). A SIGINT while one is pending or under way stops at once ("You insist").
    /// </summary>
    public void SignalReceived(string signal)
    {
        if (signal == "SIGINT" && (Volatile.Read(ref pendingSignal) != null || signalShutdownUnderway))
        {
            Console.WriteLine("You insist... exiting now.");
            server.ShutdownRequested = true;
            server.RequestShutdown?.Invoke();
            return;
        }
        // Redis's sigShutdownHandler notes the signal by name, whether or not a save follows.
        Console.WriteLine("Received " + signal + " scheduling shutdown...");
        Volatile.Write(ref pendingSignal, signal);
        server.Shards[0].Mailbox.Waker?.Wake(); // shard 0 takes it on its next iteration
    }

    /// <summary>SHUTDOWN ABORT: cancels a signal's shutdown that has not started; false when none is pending.</summary>
    public bool AbortPendingSignal()
    {
        if (Interlocked.Exchange(ref pendingSignal, null) == null) return false;
        Console.WriteLine("Shutdown manually aborted.");
        return true;
    }

    /// <summary>Shard 0's loop, each iteration unless the cron is paused: starts a pending signal's shutdown.</summary>
    public void TakePendingSignal()
    {
        if (Volatile.Read(ref pendingSignal) == null) return;
        string? signal = Interlocked.Exchange(ref pendingSignal, null);
        if (signal != null) ShutdownFromSignal(signal);
    }

    /// <summary>
    /// A signal's shutdown: SHUTDOWN with the flags of shutdown-on-sigterm or shutdown-on-sigint (Redis's
    /// prepareForShutdown): save first when save points exist and the flags do not say nosave, or when they say save;
    /// then stop. When the save fails the server keeps running, as Redis does, unless the flags say force.
    /// </summary>
    void ShutdownFromSignal(string signal)
    {
        int flags = signal == "SIGINT" ? server.Config.ShutdownOnSigint : server.Config.ShutdownOnSigterm;
        bool force = (flags & ShutdownFlag.Force) != 0;
        bool save = (flags & ShutdownFlag.Save) != 0 || (flags & ShutdownFlag.NoSave) == 0 && server.Config.SavePoints.Length > 0;
        if (!save)
        {
            if (InitialRewriteHoldsShutdown(force)) return;
            server.ShutdownRequested = true;
            server.RequestShutdown?.Invoke();
            return;
        }
        signalShutdownUnderway = true;
        server.Shards[0].Mailbox.Post(new StartSystemSnapshot(SnapshotPurpose.Shutdown, force, error => { if (error != null) signalShutdownUnderway = false; }));
    }

    /// <summary>
    /// The server exits with a snapshot unfinished (every shard loop has ended): Redis's finishShutdown kills its child
    /// with these lines, and the temp file goes.
    /// </summary>
    public void AbandonAtExit()
    {
        Snapshot? s = Running;
        if (s == null) return;
        LogKilledAtShutdown(s);
        s.AbortStopped(TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// finishShutdown: while the first rewrite of an AOF being turned on runs, the dataset is in no file the next start
    /// would read, so SHUTDOWN (even NOSAVE) fails unless FORCE. True when it must fail; logs Redis's line either way.
    /// </summary>
    public bool InitialRewriteHoldsShutdown(bool force)
    {
        if (!RewriteRunning || !server.Aof.WaitingRewrite) return false;
        Console.WriteLine(force ? "Writing initial AOF. Exit anyway." : "Writing initial AOF, can't exit.");
        return !force;
    }

    /// <summary>finishShutdown's lines for the child it kills (killRDBChild, or killAppendOnlyChild's own line too).</summary>
    internal static void LogKilledAtShutdown(Snapshot s)
    {
        if (s.Purpose != SnapshotPurpose.Rewrite)
        {
            Console.WriteLine("There is a child saving an .rdb. Killing it!");
            return;
        }
        Console.WriteLine("There is a child rewriting the AOF. Killing it!");
        Console.WriteLine("Killing running AOF rewrite child: " + Environment.ProcessId);
    }

    /// <summary>Starts a snapshot without a client on the shard that receives it.</summary>
    sealed class StartSystemSnapshot(SnapshotPurpose purpose, bool force, Action<string?>? done) : ShardMessage
    {
        public override void Run(Shard shard) => new SnapshotStartTx(shard, purpose, done, force).Start();
    }

    /// <summary>
    /// Shard 0's cron, in Redis's serverCron order: a scheduled AOF rewrite, then a save point or a scheduled BGSAVE,
    /// then an automatic AOF rewrite.
    /// </summary>
    public void CronCheck(Shard shard, long dirty)
    {
        if (server.Aof.CronScheduled(shard)) return;
        if (SaveDue(shard.NowMs, dirty)) new SnapshotStartTx(shard, SnapshotPurpose.Cron, null).Start();
        else server.Aof.CronAuto(shard);
    }

    /// <summary>The running snapshot is an AOF rewrite (Redis's child_type == CHILD_TYPE_AOF).</summary>
    public bool RewriteRunning => Running is { Purpose: SnapshotPurpose.Rewrite };

    /// <summary>
    /// FLUSHALL (on each shard, before it empties its databases): Redis's flushAllDataAndResetRDB kills an RDB child,
    /// whose file would bring back what was just flushed, and schedules a save. An AOF rewrite goes on, as Redis lets
    /// its child finish: its base is the dataset at its cut, the FLUSHALL is in the INCR after it, and each shard's
    /// part serializes the rest of a table before the table is emptied (<see cref="Database.Clear"/>).
    /// </summary>
    public void FlushedAll(Shard shard)
    {
        Snapshot? running = Running;
        if (running != null && running.Purpose != SnapshotPurpose.Rewrite)
        {
            running.AbortOnce();
            // This shard stops at once, before it empties its tables (the others stop when their FLUSHALL part runs).
            shard.Snapshot?.Abort();
        }
        if (server.Config.SavePoints.Length > 0) BgsaveScheduled = true;
    }

    /// <summary>An RDB file holding no keys: the header and AUX fields, the function libraries, EOF and the CRC.</summary>
    public void WriteEmptyRdb(System.IO.Stream fs, Shard shard, bool aofBase)
    {
        ServerConfig cfg = server.Config;
        var w = new RdbFileWriter(fs, RdbWriteOptions.ForFile(shard, cfg.RdbVersion), cfg.RdbChecksum);
        w.Header(server.UsedMemory(), aofBase, Functions);
        w.End();
    }

    /// <summary>
    /// FLUSHALL with save points, once every shard's databases are empty and still held: Redis's
    /// flushAllDataAndResetRDB saves the empty dataset (the function libraries stay in it) with a foreground rdbSave
    /// before it replies, so the file no longer holds what was flushed. A failure is logged and leaves the background
    /// save's status alone; the scheduled BGSAVE then tries again.
    /// </summary>
    public void SaveFlushedNow(Shard home)
    {
        ServerConfig cfg = server.Config;
        if (cfg.SavePoints.Length == 0) return;
        // The BGSAVE this FLUSHALL stopped may have finished its file already: its rename must not land after ours.
        if (Running is { } stopped && stopped.Purpose != SnapshotPurpose.Rewrite) stopped.WaitWriterStopped(TimeSpan.FromSeconds(10));
        string target = cfg.RdbPath;
        string dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(target)) ?? ".";
        // Not temp-<pid>.rdb: a snapshot FLUSHALL just stopped may still be deleting that one.
        string temp = System.IO.Path.Combine(dir, "temp-" + Environment.ProcessId + "-flushall.rdb");
        try
        {
            using (var fs = new System.IO.FileStream(temp, System.IO.FileMode.Create, System.IO.FileAccess.Write, System.IO.FileShare.None))
            {
                WriteEmptyRdb(fs, home, aofBase: false);
                fs.Flush(flushToDisk: true);
            }
            System.IO.File.Move(temp, target, overwrite: true);
            DirectorySync.Fsync(dir);
        }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException)
        {
            try { System.IO.File.Delete(temp); } catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException) { }
            Console.WriteLine("Error saving DB on disk: " + ex.Message);
            return;
        }
        Console.WriteLine("DB saved on disk");
        Interlocked.Increment(ref SnapshotsTaken);
        LastBgsaveOk = true;
        LastSaveUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        LastSavedKeys = 0;
        server.DirtyAtLastSave = server.Dirty();
        BgsaveScheduled = false;
    }

    /// <summary>Whether writes must be refused with -MISCONF (stop-writes-on-bgsave-error after a failed save).</summary>
    public bool RefusesWrites => !LastBgsaveOk && server.Config.StopWritesOnBgsaveError && server.Config.SavePoints.Length > 0;

    /// <summary>
    /// Redis's serverCron save-point rule: some point has dirty ≥ changes and seconds since the last save, and the
    /// last attempt succeeded or is more than 5 seconds old. A scheduled BGSAVE runs as soon as nothing else does.
    /// </summary>
    public bool SaveDue(long nowMs, long dirty)
    {
        if (Running != null) return false;
        if (BgsaveScheduled) return true;
        long changes = dirty - server.DirtyAtLastSave;
        foreach (var (seconds, min) in server.Config.SavePoints)
        {
            if (changes >= min && nowMs / 1000 - LastSaveUnix > seconds
                && (LastBgsaveOk || nowMs - LastBgsaveTryMs > 5000))
                return true;
        }
        return false;
    }
}
