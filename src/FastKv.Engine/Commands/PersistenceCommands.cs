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

    /// <summary>Never called: the route always leads to <see cref="SnapshotStartTx"/>.</summary>
    static void Unrouted(ref CommandContext c) => c.Error("ERR internal error: " + c.Spec.Name + " outside its transaction");

    static void LastSave(ref CommandContext c) => c.W.Integer(c.Shard.Server.Persistence.LastSaveUnix);
}
