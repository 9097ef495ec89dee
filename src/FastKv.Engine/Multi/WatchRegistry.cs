using System;
using System.Collections.Generic;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// The keys of one shard that clients WATCH, and who watches each (Redis's db->watched_keys, per shard).
/// Keyed by <see cref="TxLock.KeyId"/> (database and key hash mixed); a bucket holds the
/// <see cref="WatchedKey"/> entries of every client watching a key with that id, compared byte for byte.
/// Only the owning shard's thread reads or changes it: WATCH and UNWATCH reach it through the mailbox
/// (<see cref="WatchSet"/>). <see cref="Touch"/> marks the watchers of a modified key so their EXEC fails;
/// the mark is the only thing that crosses threads (<see cref="WatchSet.MarkDirty"/>).
/// </summary>
public sealed unsafe class WatchRegistry
{
    readonly Shard shard;
    readonly Dictionary<ulong, List<WatchedKey>> byId = new();

    public WatchRegistry(Shard shard) => this.shard = shard;

    /// <summary>Number of watched keys on this shard (0 on the fast path: one test per write).</summary>
    public int Count;

    /// <summary>
    /// watchForKey: registers <paramref name="k"/> (already not watched by its set) and records whether the key
    /// exists already expired and its expire time, for EXEC's isWatchedKeyExpired.
    /// </summary>
    public void Add(WatchedKey k)
    {
        ulong id = TxLock.KeyId(k.Db, KeyHash.Hash(k.Key));
        if (!byId.TryGetValue(id, out var list)) byId[id] = list = new List<WatchedKey>(1);
        // Raw lookup: an expired entry still in the table is what "expired at WATCH" means.
        // Invariant: runs on this shard's thread, so the entry stays valid while its header is read here.
        byte* e = shard.Dbs[k.Db].Table.Find(k.Key, KeyHash.Hash(k.Key));
        k.ExpireAt = e != null && KeyEntry.HasExpire(e) ? KeyEntry.ExpireAt(e) : -1;
        k.ExpiredAtWatch = e != null && KeyLookup.IsExpired(shard, e);
        list.Add(k);
        Count++;
    }

    /// <summary>Unregisters one entry (UNWATCH, EXEC, DISCARD, RESET, disconnect).</summary>
    public void Remove(WatchedKey k)
    {
        ulong id = TxLock.KeyId(k.Db, KeyHash.Hash(k.Key));
        if (!byId.TryGetValue(id, out var list)) return;
        if (!list.Remove(k)) return;
        Count--;
        if (list.Count == 0) byId.Remove(id);
    }

    /// <summary>signalModifiedKey: every client watching <paramref name="key"/> of <paramref name="db"/> fails its next EXEC.</summary>
    public void Touch(int db, ReadOnlySpan<byte> key)
    {
        if (!byId.TryGetValue(TxLock.KeyId(db, KeyHash.Hash(key)), out var list)) return;
        for (int i = 0; i < list.Count; i++)
        {
            WatchedKey k = list[i];
            if (k.Db != db || !key.SequenceEqual(k.Key)) continue;
            if (k.ExpiredAtWatch)
            {
                // Redis 7.0: a key already expired at WATCH that is now gone (deleted on expiry) is no
                // logical change; either way the key no longer counts as expired at WATCH.
                k.ExpiredAtWatch = false;
                // Invariant: on this shard's thread; only the pointer's nullness is used.
                if (shard.Dbs[db].Table.Find(key, KeyHash.Hash(key)) == null)
                {
                    // Gone: nothing of it is left to expire (EXEC's isWatchedKeyExpired finds no key).
                    k.ExpireAt = -1;
                    continue;
                }
            }
            k.Set.MarkDirty();
        }
    }

    /// <summary>
    /// FLUSHDB/FLUSHALL (call before the flush): touches every watched key of <paramref name="db"/>
    /// (-1: every db) that exists, as Redis's touchAllWatchedKeysInDb.
    /// </summary>
    public void TouchAll(int db)
    {
        if (Count == 0) return;
        foreach (var list in byId.Values)
            foreach (WatchedKey k in list)
                if (db < 0 || k.Db == db) TouchEmptied(k, -1);
    }

    /// <summary>SWAPDB (call before the swap): watched keys of either db, whose db now holds what the other held.</summary>
    public void TouchSwap(int a, int b)
    {
        if (Count == 0) return;
        foreach (var list in byId.Values)
            foreach (WatchedKey k in list)
            {
                if (k.Db != a && k.Db != b) continue;
                TouchEmptied(k, k.Db == a ? b : a);
            }
    }

    /// <summary>
    /// Redis 7.2's touchAllWatchedKeysInDb for one watched key: its db is emptied and, for SWAPDB, filled with what
    /// <paramref name="replacedWith"/> holds (-1: nothing). No key before or after: no change. A key already expired at
    /// WATCH that is now gone, or replaced by another expired one, is no logical change either; nothing replaced by an
    /// expired key counts as expired at WATCH. Anything else fails the watcher's EXEC.
    /// </summary>
    void TouchEmptied(WatchedKey k, int replacedWith)
    {
        // Invariant: on this shard's thread; the entries are only read here, before anything else runs.
        ulong hash = KeyHash.Hash(k.Key);
        byte* emptied = shard.Dbs[k.Db].Table.Find(k.Key, hash);
        byte* replacement = replacedWith >= 0 ? shard.Dbs[replacedWith].Table.Find(k.Key, hash) : null;
        if (emptied == null && replacement == null) return;
        bool replacementExpired = replacement != null && KeyLookup.IsExpired(shard, replacement);
        if (k.ExpiredAtWatch)
        {
            if (replacement == null)
            {
                k.ExpiredAtWatch = false;
                k.ExpireAt = -1;
                return;
            }
            if (replacementExpired) return;
        }
        else if (emptied == null && replacementExpired)
        {
            k.ExpiredAtWatch = true;
            return;
        }
        k.Set.MarkDirty();
    }
}
