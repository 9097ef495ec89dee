using System;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>One configuration parameter: Redis's name, current text, how to parse and apply it.</summary>
public sealed class ConfigParam
{
    public required string Name;
    public string Value = "";
    /// <summary>The value it starts with (CONFIG REWRITE writes a value that differs from it).</summary>
    public string Default = "";
    /// <summary>How its value is read and written back (Redis's config types that change either).</summary>
    public ConfigKind Kind;
    /// <summary>An enum's names (<see cref="ConfigKind.Enum"/>): a value is stored and shown by its name.</summary>
    public string[]? Options;
    /// <summary>A string Redis keeps as NULL when empty: CONFIG REWRITE writes no line for it then.</summary>
    public bool NullWhenEmpty;
    /// <summary>Parses and applies a value; returns an error text (Redis's wording) or null.</summary>
    public required Func<string, string?> Apply;
    public bool Immutable;
    /// <summary>Redis's PROTECTED_CONFIG (dir, dbfilename): CONFIG SET only where enable-protected-configs allows.</summary>
    public bool Protected;
    /// <summary>For an old name (hash-max-ziplist-entries): the parameter it stands for.</summary>
    public ConfigParam? AliasOf;
    /// <summary>A yes/no parameter: accepted in any case, read back in lower case as Redis does.</summary>
    public bool IsBool;
    /// <summary>Redis's HIDDEN_CONFIG (test and debug settings): CONFIG GET reports it by its exact name only, never for a pattern.</summary>
    public bool Hidden;
}

/// <summary>Redis's config types where the form of a value matters beyond its text.</summary>
public enum ConfigKind
{
    /// <summary>A number, yes/no, or a parameter with its own form.</summary>
    Plain,
    /// <summary>A size with Redis's units ("64mb"), shown in bytes, rewritten in the largest unit that divides it.</summary>
    Memory,
    /// <summary>A string, rewritten quoted.</summary>
    Text,
    /// <summary>One of <see cref="ConfigParam.Options"/>, in any case.</summary>
    Enum,
}

/// <summary>
/// The server's configuration: Redis's parameter names and value syntax, for the config file,
/// the command line (--name value) and CONFIG GET/SET. Values the hot path reads are fields.
/// </summary>
public sealed class ServerConfig
{
    readonly Dictionary<string, ConfigParam> byName = new(StringComparer.OrdinalIgnoreCase);
    readonly List<ConfigParam> all = new();

    public string[] Bind = { "127.0.0.1", "-::1" };
    public int Port = 6379;
    public int Threads = Environment.ProcessorCount;
    public int MaxClients = 10000;
    public long Timeout;
    public int TcpKeepAlive = 300;
    /// <summary>listen() backlog of every listening socket (the kernel caps it at net.core.somaxconn), as Redis's tcp-backlog.</summary>
    public int TcpBacklog = 511;
    public int Databases = 16;
    public string? RequirePass;
    public long ProtoMaxBulkLen = 512L * 1024 * 1024;
    public long ClientQueryBufferLimit = 1024L * 1024 * 1024;
    public long MaxMemory;
    public int Hz = 10;
    public long SlowlogSlowerThan = 10000;
    /// <summary>busy-reply-threshold (lua-time-limit), in ms: a script running longer makes the server busy; 0 never.</summary>
    public long BusyReplyThreshold = 5000;
    /// <summary>min-replicas-to-write and min-replicas-max-lag: with both set, writes need that many good replicas.</summary>
    public long MinReplicasToWrite, MinReplicasMaxLag = 10;
    public int SlowlogMaxLen = 128;
    public string MaxMemoryPolicy = "noeviction";
    /// <summary>maxmemory-policy, parsed (read before every command while maxmemory is set).</summary>
    public EvictionPolicy Policy;
    /// <summary>maxmemory-samples: keys sampled per database each time the eviction pool is refilled.</summary>
    public int MaxMemorySamples = 5;
    /// <summary>maxmemory-eviction-tenacity (0-100): how long one command may spend evicting (Redis's formula).</summary>
    public int EvictionTenacity = 10;
    /// <summary>lfu-log-factor: how slowly the LFU log counter climbs.</summary>
    public int LfuLogFactor = 10;
    /// <summary>lfu-decay-time: minutes per step the LFU counter decays; 0 never decays.</summary>
    public int LfuDecayTime = 1;
    public bool ThreadAffinity;
    // Encoding thresholds of the collection types (DESIGN.md section 5).
    public long HashMaxListpackEntries = 512;
    public long HashMaxListpackValue = 64;
    public long SetMaxIntsetEntries = 512;
    public long SetMaxListpackEntries = 128;
    public long SetMaxListpackValue = 64;
    public long ZSetMaxListpackEntries = 128;
    public long ZSetMaxListpackValue = 64;
    public int ListMaxListpackSize = -2;
    /// <summary>hll-sparse-max-bytes: the largest sparse HyperLogLog (header included) before it turns dense.</summary>
    public long HllSparseMaxBytes = 3000;
    /// <summary>stream-node-max-bytes: a stream node takes no entry once its bytes plus the entry's reach this (0 = 1 GiB).</summary>
    public long StreamNodeMaxBytes = 4096;
    /// <summary>stream-node-max-entries: entries (live and deleted) per stream node; 0 = no limit.</summary>
    public long StreamNodeMaxEntries = 100;
    /// <summary>notify-keyspace-events as <see cref="NotifyClass"/> bits; 0 = off (read by every shard).</summary>
    public int NotifyKeyspaceEvents;
    /// <summary>client-output-buffer-limit, per client class (read by every shard when output grows).</summary>
    public readonly OutputBufferLimits OutputBufferLimits = new();

    public IReadOnlyList<ConfigParam> All => all;

