using System;

namespace FastKv.Engine.Commands;

/// <summary>
/// BGREWRITEAOF. Like BGSAVE it never runs on one shard: its route leads to a <see cref="SnapshotStartTx"/> with
/// purpose <see cref="SnapshotPurpose.Rewrite"/>, whose cut switches the log to a new INCR file and whose file
/// becomes the AOF's new base (persistence design 3, "Rewrite").
/// </summary>
public static unsafe class BgRewriteAofCommand
{
    public static void Register(CommandTable t)
    {
        var spec = t.Add("bgrewriteaof", &Unrouted, cross: CrossShard.BgRewriteAof, route: Route.Custom);
        spec.CustomRoute = &EveryShard;
        spec.RoutedAlways = true;
    }

    /// <summary>A rewrite cuts every shard: no single target, so the router builds the transaction.</summary>
    static Shard? EveryShard(ServerState server, Shard home, CommandSpec spec, ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args, int db) => null;

    /// <summary>Reached only inside EXEC on a one-shard server: Redis schedules the rewrite (server.in_exec).</summary>
    static void Unrouted(ref CommandContext c)
    {
        c.Shard.Server.Aof.ScheduleRewrite();
        c.W.Simple("Background append only file rewriting scheduled");
    }
}
