using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// INFO with Redis's sections and field names. Counters of other shards are read without
/// synchronization: each is a 64-bit value written by one thread, so a read sees a recent value.
/// </summary>
public static class InfoCommand
{
    static readonly string[] DefaultSections = { "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace" };
    static readonly string[] AllSections = { "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace" };

    public static void Info(ref CommandContext c)
    {
        var wanted = new System.Collections.Generic.List<string>();
        if (c.Count == 1) wanted.AddRange(DefaultSections);
        for (int i = 1; i < c.Count; i++)
        {
            string s = Ascii.Lower(c.Arg(i));
            if (s == "all" || s == "everything") wanted.AddRange(AllSections);
            else if (s == "default") wanted.AddRange(DefaultSections);
            else wanted.Add(s);
        }
        var sb = new StringBuilder();
        var done = new System.Collections.Generic.HashSet<string>();
        foreach (var s in AllSections)
        {
            if (!wanted.Contains(s) || !done.Add(s)) continue;
            if (sb.Length > 0) sb.Append("\r\n");
            Section(sb, s, c.Shard.Server, c.Shard.NowMs);
        }
        c.W.Verbatim(Encoding.UTF8.GetBytes(sb.ToString()), "txt");
    }

    /// <summary>Redis's bytesToHuman: bytes below 1K, then K, M, G, T, P with two decimals, and bytes again beyond.</summary>
    static string Human(long bytes)
    {
        double b = bytes;
        const double K = 1024;
        if (b < K) return bytes + "B";
        string[] units = { "K", "M", "G", "T", "P" };
        double scale = K;
        foreach (string unit in units)
        {
            if (b < scale * K) return (b / scale).ToString("0.00", CultureInfo.InvariantCulture) + unit;
            scale *= K;
        }
        return bytes + "B";
    }

    static string Percent(long part, long whole)
        => (whole <= 0 ? 100.0 : 100.0 * part / whole).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    static string Ratio(long a, long b) => (b <= 0 ? 1.0 : (double)a / b).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>
    /// The loading_* fields while a file loads, as Redis 7.2 computes them: the percentage of the file read, and the
    /// seconds left at the rate so far (1 during the first second, when there is no rate yet). A file of unknown size
    /// (a pipe) is measured against the used-mem its RDB recorded instead, below 100%, as Redis estimates it.
    /// </summary>
    static void LoadingFields(StringBuilder sb, ILoadProgress load)
    {
        long startSec = load.StartedMs / 1000;
        long total = load.TotalBytes, loaded = load.LoadedBytes, usedMem = load.UsedMemAtSave;
        double perc = 0;
        long remaining = 1;
        if (total > 0)
        {
            perc = (double)loaded / total * 100;
            remaining = total - loaded;
        }
        else if (usedMem > 0)
        {
            perc = Math.Min((double)loaded / usedMem * 100, 99.99);
            remaining = Math.Max(usedMem - loaded, 1);
        }
        long elapsed = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - startSec;
        long eta = elapsed == 0 ? 1 : elapsed * remaining / (loaded + 1);
        sb.Append("loading_start_time:").Append(startSec).Append("\r\n");
        sb.Append("loading_total_bytes:").Append(total).Append("\r\n");
        sb.Append("loading_rdb_used_mem:").Append(usedMem).Append("\r\n");
        sb.Append("loading_loaded_bytes:").Append(loaded).Append("\r\n");
        sb.Append("loading_loaded_perc:").Append(perc.ToString("F2", CultureInfo.InvariantCulture)).Append("\r\n");
        sb.Append("loading_eta_seconds:").Append(eta).Append("\r\n");
    }

