using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FastKv.Memory;

// Where pages come from: runs of 64 KiB-aligned pages mapped straight from the kernel.
//
// Not malloc: glibc serves aligned_alloc(64 KiB, 64 KiB) by taking a 128 KiB chunk and keeping the aligned
// half, and the chunk header it writes just below that half makes one more 4 KiB page resident per arena
// page (about 6% of all data, measured with /proc/PID/smaps on 100k small hashes).
//
// A run is one anonymous mmap, trimmed to a 64 KiB boundary, handed out a page at a time; pages nobody has
// taken yet are only address space, the kernel backs them on first touch. A page the arena gives back is
// madvise(MADV_DONTNEED)-ed (its memory returns to the OS at once and reads back as zeros) and kept for
// reuse, so its address range stays mapped and the number of mappings stays at the number of runs.
// Runs grow from 1 MiB to 32 MiB, so a small arena (a test, an idle shard) maps little and a big one
// few runs. Runs are marked MADV_NOHUGEPAGE: with transparent huge pages set to "always", touching one
// page of a run could make 2 MiB resident.
public sealed unsafe partial class Arena
{
    const nuint FirstRunBytes = 1 << 20, MaxRunBytes = 32 << 20;

    /// <summary>Untouched pages of the newest run: [_runNext, _runEnd).</summary>
    byte* _runNext, _runEnd;
    /// <summary>Every run mapped, as (start, length) pairs, for Dispose.</summary>
    nuint* _runs;
    int _runCount, _runCapacity;
    nuint _nextRunBytes = FirstRunBytes;
    /// <summary>Pages given back (already madvised), reused before the run is carved further.</summary>
    byte** _freePages;
    int _freePageCount, _freePageCapacity;

    const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20;
    const int MadvDontNeed = 4, MadvNoHugePage = 15;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* SysMmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);
    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int SysMunmap(void* addr, nuint length);
    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int SysMadvise(void* addr, nuint length, int advice);

    /// <summary>A 64 KiB-aligned page of <see cref="PageSize"/> bytes, contents undefined.</summary>
    byte* TakePage()
    {
        // _freePages[0.._freePageCount) are pages of our runs; [_runNext, _runEnd) is untaken space of the newest run.
        if (_freePageCount > 0) return _freePages[--_freePageCount];
        if (_runNext == _runEnd) MapRun();
        byte* page = _runNext;
        _runNext += PageSize;
        return page;
    }

    /// <summary>Gives a page's memory back to the OS and keeps its address for <see cref="TakePage"/>.</summary>
    void ReturnPage(byte* page)
    {
        // page is a whole page of one of our runs, so the advice covers nothing else.
        SysMadvise(page, PageSize, MadvDontNeed);
        if (_freePageCount == _freePageCapacity)
        {
            int capacity = Math.Max(64, _freePageCapacity * 2);
            var grown = (byte**)NativeMemory.Realloc(_freePages, (nuint)capacity * (nuint)sizeof(byte*));
            if (grown == null) ThrowOutOfMemory(); // the page stays advised and unlisted: only its address is lost
            _freePages = grown;
            _freePageCapacity = capacity;
        }
        _freePages[_freePageCount++] = page;
    }

    void MapRun()
    {
        nuint bytes = _nextRunBytes;
        if (_nextRunBytes < MaxRunBytes) _nextRunBytes *= 2;
        // Map one page more than needed and cut the ends so the run starts on a 64 KiB boundary.
        byte* raw = (byte*)SysMmap(null, bytes + PageSize, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (raw == (byte*)-1 || raw == null) ThrowOutOfMemory();
        byte* start = (byte*)(((nuint)raw + PageMask) & ~PageMask);
        nuint head = (nuint)(start - raw), tail = PageSize - head;
        // Both cuts lie inside the mapping just made, outside [start, start + bytes).
        if (head != 0) SysMunmap(raw, head);
        if (tail != 0) SysMunmap(start + bytes, tail);
        SysMadvise(start, bytes, MadvNoHugePage);
        if (_runCount == _runCapacity)
        {
            int capacity = Math.Max(8, _runCapacity * 2);
            var grown = (nuint*)NativeMemory.Realloc(_runs, (nuint)capacity * 2 * (nuint)sizeof(nuint));
            if (grown == null)
            {
                SysMunmap(start, bytes); // start..start+bytes is the mapping just made
                ThrowOutOfMemory();
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

    /// <summary>Unmaps every run (Dispose): every page ever taken, held or given back, goes with them.</summary>
    void UnmapRuns()
    {
        for (int i = 0; i < _runCount; i++)
        {
            // Each (start, length) is a mapping made by MapRun and not unmapped since.
            int rc = SysMunmap((void*)_runs[2 * i], _runs[2 * i + 1]);
            Debug.Assert(rc == 0);
        }
        NativeMemory.Free(_runs);
        NativeMemory.Free(_freePages);
        _runs = null;
        _freePages = null;
        _runCount = _runCapacity = _freePageCount = _freePageCapacity = 0;
        _runNext = _runEnd = null;
    }
}
