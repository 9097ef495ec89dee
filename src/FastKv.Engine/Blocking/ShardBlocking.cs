using System;
using System.Collections.Generic;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// One shard's blocked clients: per key of this shard, the waiters in arrival order (Redis serves the
/// longest-waiting client first), and the waiters whose home is this shard, for their timeouts.
/// After every write command that touches a key with waiters, the key is "ready": the waiters are served
/// in order while the key holds data of their type (a push of three elements serves three clients). A
/// serve that writes another watched key (BLMOVE's destination) makes that key ready in turn, as Redis's
/// handleClientsBlockedOnKeys does. XREADGROUP waiters are the exception: running their command again has effects,
/// so, as in Redis, they run only when their stream was signalled (<see cref="SignalStream"/>: an added entry, a
/// destroyed group, the stream deleted or overwritten) or is no longer there; one whose keys span shards runs again under
/// their locks (<see cref="StreamGroupWakeTx"/>), and the waiters behind it on its keys here wait for that run to end.
/// Only this shard's thread uses it.
/// </summary>
public sealed class ShardBlocking
{
    readonly Shard shard;
    readonly Dictionary<WaitKey, WaitQueue> byKey = new(new WaitKeyComparer());
    readonly Dictionary<WaitKey, WaitQueue>.AlternateLookup<KeyProbe> byProbe;
    readonly List<ReadyKey> ready = new();
    readonly List<BlockedClient> timeouts = new();
    bool serving;
    /// <summary>Writer for attempts whose reply must be reshaped (BLPOP wraps LPOP's reply).</summary>
    internal readonly RespWriter Scratch = new(new OutputBuffer());
    internal readonly ArgList AttemptArgs = new();
    internal RespParser AttemptParser;

    public ShardBlocking(Shard shard)
    {
        this.shard = shard;
        byProbe = byKey.GetAlternateLookup<KeyProbe>();
        AttemptParser.Reset();
    }

    /// <summary>Keys of this shard with at least one waiter: the write path checks this one field.</summary>
    public int WatchedKeys => byKey.Count;

    /// <summary>
    /// Keys of this shard with an XREADGROUP waiter: Redis's blocking_keys_on_nokey (INFO total_blocking_keys_on_nokey),
    /// the keys whose deletion or change of type wakes a waiter with an error.
    /// </summary>
    public int NoKeyWatchedKeys;

    /// <summary>A key's waiters in arrival order, and how many of them are XREADGROUP (unblocked when the key goes).</summary>
    sealed class WaitQueue : LinkedList<BlockedClient>
    {
        public int Groups;
    }

    /// <summary>Counts a waiter joining or leaving <paramref name="q"/> in <see cref="NoKeyWatchedKeys"/>.</summary>
    void Counted(WaitQueue q, BlockedClient w, int delta)
    {
        if (w.Plan.Kind != BlockKind.StreamReadGroup) return;
        int before = q.Groups;
        q.Groups += delta;
        if (before == 0 && q.Groups > 0) NoKeyWatchedKeys++;
        else if (before > 0 && q.Groups == 0) NoKeyWatchedKeys--;
    }

    /// <summary>Waiters with a timeout whose home is this shard.</summary>
    public int HomeWaiters => timeouts.Count;

    /// <summary>Clients of this shard waiting in a blocking command (INFO blocked_clients).</summary>
    public int BlockedClients;

    /// <summary>The first argument position of <paramref name="key"/> among a plan's keys, or -1 (no closure: serving allocates nothing).</summary>
    static int IndexOfKey(byte[][] keys, ReadOnlySpan<byte> key)
    {
        for (int j = 0; j < keys.Length; j++)
            if (keys[j].AsSpan().SequenceEqual(key)) return j;
        return -1;
    }

    readonly struct WaitKey(int db, byte[] key)
    {
        public readonly int Db = db;
        public readonly byte[] Key = key;
    }

