using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Engine.Commands;
using FastKv.Protocol;

namespace FastKv.Engine.Scripting;

/// <summary>
/// The two calls over keys of several shards that a gathered call (<see cref="RunGathered(ScriptRun, CommandSpec,
/// ReadOnlySpan{byte}, ArgList, ReadOnlySpan{int})"/>) cannot take as they come: COPY ... DB, whose destination is in
/// another database, and SORT with BY/GET patterns, whose keys only the source's elements tell. Each runs the plan of
/// its client-facing transaction (<see cref="MoveKeyTx"/>, <see cref="SortTx"/>) in line, one typed operation per key
/// under the script's locks (<see cref="RunOp(ScriptRun, Shard, ShardOp, byte[], int, bool)"/>).
/// </summary>
public sealed partial class ScriptEngine
{
    static readonly byte[] CopyToEvent = "copy_to"u8.ToArray();

    /// <summary>Whether a COPY names a DB option (checked further by <see cref="RunCopyToDb"/>).</summary>
    static bool NamesDb(ReadOnlySpan<byte> buf, ArgList args)
    {
        for (int j = 3; j < args.Count; j++)
            if (Ascii.EqualsIgnoreCase(args.Get(buf, j), "db"u8)) return true;
        return false;
    }

    /// <summary>
    /// COPY source destination [DB n] [REPLACE] with the two keys on different shards (so never the same object): the
    /// options checked as the COPY handler checks them, the source's copy taken from its shard, then written on the
    /// destination's shard into database n (its "new" and copy_to events and dirty count there, as Redis's one). The
    /// AOF gets the command as given, in the script's database, when it copied.
    /// </summary>
    string? RunCopyToDb(ScriptRun run, ReadOnlySpan<byte> buf, ArgList args)
    {
        int dstDb = run.Db;
        bool replace = false;
        for (int j = 3; j < args.Count; j++)
        {
            if (Ascii.EqualsIgnoreCase(args.Get(buf, j), "replace"u8)) replace = true;
            else if (Ascii.EqualsIgnoreCase(args.Get(buf, j), "db"u8) && j + 1 < args.Count)
            {
                if (!RespNumber.TryParseInt64(args.Get(buf, j + 1), out long d)) return Replied(Errors.NotInteger);
                if (d < int.MinValue || d > int.MaxValue) return Replied(Errors.IntOutOfRange);
                if (d < 0 || d >= shard.Dbs.Length) return Replied(Errors.DbIndexOutOfRange);
                dstDb = (int)d;
                j++;
            }
            else return Replied(Errors.Syntax);
        }
        ServerState server = shard.Server;
        byte[] source = args.Get(buf, 1).ToArray(), destination = args.Get(buf, 2).ToArray();
        var take = new TakeCopy(run.Db, source);
        if (RunOp(run, server.ShardOf(source), take, source, run.Db, write: false) is { } refused) return refused;
        if (take.Copy == null)
        {
            replyWriter.Integer(0);
            return null;
        }
        var put = new PutCopy(dstDb, destination, replace, take.Copy, CopyToEvent);
        if (RunOp(run, server.ShardOf(destination), put, destination, dstDb, write: true) is { } refusedPut) return refusedPut;
        run.Wrote = true;
        if (put.Written && shard.Aof.On) shard.Aof.Verbatim(run.Db, buf, args);
        replyWriter.Integer(put.Written ? 1 : 0);
        return null;
    }

    /// <summary>The call's reply is the error <paramref name="error"/> (raised by redis.call, returned by redis.pcall).</summary>
    string? Replied(string error)
    {
        replyWriter.Error(error);
        return null;
    }

    /// <summary>
    /// SORT / SORT_RO with BY or GET patterns on a server with several shards: the source's copy first, the keys its
    /// patterns name derived from the elements (<see cref="SortTx.PatternKeys"/>), then a gathered call over the source,
    /// the STORE destination and those keys, SORT's own handler running over their copies.
    /// </summary>
    string? RunSortWithPatterns(ScriptRun run, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, ReadOnlySpan<int> keys)
    {
        // HasKeyPatterns parsed these options already: they are valid.
        SortCommand.Options options = SortCommand.Parse(buf, args, SortCommand.IsReadOnly(spec), null)!;
        bool write = (spec.Flags & CommandFlags.Write) != 0;
        byte[] source = args.Get(buf, keys[0]).ToArray();
        var take = new TakeCopy(run.Db, source);
        if (RunOp(run, shard.Server.ShardOf(source), take, source, run.Db, write) is { } refused) return refused;
        var names = new List<byte[]>(keys.Length + 8) { source };
        for (int i = 1; i < keys.Length; i++) AddName(names, args.Get(buf, keys[i]));
        if (take.Copy != null)
            foreach (byte[] key in SortTx.PatternKeys(shard, source, take.Copy, options)) AddName(names, key);
        return RunGathered(run, spec, buf, args, names, takenFirst: true, firstCopy: take.Copy);
    }

    /// <summary>Adds a key name unless the list has it.</summary>
    static void AddName(List<byte[]> names, ReadOnlySpan<byte> key)
    {
        foreach (byte[] other in names)
            if (key.SequenceEqual(other)) return;
        names.Add(key.ToArray());
    }
}
