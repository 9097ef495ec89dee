using System;
using System.Runtime.InteropServices;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// The HyperLogLog representations against a plain model (16384 one-byte registers): random register updates go
/// to a sparse sketch (promoted to dense as Redis would, at several hll-sparse-max-bytes) and to the model; after
/// each one the sketch's registers, histogram and count equal the model's. Corrupt sparse bodies never make a walk
/// or an update read or write outside the value and the room its caller made.
/// </summary>
public unsafe class HllRepresentationTests
{
    /// <summary>A sketch in a native buffer with room for any sparse value, plus a guard zone checked after each step.</summary>
    sealed class Sketch : IDisposable
    {
        public const int Capacity = Hll.HeaderSize + 2 * Hll.Registers + 16;
        const int Guard = 64;
        public readonly byte* V = (byte*)NativeMemory.AllocZeroed((nuint)(Capacity + Guard));
        public int Length;

        public void GuardIntact(int limit)
        {
            for (int i = limit; i < Capacity + Guard; i++)
                Assert.True(V[i] == 0xA5, $"byte {i} past the allowed {limit} was written");
        }

        public void FillGuard(int from) => new Span<byte>(V + from, Capacity + Guard - from).Fill(0xA5);

        public void Dispose() => NativeMemory.Free(V);
    }

    /// <summary>PFADD's register update on a buffer: sparse with promotion, or dense.</summary>
    static int SetRegister(Sketch s, int index, int count, long maxBytes)
    {
        if (s.V[4] == Hll.Dense) return Hll.DenseSet(s.V + Hll.HeaderSize, index, count) ? 1 : 0;
        HllSparse.SetResult r = HllSparse.Set(s.V, ref s.Length, index, count, maxBytes);
        if (r != HllSparse.SetResult.Promote) return (int)r;
        byte[] dense = new byte[Hll.DenseSize];
        fixed (byte* d = dense)
        {
            Assert.True(HllSparse.ToDense(s.V, s.Length, d));
            dense.CopyTo(new Span<byte>(s.V, Hll.DenseSize));
        }
        s.Length = Hll.DenseSize;
        Assert.True(Hll.DenseSet(s.V + Hll.HeaderSize, index, count));
        return 1;
    }

    static byte[] Registers(Sketch s)
    {
        var regs = new byte[Hll.Registers];
        fixed (byte* r = regs)
        {
            if (s.V[4] == Hll.Dense) Hll.DenseMergeInto(s.V + Hll.HeaderSize, r);
            else Assert.True(HllSparse.MergeInto(s.V + Hll.HeaderSize, s.Length - Hll.HeaderSize, r));
        }
        return regs;
    }

    static ulong ModelCount(byte[] model)
    {
        int* histo = stackalloc int[Hll.HistogramSize];
        new Span<int>(histo, Hll.HistogramSize).Clear();
        fixed (byte* m = model) Hll.RawHistogram(m, histo);
        return Hll.Estimate(histo);
    }

    [Theory]
    [InlineData(1, 3000)]
    [InlineData(2, 300)]
    [InlineData(3, 0)]
    [InlineData(4, 100000)]
    public void SparseAndDenseKeepTheModelsRegistersAndCount(int seed, long maxBytes)
    {
        var rng = new Random(seed);
        var model = new byte[Hll.Registers];
        using var s = new Sketch();
        Hll.WriteEmpty(new Span<byte>(s.V, HllSparse.EmptySize));
        s.Length = HllSparse.EmptySize;
        int sparseSteps = 0;
        for (int step = 0; step < 4000; step++)
        {
            // Clustered indexes make VAL runs (and merges); small counts mostly, past 32 only late (that promotes).
            int index = rng.Next(3) == 0 ? rng.Next(64) : rng.Next(Hll.Registers);
            int count = step > 3000 && rng.Next(20) == 0 ? 33 + rng.Next(18) : 1 + rng.Next(rng.Next(2) == 0 ? 3 : 32);
            int before = s.Length;
            int r = SetRegister(s, index, count, maxBytes);
            bool rises = count > model[index];
            Assert.Equal(rises ? 1 : 0, r);
            if (rises) model[index] = (byte)count;
            if (s.V[4] == Hll.Sparse) sparseSteps++;
            if (step % 97 == 0 || s.Length != before)
            {
                Assert.Equal(model, Registers(s));
                Assert.True(Hll.TryCount(s.V, s.Length, out ulong card));
                Assert.Equal(ModelCount(model), card);
            }
            if (s.V[4] == Hll.Sparse) Assert.True(s.Length <= Math.Max(maxBytes, HllSparse.EmptySize));
        }
        Assert.Equal(Hll.Dense, s.V[4]);
        if (maxBytes >= 3000) Assert.True(sparseSteps >= 1000, "the sketch turned dense after " + sparseSteps + " updates");
    }