    /// <summary>
    /// A watched key to serve. <see cref="ForGroups"/>: Redis signalled it for its XREADGROUP waiters too (an entry was
    /// added, the stream was deleted or replaced, the group destroyed); any other write leaves them waiting, since
    /// running XREADGROUP again has effects (the consumer is made again, its seen-time moves, a group moved back by
    /// XGROUP SETID hands out entries).
    /// </summary>
    struct ReadyKey(WaitKey key, bool forGroups, BlockedClient[]? only = null)
    {
        public readonly WaitKey Key = key;
        public bool ForGroups = forGroups;
        /// <summary>
        /// The rest of a serve that a multi-shard XREADGROUP interrupted (<see cref="Resume"/>): only these waiters, the
        /// ones that were behind it; null: every waiter of the key.
        /// </summary>
        public readonly BlockedClient[]? Only = only;
    }

    /// <summary>
    /// A multi-shard XREADGROUP waiter this shard claimed for a run under locks (<see cref="StreamGroupWakeTx"/>), and the
    /// rest of the serve it interrupted. Until the run ends, the waiter's keys here serve nobody else: Redis would have
    /// served it before the waiters behind it.
    /// </summary>
    readonly record struct Suspension(BlockedClient Waiter, ReadyKey Rest);

    readonly List<Suspension> suspended = new();

    /// <summary>A key as a write sees it (database and the bytes in the request), probed without a copy.</summary>
    readonly ref struct KeyProbe(int db, ReadOnlySpan<byte> key)
    {
        public readonly int Db = db;
        public readonly ReadOnlySpan<byte> Key = key;
    }

    /// <summary>Compares waited-on keys with each other and with a probe, so <see cref="Signal"/> allocates only for a watched key.</summary>
    sealed class WaitKeyComparer : IEqualityComparer<WaitKey>, IAlternateEqualityComparer<KeyProbe, WaitKey>
    {
        static int Hash(int db, ReadOnlySpan<byte> key) => (int)KeyHash.Hash(key, KeyHash.Seed) ^ db;
        public bool Equals(WaitKey a, WaitKey b) => a.Db == b.Db && a.Key.AsSpan().SequenceEqual(b.Key);
        public int GetHashCode(WaitKey k) => Hash(k.Db, k.Key);
        public bool Equals(KeyProbe p, WaitKey k) => p.Db == k.Db && p.Key.SequenceEqual(k.Key);
        public int GetHashCode(KeyProbe p) => Hash(p.Db, p.Key);
        public WaitKey Create(KeyProbe p) => new(p.Db, p.Key.ToArray());
    }

    /// <summary>Adds the waiter behind the others on each of its keys that this shard holds.</summary>
    public void Register(BlockedClient w)
    {
        if (w.Plan.Kind == BlockKind.StreamRead) Commands.StreamCommands.ResolveBlockedIds(shard, w.Plan);
        else if (w.Plan.Kind == BlockKind.StreamReadGroup) w.Plan.SetGroupAttempts(shard);
        foreach (var k in w.Plan.Keys)
        {
            if (shard.Server.ShardOf(k) != shard) continue;
            var key = new WaitKey(w.Plan.Db, k);
            if (!byKey.TryGetValue(key, out var q)) byKey[key] = q = new WaitQueue();
            if (q.Contains(w)) continue;
            q.AddLast(w);
            Counted(q, w, 1);
        }
    }

    public void Unregister(BlockedClient w)
    {
        foreach (var k in w.Plan.Keys)
        {
            var key = new WaitKey(w.Plan.Db, k);
            if (!byKey.TryGetValue(key, out var q)) continue;
            if (q.Remove(w)) Counted(q, w, -1);
            if (q.Count == 0) byKey.Remove(key);
        }
    }

