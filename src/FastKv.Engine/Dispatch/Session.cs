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
public sealed class Session : ILockWaiter
{
    public readonly Client Client;
    public readonly Shard Home;
    public readonly OutputBuffer Output;
    /// <summary>Where replies go: the connection's output, or nowhere while CLIENT REPLY OFF/SKIP silences this command.</summary>
    public RespWriter W => silenced ? sink! : writer;
    /// <summary>The connection's output writer, whatever CLIENT REPLY says (pushes, monitor lines).</summary>
    public RespWriter OutputWriter => writer;
    readonly RespWriter writer;
    /// <summary>Replies of a silenced command land here and are dropped.</summary>
    RespWriter? sink;
    bool silenced;
    public ISessionHost? Host;
    readonly ServerState server;
    readonly ArgList args = new();
    readonly ReplyOrder replies;
    RespParser parser;
    readonly InputBuffer input;
    int start, end;
    /// <summary>Where this pass began parsing: Redis trims its query buffer only after a whole read is processed.</summary>
    int passStart;
    /// <summary>Input offset up to which this pass's pipeline had its keys prefetched (<see cref="PipelinePrefetch"/>).</summary>
    int prefetchedTo;
    /// <summary>This pass's look-ahead holds a window of this session's commands (else prefetchedTo only ends the tries).</summary>
    bool lookAhead;

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
        writer = home.Buffers.RentWriter();
        writer.ErrorStats = home.Server.ErrorReplies;
        Output = writer.Output;
        input = home.Buffers.RentInput();
        parser = new RespParser();
        parser.Reset();
        parser.MaxBulkLength = server.Config.ProtoMaxBulkLen;
        parser.Authenticated = server.Config.RequirePass == null || client.AofLoader;
        client.Authenticated = parser.Authenticated;
        replies = new ReplyOrder(this);
    }

    public int BufferedInput => end - start;

    /// <summary>Commands of this pass are gathered for other shards and have not been sent yet.</summary>
    public bool BatchOpen => replies.BatchOpen;

    /// <summary>Memory the query buffer holds now (native; none while every byte read is parsed).</summary>
    public long InputMemory => input.MemoryBytes;

    /// <summary>
    /// Memory the connection's buffers hold now: query buffer, unsent output, replies staged or pushes held back in
    /// a pass, a MULTI queue (what Redis's getClientMemoryUsage counts but the client struct; <see cref="ClientMemory"/>).
    /// </summary>
    public long MemoryBytes => input.MemoryBytes + Output.MemoryBytes + replies.MemoryBytes + (Client.Multi?.Queue.MemoryBytes ?? 0);

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

    /// <summary>
    /// Inside <see cref="Process"/> (a command of this session runs now, further down this thread's stack): the event
    /// loop must not feed it while a busy script lets the loop serve other clients (Redis's protectClient).
    /// </summary>
    public bool Processing => processing > 0;
    int processing;

    /// <summary>Runs every complete command in the input, until done or suspended.</summary>
    public void Process()
    {
        processing++;
        passStart = start;
        prefetchedTo = 0;
        lookAhead = false;
        // Within this pass a command's end time is the next one's start (Shard.ClockCarry, RunHere).
        Home.ClockCarry = 0;
        while (!Waiting && !Client.CloseAfterReply && start < end)
        {
            if (replies.Full) break;
            Span<byte> span = input.Slice(start, end - start);
            // A command the pipeline look-ahead parsed already is taken from it, with its command-table entry.
            RespStatus st;
            int consumed;
            if (lookAhead && start < prefetchedTo && Home.Prefetch.TryTake(this, start, parser, args, out consumed, out CommandSpec? found))
                st = RespStatus.Complete;
            else
            {
                found = null;
                st = parser.Parse(span, args, out consumed);
            }
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
            NoteQueryBuffer();
            int next = start + consumed;
            if (next >= prefetchedTo && next < end) PrefetchFrom(next);
            else if (lookAhead && start < prefetchedTo) Home.Prefetch.Step(this);
            if (!Dispatch(span.Slice(0, consumed), consumed, found)) break;
        }
        // The query buffer may move before the next pass: the look-ahead's window is not taken from again.
        if (lookAhead) Home.Prefetch.Forget(this);
        lookAhead = false;
        // Commands for other shards gathered in this pass leave now, one request per shard.
        if (!Waiting && replies.BatchOpen) SendBatch();
        // Nothing parsed is in use unless a command waits: an empty query buffer goes back to the shard.
        if (!Waiting) input.Settle(ref start, ref end);
        else if (start == end) start = end = 0;
        passStart = start;
        NoteQueryBuffer();
        Home.ClockCarryOk = false;
        processing--;
    }

    /// <summary>A pipeline follows the command about to run: its next window of keys is asked for now.</summary>
    void PrefetchFrom(int next)
    {
        // Unauthenticated input stays with the main parser and its tighter limits. A database with few keys here keeps
        // them in the core's cache: prefetching them gains nothing, the look-ahead would only cost its parse.
        bool worth = Client.Authenticated && Home.Dbs[Client.Db].Count >= server.Config.LookAheadMinKeys;
        int used = worth ? Home.Prefetch.Ahead(this, Client.Db, input.Slice(next, end - next), next, parser.MaxBulkLength) : 0;
        prefetchedTo = used > 0 ? next + used : end;
        lookAhead = used > 0;
    }

    /// <summary>
    /// CLIENT LIST's qbuf and qbuf-free. As in Redis, qbuf counts the bytes of this read already parsed (Redis trims
    /// its query buffer after the whole read), so a command reports the pipeline it arrived in.
    /// </summary>
    void NoteQueryBuffer()
    {
        Client.QueryBufferLength = end - Math.Min(passStart, start);
        Client.QueryBufferFree = Math.Max(0, input.Capacity - end);
    }

    /// <summary>Where the current command's reply goes: the output, or the stage while a batch is open.</summary>
    RespWriter Writer => replies.Writer;

    int BeginReply() => replies.BeginReply();

    void EndReply(int before) => replies.EndReply(before);

    /// <summary>
    /// Runs or routes one parsed command. False when this pass must stop before it. <paramref name="found"/>: the
    /// command's table entry when the look-ahead looked it up already.
    /// </summary>
    bool Dispatch(ReadOnlySpan<byte> buf, int consumed, CommandSpec? found)
    {
        Client.LastInteractionMs = Home.NowMs;
        if (Client.ReplyOff || Client.ReplySkip) Silence();
        else EndSilence();
        bool go = Decide(buf, consumed, found);
        if (!Waiting) EndSilence();
        return go;
    }

    /// <summary>The gate's verdict carried out.</summary>
    bool Decide(ReadOnlySpan<byte> buf, int consumed, CommandSpec? found)
    {
        int before = BeginReply();
        switch (CommandGate.Check(this, buf, args, Writer, found, out CommandSpec? spec))
        {
            case Verdict.Refused:
                EndReply(before);
                Consume(consumed);
                return true;
            case Verdict.Postpone:
                if (replies.BatchOpen) return false; // the batch leaves first; the gate sees this command again after it
                Waiting = true;
                server.Pause.Postpone(this);
                return false;
            case Verdict.Transaction:
                return Transaction(spec!, buf, before, consumed);
            case Verdict.AfterBatch:
                return false; // the batch leaves at the end of the pass; the gate sees this command again after it
        }
        // WAITAOF's write offset: one flag, set once, on the write path.
        if ((spec!.Flags & CommandFlags.Write) != 0 && !Client.AofWritePending && server.Aof.Enabled) Client.AofWritePending = true;
        return RunOrRoute(spec, buf, before, consumed);
    }

    /// <summary>A command for the transaction hook (inside MULTI, or WATCH). MONITOR sees what runs, not what is queued.</summary>
    bool Transaction(CommandSpec spec, ReadOnlySpan<byte> buf, int before, int consumed)
    {
        if (spec.InMulti == MultiRole.Exec && !replies.BatchOpen) Commands.WaitCommands.BeforeExec(this);
        byte[]? queuedLines = null, linesBeforeRun = null;
        if (server.Monitors.Active)
        {
            queuedLines = MonitorExecLines(spec, out linesBeforeRun);
            // Once only: an EXEC that ends the pass or parks is parsed again.
            if (linesBeforeRun != null && !execHeadShown) server.Monitors.FeedRecorded(this, linesBeforeRun);
        }
        replies.HoldPushes();
        long errors = Writer.ErrorReplies;
        bool execAborts = spec.InMulti == MultiRole.Exec && Client.Multi is { Queuing: true, Aborted: true };
        Commands.MultiStep step = Commands.MultiCommands.Intercept(this, spec, buf, args, Writer, replies.BatchOpen);
        // The transaction commands the hook answers are calls of their own (queued ones are not); EXEC fails only
        // with its EXECABORT, not with the errors of the commands it runs, which count for those. The AOF's pseudo
        // client runs uncounted, as Redis's loader calls cmd->proc outside call().
        if (step is Commands.MultiStep.Handled or Commands.MultiStep.Started && spec.InMulti is not (MultiRole.Queued or MultiRole.RunsNow)
            && !Client.AofLoader)
            Executor.Count(Home, spec, 0, failed: spec.InMulti == MultiRole.Exec ? execAborts : Writer.ErrorReplies != errors);
        if (step != Commands.MultiStep.Started) replies.ReleasePushes(Writer); // a started one holds until done
        execHeadShown = linesBeforeRun != null && step is Commands.MultiStep.EndPass or Commands.MultiStep.Park;
        if (server.Monitors.Active && step is Commands.MultiStep.Handled or Commands.MultiStep.Started or Commands.MultiStep.None)
        {
            // A transaction out on other shards shows when it ends, with the database its SELECTs left: its queued lines
            // too, so a script's calls come before the lines queued after it.
            if (step == Commands.MultiStep.Started)
                (monitorWhenDone, monitorNameWhenDone, monitorLinesWhenDone) = (spec, args.Get(buf, 0).ToArray(), queuedLines);
            else
            {
                if (queuedLines != null) server.Monitors.FeedRecorded(this, queuedLines);
                if (step != Commands.MultiStep.None) server.Monitors.Feed(this, spec, buf, args, Client.Db);
            }
        }
        if (step == Commands.MultiStep.NotRun) step = Commands.MultiStep.Handled;
        if (step != Commands.MultiStep.None) return AfterMulti(step, before, consumed);
        return RunOrRoute(spec, buf, before, consumed);
    }

    /// <summary>The monitor lines up to an EXEC's first script went out, and that EXEC will be parsed again (Monitors.Record).</summary>
    bool execHeadShown;

    /// <summary>The command (EXEC, WATCH) MONITOR shows once its transaction is done, and its name as sent.</summary>
    CommandSpec? monitorWhenDone;
    byte[]? monitorLinesWhenDone;
    byte[]? monitorNameWhenDone;

    /// <summary>Before EXEC runs: the monitor lines of its queued commands (Redis shows them as EXEC runs them).</summary>
    byte[]? MonitorExecLines(CommandSpec spec, out byte[]? beforeRun)
    {
        beforeRun = null;
        MultiState? m = Client.Multi;
        if (spec.InMulti != MultiRole.Exec || m is not { Queuing: true } || m.Aborted || m.Commands.Count == 0) return null;
        if (m.Watches != null && m.Watches.Dirty) return null;
        return server.Monitors.Record(this, m, out beforeRun);
    }

    /// <summary>The command is consumed from the input; CLIENT REPLY SKIP moves on by one command (Redis's commandProcessed).</summary>
    void Consume(int consumed)
    {
        start += consumed;
        if (Client.ReplySkip) Client.ReplySkip = false;
        if (Client.ReplySkipNext)
        {
            Client.ReplySkip = true;
            Client.ReplySkipNext = false;
        }
    }

    // ---- CLIENT REPLY OFF / SKIP -------------------------------------------------------------------------------

    /// <summary>This command's replies are dropped (pushes and monitor lines still go out through <see cref="OutputWriter"/>).</summary>
    void Silence()
    {
        // Errors a silenced client never sees count all the same, as Redis counts them before dropping the reply.
        sink ??= new RespWriter(new OutputBuffer(256)) { ErrorStats = Home.Server.ErrorReplies };
        sink.Protocol = writer.Protocol;
        silenced = true;
    }

    /// <summary>The silenced command is over (or CLIENT REPLY ON ends the silence before its +OK).</summary>
    public void EndSilence()
    {
        if (!silenced) return;
        silenced = false;
        sink!.Output.Clear();
        writer.Protocol = Client.Protocol; // HELLO or RESET may have changed it while replies went to the sink
    }

    /// <summary>Whether the running command's replies are being dropped.</summary>
    public bool Silenced => silenced;

    /// <summary>Runs a command that passed the gate: inline, on its key's shard, blocked, or as a transaction.</summary>
    bool RunOrRoute(CommandSpec spec, ReadOnlySpan<byte> buf, int before, int consumed)
    {
        if ((spec.Flags & CommandFlags.Blocking) != 0 && spec.Block != null && spec.Block.Waits(buf, args)) return StartBlocking(spec, buf, consumed);
        if (spec.WaitsFor != AckKind.None && !Client.AofLoader) return StartAckWait(spec, buf, consumed);
        Shard? target = Home;
        if (server.ShardCount > 1 || spec.RoutedAlways) target = Router.Target(server, Home, spec, buf, args, Client.Db);
        if (target != null && target != Home)
        {
            if (server.Monitors.Active) server.Monitors.Feed(this, spec, buf, args, Client.Db);
            AddRemote(target, buf);
            Consume(consumed);
            return true;
        }
        // Everything below runs in order after what is already out: end the pass first.
        if (replies.BatchOpen && (target == null || spec.Route != Route.Keys || LockWaits(spec, buf)))
            return false;
        if (target == Home) return RunHere(spec, buf, before, consumed);
        return StartTransaction(spec, buf, consumed);
    }

    /// <summary>
    /// Starts the transaction that runs a command over several shards; the session waits for it. <paramref name="shown"/>:
    /// a script already shown to the monitors, run again with every shard held.
    /// </summary>
    bool StartTransaction(CommandSpec spec, ReadOnlySpan<byte> buf, int consumed, bool shown = false)
    {
        if (!shown && server.Monitors.Active) server.Monitors.Feed(this, spec, buf, args, Client.Db);
        Consume(consumed);
        Waiting = true;
        replies.HoldPushes();
        MultiShardTx? tx = Router.CrossShard(this, spec, buf, args);
        if (tx == null)
        {
            replies.ReleasePushes(W);
            Waiting = false;
            return true;
        }
        tx.Start();
        return false;
    }

    /// <summary>A blocking command runs after everything before it, and the session waits until it is served or times out.</summary>
    bool StartBlocking(CommandSpec spec, ReadOnlySpan<byte> buf, int consumed)
    {
        if (replies.BatchOpen) return false;
        if (server.Monitors.Active) server.Monitors.Feed(this, spec, buf, args, Client.Db);
        Consume(consumed);
        Waiting = true;
        if (Blocking.Begin(this, spec, buf, args)) return false;
        Waiting = false;
        return true;
    }

    /// <summary>WAIT or WAITAOF: after everything before it, answered at once or with the session blocked until acknowledged.</summary>
    bool StartAckWait(CommandSpec spec, ReadOnlySpan<byte> buf, int consumed)
    {
        if (replies.BatchOpen) return false;
        if (server.Monitors.Active) server.Monitors.Feed(this, spec, buf, args, Client.Db);
        Consume(consumed);
        Waiting = true;
        if (Commands.WaitCommands.Begin(this, spec, buf, args)) return false;
        Waiting = false;
        return true;
    }

    /// <summary>
    /// Whether a transaction's lock makes the command wait. Never while a script is busy for the commands allowed then
    /// (SHUTDOWN NOSAVE, SCRIPT KILL): the busy script may be the one holding every shard.
    /// </summary>
    bool LockWaits(CommandSpec spec, ReadOnlySpan<byte> buf) =>
        Home.Locks.Active && !(server.BusyScripts.Any && (spec.Flags & CommandFlags.AllowBusy) != 0)
        && Executor.Blocked(Home, spec, buf, args, Client.Db, 0);

    /// <summary>Runs a command on the home shard now, unless a transaction's lock covers one of its keys.</summary>
    bool RunHere(CommandSpec spec, ReadOnlySpan<byte> buf, int before, int consumed)
    {
        if (LockWaits(spec, buf))
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
        replies.HoldPushes();
        bool script = spec.Cross == CrossShard.Script;
        // A script is shown before it runs (Redis's evalCommand and fcallCommandGeneric feed it first), so its calls follow it.
        if (script && server.Monitors.Active) server.Monitors.Feed(this, spec, buf, args, Client.Db);
        Home.ScriptRetryAllowed = script;
        Home.ClockCarryOk = true;
        Executor.Invoke(ref c);
        if (script)
        {
            Home.ScriptRetryAllowed = false;
            if (Home.ScriptRetry)
            {
                // The script met a held key on another shard before writing anything: again, with every shard held.
                Home.ScriptRetry = false;
                replies.ReleasePushes(c.W);
                return StartTransaction(spec, buf, consumed, shown: true);
            }
        }
        replies.ReleasePushes(c.W);
        EndReply(before);
        if (!script && server.Monitors.Active) server.Monitors.Feed(this, spec, buf, args, Client.Db);
        parser.Authenticated = Client.Authenticated;
        Consume(consumed);
        return true;
    }

    /// <summary>Continues after the transaction hook took a command (see <see cref="Commands.MultiStep"/>).</summary>
    bool AfterMulti(Commands.MultiStep step, int before, int consumed)
    {
        switch (step)
        {
            case Commands.MultiStep.Handled:
                Client.Tracking?.AfterResume(Home); // an inline EXEC's own invalidations follow its reply
                EndReply(before);
                parser.Authenticated = Client.Authenticated;
                Consume(consumed);
                return true;
            case Commands.MultiStep.EndPass:
                return false;
            case Commands.MultiStep.Park:
                Waiting = true;
                Home.Locks.Park(this);
                return false;
            default:
                // EXEC's transaction is out waiting for its locks (always asynchronous): wait for it.
                Consume(consumed);
                Waiting = true;
                return false;
        }
    }

    void AddRemote(Shard target, ReadOnlySpan<byte> buf) => replies.AddRemote(target, buf, args);

    void SendBatch()
    {
        Waiting = true;
        replies.SendBatch();
    }

    /// <summary>Every request of the pass came back (its replies are in Output unless the connection closed).</summary>
    internal void OnBatchDone()
    {
        EndSilence();
        Resume();
    }

    /// <summary>
    /// The connection closed: give the buffers back to the shard's pool, unless work for this
    /// session is still in flight (a remote request or transaction would write into them later).
    /// </summary>
    public void Close()
    {
        System.Threading.Volatile.Write(ref Closed, true);
        server.PubSub.UnsubscribeAll(this);
        server.Monitors.Remove(this);
        if (Client.Postponed)
        {
            server.Pause.Forget(this);
            Waiting = false;
        }
        if (Client.Tracking != null) Commands.TrackingCommands.Disable(server, Client.Tracking);
        // A blocked client that nobody is serving right now leaves no trace; one being served
        // ends when its reply arrives (OnBlockedDone), as a Redis client served just before it hung up.
        if (Blocked != null && Blocked.Cancel())
        {
            Blocked.Uncount();
            Blocked = null;
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
        Home.Buffers.Return(writer);
        start = end = 0;
    }

    /// <summary>
    /// Where a push to this client goes now (<see cref="ReplyOrder.PushWriter"/>): Pub/Sub messages, keyspace events,
    /// monitor lines, and anything else the server sends unasked (client-side caching invalidations, to this client in
    /// RESP3 or to its redirect target's session). Behind the client's own running command it waits for the reply.
    /// </summary>
    public RespWriter PushWriter => replies.PushWriter;

    /// <summary>Unsent bytes: the output plus pushes held back behind a running command.</summary>
    public long PendingOutput => Output.Length + replies.DeferredBytes;

    /// <summary>A transaction, an EXEC or a WATCH registration finished (its reply is in Output).</summary>
    public void OnTransactionDone()
    {
        if (monitorWhenDone != null)
        {
            if (monitorLinesWhenDone != null) server.Monitors.FeedRecorded(this, monitorLinesWhenDone);
            server.Monitors.FeedName(this, monitorWhenDone, monitorNameWhenDone!, Client.Db);
            monitorWhenDone = null;
            monitorLinesWhenDone = null;
        }
        EndSilence();
        replies.ReleasePushes(W);
        Resume();
    }

    /// <summary>The CLIENT PAUSE this session waited for is over: it parses its command again.</summary>
    internal void OnPauseEnded() => Resume();

    /// <summary>The blocking command ended (its reply, if any, is in Output).</summary>
    public void OnBlockedDone()
    {
        EndSilence();
        Blocked?.Uncount();
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
        Client.Tracking?.AfterResume(Home);
        Process();
        Host?.OnSessionResumed(this);
    }
}
