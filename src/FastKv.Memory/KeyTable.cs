using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace FastKv.Memory;

/// <summary>
/// One shard's keyspace for one database: a map from key to <see cref="KeyEntry"/> blob pointer.
/// <para>
/// Extendible hashing. A directory of 2^globalDepth segment pointers is indexed by the TOP globalDepth
/// bits of the 64-bit <see cref="KeyHash"/>; a segment of local depth d is referenced by the
/// 2^(globalDepth-d) consecutive directory entries that share its d-bit prefix. Inside a segment the low
/// hash bits pick a home bucket (KeyTable.Segment.cs draws the layout). When an insert finds no room near
/// its home, only that segment splits in two (the directory doubles first when its depth is the
/// segment's); the table never rehashes as a whole.
/// </para>
/// <code>
///   directory (globalDepth 2)          segments
///   [00] ----------------------------> S0 (localDepth 1: prefix 0)
///   [01] ---------------------------/
///   [10] ----------------------------> S1 (localDepth 2: prefix 10)
///   [11] ----------------------------> S2 (localDepth 2: prefix 11)
/// </code>
/// The table stores pointers only: it never allocates or frees entry blobs. Its own segments and
/// directory come from the shard's <see cref="Arena"/>. Single-threaded, like the arena.
/// </summary>
public sealed unsafe partial class KeyTable : IDisposable
{
    readonly Arena _arena;
    /// <summary>2^_globalDepth segment pointers; null once disposed.</summary>
    byte** _dir;
    int _globalDepth;
    long _count;
    /// <summary>Entries with an expiry: the sum of every segment's expiring count.</summary>
    long _expiringCount;
    int _segmentCount;
    ulong _currentVersion;

    public KeyTable(Arena arena)
    {
        Debug.Assert(SlotsPerBucket < Vector128<byte>.Count, "one fingerprint byte is the overflow count");
        Debug.Assert(MaxProbe * SlotsPerBucket < OverflowSaturated, "bounded probes never saturate");
        _arena = arena;
        InitEmpty();
    }

    /// <summary>Entries in the table.</summary>
    public long Count => _count;

    /// <summary>
    /// Entries whose <see cref="KeyEntry.HasExpire"/> is set (INFO keyspace "expires="). Other shards read it to
    /// know whether this one has volatile-* candidates: a volatile read of a 64-bit field only its owner writes.
    /// </summary>
    public long ExpiringCount => Volatile.Read(ref _expiringCount);

    /// <summary>Stamped on every bucket an insert, remove or split touches.</summary>
    public ulong CurrentVersion
    {
        get => _currentVersion;
        set => _currentVersion = value;
    }

    /// <summary>Arena bytes held by the directory and the segments.</summary>
    public long OverheadBytes
        => (long)_segmentCount * (long)Arena.UsableSize(SegmentSize) + (long)Arena.UsableSize(DirectoryBytes(_globalDepth));

    /// <summary>Segments in the table (for statistics and tests).</summary>
    public int SegmentCount => _segmentCount;

    /// <summary>Depth of the directory: it has 2^GlobalDepth entries.</summary>
    public int GlobalDepth => _globalDepth;

    /// <summary>
    /// The slot holding the entry for <paramref name="key"/>, or null. The caller stores a reallocated blob of
    /// the same key with <see cref="Replace"/>, never by writing the slot itself (the segment counts entries
    /// with an expiry). Valid until the next Insert, Remove, Scan-with-remove or Clear.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte** FindSlot(ReadOnlySpan<byte> key, ulong hash)
    {
        Debug.Assert(_dir != null, "table disposed");
        byte* seg = _dir[DirIndex(hash)];
        Vector128<byte> fp = Vector128.Create(Fingerprint(hash));
        int b = HomeBucket(hash);
        for (int n = 0; n < BucketsPerSegment; n++)
        {
            byte* bucket = Bucket(seg, b);
            uint match = MatchMask(bucket, fp);
            while (match != 0)
            {
                int i = BitOperations.TrailingZeroCount(match);
                byte** slot = Slots(bucket) + i;
                if (KeyEquals(*slot, key)) return slot;
                match &= match - 1;
            }
            if (bucket[OverflowOffset] == 0) return null;
            b = NextBucket(b);
        }
        return null;
    }

