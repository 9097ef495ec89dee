using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;

namespace FastKv.Server.Tests.Infrastructure;

/// <summary>
/// Hands out free loopback ports. The OS picks a free ephemeral port (bind to port 0); we remember every
/// port handed out so two servers started by this test run never get the same one, even if the first
/// has not bound it yet.
/// </summary>
public static class PortAllocator
{
    private static readonly HashSet<int> s_handedOut = new();
    private static readonly object s_lock = new();

    public static int Next()
    {
        lock (s_lock)
        {
            for (int attempt = 0; attempt < 100; attempt++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                // Redis cluster bus and friends use port + 10000; keep well inside the valid range.
                if (port < 65535 && s_handedOut.Add(port))
                    return port;
            }
        }
        throw new SocketException((int)SocketError.AddressAlreadyInUse);
    }
}
