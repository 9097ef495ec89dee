using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using FastKv.Tests.Rdb;
using Xunit;
using Z = FastKv.Tests.Rdb.RdbBytes.ZlEntry;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// The values the RESTORE tests carry: keys of every (type, encoding) built on Redis at each threshold and one past
/// it, DUMPed there; payloads in the old encodings Redis 7.2 no longer writes, built by hand; and a canonical text
/// of a key (type, encoding, the whole value, expiry) to compare two servers by.
/// </summary>
public static class RestoreShapes
{
    /// <summary>The encoding thresholds of a run: Redis's defaults, or small ones so every conversion shows on a few elements.</summary>
    public sealed record Thresholds(int IntsetEntries, int SetEntries, int SetValue, int ZSetEntries, int ZSetValue, int HashEntries, int HashValue, int ListSize)
    {
        public static readonly Thresholds Default = new(512, 128, 64, 128, 64, 512, 64, -2);
        public static readonly Thresholds Small = new(4, 4, 8, 4, 8, 4, 8, 4);

        public void Apply(RespConnection c)
        {
            foreach (var (name, value) in new (string, int)[]
                     {
                         ("set-max-intset-entries", IntsetEntries), ("set-max-listpack-entries", SetEntries), ("set-max-listpack-value", SetValue),
                         ("zset-max-listpack-entries", ZSetEntries), ("zset-max-listpack-value", ZSetValue),
                         ("hash-max-listpack-entries", HashEntries), ("hash-max-listpack-value", HashValue), ("list-max-listpack-size", ListSize),
                     })
                Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", name, value.ToString(CultureInfo.InvariantCulture)));
        }
    }

    static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Commands that build, on an empty database, one key per shape at thresholds <paramref name="t"/> (key = shape name).</summary>
    public static List<string[]> Build(Thresholds t)
    {
        var cmds = new List<string[]>
        {
            new[] { "SET", "str:int", "12345" },
            new[] { "SET", "str:neg", "-987654321" },
            new[] { "SET", "str:max", "9223372036854775807" },
            new[] { "SET", "str:notint", "12345678901234567890" },
            new[] { "SET", "str:lead0", "0123" },
            new[] { "SET", "str:emb44", new string('e', 44) },
            new[] { "SET", "str:raw45", new string('r', 45) },
            new[] { "SET", "str:lzf", string.Concat(Enumerable.Repeat("abcd", 300)) },
            new[] { "SET", "str:empty", "" },
        };
        void Add(string cmd, string key, IEnumerable<string> args) => cmds.Add(new[] { cmd, key }.Concat(args).ToArray());

        // Lists: by entry count (small fill) or by node bytes (-2: 8 KiB), each at the limit and one past it, plus many nodes.
        if (t.ListSize > 0)
        {
            Add("RPUSH", "list:at", Enumerable.Range(0, t.ListSize).Select(i => "v" + i));
            Add("RPUSH", "list:past", Enumerable.Range(0, t.ListSize + 1).Select(i => "v" + i));
        }
        else
        {
            Add("RPUSH", "list:at", Enumerable.Range(0, 8).Select(i => new string((char)('a' + i), 1000)));
            Add("RPUSH", "list:past", Enumerable.Range(0, 9).Select(i => new string((char)('a' + i), 1000)));
        }
        Add("RPUSH", "list:many", Enumerable.Range(0, 3000).Select(i => i % 3 == 0 ? N(i * 7919L) : "item-" + i));

        // Sets: intset at and past its count; listpack at and past its count and its value length.
        Add("SADD", "set:int-at", Enumerable.Range(0, t.IntsetEntries).Select(i => N(i * 3 - 50)));
        Add("SADD", "set:int-past", Enumerable.Range(0, t.IntsetEntries + 1).Select(i => N(i * 3 - 50)));
        Add("SADD", "set:int-wide", new[] { N(long.MinValue), "0", N(long.MaxValue) });
        Add("SADD", "set:lp-at", Enumerable.Range(0, t.SetEntries).Select(i => "m" + i));
        Add("SADD", "set:lp-past", Enumerable.Range(0, t.SetEntries + 1).Select(i => "m" + i));
        Add("SADD", "set:lpval-at", new[] { new string('s', t.SetValue), "x" });
        Add("SADD", "set:lpval-past", new[] { new string('s', t.SetValue + 1), "x" });
        Add("SADD", "set:mixed", new[] { "1", "2", "x" });

        // Sorted sets: listpack at and past its count and its member length; varied scores.
        string[] Pairs(int n, Func<int, string> member) => Enumerable.Range(0, n)
            .SelectMany(i => new[] { (i % 5 == 0 ? -i * 1.5 : i % 7 == 0 ? i / 3.0 : i).ToString("R", CultureInfo.InvariantCulture), member(i) }).ToArray();
        Add("ZADD", "zset:at", Pairs(t.ZSetEntries, i => "z" + i));
        Add("ZADD", "zset:past", Pairs(t.ZSetEntries + 1, i => "z" + i));
        Add("ZADD", "zset:val-at", new[] { "1", new string('m', t.ZSetValue), "2", "n" });
        Add("ZADD", "zset:val-past", new[] { "1", new string('m', t.ZSetValue + 1), "2", "n" });
        Add("ZADD", "zset:inf", new[] { "-inf", "a", "+inf", "b", "0", "c", "1e300", "d" });

        // Hashes: listpack at and past its count and its value length.
        string[] Fields(int n) => Enumerable.Range(0, n).SelectMany(i => new[] { "f" + i, i % 2 == 0 ? N(i) : "v" + i }).ToArray();
        Add("HSET", "hash:at", Fields(t.HashEntries));
        Add("HSET", "hash:past", Fields(t.HashEntries + 1));
        Add("HSET", "hash:val-at", new[] { "f", new string('h', t.HashValue), "g", "1" });
        Add("HSET", "hash:val-past", new[] { "f", new string('h', t.HashValue + 1), "g", "1" });
        return cmds;
    }

