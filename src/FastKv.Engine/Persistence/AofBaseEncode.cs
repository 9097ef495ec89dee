using System;
using System.Buffers;
using System.Diagnostics;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

// An AOF base in command form (aof-use-rdb-preamble no): Redis 7.2's rewriteAppendOnlyFileRio. Each key becomes the
// commands that rebuild it, RESP arrays of bulk strings, then PEXPIREAT when it has a TTL:
//
//  FastKv type   commands                                  items per command (AOF_REWRITE_ITEMS_PER_CMD)
//  string        SET key value                             -
//  list          RPUSH key e1 .. e64, from head to tail    64 elements
//  set           SADD key m1 .. m64                        64 members
//  sorted set    ZADD key score1 m1 .. score64 m64         64 pairs; a score as fpconv_dtoa writes it
//  hash          HMSET key f1 v1 .. f64 v64                64 pairs
//  stream        XADD per entry, XSETID, XGROUP CREATE ...    - (AofBaseEncode.Stream.cs)
//
// The array header counts the items the command will hold (min(64, items left)), so it is written before them.
// A listpack integer is its decimal (rioWriteBulkLongLong), as is an intset member. The snapshot serializer calls
// this for one entry at a time, like RdbEncode.WriteEntry: the same cut, slices and copy-on-write, another form. It
// writes nothing to the entry and allocates nothing on the GC heap (an inline hash is rebuilt on the stack).
//
// Unsafe invariant for the whole file: `e` is a live entry of the calling shard, whose structures are valid and are
// not changed while it is encoded.
public static unsafe partial class AofBaseEncode
{
    /// <summary>AOF_REWRITE_ITEMS_PER_CMD: elements (or pairs) per RPUSH, SADD, ZADD or HMSET.</summary>
    public const int ItemsPerCommand = 64;

    /// <summary>The commands that rebuild entry <paramref name="e"/>, then its PEXPIREAT when it has a TTL.</summary>
    public static void WriteEntry(IBufferWriter<byte> w, byte* e)
    {
        ReadOnlySpan<byte> key = KeyEntry.Key(e);
        byte type = KeyEntry.Type(e), enc = KeyEntry.Encoding(e);
        if (type == ValueKind.String)
        {
            ArrayHeader(w, 3);
            Bulk(w, "SET"u8);
            Bulk(w, key);
            Bulk(w, KeyEntry.Value(e));
        }
        else if (KeyEntry.IsInline(e))
        {
            Debug.Assert(Collection.InlineKind(type, enc) && type == ValueKind.Hash);
            byte* lp = stackalloc byte[Collection.InlineUnpackedMaxBytes];
            Collection.UnpackInline(e, lp);
            WriteListpack(w, "HMSET"u8, key, lp, pairs: true);
        }
        else
        {
            byte* p = *(byte**)KeyEntry.ValuePtr(e); // the pointer form: the value is the structure's address
            switch (type)
            {
                case ValueKind.List:
                    WriteList(w, key, p);
                    break;
                case ValueKind.Set when enc == ValueEncoding.IntSet:
                    WriteIntset(w, key, p);
                    break;
                case ValueKind.Set when enc == ValueEncoding.ListPack:
                    WriteListpack(w, "SADD"u8, key, p, pairs: false);
                    break;
                case ValueKind.Set when enc == ValueEncoding.HashTable:
                    WriteFieldTable(w, "SADD"u8, key, p, pairs: false);
                    break;
                case ValueKind.Hash when enc == ValueEncoding.ListPack:
                    WriteListpack(w, "HMSET"u8, key, p, pairs: true);
                    break;
                case ValueKind.Hash when enc == ValueEncoding.HashTable:
                    WriteFieldTable(w, "HMSET"u8, key, p, pairs: true);
                    break;
                case ValueKind.ZSet when enc == ValueEncoding.ListPack:
                    WriteZSetListpack(w, key, p);
                    break;
                case ValueKind.ZSet when enc == ValueEncoding.SkipList:
                    WriteSkipList(w, key, p);
                    break;
                case ValueKind.Stream:
                    WriteStream(w, key, p);
                    break;
                default:
                    throw new InvalidOperationException($"no AOF form for type {type} encoding {enc}");
            }
        }
        if (KeyEntry.HasExpire(e))
        {
            ArrayHeader(w, 3);
            Bulk(w, "PEXPIREAT"u8);
            Bulk(w, key);
            BulkInteger(w, KeyEntry.ExpireAt(e));
        }
    }

