using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace FastKv.Memory;

/// <summary>
/// Receives the entries of a bucket as they were at the snapshot's cut, just before the bucket first changes
/// after it (or when the snapshot walk reaches it). The entry blobs are alive only for the call: copy what is
/// needed before returning, since the caller may free a blob right after. The sink must not change the table.
/// </summary>
public unsafe interface IBucketSink
{
    void SerializeBucket(KeyTable table, ReadOnlySpan<IntPtr> entries);
}

/// <summary>Where a snapshot walk of one table resumes: a 32-bit hash-prefix position and a bucket hint.</summary>
public struct SnapshotCursor
{
    /// <summary>Scan-style prefix position of the segment being walked.</summary>
    public uint Prefix;
    /// <summary>First bucket of that segment not yet looked at.</summary>
    public int Bucket;
    /// <summary>Set once every segment was walked.</summary>
    public bool Done;
}

// Hook 1 of the persistence design (shared design notes, persistence 1.2): versioned buckets, serialize first.
//
// A snapshot with version S starts with BeginSnapshot(S): S becomes CurrentVersion, so every bucket that holds
// entries from before the cut reads a version below S. Rule: before the first byte of such a bucket changes,
// its entries go to the sink, and the bucket is stamped S. Every mutation of the table goes through Touch
// *before* it writes a fingerprint, a slot or an overflow count, so the sink sees the bucket as it was at the
// cut. A bucket is stamped once, so it is serialized at most once; SnapshotStep serializes the buckets no
// write reached, so each is serialized exactly once. Entries only move between buckets by Split (RemoveAt,
// which serializes the old bucket, then TryPlace into a new segment stamped S): every entry present at the cut
// is in exactly one bucket below S until that bucket is serialized.
//
// When no snapshot runs, _snapVersion is 0 and no bucket version is below it: Touch costs one predictable
// compare before the stamp it always did.
public sealed unsafe partial class KeyTable
{
    /// <summary>Version of the running snapshot, 0 when none runs.</summary>
    ulong _snapVersion;
    IBucketSink? _sink;

    /// <summary>Version of the running snapshot, 0 when none runs.</summary>
    public ulong SnapshotVersion => _snapVersion;

    /// <summary>Database index this table had at the cut (SWAPDB swaps tables, which keep their index).</summary>
    public int SnapshotDb { get; set; }

    /// <summary>
    /// Starts a snapshot at version <paramref name="version"/>, above every version stamped so far:
    /// from now on each bucket below it is handed to <paramref name="sink"/> before it changes.
    /// </summary>
    public void BeginSnapshot(ulong version, IBucketSink sink)
    {
        Debug.Assert(_dir != null, "table disposed");
        Debug.Assert(_snapVersion == 0, "a snapshot already runs");
        if (version == 0 || version <= _currentVersion)
            throw new ArgumentOutOfRangeException(nameof(version), "snapshot version must exceed CurrentVersion");
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _currentVersion = version;
        _snapVersion = version;
    }

    /// <summary>Ends the running snapshot (done or aborted). CurrentVersion stays at its version.</summary>
    public void EndSnapshot()
    {
        _snapVersion = 0;
        _sink = null;
    }

    /// <summary>
    /// Hands the bucket to the sink when it still holds the cut's state, then stamps it. Call before changing
    /// any byte of the bucket.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Touch(byte* bucket)
    {
        if (Version(bucket) < _snapVersion) SerializeStale(bucket);
        Version(bucket) = _currentVersion;
    }

    /// <summary>Serializes a bucket whose version is below the snapshot's and stamps it with the snapshot's.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    void SerializeStale(byte* bucket)
    {
        Debug.Assert(_sink != null && Version(bucket) < _snapVersion);
        // Stamp first: a sink that throws must not get the bucket again, and stamping never changes an entry.
        Version(bucket) = _snapVersion;
        Span<IntPtr> entries = stackalloc IntPtr[SlotsPerBucket];
        int n = 0;
        uint occupied = OccupiedMask(bucket);
        while (occupied != 0)
        {
            int i = BitOperations.TrailingZeroCount(occupied);
            occupied &= occupied - 1;
            byte* e = Slots(bucket)[i];
            // The entries are scattered over the arena: asking for all of them before the sink reads the first
            // overlaps their cache misses (a prefetch never faults, whatever the address).
            if (Sse.IsSupported) Sse.Prefetch0(e);
            entries[n++] = (IntPtr)e;
        }
        if (n != 0) _sink!.SerializeBucket(this, entries[..n]);
    }

