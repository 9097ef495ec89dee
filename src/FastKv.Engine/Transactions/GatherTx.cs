using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Any multi-key command whose keys live on several shards (SUNIONSTORE, SMOVE, LMOVE, ZINTERSTORE,
/// SORT ... STORE): one generic plan instead of a split per command.
/// <list type="number">
/// <item>Write intent locks on every key, in global order (the command is atomic and isolated).</item>
/// <item>Round 1: a serialized copy of every key from its shard (<see cref="TakeCopy"/>).</item>
/// <item>Round 2: on the first key's shard, <see cref="GatherExec"/> loads the copies into a scratch database,
/// runs the command's own handler over it, and hands back the reply and every changed key's new copy.</item>
/// <item>Round 3: every key whose copy changed is written back to its shard (<see cref="PutCopy"/> or
/// <see cref="DeleteKey"/>).</item>
/// </list>
/// Copies cost time proportional to the values, so this is for the cross-shard case only; commands whose
/// keys share a shard run directly. Only keys the command changed are written back: a source it only
/// read keeps its original structure (and the positions a running SSCAN/HSCAN relies on).
/// </summary>
public class GatherTx : MultiShardTx
{
    readonly byte[][] command;
    readonly List<byte[]> keys = new();
    readonly HashSet<string> keySet = new(StringComparer.Ordinal);
    readonly List<Shard> owners = new();
    readonly List<TakeCopy> takes = new();
    GatherExec? exec;
    Shard execShard = null!;
    int round;

    public GatherTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args) : base(s)
    {
        command = new CopiedArgs(buf, args).Items;
        Counted = spec;
        foreach (int p in CommandTable.GetKeys(spec, buf, args) ?? Array.Empty<int>()) AddKey(command[p]);
    }

    /// <summary>A command given as its arguments, with its keys already known; counted by the caller.</summary>
    protected GatherTx(Session s, byte[][] command, List<byte[]> keys) : base(s)
    {
        this.command = command;
        foreach (var k in keys) AddKey(k);
    }

    /// <summary>Adds a key to gather (once); call <see cref="PlanOwners"/> after adding.</summary>
    protected void AddKey(byte[] k)
    {
        if (keySet.Add(System.Text.Encoding.Latin1.GetString(k))) keys.Add(k);
    }

    /// <summary>Finds the shard of every key added since the last call; the first key's shard runs the command.</summary>
    protected void PlanOwners()
    {
        for (int i = owners.Count; i < keys.Count; i++) owners.Add(Server.ShardOf(keys[i]));
        execShard = owners.Count > 0 ? owners[0] : Home;
    }

    public override void Start()
    {
        PlanOwners();
        for (int i = 0; i < keys.Count; i++) LockKey(owners[i], Db, keys[i], true);
        Acquire();
    }

    protected override void Begin()
    {
        round = 1;
        takes.Clear();
        for (int i = 0; i < keys.Count; i++) takes.Add(Op(owners[i], new TakeCopy(Db, keys[i])));
        SendRound();
    }

    protected override void OnRound(RemoteRequest[] parts)
    {
        switch (round)
        {
            case 1:
            {
                round = 2;
                var copies = new byte[]?[keys.Count];
                for (int i = 0; i < keys.Count; i++) copies[i] = takes[i].Copy;
                exec = Op(execShard, new GatherExec(Db, keys.ToArray(), copies, command, Session.Client.Protocol));
                SendRound();
                return;
            }
            case 2:
                if (WriteBack()) return;
                break;
            case 3:
                break;
            default:
                if (!OnLaterRound(parts)) throw new InvalidOperationException("a gather round nobody asked for");
                return;
        }
        round = 4;
        Reply(exec!.Reply.ToArray());
    }

    /// <summary>The command's reply, once every changed key is back on its shard: send it and finish.</summary>
    protected virtual void Reply(byte[] reply)
    {
        W.Forward(reply);
        Finish();
    }

    /// <summary>A round a subclass started from <see cref="Reply"/> finished; true when it handled it.</summary>
    protected virtual bool OnLaterRound(RemoteRequest[] parts) => false;

    /// <summary>Starts round 3 and returns true when the command changed some key.</summary>
    bool WriteBack()
    {
        GatherExec x = exec!;
        if (!x.Loaded) return false;
        round = 3;
        int sent = 0;
        for (int i = 0; i < keys.Count; i++)
        {
            if (x.Unchanged[i]) continue;
            if (x.After[i] != null) Op(owners[i], new PutCopy(Db, keys[i], replace: true, x.After[i]!, evt: null, x.Signalled[i]));
            else if (takes[i].Copy != null) Op(owners[i], new DeleteKey(Db, keys[i], evt: null));
            else continue;
            sent++;
        }
        if (sent == 0) return false;
        SendRound();
        return true;
    }
}
