using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastKv.Memory;

// The size-class table: which block size a request is rounded to, and how many blocks of that
// size one page holds.
//
// Nominal sizes: 16, 24, 32, 48, 64, 80, 96, 112, 128, then four per power of two
// (160, 192, 224, 256, 320, ... 14336, 16384), and from 2 KB up the size of which a page holds exactly
// PageSize / p blocks for each power of two p (2040 for 2048). Each nominal size is then widened to
// RoundDown8(PageUsable / blocksPerPage), so a page's tail is never wasted by more than 7 bytes per
// block: 16384 becomes 21824 (3 per page), 8192 becomes 9352 (7 per page). Callers use the slack as
// capacity (Arena.UsableSize tells them how much they got).
//
// Lookup is one byte table indexed by (size + 7) >> 3, built once at type initialization.
public sealed unsafe partial class Arena
{
    /// <summary>Nominal sizes before widening to fill the page.</summary>
    static readonly uint[] NominalSizes = BuildNominalSizes();

    /// <summary>Block size of each class, ascending.</summary>
    static readonly uint[] ClassSizes = BuildClassSizes(NominalSizes);

    /// <summary>Number of size classes.</summary>
    public static int ClassCount => ClassSizes.Length;

    /// <summary>Largest request served from pages; anything larger is a large allocation.</summary>
    public static readonly nuint MaxSmallSize = ClassSizes[^1];

    /// <summary>Class index for (size + 7) >> 3, for every size in 0..MaxSmallSize.</summary>
    static readonly byte[] ClassByUnits = BuildClassLookup(ClassSizes);

    /// <summary>Size of class <paramref name="classIndex"/> (for tests and statistics).</summary>
    public static nuint ClassSize(int classIndex) => ClassSizes[classIndex];

    /// <summary>Class index for a small request; caller guarantees size &lt;= MaxSmallSize.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int ClassOf(nuint size)
    {
        Debug.Assert(size <= MaxSmallSize);
        // (size + 7) >> 3 <= MaxSmallSize / 8 < ClassByUnits.Length, so the read stays in range.
        return Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(ClassByUnits), (nint)((size + 7) >> 3));
    }

    static uint[] BuildNominalSizes()
    {
        var sizes = new System.Collections.Generic.List<uint> { 16, 24, 32, 48, 64, 80, 96, 112, 128 };
        for (uint pow = 128; pow < 16384; pow <<= 1)
        {
            uint step = pow / 4;
            for (uint k = 1; k <= 4; k++) sizes.Add(pow + k * step);
        }
        // From 2 KB up, a power of two p widens past itself (the page header leaves room for one block fewer: 2048
        // becomes 2112), where jemalloc's class is p itself; so each also gets the class of PageSize / p blocks, just
        // under p. A full stream node (~2000 bytes at 100 small entries) or an 8 KB quicklist node then fits under it.
        for (uint pow = 2048; pow <= 16384; pow <<= 1) sizes.Add(PageUsable / (PageSize / pow));
        sizes.Sort();
        return sizes.ToArray();
    }

    static uint[] BuildClassSizes(uint[] nominal)
    {
        var sizes = new System.Collections.Generic.List<uint>(nominal.Length);
        uint prevBlocks = 0;
        foreach (uint n in nominal)
        {
            uint blocks = PageUsable / n;
            if (blocks == prevBlocks) continue; // widening would give the previous class again
            uint size = (PageUsable / blocks) & ~7u;
            Debug.Assert(size >= n && size % 8 == 0);
            Debug.Assert(sizes.Count == 0 || size > sizes[^1]);
            sizes.Add(size);
            prevBlocks = blocks;
        }
        Debug.Assert(sizes.Count <= byte.MaxValue);
        return sizes.ToArray();
    }

    static byte[] BuildClassLookup(uint[] classSizes)
    {
        uint max = classSizes[^1];
        var table = new byte[max / 8 + 1];
        int c = 0;
        for (uint units = 0; units < (uint)table.Length; units++)
        {
            while (classSizes[c] < units * 8) c++;
            table[units] = (byte)c;
        }
        return table;
    }
}
