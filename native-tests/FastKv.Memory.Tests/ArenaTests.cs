using System;
using System.Collections.Generic;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

public unsafe class ArenaTests
{
    /// <summary>Sizes at, just below and just above every class boundary, plus large ones.</summary>
    static List<nuint> BoundarySizes()
    {
        var sizes = new List<nuint> { 1, 7, 8, 9 };
        for (int c = 0; c < Arena.ClassCount; c++)
        {
            nuint s = Arena.ClassSize(c);
            sizes.Add(s - 1);
            sizes.Add(s);
            sizes.Add(s + 1);
        }
        sizes.Add(Arena.MaxSmallSize * 2);
        sizes.Add(1 << 20);
        sizes.Add(3 * 1024 * 1024 + 5);
        return sizes;
    }

    [Fact]
    public void ClassesAreAscendingAlignedAndFillPages()
    {
        nuint prev = 0;
        for (int c = 0; c < Arena.ClassCount; c++)
        {
            nuint s = Arena.ClassSize(c);
            Assert.True(s > prev);
            Assert.Equal(0u, (uint)(s % 8));
            prev = s;
        }
        Assert.Equal(16u, (uint)Arena.ClassSize(0));
        Assert.True(Arena.MaxSmallSize >= 16 * 1024);
    }

    [Fact]
    public void FromTwoKbUp_ABlockJustUnderAPowerOfTwoStaysUnderIt()
    {
        // jemalloc's classes there are the powers of two themselves: a full stream node (~2000 bytes) or an 8 KB
        // quicklist node must not pay a widened class (2112 for 2048) more than Redis pays.
        for (nuint p = 2048; p <= 16384; p <<= 1)
        {
            Assert.True(Arena.UsableSize(p - 16) <= p, $"{p - 16} bytes take {Arena.UsableSize(p - 16)}");
            Assert.True(Arena.UsableSize(p - 16) >= p - 16);
        }
        Assert.Equal((nuint)2040, Arena.UsableSize(2000));
    }

    [Fact]
    public void UsableSizeIsSmallestClassThatFits()
    {
        for (nuint size = 1; size <= Arena.MaxSmallSize; size++)
        {
            nuint u = Arena.UsableSize(size);
            Assert.True(u >= size);
            // No smaller class would have fit.
            for (int c = 0; c < Arena.ClassCount; c++)
            {
                if (Arena.ClassSize(c) >= size) { Assert.Equal(Arena.ClassSize(c), u); break; }
            }
        }
        Assert.Equal(Arena.MaxSmallSize + 8, Arena.UsableSize(Arena.MaxSmallSize + 1));
    }

    [Fact]
    public void EveryBoundarySizeIsAlignedWritableAndAccounted()
    {
        using var arena = new Arena();
        var live = new List<(IntPtr P, nuint Size)>();
        long used = 0;
        foreach (nuint size in BoundarySizes())
        {
            byte* p = arena.Alloc(size);
            Assert.Equal(0, (long)p & 7);
            new Span<byte>(p, (int)Arena.UsableSize(size)).Fill(0xAB);
            used += (long)Arena.UsableSize(size);
            Assert.Equal(used, arena.UsedBytes);
            live.Add(((IntPtr)p, size));
        }
        foreach (var (p, size) in live)
        {
            arena.Free((byte*)p, size);
            used -= (long)Arena.UsableSize(size);
            Assert.Equal(used, arena.UsedBytes);
        }
        Assert.Equal(0, arena.UsedBytes);
        arena.TrimSpares();
        Assert.Equal(0, arena.PagesHeld);
        Assert.Equal(0, arena.ReservedBytes);
    }

