using System;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>Decides which shard runs a command (DESIGN.md section 3).</summary>
public static unsafe class Router
{
    /// <summary>
    /// The one shard that runs the command, or null when it needs several shards
    /// (keys spread over shards, or a command for every shard).
    /// </summary>
    public static Shard? Target(ServerState server, Shard home, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int db)
    {
        switch (spec.Route)
        {
            case Route.Local:
                return home;
            case Route.AllShards:
                return null;
            case Route.Custom:
                return spec.CustomRoute(server, home, spec, buf, args, db);
        }
        if (spec.KeysProc == null)
        {
            int last = spec.LastKey >= 0 ? spec.LastKey : args.Count + spec.LastKey;
            if (last >= args.Count) last = args.Count - 1;
            Shard? target = null;
            for (int i = spec.FirstKey; i <= last; i += spec.KeyStep)
            {
                Shard s = server.ShardOf(args.Get(buf, i));
                if (target == null) target = s;
                else if (s != target) return null;
            }
            return target ?? home;
        }
        return KeysProcTarget(server, home, spec, buf, args);
    }

    /// <summary>Target of a command with a key procedure; malformed arguments run at home (the handler replies the error).</summary>
    public static Shard? KeysProcTarget(ServerState server, Shard home, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args)
    {
        Span<int> small = stackalloc int[32];
        int n = CommandTable.GetKeys(spec, buf, args, small);
        if (n <= 0) return home;
        int[]? all = n <= small.Length ? null : CommandTable.GetKeys(spec, buf, args);
        ReadOnlySpan<int> pos = all ?? small.Slice(0, n);
        Shard first = server.ShardOf(args.Get(buf, pos[0]));
        for (int i = 1; i < pos.Length; i++)
            if (server.ShardOf(args.Get(buf, pos[i])) != first) return null;
        return first;
    }

    /// <summary>The transaction that runs a command across shards, or null after replying an error.</summary>
    public static MultiShardTx? CrossShard(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args)
    {
        if (spec.Cross is Engine.CrossShard.Save or Engine.CrossShard.Bgsave or Engine.CrossShard.ShutdownSave
            or Engine.CrossShard.BgRewriteAof)
            return new SnapshotStartTx(s, spec, buf, args);
        if (spec.Cross == Engine.CrossShard.DebugReload)
            return DebugLoadAofTx.Names(buf, args) ? new DebugLoadAofTx(s, spec)
                : DebugDatasetTx.Names(buf, args) ? new DebugDatasetTx(s, spec, buf, args)
                : new DebugReloadTx(s, spec, buf, args);
        if (spec.Route == Route.AllShards) return new AllShardsTx(s, spec, buf, args);
        switch (spec.Cross)
        {
            case Engine.CrossShard.Sort:
                // BY/GET patterns name keys anywhere; without them SORT's keys are its source and destination.
                if (Commands.SortCommand.HasKeyPatterns(buf, args, Commands.SortCommand.IsReadOnly(spec)))
                    return new SortTx(s, spec, buf, args);
                return new GatherTx(s, spec, buf, args);
            case Engine.CrossShard.Move:
                return MoveTx(s, spec, buf, args);
            case Engine.CrossShard.Gather:
                return new GatherTx(s, spec, buf, args);
            case Engine.CrossShard.Script:
                return new Scripting.ScriptTx(s, spec, buf, args);
            case null:
                s.W.Error("CROSSSLOT Keys in request don't hash to the same slot");
                return null;
            case Engine.CrossShard.MSet:
            case Engine.CrossShard.MSetNx:
                // The handler checks key/value pairing; split commands never reach it, so check here.
                if ((args.Count & 1) == 0)
                {
                    s.W.Error(Errors.WrongArgs(spec.FullName));
                    return null;
                }
                return new SplitKeysTx(s, spec, buf, args);
            default:
                return new SplitKeysTx(s, spec, buf, args);
        }
    }

    static MultiShardTx? MoveTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args)
    {
        int srcDb = s.Client.Db, dstDb = srcDb;
        bool replace = false;
        if (spec.Move == KeyMove.Copy)
        {
            for (int j = 3; j < args.Count; j++)
            {
                if (Ascii.EqualsIgnoreCase(args.Get(buf, j), "replace"u8)) replace = true;
                else if (Ascii.EqualsIgnoreCase(args.Get(buf, j), "db"u8) && j + 1 < args.Count)
                {
                    if (!RespNumber.TryParseInt64(args.Get(buf, j + 1), out long d))
                    {
                        s.W.Error(Errors.NotInteger);
                        return null;
                    }
                    if (d < int.MinValue || d > int.MaxValue)
                    {
                        s.W.Error(Errors.IntOutOfRange);
                        return null;
                    }
                    if (d < 0 || d >= s.Home.Dbs.Length)
                    {
                        s.W.Error(Errors.DbIndexOutOfRange);
                        return null;
                    }
                    dstDb = (int)d;
                    j++;
                }
                else
                {
                    s.W.Error(Errors.Syntax);
                    return null;
                }
            }
        }
        return new MoveKeyTx(s, spec, buf, args, dstDb, replace);
    }
}
