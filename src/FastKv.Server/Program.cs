using System;
using System.Collections.Generic;
using System.Net;
using System.Runtime.InteropServices;
using FastKv.Engine;

namespace FastKv.Server;

public static unsafe class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 1 && (args[0] == "-v" || args[0] == "--version"))
        {
            Console.WriteLine("FastKv server v=" + ServerState.RedisVersion);
            return 0;
        }
        var config = new ServerConfig();
        string? err = ConfigLoader.Load(config, args, out string configFile);
        if (err != null)
        {
            Console.Error.WriteLine(err);
            return 1;
        }
        using var server = new ServerState(config, config.Threads) { ConfigFile = configFile, ExecutablePath = Environment.ProcessPath ?? "" };

        // One listening socket per bind address per shard. First make sure no other process holds
        // the port: SO_REUSEPORT would otherwise let us share it silently.
        var addrs = new List<(IPAddress ip, bool optional)>();
        foreach (string b in config.Bind)
        {
            bool optional = b.StartsWith('-');
            string s = optional ? b[1..] : b;
            if (s == "*") s = "0.0.0.0";
            if (!IPAddress.TryParse(s, out var ip))
            {
                Console.Error.WriteLine("Invalid bind address '" + b + "'");
                return 1;
            }
            addrs.Add((ip, optional));
        }
        int port = config.Port;
        var perShard = new List<int>[config.Threads];
        for (int t = 0; t < config.Threads; t++) perShard[t] = new List<int>();
        foreach (var (ip, optional) in addrs)
        {
            int probe = Listener.Open(ip, port, false, 1, out int errno);
            if (probe < 0)
            {
                if (optional) continue;
                Console.Error.WriteLine("Warning: Could not create server TCP listening socket " + ip + ":" + port + ": bind: " +
                                        (errno == Libc.EADDRINUSE ? "Address already in use" : Marshal.GetPInvokeErrorMessage(errno)));
                return 1;
            }
            if (port == 0) port = Listener.BoundPort(probe);
            Libc.close(probe);
            for (int t = 0; t < config.Threads; t++)
            {
                int fd = Listener.Open(ip, port, true, config.TcpBacklog, out errno);
                if (fd < 0)
                {
                    Console.Error.WriteLine("Could not listen on " + ip + ":" + port + ": " + Marshal.GetPInvokeErrorMessage(errno));
                    return 1;
                }
                perShard[t].Add(fd);
            }
        }
        server.TcpPort = port;

        int[] cpus = AllowedCpus();
        var loops = new EventLoop[config.Threads];
        for (int t = 0; t < loops.Length; t++)
        {
            int cpu = config.ThreadAffinity && cpus.Length > 0 ? cpus[t % cpus.Length] : -1;
            loops[t] = new EventLoop(server, server.Shards[t], perShard[t].ToArray(), cpu);
        }
        server.RequestKill = cl => { if (cl.ShardId < loops.Length && !cl.CloseAfterReply) loops[cl.ShardId].Kill(cl); };
        server.RequestShutdown = () => { foreach (var l in loops) l.Wake(); };
        void Stop(PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            server.ShutdownRequested = true;
            foreach (var l in loops) l.Wake();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

        foreach (var l in loops) l.Start();
        Console.WriteLine("FastKv " + ServerState.RedisVersion + " (pid " + Environment.ProcessId + ") threads=" + config.Threads +
                          " port=" + port);
        Console.WriteLine("Ready to accept connections tcp");
        Console.Out.Flush();
        foreach (var l in loops) l.Thread!.Join();
        foreach (var list in perShard) foreach (int fd in list) Libc.close(fd);
        Console.WriteLine("FastKv is now ready to exit, bye bye...");
        return 0;
    }

    static int[] AllowedCpus()
    {
        ulong* mask = stackalloc ulong[16];
        if (Libc.sched_getaffinity(0, 16 * sizeof(ulong), mask) != 0) return Array.Empty<int>();
        var list = new List<int>();
        for (int i = 0; i < 1024; i++)
            if ((mask[i / 64] & (1UL << (i % 64))) != 0) list.Add(i);
        return list.ToArray();
    }
}
