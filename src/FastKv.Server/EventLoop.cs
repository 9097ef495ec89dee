using System;
using System.Diagnostics;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using FastKv.Engine;
using FastKv.Protocol;

namespace FastKv.Server;

/// <summary>
/// One shard's thread: waits on its epoll set, accepts on its own SO_REUSEPORT listeners, reads
/// every ready socket, runs the complete commands, writes replies, then drains its mailbox and
/// runs due timers (DESIGN.md section 2). Nothing here blocks except epoll_wait.
/// </summary>
internal sealed unsafe partial class EventLoop : LoopWaker, ISessionHost
{
    const ulong ListenerTag = 1UL << 62;
    const ulong WakeTag = 1UL << 61;
    const int MaxEvents = 256;
    /// <summary>Least free space to read into: a partial command below this stays in its chunk.</summary>
    const int ReadChunk = 4 * 1024;
    /// <summary>Stop reading a client whose unsent replies exceed this (it sends but does not read).</summary>
    const int OutputPauseBytes = 8 * 1024 * 1024;

    readonly ServerState server;
    readonly Shard shard;
    int[] listeners;
    readonly int epfd;
    readonly int wakeFd;
    readonly int cpu;
    Connection?[] byFd = new Connection?[1024];
    readonly List<Connection> toFlush = new();
    readonly List<Connection> all = new();
    public Thread? Thread;
    long nextExpiryMs, nextCronMs;
    /// <summary>
    /// Messages ran since the last AOF sync: replies they brought may report other shards' writes, so the next flush
    /// waits until everything queued before is written. Replies made here only need this shard's own records.
    /// </summary>
    bool aofAfterMessages;

    /// <summary>This loop's descriptor of the unixsocket (a dup of one socket every loop accepts from), or -1.</summary>
    int unixListener;
    const ulong UnixListenerIndex = 0xFFFF;

    public EventLoop(ServerState server, Shard shard, int[] listeners, int unixListener, int cpu)
    {
        this.server = server;
        this.shard = shard;
        this.listeners = listeners;
        this.unixListener = unixListener;
        this.cpu = cpu;
        epfd = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        wakeFd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        if (epfd < 0 || wakeFd < 0) throw new InvalidOperationException("epoll/eventfd failed: errno " + Libc.Errno);
        for (int i = 0; i < listeners.Length; i++) Register(listeners[i], Libc.EPOLLIN, ListenerTag | (uint)i);
        // One socket shared by every loop: EPOLLEXCLUSIVE wakes one of them per connection, not all.
        if (unixListener >= 0) Register(unixListener, Libc.EPOLLIN | Libc.EPOLLEXCLUSIVE, ListenerTag | UnixListenerIndex);
        Register(wakeFd, Libc.EPOLLIN, WakeTag);
        shard.Mailbox.Waker = this;
        server.BusyScripts.Of(shard.Id).Pump = this;
    }

    void Register(int fd, uint events, ulong data)
    {
        var ev = new EpollEvent { Events = events, Data = data };
        Libc.epoll_ctl(epfd, Libc.EPOLL_CTL_ADD, fd, &ev);
    }

    void Modify(Connection c)
    {
        uint events = (c.ReadPaused ? 0 : Libc.EPOLLIN) | (c.WantWrite ? Libc.EPOLLOUT : 0) | Libc.EPOLLRDHUP;
        var ev = new EpollEvent { Events = events, Data = (ulong)c.Fd };
        Libc.epoll_ctl(epfd, Libc.EPOLL_CTL_MOD, c.Fd, &ev);
    }

    sealed class KillMessage : ShardMessage
    {
        readonly EventLoop loop;
        readonly Client client;
        public KillMessage(EventLoop loop, Client client) { this.loop = loop; this.client = client; }
        public override void Run(Shard shard)
        {
            Connection? c = client.Fd < loop.byFd.Length ? loop.byFd[client.Fd] : null;
            if (c != null && c.Client == client) loop.Close(c);
        }
    }

    sealed class ListenersMessage(EventLoop loop, int[] fds) : ShardMessage
    {
        public override void Run(Shard shard) => loop.SwapListeners(fds);
    }

    /// <summary>CONFIG SET bind/port from any thread: this loop accepts on <paramref name="fds"/> from now on.</summary>
    public void ReplaceListeners(int[] fds) => shard.Mailbox.Post(new ListenersMessage(this, fds));

