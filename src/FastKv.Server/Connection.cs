using FastKv.Engine;

namespace FastKv.Server;

/// <summary>A client socket owned by one event loop, and the session that runs its commands.</summary>
internal sealed class Connection
{
    public readonly int Fd;
    public readonly Session Session;
    public readonly Client Client;
    /// <summary>EPOLLOUT is armed: the socket refused part of the output.</summary>
    public bool WantWrite;
    /// <summary>EPOLLIN is disarmed: too much output is waiting for a client that does not read.</summary>
    public bool ReadPaused;
    public bool Closed;
    /// <summary>In the loop's list of connections to flush at the end of this iteration.</summary>
    public bool FlushQueued;
    /// <summary>Position in the loop's list of connections (for O(1) removal).</summary>
    public int Index = -1;
    /// <summary>The loop's activity window (EventLoop.Coalesce) in which this connection last sent something.</summary>
    public long ActiveWindow = -1;

    public Connection(int fd, Session session, Client client)
    {
        Fd = fd;
        Session = session;
        Client = client;
    }
}
