using Xunit;
using static FastKv.Engine.Tests.ZSetTestSupport;

namespace FastKv.Engine.Tests;

/// <summary>The ZRANGE family, ZRANGESTORE, ZCOUNT/ZLEXCOUNT and ZREMRANGEBY*: replies checked against redis-server 7.0.15.</summary>
public partial class ZSetRangeTests
{
    [Fact]
    public void ZRange_ByRankWithNegativeIndexes()
    {
        using var h = new EngineHarness();
        Is(h, ":5\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
        Is(h, "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", "ZRANGE", "z", "0", "-1");
        Is(h, "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n", "ZRANGE", "z", "-2", "-1", "WITHSCORES");
        Is(h, "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", "ZRANGE", "z", "1", "100");
        Is(h, "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "ZRANGE", "z", "-100", "1");
        Is(h, "*0\r\n", "ZRANGE", "z", "3", "1");
        Is(h, "*0\r\n", "ZRANGE", "z", "5", "10");
        Is(h, "*10\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n", "ZRANGE", "z", "0", "-1", "REV", "WITHSCORES");
        Is(h, "*2\r\n$1\r\nd\r\n$1\r\nc\r\n", "ZRANGE", "z", "1", "2", "REV");
        Is(h, "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n", "ZREVRANGE", "z", "0", "1", "WITHSCORES");
        Is(h, "*1\r\n$1\r\na\r\n", "ZREVRANGE", "z", "-1", "-1");
        Is(h, "*0\r\n", "ZRANGE", "nokey", "0", "-1");
        Is(h, "-ERR value is not an integer or out of range\r\n", "ZRANGE", "z", "a", "1");
        Is(h, "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n", "ZRANGE", "z", "0", "1", "LIMIT", "0", "1");
        Is(h, "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "ZRANGE", "z", "0", "1", "LIMIT", "0", "-1");
        Is(h, "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n", "ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1");
        Is(h, "-ERR syntax error\r\n", "ZRANGE", "z", "0", "1", "REV", "REV");
        Is(h, "-ERR syntax error\r\n", "ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX");
        Is(h, "-ERR syntax error\r\n", "ZRANGE", "z", "0", "1", "LIMIT", "0");
        Is(h, "-ERR value is not an integer or out of range\r\n", "ZRANGE", "z", "0", "1", "LIMIT", "a", "1");
        Is(h, "-ERR syntax error\r\n", "ZRANGE", "z", "0", "1", "FOO");
    }

    [Fact]
    public void ZRange_ByScoreWithLimitsAndExclusiveEnds()
    {
        using var h = new EngineHarness();
        Is(h, ":7\r\n", "ZADD", "z", "1", "a", "2", "b", "2", "c", "3", "d", "4", "e", "-inf", "f", "inf", "g");
        Is(h, "*14\r\n$1\r\nf\r\n$4\r\n-inf\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n2\r\n$1\r\nd\r\n$1\r\n3\r\n$1\r\ne\r\n$1\r\n4\r\n$1\r\ng\r\n$3\r\ninf\r\n", "ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES");
        Is(h, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "ZRANGEBYSCORE", "z", "(1", "(4");
        Is(h, "*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGEBYSCORE", "z", "2", "2");
        Is(h, "*0\r\n", "ZRANGEBYSCORE", "z", "(2", "2");
        Is(h, "*0\r\n", "ZRANGEBYSCORE", "z", "3", "1");
        Is(h, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "3");
        Is(h, "*5\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\ng\r\n", "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "-1");
        Is(h, "*0\r\n", "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2");
        Is(h, "*0\r\n", "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "7", "2");
        Is(h, "*1\r\n$1\r\ng\r\n", "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "6", "2");
        Is(h, "*0\r\n", "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "0");
        Is(h, "*6\r\n$1\r\ne\r\n$1\r\n4\r\n$1\r\nd\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n2\r\n", "ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES", "LIMIT", "1", "3");
        Is(h, "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n", "ZREVRANGEBYSCORE", "z", "(4", "(1");
        Is(h, "*0\r\n", "ZREVRANGEBYSCORE", "z", "1", "4");
        Is(h, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "ZRANGE", "z", "(1", "3", "BYSCORE");
        Is(h, "*6\r\n$1\r\nd\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n2\r\n", "ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "WITHSCORES");
        Is(h, "*1\r\n$1\r\nc\r\n", "ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "LIMIT", "1", "1");
        Is(h, "-ERR syntax error\r\n", "ZRANGEBYSCORE", "z", "1", "2", "REV");
        Is(h, "-ERR min or max is not a float\r\n", "ZRANGEBYSCORE", "z", "abc", "1");
        Is(h, "-ERR min or max is not a float\r\n", "ZRANGEBYSCORE", "z", "1", "nan");
        Is(h, "*0\r\n", "ZRANGEBYSCORE", "nokey", "1", "2");
        Is(h, "*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "0", "1", "WITHSCORES", "LIMIT", "1", "1");
    }

    [Fact]
    public void ZRange_ScoreBoundsParseAsStrtod()
    {
        using var h = new EngineHarness();
        Is(h, ":5\r\n", "ZADD", "z", "0", "a", "1", "b", "2", "c", "16", "d", "1e300", "e");
        Is(h, "*1\r\n$1\r\na\r\n", "ZRANGEBYSCORE", "z", "", "");
        Is(h, "*1\r\n$1\r\nb\r\n", "ZRANGEBYSCORE", "z", "(", "1");
        Is(h, "*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGEBYSCORE", "z", " 1", "2");
        Is(h, "-ERR min or max is not a float\r\n", "ZRANGEBYSCORE", "z", "1 ", "2");
        Is(h, "-ERR min or max is not a float\r\n", "ZRANGEBYSCORE", "z", "   ", "2");
        Is(h, "*0\r\n", "ZRANGEBYSCORE", "z", "1e400", "inf");
        Is(h, "*1\r\n$1\r\na\r\n", "ZRANGEBYSCORE", "z", "-1e400", "1e-400");
        Is(h, "*1\r\n$1\r\nd\r\n", "ZRANGEBYSCORE", "z", "0x10", "0X10");
        Is(h, "*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGEBYSCORE", "z", ".5", "2.");
        Is(h, "-ERR min or max is not a float\r\n", "ZRANGEBYSCORE", "z", "1e", "2");
        Is(h, "-ERR min or max is not a float\r\n", "ZRANGEBYSCORE", "z", "-", "+");
        Is(h, "*0\r\n", "ZRANGEBYSCORE", "z", "infinity", "INF");
        Is(h, "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", "ZRANGEBYSCORE", "z", "-INFINITY", "(inf");
        Is(h, "*0\r\n", "ZRANGEBYSCORE", "z", "(-inf", "(-inf");
        Is(h, "-ERR min or max is not a float\r\n", "ZRANGEBYSCORE", "z", "1", "2x");
        Is(h, "-ERR min or max is not a float\r\n", "ZRANGEBYSCORE", "z", "0x", "2");
        Is(h, "-ERR min or max is not a float\r\n", "ZRANGEBYSCORE", "z", "NaN", "1");
        Is(h, ":4\r\n", "ZCOUNT", "z", "(", "+inf");
    }

    [Fact]
    public void ZRange_ByLexWithLimits()
    {
        using var h = new EngineHarness();
        Is(h, ":8\r\n", "ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f", "0", "ff", "0", "g");
        Is(h, "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$2\r\nff\r\n$1\r\ng\r\n", "ZRANGEBYLEX", "z", "-", "+");
        Is(h, "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", "ZRANGEBYLEX", "z", "[b", "(f");
        Is(h, "*4\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n", "ZRANGEBYLEX", "z", "(b", "[f");
        Is(h, "*3\r\n$1\r\nf\r\n$2\r\nff\r\n$1\r\ng\r\n", "ZRANGEBYLEX", "z", "[f", "+");
        Is(h, "*0\r\n", "ZRANGEBYLEX", "z", "-", "(a");
        Is(h, "*0\r\n", "ZRANGEBYLEX", "z", "+", "-");
        Is(h, "*0\r\n", "ZRANGEBYLEX", "z", "-", "-");
        Is(h, "*1\r\n$1\r\nc\r\n", "ZRANGEBYLEX", "z", "[c", "[c");
        Is(h, "*0\r\n", "ZRANGEBYLEX", "z", "(c", "[c");
        Is(h, "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", "ZRANGEBYLEX", "z", "-", "+", "LIMIT", "2", "3");
        Is(h, "*1\r\n$1\r\ng\r\n", "ZRANGEBYLEX", "z", "-", "+", "LIMIT", "7", "10");
        Is(h, "*0\r\n", "ZRANGEBYLEX", "z", "-", "+", "LIMIT", "-1", "10");
        Is(h, "*2\r\n$2\r\nff\r\n$1\r\nf\r\n", "ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "2");
        Is(h, "*4\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n", "ZREVRANGEBYLEX", "z", "(f", "[b");
        Is(h, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "ZRANGE", "z", "[b", "[d", "BYLEX");
        Is(h, "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n", "ZRANGE", "z", "[d", "[b", "BYLEX", "REV");
        Is(h, "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n", "ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES");
        Is(h, "-ERR min or max not valid string range item\r\n", "ZRANGEBYLEX", "z", "a", "b");
        Is(h, "-ERR min or max not valid string range item\r\n", "ZRANGEBYLEX", "z", "[a", "+x");
        Is(h, "-ERR min or max not valid string range item\r\n", "ZRANGEBYLEX", "z", "", "+");
        Is(h, "-ERR min or max not valid string range item\r\n", "ZRANGEBYLEX", "z", "-a", "+");
        Is(h, "*0\r\n", "ZRANGEBYLEX", "nokey", "-", "+");
        Is(h, ":5\r\n", "ZADD", "n", "0", "1", "0", "10", "0", "2", "0", "-1", "0", "abc");
        Is(h, "*5\r\n$2\r\n-1\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n2\r\n$3\r\nabc\r\n", "ZRANGEBYLEX", "n", "-", "+");
        Is(h, "*3\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n2\r\n", "ZRANGEBYLEX", "n", "[1", "[2");
        Is(h, ":3\r\n", "ZLEXCOUNT", "n", "[10", "+");
    }

    [Fact]
    public void ZCount_ZLexCount()
    {
        using var h = new EngineHarness();
        Is(h, ":4\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d");
        Is(h, ":4\r\n", "ZCOUNT", "z", "-inf", "+inf");
        Is(h, ":2\r\n", "ZCOUNT", "z", "(1", "3");
        Is(h, ":0\r\n", "ZCOUNT", "z", "3", "1");
        Is(h, "-ERR min or max is not a float\r\n", "ZCOUNT", "z", "abc", "1");
        Is(h, ":0\r\n", "ZCOUNT", "nokey", "1", "2");
        Is(h, ":3\r\n", "ZADD", "l", "0", "a", "0", "b", "0", "c");
        Is(h, ":3\r\n", "ZLEXCOUNT", "l", "-", "+");
        Is(h, ":2\r\n", "ZLEXCOUNT", "l", "(a", "[c");
        Is(h, ":0\r\n", "ZLEXCOUNT", "l", "[c", "(a");
        Is(h, "-ERR min or max not valid string range item\r\n", "ZLEXCOUNT", "l", "a", "b");
        Is(h, ":0\r\n", "ZLEXCOUNT", "nokey", "-", "+");
    }

    [Fact]
    public void ZRemRange_ByRankScoreLex()
    {
        using var h = new EngineHarness();
        Is(h, ":6\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f");
        Is(h, ":1\r\n", "ZREMRANGEBYRANK", "z", "0", "0");
        Is(h, ":2\r\n", "ZREMRANGEBYRANK", "z", "-2", "-1");
        Is(h, ":0\r\n", "ZREMRANGEBYRANK", "z", "5", "10");
        Is(h, ":0\r\n", "ZREMRANGEBYRANK", "z", "2", "1");
        Is(h, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "ZRANGE", "z", "0", "-1");
        Is(h, ":1\r\n", "ZREMRANGEBYSCORE", "z", "(2", "3");
        Is(h, ":0\r\n", "ZREMRANGEBYSCORE", "z", "10", "20");
        Is(h, "*2\r\n$1\r\nb\r\n$1\r\nd\r\n", "ZRANGE", "z", "0", "-1");
        Is(h, "-ERR value is not an integer or out of range\r\n", "ZREMRANGEBYRANK", "z", "a", "1");
        Is(h, "-ERR min or max is not a float\r\n", "ZREMRANGEBYSCORE", "z", "a", "1");
        Is(h, ":0\r\n", "ZREMRANGEBYRANK", "nokey", "0", "-1");
        Is(h, ":2\r\n", "ZREMRANGEBYSCORE", "z", "-inf", "+inf");
        Is(h, ":0\r\n", "EXISTS", "z");
        Is(h, ":4\r\n", "ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d");
        Is(h, ":2\r\n", "ZREMRANGEBYLEX", "l", "[b", "(d");
        Is(h, "*2\r\n$1\r\na\r\n$1\r\nd\r\n", "ZRANGE", "l", "0", "-1");
        Is(h, "-ERR min or max not valid string range item\r\n", "ZREMRANGEBYLEX", "l", "x", "y");
        Is(h, ":2\r\n", "ZREMRANGEBYLEX", "l", "-", "+");
        Is(h, ":0\r\n", "EXISTS", "l");
    }

    [Fact]
    public void ZRangeStore_StoresAndDeletes()
    {
        using var h = new EngineHarness();
        Is(h, ":4\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d");
        Is(h, ":2\r\n", "ZRANGESTORE", "dst", "z", "1", "2");
        Is(h, "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "ZRANGE", "dst", "0", "-1", "WITHSCORES");
        Is(h, ":2\r\n", "ZRANGESTORE", "dst", "z", "(1", "+inf", "BYSCORE", "LIMIT", "1", "5");
        Is(h, "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n", "ZRANGE", "dst", "0", "-1", "WITHSCORES");
        Is(h, ":4\r\n", "ZRANGESTORE", "dst", "z", "+", "-", "BYLEX", "REV");
        Is(h, ":0\r\n", "ZRANGESTORE", "dst", "z", "[z", "+", "BYLEX");
        Is(h, ":0\r\n", "EXISTS", "dst");
        Is(h, ":0\r\n", "ZRANGESTORE", "dst", "nokey", "0", "-1");
        Is(h, "-ERR syntax error\r\n", "ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES");
        Is(h, "+OK\r\n", "SET", "str", "x");
        Is(h, ":1\r\n", "ZRANGESTORE", "str", "z", "0", "0");
        Is(h, "+zset\r\n", "TYPE", "str");
        Is(h, ":1\r\n", "ZRANGESTORE", "dst", "str", "0", "0");
        Is(h, ":2\r\n", "ZRANGESTORE", "z", "z", "1", "2");
        Is(h, "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
    }

    [Fact]
    public void Resp3_RangeShapes()
    {
        using var h = new EngineHarness();
        h.Run(EngineHarness.Command("HELLO", "3"));
        Is(h, ":3\r\n", "ZADD", "z", "1", "a", "2.5", "b", "3", "c");
        Is(h, "*3\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,3\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
        Is(h, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGE", "z", "0", "-1");
        Is(h, "*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n", "ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES", "LIMIT", "1", "1");
        Is(h, "*1\r\n*2\r\n$1\r\nc\r\n,3\r\n", "ZREVRANGE", "z", "0", "0", "WITHSCORES");
        Is(h, "*0\r\n", "ZRANGE", "nokey", "0", "-1", "WITHSCORES");
        Is(h, "*0\r\n", "ZRANGE", "z", "5", "6", "WITHSCORES");
    }
}
