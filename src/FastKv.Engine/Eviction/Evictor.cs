using System;
using System.Diagnostics;
using System.Threading;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>What <see cref="Evictor.Perform"/> achieved (Redis's EVICT_OK, EVICT_RUNNING, EVICT_FAIL).</summary>
public enum EvictResult
{
    /// <summary>Under the limit (or eviction may not run now).</summary>
    Ok,
    /// <summary>Still over, but this shard evicted until its time ran out; it goes on between requests.</summary>
    Running,
    /// <summary>Over the limit and this shard has nothing it may evict (or the policy is noeviction).</summary>
    Fail,
}

/// <summary>
/// One shard's side of maxmemory (Redis's evict.c performEvictions, per shard). The limit is global: the server is
/// over by <c>Σ counted − maxmemory</c>, and each shard frees the part of that excess proportional to its own bytes
/// among the shards that still have candidates, choosing keys by the policy with Redis's approximations (sampling
/// into a pool of 16). It runs before every command a client sends to this shard and between requests while the
/// server stays over, never in the middle of a command or of an atomic unit, and skips keys a granted intent lock
/// covers. One call spends at most the time maxmemory-eviction-tenacity allows; the rest waits for the next call.
/// </summary>
public sealed unsafe class Evictor
{
    readonly Shard shard;
    readonly EvictionPool pool = new();
    /// <summary>Where a random policy's victim key is copied (its blob is freed before the events go out).</summary>
    byte[] victim = new byte[256];
    /// <summary>Random policies visit the databases in turn (Redis's next_db).</summary>
    int nextDb;
    /// <summary>Per database, where volatile-* sampling goes on sweeping the segments that hold TTL keys.</summary>
    readonly uint[] ttlCursor;
    long published = -MemoryBudget.PublishStep;
    /// <summary>When this shard first saw the server over the limit in the current episode (Stopwatch ticks), or 0.</summary>
    long overSince;
    /// <summary>Milliseconds the server has spent over the limit in finished episodes (INFO total_eviction_exceeded_time).</summary>
    public long ExceededMillis;
    /// <summary>Keys this shard evicted (INFO evicted_keys).</summary>
    public long EvictedKeys;

    public Evictor(Shard shard)
    {
        this.shard = shard;
        ttlCursor = new uint[shard.Dbs.Length];
    }

    /// <summary>
    /// The bytes this shard counts toward maxmemory: its arena and its connections' buffers. The buffers count at the
    /// most they held in the last second (Redis keeps a client's query buffer between requests and shrinks idle ones
    /// in its cron; FastKv's connections hand chunks back after each request). Counting them as they come and go
    /// made the shard evict a chunk's worth of keys for every request that borrowed one and refill the room after.
    /// </summary>
    public long Counted
    {
        get
        {
            long buffers = shard.Buffers.HeldBytes;
            if (buffers > bufferPeak) bufferPeak = buffers;
            // Values a lazy free took count as gone (LazyFree.PendingBytes): their steps come after this loop.
            return shard.Arena.UsedBytes - shard.LazyFree.PendingBytes + bufferPeak;
        }
    }

    /// <summary>The most the connection buffers held since <see cref="bufferPeakSince"/> (shard ms).</summary>
    long bufferPeak;
    long bufferPeakSince;

    /// <summary>Milliseconds of the current over-limit episode, or 0 (INFO current_eviction_exceeded_time).</summary>
    public long CurrentExceededMillis
    {
        get
        {
            long since = overSince;
            return since == 0 ? 0 : (Stopwatch.GetTimestamp() - since) * 1000 / Stopwatch.Frequency;
        }
    }

    /// <summary>Publishes this shard's counted bytes when they moved by a step or more since the last time.</summary>
    public void Publish()
    {
        long now = Counted;
        if (Math.Abs(now - published) < MemoryBudget.PublishStep) return;
        published = now;
        shard.Server.Memory.Publish(shard.Id, now, Math.Max(0, shard.Arena.UsedBytes - shard.TableOverhead()));
    }

    /// <summary>Once per loop iteration: publish this shard's bytes, and go on evicting while the server is over.</summary>
    public void Tick()
    {
        if (shard.NowMs - bufferPeakSince >= 1000)
        {
            bufferPeak = shard.Buffers.HeldBytes;
            bufferPeakSince = shard.NowMs;
        }
        Publish();
        if (shard.Server.Config.MaxMemory != 0) Perform();
    }

    /// <summary>
    /// Before a client's command (Redis's processCommand): evicts this shard's share, then says whether a command
    /// that may grow memory must be refused with -OOM. Redis evicts until under the limit or out of keys and refuses in
    /// the second case; here the other shards evict their own keys on their threads, so when this shard ran out, the
    /// ones that still have candidates are asked to evict now, and the command is refused when even all they could
    /// free would not bring the server under the limit (what Redis's loop would find after emptying them).
    /// </summary>
    public bool BeforeCommand()
    {
        if (Perform() != EvictResult.Fail) return false;
        EvictionPolicy policy = shard.Server.Config.Policy;
        if (policy == EvictionPolicy.NoEviction) return true;
        MemoryBudget budget = shard.Server.Memory;
        long freeable = 0;
        foreach (Shard other in shard.Server.Shards)
        {
            if (other == shard || !MemoryBudget.HasCandidates(other, policy)) continue;
            other.Evictor.Ask();
            freeable += budget.PublishedFreeable(other.Id);
        }
        return Counted + budget.OthersTotal(shard.Id) - shard.Server.Config.MaxMemory > freeable;
    }

    /// <summary>Another shard needs this one to evict: a message runs <see cref="Perform"/> here soon (once, however often asked).</summary>
    void Ask()
    {
        if (Interlocked.Exchange(ref asked, 1) == 0) shard.Mailbox.Post(askMessage);
    }

    int asked;
    readonly EvictNow askMessage = new();

    sealed class EvictNow : ShardMessage
    {
        public override void Run(Shard shard)
        {
            Volatile.Write(ref shard.Evictor.asked, 0);
            shard.Evictor.Perform();
        }
    }

    /// <summary>Redis's performEvictions for this shard: frees its share of the excess, within the time tenacity allows.</summary>
    public EvictResult Perform()
    {
        ServerConfig cfg = shard.Server.Config;
        long max = cfg.MaxMemory;
        if (max == 0)
        {
            EndEpisode();
            return EvictResult.Ok;
        }
        // While clients are paused the dataset holds still: no eviction, as Redis.
        if (shard.Server.Pause.Active(shard.NowMs)) return EvictResult.Ok;
        MemoryBudget budget = shard.Server.Memory;
        long local = Counted;
        Publish();
        long over = local + budget.OthersTotal(shard.Id) - max;
        if (over <= 0)
        {
            EndEpisode();
            return EvictResult.Ok;
        }
        if (overSince == 0) overSince = Stopwatch.GetTimestamp();
        EvictionPolicy policy = cfg.Policy;
        if (policy == EvictionPolicy.NoEviction) return EvictResult.Fail;
        // This shard's part of the excess: in proportion to its bytes among the shards that can evict.
        long evictable = local + budget.OthersEvictable(shard, policy);
        long toFree = evictable <= local ? over : (long)((double)over * local / evictable);
        if (toFree <= 0) toFree = 1;
        long limitTicks = TimeLimitTicks(cfg.EvictionTenacity);
        long start = Stopwatch.GetTimestamp();
        long freed = 0;
        int evicted = 0;
        EvictResult result = EvictResult.Ok;
        while (freed < toFree)
        {
            long before = Counted;
            if (!EvictOne(policy))
            {
                // Out of candidates while still over: a failure even after some evictions, as in Redis.
                result = EvictResult.Fail;
                break;
            }
            freed += before - Counted;
            evicted++;
            if ((evicted & 15) == 0 && Stopwatch.GetTimestamp() - start > limitTicks)
            {
                result = EvictResult.Running;
                break;
            }
        }
        Publish();
        long threshold = cfg.LatencyMonitorThreshold;
        if (threshold != 0 && evicted > 0)
        {
            long ms = (Stopwatch.GetTimestamp() - start) * 1000 / Stopwatch.Frequency;
            if (ms >= threshold) shard.Server.Latency.Add("eviction-cycle", ms, shard.NowMs);
        }
        return result;
    }

    void EndEpisode()
    {
        if (overSince == 0) return;
        ExceededMillis += (Stopwatch.GetTimestamp() - overSince) * 1000 / Stopwatch.Frequency;
        overSince = 0;
    }

    /// <summary>Redis's evictionTimeLimitUs: 50 µs per step up to 10 (500 µs), then 15% more per step; 100 is no limit.</summary>
    static long TimeLimitTicks(int tenacity)
    {
        double micros = tenacity <= 10 ? 50.0 * tenacity
            : tenacity < 100 ? 500.0 * Math.Pow(1.15, tenacity - 10.0)
            : double.PositiveInfinity;
        if (double.IsPositiveInfinity(micros)) return long.MaxValue;
        return (long)(micros * Stopwatch.Frequency / 1_000_000);
    }

    /// <summary>Chooses one key by the policy and evicts it; false when this shard has no candidate.</summary>
    bool EvictOne(EvictionPolicy policy)
    {
        if ((policy & (EvictionPolicy.Lru | EvictionPolicy.Lfu)) != 0 || policy == EvictionPolicy.VolatileTtl)
            return EvictFromPool(policy);
        return EvictRandom(policy.IsAllKeys());
    }

    /// <summary>Refills the pool from every database and evicts its best candidate that still exists.</summary>
    bool EvictFromPool(EvictionPolicy policy)
    {
        bool allKeys = policy.IsAllKeys();
        // A bounded number of refills: every sampled key may be a ghost or under a transaction's lock.
        for (int round = 0; round < 16; round++)
        {
            long keys = 0;
            foreach (Database db in shard.Dbs)
            {
                long n = allKeys ? db.Count : db.ExpiresCount;
                if (n == 0) continue;
                keys += n;
                Populate(db, policy, allKeys);
            }
            if (keys == 0) return false;
            for (int k = EvictionPool.Size - 1; k >= 0; k--)
            {
                if (!pool.Used(k)) continue;
                pool.Remove(k);
                Database db = shard.Dbs[pool.Db(k)];
                ReadOnlySpan<byte> key = pool.Key(k);
                ulong h = KeyHash.Hash(key);
                byte* e = db.Table.Find(key, h);
                if (e == null || !allKeys && !KeyEntry.HasExpire(e) || Locked(db, h)) continue;
                Evict(db, key, h);
                return true;
            }
        }
        return false;
    }

    /// <summary>Samples maxmemory-samples keys of one database into the pool, scored as the policy says.</summary>
    void Populate(Database db, EvictionPolicy policy, bool allKeys)
    {
        const int MaxSamples = 64; // per sampling round; maxmemory-samples may ask for more
        for (int left = shard.Server.Config.MaxMemorySamples; left > 0; left -= MaxSamples)
            PopulateSome(db, policy, allKeys, Math.Min(left, MaxSamples));
    }

    void PopulateSome(Database db, EvictionPolicy policy, bool allKeys, int samples)
    {
        // Entry pointers, valid while the table is unchanged: nothing below writes to it, and Offer copies the keys.
        byte** sample = stackalloc byte*[64];
        int n = allKeys
            ? db.Table.Sample(sample, samples, ref shard.Rng)
            : db.Table.SampleExpiring(sample, samples, ref ttlCursor[db.Index], ref shard.Rng);
        for (int i = 0; i < n; i++)
        {
            byte* e = sample[i];
            ulong score;
            if ((policy & EvictionPolicy.Lru) != 0) score = (ulong)AccessClock.IdleMillis(shard, KeyEntry.Lru(e));
            else if ((policy & EvictionPolicy.Lfu) != 0) score = 255 - AccessClock.LfuDecayed(shard, KeyEntry.Lru(e));
            else score = ulong.MaxValue - (ulong)KeyEntry.ExpireAt(e); // volatile-ttl: the sooner, the better
            pool.Offer(score, db.Index, KeyEntry.Key(e));
        }
    }

    /// <summary>allkeys-random / volatile-random: a random key of the next database that has one.</summary>
    bool EvictRandom(bool allKeys)
    {
        Database[] dbs = shard.Dbs;
        for (int i = 0; i < dbs.Length; i++)
        {
            nextDb = nextDb + 1 >= dbs.Length ? 0 : nextDb + 1;
            Database db = dbs[nextDb];
            if ((allKeys ? db.Count : db.ExpiresCount) == 0) continue;
            for (int attempt = 0; attempt < 4; attempt++)
            {
                byte* e = null;
                if (allKeys) e = db.Table.RandomEntry(ref shard.Rng);
                else db.Table.SampleExpiring(&e, 1, ref ttlCursor[db.Index], ref shard.Rng);
                if (e == null) break;
                ReadOnlySpan<byte> key = KeyEntry.Key(e);
                ulong h = KeyHash.Hash(key);
                if (Locked(db, h)) continue;
                if (victim.Length < key.Length) victim = new byte[key.Length];
                key.CopyTo(victim);
                Evict(db, victim.AsSpan(0, key.Length), h);
                return true;
            }
        }
        return false;
    }

    /// <summary>A granted intent lock of a transaction covers the key: it is in use, not a candidate.</summary>
    bool Locked(Database db, ulong h)
        => shard.Locks.Active && shard.Locks.Blocks(TxLock.KeyId(db.Index, h), write: true, ownTx: 0);

    /// <summary>
    /// Deletes the key and says so as Redis does after an eviction: evicted_keys, WATCH and client-side caching
    /// invalidation (signalModifiedKey), and the "evicted" keyspace event. <paramref name="key"/> is a copy.
    /// </summary>
    void Evict(Database db, ReadOnlySpan<byte> key, ulong h)
    {
        long threshold = shard.Server.Config.LatencyMonitorThreshold;
        long t0 = threshold != 0 ? Stopwatch.GetTimestamp() : 0;
        db.DeleteEvicted(key, h);
        if (threshold != 0)
        {
            // Freeing a large value is the slow part of an eviction (LATENCY DOCTOR's advice names it).
            long ms = (Stopwatch.GetTimestamp() - t0) * 1000 / Stopwatch.Frequency;
            if (ms >= threshold) shard.Server.Latency.Add("eviction-del", ms, shard.NowMs);
        }
        EvictedKeys++;
        // propagateDeletion: DEL key, or UNLINK under lazyfree-lazy-eviction (key is a copy, still readable).
        if (shard.Aof.On) shard.Aof.Deletion(db.Index, key, shard.Server.Config.LazyfreeLazyEviction);
        if (shard.Events.Active) shard.Events.Modified(db.Index, key, NotifyClass.Evicted, "evicted"u8);
    }
}
