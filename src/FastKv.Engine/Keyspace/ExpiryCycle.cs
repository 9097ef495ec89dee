using System.Diagnostics;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// Active expiry: between requests, each shard walks its tables that hold keys with a TTL, a
/// segment at a time, and frees the keys whose time has passed, so they leave memory without a
/// client touching them. The walk (<see cref="KeyTable.ScanExpiring"/>) reads only the keys with a TTL
/// and passes over segments that hold none by their header. Bounded per call by time and, like Redis's
/// cycle (which samples its expires dict), it stops early when few of the TTL keys it sees are expired
/// (the rest wait for the next tick).
/// </summary>
public static unsafe class ExpiryCycle
{
    const int MinVisits = 4096;

    struct Reaper : IEntryVisitor
    {
        public Database Db;
        public long Now;
        public long Visited;
        public long Expired;
        /// <summary>The shard's locks while a transaction or a script holds some (null otherwise).</summary>
        public TxLocks? Locks;

        public bool Visit(byte* e)
        {
            Debug.Assert(KeyEntry.HasExpire(e), "ScanExpiring visits only keys with a TTL");
            Visited++;
            if (KeyEntry.ExpireAt(e) > Now) return false;
            // A key a transaction or a script holds stays: their time stands still, as Redis's does (nothing else
            // runs meanwhile there), so a key they saw must not vanish between two of their commands.
            if (Locks != null && Locks.Blocks(TxLock.KeyId(Db.Index, KeyHash.Hash(KeyEntry.Key(e))), write: true, ownTx: 0)) return false;
            Db.SignalExpired(KeyEntry.Key(e));
            Db.PropagateExpired(KeyEntry.Key(e));
            Db.FreeTimed(e);
            Expired++;
            return true;
        }
    }

    public static void Run(Shard shard, int budgetMs)
    {
        // Redis runs no expiry cycle while loading: keys replayed from an AOF stay until the load is over.
        if (shard.Server.Loading) return;
        long start = Stopwatch.GetTimestamp();
        long deadline = start + budgetMs * Stopwatch.Frequency / 1000;
        Walk(shard, deadline);
        // Redis's stat_expire_cycle_time_used and its "expire-cycle" latency event.
        long micros = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        shard.Stats.ExpireCycleMicros += micros;
        long threshold = shard.Server.Config.LatencyMonitorThreshold;
        if (threshold != 0 && micros / 1000 >= threshold) shard.Server.Latency.Add("expire-cycle", micros / 1000, shard.NowMs);
    }

    static void Walk(Shard shard, long deadline)
    {
        foreach (var db in shard.Dbs)
        {
            if (db.ExpiresCount == 0) continue;
            var r = new Reaper { Db = db, Now = shard.NowMs, Locks = shard.Locks.Active ? shard.Locks : null };
            do
            {
                db.ExpiryCursor = db.Table.ScanExpiring(db.ExpiryCursor, ref r);
                if (db.ExpiryCursor == 0) break;
                // Enough seen and under 10% expired: the rest can wait for the next tick.
                if (r.Visited >= MinVisits && r.Expired * 10 < r.Visited) break;
            } while (Stopwatch.GetTimestamp() < deadline);
            shard.Stats.ExpiredKeys += r.Expired;
            if (Stopwatch.GetTimestamp() >= deadline) return;
        }
    }
}
