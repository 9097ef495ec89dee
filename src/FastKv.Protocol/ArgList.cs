using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Protocol;

/// <summary>
/// The arguments of one command as (offset, length) pairs into the receive buffer, offsets relative to the
/// first byte of the command. One per connection, reused for every command: the arrays grow by doubling
/// and never shrink, so a steady-state connection allocates nothing.
/// </summary>
public sealed class ArgList
{
    private int[] _offsets;
    private int[] _lengths;
    private int _count;

    public ArgList(int initialCapacity = 8)
    {
        if (initialCapacity < 1)
        {
            initialCapacity = 1;
        }

        _offsets = new int[initialCapacity];
        _lengths = new int[initialCapacity];
    }

    /// <summary>Number of arguments parsed so far.</summary>
    public int Count => _count;

    /// <summary>Offsets of the arguments (valid up to <see cref="Count"/>), relative to the command start.</summary>
    public int[] Offsets => _offsets;

    /// <summary>Lengths of the arguments (valid up to <see cref="Count"/>).</summary>
    public int[] Lengths => _lengths;

    /// <summary>Current capacity of the arrays.</summary>
    public int Capacity => _offsets.Length;

    public void Reset() => _count = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int offset, int length)
    {
        Debug.Assert(offset >= 0 && length >= 0);
        int n = _count;
        int[] offsets = _offsets;
        if ((uint)n >= (uint)offsets.Length)
        {
            Grow();
            offsets = _offsets;
        }

        offsets[n] = offset;
        _lengths[n] = length;
        _count = n + 1;
    }

    /// <summary>Argument <paramref name="i"/> as a slice of <paramref name="buffer"/>, which starts at the command's first byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Get(ReadOnlySpan<byte> buffer, int i)
    {
        if ((uint)i >= (uint)_count)
        {
            ThrowIndexOutOfRange();
        }

        return buffer.Slice(_offsets[i], _lengths[i]);
    }

    /// <summary>Becomes a copy of <paramref name="other"/>'s arguments (offsets relative to the same command start).</summary>
    public void CopyFrom(ArgList other)
    {
        int n = other._count;
        while (_offsets.Length < n) Grow();
        Array.Copy(other._offsets, _offsets, n);
        Array.Copy(other._lengths, _lengths, n);
        _count = n;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow()
    {
        int newSize = _offsets.Length * 2;
        Array.Resize(ref _offsets, newSize);
        Array.Resize(ref _lengths, newSize);
    }

    private static void ThrowIndexOutOfRange() => throw new ArgumentOutOfRangeException("i");
}
