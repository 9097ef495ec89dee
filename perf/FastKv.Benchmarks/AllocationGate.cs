using System;
using System.Collections.Generic;
using System.IO;
using BenchmarkDotNet.Reports;

namespace FastKv.Benchmarks;

/// <summary>
/// Fails the run when GET or SET through the engine allocates managed memory: DESIGN.md principle 5
/// says the steady GET/SET path allocates nothing, and a benchmark run is where a regression shows.
/// </summary>
static class AllocationGate
{
    /// <summary>EngineGetSetBenchmarks methods that must allocate 0 bytes per operation (and every EvictionBenchmarks case).</summary>
    static readonly string[] Gated =
    {
        nameof(EngineGetSetBenchmarks.Set), nameof(EngineGetSetBenchmarks.GetHit), nameof(EngineGetSetBenchmarks.GetMiss),
    };

    /// <summary>Prints one line per gated benchmark that ran; false when one allocated or has no result.</summary>
    public static bool Check(IEnumerable<Summary> summaries, TextWriter log)
    {
        bool ok = true, any = false;
        foreach (Summary summary in summaries)
        {
            foreach (BenchmarkReport report in summary.Reports)
            {
                var descriptor = report.BenchmarkCase.Descriptor;
                bool gated = descriptor.Type == typeof(EngineGetSetBenchmarks) && Array.IndexOf(Gated, descriptor.WorkloadMethod.Name) >= 0
                             || descriptor.Type == typeof(EvictionBenchmarks);
                if (!gated) continue;
                any = true;
                string name = descriptor.Type.Name.Replace("Benchmarks", "") + "." + descriptor.WorkloadMethod.Name + report.BenchmarkCase.Parameters.DisplayInfo;
                long? bytes = report.Success ? report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) : null;
                if (bytes == null)
                {
                    log.WriteLine($"ALLOCATION CHECK FAILED: {name} has no allocation result (the benchmark did not run to the end)");
                    ok = false;
                }
                else if (bytes.Value > 0)
                {
                    log.WriteLine($"ALLOCATION CHECK FAILED: {name} allocates {bytes.Value} B/op; the GET/SET path must allocate 0");
                    ok = false;
                }
                else
                {
                    // Per operation rounds: a pipeline that allocated under 50 bytes in its 100 commands
                    // shows as 0 B/op, so print the measured total too.
                    long? total = report.GcStats.GetTotalAllocatedBytes(excludeAllocationQuantumSideEffects: true);
                    log.WriteLine($"allocation check passed: {name} allocates 0 B/op ({total} B in {report.GcStats.TotalOperations} operations)");
                }
            }
        }
        if (!any) log.WriteLine("allocation check skipped: no EngineGetSet GET/SET benchmark was selected");
        return ok;
    }
}
