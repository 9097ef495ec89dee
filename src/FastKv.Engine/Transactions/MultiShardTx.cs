using System;
using System.Collections.Generic;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Coordinates one command whose keys live on several shards, from the home shard of the
/// connection that sent it: (1) intent locks on every involved shard, in global order;
/// (2) one or more rounds of sub-commands, each round sent to its shards in parallel;
/// (3) release, then the merged reply. While the locks are held, no other client sees any
/// involved key, so the command is atomic and isolated.
/// Subclasses say what the locks are, what each round sends and how replies merge.
/// Runs off the GET/SET hot path: it may allocate.
/// </summary>
public abstract class MultiShardTx : IRemoteOwner, IShardOpOwner
{
    protected readonly Session Session;
    protected readonly Shard Home;
    protected readonly int Db;
    public long TxId;
    readonly List<(Shard shard, TxLock lck)> locks = new();
    int grantsPending;
    int partsPending;
    protected readonly List<RemoteRequest> Parts = new();
    readonly List<ShardOp> ops = new();
    /// <summary>
    /// The client command this transaction runs whole, counted once in INFO commandstats when it finishes (its
    /// parts run uncounted); null when it is counted elsewhere (a blocking command counts when it is served).
    /// </summary>
    protected CommandSpec? Counted;
    /// <summary>Whether the parts' commands are shares of <see cref="Counted"/> (false: each is a command of its own, as EXEC's).</summary>
    protected bool PartsAreShares = true;
    /// <summary>Set when this runs as one command of an EXEC (<see cref="ExecTx"/>) under the parent's locks.</summary>
    MultiShardTx? parent;

    protected MultiShardTx(Session session)
    {
        Session = session;
        Home = session.Home;
        Db = session.Client.Db;
        errorsAtStart = session.W.ErrorReplies;
    }

    /// <summary>The reply writer's error count when the command arrived: an error written since, it failed.</summary>
    readonly long errorsAtStart;

    /// <summary>
    /// A transaction the server starts itself (a save point's BGSAVE, SIGTERM's save): no client, database 0, no
    /// reply; it only uses typed operations (<see cref="Op{T}"/>), never parts or the writer.
    /// </summary>
    protected MultiShardTx(Shard home)
    {
        Session = null!;
        Home = home;
        Db = 0;
    }

    protected ServerState Server => Home.Server;

    /// <summary>Adds an intent lock on a key of a shard (call from <see cref="Start"/> overrides before Begin).</summary>
    protected void LockKey(Shard shard, int db, ReadOnlySpan<byte> key, bool write)
    {
        TxLock? l = null;
        foreach (var (s, x) in locks) if (s == shard) l = x;
        if (l == null)
        {
            l = new TxLock { Tx = this };
            locks.Add((shard, l));
        }
        ulong id = TxLock.KeyId(db, FastKv.Memory.KeyHash.Hash(key));
        int n = l.Keys.Length;
        Array.Resize(ref l.Keys, n + 1);
        Array.Resize(ref l.Writes, n + 1);
        l.Keys[n] = id;
        l.Writes[n] = write;
    }

    protected void LockShard(Shard shard, bool write)
    {
        locks.Add((shard, new TxLock { Tx = this, WholeShard = true, WholeShardWrite = write }));
    }

    /// <summary>Declares locks (LockKey/LockShard) then calls <see cref="Acquire"/>.</summary>
    public abstract void Start();

    /// <summary>
    /// Child mode: run under <paramref name="of"/>'s locks, which cover every key this touches: its id (so
    /// its parts pass those locks), no lock requests, and on finishing call the parent back instead of the
    /// session, keeping the locks. The reply goes to the session's writer like the parent's.
    /// </summary>
    public void RunAsChild(MultiShardTx of)
    {
        parent = of;
        TxId = of.TxId;
    }

    /// <summary>Whether this runs as one command of an EXEC, under the parent's locks.</summary>
    protected bool IsChild => parent != null;

    /// <summary>A child transaction finished (its reply is written); the parent goes on.</summary>
    protected virtual void OnChildDone(MultiShardTx child) { }

    protected void Acquire()
    {
        if (parent != null) { Begin(); return; }
        grantsPending = locks.Count;
        if (grantsPending == 0) { Begin(); return; }
        Server.Sequencer.Submit(this, locks);
    }

    /// <summary>Called on the shard that granted: tell the home shard.</summary>
    internal void PostGranted(Shard shard) => Home.Mailbox.Post(new GrantedMessage(this));

    sealed class GrantedMessage : ShardMessage
    {
        readonly MultiShardTx tx;
        public GrantedMessage(MultiShardTx tx) => this.tx = tx;
        public override void Run(Shard shard)
        {
            if (--tx.grantsPending == 0) tx.Begin();
        }
    }

