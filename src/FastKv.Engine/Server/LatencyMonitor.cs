using System;
using System.Collections.Generic;

namespace FastKv.Engine;

/// <summary>
/// Redis's latency monitor (latency.c): per event ("command", "fast-command", ...), the last 160 seconds that had
/// a spike at or above <c>latency-monitor-threshold</c> ms, one sample per second (the highest), and the all-time
/// maximum. Spikes are rare and any shard may record one, so the events sit behind a lock; a shard checks the
/// threshold first and takes no lock when the monitor is off or the command was fast enough.
/// </summary>
public sealed class LatencyMonitor
{
    /// <summary>LATENCY_TS_LEN: samples kept per event.</summary>
    public const int HistoryLength = 160;

    public struct Sample
    {
        /// <summary>Unix seconds; 0: empty.</summary>
        public long Time;
        public long Latency;
    }

    public sealed class Series
    {
        public readonly Sample[] Samples = new Sample[HistoryLength];
        public int Next;
        public long Max;

        public Sample Latest => Samples[(Next + HistoryLength - 1) % HistoryLength];
    }

    readonly object gate = new();
    /// <summary>Events in the order they first happened (Redis reports its dict's order; clients treat it as a map).</summary>
    readonly List<(string Name, Series Data)> events = new();

    /// <summary>latencyAddSample: a spike of <paramref name="ms"/> for <paramref name="evt"/> now.</summary>
    public void Add(string evt, long ms, long nowMs)
    {
        long now = nowMs / 1000;
        lock (gate)
        {
            Series? ts = Find(evt);
            if (ts == null) events.Add((evt, ts = new Series()));
            if (ms > ts.Max) ts.Max = ms;
            int prev = (ts.Next + HistoryLength - 1) % HistoryLength;
            if (ts.Samples[prev].Time == now)
            {
                // One sample per second: the highest.
                if (ms > ts.Samples[prev].Latency) ts.Samples[prev].Latency = ms;
                return;
            }
            ts.Samples[ts.Next] = new Sample { Time = now, Latency = ms };
            ts.Next = (ts.Next + 1) % HistoryLength;
        }
    }

    Series? Find(string evt)
    {
        foreach (var e in events)
            if (e.Name == evt) return e.Data;
        return null;
    }

    /// <summary>A copy of every event's series (for LATENCY LATEST and DOCTOR).</summary>
    public List<(string Name, Series Data)> Snapshot()
    {
        lock (gate)
        {
            var copy = new List<(string, Series)>(events.Count);
            foreach (var (name, data) in events) copy.Add((name, Copy(data)));
            return copy;
        }
    }

    /// <summary>One event's samples, oldest first (LATENCY HISTORY); empty when the event never happened.</summary>
    public List<Sample> History(string evt)
    {
        var list = new List<Sample>();
        lock (gate)
        {
            Series? ts = Find(evt);
            if (ts == null) return list;
            for (int j = 0; j < HistoryLength; j++)
            {
                Sample s = ts.Samples[(ts.Next + j) % HistoryLength];
                if (s.Time != 0) list.Add(s);
            }
        }
        return list;
    }

    /// <summary>latencyResetEvent: forgets one event (case-insensitive) or, with null, all; returns how many.</summary>
    public int Reset(string? evt)
    {
        lock (gate)
        {
            if (evt == null)
            {
                int n = events.Count;
                events.Clear();
                return n;
            }
            return events.RemoveAll(e => string.Equals(e.Name, evt, StringComparison.OrdinalIgnoreCase));
        }
    }

    static Series Copy(Series s)
    {
        var c = new Series { Next = s.Next, Max = s.Max };
        Array.Copy(s.Samples, c.Samples, HistoryLength);
        return c;
    }
}
