using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using static FastKv.Engine.Tests.HashCommandTests;

namespace FastKv.Engine.Tests;

/// <summary>
/// listpack → hashtable conversion at hash-max-listpack-entries / -value (lowered with CONFIG SET), as
/// Redis 7.0 does it: HSET/HMSET/HSETNX check every argument's length before writing, HINCRBY and
/// HINCRBYFLOAT check the field and the new value as they write, and the field count is checked after
/// an insert. Every <c>Is</c> line was checked against redis-server 7.0. Content must survive the
/// conversion; the table order is not Redis's, so table replies are compared as sets.
/// </summary>
public class HashEncodingTests
{
    const string Listpack = "$8\r\nlistpack\r\n";
    const string Hashtable = "$9\r\nhashtable\r\n";

    static void Small(EngineHarness h)
    {
        Is(h, "+OK\r\n", "CONFIG", "SET", "hash-max-listpack-entries", "4");
        Is(h, "+OK\r\n", "CONFIG", "SET", "hash-max-listpack-value", "8");
    }

    /// <summary>The reply's bulk strings as field → value pairs, whatever their order.</summary>
    static SortedDictionary<string, string> Pairs(string reply)
    {
        string[] lines = reply.Split("\r\n");
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var bulks = new List<string>();
        for (int i = 1; i < lines.Length - 1; i++)
            if (lines[i].StartsWith('$')) bulks.Add(lines[++i]);
        for (int i = 0; i < bulks.Count; i += 2) d.Add(bulks[i], bulks[i + 1]);
        return d;
    }

    [Fact]
    public void CountOverTheLimit_Converts_AfterTheInsert()
    {
        using var h = new EngineHarness();
        Small(h);
        Is(h, ":4\r\n", "HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4");
        Is(h, Listpack, "OBJECT", "ENCODING", "h");
        Is(h, ":0\r\n", "HSET", "h", "a", "10");
        Is(h, Listpack, "OBJECT", "ENCODING", "h");
        Is(h, ":1\r\n", "HSET", "h", "e", "5");
        Is(h, Hashtable, "OBJECT", "ENCODING", "h");
        Assert.Equal("a=10 b=2 c=3 d=4 e=5", string.Join(' ', Pairs(h.Run(EngineHarness.Command("HGETALL", "h"))).Select(kv => kv.Key + "=" + kv.Value)));
        // One way: shrinking back under the limit keeps the table.
        Is(h, ":4\r\n", "HDEL", "h", "a", "b", "c", "d");
        Is(h, Hashtable, "OBJECT", "ENCODING", "h");
        Is(h, "*2\r\n$1\r\ne\r\n$1\r\n5\r\n", "HGETALL", "h");
        Is(h, ":1\r\n", "HDEL", "h", "e");
        Is(h, ":0\r\n", "EXISTS", "h");
        // A new key starts as a listpack again.
        Is(h, ":1\r\n", "HSET", "h", "x", "y");
        Is(h, Listpack, "OBJECT", "ENCODING", "h");
    }

