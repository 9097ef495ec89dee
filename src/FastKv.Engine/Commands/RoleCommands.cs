namespace FastKv.Engine.Commands;

/// <summary>
/// ROLE, CLUSTER, READONLY and READWRITE as a standalone Redis 7.2 master without replicas answers them.
/// Cluster clients (memtier_benchmark, cluster-aware drivers) probe with CLUSTER SLOTS or CLUSTER INFO and fall
/// back to standalone mode on Redis's exact error, so every CLUSTER subcommand exists with Redis's arity and
/// answers that error; an unknown subcommand gets the usual "Try CLUSTER HELP".
/// </summary>
public static unsafe class RoleCommands
{
    const string Disabled = "ERR This instance has cluster support disabled";

    public static void Register(CommandTable t)
    {
        t.Add("role", 1, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast, 0, 0, 0,
            "@admin @fast @dangerous", &Role);
        t.Add("readonly", 1, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast, 0, 0, 0, "@fast @connection", &ClusterDisabled);
        t.Add("readwrite", 1, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast, 0, 0, 0, "@fast @connection", &ClusterDisabled);
        var cluster = t.Add("cluster", -2, CommandFlags.None, 0, 0, 0, "@slow", null);
        const CommandFlags st = CommandFlags.Stale;
        const CommandFlags adm = CommandFlags.Admin | CommandFlags.Stale;
        const string slow = "@slow", admin = "@admin @slow @dangerous";
        (string Name, int Arity, CommandFlags Flags, string Cats)[] subs =
        {
            ("addslots", -3, adm, admin), ("addslotsrange", -4, adm, admin), ("bumpepoch", 2, adm, admin),
            ("count-failure-reports", 3, adm, admin), ("countkeysinslot", 3, st, slow), ("delslots", -3, adm, admin),
            ("delslotsrange", -4, adm, admin), ("failover", -2, adm, admin), ("flushslots", 2, adm, admin),
            ("forget", 3, adm, admin), ("getkeysinslot", 4, st, slow), ("help", 2, CommandFlags.Loading | st, slow),
            ("info", 2, st, slow), ("keyslot", 3, st, slow), ("links", 2, st, slow), ("meet", -4, adm, admin),
            ("myid", 2, st, slow), ("myshardid", 2, st, slow), ("nodes", 2, st, slow), ("replicas", 3, adm, admin),
            ("replicate", 3, adm, admin), ("reset", -2, adm | CommandFlags.NoScript, admin), ("saveconfig", 2, adm, admin),
            ("set-config-epoch", 3, adm, admin), ("setslot", -4, adm, admin), ("shards", 2, CommandFlags.Loading | st, slow),
            ("slaves", 3, adm, admin), ("slots", 2, CommandFlags.Loading | st, slow),
        };
        foreach (var s in subs) t.AddSub(cluster, s.Name, s.Arity, s.Flags, s.Cats, &ClusterDisabled);
    }

    /// <summary>roleCommand for a master: role, replication offset, no replicas.</summary>
    static void Role(ref CommandContext c)
    {
        c.W.ArrayHeader(3);
        c.W.Bulk("master"u8);
        c.W.Integer(0);
        c.W.ArrayHeader(0);
    }

    /// <summary>clusterCommand (every subcommand, HELP included) and readonlyCommand with cluster-enabled no.</summary>
    static void ClusterDisabled(ref CommandContext c) => c.Error(Disabled);
}