    /// <summary>The entry for <paramref name="key"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Find(ReadOnlySpan<byte> key, ulong hash)
    {
        byte** slot = FindSlot(key, hash);
        return slot == null ? null : *slot;
    }

    /// <summary>
    /// The first half of a lookup done ahead of time: asks the CPU for the home bucket of a key hashing to
    /// <paramref name="hash"/> (its fingerprints and slots). Reads only the directory; changes nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrefetchBucket(ulong hash)
    {
        Debug.Assert(_dir != null, "table disposed");
        if (!Sse.IsSupported) return;
        // The bucket lies inside its live segment; a prefetch never faults and has no visible effect.
        byte* bucket = Bucket(_dir[DirIndex(hash)], HomeBucket(hash));
        // The fingerprints and the first slots; a bucket spans three cache lines, two when it starts a line.
        Sse.Prefetch0(bucket);
        Sse.Prefetch0(bucket + 64);
    }

    /// <summary>
    /// The second half: asks for the entry the home bucket's first fingerprint match points to (usually the
    /// key's own). Reads the bucket, so it pays off once <see cref="PrefetchBucket"/> had time to bring it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrefetchEntry(ulong hash)
    {
        Debug.Assert(_dir != null, "table disposed");
        if (!Sse.IsSupported) return;
        byte* bucket = Bucket(_dir[DirIndex(hash)], HomeBucket(hash));
        uint match = MatchMask(bucket, Vector128.Create(Fingerprint(hash)));
        // A matched slot holds a live entry pointer (fingerprint 0 marks the empty ones).
        if (match != 0) Sse.Prefetch0(Slots(bucket)[BitOperations.TrailingZeroCount(match)]);
    }