    [Fact]
    public void OneHSetOverTheCount_ConvertsOnce_AndKeepsAllPairs()
    {
        using var h = new EngineHarness();
        Small(h);
        Is(h, ":5\r\n", "HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "a", "6");
        Is(h, Hashtable, "OBJECT", "ENCODING", "h");
        Assert.Equal("a=6 b=2 c=3 d=4 e=5", string.Join(' ', Pairs(h.Run(EngineHarness.Command("HGETALL", "h"))).Select(kv => kv.Key + "=" + kv.Value)));
        Is(h, ":5\r\n", "HLEN", "h");
    }

    [Fact]
    public void LongArgument_ConvertsBeforeAnyPairIsWritten()
    {
        using var h = new EngineHarness();
        Small(h);
        // The limit is inclusive: 8 bytes stay in a listpack, 9 do not.
        Is(h, ":1\r\n", "HSET", "h", "12345678", "abcdefgh");
        Is(h, Listpack, "OBJECT", "ENCODING", "h");
        Is(h, ":2\r\n", "HSET", "h", "a", "1", "b", "123456789");
        Is(h, Hashtable, "OBJECT", "ENCODING", "h");
        Is(h, "$9\r\n123456789\r\n", "HGET", "h", "b");
        Is(h, "$8\r\nabcdefgh\r\n", "HGET", "h", "12345678");
        // A long field converts a new key at once.
        Is(h, ":1\r\n", "HSET", "k", "a-long-field", "v");
        Is(h, Hashtable, "OBJECT", "ENCODING", "k");
        Is(h, "+OK\r\n", "HMSET", "m", "a", "1", "b", "a-long-value");
        Is(h, Hashtable, "OBJECT", "ENCODING", "m");
        Is(h, "*2\r\n$1\r\n1\r\n$12\r\na-long-value\r\n", "HMGET", "m", "a", "b");
    }

    [Fact]
    public void HSetNx_ConvertsOnlyWhenItWrites()
    {
        using var h = new EngineHarness();
        Small(h);
        Is(h, ":1\r\n", "HSETNX", "h", "f", "v");
        Is(h, ":0\r\n", "HSETNX", "h", "f", "a-long-value");
        Is(h, Listpack, "OBJECT", "ENCODING", "h");
        Is(h, ":1\r\n", "HSETNX", "h", "g", "a-long-value");
        Is(h, Hashtable, "OBJECT", "ENCODING", "h");
        Is(h, ":1\r\n", "HSETNX", "k", "a-long-field", "v");
        Is(h, Hashtable, "OBJECT", "ENCODING", "k");
    }

    [Fact]
    public void Counters_ConvertOnLongFieldsAndResults()
    {
        using var h = new EngineHarness();
        Small(h);
        Is(h, ":1\r\n", "HINCRBY", "a", "a-long-field", "1");
        Is(h, Hashtable, "OBJECT", "ENCODING", "a");
        Is(h, ":1\r\n", "HSET", "b", "n", "1");
        Is(h, ":99999999\r\n", "HINCRBY", "b", "n", "99999998");
        Is(h, Listpack, "OBJECT", "ENCODING", "b");
        Is(h, ":100000000\r\n", "HINCRBY", "b", "n", "1");
        Is(h, Hashtable, "OBJECT", "ENCODING", "b");
        Is(h, "$9\r\n100000000\r\n", "HGET", "b", "n");
        Is(h, ":1\r\n", "HSET", "c", "x", "1");
        Is(h, "$8\r\n1.123456\r\n", "HINCRBYFLOAT", "c", "x", "0.123456");
        Is(h, Listpack, "OBJECT", "ENCODING", "c");
        Is(h, "$11\r\n1.123456789\r\n", "HINCRBYFLOAT", "c", "x", "0.000000789");
        Is(h, Hashtable, "OBJECT", "ENCODING", "c");
        Is(h, "$1\r\n5\r\n", "HINCRBYFLOAT", "d", "a-long-field", "5");
        Is(h, Hashtable, "OBJECT", "ENCODING", "d");
        // The fifth field by a counter converts on count too.
        Is(h, ":4\r\n", "HSET", "e", "a", "1", "b", "2", "c", "3", "d", "4");
        Is(h, ":1\r\n", "HINCRBY", "e", "e", "1");
        Is(h, Hashtable, "OBJECT", "ENCODING", "e");
        Is(h, ":2\r\n", "HINCRBY", "e", "a", "1");
        Is(h, "$3\r\n3.5\r\n", "HINCRBYFLOAT", "e", "b", "1.5");
    }

    [Fact]
    public void ZeroLimits_MakeEveryHashATable()
    {
        using var h = new EngineHarness();
        Is(h, "+OK\r\n", "CONFIG", "SET", "hash-max-listpack-entries", "0");
        Is(h, ":1\r\n", "HSET", "h", "a", "1");
        Is(h, Hashtable, "OBJECT", "ENCODING", "h");
        Is(h, "+OK\r\n", "CONFIG", "SET", "hash-max-listpack-entries", "128");
        Is(h, "+OK\r\n", "CONFIG", "SET", "hash-max-listpack-value", "0");
        Is(h, ":1\r\n", "HSET", "k", "a", "");
        Is(h, Hashtable, "OBJECT", "ENCODING", "k");
        Is(h, ":1\r\n", "HSET", "e", "", "");
        Is(h, Listpack, "OBJECT", "ENCODING", "e");
        Is(h, "*2\r\n$0\r\n\r\n$0\r\n\r\n", "HGETALL", "e");
    }

    [Fact]
    public void LargeTable_AllCommandsAgreeWithAModel()
    {
        using var h = new EngineHarness();
        var model = new Dictionary<string, string>();
        var rng = new Random(7);
        for (int i = 0; i < 3000; i++)
        {
            string f = "field:" + rng.Next(1500);
            int op = rng.Next(10);
            if (op < 6)
            {
                string v = rng.Next(3) == 0 ? rng.Next(-5000, 5000).ToString(System.Globalization.CultureInfo.InvariantCulture) : new string('v', rng.Next(0, 90));
                bool added = !model.ContainsKey(f);
                model[f] = v;
                Assert.Equal(added ? ":1\r\n" : ":0\r\n", h.Run(EngineHarness.Command("HSET", "h", f, v)));
            }
            else if (op < 8)
            {
                bool had = model.Remove(f);
                Assert.Equal(had ? ":1\r\n" : ":0\r\n", h.Run(EngineHarness.Command("HDEL", "h", f)));
            }
            else
            {
                string expected = model.TryGetValue(f, out string? v) ? "$" + v.Length + "\r\n" + v + "\r\n" : "$-1\r\n";
                Assert.Equal(expected, h.Run(EngineHarness.Command("HGET", "h", f)));
            }
        }
        Assert.Equal(":" + model.Count + "\r\n", h.Run(EngineHarness.Command("HLEN", "h")));
        Assert.Equal(Hashtable, h.Run(EngineHarness.Command("OBJECT", "ENCODING", "h")));
        var all = Pairs(h.Run(EngineHarness.Command("HGETALL", "h")));
        Assert.Equal(new SortedDictionary<string, string>(model, StringComparer.Ordinal), all);
        string keys = h.Run(EngineHarness.Command("HKEYS", "h"));
        Assert.StartsWith("*" + model.Count + "\r\n", keys);
        string vals = h.Run(EngineHarness.Command("HVALS", "h"));
        Assert.StartsWith("*" + model.Count + "\r\n", vals);
    }

    [Fact]
    public void MemoryUsage_CountsTheStructure()
    {
        using var h = new EngineHarness();
        Is(h, ":1\r\n", "HSET", "h", "f", "v");
        long small = long.Parse(h.Run(EngineHarness.Command("MEMORY", "USAGE", "h")).AsSpan(1).TrimEnd("\r\n"), System.Globalization.CultureInfo.InvariantCulture);
        var sb = new List<string> { "HSET", "h" };
        for (int i = 0; i < 1000; i++) { sb.Add("f" + i); sb.Add(new string('x', 30)); }
        h.Run(EngineHarness.Command(sb.ToArray()));
        long big = long.Parse(h.Run(EngineHarness.Command("MEMORY", "USAGE", "h")).AsSpan(1).TrimEnd("\r\n"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(small, 16, 128);
        // 1000 elements of 8 + ~4 + 30 bytes each, plus segments: well over 40 KB, under 200 KB.
        Assert.InRange(big, 40_000, 200_000);
    }
}
