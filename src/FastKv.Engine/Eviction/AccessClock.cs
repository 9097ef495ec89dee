using System;
using System.Runtime.CompilerServices;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// The access bits every key entry carries (<see cref="KeyEntry.Lru"/>, the u32 at offset 4), read as Redis reads
/// <c>robj.lru</c>. Under an LRU (or no) policy, bits 0-23 are the LRU clock: seconds, mod 2^24. Under an LFU policy,
/// bits 0-7 are a logarithmic access counter and bits 8-23 the minute (mod 2^16) it last decayed. Bits 24-31 are not
/// used here. The same bits, no extra memory per key; switching policies at run time reinterprets them, as in Redis.
/// </summary>
public static unsafe class AccessClock
{
    /// <summary>Redis's LRU_CLOCK_MAX: the clock wraps after 2^24 seconds (194 days).</summary>
    public const uint LruClockMax = (1 << 24) - 1;
    /// <summary>Redis's LFU_INIT_VAL: a new key starts here, so it is not the first to go.</summary>
    public const uint LfuInitVal = 5;
    const uint LowBits = 0x00FF_FFFF;

    /// <summary>The bits a new key starts with.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Initial(Shard shard)
        => shard.LfuMode ? (shard.LfuMinutes << 8) | LfuInitVal : shard.LruClock;

    /// <summary>Redis's lookupKey touch: the LRU clock now, or updateLFU (decay, then a logarithmic increment).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Touch(Shard shard, byte* e)
    {
        if (!shard.LfuMode)
        {
            KeyEntry.SetLru(e, shard.LruClock);
            return;
        }
        TouchLfu(shard, e);
    }

    static void TouchLfu(Shard shard, byte* e)
    {
        uint counter = LfuDecayed(shard, KeyEntry.Lru(e));
        counter = LogIncrement(shard, counter);
        KeyEntry.SetLru(e, (shard.LfuMinutes << 8) | counter);
    }

    /// <summary>Redis's LFUDecrAndReturn: the counter less one per lfu-decay-time minutes since it last decayed.</summary>
    public static uint LfuDecayed(Shard shard, uint bits) => LfuDecayed(bits, shard.LfuMinutes, shard.Server.Config.LfuDecayTime);

    /// <summary>LFUDecrAndReturn at minute <paramref name="now"/> (mod 2^16) with lfu-decay-time <paramref name="decay"/>.</summary>
    public static uint LfuDecayed(uint bits, uint now, int decay)
    {
        uint ldt = (bits & LowBits) >> 8;
        uint counter = bits & 0xFF;
        if (decay <= 0) return counter;
        uint elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
        uint periods = elapsed / (uint)decay;
        return periods >= counter ? 0 : counter - periods;
    }

    /// <summary>Redis's LFULogIncr: the higher the counter, the less likely an access raises it (lfu-log-factor).</summary>
    static uint LogIncrement(Shard shard, uint counter)
    {
        if (counter == 255) return 255;
        double r = (shard.NextRandom() >> 11) * (1.0 / (1UL << 53));
        double baseval = counter > LfuInitVal ? counter - LfuInitVal : 0;
        double p = 1.0 / (baseval * shard.Server.Config.LfuLogFactor + 1);
        return r < p ? counter + 1 : counter;
    }

    /// <summary>
    /// Redis's objectSetLRUOrLFU (RESTORE's IDLETIME/FREQ, RDB's IDLE/FREQ): under an LFU policy a given frequency
    /// (0..255, or -1 for none) becomes the counter with the current minute; otherwise a given idle time in seconds
    /// (or -1) sets the LRU clock that far back, wrapping below zero as the 24-bit clock does. The other value is
    /// ignored, as in Redis. Returns whether the bits changed.
    /// </summary>
    public static bool SetIdleOrFreq(Shard shard, byte* e, long lfuFreq, long lruIdleSeconds)
    {
        if (shard.LfuMode)
        {
            if (lfuFreq < 0) return false;
            KeyEntry.SetLru(e, (shard.LfuMinutes << 8) | (uint)Math.Min(lfuFreq, 255));
            return true;
        }
        if (lruIdleSeconds < 0) return false;
        long abs = (long)(shard.LruClock & LruClockMax) - lruIdleSeconds;
        if (abs < 0) abs += LruClockMax;
        KeyEntry.SetLru(e, (uint)abs & LruClockMax);
        return true;
    }

    /// <summary>Redis's estimateObjectIdleTime, in milliseconds: the LRU clock wraps, hence the two cases.</summary>
    public static long IdleMillis(Shard shard, uint bits) => IdleSeconds(shard.LruClock, bits) * 1000;

    /// <summary>estimateObjectIdleTime in seconds at LRU clock <paramref name="lruClock"/> (what RDB's IDLE opcode stores).</summary>
    public static long IdleSeconds(uint lruClock, uint bits)
    {
        uint now = lruClock & LruClockMax, lru = bits & LruClockMax;
        return now >= lru ? now - lru : now + (LruClockMax - lru);
    }
}
