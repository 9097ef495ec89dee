using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>
/// KeyTable.RandomEntry (RANDOMKEY's sampler) gives every entry the same odds, whatever the table's shape:
/// one sparse segment, many full segments of mixed depths, many segments left nearly empty after deletes.
/// Each case samples with a fixed seed and applies Pearson's chi-square test to the counts per entry.
/// </summary>
public unsafe class KeyTableRandomEntryTests
{
    static byte* NewEntry(Arena arena, ReadOnlySpan<byte> key, int id)
    {
        int size = KeyEntry.SizeFor(key.Length, 4, hasExpire: false);
        int alloc = (int)Arena.UsableSize((nuint)size);
        byte* e = arena.Alloc((nuint)size);
        KeyEntry.Init(e, alloc, 0, 0, key, 4, -1);
        *(int*)KeyEntry.ValuePtr(e) = id;
        return e;
    }

    static void FreeEntry(Arena arena, byte* e) => arena.Free(e, (nuint)KeyEntry.AllocSize(e));

    static int IdOf(byte* e) => *(int*)KeyEntry.ValuePtr(e);

    /// <summary>
    /// Keeps <paramref name="keep"/> entries after inserting <paramref name="keep"/> + <paramref name="removed"/>
    /// and deleting the extra ones (so the table keeps the segments it grew), then samples.
    /// </summary>
    [Theory]
    [InlineData(2, 0)]          // one segment, nearly empty: the counting walk
    [InlineData(2, 30_000)]     // many segments, two entries left
    [InlineData(97, 0)]
    [InlineData(5_000, 0)]      // several segments of mixed depth, dense: the slot probes
    [InlineData(3_000, 40_000)] // grown, then mostly deleted: sparse over many segments
    public void EveryEntryHasTheSameOdds(int keep, int removed)
    {
        using var arena = new Arena();
        using var table = new KeyTable(arena);
        var doomed = new List<byte[]>();
        for (int i = 0; i < keep + removed; i++)
        {
            byte[] key = Encoding.ASCII.GetBytes("k" + i);
            table.Insert(NewEntry(arena, key, i), KeyHash.Hash(key));
            if (i >= keep) doomed.Add(key);
        }
        foreach (byte[] key in doomed) FreeEntry(arena, table.Remove(key, KeyHash.Hash(key)));
        Assert.Equal(keep, table.Count);

        int samples = Math.Max(keep * 40, 4_000);
        var counts = new int[keep];
        ulong rng = 0x2545F4914F6CDD1D;
        for (int s = 0; s < samples; s++)
        {
            byte* e = table.RandomEntry(ref rng);
            Assert.True(e != null);
            int id = IdOf(e);
            Assert.InRange(id, 0, keep - 1);
            counts[id]++;
        }

        double expected = (double)samples / keep;
        double chi = 0;
        int least = int.MaxValue, most = 0;
        foreach (int c in counts)
        {
            chi += (c - expected) * (c - expected) / expected;
            least = Math.Min(least, c);
            most = Math.Max(most, c);
        }
        // Chi-square with keep-1 degrees of freedom has mean df and deviation sqrt(2 df); six deviations
        // (plus a margin for df = 1) is far out in the tail for a uniform sampler and far below a biased
        // one (97% / 3% over 4,000 samples gives about 3,500).
        int df = keep - 1;
        double bound = df + 6 * Math.Sqrt(2.0 * df) + 10;
        Assert.True(chi < bound,
            $"chi-square {chi:F1} over {df} degrees of freedom (bound {bound:F1}); counts from {least} to {most}, expected {expected:F1} each, {table.SegmentCount} segments");
        Assert.True(least > 0, "an entry was never sampled");
    }
}