    /// <summary>
    /// Stores <paramref name="entry"/>, a new blob of the key whose entry is at <paramref name="slot"/> (from
    /// <see cref="FindSlot"/>), in that slot. The fingerprint stays valid (same key). When the blob gains or
    /// loses its expiry, the segment's expiring count follows; only then is the key hashed, to find the
    /// segment. Call it while the old blob is still alive: its expiry flag is read here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Replace(byte** slot, byte* entry)
    {
        Debug.Assert(_dir != null, "table disposed");
        Debug.Assert(slot != null && *slot != null && entry != null);
        Debug.Assert(KeyEntry.Key(*slot).SequenceEqual(KeyEntry.Key(entry)), "Replace with a blob of another key");
        // While a snapshot runs, the slot's bucket is serialized before the old blob leaves it.
        if (_snapVersion != 0) TouchSlotBucket(slot);
        if (KeyEntry.HasExpire(*slot) != KeyEntry.HasExpire(entry)) ReplaceFlipsExpiry(slot, entry);
        *slot = entry;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    void ReplaceFlipsExpiry(byte** slot, byte* entry)
    {
        byte* seg = _dir[DirIndex(KeyHash.Hash(KeyEntry.Key(entry)))];
        Debug.Assert((byte*)slot >= seg + SegmentHeaderSize && (byte*)slot < seg + SegmentSize, "slot is not in the key's segment");
        CountExpiring(seg, KeyEntry.HasExpire(entry) ? +1 : -1);
    }

    /// <summary>Adds <paramref name="entry"/>, whose key the caller knows is absent.</summary>
    public void Insert(byte* entry, ulong hash)
    {
        Debug.Assert(_dir != null, "table disposed");
        Debug.Assert(entry != null);
        Debug.Assert(FindSlot(KeyEntry.Key(entry), hash) == null, "key already present");
        Debug.Assert(hash == KeyHash.Hash(KeyEntry.Key(entry)), "hash is not KeyHash.Hash(key)");
        while (true)
        {
            byte* seg = _dir[DirIndex(hash)];
            if (SegCount(seg) < MaxEntriesBeforeSplit && TryPlace(seg, entry, hash, MaxProbe)) break;
            if (LocalDepth(seg) == MaxDepth)
            {
                // Prefixes cannot tell these keys apart any further: use the whole segment.
                if (!TryPlace(seg, entry, hash, BucketsPerSegment)) ThrowSegmentFull();
                break;
            }
            Split(seg, hash);
        }
        _count++;
    }

    /// <summary>Removes the entry for <paramref name="key"/> and returns it, or null when absent.</summary>
    public byte* Remove(ReadOnlySpan<byte> key, ulong hash)
    {
        Debug.Assert(_dir != null, "table disposed");
        byte* seg = _dir[DirIndex(hash)];
        Vector128<byte> fp = Vector128.Create(Fingerprint(hash));
        int home = HomeBucket(hash);
        int b = home;
        for (int n = 0; n < BucketsPerSegment; n++)
        {
            byte* bucket = Bucket(seg, b);
            uint match = MatchMask(bucket, fp);
            while (match != 0)
            {
                int i = BitOperations.TrailingZeroCount(match);
                byte* entry = Slots(bucket)[i];
                if (KeyEquals(entry, key))
                {
                    RemoveAt(seg, b, i, home, KeyEntry.HasExpire(entry));
                    _count--;
                    return entry;
                }
                match &= match - 1;
            }
            if (bucket[OverflowOffset] == 0) return null;
            b = NextBucket(b);
        }
        return null;
    }

    /// <summary>Version of the bucket holding <paramref name="key"/>, or of its home bucket when absent.</summary>
    public ulong BucketVersionOf(ReadOnlySpan<byte> key, ulong hash)
    {
        byte* seg = _dir[DirIndex(hash)];
        byte** slot = FindSlot(key, hash);
        if (slot == null) return Version(Bucket(seg, HomeBucket(hash)));
        // A slot address lies inside its bucket; buckets start at SegmentHeaderSize + k * BucketSize.
        long offset = (byte*)slot - seg - SegmentHeaderSize;
        Debug.Assert(offset >= 0 && offset < BucketsPerSegment * BucketSize);
        return Version(Bucket(seg, (int)(offset / BucketSize)));
    }

    // ---- directory ----

    /// <summary>Directory index: the top _globalDepth hash bits (0 when the depth is 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    nuint DirIndex(ulong hash) => (nuint)((hash >> 1) >> (63 - _globalDepth));

    static nuint DirectoryBytes(int depth) => (nuint)sizeof(byte*) << depth;

    void InitEmpty()
    {
        _globalDepth = 0;
        _dir = (byte**)_arena.Alloc(DirectoryBytes(0));
        _dir[0] = NewSegment(0);
    }

    /// <summary>Entries per segment <see cref="Reserve"/> plans for: below <see cref="MaxEntriesBeforeSplit"/>, so few split.</summary>
    const int ReservedEntriesPerSegment = 1000;
    /// <summary>
    /// The deepest directory a reserve makes: 2^16 segments (about 700 MB, for 65M entries). A hint is not trusted
    /// further; a bigger table grows by splits past it.
    /// </summary>
    const int MaxReserveDepth = 16;

    /// <summary>
    /// Sizes an empty table for about <paramref name="expected"/> entries at once (an RDB's RESIZEDB hint, where Redis
    /// expands its dict before the keys arrive): a directory of depth d and 2^d segments of depth d, the smallest d
    /// that leaves at most <see cref="ReservedEntriesPerSegment"/> expected entries per segment. Growing one insert at
    /// a time reaches the same segments through splits, each of which rehashes every entry it moves; after a reserve
    /// the inserts split (almost) nothing. A table that holds entries, or was already grown, is left as it is.
    /// </summary>
    public void Reserve(long expected)
    {
        Debug.Assert(_dir != null, "table disposed");
        if (_count != 0 || _globalDepth != 0 || expected <= ReservedEntriesPerSegment) return;
        int depth = 0;
        while (depth < MaxReserveDepth && (expected >> depth) > ReservedEntriesPerSegment) depth++;
        FreeSegmentsAndDirectory();
        // The old directory and its one segment are gone; _dir takes 2^depth fresh segments.
        _dir = (byte**)_arena.Alloc(DirectoryBytes(depth));
        _globalDepth = depth;
        nuint len = (nuint)1 << depth;
        for (nuint i = 0; i < len; i++) _dir[i] = NewSegment(depth);
    }

    /// <summary>Doubles the directory: entry i becomes entries 2i and 2i+1.</summary>
    void GrowDirectory()
    {
        if (_globalDepth == MaxDepth) ThrowSegmentFull();
        nuint oldLen = (nuint)1 << _globalDepth;
        var dir = (byte**)_arena.Alloc(DirectoryBytes(_globalDepth + 1));
        // dir has 2 * oldLen entries; _dir has oldLen.
        for (nuint i = 0; i < oldLen; i++)
        {
            dir[2 * i] = _dir[i];
            dir[2 * i + 1] = _dir[i];
        }
        _arena.Free((byte*)_dir, DirectoryBytes(_globalDepth));
        _dir = dir;
        _globalDepth++;
    }

    /// <summary>
    /// Splits <paramref name="seg"/> (the segment <paramref name="hash"/> maps to) in place: the entries
    /// whose next prefix bit is 1 move to a new segment, which takes the upper half of seg's directory run.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    void Split(byte* seg, ulong hash)
    {
        int depth = LocalDepth(seg);
        Debug.Assert(depth < MaxDepth);
        if (depth == _globalDepth) GrowDirectory();

        byte* right = NewSegment(depth + 1);
        seg[4] = (byte)(depth + 1);
        ulong sideBit = 1UL << (63 - depth);
        for (int b = 0; b < BucketsPerSegment; b++)
        {
            byte* bucket = Bucket(seg, b);
            uint occupied = OccupiedMask(bucket);
            while (occupied != 0)
            {
                int i = BitOperations.TrailingZeroCount(occupied);
                occupied &= occupied - 1;
                byte* entry = Slots(bucket)[i];
                ulong h = KeyHash.Hash(KeyEntry.Key(entry));
                if ((h & sideBit) == 0) continue;
                RemoveAt(seg, b, i, HomeBucket(h), KeyEntry.HasExpire(entry));
                // right holds at most what seg held, so a whole-segment probe always finds a slot.
                bool placed = TryPlace(right, entry, h, BucketsPerSegment);
                Debug.Assert(placed);
            }
        }

        // seg's run of directory entries: 2^(globalDepth - depth) long, aligned; right takes its upper half.
        nuint run = (nuint)1 << (_globalDepth - depth);
        nuint start = DirIndex(hash) & ~(run - 1);
        for (nuint i = start + run / 2; i < start + run; i++) _dir[i] = right;
    }

    /// <summary>Returns the directory and every segment to the arena. Entries are left to their owner.</summary>
    void FreeSegmentsAndDirectory()
    {
        nuint len = (nuint)1 << _globalDepth;
        for (nuint i = 0; i < len;)
        {
            byte* seg = _dir[i];
            i += (nuint)1 << (_globalDepth - LocalDepth(seg));
            FreeSegment(seg);
        }
        _arena.Free((byte*)_dir, DirectoryBytes(_globalDepth));
        _dir = null;
        _expiringCount = 0;
        Debug.Assert(_segmentCount == 0);
    }

    /// <summary>Frees the table's segments and directory (not the entries). The arena must still be alive.</summary>
    public void Dispose()
    {
        if (_dir == null || _arena.IsDisposed) { _dir = null; return; }
        FreeSegmentsAndDirectory();
        _count = 0;
    }

    [DoesNotReturn]
    static void ThrowSegmentFull()
        => throw new InvalidOperationException("KeyTable: too many keys share a 32-bit hash prefix");
}
