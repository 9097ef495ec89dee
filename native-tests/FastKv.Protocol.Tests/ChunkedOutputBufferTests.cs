using System;
using System.Collections.Generic;
using FastKv.Protocol;
using Xunit;

namespace FastKv.Protocol.Tests;

/// <summary>
/// The chunked (native) <see cref="OutputBuffer"/> against a managed model, a list of bytes: random writes
/// (GetSpan/Advance of every size up to past a chunk, Write of up to several chunks), consumes and clears,
/// with every observable checked after each step, and the pool's memory back to zero whenever it is empty.
/// </summary>
public class ChunkedOutputBufferTests
{
    static void CheckAgainst(OutputBuffer b, List<byte> model, ChunkPool pool)
    {
        Assert.Equal(model.Count, b.Length);
        Assert.Equal(model.ToArray(), b.ToArray());
        ReadOnlySpan<byte> first = b.FirstSegment;
        Assert.True(model.Count == 0 ? first.IsEmpty : first.Length > 0, "a non-empty buffer always has bytes to send first");
        for (int i = 0; i < first.Length; i++) Assert.Equal(model[i], first[i]);
        if (model.Count == 0)
        {
            // A GetSpan without Advance may leave an empty tail chunk; Clear (the loop's idle step) gives it back.
            b.Clear();
            Assert.Equal(0, b.MemoryBytes);
            Assert.Equal(0, pool.RentedBytes);
        }
        else
        {
            Assert.True(b.MemoryBytes >= model.Count);
            Assert.Equal(b.MemoryBytes, pool.RentedBytes);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomOperationsMatchAManagedModel(int seed)
    {
        var rng = new Random(seed);
        using var pool = new ChunkPool();
        var b = new OutputBuffer(pool);
        var model = new List<byte>();
        byte next = 0;
        int[] sizes = { 1, 2, 7, 100, 4000, OutputBuffer.ChunkData - 1, OutputBuffer.ChunkData, OutputBuffer.ChunkData + 1, 40000, 70000 };
        for (int step = 0; step < 600; step++)
        {
            int op = rng.Next(10);
            if (op < 4)
            {
                int n = sizes[rng.Next(sizes.Length)];
                Span<byte> span = b.GetSpan(n);
                Assert.True(span.Length >= n);
                int used = rng.Next(n + 1);
                for (int i = 0; i < used; i++) { span[i] = next; model.Add(next); next++; }
                b.Advance(used);
            }
            else if (op < 7)
            {
                var data = new byte[sizes[rng.Next(sizes.Length)] * rng.Next(1, 4)];
                for (int i = 0; i < data.Length; i++) { data[i] = next; next++; }
                b.Write(data);
                model.AddRange(data);
            }
            else if (op < 9)
            {
                // Sometimes exactly the first segment, as the event loop sends it.
                int n = rng.Next(2) == 0 ? b.FirstSegment.Length : rng.Next(model.Count + 1);
                b.Consume(n);
                model.RemoveRange(0, n);
            }
            else if (rng.Next(8) == 0)
            {
                b.Clear();
                model.Clear();
            }
            CheckAgainst(b, model, pool);
        }
        b.Clear();
        CheckAgainst(b, new List<byte>(), pool);
    }

    [Fact]
    public void AHugeWriteNeverTakesOneBlockOfItsSize()
    {
        using var pool = new ChunkPool();
        var b = new OutputBuffer(pool);
        var data = new byte[5 << 20];
        new Random(7).NextBytes(data);
        new RespWriter(b).Bulk(data);
        // Every piece is a pooled chunk: nothing bigger than one chunk per piece was mapped.
        long chunks = (data.Length + 32) / OutputBuffer.ChunkData + 1;
        Assert.True(b.MemoryBytes <= chunks * ChunkPool.ChunkSize, "held " + b.MemoryBytes);
        Assert.True(b.FirstSegment.Length <= OutputBuffer.ChunkData);
        Assert.Throws<InvalidOperationException>(() => { _ = b.Written; });
        byte[] all = b.ToArray();
        Assert.Equal("$5242880\r\n", System.Text.Encoding.ASCII.GetString(all, 0, 10));
        Assert.True(data.AsSpan().SequenceEqual(all.AsSpan(10, data.Length)));
        // Sending piece by piece gives every chunk back as it goes.
        long before = pool.RentedBytes;
        b.Consume(b.FirstSegment.Length);
        b.Consume(b.FirstSegment.Length);
        Assert.True(pool.RentedBytes < before);
        while (b.Length > 0) b.Consume(b.FirstSegment.Length);
        Assert.Equal(0, pool.RentedBytes);
    }

    [Fact]
    public void ASpanLargerThanAChunkGetsABlockOfItsOwn()
    {
        using var pool = new ChunkPool();
        var b = new OutputBuffer(pool);
        b.Write("ab"u8);
        Span<byte> s = b.GetSpan(100_000);
        Assert.True(s.Length >= 100_000);
        s.Slice(0, 100_000).Fill(9);
        b.Advance(100_000);
        Assert.Equal(100_002, b.Length);
        b.Consume(2);
        Assert.Equal(100_000, b.FirstSegment.Length);
        b.Consume(100_000);
        Assert.Equal(0, pool.RentedBytes);
    }

    [Fact]
    public void PoolReusesChunksAndTrimsWarmOnes()
    {
        using var pool = new ChunkPool();
        var buffers = new List<OutputBuffer>();
        for (int i = 0; i < ChunkPool.MaxWarm + 50; i++)
        {
            var b = new OutputBuffer(pool);
            b.Write("+OK\r\n"u8);
            buffers.Add(b);
        }
        Assert.Equal((ChunkPool.MaxWarm + 50) * (long)ChunkPool.ChunkSize, pool.RentedBytes);
        foreach (var b in buffers) b.Clear();
        Assert.Equal(0, pool.RentedBytes);
        // All kept warm: that many were rented at once just now (a working set past MaxWarm stays resident).
        Assert.Equal(ChunkPool.MaxWarm + 50, pool.WarmChunks);
        pool.Trim(3);
        Assert.Equal(3, pool.WarmChunks);
        // Cold chunks (given back to the OS) are reused and read back as written.
        foreach (var b in buffers) b.Write("+PONG\r\n"u8);
        foreach (var b in buffers) Assert.Equal("+PONG\r\n", System.Text.Encoding.ASCII.GetString(b.Written));
        foreach (var b in buffers) b.Clear();
        Assert.Equal(0, pool.RentedBytes);
    }

    /// <summary>
    /// Warm chunks beyond MaxWarm are kept only while this window's or the last window's peak needed that many: two
    /// windows after the burst, a returned chunk goes cold (its memory back to the OS) instead of staying warm.
    /// </summary>
    [Fact]
    public void PoolKeepsTheRecentPeakWarm_NotAnOldOne()
    {
        using var pool = new ChunkPool();
        int n = 2 * ChunkPool.MaxWarm;
        var buffers = new List<OutputBuffer>();
        for (int i = 0; i < n; i++)
        {
            var b = new OutputBuffer(pool);
            b.Write("+OK\r\n"u8);
            buffers.Add(b);
        }
        foreach (var b in buffers) b.Clear();
        Assert.Equal(n, pool.WarmChunks);
        Assert.Equal(n, pool.TakePeakRentedChunks()); // the burst's window closes; the next one remembers it
        buffers[0].Write("+OK\r\n"u8);
        buffers[0].Clear();
        Assert.Equal(n, pool.WarmChunks);
        Assert.Equal(1, pool.TakePeakRentedChunks()); // a quiet window: the burst is forgotten
        buffers[0].Write("+OK\r\n"u8);
        buffers[0].Clear();
        Assert.Equal(n - 1, pool.WarmChunks); // the chunk went cold: more than MaxWarm are warm and no peak needs them
        pool.Trim(0);
        Assert.Equal(0, pool.WarmChunks);
    }

    /// <summary>The pool remembers the most chunks rented at once, and starts again from those rented now once asked.</summary>
    [Fact]
    public void PoolReportsItsPeakRentedChunks()
    {
        using var pool = new ChunkPool();
        var buffers = new List<OutputBuffer>();
        for (int i = 0; i < 10; i++)
        {
            var b = new OutputBuffer(pool);
            b.Write("+OK\r\n"u8);
            buffers.Add(b);
        }
        Assert.Equal(10, pool.RentedChunks);
        for (int i = 0; i < 7; i++) buffers[i].Clear();
        Assert.Equal(3, pool.RentedChunks);
        Assert.Equal(10, pool.TakePeakRentedChunks());
        Assert.Equal(3, pool.TakePeakRentedChunks());
        buffers[0].Write("+OK\r\n"u8);
        buffers[9].Clear();
        Assert.Equal(4, pool.TakePeakRentedChunks());
        Assert.Equal(3, pool.RentedChunks);
        foreach (var b in buffers) b.Clear();
    }
}
