using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using FastKv.Engine;
using FastKv.Engine.Commands;
using FastKv.Memory;
using Xunit;
using static FastKv.Engine.Tests.HashCommandTests;

namespace FastKv.Engine.Tests;

/// <summary>
/// Small hashes stored inline in their key entry (Collection.Inline.cs). What must hold after every command:
/// a listpack hash is inline exactly when <see cref="Collection.CanInline"/> says so, every collection entry's
/// blob is the size its form needs, and the arena holds exactly the entries, what they point at and the key
/// tables, so nothing leaks through the copies between forms (checked against <see cref="Arena.UsedBytes"/>).
/// Replies come from a managed model; the inline/pointer boundary and the conversions are checked at their
/// exact sizes. Expected replies are Redis's (RENAME/COPY/MOVE/EXPIRE/PERSIST return values as redis-server 7.0).
/// </summary>
public unsafe class HashInlineTests
{
    const string WrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    static byte* Entry(EngineHarness h, int db, string key, int shard = 0)
    {
        byte[] k = Encoding.UTF8.GetBytes(key);
        return h.Server.Shards[shard].Dbs[db].Table.Find(k, KeyHash.Hash(k));
    }

    static int LpBytes(byte* e) => Listpack.TotalBytes(Collection.Ptr(e));

    /// <summary>Bytes of the entry's listpack in the packed form an inline entry holds.</summary>
    static int PackedBytes(byte* e) => Listpack.PackedSize(Collection.Ptr(e));

    /// <summary>Forms seen by <see cref="CheckForm"/>: inline, pointer to a listpack, hashtable (so a test knows it covered them).</summary>
    static readonly int[] Seen = new int[3];

    /// <summary>The form of one collection entry: inline exactly when it may be, and a blob of the form's size.</summary>
    static void CheckForm(byte* e)
    {
        byte type = KeyEntry.Type(e), enc = KeyEntry.Encoding(e);
        if (type == ValueKind.String) { Assert.False(KeyEntry.IsInline(e)); return; }
        int keyLength = KeyEntry.KeyLength(e);
        bool inline = KeyEntry.IsInline(e);
        if (Collection.InlineKind(type, enc))
            Assert.Equal(Collection.CanInline(type, enc, keyLength, PackedBytes(e)), inline);
        else Assert.False(inline);
        Seen[inline ? 0 : enc == ValueEncoding.ListPack ? 1 : 2]++;
        int valLen = KeyEntry.ValueLength(e);
        if (inline) Assert.Equal(PackedBytes(e), valLen);
        else Assert.Equal(Collection.ValueSize, valLen);
        Assert.Equal((int)Arena.UsableSize((nuint)KeyEntry.SizeFor(keyLength, valLen, KeyEntry.HasExpire(e))), KeyEntry.AllocSize(e));
    }

    /// <summary>The arena holds the key tables, the entries and what they point at, nothing else.</summary>
    static void CheckArena(EngineHarness h, IEnumerable<(int db, string key)> keys, int shard = 0)
    {
        Shard s = h.Server.Shards[shard];
        long expect = 0;
        foreach (Database db in s.Dbs) expect += db.Table.OverheadBytes;
        foreach (var (db, key) in keys)
        {
            byte* e = Entry(h, db, key, shard);
            Assert.True(e != null, key);
            CheckForm(e);
            expect += KeyEntry.AllocSize(e) + Collection.ValueBytesUsed(e);
        }
        Assert.Equal(expect, s.Arena.UsedBytes);
    }

    /// <summary>HGETALL's RESP2 reply as field → value.</summary>
    static Dictionary<string, string> Pairs(string reply)
    {
        string[] lines = reply.Split("\r\n");
        var bulks = new List<string>();
        for (int i = 1; i < lines.Length - 1; i++)
            if (lines[i].StartsWith('$')) bulks.Add(lines[++i]);
        var d = new Dictionary<string, string>();
        for (int i = 0; i < bulks.Count; i += 2) d.Add(bulks[i], bulks[i + 1]);
        return d;
    }

