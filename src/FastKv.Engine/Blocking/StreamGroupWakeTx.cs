using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// A blocked XREADGROUP whose keys live on several shards, run again because Redis signalled one of its streams (an entry
/// added, the group destroyed, the stream deleted or overwritten). Redis runs the whole command then: it checks every key
/// (a stream that holds the group) before it serves any, so a key whose stream or group is gone answers its error
/// (NOGROUP, WRONGTYPE) and no other key delivers anything; otherwise it serves the streams in argument order. Over
/// several shards the check and the delivery must see the same data, so this runs under intent locks on the keys:
/// <list type="number">
/// <item>every shard of the keys checks its own (<see cref="Check"/>); the error of the first failing key in argument
/// order is the reply;</item>
/// <item>every shard runs its part of the command, XREADGROUP over its own keys (<see cref="GroupPart"/>, the attempt
/// <see cref="BlockingPlan.SetGroupAttempts"/> wrote there), and the parts are merged in argument order
/// (<see cref="StreamReplyParts"/>).</item>
/// </list>
/// With nothing for it anywhere the client waits on where it is registered (its consumers were seen, as Redis's run
/// sees them). The waiter stays claimed by the signalled shard throughout, so no other shard serves it and its home
/// leaves it alone; that shard holds back the waiters behind it on its keys until this ends
/// (<see cref="ShardBlocking.Resume"/>), so they come after it, as Redis serves them.
/// </summary>
public sealed class StreamGroupWakeTx : MultiShardTx
{
    readonly BlockedClient w;
    readonly Shard signalled;
    readonly List<Check> checks = new();
    readonly List<GroupPart> parts = new();
    bool serving;

    StreamGroupWakeTx(BlockedClient w, Shard signalled) : base(w.Session)
    {
        this.w = w;
        this.signalled = signalled;
    }

    /// <summary>On <paramref name="signalled"/>'s thread, the waiter claimed there: its home shard runs it again.</summary>
    internal static void Post(BlockedClient w, Shard signalled) => w.Home.Mailbox.Post(new StartMessage(w, signalled));

    public override void Start()
    {
        byte[][] keys = w.Plan.Keys;
        for (int i = 0; i < keys.Length; i++)
            if (!NamedBefore(keys, i)) LockKey(Server.ShardOf(keys[i]), w.Plan.Db, keys[i], write: true);
        Acquire();
    }

    /// <summary>Whether key <paramref name="i"/> is named earlier too (a key named twice is locked once).</summary>
    static bool NamedBefore(byte[][] keys, int i)
    {
        for (int j = 0; j < i; j++)
            if (keys[j].AsSpan().SequenceEqual(keys[i])) return true;
        return false;
    }

    protected override void Begin()
    {
        if (w.Session.Closed)
        {
            End(null);
            return;
        }
        foreach (Shard s in w.Shards) checks.Add(Op(s, new Check(w.Plan)));
        SendRound();
    }

    protected override void OnRound(RemoteRequest[] _)
    {
        if (!serving)
        {
            Check? failed = null;
            foreach (Check c in checks)
                if (c.Error != null && (failed == null || c.Index < failed.Index)) failed = c;
            if (failed != null)
            {
                var error = new RespWriter(new OutputBuffer()) { Protocol = w.Reply.Protocol };
                error.Error(failed.Error!);
                End(error.Output.Written.ToArray());
                return;
            }
            serving = true;
            foreach (Shard s in w.Shards) parts.Add(Op(s, new GroupPart(w.Plan, w.Reply.Protocol)));
            SendRound();
            return;
        }
        var merged = new StreamReplyParts(w.Plan.Keys, w.Reply.Protocol);
        byte[]? failedPart = null;
        foreach (GroupPart p in parts)
        {
            if (p.Reply == null) continue;
            // Not after a passed check under these locks; kept so a surprise is answered rather than merged.
            if (ReplyFrames.IsError(p.Reply)) failedPart ??= p.Reply;
            else merged.AddInOrder(p.Reply);
        }
        if (failedPart != null || !merged.Any)
        {
            End(failedPart);
            return;
        }
        var reply = new RespWriter(new OutputBuffer()) { Protocol = w.Reply.Protocol };
        merged.Write(reply);
        End(reply.Output.Written.ToArray());
    }

    /// <summary>Answers the client with <paramref name="reply"/>, or (null) lets it wait on; then frees the signalled shard's keys.</summary>
    void End(byte[]? reply)
    {
        // What the run changed (consumers made, entries delivered) goes to the AOF before the keys are free.
        WriteUnit();
        if (reply != null)
        {
            ReleaseLocks();
            w.Complete(reply);
        }
        else if (w.Session.Closed)
        {
            // Gone while it waited: nothing was delivered, and nothing more will be.
            ReleaseLocks();
            w.Abandon();
        }
        else
        {
            // Unclaim first: once the locks go, a write on another shard may serve it at once.
            w.Unclaim();
            ReleaseLocks();
        }
        signalled.Mailbox.Post(new ResumeMessage(w));
    }

    /// <summary>Round 1 on one shard: <see cref="Commands.StreamCommands.CheckBlockedGroupKeys"/> over its keys.</summary>
    sealed class Check(BlockingPlan plan) : ShardOp
    {
        public string? Error;
        /// <summary>The argument index of the key that failed.</summary>
        public int Index;

        protected override void Execute(Shard shard) => Error = Commands.StreamCommands.CheckBlockedGroupKeys(shard, plan, out Index);
    }

    /// <summary>Round 2 on one shard: XREADGROUP over its keys; <see cref="Reply"/> null when none had an entry for the group.</summary>
    sealed class GroupPart(BlockingPlan plan, int protocol) : ShardOp
    {
        public byte[]? Reply;

        protected override void Execute(Shard shard)
        {
            int first = Array.FindIndex(plan.Keys, k => shard.Server.ShardOf(k) == shard);
            var part = new RespWriter(new OutputBuffer()) { Protocol = protocol };
            if (first >= 0 && Blocking.TryServe(shard, null, plan.Db, plan, first, part)) Reply = part.Output.Written.ToArray();
        }
    }

    sealed class StartMessage(BlockedClient w, Shard signalled) : ShardMessage
    {
        public override void Run(Shard shard) => new StreamGroupWakeTx(w, signalled).Start();
    }

    sealed class ResumeMessage(BlockedClient w) : ShardMessage
    {
        public override void Run(Shard shard) => shard.Blocking.Resume(w);
    }
}
