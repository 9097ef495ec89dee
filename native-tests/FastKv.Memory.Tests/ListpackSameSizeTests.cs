using System;
using System.Globalization;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>
/// <see cref="Listpack.TryReplaceSameSize"/>: it writes exactly when the new entry has the old one's size, gives
/// then the bytes <see cref="Listpack.Replace(Arena, byte*, byte*, ReadOnlySpan{byte})"/> gives, writes nothing
/// otherwise, and works on a copy of the listpack that is no arena block at all (an inline hash's case).
/// </summary>
public unsafe class ListpackSameSizeTests
{
    static readonly string[] Values =
    {
        "", "a", "ab", "0", "1", "7", "127", "128", "-1", "4095", "4096", "-4096", "-4097", "32767", "32768",
        "8388607", "8388608", "2147483647", "2147483648", "9223372036854775807", "-9223372036854775808",
        "007", "-0", "x", "xy", "value-1", "value-2", new string('v', 63), new string('w', 63), new string('v', 64),
        new string('z', 125), new string('z', 126), new string('q', 4095), new string('q', 4096),
    };

    [Fact]
    public void WritesExactlyWhenTheSizeIsKept_AsReplaceWould()
    {
        using var arena = new Arena();
        int written = 0, refused = 0;
        foreach (string before in Values)
        foreach (string after in Values)
        {
            // [head][before][tail]: the replaced entry sits between two others.
            byte* lp = Listpack.Create(arena);
            lp = Listpack.Append(arena, lp, "head"u8);
            lp = Listpack.Append(arena, lp, Encoding.ASCII.GetBytes(before));
            lp = Listpack.Append(arena, lp, "tail"u8);
            int size = Listpack.TotalBytes(lp);
            byte[] original = new ReadOnlySpan<byte>(lp, size).ToArray();

            // The expected result, from the ordinary writer on an arena copy.
            byte* viaReplace = arena.Alloc((nuint)size);
            original.CopyTo(new Span<byte>(viaReplace, size));
            viaReplace = Listpack.Replace(arena, viaReplace, Listpack.Seek(viaReplace, 1), Encoding.ASCII.GetBytes(after));
            byte[] expected = new ReadOnlySpan<byte>(viaReplace, Listpack.TotalBytes(viaReplace)).ToArray();

            // The same listpack in a managed buffer: the writer must not need an arena block.
            byte[] buffer = (byte[])original.Clone();
            fixed (byte* b = buffer)
            {
                bool ok = Listpack.TryReplaceSameSize(Listpack.Seek(b, 1), Encoding.ASCII.GetBytes(after));
                Assert.Equal(expected.Length == size, ok);
                if (ok)
                {
                    written++;
                    Assert.Equal(expected, buffer);
                    Assert.True(Listpack.Validate(b, buffer.Length));
                    Assert.Equal(3, Listpack.Count(b));
                }
                else
                {
                    refused++;
                    Assert.Equal(original, buffer);
                }
            }
            Listpack.Free(arena, viaReplace);
            Listpack.Free(arena, lp);
        }
        Assert.Equal(0, arena.UsedBytes);
        // Both outcomes are common: same-length strings and integers of one width write, the rest refuse.
        Assert.True(written > 60 && refused > 600, written.ToString(CultureInfo.InvariantCulture) + "/" + refused.ToString(CultureInfo.InvariantCulture));
    }
}
