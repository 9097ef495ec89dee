using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// A blocked XREAD whose keys live on several shards, served by the shard of the key a write made ready. Redis runs the
/// whole command again when it wakes such a client, so the reply lists every named stream that has new data then, in
/// argument order: two entries added on two shards by one EXEC or one script both come back. The serving shard wrote its
/// part (its own keys); this message visits each other shard of the keys in turn, which adds its part (XREAD after the
/// IDs the waiter resolved there), and the last one merges the parts in argument order (<see cref="StreamReplyParts"/>)
/// and hands the reply home. XREAD changes nothing, so the parts need not be read at one instant; XREADGROUP, which
/// delivers, runs again under locks instead (<see cref="StreamGroupWakeTx"/>).
/// <para>
/// The waiter stays claimed by the serving shard all along, so no other shard serves it meanwhile, and its home leaves it
/// alone (timeout, disconnect) until the reply arrives. A transaction writes all its shards before any of them serves a
/// waiter (its keys stay locked until the last shard is done), so the entries it added elsewhere are there when the
/// message arrives.
/// </para>
/// </summary>
public sealed class StreamWakeParts : ShardMessage
{
    readonly BlockedClient w;
    readonly StreamReplyParts parts;
    readonly List<Shard> rest = new();
    byte[]? error;

    StreamWakeParts(BlockedClient w)
    {
        this.w = w;
        parts = new StreamReplyParts(w.Plan.Keys, w.Reply.Protocol);
    }

    /// <summary>
    /// The waiter was served on <paramref name="serving"/> (its part is in <see cref="BlockedClient.Reply"/>, its streams
    /// standing for the arguments <paramref name="indices"/>): gathers the other shards' parts, then completes it. The
    /// waiter is claimed and already unregistered on the serving shard.
    /// </summary>
    internal static void Start(BlockedClient w, Shard serving, List<int> indices)
    {
        var m = new StreamWakeParts(w);
        m.parts.Add(w.Reply.Output.Written.ToArray(), indices);
        foreach (Shard s in w.Shards)
            if (s != serving) m.rest.Add(s);
        m.Forward();
    }

    public override void Run(Shard shard)
    {
        BlockingPlan plan = w.Plan;
        ShardBlocking b = shard.Blocking;
        if (Locked(shard))
        {
            // A transaction is under way on one of these keys (maybe the one whose entries woke the client, its locks
            // not yet released here): this part waits for its end, so it sees all of it or nothing of it.
            b.ParkUntilUnlocked(this);
            return;
        }
        var part = new RespWriter(new OutputBuffer()) { Protocol = w.Reply.Protocol };
        var indices = new List<int>();
        if (Commands.StreamCommands.ServeBlocked(shard, plan.Db, plan, part, indices))
        {
            byte[] reply = part.Output.Written.ToArray();
            if (ReplyFrames.IsError(reply)) error ??= reply;
            else parts.Add(reply, indices);
        }
        b.ServePending();
        Forward();
    }

    /// <summary>Whether a granted transaction lock covers one of the waiter's keys on this shard.</summary>
    bool Locked(Shard shard)
    {
        if (!shard.Locks.Active) return false;
        foreach (byte[] k in w.Plan.Keys)
            if (shard.Server.ShardOf(k) == shard && shard.Locks.Blocks(TxLock.KeyId(w.Plan.Db, FastKv.Memory.KeyHash.Hash(k)), true, 0))
                return true;
        return false;
    }

    /// <summary>On to the next shard of the keys, or, after the last, the merged reply home.</summary>
    void Forward()
    {
        if (rest.Count > 0)
        {
            Shard next = rest[^1];
            rest.RemoveAt(rest.Count - 1);
            next.Mailbox.Post(this);
            return;
        }
        RespWriter reply = w.Reply;
        reply.Output.Clear();
        if (error != null) reply.Raw(error);
        else parts.Write(reply);
        w.Served();
    }
}
