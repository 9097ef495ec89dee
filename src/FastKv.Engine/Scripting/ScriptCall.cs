using System;
using System.Collections.Generic;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine.Scripting;

/// <summary>
/// One <c>redis.call</c> a script makes on a key of another shard (DESIGN.md 6a): posted to that shard's mailbox, run
/// there on its thread, while the script's thread waits (<see cref="WaitFor"/>) and runs only other scripts' calls
/// meanwhile, so two scripts calling into each other's shards never wait for each other.
/// <para>
/// The call runs when its keys are the script's: covered by its transaction's intent locks (<see cref="TxId"/>), or
/// free, in which case the call takes a lock on them at once for the rest of the script (<see cref="LockId"/>,
/// released when it ends), so nobody sees the script half done. A key another transaction holds or waits for, or a
/// free key while this shard runs a script of its own, refuses the call (<see cref="Refused"/>): waiting there could
/// deadlock. Each engine owns one and reuses it: a script waits for one call at a time.
/// </para>
/// </summary>
public sealed class ScriptCall : ShardMessage
{
    byte[] buffer = new byte[256];
    int used;
    readonly ArgList args = new();
    public readonly OutputBuffer ReplyBuffer = new();
    readonly RespWriter reply;
    CommandSpec spec = null!;
    int db;
    long txId;
    /// <summary>The id the script's own locks use on shards it reaches beyond its transaction.</summary>
    long lockId;
    ulong[] keys = new ulong[8];
    int keyCount;
    bool write;
    int done;
    /// <summary>A typed operation on one key instead of a command (a gathered command's copy or write-back).</summary>
    ShardOp? op;

    /// <summary>The call needed a lock of its own here (its keys were not the transaction's): released when the script ends.</summary>
    public bool TookLock;
    /// <summary>The keys were not the script's to take: the call did not run.</summary>
    public bool Refused;
    /// <summary>The call's AOF records, for the script's unit (null when none).</summary>
    public byte[]? Aof;
    /// <summary>The script's clock (its shard's <see cref="Shard.NowMs"/>): the call runs at that time here too.</summary>
    public long NowMs;
    /// <summary>The tracking state of the script's caller: keys its read-only calls read here are tracked for it.</summary>
    public ClientTracking? Caller;

    public ScriptCall() => reply = new RespWriter(ReplyBuffer);

    public bool Done => Volatile.Read(ref done) != 0;

    /// <summary>Prepares the call: the command (copied), where it runs, and the lock ids of its keys there.</summary>
    public void Reset(CommandSpec spec, ReadOnlySpan<byte> buf, ArgList from, ReadOnlySpan<int> keyPositions, int db, long txId,
        long lockId, int resp)
    {
        this.spec = spec;
        this.db = db;
        this.txId = txId;
        this.lockId = lockId;
        write = (spec.Flags & CommandFlags.Write) != 0;
        if (buffer.Length < buf.Length) buffer = new byte[Math.Max(buf.Length, buffer.Length * 2)];
        buf.CopyTo(buffer);
        used = buf.Length;
        args.Reset();
        for (int i = 0; i < from.Count; i++) args.Add(from.Offsets[i], from.Lengths[i]);
        if (keys.Length < keyPositions.Length) keys = new ulong[keyPositions.Length];
        keyCount = keyPositions.Length;
        for (int i = 0; i < keyCount; i++)
            keys[i] = TxLock.KeyId(db, FastKv.Memory.KeyHash.Hash(from.Get(buf, keyPositions[i])));
        ReplyBuffer.Clear();
        reply.Protocol = resp;
        op = null;
        TookLock = false;
        Refused = false;
        Aof = null;
        Volatile.Write(ref done, 0);
    }

    /// <summary>Prepares the call as a typed operation on one key (<see cref="ShardOp.RunForScript"/>) under the same lock rules.</summary>
    public void ResetOp(ShardOp op, ReadOnlySpan<byte> key, bool write, int db, long txId, long lockId)
    {
        this.op = op;
        this.db = db;
        this.txId = txId;
        this.lockId = lockId;
        this.write = write;
        keyCount = 1;
        keys[0] = TxLock.KeyId(db, FastKv.Memory.KeyHash.Hash(key));
        ReplyBuffer.Clear();
        TookLock = false;
        Refused = false;
        Aof = null;
        Volatile.Write(ref done, 0);
    }

    public override void Run(Shard shard)
    {
        try { Execute(shard); }
        finally { Volatile.Write(ref done, 1); }
    }

    void Execute(Shard shard)
    {
        TxLocks locks = shard.Locks;
        for (int i = 0; i < keyCount; i++)
        {
            if (locks.Active && locks.Blocks(keys[i], write, txId, lockId)) { Refused = true; return; }
            if (locks.Covers(keys[i], write, txId)) continue;
            if (shard.InScript || !locks.TryTakeNow(lockId, keys[i], write)) { Refused = true; return; }
            TookLock = true;
        }
        AofRecorder aof = shard.Aof;
        bool capture = aof.On && !aof.Capturing;
        var mark = aof.Mark;
        if (capture) aof.BeginCapture();
        shard.Blocking.Hold();
        long ownNow = shard.NowMs;
        shard.NowMs = NowMs;
        ClientTracking? ownCaller = shard.Tracking.RemoteCaller;
        shard.Tracking.RemoteCaller = Caller;
        try
        {
            var c = new CommandContext
            {
                Shard = shard, W = reply, Client = null, DbIndex = db, Buffer = buffer.AsSpan(0, used), Args = args, Spec = spec,
                TxId = txId,
            };
            // A script's command runs here as it would on the script's own shard (XREAD refuses BLOCK then). Nothing
            // else runs on this thread meanwhile, and a shard already in a script refused the call above.
            shard.InScript = true;
            if (op != null) op.RunForScript(shard);
            else Executor.Invoke(ref c);
        }
        finally
        {
            shard.NowMs = ownNow;
            shard.Tracking.RemoteCaller = ownCaller;
            shard.InScript = false;
            Aof = capture ? aof.EndCapture() : aof.On ? aof.TakeSince(mark) : null;
            shard.Blocking.Release();
        }
    }

    /// <summary>
    /// Waits on <paramref name="home"/>'s thread until <paramref name="call"/> has run, running other scripts' calls to
    /// this shard meanwhile and keeping every other message for after the script.
    /// </summary>
    public static void WaitFor(Shard home, ScriptCall call)
    {
        Mailbox box = home.Mailbox;
        int idle = 0;
        while (!call.Done)
        {
            ShardMessage? m = box.TryTake();
            if (m != null)
            {
                if (m is ScriptCall other) Mailbox.RunOne(home, other);
                else box.Defer(m);
                idle = 0;
                continue;
            }
            if (++idle < 100) Thread.SpinWait(30);
            else Thread.Yield();
        }
    }
}
