using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using FastKv.Memory;
using Xunit;
using static FastKv.Engine.Tests.ZSetTestSupport;

namespace FastKv.Engine.Tests;

/// <summary>
/// Sorted-set behaviour asserted directly: Redis 7.2's ZRANK WITHSCORE (the 7.0 oracle rejects it),
/// sets of every encoding as algebra inputs (expected replies from redis-server 7.0.15 with SADD),
/// ZSCAN over a skiplist, ZRANDMEMBER's guarantees, and a random walk against a sorted-list model
/// in both encodings.
/// Unsafe invariant: structures built here live in the harness shard's arena and are handed to a key at once.
/// </summary>
public unsafe class ZSetBehaviourTests
{
    // ---- a tiny RESP reader for replies whose order or content is checked structurally ----

    static object? Parse(string s, ref int i)
    {
        char t = s[i];
        int eol = s.IndexOf("\r\n", i, StringComparison.Ordinal);
        string head = s.Substring(i + 1, eol - i - 1);
        i = eol + 2;
        switch (t)
        {
            case '$':
                int n = int.Parse(head, CultureInfo.InvariantCulture);
                if (n < 0) return null;
                string v = s.Substring(i, n);
                i += n + 2;
                return v;
            case '*':
                int k = int.Parse(head, CultureInfo.InvariantCulture);
                if (k < 0) return null;
                var list = new List<object?>();
                for (int j = 0; j < k; j++) list.Add(Parse(s, ref i));
                return list;
            case ':': return long.Parse(head, CultureInfo.InvariantCulture);
            case ',': return "," + head;
            case '_': return null;
            default: return t + head;
        }
    }

    static object? Parse(string reply)
    {
        int i = 0;
        object? r = Parse(reply, ref i);
        Assert.Equal(reply.Length, i);
        return r;
    }

    static List<object?> Array(EngineHarness h, params string[] args) =>
        Assert.IsType<List<object?>>(Parse(h.Run(EngineHarness.Command(args))));

    // ---- ZRANK / ZREVRANK WITHSCORE (Redis 7.2) ----

    [Fact]
    public void ZRank_WithScore_IsRedis72()
    {
        using var h = new EngineHarness();
        Is(h, ":3\r\n", "ZADD", "z", "1.5", "a", "2", "b", "3", "c");
        Is(h, "*2\r\n:0\r\n$3\r\n1.5\r\n", "ZRANK", "z", "a", "WITHSCORE");
        Is(h, "*2\r\n:2\r\n$3\r\n1.5\r\n", "ZREVRANK", "z", "a", "withscore");
        Is(h, "*-1\r\n", "ZRANK", "z", "nope", "WITHSCORE");
        Is(h, "*-1\r\n", "ZRANK", "nokey", "a", "WITHSCORE");
        Is(h, "$-1\r\n", "ZRANK", "z", "nope");
        Is(h, "-ERR syntax error\r\n", "ZRANK", "z", "a", "WITHSCORES");
        Is(h, "-ERR wrong number of arguments for 'zrank' command\r\n", "ZRANK", "z", "a", "WITHSCORE", "x");
        h.Run(EngineHarness.Command("HELLO", "3"));
        Is(h, "*2\r\n:1\r\n,2\r\n", "ZRANK", "z", "b", "WITHSCORE");
        Is(h, "_\r\n", "ZREVRANK", "z", "nope", "WITHSCORE");
        Is(h, "_\r\n", "ZRANK", "nokey", "a");
    }

    // ---- sets as inputs ----

    /// <summary>Adds a set under <paramref name="key"/> in the given encoding, built with the Memory structures directly.</summary>
    static void AddSet(EngineHarness h, string key, byte encoding, params string[] members)
    {
        Shard shard = h.Server.Shards[0];
        Arena arena = shard.Arena;
        byte* p;
        switch (encoding)
        {
            case ValueEncoding.IntSet:
                p = Intset.Create(arena);
                foreach (string m in members) p = Intset.Add(arena, p, long.Parse(m, CultureInfo.InvariantCulture), out _);
                break;
            case ValueEncoding.ListPack:
                p = Listpack.Create(arena);
                foreach (string m in members) p = Listpack.Append(arena, p, Encoding.ASCII.GetBytes(m));
                break;
            default:
                p = FieldTable.Create(arena, members.Length);
                foreach (string m in members) FieldTable.Add(arena, ref p, Encoding.ASCII.GetBytes(m));
                break;
        }
        shard.Dbs[0].AddCollection(Encoding.ASCII.GetBytes(key), ValueKind.Set, encoding, p);
    }

