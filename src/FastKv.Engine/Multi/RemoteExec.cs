using System;

namespace FastKv.Engine;

/// <summary>
/// EXEC whose queued commands all have their keys on one other shard (hash tags on a foreign shard) and that
/// watches no key: the whole transaction travels to that shard as one atomic <see cref="RemoteRequest"/>, which
/// runs the commands back to back (nothing else runs on a shard thread in between) once no intent lock covers
/// any of their keys. One round trip instead of <see cref="ExecTx"/>'s lock, grant, run and release messages.
/// </summary>
public sealed class RemoteExec : IRemoteOwner
{
    readonly Session session;
    readonly MultiState m;
    readonly RemoteRequest request;
    readonly int count;

    RemoteExec(Session s, MultiState m, Shard target)
    {
        session = s;
        this.m = m;
        count = m.Commands.Count;
        request = new RemoteRequest(this) { Atomic = true };
        request.Reset(s.Home, target, s.Client.Db, s.Client.Protocol, 0);
        request.Caller = s.Client.Tracking;
        for (int i = 0; i < count; i++) request.Add(m.Load(i), m.Args);
    }

    /// <summary>The shard every command goes to when this path applies, else null.</summary>
    public static Shard? SingleTarget(Session s, MultiState m, ExecStep[] steps)
    {
        if (m.Watches != null && m.Watches.Count > 0) return null;
        Shard? target = null;
        foreach (ExecStep step in steps)
        {
            if (step.Kind != ExecStepKind.Shard || step.Target == s.Home) return null;
            if (target != null && step.Target != target) return null;
            target = step.Target;
        }
        return target;
    }

    public static void Start(Session s, MultiState m, Shard target)
    {
        m.Executing = true;
        new RemoteExec(s, m, target).request.Send();
    }

    public void OnRemoteDone(RemoteRequest r)
    {
        m.Executing = false;
        if (!session.IsClosed)
        {
            session.W.ArrayHeader(count);
            session.W.Raw(r.ReplyBuffer.Written);
        }
        m.Discard(session.Home);
        session.OnTransactionDone();
    }
}
