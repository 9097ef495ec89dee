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
        t.Add("role", &Role);
        t.Add("readonly", &ClusterDisabled);
        t.Add("readwrite", &ClusterDisabled);
        // Every CLUSTER subcommand Redis 7.2 has answers that cluster support is disabled, as a standalone Redis does.
        var cluster = t.Add("cluster", null);
        foreach (string sub in CommandFacts.SubcommandsOf("cluster")) t.AddSub(cluster, sub, &ClusterDisabled);
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
