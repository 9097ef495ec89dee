namespace FastKv.Engine;

/// <summary>
/// The replication and cluster-replica parameters Redis 7.2 answers to (CONFIG GET <c>*repl*</c>, <c>*slave*</c>,
/// <c>*replica*</c>, <c>*master*</c>), with Redis's defaults, ranges and old <c>slave</c> names. FastKv is a
/// master without replicas and without cluster mode, so only min-replicas-to-write / -max-lag act (a master with no
/// good replica refuses writes when both are set); the rest exist so that tools and config files that set or read
/// them get Redis's replies (replicaof is immutable here, as in Redis's CONFIG SET).
/// </summary>
internal static class ReplicationNames
{
    const long IntMax = int.MaxValue;

    public static void Register(ServerConfig c)
    {
        c.Add("replicaof", "", v => null, immutable: true);
        c.Alias("slaveof", "replicaof");
        c.AddText("masterauth", "", v => null, nullWhenEmpty: true);
        c.AddText("masteruser", "", v => null, nullWhenEmpty: true);
        c.Add("replica-read-only", "yes", v => ServerConfig.Bool(v, _ => { }));
        c.Alias("slave-read-only", "replica-read-only");
        c.Add("replica-serve-stale-data", "yes", v => ServerConfig.Bool(v, _ => { }));
        c.Alias("slave-serve-stale-data", "replica-serve-stale-data");
        c.Add("replica-lazy-flush", "no", v => ServerConfig.Bool(v, _ => { }));
        c.Alias("slave-lazy-flush", "replica-lazy-flush");
        c.Add("replica-ignore-maxmemory", "yes", v => ServerConfig.Bool(v, _ => { }));
        c.Alias("slave-ignore-maxmemory", "replica-ignore-maxmemory");
        c.Add("replica-priority", "100", v => ServerConfig.Int(v, 0, IntMax, _ => { }));
        c.Alias("slave-priority", "replica-priority");
        c.AddText("replica-announce-ip", "", v => null, nullWhenEmpty: true);
        c.Alias("slave-announce-ip", "replica-announce-ip");
        c.Add("replica-announce-port", "0", v => ServerConfig.Int(v, 0, 65535, _ => { }));
        c.Alias("slave-announce-port", "replica-announce-port");
        c.Add("replica-announced", "yes", v => ServerConfig.Bool(v, _ => { }));
        c.Add("replica-ignore-disk-write-errors", "no", v => ServerConfig.Bool(v, _ => { }));
        c.Add("min-replicas-to-write", "0", v => ServerConfig.Int(v, 0, IntMax, x => c.MinReplicasToWrite = x));
        c.Alias("min-slaves-to-write", "min-replicas-to-write");
        c.Add("min-replicas-max-lag", "10", v => ServerConfig.Int(v, 0, IntMax, x => c.MinReplicasMaxLag = x));
        c.Alias("min-slaves-max-lag", "min-replicas-max-lag");
        c.Add("repl-ping-replica-period", "10", v => ServerConfig.Int(v, 1, IntMax, _ => { }));
        c.Alias("repl-ping-slave-period", "repl-ping-replica-period");
        c.Add("repl-timeout", "60", v => ServerConfig.Int(v, 1, IntMax, _ => { }));
        c.Add("repl-backlog-ttl", "3600", v => ServerConfig.Int(v, 0, long.MaxValue, _ => { }));
        c.Add("repl-disable-tcp-nodelay", "no", v => ServerConfig.Bool(v, _ => { }));
        c.Add("repl-diskless-sync", "yes", v => ServerConfig.Bool(v, _ => { }));
        c.Add("repl-diskless-sync-delay", "5", v => ServerConfig.Int(v, 0, IntMax, _ => { }));
        c.Add("repl-diskless-sync-max-replicas", "0", v => ServerConfig.Int(v, 0, IntMax, _ => { }));
        c.AddEnum("repl-diskless-load", "disabled", new[] { "disabled", "on-empty-db", "swapdb" }, _ => { });
        c.Add("tls-replication", "no", v => ServerConfig.Bool(v, _ => { }));
        c.Add("cluster-replica-no-failover", "no", v => ServerConfig.Bool(v, _ => { }));
        c.Alias("cluster-slave-no-failover", "cluster-replica-no-failover");
        c.Add("cluster-replica-validity-factor", "10", v => ServerConfig.Int(v, 0, IntMax, _ => { }));
        c.Alias("cluster-slave-validity-factor", "cluster-replica-validity-factor");
        c.Add("cluster-allow-replica-migration", "yes", v => ServerConfig.Bool(v, _ => { }));
    }
}
