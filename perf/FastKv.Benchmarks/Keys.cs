using System;
using System.Text;
using FastKv.Memory;

namespace FastKv.Benchmarks;

/// <summary>
/// Fixed-width keys in one array, the way redis-benchmark's -r names them (<c>key:000000012345</c>),
/// so a million keys cost the GC one object, and the entry blobs the key table points to.
/// </summary>
static unsafe class Keys
{
    public const int Width = 16;

    /// <summary>Keys prefix + i as 12 digits, for i in [first, first + count), back to back.</summary>
    public static byte[] Block(string prefix, int first, int count)
    {
        if (prefix.Length + 12 != Width) throw new ArgumentException("prefix must be 4 bytes", nameof(prefix));
        var block = new byte[count * Width];
        for (int i = 0; i < count; i++)
            Encoding.ASCII.GetBytes(prefix + (first + i).ToString("D12", System.Globalization.CultureInfo.InvariantCulture),
                block.AsSpan(i * Width, Width));
        return block;
    }

    public static ReadOnlySpan<byte> At(byte[] block, int i) => new ReadOnlySpan<byte>(block, i * Width, Width);

    /// <summary>A string entry for <paramref name="key"/> with a 3-byte value, as redis-benchmark's SET writes.</summary>
    public static byte* NewEntry(Arena arena, ReadOnlySpan<byte> key)
    {
        int size = KeyEntry.SizeFor(key.Length, 3, hasExpire: false);
        byte* e = arena.Alloc((nuint)size);
        KeyEntry.Init(e, size, 0, 0, key, 3, -1);
        "xxx"u8.CopyTo(KeyEntry.Value(e));
        return e;
    }

    /// <summary><paramref name="count"/> distinct indexes in [0, range), in random order (seeded).</summary>
    public static int[] RandomIndexes(int count, int range, int seed)
    {
        var rng = new Random(seed);
        var all = new int[range];
        for (int i = 0; i < range; i++) all[i] = i;
        rng.Shuffle(all);
        return all.AsSpan(0, count).ToArray();
    }
}
