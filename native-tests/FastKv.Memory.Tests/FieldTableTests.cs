using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>FieldTable against a Dictionary model: random set/add/remove/find through many splits.</summary>
public unsafe class FieldTableTests
{
    internal static string Name(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);
    internal static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);

    /// <summary>Collects every visited element's field and value.</summary>
    internal struct Collect : IFieldVisitor
    {
        public List<(string Field, byte[] Value)> Seen;
        public void Visit(byte* e) => Seen.Add((Name(FieldTable.ElementField(e)), FieldTable.ElementValue(e).ToArray()));
    }

    static byte[] RandomField(Random rng, int space)
    {
        // Mostly decimal-ish names from a space of `space` (so sets hit existing fields), some binary.
        if (rng.Next(8) == 0)
        {
            var b = new byte[rng.Next(0, 24)];
            rng.NextBytes(b);
            return b;
        }
        return Bytes("f:" + rng.Next(space));
    }

    static byte[] RandomValue(Random rng)
    {
        int len = rng.Next(10) switch
        {
            0 => 0,
            < 6 => rng.Next(1, 40),
            < 9 => rng.Next(40, 2000),
            _ => rng.Next(0, 40) == 0 ? rng.Next(21000, 30000) : rng.Next(2000, 6000),
        };
        var v = new byte[len];
        rng.NextBytes(v);
        return v;
    }

    internal static void AssertSame(byte* t, Dictionary<string, byte[]> model)
    {
        Assert.Equal(model.Count, FieldTable.Count(t));
        foreach (var (k, v) in model)
        {
            byte* e = FieldTable.Find(t, Bytes(k));
            Assert.True(e != null, "missing " + k);
            Assert.Equal(k, Name(FieldTable.ElementField(e)));
            Assert.True(FieldTable.ElementValue(e).SequenceEqual(v), "value of " + k);
        }
        var c = new Collect { Seen = new() };
        FieldTable.Enumerate(t, ref c);
        Assert.Equal(model.Count, c.Seen.Count);
        var names = new HashSet<string>();
        foreach (var (f, v) in c.Seen)
        {
            Assert.True(names.Add(f), "enumerated twice: " + f);
            Assert.True(model.TryGetValue(f, out byte[]? mv) && mv.AsSpan().SequenceEqual(v));
        }
    }

    [Theory]
    [InlineData(1, 300, 1)]
    [InlineData(2, 3_000, 97)]
    [InlineData(3, 30_000, 2_003)]
    [InlineData(4, 100_000, 25_013)]
    public void RandomOpsMatchDictionary(int seed, int space, int checkEvery)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        long start = arena.UsedBytes;
        byte* t = FieldTable.Create(arena, rng.Next(0, 600), (ulong)seed);
        var model = new Dictionary<string, byte[]>();
        int ops = space * 3;
        for (int op = 0; op < ops; op++)
        {
            // First two thirds grow (more sets than removes), the last third shrinks.
            bool growing = op < ops * 2 / 3;
            int r = rng.Next(10);
            byte[] f = RandomField(rng, space);
            string k = Name(f);
            if (r < (growing ? 6 : 2))
            {
                byte[] v = RandomValue(rng);
                Assert.Equal(!model.ContainsKey(k), FieldTable.Set(arena, ref t, f, v));
                model[k] = v;
            }
            else if (r < (growing ? 8 : 8))
            {
                bool had = model.Remove(k);
                Assert.Equal(had, FieldTable.Remove(arena, ref t, f));
            }
            else
            {
                byte* e = FieldTable.Find(t, f);
                Assert.Equal(model.TryGetValue(k, out byte[]? v), e != null);
                if (e != null) Assert.True(FieldTable.ElementValue(e).SequenceEqual(v));
            }
            if (op % checkEvery == 0) AssertSame(t, model);
        }
        AssertSame(t, model);
        Assert.Equal(arena.UsedBytes - start, FieldTable.BytesUsed(t));
        FieldTable.Free(arena, t);
        Assert.Equal(start, arena.UsedBytes);
    }

    [Theory]
    [InlineData(5, 100_000)]
    [InlineData(6, 5_000)]
    public void SetAddRemoveMatchesHashSet(int seed, int n)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        byte* t = FieldTable.Create(arena, 0);
        var model = new Dictionary<string, byte[]>();
        for (int i = 0; i < n; i++)
        {
            byte[] f = Bytes(rng.Next(n).ToString());
            Assert.Equal(model.TryAdd(Name(f), Array.Empty<byte>()), FieldTable.Add(arena, ref t, f));
            if (rng.Next(4) == 0)
            {
                byte[] g = Bytes(rng.Next(n).ToString());
                Assert.Equal(model.Remove(Name(g)), FieldTable.Remove(arena, ref t, g));
            }
        }
        AssertSame(t, model);
        // Every element of a set has an empty value.
        foreach (string k in model.Keys) Assert.Equal(0, FieldTable.ElementValueLength(FieldTable.Find(t, Bytes(k))));
        // Remove everything: the table keeps its segments (no shrink) but holds no elements.
        foreach (string k in model.Keys) Assert.True(FieldTable.Remove(arena, ref t, Bytes(k)));
        Assert.Equal(0, FieldTable.Count(t));
        Assert.True(FieldTable.Find(t, Bytes("0")) == null);
        // And refills from tombstoned segments.
        for (int i = 0; i < n; i++) FieldTable.Add(arena, ref t, Bytes("again" + i));
        Assert.Equal(n, FieldTable.Count(t));
        FieldTable.Free(arena, t);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void EmptyAndBinaryFieldsAndValues()
    {
        using var arena = new Arena();
        byte* t = FieldTable.Create(arena, 0, 42);
        Assert.True(FieldTable.Find(t, default) == null);
        Assert.True(FieldTable.Set(arena, ref t, default, default));
        Assert.False(FieldTable.Set(arena, ref t, ReadOnlySpan<byte>.Empty, new byte[] { 0, 0xFF, 0 }));
        Assert.True(FieldTable.Set(arena, ref t, new byte[] { 0 }, default));
        Assert.True(FieldTable.Set(arena, ref t, new byte[] { 0, 0 }, new byte[] { 0 }));
        Assert.False(FieldTable.Add(arena, ref t, new byte[] { 0 }));
        Assert.Equal(3, FieldTable.Count(t));
        Assert.True(FieldTable.ElementValue(FieldTable.Find(t, default)).SequenceEqual(new byte[] { 0, 0xFF, 0 }));
        Assert.Equal(0, FieldTable.ElementValueLength(FieldTable.Find(t, new byte[] { 0 })));
        Assert.True(FieldTable.Remove(arena, ref t, default));
        Assert.False(FieldTable.Remove(arena, ref t, default));
        Assert.True(FieldTable.Find(t, default) == null);
        Assert.Equal(2, FieldTable.Count(t));
        FieldTable.Free(arena, t);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void ValuesGrowAndShrinkInPlaceWhenTheBlockAllows()
    {
        using var arena = new Arena();
        byte* t = FieldTable.Create(arena, 0, 7);
        byte[] f = Bytes("field");
        var rng = new Random(8);
        FieldTable.Set(arena, ref t, f, default);
        int[] lengths = { 0, 1, 2, 3, 10, 100, 1000, 30000, 40000, 30000, 21000, 5000, 17, 16, 0, 100_000, 1 };
        foreach (int len in lengths)
        {
            var v = new byte[len];
            rng.NextBytes(v);
            byte* before = FieldTable.Find(t, f);
            int oldLen = FieldTable.ElementValueLength(before);
            Assert.False(FieldTable.Set(arena, ref t, f, v));
            byte* after = FieldTable.Find(t, f);
            bool sameBlock = Arena.UsableSize((nuint)(8 + f.Length + oldLen)) == Arena.UsableSize((nuint)(8 + f.Length + len));
            Assert.Equal(sameBlock, before == after);
            Assert.True(FieldTable.ElementValue(after).SequenceEqual(v));
            Assert.Equal(arena.UsedBytes, FieldTable.BytesUsed(t));
        }
        FieldTable.Free(arena, t);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void ValueMayAliasTheElementBeingRewritten()
    {
        using var arena = new Arena();
        byte* t = FieldTable.Create(arena, 0, 9);
        byte[] f = Bytes("k");
        var big = new byte[3000];
        for (int i = 0; i < big.Length; i++) big[i] = (byte)i;
        FieldTable.Set(arena, ref t, f, big);
        // Shrink across classes from a span inside the current element: realloc path.
        byte* e = FieldTable.Find(t, f);
        FieldTable.Set(arena, ref t, f, FieldTable.ElementValue(e).Slice(100, 50));
        Assert.True(FieldTable.ElementValue(FieldTable.Find(t, f)).SequenceEqual(big.AsSpan(100, 50)));
        // Same class, overlapping: in-place memmove.
        e = FieldTable.Find(t, f);
        FieldTable.Set(arena, ref t, f, FieldTable.ElementValue(e).Slice(1, 49));
        Assert.True(FieldTable.ElementValue(FieldTable.Find(t, f)).SequenceEqual(big.AsSpan(101, 49)));
        FieldTable.Free(arena, t);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(512)]
    [InlineData(100_000)]
    public void CapacityHintPresizesAndFreeReturnsEverything(int hint)
    {
        using var arena = new Arena();
        byte* t = FieldTable.Create(arena, hint, 11);
        int segments = FieldTable.SegmentCount(t);
        Assert.True(segments * (long)FieldTable.SlotsPerSegment / 2 >= hint);
        Assert.Equal(arena.UsedBytes, FieldTable.BytesUsed(t));
        for (int i = 0; i < hint / 2; i++) FieldTable.Add(arena, ref t, Bytes("m" + i));
        Assert.Equal(arena.UsedBytes, FieldTable.BytesUsed(t));
        FieldTable.Free(arena, t);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void HotPathsDoNotAllocateAndWritesBumpTheVersion()
    {
        using var arena = new Arena();
        byte* t = FieldTable.Create(arena, 0, 12);
        var fields = new byte[4096][];
        for (int i = 0; i < fields.Length; i++) fields[i] = Bytes("h" + i);
        byte[] v1 = new byte[10], v2 = new byte[300];
        // Warm up: JIT, arena pages, directory growth.
        for (int round = 0; round < 2; round++)
            foreach (byte[] f in fields) { FieldTable.Set(arena, ref t, f, v2); FieldTable.Remove(arena, ref t, f); }
        ulong version = FieldTable.Version(t);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ulong rng = 1;
        foreach (byte[] f in fields)
        {
            FieldTable.Set(arena, ref t, f, v1);
            FieldTable.Set(arena, ref t, f, v2);
            FieldTable.Find(t, f);
            FieldTable.Random(t, ref rng);
            FieldTable.Add(arena, ref t, f);
        }
        foreach (byte[] f in fields) FieldTable.Remove(arena, ref t, f);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.Equal(version + 3UL * (ulong)fields.Length, FieldTable.Version(t));
        FieldTable.Free(arena, t);
        Assert.Equal(0, arena.UsedBytes);
    }
}
