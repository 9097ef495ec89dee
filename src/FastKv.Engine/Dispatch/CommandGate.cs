using System;
using FastKv.Engine.Commands;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>What the session does with a command once <see cref="CommandGate"/> has looked at it.</summary>
public enum Verdict
{
    /// <summary>Passed every check: run it or route it to its shard.</summary>
    Run,
    /// <summary>Refused; the error is written (inside MULTI the EXEC will abort). Consume it and go on.</summary>
    Refused,
    /// <summary>The client is in MULTI, or the command is WATCH: the transaction hook takes it.</summary>
    Transaction,
    /// <summary>Clients are paused (CLIENT PAUSE): end the pass, and parse it again when the pause ends.</summary>
    Postpone,
    /// <summary>
    /// Undecided until the commands already sent to other shards in this pass have run (they may give those shards
    /// keys to evict): end the pass, and parse it again when the batch is back.
    /// </summary>
    AfterBatch,
}

/// <summary>
/// The checks Redis's processCommand makes before a command runs or is queued, in its order: lookup
/// (unknown command, unknown subcommand, arity, a protected command), authentication, RESP2 subscriber mode, a monitor touching
/// the keyspace, a client pause, and whether MULTI queues it; with maxmemory set, eviction and the OOM refusal come
/// right after authentication, as in Redis; loading and a busy script come after the disk-error and subscriber checks,
/// before the pause. Later checks (read-only replica) belong here too, where Redis makes them. The gate never runs a command.
/// </summary>
public static class CommandGate
{
    /// <summary>
    /// Resolves the command (<paramref name="found"/>: its table entry when the look-ahead found it) and decides its
    /// fate. <paramref name="spec"/> is null only when lookup refused it.
    /// Errors go to <paramref name="w"/>, the writer of the command's reply.
    /// </summary>
    public static Verdict Check(Session s, ReadOnlySpan<byte> buf, ArgList args, RespWriter w, CommandSpec? found, out CommandSpec? spec)
    {
        Client client = s.Client;
        spec = Executor.Resolve(s.Home.Server.Commands, buf, args, w, out CommandSpec? refused, found);
        if (spec == null) return Refuse(s, refused);
        client.LastCommand = spec.FullName;
        if (client.AofLoader)
            return client.Multi is { Queuing: true } || (spec.Flags & CommandFlags.SessionHook) != 0 ? Verdict.Transaction : Verdict.Run;
        // Redis checks a protected command (DEBUG) with the lookup, before authentication.
        if ((spec.Flags & CommandFlags.Protected) != 0 && !ServerCommands.ProtectedAllowed(s.Home.Server.Config.EnableDebugCommand, client))
        {
            w.Error(Errors.DebugNotAllowed);
            return Refuse(s, spec);
        }
        if (!client.Authenticated && (spec.Flags & CommandFlags.NoAuth) == 0)
        {
            w.Error(Errors.NoAuth);
            return Refuse(s, spec);
        }
        ServerState server = s.Home.Server;
        // No eviction under a busy script (Redis skips performEvictions then): its shard's keys are the script's.
        bool busy = server.BusyScripts.Any;
        bool oom = server.Config.MaxMemory != 0 && !busy && s.Home.Evictor.BeforeCommand();
        client.PreCommandOom = oom;
        if (oom && RefusedOnOom(server, spec, client, buf, args))
        {
            if (s.BatchOpen) return Verdict.AfterBatch;
            return Reject(s, spec, w, Errors.Oom);
        }
        // Redis's writeCommandsDeniedByDiskError: after a failed save or AOF write, writes (and PING) are refused; a
        // script is a write by the flags it declared (its unflagged calls are checked inside, ScriptEngine).
        if (DiskError(server) is { } diskError
            && ((spec.Flags & CommandFlags.Write) != 0 || spec.RefusedOnDiskError
                || (spec.Cross == CrossShard.Script && ScriptCommands.WritesByFlags(server, spec, buf, args))))
        {
            w.Error(diskError);
            return Refuse(s, spec);
        }
        // Redis's checkGoodReplicasStatus: with min-replicas-to-write and -max-lag set, a master without that many good
        // replicas (FastKv has none) refuses writes; a script by the flags it declared, EXEC by the commands it holds.
        if (NoGoodReplicas(server)
            && ((spec.Flags & CommandFlags.Write) != 0
                || (spec.Cross == CrossShard.Script && ScriptCommands.WritesByFlags(server, spec, buf, args))
                || (spec.InMulti == MultiRole.Exec && client.Multi is { Queuing: true } m && m.HoldsWrite)))
        {
            w.Error(Errors.NoReplicas);
            return Refuse(s, spec);
        }
        if (client.PubSub != null && PubSubCommands.InSubscriberMode(client) && !PubSubCommands.AllowedWhileSubscribed(spec))
        {
            // RESP2 subscriber mode: the connection only carries pushes and (un)subscriptions. As in Redis,
            // this check comes before queuing, and a rejection inside MULTI aborts the EXEC.
            w.Error(PubSubCommands.SubscriberModeError(spec));
            return Refuse(s, spec);
        }
        if (client.Monitor && (spec.Flags & (CommandFlags.Write | CommandFlags.ReadOnly | CommandFlags.MayReplicate)) != 0)
        {
            // Redis marks a monitor as a replica, and a replica may not use the keyspace.
            w.Error("ERR Replica can't interact with the keyspace");
            return Refuse(s, spec);
        }
        if (server.Loading && (spec.Flags & CommandFlags.Loading) == 0)
        {
            w.Error(Errors.Loading);
            return Refuse(s, spec);
        }
        // A script past busy-reply-threshold on any shard: only the allow_busy commands run, on every shard (see BusyScripts).
        if (busy && (spec.Flags & CommandFlags.AllowBusy) == 0) return Reject(s, spec, w, server.BusyScripts.BusyError);
        if (s.Home.Server.Pause.Holds(spec, client, s.Home.NowMs, buf, args)) return Verdict.Postpone;
        // A snapshot's writer behind by more than the hard limit: writes wait, as behind a pause, so memory stays bounded.
        if ((spec.Flags & CommandFlags.Write) != 0 && server.Persistence.Running is { } snap && snap.HoldsWrites()) return Verdict.Postpone;
        // A client in MULTI queues its commands; WATCH outside MULTI waits for its registrations.
        if (client.Multi is { Queuing: true } || (spec.Flags & CommandFlags.SessionHook) != 0) return Verdict.Transaction;
        return Verdict.Run;
    }

