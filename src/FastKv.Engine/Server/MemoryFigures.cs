using System;
using System.Globalization;
using System.IO;

namespace FastKv.Engine;

/// <summary>
/// The server's memory as INFO memory and MEMORY STATS report it (Redis's getMemoryOverheadData), taken once per reply.
/// Read from the home shard's thread; the other shards' counters are read as they stand, as INFO reads them.
/// </summary>
public readonly struct MemoryFigures
{
    public readonly long Used, Rss, Peak, Clients, Overhead, Dataset, Startup, Active;
    /// <summary>Lua states (every shard's), the script cache and the function libraries.</summary>
    public readonly long VmEval, VmFunctions, Scripts, FunctionBytes;

    public MemoryFigures(ServerState s)
    {
        Used = s.UsedMemory();
        Rss = ReadRss();
        if (Used > s.PeakMemory) s.PeakMemory = Used;
        Peak = s.PeakMemory;
        Clients = s.ClientBufferMemory();
        // Redis's overhead is what holds the data rather than the data: here the keyspace tables (directory and
        // segments) and the clients' buffers; the startup figure is the empty tables the server began with.
        long tables = 0, arenas = 0, vmEval = 0, vmFunctions = 0;
        foreach (var sh in s.Shards)
        {
            tables += sh.TableOverhead();
            arenas += sh.Arena.ReservedBytes;
            vmEval += sh.Scripts?.MemoryBytes ?? 0;
            vmFunctions += sh.Functions?.MemoryBytes ?? 0;
        }
        Overhead = Math.Min(Used, Clients + tables);
        Dataset = Used - Overhead;
        Startup = Math.Min(s.StartupMemory, Overhead);
        Active = arenas + Clients;
        VmEval = vmEval;
        VmFunctions = vmFunctions;
        Scripts = s.Scripts.Bytes;
        FunctionBytes = s.Functions.Current.Bytes();
    }

    /// <summary>VmRSS of this process, or 0 where /proc does not say.</summary>
    static long ReadRss()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        return 0;
    }
}
