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
        string? listenErr = ListenerSet.Open(config.Bind, config.Port, config.Threads, true, config.TcpBacklog, out int[][] perShard, out int port);
        if (listenErr != null)
        {
            Console.Error.WriteLine(listenErr.StartsWith("Could not create", StringComparison.Ordinal) ? "Warning: " + listenErr : listenErr);
            return 1;
        }
        server.TcpPort = port;
        int unixFd = -1;
        if (config.UnixSocket != null)
        {
            unixFd = Listener.OpenUnix(config.UnixSocket, config.UnixSocketPerm, config.TcpBacklog, out string? unixErr);
            if (unixFd < 0)
            {
                Console.Error.WriteLine("Failed opening Unix socket: " + unixErr);
                return 1;
            }
        }

        int[] cpus = AllowedCpus();
        var loops = new EventLoop[config.Threads];
        for (int t = 0; t < loops.Length; t++)
        {
            int cpu = config.ThreadAffinity && cpus.Length > 0 ? cpus[t % cpus.Length] : -1;
            // Each loop closes its own descriptor of the unixsocket at shutdown: a dup, the first loop the original.
            int unixListener = unixFd < 0 ? -1 : t == 0 ? unixFd : Libc.dup(unixFd);
            loops[t] = new EventLoop(server, server.Shards[t], perShard[t], unixListener, cpu);
        }
        config.Rebind = (bind, newPort) => Rebind(server, loops, bind, newPort);
        server.RequestKill = cl => { if (cl.ShardId < loops.Length && !cl.CloseAfterReply) loops[cl.ShardId].Kill(cl); };
        server.RequestShutdown = () =>
        {
            foreach (var l in loops) l.CloseListeners();
            foreach (var l in loops) l.Wake();
        };
        void Stop(PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            string name = ctx.Signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM";
            if (server.Loading)
            {
                // A signal while the file loads stops without saving, as Redis does: the dataset is partial.
                Console.WriteLine("Received " + name + " scheduling shutdown...");
                server.ShutdownRequested = true;
                foreach (var l in loops) l.Wake();
                return;
            }
            server.Persistence.SignalReceived(name);
        }
        // A shell starts a background job with SIGINT ignored, and the runtime leaves an ignored signal ignored; Redis
        // installs its handler whatever it inherited, so SIGINT shuts it down however it was started. So does FastKv.
        const int SigInt = 2;
        Libc.signal(SigInt, 0);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

        // Lua's collector is stopped around every C# callback; say whether by its threshold (global_State layout
        // proven on this Lua build) or, slower, through lua_gc (ScriptingLayoutTests checks this line).
        if (FastKv.Engine.Scripting.LuaApi.Available)
            Console.WriteLine(FastKv.Engine.Scripting.LuaApi.ProveCollectorLayout()
                ? "Lua collector: stopped by its threshold (global_State layout proven)"
                : "Lua collector: layout not proven, stopped through lua_gc");
        // Clients that connect while the file loads get -LOADING, as from Redis.
        server.Loading = true;
        foreach (var l in loops) l.Start();
        Console.WriteLine("FastKv " + ServerState.RedisVersion + " (pid " + Environment.ProcessId + ") threads=" + config.Threads +
                          " port=" + port);
        // Redis's line once its listeners are open, before the dataset loads (tools and Redis's test suite wait for it).
        Console.WriteLine("Server initialized");
        string? loadError = LoadDataset(server, out AofManifest? aofManifest);
        if (server.ShutdownRequested)
        {
            // SHUTDOWN or a signal came while the file loaded: stop, saving nothing over the file.
            foreach (var l in loops) l.Wake();
            foreach (var l in loops) l.Thread!.Join();
            Console.WriteLine("FastKv is now ready to exit, bye bye...");
            return 0;
        }
        if (loadError != null)
        {
            // Redis's log line, then exit without saving: the file that failed to load must not be replaced.
            Console.WriteLine(loadError);
            Console.Out.Flush();
            server.ShutdownRequested = true;
            foreach (var l in loops) l.Wake();
            foreach (var l in loops) l.Thread!.Join();
            return 1;
        }
        // The loaded (or freshly created) manifest names the INCR file the writer appends to from here on; recording
        // starts only now, so the replayed commands are not written again (Redis turns the AOF off while it loads).
        if (aofManifest != null) server.Aof.Open(aofManifest);
        // From here CONFIG SET appendonly starts or stops the log (startAppendOnly/stopAppendOnly).
        config.AppendOnlySwitch = server.Aof.SwitchAppendOnly;
        config.AutoGcEnabled = server.Aof.CollectHistory;
        server.EndLoading();
        Console.WriteLine("Ready to accept connections tcp");
        if (config.UnixSocket != null) Console.WriteLine("Ready to accept connections unix");
        Console.Out.Flush();
        foreach (var l in loops) l.Thread!.Join();
        // A background save or rewrite still running is abandoned with its temp file (the loops that fed it are gone),
        // then what the shards recorded last is written and fsynced, in Redis's finishShutdown order.
        server.Persistence.AbandonAtExit();
        server.Aof.Close();
        foreach (var l in loops) l.CloseListeners();
        if (config.UnixSocket != null)
        {
            Console.WriteLine("Removing the unix socket file.");
            if (Libc.unlink(config.UnixSocket) != 0)
                Console.WriteLine("Error removing the unix socket file: " + Marshal.GetPInvokeErrorMessage(Libc.Errno));
        }
        Console.WriteLine("FastKv is now ready to exit, bye bye...");
        return 0;
    }

    /// <summary>
    /// Redis's loadDataFromDisk: with appendonly yes the AOF directory (persistence design 3), and the RDB file is not
    /// read; otherwise dir/dbfilename when it exists (design 2). Null when loaded, else the error line.
    /// </summary>
    static string? LoadDataset(ServerState server, out AofManifest? aofManifest)
    {
        aofManifest = null;
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        if (server.Config.AppendOnly)
        {
            string? aofError = AofLoader.Load(server, out AofManifest manifest, out bool existed);
            if (aofError != null || server.ShutdownRequested) return aofError;
            aofManifest = manifest;
            if (existed)
                Console.WriteLine("DB loaded from append only file: " +
                                  System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) + " seconds");
            return null;
        }
        string? error = RdbLoader.Load(server, server.Config.RdbPath, out RdbLoader? loader);
        // A corrupt or short file ends as Redis's rdbReportError ends the server, with its last line.
        if (error != null && error.Contains("Internal error in RDB reading", StringComparison.Ordinal))
            error += "\nTerminating server after rdb file reading failure.";
        if (loader == null || error != null || server.ShutdownRequested) return error;
        server.Persistence.LoadedFrom(loader);
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
        Console.WriteLine("Done loading RDB, keys loaded: " + loader.KeysLoaded + ", keys expired: " + loader.KeysExpired + ".");
        Console.WriteLine("DB loaded from disk: " + seconds.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) + " seconds");
        return null;
    }

    /// <summary>
    /// CONFIG SET bind/port at run time: opens the new listeners (refusing a port another process holds), then
    /// each loop swaps them in and closes its old ones. Port 0 stops listening, as in Redis. Null or an error.
    /// </summary>
    static string? Rebind(ServerState server, EventLoop[] loops, string[] bind, int port)
    {
        int[][] perShard;
        if (port == 0) perShard = Array.ConvertAll(loops, _ => Array.Empty<int>());
        else if (ListenerSet.Open(bind, port, loops.Length, port != server.TcpPort, server.Config.TcpBacklog, out perShard, out _) is { } err)
        {
            Console.Error.WriteLine("Warning: " + err);
            return err;
        }
        for (int t = 0; t < loops.Length; t++) loops[t].ReplaceListeners(perShard[t]);
        server.TcpPort = port;
        return null;
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
