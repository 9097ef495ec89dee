using System;
using System.Collections.Generic;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// CLIENT PAUSE and CLIENT UNPAUSE (Redis's pauseActions): until a deadline, every client's commands (ALL), or
/// only those that may change data or replicate (WRITE: commands flagged write or may-replicate, and an EXEC
/// whose queue holds one), wait before they run. As in Redis's processCommand the check comes after the other
/// gate checks and before MULTI queues a command, and a waiting client shows flag b.
/// <para>
/// The deadline and mode are server-wide words any shard reads; each shard keeps its own postponed sessions and
/// resumes them on its thread: on its timer tick once the deadline passed, or at once on CLIENT UNPAUSE (a
/// message to every shard). A resumed session parses its command again and so meets the gate again.
/// </para>
/// </summary>
public sealed class ClientPause
{
    const int None = 0, Write = 1, All = 2;

    readonly ServerState server;
    /// <summary>Postponed sessions by home shard; each list belongs to its shard's thread.</summary>
    readonly List<Session>[] postponed;
    long endMs;
    int mode;

    public ClientPause(ServerState server, int shards)
    {
        this.server = server;
        postponed = new List<Session>[shards];
        for (int i = 0; i < shards; i++) postponed[i] = new List<Session>();
    }

    /// <summary>CLIENT PAUSE: the mode given replaces the current one; the later of the two deadlines stays (as Redis).</summary>
    public void Start(long untilMs, bool all)
    {
        Volatile.Write(ref mode, all ? All : Write);
        long cur = Volatile.Read(ref endMs);
        if (untilMs > cur) Volatile.Write(ref endMs, untilMs);
    }

    /// <summary>CLIENT UNPAUSE: ends the pause and resumes every shard's postponed clients now.</summary>
    public void Stop()
    {
        Volatile.Write(ref endMs, 0);
        Volatile.Write(ref mode, None);
        foreach (Shard s in server.Shards) s.Mailbox.Post(new ResumeMessage(this));
    }

    /// <summary>A pause (WRITE or ALL) is on: the dataset holds still, so keys are neither expired nor evicted (Redis 7.2).</summary>
    public bool Active(long now)
    {
        long end = Volatile.Read(ref endMs);
        return end != 0 && now < end;
    }

    /// <summary>Whether the command must wait (<paramref name="now"/>: the shard's clock).</summary>
    public bool Holds(CommandSpec spec, Client client, long now, ReadOnlySpan<byte> buf, ArgList args)
    {
        long end = Volatile.Read(ref endMs);
        if (end == 0 || now >= end) return false;
        int m = Volatile.Read(ref mode);
        if (m == All) return true;
        if (m != Write) return false;
        if (MayChangeData(spec, buf, args)) return true;
        // EXEC of a transaction that queued a write waits as a whole (Redis's mstate.cmd_flags).
        if (client.Multi is { Queuing: true } multi && spec.InMulti == MultiRole.Exec)
            for (int i = 0; i < multi.Commands.Count; i++)
                if (MayChangeData(multi.Commands[i].Spec, multi.Load(i), multi.Args)) return true;
        return false;
    }

    /// <summary>Write or may-replicate; a script by the flags it declared (<see cref="Commands.ScriptCommands.PausedByWrite"/>).</summary>
    bool MayChangeData(CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args) =>
        spec.Cross == CrossShard.Script
            ? Commands.ScriptCommands.PausedByWrite(server, spec, buf, args)
            : (spec.Flags & (CommandFlags.Write | CommandFlags.MayReplicate)) != 0;

    /// <summary>
    /// The session waits for the pause to end; it parses its command again then. Meanwhile it counts in INFO
    /// blocked_clients, as Redis's BLOCKED_POSTPONE client does.
    /// </summary>
    public void Postpone(Session s)
    {
        s.Client.Postponed = true;
        postponed[s.Home.Id].Add(s);
        s.Home.Blocking.BlockedClients++;
    }

    /// <summary>Shard timer: once the pause is over, resumes this shard's postponed clients.</summary>
    public void Tick(Shard shard, long now)
    {
        if (postponed[shard.Id].Count == 0) return;
        long end = Volatile.Read(ref endMs);
        if (end != 0 && now < end) return;
        ResumeAll(shard);
    }

    void ResumeAll(Shard shard)
    {
        List<Session> list = postponed[shard.Id];
        if (list.Count == 0) return;
        Session[] waiting = list.ToArray();
        list.Clear();
        foreach (Session s in waiting)
        {
            s.Client.Postponed = false;
            shard.Blocking.BlockedClients--;
            s.OnPauseEnded();
        }
    }

    /// <summary>A postponed client closed: forget it.</summary>
    public void Forget(Session s)
    {
        if (!s.Client.Postponed) return;
        s.Client.Postponed = false;
        if (postponed[s.Home.Id].Remove(s)) s.Home.Blocking.BlockedClients--;
    }

    sealed class ResumeMessage(ClientPause pause) : ShardMessage
    {
        public override void Run(Shard shard) => pause.ResumeAll(shard);
    }
}
