using System;
using System.Collections.Generic;
using FastKv.Engine.Commands;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// MSET, MGET, DEL, UNLINK, EXISTS, TOUCH across shards: the keys (with their values for MSET)
/// go to their shards as one sub-command each, and the replies merge into one.
/// </summary>
public sealed class SplitKeysTx : MultiShardTx
{
    readonly CopiedArgs a;
    readonly CrossShard kind;
    readonly int step;
    readonly bool write;
    // Per shard: the argument positions of its keys, in request order.
    readonly Dictionary<Shard, List<int>> byShard = new();
    // MSETNX: second round running.
    bool setting;

    public SplitKeysTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args) : base(s)
    {
        a = new CopiedArgs(buf, args);
        Counted = spec;
        kind = spec.Cross!.Value;
        step = spec.KeyStep;
        write = (spec.Flags & CommandFlags.Write) != 0;
    }

    public override void Start()
    {
        for (int i = 1; i < a.Count; i += step)
        {
            Shard sh = Server.ShardOf(a[i]);
            if (!byShard.TryGetValue(sh, out var list)) byShard[sh] = list = new List<int>();
            list.Add(i);
            LockKey(sh, Db, a[i], write);
        }
        Acquire();
    }

    protected override void Begin()
    {
        byte[] name = kind switch
        {
            CrossShard.MSetNx => SubCommand.Text("EXISTS"),
            _ => a[0],
        };
        SendPerShard(name, kind == CrossShard.MSet);
    }

    void SendPerShard(byte[] name, bool withValues)
    {
        foreach (var (sh, positions) in byShard)
        {
            var items = new List<byte[]> { name };
            foreach (int p in positions)
            {
                items.Add(a[p]);
                if (withValues) items.Add(a[p + 1]);
            }
            SubCommand.Add(Part(sh, Db), items);
        }
        SendRound();
    }

    protected override void OnRound(RemoteRequest[] parts)
    {
        switch (kind)
        {
            case CrossShard.MSet:
                W.Ok();
                break;
            case CrossShard.SumIntegers:
            {
                long sum = 0;
                foreach (var p in parts) sum += ReplyFrames.Integer(p.ReplyBuffer.Written);
                W.Integer(sum);
                break;
            }
            case CrossShard.MSetNx:
                if (!setting)
                {
                    long exists = 0;
                    foreach (var p in parts) exists += ReplyFrames.Integer(p.ReplyBuffer.Written);
                    if (exists > 0) { W.Integer(0); break; }
                    setting = true;
                    SendPerShard(SubCommand.Text("MSET"), true);
                    return;
                }
                W.Integer(1);
                break;
            case CrossShard.MGet:
                MergeMGet(parts);
                break;
        }
        Finish();
    }

    void MergeMGet(RemoteRequest[] parts)
    {
        // Each part answered an array for its keys in order; place the elements back by position.
        int n = a.Count - 1;
        var frames = new (RemoteRequest part, int pos, int len)[n];
        foreach (var p in parts)
        {
            ReadOnlySpan<byte> reply = p.ReplyBuffer.Written;
            int pos = ReplyFrames.Elements(reply, out _);
            foreach (int argPos in byShard[p.Target])
            {
                int len = ReplyFrames.Length(reply, pos);
                frames[argPos - 1] = (p, pos, len);
                pos += len;
            }
        }
        W.ArrayHeader(n);
        foreach (var (part, pos, len) in frames) W.Raw(part.ReplyBuffer.Written.Slice(pos, len));
    }
}
