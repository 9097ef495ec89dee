using System;
using System.IO;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace FastKv.Engine;

/// <summary>What a switch marker asks of the log when the combiner reaches it, and what came of it.</summary>
public sealed class AofSwitch
{
    /// <summary>Open Redis's temp INCR (<c>temp-&lt;appendfilename&gt;.incr</c>) instead of a new manifest entry: the AOF is being turned on.</summary>
    public bool ToTemp;
    /// <summary>Null when the new file is open (and named in the persisted manifest), else the error.</summary>
    public string? Error;
}

/// <summary>
/// AOF rewrite without fork (persistence design 3, "Rewrite"): Redis's rewriteAppendOnlyFileBackground,
/// backgroundRewriteDoneHandler, startAppendOnly/stopAppendOnly and serverCron's rewrite rules. A rewrite is a
/// snapshot (<see cref="SnapshotPurpose.Rewrite"/>) whose file becomes the new base. At its cut, while every shard
/// is held and every earlier record is already queued (a shard publishes before it posts its grant), a switch
/// marker goes into the queue; the combiner that reaches it writes what came before to the old INCR, hands that
/// file to the fsync thread (fsynced there unless the rewrite finished first, then closed), opens the next INCR
/// and persists the manifest naming it (openNewIncrAofForAppend). So the old INCRs hold exactly
/// what the base holds, and the new INCR what came after. The done handler then makes the new base current and the
/// old files history. Rewrite state is written on the home shard of the rewrite (or under the combiner flag) and
/// read by INFO from any shard.
/// </summary>
public sealed partial class AofLog
{
    /// <summary>aof_rewrite_scheduled: a rewrite waits for the running snapshot to end (or for the cron).</summary>
    public volatile bool RewriteScheduled;
    /// <summary>Unix ms the running rewrite started, -1 when none runs (aof_current_rewrite_time_sec).</summary>
    public long RewriteStartMs = -1;
    /// <summary>aof_last_rewrite_time_sec: -1 before the first.</summary>
    public long LastRewriteSeconds = -1;
    public volatile bool LastRewriteOk = true;
    /// <summary>aof_rewrites: rewrites started.</summary>
    public long Rewrites;
    /// <summary>aof_rewrites_consecutive_failures.</summary>
    public long ConsecutiveFailures;
    /// <summary>
    /// AOF_WAIT_REWRITE: appendonly was turned on at runtime; the log writes to the temp INCR from the first
    /// rewrite's cut and becomes a normal log when that rewrite succeeds.
    /// </summary>
    public volatile bool WaitingRewrite;
    /// <summary>aof_enabled: appendonly is on (aof_state != AOF_OFF), whether or not the log is open yet.</summary>
    public bool Enabled => On || WaitingRewrite;

    public static string TempRewriteName => "temp-rewriteaof-bg-" + Environment.ProcessId + ".aof";
    static string TempIncrName(string appendFilename) => "temp-" + appendFilename + ".incr";

