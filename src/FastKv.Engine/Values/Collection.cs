using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// The value of a collection key (list, set, sorted set, hash): the entry's value is exactly one
/// pointer to the native structure in the shard's arena, and this class dispatches the operations
/// every type must offer on that structure by (type, encoding):
/// <code>
///  type  encoding   structure
///  hash  listpack   Listpack: field, value, field, value ...
///  hash  hashtable  FieldTable (element = field + value)
///  set   intset     Intset
///  set   listpack   Listpack: member, member ...
///  set   hashtable  FieldTable (element = member, empty value)
///  list  listpack   QuickList with the Unlimited fill: one node (see ListEncoding)
///  list  quicklist  QuickList
///  zset  listpack   Listpack: member, score, member, score ... in order (ZSetListpack)
///  zset  skiplist   ZSetSkipList: FieldTable member→score plus SortedIndex
///  stream stream     Stream: listpack nodes indexed by master ID
/// </code>
/// A list is a QuickList whatever its encoding nibble says, so lists dispatch on the type before the encoding.
///
/// Serialized form (<see cref="Serialize"/>): what <see cref="EntryDump"/> carries between shards.
/// Blob encodings (listpack, intset) travel as their bytes; a FieldTable travels as
/// <c>[count i64] ([fieldLen u32][valueLen u32][field][value])*</c>, little-endian. A list travels as
/// <c>[fill i32]</c> followed by its nodes' listpacks, each as its bytes (a listpack starts with its size).
/// A zset skiplist travels as <see cref="ZSetSkipList.Serialize"/> writes it.
/// <see cref="Deserialize"/> checks everything it reads: the internal commands that carry these bytes
/// are reachable by any client, so a forged payload must give an error, never a crash.
///
/// Small hash listpacks may live inside the entry instead (Collection.Inline.cs): <see cref="Ptr"/> gives
/// their bytes, so readers need not care, but the structure-level calls here (Free, BytesUsed, Clone)
/// are only for pointed-to structures; entry-level callers go through the Collection.Inline.cs methods.
///
/// Unsafe invariant for the whole class: <c>p</c> is the live structure a key of the given type and
/// encoding points at, owned by the calling shard's arena.
/// </summary>
public static unsafe partial class Collection
{
    /// <summary>Bytes of a collection entry's value: one pointer.</summary>
    public const int ValueSize = 8;

    /// <summary>The structure of a collection entry: what its value points at, or, when inline, its listpack
    /// rebuilt in this thread's scratch buffer (read-only, valid until the next inline Ptr; Collection.Inline.cs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Ptr(byte* e)
        => KeyEntry.IsInline(e) ? Unpacked(e) : *(byte**)KeyEntry.ValuePtr(e);

    /// <summary>Stores a moved structure's pointer; never for an inline entry (see <see cref="Detach"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetPtr(byte* e, byte* p)
    {
        System.Diagnostics.Debug.Assert(!KeyEntry.IsInline(e), "an inline collection is written through Detach/Settle");
        *(byte**)KeyEntry.ValuePtr(e) = p;
    }

    /// <summary>Frees what the value of a collection points at.</summary>
    public static void Free(Arena arena, byte type, byte enc, byte* p)
    {
        if (type == ValueKind.List) { QuickList.Free(arena, p); return; }
        if (type == ValueKind.Stream) { StreamValue.Free(arena, p); return; }
        switch (enc)
        {
            case ValueEncoding.ListPack: Listpack.Free(arena, p); return;
            case ValueEncoding.IntSet: Intset.Free(arena, p); return;
            case ValueEncoding.HashTable when type is ValueKind.Hash or ValueKind.Set: FieldTable.Free(arena, p); return;
            case ValueEncoding.SkipList when type == ValueKind.ZSet: ZSetSkipList.Free(arena, p); return;
        }
        throw new InvalidOperationException($"no free for type {type} encoding {enc}");
    }

    /// <summary>Where a free in steps (<see cref="FreeSome"/>) stands: start from the default.</summary>
    public struct FreeCursor
    {
        public int Phase;
        public nuint Position;
    }