    /// <summary>
    /// Set by the server once it listens: moves the listeners to new bind addresses and port (CONFIG SET), returning
    /// null or why it could not; before that (config file, command line) the values are only recorded.
    /// </summary>
    public Func<string[], int, string?>? Rebind;

    string? SetBind(string[] bind)
    {
        if (Rebind != null && Rebind(bind, Port) != null) return "Failed to bind to specified addresses.";
        Bind = bind;
        return null;
    }

    string? SetPort(int port)
    {
        if (Rebind != null && Rebind(Bind, port) != null) return "Unable to listen on this port. Check server logs.";
        Port = port;
        return null;
    }

    public ServerConfig()
    {
        Add("bind", "127.0.0.1 -::1", v => SetBind(v.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        Add("port", "6379", v => Int(v, 0, 65535, x => { }) ?? SetPort(int.Parse(v, CultureInfo.InvariantCulture)));
        // FastKv's own startup settings, immutable: hidden from CONFIG GET patterns (shown by exact name), so a tool that
        // sets back every value CONFIG GET * gave (Redis's own "CONFIG sanity" test does) meets none it cannot set.
        Add("threads", Threads.ToString(CultureInfo.InvariantCulture), v => Int(v, 1, 1024, x => Threads = (int)x), immutable: true).Hidden = true;
        Add("thread-affinity", "no", v => Bool(v, b => ThreadAffinity = b), immutable: true).Hidden = true;
        Add("maxclients", "10000", v => Int(v, 1, int.MaxValue, x => MaxClients = (int)x));
        Add("timeout", "0", v => Int(v, 0, int.MaxValue, x => Timeout = x));
        Add("tcp-keepalive", "300", v => Int(v, 0, int.MaxValue, x => TcpKeepAlive = (int)x));
        Add("databases", "16", v => Int(v, 1, int.MaxValue, x => Databases = (int)x), immutable: true);
        Add("requirepass", "", v => { RequirePass = v.Length == 0 ? null : v; return null; });
        AddMemory("proto-max-bulk-len", "536870912", 1024 * 1024, long.MaxValue, x => ProtoMaxBulkLen = x);
        AddMemory("client-query-buffer-limit", "1073741824", 1024 * 1024, long.MaxValue, x => ClientQueryBufferLimit = x);
        Add("maxmemory", "0", v => UnsignedMemory(v, x => MaxMemory = x > long.MaxValue ? long.MaxValue : (long)x));
        AddEnum("maxmemory-policy", "noeviction", EvictionPolicies.Names, s => { MaxMemoryPolicy = s; Policy = EvictionPolicies.Parse(s); });
        Add("maxmemory-samples", "5", v => Int(v, 1, int.MaxValue, x => MaxMemorySamples = (int)x));
        Add("maxmemory-eviction-tenacity", "10", v => Int(v, 0, 100, x => EvictionTenacity = (int)x));
        Add("hz", "10", v => Int(v, 1, 500, x => Hz = (int)x));
        Add("slowlog-log-slower-than", "10000", v => Int(v, -1, long.MaxValue, x => SlowlogSlowerThan = x));
        Add("slowlog-max-len", "128", v => Int(v, 0, int.MaxValue, x => SlowlogMaxLen = (int)x));
        Add("save", "3600 1 300 100 60 10000", v => ParseSave(v));
        Add("appendonly", "no", v => Bool(v, b => SetAppendOnly(b)));
        AddEnum("appendfsync", "everysec", new[] { "always", "everysec", "no" }, x => AppendFsync = x switch
        {
            "always" => AofFsync.Always,
            "no" => AofFsync.No,
            _ => AofFsync.EverySec,
        });
        AddText("appendfilename", "appendonly.aof", v => SetAppendName(v, "appendfilename", "filename", x => AppendFilename = x), immutable: true);
        AddText("appenddirname", "appendonlydir", v => SetAppendName(v, "appenddirname", "dirname", x => AppendDirname = x), immutable: true);
        Add("aof-use-rdb-preamble", "yes", v => Bool(v, b => AofUseRdbPreamble = b));
        Add("aof-load-truncated", "yes", v => Bool(v, b => AofLoadTruncated = b));
        Add("aof-timestamp-enabled", "no", v => Bool(v, b => AofTimestampEnabled = b));
        Add("aof-rewrite-incremental-fsync", "yes", v => Bool(v, _ => { }));
        // Turned back off, the history files go at once (Redis's updateAofAutoGCEnabled).
        Add("aof-disable-auto-gc", "no", v => Bool(v, b =>
        {
            AofDisableAutoGc = b;
            if (!b) AutoGcEnabled?.Invoke();
        })).Hidden = true; // hidden in Redis too
        Add("no-appendfsync-on-rewrite", "no", v => Bool(v, b => NoAppendFsyncOnRewrite = b));
        Add("auto-aof-rewrite-percentage", "100", v => Int(v, 0, int.MaxValue, x => AutoAofRewritePercentage = (int)x));
        AddMemory("auto-aof-rewrite-min-size", "67108864", 0, long.MaxValue, x => AutoAofRewriteMinSize = x);
        Add("dir", ".", v => SetDir(v)).Protected = true;
        AddText("dbfilename", "dump.rdb", v => SetDbFilename(v)).Protected = true;
        AddEnum("enable-protected-configs", "no", new[] { "yes", "no", "local" }, x => ProtectedConfigs = x, immutable: true);
        AddEnum("loglevel", "notice", new[] { "debug", "verbose", "notice", "warning", "nothing" }, _ => { });
        AddText("logfile", "", v => null, immutable: true);
        Add("daemonize", "no", v => v == "no" ? null : "FastKv does not daemonize; run it under a supervisor", immutable: true);
        Add("supervised", "no", v => null, immutable: true);
        AddText("pidfile", "", v => null, nullWhenEmpty: true);
        Add("protected-mode", "yes", v => Bool(v, _ => { }));
        Add("tcp-backlog", "511", v => Int(v, 0, int.MaxValue, x => TcpBacklog = (int)x), immutable: true);
        // A unix domain socket to listen on as well (empty: none), and its permissions (octal; 0 leaves the umask's).
        AddText("unixsocket", "", v => { UnixSocket = v.Length == 0 ? null : v; return null; }, immutable: true, nullWhenEmpty: true);
        Add("unixsocketperm", "0", v => SetOctal(v, 0, 511, x => UnixSocketPerm = (int)x), immutable: true);
        Add("notify-keyspace-events", "", v => KeyspaceEventFlags.Parse(v, x => NotifyKeyspaceEvents = x));
        Add("hash-max-listpack-entries", "512", v => Int(v, 0, long.MaxValue, x => HashMaxListpackEntries = x));
        Alias("hash-max-ziplist-entries", "hash-max-listpack-entries");
        // Redis 7.2 reads these two entry sizes as memory values ("1kb"), set-max-listpack-value as a plain number.
        AddMemory("hash-max-listpack-value", "64", 0, long.MaxValue, x => HashMaxListpackValue = x);
        Alias("hash-max-ziplist-value", "hash-max-listpack-value");
        Add("set-max-intset-entries", "512", v => Int(v, 0, long.MaxValue, x => SetMaxIntsetEntries = x));
        Add("set-max-listpack-entries", "128", v => Int(v, 0, long.MaxValue, x => SetMaxListpackEntries = x));
        Add("set-max-listpack-value", "64", v => Int(v, 0, long.MaxValue, x => SetMaxListpackValue = x));
        Add("zset-max-listpack-entries", "128", v => Int(v, 0, long.MaxValue, x => ZSetMaxListpackEntries = x));
        Alias("zset-max-ziplist-entries", "zset-max-listpack-entries");
        AddMemory("zset-max-listpack-value", "64", 0, long.MaxValue, x => ZSetMaxListpackValue = x);
        Alias("zset-max-ziplist-value", "zset-max-listpack-value");
        AddMemory("stream-node-max-bytes", "4096", 0, long.MaxValue, x => StreamNodeMaxBytes = x);
        Add("stream-node-max-entries", "100", v => Int(v, 0, long.MaxValue, x => StreamNodeMaxEntries = x));
        Add("list-max-listpack-size", "-2", v => Int(v, int.MinValue, int.MaxValue, x => ListMaxListpackSize = (int)x));
        Alias("list-max-ziplist-size", "list-max-listpack-size");
        Add("list-compress-depth", "0", v => Int(v, 0, int.MaxValue, _ => { }));
        AddMemory("hll-sparse-max-bytes", "3000", 0, long.MaxValue, x => HllSparseMaxBytes = x);
        Add("io-threads", "1", v => Int(v, 1, 128, _ => { }), immutable: true);
        Add("lfu-log-factor", "10", v => Int(v, 0, int.MaxValue, x => LfuLogFactor = (int)x));
        Add("lfu-decay-time", "1", v => Int(v, 0, int.MaxValue, x => LfuDecayTime = (int)x));
        Add("active-expire-effort", "1", v => Int(v, 1, 10, _ => { }));
        Add("latency-monitor-threshold", "0", v => Int(v, 0, long.MaxValue, x => LatencyMonitorThreshold = x));
        Add("latency-tracking", "yes", v => Bool(v, b => LatencyTracking = b));
        Add("latency-tracking-info-percentiles", "50 99 99.9", v => Percentiles(v));
        Add("lazyfree-lazy-eviction", "no", v => Bool(v, b => LazyfreeLazyEviction = b));
        Add("lazyfree-lazy-expire", "no", v => Bool(v, b => LazyfreeLazyExpire = b));
        Add("lazyfree-lazy-server-del", "no", v => Bool(v, b => LazyfreeLazyServerDel = b));
        Add("lazyfree-lazy-user-del", "no", v => Bool(v, b => LazyfreeLazyUserDel = b));
        Add("lazyfree-lazy-user-flush", "no", v => Bool(v, b => LazyfreeLazyUserFlush = b));
        Add("cluster-enabled", "no", v => v == "no" ? null : "cluster mode is not supported yet", immutable: true);
        AddEnum("enable-debug-command", "no", new[] { "yes", "no", "local" }, x => EnableDebugCommand = x, immutable: true);
        Add("client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", v => OutputBufferLimits.Parse(v));
        AddMemory("repl-backlog-size", "1048576", 1, long.MaxValue, _ => { });
        Add("stop-writes-on-bgsave-error", "yes", v => Bool(v, b => StopWritesOnBgsaveError = b));
        Add("rdbcompression", "yes", v => Bool(v, b => RdbCompression = b));
        Add("rdbchecksum", "yes", v => Bool(v, b => RdbChecksum = b), immutable: true);
        Add("rdb-save-incremental-fsync", "yes", v => Bool(v, _ => { }));
        Add("rdb-del-sync-files", "no", v => Bool(v, _ => { }));
        Add("rdb-key-save-delay", "0", v => Int(v, int.MinValue, int.MaxValue, x => RdbKeySaveDelay = (int)x)).Hidden = true;
        // No fork child to pin: accepted and reported, as the other fork settings.
        AddText("bgsave_cpulist", "", v => null, immutable: true, nullWhenEmpty: true);
        // Redis's test settings for watching a load: a pause per key loaded (debugDelay), and how often Redis serves
        // clients while it reads an RDB file (FastKv serves them throughout, so it is accepted and reported only).
        Add("key-load-delay", "0", v => Int(v, int.MinValue, int.MaxValue, x => KeyLoadDelay = (int)x)).Hidden = true;
        Add("loading-process-events-interval-bytes", "2097152", v => Int(v, 1024, int.MaxValue, _ => { })).Hidden = true;
        Add("fastkv-rdb-version", "11", v => Int(v, 10, 11, x => RdbVersion = (int)x));
        // A bound on each shard's Lua state (0: none, as Redis): past it a script's allocation fails with Lua's
        // "not enough memory" error instead of the server running out of memory.
        AddMemory("fastkv-lua-max-memory", "1gb", 0, long.MaxValue, x => LuaMaxMemory = x);
        Add("fastkv-snapshot-slice-us", "100", v => Int(v, 10, 1_000_000, x => SnapshotSliceMicros = (int)x));
        Add("fastkv-coalesce-us", "100", v => Int(v, 0, 10_000, x => CoalesceMicros = (int)x));
        Add("fastkv-coalesce-min-clients", "8", v => Int(v, 0, int.MaxValue, x => CoalesceMinClients = (int)x));
        Add("fastkv-coalesce-min-busy", "50", v => Int(v, 0, 100, x => CoalesceMinBusyPercent = (int)x));
        Add("fastkv-lookahead-min-keys", "8192", v => Int(v, 0, long.MaxValue, x => LookAheadMinKeys = x));
        Add("fastkv-snapshot-buffer-limit", "4mb 32mb", v => SetSnapshotBufferLimit(v));
        // Redis checks RESTORE payloads deeply only when asked (or "clients" not from a trusted connection); FastKv
        // always does (RdbDecode), so the setting is accepted and reported but changes nothing.
        AddEnum("sanitize-dump-payload", "no", new[] { "no", "yes", "clients" }, _ => { });
        Add("busy-reply-threshold", "5000", v => Int(v, 0, long.MaxValue, x => BusyReplyThreshold = x));
        Alias("lua-time-limit", "busy-reply-threshold");
        Add("tracking-table-max-keys", "1000000", v => Int(v, 0, long.MaxValue, x => TrackingTableMaxKeys = x));
        Add("maxmemory-clients", "0", v => MemoryOrPercent(v, x => MaxMemoryClients = x));
        // SIGTERM and SIGINT as SHUTDOWN with these flags (Redis's shutdown-on-sigterm / -sigint); shutdown-timeout is how
        // long a shutdown waits for lagging replicas, and FastKv has none yet.
        Add("shutdown-on-sigterm", "default", v => ShutdownFlags(v, x => ShutdownOnSigterm = x));
        Add("shutdown-on-sigint", "default", v => ShutdownFlags(v, x => ShutdownOnSigint = x));
        Add("shutdown-timeout", "10", v => Int(v, 0, int.MaxValue, _ => { }));
        // Settings a stock redis.conf (and Redis's own test configuration) holds that concern what FastKv does not have:
        // Redis's dict rehashing, its logo, process title, syslog, crash report, jemalloc and THP handling, the OOM score,
        // modules, and replicas' propagation errors. Accepted with Redis's checks and reported, so those files load.
        Add("activerehashing", "yes", v => Bool(v, _ => { }));
        Add("always-show-logo", "no", v => Bool(v, _ => { }), immutable: true);
        Add("set-proc-title", "yes", v => Bool(v, _ => { }), immutable: true);
        AddText("proc-title-template", "{title} {listen-addr} {server-mode}", v => null);
        AddText("locale-collate", "", v => null);
        Add("syslog-enabled", "no", v => Bool(v, _ => { }), immutable: true);
        AddText("syslog-ident", "redis", v => null, immutable: true);
        AddEnum("syslog-facility", "local0", new[] { "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7" }, _ => { }, immutable: true);
        Add("crash-log-enabled", "yes", v => Bool(v, _ => { }));
        Add("crash-memcheck-enabled", "yes", v => Bool(v, _ => { }));
        // Redis exits instead of aborting on a panic; FastKv answers bad input with errors and never panics on purpose.
        Add("use-exit-on-panic", "no", v => Bool(v, _ => { })).Hidden = true;
        Add("dynamic-hz", "yes", v => Bool(v, _ => { }));
        // Accepted so that redis.conf files using them load; FastKv has no active defragmentation, no I/O threads,
        // no watchdog and no outgoing connections (no replication or MIGRATE) for a source address or mark.
        Add("activedefrag", "no", v => Bool(v, _ => { }));
        AddMemory("active-defrag-ignore-bytes", "104857600", 1, long.MaxValue, _ => { });
        Add("active-defrag-threshold-lower", "10", v => Int(v, 0, 1000, _ => { }));
        Add("active-defrag-threshold-upper", "100", v => Int(v, 0, 1000, _ => { }));
        Add("active-defrag-cycle-min", "1", v => Int(v, 1, 99, _ => { }));
        Add("active-defrag-cycle-max", "25", v => Int(v, 1, 99, _ => { }));
        Add("active-defrag-max-scan-fields", "1000", v => Int(v, 1, long.MaxValue, _ => { }));
        Add("io-threads-do-reads", "no", v => Bool(v, _ => { }), immutable: true);
        Add("watchdog-period", "0", v => Int(v, 0, int.MaxValue, _ => { })).Hidden = true;
        AddText("ignore-warnings", "", v => null);
        Add("socket-mark-id", "0", v => Int(v, 0, uint.MaxValue, _ => { }), immutable: true);
        AddText("bind-source-addr", "", v => null, nullWhenEmpty: true);
        Add("jemalloc-bg-thread", "yes", v => Bool(v, _ => { }));
        Add("disable-thp", "yes", v => Bool(v, _ => { }), immutable: true);
        // "relative" is another name of "yes", which CONFIG GET shows.
        AddEnum("oom-score-adj", "no", new[] { "no", "yes", "relative", "absolute" }, _ => { });
        Add("oom-score-adj-values", "0 200 800", v => OomScoreAdjValues(v));
        AddEnum("enable-module-command", "no", new[] { "yes", "no", "local" }, _ => { }, immutable: true);
        AddEnum("propagation-error-behavior", "ignore", new[] { "ignore", "panic", "panic-on-replicas" }, _ => { });
        Add("acllog-max-len", "128", v => Int(v, 0, long.MaxValue, _ => { }));
        ReplicationNames.Register(this);
    }

    /// <summary>shutdown-on-sigterm / shutdown-on-sigint as flags (<see cref="ShutdownFlag"/>): 0 is "default".</summary>
    public int ShutdownOnSigterm, ShutdownOnSigint;

    static readonly string[] ShutdownFlagNames = ["default", "save", "nosave", "now", "force"];

    /// <summary>Redis's multi-word enum of shutdown flags: any of save, nosave, now, force (or default), not save with nosave.</summary>
    static string? ShutdownFlags(string v, Action<int> set)
    {
        int flags = 0;
        foreach (string word in v.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int i = Array.FindIndex(ShutdownFlagNames, n => n.Equals(word, StringComparison.OrdinalIgnoreCase));
            if (i < 0) return "argument(s) must be one of the following: " + string.Join(", ", ShutdownFlagNames);
            if (i > 0) flags |= 1 << (i - 1);
        }
        if ((flags & ShutdownFlag.Save) != 0 && (flags & ShutdownFlag.NoSave) != 0)
            return "shutdown options SAVE and NOSAVE can't be used simultaneously";
        set(flags);
        return null;
    }

    /// <summary>The flags as CONFIG GET shows them: their names in Redis's order, or "default".</summary>
    static string FormatShutdownFlags(int flags)
    {
        if (flags == 0) return "default";
        var names = new List<string>();
        for (int i = 1; i < ShutdownFlagNames.Length; i++)
            if ((flags & (1 << (i - 1))) != 0) names.Add(ShutdownFlagNames[i]);
        return string.Join(' ', names);
    }

    /// <summary>oom-score-adj-values: three integers from -2000 to 2000 (Redis's setConfigOOMScoreAdjValuesOption).</summary>
    static string? OomScoreAdjValues(string v)
    {
        string[] parts = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3) return "wrong number of arguments";
        foreach (string part in parts)
            if (!int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int x) || x < -2000 || x > 2000)
                return "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
        return null;
    }