    /// <summary>"FUNCTION LOAD code", one per library at the start of a base (Redis's rewriteFunctions).</summary>
    public static void WriteFunctionLoad(IBufferWriter<byte> w, ReadOnlySpan<byte> code)
    {
        ArrayHeader(w, 3);
        Bulk(w, "FUNCTION"u8);
        Bulk(w, "LOAD"u8);
        Bulk(w, code);
    }

    /// <summary>"SELECT db", written by the file writer where the database changes.</summary>
    public static void WriteSelect(IBufferWriter<byte> w, int db)
    {
        ArrayHeader(w, 2);
        Bulk(w, "SELECT"u8);
        BulkInteger(w, db);
    }

    /// <summary>
    /// Starts a command of <paramref name="name"/> when <paramref name="count"/> items were written since the last
    /// one began (0 or 64), with room for the items left: rewriteListObject's <c>count == 0</c> step.
    /// </summary>
    static void MaybeBegin(IBufferWriter<byte> w, ReadOnlySpan<byte> name, ReadOnlySpan<byte> key, ref int count, long left, int width)
    {
        if (count == ItemsPerCommand) count = 0;
        if (count != 0) return;
        ArrayHeader(w, 2 + width * Math.Min(left, ItemsPerCommand));
        Bulk(w, name);
        Bulk(w, key);
    }

    /// <summary>RPUSH batches from head to tail, over every quicklist node (a listpack list is one node).</summary>
    static void WriteList(IBufferWriter<byte> w, ReadOnlySpan<byte> key, byte* ql)
    {
        long left = QuickList.Count(ql);
        int count = 0;
        for (byte* node = QuickList.HeadNode(ql); node != null; node = QuickList.NextNode(node))
        {
            byte* lp = QuickList.NodeListpack(node);
            for (byte* q = Listpack.First(lp); q != null; q = Listpack.Next(lp, q))
            {
                MaybeBegin(w, "RPUSH"u8, key, ref count, left, 1);
                BulkEntry(w, q);
                count++;
                left--;
            }
        }
    }

    /// <summary>SADD batches of an intset, in its (ascending) order.</summary>
    static void WriteIntset(IBufferWriter<byte> w, ReadOnlySpan<byte> key, byte* set)
    {
        int n = Intset.Length(set), count = 0;
        for (int i = 0; i < n; i++)
        {
            MaybeBegin(w, "SADD"u8, key, ref count, n - i, 1);
            BulkInteger(w, Intset.Get(set, i));
            count++;
        }
    }

    /// <summary>SADD (members) or HMSET (field, value pairs) batches of a listpack, in its order.</summary>
    static void WriteListpack(IBufferWriter<byte> w, ReadOnlySpan<byte> name, ReadOnlySpan<byte> key, byte* lp, bool pairs)
    {
        long left = pairs ? Listpack.Count(lp) >> 1 : Listpack.Count(lp);
        int count = 0, width = pairs ? 2 : 1;
        for (byte* q = Listpack.First(lp); q != null; q = Listpack.Next(lp, q))
        {
            MaybeBegin(w, name, key, ref count, left, width);
            BulkEntry(w, q);
            if (pairs)
            {
                q = Listpack.Next(lp, q);
                BulkEntry(w, q);
            }
            count++;
            left--;
        }
    }

    /// <summary>ZADD batches of a listpack sorted set: score (parsed and written as fpconv_dtoa), then member.</summary>
    static void WriteZSetListpack(IBufferWriter<byte> w, ReadOnlySpan<byte> key, byte* lp)
    {
        long left = ZSetListpack.Length(lp);
        int count = 0;
        for (byte* q = Listpack.First(lp); q != null; q = ZSetListpack.NextPair(lp, q))
        {
            MaybeBegin(w, "ZADD"u8, key, ref count, left, 2);
            BulkScore(w, ZSetListpack.Score(lp, q));
            BulkEntry(w, q);
            count++;
            left--;
        }
    }