    /// <summary>
    /// A free in steps (lazy free, <see cref="LazyFree"/>): frees part of the structure, about <paramref name="budget"/>
    /// allocations (taken from it), and says whether all of it is gone. The structure must be out of the keyspace.
    /// Structures of one allocation go in one step.
    /// </summary>
    public static bool FreeSome(Arena arena, byte type, byte enc, byte* p, ref FreeCursor cursor, ref int budget)
    {
        if (type == ValueKind.List) return QuickList.FreeSome(arena, p, ref budget);
        if (type == ValueKind.Stream) return StreamValue.FreeSome(arena, p, ref cursor, ref budget);
        switch (enc)
        {
            case ValueEncoding.HashTable when type is ValueKind.Hash or ValueKind.Set:
                return FieldTable.FreeSome(arena, p, ref cursor.Position, ref budget);
            case ValueEncoding.SkipList when type == ValueKind.ZSet:
                return ZSetSkipList.FreeSome(arena, p, ref cursor, ref budget);
        }
        Free(arena, type, enc, p);
        budget--;
        return true;
    }

    /// <summary>
    /// Redis's lazyfreeGetFreeEffort: a number proportional to the allocations freeing the value takes. A quicklist's
    /// nodes, a hash table's or a skiplist's elements, a stream's radix-tree nodes plus, per consumer group, one and
    /// the first group's PEL size (Redis's estimate); 1 for anything of one allocation (listpacks, intsets).
    /// </summary>
    public static long FreeEffort(byte type, byte enc, byte* p)
    {
        if (type == ValueKind.List) return enc == ValueEncoding.QuickList ? QuickList.NodeCount(p) : 1;
        if (type == ValueKind.Stream)
        {
            long effort = StreamValue.RaxNodeCount(p);
            int groups = StreamGroups.Count(p);
            if (groups > 0) effort += groups * (1L + StreamGroups.PelCount(StreamGroups.At(p, 0)));
            return effort;
        }
        return enc switch
        {
            ValueEncoding.HashTable when type is ValueKind.Hash or ValueKind.Set => FieldTable.Count(p),
            ValueEncoding.SkipList when type == ValueKind.ZSet => ZSetSkipList.Length(p),
            _ => 1,
        };
    }

    /// <summary>Arena bytes the structure holds (MEMORY USAGE).</summary>
    public static long BytesUsed(byte type, byte enc, byte* p)
    {
        if (type == ValueKind.List) return QuickList.BytesUsed(p);
        if (type == ValueKind.Stream) return StreamValue.BytesUsed(p);
        switch (enc)
        {
            case ValueEncoding.ListPack: return (long)Arena.UsableSize((nuint)Listpack.TotalBytes(p));
            case ValueEncoding.IntSet: return (long)Arena.UsableSize((nuint)Intset.BlobSize(p));
            case ValueEncoding.HashTable when type is ValueKind.Hash or ValueKind.Set: return FieldTable.BytesUsed(p);
            case ValueEncoding.SkipList when type == ValueKind.ZSet: return ZSetSkipList.BytesUsed(p);
        }
        throw new InvalidOperationException($"no size for type {type} encoding {enc}");
    }

    /// <summary>A deep copy in the same arena (COPY within a shard).</summary>
    public static byte* Clone(Arena arena, byte type, byte enc, byte* p)
    {
        if (type == ValueKind.List) return QuickList.Clone(arena, p);
        if (type == ValueKind.Stream) return StreamValue.Clone(arena, p);
        var w = new ArrayBufferWriter<byte>();
        Serialize(type, enc, p, w);
        byte* copy = Deserialize(arena, type, enc, w.WrittenSpan);
        if (copy == null) throw new InvalidOperationException("a serialized collection did not read back");
        return copy;
    }

    /// <summary>Appends the serialized form of the structure to <paramref name="w"/>.</summary>
    public static void Serialize(byte type, byte enc, byte* p, IBufferWriter<byte> w)
    {
        if (type == ValueKind.List) { SerializeQuickList(p, w); return; }
        if (type == ValueKind.Stream) { StreamValue.Serialize(p, w); return; }
        switch (enc)
        {
            case ValueEncoding.ListPack: w.Write(new ReadOnlySpan<byte>(p, Listpack.TotalBytes(p))); return;
            case ValueEncoding.IntSet: w.Write(new ReadOnlySpan<byte>(p, Intset.BlobSize(p))); return;
            case ValueEncoding.HashTable when type is ValueKind.Hash or ValueKind.Set: SerializeFieldTable(p, w); return;
            case ValueEncoding.SkipList when type == ValueKind.ZSet: ZSetSkipList.Serialize(p, w); return;
        }
        throw new InvalidOperationException($"no serializer for type {type} encoding {enc}");
    }

