using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Protocol;

/// <summary>
/// Reply bytes: written at the tail, sent (consumed) from the head. Two kinds of storage:
/// <list type="bullet">
/// <item><b>Contiguous</b> (no pool: scratch buffers, replies that are parsed back): one array that grows by
/// doubling, so <see cref="Written"/> is one span; <see cref="Shrink"/> gives memory back when it idles.</item>
/// <item><b>Chunked</b> (with a <see cref="ChunkPool"/>: a connection's output): a chain of native chunks. A reply
/// larger than a chunk spans several, so a 64 MB reply never needs a 64 MB array; each chunk goes back to the pool
/// as soon as it is sent, and an empty buffer holds no memory at all. A single GetSpan larger than a chunk gets a
/// block of its own; <see cref="Write"/> fills chunk after chunk instead.</item>
/// </list>
/// <code>
/// chunk: [ next: Chunk* (8) | end (4) | capacity (4) | large (4) | pad (12) ][ data: capacity bytes ]
/// chain: head [ sent | unsent from _start .. end ] -> [ unsent ] -> ... -> tail [ unsent .. _end | free .. _cap ]
/// </code>
/// A chunk's end is kept in its header once it is not the tail any more; the tail's is <c>_end</c>.
/// </summary>
public sealed unsafe class OutputBuffer
{
    public const int DefaultInitialCapacity = 1024;
    const int HeaderSize = 32;
    /// <summary>Data bytes of a pooled chunk.</summary>
    public const int ChunkData = ChunkPool.ChunkSize - HeaderSize;

    struct Chunk
    {
        public Chunk* Next;
        public int End;
        public int Capacity;
        public int Large;
    }

    private readonly ChunkPool? _pool;
    /// <summary>Contiguous storage; null when chunked.</summary>
    private byte[]? _array;
    private Chunk* _head, _tail;
    /// <summary>Chunked: the tail chunk's data; null while the buffer holds no chunk (and always when contiguous).</summary>
    private byte* _base;
    /// <summary>Write offset and capacity of the tail storage.</summary>
    private int _end, _cap;
    /// <summary>Read offset in the head storage.</summary>
    private int _start;
    private int _length;
    private long _heldBytes;

    /// <summary>A contiguous buffer on the GC heap, for scratch use.</summary>
    public OutputBuffer(int initialCapacity = DefaultInitialCapacity)
    {
        SetArray(new byte[Math.Max(16, initialCapacity)]);
    }

    /// <summary>A chunked buffer in <paramref name="pool"/>'s native memory. Only the pool's thread may use it.</summary>
    public OutputBuffer(ChunkPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _pool = pool;
    }

    /// <summary>Bytes written and not consumed yet.</summary>
    public int Length => _length;

    /// <summary>Contiguous: size of the array. Chunked: bytes of native memory held.</summary>
    public int Capacity => _array != null ? _array.Length : (int)Math.Min(_heldBytes, int.MaxValue);

    /// <summary>Memory this buffer holds now, in bytes.</summary>
    public long MemoryBytes => _array != null ? _array.Length : _heldBytes;

    /// <summary>True for a buffer in a pool's native chunks.</summary>
    public bool IsChunked => _pool != null;

    /// <summary>
    /// The bytes written and not consumed yet, oldest first, as one span: always for a contiguous buffer, for a
    /// chunked one only while they sit in one chunk (use <see cref="CopyTo"/> or <see cref="ToArray"/> otherwise).
    /// </summary>
    public ReadOnlySpan<byte> Written
    {
        get
        {
            if (_array != null) return new ReadOnlySpan<byte>(_array, _start, _length);
            if (_length == 0) return ReadOnlySpan<byte>.Empty;
            if (_head != _tail) ThrowSpansChunks();
            // One chunk, this buffer's own, holds the unsent bytes at [_start, _end) of its data.
            return new ReadOnlySpan<byte>(_base + _start, _length);
        }
    }

    /// <summary>The oldest unsent bytes that are contiguous: what to send next (empty when nothing is).</summary>
    public ReadOnlySpan<byte> FirstSegment
    {
        get
        {
            if (_array != null || _head == _tail) return Written;
            // The head is a full, non-tail chunk: its unsent bytes are [_start, End) of its data.
            return new ReadOnlySpan<byte>((byte*)_head + HeaderSize + _start, _head->End - _start);
        }
    }

    /// <summary>A span of at least <paramref name="sizeHint"/> (at least 1) free bytes at the tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }

        if (sizeHint > _cap - _end)
        {
            MakeRoom(sizeHint);
        }

        if (_array != null)
        {
            return _array.AsSpan(_end);
        }

