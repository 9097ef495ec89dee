using System;
using System.Runtime.InteropServices;

namespace FastKv.Engine;

/// <summary>
/// The pause of key-load-delay (Redis's debugDelay), taken by the loader's reading thread after each key of an RDB
/// file and each command of an AOF, so a test can watch a load in progress (-LOADING, INFO's loading_* fields).
/// Callers test the setting for 0 themselves: a load without it costs one field read per key.
/// </summary>
public static partial class LoadDelay
{
    /// <summary>
    /// Sleeps <paramref name="usec"/> microseconds (usleep, as Redis: a Thread.Sleep would round to milliseconds). A
    /// negative value sleeps 1 microsecond with probability 1/|usec|: shorter pauses than a system call allows, on average.
    /// </summary>
    public static void Pause(int usec)
    {
        if (usec < 0) usec = Random.Shared.NextInt64(-(long)usec) == 0 ? 1 : 0;
        if (usec != 0) usleep((uint)usec);
    }

    [LibraryImport("libc")]
    private static partial int usleep(uint usec);
}
