using System;
using System.Diagnostics;
using System.Text;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>Why a snapshot is taken: what happens at the cut and when the file is complete.</summary>
public enum SnapshotPurpose
{
    /// <summary>BGSAVE: reply at the cut.</summary>
    Bgsave,
    /// <summary>SAVE: reply when the file is on disk (only the caller waits; Redis blocks every client).</summary>
    Save,
    /// <summary>SHUTDOWN or SIGTERM: writes stay paused until the file is on disk, then the server stops.</summary>
    Shutdown,
    /// <summary>A save point or a scheduled BGSAVE from the cron: no client.</summary>
    Cron,
    /// <summary>
    /// BGREWRITEAOF, a scheduled or automatic AOF rewrite, CONFIG SET appendonly yes: the file is the AOF's new base,
    /// and the log switches to a new INCR at the cut (<see cref="AofLog.SwitchAtCut"/>). Reply at the cut.
    /// </summary>
    Rewrite,
}

/// <summary>
/// The cut of a snapshot (persistence design 1.1): a whole-shard shared intent lock on every shard, through the
/// Sequencer like any transaction, so a multi-shard transaction is wholly before or wholly after it. Once every
/// shard granted, each starts its part (<see cref="ShardSnapshot.Begin"/>) in one round; no write runs anywhere
/// between the last grant and the release, so the cut is one instant: every write acknowledged before the command
/// was sent is in the file, none sent after its reply is. The locks go at the cut (SHUTDOWN keeps them until the
/// file is on disk, so nothing is acknowledged that the file would lose).
/// </summary>
public sealed class SnapshotStartTx : MultiShardTx
{
    readonly SnapshotPurpose purpose;
    readonly bool schedule;
    /// <summary>SHUTDOWN FORCE: stop even when the save failed.</summary>
    readonly bool force;
    readonly string? argError;
    readonly Action<string?>? systemDone;
    Snapshot? snapshot;
    long cutStart;

