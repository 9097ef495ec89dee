using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Memory;

/// <summary>
/// Connections' query and output buffers are counted in INFO memory as Redis counts them (mem_clients_normal,
/// inside used_memory and used_memory_overhead), and given back: after a storm of connections holding partial
/// commands and after a large reply that a client read slowly, the client part of used_memory returns to where
/// it was. Behavioural: the numbers must rise while the buffers hold bytes and fall once they do not.
/// </summary>
public class ClientBufferMemoryTests
{
    const int StormConnections = 600;
    const int PartialBytes = 100;
    /// <summary>Several times what the kernel's socket buffers take in (4 MiB to send, a few to receive) before the client reads.</summary>
    const int BigValueBytes = 32 << 20;
    /// <summary>What the admin connection itself may hold while INFO runs (its query and its reply).</summary>
    const long Slack = 256 << 10;

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void StormAndLargeReply_ClientMemoryReturnsToBaseline(int threads)
    {
        using ServerProcess server = ServerProcess.Start(ServerKind.Target, threads, "--maxclients", "5000");
        using var admin = server.Connect();
        byte[] big = new byte[BigValueBytes];
        new Random(3).NextBytes(big);
        using (var loader = server.Connect())
            Assert.Equal("+OK\r\n", Resp.AsString(loader.Call([Encoding.ASCII.GetBytes("SET"), Encoding.ASCII.GetBytes("big"), big])));
        var baseline = WaitFor(admin, m => m.Clients <= Slack);
        Assert.True(baseline.Clients <= Slack, $"mem_clients_normal {baseline.Clients} with one idle client");
        Assert.True(baseline.Overhead >= baseline.Clients, "used_memory_overhead leaves out the client buffers");

        // A storm of connections, each holding part of a command: every one holds its query buffer.
        var storm = new List<RespConnection>();
        try
        {
            byte[] partial = Encoding.ASCII.GetBytes($"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${PartialBytes * 2}\r\n" + new string('p', PartialBytes));
            for (int i = 0; i < StormConnections; i++)
            {
                var c = server.Connect();
                storm.Add(c);
                c.Send(partial);
            }
            var during = WaitFor(admin, m => m.Clients >= baseline.Clients + (long)StormConnections * PartialBytes);
            Assert.True(during.Clients >= baseline.Clients + (long)StormConnections * PartialBytes,
                $"{StormConnections} partial commands of {PartialBytes} bytes: mem_clients_normal {during.Clients}, baseline {baseline.Clients}");
            Assert.True(during.Used >= baseline.Used + (long)StormConnections * PartialBytes, "used_memory leaves out the query buffers");
        }
        finally
        {
            foreach (var c in storm) c.Dispose();
        }
        var afterStorm = WaitFor(admin, m => m.Clients <= baseline.Clients + Slack);
        Assert.True(afterStorm.Clients <= baseline.Clients + Slack, $"after the storm: mem_clients_normal {afterStorm.Clients}, baseline {baseline.Clients}");

        // A large reply to a client that does not read yet: the unsent part is client memory until it is read.
        using (var slow = server.Connect())
        {
            slow.Timeout = TimeSpan.FromSeconds(60);
            slow.SendCommand("GET", "big");
            var pending = WaitFor(admin, m => m.Clients >= baseline.Clients + BigValueBytes / 2);
            Assert.True(pending.Clients >= baseline.Clients + BigValueBytes / 2,
                $"an unread reply of {BigValueBytes} bytes: mem_clients_normal {pending.Clients}, baseline {baseline.Clients}");
            Assert.True(pending.Used >= baseline.Used + BigValueBytes / 2, "used_memory does not count the unsent reply");
            byte[] reply = slow.ReadReply();
            Assert.Equal(big.Length, reply.Length - $"${BigValueBytes}\r\n".Length - 2);
            Assert.True(big.AsSpan().SequenceEqual(reply.AsSpan($"${BigValueBytes}\r\n".Length, big.Length)));
        }
        var after = WaitFor(admin, m => m.Clients <= baseline.Clients + Slack && m.Used <= baseline.Used + Slack);
        Assert.True(after.Clients <= baseline.Clients + Slack, $"after the large reply: mem_clients_normal {after.Clients}, baseline {baseline.Clients}");
        Assert.True(after.Used <= baseline.Used + Slack, $"after the large reply: used_memory {after.Used}, baseline {baseline.Used}");
        server.AssertAlive();
    }

    record struct Mem(long Used, long Clients, long Overhead);

    static Mem Memory(RespConnection admin)
    {
        string info = admin.CallText("INFO", "memory");
        return new Mem(Field(info, "used_memory"), Field(info, "mem_clients_normal"), Field(info, "used_memory_overhead"));
    }

    static long Field(string info, string name)
    {
        foreach (string line in info.Split("\r\n"))
            if (line.StartsWith(name + ":", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(name.Length + 1), CultureInfo.InvariantCulture);
        throw new Xunit.Sdk.XunitException($"INFO memory has no {name}: {info}");
    }

    /// <summary>INFO memory once it satisfies <paramref name="done"/>, or the last reading after 10 seconds.</summary>
    static Mem WaitFor(RespConnection admin, Func<Mem, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        Mem m = Memory(admin);
        while (!done(m) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
            m = Memory(admin);
        }
        return m;
    }
}