    /// <summary>The shape keys <see cref="Build"/> creates, in order.</summary>
    public static List<string> Keys(Thresholds t) => Build(t).Select(c => c[1]).Distinct().ToList();

    /// <summary>
    /// Payloads in the encodings Redis 7.2 reads but no longer writes, with their footer (version 11, CRC64): ziplists
    /// (list, hash, zset, quicklist v1 nodes), a zipmap, the plain LIST and text-score ZSET, and a 64-bit intset
    /// holding small values (legal, only wider than needed).
    /// </summary>
    public static List<(string Name, byte[] Payload)> OldEncodings()
    {
        var list = new List<(string, byte[])>();
        void Add(string name, byte type, RdbBytes body) => list.Add((name, RdbBytes.WithFooter(new RdbBytes().Byte(type).Raw(body.ToArray()).ToArray())));

        Add("list-ziplist", 10, new RdbBytes().Str(RdbBytes.Ziplist(Z.S("a"), Z.I(0xF1, 0), Z.I(0xFE, -7), Z.I(0xC0, 300), Z.I(0xF0, -70000),
            Z.I(0xD0, int.MaxValue), Z.I(0xE0, long.MinValue), Z.S(new string('w', 300)), Z.S("12"), Z.S("x", 14))));
        Add("list-ziplist-big-prevlen", 10, new RdbBytes().Str(RdbBytes.Ziplist(new[] { Z.S("p"), Z.I(5), Z.S("q") }, bigPrevlen: true)));
        Add("hash-ziplist", 13, new RdbBytes().Str(RdbBytes.Ziplist(Z.S("name"), Z.S("redis"), Z.S("n"), Z.I(42), Z.I(7), Z.S("seven"))));
        Add("hash-ziplist-many", 13, new RdbBytes().Str(RdbBytes.Ziplist(Enumerable.Range(0, 10).SelectMany(i => new[] { Z.S("f" + i), Z.I(i) }))));
        Add("zset-ziplist", 12, new RdbBytes().Str(RdbBytes.Ziplist(Z.S("a"), Z.I(1), Z.S("b"), Z.S("2.5"), Z.S("c"), Z.I(3))));
        Add("zset-ziplist-many", 12, new RdbBytes().Str(RdbBytes.Ziplist(Enumerable.Range(0, 10).SelectMany(i => new[] { Z.S("m" + i), Z.I(i * 2) }))));
        Add("hash-zipmap", 9, new RdbBytes().Str(RdbBytes.ZipmapOf("field", "value", "n", "17", "empty", "")));
        Add("hash-zipmap-free", 9, new RdbBytes().Str(RdbBytes.Zipmap(new[] { (Encoding.ASCII.GetBytes("k"), Encoding.ASCII.GetBytes(new string('v', 300))) }, free: 4)));
        Add("hash-zipmap-many", 9, new RdbBytes().Str(RdbBytes.ZipmapOf(Enumerable.Range(0, 6).SelectMany(i => new[] { "f" + i, "v" + i }).ToArray())));
        Add("quicklist-v1", 14, new RdbBytes().Len(2).Str(RdbBytes.ZiplistOf("a", "b", "1")).Str(RdbBytes.ZiplistOf("c", "-20")));
        Add("quicklist-v1-one-node", 14, new RdbBytes().Len(1).Str(RdbBytes.ZiplistOf("a", "b", "1")));
        Add("list-plain", 1, new RdbBytes().Len(4).Str("a").IntStr(0, -5).IntStr(2, 100000).LzfLiteral(Encoding.ASCII.GetBytes(new string('z', 40))));
        Add("zset-text", 3, new RdbBytes().Len(4).Str("a").TextDouble("1.5").Str("b").Byte(254).Str("c").Byte(255).Str("d").TextDouble("-3"));
        Add("set-plain-ints", 2, new RdbBytes().Len(3).Str("3").Str("1").Str("2"));
        Add("set-plain-mixed", 2, new RdbBytes().Len(3).Str("3").Str("x").Str("2"));
        Add("hash-plain", 4, new RdbBytes().Len(2).Str("f").Str("1").Str("g").LzfLiteral(Encoding.ASCII.GetBytes(new string('q', 70))));
        Add("zset2-plain", 5, new RdbBytes().Len(3).Str("a").BinDouble(2).Str("b").BinDouble(-0.5).Str("c").BinDouble(double.PositiveInfinity));
        var intset64 = new RdbBytes().Raw(8, 0, 0, 0, 3, 0, 0, 0);
        foreach (long v in new long[] { -1, 5, 9 }) intset64.Raw(BitConverter.GetBytes(v));
        Add("intset-64", 11, new RdbBytes().Str(intset64.ToArray()));
        return list;
    }

