using System;
using System.Collections.Generic;
using FastKv.Engine.Commands;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// SORT / SORT_RO with BY or GET patterns on a server with several shards: the keys the patterns name
/// depend on the elements, so they are only known after reading the source. The transaction locks every
/// shard whole (writes when it may STORE), reads the source, derives every key its patterns name from the
/// elements, and then runs as a <see cref="GatherTx"/> over the source, the destination and those keys.
/// </summary>
public sealed unsafe class SortTx : GatherTx
{
    readonly SortCommand.Options options;
    readonly byte[] source;
    readonly bool write;
    bool readingSource;
    TakeCopy? sourceCopy;

    public SortTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args) : base(s, spec, buf, args)
    {
        options = SortCommand.Parse(buf, args, SortCommand.IsReadOnly(spec), null)!;
        source = args.Get(buf, 1).ToArray();
        write = options.Store != null;
    }

    public override void Start()
    {
        PlanOwners();
        foreach (var sh in Server.Shards) LockShard(sh, write);
        Acquire();
    }

    protected override void Begin()
    {
        readingSource = true;
        sourceCopy = Op(Server.ShardOf(source), new TakeCopy(Db, source));
        SendRound();
    }

    protected override void OnRound(RemoteRequest[] parts)
    {
        if (!readingSource)
        {
            base.OnRound(parts);
            return;
        }
        readingSource = false;
        if (sourceCopy!.Copy is byte[] dump)
            foreach (byte[] key in PatternKeys(Home, source, dump, options)) AddKey(key);
        PlanOwners();
        base.Begin();
    }

    /// <summary>
    /// The keys the BY/GET patterns of <paramref name="options"/> name for the elements of the source's copy
    /// <paramref name="dump"/> (a list, set or sorted set; none for another type), in order, repeats included. The
    /// elements are read from a copy in <paramref name="home"/>'s scratch database (on its thread), then the copy goes.
    /// </summary>
    public static List<byte[]> PatternKeys(Shard home, byte[] source, byte[] dump, SortCommand.Options options)
    {
        var keys = new List<byte[]>();
        Database scratch = home.ScratchDb;
        scratch.Clear();
        if (EntryDump.Deserialize(home, scratch, source, dump))
        {
            // The entry is read before the scratch database changes again.
            byte* e = scratch.Find(source);
            if (e != null && KeyEntry.Type(e) is ValueKind.List or ValueKind.Set or ValueKind.ZSet)
                foreach (var element in SortCommand.Elements(e))
                    foreach (var pattern in options.KeyPatterns())
                        if (SortCommand.TryKeyOf(pattern, element, out byte[] key, out _)) keys.Add(key);
        }
        scratch.Clear();
        return keys;
    }
}
