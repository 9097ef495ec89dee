using System;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// WAIT and WAITAOF for a master with no replicas (Redis 7.2's waitCommand and waitaofCommand in replication.c,
/// blockForReplication and blockForAofFsync in blocked.c).
/// <para>
/// A client's write offset (Redis's c->woff) is where the AOF stood once its last write was written. FastKv notes
/// only that a write command was dispatched (<see cref="NoteWrite"/>, one flag on the write path) and turns that
/// into an offset when the client next asks: its records are then published (on whichever shard ran them), so
/// after a <see cref="AofLog.Sync"/> the log's <see cref="AofLog.WrittenOffset"/> covers them. Redis moves woff
/// only when a command propagated, so a write command that changed nothing (DEL of a missing key) counts here
/// and not there, and a read that propagated an expired key's DEL counts there and not here; the difference shows
/// only under <c>appendfsync no</c>, where nothing but a rewrite fsyncs.
/// </para>
/// <para>
/// From a connection the session hands these commands to <see cref="Begin"/> (<see cref="CommandSpec.WaitsFor"/>),
/// which answers at once or blocks the client on its home shard (<see cref="AckWait"/>). Inside MULTI, as in Redis
/// (CLIENT_DENY_BLOCKING), the handlers answer at once with what is acknowledged now.
/// </para>
/// </summary>
public static unsafe class WaitCommands
{
    public static void Register(CommandTable t)
    {
        t.Add("wait", &Wait).WaitsFor = AckKind.Replicas;
        t.Add("waitaof", &WaitAof).WaitsFor = AckKind.Aof;
    }

    const string NumLocalRange = "ERR value is out of range, value must between 0 and 1";

    /// <summary>WAIT inside MULTI: no replica acknowledges anything.</summary>
    static void Wait(ref CommandContext c)
    {
        if (!ParseWait(c.Buffer, c.Args, c.NowMs, out _, out _, out string? error)) c.Error(error!);
        else c.W.Integer(0);
    }

    /// <summary>WAITAOF inside MULTI: the local fsync as it stands, as of the writes before the EXEC (<see cref="BeforeExec"/>).</summary>
    static void WaitAof(ref CommandContext c)
    {
        AofLog aof = c.Shard.Server.Aof;
        if (!ParseWaitAof(c.Buffer, c.Args, c.NowMs, aof, out _, out _, out _, out string? error))
        {
            c.Error(error!);
            return;
        }
        c.W.ArrayHeader(2);
        c.W.Integer(AckWait.LocalAcked(aof, c.Client?.AofWoff ?? 0) ? 1 : 0);
        c.W.Integer(0);
    }

    /// <summary>
    /// From a connection: answers at once (false), or blocks the session (true) until <see cref="AckWait"/> is
    /// satisfied, the timeout passes, CLIENT UNBLOCK or the client leaves.
    /// </summary>
    public static bool Begin(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args)
    {
        Shard home = s.Home;
        AofLog aof = home.Server.Aof;
        bool isAof = spec.WaitsFor == AckKind.Aof;
        long numLocal = 0, numReplicas, timeout;
        string? error;
        bool ok = isAof
            ? ParseWaitAof(buf, args, home.NowMs, aof, out numLocal, out numReplicas, out timeout, out error)
            : ParseWait(buf, args, home.NowMs, out numReplicas, out timeout, out error);
        if (!ok)
        {
            Executor.Count(home, spec, 0, failed: true);
            s.W.Error(error!);
            return false;
        }
        long woff = isAof ? Woff(s) : s.Client.AofWoff;
        bool acked = AckWait.LocalAcked(aof, woff);
        // No replicas: a wait for one is never satisfied before its timeout.
        if (numReplicas <= 0 && (!isAof || numLocal == 0 || acked))
        {
            Executor.Count(home, spec, 0);
            if (isAof)
            {
                s.W.ArrayHeader(2);
                s.W.Integer(acked ? 1 : 0);
                s.W.Integer(0);
            }
            else s.W.Integer(0);
            return false;
        }
        var ack = new AckWait { Aof = isAof, Woff = woff, NumLocal = numLocal, NumReplicas = numReplicas };
        var w = new BlockedClient(s, spec, ack, new CopiedArgs(buf, args).Items) { Deadline = timeout == 0 ? long.MaxValue : home.NowMs + timeout };
        s.Blocked = w;
        w.NowBlocked();
        if (w.Deadline != long.MaxValue) home.Blocking.AddTimeout(w);
        home.Blocking.AddAck(w);
        return true;
    }