    [Theory]
    [InlineData(ValueEncoding.ListPack)]
    [InlineData(ValueEncoding.HashTable)]
    public void Algebra_SetsScoreOne_InEveryEncoding(byte textEncoding)
    {
        using var h = new EngineHarness();
        // redis-server 7.0.15: SADD si 1 2 3 100 -5; SADD sl a b 5; ZADD z 10 a 20 1 30 zz 40 100.
        AddSet(h, "si", ValueEncoding.IntSet, "1", "2", "3", "100", "-5");
        AddSet(h, "sl", textEncoding, "a", "b", "5");
        Is(h, ":4\r\n", "ZADD", "z", "10", "a", "20", "1", "30", "zz", "40", "100");
        Is(h, "*18\r\n$2\r\n-5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\na\r\n$2\r\n11\r\n$1\r\n1\r\n$2\r\n21\r\n$2\r\nzz\r\n$2\r\n30\r\n$3\r\n100\r\n$2\r\n41\r\n",
            "ZUNION", "3", "z", "si", "sl", "WITHSCORES");
        Is(h, "*4\r\n$1\r\n1\r\n$2\r\n21\r\n$3\r\n100\r\n$2\r\n41\r\n", "ZINTER", "2", "z", "si", "WITHSCORES");
        Is(h, "*2\r\n$1\r\na\r\n$2\r\n32\r\n", "ZINTER", "2", "sl", "z", "WEIGHTS", "2", "3", "WITHSCORES");
        Is(h, "*2\r\n$1\r\na\r\n$2\r\nzz\r\n", "ZDIFF", "2", "z", "si");
        Is(h, "*3\r\n$2\r\n-5\r\n$1\r\n2\r\n$1\r\n3\r\n", "ZDIFF", "2", "si", "z");
        Is(h, "*4\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n1\r\n", "ZDIFF", "2", "sl", "z", "WITHSCORES");
        Is(h, ":8\r\n", "ZUNIONSTORE", "d", "2", "si", "sl");
        Is(h, "*16\r\n$2\r\n-5\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n1\r\n$3\r\n100\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n1\r\n",
            "ZRANGE", "d", "0", "-1", "WITHSCORES");
        Is(h, ":2\r\n", "ZINTERCARD", "2", "si", "z");
        Is(h, "*0\r\n", "ZINTER", "3", "si", "sl", "z");
        Is(h, "*10\r\n$2\r\n-5\r\n$3\r\n0.5\r\n$1\r\n1\r\n$3\r\n0.5\r\n$3\r\n100\r\n$3\r\n0.5\r\n$1\r\n2\r\n$3\r\n0.5\r\n$1\r\n3\r\n$3\r\n0.5\r\n",
            "ZUNION", "1", "si", "WEIGHTS", "0.5", "AGGREGATE", "MAX", "WITHSCORES");
        // A set is not a sorted set for the other commands.
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZRANGE", "si", "0", "-1");
    }

    // ---- ZSCAN over a skiplist ----

