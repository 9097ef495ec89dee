using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastKv.Engine.Commands;

/// <summary>
/// LATENCY LATEST, HISTORY, RESET, DOCTOR, HISTOGRAM, GRAPH and HELP (Redis's latency.c). Events are recorded by
/// <see cref="Executor.Invoke"/> through <see cref="Spike"/> ("command", or "fast-command" for a command flagged
/// fast) when a call takes at least <c>latency-monitor-threshold</c> ms; histograms are counted per shard in
/// <see cref="CommandStats.Latency"/> and summed here.
/// </summary>
public static unsafe class LatencyCommand
{
    public static void Register(CommandTable t)
    {
        var latency = t.Add("latency", null);
        t.AddSub(latency, "doctor", &Doctor);
        t.AddSub(latency, "graph", &Graph);
        t.AddSub(latency, "help", &Help);
        t.AddSub(latency, "histogram", &Histogram);
        t.AddSub(latency, "history", &History);
        t.AddSub(latency, "latest", &Latest);
        t.AddSub(latency, "reset", &Reset);
    }

    /// <summary>latencyAddSampleIfNeeded for a command call of <paramref name="ms"/> ms (the caller checked the threshold).</summary>
    public static void Spike(ref CommandContext c, long ms)
    {
        CommandSpec real = c.Spec;
        c.Shard.Server.Latency.Add((real.Flags & CommandFlags.Fast) != 0 ? "fast-command" : "command", ms, c.Shard.NowMs);
    }

    static void Latest(ref CommandContext c)
    {
        var events = c.Shard.Server.Latency.Snapshot();
        c.W.ArrayHeader(events.Count);
        foreach (var (name, ts) in events)
        {
            LatencyMonitor.Sample last = ts.Latest;
            c.W.ArrayHeader(4);
            c.W.Bulk(Encoding.ASCII.GetBytes(name));
            c.W.Integer(last.Time);
            c.W.Integer(last.Latency);
            c.W.Integer(ts.Max);
        }
    }

    static void History(ref CommandContext c)
    {
        var samples = c.Shard.Server.Latency.History(c.ArgString(2));
        c.W.ArrayHeader(samples.Count);
        foreach (LatencyMonitor.Sample s in samples)
        {
            c.W.ArrayHeader(2);
            c.W.Integer(s.Time);
            c.W.Integer(s.Latency);
        }
    }

    static void Reset(ref CommandContext c)
    {
        LatencyMonitor m = c.Shard.Server.Latency;
        if (c.Count == 2)
        {
            c.W.Integer(m.Reset(null));
            return;
        }
        long n = 0;
        for (int i = 2; i < c.Count; i++) n += m.Reset(c.ArgString(i));
        c.W.Integer(n);
    }

    /// <summary>
    /// latencyCommandGenSparkeline: a header with the samples' high and low and the all-time high, a rule of 80
    /// dashes, and a sparkline of the samples, oldest first, each labelled with how long ago it was (s, m, h, d).
    /// </summary>
    static void Graph(ref CommandContext c)
    {
        string evt = c.ArgString(2);
        LatencyMonitor.Series? series = null;
        foreach (var (name, data) in c.Shard.Server.Latency.Snapshot())
            if (name == evt) series = data;
        if (series == null)
        {
            c.Error("ERR No samples available for event '" + Executor.Sanitize(c.Arg(2), 128) + "'");
            return;
        }
        long now = c.Shard.NowMs / 1000;
        var samples = new List<(double, string?)>();
        long low = 0, high = 0;
        foreach (LatencyMonitor.Sample s in c.Shard.Server.Latency.History(evt))
        {
            if (samples.Count == 0) low = high = s.Latency;
            low = Math.Min(low, s.Latency);
            high = Math.Max(high, s.Latency);
            long ago = now - s.Time;
            string label = ago < 60 ? ago + "s" : ago < 3600 ? ago / 60 + "m" : ago < 86400 ? ago / 3600 + "h" : ago / 86400 + "d";
            samples.Add((s.Latency, label));
        }
        var graph = new StringBuilder();
        graph.Append(evt).Append(" - high ").Append(high).Append(" ms, low ").Append(low).Append(" ms (all time high ")
            .Append(series.Max).Append(" ms)\n").Append('-', 80).Append('\n');
        Sparkline.Render(graph, samples, 80, 4);
        c.W.Verbatim(Encoding.ASCII.GetBytes(graph.ToString()), "txt");
    }

