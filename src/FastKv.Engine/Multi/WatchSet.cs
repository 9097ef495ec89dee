using System;
using System.Collections.Generic;
using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// One watched key of one client, registered in the <see cref="WatchRegistry"/> of the shard that owns it.
/// <see cref="ExpireAt"/> and <see cref="ExpiredAtWatch"/> are written on that shard (at registration and by
/// touches) and read by the client's home shard only after a mailbox hand-off from it (the lock grant of
/// EXEC's transaction), or on the same thread when the key is on the home shard.
/// </summary>
public sealed class WatchedKey
{
    public readonly WatchSet Set;
    public readonly Shard Owner;
    public readonly int Db;
    public readonly byte[] Key;
    /// <summary>The key's expire time when watched (-1: none or missing).</summary>
    public long ExpireAt;
    /// <summary>The key existed already expired when watched (Redis 7.0 watchedKey.expired).</summary>
    public bool ExpiredAtWatch;

    public WatchedKey(WatchSet set, Shard owner, int db, byte[] key)
    {
        Set = set;
        Owner = owner;
        Db = db;
        Key = key;
    }

    /// <summary>isWatchedKeyExpired for this key: not expired at WATCH, expired now.</summary>
    public bool ExpiredSinceWatch(long nowMs) => !ExpiredAtWatch && ExpireAt >= 0 && ExpireAt <= nowMs;
}

/// <summary>
/// The keys one client WATCHes and the flag their shards raise when one of them is modified
/// (Redis's CLIENT_DIRTY_CAS). Owned by the client's home shard; only <see cref="MarkDirty"/> runs on
/// other shards' threads. A set is used until the client unwatches and then dropped: a touch still in
/// flight from a key's shard can only mark the old set, never a later WATCH's.
/// Registrations travel to a foreign owner through its mailbox from the home thread, which is FIFO
/// per producer: they are in place before any later command or lock request of this client gets there.
/// </summary>
public sealed class WatchSet
{
    readonly List<WatchedKey> keys = new();
    int dirty;

    public int Count => keys.Count;
    public IReadOnlyList<WatchedKey> Keys => keys;

    /// <summary>True while every watched key lives on <paramref name="home"/>.</summary>
    public bool AllOn(Shard home)
    {
        foreach (WatchedKey k in keys) if (k.Owner != home) return false;
        return true;
    }

    public bool Dirty => Volatile.Read(ref dirty) != 0;

    /// <summary>Called by a key's shard (any thread) when a watched key was modified.</summary>
    public void MarkDirty() => Volatile.Write(ref dirty, 1);

    /// <summary>
    /// watchForKey: adds the key unless this set watches it already. A key of another shard is registered
    /// through its mailbox and acknowledged to <paramref name="session"/> through <paramref name="acks"/>
    /// (created on the first such key; the caller calls <see cref="Acks.Sent"/> after the last).
    /// </summary>
    public void Watch(Shard home, Shard owner, int db, ReadOnlySpan<byte> key, Session session, ref Acks? acks)
    {
        foreach (WatchedKey k in keys)
            if (k.Db == db && key.SequenceEqual(k.Key)) return;
        var w = new WatchedKey(this, owner, db, key.ToArray());
        keys.Add(w);
        if (owner == home)
        {
            owner.Watches.Add(w);
            return;
        }
        acks ??= new Acks(session);
        acks.Pending++;
        owner.Mailbox.Post(new Registration(w, true, acks));
    }

    /// <summary>
    /// The registrations one WATCH sent to other shards: each shard acknowledges on the home shard, and the last
    /// acknowledgement answers +OK and resumes the session. <see cref="Pending"/> counts one extra until
    /// <see cref="Sent"/>, so no acknowledgement can finish before every registration is out. Home thread only.
    /// </summary>
    public sealed class Acks
    {
        readonly Session session;
        public int Pending = 1;

        public Acks(Session session) => this.session = session;

        public Shard Home => session.Home;

        /// <summary>Every registration is posted: drop the extra count (finishes if all were acknowledged).</summary>
        public void Sent() => One();

        /// <summary>One acknowledgement, on the home shard.</summary>
        public void One()
        {
            if (--Pending > 0) return;
            if (!session.IsClosed) session.W.Ok();
            session.OnTransactionDone();
        }
    }

    /// <summary>unwatchAllKeys: unregisters every key on its shard. The set is not used afterwards.</summary>
    public void UnwatchAll(Shard home)
    {
        foreach (WatchedKey k in keys)
        {
            if (k.Owner == home) home.Watches.Remove(k);
            else k.Owner.Mailbox.Post(new Registration(k, false));
        }
        keys.Clear();
    }

    /// <summary>Whether a watched key expired since it was watched (Redis 7.0 isWatchedKeyExpired).</summary>
    public bool AnyExpiredSinceWatch(long nowMs)
    {
        foreach (WatchedKey k in keys) if (k.ExpiredSinceWatch(nowMs)) return true;
        return false;
    }

    sealed class Registration : ShardMessage
    {
        readonly WatchedKey key;
        readonly bool add;
        readonly Acks? acks;
        public Registration(WatchedKey k, bool add, Acks? acks = null) { key = k; this.add = add; this.acks = acks; }
        public override void Run(Shard shard)
        {
            if (add) shard.Watches.Add(key);
            else shard.Watches.Remove(key);
            if (acks != null) acks.Home.Mailbox.Post(new Ack(acks));
        }
    }

    sealed class Ack : ShardMessage
    {
        readonly Acks acks;
        public Ack(Acks acks) => this.acks = acks;
        public override void Run(Shard shard) => acks.One();
    }
}
