using System.Diagnostics;

namespace FastKv.Server;

/// <summary>
/// Wake-up coalescing under load. A loop that keeps up with its clients wakes for nearly every socket that becomes
/// ready, and each wake-up is an interrupt, a context switch and an <c>epoll_wait</c> that returns one event: on a busy
/// server with many clients that is a large share of the kernel's work per request. So when the last iteration served
/// only a few events and, over the last millisecond, at least <c>fastkv-coalesce-min-clients</c> connections sent
/// requests while the loop was busy at least <c>fastkv-coalesce-min-busy</c> percent of the time, the loop sleeps
/// <c>fastkv-coalesce-us</c> instead of blocking, then polls once: one wake-up serves every client whose requests
/// arrived meanwhile. A lone client, or a lightly loaded server, never waits for it; a request arriving during such a
/// sleep waits at most <c>fastkv-coalesce-us</c> (0 turns it off).
/// </summary>
internal sealed unsafe partial class EventLoop
{
    /// <summary>Coalesce only after an iteration that served fewer events than this (more: the clients are ahead).</summary>
    const int CoalesceBelowEvents = 4;

    /// <summary>The clock's millisecond (shard.NowMs) the current activity window covers.</summary>
    long windowMs = -1;
    /// <summary>Stopwatch ticks: when the current window began, and how long the loop slept in it.</summary>
    long windowStart, windowIdle;
    /// <summary>Connections that sent something in the current window, and in the window before.</summary>
    int windowClients, lastClients;
    /// <summary>The window before was busy at least fastkv-coalesce-min-busy percent of its time.</summary>
    bool lastBusy;

    /// <summary>Counts <paramref name="c"/> once per window as a connection that sent requests.</summary>
    void NoteActive(Connection c)
    {
        if (c.ActiveWindow == windowMs) return;
        c.ActiveWindow = windowMs;
        windowClients++;
    }

    /// <summary>At each iteration's start: a new millisecond closes the window, keeping its clients and busy share.</summary>
    void RollWindow()
    {
        if (shard.NowMs == windowMs) return;
        long now = Stopwatch.GetTimestamp();
        long length = now - windowStart;
        lastClients = windowClients;
        lastBusy = length > 0 && (length - windowIdle) * 100 >= length * server.Config.CoalesceMinBusyPercent;
        windowMs = shard.NowMs;
        windowStart = now;
        windowIdle = 0;
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
        long start = Stopwatch.GetTimestamp();
        Libc.nanosleep(&ts, null);
        windowIdle += Stopwatch.GetTimestamp() - start;
        shard.Stats.CoalescedWaits++;
        return true;
    }
}