    /// <summary>
    /// The cut of a rewrite (home shard's thread, every shard held, before any shard starts its part): the log
    /// switches to a new INCR in queue order, and waits for it. Null, or the error that stops the rewrite.
    /// </summary>
    public string? SwitchAtCut(Shard home)
    {
        ServerConfig cfg = server.Config;
        try
        {
            Directory.CreateDirectory(cfg.AofDirPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine("Can't open or create append-only dir " + cfg.AppendDirname + ": " + ex.Message);
            return ex.Message;
        }
        Manifest ??= ManifestForDirectory(cfg);
        if (!On && !WaitingRewrite) return null; // appendonly no: only the base is made (openNewIncrAofForAppend's AOF_OFF)
        if (!On)
        {
            // Turning on: the log opens at the temp INCR; each shard starts recording at its own part of the cut.
            On = true;
            StartFsyncThread();
        }
        Publish(home);
        AofChunk marker = new() { Data = Array.Empty<byte>(), Switch = new AofSwitch { ToTemp = WaitingRewrite } };
        Enqueue(marker);
        var spin = new SpinWait();
        while (!marker.Done)
        {
            if (TryCombine()) continue;
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return marker.Switch.Error;
    }

    /// <summary>The shard's part of a rewrite's cut (its thread): a log being turned on starts recording here, empty.</summary>
    public void ShardAtCut(Shard s)
    {
        if (!On || s.Aof.On) return;
        s.Aof.Clear();
        s.Aof.On = true;
    }

    /// <summary>The combiner reached a switch marker (holding the flag, everything before it written): Redis's openNewIncrAofForAppend.</summary>
    void SwitchFile(AofSwitch sw)
    {
        ServerConfig cfg = server.Config;
        string dir = cfg.AofDirPath;
        AofManifest? next = null;
        string name;
        if (sw.ToTemp) name = TempIncrName(cfg.AppendFilename);
        else
        {
            next = Copy(Manifest!);
            name = next.AddIncr(cfg.AppendFilename).Name;
        }
        SafeFileHandle nf;
        try
        {
            nf = File.OpenHandle(Path.Combine(dir, name), FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine("Can't open the append-only file " + name + ": " + ex.Message);
            sw.Error = ex.Message;
            return;
        }
        if (next != null)
        {
            try
            {
                next.Persist(dir, cfg.AppendFilename, CloseLater);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.WriteLine("Can't persist the AOF manifest file: " + ex.Message);
                nf.Dispose();
                sw.Error = ex.Message;
                return;
            }
        }
        Console.WriteLine("Creating AOF incr file " + name + " on background rewrite");
        SafeFileHandle? old;
        lock (fsyncGate)
        {
            old = file;
            // As Redis's bioCreateCloseAofJob: the old INCR is fsynced and closed by the fsync thread (at its next
            // round, when the rewrite has not made it history by then), never here on a shard's thread.
            if (old != null) Retire(old, Volatile.Read(ref writtenOffset), needSync: Volatile.Read(ref unsynced) > 0);
            file = nf;
            Interlocked.Exchange(ref unsynced, 0);
        }
        if (old == null) Fsynced(Volatile.Read(ref writtenOffset));
        Volatile.Write(ref earlierSize, earlierSize + fileLength);
        Volatile.Write(ref fileLength, 0);
        selectedDb = -1;
        if (next != null) Manifest = next;
    }

    /// <summary>
    /// The rewrite's file is complete (<paramref name="error"/> null) or failed: Redis's backgroundRewriteDoneHandler
    /// and aofDelHistoryFiles, with its log lines. Runs on the rewrite's home shard.
    /// </summary>
    public void RewriteDone(Snapshot s, string? error)
    {
        ServerConfig cfg = server.Config;
        string dir = cfg.AofDirPath;
        string tmp = s.TargetPath;
        if (error == null)
        {
            Console.WriteLine("Background AOF rewrite terminated with success");
            error = Install(cfg, dir, tmp, s.CommandForm);
            if (error == null)
            {
                LastRewriteOk = true;
                ConsecutiveFailures = 0;
                Console.WriteLine("Background AOF rewrite finished successfully");
                WaitingRewrite = false;
                // AOF_ON now: FsyncedOffset counts again, and WAITAOF clients may be satisfied.
                WakeAckWaiters();
            }
            else
            {
                LastRewriteOk = false;
                ConsecutiveFailures++;
            }
        }
        else if (error == "aborted")
        {
            // Redis's SIGUSR1: the rewrite was stopped on purpose (appendonly no, SHUTDOWN), not a failure.
            Console.WriteLine("Background AOF rewrite terminated by signal 10");
        }
        else
        {
            LastRewriteOk = false;
            ConsecutiveFailures++;
            Console.WriteLine("Background AOF rewrite terminated with error");
        }
        try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        LastRewriteSeconds = (now - RewriteStartMs) / 1000;
        Volatile.Write(ref RewriteStartMs, -1);
        // Still waiting to turn the AOF on: try again from the cron.
        if (WaitingRewrite) RewriteScheduled = true;
    }

    /// <summary>The new base takes its name, the files it replaces become history, the manifest is persisted.</summary>
    /// <remarks>
    /// The name's suffix (.rdb, or .aof for a base of commands) follows the form the file was written in, taken at
    /// the cut; Redis's getNewBaseFileNameAndMarkPreAsHistory reads aof-use-rdb-preamble again here, so a CONFIG SET
    /// during its rewrite can misname the base (its loader reads either form whatever the name).
    /// </remarks>
    string? Install(ServerConfig cfg, string dir, string tmp, bool commandForm)
    {
        AofManifest m = Copy(Manifest ?? new AofManifest());
        // getNewBaseFileNameAndMarkPreAsHistory
        if (m.Base != null) m.History.Insert(0, m.Base with { Type = AofFileType.History });
        AofFileInfo b = m.Base = new AofFileInfo(AofManifest.BaseName(cfg.AppendFilename, ++m.BaseSeq, !commandForm), m.BaseSeq, AofFileType.Base);
        string basePath = Path.Combine(dir, b.Name);
        try
        {
            File.Move(tmp, basePath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine("Error trying to rename the temporary AOF base file " + Path.GetFileName(tmp) + " into "
                              + Path.Combine(cfg.AppendDirname, b.Name) + ": " + OsError.Text(ex));
            return ex.Message;
        }
        // Redis names its files relative to dir, its working directory.
        Console.WriteLine("Successfully renamed the temporary AOF base file " + Path.GetFileName(tmp) + " into " + b.Name);
        string? newIncrPath = null;
        if (WaitingRewrite && On)
        {
            string tempIncr = TempIncrName(cfg.AppendFilename);
            AofFileInfo i = m.AddIncr(cfg.AppendFilename);
            newIncrPath = Path.Combine(dir, i.Name);
            try
            {
                File.Move(Path.Combine(dir, tempIncr), newIncrPath, overwrite: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.WriteLine("Error trying to rename the temporary AOF incr file " + Path.Combine(cfg.AppendDirname, tempIncr) + " into "
                                  + Path.Combine(cfg.AppendDirname, i.Name) + ": " + OsError.Text(ex));
                TryDelete(basePath);
                return ex.Message;
            }
            Console.WriteLine("Successfully renamed the temporary AOF incr file " + tempIncr + " into " + i.Name);
        }
        // markRewrittenIncrAofAsHistory: every INCR but the one written now (all of them when the log is closed).
        int keep = On ? 1 : 0;
        while (m.Incrs.Count > keep)
        {
            AofFileInfo f = m.Incrs[m.Incrs.Count - 1 - keep];
            m.Incrs.RemoveAt(m.Incrs.Count - 1 - keep);
            m.History.Insert(0, f with { Type = AofFileType.History });
        }
        try
        {
            m.Persist(dir, cfg.AppendFilename, CloseLater);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine("Can't persist the AOF manifest file: " + ex.Message);
            TryDelete(basePath);
            if (newIncrPath != null) TryDelete(newIncrPath);
            return ex.Message;
        }
        Manifest = m;
        // The base (fsynced before its rename) and the persisted manifest hold what the retired INCRs held.
        RetiredAreHistory();
        long baseLen = new FileInfo(basePath).Length;
        if (On)
        {
            Volatile.Write(ref earlierSize, baseLen);
            BaseSize = baseLen + Volatile.Read(ref fileLength);
        }
        DeleteHistory(cfg, dir, m);
        return null;
    }

    /// <summary>
    /// DEBUG LOADAOF read the manifest from disk (Redis's aofLoadManifestFromDisk). While the log is off it becomes the
    /// one rewrites continue from: a rewrite with the log off left no INCR, so INCR numbers start again from the file's
    /// (1 when it lists none). While the log is on the one in memory is the same as the file's and stays. Then the
    /// history files go (aofDelHistoryFiles).
    /// </summary>
    public void ManifestReloaded(AofManifest disk)
    {
        if (!On) Manifest = Copy(disk);
        ServerConfig cfg = server.Config;
        if (Manifest != null) DeleteHistory(cfg, cfg.AofDirPath, Manifest);
    }

    /// <summary>
    /// aof-disable-auto-gc set to no: the history files go now; while a rewrite runs, its end deletes them (it reads
    /// the setting then) and the manifest stays its to change.
    /// </summary>
    public void CollectHistory()
    {
        ServerConfig cfg = server.Config;
        if (Manifest != null && !server.Persistence.RewriteRunning) DeleteHistory(cfg, cfg.AofDirPath, Manifest);
    }

    /// <summary>aofDelHistoryFiles: unless aof-disable-auto-gc, history files go and the manifest says so.</summary>
    void DeleteHistory(ServerConfig cfg, string dir, AofManifest m)
    {
        if (cfg.AofDisableAutoGc || m.History.Count == 0) return;
        foreach (AofFileInfo h in m.History)
        {
            Console.WriteLine("Removing the history file " + h.Name + " in the background");
            DeleteInBackground(Path.Combine(dir, h.Name));
        }
        m.History.Clear();
        try { m.Persist(dir, cfg.AppendFilename, CloseLater); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { Console.WriteLine("Can't persist the AOF manifest file: " + ex.Message); }
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>BGREWRITEAOF while another snapshot runs (or inside EXEC): the cron starts it when it can.</summary>
    public void ScheduleRewrite()
    {
        RewriteScheduled = true;
        // A manual request resets the failure count, so the retry is not limited (bgrewriteaofCommand).
        ConsecutiveFailures = 0;
    }

    /// <summary>A rewrite's cut happened (home shard): Redis's bookkeeping after its fork.</summary>
    public void RewriteStarted(long nowMs)
    {
        RewriteScheduled = false;
        Volatile.Write(ref RewriteStartMs, nowMs);
        Interlocked.Increment(ref Rewrites);
    }

    /// <summary>
    /// Shard 0's cron, before the save points (Redis's serverCron): a scheduled rewrite starts when no snapshot runs.
    /// True when one was started.
    /// </summary>
    public bool CronScheduled(Shard shard)
    {
        if (!RewriteScheduled || server.Persistence.Running != null || RewriteLimited(shard.NowMs)) return false;
        new SnapshotStartTx(shard, SnapshotPurpose.Rewrite, null).Start();
        return true;
    }

    /// <summary>Shard 0's cron, after the save points: auto-aof-rewrite-percentage over the size at the last rewrite.</summary>
    public void CronAuto(Shard shard)
    {
        ServerConfig cfg = server.Config;
        if (!On || WaitingRewrite || server.Persistence.Running != null || cfg.AutoAofRewritePercentage == 0) return;
        long current = CurrentSize;
        if (current <= cfg.AutoAofRewriteMinSize) return;
        long b = BaseSize != 0 ? BaseSize : 1;
        long growth = current * 100 / b - 100;
        if (growth < cfg.AutoAofRewritePercentage || RewriteLimited(shard.NowMs)) return;
        Console.WriteLine("Starting automatic rewriting of AOF on " + growth + "% growth");
        new SnapshotStartTx(shard, SnapshotPurpose.Rewrite, null).Start();
    }

    long nextRewriteAllowedMs;

    /// <summary>
    /// Redis's aofRewriteLimited: after three failures in a row the cron waits 1, 2, 4... up to 60 minutes between
    /// attempts (BGREWRITEAOF is never limited: it resets the count).
    /// </summary>
    bool RewriteLimited(long nowMs)
    {
        if (ConsecutiveFailures < 3) return false;
        if (nowMs < nextRewriteAllowedMs) return true;
        long minutes = Math.Min(60, 1L << (int)Math.Min(6, ConsecutiveFailures - 3));
        nextRewriteAllowedMs = nowMs + minutes * 60_000;
        return false;
    }

    /// <summary>
    /// CONFIG SET appendonly (<see cref="ServerConfig.AppendOnlySwitch"/>, on the shard running CONFIG SET).
    /// yes: Redis's startAppendOnly, a rewrite makes the base and the log opens at its cut; it is scheduled here, and
    /// CONFIG SET outside EXEC starts it before it replies (<see cref="StartFirstRewrite"/>). no: stopAppendOnly, the
    /// log is flushed, fsynced and closed.
    /// </summary>
    public string? SwitchAppendOnly(bool on)
    {
        if (on)
        {
            if (Enabled) return null;
            WaitingRewrite = true;
            if (server.Persistence.Running != null)
                Console.WriteLine("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.");
            RewriteScheduled = true;
            if (WriteError != null)
            {
                Console.WriteLine("AOF reopen, just ignore the last error.");
                WriteError = null;
            }
            return null;
        }
        Stop();
        return null;
    }

    /// <summary>
    /// CONFIG SET appendonly yes outside EXEC: as Redis forks its rewrite before it replies (and only schedules it
    /// inside EXEC, server.in_exec), the scheduled first rewrite claims the snapshot slot now, so the next command's
    /// INFO says aof_rewrite_in_progress:1; its cut follows when the shards are free. Behind another snapshot it stays
    /// scheduled for the cron.
    /// </summary>
    public void StartFirstRewrite(Shard home)
    {
        if (WaitingRewrite && RewriteScheduled && server.Persistence.Running == null)
            new SnapshotStartTx(home, SnapshotPurpose.Rewrite, null).Start();
    }

    /// <summary>stopAppendOnly: flush, fsync and close; a running rewrite is stopped; shards stop recording.</summary>
    void Stop()
    {
        WaitingRewrite = false;
        RewriteScheduled = false;
        Snapshot? running = server.Persistence.Running;
        if (running != null && running.Purpose == SnapshotPurpose.Rewrite)
        {
            Console.WriteLine("Killing running AOF rewrite child: " + Environment.ProcessId);
            running.AbortOnce();
        }
        if (!On)
        {
            WakeAckWaiters();
            return;
        }
        // Shards see this at their next command: what they record after it is dropped (Publish while off).
        foreach (Shard s in server.Shards) s.Aof.On = false;
        Shard? me = current;
        if (me != null && me.Aof.Length > 0 && !me.Aof.Capturing)
        {
            AofChunk c = RentChunk(me);
            c.Data = me.Aof.Take(c.Data, out c.Length);
            Enqueue(c);
        }
        while (Interlocked.CompareExchange(ref combining, 1, 0) != 0) Thread.Yield();
        try
        {
            Drain();
            lock (fsyncGate)
            {
                if (file != null && fdatasync(file.DangerousGetHandle().ToInt32()) != 0)
                    Console.WriteLine("Fail to fsync the AOF file: " + System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(
                        System.Runtime.InteropServices.Marshal.GetLastPInvokeError()));
                file?.Dispose();
                file = null;
                Interlocked.Exchange(ref unsynced, 0);
            }
            selectedDb = -1;
            On = false;
            stopping = true;
            // The fsync thread finishes the retired files and deleted files' closes, then ends.
            lock (fsyncWake) Monitor.PulseAll(fsyncWake);
            // WAITAOF clients that wait for a local fsync get their error now (processClientsWaitingReplicas).
            WakeAckWaiters();
            Volatile.Write(ref fileLength, 0);
            Volatile.Write(ref earlierSize, 0);
        }
        finally
        {
            Volatile.Write(ref combining, 0);
        }
    }

    void StartFsyncThread()
    {
        Thread t = new(FsyncLoop) { Name = "fastkv-aof-fsync", IsBackground = true };
        lock (fsyncGate)
        {
            stopping = false;
            // A thread of an earlier log that has not noticed its stop yet ends at its next round.
            Volatile.Write(ref fsyncThread, t);
        }
        t.Start();
    }

    /// <summary>
    /// The manifest a rewrite continues when the log was never opened (appendonly no since startup): sequence numbers
    /// continue past any AOF file already in the directory, so none is overwritten.
    /// </summary>
    static AofManifest ManifestForDirectory(ServerConfig cfg)
    {
        var m = new AofManifest();
        string prefix = cfg.AppendFilename + ".";
        try
        {
            foreach (string path in Directory.EnumerateFiles(cfg.AofDirPath, prefix + "*"))
            {
                string n = Path.GetFileName(path);
                int end = n.IndexOf('.', prefix.Length);
                if (end < 0 || !long.TryParse(n.AsSpan(prefix.Length, end - prefix.Length), out long seq)) continue;
                string rest = n.Substring(end);
                if (rest.StartsWith(".base", StringComparison.Ordinal)) m.BaseSeq = Math.Max(m.BaseSeq, seq);
                else if (rest.StartsWith(".incr", StringComparison.Ordinal)) m.IncrSeq = Math.Max(m.IncrSeq, seq);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        return m;
    }

    static AofManifest Copy(AofManifest a)
    {
        var m = new AofManifest { Base = a.Base, BaseSeq = a.BaseSeq, IncrSeq = a.IncrSeq };
        m.Incrs.AddRange(a.Incrs);
        m.History.AddRange(a.History);
        return m;
    }
}
