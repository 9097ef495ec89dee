using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using FastKv.Engine;
using FastKv.Memory;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// Every (type, encoding) FastKv holds, written by <see cref="RdbEncode.WriteValue"/> and
/// <see cref="RdbEncode.WriteEntry"/>, against bytes built by hand from the RDB format (rdb.c, listpack.c,
/// intset.c). The server-level DumpDifferentialTests hold the same writer to Redis 7.2.4.
/// </summary>
public unsafe class RdbValueTests : IDisposable
{
    readonly EngineHarness h = new();

    public void Dispose() => h.Dispose();

    static readonly RdbWriteOptions V11 = new(11, compress: true);
    static readonly RdbWriteOptions V10 = new(10, compress: true);
    static readonly RdbWriteOptions Plain = new(11, compress: false);

    void Run(params string[] cmd)
    {
        string reply = h.Run(EngineHarness.Command(cmd));
        Assert.False(reply.StartsWith('-'), string.Join(' ', cmd) + " -> " + reply);
    }

    byte* Entry(string key)
    {
        byte[] k = Encoding.UTF8.GetBytes(key);
        byte* e = h.Server.Shards[0].Dbs[0].Table.Find(k, KeyHash.Hash(k));
        Assert.True(e != null, key);
        return e;
    }

    string Encoding_(string key) => ValueEncoding.Name(KeyEntry.Encoding(Entry(key)));

    byte[] Value(string key, in RdbWriteOptions o)
    {
        var w = new ArrayBufferWriter<byte>();
        RdbEncode.WriteValue(w, Entry(key), o);
        return w.WrittenSpan.ToArray();
    }

    byte[] Record(string key, in RdbWriteOptions o)
    {
        var w = new ArrayBufferWriter<byte>();
        RdbEncode.WriteEntry(w, Entry(key), o);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Builds bytes from numbers, chars (one byte each) and strings (ASCII), for readable expectations.</summary>
    static byte[] B(params object[] parts)
    {
        var list = new List<byte>();
        foreach (object p in parts)
            switch (p)
            {
                case int i: list.Add(checked((byte)i)); break;
                case char c: list.Add((byte)c); break;
                case string s: list.AddRange(Encoding.ASCII.GetBytes(s)); break;
                case byte[] b: list.AddRange(b); break;
                default: throw new ArgumentException(p.GetType().Name);
            }
        return list.ToArray();
    }

    /// <summary>A listpack (listpack.c) of short strings and small integers, built by hand: header, entries
    /// (string: 0x80|len, bytes; 7-bit uint: the value), each with its 1-byte backlen, then 0xFF.</summary>
    static byte[] Lp(params object[] items)
    {
        var body = new List<byte>();
        foreach (object it in items)
        {
            if (it is int v)
            {
                Assert.InRange(v, 0, 127);
                body.Add((byte)v);
                body.Add(1);
            }
            else
            {
                string s = (string)it;
                Assert.True(s.Length < 63);
                body.Add((byte)(0x80 | s.Length));
                body.AddRange(Encoding.ASCII.GetBytes(s));
                body.Add((byte)(1 + s.Length));
            }
        }
        int total = 6 + body.Count + 1;
        var lp = new byte[total];
        BinaryPrimitives.WriteUInt32LittleEndian(lp, (uint)total);
        BinaryPrimitives.WriteUInt16LittleEndian(lp.AsSpan(4), (ushort)items.Length);
        body.CopyTo(lp, 6);
        lp[^1] = 0xFF;
        return lp;
    }

    static byte[] Le(double d)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(b, d);
        return b;
    }

    [Fact]
    public void Strings_AreType0_WithTheirStringEncoding()
    {
        Run("SET", "s", "hello");
        Assert.Equal(B(0, 5, "hello"), Value("s", V11));
        Run("SET", "i", "1234");
        Assert.Equal("int", Encoding_("i"));
        Assert.Equal(B(0, 0xC1, 0xD2, 0x04), Value("i", V11));
        Run("SET", "big", "12345678901");
        Assert.Equal(B(0, 11, "12345678901"), Value("big", V11));
        string raw = new('x', 50);
        Run("SET", "raw", raw);
        Assert.Equal("raw", Encoding_("raw"));
        Assert.Equal(B(0, 50, raw), Value("raw", Plain));
        byte[] c = Value("raw", V11);
        Assert.Equal(B(0, 0xC3), c[..2]);
        Assert.Equal(50, c[3]);
        Assert.Equal(Encoding.ASCII.GetBytes(raw), LzfTests.Decompress(c.AsSpan(4), 50));
    }

