using System;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>What a session needs from the connection that owns it.</summary>
public interface ISessionHost
{
    /// <summary>A suspended session produced replies (remote work done, lock released): flush them.</summary>
    void OnSessionResumed(Session s);
}

/// <summary>
/// One client's command pipeline, without sockets: bytes in, replies out. Parses every complete
/// command in the input, routes each to the shard that owns its keys, and keeps replies in
/// request order. A command for the home shard runs inline. A command for one foreign shard
/// travels in a <see cref="RemoteRequest"/> together with the commands right after it that go to
/// the same shard; the session waits for the replies before it reads further. A command whose
/// keys span shards runs as a <see cref="MultiShardTx"/>. The event loop feeds it bytes and
/// writes out <see cref="Output"/>; benchmarks drive it directly.
/// </summary>
public sealed class Session : IRemoteOwner, ILockWaiter
{
    public readonly Client Client;
    public readonly Shard Home;
    public readonly OutputBuffer Output;
    public readonly RespWriter W;
    public ISessionHost? Host;
    readonly ServerState server;
    readonly ArgList args = new();
    RespParser parser;
    readonly InputBuffer input;
    int start, end;

    /// <summary>Suspended: waiting for a foreign shard, a transaction or a lock.</summary>
    public bool Waiting { get; private set; }
    public bool Closed;
    /// <summary>Closed, read from another shard's thread (a blocked client's key shard).</summary>
    public bool IsClosed => System.Threading.Volatile.Read(ref Closed);
    /// <summary>The blocking command this session waits in, if any.</summary>
    public BlockedClient? Blocked;

    public Session(Shard home, Client client)
    {
        Home = home;
        server = home.Server;
        Client = client;
        client.Session = this;
        W = home.Buffers.RentWriter();
        Output = W.Output;
        input = home.Buffers.RentInput();
        parser = new RespParser();
        parser.Reset();
        parser.MaxBulkLength = server.Config.ProtoMaxBulkLen;
        parser.Authenticated = server.Config.RequirePass == null;
        client.Authenticated = parser.Authenticated;
    }

    public int BufferedInput => end - start;

    /// <summary>Memory the query buffer holds now (native; none while every byte read is parsed).</summary>
    public long InputMemory => input.MemoryBytes;

    /// <summary>Free space to read into (at least <paramref name="min"/> bytes).</summary>
    public Span<byte> ReadSpace(int min) => input.ReadSpace(ref start, ref end, min);

    /// <summary>Gives an empty query buffer back to the shard (a read found nothing); no-op while a command waits.</summary>
    public void SettleInput()
    {
        if (!Waiting) input.Settle(ref start, ref end);
    }

    public void Commit(int n)
    {
        end += n;
        Home.Stats.NetInputBytes += n;
    }

    /// <summary>Convenience for tests and benchmarks: append bytes and process them.</summary>
    public void Feed(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(ReadSpace(bytes.Length));
        Commit(bytes.Length);
        Process();
    }

    /// <summary>Runs every complete command in the input, until done or suspended.</summary>
    public void Process()
    {
        while (!Waiting && !Client.CloseAfterReply && start < end)
        {
            if (slotCount >= MaxBatch || (stage != null && stage.Output.Length > MaxStagedBytes)) break;
            Span<byte> span = input.Slice(start, end - start);
            RespStatus st = parser.Parse(span, args, out int consumed);
            if (st == RespStatus.NeedMore)
            {
                long need = parser.BytesNeeded;
                if (need > server.Config.ClientQueryBufferLimit)
                {
                    Client.CloseAfterReply = true;
                    break;
                }
                if (start > 0 || need > input.Capacity)
                {
                    // Keep the partial command at offset 0 with room for what it still needs.
                    ReadSpace((int)Math.Min(Math.Max(need - (end - start), 0) + 1, int.MaxValue - 64));
                }
                break;
            }
            if (st == RespStatus.Error)
            {
                int before = BeginReply();
                Writer.Error("ERR " + parser.ErrorMessage);
                EndReply(before);
                Client.CloseAfterReply = true;
                start = end;
                break;
            }
            if (st == RespStatus.Empty)
            {
                start += consumed;
                parser.Reset();
                continue;
            }
            parser.Reset();
            if (!Dispatch(span.Slice(0, consumed), consumed)) break;
        }
        // Commands for other shards gathered in this pass leave now, one request per shard.
        if (!Waiting && slotCount > 0) SendBatch();
        // Nothing parsed is in use unless a command waits: an empty query buffer goes back to the shard.
        if (!Waiting) input.Settle(ref start, ref end);
        else if (start == end) start = end = 0;
    }

