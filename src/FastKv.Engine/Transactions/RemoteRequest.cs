using System;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>Whoever waits for a <see cref="RemoteRequest"/> to come back.</summary>
public interface IRemoteOwner
{
    /// <summary>Runs on the home shard's thread with the replies in <see cref="RemoteRequest.Reply"/>.</summary>
    void OnRemoteDone(RemoteRequest r);
}

/// <summary>
/// Commands for one foreign shard, encoded as RESP arrays, travelling there through its mailbox
/// and coming back to the home shard with the replies. A session owns one and reuses it (a
/// session waits for at most one at a time), so the steady state allocates nothing.
/// If a granted intent lock blocks a command, the request parks on that shard and resumes
/// from the same command when the lock is released.
/// </summary>
public sealed class RemoteRequest : ShardMessage, ILockWaiter
{
    public readonly OutputBuffer Request = new();
    public readonly OutputBuffer ReplyBuffer = new();
    public readonly RespWriter Reply;
    public IRemoteOwner Owner;
    public Shard Home = null!;
    public Shard Target = null!;
    public int Db;
    public long TxId;
    public int Commands;
    /// <summary>Owned by a session: part of the batch it is gathering or waiting for.</summary>
    public bool InBatch;
    /// <summary>The commands come from a CLIENT NO-TOUCH client (set after <see cref="Reset"/>).</summary>
    public bool NoTouch;
    /// <summary>
    /// All or nothing with respect to intent locks (a whole EXEC, <see cref="RemoteExec"/>): waits until no lock
    /// covers any of its commands' keys, then runs them all without parking in between.
    /// </summary>
    public bool Atomic;
    /// <summary>
    /// The commands are shares of one client command that runs across shards (a split MSET, DEL or KEYS): the
    /// transaction counts that command once, so the shares are not counted here.
    /// </summary>
    public bool Share;
    /// <summary>The requesting client's tracking state (CLIENT TRACKING), for the commands run on the target shard.</summary>
    public ClientTracking? Caller;
    int offset;
    bool returning;
    /// <summary>
    /// AOF records of a transaction's part (<see cref="TxId"/> set), kept aside on the target and carried home, where
    /// the transaction writes them as one unit; null when there were none.
    /// </summary>
    public System.Collections.Generic.List<byte[]>? AofParts;

    public RemoteRequest(IRemoteOwner owner)
    {
        Owner = owner;
        Reply = new RespWriter(ReplyBuffer);
    }

    public void Reset(Shard home, Shard target, int db, int protocol, long txId)
    {
        Home = home;
        Target = target;
        Db = db;
        TxId = txId;
        Reply.Protocol = protocol;
        Request.Clear();
        ReplyBuffer.Clear();
        Commands = 0;
        Share = false;
        NoTouch = false;
        AofParts = null;
        offset = 0;
        returning = false;
    }

    /// <summary>Appends one command as a RESP array of its arguments.</summary>
    public void Add(ReadOnlySpan<byte> buffer, ArgList args)
    {
        RespEncode.Command(Request, buffer, args);
        Commands++;
    }

    public void Send() => Target.Mailbox.Post(this);

    public override void Run(Shard shard)
    {
        if (returning)
        {
            returning = false;
            Owner.OnRemoteDone(this);
            return;
        }
        Continue(shard);
    }

    public void Resume(Shard shard) => Continue(shard);

    void Continue(Shard shard)
    {
        // This shard evicts its share before the commands run, as Redis does before each command.
        if (offset == 0 && shard.Server.Config.MaxMemory != 0) shard.Evictor.Perform();
        if (Atomic && offset == 0 && Executor.AnyBlocked(shard, Request.Written, Db, TxId))
        {
            shard.Locks.Park(this);
            return;
        }
        // Part of a transaction (an EXEC, or a multi-shard command's share): clients blocked on its keys are
        // served after all of its commands here, as Redis serves them after the command (or EXEC) that fed them.
        bool hold = Atomic || TxId != 0;
        if (hold) shard.Blocking.Hold();
        bool done;
        shard.NoTouchRequest = NoTouch;
        shard.Tracking.RemoteCaller = Caller;
        // A whole EXEC here is one AOF unit written by this shard; a transaction's part goes home to its unit.
        bool capture = hold && shard.Aof.On && !shard.Aof.Capturing;
        if (capture) shard.Aof.BeginCapture();
        // A whole command's errors are counted here; a share's reach the client through its transaction, counted there.
        Reply.ErrorStats = Share ? null : shard.Server.ErrorReplies;
        try { done = Executor.RunEncoded(shard, Request.Written, ref offset, Reply, Db, TxId, count: !Share); }
        finally
        {
            if (capture)
            {
                if (TxId == 0) shard.Aof.EndCaptureWrapped();
                else if (shard.Aof.EndCapture() is { } records) (AofParts ??= new()).Add(records);
            }
            shard.NoTouchRequest = false;
            shard.Tracking.RemoteCaller = null;
            if (hold) shard.Blocking.Release();
        }
        if (!done)
        {
            shard.Locks.Park(this);
            return;
        }
        returning = true;
        Home.Mailbox.Post(this);
    }
}

/// <summary>Writes commands as RESP arrays.</summary>
public static class RespEncode
{
    public static void Command(OutputBuffer o, ReadOnlySpan<byte> buffer, ArgList args)
    {
        Header(o, (byte)'*', args.Count);
        for (int i = 0; i < args.Count; i++) Bulk(o, args.Get(buffer, i));
    }

    public static void Header(OutputBuffer o, byte kind, long n)
    {
        Span<byte> s = o.GetSpan(24);
        s[0] = kind;
        int len = RespNumber.FormatInt64(n, s.Slice(1));
        s[1 + len] = (byte)'\r';
        s[2 + len] = (byte)'\n';
        o.Advance(len + 3);
    }

    public static void Bulk(OutputBuffer o, ReadOnlySpan<byte> v)
    {
        Header(o, (byte)'$', v.Length);
        Span<byte> s = o.GetSpan(v.Length + 2);
        v.CopyTo(s);
        s[v.Length] = (byte)'\r';
        s[v.Length + 1] = (byte)'\n';
        o.Advance(v.Length + 2);
    }

    /// <summary>A command given as its arguments, as one RESP array.</summary>
    public static void Command(OutputBuffer o, byte[][] items)
    {
        Header(o, (byte)'*', items.Length);
        foreach (var it in items) Bulk(o, it);
    }
}
