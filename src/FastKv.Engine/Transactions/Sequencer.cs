using System;
using System.Collections.Generic;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Hands out global transaction ids and posts every lock request of one transaction while
/// holding one lock, so all shards receive lock requests in the same (id) order. Only
/// multi-shard work comes here; single-shard commands never touch it. One per server
/// (<see cref="ServerState.Sequencer"/>): two servers in one process keep separate orders.
/// </summary>
public sealed class Sequencer
{
    readonly object gate = new();
    long lastId;

    /// <summary>The id of the latest transaction submitted (0 before the first).</summary>
    public long LastId => Interlocked.Read(ref lastId);

    /// <summary>A fresh id for locks taken outside the order (<see cref="TxLocks.TryTakeNow"/>).</summary>
    public long NextId()
    {
        lock (gate) return ++lastId;
    }

    /// <summary>Releases, on <paramref name="shard"/>, the locks of <paramref name="txId"/> taken there.</summary>
    public static void Release(Shard shard, long txId) => shard.Mailbox.Post(new LockMessage(new TxLock { TxId = txId }, false));

    public void Submit(MultiShardTx tx, List<(Shard shard, TxLock lck)> locks)
    {
        lock (gate)
        {
            long id = ++lastId;
            tx.TxId = id;
            foreach (var (shard, l) in locks)
            {
                l.TxId = id;
                shard.Mailbox.Post(new LockMessage(l, true));
            }
        }
    }

    sealed class LockMessage : ShardMessage
    {
        readonly TxLock lck;
        readonly bool acquire;
        public LockMessage(TxLock l, bool acquire) { lck = l; this.acquire = acquire; }
        public override void Run(Shard shard)
        {
            if (acquire) shard.Locks.Request(lck);
            else shard.Locks.Release(lck.TxId);
        }
    }

    public static void Release(Shard shard, TxLock l) => shard.Mailbox.Post(new LockMessage(l, false));
}