    /// <summary>All locks held: send the first round.</summary>
    protected abstract void Begin();


    /// <summary>Starts a sub-request for a shard in the current round; add commands, then <see cref="SendRound"/>.</summary>
    protected RemoteRequest Part(Shard shard, int db)
    {
        var r = new RemoteRequest(this);
        r.Reset(Home, shard, db, Session.Client.Protocol, TxId);
        r.Share = PartsAreShares || Session.Client.AofLoader;
        r.Caller = Session.Client.Tracking;
        Parts.Add(r);
        return r;
    }

    /// <summary>Adds a typed operation for <paramref name="shard"/> to the current round; its results are in its fields when the round ends.</summary>
    protected T Op<T>(Shard shard, T op) where T : ShardOp
    {
        op.Prepare(Home, shard, this, TxId);
        ops.Add(op);
        return op;
    }

    protected void SendRound()
    {
        partsPending = Parts.Count + ops.Count;
        if (partsPending == 0) { RoundDone(); return; }
        ShardOp[] sending = ops.ToArray();
        ops.Clear();
        foreach (var p in Parts.ToArray()) p.Send();
        foreach (var o in sending) o.Send();
    }

    public void OnRemoteDone(RemoteRequest r)
    {
        if (r.AofParts != null) (aofUnit ??= new()).AddRange(r.AofParts);
        if (--partsPending == 0) RoundDone();
    }

    public void OnOpDone(ShardOp op)
    {
        if (op.AofRecords != null) (aofUnit ??= new()).Add(op.AofRecords);
        opsDirtied |= op.Dirtied;
        if (--partsPending == 0) RoundDone();
    }

    /// <summary>AOF records of this transaction's parts, in the order they came back (one unit, persistence design 3).</summary>
    List<byte[]>? aofUnit;
    bool opsDirtied;
    /// <summary>
    /// The client command, for a transaction whose typed operations change keys without running it (RENAME across
    /// shards): written as the unit when an operation changed something. Set only while the AOF is on.
    /// </summary>
    protected byte[][]? WholeCommand;

    /// <summary>
    /// The unit is <paramref name="command"/> alone, once, whatever the parts recorded: a command every shard runs that
    /// Redis propagates as it came (FLUSHDB, FLUSHALL even when nothing was there, SWAPDB).
    /// </summary>
    protected void RecordWhole(byte[][] command)
    {
        if (Home.Aof.On) aofUnit = new() { AofRecorder.Encode(Db, command) };
    }

    /// <summary>Runs a step on the home shard (EXEC's local commands) with its AOF records kept for the unit.</summary>
    protected void CaptureHome(Action run)
    {
        AofRecorder r = Home.Aof;
        bool capture = r.On && !r.Capturing;
        if (capture) r.BeginCapture();
        try { run(); }
        finally
        {
            if (capture && r.EndCapture() is { } records) (aofUnit ??= new()).Add(records);
        }
    }

    /// <summary>
    /// The unit goes into the home shard's records and the log's queue while every lock is still held, so any later
    /// write to these keys comes after it in the file (a child hands its records to its parent instead).
    /// </summary>
    protected void WriteUnit()
    {
        if (opsDirtied && WholeCommand != null) (aofUnit ??= new()).Add(AofRecorder.Encode(Db, WholeCommand));
        if (aofUnit == null) return;
        if (parent != null)
        {
            (parent.aofUnit ??= new()).AddRange(aofUnit);
            aofUnit = null;
            return;
        }
        if (Home.Aof.On)
        {
            Home.Aof.AppendUnit(aofUnit);
            Server.Aof.Publish(Home);
        }
        aofUnit = null;
        opsDirtied = false;
    }

    void RoundDone()
    {
        var parts = Parts.ToArray();
        Parts.Clear();
        OnRound(parts);
    }

    /// <summary>A round finished; either start another (Part + SendRound) or <see cref="Finish"/>.</summary>
    protected abstract void OnRound(RemoteRequest[] parts);

    /// <summary>Releases the locks and hands the reply (already written to the session) back.</summary>
    protected void Finish()
    {
        // The AOF's pseudo client runs uncounted, as Redis's loader calls cmd->proc outside call().
        if (Counted != null && Session?.Client.AofLoader != true) Executor.Count(Home, Counted, 0, failed: W.ErrorReplies != errorsAtStart);
        WriteUnit();
        if (parent != null)
        {
            parent.OnChildDone(this);
            return;
        }
        ReleaseLocks();
        if (Session != null) Session.OnTransactionDone();
    }

    /// <summary>Releases the locks without resuming the session (a blocking command that keeps waiting).</summary>
    protected void ReleaseLocks()
    {
        if (parent != null) return;
        foreach (var (s, l) in locks) Sequencer.Release(s, l);
        locks.Clear();
    }

    protected RespWriter W => Session.W;
}
