using System;
using System.Collections.Generic;
using FastKv.Engine.Commands;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// The middle round of a <see cref="GatherTx"/>, on the shard that runs the command: loads the gathered
/// copies into the shard's scratch database, runs the client's command over them with its own handler, and
/// hands back the reply and, per key, whether the command left it alone, deleted it, or its new copy.
/// </summary>
public sealed unsafe class GatherExec : ShardOp
{
    public readonly int Db;
    readonly byte[][] keys;
    readonly byte[]?[] copies;
    readonly byte[][] command;
    readonly RespWriter reply;
    /// <summary>False when a copy did not decode: <see cref="Reply"/> holds the error and nothing ran.</summary>
    public bool Loaded;
    /// <summary>Per key: the command did not change it (nothing to write back).</summary>
    public readonly bool[] Unchanged;
    /// <summary>Per changed key: its new copy, or null when the command deleted it.</summary>
    public readonly byte[]?[] After;
    /// <summary>
    /// Per key: the command signalled it as a stream (Redis's signalKeyAsReady or signalDeletedKeyAsReady), so its
    /// write-back must wake the XREADGROUP waiters there; a stream only changed (XREADGROUP's deliveries) must not.
    /// </summary>
    public readonly bool[] Signalled;

    public GatherExec(int db, byte[][] keys, byte[]?[] copies, byte[][] command, int protocol)
    {
        Db = db;
        this.keys = keys;
        this.copies = copies;
        this.command = command;
        reply = new RespWriter(new OutputBuffer(256), protocol);
        Unchanged = new bool[keys.Length];
        After = new byte[keys.Length][];
        Signalled = new bool[keys.Length];
    }

    /// <summary>The command's reply, in the client's protocol.</summary>
    public ReadOnlySpan<byte> Reply => reply.Output.Written;

    protected override void Execute(Shard shard)
    {
        int n = keys.Length;
        Database scratch = shard.ScratchDb;
        scratch.Clear();
        for (int i = 0; i < n; i++)
        {
            if (copies[i] != null && (scratch.Find(keys[i]) != null || !EntryDump.Deserialize(shard, scratch, keys[i], copies[i]!)))
            {
                scratch.Clear();
                reply.Error(Errors.BadDumpPayload);
                return;
            }
        }
        Loaded = true;
        // Each key as loaded, serialized again from the scratch copy: a key the command leaves alone serializes
        // the same way afterwards (a copy's table order differs from the original's, so the incoming bytes are
        // no baseline).
        var baseline = new byte[]?[n];
        for (int i = 0; i < n; i++)
        {
            byte* e0 = scratch.Find(keys[i]);
            baseline[i] = e0 == null ? null : EntryDump.Serialize(e0);
        }
        var signals = new List<byte[]>();
        shard.Blocking.ScratchSignals = signals;
        try { Run(shard, scratch); }
        finally { shard.Blocking.ScratchSignals = null; }
        for (int i = 0; i < n; i++)
        {
            foreach (byte[] k in signals)
                if (k.AsSpan().SequenceEqual(keys[i])) Signalled[i] = true;
            byte* e = scratch.Find(keys[i]);
            byte[]? after = e == null ? null : EntryDump.Serialize(e);
            Unchanged[i] = after == null ? baseline[i] == null : baseline[i] != null && after.AsSpan().SequenceEqual(baseline[i]);
            After[i] = after;
        }
        scratch.Clear();
    }

    /// <summary>
    /// Runs the command over the scratch copies but with the real database index, so its keyspace events are
    /// published from this, the executing, shard, in the command's order; the owner shards' write-backs
    /// (<see cref="PutCopy"/>, <see cref="DeleteKey"/>) only touch their watchers (and announce "new").
    /// The transaction counts the command in INFO commandstats, once.
    /// </summary>
    void Run(Shard shard, Database scratch)
    {
        int total = 0;
        foreach (var a in command) total += a.Length;
        var buf = new byte[total];
        var args = new ArgList(command.Length);
        int pos = 0;
        foreach (var a in command)
        {
            a.CopyTo(buf, pos);
            args.Add(pos, a.Length);
            pos += a.Length;
        }
        CommandSpec? spec = Executor.Resolve(shard.Server.Commands, buf, args, reply);
        if (spec == null) return;
        var c = new CommandContext
        {
            Shard = shard, W = reply, Client = null, DbIndex = Db, Buffer = buf, Args = args, Spec = spec,
            TxId = TxId, DbOverride = scratch,
        };
        Executor.Invoke(ref c, count: false);
    }
}
