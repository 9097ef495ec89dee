using Xunit;
using static FastKv.Engine.Tests.ZSetTestSupport;

namespace FastKv.Engine.Tests;

/// <summary>ZUNION/ZINTER/ZDIFF, their STORE forms and ZINTERCARD: replies checked against redis-server 7.0.15.</summary>
public partial class ZSetAlgebraTests
{
    [Fact]
    public void ZUnionInterDiff_Replies()
    {
        using var h = new EngineHarness();
        Is(h, ":3\r\n", "ZADD", "a", "1", "x", "2", "y", "3", "z");
        Is(h, ":3\r\n", "ZADD", "b", "10", "y", "20", "z", "30", "w");
        Is(h, "*4\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nw\r\n", "ZUNION", "2", "a", "b");
        Is(h, "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n", "ZUNION", "2", "a", "b", "WITHSCORES");
        Is(h, "*8\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$1\r\n9\r\n$1\r\nw\r\n$2\r\n15\r\n$1\r\nz\r\n$2\r\n16\r\n", "ZUNION", "2", "a", "b", "WEIGHTS", "2", "0.5", "WITHSCORES");
        Is(h, "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\nw\r\n$2\r\n30\r\n", "ZUNION", "2", "a", "b", "AGGREGATE", "MIN", "WITHSCORES");
        Is(h, "*8\r\n$1\r\nx\r\n$2\r\n-1\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n20\r\n$1\r\nw\r\n$2\r\n30\r\n", "ZUNION", "2", "a", "b", "AGGREGATE", "MAX", "WEIGHTS", "-1", "1", "WITHSCORES");
        Is(h, "*4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n", "ZINTER", "2", "a", "b", "WITHSCORES");
        Is(h, "*2\r\n$1\r\ny\r\n$1\r\nz\r\n", "ZINTER", "2", "a", "b", "AGGREGATE", "MAX");
        Is(h, "*0\r\n", "ZINTER", "2", "a", "nokey", "WITHSCORES");
        Is(h, "*6\r\n$1\r\nx\r\n$1\r\n3\r\n$1\r\ny\r\n$1\r\n6\r\n$1\r\nz\r\n$1\r\n9\r\n", "ZINTER", "1", "a", "WEIGHTS", "3", "WITHSCORES");
        Is(h, "*2\r\n$1\r\nx\r\n$1\r\n1\r\n", "ZDIFF", "2", "a", "b", "WITHSCORES");
        Is(h, "*1\r\n$1\r\nw\r\n", "ZDIFF", "2", "b", "a");
        Is(h, "*0\r\n", "ZDIFF", "1", "nokey");
        Is(h, "*0\r\n", "ZDIFF", "2", "a", "a");
        Is(h, "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n", "ZUNION", "3", "a", "b", "nokey", "WITHSCORES", "WITHSCORES");
        Is(h, "*6\r\n$1\r\nx\r\n$1\r\n3\r\n$1\r\ny\r\n$1\r\n6\r\n$1\r\nz\r\n$1\r\n9\r\n", "ZINTER", "2", "a", "a", "WEIGHTS", "1", "2", "WITHSCORES");
    }

