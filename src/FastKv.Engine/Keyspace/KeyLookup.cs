using System;
using System.Runtime.CompilerServices;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// The lookup flavours of Redis's db.c that <see cref="Database"/> does not spell out:
/// read lookups that count keyspace hits and misses (lookupKeyRead), lookups that leave the access
/// time alone (LOOKUP_NOTOUCH: TTL, TYPE, EXISTS, OBJECT), and moving an entry between keys or
/// databases without freeing what its value points to.
/// </summary>
public static unsafe class KeyLookup
{
    /// <summary>lookupKeyRead: the live entry or null, counting a hit or a miss (announced as "keymiss");
    /// touches the LRU clock.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Read(Shard shard, Database db, ReadOnlySpan<byte> key)
    {
        byte* e = db.Find(key);
        if (e == null) Miss(shard, db, key);
        else shard.Stats.KeyspaceHits++;
        return e;
    }

    /// <summary>
    /// lookupKeyReadWithFlags(LOOKUP_NOTOUCH): like <see cref="Read"/> but keeps the access time;
    /// <paramref name="notify"/> false is LOOKUP_NONOTIFY (OBJECT): a miss is counted but not announced.
    /// </summary>
    public static byte* ReadNoTouch(Shard shard, Database db, ReadOnlySpan<byte> key, bool notify = true)
    {
        byte* e = PeekLive(shard, db, key);
        if (e == null)
        {
            if (notify) Miss(shard, db, key);
            else shard.Stats.KeyspaceMisses++;
        }
        else shard.Stats.KeyspaceHits++;
        return e;
    }

    /// <summary>A read lookup missed: counted, and announced as "keymiss" (class m) when that is enabled.</summary>
    static void Miss(Shard shard, Database db, ReadOnlySpan<byte> key)
    {
        shard.Stats.KeyspaceMisses++;
        if ((shard.Server.Config.NotifyKeyspaceEvents & NotifyClass.KeyMiss) != 0)
            shard.Events.Notify(db.Index, key, NotifyClass.KeyMiss, "keymiss"u8);
    }

    /// <summary>The live entry or null, deleting it when expired; no stats, no LRU update.</summary>
    public static byte* PeekLive(Shard shard, Database db, ReadOnlySpan<byte> key)
    {
        byte* e = db.Table.Find(key, KeyHash.Hash(key));
        if (e == null) return null;
        if (IsExpired(shard, e))
        {
            db.Delete(key); // counts expired_keys
            return null;
        }
        return e;
    }

    /// <summary>Redis's keyIsExpired: a key whose time passed, except while the dataset loads (AOF replay keeps it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsExpired(Shard shard, byte* e) =>
        KeyEntry.HasExpire(e) && KeyEntry.ExpireAt(e) <= shard.NowMs && !shard.Server.Loading;

    /// <summary>
    /// Redis's checkAlreadyExpired: a TTL given as already past deletes the key (EXPIRE, GETEX, RESTORE), except while
    /// the dataset loads, where the AOF's PEXPIREAT must leave the key for the expiry after loading.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AlreadyExpired(Shard shard, long at) => at <= shard.NowMs && !shard.Server.Loading;

    /// <summary>
    /// Takes a live entry out of its table and returns its blob to the arena without releasing what
    /// its value owns: the value's bytes (pointers included) were already copied to a new entry
    /// (RENAME), so ownership moved with them.
    /// </summary>
    public static void DetachAndFreeBlob(Shard shard, Database db, byte* e)
    {
        ReadOnlySpan<byte> key = KeyEntry.Key(e);
        db.Table.Remove(key, KeyHash.Hash(key));
        shard.Arena.Free(e, (nuint)KeyEntry.AllocSize(e));
    }

    /// <summary>MOVE: relinks the same blob into another database of this shard; nothing is copied.</summary>
    public static void MoveEntry(Database from, Database to, byte* e)
    {
        ReadOnlySpan<byte> key = KeyEntry.Key(e);
        ulong h = KeyHash.Hash(key);
        from.Table.Remove(key, h);
        to.Table.Insert(e, h);
        to.SignalNew(key);
    }
}
