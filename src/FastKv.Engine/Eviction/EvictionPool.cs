using System;

namespace FastKv.Engine;

/// <summary>
/// Redis's eviction pool: the best candidates seen so far by the sampling, kept across evictions so that a few
/// samples per eviction approximate true LRU/LFU/TTL order. Sixteen entries sorted by score ascending; the best
/// candidate is the last. Entries hold a copy of the key (not a pointer to the entry, which a write may move or free),
/// so a candidate is looked up again before it is evicted and dropped when it is gone (a "ghost").
/// </summary>
public sealed class EvictionPool
{
    public const int Size = 16;
    /// <summary>Key bytes each entry keeps without allocating (Redis's EVPOOL_CACHED_SDS_SIZE).</summary>
    const int CachedKey = 255;

    readonly ulong[] score = new ulong[Size];
    readonly int[] db = new int[Size];
    readonly int[] keyLength = new int[Size];
    /// <summary>Key buffers; they move with their entries, so an entry's buffer is only ever replaced by a longer one.</summary>
    readonly byte[][] keys = new byte[Size][];
    readonly bool[] used = new bool[Size];

    public EvictionPool()
    {
        for (int i = 0; i < Size; i++) keys[i] = new byte[CachedKey];
    }

    /// <summary>
    /// Offers a sampled key (evictionPoolPopulate's insertion): it goes in where its score sorts, pushing the
    /// worst entry out when the pool is full, or not at all when it is worse than every entry of a full pool.
    /// </summary>
    public void Offer(ulong keyScore, int keyDb, ReadOnlySpan<byte> key)
    {
        int k = 0;
        while (k < Size && used[k] && score[k] < keyScore) k++;
        if (k == 0 && used[Size - 1]) return;
        if (k < Size && !used[k])
        {
            // An empty place: nothing to shift.
        }
        else if (!used[Size - 1])
        {
            // Room on the right: shift k.. one right, the spare buffer of the last entry comes to k.
            byte[] spare = keys[Size - 1];
            Shift(k, k + 1, Size - k - 1);
            keys[k] = spare;
        }
        else
        {
            // Full: the entry goes just left of k, and the worst (entry 0) falls out.
            k--;
            byte[] spare = keys[0];
            Shift(1, 0, k);
            keys[k] = spare;
        }
        if (keys[k].Length < key.Length) keys[k] = new byte[key.Length];
        key.CopyTo(keys[k]);
        keyLength[k] = key.Length;
        score[k] = keyScore;
        db[k] = keyDb;
        used[k] = true;
    }

    void Shift(int from, int to, int count)
    {
        Array.Copy(score, from, score, to, count);
        Array.Copy(db, from, db, to, count);
        Array.Copy(keyLength, from, keyLength, to, count);
        Array.Copy(keys, from, keys, to, count);
        Array.Copy(used, from, used, to, count);
    }

    public bool Used(int k) => used[k];
    public int Db(int k) => db[k];
    public ulong Score(int k) => score[k];
    public ReadOnlySpan<byte> Key(int k) => keys[k].AsSpan(0, keyLength[k]);

    /// <summary>Takes entry <paramref name="k"/> out (its key bytes stay readable until the next <see cref="Offer"/>).</summary>
    public void Remove(int k)
    {
        used[k] = false;
        score[k] = 0;
    }
}
