using System;
using BenchmarkDotNet.Attributes;
using FastKv.Memory;

namespace FastKv.Benchmarks;

/// <summary>
/// Growth: 100k fresh keys into an empty table per invocation, so every segment split and directory
/// doubling on the way is paid. The entry blobs are made once; the table is made and disposed in the
/// invocation (its segments go back to the arena). Results are per inserted key.
/// </summary>
[MemoryDiagnoser]
public unsafe class KeyTableGrowBenchmarks
{
    const int Inserts = 100_000;

    Arena _arena = null!;
    byte[] _keys = Array.Empty<byte>();
    nint[] _entries = Array.Empty<nint>();

    [GlobalSetup]
    public void Setup()
    {
        _arena = new Arena();
        _keys = Keys.Block("key:", 0, Inserts);
        _entries = new nint[Inserts];
        for (int i = 0; i < Inserts; i++) _entries[i] = (nint)Keys.NewEntry(_arena, Keys.At(_keys, i));
    }

    [GlobalCleanup]
    public void Cleanup() => _arena.Dispose();

    [Benchmark(OperationsPerInvoke = Inserts)]
    public long Grow()
    {
        using var table = new KeyTable(_arena);
        for (int i = 0; i < Inserts; i++)
            table.Insert((byte*)_entries[i], KeyHash.Hash(Keys.At(_keys, i)));
        return table.Count;
    }
}