        // _base.._base+_cap is the tail chunk's data, which this buffer alone owns; _end <= _cap.
        return new Span<byte>(_base + _end, _cap - _end);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the last <see cref="GetSpan"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_cap - _end))
        {
            ThrowArgument(nameof(count));
        }

        _end += count;
        _length += count;
    }

    /// <summary>Appends bytes. A chunked buffer fills its tail chunk, then new chunks: any size, no large block.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (_pool == null || bytes.Length <= _cap - _end)
        {
            bytes.CopyTo(GetSpan(bytes.Length));
            Advance(bytes.Length);
            return;
        }

        while (!bytes.IsEmpty)
        {
            if (_cap == _end)
            {
                MakeRoom(Math.Min(bytes.Length, ChunkData));
            }

            int n = Math.Min(_cap - _end, bytes.Length);
            // Chunked here: n bytes fit in the tail chunk's data past _end.
            bytes.Slice(0, n).CopyTo(new Span<byte>(_base + _end, n));
            _end += n;
            _length += n;
            bytes = bytes.Slice(n);
        }
    }

    /// <summary>Drops <paramref name="count"/> bytes from the front (they were sent); sent chunks go back to the pool.</summary>
    public void Consume(int count)
    {
        if ((uint)count > (uint)_length)
        {
            ThrowArgument(nameof(count));
        }

        _length -= count;
        if (_array != null)
        {
            _start += count;
            if (_length == 0)
            {
                _start = 0;
                _end = 0;
            }

            return;
        }

        while (_head != null)
        {
            int segEnd = _head == _tail ? _end : _head->End;
            int take = Math.Min(count, segEnd - _start);
            _start += take;
            count -= take;
            if (_start == segEnd && _head != _tail)
            {
                // Sent (or empty) and not the tail: back to the pool, so the head always has bytes to send.
                Chunk* sent = _head;
                _head = sent->Next;
                _start = 0;
                Free(sent);
                continue;
            }

            if (count == 0)
            {
                break;
            }
        }

        if (_length == 0)
        {
            ReleaseChunks();
        }
    }

    /// <summary>Drops everything; a chunked buffer gives all its memory back to the pool.</summary>
    public void Clear()
    {
        _start = 0;
        _end = 0;
        _length = 0;
        if (_pool != null)
        {
            ReleaseChunks();
        }
    }

    /// <summary>Copies the unsent bytes, oldest first, to <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < _length)
        {
            ThrowArgument(nameof(destination));
        }

        if (_head == _tail)
        {
            Written.CopyTo(destination);
            return;
        }

        int at = 0;
        int start = _start;
        for (Chunk* c = _head; c != null; c = c->Next)
        {
            int end = c == _tail ? _end : c->End;
            // [start, end) of a chunk this buffer owns holds unsent bytes.
            new ReadOnlySpan<byte>((byte*)c + HeaderSize + start, end - start).CopyTo(destination.Slice(at));
            at += end - start;
            start = 0;
        }

        Debug.Assert(at == _length);
    }

    public byte[] ToArray()
    {
        var a = new byte[_length];
        CopyTo(a);
        return a;
    }

    /// <summary>
    /// Gives back memory when the connection idles: if the array is larger than <paramref name="maxRetained"/>,
    /// replaces it with one of max(maxRetained, Length) bytes, keeping the unsent bytes. A chunked buffer already
    /// holds only the chunks its unsent bytes need.
    /// </summary>
    public void Shrink(int maxRetained)
    {
        if (_array == null)
        {
            return;
        }

        int size = Math.Max(Math.Max(16, maxRetained), _length);
        if (_array.Length <= size)
        {
            return;
        }

        Replace(size);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void MakeRoom(int sizeHint)
    {
        if (_array == null)
        {
            AppendChunk(sizeHint);
            return;
        }

        // Unsent bytes move to the front when that frees enough space and they are the smaller part.
        if (_start > 0 && _array.Length - _length >= sizeHint && _length <= _array.Length / 2)
        {
            Buffer.BlockCopy(_array, _start, _array, 0, _length);
            _start = 0;
            _end = _length;
            return;
        }

        long needed = (long)_length + sizeHint;
        long size = _array.Length;
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

        Replace((int)size);
        Debug.Assert(_cap - _end >= sizeHint);
    }

    private void Replace(int size)
    {
        var next = new byte[size];
        Buffer.BlockCopy(_array!, _start, next, 0, _length);
        SetArray(next);
        _start = 0;
        _end = _length;
    }

    private void SetArray(byte[] array)
    {
        _array = array;
        _cap = array.Length;
    }

    private void AppendChunk(int sizeHint)
    {
        Chunk* c;
        if (sizeHint <= ChunkData)
        {
            c = (Chunk*)_pool!.Rent();
            c->Capacity = ChunkData;
            c->Large = 0;
            _heldBytes += ChunkPool.ChunkSize;
        }
        else
        {
            nuint bytes = ChunkPool.LargeSize((nuint)sizeHint + HeaderSize);
            c = (Chunk*)_pool!.RentLarge(bytes);
            c->Capacity = (int)Math.Min(bytes - HeaderSize, int.MaxValue);
            c->Large = 1;
            _heldBytes += (long)bytes;
        }

        c->Next = null;
        c->End = 0;
        if (_tail == null)
        {
            _head = c;
            _start = 0;
        }
        else
        {
            _tail->End = _end;
            _tail->Next = c;
        }

        _tail = c;
        _base = (byte*)c + HeaderSize;
        _end = 0;
        _cap = c->Capacity;
    }

    private void Free(Chunk* c)
    {
        if (c->Large != 0)
        {
            nuint bytes = ChunkPool.LargeSize((nuint)c->Capacity + HeaderSize);
            _heldBytes -= (long)bytes;
            _pool!.ReturnLarge((byte*)c, bytes);
        }
        else
        {
            _heldBytes -= ChunkPool.ChunkSize;
            _pool!.Return((byte*)c);
        }
    }

    private void ReleaseChunks()
    {
        Chunk* c = _head;
        while (c != null)
        {
            Chunk* next = c->Next;
            Free(c);
            c = next;
        }

        _head = _tail = null;
        _base = null;
        _start = _end = _cap = 0;
        _length = 0;
    }

    private static void ThrowArgument(string name) => throw new ArgumentOutOfRangeException(name);

    private static void ThrowSpansChunks() =>
        throw new InvalidOperationException("The unsent bytes span several chunks: use CopyTo or FirstSegment.");
}
