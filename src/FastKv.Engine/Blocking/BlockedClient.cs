using System;
using System.Collections.Generic;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// One client waiting in a blocking command. It lives on the client's home shard and is registered
/// on every shard holding one of its keys; whichever of them first has data for it claims it, serves
/// it there (the pop runs on the key's own shard) and posts the reply home. A timeout or a disconnect
/// on the home shard ends it instead. The state word makes exactly one of them win:
/// <code>
///   Waiting --claim (a key's shard)--> Claimed --served--> Done
///      |                                  '--nothing after all--> Waiting
///      '--timeout / disconnect (home)--> Done
/// </code>
/// The home shard never finishes a Claimed waiter; it retries the timeout on its next tick, by when the
/// claimer has served it or let it go. Nor does it time out a waiter whose attempt is still on its way
/// (<see cref="Attempting"/>): Redis tries a blocking command before its timeout can run, so a key that
/// has data when the command arrives serves it even when the timeout is shorter than the hop to the key's shard.
/// </summary>
public sealed class BlockedClient : IShardOpOwner
{
    const int Waiting = 0, Claimed = 1, Done = 2;

    public readonly Session Session;
    /// <summary>The blocking command, counted in INFO commandstats once, when it ends.</summary>
    public readonly CommandSpec Spec;
    public readonly Shard Home;
    public readonly BlockingPlan Plan;
    public readonly List<Shard> Shards;
    /// <summary>Absolute unix ms; long.MaxValue waits forever.</summary>
    public long Deadline;
    /// <summary>The reply written by the shard that served it.</summary>
    public readonly RespWriter Reply;
    int state;

    /// <summary>
    /// Home shard only: an attempt (<see cref="Blocking.Attempt"/>) is out and has not come back; the deadline
    /// waits for it (<see cref="TimeOut"/>, <see cref="ShardBlocking.MillisUntilNextTimeout"/>).
    /// </summary>
    internal bool Attempting;

    /// <summary>
    /// Home shard only: counted in INFO blocked_clients. A pop counts once its first attempt came back with the waiter
    /// registered on its keys' shards (<see cref="Waiting"/>), so a client that sees it counted and then pushes
    /// serves it, as in Redis, where a client is blocked only once its keys are watched.
    /// </summary>
    internal bool CountedBlocked;

    /// <summary>Home shard: the waiter now waits on its keys (or, for WAIT/WAITAOF, on acknowledgements).</summary>
    internal void NowBlocked()
    {
        Attempting = false;
        if (CountedBlocked) return;
        CountedBlocked = true;
        Home.Blocking.BlockedClients++;
    }

    /// <summary>Home shard: the waiter ended; no longer counted in INFO blocked_clients.</summary>
    internal void Uncount()
    {
        if (!CountedBlocked) return;
        CountedBlocked = false;
        Home.Blocking.BlockedClients--;
    }

    /// <summary>The command as sent (for the slowlog).</summary>
    public readonly byte[][] Command;

    /// <summary>WAIT or WAITAOF: what it waits for (it has no keys, and no other shard ever claims it); null for a pop.</summary>
    public readonly AckWait? Ack;

    /// <summary>A client blocked in WAIT or WAITAOF: registered on its home shard only (<see cref="ShardBlocking.AddAck"/>).</summary>
    public BlockedClient(Session session, CommandSpec spec, AckWait ack, byte[][] command) : this(session, new BlockingPlan { Command = command }, spec) => Ack = ack;

    public BlockedClient(Session session, BlockingPlan plan, CommandSpec spec)
    {
        Session = session;
        Spec = spec;
        Home = session.Home;
        Plan = plan;
        Command = plan.Command;
        Shards = plan.Shards(Home.Server);
        // A pop's reply is a key and an element: start small (the buffer grows for larger ones) rather than with the
        // 1 KiB a connection's output starts with (a BLPOP's block and serve allocated 3065 bytes, now 2169).
        Reply = new RespWriter(new OutputBuffer(ReplyInitialCapacity)) { Protocol = session.Client.Protocol };
    }

    const int ReplyInitialCapacity = 128;

    public bool IsDone => Volatile.Read(ref state) == Done;

    /// <summary>A key's shard takes the waiter to serve it; false when someone else has it.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref state, Claimed, Waiting) == Waiting;

    /// <summary>The claimer found nothing to give after all (or woke it for a new attempt): back to waiting.</summary>
    public void Unclaim() => Volatile.Write(ref state, Waiting);

    /// <summary>The claimer answers in the reply of the request that claimed it (a first attempt).</summary>
    public void MarkDone() => Volatile.Write(ref state, Done);

    /// <summary>A key's shard ends a waiter whose client is gone; true when nobody else had it.</summary>
    public bool CancelHere() => TryEnd();

    /// <summary>The claimer wrote <see cref="Reply"/>: hand it to the home shard.</summary>
    public void Served()
    {
        Volatile.Write(ref state, Done);
        Home.Mailbox.Post(new ServedMessage(this));
    }

    /// <summary>The claimer cannot serve here (BLMOVE to another shard): the home shard runs the command again.</summary>
    public void Wake() => Home.Mailbox.Post(new WakeMessage(this));

    /// <summary>Home shard: ends a waiter nobody holds (timeout, disconnect); false while a shard has it claimed.</summary>
    bool TryEnd() => Interlocked.CompareExchange(ref state, Done, Waiting) == Waiting;

