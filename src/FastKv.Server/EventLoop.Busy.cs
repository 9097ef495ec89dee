using System;
using System.Runtime.InteropServices;
using FastKv.Engine.Scripting;
using FastKv.Protocol;

namespace FastKv.Server;

/// <summary>
/// The loop's part while a script on its thread is busy (past busy-reply-threshold): Redis's
/// processEventsWhileBlocked, called by the script's hook (<see cref="ScriptWatch"/>) from inside the script. It
/// accepts, reads and answers this shard's clients without waiting; their commands meet the gate, which lets only the
/// allow_busy ones run (<see cref="BusyScripts"/>). It leaves alone what could run a command or show a reply out of
/// order: the mailbox (other shards' requests wait for the script), timers, the session running the script, and a
/// connection with replies not yet sent until they are (<see cref="FlushWhileBusy"/>).
/// </summary>
internal sealed unsafe partial class EventLoop : IBusyPump
{
    const int BusyMaxEvents = 64;
    /// <summary>The pump's own event array: the loop's is in use further down the stack.</summary>
    EpollEvent* busyEvents;

    public void PumpWhileBusy()
    {
        FlushWhileBusy();
        // Invariant: BusyMaxEvents entries, owned by this thread, freed when the loop exits.
        if (busyEvents == null) busyEvents = (EpollEvent*)NativeMemory.Alloc((nuint)(BusyMaxEvents * sizeof(EpollEvent)));
        int n = Libc.epoll_wait(epfd, busyEvents, BusyMaxEvents, 0);
        for (int i = 0; i < n; i++)
        {
            ulong data = busyEvents[i].Data;
            try
            {
                if ((data & ListenerTag) != 0) AcceptFrom(data);
                else if ((data & WakeTag) != 0) DrainWake(); // the mailbox itself waits for the script to end
                else if ((int)data < byFd.Length && byFd[(int)data] is { } c) ServeWhileBusy(c);
            }
            catch (Exception ex) { Fault(data, ex); }
        }
    }

    void ServeWhileBusy(Connection c)
    {
        if (c.Closed || c.Session.Processing || c.FlushQueued || c.Session.Output.Length > 0) return;
        ReadInput(c);
        OutputBuffer o = c.Session.Output;
        // Refusals and allow_busy replies report no write: they need no AOF sync first.
        if (!Send(c, o)) return;
        if (o.Length > 0)
        {
            QueueFlush(c); // the rest once the script is over
            return;
        }
        o.Clear();
        if (c.Client.CloseAfterReply && !c.Session.Waiting || c.Client.Killed) Close(c);
    }

    /// <summary>
    /// Replies queued before the script began (Redis sends pending replies in processEventsWhileBlocked too), once the
    /// AOF records they may report are written; kept for later when some were still unpublished as the script began.
    /// </summary>
    void FlushWhileBusy()
    {
        if (toFlush.Count == 0 || !server.BusyScripts.Of(shard.Id).RepliesMayLeave) return;
        if (server.Aof.On)
        {
            server.Aof.SyncPublished(shard, aofAfterMessages);
            aofAfterMessages = false;
        }
        FlushQueued();
    }

    void DrainWake()
    {
        ulong v;
        Libc.read(wakeFd, (byte*)&v, 8);
    }

    void FreeBusyEvents()
    {
        if (busyEvents != null) NativeMemory.Free(busyEvents);
        busyEvents = null;
    }
}
