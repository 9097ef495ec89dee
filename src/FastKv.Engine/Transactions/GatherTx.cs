using System;
using System.Collections.Generic;
using FastKv.Engine.Commands;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Any multi-key command whose keys live on several shards (SUNIONSTORE, SMOVE, LMOVE, ZINTERSTORE,
/// SORT ... STORE): one generic plan instead of a split per command.
/// <list type="number">
/// <item>Write intent locks on every key, in global order (the command is atomic and isolated).</item>
/// <item>Round 1: a serialized copy of every key from its shard (<c>__fkv-take</c>).</item>
/// <item>Round 2: on the first key's shard, <c>__fkv-exec</c> loads the copies into a scratch database,
/// runs the command's own handler over it, and answers the reply followed by every key's new copy.</item>
/// <item>Round 3: every key whose copy changed is written back to its shard (<c>__fkv-put</c> or DEL).</item>
/// </list>
/// Copies cost time proportional to the values, so this is for the cross-shard case only; commands whose
/// keys share a shard run directly. Only keys the command changed are written back: a source it only
/// read keeps its original structure (and the positions a running SSCAN/HSCAN relies on).
/// </summary>
public class GatherTx : MultiShardTx
{
    public const string ExecCommand = "__fkv-exec";
    readonly byte[][] command;
    readonly List<byte[]> keys = new();
    readonly HashSet<string> keySet = new(StringComparer.Ordinal);
    readonly List<Shard> owners = new();
    readonly List<byte[]?> before = new();
    Shard exec = null!;
    int round;
    byte[] reply = Array.Empty<byte>();

    public GatherTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args) : base(s)
    {
        command = new CopiedArgs(buf, args).Items;
        foreach (int p in CommandTable.GetKeys(spec, buf, args) ?? Array.Empty<int>()) AddKey(command[p]);
    }

    /// <summary>A command given as its arguments, with its keys already known.</summary>
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
        exec = owners.Count > 0 ? owners[0] : Home;
    }

    public override void Start()
    {
        PlanOwners();
        for (int i = 0; i < keys.Count; i++) LockKey(owners[i], Db, keys[i], true);
        Acquire();
    }

    static byte[] Num(long n) => SubCommand.Text(n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    protected override void Begin()
    {
        round = 1;
        for (int i = 0; i < keys.Count; i++)
            SubCommand.Add(Part(owners[i], Db), SubCommand.Text(EntryDump.TakeCommand), Num(Db), keys[i]);
        SendRound();
    }

    protected override void OnRound(RemoteRequest[] parts)
    {
        if (round == 4)
        {
            if (!OnLaterRound(parts)) throw new InvalidOperationException("a gather round nobody asked for");
            return;
        }
        switch (round)
        {
            case 1:
                // Parts come back in the order they were created: one per key.
                foreach (var p in parts)
                    before.Add(ReplyFrames.TryBulk(p.ReplyBuffer.Written, out var d) ? d.ToArray() : null);
                round = 2;
                var items = new List<byte[]> { SubCommand.Text(ExecCommand), Num(Db), Num(keys.Count) };
                for (int i = 0; i < keys.Count; i++)
                {
                    items.Add(keys[i]);
                    items.Add(Num(before[i] == null ? 0 : 1));
                    items.Add(before[i] ?? Array.Empty<byte>());
                }
                items.AddRange(command);
                SubCommand.Add(Part(exec, Db), items);
                SendRound();
                return;
            case 2:
                if (WriteBack(parts[0].ReplyBuffer.Written)) return;
                break;
        }
        round = 4;
        Reply(reply);
    }

    /// <summary>The command's reply, once every changed key is back on its shard: send it and finish.</summary>
    protected virtual void Reply(byte[] reply)
    {
        W.Raw(reply);
        Finish();
    }

    /// <summary>A round a subclass started from <see cref="Reply"/> finished; true when it handled it.</summary>
    protected virtual bool OnLaterRound(RemoteRequest[] parts) => false;

    /// <summary>Reads the exec reply; starts round 3 and returns true when some key changed.</summary>
    bool WriteBack(ReadOnlySpan<byte> r)
    {
        int pos = 0;
        int len = ReplyFrames.Length(r, pos);
        bool loaded = ReplyFrames.Integer(r.Slice(pos, len)) == 1;
        pos += len;
        len = ReplyFrames.Length(r, pos);
        reply = r.Slice(pos, len).ToArray();
        pos += len;
        if (!loaded) return false;
        round = 3;
        for (int i = 0; i < keys.Count; i++)
        {
            len = ReplyFrames.Length(r, pos);
            ReadOnlySpan<byte> frame = r.Slice(pos, len);
            pos += len;
            if (frame.Length > 0 && frame[0] == (byte)':') continue; // the command left this key alone
            if (ReplyFrames.TryBulk(frame, out var after))
                SubCommand.Add(Part(owners[i], Db), SubCommand.Text(EntryDump.PutCommand), Num(Db), keys[i], Num(1), after.ToArray());
            else if (before[i] != null)
                SubCommand.Add(Part(owners[i], Db), SubCommand.Text(EntryDump.DelCommand), Num(Db), keys[i]);
        }
        if (Parts.Count == 0) return false;
        SendRound();
        return true;
    }
}
