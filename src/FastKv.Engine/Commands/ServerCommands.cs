using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>Server commands: CONFIG TIME SHUTDOWN SLOWLOG MEMORY DEBUG. INFO is in <see cref="InfoCommand"/>, COMMAND in <see cref="CommandCommand"/>.</summary>
public static unsafe class ServerCommands
{
    public static void Register(CommandTable t)
    {
        t.Add("info", &InfoCommand.Info);
        var config = t.Add("config", null);
        t.AddSub(config, "get", &ConfigGet);
        t.AddSub(config, "set", &ConfigSet);
        t.AddSub(config, "resetstat", &ConfigResetStat);
        t.AddSub(config, "rewrite", &ConfigRewriteFile);
        t.AddSub(config, "help", &ConfigHelp);
        t.Add("time", &Time);
        var shutdown = t.Add("shutdown", &Shutdown, cross: CrossShard.ShutdownSave, route: Route.Custom);
        shutdown.CustomRoute = &ShutdownTarget;
        shutdown.RoutedAlways = true;
        var slowlog = t.Add("slowlog", null);
        t.AddSub(slowlog, "get", &SlowlogGet);
        t.AddSub(slowlog, "len", &SlowlogLen);
        t.AddSub(slowlog, "reset", &SlowlogReset);
        t.AddSub(slowlog, "help", &SlowlogHelp);
        var memory = t.Add("memory", null);
        t.AddSub(memory, "usage", &MemoryUsage);
        t.AddSub(memory, "doctor", &MemoryDoctor);
        t.AddSub(memory, "stats", &MemoryStats);
        t.AddSub(memory, "purge", &MemoryPurge);
        t.AddSub(memory, "malloc-stats", &MemoryMallocStats);
        t.AddSub(memory, "help", &MemoryHelp);
        // Redis's hidden "protected" flag (not in COMMAND INFO): refused unless enable-debug-command allows it.
        var debug = t.Add("debug", &Debug, cross: CrossShard.DebugReload, route: Route.Custom);
        debug.Flags |= CommandFlags.Protected;
        debug.CustomRoute = &DebugTarget;
        debug.RoutedAlways = true;
    }

    /// <summary>Redis's allowProtectedAction: "yes" always, "local" for loopback clients.</summary>
    internal static bool ProtectedAllowed(string setting, Client? client)
        => setting == "yes" || setting == "local" && client != null
           && (client.Address.StartsWith("127.", StringComparison.Ordinal) || client.Address.StartsWith("::1", StringComparison.Ordinal)
               || client.Address.StartsWith("[::1]", StringComparison.Ordinal));

    internal static void Help(RespWriter w, string[] lines)
    {
        w.ArrayHeader(lines.Length);
        foreach (var l in lines) w.Simple(l);
    }

    // ---- CONFIG ----

    /// <summary>
    /// configGetCommand: a name without glob characters is looked up and reported as written; a pattern reports
    /// every matching name but the hidden ones; a parameter matched twice is reported once.
    /// </summary>
    static void ConfigGet(ref CommandContext c)
    {
        var cfg = c.Shard.Server.Config;
        var found = new List<(string Name, ConfigParam P)>();
        for (int i = 2; i < c.Count; i++)
        {
            ReadOnlySpan<byte> pattern = c.Arg(i);
            if (pattern.IndexOfAny("[*?"u8) < 0)
            {
                ConfigParam? p = cfg.Find(c.ArgString(i));
                if (p != null && !Contains(found, p)) found.Add((c.ArgString(i), p));
                continue;
            }
            foreach (var p in cfg.All)
                if (!p.Hidden && !Contains(found, p) && Glob.Match(pattern, Encoding.ASCII.GetBytes(p.Name), true)) found.Add((p.Name, p));
        }
        c.W.MapHeader(found.Count);
        foreach (var (name, p) in found)
        {
            c.W.Bulk(Encoding.UTF8.GetBytes(name));
            c.W.Bulk(Encoding.UTF8.GetBytes(ServerConfig.ValueOf(p)));
        }
    }