    public SnapshotStartTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args) : base(s)
    {
        Counted = spec;
        if (spec.Cross == CrossShard.ShutdownSave)
        {
            purpose = SnapshotPurpose.Shutdown;
            for (int i = 1; i < args.Count; i++) force |= Ascii.EqualsIgnoreCase(args.Get(buf, i), "force"u8);
        }
        else if (spec.Cross == CrossShard.Save) purpose = SnapshotPurpose.Save;
        else if (spec.Cross == CrossShard.BgRewriteAof) purpose = SnapshotPurpose.Rewrite;
        else
        {
            purpose = SnapshotPurpose.Bgsave;
            if (args.Count == 2 && Ascii.EqualsIgnoreCase(args.Get(buf, 1), "schedule"u8)) schedule = true;
            else if (args.Count > 1) argError = Errors.Syntax;
        }
    }

    /// <summary>
    /// A snapshot the server starts itself; <paramref name="done"/> runs on <paramref name="home"/>'s thread.
    /// <paramref name="force"/>: a shutdown's (a signal's, under shutdown-on-sigterm force) that exits even when its save fails.
    /// </summary>
    public SnapshotStartTx(Shard home, SnapshotPurpose purpose, Action<string?>? done, bool force = false) : base(home)
    {
        this.purpose = purpose;
        systemDone = done;
        this.force = force;
    }

    bool HasClient => Session != null;

    public override void Start()
    {
        if (argError != null)
        {
            W.Error(argError);
            Finish();
            return;
        }
        Persistence p = Server.Persistence;
        if (purpose == SnapshotPurpose.Rewrite)
        {
            StartRewrite(p);
            return;
        }
        if (IsChild)
        {
            // BGSAVE inside EXEC: Redis schedules it (server.in_exec), so the transaction never waits for a cut.
            p.BgsaveScheduled = true;
            W.Simple("Background saving scheduled");
            Finish();
            return;
        }
        snapshot = new Snapshot(Server, Home, p.NextVersion(), Server.Config.RdbPath) { Purpose = purpose };
        if (!p.TryClaim(snapshot))
        {
            snapshot = null;
            if (WaitsForRunning(p)) return;
            if (purpose == SnapshotPurpose.Bgsave && schedule)
            {
                p.BgsaveScheduled = true;
                W.Simple("Background saving scheduled");
            }
            else if (purpose == SnapshotPurpose.Bgsave && p.RewriteRunning) W.Error(AnotherChildError);
            else if (HasClient) W.Error(purpose == SnapshotPurpose.Shutdown ? Errors.ShutdownFailed : Errors.BgsaveInProgress);
            systemDone?.Invoke("a snapshot already runs");
            Finish();
            return;
        }
        if (purpose is SnapshotPurpose.Bgsave or SnapshotPurpose.Cron) p.BgsaveScheduled = false;
        p.LastBgsaveTryMs = Home.NowMs;
        foreach (var sh in Server.Shards) LockShard(sh, false);
        // The pause runs from the first shard's grant to the release; timing from the lock request bounds it from above.
        cutStart = Stopwatch.GetTimestamp();
        Acquire();
    }

    /// <summary>
    /// The slot is taken by another snapshot; true when this one waits for it instead of failing. SAVE waits for a
    /// rewrite to end (Redis saves in the parent while its AOF child runs). SHUTDOWN stops what runs, as Redis's
    /// finishShutdown kills its child, and saves after it; it waits for a SAVE, which Redis would finish first, and
    /// fails when another SHUTDOWN is saving, or when the rewrite is the first one of an AOF being turned on
    /// (without it the dataset would be lost) unless FORCE.
    /// </summary>
    bool WaitsForRunning(Persistence p)
    {
        Snapshot? running = p.Running;
        if (purpose == SnapshotPurpose.Save)
        {
            // Null: it ended since the claim failed, and the retry claims at once.
            if (running != null && running.Purpose != SnapshotPurpose.Rewrite) return false;
        }
        else if (purpose != SnapshotPurpose.Shutdown) return false;
        else if (running != null)
        {
            switch (running.Purpose)
            {
                case SnapshotPurpose.Shutdown:
                    return false;
                case SnapshotPurpose.Save:
                    break;
                default:
                    if (p.InitialRewriteHoldsShutdown(force)) return false;
                    Persistence.LogKilledAtShutdown(running);
                    running.AbortOnce();
                    break;
            }
        }
        p.WhenIdle(Home, new Retry(this));
        return true;
    }

    /// <summary>Starts the transaction again on its home shard once the snapshot slot is free.</summary>
    sealed class Retry(SnapshotStartTx tx) : ShardMessage
    {
        public override void Run(Shard shard) => tx.Start();
    }

    const string AnotherChildError = "ERR Another child process is active (AOF?): can't BGSAVE right now. "
                                     + "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";

    /// <summary>Redis's bgrewriteaofCommand: already running, scheduled behind another snapshot or inside EXEC, or started.</summary>
    void StartRewrite(Persistence p)
    {
        AofLog aof = Server.Aof;
        if (p.RewriteRunning)
        {
            if (HasClient) W.Error("ERR Background append only file rewriting already in progress");
            systemDone?.Invoke("a rewrite already runs");
            Finish();
            return;
        }
        string temp = System.IO.Path.Combine(Server.Config.Dir, AofLog.TempRewriteName);
        snapshot = IsChild ? null : new Snapshot(Server, Home, p.NextVersion(), temp, temp) { Purpose = SnapshotPurpose.Rewrite };
        if (snapshot == null || !p.TryClaim(snapshot))
        {
            snapshot = null;
            if (HasClient) aof.ScheduleRewrite();
            else aof.RewriteScheduled = true;
            if (HasClient) W.Simple("Background append only file rewriting scheduled");
            systemDone?.Invoke("another snapshot runs");
            Finish();
            return;
        }
        // Claimed: it runs now (aof_rewrite_in_progress), no longer waits for the cron.
        aof.RewriteScheduled = false;
        foreach (var sh in Server.Shards) LockShard(sh, false);
        cutStart = Stopwatch.GetTimestamp();
        Acquire();
    }

    protected override void Begin()
    {
        Snapshot s = snapshot!;
        ServerConfig cfg = Server.Config;
        s.Options = RdbWriteOptions.ForFile(Home, cfg.RdbVersion);
        // The base's form is fixed at the cut: a CONFIG SET during the rewrite changes the next one.
        s.CommandForm = purpose == SnapshotPurpose.Rewrite && !cfg.AofUseRdbPreamble;
        s.StartedMs = Home.NowMs;
        s.UsedMemoryAtCut = Server.UsedMemory();
        // Every shard is held: no write runs until the release, so this is the count at the cut.
        s.DirtyAtCut = Server.Dirty();
        s.Completed = OnCompleted;
        if (purpose == SnapshotPurpose.Rewrite && Server.Aof.SwitchAtCut(Home) != null)
        {
            // rewriteAppendOnlyFileBackground's openNewIncrAofForAppend failed: no rewrite, the log goes on as it was.
            AofLog aof = Server.Aof;
            aof.LastRewriteOk = false;
            Server.Persistence.Ended(s, "aborted");
            if (aof.WaitingRewrite) aof.RewriteScheduled = true;
            if (HasClient) W.Error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
            systemDone?.Invoke("the new INCR file could not be opened");
            Finish();
            return;
        }
        foreach (var sh in Server.Shards) Op(sh, new BeginPart(s));
        SendRound();
    }

    /// <summary>Starts one shard's part at the cut.</summary>
    internal sealed class BeginPart(Snapshot snapshot) : ShardOp
    {
        protected override void Execute(Shard shard)
        {
            // A log being turned on starts recording at this shard's cut: what it recorded before is in the base.
            if (snapshot.Purpose == SnapshotPurpose.Rewrite) shard.Server.Aof.ShardAtCut(shard);
            snapshot.Parts[shard.Id].Begin(snapshot.Version, snapshot.Options);
        }
    }

    protected override void OnRound(RemoteRequest[] parts)
    {
        Snapshot s = snapshot!;
        s.CutMicros = (Stopwatch.GetTimestamp() - cutStart) * 1_000_000 / Stopwatch.Frequency;
        if (purpose != SnapshotPurpose.Rewrite) Server.Persistence.SnapshotsTaken++;
        else Server.Aof.RewriteStarted(Home.NowMs);
        Server.Persistence.LastCutMicros = s.CutMicros;
        s.StartWriter();
        if (purpose == SnapshotPurpose.Rewrite)
        {
            Console.WriteLine("Background append only file rewriting started by pid " + Environment.ProcessId);
            if (HasClient) W.Simple("Background append only file rewriting started");
            Finish();
            return;
        }
        Console.WriteLine(purpose == SnapshotPurpose.Bgsave || purpose == SnapshotPurpose.Cron
            ? "Background saving started" : "Saving the DB on disk");
        switch (purpose)
        {
            case SnapshotPurpose.Bgsave:
                W.Simple("Background saving started");
                Finish();
                break;
            case SnapshotPurpose.Cron:
                Finish();
                break;
            case SnapshotPurpose.Save:
                // Writers go on; only this client waits for the file.
                ReleaseLocks();
                break;
            case SnapshotPurpose.Shutdown:
                break;
        }
    }

    void OnCompleted(Snapshot s, string? error)
    {
        // The new base is installed (manifest, history deleted) before INFO stops reporting the rewrite, as Redis's
        // backgroundRewriteDoneHandler runs before the child is forgotten.
        if (purpose == SnapshotPurpose.Rewrite) Server.Aof.RewriteDone(s, error);
        Server.Persistence.Ended(s, error);
        systemDone?.Invoke(error);
        switch (purpose)
        {
            case SnapshotPurpose.Save:
                if (error == null) W.Ok();
                else W.Error("ERR");
                Finish();
                break;
            case SnapshotPurpose.Shutdown:
                if (error == null || force)
                {
                    if (error != null) Console.WriteLine("Error trying to save the DB. Exit anyway.");
                    Console.WriteLine("Redis is now ready to exit, bye bye...");
                    if (HasClient) Session.Client.CloseAfterReply = true;
                    Server.ShutdownRequested = true;
                    Server.RequestShutdown?.Invoke();
                }
                else
                {
                    Console.WriteLine("Error trying to save the DB, can't exit.");
                    if (HasClient) W.Error(Errors.ShutdownFailed);
                }
                Finish();
                break;
        }
    }
}
