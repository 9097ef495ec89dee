using System;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// RENAME, RENAMENX and COPY when source and destination live on different shards: the value travels as a
/// serialized copy (<see cref="EntryDump"/>) while both keys are locked. Round 1 takes the source's copy
/// (and, for RENAMENX, whether the destination exists); round 2 writes the destination and, for the renames,
/// deletes the source. Each shard announces its own key (rename_from on the source's, rename_to / copy_to on
/// the destination's, after "new"); the two shards' events may reach a subscriber in either order.
/// </summary>
public sealed class MoveKeyTx : MultiShardTx
{
    static readonly byte[] RenameFrom = "rename_from"u8.ToArray(), RenameTo = "rename_to"u8.ToArray(), CopyTo = "copy_to"u8.ToArray();
    readonly byte[] source, destination;
    readonly KeyMove move;
    readonly int dstDb;
    readonly bool replace;
    Shard src = null!, dst = null!;
    TakeCopy? take;
    TakeCopy? destinationProbe;
    PutCopy? put;
    int round;

    public MoveKeyTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int dstDb, bool replace) : base(s)
    {
        source = args.Get(buf, 1).ToArray();
        destination = args.Get(buf, 2).ToArray();
        move = spec.Move;
        Counted = spec;
        if (s.Home.Aof.On) WholeCommand = new CopiedArgs(buf, args).Items;
        this.dstDb = dstDb;
        this.replace = replace;
    }

    public override void Start()
    {
        src = Server.ShardOf(source);
        dst = Server.ShardOf(destination);
        LockKey(src, Db, source, move != KeyMove.Copy);
        LockKey(dst, dstDb, destination, true);
        Acquire();
    }

    protected override void Begin()
    {
        round = 1;
        take = Op(src, new TakeCopy(Db, source));
        if (move == KeyMove.RenameNx) destinationProbe = Op(dst, new TakeCopy(dstDb, destination, existsOnly: true));
        SendRound();
    }

    protected override void OnRound(RemoteRequest[] parts)
    {
        if (round == 1)
        {
            if (take!.Copy == null)
            {
                if (move == KeyMove.Copy) W.Integer(0); else W.Error(Errors.NoSuchKey);
                Finish();
                return;
            }
            if (destinationProbe is { Exists: true })
            {
                W.Integer(0);
                Finish();
                return;
            }
            round = 2;
            bool overwrite = move == KeyMove.Rename || replace;
            put = Op(dst, new PutCopy(dstDb, destination, overwrite, take.Copy, move == KeyMove.Copy ? CopyTo : RenameTo));
            if (move != KeyMove.Copy) Op(src, new DeleteKey(Db, source, RenameFrom));
            SendRound();
            return;
        }
        switch (move)
        {
            case KeyMove.Rename: W.Ok(); break;
            case KeyMove.RenameNx: W.Integer(1); break;
            default: W.Integer(put!.Written ? 1 : 0); break;
        }
        Finish();
    }
}
