using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using FastKv.Memory;
using FastKv.Protocol;
using Xunit;
using static FastKv.Engine.Tests.ZSetTestSupport;

namespace FastKv.Engine.Tests;

/// <summary>
/// How sorted sets live in the arena: the serialized forms that carry them between shards (and reject
/// forged bytes), every byte returned when keys go, and a random walk of writes in both encodings
/// checked against a sorted-list model after every step.
/// Unsafe invariant: every structure here lives in the harness shard's arena, on this thread, until it is freed.
/// </summary>
public unsafe class ZSetStorageTests
{
    static byte[] Bytes(string s) => Encoding.ASCII.GetBytes(s);

    static byte[] Serialized(byte enc, byte* p)
    {
        var w = new ArrayBufferWriter<byte>();
        Collection.Serialize(ValueKind.ZSet, enc, p, w);
        return w.WrittenSpan.ToArray();
    }

    static ZSet Build(Shard shard, bool skiplist, params (double score, string member)[] pairs)
    {
        ZSet z = skiplist ? ZSetValue.NewSkipList(shard, pairs.Length) : ZSetValue.NewListpack(shard.Arena);
        foreach (var (s, m) in pairs) Assert.Equal(ZAddResult.Added, ZSetValue.Add(shard, ref z, s, Bytes(m), ZAddFlags.None, out _));
        Assert.Equal(skiplist, !z.IsListpack);
        return z;
    }