    /// <summary>
    /// Bucket of <paramref name="slot"/> (a slot pointer from FindSlot) touched before Replace writes it. Only
    /// while a snapshot runs: the segment is found by hashing the key.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    void TouchSlotBucket(byte** slot) => TouchSlotBucket(slot, KeyHash.Hash(KeyEntry.Key(*slot)));

    /// <summary>As <see cref="TouchSlotBucket(byte**)"/> when the key's hash is already known.</summary>
    void TouchSlotBucket(byte** slot, ulong hash)
    {
        byte* seg = _dir[DirIndex(hash)];
        long offset = (byte*)slot - seg - SegmentHeaderSize;
        Debug.Assert(offset >= 0 && offset < BucketsPerSegment * BucketSize, "slot is not in the key's segment");
        Touch(Bucket(seg, (int)(offset / BucketSize)));
    }

    /// <summary>
    /// Hook 2: serializes the bucket holding <paramref name="key"/> if it still holds the cut's state, before a
    /// command changes the entry or what it points at in place (a write that does not go through this table).
    /// A missing key needs nothing: inserting it touches its own buckets.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrepareWrite(ReadOnlySpan<byte> key, ulong hash)
    {
        if (_snapVersion == 0) return;
        byte** slot = FindSlot(key, hash);
        if (slot != null) TouchSlotBucket(slot, hash);
    }

    /// <summary>
    /// The rest of each stale entry of <paramref name="bucket"/> after its first cache line, whose header (read here)
    /// <see cref="PrefetchStale"/> asked for a bucket earlier: a 100-byte string's value spans two more lines, which
    /// the serializer's copy waited for. At most 256 bytes per entry (larger values stream on their own).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void PrefetchRest(byte* bucket)
    {
        if (!Sse.IsSupported || Version(bucket) >= _snapVersion) return;
        uint occupied = OccupiedMask(bucket);
        while (occupied != 0)
        {
            int i = BitOperations.TrailingZeroCount(occupied);
            occupied &= occupied - 1;
            byte* e = Slots(bucket)[i];
            // Reads the entry's header (a live entry of this table); the prefetches stay within its allocation.
            byte* end = e + Math.Min(KeyEntry.AllocSize(e), 256);
            for (byte* line = (byte*)((nuint)e & ~(nuint)63) + 64; line < end; line += 64) Sse.Prefetch0(line);
        }
    }

    /// <summary>
    /// The walk's bucket after next: the first line of its entries is fetched into the cache while the current
    /// bucket is serialized (and the rest of them while the next one is), so the walk seldom waits for memory
    /// (the first read of each entry was most of the walk's time).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void PrefetchStale(byte* bucket)
    {
        if (!Sse.IsSupported || Version(bucket) >= _snapVersion) return;
        uint occupied = OccupiedMask(bucket);
        while (occupied != 0)
        {
            int i = BitOperations.TrailingZeroCount(occupied);
            occupied &= occupied - 1;
            Sse.Prefetch0(Slots(bucket)[i]);
        }
    }

    /// <summary>
    /// Serializes the buckets no write has reached yet, walking segments in prefix order from
    /// <paramref name="cursor"/>. Looks at no more than <paramref name="budget"/> buckets (at least one) and
    /// returns true once the walk is complete. A split between calls only narrows the segment covering the
    /// cursor, whose start stays put; the new segment's buckets carry the snapshot version, so a stale bucket
    /// hint costs only version compares.
    /// </summary>
    public bool SnapshotStep(ref SnapshotCursor cursor, int budget)
    {
        Debug.Assert(_dir != null, "table disposed");
        if (_snapVersion == 0) throw new InvalidOperationException("no snapshot runs");
        if (cursor.Done) return true;
        while (true)
        {
            byte* seg = _dir[(nuint)((ulong)cursor.Prefix >> (CursorBits - _globalDepth))];
            for (int b = cursor.Bucket; b < BucketsPerSegment; b++)
            {
                if (budget-- <= 0)
                {
                    cursor.Bucket = b;
                    return false;
                }
                byte* bucket = Bucket(seg, b);
                if (b + 2 < BucketsPerSegment) PrefetchStale(Bucket(seg, b + 2));
                if (b + 1 < BucketsPerSegment) PrefetchRest(Bucket(seg, b + 1));
                if (Version(bucket) < _snapVersion) SerializeStale(bucket);
            }
            ulong span = 1UL << (CursorBits - LocalDepth(seg));
            ulong end = ((ulong)cursor.Prefix & ~(span - 1)) + span;
            cursor.Bucket = 0;
            if (end >= 1UL << CursorBits)
            {
                cursor.Done = true;
                return true;
            }
            cursor.Prefix = (uint)end;
        }
    }
}