    sealed class Value
    {
        public Dictionary<string, string>? Hash; // null: the string Str
        public string Str = "";
        public bool Ttl;
        public Value Copy() => new() { Hash = Hash == null ? null : new Dictionary<string, string>(Hash), Str = Str, Ttl = Ttl };
    }

    /// <summary>
    /// Random HSET/HSETNX/HDEL/HINCRBY/EXPIRE/PERSIST/RENAME/COPY/MOVE/SET/DEL streams over two databases against
    /// a model. Keys of 1, 400 and 500 bytes and values up to 40 bytes make hashes cross the inline limit both
    /// ways (by growth, by HDEL, and by RENAME/COPY to a longer or shorter key); the small-threshold run adds
    /// conversions to hashtable. After FLUSHALL the arena is back to the key tables alone.
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    public void RandomStreams_MatchTheModel_AndLeaveNothingBehind(int seed, bool smallThresholds)
    {
        using var h = new EngineHarness();
        Array.Clear(Seen);
        Shard shard = h.Server.Shards[0];
        long baseline = shard.Arena.UsedBytes;
        if (smallThresholds)
        {
            Is(h, "+OK\r\n", "CONFIG", "SET", "hash-max-listpack-entries", "6");
            Is(h, "+OK\r\n", "CONFIG", "SET", "hash-max-listpack-value", "12");
        }
        var rnd = new Random(seed);
        string[] names = { "a", "b", "c", "d", new string('m', 400) + "1", new string('m', 400) + "2", new string('L', 500) };
        var model = new Dictionary<(int, string), Value>();
        int cur = 0;
        string Key() => names[rnd.Next(names.Length)];
        string Field() => rnd.Next(4) == 0 ? "c" + rnd.Next(2) : "f" + rnd.Next(smallThresholds ? 8 : 24);
        string Text(string field)
        {
            if (field[0] == 'c' || rnd.Next(5) == 0) return rnd.Next(-1000, 100000).ToString(CultureInfo.InvariantCulture);
            return new string((char)('a' + rnd.Next(26)), rnd.Next(smallThresholds ? 16 : 41));
        }
        string Int(long v) => ":" + v.ToString(CultureInfo.InvariantCulture) + "\r\n";

        for (int step = 0; step < 1500; step++)
        {
            string k = Key();
            model.TryGetValue((cur, k), out Value? v);
            bool isString = v != null && v.Hash == null;
            switch (rnd.Next(14))
            {
                case 0: case 1: case 2: // HSET with 1..3 pairs
                {
                    var args = new List<string> { "HSET", k };
                    var pairs = new List<(string, string)>();
                    for (int i = rnd.Next(1, 4); i > 0; i--) { string f = Field(); pairs.Add((f, Text(f))); args.Add(f); args.Add(pairs[^1].Item2); }
                    if (isString) { Is(h, WrongType, args.ToArray()); break; }
                    v ??= model[(cur, k)] = new Value { Hash = new() };
                    int added = 0;
                    foreach (var (f, x) in pairs) { if (!v.Hash!.ContainsKey(f)) added++; v.Hash![f] = x; }
                    Is(h, Int(added), args.ToArray());
                    break;
                }
                case 3: // HSETNX
                {
                    string f = Field(), x = Text(f);
                    if (isString) { Is(h, WrongType, "HSETNX", k, f, x); break; }
                    v ??= model[(cur, k)] = new Value { Hash = new() };
                    bool add = !v.Hash!.ContainsKey(f);
                    if (add) v.Hash[f] = x;
                    Is(h, Int(add ? 1 : 0), "HSETNX", k, f, x);
                    break;
                }
                case 4: case 5: // HDEL 1..3 fields
                {
                    var args = new List<string> { "HDEL", k };
                    for (int i = rnd.Next(1, 4); i > 0; i--) args.Add(Field());
                    if (isString) { Is(h, WrongType, args.ToArray()); break; }
                    int n = 0;
                    if (v != null)
                        foreach (string f in args.Skip(2))
                            if (v.Hash!.Remove(f)) { n++; if (v.Hash.Count == 0) { model.Remove((cur, k)); break; } }
                    Is(h, Int(n), args.ToArray());
                    break;
                }
                case 6: // HINCRBY on a counter field (always an integer)
                {
                    string f = "c" + rnd.Next(2);
                    int by = rnd.Next(-50, 50);
                    if (isString) { Is(h, WrongType, "HINCRBY", k, f, by.ToString(CultureInfo.InvariantCulture)); break; }
                    v ??= model[(cur, k)] = new Value { Hash = new() };
                    long now = (v.Hash!.TryGetValue(f, out string? old) ? long.Parse(old, CultureInfo.InvariantCulture) : 0) + by;
                    v.Hash[f] = now.ToString(CultureInfo.InvariantCulture);
                    Is(h, Int(now), "HINCRBY", k, f, by.ToString(CultureInfo.InvariantCulture));
                    break;
                }
                case 7: // EXPIRE far away, or in the past (deletes the key)
                {
                    bool past = rnd.Next(4) == 0;
                    Is(h, Int(v != null ? 1 : 0), "EXPIRE", k, past ? "-1" : "100000");
                    if (v != null) { if (past) model.Remove((cur, k)); else v.Ttl = true; }
                    break;
                }
                case 8: // PERSIST
                    Is(h, Int(v != null && v.Ttl ? 1 : 0), "PERSIST", k);
                    if (v != null) v.Ttl = false;
                    break;
                case 9: // RENAME
                {
                    string d = Key();
                    if (v == null) { Is(h, "-ERR no such key\r\n", "RENAME", k, d); break; }
                    Is(h, "+OK\r\n", "RENAME", k, d);
                    model.Remove((cur, k));
                    model[(cur, d)] = v;
                    break;
                }
                case 10: // COPY [DB other] [REPLACE]
                {
                    string d = Key();
                    int toDb = rnd.Next(2) == 0 ? cur : 1 - cur;
                    bool replace = rnd.Next(2) == 0;
                    var args = new List<string> { "COPY", k, d };
                    if (toDb != cur || rnd.Next(2) == 0) { args.Add("DB"); args.Add(toDb.ToString(CultureInfo.InvariantCulture)); }
                    if (replace) args.Add("REPLACE");
                    if (toDb == cur && d == k) { Is(h, "-ERR source and destination objects are the same\r\n", args.ToArray()); break; }
                    bool ok = v != null && (replace || !model.ContainsKey((toDb, d)));
                    Is(h, Int(ok ? 1 : 0), args.ToArray());
                    if (ok) model[(toDb, d)] = v!.Copy();
                    break;
                }
                case 11: // MOVE to the other database
                {
                    bool ok = v != null && !model.ContainsKey((1 - cur, k));
                    Is(h, Int(ok ? 1 : 0), "MOVE", k, (1 - cur).ToString(CultureInfo.InvariantCulture));
                    if (ok) { model.Remove((cur, k)); model[(1 - cur, k)] = v!; }
                    break;
                }
                case 12: // SELECT the other database
                    cur = 1 - cur;
                    Is(h, "+OK\r\n", "SELECT", cur.ToString(CultureInfo.InvariantCulture));
                    break;
                default: // a string over whatever is there, or DEL
                    if (rnd.Next(3) == 0)
                    {
                        string s = "s" + step;
                        Is(h, "+OK\r\n", "SET", k, s);
                        model[(cur, k)] = new Value { Hash = null, Str = s };
                    }
                    else
                    {
                        Is(h, Int(v != null ? 1 : 0), "DEL", k);
                        model.Remove((cur, k));
                    }
                    break;
            }

            CheckArena(h, model.Keys);
            if (step % 10 == 0 || step > 1450)
            {
                foreach (var ((db, key), val) in model)
                {
                    Is(h, "+OK\r\n", "SELECT", db.ToString(CultureInfo.InvariantCulture));
                    if (val.Hash != null)
                    {
                        var got = Pairs(h.Run(EngineHarness.Command("HGETALL", key)));
                        Assert.Equal(val.Hash.OrderBy(p => p.Key, StringComparer.Ordinal), got.OrderBy(p => p.Key, StringComparer.Ordinal));
                    }
                    else Is(h, "$" + val.Str.Length + "\r\n" + val.Str + "\r\n", "GET", key);
                    string ttl = h.Run(EngineHarness.Command("TTL", key));
                    Assert.True(val.Ttl ? ttl != ":-1\r\n" && ttl.StartsWith(':') : ttl == ":-1\r\n", key + " " + ttl);
                }
                Is(h, "+OK\r\n", "SELECT", cur.ToString(CultureInfo.InvariantCulture));
            }
        }
        Assert.Contains(model.Values, x => x.Hash != null); // the stream did leave hashes to free
        Assert.True(Seen[0] > 1000 && Seen[1] > 100, string.Join(",", Seen));
        Console.WriteLine("seen " + string.Join(",", Seen));
        Assert.True(smallThresholds ? Seen[2] > 100 : Seen[2] == 0, string.Join(",", Seen));
        Is(h, "+OK\r\n", "FLUSHALL");
        long tables = 0;
        foreach (Database db in shard.Dbs) tables += db.Table.OverheadBytes;
        Assert.Equal(tables, shard.Arena.UsedBytes);
        Assert.True(tables >= baseline);
    }