    /// <summary>Called after a write command on this shard while keys are watched: serves waiters of the keys it touched.</summary>
    public void AfterWrite(ref CommandContext c)
    {
        // XREADGROUP and XGROUP SETID write no entry and Redis signals no key for them: a served XREADGROUP must not
        // make its key ready again (its own waiters would run forever), and a group moved back by SETID serves its
        // waiters only at the next XADD, as Redis's do.
        if (!c.Spec.ServesNoWaiter) SignalKeys(ref c);
        // Keys without a key argument are ready too: FLUSHDB's streams, a key a lookup found expired.
        ServePending();
    }

    void SignalKeys(ref CommandContext c)
    {
        Span<int> small = stackalloc int[16];
        int n = CommandTable.GetKeys(c.Spec, c.Buffer, c.Args, small);
        if (n <= 0) return;
        int[]? all = n > small.Length ? CommandTable.GetKeys(c.Spec, c.Buffer, c.Args) : null;
        ReadOnlySpan<int> pos = all ?? small.Slice(0, n);
        foreach (int p in pos) Signal(c.DbIndex, c.Arg(p), forGroups: false);
    }

    /// <summary>
    /// Serves the keys made ready outside a write's own keys (a stream deleted by expiry, eviction or FLUSHDB), unless a
    /// serve or a transaction is under way: after every command while keys are watched, and after the expiry cycle, as
    /// Redis's handleClientsBlockedOnKeys runs after each command and in beforeSleep.
    /// </summary>
    public void ServePending()
    {
        if (ready.Count > 0 && !serving && holds == 0) ServeReady();
    }

    /// <summary>
    /// Redis's signalKeyAsReady and signalDeletedKeyAsReady for a stream: XADD added an entry, XGROUP DESTROY removed a
    /// group, or the stream left the keyspace or was overwritten (DEL, SET, RENAME over it, expiry, eviction, FLUSHDB).
    /// Its XREADGROUP waiters run again: served, NOGROUP, WRONGTYPE, or waiting on. Only marks the key (its bytes may be
    /// about to be freed); the end of the command, or <see cref="ServePending"/>, serves it.
    /// </summary>
    public void SignalStream(int db, ReadOnlySpan<byte> key) => Signal(db, key, forGroups: true);

    int holds;

    /// <summary>
    /// While a gathered command runs over copies here (<see cref="GatherExec"/>): the keys of the streams it signalled (an
    /// entry added, a group destroyed, the stream deleted or overwritten); null otherwise.
    /// </summary>
    internal List<byte[]>? ScratchSignals;

    /// <summary>A stream of the scratch database was signalled: noted for the write-back while a gathered command runs.</summary>
    internal void NoteScratchStream(ReadOnlySpan<byte> key) => ScratchSignals?.Add(key.ToArray());

    /// <summary>
    /// Set while a gathered command's result replaces a stream it did not signal (XREADGROUP delivered entries, made a
    /// consumer): the write-back frees the old stream, which Redis never did, so its XREADGROUP waiters stay as they are.
    /// </summary>
    internal bool WritingBack;

    /// <summary>A key was written outside a command (a transaction's write-back): serves its waiters as after a write.</summary>
    public void KeyWritten(int db, ReadOnlySpan<byte> key)
    {
        if (byKey.Count == 0) return;
        Signal(db, key, forGroups: false);
        if (!serving && holds == 0) ServeReady();
    }

    /// <summary>
    /// Defers serving until <see cref="Release"/>: the commands of one EXEC (or of its part on this shard) act as
    /// one command, and Redis serves the clients blocked on their keys after the whole EXEC.
    /// </summary>
    public void Hold() => holds++;

    /// <summary>Ends a <see cref="Hold"/>: serves the keys made ready meanwhile.</summary>
    public void Release()
    {
        if (--holds == 0 && !serving && ready.Count > 0) ServeReady();
    }