    [Fact]
    public void ZUnion_InfinityAndNaNRules()
    {
        using var h = new EngineHarness();
        Is(h, ":4\r\n", "ZADD", "a", "1", "x", "-inf", "y", "inf", "z", "0", "w");
        Is(h, ":4\r\n", "ZADD", "b", "2", "x", "inf", "y", "inf", "z", "3", "w");
        Is(h, "*8\r\n$1\r\ny\r\n$1\r\n0\r\n$1\r\nw\r\n$1\r\n3\r\n$1\r\nx\r\n$1\r\n3\r\n$1\r\nz\r\n$3\r\ninf\r\n", "ZUNION", "2", "a", "b", "WITHSCORES");
        Is(h, "*8\r\n$1\r\nw\r\n$1\r\n0\r\n$1\r\nx\r\n$1\r\n0\r\n$1\r\ny\r\n$1\r\n0\r\n$1\r\nz\r\n$1\r\n0\r\n", "ZUNION", "1", "a", "WEIGHTS", "0", "WITHSCORES");
        Is(h, "*8\r\n$1\r\ny\r\n$4\r\n-inf\r\n$1\r\nw\r\n$1\r\n0\r\n$1\r\nx\r\n$3\r\ninf\r\n$1\r\nz\r\n$3\r\ninf\r\n", "ZUNION", "1", "a", "WEIGHTS", "inf", "WITHSCORES");
        Is(h, "*8\r\n$1\r\nw\r\n$1\r\n0\r\n$1\r\ny\r\n$1\r\n0\r\n$1\r\nz\r\n$1\r\n0\r\n$1\r\nx\r\n$1\r\n1\r\n", "ZINTER", "2", "a", "b", "WEIGHTS", "1", "0", "WITHSCORES");
        Is(h, "*8\r\n$1\r\nw\r\n$1\r\n0\r\n$1\r\nx\r\n$1\r\n0\r\n$1\r\ny\r\n$1\r\n0\r\n$1\r\nz\r\n$1\r\n0\r\n", "ZINTER", "2", "a", "b", "WEIGHTS", "0", "1", "AGGREGATE", "MIN", "WITHSCORES");
        Is(h, "*8\r\n$1\r\nz\r\n$4\r\n-inf\r\n$1\r\nw\r\n$2\r\n-3\r\n$1\r\nx\r\n$2\r\n-3\r\n$1\r\ny\r\n$1\r\n0\r\n", "ZUNION", "2", "a", "b", "WEIGHTS", "-1", "-1", "WITHSCORES");
        Is(h, "*8\r\n$1\r\nz\r\n$1\r\n0\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nw\r\n$1\r\n3\r\n$1\r\ny\r\n$3\r\ninf\r\n", "ZINTER", "2", "a", "b", "WEIGHTS", "-1", "1", "WITHSCORES");
    }

    [Fact]
    public void ZUnionStore_StoresCountsAndDeletes()
    {
        using var h = new EngineHarness();
        Is(h, ":2\r\n", "ZADD", "a", "1", "x", "2", "y");
        Is(h, ":2\r\n", "ZADD", "b", "3", "y", "4", "z");
        Is(h, ":3\r\n", "ZUNIONSTORE", "d", "2", "a", "b");
        Is(h, "*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nz\r\n$1\r\n4\r\n$1\r\ny\r\n$1\r\n5\r\n", "ZRANGE", "d", "0", "-1", "WITHSCORES");
        Is(h, ":1\r\n", "ZINTERSTORE", "d", "2", "a", "b", "WEIGHTS", "2", "3");
        Is(h, "*2\r\n$1\r\ny\r\n$2\r\n13\r\n", "ZRANGE", "d", "0", "-1", "WITHSCORES");
        Is(h, ":1\r\n", "ZDIFFSTORE", "d", "2", "a", "b");
        Is(h, "*2\r\n$1\r\nx\r\n$1\r\n1\r\n", "ZRANGE", "d", "0", "-1", "WITHSCORES");
        Is(h, ":0\r\n", "ZINTERSTORE", "d", "2", "a", "nokey");
        Is(h, ":0\r\n", "EXISTS", "d");
        Is(h, ":3\r\n", "ZUNIONSTORE", "a", "2", "a", "b");
        Is(h, "*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nz\r\n$1\r\n4\r\n$1\r\ny\r\n$1\r\n5\r\n", "ZRANGE", "a", "0", "-1", "WITHSCORES");
        Is(h, "+OK\r\n", "SET", "s", "v");
        Is(h, ":2\r\n", "ZUNIONSTORE", "s", "1", "b");
        Is(h, "+zset\r\n", "TYPE", "s");
        Is(h, ":0\r\n", "ZDIFFSTORE", "e", "1", "nokey");
        Is(h, ":0\r\n", "EXISTS", "e");
    }

