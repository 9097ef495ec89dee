using Xunit;
using static FastKv.Engine.Tests.ZSetTestSupport;

namespace FastKv.Engine.Tests;

/// <summary>Listpack to skiplist conversion at the thresholds, destinations' encodings, -0 across encodings, skiplist commands: replies checked against redis-server 7.0.15.</summary>
public partial class ZSetEncodingTests
{
    [Fact]
    public void Conversion_OnEntriesThreshold()
    {
        using var h = new EngineHarness();
        Is(h, "+OK\r\n", "CONFIG", "SET", "zset-max-listpack-entries", "3");
        Is(h, ":3\r\n", "ZADD", "z", "3", "c", "1", "a", "2", "b");
        Is(h, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "z");
        Is(h, ":1\r\n", "ZADD", "z", "4", "d");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "z");
        Is(h, "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
        Is(h, ":3\r\n", "ZREM", "z", "a", "b", "c");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "z");
        Is(h, "*2\r\n$1\r\nd\r\n$1\r\n4\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
        Is(h, ":0\r\n", "ZRANK", "z", "d");
        Is(h, "$1\r\n4\r\n", "ZSCORE", "z", "d");
    }

    [Fact]
    public void Conversion_OnValueThreshold()
    {
        using var h = new EngineHarness();
        Is(h, "+OK\r\n", "CONFIG", "SET", "zset-max-listpack-value", "4");
        Is(h, ":1\r\n", "ZADD", "z", "1", "abcd");
        Is(h, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "z");
        Is(h, ":1\r\n", "ZADD", "z", "2", "abcde");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "z");
        Is(h, ":1\r\n", "ZADD", "y", "1", "abcdefgh");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "y");
        Is(h, "+OK\r\n", "CONFIG", "SET", "zset-max-ziplist-entries", "0");
        Is(h, ":1\r\n", "ZADD", "x", "1", "a");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "x");
    }

    [Fact]
    public void Conversion_KeepsNegativeZeroOnlyInSkiplist()
    {
        using var h = new EngineHarness();
        Is(h, ":1\r\n", "ZADD", "lp", "-0", "a");
        Is(h, "$1\r\n0\r\n", "ZSCORE", "lp", "a");
        Is(h, "+OK\r\n", "CONFIG", "SET", "zset-max-listpack-entries", "1");
        Is(h, ":2\r\n", "ZADD", "sk", "1", "b", "-0", "a");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "sk");
        Is(h, "$2\r\n-0\r\n", "ZSCORE", "sk", "a");
        Is(h, "*4\r\n$1\r\na\r\n$2\r\n-0\r\n$1\r\nb\r\n$1\r\n1\r\n", "ZRANGE", "sk", "0", "-1", "WITHSCORES");
        Is(h, ":2\r\n", "ZRANGESTORE", "d1", "sk", "0", "-1");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "d1");
        Is(h, "$2\r\n-0\r\n", "ZSCORE", "d1", "a");
        Is(h, ":1\r\n", "ZRANGESTORE", "d2", "sk", "0", "0");
        Is(h, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "d2");
        Is(h, "$1\r\n0\r\n", "ZSCORE", "d2", "a");
        Is(h, ":2\r\n", "ZRANGESTORE", "d3", "sk", "-inf", "+inf", "BYSCORE");
        Is(h, "$2\r\n-0\r\n", "ZSCORE", "d3", "a");
        Is(h, ":2\r\n", "ZUNIONSTORE", "d4", "1", "sk");
        Is(h, "$2\r\n-0\r\n", "ZSCORE", "d4", "a");
        Is(h, "+OK\r\n", "CONFIG", "SET", "zset-max-listpack-entries", "128");
        Is(h, ":2\r\n", "ZUNIONSTORE", "d5", "1", "sk");
        Is(h, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "d5");
        Is(h, "$1\r\n0\r\n", "ZSCORE", "d5", "a");
        Is(h, "*4\r\n$1\r\na\r\n$2\r\n-0\r\n$1\r\nb\r\n$1\r\n1\r\n", "ZUNION", "1", "sk", "WITHSCORES");
    }

    [Fact]
    public void Conversion_StoredDestinationsFitTheirSize()
    {
        using var h = new EngineHarness();
        Is(h, ":5\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
        Is(h, "+OK\r\n", "CONFIG", "SET", "zset-max-listpack-entries", "4");
        Is(h, ":5\r\n", "ZUNIONSTORE", "u", "1", "z");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "u");
        Is(h, ":5\r\n", "ZINTERSTORE", "i", "1", "z");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "i");
        Is(h, ":4\r\n", "ZRANGESTORE", "r", "z", "0", "3");
        Is(h, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "r");
        Is(h, ":5\r\n", "ZRANGESTORE", "r", "z", "0", "4");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "r");
        Is(h, ":5\r\n", "ZRANGESTORE", "r", "z", "1", "+inf", "BYSCORE");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "r");
        Is(h, ":4\r\n", "ZRANGESTORE", "r", "z", "2", "+inf", "BYSCORE");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "r");
        Is(h, ":5\r\n", "ZDIFFSTORE", "d", "1", "u");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "d");
        Is(h, "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n", "ZPOPMIN", "u", "4");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "u");
        Is(h, ":1\r\n", "ZDIFFSTORE", "d", "1", "u");
        Is(h, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "d");
        Is(h, "+OK\r\n", "CONFIG", "SET", "zset-max-listpack-value", "1");
        Is(h, ":1\r\n", "ZADD", "long", "1", "ab");
        Is(h, ":1\r\n", "ZUNIONSTORE", "u2", "1", "long");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "u2");
    }

    [Fact]
    public void Skiplist_CommandsMatchListpack()
    {
        using var h = new EngineHarness();
        Is(h, "+OK\r\n", "CONFIG", "SET", "zset-max-listpack-entries", "2");
        Is(h, ":10\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "5", "f", "5", "g", "6", "h", "7", "-1", "8", "10");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "z");
        Is(h, "*20\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nf\r\n$1\r\n5\r\n$1\r\ng\r\n$1\r\n5\r\n$1\r\nh\r\n$1\r\n6\r\n$2\r\n-1\r\n$1\r\n7\r\n$2\r\n10\r\n$1\r\n8\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
        Is(h, "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", "ZRANGE", "z", "2", "4");
        Is(h, "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n", "ZRANGE", "z", "-3", "-1", "REV");
        Is(h, "*8\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nf\r\n$1\r\n5\r\n$1\r\ng\r\n$1\r\n5\r\n", "ZRANGEBYSCORE", "z", "(2", "5", "WITHSCORES", "LIMIT", "1", "10");
        Is(h, "*2\r\n$1\r\nf\r\n$1\r\ne\r\n", "ZREVRANGEBYSCORE", "z", "5", "(2", "LIMIT", "1", "2");
        Is(h, ":5\r\n", "ZCOUNT", "z", "(2", "5");
        Is(h, ":10\r\n", "ZCOUNT", "z", "-inf", "+inf");
        Is(h, ":0\r\n", "ZCOUNT", "z", "100", "200");
        Is(h, ":6\r\n", "ZRANK", "z", "g");
        Is(h, ":3\r\n", "ZREVRANK", "z", "g");
        Is(h, ":8\r\n", "ZRANK", "z", "-1");
        Is(h, "$1\r\n8\r\n", "ZSCORE", "z", "10");
        Is(h, "*3\r\n$1\r\n1\r\n$1\r\n8\r\n$-1\r\n", "ZMSCORE", "z", "a", "10", "nope");
        Is(h, "$2\r\n11\r\n", "ZADD", "z", "XX", "INCR", "10", "a");
        Is(h, "*4\r\n$2\r\n10\r\n$1\r\n8\r\n$1\r\na\r\n$2\r\n11\r\n", "ZRANGE", "z", "-2", "-1", "WITHSCORES");
        Is(h, ":1\r\n", "ZADD", "z", "GT", "CH", "1", "h", "100", "b");
        Is(h, "*2\r\n$1\r\nb\r\n$3\r\n100\r\n", "ZRANGE", "z", "-1", "-1", "WITHSCORES");
        Is(h, ":1\r\n", "ZREM", "z", "f", "nope");
        Is(h, ":2\r\n", "ZREMRANGEBYSCORE", "z", "5", "5");
        Is(h, ":2\r\n", "ZREMRANGEBYRANK", "z", "0", "1");
        Is(h, "*10\r\n$1\r\nh\r\n$1\r\n6\r\n$2\r\n-1\r\n$1\r\n7\r\n$2\r\n10\r\n$1\r\n8\r\n$1\r\na\r\n$2\r\n11\r\n$1\r\nb\r\n$3\r\n100\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
        Is(h, "*4\r\n$1\r\nb\r\n$3\r\n100\r\n$1\r\na\r\n$2\r\n11\r\n", "ZPOPMAX", "z", "2");
        Is(h, "*2\r\n$1\r\nh\r\n$1\r\n6\r\n", "ZPOPMIN", "z");
        Is(h, "*4\r\n$2\r\n-1\r\n$1\r\n7\r\n$2\r\n10\r\n$1\r\n8\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
        Is(h, ":2\r\n", "ZREMRANGEBYRANK", "z", "0", "-1");
        Is(h, ":0\r\n", "EXISTS", "z");
    }

    [Fact]
    public void Skiplist_LexRangesOnEqualScores()
    {
        using var h = new EngineHarness();
        Is(h, "+OK\r\n", "CONFIG", "SET", "zset-max-listpack-entries", "2");
        Is(h, ":9\r\n", "ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f", "0", "g", "0", "-1", "0", "10");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "l");
        Is(h, "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", "ZRANGEBYLEX", "l", "[b", "[e");
        Is(h, "*2\r\n$1\r\nf\r\n$1\r\ng\r\n", "ZRANGEBYLEX", "l", "(e", "+");
        Is(h, "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", "ZRANGEBYLEX", "l", "-", "+", "LIMIT", "3", "4");
        Is(h, "*2\r\n$1\r\ng\r\n$1\r\nf\r\n", "ZREVRANGEBYLEX", "l", "[g", "-", "LIMIT", "0", "2");
        Is(h, "*5\r\n$1\r\nf\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n", "ZREVRANGEBYLEX", "l", "(g", "(a");
        Is(h, ":4\r\n", "ZLEXCOUNT", "l", "[b", "[e");
        Is(h, ":9\r\n", "ZLEXCOUNT", "l", "-", "+");
        Is(h, ":3\r\n", "ZREMRANGEBYLEX", "l", "-", "(b");
        Is(h, "*6\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n", "ZRANGE", "l", "0", "-1");
        Is(h, ":4\r\n", "ZRANGESTORE", "d", "l", "[c", "[f", "BYLEX");
        Is(h, "$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "d");
        Is(h, "*4\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n", "ZRANGE", "d", "0", "-1");
    }
}
