using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// Set encodings and their conversions as Redis 7.2's t_set.c makes them (setTypeCreate,
/// setTypeMaybeConvert, setTypeAddAux, maybeConvertToIntset). The oracle on this machine is 7.0, which
/// has no listpack sets, so these expectations come from 7.2's rules, not from the oracle. After every
/// conversion the contents are checked too.
/// </summary>
public class SetEncodingTests
{
    static string R(EngineHarness h, params string[] args) => h.Run(EngineHarness.Command(args));

    static string Encoding(EngineHarness h, string key) => RespReply.Parse(R(h, "OBJECT", "ENCODING", key)).Text!;

    static EngineHarness Small(int intset = 4, int listpack = 6, int value = 5)
    {
        var h = new EngineHarness();
        Assert.Equal("+OK\r\n", R(h, "CONFIG", "SET", "set-max-intset-entries", intset.ToString()));
        Assert.Equal("+OK\r\n", R(h, "CONFIG", "SET", "set-max-listpack-entries", listpack.ToString()));
        Assert.Equal("+OK\r\n", R(h, "CONFIG", "SET", "set-max-listpack-value", value.ToString()));
        return h;
    }

    static void AssertMembers(EngineHarness h, string key, IEnumerable<string> expected)
    {
        var want = expected.OrderBy(x => x, StringComparer.Ordinal).ToList();
        Assert.Equal(want, RespReply.Sorted(R(h, "SMEMBERS", key)));
        Assert.Equal(want.Count, RespReply.Integer(R(h, "SCARD", key)));
        foreach (string m in want) Assert.Equal(":1\r\n", R(h, "SISMEMBER", key, m));
    }

    [Fact]
    public void Defaults_IntegersIntset_StringsListpack_BigTable()
    {
        using var h = new EngineHarness();
        R(h, "SADD", "i", "1", "-2", "9223372036854775807", "-9223372036854775808");
        Assert.Equal("intset", Encoding(h, "i"));
        AssertMembers(h, "i", ["1", "-2", "9223372036854775807", "-9223372036854775808"]);
        // Not canonical integers: strings.
        foreach (string s in new[] { "007", "-0", "+1", " 1", "9223372036854775808", "1.0" })
        {
            R(h, "DEL", "x");
            R(h, "SADD", "x", s);
            Assert.Equal("listpack", Encoding(h, "x"));
        }
        R(h, "SADD", "l", "a", "b");
        Assert.Equal("listpack", Encoding(h, "l"));
        R(h, ["SADD", "big", .. Enumerable.Range(0, 513).Select(i => i.ToString())]);
        Assert.Equal("hashtable", Encoding(h, "big"));
        AssertMembers(h, "big", Enumerable.Range(0, 513).Select(i => i.ToString()));
    }

    [Fact]
    public void Intset_GrowsIntoTable_PastItsLimit()
    {
        using var h = Small();
        R(h, "SADD", "s", "1", "2", "3", "4");
        Assert.Equal("intset", Encoding(h, "s"));
        R(h, "SADD", "s", "4");
        Assert.Equal("intset", Encoding(h, "s"));
        // Too many integers go to a table, not to a listpack (even though 5 <= listpack entries).
        R(h, "SADD", "s", "5");
        Assert.Equal("hashtable", Encoding(h, "s"));
        AssertMembers(h, "s", ["1", "2", "3", "4", "5"]);
        // Never back, even when emptied down.
        R(h, "SREM", "s", "1", "2", "3", "4");
        Assert.Equal("hashtable", Encoding(h, "s"));
        AssertMembers(h, "s", ["5"]);
    }

