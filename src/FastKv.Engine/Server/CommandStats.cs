using System;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>Per-command call counts and time (INFO commandstats), indexed by command id.</summary>
public sealed class CommandStats
{
    public readonly long[] Calls;
    public readonly long[] Microseconds;
    /// <summary>Per command, calls counted by <see cref="LatencyHistogram"/> level (null until its first call).</summary>
    public readonly long[]?[] Latency;
    public CommandStats(int n)
    {
        Calls = new long[n];
        Microseconds = new long[n];
        Latency = new long[]?[n];
    }
    public void Reset()
    {
        Array.Clear(Calls);
        Array.Clear(Microseconds);
        Array.Clear(Latency);
    }
}
