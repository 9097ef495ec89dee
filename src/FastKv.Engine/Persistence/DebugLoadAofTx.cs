using System;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// DEBUG LOADAOF (Redis's debugCommand): with the AOF on, everything recorded is written and fsynced; every database
/// is emptied; then the AOF directory loads again through <see cref="AofLoader"/>, as at startup. The flush and the
/// emptying run under whole-shard write locks; the replay must not (its session's commands would wait on those
/// locks), so the locks are released first and the server is in loading state meanwhile: other clients get
/// -LOADING, as from Redis, which serves events while it loads. Shards do not record while the files replay.
/// </summary>
public sealed class DebugLoadAofTx : MultiShardTx
{
    public DebugLoadAofTx(Session s, CommandSpec spec) : base(s) => Counted = spec;

    /// <summary>Whether the DEBUG command is DEBUG LOADAOF.</summary>
    public static bool Names(ReadOnlySpan<byte> buf, ArgList args) =>
        args.Count >= 2 && Ascii.EqualsIgnoreCase(args.Get(buf, 1), "loadaof"u8);

    public override void Start()
    {
        foreach (var sh in Server.Shards) LockShard(sh, true);
        Acquire();
    }

    protected override void Begin()
    {
        // Each shard's earlier records are published before its part's reply comes home (Mailbox.Post).
        foreach (var sh in Server.Shards) Op(sh, new FlushPart());
        SendRound();
    }

    /// <summary>Empties every database of a shard (Redis's emptyData): watchers of its keys see them change.</summary>
    sealed class FlushPart : ShardOp
    {
        protected override void Execute(Shard shard)
        {
            shard.Watches.TouchAll(-1);
            foreach (Database db in shard.Dbs) db.Clear();
        }
    }

    protected override void OnRound(RemoteRequest[] parts)
    {
        ServerState server = Server;
        bool aofOn = server.Aof.On;
        // flushAppendOnlyFile(1): what was recorded before this command is on disk before the files are read.
        if (aofOn) server.Aof.FlushAll(Home);
        foreach (Shard sh in server.Shards) sh.Aof.On = false;
        server.Loading = true;
        ReleaseLocks();
        var t = new Thread(() =>
        {
            bool ok = AofLoader.Reload(server);
            // Recording resumes before clients may write again (they read Loading after it).
            if (aofOn && server.Aof.On) foreach (Shard sh in server.Shards) sh.Aof.On = true;
            if (ok)
            {
                // server.dirty = 0 in Redis: the loaded data is not a change to save or propagate.
                server.DirtyAtLastSave = server.Dirty();
                Console.WriteLine("Append Only File loaded by DEBUG LOADAOF");
            }
            server.EndLoading();
            Home.Mailbox.Post(new LoadedMessage(this, ok));
        }) { Name = "fastkv-aof-reload", IsBackground = true };
        t.Start();
    }

    sealed class LoadedMessage(DebugLoadAofTx tx, bool ok) : ShardMessage
    {
        public override void Run(Shard shard)
        {
            if (ok) tx.W.Ok();
            else tx.W.Error("ERR Error trying to load the AOF files, check server logs.");
            tx.Finish();
        }
    }
}