    [Fact]
    public void HashListpack_PointerAndInline_AreTheListpackAsAString()
    {
        Run("HSET", "h", "a", "1");
        Assert.False(KeyEntry.IsInline(Entry("h")));
        byte[] lp = Lp("a", 1);
        Assert.Equal(B(16, lp.Length, lp), Value("h", V11));

        var args = new List<string> { "HSET", "hi" };
        var items = new List<object>();
        for (int i = 0; i < 10; i++)
        {
            args.Add("f" + i);
            args.Add("v" + i);
            items.Add("f" + i);
            items.Add("v" + i);
        }
        Run(args.ToArray());
        Assert.True(KeyEntry.IsInline(Entry("hi")));
        lp = Lp(items.ToArray());
        Assert.Equal(B(16, 0x40, lp.Length, lp), Value("hi", Plain));
        // Compressed like any string longer than 20 bytes.
        byte[] c = Value("hi", V11);
        Assert.Equal(B(16, 0xC3), c[..2]);
        // Both lengths are 64..16383 (14-bit form): the compressed one, then the original's.
        Assert.Equal(0x40, c[2]);
        Assert.Equal(B(0x40, lp.Length), c[4..6]);
        Assert.Equal(6 + c[3], c.Length);
        Assert.Equal(lp, LzfTests.Decompress(c.AsSpan(6), lp.Length));
    }

    [Fact]
    public void InlineHash_DoesNotUseTheCommandScratchBuffer()
    {
        Run("HSET", "one", "aaaaaaaa", "1", "b", "2");
        Run("HSET", "two", "cccccccc", "3", "d", "4");
        Assert.True(KeyEntry.IsInline(Entry("one")) && KeyEntry.IsInline(Entry("two")));
        // A command holding one inline hash's listpack (Collection.Ptr rebuilds it in the thread's scratch) ...
        byte* held = Collection.Ptr(Entry("one"));
        byte[] before = new ReadOnlySpan<byte>(held, Listpack.TotalBytes(held)).ToArray();
        // ... while the snapshot writes another: the held listpack must not change under it.
        byte[] written = Value("two", V11);
        Assert.Equal(before, new ReadOnlySpan<byte>(held, before.Length).ToArray());
        byte[] lp = Lp("cccccccc", 3, "d", 4);
        Assert.Equal(B(16, lp.Length, lp), written); // 24 bytes that LZF cannot shrink by 4
    }

    [Fact]
    public void HashTable_IsType4_CountFieldValue()
    {
        string big = new('v', 70); // over hash-max-listpack-value
        Run("HSET", "ht", "f", big);
        Assert.Equal("hashtable", Encoding_("ht"));
        Assert.Equal(B(4, 1, 1, "f", 0x40, 70, big), Value("ht", Plain));

        Run("HSET", "ht", "g", "7");
        byte[] v = Value("ht", Plain);
        Assert.Equal(B(4, 2), v[..2]);
        byte[] f = B(1, "f", 0x40, 70, big), g = B(1, "g", 0xC0, 7);
        Assert.True(v[2..].SequenceEqual(B(f, g)) || v[2..].SequenceEqual(B(g, f)), Convert.ToHexString(v));
    }

    [Fact]
    public void Sets_IntsetListpackAndTable()
    {
        Run("SADD", "is", "2", "1", "-300");
        Assert.Equal("intset", Encoding_("is"));
        // intset.c: encoding u32 (2 = int16), length u32, sorted little-endian values.
        byte[] intset = B(2, 0, 0, 0, 3, 0, 0, 0, 0xD4, 0xFE, 1, 0, 2, 0);
        Assert.Equal(B(11, intset.Length, intset), Value("is", V11));

        Run("SADD", "ls", "a", "5");
        Assert.Equal("listpack", Encoding_("ls"));
        byte[] lp = Lp("a", 5);
        Assert.Equal(B(20, lp.Length, lp), Value("ls", V11));
        // RDB 10 has no set listpack: a plain set, integers as strings (which then take the integer encoding).
        Assert.Equal(B(2, 2, 1, "a", 0xC0, 5), Value("ls", V10));

        string m = new('m', 65); // over set-max-listpack-value
        Run("SADD", "hs", m);
        Assert.Equal("hashtable", Encoding_("hs"));
        Assert.Equal(B(2, 1, 0x40, 65, m), Value("hs", Plain));
        Assert.Equal(B(2, 1, 0x40, 65, m), Value("hs", new RdbWriteOptions(10, compress: false)));
    }

    [Fact]
    public void SortedSets_ListpackAndSkiplist()
    {
        Run("ZADD", "zl", "2", "b", "1", "a");
        byte[] lp = Lp("a", 1, "b", 2);
        Assert.Equal(B(17, lp.Length, lp), Value("zl", V11));

        Run("CONFIG", "SET", "zset-max-listpack-entries", "1");
        Run("ZADD", "zs", "1.5", "a", "-2", "b", "3", "c");
        Assert.Equal("skiplist", Encoding_("zs"));
        // ZSET_2: count, then from the highest score down: member, binary double.
        Assert.Equal(B(5, 3, 1, "c", Le(3), 1, "a", Le(1.5), 1, "b", Le(-2)), Value("zs", V11));
    }

