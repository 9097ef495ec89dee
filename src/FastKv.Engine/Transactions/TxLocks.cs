using System.Collections.Generic;

namespace FastKv.Engine;

/// <summary>Something parked on a shard until a transaction releases its intent locks.</summary>
public interface ILockWaiter
{
    /// <summary>Runs on the shard's thread after a release; the waiter re-checks and continues.</summary>
    void Resume(Shard shard);
}

/// <summary>
/// One transaction's intent locks on one shard: a key id (database and key hash mixed) per key,
/// each shared or exclusive, or the whole shard. Hash collisions only make two keys wait for
/// each other, which is safe.
/// </summary>
public sealed class TxLock
{
    public long TxId;
    public bool Granted;
    public bool WholeShard;
    public bool WholeShardWrite;
    public ulong[] Keys = System.Array.Empty<ulong>();
    public bool[] Writes = System.Array.Empty<bool>();
    public MultiShardTx? Tx;

    public static ulong KeyId(int db, ulong hash) => hash ^ ((ulong)(uint)db * 0x9E3779B97F4A7C15UL);

    public bool Conflicts(TxLock other)
    {
        if (WholeShard || other.WholeShard)
        {
            if (WholeShard && other.WholeShard) return WholeShardWrite || other.WholeShardWrite;
            TxLock whole = WholeShard ? this : other, part = WholeShard ? other : this;
            if (whole.WholeShardWrite) return true;
            foreach (bool w in part.Writes) if (w) return true;
            return false;
        }
        for (int i = 0; i < Keys.Length; i++)
            for (int j = 0; j < other.Keys.Length; j++)
                if (Keys[i] == other.Keys[j] && (Writes[i] || other.Writes[j])) return true;
        return false;
    }

    /// <summary>Whether this lock lets its transaction read (or, with <paramref name="write"/>, write) the key.</summary>
    public bool Covers(ulong keyId, bool write)
    {
        if (WholeShard) return WholeShardWrite || !write;
        for (int i = 0; i < Keys.Length; i++)
            if (Keys[i] == keyId && (Writes[i] || !write)) return true;
        return false;
    }

    public bool Blocks(ulong keyId, bool write)
    {
        if (WholeShard) return WholeShardWrite || write;
        for (int i = 0; i < Keys.Length; i++)
            if (Keys[i] == keyId && (Writes[i] || write)) return true;
        return false;
    }
}

/// <summary>
/// The intent locks of one shard (the VLL scheme: Ren, Thomson, Abadi, VLDB 2012).
/// Lock requests of multi-shard transactions arrive through the mailbox in global transaction
/// order (the <see cref="Sequencer"/> posts them under one lock), and each is granted once no
/// earlier request conflicts with it. Every shard therefore orders conflicting transactions the
/// same way, so there is no deadlock. Single-shard commands never take locks: they only wait
/// while a granted lock covers their key, which keeps the fast path to one "any locks?" test.
/// </summary>
public sealed class TxLocks
{
    readonly Shard shard;
    readonly List<TxLock> queue = new();
    readonly List<ILockWaiter> parked = new();

    public TxLocks(Shard shard) => this.shard = shard;

    /// <summary>False on the fast path: no transaction holds or waits for a lock here.</summary>
    public bool Active => queue.Count > 0;

    public void Request(TxLock l)
    {
        queue.Add(l);
        GrantReady();
    }

    public void Release(long txId)
    {
        for (int i = 0; i < queue.Count; i++)
            if (queue[i].TxId == txId) { queue.RemoveAt(i); break; }
        GrantReady();
        if (parked.Count > 0)
        {
            var wake = parked.ToArray();
            parked.Clear();
            foreach (var w in wake) w.Resume(shard);
        }
        shard.Blocking.AfterLocksReleased();
    }

    void GrantReady()
    {
        for (int i = 0; i < queue.Count; i++)
        {
            var l = queue[i];
            if (l.Granted) continue;
            bool free = true;
            for (int j = 0; j < i && free; j++)
                if (queue[j].Conflicts(l)) free = false;
            if (!free) continue;
            l.Granted = true;
            l.Tx!.PostGranted(shard);
        }
    }

    /// <summary>Whether a lock granted to another transaction covers this key.</summary>
    public bool Blocks(ulong keyId, bool write, long ownTx)
    {
        foreach (var l in queue)
            if (l.Granted && l.TxId != ownTx && l.Blocks(keyId, write)) return true;
        return false;
    }

    /// <summary>Whether a lock granted to anyone but a script's transaction and its own key locks covers this key.</summary>
    public bool Blocks(ulong keyId, bool write, long ownTx, long ownLock)
    {
        foreach (var l in queue)
            if (l.Granted && l.TxId != ownTx && l.TxId != ownLock && l.Blocks(keyId, write)) return true;
        return false;
    }

    public bool AnyGrantedOther(long ownTx)
    {
        foreach (var l in queue)
            if (l.Granted && l.TxId != ownTx) return true;
        return false;
    }

    public void Park(ILockWaiter w) => parked.Add(w);

    /// <summary>Whether a granted lock of transaction <paramref name="txId"/> covers the key (0: none does).</summary>
    public bool Covers(ulong keyId, bool write, long txId)
    {
        if (txId == 0) return false;
        foreach (var l in queue)
            if (l.Granted && l.TxId == txId && l.Covers(keyId, write)) return true;
        return false;
    }

    /// <summary>
    /// Adds a key to the lock of <paramref name="txId"/>, granted at once, when no lock held or waiting here covers
    /// it (a script reaching a key it did not declare); false when one does. Never waits, so it cannot deadlock: the
    /// lock goes first in the queue, and later requests for the key wait behind it until it is released.
    /// </summary>
    public bool TryTakeNow(long txId, ulong keyId, bool write)
    {
        TxLock? mine = null;
        foreach (var l in queue)
        {
            if (l.TxId == txId) mine = l;
            else if (l.Blocks(keyId, write)) return false;
        }
        if (mine == null)
        {
            mine = new TxLock { TxId = txId, Granted = true };
            queue.Insert(0, mine);
        }
        else if (mine.Covers(keyId, write)) return true;
        int n = mine.Keys.Length;
        System.Array.Resize(ref mine.Keys, n + 1);
        System.Array.Resize(ref mine.Writes, n + 1);
        mine.Keys[n] = keyId;
        mine.Writes[n] = write;
        return true;
    }
}