    // ---- Reply ordering while commands are out on other shards --------------------------------
    //
    // Until the first command for a foreign shard, replies go straight to Output. From then on,
    // for the rest of this pass, every command gets a reply slot in request order: commands for
    // a foreign shard join that shard's request; commands for this shard run now but their replies
    // wait in the stage. When every request is back, the slots are copied to Output in order.
    // Commands that change the connection (SELECT, HELLO, QUIT...), need several shards or wait
    // for a lock end the pass: they run after the batch, in order.

    struct ReplySlot
    {
        /// <summary>-1: bytes in the stage at Offset/Length; otherwise the shard whose reply holds it.</summary>
        public int Shard;
        public int Offset;
        public int Length;
    }

    const int MaxBatch = 1024;
    const int MaxStagedBytes = 1 << 20;
    ReplySlot[] slots = new ReplySlot[16];
    int slotCount;
    RemoteRequest?[]? remotes;
    int[] replyPos = Array.Empty<int>();
    int remotesPending;
    RespWriter? stage;

    /// <summary>Where the current command's reply goes: Output, or the stage while a batch is open.</summary>
    RespWriter Writer => slotCount > 0 ? stage! : W;

    int BeginReply() => slotCount > 0 ? stage!.Output.Length : 0;

    void EndReply(int before)
    {
        if (slotCount == 0) return;
        AddSlot(-1, before, stage!.Output.Length - before);
    }

    void AddSlot(int shard, int offset, int length)
    {
        if (slotCount == slots.Length) Array.Resize(ref slots, slots.Length * 2);
        slots[slotCount++] = new ReplySlot { Shard = shard, Offset = offset, Length = length };
    }

    /// <summary>Runs or routes one parsed command. False when this pass must stop before it.</summary>
    bool Dispatch(ReadOnlySpan<byte> buf, int consumed)
    {
        Client.LastInteractionMs = Home.NowMs;
        int before = BeginReply();
        CommandSpec? spec = Executor.Resolve(server.Commands, buf, args, Writer);
        if (spec == null)
        {
            if (Client.Multi != null) Commands.MultiCommands.Rejected(Client);
            EndReply(before);
            start += consumed;
            return true;
        }
        Client.LastCommand = spec.FullName;
        if (!Client.Authenticated && (spec.Flags & CommandFlags.NoAuth) == 0)
        {
            Writer.Error(Errors.NoAuth);
            if (Client.Multi != null) Commands.MultiCommands.Rejected(Client);
            EndReply(before);
            start += consumed;
            return true;
        }
        if (Client.PubSub != null && Commands.PubSubCommands.InSubscriberMode(Client) && !Commands.PubSubCommands.AllowedWhileSubscribed(spec))
        {
            // RESP2 subscriber mode: the connection only carries pushes and (un)subscriptions. As Redis's
            // processCommand, this check comes before queuing, and a rejection inside MULTI aborts the EXEC.
            Writer.Error(Commands.PubSubCommands.SubscriberModeError(spec));
            if (Client.Multi != null) Commands.MultiCommands.Rejected(Client);
            EndReply(before);
            start += consumed;
            return true;
        }
        // A client in MULTI queues its commands; WATCH outside MULTI waits for its registrations.
        if (Client.Multi is { Queuing: true } || (spec.Flags & CommandFlags.SessionHook) != 0)
        {
            Commands.MultiStep step = Commands.MultiCommands.Intercept(this, spec, buf, args, Writer, slotCount > 0);
            if (step != Commands.MultiStep.None) return AfterMulti(step, before, consumed);
        }
        if ((spec.Flags & CommandFlags.Blocking) != 0)
        {
            // Runs after everything before it, and the session waits until it is served or times out.
            if (slotCount > 0) return false;
            start += consumed;
            Waiting = true;
            if (Blocking.Begin(this, spec, buf, args)) return false;
            Waiting = false;
            return true;
        }
        Shard? target = Home;
        if (server.ShardCount > 1) target = Router.Target(server, Home, spec, buf, args, Client.Db);
        if (target != null && target != Home)
        {
            AddRemote(target, buf);
            start += consumed;
            return true;
        }
        // Everything below runs in order after what is already out: end the pass first.
        if (slotCount > 0 && (target == null || spec.Route != Route.Keys || Executor.Blocked(Home, spec, buf, args, Client.Db, 0)))
            return false;
        if (target == Home)
        {
            if (Executor.Blocked(Home, spec, buf, args, Client.Db, 0))
            {
                // A transaction holds one of these keys: wait for it, then parse this command again.
                Waiting = true;
                Home.Locks.Park(this);
                return false;
            }
            var c = new CommandContext
            {
                Shard = Home, W = Writer, Client = Client, DbIndex = Client.Db, Buffer = buf, Args = args, Spec = spec,
            };
            Executor.Invoke(ref c);
            EndReply(before);
            parser.Authenticated = Client.Authenticated;
            start += consumed;
            return true;
        }
        start += consumed;
        Waiting = true;
        MultiShardTx? tx = Router.CrossShard(this, spec, buf, args);
        if (tx == null)
        {
            Waiting = false;
            return true;
        }
        tx.Start();
        return false;
    }

