using System.Runtime.InteropServices;

namespace FastKv.Server;

/// <summary>epoll_event is packed on x86-64: 4 bytes of events, then 8 bytes of data.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct EpollEvent
{
    public uint Events;
    public ulong Data;
}

/// <summary>The few libc calls the event loop needs (Linux x86-64 and arm64 constants).</summary>
internal static unsafe partial class Libc
{
    public const int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10;
    public const int SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_KEEPALIVE = 9, SO_REUSEPORT = 15;
    public const int IPPROTO_TCP = 6, TCP_NODELAY = 1, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6;
    public const int IPPROTO_IPV6 = 41, IPV6_V6ONLY = 26;
    public const uint EPOLLIN = 1, EPOLLOUT = 4, EPOLLERR = 8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000, EPOLLEXCLUSIVE = 1u << 28;
    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3, EPOLL_CLOEXEC = 0x80000;
    public const int EAGAIN = 11, EINTR = 4, EADDRINUSE = 98, EMFILE = 24, ENFILE = 23;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int EFD_NONBLOCK = 0x800, EFD_CLOEXEC = 0x80000;

    [LibraryImport("libc", SetLastError = true)] public static partial int socket(int domain, int type, int protocol);
    /// <summary>signal(2): here only to set a disposition back to SIG_DFL (0).</summary>
    [LibraryImport("libc")] public static partial nint signal(int sig, nint handler);
    [LibraryImport("libc", SetLastError = true)] public static partial int setsockopt(int fd, int level, int name, void* value, uint len);
    [LibraryImport("libc", SetLastError = true)] public static partial int bind(int fd, void* addr, uint len);
    [LibraryImport("libc", SetLastError = true)] public static partial int listen(int fd, int backlog);
    [LibraryImport("libc", SetLastError = true)] public static partial int accept4(int fd, void* addr, uint* len, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int getsockname(int fd, void* addr, uint* len);
    [LibraryImport("libc", SetLastError = true)] public static partial int getpeername(int fd, void* addr, uint* len);
    [LibraryImport("libc", SetLastError = true)] public static partial int epoll_create1(int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);
    [LibraryImport("libc", SetLastError = true)] public static partial int epoll_wait(int epfd, EpollEvent* events, int max, int timeout);
    [LibraryImport("libc", SetLastError = true)] public static partial nint read(int fd, byte* buf, nint count);
    [LibraryImport("libc", SetLastError = true)] public static partial nint write(int fd, byte* buf, nint count);
    [LibraryImport("libc", SetLastError = true)] public static partial nint send(int fd, byte* buf, nint count, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] public static partial int eventfd(uint initval, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int dup(int fd);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] public static partial int unlink(string path);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] public static partial int chmod(string path, uint mode);
    [LibraryImport("libc", SetLastError = true)] public static partial int sched_setaffinity(int pid, nint size, ulong* mask);
    [LibraryImport("libc", SetLastError = true)] public static partial int sched_getaffinity(int pid, nint size, ulong* mask);

    // Called on the event loop without reading errno afterwards: no SetLastError (its save and restore of errno).
    public struct Timespec { public long Sec; public long Nsec; }
    [LibraryImport("libc")] public static partial int nanosleep(Timespec* req, Timespec* rem);
    /// <summary>prctl(2): here only PR_SET_TIMERSLACK, so a short sleep is not stretched by the default 50 us of slack.</summary>
    [LibraryImport("libc")] public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
    public const int PR_SET_TIMERSLACK = 29;
    [LibraryImport("libc")] public static partial int clock_gettime(int clock, Timespec* ts);
    const int CLOCK_THREAD_CPUTIME_ID = 3;

    /// <summary>CPU time the calling thread has used (user and system), in nanoseconds.</summary>
    public static long ThreadCpuNanos()
    {
        Timespec ts;
        // Invariant: ts is a local the kernel fills before the call returns; no pointer to it outlives the call.
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return ts.Sec * 1_000_000_000L + ts.Nsec;
    }

    public static int Errno => Marshal.GetLastPInvokeError();

    public static bool SetInt(int fd, int level, int name, int value) => setsockopt(fd, level, name, &value, 4) == 0;
}
