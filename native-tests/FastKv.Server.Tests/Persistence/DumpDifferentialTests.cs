using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// DUMP against Redis 7.2.4. Each case builds the same key on both servers (every type and encoding, at each
/// conversion threshold and one past it), DUMPs it on FastKv, RESTOREs that payload into Redis under another key,
/// and requires the restored value and its OBJECT ENCODING to equal the original on Redis. Where FastKv holds the
/// value in Redis's own structure (strings, listpacks, intsets, skiplists, quicklists; LZF included) the payload
/// must be Redis's DUMP byte for byte; hashtables iterate in another order, so there only the length must match.
/// At --threads 1 and --threads 4.
/// </summary>
public class DumpDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    /// <summary>One key to build: the config it needs (set on both, restored after), the commands that build it.</summary>
    sealed record Case(string Name, string Key, (string, string)[] Config, List<string[]> Build);

    static readonly (string, string)[] Defaults =
    {
        ("hash-max-listpack-entries", "512"), ("hash-max-listpack-value", "64"),
        ("set-max-intset-entries", "512"), ("set-max-listpack-entries", "128"), ("set-max-listpack-value", "64"),
        ("zset-max-listpack-entries", "128"), ("zset-max-listpack-value", "64"),
        ("list-max-listpack-size", "-2"), ("rdbcompression", "yes"),
    };

    static string Repeat(string unit, int length)
    {
        var sb = new StringBuilder(length + unit.Length);
        while (sb.Length < length) sb.Append(unit);
        return sb.ToString(0, length);
    }

    /// <summary>Text LZF can shrink (words from a small vocabulary) or cannot (random letters and digits).</summary>
    static string Text(Random rng, int length, bool compressible)
    {
        string[] words = { "alpha", "beta", "gamma", " ", "delta:", "0123", "fastkv" };
        var sb = new StringBuilder(length + 8);
        while (sb.Length < length)
        {
            if (compressible) sb.Append(words[rng.Next(words.Length)]);
            else sb.Append((char)(rng.Next(2) == 0 ? 'a' + rng.Next(26) : '0' + rng.Next(10)));
        }
        return sb.ToString(0, length);
    }

    static IEnumerable<Case> Cases()
    {
        var rng = new Random(2024);
        int n = 0;
        string K(string kind) => $"dump:{kind}:{n++}";
        Case One(string name, string kind, (string, string)[] config, params string[][] build)
        {
            string key = K(kind);
            var cmds = build.Select(b => b.Select(a => a == "$K" ? key : a).ToArray()).ToList();
            return new Case(name, key, config, cmds);
        }
        var none = Array.Empty<(string, string)>();

        // Strings: int, embstr, raw; integer encodings at their edges; texts that look numeric but are not canonical.
        foreach (string v in new[] { "0", "-1", "127", "-128", "128", "-129", "32767", "-32768", "32768", "2147483647", "-2147483648",
                     "2147483648", "-2147483649", "9223372036854775807", "-9223372036854775808", "01", "-0", " 1", "1 ", "+1", "1.5",
                     "100000000000", "" })
            yield return One($"string '{v}'", "str", none, new[] { "SET", "$K", v });
        foreach (int len in new[] { 1, 20, 21, 24, 44, 45, 100, 1000, 20000 })
        {
            yield return One($"string of {len} a's", "str", none, new[] { "SET", "$K", Repeat("a", len) });
            yield return One($"compressible string of {len}", "str", none, new[] { "SET", "$K", Text(rng, len, true) });
            yield return One($"random string of {len}", "str", none, new[] { "SET", "$K", Text(rng, len, false) });
        }
        yield return One("raw by APPEND", "str", none, new[] { "SET", "$K", "12" }, new[] { "APPEND", "$K", "34" });
        yield return One("compressible string, rdbcompression no", "str", new[] { ("rdbcompression", "no") },
            new[] { "SET", "$K", Repeat("abc", 300) });

        // Hashes: entries and value length at the listpack limits; small (pointer), inline, and larger listpacks.
        foreach (int entries in new[] { 1, 2, 10, 20, 40, 127, 128, 129 })
        {
            var cmd = new List<string> { "HSET", "$K" };
            for (int i = 0; i < entries; i++) { cmd.Add("field" + i); cmd.Add(i % 3 == 0 ? i.ToString(CultureInfo.InvariantCulture) : "value-" + i); }
            yield return One($"hash of {entries} (limit 128)", "hash", new[] { ("hash-max-listpack-entries", "128") }, cmd.ToArray());
        }
        foreach (int entries in new[] { 512, 513 })
        {
            var cmd = new List<string> { "HSET", "$K" };
            for (int i = 0; i < entries; i++) { cmd.Add("f" + i); cmd.Add("v" + i); }
            yield return One($"hash of {entries} (default limit)", "hash", none, cmd.ToArray());
        }
        foreach (int len in new[] { 64, 65 })
        {
            yield return One($"hash value of {len}", "hash", none, new[] { "HSET", "$K", "a", "1", "b", Repeat("xy", len) });
            yield return One($"hash field of {len}", "hash", none, new[] { "HSET", "$K", Text(rng, len, false), "1" });
        }
        yield return One("hash of long compressible values", "hash", none,
            new[] { "HSET", "$K", "a", Text(rng, 60, true), "b", Text(rng, 60, true), "c", Text(rng, 60, true) });
        yield return One("hashtable of long values", "hash", none,
            new[] { "HSET", "$K", "a", Text(rng, 300, true), "b", Text(rng, 300, false), "12", "34" });

        // Sets: intset at its limit, then listpack or hashtable; listpack limits; large integers; RDB 10 does not apply to DUMP.
        foreach (int count in new[] { 1, 10, 11 })
        {
            var cmd = new List<string> { "SADD", "$K" };
            for (int i = 0; i < count; i++) cmd.Add((i * 37 - 100).ToString(CultureInfo.InvariantCulture));
            yield return One($"int set of {count} (intset limit 10)", "set", new[] { ("set-max-intset-entries", "10") }, cmd.ToArray());
        }
        foreach (int count in new[] { 512, 513 })
        {
            var cmd = new List<string> { "SADD", "$K" };
            for (int i = 0; i < count; i++) cmd.Add(i.ToString(CultureInfo.InvariantCulture));
            yield return One($"int set of {count} (default limit)", "set", none, cmd.ToArray());
        }
        yield return One("intset of 64-bit values", "set", none, new[] { "SADD", "$K", "1", "-9223372036854775808", "9223372036854775807", "70000" });
        yield return One("intset of 32-bit values", "set", none, new[] { "SADD", "$K", "1", "-2147483648", "70000" });
        foreach (int count in new[] { 1, 127, 128, 129 })
        {
            var cmd = new List<string> { "SADD", "$K" };
            for (int i = 0; i < count; i++) cmd.Add(i % 4 == 0 ? i.ToString(CultureInfo.InvariantCulture) : "member:" + i);
            yield return One($"set of {count} (listpack limit 128)", "set", none, cmd.ToArray());
        }
        foreach (int len in new[] { 64, 65 })
            yield return One($"set member of {len}", "set", none, new[] { "SADD", "$K", "a", "7", Repeat("q", len) });

        // Sorted sets: listpack limits, then skiplist; scores of every kind.
        string[] scores = { "0", "-1", "1.5", "3.141592653589793", "inf", "-inf", "1e300", "-2.5e-300", "12345678901234567890", "7" };
        foreach (int count in new[] { 1, 10, 127, 128, 129, 300 })
        {
            var cmd = new List<string> { "ZADD", "$K" };
            for (int i = 0; i < count; i++) { cmd.Add(i < scores.Length ? scores[i] : (i * 0.25).ToString("R", CultureInfo.InvariantCulture)); cmd.Add("m" + i); }
            yield return One($"zset of {count} (limit 128)", "zset", none, cmd.ToArray());
        }
        foreach (int len in new[] { 64, 65 })
            yield return One($"zset member of {len}", "zset", none, new[] { "ZADD", "$K", "1", "a", "2", Text(rng, len, true) });
        yield return One("zset of long compressible members", "zset", new[] { ("zset-max-listpack-entries", "2") },
            new[] { "ZADD", "$K", "1", Text(rng, 200, true), "2", Text(rng, 200, true), "3", Text(rng, 30, false) });

        // Lists: the default 8 KiB node limit and count limits, listpack and quicklist, plain and compressible elements.
        foreach (int count in new[] { 1, 5, 6, 20 })
        {
            var cmd = new List<string> { "RPUSH", "$K" };
            for (int i = 0; i < count; i++) cmd.Add(i % 2 == 0 ? i.ToString(CultureInfo.InvariantCulture) : "item" + i);
            yield return One($"list of {count} (fill 5)", "list", new[] { ("list-max-listpack-size", "5") }, cmd.ToArray());
        }
        foreach (int count in new[] { 70, 79, 80, 81, 90, 400 })
        {
            var cmd = new List<string> { "RPUSH", "$K" };
            for (int i = 0; i < count; i++) cmd.Add(Text(rng, 95, false));
            yield return One($"list of {count} x 95 bytes (8 KiB nodes)", "list", none, cmd.ToArray());
        }
        yield return One("list of compressible elements", "list", none,
            Enumerable.Range(0, 300).Select(i => new[] { i % 2 == 0 ? "LPUSH" : "RPUSH", "$K", Text(rng, 50, true) }).ToArray());
        yield return One("list with a large element", "list", new[] { ("list-max-listpack-size", "-1") },
            new[] { "RPUSH", "$K", "a", Text(rng, 5000, true), "b" });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void EveryEncoding_DumpedByUs_RestoresInRedis_AndMatchesRedisDump(int threads)
    {
        RespConnection oracle = servers.Oracle.Server.Connect();
        RespConnection target = servers.TargetWithThreads(threads).Server.Connect();
        try
        {
            Call(oracle, "FLUSHALL");
            Call(target, "FLUSHALL");
            int exact = 0;
            var seen = new HashSet<string>();
            foreach (Case c in Cases())
            {
                if (Check(c, oracle, target)) exact++;
                seen.Add(Text(oracle, "TYPE", c.Key) + " " + Text(oracle, "OBJECT", "ENCODING", c.Key));
            }
            // Most cases hold no hashtable: the byte-for-byte comparison must really have run, over every encoding.
            Assert.True(exact > 80, $"only {exact} cases compared byte for byte");
            string[] all =
            {
                "string int", "string embstr", "string raw", "hash listpack", "hash hashtable", "set intset", "set listpack",
                "set hashtable", "zset listpack", "zset skiplist", "list listpack", "list quicklist",
            };
            Assert.Empty(all.Except(seen));
        }
        finally
        {
            foreach ((string name, string value) in Defaults)
            {
                oracle.Call("CONFIG", "SET", name, value);
                target.Call("CONFIG", "SET", name, value);
            }
            oracle.Dispose();
            target.Dispose();
        }
    }

    /// <summary>Builds, dumps, restores and compares one case; true when the payloads were compared byte for byte.</summary>
    static bool Check(Case c, RespConnection oracle, RespConnection target)
    {
        foreach ((string name, string value) in Defaults.Where(d => !c.Config.Any(x => x.Item1 == d.Item1)).Concat(c.Config))
        {
            Call(oracle, "CONFIG", "SET", name, value);
            Call(target, "CONFIG", "SET", name, value);
        }
        foreach (string[] cmd in c.Build)
        {
            string o = Resp.AsString(oracle.Call(cmd)), t = Resp.AsString(target.Call(cmd));
            Assert.True(o == t, $"{c.Name}: building with {cmd[0]}: redis {o}, ours {t}");
        }
        string encoding = Text(oracle, "OBJECT", "ENCODING", c.Key);
        Assert.True(encoding == Text(target, "OBJECT", "ENCODING", c.Key), $"{c.Name}: encodings differ before DUMP");

        byte[] ours = Bulk(target, "DUMP", c.Key);
        byte[] theirs = Bulk(oracle, "DUMP", c.Key);
        string copy = c.Key + ":restored";
        string restored = Resp.AsString(oracle.Call(new[] { Resp.Bytes("RESTORE"), Resp.Bytes(copy), Resp.Bytes("0"), ours }));
        Assert.True(restored == "+OK\r\n", $"{c.Name} ({encoding}): Redis refused our payload: {restored.TrimEnd()}\n  ours:  {Resp.Escape(ours, 300)}\n  redis: {Resp.Escape(theirs, 300)}");
        Assert.Equal(Value(oracle, c.Key), Value(oracle, copy));
        // RESTORE re-encodes some values (an integer-looking raw string becomes int), so the encoding to match is
        // the one Redis gives its own payload.
        string own = c.Key + ":own";
        Assert.Equal("+OK\r\n", Resp.AsString(oracle.Call(new[] { Resp.Bytes("RESTORE"), Resp.Bytes(own), Resp.Bytes("0"), theirs })));
        string expected = Text(oracle, "OBJECT", "ENCODING", own), actual = Text(oracle, "OBJECT", "ENCODING", copy);
        Assert.True(expected == actual, $"{c.Name}: restored as {actual}, Redis's own payload as {expected}");
        Assert.True(encoding == expected || c.Name == "raw by APPEND", $"{c.Name}: {encoding} restored as {expected}");

        if (encoding == "hashtable")
        {
            // Same elements in another order: the same bytes in total, unless the order changes how LZF compressed.
            bool compressed = c.Build.Any(b => b.Skip(2).Any(a => a.Length > 20));
            if (!compressed) Assert.True(theirs.Length == ours.Length, $"{c.Name}: {ours.Length} bytes, Redis {theirs.Length}");
            return false;
        }
        Assert.True(theirs.AsSpan().SequenceEqual(ours), $"{c.Name} ({encoding}): DUMP differs\n  ours:  {Resp.Escape(ours, 400)}\n  redis: {Resp.Escape(theirs, 400)}");
        return true;
    }

    static void Call(RespConnection r, params string[] cmd)
    {
        string reply = Resp.AsString(r.Call(cmd));
        Assert.True(reply.StartsWith('+') || reply.StartsWith(':'), $"{string.Join(' ', cmd)} -> {reply}");
    }

    static string Text(RespConnection r, params string[] cmd) => Resp.Parse(r.Call(cmd)).Text ?? "(nil)";

    static byte[] Bulk(RespConnection r, params string[] cmd)
    {
        RespValue v = Resp.Parse(r.Call(cmd));
        Assert.True(v.Type == '$' && v.Data != null, $"{string.Join(' ', cmd)}: {v}");
        return v.Data!;
    }

    /// <summary>The whole value in a comparable form: sorted where Redis's order is a table's.</summary>
    static string Value(RespConnection r, string key)
    {
        string type = Text(r, "TYPE", key);
        List<string> items = type switch
        {
            "string" => new List<string> { Text(r, "GET", key) },
            "hash" => Pairs(Resp.Parse(r.Call("HGETALL", key))).OrderBy(p => p, StringComparer.Ordinal).ToList(),
            "set" => Resp.Parse(r.Call("SMEMBERS", key)).Items!.Select(i => i.Text!).OrderBy(s => s, StringComparer.Ordinal).ToList(),
            "zset" => Resp.Parse(r.Call("ZRANGE", key, "0", "-1", "WITHSCORES")).Items!.Select(i => i.Text!).ToList(),
            "list" => Resp.Parse(r.Call("LRANGE", key, "0", "-1")).Items!.Select(i => i.Text!).ToList(),
            _ => throw new InvalidDataException($"{key} is a {type}"),
        };
        return type + ":" + items.Count + ":" + string.Join("\u0001", items);
    }

    static IEnumerable<string> Pairs(RespValue v)
    {
        for (int i = 0; i + 1 < v.Items!.Count; i += 2) yield return v.Items[i].Text + "=" + v.Items[i + 1].Text;
    }

    /// <summary>
    /// LZF against Redis's lzf_c on many inputs: binary and text, small and large alphabets, runs, repeats near the
    /// 8 KiB window and strings just past the 20-byte minimum, where the room test decides between LZF and plain.
    /// </summary>
    [Theory]
    [InlineData(1, 11)]
    [InlineData(4, 12)]
    public void LzfStrings_AreRedisDumpByteForByte(int threads, int seed)
    {
        using RespConnection oracle = servers.Oracle.Server.Connect();
        using RespConnection target = servers.TargetWithThreads(threads).Server.Connect();
        var rng = new Random(seed);
        for (int i = 0; i < 300; i++)
        {
            int length = i % 3 == 0 ? 21 + rng.Next(20) : i % 3 == 1 ? rng.Next(21, 600) : rng.Next(600, 20000);
            int alphabet = new[] { 1, 2, 3, 4, 8, 16, 64, 256 }[rng.Next(8)];
            var value = new byte[length];
            for (int k = 0; k < length; k++) value[k] = (byte)(alphabet == 256 ? rng.Next(256) : 'a' + rng.Next(alphabet));
            if (i % 5 == 0)
            {
                // A block repeated at a distance near the 8 KiB window.
                int period = 8100 + rng.Next(200);
                for (int k = period; k < length; k++) value[k] = value[k - period];
            }
            byte[] key = Resp.Bytes("dump:lzf:" + i);
            foreach (RespConnection r in new[] { oracle, target })
                Assert.Equal("+OK\r\n", Resp.AsString(r.Call(new[] { Resp.Bytes("SET"), key, value })));
            byte[] theirs = Bulk(oracle, "DUMP", "dump:lzf:" + i), ours = Bulk(target, "DUMP", "dump:lzf:" + i);
            Assert.True(theirs.AsSpan().SequenceEqual(ours),
                $"length {length}, alphabet {alphabet}: DUMP differs\n  ours:  {Resp.Escape(ours, 300)}\n  redis: {Resp.Escape(theirs, 300)}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void MissingKeyAndWrongArity_MatchRedis(int threads)
    {
        using RespConnection oracle = servers.Oracle.Server.Connect();
        using RespConnection target = servers.TargetWithThreads(threads).Server.Connect();
        foreach (string[] cmd in new[]
                 {
                     new[] { "DUMP", "dump:no-such-key" }, new[] { "DUMP" }, new[] { "DUMP", "a", "b" }, new[] { "dump", "dump:no-such-key" },
                 })
        {
            string o = Resp.AsString(oracle.Call(cmd)), t = Resp.AsString(target.Call(cmd));
            Assert.True(o == t, $"{string.Join(' ', cmd)}: redis {Resp.Escape(Resp.Latin1.GetBytes(o))}, ours {Resp.Escape(Resp.Latin1.GetBytes(t))}");
        }
        // RESP3 nil, and a key that expired is missing too.
        Assert.Equal("+OK\r\n", Resp.AsString(target.Call("SET", "dump:gone", "v", "PX", "1")));
        Assert.Equal("+OK\r\n", Resp.AsString(oracle.Call("SET", "dump:gone", "v", "PX", "1")));
        System.Threading.Thread.Sleep(20);
        oracle.Call("HELLO", "3");
        target.Call("HELLO", "3");
        foreach (string key in new[] { "dump:no-such-key", "dump:gone" })
            Assert.Equal(Resp.AsString(oracle.Call("DUMP", key)), Resp.AsString(target.Call("DUMP", key)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void KeysOnEveryShard_DumpLikeRedis(int threads)
    {
        // Keys hashing to different shards (and a TTL, which DUMP leaves out): each answers from its own shard.
        using RespConnection oracle = servers.Oracle.Server.Connect();
        using RespConnection target = servers.TargetWithThreads(threads).Server.Connect();
        for (int i = 0; i < 40; i++)
        {
            string key = "dump:shard:" + i, value = Repeat("v" + i, 30 + i);
            foreach (RespConnection r in new[] { oracle, target })
            {
                Call(r, "SET", key, value);
                if (i % 3 == 0) Call(r, "PEXPIRE", key, "100000");
            }
            Assert.Equal(Bulk(oracle, "DUMP", key), Bulk(target, "DUMP", key));
        }
    }
}
