using System;
using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// The AOF's pseudo client (Redis's createAOFClient): one <see cref="Session"/> on shard 0, fed the file's commands
/// in whole batches from the loader's thread. Each batch runs through the normal command path on the shard's thread,
/// so a command for another shard travels as a remote request and a cross-shard one (MSET, FLUSHALL, a MULTI/EXEC
/// whose keys span shards) runs as the normal transaction, in file order; the loader waits until the session has run
/// every command of a batch, including the ones it waited for, before it sends the next. Replies are dropped.
/// </summary>
public sealed class AofReplay : ISessionHost
{
    readonly ServerState server;
    readonly Shard home;
    readonly SemaphoreSlim done = new(0);
    Session? session;
    byte[] batch = Array.Empty<byte>();
    int batchLength;
    /// <summary>A batch was fed and not all of it has run yet (only the home shard's thread reads or writes it).</summary>
    bool busy;

    public AofReplay(ServerState server)
    {
        this.server = server;
        home = server.Shards[0];
    }

    /// <summary>Creates the session on its shard's thread (its buffers come from that shard's pools). False on shutdown.</summary>
    public bool Open()
    {
        home.Mailbox.Post(new Step(this, StepKind.Open));
        return Wait();
    }

    /// <summary>
    /// Runs every command in <paramref name="resp"/> (whole RESP arrays) and returns once all of them ran; false when
    /// a shutdown came meanwhile (the loops stop, so the rest is abandoned and the server exits without saving).
    /// </summary>
    public bool Run(byte[] resp, int length)
    {
        if (length == 0) return true;
        batch = resp;
        batchLength = length;
        home.Mailbox.Post(new Step(this, StepKind.Feed));
        return Wait();
    }

    /// <summary>Waits for the shard's step, giving up when a shutdown stops the loops (the step may then never run).</summary>
    bool Wait()
    {
        while (!done.Wait(50))
            if (server.ShutdownRequested) return false;
        return true;
    }

    /// <summary>Ends the client: a MULTI left open (a file cut in one) is discarded with it, as Redis frees its fake client.</summary>
    public void Close()
    {
        if (session == null || server.ShutdownRequested) return;
        home.Mailbox.Post(new Step(this, StepKind.Close));
        Wait();
    }

    enum StepKind : byte { Open, Feed, Close }

    sealed class Step(AofReplay replay, StepKind kind) : ShardMessage
    {
        public override void Run(Shard shard) => replay.Execute(kind);
    }

    void Execute(StepKind kind)
    {
        switch (kind)
        {
            case StepKind.Open:
                var client = new Client { Id = -1, AofLoader = true, Authenticated = true, ShardId = home.Id, Address = "", CreatedMs = home.NowMs };
                session = new Session(home, client) { Host = this };
                done.Release();
                break;
            case StepKind.Feed:
                busy = true;
                session!.Feed(batch.AsSpan(0, batchLength));
                Check();
                break;
            case StepKind.Close:
                session?.Close();
                done.Release();
                break;
        }
    }

    void ISessionHost.OnSessionResumed(Session s) => Check();

    /// <summary>The batch is done once the session waits for nothing: a waiting session resumes and calls back here.</summary>
    void Check()
    {
        Session s = session!;
        s.Output.Clear();
        if (!busy || s.Waiting) return;
        busy = false;
        done.Release();
    }
}
