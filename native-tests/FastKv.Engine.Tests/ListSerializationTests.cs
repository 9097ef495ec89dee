using System;
using System.Buffers;
using System.Text;
using FastKv.Engine;
using FastKv.Memory;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// Lists through <see cref="Collection"/>: the serialized form that carries them between shards reads back
/// to the same list (fill and nodes included), and forged or damaged bytes give null, never a crash
/// (the internal commands that carry them are reachable by any client).
/// </summary>
public unsafe class ListSerializationTests
{
    static byte* Build(Arena arena, int fill, int n)
    {
        byte* ql = QuickList.Create(arena, fill);
        for (int i = 0; i < n; i++)
            QuickList.PushTail(arena, ql, Encoding.ASCII.GetBytes(i % 3 == 0 ? i.ToString() : "value-" + new string('v', i % 200)));
        return ql;
    }

    static byte[] Serialize(byte enc, byte* ql)
    {
        var w = new ArrayBufferWriter<byte>();
        Collection.Serialize(ValueKind.List, enc, ql, w);
        return w.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData(ValueEncoding.ListPack, QuickList.Unlimited, 50)]
    [InlineData(ValueEncoding.QuickList, -2, 400)]
    [InlineData(ValueEncoding.QuickList, 3, 20)]
    public void RoundTripKeepsFillNodesAndContent(byte enc, int fill, int n)
    {
        using var arena = new Arena();
        byte* ql = Build(arena, fill, n);
        byte[] bytes = Serialize(enc, ql);
        byte* copy = Collection.Deserialize(arena, ValueKind.List, enc, bytes);
        Assert.True(copy != null);
        Assert.Equal(QuickList.Fill(ql), QuickList.Fill(copy));
        Assert.Equal(QuickList.NodeCount(ql), QuickList.NodeCount(copy));
        Assert.Equal(QuickList.BytesUsed(ql), QuickList.BytesUsed(copy));
        Assert.Equal(bytes, Serialize(enc, copy));
        byte* clone = Collection.Clone(arena, ValueKind.List, enc, ql);
        Assert.Equal(bytes, Serialize(enc, clone));
        Assert.Equal(QuickList.BytesUsed(ql), Collection.BytesUsed(ValueKind.List, enc, ql));
        long before = arena.UsedBytes;
        Collection.Free(arena, ValueKind.List, enc, clone);
        Assert.Equal(before - QuickList.BytesUsed(ql), arena.UsedBytes);
        QuickList.Free(arena, copy);
        QuickList.Free(arena, ql);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void DamagedOrForgedBytesGiveNull()
    {
        using var arena = new Arena();
        byte* ql = Build(arena, -1, 120);
        byte[] good = Serialize(ValueEncoding.QuickList, ql);
        Assert.True(QuickList.NodeCount(ql) > 1);
        QuickList.Free(arena, ql);

        // The encoding must agree with the fill: a multi-node quicklist is not a listpack, nor a fill of -9.
        Assert.True(Collection.Deserialize(arena, ValueKind.List, ValueEncoding.ListPack, good) == null);
        byte[] badFill = (byte[])good.Clone();
        BitConverter.TryWriteBytes(badFill.AsSpan(0, 4), -9);
        Assert.True(Collection.Deserialize(arena, ValueKind.List, ValueEncoding.QuickList, badFill) == null);
        Assert.True(Collection.Deserialize(arena, ValueKind.List, ValueEncoding.IntSet, good) == null);
        // Just a fill: an empty list does not exist.
        Assert.True(Collection.Deserialize(arena, ValueKind.List, ValueEncoding.QuickList, good.AsSpan(0, 4)) == null);

        // Every truncation, and bytes flipped at random: null or a valid list, and nothing leaks.
        for (int len = 0; len < good.Length; len++)
        {
            byte* p = Collection.Deserialize(arena, ValueKind.List, ValueEncoding.QuickList, good.AsSpan(0, len));
            if (p != null) QuickList.Free(arena, p);
        }
        var rng = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            byte[] bad = (byte[])good.Clone();
            for (int k = 0; k < 1 + rng.Next(3); k++) bad[rng.Next(bad.Length)] ^= (byte)(1 << rng.Next(8));
            byte* p = Collection.Deserialize(arena, ValueKind.List, ValueEncoding.QuickList, bad);
            if (p == null) continue;
            for (byte* node = QuickList.HeadNode(p); node != null; node = QuickList.NextNode(node))
                Assert.True(Listpack.Validate(QuickList.NodeListpack(node), QuickList.NodeBytes(node)));
            QuickList.Free(arena, p);
        }
        Assert.Equal(0, arena.UsedBytes);
    }
}
