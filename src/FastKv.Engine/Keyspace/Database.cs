using System;
using System.Runtime.CompilerServices;
using FastKv.Memory;

namespace FastKv.Engine;

/// <remarks>
/// Unsafe invariant for the whole class: every entry pointer comes from this table and stays
/// valid until this thread frees it; a slot pointer from FindSlot stays valid until the next
/// insert or remove on the table, so callers replace the entry (through <see cref="KeyTable.Replace"/>, which
/// keeps the table's count of keys with a TTL) before touching the table again.
/// </remarks>
/// <summary>
/// One shard's part of one Redis database (SELECT index): its keyspace table and the
/// bookkeeping around it. Only the owning shard thread calls into it.
/// Expiry is lazy here (a lookup of an expired key deletes it); <see cref="ExpiryCycle"/>
/// removes the rest in slices.
/// </summary>
public sealed unsafe class Database : IDisposable
{
    readonly Shard shard;
    readonly Arena arena;
    KeyTable table;
    public readonly int Index;
    /// <summary>Keys in this table that carry an expiry (INFO keyspace "expires="): the table counts them.</summary>
    public long ExpiresCount => table.ExpiringCount;
    /// <summary>Cursor of the active expiry walk over this table.</summary>
    internal uint ExpiryCursor;

    public Database(Shard shard, int index)
    {
        this.shard = shard;
        arena = shard.Arena;
        Index = index;
        table = new KeyTable(arena);
    }

    public long Count => table.Count;
    public KeyTable Table => table;

    /// <summary>Redis's keyIsExpired: never while the dataset loads (an AOF replays keys whose time passed; they go after).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    bool Expired(byte* e) => KeyEntry.HasExpire(e) && KeyEntry.ExpireAt(e) <= shard.NowMs && !shard.Server.Loading;

    /// <summary>The live entry for a key, or null. Deletes it first when it has expired.</summary>
    public byte* Find(ReadOnlySpan<byte> key)
    {
        ulong h = KeyHash.Hash(key);
        byte* e = table.Find(key, h);
        if (e == null) return null;
        if (Expired(e))
        {
            ExpireNow(key, h, e);
            return null;
        }
        if (!shard.NoTouch) AccessClock.Touch(shard, e);
        return e;
    }

    /// <summary>The slot of a live entry (for callers that replace the entry), or null.</summary>
    public byte** FindSlot(ReadOnlySpan<byte> key, ulong h)
    {
        byte** slot = table.FindSlot(key, h);
        if (slot == null) return null;
        if (Expired(*slot))
        {
            ExpireNow(key, h, *slot);
            return null;
        }
        if (!shard.NoTouch) AccessClock.Touch(shard, *slot);
        return slot;
    }

    void ExpireNow(ReadOnlySpan<byte> key, ulong h, byte* e)
    {
        table.Remove(key, h);
        DropExpired(e);
    }

    /// <summary>An expired entry just taken out of the table: announced ("expired", watchers), freed and counted.</summary>
    internal void DropExpired(byte* e)
    {
        SignalExpired(KeyEntry.Key(e));
        PropagateExpired(KeyEntry.Key(e));
        FreeTimed(e);
        shard.Stats.ExpiredKeys++;
    }

    /// <summary>Frees an expired key's entry, timed for the "expire-del" latency event when the monitor is on.</summary>
    internal void FreeTimed(byte* e)
    {
        long threshold = shard.Server.Config.LatencyMonitorThreshold;
        bool lazy = shard.Server.Config.LazyfreeLazyExpire;
        if (threshold == 0)
        {
            FreeEntry(e, lazy);
            return;
        }
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        FreeEntry(e, lazy);
        long ms = (long)System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (ms >= threshold) shard.Server.Latency.Add("expire-del", ms, shard.NowMs);
    }

    /// <summary>
    /// Redis's deleteExpiredKeyAndPropagate: an expired key was removed (lazily or by the active cycle),
    /// so watchers are touched and "expired" is announced; call before the key's bytes are freed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SignalExpired(ReadOnlySpan<byte> key)
    {
        if (shard.Events.Active) shard.Events.Modified(Index, key, NotifyClass.Expired, "expired"u8);
    }

    /// <summary>
    /// deleteExpiredKeyAndPropagate's propagateDeletion: DEL key (UNLINK under lazyfree-lazy-expire) goes to the AOF,
    /// before the record of the command whose lookup found the key expired.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PropagateExpired(ReadOnlySpan<byte> key)
    {
        if (shard.Aof.On) shard.Aof.Deletion(Index, key, shard.Server.Config.LazyfreeLazyExpire);
    }

