using System;
using System.Diagnostics;

namespace FastKv.Protocol;

/// <summary>
/// A connection's query buffer in native memory from the shard's <see cref="ChunkPool"/>: one pooled chunk
/// while commands are small, a block of its own (growing to what the pending command needs, up to
/// client-query-buffer-limit) while a large bulk argument arrives. It holds no memory at all while empty:
/// <see cref="Settle"/> gives the storage back once every byte read has been parsed, so an idle connection
/// costs no buffer. The owner keeps the read and write offsets (start, end); this class keeps the bytes.
/// <code>
/// [ parsed | unparsed (start .. end) | free (end .. Capacity) ]
/// </code>
/// Only the pool's thread may use it.
/// </summary>
public sealed unsafe class InputBuffer
{
    readonly ChunkPool _pool;
    byte* _data;
    int _capacity;
    /// <summary>Bytes of the block's own mapping; 0 while the storage is a pooled chunk.</summary>
    nuint _largeBytes;

    public InputBuffer(ChunkPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _pool = pool;
    }

    /// <summary>Bytes the storage can hold (0 while it holds none).</summary>
    public int Capacity => _capacity;

    /// <summary>Memory held now, in bytes.</summary>
    public long MemoryBytes => _data == null ? 0 : _largeBytes != 0 ? (long)_largeBytes : ChunkPool.ChunkSize;

    /// <summary>Bytes [start, start + length) of the storage.</summary>
    public Span<byte> Slice(int start, int length)
    {
        if ((uint)start > (uint)_capacity || (uint)length > (uint)(_capacity - start))
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        // Checked above: the range lies inside the storage this buffer owns (an empty range may have _data null).
        return new Span<byte>(_data + start, length);
    }

    /// <summary>
    /// At least <paramref name="min"/> free bytes after <paramref name="end"/>: moves the unparsed bytes to the
    /// front when that makes room, else grows the storage; updates the offsets.
    /// </summary>
    public Span<byte> ReadSpace(ref int start, ref int end, int min)
    {
        Debug.Assert(0 <= start && start <= end && end <= _capacity && min > 0);
        if (_capacity - end < min)
        {
            if (start > 0)
            {
                // [start, end) and [0, end - start) both lie inside the storage; MemoryCopy handles the overlap.
                Buffer.MemoryCopy(_data + start, _data, _capacity, end - start);
                end -= start;
                start = 0;
            }

            if (_capacity - end < min)
            {
                Grow(Math.Max((long)_capacity * 2, (long)end + min), end);
            }
        }

        // end + min <= _capacity now.
        return new Span<byte>(_data + end, _capacity - end);
    }

    /// <summary>
    /// Every read byte parsed (start == end): gives the storage back. A block of its own that now holds a small
    /// remainder moves it into a pooled chunk. Call only when no parsed span is in use any more.
    /// </summary>
    public void Settle(ref int start, ref int end)
    {
        if (_data == null)
        {
            return;
        }

        if (start == end)
        {
            start = end = 0;
            Release();
            return;
        }

        int length = end - start;
        if (_largeBytes != 0 && length <= ChunkPool.ChunkSize / 2)
        {
            byte* chunk = _pool.Rent();
            // length <= ChunkSize bytes, from inside the old block to the start of a fresh chunk.
            Buffer.MemoryCopy(_data + start, chunk, ChunkPool.ChunkSize, length);
            _pool.ReturnLarge(_data, _largeBytes);
            _data = chunk;
            _capacity = ChunkPool.ChunkSize;
            _largeBytes = 0;
            start = 0;
            end = length;
        }
    }

    /// <summary>Gives the storage back whatever it holds (the connection closed).</summary>
    public void Release()
    {
        if (_data == null)
        {
            return;
        }

        if (_largeBytes != 0)
        {
            _pool.ReturnLarge(_data, _largeBytes);
        }
        else
        {
            _pool.Return(_data);
        }

        _data = null;
        _capacity = 0;
        _largeBytes = 0;
    }

    private void Grow(long size, int keep)
    {
        if (size > int.MaxValue - 64)
        {
            throw new ArgumentOutOfRangeException(nameof(size), "query buffer too large");
        }

        byte* next;
        nuint large = 0;
        int capacity;
        if (size <= ChunkPool.ChunkSize)
        {
            next = _pool.Rent();
            capacity = ChunkPool.ChunkSize;
        }
        else
        {
            large = ChunkPool.LargeSize((nuint)size);
            next = _pool.RentLarge(large);
            capacity = (int)Math.Min(large, int.MaxValue - 64);
        }

        if (_data != null)
        {
            // The first keep bytes of the old storage are the unparsed input (compacted to offset 0); both hold them.
            Buffer.MemoryCopy(_data, next, capacity, keep);
            Release();
        }

        _data = next;
        _capacity = capacity;
        _largeBytes = large;
    }
}
