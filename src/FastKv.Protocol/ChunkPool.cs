using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;

namespace FastKv.Protocol;

/// <summary>
/// A shard's native memory for connection buffers: fixed-size chunks of <see cref="ChunkSize"/> bytes for
/// input and output, and blocks of any size for what does not fit one chunk (a large bulk argument being
/// read). Nothing here is on the GC heap, so a storm of connections or a huge reply never grows it.
/// <para>
/// Chunks are carved from anonymous mappings ("runs", 1 MiB growing to 32 MiB, as the arena maps its pages).
/// A returned chunk goes on the warm list (memory kept, reused first, cache-hot) while that list holds fewer
/// than <see cref="MaxWarm"/> or than the most chunks rented at once lately (this window's peak, or the last
/// window's: <see cref="TakePeakRentedChunks"/> closes a window); past that, and for every warm chunk
/// <see cref="Trim"/> gives up when the shard idles, the chunk is madvise(MADV_DONTNEED)-ed: its memory returns to
/// the OS at once, its address stays on the cold list for reuse. So RSS follows the buffers in use, not an old
/// peak, and a working set of more than <see cref="MaxWarm"/> chunks (a hundred connections each with a reply in
/// flight) is not given back and faulted in again at every send (perf/RESULTS.md, 2026-12-05). Blocks larger than
/// a chunk are their own mapping, unmapped when returned.
/// </para>
/// <para>
/// Single-threaded: only the owning shard thread rents and returns. <see cref="RentedBytes"/> may be read
/// from any thread (INFO), as a plain volatile counter.
/// </para>
/// </summary>
public sealed unsafe partial class ChunkPool : IDisposable
{
    public const int ChunkSize = 16 * 1024;
    /// <summary>Warm chunks kept beyond the ones in use (1 MiB per shard).</summary>
    public const int MaxWarm = 64;
    const nuint FirstRunBytes = 1 << 20, MaxRunBytes = 32 << 20;
    const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20;
    const int MadvDontNeed = 4, MadvNoHugePage = 15;
    const nuint OsPage = 4096;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* SysMmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);
    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int SysMunmap(void* addr, nuint length);
    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int SysMadvise(void* addr, nuint length, int advice);

    /// <summary>Untouched chunks of the newest run: [_runNext, _runEnd).</summary>
    byte* _runNext, _runEnd;
    nuint _nextRunBytes = FirstRunBytes;
    /// <summary>Every run, as (start, length) pairs, for Dispose.</summary>
    nuint* _runs;
    int _runCount, _runCapacity;
    /// <summary>Returned chunks whose memory is still resident, most recent last.</summary>
    byte** _warm;
    int _warmCount, _warmCapacity = MaxWarm;
    /// <summary>The last closed window's peak of rented chunks (<see cref="TakePeakRentedChunks"/>).</summary>
    int _lastPeak;
    /// <summary>Returned chunks already given back to the OS (their addresses only).</summary>
    byte** _cold;
    int _coldCount, _coldCapacity;
    long _rentedBytes;
    bool _disposed;

    public ChunkPool()
    {
        _warm = (byte**)NativeMemory.Alloc(MaxWarm, (nuint)sizeof(byte*));
    }

    /// <summary>Bytes rented out now (chunks and large blocks): the connections' buffer memory.</summary>
    public long RentedBytes => Volatile.Read(ref _rentedBytes);

    /// <summary>Chunks kept resident for reuse, not rented.</summary>
    public int WarmChunks => _warmCount;

    /// <summary>Chunks rented out now.</summary>
    public int RentedChunks => _rentedChunks;

    int _rentedChunks;
    int _peakRentedChunks;

    /// <summary>The most chunks rented at once since the last call (starting again from those rented now).</summary>
    public int TakePeakRentedChunks()
    {
        int peak = _peakRentedChunks;
        _peakRentedChunks = _rentedChunks;
        _lastPeak = peak;
        return peak;
    }

    /// <summary>A chunk of <see cref="ChunkSize"/> bytes, contents undefined.</summary>
    public byte* Rent()
    {
        Debug.Assert(!_disposed);
        byte* chunk;
        // _warm[0.._warmCount) and _cold[0.._coldCount) hold returned chunks of our runs; [_runNext, _runEnd) is untaken.
        if (_warmCount > 0) chunk = _warm[--_warmCount];
        else if (_coldCount > 0) chunk = _cold[--_coldCount];
        else
        {
            if (_runNext == _runEnd) MapRun();
            chunk = _runNext;
            _runNext += ChunkSize;
        }
        Volatile.Write(ref _rentedBytes, _rentedBytes + ChunkSize);
        if (++_rentedChunks > _peakRentedChunks) _peakRentedChunks = _rentedChunks;
        return chunk;
    }

    /// <summary>Takes back a chunk from <see cref="Rent"/>.</summary>
    public void Return(byte* chunk)
    {
        Debug.Assert(chunk != null && !_disposed);
        Volatile.Write(ref _rentedBytes, _rentedBytes - ChunkSize);
        _rentedChunks--;
        if (_warmCount < Math.Max(MaxWarm, Math.Max(_peakRentedChunks, _lastPeak)))
        {
            if (_warmCount == _warmCapacity) GrowWarm();
            _warm[_warmCount++] = chunk; // _warm has _warmCapacity slots
        }
        else MakeCold(chunk);
    }

    void GrowWarm()
    {
        int capacity = _warmCapacity * 2;
        var grown = (byte**)NativeMemory.Realloc(_warm, (nuint)capacity * (nuint)sizeof(byte*));
        if (grown == null) throw new OutOfMemoryException();
        _warm = grown;
        _warmCapacity = capacity;
    }

    /// <summary>Gives the memory of all but <paramref name="keep"/> warm chunks back to the OS (the shard idles).</summary>
    public void Trim(int keep)
    {
        while (_warmCount > Math.Max(0, keep)) MakeCold(_warm[--_warmCount]);
    }

    /// <summary>The size a large block of <paramref name="size"/> bytes really takes (whole OS pages).</summary>
    public static nuint LargeSize(nuint size) => (size + OsPage - 1) & ~(OsPage - 1);

    /// <summary>A block of at least <paramref name="size"/> bytes (its own mapping), zero-filled.</summary>
    public byte* RentLarge(nuint size)
    {
        byte* p = MapBlock(size);
        Volatile.Write(ref _rentedBytes, _rentedBytes + (long)LargeSize(size));
        return p;
    }

    /// <summary>Unmaps a block from <see cref="RentLarge"/> of the same <paramref name="size"/>.</summary>
    public void ReturnLarge(byte* p, nuint size)
    {
        UnmapBlock(p, size);
        Volatile.Write(ref _rentedBytes, _rentedBytes - (long)LargeSize(size));
    }

    /// <summary>
    /// A block of at least <paramref name="size"/> bytes in its own mapping, counted by no pool: any thread may map
    /// it and any thread may give it back with <see cref="UnmapBlock"/>.
    /// </summary>
    public static byte* MapBlock(nuint size)
    {
        nuint bytes = LargeSize(size);
        byte* p = (byte*)SysMmap(null, bytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (p == (byte*)-1 || p == null) throw new OutOfMemoryException("mmap of " + bytes + " bytes failed");
        return p;
    }

    /// <summary>Unmaps a block from <see cref="MapBlock"/> (or <see cref="RentLarge"/>) of the same <paramref name="size"/>.</summary>
    public static void UnmapBlock(byte* p, nuint size)
    {
        // p..p+LargeSize(size) is exactly the mapping MapBlock made for this size.
        int rc = SysMunmap(p, LargeSize(size));
        Debug.Assert(rc == 0);
    }

    void MakeCold(byte* chunk)
    {
        // chunk is a whole chunk of one of our runs (chunks are page-aligned), so the advice touches nothing else.
        SysMadvise(chunk, ChunkSize, MadvDontNeed);
        if (_coldCount == _coldCapacity)
        {
            int capacity = Math.Max(256, _coldCapacity * 2);
            var grown = (byte**)NativeMemory.Realloc(_cold, (nuint)capacity * (nuint)sizeof(byte*));
            if (grown == null) throw new OutOfMemoryException(); // the chunk is lost to reuse, not to the OS
            _cold = grown;
            _coldCapacity = capacity;
        }
        _cold[_coldCount++] = chunk;
    }

    void MapRun()
    {
        nuint bytes = _nextRunBytes;
        if (_nextRunBytes < MaxRunBytes) _nextRunBytes *= 2;
        byte* start = (byte*)SysMmap(null, bytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (start == (byte*)-1 || start == null) throw new OutOfMemoryException("mmap of " + bytes + " bytes failed");
        // start..start+bytes is the mapping just made; no huge pages, so one touched chunk costs one chunk.
        SysMadvise(start, bytes, MadvNoHugePage);
        if (_runCount == _runCapacity)
        {
            int capacity = Math.Max(8, _runCapacity * 2);
            var grown = (nuint*)NativeMemory.Realloc(_runs, (nuint)capacity * 2 * (nuint)sizeof(nuint));
            if (grown == null)
            {
                SysMunmap(start, bytes);
                throw new OutOfMemoryException();
            }
            _runs = grown;
            _runCapacity = capacity;
        }
        _runs[2 * _runCount] = (nuint)start;
        _runs[2 * _runCount + 1] = bytes;
        _runCount++;
        _runNext = start;
        _runEnd = start + bytes;
    }

    /// <summary>Unmaps every run; chunks still rented become invalid (the shard is gone).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int i = 0; i < _runCount; i++)
        {
            // Each (start, length) is a mapping made by MapRun and not unmapped since.
            SysMunmap((void*)_runs[2 * i], _runs[2 * i + 1]);
        }
        NativeMemory.Free(_runs);
        NativeMemory.Free(_cold);
        NativeMemory.Free(_warm);
        _runs = null;
        _cold = null;
        _warm = null;
        _runCount = _runCapacity = _coldCount = _coldCapacity = _warmCount = _warmCapacity = 0;
        _runNext = _runEnd = null;
    }
}
