using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastKv.Memory;

// A segment: a fixed-size open-addressing table of buckets, the unit that splits.
//
//  segment (10816 bytes: 75 buckets fill an arena block of class 10912, six per page, almost exactly)
//  +--------+------------+------------+-----+-------------+
//  | header | bucket 0   | bucket 1   | ... | bucket 74   |
//  | 16 B   | 144 B      | 144 B      |     | 144 B       |
//  +--------+------------+------------+-----+-------------+
//
//  header:  0 u32 count        entries in the segment
//           4 u8  localDepth   the segment holds exactly the hashes whose top localDepth bits are its prefix
//           5..7  reserved
//           8 u32 expiring     entries whose KeyEntry.HasExpire is set (volatile-* sampling and the active
//                              expiry walk pass over a segment where it is 0 without reading its buckets)
//           12..15 reserved
//
//  bucket (144 bytes):
//   0       16      24                                               144
//   +-------+-------+------------------------------------------------+
//   |fp[15] |version| slot[0] slot[1] ...               slot[14]     |
//   |  +ovf | u64   | u64 entry pointers (null when fp == 0)          |
//   +-------+-------+------------------------------------------------+
//   bytes 0..14  fingerprint of the entry in slot i; 0 = empty (a hash fingerprint of 0 is stored as 1)
//   byte  15     overflow: how many entries whose home is this bucket or an earlier one were stored
//                past it (probe-through count); 255 = saturated, never decremented again
//   bytes 16..23 version: CurrentVersion at the bucket's last mutation (for snapshots)
//
// An entry's home bucket is picked by the low 32 bits of its hash; it lives in the first bucket from
// home (wrapping within the segment) with a free slot. A lookup walks from home and stops at the first
// bucket whose overflow count is 0, so a miss usually costs one 16-byte compare.
public sealed unsafe partial class KeyTable
{
    const int SlotsPerBucket = 15;
    const uint SlotMask = (1u << SlotsPerBucket) - 1;
    const int OverflowOffset = 15;
    const int VersionOffset = 16;
    const int SlotsOffset = 24;
    const int BucketSize = SlotsOffset + SlotsPerBucket * 8;
    const int BucketsPerSegment = 75; // the most that fit the 10912-byte arena class
    const int SegmentHeaderSize = 16;
    const int SegmentSize = SegmentHeaderSize + BucketsPerSegment * BucketSize;
    const int SlotsPerSegment = BucketsPerSegment * SlotsPerBucket;
    const byte OverflowSaturated = byte.MaxValue;

    /// <summary>Farthest bucket (from home) an ordinary insert may use before the segment splits.</summary>
    const int MaxProbe = 16;
    /// <summary>Entries at which an ordinary insert splits the segment instead (about 94% full).</summary>
    const int MaxEntriesBeforeSplit = SlotsPerSegment * 94 / 100;
    /// <summary>Prefix bits a segment may be told apart by; the scan cursor is a 32-bit prefix.</summary>
    const int MaxDepth = 32;

    // ---- segment header ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref uint SegCount(byte* seg) => ref *(uint*)seg;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int LocalDepth(byte* seg) => seg[4];

    /// <summary>Entries of the segment that carry an expiry; kept by TryPlace, RemoveAt and Replace.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref uint SegExpiring(byte* seg) => ref *(uint*)(seg + 8);

    /// <summary>Counts an entry with an expiry arriving in (+1) or leaving (-1) <paramref name="seg"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void CountExpiring(byte* seg, int delta)
    {
        Debug.Assert(delta > 0 || SegExpiring(seg) > 0, "expiring count below zero");
        SegExpiring(seg) = (uint)((int)SegExpiring(seg) + delta);
        _expiringCount += delta;
    }