    /// <summary>
    /// ZADD batches of a skiplist sorted set. Redis walks its dict (an order of its own hashing); the index is walked
    /// from the lowest score here, which loads the same set.
    /// </summary>
    static void WriteSkipList(IBufferWriter<byte> w, ReadOnlySpan<byte> key, byte* zs)
    {
        byte* index = ZSetSkipList.Index(zs);
        long left = SortedIndex.Length(index);
        int count = 0;
        for (byte* node = SortedIndex.First(index); node != null; node = SortedIndex.Next(node))
        {
            MaybeBegin(w, "ZADD"u8, key, ref count, left, 2);
            BulkScore(w, SortedIndex.Score(node));
            Bulk(w, SortedIndex.Member(node));
            count++;
            left--;
        }
    }

    /// <summary>SADD or HMSET batches of a hash table, in its walk order (Redis's dict order differs: same contents).</summary>
    static void WriteFieldTable(IBufferWriter<byte> w, ReadOnlySpan<byte> name, ReadOnlySpan<byte> key, byte* t, bool pairs)
    {
        fixed (byte* nameP = name)
        fixed (byte* keyP = key)
        {
            // The spans stay fixed for the walk: the visitor is a struct and cannot hold a span, so it holds pointers.
            var v = new TableVisitor
            {
                W = w, Pairs = pairs, Left = FieldTable.Count(t),
                Name = nameP, NameLength = name.Length, Key = keyP, KeyLength = key.Length,
            };
            FieldTable.Enumerate(t, ref v);
        }
    }

    struct TableVisitor : IFieldVisitor
    {
        public IBufferWriter<byte> W;
        public bool Pairs;
        public long Left;
        public int Count;
        public byte* Name, Key;
        public int NameLength, KeyLength;

        public void Visit(byte* element)
        {
            MaybeBegin(W, new ReadOnlySpan<byte>(Name, NameLength), new ReadOnlySpan<byte>(Key, KeyLength), ref Count, Left, Pairs ? 2 : 1);
            Bulk(W, FieldTable.ElementField(element));
            if (Pairs) Bulk(W, FieldTable.ElementValue(element));
            Count++;
            Left--;
        }
    }

    /// <summary>"*n\r\n".</summary>
    static void ArrayHeader(IBufferWriter<byte> w, long n) => Prefixed(w, (byte)'*', n);

    static void Prefixed(IBufferWriter<byte> w, byte prefix, long n)
    {
        Span<byte> s = w.GetSpan(3 + RespNumber.MaxInt64Chars);
        s[0] = prefix;
        int len = 1 + RespNumber.FormatInt64(n, s.Slice(1));
        s[len++] = (byte)'\r';
        s[len++] = (byte)'\n';
        w.Advance(len);
    }

    /// <summary>rioWriteBulkString: "$len\r\n" bytes "\r\n".</summary>
    static void Bulk(IBufferWriter<byte> w, ReadOnlySpan<byte> s)
    {
        Prefixed(w, (byte)'$', s.Length);
        w.Write(s);
        Span<byte> crlf = w.GetSpan(2);
        crlf[0] = (byte)'\r';
        crlf[1] = (byte)'\n';
        w.Advance(2);
    }

    /// <summary>rioWriteBulkLongLong: the decimal as a bulk string.</summary>
    static void BulkInteger(IBufferWriter<byte> w, long v)
    {
        Span<byte> digits = stackalloc byte[RespNumber.MaxInt64Chars];
        Bulk(w, digits.Slice(0, RespNumber.FormatInt64(v, digits)));
    }

    /// <summary>rioWriteBulkDouble: fpconv_dtoa's text as a bulk string.</summary>
    static void BulkScore(IBufferWriter<byte> w, double score)
    {
        Span<byte> text = stackalloc byte[RespNumber.MaxDoubleChars];
        Bulk(w, text.Slice(0, RespNumber.FormatDoubleFpconv(score, text)));
    }

    /// <summary>A listpack entry: a string's bytes, or an integer's decimal.</summary>
    static void BulkEntry(IBufferWriter<byte> w, byte* q)
    {
        if (Listpack.Get(q, out long v, out ReadOnlySpan<byte> s)) BulkInteger(w, v);
        else Bulk(w, s);
    }
}
