using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

// Whole values and key records (rdbSaveObjectType, rdbSaveObject, rdbSaveKeyValuePair). Which RDB type each
// FastKv (type, encoding) becomes:
//
//  FastKv                        RDB type                value bytes
//  string int/embstr/raw         0  STRING               the string (an int is its canonical text, so this is
//                                                        rdbSaveLongLongAsStringObject's output too)
//  hash listpack (ptr or inline) 16 HASH_LISTPACK        the listpack as a string
//  hash hashtable                4  HASH                 count, then field, value ...
//  set intset                    11 SET_INTSET           the intset blob as a string (same layout as Redis's)
//  set listpack                  20 SET_LISTPACK (v11)   the listpack as a string
//                                2  SET (v10)            count, then members (Redis 7.0 has no set listpack)
//  set hashtable                 2  SET                  count, then members
//  zset listpack                 17 ZSET_LISTPACK        the listpack as a string
//  zset skiplist                 5  ZSET_2               count, then member, binary score from the highest down
//  list (listpack or quicklist)  18 LIST_QUICKLIST_2     node count, then per node 2 (PACKED) and its listpack
//  stream                        21 STREAM_LISTPACKS_3   RdbEncode.Stream.cs (19 STREAM_LISTPACKS_2 for v10)
//
// Listpacks and intsets are Redis's bytes (FastKv.Memory), so they go out as they are. Nothing here writes to the
// entry or its structures, or uses the thread's scratch buffer for inline collections (Collection.Ptr's), so the
// snapshot serializer may call this in the middle of a command. It allocates nothing on the GC heap: an inline
// listpack is rebuilt on the stack, LZF output goes to a pooled buffer.
//
// Unsafe invariant for the whole file: `e` is a live entry of the calling shard, whose structures are valid.
public static unsafe partial class RdbEncode
{
    /// <summary>The RDB type byte and the value of entry <paramref name="e"/> (what DUMP serializes before its footer).</summary>
    public static void WriteValue(IBufferWriter<byte> w, byte* e, in RdbWriteOptions o)
    {
        WriteByte(w, ValueTypeOf(e, o.Version));
        WriteValueBody(w, e, o);
    }

    /// <summary>The value of entry <paramref name="e"/> without its type byte (rdbSaveObject).</summary>
    static void WriteValueBody(IBufferWriter<byte> w, byte* e, in RdbWriteOptions o)
    {
        byte type = KeyEntry.Type(e), enc = KeyEntry.Encoding(e);
        if (type == ValueKind.String)
        {
            WriteString(w, KeyEntry.Value(e), o.Lzf);
            return;
        }
        if (KeyEntry.IsInline(e))
        {
            Debug.Assert(Collection.InlineKind(type, enc));
            byte* lp = stackalloc byte[Collection.InlineUnpackedMaxBytes];
            int size = Collection.UnpackInline(e, lp);
            WriteString(w, new ReadOnlySpan<byte>(lp, size), o.Lzf);
            return;
        }
        byte* p = *(byte**)KeyEntry.ValuePtr(e); // the pointer form: the value is the structure's address
        if (type == ValueKind.List)
        {
            WriteQuickList(w, p, o.Lzf);
            return;
        }
        if (type == ValueKind.Stream)
        {
            WriteStream(w, p, o);
            return;
        }
        switch (enc)
        {
            case ValueEncoding.ListPack when type == ValueKind.Set && o.Version < 11:
                WriteListpackAsSet(w, p, o.Lzf);
                return;
            case ValueEncoding.ListPack:
                WriteString(w, new ReadOnlySpan<byte>(p, Listpack.TotalBytes(p)), o.Lzf);
                return;
            case ValueEncoding.IntSet:
                WriteString(w, new ReadOnlySpan<byte>(p, Intset.BlobSize(p)), o.Lzf);
                return;
            case ValueEncoding.HashTable:
                WriteFieldTable(w, p, pairs: type == ValueKind.Hash, o.Lzf);
                return;
            case ValueEncoding.SkipList:
                WriteSkipList(w, p, o.Lzf);
                return;
        }
        throw new InvalidOperationException($"no RDB form for type {type} encoding {enc}");
    }