    static bool Contains(List<(string Name, ConfigParam P)> found, ConfigParam p)
    {
        foreach (var f in found)
            if (f.P == p) return true;
        return false;
    }

    /// <summary>
    /// configSetCommand: every name is checked first (an unknown name wins over every other error, then the first
    /// immutable or repeated one), then the values are set in order; when one is refused the ones already set
    /// get their old values back, so the call changes all or nothing.
    /// </summary>
    static void ConfigSet(ref CommandContext c)
    {
        var cfg = c.Shard.Server.Config;
        if ((c.Count & 1) != 0)
        {
            c.Error(Errors.Syntax);
            return;
        }
        int n = (c.Count - 2) / 2;
        var set = new ConfigParam[n];
        string? unknown = null, err = null, errArg = null;
        for (int i = 0; i < n; i++)
        {
            ConfigParam? p = cfg.Find(c.ArgString(2 + i * 2));
            if (p == null)
            {
                if (unknown == null && err == null) unknown = Executor.Sanitize(c.Arg(2 + i * 2), 128);
                continue;
            }
            if (unknown != null || err != null) continue;
            if (p.Immutable)
            {
                err = "can't set immutable config";
                errArg = c.ArgString(2 + i * 2);
                continue;
            }
            if (p.Protected && !ProtectedAllowed(cfg.ProtectedConfigs, c.Client))
            {
                err = "can't set protected config";
                errArg = c.ArgString(2 + i * 2);
                continue;
            }
            for (int j = 0; j < i; j++)
                if (set[j] == p)
                {
                    err = "duplicate parameter";
                    errArg = c.ArgString(2 + i * 2);
                    break;
                }
            set[i] = p;
        }
        if (unknown != null)
        {
            c.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + unknown + "'");
            return;
        }
        if (err != null)
        {
            c.Error(Errors.ConfigSetFailed(errArg!, err));
            return;
        }
        var old = new string[n];
        for (int i = 0; i < n; i++) old[i] = ServerConfig.ValueOf(set[i]);
        bool aofWasOn = cfg.AppendOnly;
        for (int i = 0; i < n; i++)
        {
            string? e = cfg.Set(set[i].Name, c.ArgString(3 + i * 2));
            if (e == null) continue;
            for (int j = i - 1; j >= 0; j--) cfg.Set(set[j].Name, old[j]);
            c.Error(Errors.ConfigSetFailed(set[i].Name, e));
            return;
        }
        c.W.Ok();
        // startAppendOnly forks the first rewrite at once, unless inside EXEC (server.in_exec): then the cron starts it.
        if (!aofWasOn && cfg.AppendOnly && !c.InExec)
            c.Shard.Server.Aof.StartFirstRewrite(c.Shard);
        else if (!aofWasOn && cfg.AppendOnly && c.Shard.Server.Persistence.Running == null)
            Console.WriteLine("AOF was enabled during a transaction. An AOF background was scheduled to start when possible.");
    }

    static void ConfigResetStat(ref CommandContext c)
    {
        var s = c.Shard.Server;
        foreach (var sh in s.Shards)
        {
            sh.CommandStats.Reset();
            sh.Stats.ExpiredKeys = sh.Stats.KeyspaceHits = sh.Stats.KeyspaceMisses = sh.Stats.CommandsProcessed = 0;
            sh.Stats.NetInputBytes = sh.Stats.NetOutputBytes = 0;
            sh.Stats.EvictedClients = sh.Stats.ExpireCycleMicros = 0;
            sh.Evictor.EvictedKeys = sh.Evictor.ExceededMillis = 0;
            sh.LazyFree.ResetStats();
        }
        Interlocked.Exchange(ref s.TotalConnectionsReceived, 0);
        Interlocked.Exchange(ref s.RejectedConnections, 0);
        s.SlowLog.Reset();
        s.ErrorReplies.Reset();
        c.W.Ok();
    }

    /// <summary>configRewriteCommand: the file the server started from gets the current values (<see cref="ConfigRewrite"/>).</summary>
    static void ConfigRewriteFile(ref CommandContext c)
    {
        ServerState server = c.Shard.Server;
        if (server.ConfigFile.Length == 0)
        {
            c.Error("ERR The server is running without a config file");
            return;
        }
        string? err = ConfigRewrite.Rewrite(server.Config, server.ConfigFile);
        if (err != null)
        {
            Console.WriteLine("CONFIG REWRITE failed: " + err);
            c.Error("ERR Rewriting config file: " + err);
            return;
        }
        Console.WriteLine("CONFIG REWRITE executed with success.");
        c.W.Ok();
    }

    static void ConfigHelp(ref CommandContext c) => Help(c.W, new[]
    {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
        "RESETSTAT", "    Reset statistics reported by the INFO command.",
        "REWRITE", "    Rewrite the configuration file.",
        "HELP", "    Print this help.",
    });

    // ---- TIME, SHUTDOWN ----

    /// <summary>TIME: the clock, or inside a script the time its first TIME read (a script's time stands still).</summary>
    static void Time(ref CommandContext c)
    {
        long us = c.Shard.ScriptTimeUs;
        if (us <= 0)
        {
            us = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;
            if (c.Shard.ScriptTimeUs == 0) c.Shard.ScriptTimeUs = us;
        }
        c.W.ArrayHeader(2);
        c.W.BulkInteger(us / 1_000_000);
        c.W.BulkInteger(us % 1_000_000);
    }

    /// <summary>
    /// SHUTDOWN runs here unless it must save first (SAVE, or save points without NOSAVE, as Redis's prepareForShutdown
    /// decides): then no single shard, and the router builds a <see cref="SnapshotStartTx"/>. Bad arguments run here,
    /// where the handler replies the error.
    /// </summary>
    static Shard? ShutdownTarget(ServerState server, Shard home, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int db)
    {
        bool save = false, nosave = false;
        for (int i = 1; i < args.Count; i++)
        {
            ReadOnlySpan<byte> a = args.Get(buf, i);
            if (Ascii.EqualsIgnoreCase(a, "save"u8)) save = true;
            else if (Ascii.EqualsIgnoreCase(a, "nosave"u8)) nosave = true;
            else if (!Ascii.EqualsIgnoreCase(a, "now"u8) && !Ascii.EqualsIgnoreCase(a, "force"u8)) return home;
        }
        if (save && nosave) return home;
        // While a file loads, SHUTDOWN never saves (Redis's shutdownCommand): the dataset is partial. Under a busy
        // script only NOSAVE may stop the server: the handler answers -BUSY here.
        if (server.Loading || server.BusyScripts.Any) return home;
        return save || !nosave && server.Config.SavePoints.Length > 0 ? null : home;
    }

    static void Shutdown(ref CommandContext c)
    {
        bool abort = false, force = false, nosave = false, save = false, flags = false;
        for (int i = 1; i < c.Count; i++)
        {
            if (c.ArgIs(i, "nosave"u8)) nosave = flags = true;
            else if (c.ArgIs(i, "save"u8)) save = flags = true;
            else if (c.ArgIs(i, "now"u8)) flags = true;
            else if (c.ArgIs(i, "force"u8)) force = flags = true;
            else if (c.ArgIs(i, "abort"u8)) abort = true;
            else
            {
                c.Error(Errors.Syntax);
                return;
            }
        }
        // Redis's illegal combinations: ABORT with any other flag, SAVE with NOSAVE.
        if (abort && flags || save && nosave)
        {
            c.Error(Errors.Syntax);
            return;
        }
        if (abort)
        {
            // Only a signal's shutdown can be pending here (no replicas to wait for): cancel it before it starts.
            if (c.Shard.Server.Persistence.AbortPendingSignal()) c.W.Ok();
            else c.Error("ERR No shutdown in progress.");
            return;
        }
        if (!nosave && c.Shard.Server.BusyScripts.Any)
        {
            c.Error(c.Shard.Server.BusyScripts.BusyError);
            return;
        }
        if (c.Shard.Server.Persistence.InitialRewriteHoldsShutdown(force))
        {
            c.Error(Errors.ShutdownFailed);
            return;
        }
        // Redis does not reply to a successful SHUTDOWN: the connection just closes.
        c.Shard.Server.ShutdownRequested = true;
        c.Shard.Server.RequestShutdown?.Invoke();
        if (c.Client != null) c.Client.CloseAfterReply = true;
    }

    // ---- SLOWLOG ----

    static void SlowlogGet(ref CommandContext c)
    {
        long count = 10;
        if (c.Count == 3)
        {
            if (!RespNumber.TryParseInt64(c.Arg(2), out count) || count < -1)
            {
                c.Error("ERR count should be greater than or equal to -1");
                return;
            }
            if (count == -1) count = long.MaxValue;
        }
        else if (c.Count > 3) { c.WrongArgs(); return; }
        var entries = c.Shard.Server.SlowLog.Snapshot((int)Math.Min(count, int.MaxValue));
        c.W.ArrayHeader(entries.Length);
        foreach (var e in entries)
        {
            c.W.ArrayHeader(6);
            c.W.Integer(e.Id);
            c.W.Integer(e.Time);
            c.W.Integer(e.Micros);
            c.W.ArrayHeader(e.Args.Length);
            foreach (var a in e.Args) c.W.Bulk(a);
            c.W.Bulk(Encoding.UTF8.GetBytes(e.Addr));
            c.W.Bulk(Encoding.UTF8.GetBytes(e.Name));
        }
    }

    static void SlowlogLen(ref CommandContext c) => c.W.Integer(c.Shard.Server.SlowLog.Length);

    static void SlowlogReset(ref CommandContext c)
    {
        c.Shard.Server.SlowLog.Reset();
        c.W.Ok();
    }

    static void SlowlogHelp(ref CommandContext c) => Help(c.W, new[]
    {
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]", "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:", "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name", "LEN", "    Return the length of the slowlog.",
        "RESET", "    Reset the slowlog.", "HELP", "    Print this help.",
    });

    // ---- MEMORY ----

    static void MemoryUsage(ref CommandContext c)
    {
        if (c.Count != 3 && !(c.Count == 5 && c.ArgIs(3, "samples"u8))) { c.Error(Errors.Syntax); return; }
        if (c.Count == 5 && !c.TryInt(4, out _)) return;
        byte* e = c.Db.Find(c.Arg(2));
        if (e == null) { c.W.NullBulk(); return; }
        // The entry blob plus its share of the table (one slot and fingerprint at ~85% load), plus
        // everything a collection's value points at (all of it: SAMPLES changes nothing here).
        c.W.Integer(KeyEntry.AllocSize(e) + 12 + Collection.ValueBytesUsed(e));
    }

    /// <summary>
    /// MEMORY STATS: Redis's map of memory parts (getMemoryOverheadData), from the figures INFO memory reports. Per database
    /// with keys, the keyspace tables' bytes over every shard; FastKv keeps a key's expiry in its entry, so there is no
    /// separate expires table, and no cluster slot index. Ratios and percentages are doubles, as in Redis.
    /// </summary>
    static void MemoryStats(ref CommandContext c)
    {
        ServerState s = c.Shard.Server;
        var m = new MemoryFigures(s);
        RespWriter w = c.W;
        int dbs = s.Shards[0].Dbs.Length;
        var tables = new long[dbs];
        var counts = new long[dbs];
        foreach (Shard sh in s.Shards)
            for (int i = 0; i < dbs; i++)
            {
                counts[i] += sh.Dbs[i].Count;
                tables[i] += sh.Dbs[i].Table.OverheadBytes;
            }
        int withKeys = 0;
        long keys = 0;
        for (int i = 0; i < dbs; i++)
        {
            keys += counts[i];
            if (counts[i] > 0) withKeys++;
        }
        long net = Math.Max(0, m.Used - m.Startup);
        w.MapHeader(27 + withKeys);
        void Field(RespWriter w, string name, long v) { w.Bulk(Encoding.ASCII.GetBytes(name)); w.Integer(v); }
        void Real(RespWriter w, string name, double v) { w.Bulk(Encoding.ASCII.GetBytes(name)); w.Double(v); }
        Field(w, "peak.allocated", m.Peak);
        Field(w, "total.allocated", m.Used);
        Field(w, "startup.allocated", m.Startup);
        Field(w, "replication.backlog", 0);
        Field(w, "clients.slaves", 0);
        Field(w, "clients.normal", m.Clients);
        Field(w, "cluster.links", 0);
        Field(w, "aof.buffer", 0);
        Field(w, "lua.caches", m.Scripts);
        Field(w, "functions.caches", m.FunctionBytes);
        for (int i = 0; i < dbs; i++)
        {
            if (counts[i] == 0) continue;
            w.Bulk(Encoding.ASCII.GetBytes("db." + i.ToString(CultureInfo.InvariantCulture)));
            w.MapHeader(3);
            Field(w, "overhead.hashtable.main", tables[i]);
            Field(w, "overhead.hashtable.expires", 0);
            Field(w, "overhead.hashtable.slot-to-keys", 0);
        }
        Field(w, "overhead.total", m.Overhead);
        Field(w, "keys.count", keys);
        Field(w, "keys.bytes-per-key", keys > 0 ? net / keys : 0);
        Field(w, "dataset.bytes", m.Dataset);
        Real(w, "dataset.percentage", net > 0 ? 100.0 * m.Dataset / net : 0);
        Real(w, "peak.percentage", m.Peak > 0 ? 100.0 * m.Used / m.Peak : 0);
        Field(w, "allocator.allocated", m.Used);
        Field(w, "allocator.active", m.Active);
        Field(w, "allocator.resident", m.Active);
        Real(w, "allocator-fragmentation.ratio", m.Used > 0 ? (double)m.Active / m.Used : 0);
        Field(w, "allocator-fragmentation.bytes", m.Active - m.Used);
        Real(w, "allocator-rss.ratio", m.Active > 0 ? 1.0 : 0);
        Field(w, "allocator-rss.bytes", 0);
        Real(w, "rss-overhead.ratio", m.Active > 0 ? (double)m.Rss / m.Active : 0);
        Field(w, "rss-overhead.bytes", m.Rss - m.Active);
        Real(w, "fragmentation", m.Used > 0 ? (double)m.Rss / m.Used : 0);
        Field(w, "fragmentation.bytes", m.Rss - m.Used);
    }

    /// <summary>
    /// MEMORY PURGE: Redis asks jemalloc to give dirty pages back, and answers OK without work on other allocators. The
    /// arenas here already give a page back to the OS the moment it empties (MADV_DONTNEED), so there is none to purge.
    /// </summary>
    static void MemoryPurge(ref CommandContext c) => c.W.Ok();

    /// <summary>MEMORY MALLOC-STATS: Redis's reply when its allocator has no report (a libc build); the arenas have none.</summary>
    static void MemoryMallocStats(ref CommandContext c) => c.W.Bulk("Stats not supported for the current allocator"u8);

    /// <summary>Redis's memory doctor finds nothing to say below 5 MB in use (its "empty" report), and no issue above.</summary>
    static void MemoryDoctor(ref CommandContext c) =>
        c.W.Verbatim(c.Shard.Server.UsedMemory() < 5 * 1024 * 1024
            ? "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"u8
            : "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"u8, "txt");

    static void MemoryHelp(ref CommandContext c) => Help(c.W, new[]
    {
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR", "    Return memory problems reports.",
        "MALLOC-STATS", "    Return internal statistics report from the memory allocator.",
        "PURGE", "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS", "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]", "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP", "    Print this help.",
    });

    // ---- DEBUG ----

    /// <summary>
    /// DEBUG RELOAD and DEBUG LOADAOF need every shard (a <see cref="DebugReloadTx"/>, a <see cref="DebugLoadAofTx"/>), as
    /// do DIGEST, DIGEST-VALUE and POPULATE (a <see cref="DebugDatasetTx"/>); OBJECT runs on its key's shard, every other
    /// subcommand here.
    /// </summary>
    static Shard? DebugTarget(ServerState server, Shard home, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int db)
    {
        if (args.Count < 2) return home;
        if (Ascii.EqualsIgnoreCase(args.Get(buf, 1), "reload"u8) || DebugLoadAofTx.Names(buf, args) || DebugDatasetTx.Names(buf, args))
            return null;
        if (args.Count == 3 && Ascii.EqualsIgnoreCase(args.Get(buf, 1), "object"u8)) return server.ShardOf(args.Get(buf, 2));
        return home;
    }

    /// <summary>Redis's atoi(arg): the leading digits after a sign, 0 when none; clamped to int's range.</summary>
    static int Atoi(ReadOnlySpan<byte> a)
    {
        bool negative = a.Length > 0 && a[0] == '-';
        long v = 0;
        for (int i = a.Length > 0 && (a[0] == '-' || a[0] == '+') ? 1 : 0; i < a.Length && a[i] >= '0' && a[i] <= '9'; i++)
            v = Math.Min(v * 10 + (a[i] - '0'), 1L << 31);
        return (int)Math.Clamp(negative ? -v : v, int.MinValue, int.MaxValue);
    }

    static void Debug(ref CommandContext c)
    {
        if (c.ArgIs(1, "sleep"u8) && c.Count == 3)
        {
            if (!RespNumber.TryParseDouble(c.Arg(2), out double secs)) { c.Error(Errors.NotFloat); return; }
            // DEBUG SLEEP blocks the whole loop, as it blocks Redis.
            if (secs > 0) Thread.Sleep(TimeSpan.FromSeconds(Math.Min(secs, 3600)));
            c.W.Ok();
            return;
        }
        if (c.ArgIs(1, "set-active-expire"u8) && c.Count == 3)
        {
            c.Shard.Server.ActiveExpireEnabled = Atoi(c.Arg(2)) != 0;
            c.W.Ok();
            return;
        }
        if (c.ArgIs(1, "aof-flush-sleep"u8) && c.Count == 3)
        {
            c.Shard.Server.Aof.FlushSleepMicros = Atoi(c.Arg(2));
            c.W.Ok();
            return;
        }
        if (c.ArgIs(1, "set-skip-checksum-validation"u8) && c.Count == 3)
        {
            c.Shard.Server.SkipChecksumValidation = Atoi(c.Arg(2)) != 0;
            c.W.Ok();
            return;
        }
        if (c.ArgIs(1, "pause-cron"u8) && c.Count == 3)
        {
            c.Shard.Server.CronPaused = Atoi(c.Arg(2)) != 0;
            c.W.Ok();
            return;
        }
        if (c.ArgIs(1, "set-disable-deny-scripts"u8) && c.Count == 3)
        {
            c.Shard.Server.ScriptDenyDisabled = Atoi(c.Arg(2)) != 0;
            c.W.Ok();
            return;
        }
        if (DebugDatasetTx.Names(c.Buffer, c.Args))
        {
            // Reached on a server of one shard only (the router sends the command to a DebugDatasetTx otherwise).
            DebugDatasetTx.RunLocal(c.Shard, c.Db.Index, new CopiedArgs(c.Buffer, c.Args).Items, c.W);
            return;
        }
        if (c.ArgIs(1, "object"u8) && c.Count == 3)
        {
            DebugObject(ref c);
            return;
        }
        if (c.ArgIs(1, "protocol"u8) && c.Count == 3)
        {
            DebugProtocol(ref c);
            return;
        }
        if (c.ArgIs(1, "error"u8) && c.Count == 3)
        {
            // Written as it is, "-" and the text with its line breaks made spaces: no ERR prefix, and (as Redis's
            // addReplySds) not counted as an error reply.
            byte[] line = new byte[c.Arg(2).Length + 3];
            line[0] = (byte)'-';
            c.Arg(2).CopyTo(line.AsSpan(1));
            for (int i = 1; i < line.Length - 2; i++)
                if (line[i] is (byte)'\r' or (byte)'\n') line[i] = (byte)' ';
            line[^2] = (byte)'\r';
            line[^1] = (byte)'\n';
            c.W.Raw(line);
            return;
        }
        if (c.ArgIs(1, "log"u8) && c.Count == 3)
        {
            // serverLog's buffer holds 1024 bytes with its terminator: a longer message is cut there.
            string line = "DEBUG LOG: " + c.ArgString(2);
            Console.WriteLine(line.Length > 1023 ? line.Substring(0, 1023) : line);
            c.W.Ok();
            return;
        }
        if (c.ArgIs(1, "help"u8))
        {
            Help(c.W, new[]
            {
                "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "AOF-FLUSH-SLEEP <microsec>", "    Server will sleep before flushing the AOF, this is used for testing.",
                "DIGEST", "    Output a hex signature representing the current DB content.",
                "DIGEST-VALUE <key> [<key> ...]", "    Output a hex signature of the values of all the specified keys.",
                "ERROR <string>", "    Return a Redis protocol error with <string> as message. Useful for clients",
                "    unit tests to simulate Redis errors.",
                "LOG <message>", "    Write <message> to the server log.",
                "LOADAOF", "    Flush the AOF buffers on disk and reload the AOF in memory.",
                "OBJECT <key>", "    Show low level info about `key` and associated value.",
                "POPULATE <count> [<prefix>] [<size>]", "    Create <count> string keys named key:<num>. If <prefix> is specified then",
                "    it is used instead of the 'key' prefix. These are not propagated to",
                "    replicas. Cluster slots are not respected so keys not belonging to the",
                "    current node can be created in cluster mode.",
                "PROTOCOL <type>", "    Reply with a test value of the specified type. <type> can be: string,",
                "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
                "    true, false.",
                "RELOAD [option ...]", "    Save the RDB on disk and reload it back to memory. Available options:",
                "    * MERGE: Merge the content of the RDB file with the current dataset.",
                "    * NOFLUSH: Do not empty the dataset before loading the RDB file.",
                "    * NOSAVE: the database will be loaded from an existing RDB file.",
                "SET-ACTIVE-EXPIRE <0|1>", "    Setting it to 0 disables expiring keys in background when they are not",
                "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                "    default.",
                "SET-SKIP-CHECKSUM-VALIDATION <0|1>", "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
                "SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed.",
                "PAUSE-CRON <0|1>", "    Stop periodic cron job processing.",
                "HELP", "    Print this help.",
            });
            return;
        }
        c.Error(Errors.UnknownSubcommandOrArgs(Executor.Sanitize(c.Arg(1), 128), "DEBUG"));
    }

    /// <summary>
    /// DEBUG OBJECT key: Redis's line "Value at:%p refcount:%d encoding:%s serializedlength:%lld lru:%d
    /// lru_seconds_idle:%llu", and for a quicklist its nodes. The address is the entry's; serializedlength is the
    /// value's RDB form as DUMP writes it (type byte excluded), so it is Redis's where the structure is Redis's. A shared
    /// integer (0-9999 while no LRU/LFU policy stops sharing) shows Redis's shared object: refcount 2147483647, lru 0.
    /// No lookup: a key that is logically expired is shown too, as Redis's dictFind shows it.
    /// </summary>
    static void DebugObject(ref CommandContext c)
    {
        ReadOnlySpan<byte> key = c.Arg(2);
        byte* e = c.Db.Table.Find(key, KeyHash.Hash(key));
        if (e == null) { c.W.Error("ERR no such key"); return; }
        byte type = KeyEntry.Type(e), enc = KeyEntry.Encoding(e);
        long refcount = type == ValueKind.String ? StringValue.RefCount(enc, KeyEntry.Value(e)) : 1;
        var w = new System.Buffers.ArrayBufferWriter<byte>(64);
        RdbEncode.WriteValue(w, e, RdbWriteOptions.ForDump(c.Shard));
        uint lru = refcount == int.MaxValue ? 0 : KeyEntry.Lru(e) & AccessClock.LruClockMax;
        var sb = new StringBuilder();
        sb.Append("Value at:0x").Append(((ulong)e).ToString("x", CultureInfo.InvariantCulture))
          .Append(" refcount:").Append(refcount)
          .Append(" encoding:").Append(ValueEncoding.Name(enc))
          .Append(" serializedlength:").Append(w.WrittenCount - 1)
          .Append(" lru:").Append(lru)
          .Append(" lru_seconds_idle:").Append(AccessClock.IdleSeconds(c.Shard.LruClock, lru));
        if (type == ValueKind.List && enc == ValueEncoding.QuickList)
        {
            byte* ql = *(byte**)KeyEntry.ValuePtr(e);
            int nodes = QuickList.NodeCount(ql);
            long size = 0;
            for (byte* node = QuickList.HeadNode(ql); node != null; node = QuickList.NextNode(node)) size += QuickList.NodeBytes(node);
            sb.Append(" ql_nodes:").Append(nodes)
              .Append(" ql_avg_node:").Append((nodes == 0 ? 0.0 : (double)QuickList.Count(ql) / nodes).ToString("F2", CultureInfo.InvariantCulture))
              .Append(" ql_listpack_max:").Append(QuickList.Fill(ql))
              .Append(" ql_compressed:0") // FastKv keeps list nodes uncompressed (list-compress-depth is accepted, not applied)
              .Append(" ql_uncompressed_size:").Append(size);
        }
        c.W.Simple(sb.ToString());
    }

    /// <summary>DEBUG PROTOCOL type: Redis's test value of each reply type, in the connection's protocol.</summary>
    static void DebugProtocol(ref CommandContext c)
    {
        RespWriter w = c.W;
        bool resp3 = w.Protocol >= 3;
        ReadOnlySpan<byte> t = c.Arg(2);
        if (Ascii.EqualsIgnoreCase(t, "string"u8)) w.Bulk("Hello World"u8);
        else if (Ascii.EqualsIgnoreCase(t, "integer"u8)) w.Integer(12345);
        else if (Ascii.EqualsIgnoreCase(t, "double"u8)) w.Double(3.141);
        else if (Ascii.EqualsIgnoreCase(t, "bignum"u8))
        {
            if (resp3) w.Raw("(1234567999999999999999999999999999999\r\n"u8);
            else w.Bulk("1234567999999999999999999999999999999"u8);
        }
        else if (Ascii.EqualsIgnoreCase(t, "null"u8)) w.NullBulk();
        else if (Ascii.EqualsIgnoreCase(t, "array"u8) || Ascii.EqualsIgnoreCase(t, "set"u8))
        {
            if (t[0] is (byte)'s' or (byte)'S') w.SetHeader(3);
            else w.ArrayHeader(3);
            for (int i = 0; i < 3; i++) w.Integer(i);
        }
        else if (Ascii.EqualsIgnoreCase(t, "map"u8))
        {
            w.MapHeader(3);
            for (int i = 0; i < 3; i++)
            {
                w.Integer(i);
                w.Bool(i == 1);
            }
        }
        else if (Ascii.EqualsIgnoreCase(t, "attrib"u8))
        {
            // An attribute is not a reply: RESP2 gets only the reply after it.
            if (resp3) w.Raw("|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"u8);
            w.Bulk("Some real reply following the attribute"u8);
        }
        else if (Ascii.EqualsIgnoreCase(t, "push"u8))
        {
            if (!resp3) { w.Error("ERR RESP2 is not supported by this command"); return; }
            w.Bulk("Some real reply following the push reply"u8);
            w.PushHeader(2);
            w.Bulk("server-cpu-usage"u8);
            w.Integer(42);
        }
        else if (Ascii.EqualsIgnoreCase(t, "verbatim"u8)) w.Verbatim("This is a verbatim\nstring"u8, "txt");
        else if (Ascii.EqualsIgnoreCase(t, "true"u8)) w.Bool(true);
        else if (Ascii.EqualsIgnoreCase(t, "false"u8)) w.Bool(false);
        else w.Error("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
    }
}
