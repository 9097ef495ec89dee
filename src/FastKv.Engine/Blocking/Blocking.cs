using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP BZPOPMIN BZPOPMAX BZMPOP, XREAD and XREADGROUP with BLOCK.
/// <para>
/// A blocking command stands for a non-blocking one per key (BLPOP k → LPOP k, see
/// <see cref="BlockingPlan"/>). The session hands it to <see cref="Begin"/>, which tries it and, when
/// no key has data, leaves a <see cref="BlockedClient"/> registered on the keys' shards:
/// </para>
/// <list type="bullet">
/// <item>All keys on one shard: one typed operation (<see cref="BlockAttempt"/>) tries the keys in order
/// on that shard and registers the waiter there when none has data, in one step, so no push can slip
/// between the try and the registration.</item>
/// <item>Keys on several shards: a <see cref="GatherTx"/> runs the command under the transaction locks
/// (non-blocking), then registers the waiter on every shard before the locks go.</item>
/// </list>
/// Run any other way (inside a cross-shard gather, later inside MULTI) the handlers behave as Redis's
/// do there: they try once and answer null when nothing is ready.
/// </summary>
public static unsafe class Blocking
{
    // ---- the session's side ---------------------------------------------------------------------

    /// <summary>
    /// Starts a blocking command for a session. False after writing an error (the session goes on);
    /// true when the session must wait for <see cref="Session.OnBlockedDone"/>.
    /// </summary>
    public static bool Begin(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args)
    {
        BlockingPlan? plan = BlockingPlan.Parse(spec, buf, args, out string? error);
        if (plan == null)
        {
            Executor.Count(s.Home, spec, 0, failed: true);
            s.W.Error(error!);
            return false;
        }
        long now = s.Home.NowMs;
        if (plan.TimeoutMs > 0 && plan.TimeoutMs > long.MaxValue - now)
        {
            Executor.Count(s.Home, spec, 0, failed: true);
            s.W.Error(Errors.TimeoutOutOfRange);
            return false;
        }
        plan.Db = s.Client.Db;
        var w = new BlockedClient(s, plan, spec) { Deadline = plan.TimeoutMs == 0 ? long.MaxValue : now + plan.TimeoutMs };
        s.Blocked = w;
        if (w.Deadline != long.MaxValue) s.Home.Blocking.AddTimeout(w);
        Attempt(w);
        return true;
    }

    /// <summary>Tries the command for a waiter (first time, or again after a cross-shard BLMOVE woke it).</summary>
    internal static void Attempt(BlockedClient w)
    {
        w.Attempting = true;
        if (w.Shards.Count == 1)
        {
            var op = new BlockAttempt(w, tryFirst: true);
            op.Prepare(w.Home, w.Shards[0], w, 0);
            op.Send();
            return;
        }
        new BlockingGatherTx(w).Start();
    }

    /// <summary>The handler as a command: try each key once, null when none has data.</summary>
    public static void Handler(ref CommandContext c)
    {
        BlockingPlan? plan = BlockingPlan.Parse(c.Spec, c.Buffer, c.Args, out string? error);
        if (plan == null)
        {
            c.Error(error!);
            return;
        }
        for (int i = 0; i < plan.Keys.Length; i++)
        {
            if (!TryServe(c.Shard, c.DbOverride, c.DbIndex, plan, i, c.W)) continue;
            // The attempt (LPOP, LMOVE...) recorded its own form, as Redis propagates a blocking command served at once.
            c.Propagated = true;
            return;
        }
        // Redis answers a null bulk for the list moves run without blocking (inside MULTI), a null array otherwise.
        if (plan.Kind == BlockKind.ListMove) c.W.NullBulk();
        else c.W.NullArray();
    }

    /// <summary>
    /// Runs the non-blocking command for key <paramref name="i"/> of the plan on this shard and, when it
    /// produced something (data or an error), writes the blocking command's reply to <paramref name="w"/>.
    /// False, with nothing written, when the key had no data.
    /// </summary>
    internal static bool TryServe(Shard shard, Database? dbOverride, int db, BlockingPlan plan, int i, RespWriter w)
    {
        ShardBlocking b = shard.Blocking;
        // Keys the attempt makes ready are served once its reply is out of the scratch writer, which their serves reuse.
        b.Hold();
        try
        {
            return TryServeHeld(shard, dbOverride, db, plan, i, w);
        }
        finally
        {
            b.Release();
        }
    }

