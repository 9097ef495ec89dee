using System;
using System.Collections.Generic;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace FastKv.Benchmarks;

/// <summary>
/// Runs the benchmarks the arguments select (BenchmarkSwitcher: --filter, --job, --list ...), then fails
/// the run with exit code 1 when the engine's GET or SET allocated. See perf/README.md.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return AllocationGate.Check(summaries, Console.Out) ? 0 : 1;
    }
}