    // ---- home shard side ----------------------------------------------------------------------

    /// <summary>The first attempt came back from the key's shard: served there, or waiting now.</summary>
    public void OnOpDone(ShardOp op)
    {
        if (op is BlockAttempt { Served: true })
        {
            Attempting = false;
            Complete(Reply.Output.Written);
        }
        else NowBlocked();
    }

    /// <summary>Ends the command with a reply (served, error or timeout): forget the waiter everywhere, resume the client.</summary>
    internal void Complete(ReadOnlySpan<byte> reply)
    {
        Volatile.Write(ref state, Done);
        Forget();
        Ended(failed: ReplyFrames.IsError(reply));
        if (!Session.Closed) Session.W.Forward(reply);
        Session.OnBlockedDone();
    }

    /// <summary>Stopwatch ticks the command ran on any shard (its attempts and its serving), the wait left out.</summary>
    long runTicks;

    /// <summary>An attempt or a serve of this command took <paramref name="ticks"/> (on any shard's thread).</summary>
    internal void AddRunTime(long ticks) => Interlocked.Add(ref runTicks, ticks);

    /// <summary>
    /// The command is over: as Redis's updateStatsOnUnblock, counted in INFO commandstats with the time it ran (the
    /// wait left out; the attempt that found nothing before it blocked is not timed), in latencystats and the slowlog.
    /// </summary>
    void Ended(bool failed)
    {
        long micros = Interlocked.Read(ref runTicks) * 1_000_000 / System.Diagnostics.Stopwatch.Frequency;
        Executor.Count(Home, Spec, micros, failed);
        ServerConfig cfg = Home.Server.Config;
        if (cfg.LatencyTracking) LatencyHistogram.Record(ref Home.CommandStats.Latency[Spec.Id], micros);
        long slower = cfg.SlowlogSlowerThan;
        if (slower >= 0 && micros >= slower) Home.Server.SlowLog.Record(Home, Command, micros, Session.Client);
    }

    void Forget()
    {
        Home.Blocking.RemoveTimeout(this);
        if (Ack != null) Home.Blocking.RemoveAck(this);
        foreach (var s in Shards)
            if (s == Home) s.Blocking.Unregister(this);
            else s.Mailbox.Post(new UnregisterMessage(this));
    }

    /// <summary>Home shard tick: ends the wait with a null reply when the deadline passed and no shard holds it.</summary>
    internal bool TimeOut()
    {
        if (Attempting) return false;
        if (!TryEnd()) return IsDone;
        Forget();
        Ended(failed: false);
        if (!Session.Closed) TimeoutReply(Session.W);
        Session.OnBlockedDone();
        return true;
    }

    /// <summary>What the client gets when the wait ends without being served: null, or WAIT/WAITAOF's acknowledgements.</summary>
    void TimeoutReply(RespWriter w)
    {
        if (Ack != null) Ack.Reply(w, Home.Server.Aof);
        else w.NullArray();
    }

    /// <summary>CLIENT UNBLOCK ... TIMEOUT, once claimed on the home shard: ends the wait as its timeout would.</summary>
    internal void UnblockAsTimeout()
    {
        Volatile.Write(ref state, Done);
        Forget();
        Ended(failed: false);
        if (!Session.Closed) TimeoutReply(Session.W);
        Session.OnBlockedDone();
    }

    /// <summary>Home shard, each loop iteration: a WAIT/WAITAOF whose condition holds, or can no longer hold, ends now.</summary>
    internal void CheckAck()
    {
        AofLog aof = Home.Server.Aof;
        bool refused = Ack!.Refused(aof);
        if (!refused && !Ack.Satisfied(aof)) return;
        if (!TryEnd()) return;
        Forget();
        Ended(failed: refused);
        if (!Session.Closed)
        {
            if (refused) Session.W.Error(AckWait.AofDisabled);
            else Ack.Reply(Session.W, aof);
        }
        Session.OnBlockedDone();
    }

    /// <summary>Home shard: ends a claimed waiter whose client disconnected meanwhile, with nothing served and nothing counted.</summary>
    internal void Abandon()
    {
        Volatile.Write(ref state, Done);
        Forget();
        Session.OnBlockedDone();
    }

    /// <summary>The client disconnected: true when the waiter ended here (nothing was or will be served to it).</summary>
    internal bool Cancel()
    {
        if (!TryEnd()) return IsDone;
        Forget();
        return true;
    }

    sealed class ServedMessage(BlockedClient w) : ShardMessage
    {
        public override void Run(Shard shard) => w.Complete(w.Reply.Output.Written);
    }

    sealed class WakeMessage(BlockedClient w) : ShardMessage
    {
        public override void Run(Shard shard)
        {
            foreach (var s in w.Shards)
                if (s == shard) s.Blocking.Unregister(w);
                else s.Mailbox.Post(new UnregisterMessage(w));
            if (w.Session.Closed)
            {
                w.Abandon();
                return;
            }
            // Back to waiting (the waking shard held it claimed) for a new attempt.
            w.Unclaim();
            Blocking.Attempt(w);
        }
    }

    sealed class UnregisterMessage(BlockedClient w) : ShardMessage
    {
        public override void Run(Shard shard) => shard.Blocking.Unregister(w);
    }
}