    static void Help(ref CommandContext c) => ServerCommands.Help(c.W, new[]
    {
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR", "    Return a human readable latency analysis report.",
        "GRAPH <event>", "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>", "    Return time-latency samples for the <event> class.",
        "LATEST", "    Return the latest latency samples for all events.",
        "RESET [<event> ...]", "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
        "HELP", "    Print this help.",
    });

    // ---- HISTOGRAM ----

    static void Histogram(ref CommandContext c)
    {
        var table = c.Shard.Server.Commands;
        var picked = new List<(CommandSpec Spec, long[] Levels)>();
        if (c.Count == 2)
        {
            foreach (CommandSpec s in table.All) AddWithSubs(ref c, s, picked);
        }
        else
        {
            for (int i = 2; i < c.Count; i++)
            {
                CommandSpec? s = Lookup(table, c.ArgString(i));
                if (s != null) AddWithSubs(ref c, s, picked);
            }
        }
        c.W.MapHeader(picked.Count);
        foreach (var (spec, levels) in picked)
        {
            c.W.Bulk(Encoding.ASCII.GetBytes(spec.FullName));
            WriteCdf(c.W, levels);
        }
    }

    /// <summary>lookupCommandBySds: "name" or "container|sub".</summary>
    static CommandSpec? Lookup(CommandTable table, string name)
    {
        int bar = name.IndexOf('|');
        if (bar < 0) return table.Find(Encoding.ASCII.GetBytes(name));
        CommandSpec? parent = table.Find(Encoding.ASCII.GetBytes(name[..bar]));
        if (parent?.Subcommands == null || name.IndexOf('|', bar + 1) >= 0) return null;
        return CommandTable.FindSub(parent, Encoding.ASCII.GetBytes(name[(bar + 1)..]));
    }

    /// <summary>The command, then its subcommands, each when it was called at least once (all shards summed).</summary>
    static void AddWithSubs(ref CommandContext c, CommandSpec s, List<(CommandSpec, long[])> picked)
    {
        long[]? own = Sum(c.Shard.Server, s.Id);
        if (own != null) picked.Add((s, LatencyHistogram.ToLevels(own)));
        if (s.Subcommands == null) return;
        foreach (CommandSpec sub in s.Subcommands)
        {
            long[]? l = Sum(c.Shard.Server, sub.Id);
            if (l != null) picked.Add((sub, LatencyHistogram.ToLevels(l)));
        }
    }

    /// <summary>A command's latency counters summed over every shard; null when no shard has counted a call.</summary>
    internal static long[]? Sum(ServerState server, int id)
    {
        long[]? total = null;
        foreach (Shard sh in server.Shards)
        {
            long[]? l = sh.CommandStats.Latency[id];
            if (l == null) continue;
            total ??= new long[LatencyHistogram.Counts];
            for (int i = 0; i < total.Length; i++) total[i] += System.Threading.Volatile.Read(ref l[i]);
        }
        return total;
    }

    /// <summary>fillCommandCDF: calls, then (level's highest equivalent in us, cumulative calls) where the count grew.</summary>
    static void WriteCdf(FastKv.Protocol.RespWriter w, long[] levels)
    {
        long total = 0;
        int points = 0;
        foreach (long n in levels)
        {
            total += n;
            if (n > 0) points++;
        }
        w.MapHeader(2);
        w.Bulk("calls"u8);
        w.Integer(total);
        w.Bulk("histogram_usec"u8);
        w.MapHeader(points);
        long cumulative = 0;
        for (int i = 0; i < levels.Length; i++)
        {
            if (levels[i] == 0) continue;
            cumulative += levels[i];
            w.Integer(LatencyHistogram.LevelHighest(i) / 1000);
            w.Integer(cumulative);
        }
    }

