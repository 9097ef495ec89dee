using System;
using System.Collections.Generic;
using FastKv.Engine.Commands;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>Arguments copied out of the connection's buffer, with helpers to build sub-commands.</summary>
public sealed class CopiedArgs
{
    public readonly byte[][] Items;
    public CopiedArgs(ReadOnlySpan<byte> buf, ArgList args)
    {
        Items = new byte[args.Count][];
        for (int i = 0; i < args.Count; i++) Items[i] = args.Get(buf, i).ToArray();
    }
    public int Count => Items.Length;
    public byte[] this[int i] => Items[i];
}

/// <summary>Builds one RESP command into a <see cref="RemoteRequest"/>.</summary>
public static class SubCommand
{
    public static void Add(RemoteRequest r, params byte[][] items)
    {
        RespEncode.Header(r.Request, (byte)'*', items.Length);
        foreach (var it in items) RespEncode.Bulk(r.Request, it);
        r.Commands++;
    }

    public static void Add(RemoteRequest r, List<byte[]> items) => Add(r, items.ToArray());

    public static byte[] Text(string s) => System.Text.Encoding.ASCII.GetBytes(s);
}

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

/// <summary>
/// RENAME, RENAMENX and COPY when source and destination live on different shards: the value
/// travels as a serialized copy (<see cref="EntryDump"/>) while both keys are locked.
/// </summary>
public sealed class MoveKeyTx : MultiShardTx
{
    readonly CopiedArgs a;
    readonly string name;
    readonly int dstDb;
    readonly bool replace;
    Shard src = null!, dst = null!;
    int round;

    public MoveKeyTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int dstDb, bool replace) : base(s)
    {
        a = new CopiedArgs(buf, args);
        name = spec.Name;
        this.dstDb = dstDb;
        this.replace = replace;
    }

    public override void Start()
    {
        src = Server.ShardOf(a[1]);
        dst = Server.ShardOf(a[2]);
        LockKey(src, Db, a[1], name != "copy");
        LockKey(dst, dstDb, a[2], true);
        Acquire();
    }

    static byte[] Num(long n) => SubCommand.Text(n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    protected override void Begin()
    {
        round = 1;
        SubCommand.Add(Part(src, Db), SubCommand.Text(EntryDump.TakeCommand), Num(Db), a[1]);
        if (name == "renamenx") SubCommand.Add(Part(dst, dstDb), SubCommand.Text("EXISTS"), a[2]);
        SendRound();
    }

    protected override void OnRound(RemoteRequest[] parts)
    {
        if (round == 1)
        {
            ReadOnlySpan<byte> dump = default;
            bool found = false;
            bool dstExists = false;
            foreach (var p in parts)
            {
                if (p.Target == src && p.Commands == 1 && ReplyFrames.TryBulk(p.ReplyBuffer.Written, out var d)) { found = true; dump = d; }
                else if (p.Target == dst && name == "renamenx") dstExists = ReplyFrames.Integer(p.ReplyBuffer.Written) > 0;
            }
            if (!found)
            {
                if (name == "copy") W.Integer(0); else W.Error(Errors.NoSuchKey);
                Finish();
                return;
            }
            if (dstExists)
            {
                W.Integer(0);
                Finish();
                return;
            }
            round = 2;
            bool overwrite = name == "rename" || replace;
            // Each shard announces its own key (rename_from on the source's, rename_to / copy_to on the
            // destination's, after "new"); the two shards' events may reach a subscriber in either order.
            SubCommand.Add(Part(dst, dstDb), SubCommand.Text(EntryDump.PutCommand), Num(dstDb), a[2], Num(overwrite ? 1 : 0), dump.ToArray(),
                SubCommand.Text(name == "copy" ? "copy_to" : "rename_to"));
            if (name != "copy") SubCommand.Add(Part(src, Db), SubCommand.Text(EntryDump.DelCommand), Num(Db), a[1], SubCommand.Text("rename_from"));
            SendRound();
            return;
        }
        switch (name)
        {
            case "rename": W.Ok(); break;
            case "renamenx": W.Integer(1); break;
            default:
                foreach (var p in parts)
                    if (p.Target == dst && p.Request.Written.IndexOf(SubCommand.Text(EntryDump.PutCommand)) >= 0)
                        W.Integer(ReplyFrames.Integer(p.ReplyBuffer.Written));
                break;
        }
        Finish();
    }
}

/// <summary>
/// KEYS, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB: the same command on every shard, replies merged.
/// Writers lock every shard whole; readers take no lock (they need no point-in-time view).
/// </summary>
public sealed class AllShardsTx : MultiShardTx
{
    readonly CopiedArgs a;
    readonly bool write;

    public AllShardsTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args) : base(s)
    {
        a = new CopiedArgs(buf, args);
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
            W.Raw(first);
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
