using System;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>Listpack.Builder produces byte for byte the listpack that Listpack.Append builds one entry at a time.</summary>
public unsafe class ListpackBuilderTests
{
    [Fact]
    public void Builder_EqualsAppend_ForEveryEncodingClass()
    {
        using var arena = new Arena();
        var rng = new Random(11);
        string[] samples = { "", "a", "0", "-1", "127", "128", "-4096", "4095", "4096", "32767", "-32769", "8388607", "-8388609",
            "2147483647", "-2147483649", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "007", "+5",
            new string('x', 63), new string('x', 64), new string('y', 4095), new string('y', 4096), new string('z', 20000) };
        var b = new Listpack.Builder(8);
        byte* lp = Listpack.Create(arena);
        for (int i = 0; i < 2000; i++)
        {
            byte[] v = Encoding.ASCII.GetBytes(samples[rng.Next(samples.Length)]);
            if (rng.Next(4) == 0)
            {
                long n = rng.NextInt64(long.MinValue, long.MaxValue) >> rng.Next(64);
                b.AppendInteger(n);
                lp = Listpack.AppendInteger(arena, lp, n);
            }
            else
            {
                b.Append(v);
                lp = Listpack.Append(arena, lp, v);
            }
        }
        ReadOnlySpan<byte> built = b.Finish();
        Assert.Equal(2000, b.Count);
        Assert.True(built.SequenceEqual(new ReadOnlySpan<byte>(lp, Listpack.TotalBytes(lp))));
        byte* copy = b.ToArena(arena);
        Assert.True(Listpack.Validate(copy, Listpack.TotalBytes(copy)));
        Listpack.Free(arena, copy);
        Listpack.Free(arena, lp);

        b.Clear();
        Assert.True(b.Finish().SequenceEqual(new byte[] { 7, 0, 0, 0, 0, 0, 0xFF }));
    }
}
