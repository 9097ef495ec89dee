using System;

namespace FastKv.Engine;

/// <summary>
/// What decides the bytes of an RDB record beyond the value itself: the format version (11 for Redis 7.2, 10 for
/// Redis 7.0 readers, which have no set listpack), rdbcompression, and, for the IDLE or FREQ opcode Redis writes
/// under an LRU or LFU maxmemory-policy, the policy and the clocks the access bits are read against. A snapshot
/// takes one at its cut, so every record of the file is measured against the same instant; DUMP takes one per call.
/// </summary>
public readonly struct RdbWriteOptions
{
    /// <summary>RDB_VERSION of Redis 7.2: what DUMP stamps and snapshots write by default.</summary>
    public const int CurrentVersion = 11;

    /// <summary>10 or 11.</summary>
    public int Version { get; }
    /// <summary>LZF for strings longer than 20 bytes (rdbcompression).</summary>
    public bool Compress { get; }
    /// <summary>
    /// Which LZF compressor: Redis's own (<see cref="Lzf.Compress"/>) where the bytes are compared with Redis's (DUMP),
    /// the quick one (<see cref="Lzf.CompressQuick"/>) where they only have to load back (RDB files, AOF bases).
    /// </summary>
    public LzfMode Lzf => !Compress ? LzfMode.Off : _quickLzf ? LzfMode.Quick : LzfMode.Exact;
    readonly bool _quickLzf;
    /// <summary>maxmemory-policy: *-lru records carry IDLE, *-lfu records FREQ.</summary>
    public EvictionPolicy Policy { get; }
    /// <summary>The shard's LRU clock (seconds, 24 bits) that IDLE is measured against.</summary>
    public uint LruClock { get; }
    /// <summary>The shard's LFU minute clock (16 bits) that FREQ decays against.</summary>
    public uint LfuMinutes { get; }
    /// <summary>lfu-decay-time.</summary>
    public int LfuDecayTime { get; }

    public RdbWriteOptions(int version, bool compress, EvictionPolicy policy = EvictionPolicy.NoEviction,
        uint lruClock = 0, uint lfuMinutes = 0, int lfuDecayTime = 1, bool quickLzf = false)
    {
        _quickLzf = quickLzf;
        if (version is not (10 or CurrentVersion)) throw new ArgumentOutOfRangeException(nameof(version), "RDB version 10 or 11");
        Version = version;
        Compress = compress;
        Policy = policy;
        LruClock = lruClock;
        LfuMinutes = lfuMinutes;
        LfuDecayTime = lfuDecayTime;
    }

    /// <summary>DUMP's options on <paramref name="shard"/> now: its config and its clocks, Redis's LZF bytes.</summary>
    public static RdbWriteOptions ForDump(Shard shard) => For(shard, CurrentVersion, quickLzf: false);

    /// <summary>A file's options (snapshot, AOF base) on <paramref name="shard"/> now, with the quick LZF.</summary>
    public static RdbWriteOptions ForFile(Shard shard, int version) => For(shard, version, quickLzf: true);

    static RdbWriteOptions For(Shard shard, int version, bool quickLzf)
    {
        ServerConfig config = shard.Server.Config;
        return new RdbWriteOptions(version, config.RdbCompression, config.Policy, shard.LruClock, shard.LfuMinutes,
            config.LfuDecayTime, quickLzf);
    }
}
