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
    RemoteRequest? remote;
    byte[] input;
    int start, end;

    /// <summary>Suspended: waiting for a foreign shard, a transaction or a lock.</summary>
    public bool Waiting { get; private set; }
    public bool Closed;

    public Session(Shard home, Client client)
    {
        Home = home;
        server = home.Server;
        Client = client;
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

    /// <summary>Free space to read into (at least <paramref name="min"/> bytes).</summary>
    public Span<byte> ReadSpace(int min)
    {
        if (input.Length - end < min)
        {
            if (start > 0)
            {
                Buffer.BlockCopy(input, start, input, 0, end - start);
                end -= start;
                start = 0;
            }
            if (input.Length - end < min) Array.Resize(ref input, Math.Max(input.Length * 2, end + min));
        }
        return input.AsSpan(end);
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
            Span<byte> span = input.AsSpan(start, end - start);
            RespStatus st = parser.Parse(span, args, out int consumed);
            if (st == RespStatus.NeedMore)
            {
                long need = parser.BytesNeeded;
                if (need > server.Config.ClientQueryBufferLimit)
                {
                    Client.CloseAfterReply = true;
                    break;
                }
                if (start > 0 || need > input.Length)
                {
                    // Keep the partial command at offset 0 with room for what it still needs.
                    ReadSpace((int)Math.Min(Math.Max(need - (end - start), 0) + 1, int.MaxValue - 64));
                }
                return;
            }
            if (st == RespStatus.Error)
            {
                W.Error("ERR " + parser.ErrorMessage);
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
            if (!Dispatch(span.Slice(0, consumed), consumed)) return;
        }
        if (start == end) start = end = 0;
    }

    /// <summary>Runs or sends one parsed command. False when the session is now waiting.</summary>
    bool Dispatch(ReadOnlySpan<byte> buf, int consumed)
    {
        Client.LastInteractionMs = Home.NowMs;
        CommandSpec? spec = Executor.Resolve(server.Commands, buf, args, W);
        if (spec == null)
        {
            start += consumed;
            return true;
        }
        Client.LastCommand = spec.FullName;
        if (!Client.Authenticated && (spec.Flags & CommandFlags.NoAuth) == 0)
        {
            W.Error(Errors.NoAuth);
            start += consumed;
            return true;
        }
        Shard? target = Home;
        if (server.ShardCount > 1) target = Router.Target(server, Home, spec, buf, args, Client.Db);
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
                Shard = Home, W = W, Client = Client, DbIndex = Client.Db, Buffer = buf, Args = args, Spec = spec,
            };
            Executor.Invoke(ref c);
            parser.Authenticated = Client.Authenticated;
            start += consumed;
            return true;
        }
        start += consumed;
        Waiting = true;
        if (target == null)
        {
            MultiShardTx? tx = Router.CrossShard(this, spec, buf, args);
            if (tx == null) { Waiting = false; return true; }
            tx.Start();
            return false;
        }
        SendRemote(target, buf);
        return false;
    }

    /// <summary>Sends this command and the following ones for the same shard in one request.</summary>
    void SendRemote(Shard target, ReadOnlySpan<byte> first)
    {
        remote ??= new RemoteRequest(this);
        remote.Reset(Home, target, Client.Db, Client.Protocol, 0);
        remote.Add(first, args);
        while (start < end && remote.Commands < 256)
        {
            Span<byte> span = input.AsSpan(start, end - start);
            if (parser.Parse(span, args, out int consumed) != RespStatus.Complete) { parser.Reset(); break; }
            parser.Reset();
            ReadOnlySpan<byte> buf = span.Slice(0, consumed);
            CommandSpec? spec = server.Commands.Find(args.Get(buf, 0));
            if (spec == null || spec.Subcommands != null || spec.Route != Route.Keys || !spec.ArityOk(args.Count)
                || !Client.Authenticated || Router.Target(server, Home, spec, buf, args, Client.Db) != target)
                break;
            remote.Add(buf, args);
            start += consumed;
        }
        remote.Send();
    }

    public void OnRemoteDone(RemoteRequest r)
    {
        if (!Closed) W.Raw(r.ReplyBuffer.Written);
        Resume();
    }

    /// <summary>
    /// The connection closed: give the buffers back to the shard's pool, unless work for this
    /// session is still in flight (a remote request or transaction would write into them later).
    /// </summary>
    public void Close()
    {
        Closed = true;
        if (!Waiting) ReleaseBuffers();
    }

    void ReleaseBuffers()
    {
        if (input.Length == 0) return;
        Home.Buffers.Return(input);
        Home.Buffers.Return(W);
        input = System.Array.Empty<byte>();
        start = end = 0;
    }

    public void OnTransactionDone() => Resume();

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