    // ---- DOCTOR ----

    static void Doctor(ref CommandContext c)
    {
        ServerConfig cfg = c.Shard.Server.Config;
        var events = c.Shard.Server.Latency.Snapshot();
        var sb = new StringBuilder();
        if (events.Count == 0 && cfg.LatencyMonitorThreshold == 0)
        {
            sb.Append("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n");
            c.W.Verbatim(Encoding.ASCII.GetBytes(sb.ToString()), "txt");
            return;
        }
        bool slowlogEnable = false, slowlogTune = false, slowlogInspect = false, scheduler = false, largeObjects = false;
        int advices = 0, num = 0;
        long nowS = c.Shard.NowMs / 1000;
        foreach (var (name, ts) in events)
        {
            num++;
            if (num == 1) sb.Append("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
            Analyze(ts, nowS, out int samples, out long avg, out long mad, out long period);
            sb.Append(CultureInfo.InvariantCulture,
                $"{num}. {name}: {samples} latency spikes (average {avg}ms, mean deviation {mad}ms, period {((double)period / samples).ToString("F2", CultureInfo.InvariantCulture)} sec). Worst all time event {ts.Max}ms.");
            if (name.Equals("command", StringComparison.OrdinalIgnoreCase))
            {
                if (cfg.SlowlogSlowerThan < 0) { slowlogEnable = true; advices++; }
                else if (cfg.SlowlogSlowerThan / 1000 > cfg.LatencyMonitorThreshold) { slowlogTune = true; advices++; }
                slowlogInspect = true;
                largeObjects = true;
                advices += 2;
            }
            if (name.Equals("fast-command", StringComparison.OrdinalIgnoreCase)) { scheduler = true; advices++; }
            sb.Append('\n');
        }
        if (num == 0 && advices == 0)
            sb.Append("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
        else if (num > 0 && advices == 0)
            sb.Append("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
        else
        {
            sb.Append("\nI have a few advices for you:\n\n");
            long us = cfg.LatencyMonitorThreshold * 1000;
            if (slowlogEnable)
                sb.Append($"- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {us}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n");
            if (slowlogTune)
                sb.Append($"- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {us}'.\n");
            if (slowlogInspect)
                sb.Append("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
            if (scheduler)
                sb.Append("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
                    "  1) Lower the system load.\n" +
                    "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
                    "  3) Check if you have a \"noisy neighbour\" problem.\n" +
                    "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
                    "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
            if (largeObjects)
                sb.Append("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
        }
        c.W.Verbatim(Encoding.ASCII.GetBytes(sb.ToString()), "txt");
    }

    /// <summary>analyzeLatencyForEvent: sample count, average, mean absolute deviation and the seconds since the oldest sample.</summary>
    static void Analyze(LatencyMonitor.Series ts, long nowS, out int samples, out long avg, out long mad, out long period)
    {
        samples = 0;
        long sum = 0, oldest = 0;
        foreach (LatencyMonitor.Sample s in ts.Samples)
        {
            if (s.Time == 0) continue;
            samples++;
            sum += s.Latency;
            if (oldest == 0 || s.Time < oldest) oldest = s.Time;
        }
        avg = samples > 0 ? sum / samples : 0;
        period = samples > 0 ? Math.Max(1, nowS - oldest) : 0;
        long dev = 0;
        foreach (LatencyMonitor.Sample s in ts.Samples)
            if (s.Time != 0) dev += Math.Abs(avg - s.Latency);
        mad = samples > 0 ? dev / samples : 0;
    }
}
