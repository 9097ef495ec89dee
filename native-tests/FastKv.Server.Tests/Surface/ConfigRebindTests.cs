using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Surface;

/// <summary>
/// CONFIG SET port and bind at run time, as Redis 7 does it: the server listens on the new port or addresses and no
/// longer on the old ones, connections already open keep working, and a port another process holds is refused with
/// Redis's error while the old listeners stay. Each test starts its own servers (the port moves).
/// </summary>
public class ConfigRebindTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(1)]
    public void ConfigSetPort_MovesTheListener_KeepsConnections(int threads)
    {
        using ServerProcess server = ServerProcess.Start(ServerKind.Target, threads);
        using RespConnection existing = server.Connect();
        int oldPort = server.Port, newPort = PortAllocator.Next();
        Assert.Equal("+OK\r\n", existing.CallText("CONFIG", "SET", "port", newPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("+PONG\r\n", existing.CallText("PING"));
        // Several connections, so that with --threads 4 every shard's listener is exercised.
        for (int i = 0; i < 8; i++)
        {
            using RespConnection moved = RespConnection.Connect(newPort);
            Assert.Equal("*2\r\n$4\r\nport\r\n$" + newPort.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + "\r\n" + newPort + "\r\n",
                moved.CallText("CONFIG", "GET", "port"));
        }
        Assert.Contains("tcp_port:" + newPort + "\r\n", existing.CallText("INFO", "server"), StringComparison.Ordinal);
        AssertRefused(oldPort);
    }

    [Fact]
    public void ConfigSetPort_HeldByAnotherProcess_RedisErrorAndOldListenerStays()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int busy = ((IPEndPoint)holder.LocalEndpoint).Port;
        foreach (ServerKind kind in new[] { ServerKind.Redis, ServerKind.Target })
        {
            using ServerProcess server = ServerProcess.Start(kind, kind == ServerKind.Target ? 4 : null);
            using RespConnection c = server.Connect();
            Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n",
                c.CallText("CONFIG", "SET", "port", busy.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
                c.CallText("CONFIG", "SET", "bind", "127.0.0.1 not-an-address"));
            using RespConnection again = server.Connect();
            Assert.Equal("+PONG\r\n", again.CallText("PING"));
            Assert.Equal("*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.1\r\n", again.CallText("CONFIG", "GET", "bind"));
        }
    }

    [Fact]
    public void ConfigSetBind_ListensOnTheNewAddresses()
    {
        using ServerProcess server = ServerProcess.Start(ServerKind.Target, 4);
        using RespConnection existing = server.Connect();
        // 127.0.0.2 is loopback too on Linux: after the change the server answers there and no longer on 127.0.0.1.
        Assert.Equal("+OK\r\n", existing.CallText("CONFIG", "SET", "bind", "127.0.0.2"));
        using (var client = new TcpClient())
        {
            client.Connect(IPAddress.Parse("127.0.0.2"), server.Port);
            client.GetStream().Write("PING\r\n"u8);
            var buf = new byte[7];
            int n = 0;
            while (n < 7) n += client.GetStream().Read(buf, n, 7 - n);
            Assert.Equal("+PONG\r\n", Resp.AsString(buf));
        }
        AssertRefused(server.Port);
        Assert.Equal("+PONG\r\n", existing.CallText("PING"));
        Assert.Equal("*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.2\r\n", existing.CallText("CONFIG", "GET", "bind"));
    }

    /// <summary>
    /// The old address stops accepting. Each shard loop closes its old listener when it next runs its mailbox
    /// (CONFIG SET answers once the new listeners are open), so on a loaded machine a connect right after the
    /// reply may still reach an old listener: wait until one is refused.
    /// </summary>
    private static void AssertRefused(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                s.Connect(IPAddress.Loopback, port);
            }
            catch (SocketException e)
            {
                Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "the old address still accepts connections");
            Thread.Sleep(20);
        }
    }
}
