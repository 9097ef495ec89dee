using System;
using System.Linq;
using FastKv.Protocol;
using Xunit;

namespace FastKv.Protocol.Tests;

public class OutputBufferTests
{
    private static void Put(OutputBuffer b, byte[] data)
    {
        data.CopyTo(b.GetSpan(data.Length));
        b.Advance(data.Length);
    }

    [Fact]
    public void GrowsByDoublingAndKeepsBytes()
    {
        var b = new OutputBuffer(16);
        Assert.Equal(16, b.Capacity);
        byte[] data = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        Put(b, data);
        Assert.Equal(128, b.Capacity);
        Assert.Equal(data, b.Written.ToArray());
        Assert.Equal(100, b.Length);
    }

    [Fact]
    public void ConsumeDropsFromTheFront()
    {
        var b = new OutputBuffer(16);
        Put(b, new byte[] { 1, 2, 3, 4, 5 });
        b.Consume(2);
        Assert.Equal(new byte[] { 3, 4, 5 }, b.Written.ToArray());
        Put(b, new byte[] { 6 });
        Assert.Equal(new byte[] { 3, 4, 5, 6 }, b.Written.ToArray());
        b.Consume(4);
        Assert.Equal(0, b.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => b.Consume(1));
    }

    [Fact]
    public void CompactsInsteadOfGrowingWhenMostWasSent()
    {
        var b = new OutputBuffer(16);
        Put(b, new byte[14]);
        b.Consume(12);
        Put(b, new byte[] { 9, 9, 9, 9, 9, 9, 9, 9 });
        Assert.Equal(16, b.Capacity);
        Assert.Equal(10, b.Length);
    }

    [Fact]
    public void ShrinkKeepsUnsentBytes()
    {
        var b = new OutputBuffer(16);
        Put(b, new byte[5000]);
        Assert.True(b.Capacity >= 5000);
        b.Consume(4990);
        b.Shrink(1024);
        Assert.Equal(1024, b.Capacity);
        Assert.Equal(10, b.Length);
        b.Clear();
        b.Shrink(4096);
        Assert.Equal(1024, b.Capacity);
    }

    [Fact]
    public void AdvanceIsChecked()
    {
        var b = new OutputBuffer(16);
        Span<byte> s = b.GetSpan(4);
        Assert.True(s.Length >= 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => b.Advance(17));
        Assert.Throws<ArgumentOutOfRangeException>(() => b.Advance(-1));
    }
}