    /// <summary>On this loop's thread, between epoll batches, so no event of an old listener is pending.</summary>
    void SwapListeners(int[] fds)
    {
        foreach (int fd in listeners)
        {
            if (fd < 0) continue; // closed by CloseListeners
            var ev = new EpollEvent();
            Libc.epoll_ctl(epfd, Libc.EPOLL_CTL_DEL, fd, &ev);
            Libc.close(fd);
        }
        listeners = fds;
        for (int i = 0; i < fds.Length; i++) Register(fds[i], Libc.EPOLLIN, ListenerTag | (uint)i);
    }

    /// <summary>
    /// The server is stopping (any thread): the listening sockets close now, so a client connecting after SHUTDOWN's
    /// reply is refused, as by Redis (which exits from inside the command). The loop may still read a slot: -1 makes its
    /// accept4 fail (EBADF), and a reused number's accept4 fails too (ENOTSOCK).
    /// </summary>
    public void CloseListeners()
    {
        int[] l = listeners;
        for (int i = 0; i < l.Length; i++)
        {
            int fd = l[i];
            if (fd < 0) continue;
            l[i] = -1;
            Libc.close(fd);
        }
        int u = Interlocked.Exchange(ref unixListener, -1);
        if (u >= 0) Libc.close(u);
    }

    /// <summary>CLIENT KILL from any thread: the connection closes on its own loop, right away.</summary>
    public void Kill(Client client) => shard.Mailbox.Post(new KillMessage(this, client));

    public override void Wake()
    {
        ulong one = 1;
        Libc.write(wakeFd, (byte*)&one, 8);
    }

    public void Start()
    {
        // 16 MiB of stack (reserved, not committed): a script's reply may nest as deep as Lua's stack allows (~8000).
        Thread = new Thread(Run, 16 << 20) { Name = "fastkv-shard-" + shard.Id, IsBackground = true };
        Thread.Start();
    }

    void Run()
    {
        if (cpu >= 0)
        {
            // Pin this thread only (pid 0 = calling thread); the rest of the process keeps every core.
            ulong mask = 1UL << cpu;
            Libc.sched_setaffinity(0, sizeof(ulong), &mask);
        }
        AofLog.Current = shard;
        // Sleeps of tens of microseconds (wake-up coalescing) would otherwise end up to 50 us late.
        Libc.prctl(Libc.PR_SET_TIMERSLACK, 1000, 0, 0, 0);
        int served = 0;
        // Invariant: MaxEvents entries, owned by this thread, freed when the loop exits.
        EpollEvent* events = (EpollEvent*)NativeMemory.Alloc((nuint)(MaxEvents * sizeof(EpollEvent)));
        try
        {
            while (!server.ShutdownRequested)
            {
                ShardSnapshot? snap = shard.Snapshot;
                // A snapshot with work left keeps the loop spinning; one waiting for its writer checks back each ms.
                int timeout = toFlush.Count > 0 || shard.LazyFree.Busy ? 0 : snap == null ? 100 : snap.Paused ? 1 : 0;
                if (timeout > 0 && shard.Blocking.HomeWaiters > 0)
                    timeout = Math.Min(timeout, shard.Blocking.MillisUntilNextTimeout(shard.NowMs));
                RollWindow();
                if (timeout != 0 && Coalesce(served)) timeout = 0;
                if (timeout != 0 && !shard.Mailbox.PrepareSleep()) timeout = 0;
                int n = Libc.epoll_wait(epfd, events, MaxEvents, timeout);
                served = n;
                shard.Mailbox.AwakeNow();
                shard.UpdateClock();
                for (int i = 0; i < n; i++)
                {
                    try { Dispatch(events[i]); }
                    catch (Exception ex) { Fault(events[i].Data, ex); }
                }
                // A message may carry a reply whose writes another shard published: the next flush waits for them.
                if (shard.Mailbox.Drain(shard) > 0) aofAfterMessages = true;
                // Redis's beforeSleep sends the BCAST invalidations of the keys modified this cycle.
                if (shard.Tracking.BcastKeys.Count > 0) server.TrackingPrefixes.Broadcast(shard);
                FlushQueued();
                EvictClients();
                Timers();
                // Values and tables dropped the lazy way: a bounded part of them each iteration, after the replies went out.
                if (shard.LazyFree.Busy) shard.LazyFree.Step();
                // Records of work that answered nobody (expiry, eviction, a transaction's part) reach the file too.
                if (server.Aof.On) server.Aof.EndOfIteration(shard);
                // A running snapshot serializes a slice of buckets between requests: a short one when this
                // iteration served clients, ten times longer when it was idle (persistence design 1.3).
                snap = shard.Snapshot;
                if (snap != null)
                {
                    long slice = server.Config.SnapshotSliceMicros * Stopwatch.Frequency / 1_000_000;
                    snap.Step(n > 0 ? slice : 10 * slice);
                }
            }
        }
        finally
        {
            NativeMemory.Free(events);
            FreeBusyEvents();
            foreach (var c in all.ToArray()) Close(c);
        }
    }