    /// <summary>
    /// A write command is dispatched for the client (the session, before it runs or routes it): from now its
    /// write offset is unknown until the next WAITAOF asks. Writes while appendonly is off do not count (Redis
    /// propagates nothing then).
    /// </summary>
    public static void NoteWrite(Session s)
    {
        if (s.Home.Server.Aof.Enabled) s.Client.AofWritePending = true;
    }

    /// <summary>
    /// EXEC is about to run its queue: a WAITAOF in it sees the writes before the EXEC (Redis propagates the
    /// transaction after it, so c->woff does not move inside it), and the EXEC's own writes count after it.
    /// </summary>
    public static void BeforeExec(Session s)
    {
        if (s.Client.Multi is not { Queuing: true } m) return;
        bool writes = false, waits = false;
        foreach (MultiState.Queued q in m.Commands)
        {
            writes |= (q.Spec.Flags & CommandFlags.Write) != 0;
            waits |= q.Spec.WaitsFor == AckKind.Aof;
        }
        if (waits) Woff(s);
        if (writes) NoteWrite(s);
    }

    /// <summary>
    /// The client's write offset now: with writes since it was last taken, every record published so far (its own
    /// among them) is written first, and the log's offset after them is the new one.
    /// </summary>
    static long Woff(Session s)
    {
        Client cl = s.Client;
        if (!cl.AofWritePending) return cl.AofWoff;
        AofLog aof = s.Home.Server.Aof;
        if (aof.On) aof.Sync(s.Home, afterMessages: true);
        cl.AofWoff = aof.WrittenOffset;
        cl.AofWritePending = false;
        return cl.AofWoff;
    }

    static bool ParseWait(ReadOnlySpan<byte> buf, ArgList args, long now, out long numReplicas, out long timeout, out string? error)
    {
        timeout = 0;
        if (!RespNumber.TryParseInt64(args.Get(buf, 1), out numReplicas))
        {
            error = Errors.NotInteger;
            return false;
        }
        return ParseTimeout(args.Get(buf, 2), now, out timeout, out error);
    }

    /// <summary>waitaofCommand's parsing, in its order, then its appendonly check.</summary>
    static bool ParseWaitAof(ReadOnlySpan<byte> buf, ArgList args, long now, AofLog aof,
        out long numLocal, out long numReplicas, out long timeout, out string? error)
    {
        numReplicas = timeout = 0;
        if (!RespNumber.TryParseInt64(args.Get(buf, 1), out numLocal))
        {
            error = Errors.NotInteger;
            return false;
        }
        if (numLocal is < 0 or > 1)
        {
            error = NumLocalRange;
            return false;
        }
        if (!RespNumber.TryParseInt64(args.Get(buf, 2), out numReplicas) || numReplicas < 0)
        {
            error = Errors.NotPositive;
            return false;
        }
        if (!ParseTimeout(args.Get(buf, 3), now, out timeout, out error)) return false;
        if (numLocal != 0 && !aof.Enabled)
        {
            error = AckWait.AofDisabled;
            return false;
        }
        return true;
    }

    /// <summary>getTimeoutFromObjectOrReply in milliseconds: a relative timeout, 0 for none.</summary>
    static bool ParseTimeout(ReadOnlySpan<byte> text, long now, out long timeout, out string? error)
    {
        error = null;
        if (!RespNumber.TryParseInt64(text, out timeout))
        {
            error = Errors.TimeoutNotInteger;
            return false;
        }
        if (timeout < 0)
        {
            error = Errors.TimeoutNegative;
            return false;
        }
        if (timeout > 0 && timeout > long.MaxValue - now)
        {
            error = Errors.TimeoutOutOfRange;
            return false;
        }
        return true;
    }
}
