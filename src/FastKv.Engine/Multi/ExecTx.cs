using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// EXEC whose commands or watched keys are not all on the home shard. Takes intent locks, in one
/// global order, on every key of every queued command (exclusive for writes) and on every watched key
/// (shared); a command that works on whole shards (DBSIZE, KEYS, FLUSHALL, SCAN, RANDOMKEY, SORT BY...)
/// locks every shard instead. Once all are granted nothing else can touch those keys, so the watch
/// check is final and the commands run as one atomic, isolated step:
/// <list type="bullet">
/// <item>a run of single-shard commands goes out at once, one request per shard holding that shard's
/// commands in queue order (commands on different shards have disjoint keys, so they commute);</item>
/// <item>a command that needs several shards runs alone, as a child transaction under these locks;</item>
/// <item>a command without keys (SELECT, PING, HELLO, INFO...) runs alone on the home shard with the client.</item>
/// </list>
/// Replies are written to the session in queue order as each run completes.
/// Transactions whose locks do not conflict (disjoint shards or keys) do not wait for each other.
/// </summary>
public sealed class ExecTx : MultiShardTx
{
    readonly MultiState m;
    readonly ExecStep[] steps;
    int next;
    // The run of single-shard commands out now: their indexes, and per shard its request and read position.
    readonly List<int> run = new();
    readonly Dictionary<Shard, RemoteRequest> runParts = new();
    readonly Dictionary<Shard, int> runPos = new();

    public ExecTx(Session s, MultiState m, ExecStep[] steps) : base(s)
    {
        this.m = m;
        this.steps = steps;
        // Each queued command is a command of its own, counted where it runs.
        PartsAreShares = false;
    }

    public override void Start()
    {
        m.Executing = true;
        ServerState server = Server;
        var whole = new bool[server.ShardCount];
        var wholeWrite = new bool[server.ShardCount];
        var keys = new List<(Shard shard, int db, byte[] key, bool write)>();
        for (int i = 0; i < steps.Length; i++)
        {
            CommandSpec spec = m.Commands[i].Spec;
            // A script may write whatever its flags say (EVAL carries no write flag; EVAL_RO is read-only).
            bool write = (spec.Flags & CommandFlags.Write) != 0
                || (spec.Cross == CrossShard.Script && (spec.Flags & CommandFlags.ReadOnly) == 0);
            if (spec.Route == Route.AllShards || spec.Route == Route.Custom)
            {
                for (int j = 0; j < whole.Length; j++)
                {
                    whole[j] = true;
                    wholeWrite[j] |= write;
                }
                continue;
            }
            if (steps[i].Kind == ExecStepKind.Local) continue;
            ReadOnlySpan<byte> buf = m.Load(i);
            int[]? pos = CommandTable.GetKeys(spec, buf, m.Args);
            if (pos == null) continue; // malformed: the handler replies the error without touching keys
            // MOVE and COPY ... DB also write the key in another database, which the key locks (per database)
            // do not cover: their key's shard is locked whole, so nobody sees that write before EXEC ends.
            bool otherDb = spec.WritesOtherDb;
            foreach (int p in pos)
            {
                ReadOnlySpan<byte> key = m.Args.Get(buf, p);
                Shard owner = server.ShardOf(key);
                if (otherDb)
                {
                    whole[owner.Id] = true;
                    wholeWrite[owner.Id] = true;
                }
                keys.Add((owner, steps[i].Db, key.ToArray(), write));
            }
        }
        if (m.Watches != null)
            foreach (WatchedKey k in m.Watches.Keys) keys.Add((k.Owner, k.Db, k.Key, false));
        // One lock per shard: a whole-shard lock covers its keys (exclusive when any of them is written).
        foreach (var (shard, _, _, write) in keys)
            if (whole[shard.Id]) wholeWrite[shard.Id] |= write;
        for (int j = 0; j < whole.Length; j++)
            if (whole[j]) LockShard(server.Shards[j], wholeWrite[j]);
        foreach (var (shard, db, key, write) in keys)
            if (!whole[shard.Id]) LockKey(shard, db, key, write);
        Acquire();
    }

    protected override void Begin()
    {
        WatchSet? ws = m.Watches;
        if (ws != null && (ws.Dirty || ws.AnyExpiredSinceWatch(Home.NowMs)))
        {
            W.NullArray();
            Done();
            return;
        }
        W.ArrayHeader(steps.Length);
        Next();
    }

    /// <summary>Runs commands from <see cref="next"/> until one must wait for other shards, or all are done.</summary>
    void Next()
    {
        while (next < steps.Length)
        {
            int i = next;
            switch (steps[i].Kind)
            {
                case ExecStepKind.Local:
                    CaptureHome(() => ExecRunner.RunAtHome(Session, m, i, TxId));
                    next++;
                    continue;
                case ExecStepKind.Cross:
                {
                    ReadOnlySpan<byte> buf = m.Load(i);
                    next++;
                    // Errors found before running (CROSSSLOT, arity of split commands) are written in place.
                    CommandSpec spec = m.Commands[i].Spec;
                    // A blocking command acts as its non-blocking form in EXEC: over several shards its
                    // handler runs once over gathered copies (answering null when nothing is ready).
                    MultiShardTx? child = (spec.Flags & CommandFlags.Blocking) != 0 && spec.Cross == null
                        ? new GatherTx(Session, spec, buf, m.Args)
                        : Router.CrossShard(Session, spec, buf, m.Args);
                    if (child == null) continue;
                    child.RunAsChild(this);
                    child.Start();
                    return;
                }
                default:
                    SendRun();
                    return;
            }
        }
        Done();
    }

    /// <summary>Sends the single-shard commands from <see cref="next"/> up to the next barrier, one request per shard.</summary>
    void SendRun()
    {
        run.Clear();
        runParts.Clear();
        runPos.Clear();
        while (next < steps.Length && steps[next].Kind == ExecStepKind.Shard)
        {
            Shard target = steps[next].Target!;
            if (!runParts.TryGetValue(target, out RemoteRequest? r))
            {
                // The database Plan followed through the queued SELECTs, which is what the locks were taken in.
                runParts[target] = r = Part(target, steps[next].Db);
                runPos[target] = 0;
            }
            ReadOnlySpan<byte> buf = m.Load(next);
            r.Add(buf, m.Args);
            run.Add(next);
            next++;
        }
        SendRound();
    }

    protected override void OnRound(RemoteRequest[] parts)
    {
        foreach (int i in run)
        {
            Shard target = steps[i].Target!;
            ReadOnlySpan<byte> replies = runParts[target].ReplyBuffer.Written;
            int pos = runPos[target];
            int len = ReplyFrames.Length(replies, pos);
            W.Raw(replies.Slice(pos, len));
            runPos[target] = pos + len;
        }
        run.Clear();
        Next();
    }

    protected override void OnChildDone(MultiShardTx child) => Next();

    void Done()
    {
        m.Executing = false;
        m.Discard(Home);
        Finish();
    }
}