    static bool TryServeHeld(Shard shard, Database? dbOverride, int db, BlockingPlan plan, int i, RespWriter w)
    {
        ShardBlocking b = shard.Blocking;
        RespWriter scratch = b.Scratch;
        scratch.Output.Clear();
        scratch.Protocol = w.Protocol;
        byte[] attempt = plan.Attempts[i];
        b.AttemptParser.Reset();
        b.AttemptArgs.Reset();
        b.AttemptParser.Parse(attempt, b.AttemptArgs, out _);
        CommandSpec? spec = Executor.Resolve(shard.Server.Commands, attempt, b.AttemptArgs, scratch);
        if (spec != null)
        {
            var c = new CommandContext
            {
                Shard = shard, W = scratch, Client = null, DbIndex = db, Buffer = attempt, Args = b.AttemptArgs,
                Spec = spec, DbOverride = dbOverride,
            };
            // Counted as the blocking command, once, when it ends (BlockedClient), as Redis counts a BLPOP.
            Executor.Invoke(ref c, count: false);
        }
        ReadOnlySpan<byte> reply = scratch.Output.Written;
        if (IsNothing(reply)) return false;
        if (ReplyFrames.IsError(reply) || plan.Kind is BlockKind.ListMPop or BlockKind.ZMPop or BlockKind.ListMove
            or BlockKind.StreamRead or BlockKind.StreamReadGroup)
        {
            w.Forward(reply);
            return true;
        }
        if (plan.Kind == BlockKind.ListPop)
        {
            // [key, element]
            w.ArrayHeader(2);
            w.Bulk(plan.Keys[i]);
            w.Raw(reply);
            return true;
        }
        // ZPOPMIN's [member, score] becomes [key, member, score].
        int pos = ReplyFrames.Elements(reply, out _);
        w.ArrayHeader(3);
        w.Bulk(plan.Keys[i]);
        w.Raw(reply.Slice(pos));
        return true;
    }

    /// <summary>A null or empty-array reply: the key had nothing to give.</summary>
    static bool IsNothing(ReadOnlySpan<byte> r)
        => r.SequenceEqual("$-1\r\n"u8) || r.SequenceEqual("*-1\r\n"u8) || r.SequenceEqual("_\r\n"u8) || r.SequenceEqual("*0\r\n"u8);
}

/// <summary>
/// A blocking command whose keys live on several shards: the command runs once over gathered copies
/// under the locks (<see cref="GatherTx"/>); when it found nothing, the waiter is registered on every
/// shard of its keys before the locks are released.
/// </summary>
public sealed class BlockingGatherTx : GatherTx
{
    readonly BlockedClient w;
    bool registering;

    public BlockingGatherTx(BlockedClient w) : base(w.Session, w.Plan.Command, Keys(w.Plan)) => this.w = w;

    static List<byte[]> Keys(BlockingPlan p)
    {
        var keys = new List<byte[]>(p.Keys);
        if (p.Destination != null) keys.Add(p.Destination);
        return keys;
    }

    /// <summary>Claims the waiter before anything runs: a timeout or disconnect meanwhile must not lose a pop.</summary>
    protected override void Begin()
    {
        if (!w.TryClaim())
        {
            w.Attempting = false;
            ReleaseLocks();
            return;
        }
        base.Begin();
    }

    protected override void Reply(byte[] reply)
    {
        bool nothing = reply.AsSpan().SequenceEqual("*-1\r\n"u8) || reply.AsSpan().SequenceEqual("_\r\n"u8)
            || reply.AsSpan().SequenceEqual("$-1\r\n"u8);
        // The attempt's AOF records go out before the keys are free: served at once, its LPOP, LMOVE...; not served,
        // what it changed all the same (the consumers an XREADGROUP NOACK made).
        WriteUnit();
        if (!nothing || Session.Closed)
        {
            w.Attempting = false;
            ReleaseLocks();
            w.Complete(reply);
            return;
        }
        registering = true;
        foreach (var s in w.Shards)
            foreach (var k in w.Plan.Keys)
                if (Server.ShardOf(k) == s)
                {
                    Op(s, new BlockAttempt(w, tryFirst: false));
                    break;
                }
        SendRound();
    }

    protected override bool OnLaterRound(RemoteRequest[] parts)
    {
        if (!registering) return false;
        // Unclaim first: the release lets a parked push run on another shard at once, and a push that finds the
        // waiter still claimed skips it for good (the element would stay and the client wait forever).
        w.Unclaim();
        w.NowBlocked();
        ReleaseLocks();
        return true;
    }
}
