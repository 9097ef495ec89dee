using Xunit;
using static FastKv.Engine.Tests.ZSetTestSupport;

namespace FastKv.Engine.Tests;

/// <summary>ZPOPMIN/ZPOPMAX/ZMPOP, ZRANDMEMBER arguments and ZSCAN on listpacks: replies checked against redis-server 7.0.15.</summary>
public partial class ZSetPopTests
{
    [Fact]
    public void ZPop_MinMaxAndCounts()
    {
        using var h = new EngineHarness();
        Is(h, ":5\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
        Is(h, "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "ZPOPMIN", "z");
        Is(h, "*2\r\n$1\r\ne\r\n$1\r\n5\r\n", "ZPOPMAX", "z");
        Is(h, "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "ZPOPMIN", "z", "2");
        Is(h, "*0\r\n", "ZPOPMAX", "z", "0");
        Is(h, "*2\r\n$1\r\nd\r\n$1\r\n4\r\n", "ZPOPMAX", "z", "10");
        Is(h, ":0\r\n", "EXISTS", "z");
        Is(h, "*0\r\n", "ZPOPMIN", "z");
        Is(h, "*0\r\n", "ZPOPMIN", "nokey", "3");
        Is(h, "-ERR value is out of range, must be positive\r\n", "ZPOPMIN", "z", "-1");
        Is(h, "-ERR value is out of range, must be positive\r\n", "ZPOPMIN", "z", "abc");
        Is(h, "-ERR syntax error\r\n", "ZPOPMIN", "z", "1", "2");
        Is(h, "+OK\r\n", "SET", "s", "v");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZPOPMIN", "s");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZPOPMAX", "s", "0");
    }

    [Fact]
    public void ZMPop_FirstNonEmptyKey()
    {
        using var h = new EngineHarness();
        Is(h, ":2\r\n", "ZADD", "a", "1", "x", "2", "y");
        Is(h, ":1\r\n", "ZADD", "b", "3", "z");
        Is(h, "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\nz\r\n$1\r\n3\r\n", "ZMPOP", "3", "nokey", "b", "a", "MIN");
        Is(h, "*2\r\n$1\r\na\r\n*2\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n", "ZMPOP", "2", "b", "a", "MAX", "COUNT", "5");
        Is(h, ":0\r\n", "EXISTS", "a");
        Is(h, "*-1\r\n", "ZMPOP", "2", "a", "b", "MIN");
        Is(h, "-ERR numkeys should be greater than 0\r\n", "ZMPOP", "0", "a", "MIN");
        Is(h, "-ERR numkeys should be greater than 0\r\n", "ZMPOP", "abc", "a", "MIN");
        Is(h, "-ERR wrong number of arguments for 'zmpop' command\r\n", "ZMPOP", "1", "a");
        Is(h, "-ERR syntax error\r\n", "ZMPOP", "1", "a", "LEFT");
        Is(h, "-ERR count should be greater than 0\r\n", "ZMPOP", "1", "a", "MIN", "COUNT", "0");
        Is(h, "-ERR count should be greater than 0\r\n", "ZMPOP", "1", "a", "MIN", "COUNT", "abc");
        Is(h, "-ERR syntax error\r\n", "ZMPOP", "1", "a", "MIN", "COUNT", "1", "COUNT", "1");
        Is(h, "-ERR syntax error\r\n", "ZMPOP", "2", "a", "MIN");
        Is(h, "+OK\r\n", "SET", "s", "v");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZMPOP", "2", "nokey", "s", "MIN");
        Is(h, ":1\r\n", "ZADD", "c", "1", "q");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZMPOP", "2", "s", "c", "MIN");
    }

    [Fact]
    public void Resp3_PopShapes()
    {
        using var h = new EngineHarness();
        h.Run(EngineHarness.Command("HELLO", "3"));
        Is(h, ":4\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d");
        Is(h, "*2\r\n$1\r\na\r\n,1\r\n", "ZPOPMIN", "z");
        Is(h, "*1\r\n*2\r\n$1\r\nb\r\n,2\r\n", "ZPOPMIN", "z", "1");
        Is(h, "*2\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nc\r\n,3\r\n", "ZPOPMAX", "z", "5");
        Is(h, "*0\r\n", "ZPOPMIN", "nokey");
        Is(h, "*0\r\n", "ZPOPMIN", "nokey", "2");
        Is(h, ":1\r\n", "ZADD", "z", "1", "a");
        Is(h, "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n", "ZMPOP", "1", "z", "MAX");
        Is(h, "_\r\n", "ZMPOP", "1", "z", "MAX");
    }

    [Fact]
    public void ZRandMember_ArgumentsAndEmptyKeys()
    {
        using var h = new EngineHarness();
        Is(h, "$-1\r\n", "ZRANDMEMBER", "nokey");
        Is(h, "*0\r\n", "ZRANDMEMBER", "nokey", "5");
        Is(h, "*0\r\n", "ZRANDMEMBER", "nokey", "-5", "WITHSCORES");
        Is(h, ":1\r\n", "ZADD", "z", "1", "a");
        Is(h, "$1\r\na\r\n", "ZRANDMEMBER", "z");
        Is(h, "*1\r\n$1\r\na\r\n", "ZRANDMEMBER", "z", "1");
        Is(h, "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "ZRANDMEMBER", "z", "1", "WITHSCORES");
        Is(h, "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n", "ZRANDMEMBER", "z", "-3", "WITHSCORES");
        Is(h, "*0\r\n", "ZRANDMEMBER", "z", "0");
        Is(h, "-ERR value is not an integer or out of range\r\n", "ZRANDMEMBER", "z", "abc");
        Is(h, "-ERR syntax error\r\n", "ZRANDMEMBER", "z", "1", "foo");
        Is(h, "-ERR syntax error\r\n", "ZRANDMEMBER", "z", "1", "WITHSCORES", "x");
        Is(h, "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n", "ZRANDMEMBER", "z", "-9223372036854775808");
        Is(h, "-ERR value is out of range\r\n", "ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES");
        Is(h, "-ERR value is out of range\r\n", "ZRANDMEMBER", "z", "-4611686018427387904", "WITHSCORES");
        Is(h, "+OK\r\n", "SET", "s", "v");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZRANDMEMBER", "s");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZRANDMEMBER", "s", "1");
    }

    [Fact]
    public void ZScan_ListpackAnswersWhole()
    {
        using var h = new EngineHarness();
        Is(h, ":6\r\n", "ZADD", "z", "1", "a", "2.5", "b", "-0", "c", "0.1", "d", "inf", "e", "1e20", "f");
        Is(h, "*2\r\n$1\r\n0\r\n*12\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$3\r\n0.1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nf\r\n$5\r\n1e+20\r\n$1\r\ne\r\n$3\r\ninf\r\n", "ZSCAN", "z", "0");
        Is(h, "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n", "ZSCAN", "z", "0", "MATCH", "[ab]");
        Is(h, "*2\r\n$1\r\n0\r\n*12\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$3\r\n0.1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nf\r\n$5\r\n1e+20\r\n$1\r\ne\r\n$3\r\ninf\r\n", "ZSCAN", "z", "0", "COUNT", "1");
        Is(h, "*2\r\n$1\r\n0\r\n*12\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$3\r\n0.1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nf\r\n$5\r\n1e+20\r\n$1\r\ne\r\n$3\r\ninf\r\n", "ZSCAN", "z", "123");
        Is(h, "-ERR invalid cursor\r\n", "ZSCAN", "z", "abc");
        Is(h, "*2\r\n$1\r\n0\r\n*12\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$3\r\n0.1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nf\r\n$5\r\n1e+20\r\n$1\r\ne\r\n$3\r\ninf\r\n", "ZSCAN", "z", "-1");
        Is(h, "-ERR syntax error\r\n", "ZSCAN", "z", "0", "COUNT", "0");
        Is(h, "-ERR value is not an integer or out of range\r\n", "ZSCAN", "z", "0", "COUNT", "abc");
        Is(h, "-ERR syntax error\r\n", "ZSCAN", "z", "0", "MATCH");
        Is(h, "-ERR syntax error\r\n", "ZSCAN", "z", "0", "TYPE", "zset");
        Is(h, "*2\r\n$1\r\n0\r\n*0\r\n", "ZSCAN", "nokey", "0");
        Is(h, "*2\r\n$1\r\n0\r\n*0\r\n", "ZSCAN", "nokey", "0", "COUNT", "0");
        Is(h, "+OK\r\n", "SET", "s", "v");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZSCAN", "s", "0");
    }
}