    void Dispatch(EpollEvent ev)
    {
        if ((ev.Data & ListenerTag) != 0)
        {
            AcceptFrom(ev.Data);
            return;
        }
        if ((ev.Data & WakeTag) != 0)
        {
            DrainWake();
            return;
        }
        int fd = (int)ev.Data;
        Connection? c = fd < byFd.Length ? byFd[fd] : null;
        if (c == null || c.Closed) return;
        if ((ev.Events & Libc.EPOLLOUT) != 0) Flush(c);
        if (c.Closed) return;
        if ((ev.Events & (Libc.EPOLLIN | Libc.EPOLLERR | Libc.EPOLLHUP | Libc.EPOLLRDHUP)) != 0) Read(c);
    }

    /// <summary>
    /// A bug surfaced as an exception while serving one connection: log it and drop that
    /// connection (its state may be half-updated), keep serving everyone else.
    /// </summary>
    void Fault(ulong data, Exception ex)
    {
        Console.Error.WriteLine("error: shard " + shard.Id + ": " + ex);
        if ((data & (ListenerTag | WakeTag)) != 0) return;
        int fd = (int)data;
        if (fd < byFd.Length && byFd[fd] is { } c) Close(c);
    }

    /// <summary>Accepts on the listener an epoll event names (its index, or the unixsocket's).</summary>
    void AcceptFrom(ulong data)
    {
        if ((data & 0xFFFF) == UnixListenerIndex) Accept(unixListener, unix: true);
        else Accept(listeners[(int)(data & 0xFFFF)], unix: false);
    }

