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

    struct Entry
    {
        public ulong Score;
        public int Db;
        public int KeyLength;
        /// <summary>The key buffer moves with its entry; it is only ever replaced by a longer one.</summary>
        public byte[] Key;
        public bool Used;
    }

    readonly Entry[] entries = new Entry[Size];

    public EvictionPool()
    {
        for (int i = 0; i < Size; i++) entries[i].Key = new byte[CachedKey];
    }

    /// <summary>
    /// Offers a sampled key (evictionPoolPopulate's insertion): it goes in where its score sorts, pushing the
    /// worst entry out when the pool is full, or not at all when it is worse than every entry of a full pool.
    /// </summary>
    public void Offer(ulong keyScore, int keyDb, ReadOnlySpan<byte> key)
    {
        Entry[] p = entries;
        int k = 0;
        while (k < Size && p[k].Used && p[k].Score < keyScore) k++;
        if (k == 0 && p[Size - 1].Used) return;
        if (k < Size && !p[k].Used)
        {
            // An empty place: nothing to shift.
        }
        else if (!p[Size - 1].Used)
        {
            // Room on the right: k.. move one right, and the last entry's spare buffer comes to k.
            byte[] spare = p[Size - 1].Key;
            Array.Copy(p, k, p, k + 1, Size - k - 1);
            p[k].Key = spare;
        }
        else
        {
            // Full: the entry goes just left of k, and the worst (entry 0) falls out.
            k--;
            byte[] spare = p[0].Key;
            Array.Copy(p, 1, p, 0, k);
            p[k].Key = spare;
        }
        ref Entry e = ref p[k];
        if (e.Key.Length < key.Length) e.Key = new byte[key.Length];
        key.CopyTo(e.Key);
        e.KeyLength = key.Length;
        e.Score = keyScore;
        e.Db = keyDb;
        e.Used = true;
    }

    public bool Used(int k) => entries[k].Used;
    public int Db(int k) => entries[k].Db;
    public ulong Score(int k) => entries[k].Score;
    public ReadOnlySpan<byte> Key(int k) => entries[k].Key.AsSpan(0, entries[k].KeyLength);

    /// <summary>Takes entry <paramref name="k"/> out (its key bytes stay readable until the next <see cref="Offer"/>).</summary>
    public void Remove(int k)
    {
        entries[k].Used = false;
        entries[k].Score = 0;
    }
}
