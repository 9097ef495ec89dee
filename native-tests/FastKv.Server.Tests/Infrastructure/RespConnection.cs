using System;
using System.IO;
using System.Net;
using System.Net.Sockets;

namespace FastKv.Server.Tests.Infrastructure;

/// <summary>The server closed the connection before a complete reply arrived.</summary>
public sealed class RespConnectionClosedException(string message) : IOException(message);

/// <summary>
/// A raw RESP client for byte-exact checks: sends raw bytes or commands, reads exactly one complete reply
/// as raw bytes (RESP2 and RESP3 framing), with a timeout, and tells when the server closed the connection.
/// Not thread-safe: one connection per thread.
/// </summary>
public sealed class RespConnection : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public TimeSpan Timeout { get; set; }
    public int Port { get; }

    private RespConnection(Socket socket, int port, TimeSpan timeout)
    {
        _socket = socket;
        Port = port;
        Timeout = timeout;
    }

    public static RespConnection Connect(int port, TimeSpan? timeout = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // Loopback connects succeed or are refused at once; no timeout needed here.
            socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new RespConnection(socket, port, timeout ?? DefaultTimeout);
    }

    /// <summary>A connection through a unix domain socket (the server's unixsocket); Port is 0.</summary>
    public static RespConnection ConnectUnix(string path, TimeSpan? timeout = null)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new RespConnection(socket, 0, timeout ?? DefaultTimeout);
    }

    public Socket Socket => _socket;

    public void Send(ReadOnlySpan<byte> raw)
    {
        _socket.SendTimeout = (int)Timeout.TotalMilliseconds;
        while (!raw.IsEmpty)
        {
            int n = _socket.Send(raw);
            raw = raw[n..];
        }
    }

    public void SendCommand(params string[] args) => Send(Resp.EncodeCommand(args));
    public void SendCommand(byte[][] args) => Send(Resp.EncodeCommand(args));

    public byte[] Call(params string[] args)
    {
        SendCommand(args);
        return ReadReply();
    }

    public byte[] Call(byte[][] args)
    {
        SendCommand(args);
        return ReadReply();
    }

    /// <summary>Sends a command and returns its reply as a Latin-1 string (for readable assertions).</summary>
    public string CallText(params string[] args) => Resp.AsString(Call(args));

    /// <summary>Reads exactly one complete reply; bytes after it stay buffered for the next call.</summary>
    public byte[] ReadReply() => ReadReply(Timeout);

    public byte[] ReadReply(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_end > _start)
            {
                int len = Resp.FrameLength(_buffer.AsSpan(_start, _end - _start));
                if (len >= 0)
                {
                    byte[] reply = _buffer.AsSpan(_start, len).ToArray();
                    _start += len;
                    return reply;
                }
            }
            if (Fill(deadline) == 0)
            {
                throw new RespConnectionClosedException("connection closed by the server before a complete reply; buffered: "
                    + Resp.Escape(_buffer.AsSpan(_start, _end - _start)));
            }
        }
    }

    /// <summary>Bytes received but not yet consumed by ReadReply.</summary>
    public byte[] Pending => _buffer.AsSpan(_start, _end - _start).ToArray();

    /// <summary>
    /// Reads everything the server sends until it closes the connection, and returns it.
    /// Throws <see cref="TimeoutException"/> if the connection is still open after <paramref name="timeout"/>.
    /// </summary>
    public byte[] ReadUntilClosed(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Fill(deadline) > 0)
        {
        }
        byte[] all = Pending;
        _start = _end;
        return all;
    }

    /// <summary>True if the server closes the connection within <paramref name="timeout"/> (bytes sent before are dropped).</summary>
    public bool IsClosedByPeer(TimeSpan timeout)
    {
        try
        {
            ReadUntilClosed(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true; // reset by peer
        }
    }

    static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);

    private int Fill(DateTime deadline)
    {
        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }
        else if (_start > 0 && _end == _buffer.Length)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
            Array.Resize(ref _buffer, _buffer.Length * 2);

        // In slices, and asking for an error too: a reset can show as POLLERR alone for a moment (the socket's error is
        // set before its state is closed), which SelectRead does not count, and one read then sees the reset.
        while (true)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"no complete reply from port {Port} within the timeout; buffered: " + Resp.Escape(Pending));
            if (_socket.Poll(left < PollSlice ? left : PollSlice, SelectMode.SelectRead) || _socket.Poll(0, SelectMode.SelectError))
                break;
        }
        int n;
        try
        {
            n = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return 0;
        }
        _end += n;
        return n;
    }

    /// <summary>Closes only the sending half, as a client that hangs up mid-request.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public void Dispose() => _socket.Dispose();
}