    static long MemoryUsage(EngineHarness h, string key)
        => long.Parse(h.Run(EngineHarness.Command("MEMORY", "USAGE", key)).AsSpan(1).TrimEnd("\r\n"), CultureInfo.InvariantCulture);

    /// <summary>
    /// The limit is on key plus packed listpack bytes, inclusive. One pair "f" → 60 x's is a 72-byte listpack
    /// (7 header and end bytes, 3 for "f", 62 for the value) and 63 packed bytes (no header, end or backlens),
    /// so a 449-byte key is exactly at 512; an empty field "g" adds 3 packed bytes and takes it over;
    /// deleting it brings the hash back inline.
    /// </summary>
    [Fact]
    public void InlineLimit_IsExact_BothWays()
    {
        using var h = new EngineHarness();
        string key = new string('k', 449);
        Is(h, ":1\r\n", "HSET", key, "f", new string('x', 60));
        byte* e = Entry(h, 0, key);
        Assert.Equal(72, LpBytes(e));
        Assert.Equal(63, PackedBytes(e));
        Assert.Equal(63, KeyEntry.ValueLength(e));
        Assert.Equal(Collection.InlineMaxBytes, 449 + PackedBytes(e));
        Assert.True(KeyEntry.IsInline(e));
        CheckForm(e);
        Assert.Equal(KeyEntry.AllocSize(e) + 12, MemoryUsage(h, key));

        Is(h, ":1\r\n", "HSET", key, "g", "");
        e = Entry(h, 0, key);
        Assert.Equal(77, LpBytes(e));
        Assert.Equal(66, PackedBytes(e));
        Assert.False(KeyEntry.IsInline(e));
        CheckForm(e);
        Assert.Equal(KeyEntry.AllocSize(e) + 12 + (long)Arena.UsableSize(77), MemoryUsage(h, key));
        Is(h, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", key);

        Is(h, ":1\r\n", "HDEL", key, "g");
        e = Entry(h, 0, key);
        Assert.True(KeyEntry.IsInline(e));
        CheckForm(e);
        Is(h, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", key);
        Is(h, "$60\r\n" + new string('x', 60) + "\r\n", "HGET", key, "f");
        // The same hash under a key one byte longer does not fit: RENAME moves it to the pointer form and back.
        Is(h, "+OK\r\n", "RENAME", key, key + "!");
        Assert.False(KeyEntry.IsInline(Entry(h, 0, key + "!")));
        Is(h, "+OK\r\n", "RENAME", key + "!", key);
        Assert.True(KeyEntry.IsInline(Entry(h, 0, key)));
        CheckArena(h, new[] { (0, key) });
    }

    /// <summary>
    /// hash-max-listpack-entries 4 and -value 8 (lowered on both sides; replies as redis-server 7.0): an inline
    /// hash converts to a hashtable by count, by an HSET/HSETNX argument, and by an HINCRBYFLOAT result, and the
    /// hashtable entry holds just its pointer. Fields are long enough for the packed listpack to reach the 8 bytes
    /// an inline value needs (<see cref="Collection.CanInline"/>).
    /// </summary>
    [Fact]
    public void InlineHash_ConvertsToHashtable_AtTheThresholds()
    {
        using var h = new EngineHarness();
        Is(h, "+OK\r\n", "CONFIG", "SET", "hash-max-listpack-entries", "4");
        Is(h, "+OK\r\n", "CONFIG", "SET", "hash-max-listpack-value", "8");
        var keys = new List<(int, string)>();
        void Listpack(string k) { Is(h, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", k); Assert.True(KeyEntry.IsInline(Entry(h, 0, k))); }
        void Table(string k) { Is(h, "$9\r\nhashtable\r\n", "OBJECT", "ENCODING", k); Assert.False(KeyEntry.IsInline(Entry(h, 0, k))); CheckArena(h, keys); }

        keys.Add((0, "count"));
        Is(h, ":4\r\n", "HSET", "count", "a", "1", "b", "2", "c", "3", "d", "4");
        Listpack("count");
        Is(h, ":1\r\n", "HSET", "count", "e", "5");
        Table("count");
        Is(h, "$1\r\n5\r\n", "HGET", "count", "e");

        keys.Add((0, "arg"));
        Is(h, ":1\r\n", "HSET", "arg", "fielda", "12345678");
        Listpack("arg");
        Is(h, ":1\r\n", "HSETNX", "arg", "b", "123456789");
        Table("arg");
        Is(h, "$9\r\n123456789\r\n", "HGET", "arg", "b");

        keys.Add((0, "float"));
        Is(h, ":1\r\n", "HSET", "float", "fieldx", "1");
        Listpack("float");
        Is(h, "$4\r\n1.25\r\n", "HINCRBYFLOAT", "float", "fieldx", "0.25");
        Listpack("float");
        Is(h, "$10\r\n1.25000001\r\n", "HINCRBYFLOAT", "float", "fieldx", "0.00000001");
        Table("float");

        keys.Add((0, "nx"));
        Is(h, ":1\r\n", "HSET", "nx", "fielda", "1");
        Is(h, ":0\r\n", "HSETNX", "nx", "fielda", "123456789"); // an existing field writes nothing, converts nothing
        Listpack("nx");
        CheckArena(h, keys);
        Is(h, "+OK\r\n", "FLUSHALL");
        CheckArena(h, Array.Empty<(int, string)>());
    }

    /// <summary>
    /// What carries keys between shards (EntryDump) reads an inline hash back inline under a short key and in
    /// the pointer form under a long one, with the same bytes, expiry included; forged and truncated copies are
    /// refused and leave the arena as it was.
    /// </summary>
    [Fact]
    public void SerializedCopies_RoundTrip_InBothForms()
    {
        using var h = new EngineHarness();
        Shard shard = h.Server.Shards[0];
        Database db = shard.Dbs[0];
        Is(h, ":3\r\n", "HSET", "src", "name", "fastkv", "n", "-42", "empty", "");
        Is(h, ":1\r\n", "EXPIRE", "src", "1000");
        byte* e = Entry(h, 0, "src");
        Assert.True(KeyEntry.IsInline(e));
        byte[] dump = EntryDump.Serialize(e);
        byte[] lp = new ReadOnlySpan<byte>(Collection.Ptr(e), LpBytes(e)).ToArray();

        string longKey = new string('L', Collection.InlineMaxBytes);
        Assert.True(EntryDump.Deserialize(shard, db, "short"u8, dump));
        Assert.True(EntryDump.Deserialize(shard, db, Encoding.UTF8.GetBytes(longKey), dump));
        byte* s = Entry(h, 0, "short"), l = Entry(h, 0, longKey);
        Assert.True(KeyEntry.IsInline(s));
        Assert.False(KeyEntry.IsInline(l));
        foreach (string k in new[] { "short", longKey })
        {
            byte* x = Entry(h, 0, k);
            Assert.Equal(lp, new ReadOnlySpan<byte>(Collection.Ptr(x), LpBytes(x)).ToArray());
            Assert.Equal(KeyEntry.ExpireAt(e), KeyEntry.ExpireAt(x));
            Assert.Equal(dump, EntryDump.Serialize(x));
            Assert.Equal(h.Run(EngineHarness.Command("HGETALL", "src")), h.Run(EngineHarness.Command("HGETALL", k)));
        }
        var keys = new[] { (0, "src"), (0, "short"), (0, longKey) };
        CheckArena(h, keys);

        long used = shard.Arena.UsedBytes;
        var rnd = new Random(7);
        int accepted = 0;
        for (int i = 0; i < 400; i++)
        {
            byte[] bad = (byte[])dump.Clone();
            if (i < dump.Length) bad = dump.AsSpan(0, i).ToArray();
            else bad[10 + rnd.Next(bad.Length - 10)] ^= (byte)(1 << rnd.Next(8));
            string k = i % 2 == 0 ? "forged" : longKey + "x";
            if (EntryDump.Deserialize(shard, db, Encoding.UTF8.GetBytes(k), bad))
            {
                accepted++;
                CheckForm(Entry(h, 0, k));
                Is(h, ":1\r\n", "DEL", k);
            }
            Assert.Equal(used, shard.Arena.UsedBytes);
        }
        Assert.True(accepted < 200, accepted.ToString(CultureInfo.InvariantCulture));
        Is(h, ":3\r\n", "DEL", "src", "short", longKey);
        CheckArena(h, Array.Empty<(int, string)>());
    }

    static string KeyOn(ServerState s, int shard, string prefix)
    {
        for (int i = 0; ; i++)
        {
            string k = prefix + i;
            if (s.ShardOf(Encoding.ASCII.GetBytes(k)).Id == shard) return k;
        }
    }

    /// <summary>Runs one command on a two-shard server, playing both event loops until the reply is in.</summary>
    static string RunPumped(EngineHarness h, params string[] command)
    {
        h.Session.Feed(EngineHarness.Command(command));
        while (h.Server.Shards[1].Mailbox.Drain(h.Server.Shards[1]) + h.Server.Shards[0].Mailbox.Drain(h.Server.Shards[0]) > 0) { }
        Assert.False(h.Session.Waiting);
        string reply = Encoding.UTF8.GetString(h.Session.Output.ToArray());
        h.Session.Output.Clear();
        return reply;
    }

    /// <summary>RENAME and COPY to a key on another shard carry the hash as its serialized copy; it lands inline there.</summary>
    [Fact]
    public void CrossShardRenameAndCopy_LandInline()
    {
        using var h = new EngineHarness(shards: 2);
        string a = KeyOn(h.Server, 0, "a"), b = KeyOn(h.Server, 1, "b"), c = KeyOn(h.Server, 0, "c");
        Assert.Equal(":2\r\n", RunPumped(h, "HSET", a, "f", "value", "n", "7"));
        Assert.True(KeyEntry.IsInline(Entry(h, 0, a, shard: 0)));
        Assert.Equal("+OK\r\n", RunPumped(h, "RENAME", a, b));
        Assert.True(Entry(h, 0, a, shard: 0) == null);
        byte* e = Entry(h, 0, b, shard: 1);
        Assert.True(KeyEntry.IsInline(e));
        CheckForm(e);
        Assert.Equal(":1\r\n", RunPumped(h, "COPY", b, c));
        Assert.True(KeyEntry.IsInline(Entry(h, 0, c, shard: 0)));
        Assert.Equal(":8\r\n", RunPumped(h, "HINCRBY", c, "n", "1"));
        Assert.Equal("*4\r\n$1\r\nf\r\n$5\r\nvalue\r\n$1\r\nn\r\n$1\r\n7\r\n", RunPumped(h, "HGETALL", b));
        CheckArena(h, new[] { (0, c) }, shard: 0);
        CheckArena(h, new[] { (0, b) }, shard: 1);
    }
}
