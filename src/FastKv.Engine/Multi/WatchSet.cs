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

    /// <summary>watchForKey: adds the key unless this set watches it already.</summary>
    public void Watch(Shard home, Shard owner, int db, ReadOnlySpan<byte> key)
    {
        foreach (WatchedKey k in keys)
            if (k.Db == db && key.SequenceEqual(k.Key)) return;
        var w = new WatchedKey(this, owner, db, key.ToArray());
        keys.Add(w);
        if (owner == home) owner.Watches.Add(w);
        else owner.Mailbox.Post(new Registration(w, true));
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
        public Registration(WatchedKey k, bool add) { key = k; this.add = add; }
        public override void Run(Shard shard)
        {
            if (add) shard.Watches.Add(key);
            else shard.Watches.Remove(key);
        }
    }
}
