using System;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using FastKv.Protocol;

namespace FastKv.Benchmarks;

/// <summary>
/// One double written as Redis 7.2 writes it, over a fixed set of 1024 non-integral doubles (random bit patterns,
/// decimal strings of 1 to 17 digits, geo-like distances): Grisu2's digits (<see cref="RespNumber.FormatShortest"/>,
/// and <see cref="RespNumber.FormatDouble"/> around it) against the path they replaced, .NET's shortest "R" digits
/// with a check for exact ties, in the same layout.
/// </summary>
[MemoryDiagnoser]
public class DoubleFormatBenchmarks
{
    private const int Count = 1024;
    private readonly double[] _values = new double[Count];
    private readonly byte[] _buffer = new byte[RespNumber.MaxDoubleChars];

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(42);
        for (int i = 0; i < Count; i++)
        {
            double d;
            do
            {
                d = (i % 3) switch
                {
                    0 => BitConverter.UInt64BitsToDouble((ulong)rnd.NextInt64()),
                    1 => double.Parse($"{rnd.NextInt64(1, 100_000_000_000_000_000)}e{rnd.Next(-40, 20)}", CultureInfo.InvariantCulture),
                    _ => rnd.NextDouble() * 20037508.0,
                };
            }
            while (!double.IsFinite(d) || d == Math.Floor(d));
            _values[i] = d;
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Count)]
    public int RoundTripDigits()
    {
        int total = 0;
        foreach (double d in _values)
        {
            total += RoundTripDoubleFormat.Format(d, _buffer);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public int Grisu2Digits()
    {
        int total = 0;
        foreach (double d in _values)
        {
            total += RespNumber.FormatShortest(d, _buffer);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public int FormatDouble()
    {
        int total = 0;
        foreach (double d in _values)
        {
            total += RespNumber.FormatDouble(d, _buffer);
        }

        return total;
    }
}
