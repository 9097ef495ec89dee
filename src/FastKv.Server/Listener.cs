using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace FastKv.Server;

/// <summary>Listening sockets: one per bind address per shard thread, all on the same port.</summary>
internal static unsafe class Listener
{
    /// <summary>Writes a sockaddr for the address; returns its length. Invariant: sa points at 28 writable bytes.</summary>
    public static uint SockAddr(IPAddress ip, int port, byte* sa)
    {
        new Span<byte>(sa, 28).Clear();
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            *(ushort*)sa = Libc.AF_INET;
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(sa + 2, 2), (ushort)port);
            ip.TryWriteBytes(new Span<byte>(sa + 4, 4), out _);
            return 16;
        }
        *(ushort*)sa = Libc.AF_INET6;
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(sa + 2, 2), (ushort)port);
        ip.TryWriteBytes(new Span<byte>(sa + 8, 16), out _);
        return 28;
    }

    /// <summary>A bound, listening, non-blocking socket, or -1 with the errno in <paramref name="errno"/>.</summary>
    public static int Open(IPAddress ip, int port, bool reusePort, int backlog, out int errno)
    {
        errno = 0;
        int family = ip.AddressFamily == AddressFamily.InterNetwork ? Libc.AF_INET : Libc.AF_INET6;
        int fd = Libc.socket(family, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) { errno = Libc.Errno; return -1; }
        Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
        if (reusePort) Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
        if (family == Libc.AF_INET6) Libc.SetInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, 1);
        byte* sa = stackalloc byte[28];
        uint len = SockAddr(ip, port, sa);
        if (Libc.bind(fd, sa, len) != 0 || Libc.listen(fd, backlog) != 0)
        {
            errno = Libc.Errno;
            Libc.close(fd);
            return -1;
        }
        return fd;
    }

    /// <summary>
    /// The unixsocket: a stale file at the path is removed first (as Redis's connUnixListen does), then a bound,
    /// listening, non-blocking socket, its file given <paramref name="perm"/> when nonzero; or -1 with an error text.
    /// </summary>
    public static int OpenUnix(string path, int perm, int backlog, out string? error)
    {
        error = null;
        byte[] name = System.Text.Encoding.UTF8.GetBytes(path);
        // sockaddr_un: the family, then sun_path[108] ending in NUL.
        if (name.Length >= 108)
        {
            error = "unix socket path too long (" + name.Length + "), must be under 108";
            return -1;
        }
        int fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            error = "creating socket: " + System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(Libc.Errno);
            return -1;
        }
        Libc.unlink(path);
        byte* sa = stackalloc byte[110];
        new Span<byte>(sa, 110).Clear();
        *(ushort*)sa = Libc.AF_UNIX;
        name.CopyTo(new Span<byte>(sa + 2, 108));
        if (Libc.bind(fd, sa, (uint)(2 + name.Length + 1)) != 0 || perm != 0 && Libc.chmod(path, (uint)perm) != 0 || Libc.listen(fd, backlog) != 0)
        {
            error = "bind: " + System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(Libc.Errno);
            Libc.close(fd);
            return -1;
        }
        return fd;
    }

    /// <summary>The port a socket is bound to (for port 0).</summary>
    public static int BoundPort(int fd)
    {
        byte* sa = stackalloc byte[28];
        uint len = 28;
        if (Libc.getsockname(fd, sa, &len) != 0) return 0;
        return BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(sa + 2, 2));
    }

    /// <summary>"ip:port" of a socket's peer (getpeername) or its own address (getsockname).</summary>
    public static string Address(int fd, bool peer)
    {
        byte* sa = stackalloc byte[28];
        uint len = 28;
        int rc = peer ? Libc.getpeername(fd, sa, &len) : Libc.getsockname(fd, sa, &len);
        if (rc != 0) return "?:0";
        int port = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(sa + 2, 2));
        ushort fam = *(ushort*)sa;
        if (fam == Libc.AF_INET) return new IPAddress(new ReadOnlySpan<byte>(sa + 4, 4)) + ":" + port;
        if (fam == Libc.AF_INET6) return new IPAddress(new ReadOnlySpan<byte>(sa + 8, 16)) + ":" + port;
        return "?:0";
    }
}