    /// <summary>
    /// SWAPDB a b exchanged this shard's tables of the two databases: any key watched in either may now hold
    /// data (or none), so every one of them is ready, as Redis's swapdb scans both databases for blocked keys.
    /// Served now, or once the transaction's locks go (<see cref="ServeReady"/>).
    /// </summary>
    public void SignalDatabases(int a, int b)
    {
        if (byKey.Count == 0) return;
        foreach (WaitKey k in byKey.Keys)
            if (k.Db == a || k.Db == b) MarkReady(k, forGroups: true);
        if (!serving && holds == 0) ServeReady();
    }

    /// <summary>
    /// FLUSHDB/FLUSHALL ASYNC took database <paramref name="db"/>'s table away whole: every key watched there is ready,
    /// its XREADGROUP waiters too (as a freed stream signals them), served once the command is over.
    /// </summary>
    public void SignalFlushed(int db)
    {
        if (byKey.Count == 0) return;
        foreach (WaitKey k in byKey.Keys)
            if (k.Db == db) MarkReady(k, forGroups: true);
    }

    /// <summary>Marks a key ready when someone waits on it (a lookup without a copy of the key otherwise).</summary>
    void Signal(int db, ReadOnlySpan<byte> key, bool forGroups)
    {
        if (!byProbe.TryGetValue(new KeyProbe(db, key), out WaitKey k, out _)) return;
        MarkReady(k, forGroups);
    }

    void MarkReady(WaitKey k, bool forGroups)
    {
        for (int i = 0; i < ready.Count; i++)
        {
            ReadyKey r = ready[i];
            if (r.Only != null || r.Key.Db != k.Db || !ReferenceEquals(r.Key.Key, k.Key)) continue;
            if (forGroups && !r.ForGroups) ready[i] = new ReadyKey(k, true);
            return;
        }
        ready.Add(new ReadyKey(k, forGroups));
    }

    void ServeReady()
    {
        serving = true;
        try
        {
            // A key under a granted intent lock waits: the transaction holding it (a multi-round EXEC, say) is
            // not over, and its waiters are served once the lock goes (AfterLocksReleased).
            for (int i = 0; i < ready.Count;)
            {
                ReadyKey r = ready[i];
                WaitKey k = r.Key;
                if ((shard.Locks.Active && shard.Locks.Blocks(TxLock.KeyId(k.Db, KeyHash.Hash(k.Key)), true, 0))
                    || (suspended.Count != 0 && Suspended(k)))
                {
                    i++;
                    continue;
                }
                ready.RemoveAt(i);
                ServeKey(k, r.ForGroups, r.Only);
            }
        }
        finally { serving = false; }
    }

    /// <summary>Whether <paramref name="k"/> is a key of a waiter a run under locks holds (<see cref="Suspension"/>).</summary>
    bool Suspended(WaitKey k)
    {
        foreach (Suspension s in suspended)
            if (s.Waiter.Plan.Db == k.Db && IndexOfKey(s.Waiter.Plan.Keys, k.Key) >= 0) return true;
        return false;
    }

    /// <summary>
    /// The run of <paramref name="w"/> that this shard started (<see cref="StreamGroupWakeTx"/>) ended: the serve it
    /// interrupted goes on with the waiters that were behind it, then whatever else became ready meanwhile.
    /// </summary>
    internal void Resume(BlockedClient w)
    {
        for (int i = 0; i < suspended.Count; i++)
        {
            if (suspended[i].Waiter != w) continue;
            ReadyKey rest = suspended[i].Rest;
            suspended.RemoveAt(i);
            if (rest.Only!.Length > 0) ready.Insert(0, rest);
            break;
        }
        if (ready.Count > 0 && !serving && holds == 0) ServeReady();
    }

    readonly List<ShardMessage> parked = new();

    /// <summary>A woken waiter's part (<see cref="StreamWakeParts"/>) that found its keys locked: it runs again once locks go.</summary>
    internal void ParkUntilUnlocked(ShardMessage part) => parked.Add(part);

