using System;
using System.Collections.Generic;
using System.Net;
using System.Runtime.InteropServices;

namespace FastKv.Server;

/// <summary>
/// The listening sockets for a bind list and port: one SO_REUSEPORT socket per address per shard thread. Used at
/// startup, and by CONFIG SET bind/port, which (as Redis 7's changeListener) starts listening on the new
/// addresses and port and then stops listening on the old ones; connections already accepted stay.
/// </summary>
internal static class ListenerSet
{
    /// <summary>
    /// Opens the listeners, or returns an error text and opens none. An address with a leading '-' is optional
    /// (skipped when unavailable); "*" and "::*" are the IPv4 and IPv6 wildcards. With <paramref name="probe"/>,
    /// each address is first bound without SO_REUSEPORT, so a port held by another process is refused instead of
    /// shared. Port 0 at startup picks a free port (<paramref name="boundPort"/>). <paramref name="backlog"/> is
    /// <c>tcp-backlog</c>, the listen queue of every socket.
    /// </summary>
    public static string? Open(string[] bind, int port, int shards, bool probe, int backlog, out int[][] perShard, out int boundPort)
    {
        perShard = new int[shards][];
        boundPort = port;
        var addrs = new List<(IPAddress ip, bool optional)>();
        foreach (string b in bind)
        {
            bool optional = b.StartsWith('-');
            string s = optional ? b[1..] : b;
            IPAddress? ip = s == "*" ? IPAddress.Any : s == "::*" ? IPAddress.IPv6Any : IPAddress.TryParse(s, out var a) ? a : null;
            if (ip == null) return "Invalid bind address '" + b + "'";
            addrs.Add((ip, optional));
        }
        var lists = new List<int>[shards];
        for (int t = 0; t < shards; t++) lists[t] = new List<int>();
        foreach (var (ip, optional) in addrs)
        {
            if (probe)
            {
                int p = Listener.Open(ip, boundPort, false, 1, out int perr);
                if (p < 0)
                {
                    if (optional) continue;
                    CloseAll(lists);
                    return "Could not create server TCP listening socket " + ip + ":" + boundPort + ": bind: " +
                           (perr == Libc.EADDRINUSE ? "Address already in use" : Marshal.GetPInvokeErrorMessage(perr));
                }
                if (boundPort == 0) boundPort = Listener.BoundPort(p);
                Libc.close(p);
            }
            for (int t = 0; t < shards; t++)
            {
                int fd = Listener.Open(ip, boundPort, true, backlog, out int errno);
                if (fd < 0)
                {
                    if (optional && t == 0) break;
                    CloseAll(lists);
                    return "Could not listen on " + ip + ":" + boundPort + ": " + Marshal.GetPInvokeErrorMessage(errno);
                }
                lists[t].Add(fd);
            }
        }
        for (int t = 0; t < shards; t++) perShard[t] = lists[t].ToArray();
        return null;
    }

    static void CloseAll(List<int>[] lists)
    {
        foreach (var l in lists)
            foreach (int fd in l) Libc.close(fd);
    }
}
