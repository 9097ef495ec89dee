using System;
using FastKv.Protocol;

namespace FastKv.Engine.Scripting;

/// <summary>
/// A script that cannot run inline on one shard (DESIGN.md 6a): its declared keys are on several shards, or it is
/// known to reach keys it did not declare (<see cref="Script.Reaches"/>), or is new (<see cref="Script.Proven"/>). It
/// takes intent locks first, on its declared keys (shared for a read-only script), or on every shard whole when it
/// reaches beyond them or is still being learned, as FLUSHALL does; then
/// it runs on the home shard, its calls for other shards' keys going there as <see cref="ScriptCall"/>s under those
/// locks. Its effects are one AOF unit. In an EXEC it runs as a child under the EXEC's locks, which hold every shard.
/// </summary>
public sealed class ScriptTx : MultiShardTx
{
    readonly CommandSpec spec;
    readonly byte[] buffer;
    readonly ArgList args = new();

    public ScriptTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList from) : base(s)
    {
        this.spec = spec;
        int size = 0;
        for (int i = 0; i < from.Count; i++) size += from.Lengths[i];
        buffer = new byte[size];
        int at = 0;
        for (int i = 0; i < from.Count; i++)
        {
            ReadOnlySpan<byte> a = from.Get(buf, i);
            a.CopyTo(buffer.AsSpan(at));
            args.Add(at, a.Length);
            at += a.Length;
        }
    }

    public override void Start()
    {
        ScriptReach? script = Commands.ScriptCommands.ReachOf(Server, spec, buffer, args, add: true, out bool readOnly);
        // A script that is not cached yet (EVALSHA's NOSCRIPT, an unknown function) or with bad arguments needs no
        // lock: it only replies.
        if (script != null && Commands.ScriptCommands.NumKeys(buffer, args, out int numKeys))
        {
            bool write = !readOnly;
            if (!script.Proven)
            {
                foreach (Shard sh in Server.Shards) LockShard(sh, write);
            }
            else
            {
                for (int i = 0; i < numKeys; i++)
                {
                    ReadOnlySpan<byte> key = args.Get(buffer, 3 + i);
                    LockKey(Server.ShardOf(key), Db, key, write);
                }
            }
        }
        Acquire();
    }

    protected override void Begin()
    {
        CaptureHome(Run);
        Finish();
    }

    void Run()
    {
        var c = new CommandContext
        {
            Shard = Home, W = W, Client = Session.Client, DbIndex = Db, Buffer = buffer, Args = args, Spec = spec, TxId = TxId,
        };
        Executor.Invoke(ref c);
    }

    protected override void OnRound(RemoteRequest[] parts) { }
}
