using System;
using System.Collections.Generic;
using FastKv.Engine.Commands;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// RENAME, RENAMENX and COPY when source and destination live on different shards: the value
/// travels as a serialized copy (<see cref="EntryDump"/>) while both keys are locked.
/// </summary>
public sealed class MoveKeyTx : MultiShardTx
{
    readonly CopiedArgs a;
    readonly KeyMove move;
    readonly int dstDb;
    readonly bool replace;
    Shard src = null!, dst = null!;
    int round;

    public MoveKeyTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int dstDb, bool replace) : base(s)
    {
        a = new CopiedArgs(buf, args);
        move = spec.Move;
        this.dstDb = dstDb;
        this.replace = replace;
    }

    public override void Start()
    {
        src = Server.ShardOf(a[1]);
        dst = Server.ShardOf(a[2]);
        LockKey(src, Db, a[1], move != KeyMove.Copy);
        LockKey(dst, dstDb, a[2], true);
        Acquire();
    }

    static byte[] Num(long n) => SubCommand.Text(n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    protected override void Begin()
    {
        round = 1;
        SubCommand.Add(Part(src, Db), SubCommand.Text(EntryDump.TakeCommand), Num(Db), a[1]);
        if (move == KeyMove.RenameNx) SubCommand.Add(Part(dst, dstDb), SubCommand.Text("EXISTS"), a[2]);
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
                else if (p.Target == dst && move == KeyMove.RenameNx) dstExists = ReplyFrames.Integer(p.ReplyBuffer.Written) > 0;
            }
            if (!found)
            {
                if (move == KeyMove.Copy) W.Integer(0); else W.Error(Errors.NoSuchKey);
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
            bool overwrite = move == KeyMove.Rename || replace;
            // Each shard announces its own key (rename_from on the source's, rename_to / copy_to on the
            // destination's, after "new"); the two shards' events may reach a subscriber in either order.
            SubCommand.Add(Part(dst, dstDb), SubCommand.Text(EntryDump.PutCommand), Num(dstDb), a[2], Num(overwrite ? 1 : 0), dump.ToArray(),
                SubCommand.Text(move == KeyMove.Copy ? "copy_to" : "rename_to"));
            if (move != KeyMove.Copy) SubCommand.Add(Part(src, Db), SubCommand.Text(EntryDump.DelCommand), Num(Db), a[1], SubCommand.Text("rename_from"));
            SendRound();
            return;
        }
        switch (move)
        {
            case KeyMove.Rename: W.Ok(); break;
            case KeyMove.RenameNx: W.Integer(1); break;
            default:
                foreach (var p in parts)
                    if (p.Target == dst && p.Request.Written.IndexOf(SubCommand.Text(EntryDump.PutCommand)) >= 0)
                        W.Integer(ReplyFrames.Integer(p.ReplyBuffer.Written));
                break;
        }
        Finish();
    }
}
