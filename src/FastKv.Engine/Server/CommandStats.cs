using System;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>Per-command call counts and time (INFO commandstats), indexed by command id.</summary>
public sealed class CommandStats
{
    public readonly long[] Calls;
    public readonly long[] Microseconds;
    /// <summary>Calls that replied an error (Redis's failed_calls).</summary>
    public readonly long[] Failed;
    /// <summary>Refused before they ran: wrong arity, NOAUTH, OOM, MISCONF, not allowed in MULTI... (Redis's rejected_calls).</summary>
    public readonly long[] Rejected;
    /// <summary>Per command, calls counted by <see cref="LatencyHistogram"/> level (null until its first call).</summary>
    public readonly long[]?[] Latency;
    public CommandStats(int n)
    {
        Calls = new long[n];
        Microseconds = new long[n];
        Failed = new long[n];
        Rejected = new long[n];
        Latency = new long[]?[n];
    }
    public void Reset()
    {
        Array.Clear(Calls);
        Array.Clear(Microseconds);
        Array.Clear(Failed);
        Array.Clear(Rejected);
        Array.Clear(Latency);
    }
}
