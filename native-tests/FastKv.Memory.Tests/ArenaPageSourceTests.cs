using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>
/// Pages come from mapped runs (Arena.PageSource.cs): they are 64 KiB-aligned, only the pages in use are
/// resident (mincore(2) asks the kernel), a page the arena gives back stops being resident at once, and its
/// address is the next page handed out.
/// </summary>
public unsafe partial class ArenaPageSourceTests
{
    [LibraryImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static partial int MinCore(void* addr, nuint length, byte* vec);

    /// <summary>How many 4 KiB pages of the 64 KiB arena page holding <paramref name="p"/> are resident.</summary>
    static int ResidentPages(byte* p)
    {
        byte* page = (byte*)((nuint)p & ~(nuint)(Arena.PageSize - 1));
        byte* vec = stackalloc byte[Arena.PageSize / 4096];
        Assert.Equal(0, MinCore(page, Arena.PageSize, vec));
        int n = 0;
        for (int i = 0; i < Arena.PageSize / 4096; i++) n += vec[i] & 1;
        return n;
    }

    [Fact]
    public void GivenBackPages_LeaveMemory_AndAreReused()
    {
        using var arena = new Arena();
        const nuint size = 4096; // a class of its own: 15 blocks a page
        var blocks = new List<nuint>();
        for (int i = 0; i < 15 * 4; i++)
        {
            byte* b = arena.Alloc(size);
            new Span<byte>(b, (int)size).Fill(0xAB);
            blocks.Add((nuint)b);
        }
        var pages = new HashSet<nuint>();
        foreach (nuint b in blocks) pages.Add(b & ~(nuint)(Arena.PageSize - 1));
        Assert.Equal(4, pages.Count);
        Assert.Equal(4, arena.PagesHeld);
        foreach (nuint p in pages) Assert.Equal(0u, (uint)(p % Arena.PageSize));
        // Written blocks are resident.
        foreach (nuint b in blocks) Assert.True(ResidentPages((byte*)b) >= 15);

        // Empty every page: one stays as the class's spare, three go back to the OS.
        foreach (nuint b in blocks) arena.Free((byte*)b, size);
        Assert.Equal(1, arena.PagesHeld);
        int resident = 0;
        foreach (nuint p in pages) resident += ResidentPages((byte*)p) > 0 ? 1 : 0;
        Assert.Equal(1, resident);

        // The next pages reuse those addresses (the spare first), so the mapping does not grow.
        var again = new HashSet<nuint>();
        var blocks2 = new List<nuint>();
        for (int i = 0; i < 15 * 4; i++)
        {
            byte* b = arena.Alloc(size);
            blocks2.Add((nuint)b);
            again.Add((nuint)b & ~(nuint)(Arena.PageSize - 1));
        }
        Assert.Equal(pages, again);
        foreach (nuint b in blocks2) arena.Free((byte*)b, size);
        arena.TrimSpares();
        Assert.Equal(0, arena.PagesHeld);
        Assert.Equal(0, arena.ReservedBytes);
    }

    [Fact]
    public void ManyPages_AcrossRuns_AreDistinctAndAligned()
    {
        using var arena = new Arena();
        var pages = new HashSet<nuint>();
        // Runs of 1, 2 and 4 MiB (16, 32, 64 pages): 100 pages need the third. The largest class has three
        // blocks a page, so three allocations fill one page.
        for (int i = 0; i < 100; i++)
        {
            byte* b = arena.Alloc(Arena.MaxSmallSize);
            pages.Add((nuint)b & ~(nuint)(Arena.PageSize - 1));
            arena.Alloc(Arena.MaxSmallSize);
            arena.Alloc(Arena.MaxSmallSize);
        }
        Assert.Equal(100, pages.Count);
        Assert.Equal(100, arena.PagesHeld);
        foreach (nuint p in pages) Assert.Equal(0u, (uint)(p % Arena.PageSize));
    }
}
