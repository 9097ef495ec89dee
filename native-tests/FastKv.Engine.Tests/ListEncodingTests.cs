using System;
using System.Text.RegularExpressions;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// OBJECT ENCODING of lists follows Redis 7.2 (t_list.c listTypeTryConversion), which the 7.0 oracle
/// cannot check (it always says quicklist): each expectation below is worked out from 7.2's rules in
/// the comment beside it. Also COPY and MEMORY USAGE of lists.
/// </summary>
public class ListEncodingTests
{
    static string Enc(EngineHarness h, string key) => h.Run(EngineHarness.Command("OBJECT", "ENCODING", key));
    const string Listpack = "$8\r\nlistpack\r\n";
    const string Quicklist = "$9\r\nquicklist\r\n";

    static string Run(EngineHarness h, params string[] args) => h.Run(EngineHarness.Command(args));

    [Fact]
    public void SmallListsAreListpacks_BigPushesConvertBeforeTheyHappen()
    {
        using var h = new EngineHarness();
        Run(h, "RPUSH", "small", "a", "1");
        Assert.Equal(Listpack, Enc(h, "small"));
        // 7 (empty listpack) + 8200 > 8192: converted before the push, even on a new key.
        Run(h, "RPUSH", "big", new string('x', 8200));
        Assert.Equal(Quicklist, Enc(h, "big"));
        // 7 + 8185 = 8192 is within the limit; the listpack itself ends up a few bytes over it.
        Run(h, "RPUSH", "edge", new string('x', 8185));
        Assert.Equal(Listpack, Enc(h, "edge"));
        // The listpack is 7 + 8185 + 7 = 8199 bytes; plus 1 more is over.
        Run(h, "RPUSH", "edge", "y");
        Assert.Equal(Quicklist, Enc(h, "edge"));
    }

    [Fact]
    public void QuicklistGoesBackWhenOneNodeIsWithinHalfTheLimit()
    {
        using var h = new EngineHarness();
        var args = new string[102];
        args[0] = "RPUSH"; args[1] = "k";
        for (int i = 2; i < args.Length; i++) args[i] = new string((char)('a' + i % 26), 100);
        // 100 x 100 bytes > 8192: quicklist; nodes of 79 entries (7 + 103k + 108 <= 8192), so [79][21].
        Run(h, args);
        Assert.Equal(Quicklist, Enc(h, "k"));
        // Two nodes, then one of 79 entries = 8144 bytes > 4096: still a quicklist.
        Run(h, "RPOP", "k", "21");
        Assert.Equal(Quicklist, Enc(h, "k"));
        // 40 entries = 4127 bytes > 4096: still.
        Run(h, "LTRIM", "k", "0", "39");
        Assert.Equal(Quicklist, Enc(h, "k"));
        // 39 entries = 4024 bytes <= 4096: back to listpack.
        Run(h, "LTRIM", "k", "0", "38");
        Assert.Equal(Listpack, Enc(h, "k"));
        Assert.Equal(":39\r\n", Run(h, "LLEN", "k"));
    }

    [Fact]
    public void CountFillConvertsOnCountAndHalvesItToGoBack()
    {
        using var h = new EngineHarness();
        Run(h, "CONFIG", "SET", "list-max-listpack-size", "4");
        Run(h, "RPUSH", "k", "a", "b", "c", "d");
        Assert.Equal(Listpack, Enc(h, "k"));
        // Five entries > 4: quicklist [a b c d][e].
        Run(h, "RPUSH", "k", "e");
        Assert.Equal(Quicklist, Enc(h, "k"));
        // [d][e]: two nodes.
        Run(h, "LPOP", "k", "3");
        Assert.Equal(Quicklist, Enc(h, "k"));
        // [e]: one node, 1 entry <= 4 / 2.
        Run(h, "LPOP", "k");
        Assert.Equal(Listpack, Enc(h, "k"));
        // LREM shrinking: [a b c d][x] -> remove x -> one node of 4 > 2 stays; remove two more -> 2 <= 2 goes back.
        Run(h, "DEL", "k");
        Run(h, "RPUSH", "k", "a", "b", "c", "d", "x");
        Assert.Equal(Quicklist, Enc(h, "k"));
        Run(h, "LREM", "k", "0", "x");
        Assert.Equal(Quicklist, Enc(h, "k"));
        Run(h, "LREM", "k", "0", "a");
        Run(h, "LREM", "k", "0", "b");
        Assert.Equal(Listpack, Enc(h, "k"));
    }

    [Fact]
    public void FillsOfZeroAndOneNeverGoBack()
    {
        using var h = new EngineHarness();
        Run(h, "CONFIG", "SET", "list-max-listpack-size", "1");
        Run(h, "RPUSH", "k", "a");
        Assert.Equal(Listpack, Enc(h, "k"));
        Run(h, "RPUSH", "k", "b");
        Assert.Equal(Quicklist, Enc(h, "k"));
        // One node of one entry, but the halved count limit is 0.
        Run(h, "RPOP", "k");
        Assert.Equal(Quicklist, Enc(h, "k"));
    }