    [Fact]
    public void ZScan_Skiplist_ReturnsEveryMemberOnce_WithScoreText()
    {
        using var h = new EngineHarness();
        var expected = new Dictionary<string, string>();
        for (int i = 0; i < 1500; i++)
        {
            string m = "m" + i;
            string score = (i % 3) switch { 0 => i.ToString(CultureInfo.InvariantCulture), 1 => "0.1", _ => "-0" };
            h.Run(EngineHarness.Command("ZADD", "z", score, m));
            // The first 128 were written into the listpack, which stores -0 as 0 (as Redis 7.0); later ones keep -0.
            expected[m] = (i % 3) switch { 0 => i.ToString(CultureInfo.InvariantCulture), 1 => "0.10000000000000001", _ => i < 128 ? "0" : "-0" };
        }
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "z");
        var seen = new Dictionary<string, string>();
        string cursor = "0";
        int calls = 0;
        do
        {
            var reply = Array(h, "ZSCAN", "z", cursor, "COUNT", "20");
            cursor = Assert.IsType<string>(reply[0]);
            var items = Assert.IsType<List<object?>>(reply[1]);
            for (int i = 0; i < items.Count; i += 2) seen.Add((string)items[i]!, (string)items[i + 1]!);
            calls++;
        }
        while (cursor != "0");
        Assert.True(calls > 5, "a 1500-member table is not answered in one call");
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), seen.OrderBy(p => p.Key, StringComparer.Ordinal));

        var matched = Array(h, "ZSCAN", "z", "0", "MATCH", "m14?", "COUNT", "100000");
        Assert.Equal("0", matched[0]);
        var names = ((List<object?>)matched[1]!).Where((_, i) => i % 2 == 0).Cast<string>().OrderBy(s => s, StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(140, 10).Select(i => "m" + i).OrderBy(s => s, StringComparer.Ordinal), names);
    }

    // ---- ZRANDMEMBER ----

    [Theory]
    [InlineData(10)]   // listpack
    [InlineData(300)]  // skiplist
    public void ZRandMember_DistinctMembersWithTheirScores(int size)
    {
        using var h = new EngineHarness();
        var scores = new Dictionary<string, string>();
        for (int i = 0; i < size; i++)
        {
            h.Run(EngineHarness.Command("ZADD", "z", (i * 0.5).ToString(CultureInfo.InvariantCulture), "m" + i));
            scores["m" + i] = Assert.IsType<string>(Parse(h.Run(EngineHarness.Command("ZSCORE", "z", "m" + i))));
        }
        // Every strategy: a few of many (random draws), most of them (shuffle), all and more (the whole set in order).
        foreach (int count in new[] { 1, 3, size / 2, size - 1, size, size + 5 })
        {
            var plain = Array(h, "ZRANDMEMBER", "z", count.ToString(CultureInfo.InvariantCulture)).Cast<string>().ToList();
            Assert.Equal(Math.Min(count, size), plain.Count);
            Assert.Equal(plain.Count, plain.Distinct().Count());
            Assert.All(plain, m => Assert.True(scores.ContainsKey(m)));

            var flat = Array(h, "ZRANDMEMBER", "z", count.ToString(CultureInfo.InvariantCulture), "WITHSCORES");
            Assert.Equal(2 * Math.Min(count, size), flat.Count);
            for (int i = 0; i < flat.Count; i += 2) Assert.Equal(scores[(string)flat[i]!], flat[i + 1]);
            Assert.Equal(flat.Count / 2, flat.Where((_, i) => i % 2 == 0).Distinct().Count());
        }
        // More than the set holds: all of it, in random order (as redis-server 7.0.15 answers).
        var all = Array(h, "ZRANDMEMBER", "z", (size + 1).ToString(CultureInfo.InvariantCulture)).Cast<string>().ToList();
        Assert.Equal(Enumerable.Range(0, size).Select(i => "m" + i).OrderBy(m => m, StringComparer.Ordinal), all.OrderBy(m => m, StringComparer.Ordinal));
        var again = Array(h, "ZRANDMEMBER", "z", (size + 1).ToString(CultureInfo.InvariantCulture)).Cast<string>().ToList();
        Assert.NotEqual(all, again); // 10! orders: a repeat is a one-in-3.6-million event

        // Negative counts repeat: exactly |count| members.
        var repeated = Array(h, "ZRANDMEMBER", "z", "-50", "WITHSCORES");
        Assert.Equal(100, repeated.Count);
        for (int i = 0; i < repeated.Count; i += 2) Assert.Equal(scores[(string)repeated[i]!], repeated[i + 1]);
        if (size == 10) Assert.True(repeated.Where((_, i) => i % 2 == 0).Distinct().Count() < 50);

        // Many single draws reach every member of a small set.
        if (size == 10)
        {
            var hit = new HashSet<string>();
            for (int i = 0; i < 400; i++) hit.Add(Assert.IsType<string>(Parse(h.Run(EngineHarness.Command("ZRANDMEMBER", "z")))));
            Assert.Equal(10, hit.Count);
        }

        // Intended difference: Redis would start a reply of billions of elements; a count whose reply
        // length does not fit an int is refused.
        Is(h, "-ERR value is out of range\r\n", "ZRANDMEMBER", "z", "-3000000000");
        Is(h, "-ERR value is out of range\r\n", "ZRANDMEMBER", "z", "-1500000000", "WITHSCORES");

        h.Run(EngineHarness.Command("HELLO", "3"));
        var pairs = Array(h, "ZRANDMEMBER", "z", "2", "WITHSCORES");
        Assert.Equal(2, pairs.Count);
        foreach (var p in pairs)
        {
            var pair = Assert.IsType<List<object?>>(p);
            Assert.Equal("," + scores[(string)pair[0]!], pair[1]);
        }
    }
}