    /// <summary>PFCOUNT's union of sparse sketches keeps its histogram while merging: it equals the histogram
    /// counted from the union's registers afterwards.</summary>
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void ASparseUnionKeepsItsHistogram(int seed)
    {
        var rng = new Random(seed);
        using var a = new Sketch();
        using var b = new Sketch();
        var union = new byte[Hll.Registers];
        int* kept = stackalloc int[Hll.HistogramSize];
        int* counted = stackalloc int[Hll.HistogramSize];
        for (int round = 0; round < 20; round++)
        {
            foreach (Sketch s in new[] { a, b })
            {
                Hll.WriteEmpty(new Span<byte>(s.V, HllSparse.EmptySize));
                s.Length = HllSparse.EmptySize;
                for (int n = rng.Next(1500); n > 0; n--)
                    SetRegister(s, rng.Next(4) == 0 ? rng.Next(200) : rng.Next(Hll.Registers), 1 + rng.Next(rng.Next(2) == 0 ? 3 : 32), 100000);
                Assert.Equal(Hll.Sparse, s.V[4]);
            }
            Array.Clear(union);
            new Span<int>(kept, Hll.HistogramSize).Clear();
            kept[0] = Hll.Registers;
            fixed (byte* u = union)
            {
                Assert.True(HllSparse.MergeInto(a.V + Hll.HeaderSize, a.Length - Hll.HeaderSize, u, kept));
                Assert.True(HllSparse.MergeInto(b.V + Hll.HeaderSize, b.Length - Hll.HeaderSize, u, kept));
                new Span<int>(counted, Hll.HistogramSize).Clear();
                Hll.RawHistogram(u, counted);
            }
            Assert.Equal(new Span<int>(counted, Hll.HistogramSize).ToArray(), new Span<int>(kept, Hll.HistogramSize).ToArray());
        }
    }

    [Fact]
    public void AnEmptySketchIsRedisBytesAndCountsZero()
    {
        var v = new byte[HllSparse.EmptySize];
        Hll.WriteEmpty(v);
        Assert.Equal("HYLL\u0001\0\0\0\0\0\0\0\0\0\0\0\u007f\u00ff", System.Text.Encoding.Latin1.GetString(v));
        fixed (byte* p = v)
        {
            Assert.True(Hll.TryCount(p, v.Length, out ulong card));
            Assert.Equal(0UL, card);
        }
    }

    [Fact]
    public void CorruptSparseBodiesStayInsideTheValue()
    {
        var rng = new Random(7);
        using var s = new Sketch();
        var max = new byte[Hll.Registers];
        var dense = new byte[Hll.DenseSize];
        int* histo = stackalloc int[Hll.HistogramSize];
        for (int round = 0; round < 20000; round++)
        {
            int body = rng.Next(40);
            s.Length = Hll.HeaderSize + body;
            Hll.WriteEmpty(new Span<byte>(s.V, HllSparse.EmptySize));
            for (int i = 0; i < body; i++)
                s.V[Hll.HeaderSize + i] = rng.Next(3) == 0 ? (byte)(0x40 | rng.Next(0x40)) : (byte)rng.Next(256);
            s.FillGuard(s.Length);
            new Span<int>(histo, Hll.HistogramSize).Clear();
            HllSparse.Histogram(s.V + Hll.HeaderSize, body, histo);
            Array.Clear(max);
            fixed (byte* m = max) HllSparse.MergeInto(s.V + Hll.HeaderSize, body, m);
            fixed (byte* d = dense) HllSparse.ToDense(s.V, s.Length, d);
            HllSparse.Decode(s.V + Hll.HeaderSize, body);
            s.GuardIntact(s.Length);
            // An update may use the room its caller makes, no more.
            int room = s.Length + HllSparse.MaxGrowth;
            new Span<byte>(s.V + s.Length, HllSparse.MaxGrowth).Clear();
            HllSparse.SetResult r = HllSparse.Set(s.V, ref s.Length, rng.Next(Hll.Registers), 1 + rng.Next(32), 3000);
            s.GuardIntact(room);
            Assert.InRange(s.Length, Hll.HeaderSize, room);
            Assert.True(r is >= HllSparse.SetResult.Corrupt and <= HllSparse.SetResult.Promote);
        }
    }
}
