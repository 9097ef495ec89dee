using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// The "skiplist" encoding of large sorted sets, Redis's <c>zset</c> struct: a member→score hash table
/// and the ordered index, both in the shard's arena, tied together by one small blob.
/// <code>
///  blob (BlobSize bytes)
///   offset  size  field
///    0      ptr   dict: FieldTable, element = member + 8-byte score (f64, native byte order)
///    8      ptr   index: SortedIndex of (score, member)
///   16      u64   level generator state for the index (SplitMix64)
/// </code>
/// Every member is in both, with the same score bits; the dict answers ZSCORE and membership, the index
/// order, ranks and ranges. Writers change both: insert into both, delete from the dict first (its
/// element is freed, the node's member bytes stay valid for the index delete).
/// Serialized form: <c>[count i64] ([memberLen u32][score f64][member])*</c> in index order, little-endian.
/// Unsafe invariant for the whole class: <c>zs</c> is a live blob from <see cref="Create"/> in the calling
/// shard's arena.
/// </summary>
public static unsafe class ZSetSkipList
{
    public const int BlobSize = 24;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Dict(byte* zs) => *(byte**)zs;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Index(byte* zs) => *(byte**)(zs + 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref ulong Rng(byte* zs) => ref *(ulong*)(zs + 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Length(byte* zs) => SortedIndex.Length(Index(zs));

    public static byte* Create(Arena arena, int sizeHint, ulong seed)
    {
        byte* zs = arena.Alloc(BlobSize);
        *(byte**)zs = FieldTable.Create(arena, sizeHint);
        *(byte**)(zs + 8) = SortedIndex.Create(arena);
        Rng(zs) = seed;
        return zs;
    }

    /// <summary>Takes an existing dict (member→score, e.g. an accumulator) and builds the index over it.</summary>
    public static byte* FromDict(Arena arena, byte* dict, ulong seed)
    {
        byte* zs = arena.Alloc(BlobSize);
        *(byte**)zs = dict;
        *(byte**)(zs + 8) = SortedIndex.Create(arena);
        Rng(zs) = seed;
        var v = new IndexBuilder { Arena = arena, Zsl = Index(zs), Rng = seed };
        FieldTable.Enumerate(dict, ref v);
        Rng(zs) = v.Rng;
        return zs;
    }

    struct IndexBuilder : IFieldVisitor
    {
        public Arena Arena;
        public byte* Zsl;
        public ulong Rng;
        public void Visit(byte* element) =>
            SortedIndex.Insert(Arena, Zsl, ElementScore(element), FieldTable.ElementField(element), ref Rng);
    }

    public static void Free(Arena arena, byte* zs)
    {
        FieldTable.Free(arena, Dict(zs));
        SortedIndex.Free(arena, Index(zs));
        arena.Free(zs, BlobSize);
    }

    /// <summary>A free in steps (lazy free): the dict, then the index, then the blob; true once all are gone.</summary>
    public static bool FreeSome(Arena arena, byte* zs, ref Collection.FreeCursor cursor, ref int budget)
    {
        if (cursor.Phase == 0)
        {
            if (!FieldTable.FreeSome(arena, Dict(zs), ref cursor.Position, ref budget)) return false;
            cursor.Phase = 1;
        }
        if (!SortedIndex.FreeSome(arena, Index(zs), ref budget)) return false;
        arena.Free(zs, BlobSize);
        return true;
    }

    public static long BytesUsed(byte* zs) =>
        (long)Arena.UsableSize(BlobSize) + FieldTable.BytesUsed(Dict(zs)) + SortedIndex.BytesUsed(Index(zs));

    /// <summary>The score stored in a dict element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ElementScore(byte* element) => Unsafe.ReadUnaligned<double>(ref MemoryMarshal.GetReference(FieldTable.ElementValue(element)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetElementScore(byte* element, double score)
    {
        // The element's value is the 8 score bytes; FieldTable lets a caller rewrite a value of the same size.
        Span<byte> v = new(element + FieldTable.ElementHeaderSize + FieldTable.ElementFieldLength(element), sizeof(double));
        Unsafe.WriteUnaligned(ref MemoryMarshal.GetReference(v), score);
    }

    /// <summary>The member's score from the dict.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryGetScore(byte* zs, ReadOnlySpan<byte> member, out double score)
    {
        byte* el = FieldTable.Find(Dict(zs), member);
        score = el == null ? 0 : ElementScore(el);
        return el != null;
    }

    /// <summary>Adds a member known absent to both structures.</summary>
    public static void Insert(Arena arena, byte* zs, ReadOnlySpan<byte> member, double score)
    {
        Debug.Assert(!double.IsNaN(score));
        byte* dict = Dict(zs);
        bool added = FieldTable.Set(arena, ref dict, member, new ReadOnlySpan<byte>(&score, sizeof(double)));
        Debug.Assert(added);
        *(byte**)zs = dict;
        SortedIndex.Insert(arena, Index(zs), score, member, ref Rng(zs));
    }

    /// <summary>Moves a present member from <paramref name="oldScore"/> to <paramref name="newScore"/> (zslUpdateScore).</summary>
    public static void UpdateScore(Arena arena, byte* zs, ReadOnlySpan<byte> member, double oldScore, double newScore)
    {
        SortedIndex.UpdateScore(arena, Index(zs), oldScore, member, newScore, ref Rng(zs));
        byte* el = FieldTable.Find(Dict(zs), member);
        Debug.Assert(el != null);
        SetElementScore(el, newScore);
    }

    /// <summary>Removes a member; false when absent. <paramref name="member"/> may be a node's own bytes.</summary>
    public static bool Delete(Arena arena, byte* zs, ReadOnlySpan<byte> member)
    {
        byte* dict = Dict(zs);
        byte* el = FieldTable.Find(dict, member);
        if (el == null) return false;
        double score = ElementScore(el);
        FieldTable.Remove(arena, ref dict, member);
        *(byte**)zs = dict;
        bool found = SortedIndex.Delete(arena, Index(zs), score, member);
        Debug.Assert(found);
        return true;
    }

    /// <summary>Drops each member a range delete removes from the dict (the node dies after the call).</summary>
    public struct DictRemover : ISortedIndexVisitor
    {
        public Arena Arena;
        public byte* Dict;
        public void Removed(double score, ReadOnlySpan<byte> member) => FieldTable.Remove(Arena, ref Dict, member);
    }

    public static DictRemover Remover(Arena arena, byte* zs) => new() { Arena = arena, Dict = Dict(zs) };

    /// <summary>Stores back the dict pointer a <see cref="DictRemover"/> may have changed.</summary>
    public static void AfterRemove(byte* zs, in DictRemover r) => *(byte**)zs = r.Dict;

    // ---- serialized form ----

    public static void Serialize(byte* zs, IBufferWriter<byte> w)
    {
        Span<byte> head = w.GetSpan(8);
        BinaryPrimitives.WriteInt64LittleEndian(head, Length(zs));
        w.Advance(8);
        for (byte* n = SortedIndex.First(Index(zs)); n != null; n = SortedIndex.Next(n))
        {
            ReadOnlySpan<byte> m = SortedIndex.Member(n);
            Span<byte> h = w.GetSpan(12);
            BinaryPrimitives.WriteInt32LittleEndian(h, m.Length);
            BinaryPrimitives.WriteInt64LittleEndian(h.Slice(4), BitConverter.DoubleToInt64Bits(SortedIndex.Score(n)));
            w.Advance(12);
            w.Write(m);
        }
    }

    /// <summary>
    /// Reads <see cref="Serialize"/>'s form; null unless it is non-empty, exact in length, free of NaN,
    /// strictly ordered and without repeated members (the bytes may be forged).
    /// </summary>
    public static byte* Deserialize(Arena arena, ReadOnlySpan<byte> data, ulong seed)
    {
        if (data.Length < 8) return null;
        long count = BinaryPrimitives.ReadInt64LittleEndian(data);
        // Every pair takes at least its 12-byte header, so a count beyond that is forged.
        if (count <= 0 || count > (data.Length - 8) / 12) return null;
        byte* zs = Create(arena, (int)count, seed);
        int pos = 8;
        long read = 0;
        double prevScore = 0;
        int prevPos = -1, prevLen = 0;
        bool ok = true;
        for (; read < count && ok; read++)
        {
            if (data.Length - pos < 12) { ok = false; break; }
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(pos));
            double score = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64LittleEndian(data.Slice(pos + 4)));
            pos += 12;
            if (len > (uint)(data.Length - pos) || double.IsNaN(score)) { ok = false; break; }
            ReadOnlySpan<byte> member = data.Slice(pos, (int)len);
            if (prevPos >= 0 && (score < prevScore || (score == prevScore && member.SequenceCompareTo(data.Slice(prevPos, prevLen)) <= 0)))
            {
                ok = false;
                break;
            }
            if (FieldTable.Find(Dict(zs), member) != null) { ok = false; break; }
            Insert(arena, zs, member, score);
            prevScore = score;
            prevPos = pos;
            prevLen = (int)len;
            pos += (int)len;
        }
        if (!ok || pos != data.Length || read != count)
        {
            Free(arena, zs);
            return null;
        }
        return zs;
    }
}