    /// <summary>
    /// The whole record of entry <paramref name="e"/> as rdbSaveKeyValuePair writes it: EXPIRETIME_MS when it has a
    /// TTL, IDLE (seconds) under an LRU policy or FREQ (the decayed counter) under an LFU one, then type, key, value.
    /// </summary>
    public static void WriteEntry(IBufferWriter<byte> w, byte* e, in RdbWriteOptions o)
    {
        if (KeyEntry.HasExpire(e))
        {
            Span<byte> s = w.GetSpan(9);
            s[0] = RdbOpcode.ExpireTimeMs;
            BinaryPrimitives.WriteInt64LittleEndian(s.Slice(1), KeyEntry.ExpireAt(e));
            w.Advance(9);
        }
        if (o.Policy.IsLru())
        {
            WriteByte(w, RdbOpcode.Idle);
            WriteLength(w, (ulong)AccessClock.IdleSeconds(o.LruClock, KeyEntry.Lru(e)));
        }
        else if (o.Policy.IsLfu())
        {
            Span<byte> s = w.GetSpan(2);
            s[0] = RdbOpcode.Freq;
            s[1] = (byte)AccessClock.LfuDecayed(KeyEntry.Lru(e), o.LfuMinutes, o.LfuDecayTime);
            w.Advance(2);
        }
        WriteByte(w, ValueTypeOf(e, o.Version));
        WriteString(w, KeyEntry.Key(e), o.Lzf);
        WriteValueBody(w, e, o);
    }

    /// <summary>The RDB type byte <see cref="WriteValue"/> starts with for entry <paramref name="e"/>.</summary>
    public static byte ValueTypeOf(byte* e, int version)
    {
        byte type = KeyEntry.Type(e), enc = KeyEntry.Encoding(e);
        return type switch
        {
            ValueKind.String => RdbType.String,
            ValueKind.List => RdbType.ListQuicklist2,
            ValueKind.Hash => enc == ValueEncoding.HashTable ? RdbType.Hash : RdbType.HashListpack,
            ValueKind.Set => enc switch
            {
                ValueEncoding.IntSet => RdbType.SetIntset,
                ValueEncoding.ListPack when version >= 11 => RdbType.SetListpack,
                _ => RdbType.Set,
            },
            ValueKind.ZSet => enc == ValueEncoding.SkipList ? RdbType.ZSet2 : RdbType.ZSetListpack,
            ValueKind.Stream => version >= 11 ? RdbType.StreamListpacks3 : RdbType.StreamListpacks2,
            _ => throw new InvalidOperationException($"no RDB form for type {type} encoding {enc}"),
        };
    }

    /// <summary>A quicklist (or a listpack list, one node): node count, then each node as PACKED and its listpack.</summary>
    static void WriteQuickList(IBufferWriter<byte> w, byte* ql, LzfMode lzf)
    {
        WriteLength(w, (ulong)QuickList.NodeCount(ql));
        for (byte* node = QuickList.HeadNode(ql); node != null; node = QuickList.NextNode(node))
        {
            WriteLength(w, ContainerPacked);
            WriteString(w, new ReadOnlySpan<byte>(QuickList.NodeListpack(node), QuickList.NodeBytes(node)), lzf);
        }
    }

    /// <summary>A set listpack in RDB 10's plain SET form: count, then each member as a string (integers as their text).</summary>
    static void WriteListpackAsSet(IBufferWriter<byte> w, byte* lp, LzfMode lzf)
    {
        int count = 0;
        for (byte* q = Listpack.First(lp); q != null; q = Listpack.Next(lp, q)) count++;
        WriteLength(w, (ulong)count);
        byte* digits = stackalloc byte[StringValue.MaxInt64Chars];
        for (byte* q = Listpack.First(lp); q != null; q = Listpack.Next(lp, q))
        {
            if (Listpack.Get(q, out long v, out ReadOnlySpan<byte> str))
                str = new ReadOnlySpan<byte>(digits, RespNumber.FormatInt64(v, new Span<byte>(digits, StringValue.MaxInt64Chars)));
            WriteString(w, str, lzf);
        }
    }

    /// <summary>A hash or set table: its count, then per element the field (and the value for a hash).</summary>
    static void WriteFieldTable(IBufferWriter<byte> w, byte* t, bool pairs, LzfMode lzf)
    {
        WriteLength(w, (ulong)FieldTable.Count(t));
        var v = new ElementWriter { W = w, Pairs = pairs, Lzf = lzf };
        FieldTable.Enumerate(t, ref v);
    }

    struct ElementWriter : IFieldVisitor
    {
        public IBufferWriter<byte> W;
        public bool Pairs;
        public LzfMode Lzf;

        public void Visit(byte* element)
        {
            WriteString(W, FieldTable.ElementField(element), Lzf);
            if (Pairs) WriteString(W, FieldTable.ElementValue(element), Lzf);
        }
    }

    /// <summary>ZSET_2: the count, then from the highest (score, member) to the lowest, the member and its binary score.
    /// Redis walks its skiplist from the tail so that loading inserts each element at the head.</summary>
    static void WriteSkipList(IBufferWriter<byte> w, byte* zs, LzfMode lzf)
    {
        byte* index = ZSetSkipList.Index(zs);
        WriteLength(w, (ulong)SortedIndex.Length(index));
        for (byte* node = SortedIndex.Last(index); node != null; node = SortedIndex.Prev(node))
        {
            WriteString(w, SortedIndex.Member(node), lzf);
            WriteBinaryDouble(w, SortedIndex.Score(node));
        }
    }
}