    /// <summary>TxLocks released a transaction's locks: serves the keys that waited for it.</summary>
    public void AfterLocksReleased()
    {
        if (parked.Count > 0)
        {
            // Each parks itself again if its keys are still locked.
            ShardMessage[] again = parked.ToArray();
            parked.Clear();
            foreach (ShardMessage m in again) m.Run(shard);
        }
        if (ready.Count > 0 && !serving && holds == 0) ServeReady();
    }

    /// <summary>
    /// Serves the key's waiters in arrival order while it holds data of their type. XREADGROUP waiters run again only
    /// when <paramref name="forGroups"/>, or when their stream is gone without a signal (RENAME or MOVE took it away).
    /// </summary>
    void ServeKey(WaitKey k, bool forGroups, BlockedClient[]? only)
    {
        if (!byKey.TryGetValue(k, out var q)) return;
        Database db = shard.Dbs[k.Db];
        for (var node = q.First; node != null;)
        {
            var next = node.Next;
            BlockedClient w = node.Value;
            if (w.IsDone)
            {
                q.Remove(node);
                Counted(q, w, -1);
                node = next;
                continue;
            }
            if (only != null && Array.IndexOf(only, w) < 0)
            {
                node = next;
                continue;
            }
            bool group = w.Plan.Kind == BlockKind.StreamReadGroup;
            unsafe
            {
                // A lookup only: the entry pointer is not kept past this test. XREADGROUP runs on a deleted key or a
                // changed type too and answers its error (Redis's unblock_on_nokey); XREAD skips to the next waiter.
                byte* e = db.Find(k.Key);
                bool stream = e != null && KeyEntry.Type(e) == w.Plan.WaitsFor;
                if (!group && !stream)
                {
                    // Not of its type: a later waiter may be (a BZPOPMIN behind a BLPOP, an XREADGROUP woken because the
                    // key went), as Redis's handleClientsBlockedOnKey walks every waiter of the key. With the key gone,
                    // only XREADGROUP waiters have anything to do.
                    if (e == null && w.Plan.Kind != BlockKind.StreamRead && (only = Behind(next, only, groupsOnly: true)).Length == 0) break;
                    node = next;
                    continue;
                }
                if (group && stream && !forGroups)
                {
                    node = next;
                    continue;
                }
            }
            if (!w.TryClaim())
            {
                node = next;
                continue;
            }
            if (w.Plan.Destination != null && shard.Server.ShardOf(w.Plan.Destination) != shard)
            {
                // BLMOVE into another shard's key: the home shard runs it again as a transaction.
                Unregister(w);
                w.Wake();
                node = next;
                continue;
            }
            if (group && w.Shards.Count > 1)
            {
                // Its keys on other shards are checked, then served, with its keys here, under locks: the home shard runs
                // it again as a transaction, and the waiters behind it on its keys here wait for the end of that.
                suspended.Add(new Suspension(w, new ReadyKey(k, forGroups, Behind(next, only))));
                StreamGroupWakeTx.Post(w, shard);
                break;
            }
            int i = IndexOfKey(w.Plan.Keys, k.Key);
            w.Reply.Output.Clear();
            bool streamRead = w.Plan.Kind is BlockKind.StreamRead or BlockKind.StreamReadGroup;
            // XREAD over keys on other shards too: which of its arguments this shard's streams stand for, for the merge.
            List<int>? served = w.Plan.Kind == BlockKind.StreamRead && w.Shards.Count > 1 ? new List<int>() : null;
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            bool done = w.Plan.Kind == BlockKind.StreamRead ? Commands.StreamCommands.ServeBlocked(shard, k.Db, w.Plan, w.Reply, served) : Blocking.TryServe(shard, null, k.Db, w.Plan, i, w.Reply);
            w.AddRunTime(System.Diagnostics.Stopwatch.GetTimestamp() - t0);
            if (done)
            {
                Unregister(w);
                // Keys on other shards too: their streams with new data join the reply, as Redis's run of the whole command.
                if (served != null && !ReplyFrames.IsError(w.Reply.Output.Written)) StreamWakeParts.Start(w, shard, served);
                else w.Served();
            }
            else
            {
                w.Unclaim();
                // A stream's waiters read after IDs of their own: one with nothing new says nothing of the next. Behind
                // a waiter the key could not serve, only XREADGROUP waiters (woken by any signal) may still run.
                if (!streamRead && (only = Behind(next, only, groupsOnly: true)).Length == 0) break;
            }
            node = next;
        }
        if (q.Count == 0) byKey.Remove(k);
    }

