namespace FastKv.Engine;

/// <summary>
/// maxmemory-policy: which keys may go and how the best one is chosen. Bits as Redis's MAXMEMORY_FLAG_*:
/// what the score is (LRU idle time, LFU inverse frequency, TTL), and whether every key or only keys with a
/// TTL are candidates.
/// </summary>
public enum EvictionPolicy
{
    NoEviction = 0,
    VolatileLru = Lru,
    VolatileLfu = Lfu,
    VolatileRandom = 1 << 4,
    VolatileTtl = 1 << 5,
    AllKeysLru = Lru | AllKeys,
    AllKeysLfu = Lfu | AllKeys,
    AllKeysRandom = VolatileRandom | AllKeys,

    /// <summary>Score: idle time from the 24-bit LRU clock.</summary>
    Lru = 1 << 0,
    /// <summary>Score: 255 minus the decayed log counter.</summary>
    Lfu = 1 << 1,
    /// <summary>Every key is a candidate (else only keys with a TTL).</summary>
    AllKeys = 1 << 2,
}

public static class EvictionPolicies
{
    /// <summary>Redis's names, in Redis's order (CONFIG SET lists them in its error).</summary>
    public static readonly string[] Names =
        { "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction" };

    static readonly EvictionPolicy[] Values =
    {
        EvictionPolicy.VolatileLru, EvictionPolicy.VolatileLfu, EvictionPolicy.VolatileRandom, EvictionPolicy.VolatileTtl,
        EvictionPolicy.AllKeysLru, EvictionPolicy.AllKeysLfu, EvictionPolicy.AllKeysRandom, EvictionPolicy.NoEviction,
    };

    public static EvictionPolicy Parse(string name)
    {
        for (int i = 0; i < Names.Length; i++)
            if (Names[i] == name) return Values[i];
        return EvictionPolicy.NoEviction;
    }

    public static bool IsLfu(this EvictionPolicy p) => (p & EvictionPolicy.Lfu) != 0;
    public static bool IsLru(this EvictionPolicy p) => (p & EvictionPolicy.Lru) != 0;
    public static bool IsAllKeys(this EvictionPolicy p) => (p & EvictionPolicy.AllKeys) != 0;
}
