using System;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Keeps one session's replies in request order while some of its commands are out on other shards.
/// <para>
/// Until the first command for a foreign shard, replies go straight to the session's output. From then on,
/// for the rest of the pass, every command gets a reply slot in request order: commands for a foreign shard
/// join that shard's <see cref="RemoteRequest"/> (one per shard per pass); commands for the home shard run
/// now but their replies wait in the stage. When every request is back, the slots are copied to the output
/// in order. Commands that change the connection (SELECT, HELLO, QUIT...), need several shards or wait for a
/// lock end the pass: the session runs them after the batch, in order.
/// </para>
/// <para>
/// Pushes (Pub/Sub messages, keyspace events) to this client wait while its own command is running or its
/// replies are out: Redis 7.2 sends a push its own command caused after that command's reply, and after the
/// whole EXEC array inside a transaction. Written at once, a message the client publishes to itself would
/// land before the reply, or inside the EXEC array, and corrupt it. Pushes from other clients that arrive
/// meanwhile wait too, which only moves them to the next reply boundary.
/// </para>
/// </summary>
public sealed class ReplyOrder : IRemoteOwner
{
    struct ReplySlot
    {
        /// <summary>-1: bytes in the stage at Offset/Length; otherwise the shard whose reply holds it.</summary>
        public int Shard;
        public int Offset;
        public int Length;
        /// <summary>CLIENT REPLY OFF/SKIP silenced this command: its reply is dropped.</summary>
        public bool Silent;
    }

    /// <summary>Most commands one pass reserves slots for; the rest wait for the next pass.</summary>
    const int MaxBatch = 1024;
    /// <summary>Most reply bytes staged in one pass.</summary>
    const int MaxStagedBytes = 1 << 20;

    readonly Session session;
    readonly ServerState server;
    ReplySlot[] slots = new ReplySlot[16];
    int slotCount;
    RemoteRequest?[]? remotes;
    int[] replyPos = Array.Empty<int>();
    int remotesPending;
    RespWriter? stage;
    /// <summary>Pushes held back while <see cref="holding"/>, complete frames in arrival order.</summary>
    RespWriter? deferred;
    bool holding;

    public ReplyOrder(Session session)
    {
        this.session = session;
        server = session.Home.Server;
    }

    /// <summary>A batch is open: some earlier command of this pass has its reply reserved on another shard.</summary>
    public bool BatchOpen => slotCount > 0;

    /// <summary>The pass may take no more commands (too many slots or too many staged bytes).</summary>
    public bool Full => slotCount >= MaxBatch || (stage != null && stage.Output.Length > MaxStagedBytes);

    /// <summary>Where the current command's reply goes: the session's output, the stage while a batch is open, or the sink of a silenced command.</summary>
    public RespWriter Writer => slotCount > 0 && !session.Silenced ? stage! : session.W;

    /// <summary>Marks where the current command's reply starts.</summary>
    public int BeginReply() => slotCount > 0 ? stage!.Output.Length : 0;

    /// <summary>The current command's reply is written: while a batch is open it takes the next slot.</summary>
    public void EndReply(int before)
    {
        if (slotCount == 0) return;
        AddSlot(-1, before, stage!.Output.Length - before);
    }

    void AddSlot(int shard, int offset, int length, bool silent = false)
    {
        if (slotCount == slots.Length) Array.Resize(ref slots, slots.Length * 2);
        slots[slotCount++] = new ReplySlot { Shard = shard, Offset = offset, Length = length, Silent = silent };
    }

    // ---- Pushes --------------------------------------------------------------------------------

    /// <summary>The client's own command starts (or its replies are out): pushes wait until <see cref="ReleasePushes"/>.</summary>
    public void HoldPushes() => holding = true;

    /// <summary>Where a push to this client goes now: its output, or the deferred pushes while its command runs.</summary>
    public RespWriter PushWriter => holding ? deferred ??= new RespWriter(new OutputBuffer(256)) : session.OutputWriter;

