using System.Diagnostics;

namespace FastKv.Server;

/// <summary>
/// Wake-up coalescing under load. A loop that keeps up with its clients wakes for nearly every socket that becomes
/// ready, and each wake-up is an interrupt, a context switch and an <c>epoll_wait</c> that returns one event: on a busy
/// server with many clients that is a large share of the kernel's work per request. So when the last iteration served
/// only a few events and, over the last millisecond, at least <c>fastkv-coalesce-min-clients</c> connections sent
/// requests while the loop's thread ran at least <c>fastkv-coalesce-min-busy</c> percent of the time, the loop sleeps
/// <c>fastkv-coalesce-us</c> instead of blocking, then polls once: one wake-up serves every client whose requests
/// arrived meanwhile. A lone client, or a lightly loaded server, never waits for it; a request arriving during such a
/// sleep waits at most <c>fastkv-coalesce-us</c> (0 turns it off).
/// </summary>
internal sealed unsafe partial class EventLoop
{
    /// <summary>Coalesce only after an iteration that served fewer events than this (more: the clients are ahead).</summary>
    const int CoalesceBelowEvents = 4;

    /// <summary>The clock's millisecond (shard.NowMs) last seen, and the number of the current activity window.</summary>
    long windowMs = -1, windowId;
    /// <summary>When the current window began: Stopwatch ticks, and the thread's CPU time in nanoseconds.</summary>
    long windowStart, windowCpuStart;
    /// <summary>Connections that sent something in the current window, and in the window before.</summary>
    int windowClients, lastClients;
    /// <summary>The loop's thread ran at least fastkv-coalesce-min-busy percent of the window before.</summary>
    bool lastBusy;

    /// <summary>Counts <paramref name="c"/> once per window as a connection that sent requests.</summary>
    void NoteActive(Connection c)
    {
        if (c.ActiveWindow == windowId) return;
        c.ActiveWindow = windowId;
        windowClients++;
    }

    /// <summary>
    /// At each iteration's start, once the clock's millisecond moved on: a window of at least a millisecond closes,
    /// keeping its clients and busy share (a shorter one, begun just before the millisecond turned, goes on: a few
    /// microseconds of work would read as a busy window). The busy share is the thread's CPU time over the window's
    /// wall time (one clock_gettime a millisecond), so time the thread spent preempted on a loaded machine is not work.
    /// </summary>
    void RollWindow()
    {
        if (shard.NowMs == windowMs) return;
        windowMs = shard.NowMs;
        long now = Stopwatch.GetTimestamp();
        if (now - windowStart < Stopwatch.Frequency / 1000) return;
        long cpu = Libc.ThreadCpuNanos();
        long wallNs = (long)((now - windowStart) * (1_000_000_000.0 / Stopwatch.Frequency));
        lastClients = windowClients;
        lastBusy = (cpu - windowCpuStart) * 100 >= wallNs * server.Config.CoalesceMinBusyPercent;
        windowId++;
        windowStart = now;
        windowCpuStart = cpu;
        windowClients = 0;
    }

    /// <summary>
    /// Before a blocking wait that follows an iteration of <paramref name="served"/> events: sleeps the coalescing time
    /// when the load warrants it (see the class) and returns true; the caller then polls instead of blocking.
    /// </summary>
    bool Coalesce(int served)
    {
        int micros = server.Config.CoalesceMicros;
        if (micros <= 0 || served <= 0 || served >= CoalesceBelowEvents || !lastBusy
            || lastClients < server.Config.CoalesceMinClients || !shard.Mailbox.IsEmpty)
            return false;
        var ts = new Libc.Timespec { Sec = 0, Nsec = micros * 1000L };
        // Invariant: ts is a local read by the kernel during the call only.
        Libc.nanosleep(&ts, null);
        shard.Stats.CoalescedWaits++;
        return true;
    }
}