    /// <summary>Builds the structure from its serialized form; null when the bytes are not a valid one.</summary>
    public static byte* Deserialize(Arena arena, byte type, byte enc, ReadOnlySpan<byte> data)
    {
        if (type == ValueKind.List) return DeserializeQuickList(arena, enc, data);
        if (type == ValueKind.Stream) return enc == ValueEncoding.Stream ? StreamValue.Deserialize(arena, data) : null;
        switch (enc)
        {
            case ValueEncoding.ListPack when type is ValueKind.Hash or ValueKind.Set:
                return CopyBlob(arena, data, ValidListpack(data, pairs: type == ValueKind.Hash));
            case ValueEncoding.ListPack when type == ValueKind.ZSet:
                return CopyBlob(arena, data, ValidListpack(data, pairs: true) && ValidZSetListpack(data));
            case ValueEncoding.SkipList when type == ValueKind.ZSet:
                return ZSetSkipList.Deserialize(arena, data, NextSeed());
            case ValueEncoding.IntSet when type == ValueKind.Set:
                return CopyBlob(arena, data, ValidIntset(data));
            case ValueEncoding.HashTable when type is ValueKind.Hash or ValueKind.Set:
                return DeserializeFieldTable(arena, data, type == ValueKind.Set);
        }
        return null;
    }

    static byte* CopyBlob(Arena arena, ReadOnlySpan<byte> data, bool valid)
    {
        if (!valid) return null;
        byte* p = arena.Alloc((nuint)data.Length);
        data.CopyTo(new Span<byte>(p, data.Length));
        return p;
    }

    /// <summary>A valid listpack blob, non-empty (empty collections do not exist), of field/value pairs when asked.</summary>
    internal static bool ValidListpack(ReadOnlySpan<byte> data, bool pairs)
    {
        if (data.Length < Listpack.EmptySize) return false;
        fixed (byte* d = data)
        {
            if (!Listpack.Validate(d, data.Length)) return false;
            int n = Listpack.Count(d);
            return n > 0 && (!pairs || (n & 1) == 0);
        }
    }

    static ulong seedCounter;

    /// <summary>Level-generator seed for an index built from bytes (no shard at hand): a counter mixed with the clock.</summary>
    static ulong NextSeed() =>
        (ulong)System.Diagnostics.Stopwatch.GetTimestamp() ^ (System.Threading.Interlocked.Increment(ref seedCounter) * 0x9E3779B97F4A7C15UL);

    /// <summary>
    /// A zset listpack (already a valid listpack of pairs): every score is an integer or a float text
    /// that is not NaN, pairs strictly ascend by (score, member), and no member repeats.
    /// </summary>
    internal static bool ValidZSetListpack(ReadOnlySpan<byte> data)
    {
        var seen = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
        Span<byte> scratch = stackalloc byte[ZSetListpack.IntegerScratch];
        fixed (byte* lp = data)
        {
            double prevScore = 0;
            byte[]? prevMember = null;
            for (byte* e = Listpack.First(lp); e != null; e = ZSetListpack.NextPair(lp, e))
            {
                byte* sp = Listpack.Next(lp, e);
                double score;
                if (!Listpack.Get(sp, out long iv, out ReadOnlySpan<byte> text)) { if (!FastKv.Protocol.RespNumber.TryParseDouble(text, out score)) return false; }
                else score = iv;
                ReadOnlySpan<byte> m = ZSetListpack.Member(e, scratch);
                if (prevMember != null && (score < prevScore || (score == prevScore && m.SequenceCompareTo(prevMember) <= 0))) return false;
                if (!seen.Add(System.Text.Encoding.Latin1.GetString(m))) return false;
                prevScore = score;
                prevMember = m.ToArray();
            }
        }
        return true;
    }

