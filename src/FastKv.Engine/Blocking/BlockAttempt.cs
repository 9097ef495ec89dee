using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// A blocking command's work on one shard that holds its keys, sent by the client's home shard.
/// <list type="bullet">
/// <item>First attempt (<c>tryFirst</c>): claims the waiter, tries its keys in order and, when one has data
/// (or the try fails with an error such as WRONGTYPE), leaves the reply in the waiter; otherwise registers
/// the waiter on this shard's keys. One step, so no push can slip between the try and the registration.
/// Outside any transaction, so it waits while another transaction's granted lock covers one of its keys.</item>
/// <item>Registration only: a cross-shard <see cref="BlockingGatherTx"/> already tried under its locks.</item>
/// </list>
/// A waiter that ended meanwhile (timeout, disconnect) is left alone.
/// </summary>
public sealed class BlockAttempt(BlockedClient waiter, bool tryFirst) : ShardOp
{
    public readonly BlockedClient Waiter = waiter;
    /// <summary>True when the attempt served the command: the reply is in <see cref="BlockedClient.Reply"/>.</summary>
    public bool Served;

    protected override bool MustWait(Shard shard)
    {
        if (!tryFirst || !shard.Locks.Active) return false;
        foreach (byte[] k in Waiter.Plan.Keys)
            if (shard.Locks.Blocks(TxLock.KeyId(Waiter.Plan.Db, KeyHash.Hash(k)), true, TxId)) return true;
        return false;
    }

    protected override void Execute(Shard shard)
    {
        BlockedClient w = Waiter;
        if (w.IsDone) return;
        if (!tryFirst)
        {
            // The transaction that sent this holds the waiter claimed and the keys locked.
            shard.Blocking.Register(w);
            return;
        }
        if (!w.TryClaim()) return;
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        try { Attempt(shard, w); }
        finally { w.AddRunTime(System.Diagnostics.Stopwatch.GetTimestamp() - t0); }
    }

    void Attempt(Shard shard, BlockedClient w)
    {
        for (int i = 0; i < w.Plan.Keys.Length; i++)
        {
            if (shard.Server.ShardOf(w.Plan.Keys[i]) != shard) continue;
            w.Reply.Output.Clear();
            if (Blocking.TryServe(shard, null, w.Plan.Db, w.Plan, i, w.Reply))
            {
                // Served (or an error such as WRONGTYPE): the reply goes home with this operation.
                w.MarkDone();
                Served = true;
                return;
            }
            if (w.Plan.Kind is BlockKind.StreamRead or BlockKind.StreamReadGroup) break; // the whole XREAD ran once
        }
        shard.Blocking.Register(w);
        w.Unclaim();
        // A client that disconnected while this shard held it must not stay registered.
        if (w.Session.IsClosed && w.CancelHere()) shard.Blocking.Unregister(w);
    }
}
