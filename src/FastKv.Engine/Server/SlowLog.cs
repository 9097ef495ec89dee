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
        int max = c.Shard.Server.Config.SlowlogMaxLen;
        int argc = Math.Min(c.Count, 32);
        var args = new byte[argc][];
        for (int i = 0; i < argc; i++)
        {
            ReadOnlySpan<byte> a = c.Arg(i);
            if (argc == 32 && i == 31 && c.Count > 32)
                args[i] = System.Text.Encoding.ASCII.GetBytes("... (" + (c.Count - 31) + " more arguments)");
            else if (a.Length > 128)
                args[i] = [.. a.Slice(0, 128), .. System.Text.Encoding.ASCII.GetBytes("... (" + (a.Length - 128) + " more bytes)")];
            else args[i] = a.ToArray();
        }
        lock (gate)
        {
            entries.AddFirst(new Entry(nextId++, c.Shard.NowMs / 1000, micros, args, c.Client?.Address ?? "", c.Client?.Name ?? ""));
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
