using System;
using System.Collections.Concurrent;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>SLOWLOG entries (shared by all shards; written rarely, so a lock is fine).</summary>
public sealed class SlowLog
{
    public sealed record Entry(long Id, long Time, long Micros, byte[][] Args, string Addr, string Name);
    readonly System.Collections.Generic.LinkedList<Entry> entries = new();
    long nextId;
    readonly object gate = new();

    public void Record(ref CommandContext c, long micros)
    {
        int n = c.Count;
        int argc = Math.Min(n, 32);
        var args = new byte[argc][];
        for (int i = 0; i < argc; i++) args[i] = Trimmed(c.Arg(i), i, n);
        Add(c.Shard, args, micros, c.Client);
    }

    /// <summary>A command recorded from its arguments as sent (a blocking command, when it ends).</summary>
    public void Record(Shard shard, byte[][] command, long micros, Client? client)
    {
        int argc = Math.Min(command.Length, 32);
        var args = new byte[argc][];
        for (int i = 0; i < argc; i++) args[i] = Trimmed(command[i], i, command.Length);
        Add(shard, args, micros, client);
    }

    /// <summary>Redis's slowlogCreateEntry: 32 arguments at most (the last says how many more), 128 bytes of each.</summary>
    static byte[] Trimmed(ReadOnlySpan<byte> a, int i, int count)
    {
        if (i == 31 && count > 32) return System.Text.Encoding.ASCII.GetBytes("... (" + (count - 31) + " more arguments)");
        if (a.Length > 128) return [.. a.Slice(0, 128), .. System.Text.Encoding.ASCII.GetBytes("... (" + (a.Length - 128) + " more bytes)")];
        return a.ToArray();
    }

    void Add(Shard shard, byte[][] args, long micros, Client? client)
    {
        int max = shard.Server.Config.SlowlogMaxLen;
        lock (gate)
        {
            entries.AddFirst(new Entry(nextId++, shard.NowMs / 1000, micros, args, client?.Address ?? "", client?.Name ?? ""));
            while (entries.Count > max) entries.RemoveLast();
        }
    }

    public Entry[] Snapshot(int count)
    {
        lock (gate)
        {
            var list = new System.Collections.Generic.List<Entry>();
            foreach (var e in entries) { if (list.Count >= count) break; list.Add(e); }
            return list.ToArray();
        }
    }

    public int Length { get { lock (gate) return entries.Count; } }
    public void Reset() { lock (gate) entries.Clear(); }
}