    /// <summary>Redis's dbAdd announces every key it creates with the "new" event (class n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SignalNew(ReadOnlySpan<byte> key)
    {
        if ((shard.Server.Config.NotifyKeyspaceEvents & NotifyClass.New) != 0) shard.Events.Notify(Index, key, NotifyClass.New, "new"u8);
    }

    /// <summary>Frees an entry that is no longer in the table, and the collection its value points at.</summary>
    internal void FreeEntry(byte* e) => FreeEntry(e, lazy: false);

    /// <summary>
    /// Frees an entry that is no longer in the table; with <paramref name="lazy"/> (Redis's dbAsyncDelete), a value
    /// big enough is left to the shard's <see cref="LazyFree"/> instead (not in the scratch database of a gathered command).
    /// </summary>
    internal void FreeEntry(byte* e, bool lazy)
    {
        // Every way a stream leaves this table or is overwritten ends here: its XREADGROUP waiters must hear of it.
        if (KeyEntry.Type(e) == ValueKind.Stream) StreamFreed(e);
        if (!lazy || Index < 0 || !shard.LazyFree.TryTake(e)) Collection.FreeValue(arena, e);
        FreeBlob(e);
    }

    /// <summary>
    /// Redis's signalDeletedKeyAsReady for a stream: its XREADGROUP waiters run again. In the scratch database (a gathered
    /// command running over copies, <see cref="GatherExec"/>) it is noted instead, for the stream's own shard to signal
    /// when the result is written back; not at all for a write-back that only stands for changes Redis signals nothing
    /// for (<see cref="ShardBlocking.WritingBack"/>).
    /// </summary>
    void StreamFreed(byte* e)
    {
        ShardBlocking b = shard.Blocking;
        if (Index < 0) b.NoteScratchStream(KeyEntry.Key(e));
        else if (b.WatchedKeys != 0 && !b.WritingBack) b.SignalStream(Index, KeyEntry.Key(e));
    }

    /// <summary>Frees the entry blob only: its value bytes (a collection's pointer) were copied to a new blob.</summary>
    void FreeBlob(byte* e) => arena.Free(e, (nuint)KeyEntry.AllocSize(e));

    /// <summary>
    /// Allocates a blob for key + value with room for at least <paramref name="valCapacity"/> value bytes;
    /// <paramref name="inlineValue"/>: the value is a collection's structure itself (see <see cref="Collection"/>).
    /// </summary>
    byte* NewEntry(ReadOnlySpan<byte> key, byte type, byte encoding, ReadOnlySpan<byte> value, int valCapacity, long expireAt,
        bool inlineValue = false)
    {
        int need = KeyEntry.SizeFor(key.Length, Math.Max(valCapacity, value.Length), expireAt >= 0);
        nuint size = Arena.UsableSize((nuint)need);
        byte* e = arena.Alloc(size);
        KeyEntry.Init(e, (int)size, type, encoding, key, value.Length, expireAt, inlineValue);
        value.CopyTo(new Span<byte>(KeyEntry.ValuePtr(e), value.Length));
        KeyEntry.SetLru(e, AccessClock.Initial(shard));
        return e;
    }

    /// <summary>
    /// SET semantics: stores a string, replacing any value of any type. <paramref name="expireAt"/>
    /// is unix ms or -1; with <paramref name="keepTtl"/> an existing expiry survives.
    /// Rewrites in place when the blob has room and its layout (expiry slot) does not change.
    /// </summary>
    public void SetString(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, byte encoding, long expireAt, bool keepTtl)
    {
        ulong h = KeyHash.Hash(key);
        byte** slot = FindSlot(key, h);
        if (slot == null)
        {
            table.Insert(NewEntry(key, ValueKind.String, encoding, value, 0, expireAt), h);
            SignalNew(key);
            return;
        }
        byte* e = *slot;
        if (keepTtl && KeyEntry.HasExpire(e)) expireAt = KeyEntry.ExpireAt(e);
        bool wantExpire = expireAt >= 0;
        int cap = KeyEntry.ValueCapacity(e);
        if (KeyEntry.Type(e) == ValueKind.String && KeyEntry.HasExpire(e) == wantExpire
            && cap >= value.Length && cap <= 2 * value.Length + 64)
        {
            value.CopyTo(new Span<byte>(KeyEntry.ValuePtr(e), value.Length));
            KeyEntry.SetValueLength(e, value.Length);
            KeyEntry.SetEncoding(e, encoding);
            if (wantExpire) KeyEntry.SetExpireAt(e, expireAt);
            return;
        }
        byte* n = NewEntry(key, ValueKind.String, encoding, value, 0, expireAt);
        // Redis's dbSetValue keeps an overwritten key's access bits (the lookup just touched them).
        KeyEntry.SetLru(n, KeyEntry.Lru(e));
        table.Replace(slot, n);
        FreeEntry(e, shard.Server.Config.LazyfreeLazyServerDel);
    }

