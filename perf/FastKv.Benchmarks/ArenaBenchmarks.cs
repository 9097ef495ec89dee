using BenchmarkDotNet.Attributes;
using FastKv.Memory;

namespace FastKv.Benchmarks;

/// <summary>
/// Alloc then Free of 100 blocks of one size per invocation; results are per Alloc+Free pair. One block
/// of the size stays live throughout, so its page is warm and is never released, as in a running shard.
/// </summary>
[MemoryDiagnoser]
public unsafe class ArenaBenchmarks
{
    const int Blocks = 100;

    [Params(24, 64, 200, 4096)]
    public int Size;

    Arena _arena = null!;
    readonly nint[] _blocks = new nint[Blocks];

    [GlobalSetup]
    public void Setup()
    {
        _arena = new Arena();
        _arena.Alloc((nuint)Size); // the block that keeps the page
    }

    [GlobalCleanup]
    public void Cleanup() => _arena.Dispose();

    [Benchmark(OperationsPerInvoke = Blocks)]
    public void AllocFree()
    {
        nuint size = (nuint)Size;
        for (int i = 0; i < Blocks; i++) _blocks[i] = (nint)_arena.Alloc(size);
        for (int i = 0; i < Blocks; i++) _arena.Free((byte*)_blocks[i], size);
    }
}