    [Fact]
    public void ZAlgebra_Errors()
    {
        using var h = new EngineHarness();
        Is(h, ":1\r\n", "ZADD", "a", "1", "x");
        Is(h, "+OK\r\n", "SET", "s", "v");
        Is(h, "-ERR at least 1 input key is needed for 'zunion' command\r\n", "ZUNION", "0", "a");
        Is(h, "-ERR at least 1 input key is needed for 'zunion' command\r\n", "ZUNION", "-1", "a");
        Is(h, "-ERR value is not an integer or out of range\r\n", "ZUNION", "abc", "a");
        Is(h, "-ERR syntax error\r\n", "ZUNION", "2", "a");
        Is(h, "-ERR at least 1 input key is needed for 'zunionstore' command\r\n", "ZUNIONSTORE", "d", "0", "a");
        Is(h, "-ERR syntax error\r\n", "ZUNIONSTORE", "d", "2", "a");
        Is(h, "-ERR syntax error\r\n", "ZINTERSTORE", "d", "1", "a", "WEIGHTS");
        Is(h, "-ERR weight value is not a float\r\n", "ZINTERSTORE", "d", "1", "a", "WEIGHTS", "abc");
        Is(h, "-ERR weight value is not a float\r\n", "ZINTERSTORE", "d", "2", "a", "a", "WEIGHTS", "1", "nan");
        Is(h, "-ERR syntax error\r\n", "ZINTERSTORE", "d", "1", "a", "WEIGHTS", "1", "2");
        Is(h, "-ERR syntax error\r\n", "ZINTERSTORE", "d", "1", "a", "AGGREGATE");
        Is(h, "-ERR syntax error\r\n", "ZINTERSTORE", "d", "1", "a", "AGGREGATE", "avg");
        Is(h, "-ERR syntax error\r\n", "ZUNIONSTORE", "d", "1", "a", "WITHSCORES");
        Is(h, "-ERR syntax error\r\n", "ZDIFF", "1", "a", "WEIGHTS", "1");
        Is(h, "-ERR syntax error\r\n", "ZDIFF", "1", "a", "AGGREGATE", "SUM");
        Is(h, "-ERR syntax error\r\n", "ZDIFFSTORE", "d", "1", "a", "WITHSCORES");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZUNION", "2", "a", "s");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZUNION", "2", "a", "s", "FOO");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZUNION", "2", "s", "a", "WEIGHTS", "abc");
        Is(h, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "ZINTERSTORE", "d", "1", "s");
        Is(h, ":0\r\n", "EXISTS", "d");
    }

    [Fact]
    public void ZInterCard_CountsWithLimit()
    {
        using var h = new EngineHarness();
        Is(h, ":4\r\n", "ZADD", "a", "1", "x", "2", "y", "3", "z", "4", "w");
        Is(h, ":4\r\n", "ZADD", "b", "1", "y", "2", "z", "3", "w", "4", "v");
        Is(h, ":3\r\n", "ZINTERCARD", "2", "a", "b");
        Is(h, ":2\r\n", "ZINTERCARD", "2", "a", "b", "LIMIT", "2");
        Is(h, ":3\r\n", "ZINTERCARD", "2", "a", "b", "LIMIT", "0");
        Is(h, ":3\r\n", "ZINTERCARD", "2", "a", "b", "LIMIT", "10");
        Is(h, ":0\r\n", "ZINTERCARD", "2", "a", "nokey");
        Is(h, "-ERR LIMIT can't be negative\r\n", "ZINTERCARD", "1", "a", "LIMIT", "-1");
        Is(h, "-ERR LIMIT can't be negative\r\n", "ZINTERCARD", "1", "a", "LIMIT", "abc");
        Is(h, "-ERR at least 1 input key is needed for 'zintercard' command\r\n", "ZINTERCARD", "0", "a");
        Is(h, "-ERR syntax error\r\n", "ZINTERCARD", "2", "a");
        Is(h, "-ERR syntax error\r\n", "ZINTERCARD", "1", "a", "WITHSCORES");
        Is(h, ":2\r\n", "ZINTERCARD", "1", "a", "LIMIT", "1", "LIMIT", "2");
    }

    [Fact]
    public void Resp3_AlgebraShapes()
    {
        using var h = new EngineHarness();
        h.Run(EngineHarness.Command("HELLO", "3"));
        Is(h, ":2\r\n", "ZADD", "a", "1", "x", "2", "y");
        Is(h, ":1\r\n", "ZADD", "b", "1.5", "y");
        Is(h, "*2\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,3.5\r\n", "ZUNION", "2", "a", "b", "WITHSCORES");
        Is(h, "*1\r\n$1\r\ny\r\n", "ZINTER", "2", "a", "b");
        Is(h, "*1\r\n*2\r\n$1\r\nx\r\n,1\r\n", "ZDIFF", "2", "a", "b", "WITHSCORES");
        Is(h, "*0\r\n", "ZUNION", "1", "nokey", "WITHSCORES");
    }
}