    static List<(double, string)> Contents(in ZSet z)
    {
        var list = new List<(double, string)>();
        Span<byte> scratch = stackalloc byte[ZSetListpack.IntegerScratch];
        for (ZCursor c = ZSetValue.First(z); c.Valid; c.Next()) list.Add((c.Score, Encoding.ASCII.GetString(c.Member(scratch))));
        return list;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Serialized_RoundTrips_AndFreesEverything(bool skiplist)
    {
        using var h = new EngineHarness();
        Shard shard = h.Server.Shards[0];
        long before = shard.Arena.UsedBytes;
        ZSet z = Build(shard, skiplist, (1, "a"), (-0.0, "b"), (double.PositiveInfinity, "c"), (0.1, "12"), (-5e300, "long-member-" + new string('x', 40)));
        byte[] data = Serialized(z.Encoding, z.Ptr);
        byte* copy = Collection.Deserialize(shard.Arena, ValueKind.ZSet, z.Encoding, data);
        Assert.True(copy != null);
        var back = new ZSet { Encoding = z.Encoding, Ptr = copy };
        Assert.Equal(Contents(z), Contents(back));
        Assert.Equal(data, Serialized(back.Encoding, back.Ptr));
        // A listpack copies byte for byte; a skiplist's nodes draw new levels, so only its order and content repeat.
        if (!skiplist) Assert.Equal(Collection.BytesUsed(ValueKind.ZSet, z.Encoding, z.Ptr), Collection.BytesUsed(ValueKind.ZSet, back.Encoding, back.Ptr));
        // Lookups work through the rebuilt dict as well as the index.
        Assert.True(ZSetValue.TryGetScore(back, Bytes("12"), out double s) && s == 0.1);
        Assert.Equal(2, ZSetValue.Rank(back, Bytes("12"), false, out _)); // after -5e300 and -0
        ZSetValue.Free(shard.Arena, z);
        ZSetValue.Free(shard.Arena, back);
        Assert.Equal(before, shard.Arena.UsedBytes);
    }

    [Fact]
    public void Deserialize_RejectsForgedListpacks()
    {
        using var h = new EngineHarness();
        Arena arena = h.Server.Shards[0].Arena;
        byte[] Lp(params string[] entries)
        {
            byte* lp = Listpack.Create(arena);
            foreach (string e in entries) lp = Listpack.Append(arena, lp, Bytes(e));
            byte[] b = new ReadOnlySpan<byte>(lp, Listpack.TotalBytes(lp)).ToArray();
            Listpack.Free(arena, lp);
            return b;
        }
        bool Ok(byte[] b) => Collection.Deserialize(arena, ValueKind.ZSet, ValueEncoding.ListPack, b) is var p && p != null;

        Assert.True(Ok(Lp("a", "1", "b", "1.5", "c", "inf")));
        Assert.False(Ok(Lp()));                          // empty sets do not exist
        Assert.False(Ok(Lp("a", "1", "b")));             // odd count
        Assert.False(Ok(Lp("a", "2", "b", "1")));        // scores descend
        Assert.False(Ok(Lp("b", "1", "a", "1")));        // members descend on a tie
        Assert.False(Ok(Lp("a", "1", "a", "2")));        // repeated member
        Assert.False(Ok(Lp("a", "nan")));                // NaN score
        Assert.False(Ok(Lp("a", "one")));                // not a number
        byte[] broken = Lp("a", "1");
        broken[0] ^= 1;                                  // total bytes disagree
        Assert.False(Ok(broken));
    }

    [Fact]
    public void Deserialize_RejectsForgedSkiplists()
    {
        using var h = new EngineHarness();
        Shard shard = h.Server.Shards[0];
        long before = shard.Arena.UsedBytes;
        byte[] Form(long count, params (double score, string member)[] pairs)
        {
            var b = new List<byte>();
            var head = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(head, count);
            b.AddRange(head);
            foreach (var (s, m) in pairs)
            {
                var e = new byte[12];
                BinaryPrimitives.WriteInt32LittleEndian(e, m.Length);
                BinaryPrimitives.WriteInt64LittleEndian(e.AsSpan(4), BitConverter.DoubleToInt64Bits(s));
                b.AddRange(e);
                b.AddRange(Bytes(m));
            }
            return b.ToArray();
        }
        bool Ok(byte[] b)
        {
            byte* p = Collection.Deserialize(shard.Arena, ValueKind.ZSet, ValueEncoding.SkipList, b);
            if (p == null) return false;
            Collection.Free(shard.Arena, ValueKind.ZSet, ValueEncoding.SkipList, p);
            return true;
        }

        Assert.True(Ok(Form(2, (1, "a"), (1, "b"))));
        Assert.False(Ok(Form(0)));
        Assert.False(Ok(Form(3, (1, "a"), (1, "b"))));               // fewer pairs than counted
        Assert.False(Ok(Form(1, (1, "a"), (1, "b"))));               // trailing bytes
        Assert.False(Ok(Form(2, (2, "a"), (1, "b"))));               // unordered
        Assert.False(Ok(Form(2, (1, "a"), (2, "a"))));               // repeated member
        Assert.False(Ok(Form(1, (double.NaN, "a"))));
        Assert.False(Ok(Form(-1, (1, "a"))));
        byte[] truncated = Form(1, (1, "abc"));
        Assert.False(Ok(truncated.AsSpan(0, truncated.Length - 1).ToArray()));
        Assert.Equal(before, shard.Arena.UsedBytes);
    }

    [Fact]
    public void EveryByteReturns_AfterConversionsRangeDeletesPopsAndStores()
    {
        using var h = new EngineHarness();
        Arena arena = h.Server.Shards[0].Arena;
        void Workload()
        {
            h.Run(EngineHarness.Command("CONFIG", "SET", "zset-max-listpack-entries", "16"));
            for (int i = 0; i < 200; i++)
            {
                h.Run(EngineHarness.Command("ZADD", "big", (i % 17).ToString(CultureInfo.InvariantCulture), "m" + i));
                h.Run(EngineHarness.Command("ZADD", "small", i.ToString(CultureInfo.InvariantCulture), "s" + (i % 10)));
            }
            h.Run(EngineHarness.Command("ZINCRBY", "big", "100", "m3"));
            h.Run(EngineHarness.Command("ZREMRANGEBYSCORE", "big", "3", "5"));
            h.Run(EngineHarness.Command("ZREMRANGEBYRANK", "big", "0", "9"));
            h.Run(EngineHarness.Command("ZPOPMAX", "big", "7"));
            h.Run(EngineHarness.Command("ZUNIONSTORE", "u", "2", "big", "small"));
            h.Run(EngineHarness.Command("ZINTERSTORE", "i", "2", "big", "big", "WEIGHTS", "1", "2"));
            h.Run(EngineHarness.Command("ZRANGESTORE", "r", "big", "0", "-1"));
            h.Run(EngineHarness.Command("ZRANGESTORE", "r2", "big", "-inf", "+inf", "BYSCORE"));
            h.Run(EngineHarness.Command("COPY", "big", "big2"));
            Assert.Equal("$8\r\nskiplist\r\n", h.Run(EngineHarness.Command("OBJECT", "ENCODING", "big2")));
            h.Run(EngineHarness.Command("ZREM", "small", "s1", "s2"));
            h.Run(EngineHarness.Command("ZREMRANGEBYLEX", "small", "-", "+"));
            h.Run(EngineHarness.Command("FLUSHALL"));
        }
        Workload();
        long baseline = arena.UsedBytes;
        Workload();
        Assert.Equal(baseline, arena.UsedBytes);
    }

    [Fact]
    public void MemoryUsage_CountsTheSkiplistStructures()
    {
        using var h = new EngineHarness();
        for (int i = 0; i < 500; i++) h.Run(EngineHarness.Command("ZADD", "z", i.ToString(CultureInfo.InvariantCulture), "member-" + i));
        for (int i = 0; i < 100; i++) h.Run(EngineHarness.Command("ZADD", "small", i.ToString(CultureInfo.InvariantCulture), "member-" + i));
        long big = long.Parse(h.Run(EngineHarness.Command("MEMORY", "USAGE", "z")).TrimStart(':').TrimEnd(), CultureInfo.InvariantCulture);
        long small = long.Parse(h.Run(EngineHarness.Command("MEMORY", "USAGE", "small")).TrimStart(':').TrimEnd(), CultureInfo.InvariantCulture);
        // 500 members each hold a dict element and an index node (at least 40 bytes together).
        Assert.True(big > 500 * 40, $"skiplist usage {big}");
        Assert.True(small < big / 2, $"listpack usage {small} vs skiplist {big}");
    }

    // ---- random walk against a model ----

    sealed class Model
    {
        public readonly Dictionary<string, double> Scores = new();
        public bool Skiplist;

        public List<(string m, double s)> Ordered() =>
            Scores.Select(p => (p.Key, p.Value)).OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();
    }

    static string Text(double d)
    {
        Span<byte> b = stackalloc byte[RespNumber.MaxDoubleChars];
        return Encoding.ASCII.GetString(b.Slice(0, RespNumber.FormatDouble(d, b)));
    }

    static string RangeReply(List<(string m, double s)> items)
    {
        var sb = new StringBuilder().Append('*').Append(items.Count * 2).Append("\r\n");
        foreach (var (m, s) in items)
        {
            string t = Text(s);
            sb.Append('$').Append(m.Length).Append("\r\n").Append(m).Append("\r\n").Append('$').Append(t.Length).Append("\r\n").Append(t).Append("\r\n");
        }
        return sb.ToString();
    }

    [Theory]
    [InlineData(1, 8, 6)]
    [InlineData(2, 128, 64)]
    [InlineData(3, 0, 64)]
    public void RandomWalk_MatchesSortedModel(int seed, int entries, int value)
    {
        using var h = new EngineHarness();
        h.Run(EngineHarness.Command("CONFIG", "SET", "zset-max-listpack-entries", entries.ToString(CultureInfo.InvariantCulture)));
        h.Run(EngineHarness.Command("CONFIG", "SET", "zset-max-listpack-value", value.ToString(CultureInfo.InvariantCulture)));
        var rng = new Random(seed);
        var model = new Model();
        double[] scores = { 0, 1, 2, 2.5, -3, 7, 0.1, 1e20, -1e-5, double.PositiveInfinity, double.NegativeInfinity, 42 };
        string Member() => rng.Next(10) == 0 ? "long-" + new string('m', rng.Next(60)) : "m" + rng.Next(60);
        for (int step = 0; step < 3000; step++)
        {
            int op = rng.Next(10);
            string m = Member();
            double s = scores[rng.Next(scores.Length)];
            string st = Text(s);
            switch (op)
            {
                case < 4:
                {
                    bool had = model.Scores.ContainsKey(m);
                    Is(h, had ? ":0\r\n" : ":1\r\n", "ZADD", "k", st, m);
                    if (!model.Skiplist && !had && (model.Scores.Count + 1 > entries || m.Length > value)) model.Skiplist = true;
                    model.Scores[m] = s;
                    break;
                }
                case 4:
                {
                    double inc = scores[rng.Next(5)];
                    bool had = model.Scores.TryGetValue(m, out double cur);
                    double next = (had ? cur : 0) + inc;
                    Is(h, "$" + Text(next).Length + "\r\n" + Text(next) + "\r\n", "ZINCRBY", "k", Text(inc), m);
                    if (!model.Skiplist && !had && (model.Scores.Count + 1 > entries || m.Length > value)) model.Skiplist = true;
                    model.Scores[m] = next;
                    break;
                }
                case 5:
                    Is(h, model.Scores.Remove(m) ? ":1\r\n" : ":0\r\n", "ZREM", "k", m);
                    break;
                case 6:
                {
                    var ordered = model.Ordered();
                    int a = rng.Next(-5, 5), b = rng.Next(-5, 5);
                    int n = ordered.Count, start = a < 0 ? Math.Max(0, n + a) : a, end = b < 0 ? n + b : Math.Min(b, n - 1);
                    int removed = start > end || start >= n ? 0 : end - start + 1;
                    Is(h, ":" + removed + "\r\n", "ZREMRANGEBYRANK", "k", a.ToString(CultureInfo.InvariantCulture), b.ToString(CultureInfo.InvariantCulture));
                    for (int i = 0; i < removed; i++) model.Scores.Remove(ordered[start + i].m);
                    break;
                }
                case 7:
                {
                    double lo = Math.Min(s, scores[rng.Next(scores.Length)]);
                    var gone = model.Scores.Where(p => p.Value > lo && p.Value <= s).Select(p => p.Key).ToList();
                    Is(h, ":" + gone.Count + "\r\n", "ZREMRANGEBYSCORE", "k", "(" + Text(lo), st);
                    foreach (string g in gone) model.Scores.Remove(g);
                    break;
                }
                case 8:
                {
                    var ordered = model.Ordered();
                    int n = rng.Next(3);
                    bool max = rng.Next(2) == 0;
                    var taken = (max ? Enumerable.Reverse(ordered) : ordered).Take(n).ToList();
                    Is(h, n == 0 && ordered.Count == 0 ? "*0\r\n" : RangeReply(taken), max ? "ZPOPMAX" : "ZPOPMIN", "k", n.ToString(CultureInfo.InvariantCulture));
                    foreach (var t in taken) model.Scores.Remove(t.m);
                    break;
                }
                default:
                {
                    var ordered = model.Ordered();
                    int rank = ordered.FindIndex(p => p.m == m);
                    Is(h, rank < 0 ? "$-1\r\n" : ":" + rank + "\r\n", "ZRANK", "k", m);
                    if (rank >= 0) Is(h, ":" + (ordered.Count - 1 - rank) + "\r\n", "ZREVRANK", "k", m);
                    break;
                }
            }
            if (model.Scores.Count == 0)
            {
                model.Skiplist = false;
                Is(h, ":0\r\n", "EXISTS", "k");
                continue;
            }
            var all = model.Ordered();
            Is(h, RangeReply(all), "ZRANGE", "k", "0", "-1", "WITHSCORES");
            Is(h, ":" + all.Count + "\r\n", "ZCARD", "k");
            Is(h, model.Skiplist ? "$8\r\nskiplist\r\n" : "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "k");
            if (step % 50 == 0)
            {
                all.Reverse();
                Is(h, RangeReply(all), "ZREVRANGEBYSCORE", "k", "+inf", "-inf", "WITHSCORES");
            }
        }
    }
}