    [Fact]
    public void Intset_BecomesListpack_OnAString_WhenTheListpackLimitsAllow()
    {
        using var h = Small();
        R(h, "SADD", "s", "1", "22", "-333");
        R(h, "SADD", "s", "abc");
        Assert.Equal("listpack", Encoding(h, "s"));
        AssertMembers(h, "s", ["1", "22", "-333", "abc"]);
        // Integers added to the listpack stay findable both ways.
        R(h, "SADD", "s", "7");
        Assert.Equal(":0\r\n", R(h, "SADD", "s", "7", "abc"));
        Assert.Equal("listpack", Encoding(h, "s"));
        AssertMembers(h, "s", ["1", "22", "-333", "abc", "7"]);

        // The string is too long for a listpack value: a table.
        R(h, "SADD", "t", "1", "2");
        R(h, "SADD", "t", "abcdef");
        Assert.Equal("hashtable", Encoding(h, "t"));
        AssertMembers(h, "t", ["1", "2", "abcdef"]);

        // An existing integer's decimal is too long (its sign counts): a table.
        R(h, "SADD", "u", "-12345", "1");
        R(h, "SADD", "u", "x");
        Assert.Equal("hashtable", Encoding(h, "u"));
        AssertMembers(h, "u", ["-12345", "1", "x"]);
        R(h, "SADD", "u2", "12345", "1");
        R(h, "SADD", "u2", "x");
        Assert.Equal("listpack", Encoding(h, "u2"));
    }

    [Fact]
    public void Intset_TooLongForAListpack_BecomesATable_OnAString()
    {
        using var h = Small(intset: 10, listpack: 3);
        R(h, "SADD", "s", "1", "2", "3");
        Assert.Equal("intset", Encoding(h, "s"));
        R(h, "SADD", "s", "x");
        Assert.Equal("hashtable", Encoding(h, "s"));
        AssertMembers(h, "s", ["1", "2", "3", "x"]);
    }

    [Fact]
    public void Listpack_BecomesTable_ByCountOrByValueLength()
    {
        using var h = Small();
        R(h, "SADD", "s", "a", "b", "c", "d", "e", "f");
        Assert.Equal("listpack", Encoding(h, "s"));
        R(h, "SADD", "s", "g");
        Assert.Equal("hashtable", Encoding(h, "s"));
        AssertMembers(h, "s", ["a", "b", "c", "d", "e", "f", "g"]);

        R(h, "SADD", "t", "a");
        R(h, "SADD", "t", "12345");
        Assert.Equal("listpack", Encoding(h, "t"));
        R(h, "SADD", "t", "abcdef");
        Assert.Equal("hashtable", Encoding(h, "t"));
        AssertMembers(h, "t", ["a", "12345", "abcdef"]);
    }

    [Fact]
    public void SAdd_SizeHint_PicksTheStartingEncoding_AndConvertsEarly()
    {
        using var h = Small();
        // Five integers at once: too many for an intset from the start, a listpack holds them.
        R(h, "SADD", "n", "1", "2", "3", "4", "5");
        Assert.Equal("listpack", Encoding(h, "n"));
        // The hint counts arguments, duplicates included.
        R(h, "SADD", "o", "1", "1", "1", "1", "1");
        Assert.Equal("listpack", Encoding(h, "o"));
        AssertMembers(h, "o", ["1"]);
        R(h, "SADD", "m", "a", "b", "c", "d", "e", "f", "g");
        Assert.Equal("hashtable", Encoding(h, "m"));
        // An existing listpack or intset converts before adding when the hint alone exceeds its limit.
        R(h, "SADD", "p", "a");
        R(h, "SADD", "p", "b", "b", "b", "b", "b", "b", "b");
        Assert.Equal("hashtable", Encoding(h, "p"));
        AssertMembers(h, "p", ["a", "b"]);
        R(h, "SADD", "q", "1");
        R(h, "SADD", "q", "1", "1", "1", "1", "1");
        Assert.Equal("hashtable", Encoding(h, "q"));
        AssertMembers(h, "q", ["1"]);
    }

