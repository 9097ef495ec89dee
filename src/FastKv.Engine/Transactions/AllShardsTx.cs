using System;
using System.Collections.Generic;
using FastKv.Engine.Commands;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// KEYS, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB: the same command on every shard, replies merged.
/// Writers lock every shard whole; readers take no lock (they need no point-in-time view).
/// </summary>
public sealed unsafe class AllShardsTx : MultiShardTx
{
    readonly CopiedArgs a;
    readonly bool write;

    public AllShardsTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args) : base(s)
    {
        a = new CopiedArgs(buf, args);
        Counted = spec;
        write = (spec.Flags & CommandFlags.Write) != 0;
    }

    public override void Start()
    {
        if (write) foreach (var sh in Server.Shards) LockShard(sh, true);
        Acquire();
    }

    protected override void Begin()
    {
        foreach (var sh in Server.Shards) SubCommand.Add(Part(sh, Db), a.Items);
        SendRound();
    }

    protected override void OnRound(RemoteRequest[] parts)
    {
        ReadOnlySpan<byte> first = parts[0].ReplyBuffer.Written;
        if (ReplyFrames.IsError(first) || first[0] == (byte)'+')
        {
            // Every shard answered the same: one reply, and one error counted.
            W.Forward(first);
            if (write && !ReplyFrames.IsError(first))
            {
                // A write every shard ran goes into the file once, not once per shard that recorded it.
                RecordWhole(a.Items);
                if (Counted!.AfterAllShards != null) Counted.AfterAllShards(Home);
            }
        }
        else if (first[0] == (byte)':')
        {
            long sum = 0;
            foreach (var p in parts) sum += ReplyFrames.Integer(p.ReplyBuffer.Written);
            W.Integer(sum);
        }
        else
        {
            long total = 0;
            foreach (var p in parts) { ReplyFrames.Elements(p.ReplyBuffer.Written, out long c); total += c; }
            W.ArrayHeader((int)total);
            foreach (var p in parts)
            {
                ReadOnlySpan<byte> r = p.ReplyBuffer.Written;
                int pos = ReplyFrames.Elements(r, out _);
                W.Raw(r.Slice(pos));
            }
        }
        Finish();
    }
}