    /// <summary>Writes are refused for want of good replicas (Redis's !checkGoodReplicasStatus(): FastKv has no replicas).</summary>
    public static bool NoGoodReplicas(ServerState server) =>
        server.Config.MinReplicasToWrite > 0 && server.Config.MinReplicasMaxLag > 0;

    /// <summary>
    /// Why writes are refused now (writeCommandsGetDiskErrorMessage): a failed save under stop-writes-on-bgsave-error,
    /// or, until a write succeeds again, a failed AOF write; null when they are not.
    /// </summary>
    public static string? DiskError(ServerState server)
    {
        if (server.Persistence.RefusesWrites) return Errors.BgsaveError;
        if (server.Aof.WriteError is { } aofError && server.Aof.On) return "MISCONF Errors writing to the AOF file: " + aofError;
        return null;
    }

    /// <summary>
    /// Which commands Redis refuses while out of memory: those flagged denyoom; inside MULTI every command but
    /// EXEC, DISCARD, QUIT and RESET (queuing grows memory too), and EXEC when it holds a denyoom command. A
    /// no-multi command inside MULTI gets its own error first. A script is denyoom by its shebang (Redis's
    /// evalGetCommandFlags).
    /// </summary>
    static bool RefusedOnOom(ServerState server, CommandSpec spec, Client client, ReadOnlySpan<byte> buf, ArgList args)
    {
        if ((spec.Flags & CommandFlags.DenyOom) != 0) return true;
        if (spec.Cross == CrossShard.Script && client.Multi is not { Queuing: true } && ScriptCommands.DeniedOnOom(server, spec, buf, args)) return true;
        if (client.Multi is not { Queuing: true } multi || (spec.Flags & CommandFlags.NoMulti) != 0) return false;
        switch (spec.InMulti)
        {
            case MultiRole.Exec:
                foreach (MultiState.Queued q in multi.Commands)
                    if ((q.Spec.Flags & CommandFlags.DenyOom) != 0) return true;
                return false;
            case MultiRole.Discard:
            case MultiRole.RunsNow:
                return false;
            default:
                return true;
        }
    }

    /// <summary>
    /// Redis's rejectCommand: a refused EXEC aborts the transaction, naming the error; anything else gets it plainly
    /// (and a MULTI it belongs to will abort).
    /// </summary>
    static Verdict Reject(Session s, CommandSpec spec, RespWriter w, string error)
    {
        if (spec.InMulti == MultiRole.Exec && s.Client.Multi is { Queuing: true } multi)
        {
            multi.Discard(s.Home);
            w.Error(Errors.ExecAbortBecause + error);
            Executor.Rejected(s.Home, spec);
            return Verdict.Refused;
        }
        w.Error(error);
        return Refuse(s, spec);
    }

    /// <summary>Redis's rejectCommand once the error is written: the command counts as rejected, and a MULTI will abort.</summary>
    static Verdict Refuse(Session s, CommandSpec? spec)
    {
        Executor.Rejected(s.Home, spec);
        if (s.Client.Multi != null) MultiCommands.Rejected(s.Client);
        return Verdict.Refused;
    }
}
