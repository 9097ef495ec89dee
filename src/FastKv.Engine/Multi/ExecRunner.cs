using System;
using FastKv.Engine.Commands;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>How one queued command runs inside EXEC.</summary>
public enum ExecStepKind
{
    /// <summary>No keys, connection state (SELECT, PING, HELLO, INFO...): on the home shard with the client.</summary>
    Local,
    /// <summary>All its keys on one shard (<see cref="ExecStep.Target"/>).</summary>
    Shard,
    /// <summary>Keys on several shards, or every shard (MSET over shards, DBSIZE, FLUSHALL...): its own transaction, as a child.</summary>
    Cross,
}

public struct ExecStep
{
    public ExecStepKind Kind;
    public Shard? Target;
    /// <summary>The database the command will run in (SELECTs queued before it applied).</summary>
    public int Db;
}

/// <summary>
/// EXEC (Redis's execCommand): EXECABORT when a command was rejected while queuing, a null array when a
/// watched key was modified or expired since WATCH, otherwise every queued command in order with its
/// reply in one array. When every command and every watched key is on the home shard (always with one
/// shard, and with hash tags) the commands run back to back inline, which no other client can
/// interleave with; otherwise an <see cref="ExecTx"/> locks every key first.
/// </summary>
public static class ExecRunner
{
    public static MultiStep Run(Session s, MultiState m)
    {
        Shard home = s.Home;
        RespWriter w = s.W;
        if (m.Aborted)
        {
            w.Error(MultiCommands.ExecAbort);
            m.Discard(home);
            return MultiStep.Handled;
        }
        if (m.Watches != null && m.Watches.Dirty)
        {
            w.NullArray();
            m.Discard(home);
            return MultiStep.Handled;
        }
        ExecStep[] steps = Plan(s, m, out bool allHome);
        if (!allHome)
        {
            Shard? single = RemoteExec.SingleTarget(s, m, steps);
            if (single != null) RemoteExec.Start(s, m, single);
            else new ExecTx(s, m, steps).Start();
            return MultiStep.Started;
        }
        if (home.Locks.Active)
        {
            for (int i = 0; i < steps.Length; i++)
            {
                ReadOnlySpan<byte> buf = m.Load(i);
                if (Executor.Blocked(home, m.Commands[i].Spec, buf, m.Args, steps[i].Db, 0)) return MultiStep.Park;
            }
            if (m.Watches != null)
                foreach (WatchedKey k in m.Watches.Keys)
                    if (home.Locks.Blocks(TxLock.KeyId(k.Db, FastKv.Memory.KeyHash.Hash(k.Key)), false, 0)) return MultiStep.Park;
        }
        if (m.Watches != null && m.Watches.AnyExpiredSinceWatch(home.NowMs))
        {
            w.NullArray();
            m.Discard(home);
            return MultiStep.Handled;
        }
        w.ArrayHeader(steps.Length);
        home.Blocking.Hold();
        // The transaction's AOF records are one unit: MULTI ... EXEC around them when there are several.
        bool capture = home.Aof.On && !home.Aof.Capturing;
        if (capture) home.Aof.BeginCapture();
        try
        {
            for (int i = 0; i < steps.Length; i++) RunAtHome(s, m, i, 0);
        }
        finally
        {
            if (capture) home.Aof.EndCaptureWrapped();
            home.Blocking.Release();
        }
        m.Discard(home);
        return MultiStep.Handled;
    }

    /// <summary>Runs queued command <paramref name="i"/> on the home shard with the client (SELECT, HELLO apply).</summary>
    internal static void RunAtHome(Session s, MultiState m, int i, long txId)
    {
        ReadOnlySpan<byte> buf = m.Load(i);
        var c = new CommandContext
        {
            Shard = s.Home, W = s.W, Client = s.Client, DbIndex = s.Client.Db, Buffer = buf, Args = m.Args,
            Spec = m.Commands[i].Spec, TxId = txId,
        };
        Executor.Invoke(ref c);
    }

    /// <summary>Where each queued command runs, following the SELECTs queued before it.</summary>
    static ExecStep[] Plan(Session s, MultiState m, out bool allHome)
    {
        ServerState server = s.Home.Server;
        var steps = new ExecStep[m.Commands.Count];
        int db = s.Client.Db;
        allHome = m.Watches == null || m.Watches.AllOn(s.Home);
        for (int i = 0; i < steps.Length; i++)
        {
            CommandSpec spec = m.Commands[i].Spec;
            ReadOnlySpan<byte> buf = m.Load(i);
            steps[i].Db = db;
            if (spec.Route == Route.Local)
            {
                steps[i].Kind = ExecStepKind.Local;
                if (spec.ChangesDb && RespNumber.TryParseInt64(m.Args.Get(buf, 1), out long d) && d >= 0 && d < s.Home.Dbs.Length)
                    db = (int)d;
                continue;
            }
            Shard? target = server.ShardCount > 1 ? Router.Target(server, s.Home, spec, buf, m.Args, db) : s.Home;
            steps[i].Kind = target == null ? ExecStepKind.Cross : ExecStepKind.Shard;
            steps[i].Target = target;
            if (target != s.Home) allHome = false;
        }
        return steps;
    }
}