    /// <summary>enable-protected-configs: yes, no, or local (loopback clients only).</summary>
    public string ProtectedConfigs = "no";
    /// <summary>enable-debug-command: who may run DEBUG (yes, no, local).</summary>
    public string EnableDebugCommand = "no";

    /// <summary>save points (seconds, changes): a background save starts when one is met (empty: never).</summary>
    public (long Seconds, long Changes)[] SavePoints = Array.Empty<(long, long)>();
    /// <summary>dir, as a full path: where the RDB file (and later the AOF directory) lives.</summary>
    public string Dir = Environment.CurrentDirectory;
    public string DbFilename = "dump.rdb";
    public bool StopWritesOnBgsaveError = true;
    public bool RdbCompression = true;
    public bool RdbChecksum = true;
    /// <summary>fastkv-lua-max-memory: bytes one shard's Lua state may hold (0: no limit).</summary>
    public long LuaMaxMemory = 1L << 30;
    /// <summary>fastkv-rdb-version: 11 (Redis 7.2) or 10 (readable by Redis 7.0).</summary>
    public int RdbVersion = 11;
    /// <summary>fastkv-snapshot-slice-us: how long one snapshot slice may run between requests on a busy shard.</summary>
    public int SnapshotSliceMicros = 100;
    /// <summary>
    /// fastkv-coalesce-us: how long an event loop under load sleeps to let more clients' requests arrive before it polls
    /// (0: never), with fastkv-coalesce-min-clients (connections that sent requests in the last millisecond) and
    /// fastkv-coalesce-min-busy (percent of that millisecond the loop worked) saying what counts as under load.
    /// </summary>
    public int CoalesceMicros = 100;
    public int CoalesceMinClients = 8;
    public int CoalesceMinBusyPercent = 50;
    /// <summary>
    /// fastkv-lookahead-min-keys: the pipeline look-ahead (<see cref="PipelinePrefetch"/>) runs for a database holding at
    /// least this many keys on the shard; below, its buckets and entries stay in the core's cache and prefetching them is
    /// all cost.
    /// </summary>
    public long LookAheadMinKeys = 8192;
    /// <summary>
    /// key-load-delay: microseconds to pause after each key an RDB load reads and each command an AOF load replays
    /// (<see cref="LoadDelay"/>); negative, a 1-microsecond pause once in that many on average; 0, none.
    /// </summary>
    public int KeyLoadDelay;
    /// <summary>
    /// rdb-key-save-delay, Redis's debugging knob: each key a snapshot writes costs this many microseconds (negative:
    /// one microsecond every -value keys), so a test can catch a save or an AOF rewrite in progress.
    /// </summary>
    public int RdbKeySaveDelay;
    /// <summary>The RDB file's full path.</summary>
    public string RdbPath => System.IO.Path.Combine(Dir, DbFilename);