    /// <summary>
    /// The waiters from <paramref name="node"/> to the end of its queue (those in <paramref name="only"/>, when given;
    /// with <paramref name="groupsOnly"/>, only the XREADGROUP ones).
    /// </summary>
    static BlockedClient[] Behind(LinkedListNode<BlockedClient>? node, BlockedClient[]? only, bool groupsOnly = false)
    {
        List<BlockedClient>? rest = null;
        for (; node != null; node = node.Next)
            if ((only == null || Array.IndexOf(only, node.Value) >= 0) && (!groupsOnly || node.Value.Plan.Kind == BlockKind.StreamReadGroup))
                (rest ??= new List<BlockedClient>()).Add(node.Value);
        return rest?.ToArray() ?? Array.Empty<BlockedClient>();
    }

    // ---- timeouts of this shard's own clients ---------------------------------------------------

    public void AddTimeout(BlockedClient w) => timeouts.Add(w);

    public void RemoveTimeout(BlockedClient w) => timeouts.Remove(w);

    /// <summary>Milliseconds until the nearest deadline (int.MaxValue when none); an attempt still out has none yet.</summary>
    public int MillisUntilNextTimeout(long now)
    {
        long min = long.MaxValue;
        foreach (var w in timeouts)
            if (!w.Attempting) min = Math.Min(min, w.Deadline);
        if (min == long.MaxValue) return int.MaxValue;
        return (int)Math.Clamp(min - now, 0, int.MaxValue);
    }

    // ---- WAIT and WAITAOF of this shard's own clients --------------------------------------------

    readonly List<BlockedClient> acks = new();
    volatile int ackCount;

    /// <summary>Clients of this shard blocked in WAIT or WAITAOF (read by the AOF's fsync, from any thread).</summary>
    public bool AckWaiting => ackCount != 0;

    /// <summary>Whether the loop has home waiters to look at each iteration: deadlines, or WAIT/WAITAOF conditions.</summary>
    public bool HasHomeWork => timeouts.Count != 0 || acks.Count != 0;

    internal void AddAck(BlockedClient w)
    {
        acks.Add(w);
        ackCount = acks.Count;
        shard.Server.Aof.AckWaiterAdded();
    }

    internal void RemoveAck(BlockedClient w)
    {
        if (!acks.Remove(w)) return;
        ackCount = acks.Count;
        shard.Server.Aof.AckWaiterGone();
    }

    /// <summary>
    /// Each loop iteration with home work (after an fsync woke the loop, or on its tick): ends the waits whose
    /// condition holds now, as Redis's processClientsWaitingReplicas in beforeSleep.
    /// </summary>
    void CheckAcks()
    {
        for (int i = acks.Count - 1; i >= 0; i--)
        {
            if (i >= acks.Count) continue;
            acks[i].CheckAck();
        }
    }

    /// <summary>Ends the waits whose deadline has passed, and the WAIT/WAITAOF waits whose condition now holds.</summary>
    public void CheckTimeouts(long now)
    {
        if (acks.Count != 0) CheckAcks();
        for (int i = timeouts.Count - 1; i >= 0; i--)
        {
            if (i >= timeouts.Count) continue;
            BlockedClient w = timeouts[i];
            if (w.Deadline <= now) w.TimeOut();
        }
    }
}
