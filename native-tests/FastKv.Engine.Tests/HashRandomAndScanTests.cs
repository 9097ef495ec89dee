using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Xunit;
using static FastKv.Engine.Tests.HashCommandTests;

namespace FastKv.Engine.Tests;

/// <summary>
/// HRANDFIELD and HSCAN. Replies that Redis makes deterministic (errors, missing keys, a count covering
/// the whole hash, a listpack HSCAN) are byte-checked with <c>Is</c> lines run against redis-server 7.0;
/// random picks and table scans are checked for their properties: members only, distinct when asked,
/// the right counts and shapes, every element reached by a scan that runs while the table grows.
/// </summary>
public class HashRandomAndScanTests
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Top-level bulk strings of a flat array reply.</summary>
    static List<string> Bulks(string reply)
    {
        var items = new List<string>();
        string[] lines = reply.Split("\r\n");
        for (int i = 1; i < lines.Length - 1; i++)
            if (lines[i].StartsWith('$') && lines[i] != "$-1") items.Add(lines[++i]);
        return items;
    }

    static void Fill(EngineHarness h, string key, int n)
    {
        var cmd = new List<string> { "HSET", key };
        for (int i = 0; i < n; i++) { cmd.Add("f" + i); cmd.Add("v" + i); }
        Assert.Equal(":" + n + "\r\n", h.Run(EngineHarness.Command(cmd.ToArray())));
    }

    [Fact]
    public void HRandField_DeterministicReplies()
    {
        using var h = new EngineHarness();
        Is(h, "$-1\r\n", "HRANDFIELD", "missing");
        Is(h, "*0\r\n", "HRANDFIELD", "missing", "3");
        Is(h, "*0\r\n", "HRANDFIELD", "missing", "-3", "WITHVALUES");
        Is(h, ":3\r\n", "HSET", "h", "a", "1", "b", "2", "c", "3");
        Is(h, "*0\r\n", "HRANDFIELD", "h", "0");
        Is(h, "*0\r\n", "HRANDFIELD", "h", "0", "withvalues");
        Is(h, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "HRANDFIELD", "h", "3");
        Is(h, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "HRANDFIELD", "h", "9223372036854775807");
        Is(h, "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "HRANDFIELD", "h", "10", "WITHVALUES");
        Is(h, "-ERR value is not an integer or out of range\r\n", "HRANDFIELD", "h", "abc");
        Is(h, "-ERR value is not an integer or out of range\r\n", "HRANDFIELD", "h", "1.5");
        Is(h, "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n", "HRANDFIELD", "h", "-9223372036854775808");
        Is(h, "-ERR syntax error\r\n", "HRANDFIELD", "h", "1", "withvalue");
        Is(h, "-ERR syntax error\r\n", "HRANDFIELD", "h", "1", "withvalues", "x");
        Is(h, "-ERR syntax error\r\n", "HRANDFIELD", "missing", "0", "x");
        Is(h, "-ERR value is out of range\r\n", "HRANDFIELD", "h", "4611686018427387904", "WITHVALUES");
        Is(h, "-ERR value is out of range\r\n", "HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES");
        Is(h, "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "HRANDFIELD", "h", "4611686018427387903", "WITHVALUES");
        Is(h, ":1\r\n", "HSET", "one", "only", "7");
        Is(h, "$4\r\nonly\r\n", "HRANDFIELD", "one");
        Is(h, "*6\r\n$4\r\nonly\r\n$1\r\n7\r\n$4\r\nonly\r\n$1\r\n7\r\n$4\r\nonly\r\n$1\r\n7\r\n", "HRANDFIELD", "one", "-3", "WITHVALUES");
        Is(h, "-ERR wrong number of arguments for 'hrandfield' command\r\n", "HRANDFIELD");
        Hello3(h);
        Is(h, "_\r\n", "HRANDFIELD", "missing");
        Is(h, "*3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", "HRANDFIELD", "h", "3", "WITHVALUES");
        Is(h, "*2\r\n*2\r\n$4\r\nonly\r\n$1\r\n7\r\n*2\r\n$4\r\nonly\r\n$1\r\n7\r\n", "HRANDFIELD", "one", "-2", "WITHVALUES");
        Is(h, "*2\r\n$4\r\nonly\r\n$4\r\nonly\r\n", "HRANDFIELD", "one", "-2");
    }

    [Theory]
    [InlineData(20)]   // listpack
    [InlineData(700)]  // hashtable (over 512 fields)
    public void HRandField_PicksMembers_DistinctWhenPositive(int size)
    {
        using var h = new EngineHarness();
        Fill(h, "h", size);
        Assert.Equal(size > 512 ? "$9\r\nhashtable\r\n" : "$8\r\nlistpack\r\n", h.Run(EngineHarness.Command("OBJECT", "ENCODING", "h")));
        foreach (int count in new[] { 1, 2, size / 3, size / 3 + 1, size / 2, size - 1, size })
        {
            List<string> fields = Bulks(h.Run(EngineHarness.Command("HRANDFIELD", "h", count.ToString(Inv))));
            Assert.Equal(count, fields.Count);
            Assert.Equal(count, fields.Distinct().Count());
            Assert.All(fields, f => Assert.Matches("^f[0-9]+$", f));
            Assert.All(fields, f => Assert.InRange(int.Parse(f.AsSpan(1), Inv), 0, size - 1));

            List<string> pairs = Bulks(h.Run(EngineHarness.Command("HRANDFIELD", "h", count.ToString(Inv), "WITHVALUES")));
            Assert.Equal(2 * count, pairs.Count);
            for (int i = 0; i < pairs.Count; i += 2) Assert.Equal("v" + pairs[i].Substring(1), pairs[i + 1]);
            Assert.Equal(count, pairs.Where((_, i) => i % 2 == 0).Distinct().Count());
        }
        List<string> repeats = Bulks(h.Run(EngineHarness.Command("HRANDFIELD", "h", "-" + (3 * size).ToString(Inv), "WITHVALUES")));
        Assert.Equal(6 * size, repeats.Count);
        for (int i = 0; i < repeats.Count; i += 2) Assert.Equal("v" + repeats[i].Substring(1), repeats[i + 1]);
        // 3 * size independent picks among size fields repeat some (the chance they would not is nil).
        Assert.True(repeats.Where((_, i) => i % 2 == 0).Distinct().Count() < 3 * size);

        Hello3(h);
        string nested = h.Run(EngineHarness.Command("HRANDFIELD", "h", "-5", "WITHVALUES"));
        Assert.StartsWith("*5\r\n*2\r\n$", nested);
        Assert.Equal(5, nested.Split("*2\r\n").Length - 1);
        string distinct = h.Run(EngineHarness.Command("HRANDFIELD", "h", "4", "WITHVALUES"));
        Assert.StartsWith("*4\r\n*2\r\n$", distinct);
        Assert.Equal(8, Bulks(distinct.Replace("*2\r\n", "")).Count);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(600)]
    public void HRandField_IsRoughlyUniform(int size)
    {
        using var h = new EngineHarness();
        Fill(h, "h", size);
        var hits = new Dictionary<string, int>();
        int draws = 200 * size;
        // Without a count one field per call; with a negative count many per call: both must be uniform.
        for (int i = 0; i < draws / 2; i++)
        {
            string f = h.Run(EngineHarness.Command("HRANDFIELD", "h")).Split("\r\n")[1];
            hits[f] = hits.GetValueOrDefault(f) + 1;
        }
        foreach (string f in Bulks(h.Run(EngineHarness.Command("HRANDFIELD", "h", "-" + (draws / 2).ToString(Inv)))))
            hits[f] = hits.GetValueOrDefault(f) + 1;
        Assert.Equal(size, hits.Count);
        // 200 expected per field, standard deviation ~14: [120, 280] is over five deviations wide.
        Assert.All(hits.Values, n => Assert.InRange(n, 120, 280));
    }

    [Fact]
    public void HScan_Listpack_AllAtOnce()
    {
        using var h = new EngineHarness();
        Is(h, "*2\r\n$1\r\n0\r\n*0\r\n", "HSCAN", "missing", "0");
        Is(h, "*2\r\n$1\r\n0\r\n*0\r\n", "HSCAN", "missing", "0", "COUNT", "0");
        Is(h, "*2\r\n$1\r\n0\r\n*0\r\n", "HSCAN", "missing", "0", "BOGUS");
        Is(h, ":4\r\n", "HSET", "h", "a1", "x", "b1", "y", "12", "z", "a2", "-5");
        Is(h, "*2\r\n$1\r\n0\r\n*8\r\n$2\r\na1\r\n$1\r\nx\r\n$2\r\nb1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\na2\r\n$2\r\n-5\r\n", "HSCAN", "h", "0");
        Is(h, "*2\r\n$1\r\n0\r\n*8\r\n$2\r\na1\r\n$1\r\nx\r\n$2\r\nb1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\na2\r\n$2\r\n-5\r\n", "HSCAN", "h", "12345", "COUNT", "1");
        Is(h, "*2\r\n$1\r\n0\r\n*4\r\n$2\r\na1\r\n$1\r\nx\r\n$2\r\na2\r\n$2\r\n-5\r\n", "HSCAN", "h", "0", "MATCH", "a*");
        Is(h, "*2\r\n$1\r\n0\r\n*2\r\n$2\r\n12\r\n$1\r\nz\r\n", "HSCAN", "h", "0", "MATCH", "1?");
        Is(h, "*2\r\n$1\r\n0\r\n*0\r\n", "HSCAN", "h", "0", "MATCH", "-*");
        Is(h, "*2\r\n$1\r\n0\r\n*4\r\n$2\r\na1\r\n$1\r\nx\r\n$2\r\nb1\r\n$1\r\ny\r\n", "HSCAN", "h", "0", "match", "b*", "count", "100", "MATCH", "*1");
        Is(h, "*2\r\n$1\r\n0\r\n*8\r\n$2\r\na1\r\n$1\r\nx\r\n$2\r\nb1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\na2\r\n$2\r\n-5\r\n", "HSCAN", "h", "-1");
        Is(h, "-ERR invalid cursor\r\n", "HSCAN", "h", "abc");
        Is(h, "-ERR invalid cursor\r\n", "HSCAN", "h", "18446744073709551616");
        Is(h, "-ERR syntax error\r\n", "HSCAN", "h", "0", "COUNT", "0");
        Is(h, "-ERR syntax error\r\n", "HSCAN", "h", "0", "COUNT");
        Is(h, "-ERR syntax error\r\n", "HSCAN", "h", "0", "TYPE", "string");
        Is(h, "-ERR syntax error\r\n", "HSCAN", "h", "0", "MATCH");
        Is(h, "-ERR value is not an integer or out of range\r\n", "HSCAN", "h", "0", "COUNT", "x");
        Is(h, "-ERR wrong number of arguments for 'hscan' command\r\n", "HSCAN", "h");
        Hello3(h);
        Is(h, "*2\r\n$1\r\n0\r\n*2\r\n$2\r\n12\r\n$1\r\nz\r\n", "HSCAN", "h", "0", "MATCH", "12");
    }

    /// <summary>(next cursor, field → value) of one HSCAN reply.</summary>
    static (ulong, List<(string, string)>) ScanStep(EngineHarness h, ulong cursor, params string[] options)
    {
        string reply = h.Run(EngineHarness.Command(["HSCAN", "h", cursor.ToString(Inv), .. options]));
        List<string> b = Bulks(reply);
        var pairs = new List<(string, string)>();
        for (int i = 1; i < b.Count; i += 2) pairs.Add((b[i], b[i + 1]));
        return (ulong.Parse(b[0], Inv), pairs);
    }

    [Fact]
    public void HScan_Table_StillTable_EachElementOnce()
    {
        using var h = new EngineHarness();
        Fill(h, "h", 2000);
        var seen = new List<string>();
        ulong cursor = 0;
        int calls = 0;
        do
        {
            (cursor, var pairs) = ScanStep(h, cursor, "COUNT", "50");
            foreach (var (f, v) in pairs)
            {
                Assert.Equal("v" + f.Substring(1), v);
                seen.Add(f);
            }
            calls++;
        } while (cursor != 0);
        Assert.Equal(2000, seen.Count);
        Assert.Equal(2000, seen.Distinct().Count());
        Assert.InRange(calls, 2000 / 128, 2000 / 50 + 1);

        (cursor, var all) = ScanStep(h, 0, "COUNT", "5000");
        Assert.Equal(0UL, cursor);
        Assert.Equal(2000, all.Count);
        (cursor, var matched) = ScanStep(h, 0, "COUNT", "5000", "MATCH", "f1??");
        Assert.Equal(0UL, cursor);
        Assert.Equal(Enumerable.Range(100, 100).Select(i => "f" + i).OrderBy(s => s, StringComparer.Ordinal), matched.Select(p => p.Item1).OrderBy(s => s, StringComparer.Ordinal));
    }

    [Fact]
    public void HScan_Table_ReachesEveryElementWhileItGrowsAndShrinks()
    {
        using var h = new EngineHarness();
        Fill(h, "h", 600);
        var seen = new HashSet<string>();
        var everPresent = new HashSet<string>(Enumerable.Range(0, 600).Select(i => "f" + i));
        var removed = new HashSet<string>();
        int next = 600, deleteAt = 0;
        ulong cursor = 0;
        do
        {
            (cursor, var pairs) = ScanStep(h, cursor, "COUNT", "20");
            foreach (var (f, _) in pairs)
            {
                Assert.Contains(f, everPresent); // never anything that did not exist
                seen.Add(f);
            }
            // Grow by 40 fields (splitting segments, doubling the directory) and delete 3 old ones.
            var cmd = new List<string> { "HSET", "h" };
            for (int i = 0; i < 40; i++, next++) { cmd.Add("f" + next); cmd.Add("v"); everPresent.Add("f" + next); }
            h.Run(EngineHarness.Command(cmd.ToArray()));
            for (int i = 0; i < 3; i++, deleteAt += 7)
            {
                removed.Add("f" + deleteAt);
                h.Run(EngineHarness.Command("HDEL", "h", "f" + deleteAt));
            }
        } while (cursor != 0);
        // Every element present for the whole walk was returned.
        foreach (string f in Enumerable.Range(0, 600).Select(i => "f" + i).Where(f => !removed.Contains(f)))
            Assert.Contains(f, seen);
    }
}
