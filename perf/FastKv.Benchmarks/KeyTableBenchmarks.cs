using System;
using BenchmarkDotNet.Attributes;
using FastKv.Memory;

namespace FastKv.Benchmarks;

/// <summary>
/// The key table at one million keys: lookups that hit and miss, an insert of an absent key (paired with
/// its removal so the table stays the same size) and a delete of a present key (paired with putting it
/// back). Each operation hashes its key with <see cref="KeyHash"/>, as the engine does. The probe keys
/// are spread at random over the table, so most probes miss the CPU caches, as a server's do. Results are
/// per operation (per pair for the last two).
/// </summary>
[MemoryDiagnoser]
public unsafe class KeyTableBenchmarks
{
    const int Preloaded = 1_000_000;
    const int Probes = 1024;

    Arena _arena = null!;
    KeyTable _table = null!;
    byte[] _present = Array.Empty<byte>(); // Probes keys in the table, in random order
    byte[] _absent = Array.Empty<byte>();  // Probes keys not in it
    nint[] _fresh = Array.Empty<nint>();   // entry blobs for the absent keys, not in the table

    [GlobalSetup]
    public void Setup()
    {
        _arena = new Arena();
        _table = new KeyTable(_arena);
        byte[] all = Keys.Block("key:", 0, Preloaded);
        for (int i = 0; i < Preloaded; i++)
        {
            ReadOnlySpan<byte> key = Keys.At(all, i);
            _table.Insert(Keys.NewEntry(_arena, key), KeyHash.Hash(key));
        }
        int[] picks = Keys.RandomIndexes(Probes, Preloaded, seed: 1);
        _present = new byte[Probes * Keys.Width];
        for (int i = 0; i < Probes; i++) Keys.At(all, picks[i]).CopyTo(_present.AsSpan(i * Keys.Width));
        _absent = Keys.Block("new:", 0, Probes);
        _fresh = new nint[Probes];
        for (int i = 0; i < Probes; i++) _fresh[i] = (nint)Keys.NewEntry(_arena, Keys.At(_absent, i));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _table.Dispose();
        _arena.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Probes)]
    public nint GetHit()
    {
        nint found = 0;
        for (int i = 0; i < Probes; i++)
        {
            ReadOnlySpan<byte> key = Keys.At(_present, i);
            found += (nint)_table.Find(key, KeyHash.Hash(key));
        }
        return found;
    }

    [Benchmark(OperationsPerInvoke = Probes)]
    public nint GetMiss()
    {
        nint found = 0;
        for (int i = 0; i < Probes; i++)
        {
            ReadOnlySpan<byte> key = Keys.At(_absent, i);
            found += (nint)_table.Find(key, KeyHash.Hash(key));
        }
        return found;
    }

    /// <summary>Insert of an absent key, then its removal.</summary>
    [Benchmark(OperationsPerInvoke = Probes)]
    public nint SetInsertRemove()
    {
        nint removed = 0;
        for (int i = 0; i < Probes; i++)
        {
            ReadOnlySpan<byte> key = Keys.At(_absent, i);
            ulong hash = KeyHash.Hash(key);
            _table.Insert((byte*)_fresh[i], hash);
            removed += (nint)_table.Remove(key, hash);
        }
        return removed;
    }

    /// <summary>Removal of a present key, then putting it back.</summary>
    [Benchmark(OperationsPerInvoke = Probes)]
    public nint DeleteRemoveInsert()
    {
        nint removed = 0;
        for (int i = 0; i < Probes; i++)
        {
            ReadOnlySpan<byte> key = Keys.At(_present, i);
            ulong hash = KeyHash.Hash(key);
            byte* e = _table.Remove(key, hash);
            _table.Insert(e, hash);
            removed += (nint)e;
        }
        return removed;
    }
}
