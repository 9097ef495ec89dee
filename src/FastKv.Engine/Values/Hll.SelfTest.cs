using System;
using System.Runtime.InteropServices;

namespace FastKv.Engine;

/// <summary>PFSELFTEST's checks, Redis's two tests on buffers of their own (no key is touched).</summary>
public static unsafe partial class Hll
{
    /// <summary>
    /// Largest sparse value: each register its own VAL with a ZERO run before it, plus the header. Room enough for
    /// any sparse value that updates build (and for a dense one).
    /// </summary>
    const int SparseWorstCase = HeaderSize + 2 * Registers + HllSparse.MaxGrowth;

    /// <summary>
    /// Redis's pfselftestCommand: (1) dense registers keep what is written to them, 1000 rounds of random values;
    /// (2) ten million distinct elements added to a dense and a sparse sketch side by side: the sparse one stays
    /// sparse while small, both count alike, and each power of ten is within six standard errors. Null when all
    /// pass, else Redis's TESTFAILED text.
    /// </summary>
    public static string? SelfTest(long sparseMaxBytes, Random rng)
    {
        byte* dense = (byte*)NativeMemory.AllocZeroed(DenseSize);
        byte* sparse = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(SparseWorstCase, DenseSize));
        byte* bytes = (byte*)NativeMemory.Alloc(Registers);
        try
        {
            byte* regs = dense + HeaderSize;
            for (int round = 0; round < 1000; round++)
            {
                for (int i = 0; i < Registers; i++)
                {
                    int r = rng.Next() & RegisterMax;
                    bytes[i] = (byte)r;
                    DenseWrite(regs, i, r);
                }
                for (int i = 0; i < Registers; i++)
                {
                    int got = DenseGet(regs, i);
                    if (got != bytes[i]) return $"TESTFAILED Register {i} should be {bytes[i]} but is {got}";
                }
            }

            new Span<byte>(regs, DenseRegisterBytes).Clear();
            WriteEmpty(new Span<byte>(sparse, HllSparse.EmptySize));
            int sparseLength = HllSparse.EmptySize;
            double relerr = 1.04 / Math.Sqrt(Registers);
            long checkpoint = 1;
            ulong seed = (ulong)(uint)rng.Next() | (ulong)(uint)rng.Next() << 32;
            ulong* ele = stackalloc ulong[1];
            var element = new ReadOnlySpan<byte>(ele, sizeof(ulong));
            for (long j = 1; j <= 10_000_000; j++)
            {
                *ele = (ulong)j ^ seed;
                int count = PatternLength(element, out int index);
                DenseSet(regs, index, count);
                if (sparse[4] == Dense) DenseSet(sparse + HeaderSize, index, count);
                else if (HllSparse.Set(sparse, ref sparseLength, index, count, sparseMaxBytes) == HllSparse.SetResult.Promote)
                {
                    PromoteInPlace(sparse, ref sparseLength);
                    DenseSet(sparse + HeaderSize, index, count);
                }
                if (j != checkpoint) continue;
                if (j < sparseMaxBytes / 2 && sparse[4] != Sparse) return "TESTFAILED sparse encoding not used";
                TryCount(dense, DenseSize, out ulong fromDense);
                TryCount(sparse, sparseLength, out ulong fromSparse);
                if (fromDense != fromSparse) return "TESTFAILED dense/sparse disagree";
                long abserr = Math.Abs(checkpoint - (long)fromDense);
                long maxerr = (long)Math.Ceiling(relerr * 6 * checkpoint);
                // At 10 a collision is likely enough now and then to make the bound flaky (Redis's allowance).
                if (j == 10) maxerr = 1;
                if (abserr > maxerr) return $"TESTFAILED Too big error. card:{checkpoint} abserr:{abserr}";
                checkpoint *= 10;
            }
            return null;
        }
        finally
        {
            NativeMemory.Free(dense);
            NativeMemory.Free(sparse);
            NativeMemory.Free(bytes);
        }
    }

    /// <summary>A sparse value built by updates (so valid) turned dense where it is; the buffer holds <see cref="DenseSize"/>.</summary>
    static void PromoteInPlace(byte* v, ref int length)
    {
        byte* dense = stackalloc byte[DenseSize];
        HllSparse.ToDense(v, length, dense);
        Buffer.MemoryCopy(dense, v, DenseSize, DenseSize);
        length = DenseSize;
    }
}