    [Fact]
    public void Stores_BuildTheSmallestFittingEncoding()
    {
        using var h = Small();
        R(h, "SADD", "m", "a", "b", "c", "d", "e", "f", "g");
        Assert.Equal(":7\r\n", R(h, "SINTERSTORE", "q", "m", "m"));
        Assert.Equal("hashtable", Encoding(h, "q"));
        // A table holding only integers: its intersection becomes an intset.
        R(h, "SADD", "r", "1", "2", "3", "x", "y", "z", "w");
        Assert.Equal("hashtable", Encoding(h, "r"));
        R(h, "SREM", "r", "x", "y", "z", "w");
        Assert.Equal(":3\r\n", R(h, "SINTERSTORE", "q2", "r", "r"));
        Assert.Equal("intset", Encoding(h, "q2"));
        AssertMembers(h, "q2", ["1", "2", "3"]);
        // Strings from a table: a listpack when they fit one.
        R(h, "SADD", "r", "x");
        R(h, "SADD", "r2", "x", "1", "zz");
        Assert.Equal(":2\r\n", R(h, "SINTERSTORE", "q3", "r", "r2"));
        Assert.Equal("listpack", Encoding(h, "q3"));
        AssertMembers(h, "q3", ["1", "x"]);
        // Union: starts as an intset, grows as SADD would.
        R(h, "SADD", "i1", "1", "2");
        R(h, "SADD", "i2", "3");
        Assert.Equal(":3\r\n", R(h, "SUNIONSTORE", "u", "i1", "i2"));
        Assert.Equal("intset", Encoding(h, "u"));
        R(h, "SADD", "i3", "4", "5");
        Assert.Equal(":5\r\n", R(h, "SUNIONSTORE", "u", "i1", "i2", "i3"));
        Assert.Equal("hashtable", Encoding(h, "u"));
        R(h, "SADD", "l1", "a");
        Assert.Equal(":4\r\n", R(h, "SUNIONSTORE", "u2", "i1", "l1", "i2"));
        Assert.Equal("listpack", Encoding(h, "u2"));
        AssertMembers(h, "u2", ["1", "2", "3", "a"]);
        // Difference: the survivors alone decide (walking the first set adds only them).
        Assert.Equal(":6\r\n", R(h, "SDIFFSTORE", "d", "m", "u2", "q3", "r2", "no"));
        Assert.Equal("listpack", Encoding(h, "d"));
        AssertMembers(h, "d", ["b", "c", "d", "e", "f", "g"]);
        Assert.Equal(":3\r\n", R(h, "SDIFFSTORE", "d2", "u2", "m"));
        Assert.Equal("intset", Encoding(h, "d2"));
        AssertMembers(h, "d2", ["1", "2", "3"]);
        Assert.Equal(":2\r\n", R(h, "SDIFFSTORE", "d3", "i3", "u2"));
        Assert.Equal("intset", Encoding(h, "d3"));
    }

    [Fact]
    public void SPop_MostOfATable_LeavesTheSurvivorsInAListpack()
    {
        using var h = new EngineHarness();
        R(h, ["SADD", "s", .. Enumerable.Range(0, 300).Select(i => "m" + i)]);
        Assert.Equal("hashtable", Encoding(h, "s"));
        var popped = RespReply.Elements(R(h, "SPOP", "s", "290"));
        Assert.Equal(290, popped.Distinct().Count());
        Assert.Equal("listpack", Encoding(h, "s"));
        var left = RespReply.Elements(R(h, "SMEMBERS", "s"));
        Assert.Equal(10, left.Count);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => "m" + i).OrderBy(x => x, StringComparer.Ordinal),
            popped.Concat(left).OrderBy(x => x, StringComparer.Ordinal));
        // An intset's survivors stay an intset.
        R(h, ["SADD", "i", .. Enumerable.Range(0, 100).Select(i => i.ToString())]);
        R(h, "SPOP", "i", "95");
        Assert.Equal("intset", Encoding(h, "i"));
        Assert.Equal(":5\r\n", R(h, "SCARD", "i"));
    }

    [Fact]
    public void LimitsOfZero_PutEverySetInATable()
    {
        using var h = Small(intset: 0, listpack: 0, value: 0);
        R(h, "SADD", "s", "1");
        Assert.Equal("hashtable", Encoding(h, "s"));
        R(h, "SADD", "t", "a");
        Assert.Equal("hashtable", Encoding(h, "t"));
        AssertMembers(h, "t", ["a"]);
    }
}
