using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// A client's transaction state (Redis's c->mstate and c->watched_keys): whether MULTI is open, the
/// commands queued since, whether one was rejected while queuing (EXEC then answers EXECABORT), and
/// the keys it WATCHes. Created the first time a client uses MULTI or WATCH; owned by its home shard.
/// Queued commands are copied out of the input buffer, re-encoded as RESP arrays, one after another.
/// </summary>
public sealed class MultiState
{
    /// <summary>One queued command: its table entry and where its RESP array sits in <see cref="Queue"/>.</summary>
    public struct Queued
    {
        public CommandSpec Spec;
        public int Offset;
        public int Length;
    }

    /// <summary>Between MULTI and EXEC/DISCARD.</summary>
    public bool Queuing;
    /// <summary>A command was rejected while queuing (CLIENT_DIRTY_EXEC).</summary>
    public bool Aborted;
    /// <summary>An <see cref="ExecTx"/> is running the queue (a disconnect leaves the clean-up to it).</summary>
    public bool Executing;
    public readonly OutputBuffer Queue = new(256);
    public readonly List<Queued> Commands = new();

    /// <summary>A queued command is a write (Redis's mstate.cmd_flags holding CMD_WRITE).</summary>
    public bool HoldsWrite
    {
        get
        {
            foreach (Queued q in Commands)
                if ((q.Spec.Flags & CommandFlags.Write) != 0) return true;
            return false;
        }
    }
    /// <summary>The keys watched since the last UNWATCH/EXEC/DISCARD, or null.</summary>
    public WatchSet? Watches;

    // Scratch for re-parsing queued commands at EXEC (the session's own are busy with EXEC itself).
    public readonly ArgList Args = new();
    RespParser parser;
    byte[] scratch = Array.Empty<byte>();

    public void Begin()
    {
        Queuing = true;
        Aborted = false;
        Queue.Clear();
        Commands.Clear();
    }

    public void Enqueue(CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args)
    {
        int before = Queue.Length;
        RespEncode.Command(Queue, buf, args);
        Commands.Add(new Queued { Spec = spec, Offset = before, Length = Queue.Length - before });
    }

    /// <summary>discardTransaction: leaves MULTI and unwatches everything.</summary>
    public void Discard(Shard home)
    {
        Queuing = false;
        Aborted = false;
        Commands.Clear();
        if (Queue.Capacity > 64 * 1024) Queue.Shrink(256);
        Queue.Clear();
        Unwatch(home);
    }

    public void Unwatch(Shard home)
    {
        if (Watches == null) return;
        Watches.UnwatchAll(home);
        Watches = null;
    }

    /// <summary>
    /// Parses queued command <paramref name="i"/> into <see cref="Args"/>; returns its bytes (a copy that
    /// stays valid until the next call, so a command may run while the queue is cleared).
    /// </summary>
    public ReadOnlySpan<byte> Load(int i)
    {
        Queued q = Commands[i];
        if (scratch.Length < q.Length) scratch = new byte[Math.Max(q.Length, 256)];
        Span<byte> span = scratch.AsSpan(0, q.Length);
        Queue.Written.Slice(q.Offset, q.Length).CopyTo(span);
        parser.Reset();
        parser.Authenticated = true;
        RespStatus st = parser.Parse(span, Args, out _);
        System.Diagnostics.Debug.Assert(st == RespStatus.Complete);
        return span;
    }
}
