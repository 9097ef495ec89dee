using System;
using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using FastKv.Engine;
using Pipelines.Sockets.Unofficial;

namespace FastKv.PipelinesPrototype;

/// <summary>
/// FastKv's engine (one shard, the real <see cref="Session"/>: parser, command table, handlers, reply
/// writer) served through Pipelines.Sockets.Unofficial instead of the epoll loop: each accepted socket
/// becomes a <see cref="SocketConnection"/> whose application side runs on one dedicated
/// <see cref="DedicatedThreadPoolPipeScheduler"/> thread, the shard's thread. Enough for GET and SET
/// from redis-benchmark; no expiry cycle, no cross-shard work, no CLIENT bookkeeping. Usage:
/// <c>FastKv.PipelinesPrototype --port N</c>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        int port = 6379;
        for (int i = 0; i + 1 < args.Length; i += 2)
            if (args[i] == "--port") port = int.Parse(args[i + 1], CultureInfo.InvariantCulture);

        var config = new ServerConfig();
        config.Set("threads", "1");
        var server = new ServerState(config, 1);
        Shard shard = server.Shards[0];
        // The shard's thread: every session's continuations run here, so the engine sees one thread. Its
        // queue never spills to the thread pool (that would put two threads in one shard).
        var scheduler = new DedicatedThreadPoolPipeScheduler("shard-0", workerCount: 1, useThreadPoolQueueLength: int.MaxValue);
        var receive = new PipeOptions(readerScheduler: scheduler, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);
        var send = new PipeOptions(readerScheduler: PipeScheduler.ThreadPool, writerScheduler: scheduler, useSynchronizationContext: false);

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(511);
        Console.WriteLine($"pipelines prototype listening on 127.0.0.1:{port}");
        while (true)
        {
            Socket socket = listener.Accept();
            socket.NoDelay = true;
            SocketConnection connection = SocketConnection.Create(socket, send, receive);
            scheduler.Schedule(_ => _ = Serve(server, shard, connection), null);
        }
    }

    /// <summary>One client, on the shard's thread: pipe bytes into the session, its replies into the pipe.</summary>
    static async Task Serve(ServerState server, Shard shard, SocketConnection connection)
    {
        var client = new Client { Id = server.NextClientId(), ShardId = shard.Id };
        var session = new Session(shard, client);
        PipeReader input = connection.Input;
        PipeWriter output = connection.Output;
        try
        {
            while (true)
            {
                ReadResult read = await input.ReadAsync();
                ReadOnlySequence<byte> buffer = read.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                    session.Feed(segment.Span);
                input.AdvanceTo(buffer.End);
                if (session.Output.Length > 0)
                {
                    output.Write(session.Output.Written);
                    session.Output.Clear();
                    FlushResult flushed = await output.FlushAsync();
                    if (flushed.IsCompleted) break;
                }
                if (read.IsCompleted || client.CloseAfterReply) break;
            }
        }
        catch (Exception e) when (e is ConnectionResetException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            session.Close();
            await input.CompleteAsync();
            await output.CompleteAsync();
            connection.Dispose();
        }
    }
}