    /// <summary>An intset blob: encoding 2/4/8, length matching the bytes, members strictly ascending and each needing at most the encoding.</summary>
    internal static bool ValidIntset(ReadOnlySpan<byte> data)
    {
        if (data.Length < Intset.HeaderSize) return false;
        int enc = BinaryPrimitives.ReadInt32LittleEndian(data);
        int len = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(4));
        if (enc is not (2 or 4 or 8) || len < 0 || (long)len * enc != data.Length - Intset.HeaderSize) return false;
        long prev = 0;
        for (int i = 0; i < len; i++)
        {
            ReadOnlySpan<byte> at = data.Slice(Intset.HeaderSize + i * enc);
            long v = enc == 2 ? BinaryPrimitives.ReadInt16LittleEndian(at)
                : enc == 4 ? BinaryPrimitives.ReadInt32LittleEndian(at)
                : BinaryPrimitives.ReadInt64LittleEndian(at);
            if (i > 0 && v <= prev) return false;
            prev = v;
        }
        return true;
    }

    struct FieldWriter : IFieldVisitor
    {
        public IBufferWriter<byte> W;
        public void Visit(byte* element)
        {
            int fl = FieldTable.ElementFieldLength(element), vl = FieldTable.ElementValueLength(element);
            Span<byte> head = W.GetSpan(8);
            BinaryPrimitives.WriteInt32LittleEndian(head, fl);
            BinaryPrimitives.WriteInt32LittleEndian(head.Slice(4), vl);
            W.Advance(8);
            W.Write(FieldTable.ElementField(element));
            W.Write(FieldTable.ElementValue(element));
        }
    }

    static void SerializeFieldTable(byte* t, IBufferWriter<byte> w)
    {
        Span<byte> head = w.GetSpan(8);
        BinaryPrimitives.WriteInt64LittleEndian(head, FieldTable.Count(t));
        w.Advance(8);
        var v = new FieldWriter { W = w };
        FieldTable.Enumerate(t, ref v);
    }

    static byte* DeserializeFieldTable(Arena arena, ReadOnlySpan<byte> data, bool isSet)
    {
        if (data.Length < 8) return null;
        long count = BinaryPrimitives.ReadInt64LittleEndian(data);
        // Every element takes at least its 8-byte header, so a count beyond that is forged.
        if (count <= 0 || count > (data.Length - 8) / 8) return null;
        byte* t = FieldTable.Create(arena, (int)count);
        int pos = 8;
        for (long i = 0; i < count; i++)
        {
            if (data.Length - pos < 8) break;
            uint fl = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(pos));
            uint vl = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(pos + 4));
            pos += 8;
            if (fl > (uint)(data.Length - pos) || vl > (uint)(data.Length - pos) - fl || (isSet && vl != 0)) break;
            ReadOnlySpan<byte> field = data.Slice(pos, (int)fl);
            ReadOnlySpan<byte> value = data.Slice(pos + (int)fl, (int)vl);
            pos += (int)(fl + vl);
            bool added = isSet ? FieldTable.Add(arena, ref t, field) : FieldTable.Set(arena, ref t, field, value);
            if (!added) break; // a repeated field
        }
        if (pos != data.Length || FieldTable.Count(t) != count)
        {
            FieldTable.Free(arena, t);
            return null;
        }
        return t;
    }

    static void SerializeQuickList(byte* ql, IBufferWriter<byte> w)
    {
        Span<byte> head = w.GetSpan(4);
        BinaryPrimitives.WriteInt32LittleEndian(head, QuickList.Fill(ql));
        w.Advance(4);
        for (byte* node = QuickList.HeadNode(ql); node != null; node = QuickList.NextNode(node))
            w.Write(new ReadOnlySpan<byte>(QuickList.NodeListpack(node), QuickList.NodeBytes(node)));
    }

    /// <summary>A list from its serialized form: a fill that fits the encoding (listpack: Unlimited and one
    /// node; quicklist: a real fill), then at least one valid, non-empty listpack.</summary>
    static byte* DeserializeQuickList(Arena arena, byte enc, ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || enc is not (ValueEncoding.ListPack or ValueEncoding.QuickList)) return null;
        int fill = BinaryPrimitives.ReadInt32LittleEndian(data);
        bool unlimited = fill == QuickList.Unlimited;
        if (unlimited != (enc == ValueEncoding.ListPack)) return null;
        if (!unlimited && (fill < QuickList.MinFill || fill > QuickList.MaxFill)) return null;
        byte* ql = QuickList.Create(arena, fill);
        int pos = 4;
        while (pos < data.Length)
        {
            if (data.Length - pos < Listpack.EmptySize) break;
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(pos));
            if (size < Listpack.EmptySize || size > (uint)(data.Length - pos)) break;
            ReadOnlySpan<byte> lp = data.Slice(pos, (int)size);
            if (!ValidListpack(lp, pairs: false)) break;
            QuickList.AppendListpack(arena, ql, lp);
            pos += (int)size;
        }
        if (pos != data.Length || QuickList.Count(ql) == 0 || (unlimited && QuickList.NodeCount(ql) != 1))
        {
            QuickList.Free(arena, ql);
            return null;
        }
        return ql;
    }
}