    [Theory]
    [InlineData(1, 200, 64)]
    [InlineData(2, 4000, 64)]
    [InlineData(3, 30000, 512)]
    [InlineData(4, 20000, 40000)]
    public void RandomAllocFreeMatchesModel(int seed, int ops, int maxSize)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        var live = new List<(IntPtr P, nuint Size, byte Tag)>();
        long used = 0;
        for (int i = 0; i < ops; i++)
        {
            bool alloc = live.Count == 0 || rng.Next(100) < 60;
            if (alloc)
            {
                nuint size = (nuint)(rng.Next(8) == 0 ? rng.Next(1, 70000) : rng.Next(1, maxSize + 1));
                byte* p = arena.Alloc(size);
                Assert.Equal(0, (long)p & 7);
                byte tag = (byte)rng.Next(1, 256);
                nuint usable = Arena.UsableSize(size);
                new Span<byte>(p, (int)usable).Fill(tag);
                live.Add(((IntPtr)p, size, tag));
                used += (long)usable;
            }
            else
            {
                int k = rng.Next(live.Count);
                var (p, size, tag) = live[k];
                AssertFilled((byte*)p, Arena.UsableSize(size), tag);
                if (rng.Next(4) == 0)
                {
                    // Realloc keeps the prefix.
                    nuint newSize = (nuint)rng.Next(1, maxSize * 2 + 1);
                    byte* q = arena.Realloc((byte*)p, size, newSize);
                    AssertFilled(q, Math.Min(Arena.UsableSize(size), Arena.UsableSize(newSize)), tag);
                    new Span<byte>(q, (int)Arena.UsableSize(newSize)).Fill(tag);
                    used += (long)Arena.UsableSize(newSize) - (long)Arena.UsableSize(size);
                    live[k] = ((IntPtr)q, newSize, tag);
                }
                else
                {
                    // Free with the usable size half the time: any size of the same class is accepted.
                    arena.Free((byte*)p, rng.Next(2) == 0 ? size : Arena.UsableSize(size));
                    used -= (long)Arena.UsableSize(size);
                    live[k] = live[^1];
                    live.RemoveAt(live.Count - 1);
                }
            }
            Assert.Equal(used, arena.UsedBytes);
        }
        // No allocation was overwritten by another one.
        foreach (var (p, size, tag) in live) AssertFilled((byte*)p, Arena.UsableSize(size), tag);
        foreach (var (p, size, _) in live) arena.Free((byte*)p, size);
        Assert.Equal(0, arena.UsedBytes);
        Assert.True(arena.PagesHeld <= Arena.ClassCount, "at most one spare page per class");
        arena.TrimSpares();
        Assert.Equal(0, arena.PagesHeld);
        Assert.Equal(0, arena.ReservedBytes);
    }

    [Fact]
    public void EmptyPagesGoBackToTheOs()
    {
        using var arena = new Arena();
        var blocks = new List<IntPtr>();
        for (int i = 0; i < 100_000; i++) blocks.Add((IntPtr)arena.Alloc(32));
        int peak = arena.PagesHeld;
        Assert.True(peak >= 100_000 * 32 / Arena.PageSize);
        foreach (IntPtr p in blocks) arena.Free((byte*)p, 32);
        Assert.Equal(1, arena.PagesHeld); // the spare
        // Re-allocating reuses the spare instead of asking the OS.
        byte* again = arena.Alloc(30); // same class as 32
        Assert.Equal(1, arena.PagesHeld);
        arena.Free(again, 30);
    }

    [Fact]
    public void PageAllocFreeAtBoundaryDoesNotThrash()
    {
        using var arena = new Arena();
        nuint size = Arena.ClassSize(Arena.ClassCount - 1);
        var a = (IntPtr)arena.Alloc(size);
        for (int i = 0; i < 1000; i++)
        {
            byte* p = arena.Alloc(size);
            arena.Free(p, size);
        }
        Assert.True(arena.PagesHeld <= 2);
        arena.Free((byte*)a, size);
    }

    [Fact]
    public void DisposeFreesEverythingWithLiveBlocks()
    {
        var arena = new Arena();
        for (int i = 0; i < 1000; i++) arena.Alloc((nuint)(i * 37 % 30000 + 1));
        Assert.True(arena.ReservedBytes > 0);
        arena.Dispose();
        Assert.Equal(0, arena.PagesHeld);
        Assert.Equal(0, arena.ReservedBytes);
        arena.Dispose(); // idempotent
    }

    static void AssertFilled(byte* p, nuint len, byte tag)
    {
        var span = new ReadOnlySpan<byte>(p, (int)len);
        int bad = span.IndexOfAnyExcept(tag);
        Assert.True(bad < 0, $"block corrupted at offset {bad}");
    }
}
