using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Protocol;

/// <summary>
/// A connection's reply bytes: written at the tail, sent (consumed) from the head. One per connection,
/// reused; the array grows by doubling and is given back with <see cref="Shrink"/> when the connection idles.
/// <code>
/// [ consumed | Written (_start.._end) | free ]
/// </code>
/// </summary>
public sealed class OutputBuffer
{
    public const int DefaultInitialCapacity = 1024;

    private byte[] _buffer;
    private int _start;
    private int _end;

    public OutputBuffer(int initialCapacity = DefaultInitialCapacity)
    {
        _buffer = new byte[Math.Max(16, initialCapacity)];
    }

    /// <summary>Bytes written and not consumed yet.</summary>
    public int Length => _end - _start;

    /// <summary>Size of the backing array.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>The bytes written and not consumed yet, oldest first.</summary>
    public ReadOnlySpan<byte> Written => new ReadOnlySpan<byte>(_buffer, _start, _end - _start);

    /// <summary>A span of at least <paramref name="sizeHint"/> (at least 1) free bytes at the tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }

        if (sizeHint > _buffer.Length - _end)
        {
            MakeRoom(sizeHint);
        }

        return _buffer.AsSpan(_end);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the last <see cref="GetSpan"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _end))
        {
            ThrowArgument(nameof(count));
        }

        _end += count;
    }

    /// <summary>Drops <paramref name="count"/> bytes from the front (they were sent).</summary>
    public void Consume(int count)
    {
        if ((uint)count > (uint)(_end - _start))
        {
            ThrowArgument(nameof(count));
        }

        _start += count;
        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }
    }

    public void Clear()
    {
        _start = 0;
        _end = 0;
    }

    /// <summary>
    /// Gives back memory when the connection idles: if the array is larger than <paramref name="maxRetained"/>,
    /// replaces it with one of max(maxRetained, Length) bytes, keeping the unsent bytes.
    /// </summary>
    public void Shrink(int maxRetained)
    {
        int length = Length;
        int size = Math.Max(Math.Max(16, maxRetained), length);
        if (_buffer.Length <= size)
        {
            return;
        }

        var next = new byte[size];
        Buffer.BlockCopy(_buffer, _start, next, 0, length);
        _buffer = next;
        _start = 0;
        _end = length;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void MakeRoom(int sizeHint)
    {
        int length = _end - _start;

        // Unsent bytes move to the front when that frees enough space and they are the smaller part.
        if (_start > 0 && _buffer.Length - length >= sizeHint && length <= _buffer.Length / 2)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, length);
            _start = 0;
            _end = length;
            return;
        }

        long needed = (long)length + sizeHint;
        long size = _buffer.Length;
        while (size < needed)
        {
            size *= 2;
        }

        if (size > Array.MaxLength)
        {
            size = Math.Max(needed, Array.MaxLength);
            if (size > Array.MaxLength)
            {
                ThrowArgument(nameof(sizeHint));
            }
        }

        var next = new byte[size];
        Buffer.BlockCopy(_buffer, _start, next, 0, length);
        _buffer = next;
        _start = 0;
        _end = length;
        Debug.Assert(_buffer.Length - _end >= sizeHint);
    }

    private static void ThrowArgument(string name) => throw new ArgumentOutOfRangeException(name);
}
