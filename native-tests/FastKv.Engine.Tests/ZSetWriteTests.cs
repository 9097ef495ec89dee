using Xunit;
using static FastKv.Engine.Tests.ZSetTestSupport;

namespace FastKv.Engine.Tests;

/// <summary>ZADD (options, errors, score parsing, INCR), ZINCRBY, ZREM, point reads, RESP3 shapes: replies checked against redis-server 7.0.15.</summary>
public partial class ZSetWriteTests
{
    [Fact]
    public void ZAdd_AddsUpdatesAndCountsLikeRedis()
    {
        using var h = new EngineHarness();
        Is(h, ":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c");
        Is(h, ":1\r\n", "ZADD", "z", "1", "a", "5", "b", "4", "d");
        Is(h, ":2\r\n", "ZADD", "z", "CH", "1", "a", "6", "b", "4", "d", "7", "e");
        Is(h, "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nb\r\n$1\r\n6\r\n$1\r\ne\r\n$1\r\n7\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
        Is(h, ":1\r\n", "ZADD", "z", "NX", "100", "a", "8", "f");
        Is(h, ":0\r\n", "ZADD", "z", "XX", "100", "a", "9", "g");
        Is(h, ":0\r\n", "ZADD", "z", "XX", "CH", "100", "a", "9", "g");
        Is(h, ":1\r\n", "ZADD", "z", "GT", "CH", "50", "a", "200", "b");
        Is(h, ":1\r\n", "ZADD", "z", "LT", "CH", "50", "a", "200", "b");
        Is(h, ":1\r\n", "ZADD", "z", "GT", "XX", "CH", "1000", "a", "1", "nope");
        Is(h, ":1\r\n", "ZADD", "z", "nx", "NX", "1", "h");
        Is(h, "*14\r\n$1\r\nh\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n7\r\n$1\r\nf\r\n$1\r\n8\r\n$1\r\nb\r\n$3\r\n200\r\n$1\r\na\r\n$4\r\n1000\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
        Is(h, ":7\r\n", "ZCARD", "z");
        Is(h, ":0\r\n", "ZADD", "newkey", "XX", "1", "a");
        Is(h, ":0\r\n", "EXISTS", "newkey");
        Is(h, ":1\r\n", "ZADD", "newkey2", "GT", "5", "a");
        Is(h, "$1\r\n5\r\n", "ZSCORE", "newkey2", "a");
    }

    [Fact]
    public void ZAdd_OptionErrorsInRedisOrder()
    {
        using var h = new EngineHarness();
        Is(h, "-ERR wrong number of arguments for 'zadd' command\r\n", "ZADD", "z", "1");
        Is(h, "-ERR syntax error\r\n", "ZADD", "z", "1", "a", "2");
        Is(h, "-ERR XX and NX options at the same time are not compatible\r\n", "ZADD", "z", "NX", "XX", "1", "a");
        Is(h, "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", "ZADD", "z", "NX", "GT", "1", "a");
        Is(h, "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", "ZADD", "z", "NX", "LT", "1", "a");
        Is(h, "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", "ZADD", "z", "GT", "LT", "1", "a");
        Is(h, "-ERR INCR option supports a single increment-element pair\r\n", "ZADD", "z", "INCR", "1", "a", "2", "b");
        Is(h, "-ERR syntax error\r\n", "ZADD", "z", "NX", "XX", "1", "a", "2");
        Is(h, "-ERR value is not a valid float\r\n", "ZADD", "z", "abc", "a");
        Is(h, "-ERR value is not a valid float\r\n", "ZADD", "z", "1", "a", "abc", "b");
        Is(h, "-ERR value is not a valid float\r\n", "ZADD", "z", "nan", "a");
        Is(h, ":0\r\n", "EXISTS", "z");
        Is(h, "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", "ZADD", "z", "GT", "LT", "abc", "a");
        Is(h, "-ERR wrong number of arguments for 'zadd' command\r\n", "ZADD", "z");
    }

    [Fact]
    public void ZAdd_ScoresParseAsStrtodWithoutSpacesOrNaN()
    {
        using var h = new EngineHarness();
        Is(h, "-ERR value is not a valid float\r\n", "ZADD", "z", " 1", "a");
        Is(h, "-ERR value is not a valid float\r\n", "ZADD", "z", "1 ", "a");
        Is(h, "-ERR value is not a valid float\r\n", "ZADD", "z", "", "a");
        Is(h, "-ERR value is not a valid float\r\n", "ZADD", "z", "1e400", "a");
        Is(h, "-ERR value is not a valid float\r\n", "ZADD", "z", "1e-400", "a");
        Is(h, ":1\r\n", "ZADD", "z", "0x10", "a");
        Is(h, ":3\r\n", "ZADD", "z", "+inf", "b", "-INF", "c", "Infinity", "d");
        Is(h, ":6\r\n", "ZADD", "z", "5e-324", "e", "1.7976931348623157e308", "f", "0.1", "g", "-0", "h", "1e17", "i", "123456789012345678", "j");
        Is(h, "*20\r\n$1\r\nc\r\n$4\r\n-inf\r\n$1\r\nh\r\n$1\r\n0\r\n$1\r\ne\r\n$6\r\n5e-324\r\n$1\r\ng\r\n$3\r\n0.1\r\n$1\r\na\r\n$2\r\n16\r\n$1\r\ni\r\n$18\r\n100000000000000000\r\n$1\r\nj\r\n$18\r\n123456789012345680\r\n$1\r\nf\r\n$23\r\n1.7976931348623157e+308\r\n$1\r\nb\r\n$3\r\ninf\r\n$1\r\nd\r\n$3\r\ninf\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
        Is(h, "$2\r\n16\r\n", "ZSCORE", "z", "a");
    }

    [Fact]
    public void ZAdd_IncrAndZIncrBy()
    {
        using var h = new EngineHarness();
        Is(h, "$3\r\n1.5\r\n", "ZADD", "z", "INCR", "1.5", "a");
        Is(h, "$1\r\n3\r\n", "ZADD", "z", "INCR", "1.5", "a");
        Is(h, "$1\r\n5\r\n", "ZINCRBY", "z", "2", "a");
        Is(h, "$3\r\n-10\r\n", "ZINCRBY", "z", "-10", "b");
        Is(h, "$-1\r\n", "ZADD", "z", "NX", "INCR", "1", "a");
        Is(h, "$-1\r\n", "ZADD", "z", "XX", "INCR", "1", "nope");
        Is(h, "$-1\r\n", "ZADD", "z", "GT", "INCR", "-1", "a");
        Is(h, "$1\r\n4\r\n", "ZADD", "z", "LT", "INCR", "-1", "a");
        Is(h, "$3\r\ninf\r\n", "ZINCRBY", "z", "inf", "c");
        Is(h, "-ERR resulting score is not a number (NaN)\r\n", "ZINCRBY", "z", "-inf", "c");
        Is(h, "-ERR resulting score is not a number (NaN)\r\n", "ZADD", "z", "INCR", "-inf", "c");
        Is(h, "$3\r\ninf\r\n", "ZSCORE", "z", "c");
        Is(h, "-ERR value is not a valid float\r\n", "ZINCRBY", "z", "abc", "a");
        Is(h, "-ERR wrong number of arguments for 'zincrby' command\r\n", "ZINCRBY", "z", "1");
        Is(h, "*6\r\n$1\r\nb\r\n$3\r\n-10\r\n$1\r\na\r\n$1\r\n4\r\n$1\r\nc\r\n$3\r\ninf\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
        Is(h, "$1\r\n4\r\n", "ZINCRBY", "z", "0", "a");
    }

    [Fact]
    public void ZAdd_WrongTypeAfterParsing()
    {
        using var h = new EngineHarness();
        Is(h, "+OK\r\n", "SET", "s", "x");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZADD", "s", "1", "a");
        Is(h, "-ERR value is not a valid float\r\n", "ZADD", "s", "abc", "a");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZINCRBY", "s", "1", "a");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZREM", "s", "a");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZCARD", "s");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZSCORE", "s", "a");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZMSCORE", "s", "a");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZRANK", "s", "a");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZREVRANK", "s", "a");
        Is(h, "-ERR XX and NX options at the same time are not compatible\r\n", "ZADD", "s", "XX", "NX", "1", "a");
    }

    [Fact]
    public void ZRem_DeletesEmptiedKey()
    {
        using var h = new EngineHarness();
        Is(h, ":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c");
        Is(h, ":1\r\n", "ZREM", "z", "a", "nope");
        Is(h, ":0\r\n", "ZREM", "z", "nope");
        Is(h, ":0\r\n", "ZREM", "nokey", "a");
        Is(h, ":2\r\n", "ZREM", "z", "b", "c", "b");
        Is(h, ":0\r\n", "EXISTS", "z");
        Is(h, ":0\r\n", "ZREM", "z", "a");
    }

    [Fact]
    public void ZScore_ZMScore_ZRank_Replies()
    {
        using var h = new EngineHarness();
        Is(h, ":5\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "-1", "d", "0.5", "e");
        Is(h, "$3\r\n0.5\r\n", "ZSCORE", "z", "e");
        Is(h, "$-1\r\n", "ZSCORE", "z", "nope");
        Is(h, "$-1\r\n", "ZSCORE", "nokey", "a");
        Is(h, "*3\r\n$1\r\n1\r\n$-1\r\n$3\r\n0.5\r\n", "ZMSCORE", "z", "a", "nope", "e");
        Is(h, "*2\r\n$-1\r\n$-1\r\n", "ZMSCORE", "nokey", "a", "b");
        Is(h, ":2\r\n", "ZRANK", "z", "a");
        Is(h, ":0\r\n", "ZRANK", "z", "d");
        Is(h, ":4\r\n", "ZREVRANK", "z", "d");
        Is(h, "$-1\r\n", "ZRANK", "z", "nope");
        Is(h, "$-1\r\n", "ZRANK", "nokey", "a");
        Is(h, ":0\r\n", "ZREVRANK", "z", "c");
        Is(h, ":5\r\n", "ZCARD", "z");
        Is(h, ":0\r\n", "ZCARD", "nokey");
        Is(h, "-ERR wrong number of arguments for 'zmscore' command\r\n", "ZMSCORE", "z");
    }

    [Fact]
    public void Resp3_PointReplies()
    {
        using var h = new EngineHarness();
        h.Run(EngineHarness.Command("HELLO", "3"));
        Is(h, ":2\r\n", "ZADD", "z", "1.5", "a", "2", "b");
        Is(h, ",1.5\r\n", "ZSCORE", "z", "a");
        Is(h, "_\r\n", "ZSCORE", "z", "nope");
        Is(h, "*2\r\n,1.5\r\n_\r\n", "ZMSCORE", "z", "a", "nope");
        Is(h, "_\r\n", "ZRANK", "z", "nope");
        Is(h, ",3\r\n", "ZINCRBY", "z", "1", "b");
        Is(h, "_\r\n", "ZADD", "z", "XX", "INCR", "1", "nope");
        Is(h, ",inf\r\n", "ZADD", "z", "INCR", "inf", "a");
    }
}