    [Fact]
    public void Lists_AreQuicklist2_WithPackedNodes()
    {
        Run("RPUSH", "l", "a", "b", "7");
        Assert.Equal("listpack", Encoding_("l"));
        byte[] lp = Lp("a", "b", 7);
        Assert.Equal(B(18, 1, 2, lp.Length, lp), Value("l", V11));

        Run("CONFIG", "SET", "list-max-listpack-size", "2");
        Run("RPUSH", "q", "a", "b", "c", "d", "e");
        Assert.Equal("quicklist", Encoding_("q"));
        byte[] n1 = Lp("a", "b"), n2 = Lp("c", "d"), n3 = Lp("e");
        Assert.Equal(B(18, 3, 2, n1.Length, n1, 2, n2.Length, n2, 2, n3.Length, n3), Value("q", V11));
    }

    [Fact]
    public void Records_CarryExpireThenIdleOrFreq_ThenTypeKeyValue()
    {
        Run("SET", "k", "v");
        Assert.Equal(B(0, 1, "k", 1, "v"), Record("k", V11));

        Run("SET", "t", "v", "PXAT", "1700000000123");
        Assert.Equal(B(252, BitConverter.GetBytes(1700000000123L), 0, 1, "t", 1, "v"), Record("t", V11));

        byte* e = Entry("k");
        uint lru = KeyEntry.Lru(e) & AccessClock.LruClockMax;
        var lruOpts = new RdbWriteOptions(11, true, EvictionPolicy.AllKeysLru, lruClock: lru + 100);
        Assert.Equal(B(248, 0x40, 100, 0, 1, "k", 1, "v"), Record("k", lruOpts));
        var volatileLru = new RdbWriteOptions(11, true, EvictionPolicy.VolatileLru, lruClock: lru + 5);
        Assert.Equal(B(248, 5, 0, 1, "k", 1, "v"), Record("k", volatileLru));

        // LFU bits: minute 300 in bits 8-23, counter 42 in bits 0-7; one decay period per minute.
        KeyEntry.SetLru(e, (300u << 8) | 42);
        var lfuNow = new RdbWriteOptions(11, true, EvictionPolicy.AllKeysLfu, lfuMinutes: 300, lfuDecayTime: 1);
        Assert.Equal(B(249, 42, 0, 1, "k", 1, "v"), Record("k", lfuNow));
        var lfuLater = new RdbWriteOptions(11, true, EvictionPolicy.VolatileLfu, lfuMinutes: 310, lfuDecayTime: 1);
        Assert.Equal(B(249, 32, 0, 1, "k", 1, "v"), Record("k", lfuLater));

        // Keys are strings too: integer-encoded when they look like one.
        Run("SET", "123", "v");
        Assert.Equal(B(0, 0xC0, 123, 1, "v"), Record("123", V11));
    }

    [Fact]
    public void Writing_ChangesNoByteOfTheEntryOrTheArena()
    {
        Run("HSET", "h", "a", "1");
        Run("SADD", "s", "1", "x");
        Run("RPUSH", "l", "a");
        Run("SET", "k", "v", "EX", "100");
        Arena arena = h.Server.Shards[0].Arena;
        long used = arena.UsedBytes;
        foreach (string key in new[] { "h", "s", "l", "k" })
        {
            byte* e = Entry(key);
            byte[] blob = new ReadOnlySpan<byte>(e, KeyEntry.AllocSize(e)).ToArray();
            Record(key, new RdbWriteOptions(11, true, EvictionPolicy.AllKeysLfu, lfuMinutes: 9));
            Record(key, new RdbWriteOptions(10, true, EvictionPolicy.AllKeysLru, lruClock: 9));
            Assert.Equal(blob, new ReadOnlySpan<byte>(e, blob.Length).ToArray());
        }
        Assert.Equal(used, arena.UsedBytes);
    }

    [Fact]
    public void WritingEntries_AllocatesNothing_OnceWarm()
    {
        Run("SET", "s", new string('z', 300)); // LZF
        Run("SET", "r", "random-ish text 0123456789 that lzf cannot shrink by four bytes?!");
        Run("HSET", "h", "a", "1", "b", "2", "cccccccccc", "3");
        Run("HSET", "ht", "f", new string('v', 70));
        Run("SADD", "set", "a", "5");
        Run("SADD", "hs", new string('m', 65), "x");
        Run("CONFIG", "SET", "zset-max-listpack-entries", "1");
        Run("ZADD", "z", "1", "a", "2", "b");
        Run("RPUSH", "l", "a", "b");
        Run("SET", "t", "v", "EX", "100");
        string[] keys = { "s", "r", "h", "ht", "set", "hs", "z", "l", "t" };
        var entries = new IntPtr[keys.Length];
        for (int i = 0; i < keys.Length; i++) entries[i] = (IntPtr)Entry(keys[i]);
        var w = new ArrayBufferWriter<byte>(1 << 16);
        var o = new RdbWriteOptions(10, true, EvictionPolicy.AllKeysLru, lruClock: 77);
        void WriteAll()
        {
            for (int round = 0; round < 50; round++)
            {
                w.ResetWrittenCount();
                foreach (IntPtr e in entries) RdbEncode.WriteEntry(w, (byte*)e, o);
            }
        }
        WriteAll();
        long before = GC.GetAllocatedBytesForCurrentThread();
        WriteAll();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Options_RejectOtherVersions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RdbWriteOptions(9, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RdbWriteOptions(12, true));
    }
}
