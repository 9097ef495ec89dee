using System;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// SAVE, BGSAVE and LASTSAVE. SAVE and BGSAVE never run on one shard: their route sends them to a
/// <see cref="SnapshotStartTx"/>, which cuts every shard at one instant (persistence design 1.1, 4).
/// </summary>
public static unsafe class PersistenceCommands
{
    public static void Register(CommandTable t)
    {
        var save = t.Add("save", &Unrouted, cross: CrossShard.Save, route: Route.Custom);
        save.CustomRoute = &EveryShard;
        save.RoutedAlways = true;
        var bgsave = t.Add("bgsave", &Unrouted, cross: CrossShard.Bgsave, route: Route.Custom);
        bgsave.CustomRoute = &EveryShard;
        bgsave.RoutedAlways = true;
        t.Add("lastsave", &LastSave);
    }

    /// <summary>A snapshot needs every shard: no single target, so the router builds the transaction.</summary>
    static Shard? EveryShard(ServerState server, Shard home, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int db) => null;

    /// <summary>
    /// Reached only from inside EXEC on a one-shard server (elsewhere the route leads to <see cref="SnapshotStartTx"/>):
    /// SAVE is refused in MULTI by its no-multi flag, and BGSAVE inside EXEC is scheduled, as Redis does.
    /// </summary>
    static void Unrouted(ref CommandContext c)
    {
        if (c.Spec.Cross == CrossShard.Bgsave && (c.Count == 1 || c.Count == 2 && c.ArgIs(1, "schedule"u8)))
        {
            c.Shard.Server.Persistence.BgsaveScheduled = true;
            c.W.Simple("Background saving scheduled");
            return;
        }
        c.Error(c.Spec.Cross == CrossShard.Bgsave ? Errors.Syntax : "ERR " + c.Spec.Name + " is not allowed here");
    }

    static void LastSave(ref CommandContext c) => c.W.Integer(c.Shard.Server.Persistence.LastSaveUnix);
}