    /// <summary>The replies of TYPE, OBJECT ENCODING and the type's whole-value read for <paramref name="key"/>.</summary>
    public static List<RespValue> ReadBack(RespConnection c, string key)
    {
        RespValue type = Resp.Parse(c.Call("TYPE", key));
        string[] read = type.Text switch
        {
            "string" => new[] { "GET", key },
            "list" => new[] { "LRANGE", key, "0", "-1" },
            "set" => new[] { "SMEMBERS", key },
            "zset" => new[] { "ZRANGE", key, "0", "-1", "WITHSCORES" },
            "hash" => new[] { "HGETALL", key },
            _ => new[] { "TYPE", key },
        };
        return new List<RespValue> { type, Resp.Parse(c.Call("OBJECT", "ENCODING", key)), Resp.Parse(c.Call(read)) };
    }

    /// <summary>
    /// A key's canonical text: type, encoding, absolute expiry and the whole value (set members and hash pairs
    /// sorted, since a hashtable's order is its own). Equal on two servers = the same key.
    /// </summary>
    public static string Describe(RespConnection c, string key, bool withEncoding = true)
    {
        string type = c.CallText("TYPE", key);
        var sb = new StringBuilder(type);
        if (withEncoding) sb.Append(c.CallText("OBJECT", "ENCODING", key));
        sb.Append(c.CallText("PEXPIRETIME", key));
        switch (type)
        {
            case "+string\r\n": sb.Append(c.CallText("GET", key)); break;
            case "+list\r\n": sb.Append(c.CallText("LRANGE", key, "0", "-1")); break;
            case "+zset\r\n": sb.Append(c.CallText("ZRANGE", key, "0", "-1", "WITHSCORES")); break;
            case "+set\r\n":
                sb.AppendJoin('|', Resp.Parse(c.Call("SMEMBERS", key)).Items!.Select(v => v.Text).Order(StringComparer.Ordinal));
                break;
            case "+hash\r\n":
                var items = Resp.Parse(c.Call("HGETALL", key)).Items!;
                sb.AppendJoin('|', Enumerable.Range(0, items.Count / 2).Select(i => items[2 * i].Text + "=" + items[2 * i + 1].Text).Order(StringComparer.Ordinal));
                break;
        }
        return sb.ToString();
    }
}
