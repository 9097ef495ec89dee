using System;
using System.Text;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] (Redis's debugCommand): under whole-shard write locks on every shard, so no
/// client reads or writes meanwhile, save the dataset to the RDB file (unless NOSAVE), empty every database (unless
/// NOFLUSH), and load the file back (with MERGE, a loaded key replaces one that exists instead of failing).
/// Each step is one round: the snapshot's parts start on every shard, the file is written by its thread, the
/// flush runs on every shard, and the loader frames the file on a thread of its own while the shards decode (the
/// server loading: other clients get -LOADING, INFO its loading_* fields).
/// </summary>
public sealed class DebugReloadTx : MultiShardTx
{
    readonly bool merge, flush = true, save = true;
    readonly string? argError;
    int step;
    Snapshot? snapshot;

    public DebugReloadTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args) : base(s)
    {
        Counted = spec;
        for (int i = 2; i < args.Count; i++)
        {
            ReadOnlySpan<byte> a = args.Get(buf, i);
            if (Ascii.EqualsIgnoreCase(a, "merge"u8)) merge = true;
            else if (Ascii.EqualsIgnoreCase(a, "noflush"u8)) flush = false;
            else if (Ascii.EqualsIgnoreCase(a, "nosave"u8)) save = false;
            else
            {
                argError = "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.";
                break;
            }
        }
    }

    public override void Start()
    {
        if (argError != null)
        {
            W.Error(argError);
            Finish();
            return;
        }
        foreach (var sh in Server.Shards) LockShard(sh, true);
        Acquire();
    }

    protected override void Begin()
    {
        if (!save)
        {
            Flush();
            return;
        }
        var s = new Snapshot(Server, Home, Server.Persistence.NextVersion(), Server.Config.RdbPath) { Purpose = SnapshotPurpose.Save };
        if (!Server.Persistence.TryClaim(s))
        {
            W.Error(Errors.BgsaveInProgress);
            Finish();
            return;
        }
        snapshot = s;
        s.Options = RdbWriteOptions.ForFile(Home, Server.Config.RdbVersion);
        s.StartedMs = Home.NowMs;
        s.UsedMemoryAtCut = Server.UsedMemory();
        s.DirtyAtCut = Server.Dirty();
        s.Completed = Saved;
        step = 1;
        foreach (var sh in Server.Shards) Op(sh, new SnapshotStartTx.BeginPart(s));
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
        switch (step)
        {
            case 1:
                // The parts walk their tables from the event loop; the file writer runs until Saved.
                snapshot!.StartWriter();
                break;
            case 2:
                Load();
                break;
        }
    }

    void Saved(Snapshot s, string? error)
    {
        Server.Persistence.Ended(s, error);
        if (error != null)
        {
            W.Error("ERR");
            Finish();
            return;
        }
        Flush();
    }

    void Flush()
    {
        step = 2;
        if (flush) foreach (var sh in Server.Shards) Op(sh, new FlushPart());
        SendRound();
    }

    void Load()
    {
        string path = Server.Config.RdbPath;
        // rdbLoad's startLoadingFile: meanwhile other clients get -LOADING (at the gate, before they could wait on the
        // shards this command holds) and INFO shows the load, as from Redis, which serves events while it loads.
        Server.Loading = true;
        var t = new Thread(() =>
        {
            string? error = RdbLoader.Load(Server, path, out RdbLoader? loader, replace: merge);
            if (error != null) Console.WriteLine(error);
            // NOFLUSH keeps the functions there are: the file's join them (a library there already is an error, or
            // with MERGE replaced); otherwise they become the file's. A failure is logged where it happens.
            else if (loader != null && Server.Persistence.LoadedFrom(loader, !flush, merge) != null) error = "";
            Server.EndLoading();
            // No file (NOSAVE before any save): Redis's rdbLoad answers RDB_NOT_EXIST, which DEBUG RELOAD reports as a
            // failed load, logging nothing; the databases stay emptied.
            if (error == null && loader == null) error = "";
            Home.Mailbox.Post(new LoadedMessage(this, error));
        }) { Name = "fastkv-rdb-reload", IsBackground = true };
        t.Start();
    }

    sealed class LoadedMessage(DebugReloadTx tx, string? error) : ShardMessage
    {
        public override void Run(Shard shard)
        {
            if (error == null) tx.W.Ok();
            else tx.W.Error("ERR Error trying to load the RDB dump, check server logs.");
            tx.Finish();
        }
    }
}