    /// <summary>Bytes of pushes waiting (counted against the client's output limit).</summary>
    public int DeferredBytes => deferred?.Output.Length ?? 0;

    /// <summary>Memory the stage and the held-back pushes keep (their buffers stay allocated between passes).</summary>
    public long MemoryBytes => (stage?.Output.MemoryBytes ?? 0) + (deferred?.Output.MemoryBytes ?? 0);

    /// <summary>
    /// The command's reply is written to <paramref name="w"/>: the pushes held back follow it there (into its slot when
    /// it is the stage, to the output otherwise: never into the sink of a silenced command).
    /// </summary>
    public void ReleasePushes(RespWriter w)
    {
        holding = false;
        if (deferred == null || deferred.Output.Length == 0) return;
        if (!session.Closed) (w == stage ? w : session.OutputWriter).Raw(deferred.Output.Written);
        deferred.Output.Clear();
    }

    // ---- Requests to other shards ---------------------------------------------------------------

    /// <summary>Adds a command to this pass's request for <paramref name="target"/>, reserving its reply slot.</summary>
    public void AddRemote(Shard target, ReadOnlySpan<byte> buf, ArgList args)
    {
        Client client = session.Client;
        remotes ??= new RemoteRequest?[server.ShardCount];
        if (replyPos.Length != server.ShardCount) replyPos = new int[server.ShardCount];
        if (slotCount == 0)
        {
            stage ??= new RespWriter(new OutputBuffer()) { ErrorStats = server.ErrorReplies };
            stage.Protocol = client.Protocol;
            stage.Output.Clear();
        }
        RemoteRequest r = remotes[target.Id] ??= new RemoteRequest(this);
        if (!r.InBatch)
        {
            r.Reset(session.Home, target, client.Db, client.Protocol, 0);
            r.Caller = client.Tracking;
            r.InBatch = true;
            r.NoTouch = client.NoTouch;
            // The AOF's pseudo client is never counted (Redis replays with cmd->proc, outside call()).
            r.Share = client.AofLoader;
        }
        r.Add(buf, args);
        AddSlot(target.Id, 0, 0, session.Silenced);
    }

    /// <summary>Sends every request of this pass, one per shard; the session waits for <see cref="OnRemoteDone"/>.</summary>
    public void SendBatch()
    {
        HoldPushes();
        remotesPending = 0;
        foreach (RemoteRequest? r in remotes!)
            if (r != null && r.InBatch) remotesPending++;
        foreach (RemoteRequest? r in remotes)
            if (r != null && r.InBatch) r.Send();
    }

    public void OnRemoteDone(RemoteRequest r)
    {
        if (--remotesPending > 0) return;
        if (!session.Closed) AssembleReplies();
        else EndBatch();
        ReleasePushes(session.OutputWriter);
        session.OnBatchDone();
    }

    /// <summary>Copies every slot's reply to the session's output in request order.</summary>
    void AssembleReplies()
    {
        Array.Clear(replyPos);
        RespWriter w = session.OutputWriter;
        ReadOnlySpan<byte> staged = stage!.Output.Written;
        for (int i = 0; i < slotCount; i++)
        {
            ReplySlot s = slots[i];
            if (s.Shard < 0)
            {
                w.Raw(staged.Slice(s.Offset, s.Length));
                continue;
            }
            ReadOnlySpan<byte> replies = remotes![s.Shard]!.ReplyBuffer.Written;
            int pos = replyPos[s.Shard];
            int len = ReplyFrames.Length(replies, pos);
            if (!s.Silent) w.Raw(replies.Slice(pos, len));
            replyPos[s.Shard] = pos + len;
        }
        EndBatch();
    }

    void EndBatch()
    {
        slotCount = 0;
        stage?.Output.Clear();
        foreach (RemoteRequest? r in remotes!)
            if (r != null) r.InBatch = false;
    }
}