    /// <summary>Adds a string value for a key known to be absent.</summary>
    public void AddString(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, byte encoding, long expireAt)
    {
        table.Insert(NewEntry(key, ValueKind.String, encoding, value, 0, expireAt), KeyHash.Hash(key));
        SignalNew(key);
    }

    /// <summary>
    /// Adds a <c>raw</c> string of <paramref name="length"/> zero bytes for a key known to be absent (SETBIT and
    /// BITFIELD on a missing key: Redis's sdsnewlen(NULL, n)), sized exactly, without building the zeros elsewhere.
    /// Returns the new entry.
    /// </summary>
    public byte* AddZeroedString(ReadOnlySpan<byte> key, int length)
    {
        byte* e = NewEntry(key, ValueKind.String, ValueEncoding.Raw, ReadOnlySpan<byte>.Empty, length, -1);
        new Span<byte>(KeyEntry.ValuePtr(e), length).Clear();
        KeyEntry.SetValueLength(e, length);
        table.Insert(e, KeyHash.Hash(key));
        SignalNew(key);
        return e;
    }

    /// <summary>
    /// Makes the string at <paramref name="slot"/> able to hold <paramref name="newLength"/> value bytes,
    /// keeping its bytes; grows geometrically so APPEND loops stay linear. Returns the (maybe new) entry.
    /// </summary>
    public byte* GrowString(byte** slot, int newLength)
    {
        byte* e = *slot;
        if (KeyEntry.ValueCapacity(e) >= newLength) return e;
        int cap = newLength < (1 << 20) ? newLength * 2 : newLength + (1 << 20);
        long expireAt = KeyEntry.ExpireAt(e);
        byte* n = NewEntry(KeyEntry.Key(e), KeyEntry.Type(e), KeyEntry.Encoding(e), KeyEntry.Value(e), cap, expireAt, KeyEntry.IsInline(e));
        KeyEntry.SetLru(n, KeyEntry.Lru(e));
        table.Replace(slot, n);
        FreeBlob(e);
        return n;
    }

    /// <summary>Sets or clears (ms &lt; 0) the expiry of the entry at <paramref name="slot"/>.</summary>
    public void SetExpire(byte** slot, long ms)
    {
        byte* e = *slot;
        bool has = KeyEntry.HasExpire(e);
        if (has && ms >= 0)
        {
            KeyEntry.SetExpireAt(e, ms);
            return;
        }
        if (!has && ms < 0) return;
        // The expiry slot changes the layout: copy into a blob of the other shape.
        byte* n = NewEntry(KeyEntry.Key(e), KeyEntry.Type(e), KeyEntry.Encoding(e), KeyEntry.Value(e), 0, ms, KeyEntry.IsInline(e));
        KeyEntry.SetLru(n, KeyEntry.Lru(e));
        table.Replace(slot, n);
        FreeBlob(e);
    }

    /// <summary>
    /// Adds a collection for a key known to be absent: the entry's value is the pointer
    /// <paramref name="p"/> (see <see cref="Collection"/>), which the entry owns from now on.
    /// Returns the new entry.
    /// </summary>
    /// <paramref name="overwrite"/>: the command just deleted this key's old value (Redis's setKey on an existing
    /// key overwrites it), so the key is not announced as "new".
    public byte* AddCollection(ReadOnlySpan<byte> key, byte type, byte encoding, byte* p, long expireAt = -1, bool overwrite = false)
    {
        byte* e = NewEntry(key, type, encoding, new ReadOnlySpan<byte>(&p, Collection.ValueSize), 0, expireAt);
        table.Insert(e, KeyHash.Hash(key));
        if (!overwrite) SignalNew(key);
        return e;
    }

    /// <summary>
    /// Inserts an entry holding a copy of <paramref name="value"/> (a string, a collection's pointer whose
    /// ownership moves with it, or an inline collection's bytes); key known absent. Returns the new entry.
    /// </summary>
    public byte* AddRaw(ReadOnlySpan<byte> key, byte type, byte encoding, ReadOnlySpan<byte> value, long expireAt,
        bool inlineValue = false, bool overwrite = false)
    {
        byte* e = NewEntry(key, type, encoding, value, 0, expireAt, inlineValue);
        table.Insert(e, KeyHash.Hash(key));
        if (!overwrite) SignalNew(key);
        return e;
    }