    [Fact]
    public void LinsertAndLsetCheckGrowthBeforeKnowingTheyWrite()
    {
        using var h = new EngineHarness();
        Run(h, "CONFIG", "SET", "list-max-listpack-size", "4");
        Run(h, "RPUSH", "i", "a", "b", "c", "d");
        // Pivot absent: nothing inserted, but 4 + 1 > 4 converted first (t_list.c cannot convert mid-walk).
        Assert.Equal(":-1\r\n", Run(h, "LINSERT", "i", "BEFORE", "zz", "x"));
        Assert.Equal(Quicklist, Enc(h, "i"));
        Run(h, "RPUSH", "s", "a", "b", "c", "d");
        Assert.Equal("-ERR index out of range\r\n", Run(h, "LSET", "s", "10", "x"));
        Assert.Equal(Quicklist, Enc(h, "s"));
        // A successful LSET then tries shrinking: one node of 4 > 2 stays a quicklist.
        Run(h, "RPUSH", "t", "a", "b", "c", "d");
        Assert.Equal("+OK\r\n", Run(h, "LSET", "t", "0", "z"));
        Assert.Equal(Quicklist, Enc(h, "t"));
        Assert.Equal("*4\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", Run(h, "LRANGE", "t", "0", "-1"));
    }

    [Fact]
    public void LmoveCountsAnIntegerFromAQuicklistAsNoBytes()
    {
        using var h = new EngineHarness();
        // A destination listpack of 7 + (8176 + 5 + 2) = 8190 bytes: 8176 + 7 <= 8192 kept it a listpack.
        string pad = new string('p', 8176);
        foreach (string d in new[] { "d1", "d2", "d3" }) Run(h, "RPUSH", d, pad);
        Assert.Equal(Listpack, Enc(h, "d1"));
        // From a quicklist, Redis pops 12345 as an int-encoded object: 8190 + 0 <= 8192, still a listpack.
        Run(h, "RPUSH", "qsrc", new string('q', 9000), "12345");
        Assert.Equal(Quicklist, Enc(h, "qsrc"));
        Assert.Equal("$5\r\n12345\r\n", Run(h, "RPOPLPUSH", "qsrc", "d1"));
        Assert.Equal(Listpack, Enc(h, "d1"));
        // From a listpack it pops the string "12345": 8190 + 5 > 8192 converts.
        Run(h, "RPUSH", "lsrc", "12345");
        Assert.Equal("$5\r\n12345\r\n", Run(h, "LMOVE", "lsrc", "d2", "LEFT", "LEFT"));
        Assert.Equal(Quicklist, Enc(h, "d2"));
        // A client's argument is always a string.
        Run(h, "RPUSH", "d3", "12345");
        Assert.Equal(Quicklist, Enc(h, "d3"));
    }

    [Fact]
    public void RotationOnOneKeyKeepsItsEncodingRules()
    {
        using var h = new EngineHarness();
        Run(h, "RPUSH", "r", "1", "2", "3");
        Assert.Equal("$1\r\n3\r\n", Run(h, "RPOPLPUSH", "r", "r"));
        Assert.Equal("*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n", Run(h, "LRANGE", "r", "0", "-1"));
        Assert.Equal(Listpack, Enc(h, "r"));
        Run(h, "RPUSH", "one", "x");
        Assert.Equal("$1\r\nx\r\n", Run(h, "LMOVE", "one", "one", "LEFT", "RIGHT"));
        Assert.Equal("*1\r\n$1\r\nx\r\n", Run(h, "LRANGE", "one", "0", "-1"));
    }

    [Fact]
    public void ConfigValuesBeyondTheRangeClampLikeRedis()
    {
        using var h = new EngineHarness();
        // Any fill below -5 means 64 KiB nodes (int.MinValue included).
        Run(h, "CONFIG", "SET", "list-max-listpack-size", "-2147483648");
        Run(h, "RPUSH", "k", new string('x', 60000));
        Assert.Equal(Listpack, Enc(h, "k"));
        Run(h, "RPUSH", "k", new string('y', 6000));
        Assert.Equal(Quicklist, Enc(h, "k"));
    }

    [Fact]
    public void CopyKeepsContentAndEncoding_MemoryUsageGrowsWithTheList()
    {
        using var h = new EngineHarness();
        Run(h, "RPUSH", "q", new string('x', 9000), "a", "2");
        Run(h, "RPUSH", "l", "a", "2");
        Assert.Equal(":1\r\n", Run(h, "COPY", "q", "q2"));
        Assert.Equal(":1\r\n", Run(h, "COPY", "l", "l2"));
        Assert.Equal(Quicklist, Enc(h, "q2"));
        Assert.Equal(Listpack, Enc(h, "l2"));
        Assert.Equal(Run(h, "LRANGE", "q", "0", "-1"), Run(h, "LRANGE", "q2", "0", "-1"));
        Run(h, "RPUSH", "l2", "more");
        Assert.Equal(":2\r\n", Run(h, "LLEN", "l"));

        long Usage(string k) => long.Parse(Regex.Match(Run(h, "MEMORY", "USAGE", k), @"^:(\d+)\r\n$").Groups[1].Value);
        long small = Usage("l"), big = Usage("q");
        Assert.True(small > 0 && big > small + 9000, $"{small} {big}");
        Assert.Equal(big, Usage("q2"));
    }
}