    void Accept(int lfd, bool unix)
    {
        while (true)
        {
            int fd = Libc.accept4(lfd, null, null, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (fd < 0) return;
            Interlocked.Increment(ref server.TotalConnectionsReceived);
            if (server.Clients.Count >= server.Config.MaxClients)
            {
                ReadOnlySpan<byte> msg = "-ERR max number of clients reached\r\n"u8;
                fixed (byte* p = msg) Libc.send(fd, p, msg.Length, Libc.MSG_NOSIGNAL);
                Libc.close(fd);
                Interlocked.Increment(ref server.RejectedConnections);
                continue;
            }
            if (!unix) Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
            if (!unix && server.Config.TcpKeepAlive > 0)
            {
                Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_KEEPALIVE, 1);
                Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPIDLE, server.Config.TcpKeepAlive);
                Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPINTVL, Math.Max(1, server.Config.TcpKeepAlive / 3));
                Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPCNT, 3);
            }
            var client = new Client
            {
                Id = server.NextClientId(),
                Fd = fd,
                ShardId = shard.Id,
                CreatedMs = shard.NowMs,
                LastInteractionMs = shard.NowMs,
                // A unix socket client's addr and laddr are the socket's path (Redis's genClientAddrString).
                Address = unix ? server.Config.UnixSocket + ":0" : Listener.Address(fd, true),
                LocalAddress = unix ? server.Config.UnixSocket + ":0" : Listener.Address(fd, false),
                UnixSocket = unix,
            };
            var session = new Session(shard, client) { Host = this };
            var c = new Connection(fd, session, client);
            if (fd >= byFd.Length) Array.Resize(ref byFd, Math.Max(byFd.Length * 2, fd + 1));
            byFd[fd] = c;
            c.Index = all.Count;
            all.Add(c);
            server.Clients[client.Id] = client;
            Register(fd, Libc.EPOLLIN | Libc.EPOLLRDHUP, (ulong)fd);
        }
    }

    void Read(Connection c)
    {
        NoteActive(c);
        ReadInput(c);
        QueueFlush(c);
    }

    /// <summary>Reads what the socket has (a few chunks) and runs the complete commands; the replies stay in the output.</summary>
    void ReadInput(Connection c)
    {
        for (int round = 0; round < 4; round++)
        {
            Span<byte> space = c.Session.ReadSpace(ReadChunk);
            nint n;
            // Invariant: the kernel writes at most space.Length bytes into the pinned span.
            fixed (byte* p = space) n = Libc.read(c.Fd, p, space.Length);
            if (n > 0)
            {
                c.Session.Commit((int)n);
                c.Session.Process();
                if (c.Session.Output.Length >= OutputPauseBytes || n < space.Length) break;
                continue;
            }
            int errno = Libc.Errno; // before anything else calls libc (giving a chunk back may madvise)
            c.Session.SettleInput(); // nothing arrived: an idle connection holds no query buffer
            if (n == 0 || errno != Libc.EAGAIN && errno != Libc.EINTR)
            {
                if (c.Session.Blocked != null)
                {
                    // A client gone while blocked stops waiting now (nothing is served to it), as in Redis.
                    Close(c);
                    return;
                }
                c.Client.CloseAfterReply = true;
                c.Session.Output.Clear();
            }
            break;
        }
    }

    void QueueFlush(Connection c)
    {
        if (c.FlushQueued) return;
        c.FlushQueued = true;
        toFlush.Add(c);
    }

    public void OnSessionResumed(Session s)
    {
        Connection? c = s.Client.Fd < byFd.Length ? byFd[s.Client.Fd] : null;
        if (c != null && c.Session == s) QueueFlush(c);
    }

    void FlushQueued()
    {
        // Flushing may run commands (a paused reader resumes), which may queue more.
        for (int i = 0; i < toFlush.Count; i++)
        {
            var c = toFlush[i];
            c.FlushQueued = false;
            if (!c.Closed) Flush(c);
        }
        toFlush.Clear();
    }

    void Flush(Connection c)
    {
        // Condemned (CLIENT KILL, output buffer limit): close without sending the rest, as Redis frees it.
        if (c.Client.Killed)
        {
            Close(c);
            return;
        }
        OutputBuffer o = c.Session.Output;
        // No reply leaves before the writes it reports are in the AOF (fsynced under always), as Redis writes the
        // AOF in beforeSleep before it sends replies.
        if (o.Length > 0 && server.Aof.On && (aofAfterMessages || server.Aof.Pending(shard)))
        {
            server.Aof.Sync(shard, aofAfterMessages);
            aofAfterMessages = false;
        }
        if (!Send(c, o)) return;
        if ((o.Length > 0 || c.Client.OutputSoftLimitSinceMs != 0) &&
            server.Config.OutputBufferLimits.Exceeded(c.Client, o.Length, shard.NowMs))
        {
            c.Client.Killed = true; // condemned by its output limit (Close gives its memory back)
            Close(c);
            return;
        }
        if (o.Length == 0) o.Clear(); // everything sent: the connection holds no output memory while idle
        bool want = o.Length > 0;
        bool pause = o.Length >= OutputPauseBytes;
        if (o.Length == 0 && c.Client.CloseAfterReply && !c.Session.Waiting || c.Client.Killed)
        {
            Close(c);
            return;
        }
        if (want != c.WantWrite || pause != c.ReadPaused)
        {
            c.WantWrite = want;
            c.ReadPaused = pause;
            Modify(c);
        }
        // Input left over from a pause, or a resumed session: keep going once the output drained.
        if (!pause && !c.Session.Waiting && c.Session.BufferedInput > 0 && o.Length == 0)
        {
            c.Session.Process();
            if (o.Length > 0) QueueFlush(c);
        }
        // Every read's commands, delivered push and write ends here: the memory client eviction sees.
        if (shard.ClientMemory.On) shard.ClientMemory.Measure(c.Session);
    }

    /// <summary>Sends what the socket takes now; false when the connection failed and is closed.</summary>
    bool Send(Connection c, OutputBuffer o)
    {
        while (o.Length > 0)
        {
            nint n;
            ReadOnlySpan<byte> next = o.FirstSegment;
            // Invariant: the kernel reads at most next.Length bytes of the segment, native memory the buffer owns.
            fixed (byte* p = next) n = Libc.send(c.Fd, p, next.Length, Libc.MSG_NOSIGNAL);
            if (n > 0)
            {
                o.Consume((int)n);
                shard.Stats.NetOutputBytes += n;
                continue;
            }
            if (n < 0 && (Libc.Errno == Libc.EAGAIN || Libc.Errno == Libc.EINTR)) break;
            Close(c);
            return false;
        }
        return true;
    }

    void Close(Connection c)
    {
        if (c.Closed) return;
        c.Closed = true;
        if (shard.ClientMemory.On) shard.ClientMemory.Forget(c.Client);
        // Its buffers go back to the shard's chunk pool (native memory): nothing for the GC to collect.
        c.Session.Close();
        // Out of CLIENT LIST before the peer can see the close, as Redis's freeClient unlinks before it closes.
        server.Clients.TryRemove(c.Client.Id, out _);
        // close() takes the socket out of the epoll set too (no other descriptor refers to it): no EPOLL_CTL_DEL.
        Libc.close(c.Fd);
        if (c.Fd < byFd.Length && byFd[c.Fd] == c) byFd[c.Fd] = null;
        RemoveFromAll(c);
    }

    /// <summary>Swap-removes from the list of connections in O(1) (a storm closes thousands at once).</summary>
    void RemoveFromAll(Connection c)
    {
        int i = c.Index;
        if ((uint)i >= (uint)all.Count || all[i] != c) return;
        Connection last = all[all.Count - 1];
        all[i] = last;
        last.Index = i;
        all.RemoveAt(all.Count - 1);
        c.Index = -1;
    }

    /// <summary>
    /// maxmemory-clients, once per iteration after the flushes: measuring follows the setting, and while every
    /// shard's clients together are at or over the limit and this shard holds the largest evictable ones, the
    /// largest of them is disconnected, as Redis's evictClients frees a client (no reply flushed).
    /// </summary>
    void EvictClients()
    {
        ClientMemory m = shard.ClientMemory;
        if (m.Switch())
        {
            for (int i = 0; i < all.Count; i++) m.Enroll(all[i].Session);
        }
        if (!m.On) return;
        int bucket;
        while ((bucket = m.BucketToEvict()) >= 0)
        {
            Connection? victim = null;
            for (int i = 0; i < all.Count; i++)
            {
                Client cl = all[i].Client;
                if (cl.MemoryBucket == bucket && (victim == null || cl.TrackedMemory > victim.Client.TrackedMemory)) victim = all[i];
            }
            if (victim == null)
            {
                m.EndTurn(); // the counts say otherwise: never spin on it
                return;
            }
            shard.Stats.EvictedClients++;
            Close(victim);
        }
    }

    void Timers()
    {
        long now = shard.NowMs;
        server.Pause.Tick(shard, now);
        if (shard.Blocking.HasHomeWork)
        {
            shard.Blocking.CheckTimeouts(now);
            FlushQueued();
        }
        // Over maxmemory: this shard goes on freeing its share between requests (Redis's evictionTimeProc).
        shard.Evictor.Tick();
        // DEBUG PAUSE-CRON: none of serverCron's work, a signal's shutdown included, until it is turned off.
        if (server.CronPaused) return;
        // A signal's shutdown starts here, as Redis's serverCron takes shutdown_asap.
        if (shard.Id == 0) server.Persistence.TakePendingSignal();
        if (now >= nextExpiryMs)
        {
            nextExpiryMs = now + 1000 / server.Config.Hz;
            if (server.ActiveExpireEnabled) ExpiryCycle.Run(shard, 1000 / server.Config.Hz / 4);
            // XREADGROUP waiters of a stream the cycle removed answer now (Redis serves them in beforeSleep).
            shard.Blocking.ServePending();
            // Save points and a scheduled BGSAVE are one server's decision: shard 0 takes it (Redis's serverCron).
            if (shard.Id == 0 && !server.Loading) server.Persistence.CronCheck(shard, server.Dirty());
        }
        if (now >= nextCronMs)
        {
            nextCronMs = now + 1000;
            // Chunks this shard's links to other shards are done with go back to its pool (all of an idle link's);
            // then warm chunks beyond a few return their memory to the OS: RSS follows the buffers in use.
            server.PubSub.Release(shard);
            shard.Buffers.Idle();
            long idle = server.Config.Timeout * 1000;
            // Backwards, because Close removes from the list; no copy, so the cron allocates nothing.
            for (int i = all.Count - 1; i >= 0; i--)
            {
                if (i >= all.Count) continue;
                Connection c = all[i];
                if (c.Client.Killed || idle > 0 && now - c.Client.LastInteractionMs > idle && !c.Session.Waiting) Close(c);
                else
                {
                    c.Client.QueryBufferLength = c.Session.BufferedInput;
                    c.Client.OutputBufferLength = c.Session.Output.Length;
                    if (shard.ClientMemory.On) shard.ClientMemory.Measure(c.Session);
                    else c.Client.TrackedMemory = ClientMemory.Of(c.Session);
                }
            }
        }
    }
}