    /// <summary>
    /// Gives the live entry <paramref name="e"/> a new value (same key, type, encoding, expiry and LRU):
    /// rewritten in place when the blob's size class does not change, else copied into a new blob that
    /// takes e's table slot (same key, so the slot's fingerprint stays valid) while e's blob is freed
    /// without its value. Returns the entry, which may have moved. <paramref name="value"/> must not
    /// point into e.
    /// </summary>
    public byte* ReplaceValue(byte* e, ReadOnlySpan<byte> value, bool inlineValue)
    {
        ReadOnlySpan<byte> key = KeyEntry.Key(e);
        bool hasExpire = KeyEntry.HasExpire(e);
        if (Arena.UsableSize((nuint)KeyEntry.SizeFor(key.Length, value.Length, hasExpire)) == (nuint)KeyEntry.AllocSize(e))
        {
            value.CopyTo(new Span<byte>(KeyEntry.ValuePtr(e), value.Length));
            KeyEntry.SetValueLength(e, value.Length);
            KeyEntry.SetInline(e, inlineValue);
            return e;
        }
        byte* n = NewEntry(key, KeyEntry.Type(e), KeyEntry.Encoding(e), value, 0, KeyEntry.ExpireAt(e), inlineValue);
        KeyEntry.SetLru(n, KeyEntry.Lru(e));
        byte** slot = table.FindSlot(key, KeyHash.Hash(key));
        System.Diagnostics.Debug.Assert(slot != null && *slot == e, "ReplaceValue on an entry that is not in this table");
        table.Replace(slot, n);
        FreeBlob(e);
        return n;
    }

    /// <summary>A deletion the server makes (a destination overwritten, RESTORE REPLACE...): lazy under lazyfree-lazy-server-del.</summary>
    public bool Delete(ReadOnlySpan<byte> key) => Delete(key, shard.Server.Config.LazyfreeLazyServerDel);

    /// <summary>Removes the key; <paramref name="lazy"/>: a big value is freed in steps (UNLINK, DEL under lazyfree-lazy-user-del).</summary>
    public bool Delete(ReadOnlySpan<byte> key, bool lazy)
    {
        ulong h = KeyHash.Hash(key);
        byte* e = table.Remove(key, h);
        if (e == null) return false;
        if (Expired(e))
        {
            DropExpired(e);
            return false;
        }
        FreeEntry(e, lazy);
        return true;
    }

    /// <summary>Eviction: removes and frees the key's entry (the caller knows it is there and announces it).</summary>
    internal void DeleteEvicted(ReadOnlySpan<byte> key, ulong h)
    {
        byte* e = table.Remove(key, h);
        if (e != null) FreeEntry(e, shard.Server.Config.LazyfreeLazyEviction);
    }

    /// <summary>Removes an entry by slot-free lookup of its key (used after FindSlot).</summary>
    public void Remove(byte* e)
    {
        ReadOnlySpan<byte> key = KeyEntry.Key(e);
        table.Remove(key, KeyHash.Hash(key));
        FreeEntry(e);
    }

    struct FreeAll : IEntryVisitor
    {
        public Database Db;
        public bool Visit(byte* entry) { Db.FreeEntry(entry); return true; }
    }

    /// <summary>
    /// Snapshot hook 2 (persistence design 1.2): before a command changes this key's entry, or what it points at, in
    /// place, the key's bucket is serialized if it still holds the cut's state. Nothing when no snapshot runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrepareWrite(ReadOnlySpan<byte> key) => table.PrepareWrite(key, KeyHash.Hash(key));

    public void Clear()
    {
        // A snapshot still walking this table serializes the rest of it first: FLUSHDB must not lose the cut's state.
        shard.Snapshot?.Drain(table);
        var v = new FreeAll { Db = this };
        table.Clear(ref v);
        ExpiryCursor = 0;
    }

    /// <summary>
    /// Redis's emptyDbAsync (FLUSHDB/FLUSHALL ASYNC): the database gets a new empty table and the old one, with its keys,
    /// is freed in steps by the shard's <see cref="LazyFree"/>. The keys watched by blocked clients here are ready after
    /// the command (the XREADGROUP ones answer that their stream is gone), as a flush freeing each stream signals it.
    /// </summary>
    public void ClearLater()
    {
        // A snapshot still walking this table serializes the rest of it first: FLUSHDB must not lose the cut's state.
        shard.Snapshot?.Drain(table);
        long keys = table.Count;
        if (keys == 0) return;
        KeyTable old = table;
        table = new KeyTable(arena);
        ExpiryCursor = 0;
        shard.LazyFree.TakeTable(old, keys);
        shard.Blocking.SignalFlushed(Index);
    }

    /// <summary>SWAPDB within a shard: the two databases exchange their tables.</summary>
    public static void Swap(Database a, Database b)
    {
        (a.table, b.table) = (b.table, a.table);
        a.ExpiryCursor = b.ExpiryCursor = 0;
    }

    public void Dispose()
    {
        Clear();
        table.Dispose();
    }
}