    static void Section(StringBuilder sb, string name, ServerState s, long now)
    {
        void F(string k, object v) => sb.Append(k).Append(':').Append(Convert.ToString(v, CultureInfo.InvariantCulture)).Append("\r\n");
        long Sum(Func<Shard, long> f) { long n = 0; foreach (var sh in s.Shards) n += f(sh); return n; }
        long Max(Func<Shard, long> f) { long n = 0; foreach (var sh in s.Shards) n = Math.Max(n, f(sh)); return n; }
        switch (name)
        {
            case "server":
                sb.Append("# Server\r\n");
                F("redis_version", ServerState.RedisVersion);
                F("redis_git_sha1", "00000000");
                F("redis_git_dirty", 0);
                F("redis_build_id", "0");
                F("redis_mode", "standalone");
                F("os", "Linux " + Environment.OSVersion.Version + " " + System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant());
                F("arch_bits", 64);
                F("monotonic_clock", "POSIX clock_gettime");
                F("multiplexing_api", "epoll");
                F("atomicvar_api", "c11-builtin");
                F("gcc_version", "0.0.0");
                F("process_id", Environment.ProcessId);
                F("process_supervised", "no");
                F("run_id", s.RunId);
                F("tcp_port", s.TcpPort);
                F("server_time_usec", (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10);
                F("uptime_in_seconds", (now - s.StartTimeMs) / 1000);
                F("uptime_in_days", (now - s.StartTimeMs) / 86400000);
                F("hz", s.Config.Hz);
                F("configured_hz", s.Config.Hz);
                F("lru_clock", (now / 1000) & 0xFFFFFF);
                F("executable", s.ExecutablePath);
                F("config_file", s.ConfigFile);
                F("io_threads_active", 0);
                F("listener0", "name=tcp,bind=" + string.Join(",bind=", s.Config.Bind) + ",port=" + s.TcpPort);
                F("fastkv_shards", s.ShardCount);
                break;
            case "clients":
                sb.Append("# Clients\r\n");
                F("connected_clients", s.Clients.Count);
                F("cluster_connections", 0);
                F("maxclients", s.Config.MaxClients);
                F("client_recent_max_input_buffer", 0);
                F("client_recent_max_output_buffer", 0);
                F("blocked_clients", Sum(sh => sh.Blocking.BlockedClients));
                F("tracking_clients", TrackingPrefixes.TrackingClients(s));
                F("clients_in_timeout_table", Sum(sh => sh.Blocking.HomeWaiters));
                F("total_blocking_keys", Sum(sh => sh.Blocking.WatchedKeys));
                F("total_blocking_keys_on_nokey", Sum(sh => sh.Blocking.NoKeyWatchedKeys));
                break;
            case "memory":
            {
                sb.Append("# Memory\r\n");
                var m = new MemoryFigures(s);
                long used = m.Used, rss = m.Rss, clients = m.Clients, overhead = m.Overhead, dataset = m.Dataset;
                long startup = m.Startup, active = m.Active;
                long system = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
                F("used_memory", used);
                F("used_memory_human", Human(used));
                F("used_memory_rss", rss);
                F("used_memory_rss_human", Human(rss));
                F("used_memory_peak", s.PeakMemory);
                F("used_memory_peak_human", Human(s.PeakMemory));
                F("used_memory_peak_perc", Percent(used, s.PeakMemory));
                F("used_memory_overhead", overhead);
                F("used_memory_startup", startup);
                F("used_memory_dataset", dataset);
                F("used_memory_dataset_perc", Percent(dataset, used - startup));
                F("allocator_allocated", used);
                F("allocator_active", active);
                F("allocator_resident", active);
                F("total_system_memory", system);
                F("total_system_memory_human", Human(system));
                long vmEval = m.VmEval, vmFunctions = m.VmFunctions, scripts = m.Scripts, functionBytes = m.FunctionBytes;
                Scripting.FunctionSet functions = s.Functions.Current;
                F("used_memory_lua", vmEval);
                F("used_memory_vm_eval", vmEval);
                F("used_memory_lua_human", Human(vmEval));
                F("used_memory_scripts_eval", scripts);
                F("number_of_cached_scripts", s.Scripts.Count);
                F("number_of_functions", functions.FunctionCount);
                F("number_of_libraries", functions.Libraries.Count);
                F("used_memory_vm_functions", vmFunctions);
                F("used_memory_vm_total", vmEval + vmFunctions);
                F("used_memory_vm_total_human", Human(vmEval + vmFunctions));
                F("used_memory_functions", functionBytes);
                F("used_memory_scripts", scripts + functionBytes);
                F("used_memory_scripts_human", Human(scripts));
                F("maxmemory", s.Config.MaxMemory);
                F("maxmemory_human", Human(s.Config.MaxMemory));
                F("maxmemory_policy", s.Config.MaxMemoryPolicy);
                F("allocator_frag_ratio", Ratio(active, used));
                F("allocator_frag_bytes", active - used);
                F("allocator_rss_ratio", Ratio(active, active));
                F("allocator_rss_bytes", 0);
                F("rss_overhead_ratio", Ratio(rss, active));
                F("rss_overhead_bytes", rss - active);
                F("mem_fragmentation_ratio", Ratio(rss, used));
                F("mem_fragmentation_bytes", rss - used);
                // No replication, AOF buffer or cluster links yet: their memory is truly zero, and nothing is left out
                // of what maxmemory compares.
                F("mem_not_counted_for_evict", 0);
                F("mem_replication_backlog", 0);
                F("mem_total_replication_buffers", 0);
                F("mem_clients_slaves", 0);
                F("mem_clients_normal", clients);
                F("mem_cluster_links", 0);
                F("mem_aof_buffer", 0);
                F("mem_allocator", "fastkv-arena");
                F("active_defrag_running", 0);
                F("lazyfree_pending_objects", Sum(sh => sh.LazyFree.Pending));
                F("lazyfreed_objects", Sum(sh => sh.LazyFree.Freed));
                F("fastkv_managed_heap", GC.GetTotalMemory(false));
                F("fastkv_managed_committed", GC.GetGCMemoryInfo().TotalCommittedBytes);
                break;
            }
            case "persistence":
            {
                // Redis 7.2's fields in its order. The fork fields describe the snapshot: its progress, the serialized
                // bytes in flight as the copy-on-write size, the cut's pause as latest_fork_usec (Stats).
                Persistence p = s.Persistence;
                Snapshot? running = p.Running;
                long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                sb.Append("# Persistence\r\n");
                // Read once, the load first: EndLoading clears Loading before the load, so fields are never shown
                // for a load that has ended, nor missing from one that is still on.
                ILoadProgress? load = s.LoadInProgress;
                bool loading = s.Loading;
                if (!loading) load = null;
                F("loading", loading ? 1 : 0);
                F("async_loading", 0);
                long inFlight = 0;
                if (running != null) foreach (var part in running.Parts) inFlight += part.Buffer.QueuedBytes;
                F("current_cow_peak", running != null ? inFlight : 0);
                F("current_cow_size", inFlight);
                F("current_cow_size_age", 0);
                long total = 0;
                if (running != null) foreach (var part in running.Parts) foreach (long k in part.Keys) total += k;
                long processed = running?.KeysProcessed ?? 0;
                F("current_fork_perc", (total > 0 ? 100.0 * processed / total : 0).ToString("F2", CultureInfo.InvariantCulture));
                F("current_save_keys_processed", processed);
                F("current_save_keys_total", total);
                F("rdb_changes_since_last_save", s.Dirty() - s.DirtyAtLastSave);
                bool rewriting = running is { Purpose: SnapshotPurpose.Rewrite };
                F("rdb_bgsave_in_progress", running != null && !rewriting ? 1 : 0);
                F("rdb_last_save_time", p.LastSaveUnix);
                F("rdb_last_bgsave_status", p.LastBgsaveOk ? "ok" : "err");
                F("rdb_last_bgsave_time_sec", p.LastBgsaveSeconds);
                F("rdb_current_bgsave_time_sec", running != null && !rewriting ? (nowMs - running.StartedMs) / 1000 : -1);
                F("rdb_saves", p.SnapshotsTaken);
                F("rdb_last_cow_size", p.PeakSnapshotBytes);
                F("rdb_last_load_keys_expired", p.LastLoadKeysExpired);
                // While an RDB (or an AOF's RDB base) loads, the keys loaded so far, as Redis counts them; once an AOF's
                // base is loaded, its count while the commands after it replay (Redis sets it at the base's end).
                long keysLoaded = load switch
                {
                    RdbLoader r => Volatile.Read(ref r.KeysLoaded),
                    AofLoader { RdbKeysLoaded: >= 0 and var k } => k,
                    _ => p.LastLoadKeysLoaded,
                };
                F("rdb_last_load_keys_loaded", keysLoaded);
                AofLog aof = s.Aof;
                long rewriteStart = Volatile.Read(ref aof.RewriteStartMs);
                // aof_state: off while the AOF itself replays (nothing is appended then), as loadSingleAppendOnlyFile has it.
                F("aof_enabled", aof.Enabled && load is not AofLoader ? 1 : 0);
                F("aof_rewrite_in_progress", rewriting ? 1 : 0);
                F("aof_rewrite_scheduled", aof.RewriteScheduled ? 1 : 0);
                F("aof_last_rewrite_time_sec", aof.LastRewriteSeconds);
                F("aof_current_rewrite_time_sec", rewriting && rewriteStart >= 0 ? (nowMs - rewriteStart) / 1000 : -1);
                F("aof_last_bgrewrite_status", aof.LastRewriteOk ? "ok" : "err");
                F("aof_rewrites", Interlocked.Read(ref aof.Rewrites));
                F("aof_rewrites_consecutive_failures", aof.ConsecutiveFailures);
                F("aof_last_write_status", aof.WriteError == null ? "ok" : "err");
                F("aof_last_cow_size", 0);
                F("module_fork_in_progress", 0);
                F("module_fork_last_cow_size", 0);
                // Redis's server.aof_enabled, the setting: shown from the start of the AOF's load, sizes 0 until it opens.
                if (s.Config.AppendOnly)
                {
                    // The log is written by the shard that answers (no aof_buf outlives a write) and fsynced by one
                    // thread that never queues a second fsync: buffer and pending fsyncs are 0 between writes.
                    F("aof_current_size", aof.CurrentSize);
                    F("aof_base_size", aof.BaseSize);
                    F("aof_pending_rewrite", aof.RewriteScheduled ? 1 : 0);
                    F("aof_buffer_length", 0);
                    F("aof_pending_bio_fsync", 0);
                    F("aof_delayed_fsync", 0);
                }
                if (load != null) LoadingFields(sb, load);
                F("fastkv_snapshot_peak_bytes", p.PeakSnapshotBytes);
                F("fastkv_snapshot_buckets_on_write", p.BucketsOnWrite);
                break;
            }
            case "stats":
                sb.Append("# Stats\r\n");
                F("total_connections_received", s.TotalConnectionsReceived);
                F("total_commands_processed", Sum(sh => sh.Stats.CommandsProcessed));
                F("instantaneous_ops_per_sec", 0);
                F("total_net_input_bytes", Sum(sh => sh.Stats.NetInputBytes));
                F("total_net_output_bytes", Sum(sh => sh.Stats.NetOutputBytes));
                // No replicas, forks, MIGRATE connections or defragmentation yet: those count zero.
                F("total_net_repl_input_bytes", 0);
                F("total_net_repl_output_bytes", 0);
                // Rates, event-loop timings and per-read counts are not measured yet; tools read their presence.
                F("instantaneous_input_kbps", "0.00");
                F("instantaneous_output_kbps", "0.00");
                F("instantaneous_input_repl_kbps", "0.00");
                F("instantaneous_output_repl_kbps", "0.00");
                F("rejected_connections", s.RejectedConnections);
                F("sync_full", 0);
                F("sync_partial_ok", 0);
                F("sync_partial_err", 0);
                F("expired_keys", Sum(sh => sh.Stats.ExpiredKeys));
                F("expired_stale_perc", "0.00");
                F("expired_time_cap_reached_count", 0);
                F("expire_cycle_cpu_milliseconds", Sum(sh => sh.Stats.ExpireCycleMicros) / 1000);
                F("evicted_keys", Sum(sh => sh.Evictor.EvictedKeys));
                F("evicted_clients", Sum(sh => sh.Stats.EvictedClients));
                F("total_eviction_exceeded_time", Sum(sh => sh.Evictor.ExceededMillis) + Max(sh => sh.Evictor.CurrentExceededMillis));
                F("current_eviction_exceeded_time", Max(sh => sh.Evictor.CurrentExceededMillis));
                F("keyspace_hits", Sum(sh => sh.Stats.KeyspaceHits));
                F("keyspace_misses", Sum(sh => sh.Stats.KeyspaceMisses));
                F("pubsub_channels", s.PubSub.ChannelCount);
                F("pubsub_patterns", s.PubSub.PatternCount);
                F("pubsubshard_channels", s.PubSub.ShardChannelCount);
                F("latest_fork_usec", s.Persistence.LastCutMicros);
                F("total_forks", s.Persistence.SnapshotsTaken + Interlocked.Read(ref s.Aof.Rewrites));
                F("migrate_cached_sockets", 0);
                F("slave_expires_tracked_keys", 0);
                F("active_defrag_hits", 0);
                F("active_defrag_misses", 0);
                F("active_defrag_key_hits", 0);
                F("active_defrag_key_misses", 0);
                F("total_active_defrag_time", 0);
                F("current_active_defrag_time", 0);
                F("tracking_total_keys", Sum(sh => sh.Tracking.Count));
                F("tracking_total_items", Sum(sh => System.Threading.Volatile.Read(ref sh.Tracking.Items)));
                F("tracking_total_prefixes", s.TrackingPrefixes.Count);
                F("unexpected_error_replies", 0);
                F("total_error_replies", s.ErrorReplies.Total);
                F("dump_payload_sanitizations", 0);
                F("total_reads_processed", 0);
                F("total_writes_processed", 0);
                F("io_threaded_reads_processed", 0);
                F("io_threaded_writes_processed", 0);
                F("reply_buffer_shrinks", 0);
                F("reply_buffer_expands", 0);
                F("eventloop_cycles", 0);
                F("eventloop_duration_sum", 0);
                F("eventloop_duration_cmd_sum", 0);
                F("instantaneous_eventloop_cycles_per_sec", 0);
                F("instantaneous_eventloop_duration_usec", 0);
                // No ACL users yet; refused AUTH attempts are not counted yet either.
                F("acl_access_denied_auth", 0);
                F("acl_access_denied_cmd", 0);
                F("acl_access_denied_key", 0);
                F("acl_access_denied_channel", 0);
                F("fastkv_coalesced_waits", Sum(sh => sh.Stats.CoalescedWaits));
                break;
            case "replication":
                sb.Append("# Replication\r\n");
                F("role", "master");
                F("connected_slaves", 0);
                if (CommandGate.NoGoodReplicas(s)) F("min_slaves_good_slaves", 0);
                F("master_failover_state", "no-failover");
                F("master_replid", s.RunId);
                F("master_replid2", "0000000000000000000000000000000000000000");
                F("master_repl_offset", 0);
                F("second_repl_offset", -1);
                F("repl_backlog_active", 0);
                F("repl_backlog_size", ServerConfig.ValueOf(s.Config.Find("repl-backlog-size")!));
                F("repl_backlog_first_byte_offset", 0);
                F("repl_backlog_histlen", 0);
                break;
            case "cpu":
            {
                sb.Append("# CPU\r\n");
                var p = Process.GetCurrentProcess();
                F("used_cpu_sys", p.PrivilegedProcessorTime.TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture));
                F("used_cpu_user", p.UserProcessorTime.TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture));
                F("used_cpu_sys_children", "0.000000");
                F("used_cpu_user_children", "0.000000");
                // Redis's main thread is the event loop; here the shard thread answering (RUSAGE_THREAD).
                ThreadCpu(out double sys, out double user);
                F("used_cpu_sys_main_thread", sys.ToString("0.000000", CultureInfo.InvariantCulture));
                F("used_cpu_user_main_thread", user.ToString("0.000000", CultureInfo.InvariantCulture));
                break;
            }
            case "modules":
                sb.Append("# Modules\r\n");
                break;
            case "errorstats":
                sb.Append("# Errorstats\r\n");
                // getSafeInfoString: the code is the client's text in the end, so it cannot break the format.
                foreach (var (code, count) in s.ErrorReplies.Sorted())
                    sb.Append("errorstat_").Append(code.Replace(':', '_').Replace('#', '_')).Append(":count=").Append(count).Append("\r\n");
                break;
            case "cluster":
                sb.Append("# Cluster\r\n");
                F("cluster_enabled", 0);
                break;
            case "commandstats":
                sb.Append("# Commandstats\r\n");
                foreach (var spec in s.Commands.All)
                {
                    long calls = 0, us = 0, rejected = 0, failed = 0;
                    foreach (var sh in s.Shards)
                    {
                        CommandStats st = sh.CommandStats;
                        calls += st.Calls[spec.Id];
                        us += st.Microseconds[spec.Id];
                        rejected += st.Rejected[spec.Id];
                        failed += st.Failed[spec.Id];
                    }
                    if (calls == 0 && rejected == 0 && failed == 0) continue;
                    sb.Append("cmdstat_").Append(spec.FullName).Append(":calls=").Append(calls).Append(",usec=").Append(us)
                      .Append(",usec_per_call=").Append((calls == 0 ? 0 : (double)us / calls).ToString("0.00", CultureInfo.InvariantCulture))
                      .Append(",rejected_calls=").Append(rejected).Append(",failed_calls=").Append(failed).Append("\r\n");
                }
                break;
            case "latencystats":
                sb.Append("# Latencystats\r\n");
                if (!s.Config.LatencyTracking) break;
                // genRedisInfoStringLatencyStats: every command (and subcommand) with counted calls, in commandstats' order.
                double[] percentiles = s.Config.LatencyPercentiles;
                foreach (var spec in s.Commands.All)
                {
                    long[]? counts = LatencyCommand.Sum(s, spec.Id);
                    if (counts == null) continue;
                    sb.Append("latency_percentiles_usec_").Append(spec.FullName).Append(':');
                    for (int i = 0; i < percentiles.Length; i++)
                    {
                        if (i > 0) sb.Append(',');
                        sb.Append('p').Append(ServerConfig.FormatPercentile(percentiles[i])).Append('=')
                          .Append((LatencyHistogram.ValueAtPercentile(counts, percentiles[i]) / 1000.0).ToString("F3", CultureInfo.InvariantCulture));
                    }
                    sb.Append("\r\n");
                }
                break;
            case "keyspace":
                sb.Append("# Keyspace\r\n");
                for (int db = 0; db < s.Config.Databases; db++)
                {
                    long keys = 0, expires = 0;
                    foreach (var sh in s.Shards) { keys += sh.Dbs[db].Count; expires += sh.Dbs[db].ExpiresCount; }
                    if (keys > 0) sb.Append("db").Append(db).Append(":keys=").Append(keys).Append(",expires=").Append(expires).Append(",avg_ttl=0\r\n");
                }
                break;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    struct TimeVal
    {
        public long Seconds, Micros;
    }

    /// <summary>struct rusage (144 bytes on 64-bit Linux): the two times, then fourteen longs this does not read.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    struct RUsage
    {
        public TimeVal User, Sys;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    static extern int GetRUsage(int who, out RUsage usage);

    /// <summary>The calling thread's CPU seconds in the kernel and in user space (getrusage RUSAGE_THREAD); 0 when unavailable.</summary>
    static void ThreadCpu(out double sys, out double user)
    {
        // RUSAGE_THREAD is 1 on Linux; RUsage has struct rusage's size, so the call writes only inside it.
        if (GetRUsage(1, out RUsage u) != 0)
        {
            sys = user = 0;
            return;
        }
        sys = u.Sys.Seconds + u.Sys.Micros / 1e6;
        user = u.User.Seconds + u.User.Micros / 1e6;
    }
}