    /// <summary>fastkv-snapshot-buffer-limit "soft hard": serialized bytes in flight per shard before the walk pauses
    /// (soft) and before write commands wait for the file writer (hard).</summary>
    public long SnapshotSoftLimit = 4L << 20, SnapshotHardLimit = 32L << 20;

    string? SetSnapshotBufferLimit(string v)
    {
        string[] parts = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !TryMemory(parts[0], out long soft) || !TryMemory(parts[1], out long hard) || soft < 1 || hard < soft)
            return "argument must be two memory values, soft then hard (hard at least soft)";
        SnapshotSoftLimit = soft;
        SnapshotHardLimit = hard;
        return null;
    }

    string? ParseSave(string v)
    {
        string[] parts = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length % 2 != 0) return "Invalid save parameters";
        var points = new (long, long)[parts.Length / 2];
        for (int i = 0; i < points.Length; i++)
        {
            if (!long.TryParse(parts[2 * i], out long sec) || !long.TryParse(parts[2 * i + 1], out long ch) || sec < 1 || ch < 0)
                return "Invalid save parameters";
            points[i] = (sec, ch);
        }
        SavePoints = points;
        return null;
    }

    string? SetDir(string v)
    {
        try
        {
            string full = System.IO.Path.GetFullPath(v);
            if (!System.IO.Directory.Exists(full)) return "No such file or directory";
            Dir = full;
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or System.IO.IOException or NotSupportedException)
        {
            return "No such file or directory";
        }
    }

    string? SetDbFilename(string v)
    {
        // Redis's isValidDBfilename: never a path (an empty name is accepted, as Redis 7.2.4 accepts it).
        if (v.Contains('/')) return "dbfilename can't be a path, just a filename";
        DbFilename = v;
        return null;
    }

    /// <summary>appendonly: the AOF is written (and, at startup, loaded instead of the RDB file).</summary>
    public bool AppendOnly;
    /// <summary>
    /// lazyfree-lazy-expire / -eviction / -server-del: FastKv frees inline either way, but Redis propagates the
    /// deletions they cover as UNLINK instead of DEL (expiry, eviction, SPOP of a whole set, RESTORE into the past).
    /// </summary>
    public bool LazyfreeLazyExpire, LazyfreeLazyEviction, LazyfreeLazyServerDel, LazyfreeLazyUserDel, LazyfreeLazyUserFlush;
    /// <summary>
    /// Set by the server once it runs: turns the AOF on or off for CONFIG SET appendonly (null or an error); before
    /// that (config file, command line) the value is only recorded.
    /// </summary>
    public Func<bool, string?>? AppendOnlySwitch;
    /// <summary>Set by the server once it runs: aof-disable-auto-gc went to no, the AOF's history files go now.</summary>
    public Action? AutoGcEnabled;
    /// <summary>unixsocket: the path of a unix domain socket to listen on too; null for none.</summary>
    public string? UnixSocket;
    /// <summary>unixsocketperm: the socket file's mode; 0 leaves it as the umask made it.</summary>
    public int UnixSocketPerm;
    public AofFsync AppendFsync = AofFsync.EverySec;
    public string AppendFilename = "appendonly.aof";
    public string AppendDirname = "appendonlydir";
    public bool AofUseRdbPreamble = true;
    public bool AofLoadTruncated = true;
    public bool AofTimestampEnabled;
    public bool AofDisableAutoGc;
    public bool NoAppendFsyncOnRewrite;
    public int AutoAofRewritePercentage = 100;
    public long AutoAofRewriteMinSize = 64L * 1024 * 1024;
    /// <summary>The AOF directory's full path (dir/appenddirname).</summary>
    public string AofDirPath => System.IO.Path.Combine(Dir, AppendDirname);

    string? SetAppendOnly(bool on)
    {
        if (AppendOnlySwitch != null && on != AppendOnly && AppendOnlySwitch(on) is { } err) return err;
        AppendOnly = on;
        return null;
    }

    /// <summary>appendfilename and appenddirname: a plain name, as Redis's isValidAOFfilename/isValidAOFdirname.</summary>
    static string? SetAppendName(string v, string name, string what, Action<string> set)
    {
        if (v.Length == 0) return name + " can't be empty";
        if (v.Contains('/')) return name + " can't be a path, just a " + what;
        set(v);
        return null;
    }

    /// <summary>latency-monitor-threshold in ms; 0: LATENCY records no events.</summary>
    public long LatencyMonitorThreshold;
    /// <summary>latency-tracking: per-command latency histograms (LATENCY HISTOGRAM).</summary>
    public bool LatencyTracking = true;
    /// <summary>tracking-table-max-keys (accepted; the tracking table is not trimmed yet).</summary>
    public long TrackingTableMaxKeys = 1000000;
    /// <summary>
    /// maxmemory-clients as Redis stores it: bytes, or minus a percentage of maxmemory (-10 for "10%"); 0 = off. Every
    /// shard reads it once per loop iteration; ClientMemory.Limit resolves it to bytes.
    /// </summary>
    public long MaxMemoryClients;

    internal ConfigParam Add(string name, string def, Func<string, string?> apply, bool immutable = false)
    {
        var p = new ConfigParam { Name = name, Value = def, Default = def, Apply = apply, Immutable = immutable, IsBool = def is "yes" or "no" };
        all.Add(p);
        byName[name] = p;
        apply(def);
        return p;
    }

    /// <summary>A memory value between <paramref name="min"/> and <paramref name="max"/> bytes, shown in bytes.</summary>
    internal ConfigParam AddMemory(string name, string def, long min, long max, Action<long> set, bool immutable = false)
    {
        ConfigParam p = Add(name, def, v => Memory(v, min, max, set), immutable);
        p.Kind = ConfigKind.Memory;
        p.Value = p.Default = Normalize(p, def);
        return p;
    }

    /// <summary>One of <paramref name="options"/> (any case; stored and shown as the option's name).</summary>
    internal ConfigParam AddEnum(string name, string def, string[] options, Action<string> set, bool immutable = false)
    {
        ConfigParam p = Add(name, def, v => Enum(v, options, set), immutable);
        p.Kind = ConfigKind.Enum;
        p.Options = options;
        return p;
    }

    /// <summary>A string (rewritten quoted); <paramref name="nullWhenEmpty"/>: Redis keeps it NULL when empty.</summary>
    internal ConfigParam AddText(string name, string def, Func<string, string?> apply, bool immutable = false, bool nullWhenEmpty = false)
    {
        ConfigParam p = Add(name, def, apply, immutable);
        p.Kind = ConfigKind.Text;
        p.NullWhenEmpty = nullWhenEmpty;
        return p;
    }

    /// <summary>An old name that reads and writes another parameter (Redis 7 keeps the *-ziplist-* names).</summary>
    internal void Alias(string alias, string of)
    {
        var target = byName[of];
        var p = new ConfigParam { Name = alias, Apply = target.Apply, Immutable = target.Immutable, AliasOf = target };
        all.Add(p);
        byName[alias] = p;
    }

    public ConfigParam? Find(string name) => byName.TryGetValue(name, out var p) ? p : null;

    /// <summary>The current text of a parameter (an alias shows its target's).</summary>
    public static string ValueOf(ConfigParam p) => (p.AliasOf ?? p).Value;

    /// <summary>Sets a parameter from the config file, the command line or CONFIG SET; null or an error text.</summary>
    public string? Set(string name, string value)
    {
        var p = Find(name);
        if (p == null) return "Bad directive or wrong number of arguments";
        string? err = p.Apply(value);
        p = p.AliasOf ?? p;
        string key = p.Name;
        if (err == null)
            p.Value = key switch
            {
                "client-output-buffer-limit" => OutputBufferLimits.Format(),
                "maxmemory-clients" => FormatMemoryOrPercent(MaxMemoryClients),
                "maxmemory-policy" => MaxMemoryPolicy,
                "latency-tracking-info-percentiles" => string.Join(' ', Array.ConvertAll(LatencyPercentiles, FormatPercentile)),
                "unixsocketperm" => Convert.ToString(UnixSocketPerm, 8),
                "shutdown-on-sigterm" => FormatShutdownFlags(ShutdownOnSigterm),
                "shutdown-on-sigint" => FormatShutdownFlags(ShutdownOnSigint),
                "oom-score-adj" => value.Equals("relative", StringComparison.OrdinalIgnoreCase) ? "yes" : value.ToLowerInvariant(),
                "oom-score-adj-values" => string.Join(' ', Array.ConvertAll(value.Split(' ', StringSplitOptions.RemoveEmptyEntries), x => int.Parse(x, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture))),
                _ when p.IsBool => value.ToLowerInvariant(),
                _ => Normalize(p, value),
            };
        return err;
    }

    static string Normalize(ConfigParam p, string value)
    {
        if (p.Kind == ConfigKind.Memory) return TryMemory(value, out long x) ? x.ToString(CultureInfo.InvariantCulture) : value;
        if (p.Options != null) return Array.Find(p.Options, o => o.Equals(value, StringComparison.OrdinalIgnoreCase)) ?? value;
        return Normalize(p.Name, value);
    }

    static string Normalize(string name, string value) => name switch
    {
        "maxmemory" => TryMemoryUnsigned(value, out ulong u) ? u.ToString(CultureInfo.InvariantCulture) : value,
        "notify-keyspace-events" => KeyspaceEventFlags.TryParse(value, out int f) ? KeyspaceEventFlags.Format(f) : value,
        _ => value,
    };

    /// <summary>
    /// Redis's MEMORY_CONFIG | PERCENT_CONFIG value (numericParseString): first a memory value as memtoull reads it
    /// (digits then a unit; an empty number is 0, an overflow saturates and the unit's product wraps, as in C), then
    /// "N%" with N as string2ll reads it, stored negative. A memory value that wrapped past 2^63 reads as a percentage
    /// too, as in Redis (18446744073709551615 is "1%").
    /// </summary>
    static string? MemoryOrPercent(string v, Action<long> set)
    {
        long x;
        if (MemToULL(v, out ulong bytes)) x = unchecked((long)bytes);
        else if (v.Length > 1 && v[^1] == '%' &&
                 RespNumber.TryParseInt64(System.Text.Encoding.UTF8.GetBytes(v.Substring(0, v.Length - 1)), out long pct) && pct >= 0)
            x = -pct;
        else return "argument must be a memory or percent value";
        if (x < -100) return "percentage argument must be less or equal to 100";
        set(x);
        return null;
    }

    /// <summary>CONFIG GET's text of a percent-or-memory value: "N%" when negative, else the bytes.</summary>
    static string FormatMemoryOrPercent(long x) =>
        x < 0 ? (-x).ToString(CultureInfo.InvariantCulture) + "%" : x.ToString(CultureInfo.InvariantCulture);

    /// <summary>Redis's memtoull: ASCII digits, then nothing, b, k, kb, m, mb, g or gb (any case); no sign.</summary>
    static bool MemToULL(string p, out ulong value)
    {
        value = 0;
        int digits = 0;
        while (digits < p.Length && p[digits] is >= '0' and <= '9') digits++;
        string unit = p.Substring(digits);
        ulong mul;
        if (unit.Length == 0 || unit.Equals("b", StringComparison.OrdinalIgnoreCase)) mul = 1;
        else if (unit.Equals("k", StringComparison.OrdinalIgnoreCase)) mul = 1000;
        else if (unit.Equals("kb", StringComparison.OrdinalIgnoreCase)) mul = 1024;
        else if (unit.Equals("m", StringComparison.OrdinalIgnoreCase)) mul = 1000 * 1000;
        else if (unit.Equals("mb", StringComparison.OrdinalIgnoreCase)) mul = 1024 * 1024;
        else if (unit.Equals("g", StringComparison.OrdinalIgnoreCase)) mul = 1000UL * 1000 * 1000;
        else if (unit.Equals("gb", StringComparison.OrdinalIgnoreCase)) mul = 1024UL * 1024 * 1024;
        else return false;
        if (digits >= 128) return false; // Redis copies the digits into a 128-byte buffer
        ulong n = 0;
        for (int i = 0; i < digits; i++)
        {
            ulong d = (ulong)(p[i] - '0');
            if (n > (ulong.MaxValue - d) / 10) { n = ulong.MaxValue; break; } // strtoull saturates (ERANGE is not checked)
            n = n * 10 + d;
        }
        value = unchecked(n * mul);
        return true;
    }

    /// <summary>An OCTAL_CONFIG: base-8 digits (a leading 0 allowed) within the bounds.</summary>
    static string? SetOctal(string v, long min, long max, Action<long> set)
    {
        long x = 0;
        if (v.Length == 0 || v.Length > 12) return "argument couldn't be parsed as an octal number";
        foreach (char ch in v)
        {
            if (ch < '0' || ch > '7') return "argument couldn't be parsed as an octal number";
            x = x * 8 + (ch - '0');
        }
        if (x < min || x > max) return "argument must be between " + Convert.ToString(min, 8) + " and " + Convert.ToString(max, 8) + " inclusive";
        set(x);
        return null;
    }

    internal static string? Int(string v, long min, long max, Action<long> set)
    {
        if (!long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long x))
            return "argument couldn't be parsed into an integer";
        if (x < min || x > max) return "argument must be between " + min + " and " + max + " inclusive";
        set(x);
        return null;
    }

    static string? Memory(string v, long min, long max, Action<long> set)
    {
        if (!TryMemory(v, out long x)) return "argument must be a memory value";
        if (x < min || x > max) return "argument must be between " + min + " and " + max + " inclusive";
        set(x);
        return null;
    }

    /// <summary>An unsigned memory value (maxmemory: 0 to 2^64-1, as Redis's unsigned long long config).</summary>
    static string? UnsignedMemory(string v, Action<ulong> set)
    {
        if (!TryMemoryUnsigned(v, out ulong x)) return "argument must be a memory value";
        set(x);
        return null;
    }

    /// <summary>A memory value as a signed 64-bit number: above 2^63-1 it is negative, so range checks refuse it as Redis's do.</summary>
    public static bool TryMemory(string v, out long value)
    {
        bool ok = TryMemoryUnsigned(v, out ulong u);
        value = unchecked((long)u);
        return ok;
    }

    /// <summary>
    /// Redis's memory values (memtoull): digits, then nothing or a unit b, k (1000), kb (1024), m, mb, g, gb in any
    /// case. As Redis: no digits read as 0 ("" and "k" are 0), too many digits saturate at 2^64-1, and the unit's
    /// product wraps; a sign, a space or any other suffix is refused.
    /// </summary>
    public static bool TryMemoryUnsigned(string v, out ulong value)
    {
        value = 0;
        int digits = 0;
        while (digits < v.Length && char.IsAsciiDigit(v[digits])) digits++;
        if (digits >= 128) return false;
        ulong mul;
        switch (v.Substring(digits).ToLowerInvariant())
        {
            case "": case "b": mul = 1; break;
            case "k": mul = 1000; break;
            case "kb": mul = 1024; break;
            case "m": mul = 1000 * 1000; break;
            case "mb": mul = 1024 * 1024; break;
            case "g": mul = 1000UL * 1000 * 1000; break;
            case "gb": mul = 1024UL * 1024 * 1024; break;
            default: return false;
        }
        ulong n = 0;
        for (int i = 0; i < digits; i++)
        {
            ulong d = (ulong)(v[i] - '0');
            if (n > (ulong.MaxValue - d) / 10) { n = ulong.MaxValue; break; }
            n = n * 10 + d;
        }
        value = unchecked(n * mul);
        return true;
    }

    /// <summary>latency-tracking-info-percentiles: the percentiles INFO latencystats reports (0 to 100 each, possibly none).</summary>
    public double[] LatencyPercentiles = { 50, 99, 99.9 };

    string? Percentiles(string v)
    {
        // Redis splits on single spaces: "" is no percentile, and an empty word (two spaces, an edge space) is invalid.
        string[] parts = v.Length == 0 ? Array.Empty<string>() : v.Split(' ');
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            string w = parts[i].ToLowerInvariant().TrimStart('+', '-');
            if (w is "inf" or "infinity") return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            if (!double.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out values[i])
                || double.IsNaN(values[i]))
                return "Invalid latency-tracking-info-percentiles parameters";
            if (values[i] < 0 || values[i] > 100)
                return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
        }
        LatencyPercentiles = values;
        return null;
    }

    /// <summary>A percentile as Redis prints it: "%f" with trailing zeros (and a bare point) trimmed.</summary>
    public static string FormatPercentile(double p)
    {
        string s = p.ToString("F6", System.Globalization.CultureInfo.InvariantCulture);
        if (s.Contains('.')) s = s.TrimEnd('0').TrimEnd('.');
        return s;
    }

    internal static string? Bool(string v, Action<bool> set)
    {
        if (v.Equals("yes", StringComparison.OrdinalIgnoreCase)) { set(true); return null; }
        if (v.Equals("no", StringComparison.OrdinalIgnoreCase)) { set(false); return null; }
        return "argument must be 'yes' or 'no'";
    }

    internal static string? Enum(string v, string[] options, Action<string> set)
    {
        foreach (var o in options)
            if (o.Equals(v, StringComparison.OrdinalIgnoreCase)) { set(o); return null; }
        return "argument(s) must be one of the following: " + string.Join(", ", options);
    }
}

/// <summary>Redis's SHUTDOWN_* flags, as shutdown-on-sigterm and shutdown-on-sigint hold them.</summary>
public static class ShutdownFlag
{
    public const int Save = 1, NoSave = 2, Now = 4, Force = 8;
}

/// <summary>appendfsync: when the AOF is fsynced (Redis's AOF_FSYNC_*).</summary>
public enum AofFsync
{
    No,
    Always,
    EverySec,
}
