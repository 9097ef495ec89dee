using System;
using System.Collections.Generic;
using FastKv.Protocol;
using Xunit;

namespace FastKv.Protocol.Tests;

/// <summary>
/// <see cref="InputBuffer"/> against a managed model: random reads (ReadSpace, fill part of it, commit),
/// parses (consume from the front) and settles, from a few bytes to arguments of several chunks, checking the
/// unparsed bytes after each step and that an empty buffer holds no memory.
/// </summary>
public class InputBufferTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomReadsAndParsesMatchAManagedModel(int seed)
    {
        var rng = new Random(seed);
        using var pool = new ChunkPool();
        var input = new InputBuffer(pool);
        var model = new List<byte>();
        int start = 0, end = 0;
        byte next = 0;
        int[] mins = { 1, 4096, ChunkPool.ChunkSize, ChunkPool.ChunkSize + 1, 100_000, 300_000 };
        for (int step = 0; step < 500; step++)
        {
            int op = rng.Next(6);
            if (op < 3)
            {
                int min = mins[rng.Next(mins.Length)];
                Span<byte> space = input.ReadSpace(ref start, ref end, min);
                Assert.True(space.Length >= min);
                int n = rng.Next(Math.Min(space.Length, 2 * min) + 1);
                for (int i = 0; i < n; i++) { space[i] = next; model.Add(next); next++; }
                end += n;
            }
            else if (op < 5)
            {
                int n = rng.Next(end - start + 1);
                start += n;
                model.RemoveRange(0, n);
            }
            else
            {
                input.Settle(ref start, ref end);
                if (model.Count == 0)
                {
                    Assert.Equal(0, input.MemoryBytes);
                    Assert.Equal(0, pool.RentedBytes);
                }
                else if (model.Count <= ChunkPool.ChunkSize / 2)
                {
                    Assert.Equal(ChunkPool.ChunkSize, input.MemoryBytes);
                }
            }
            Assert.Equal(model.Count, end - start);
            Assert.Equal(model.ToArray(), input.Slice(start, end - start).ToArray());
            Assert.Equal(input.MemoryBytes, pool.RentedBytes);
        }
        input.Release();
        Assert.Equal(0, pool.RentedBytes);
    }

    [Fact]
    public void SliceIsChecked()
    {
        using var pool = new ChunkPool();
        var input = new InputBuffer(pool);
        Assert.Equal(0, input.Slice(0, 0).Length);
        int start = 0, end = 0;
        input.ReadSpace(ref start, ref end, 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => input.Slice(0, ChunkPool.ChunkSize + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => input.Slice(-1, 1));
        input.Release();
    }
}
