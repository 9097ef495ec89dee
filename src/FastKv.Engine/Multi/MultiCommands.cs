using System;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>What the session does with a command after <see cref="MultiCommands.Intercept"/>.</summary>
public enum MultiStep
{
    /// <summary>Not a transaction matter: run it as usual.</summary>
    None,
    /// <summary>Answered (an error, EXEC done inline, DISCARD): consume it and go on.</summary>
    Handled,
    /// <summary>Answered without running (QUEUED, or refused inside MULTI): like Handled, but MONITOR does not show it.</summary>
    NotRun,
    /// <summary>EXEC waits for replies still out on other shards: end the pass, parse it again after.</summary>
    EndPass,
    /// <summary>EXEC found a key under another transaction's lock: park on the home shard, parse it again after.</summary>
    Park,
    /// <summary>EXEC runs as a transaction across shards: consume it and wait for it.</summary>
    Started,
}

/// <summary>
/// MULTI EXEC DISCARD WATCH UNWATCH (Redis's multi.c). Outside MULTI the five run as ordinary connection
/// commands on the home shard. Inside MULTI the session hands every command to <see cref="Intercept"/>,
/// which queues it (+QUEUED), rejects it (the error, and EXEC will answer EXECABORT), or runs the
/// transaction commands themselves; EXEC is <see cref="ExecRunner"/>.
/// </summary>
public static unsafe class MultiCommands
{
    public const string ExecAbort = "EXECABORT Transaction discarded because of previous errors.";

    public static void Register(CommandTable t)
    {
        t.Add("multi", &Multi).InMulti = MultiRole.Multi;
        t.Add("exec", &Exec).InMulti = MultiRole.Exec;
        t.Add("discard", &Discard).InMulti = MultiRole.Discard;
        // WATCH names keys (COMMAND INFO says 1 -1 1) but runs at home: it registers them on their shards.
        CommandSpec watch = t.Add("watch", &Watch, route: Route.Local);
        watch.Flags |= CommandFlags.SessionHook;
        watch.InMulti = MultiRole.Watch;
        t.Add("unwatch", &Unwatch);
    }

    static void Multi(ref CommandContext c)
    {
        (c.Client!.Multi ??= new MultiState()).Begin();
        c.W.Ok();
    }

    static void Exec(ref CommandContext c) => c.Error("ERR EXEC without MULTI");

    static void Discard(ref CommandContext c) => c.Error("ERR DISCARD without MULTI");

    /// <summary>The session runs WATCH through <see cref="Intercept"/> (<see cref="WatchKeys"/>); this handler is not reached.</summary>
    static void Watch(ref CommandContext c) => c.Error("ERR WATCH must run from its connection");

    /// <summary>
    /// WATCH outside MULTI: registers every key on the shard that owns it and answers +OK once all are in place.
    /// A key of another shard is registered through that shard's mailbox, and that shard may run a command of
    /// another connection inline before it reads its mailbox; so the reply waits for the registrations' acks,
    /// and a write that reaches the key after the client saw +OK is sure to find the watch.
    /// </summary>
    static MultiStep WatchKeys(Session s, ReadOnlySpan<byte> buf, ArgList args, RespWriter w)
    {
        Client cl = s.Client;
        MultiState m = cl.Multi ??= new MultiState();
        WatchSet set = m.Watches ??= new WatchSet();
        ServerState server = s.Home.Server;
        WatchSet.Acks? acks = null;
        for (int i = 1; i < args.Count; i++)
        {
            ReadOnlySpan<byte> key = args.Get(buf, i);
            set.Watch(s.Home, server.ShardOf(key), cl.Db, key, s, ref acks);
        }
        if (acks == null)
        {
            w.Ok();
            return MultiStep.Handled;
        }
        acks.Sent();
        return MultiStep.Started;
    }

    static void Unwatch(ref CommandContext c)
    {
        c.Client!.Multi?.Unwatch(c.Shard);
        c.W.Ok();
    }

    /// <summary>
    /// The session's hook for a client with transaction state (<see cref="Client.Multi"/> set): queues or
    /// answers commands while MULTI is open; RESET also drops MULTI and the watched keys.
    /// <paramref name="batchOpen"/>: replies of earlier commands are still out on other shards.
    /// </summary>
    public static MultiStep Intercept(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, RespWriter w, bool batchOpen)
    {
        MultiState? m = s.Client.Multi;
        if (m == null || !m.Queuing)
        {
            // Only WATCH comes here outside MULTI (CommandFlags.SessionHook).
            return batchOpen ? MultiStep.EndPass : WatchKeys(s, buf, args, w);
        }
        switch (spec.InMulti)
        {
            case MultiRole.Exec:
                return batchOpen ? MultiStep.EndPass : ExecRunner.Run(s, m);
            case MultiRole.Discard:
                m.Discard(s.Home);
                w.Ok();
                return MultiStep.Handled;
            case MultiRole.Multi:
                w.Error("ERR MULTI calls can not be nested");
                return MultiStep.Handled;
            case MultiRole.Watch:
                w.Error("ERR WATCH inside MULTI is not allowed");
                return MultiStep.Handled;
            case MultiRole.RunsNow:
                return MultiStep.None;
        }
        if ((spec.Flags & CommandFlags.NoMulti) != 0)
        {
            w.Error("ERR Command not allowed inside a transaction");
            Executor.Rejected(s.Home, spec);
            m.Aborted = true;
            return MultiStep.NotRun;
        }
        m.Enqueue(spec, buf, args);
        w.Simple("QUEUED"u8);
        return MultiStep.NotRun;
    }

    /// <summary>A command was rejected before it could be queued (unknown, wrong arity, NOAUTH): EXEC will abort.</summary>
    public static void Rejected(Client c)
    {
        if (c.Multi is { Queuing: true } m) m.Aborted = true;
    }
}