    /// <summary>Continues after the transaction hook took a command (see <see cref="Commands.MultiStep"/>).</summary>
    bool AfterMulti(Commands.MultiStep step, int before, int consumed)
    {
        switch (step)
        {
            case Commands.MultiStep.Handled:
                EndReply(before);
                parser.Authenticated = Client.Authenticated;
                start += consumed;
                return true;
            case Commands.MultiStep.EndPass:
                return false;
            case Commands.MultiStep.Park:
                Waiting = true;
                Home.Locks.Park(this);
                return false;
            default:
                // EXEC's transaction is out waiting for its locks (always asynchronous): wait for it.
                start += consumed;
                Waiting = true;
                return false;
        }
    }

    /// <summary>Adds a command to this pass's request for <paramref name="target"/>, reserving its reply slot.</summary>
    void AddRemote(Shard target, ReadOnlySpan<byte> buf)
    {
        remotes ??= new RemoteRequest?[server.ShardCount];
        if (replyPos.Length != server.ShardCount) replyPos = new int[server.ShardCount];
        if (slotCount == 0)
        {
            stage ??= new RespWriter(new OutputBuffer());
            stage.Protocol = Client.Protocol;
            stage.Output.Clear();
        }
        RemoteRequest r = remotes[target.Id] ??= new RemoteRequest(this);
        if (!r.InBatch)
        {
            r.Reset(Home, target, Client.Db, Client.Protocol, 0);
            r.InBatch = true;
        }
        r.Add(buf, args);
        AddSlot(target.Id, 0, 0);
    }

    void SendBatch()
    {
        Waiting = true;
        remotesPending = 0;
        foreach (RemoteRequest? r in remotes!)
            if (r != null && r.InBatch) remotesPending++;
        foreach (RemoteRequest? r in remotes)
            if (r != null && r.InBatch) r.Send();
    }

    public void OnRemoteDone(RemoteRequest r)
    {
        if (--remotesPending > 0) return;
        if (!Closed) AssembleReplies();
        else EndBatch();
        Resume();
    }

    /// <summary>Copies every slot's reply to Output in request order.</summary>
    void AssembleReplies()
    {
        Array.Clear(replyPos);
        ReadOnlySpan<byte> staged = stage!.Output.Written;
        for (int i = 0; i < slotCount; i++)
        {
            ReplySlot s = slots[i];
            if (s.Shard < 0)
            {
                W.Raw(staged.Slice(s.Offset, s.Length));
                continue;
            }
            ReadOnlySpan<byte> replies = remotes![s.Shard]!.ReplyBuffer.Written;
            int pos = replyPos[s.Shard];
            int len = ReplyFrames.Length(replies, pos);
            W.Raw(replies.Slice(pos, len));
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

    /// <summary>
    /// The connection closed: give the buffers back to the shard's pool, unless work for this
    /// session is still in flight (a remote request or transaction would write into them later).
    /// </summary>
    public void Close()
    {
        System.Threading.Volatile.Write(ref Closed, true);
        server.PubSub.UnsubscribeAll(this);
        // A blocked client that nobody is serving right now leaves no trace; one being served
        // ends when its reply arrives (OnBlockedDone), as a Redis client served just before it hung up.
        if (Blocked != null && Blocked.Cancel())
        {
            Blocked = null;
            Home.Blocking.BlockedClients--;
            Waiting = false;
        }
        // Watched keys leave their shards' registries (a running EXEC does it when it ends).
        if (Client.Multi != null && !Client.Multi.Executing) Client.Multi.Discard(Home);
        if (!Waiting) ReleaseBuffers();
    }

    bool buffersReleased;

    void ReleaseBuffers()
    {
        if (buffersReleased) return;
        buffersReleased = true;
        Home.Buffers.Return(input);
        Home.Buffers.Return(W);
        start = end = 0;
    }

    public void OnTransactionDone() => Resume();

    /// <summary>The blocking command ended (its reply, if any, is in Output).</summary>
    public void OnBlockedDone()
    {
        if (Blocked != null) Home.Blocking.BlockedClients--;
        Blocked = null;
        Resume();
    }

    void ILockWaiter.Resume(Shard shard) => Resume();

    void Resume()
    {
        Waiting = false;
        if (Closed)
        {
            ReleaseBuffers();
            return;
        }
        Process();
        Host?.OnSessionResumed(this);
    }
}