    // ---- buckets ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte* Bucket(byte* seg, int b)
    {
        Debug.Assert((uint)b < BucketsPerSegment);
        return seg + SegmentHeaderSize + b * BucketSize;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte** Slots(byte* bucket) => (byte**)(bucket + SlotsOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref ulong Version(byte* bucket) => ref *(ulong*)(bucket + VersionOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int NextBucket(int b) => b == BucketsPerSegment - 1 ? 0 : b + 1;

    /// <summary>Home bucket: multiply-shift of the low 32 hash bits (any bucket count works).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int HomeBucket(ulong hash) => (int)(((hash & 0xFFFF_FFFF) * BucketsPerSegment) >> 32);

    /// <summary>Fingerprint: hash bits 32..39, never 0 (0 marks an empty slot).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte Fingerprint(ulong hash)
    {
        byte f = (byte)(hash >> 32);
        return f == 0 ? (byte)1 : f;
    }

    /// <summary>Slots whose fingerprint equals <paramref name="fp"/>, one bit per slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static uint MatchMask(byte* bucket, Vector128<byte> fp)
        => Vector128.Equals(Vector128.Load(bucket), fp).ExtractMostSignificantBits() & SlotMask;

    /// <summary>Empty slots, one bit per slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static uint EmptyMask(byte* bucket)
        => Vector128.Equals(Vector128.Load(bucket), Vector128<byte>.Zero).ExtractMostSignificantBits() & SlotMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static uint OccupiedMask(byte* bucket) => ~EmptyMask(bucket) & SlotMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool KeyEquals(byte* entry, ReadOnlySpan<byte> key)
        => KeyEntry.KeyLength(entry) == key.Length
           && new ReadOnlySpan<byte>(KeyEntry.KeyPtr(entry), key.Length).SequenceEqual(key);

    // ---- placement within one segment ----

    /// <summary>
    /// Stores <paramref name="entry"/> in the first free slot within <paramref name="maxProbe"/> buckets of
    /// its home, raising the overflow count of every bucket it passes (and the expiring count when the entry
    /// has an expiry). False when none is free. The buckets are touched (KeyTable.Snapshot.cs) before any write.
    /// </summary>
    bool TryPlace(byte* seg, byte* entry, ulong hash, int maxProbe)
    {
        int home = HomeBucket(hash);
        int b = home;
        for (int d = 0; d < maxProbe; d++)
        {
            byte* bucket = Bucket(seg, b);
            uint empty = EmptyMask(bucket);
            if (empty != 0)
            {
                // Each bucket is touched before its first byte changes (a snapshot must see it as before); the
                // sink reads one bucket at a time, so touching each just before its own write is enough.
                for (int k = home; k != b; k = NextBucket(k))
                {
                    byte* passed = Bucket(seg, k);
                    Touch(passed);
                    if (passed[OverflowOffset] != OverflowSaturated) passed[OverflowOffset]++;
                }
                Touch(bucket);
                int i = BitOperations.TrailingZeroCount(empty);
                bucket[i] = Fingerprint(hash);
                Slots(bucket)[i] = entry;
                SegCount(seg)++;
                if (KeyEntry.HasExpire(entry)) CountExpiring(seg, +1);
                return true;
            }
            b = NextBucket(b);
        }
        return false;
    }

    /// <summary>
    /// Empties slot <paramref name="slot"/> of bucket <paramref name="b"/> and lowers the overflow count of
    /// the buckets between the entry's home and <paramref name="b"/>. <paramref name="expiring"/> is the
    /// entry's HasExpire, read by the caller while the blob was alive (a removing visitor frees it first).
    /// </summary>
    void RemoveAt(byte* seg, int b, int slot, int home, bool expiring)
    {
        byte* bucket = Bucket(seg, b);
        Debug.Assert(bucket[slot] != 0 && Slots(bucket)[slot] != null);
        // Each bucket is touched before its first byte changes (a snapshot must see it as before).
        Touch(bucket);
        bucket[slot] = 0;
        Slots(bucket)[slot] = null;
        for (int k = home; k != b; k = NextBucket(k))
        {
            byte* passed = Bucket(seg, k);
            Debug.Assert(passed[OverflowOffset] != 0, "overflow count out of step with placement");
            Touch(passed);
            if (passed[OverflowOffset] != OverflowSaturated) passed[OverflowOffset]--;
        }
        Debug.Assert(SegCount(seg) > 0);
        SegCount(seg)--;
        if (expiring) CountExpiring(seg, -1);
    }

    /// <summary>
    /// Home bucket of the entry in slot <paramref name="slot"/> of bucket <paramref name="b"/>. When the
    /// previous bucket has no overflow, nothing was displaced into <paramref name="b"/>, so no hashing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int HomeOf(byte* seg, int b, byte* entry)
    {
        int prev = b == 0 ? BucketsPerSegment - 1 : b - 1;
        if (Bucket(seg, prev)[OverflowOffset] == 0) return b;
        return HomeBucket(KeyHash.Hash(KeyEntry.Key(entry)));
    }

    /// <summary>A zeroed segment of the given depth, every bucket stamped with the current version.</summary>
    byte* NewSegment(int localDepth)
    {
        byte* seg = _arena.Alloc(SegmentSize);
        // seg is a fresh arena block of at least SegmentSize bytes.
        new Span<byte>(seg, SegmentSize).Clear();
        seg[4] = (byte)localDepth;
        // Stamped directly, not touched: the buckets are empty, there is nothing from before a cut to keep.
        for (int b = 0; b < BucketsPerSegment; b++) Version(Bucket(seg, b)) = _currentVersion;
        _segmentCount++;
        return seg;
    }

    void FreeSegment(byte* seg)
    {
        _arena.Free(seg, SegmentSize);
        _segmentCount--;
    }
}
