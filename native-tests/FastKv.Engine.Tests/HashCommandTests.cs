using System;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// Hash commands through the engine, reply bytes as redis-server 7.0 sends them. Every
/// <c>Is(h, expected, command...)</c> line was run against the oracle in the same order (each test
/// starts from an empty server with default config), so the expected bytes are Redis's.
/// </summary>
public class HashCommandTests
{
    internal static void Is(EngineHarness h, string expected, params string[] command)
        => Assert.Equal(expected, h.Run(EngineHarness.Command(command)));

    internal static void Hello3(EngineHarness h) => Assert.StartsWith("%7\r\n", h.Run(EngineHarness.Command("HELLO", "3")));

    const string WrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    [Fact]
    public void HSet_HGet_HMSet()
    {
        using var h = new EngineHarness();
        Is(h, ":2\r\n", "HSET", "h", "f1", "v1", "f2", "v2");
        Is(h, ":1\r\n", "HSET", "h", "f1", "x", "f3", "y");
        Is(h, ":0\r\n", "HSET", "h", "f1", "x", "f1", "z");
        Is(h, "$1\r\nz\r\n", "HGET", "h", "f1");
        Is(h, "$-1\r\n", "HGET", "h", "nope");
        Is(h, "$-1\r\n", "HGET", "missing", "f1");
        Is(h, "+OK\r\n", "HMSET", "h", "a", "1", "b", "2");
        Is(h, "$1\r\n2\r\n", "HGET", "h", "b");
        Is(h, "-ERR wrong number of arguments for 'hset' command\r\n", "HSET", "h", "a");
        Is(h, "-ERR wrong number of arguments for 'hset' command\r\n", "HSET", "h", "a", "1", "b");
        Is(h, "-ERR wrong number of arguments for 'hmset' command\r\n", "HMSET", "h", "a", "1", "b");
        Is(h, "-ERR wrong number of arguments for 'hget' command\r\n", "HGET", "h");
        Is(h, ":5\r\n", "HLEN", "h");
        Is(h, "*10\r\n$2\r\nf1\r\n$1\r\nz\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$1\r\ny\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n", "HGETALL", "h");
        Is(h, "+hash\r\n", "TYPE", "h");
        Is(h, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "h");
    }

    [Fact]
    public void IntegerLookingFieldsAndValues_ReadBackAsWritten()
    {
        using var h = new EngineHarness();
        Is(h, ":7\r\n", "HSET", "h", "123", "-45", "007", "9223372036854775808", "-0", "x", "0", "-9223372036854775808", "12 ", "4096", "-4097", "1.5", "", "");
        Is(h, "*14\r\n$3\r\n123\r\n$3\r\n-45\r\n$3\r\n007\r\n$19\r\n9223372036854775808\r\n$2\r\n-0\r\n$1\r\nx\r\n$1\r\n0\r\n$20\r\n-9223372036854775808\r\n$3\r\n12 \r\n$4\r\n4096\r\n$5\r\n-4097\r\n$3\r\n1.5\r\n$0\r\n\r\n$0\r\n\r\n", "HGETALL", "h");
        Is(h, "$3\r\n-45\r\n", "HGET", "h", "123");
        Is(h, "$-1\r\n", "HGET", "h", "0123");
        Is(h, "$-1\r\n", "HGET", "h", "+123");
        Is(h, "$-1\r\n", "HGET", "h", "7");
        Is(h, "$1\r\nx\r\n", "HGET", "h", "-0");
        Is(h, ":3\r\n", "HSTRLEN", "h", "123");
        Is(h, ":20\r\n", "HSTRLEN", "h", "0");
        Is(h, ":4\r\n", "HSTRLEN", "h", "12 ");
        Is(h, ":0\r\n", "HSTRLEN", "h", "");
        Is(h, ":0\r\n", "HSTRLEN", "h", "nope");
        Is(h, ":0\r\n", "HSTRLEN", "missing", "nope");
        Is(h, ":1\r\n", "HEXISTS", "h", "");
        Is(h, ":0\r\n", "HEXISTS", "h", "nope");
        Is(h, ":0\r\n", "HEXISTS", "missing", "nope");
        Is(h, "$-1\r\n", "HGET", "h", "-4096");
        Is(h, "$3\r\n1.5\r\n", "HGET", "h", "-4097");
    }

    [Fact]
    public void HMGet_NullsForMissingFieldsAndKeys()
    {
        using var h = new EngineHarness();
        Is(h, ":2\r\n", "HSET", "h", "a", "1", "b", "two");
        Is(h, "*4\r\n$1\r\n1\r\n$-1\r\n$3\r\ntwo\r\n$1\r\n1\r\n", "HMGET", "h", "a", "zz", "b", "a");
        Is(h, "*2\r\n$-1\r\n$-1\r\n", "HMGET", "missing", "a", "b");
        Is(h, "-ERR wrong number of arguments for 'hmget' command\r\n", "HMGET", "h");
        Hello3(h);
        Is(h, "*2\r\n$1\r\n1\r\n_\r\n", "HMGET", "h", "a", "zz");
        Is(h, "_\r\n", "HGET", "h", "zz");
    }

    [Fact]
    public void HDel_CountsAndDeletesTheEmptiedKey()
    {
        using var h = new EngineHarness();
        Is(h, ":3\r\n", "HSET", "h", "a", "1", "b", "2", "c", "3");
        Is(h, ":2\r\n", "HDEL", "h", "a", "zz", "c", "a");
        Is(h, ":1\r\n", "HLEN", "h");
        Is(h, "*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "HGETALL", "h");
        Is(h, ":1\r\n", "HDEL", "h", "b", "b", "x");
        Is(h, ":0\r\n", "EXISTS", "h");
        Is(h, ":0\r\n", "HDEL", "h", "b");
        Is(h, ":0\r\n", "HLEN", "h");
        Is(h, "-ERR wrong number of arguments for 'hdel' command\r\n", "HDEL", "h");
        Is(h, ":1\r\n", "HSET", "h", "a", "1");
        Is(h, ":1\r\n", "HDEL", "h", "a");
        Is(h, ":0\r\n", "EXISTS", "h");
    }

    [Fact]
    public void HSetNx()
    {
        using var h = new EngineHarness();
        Is(h, ":1\r\n", "HSETNX", "h", "f", "v");
        Is(h, ":0\r\n", "HSETNX", "h", "f", "w");
        Is(h, "$1\r\nv\r\n", "HGET", "h", "f");
        Is(h, ":1\r\n", "HSETNX", "h", "g", "w");
        Is(h, ":2\r\n", "HLEN", "h");
        Is(h, "-ERR wrong number of arguments for 'hsetnx' command\r\n", "HSETNX", "h", "f");
    }

    [Fact]
    public void WholeHashReads_InListpackOrder_MapInResp3()
    {
        using var h = new EngineHarness();
        Is(h, ":3\r\n", "HSET", "h", "z", "1", "a", "-2", "m", "three");
        Is(h, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nm\r\n", "HKEYS", "h");
        Is(h, "*3\r\n$1\r\n1\r\n$2\r\n-2\r\n$5\r\nthree\r\n", "HVALS", "h");
        Is(h, "*0\r\n", "HKEYS", "missing");
        Is(h, "*0\r\n", "HVALS", "missing");
        Is(h, "*0\r\n", "HGETALL", "missing");
        Hello3(h);
        Is(h, "%3\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\na\r\n$2\r\n-2\r\n$1\r\nm\r\n$5\r\nthree\r\n", "HGETALL", "h");
        Is(h, "%0\r\n", "HGETALL", "missing");
        Is(h, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nm\r\n", "HKEYS", "h");
        Is(h, "*0\r\n", "HVALS", "missing");
    }

    [Fact]
    public void WrongType_ForEveryHashCommand()
    {
        using var h = new EngineHarness();
        Is(h, "+OK\r\n", "SET", "s", "v");
        Is(h, WrongType, "HSET", "s", "f", "v");
        Is(h, WrongType, "HMSET", "s", "f", "v");
        Is(h, WrongType, "HSETNX", "s", "f", "v");
        Is(h, WrongType, "HGET", "s", "f");
        Is(h, WrongType, "HMGET", "s", "f");
        Is(h, WrongType, "HDEL", "s", "f");
        Is(h, WrongType, "HEXISTS", "s", "f");
        Is(h, WrongType, "HLEN", "s");
        Is(h, WrongType, "HSTRLEN", "s", "f");
        Is(h, WrongType, "HINCRBY", "s", "f", "1");
        Is(h, WrongType, "HINCRBYFLOAT", "s", "f", "1");
        Is(h, WrongType, "HKEYS", "s");
        Is(h, WrongType, "HVALS", "s");
        Is(h, WrongType, "HGETALL", "s");
        Is(h, WrongType, "HRANDFIELD", "s");
        Is(h, WrongType, "HRANDFIELD", "s", "1");
        Is(h, WrongType, "HRANDFIELD", "s", "0");
        Is(h, WrongType, "HSCAN", "s", "0");
        Is(h, WrongType, "HSCAN", "s", "0", "COUNT", "0");
        // Argument errors found before the key is looked up win over WRONGTYPE.
        Is(h, "-ERR value is not an integer or out of range\r\n", "HINCRBY", "s", "f", "x");
        Is(h, "-ERR value is not a valid float\r\n", "HINCRBYFLOAT", "s", "f", "x");
        Is(h, "-ERR invalid cursor\r\n", "HSCAN", "s", "x");
        Is(h, "-ERR syntax error\r\n", "HRANDFIELD", "s", "1", "x");
        Is(h, ":1\r\n", "HSET", "h", "f", "v");
        Is(h, WrongType, "GET", "h");
        Is(h, WrongType, "INCR", "h");
        Is(h, WrongType, "APPEND", "h", "x");
        Is(h, "+OK\r\n", "SET", "h", "now a string");
        Is(h, "$12\r\nnow a string\r\n", "GET", "h");
    }

    [Fact]
    public void HIncrBy()
    {
        using var h = new EngineHarness();
        Is(h, ":5\r\n", "HINCRBY", "h", "n", "5");
        Is(h, ":-3\r\n", "HINCRBY", "h", "n", "-8");
        Is(h, ":1\r\n", "HSET", "h", "big", "9223372036854775807");
        Is(h, "-ERR increment or decrement would overflow\r\n", "HINCRBY", "h", "big", "1");
        Is(h, ":-1\r\n", "HINCRBY", "h", "big", "-9223372036854775808");
        Is(h, ":1\r\n", "HSET", "h", "small", "-9223372036854775808");
        Is(h, "-ERR increment or decrement would overflow\r\n", "HINCRBY", "h", "small", "-1");
        Is(h, ":1\r\n", "HSET", "h", "text", "12 ");
        Is(h, "-ERR hash value is not an integer\r\n", "HINCRBY", "h", "text", "1");
        Is(h, ":1\r\n", "HSET", "h", "float", "1.5");
        Is(h, "-ERR hash value is not an integer\r\n", "HINCRBY", "h", "float", "1");
        Is(h, "-ERR value is not an integer or out of range\r\n", "HINCRBY", "h", "n", "1.5");
        Is(h, "-ERR value is not an integer or out of range\r\n", "HINCRBY", "h", "n", "9223372036854775808");
        Is(h, "-ERR value is not an integer or out of range\r\n", "HINCRBY", "nokey", "n", "");
        Is(h, ":0\r\n", "EXISTS", "nokey");
        Is(h, ":0\r\n", "HINCRBY", "h", "zero", "0");
        Is(h, "$1\r\n0\r\n", "HGET", "h", "zero");
        Is(h, "$2\r\n-3\r\n", "HGET", "h", "n");
        Is(h, "-ERR wrong number of arguments for 'hincrby' command\r\n", "HINCRBY", "h", "n");
    }

    [Fact]
    public void HIncrByFloat_LongDoubleExact()
    {
        using var h = new EngineHarness();
        Is(h, "$4\r\n10.5\r\n", "HINCRBYFLOAT", "h", "f", "10.5");
        Is(h, "$4\r\n10.6\r\n", "HINCRBYFLOAT", "h", "f", "0.1");
        Is(h, ":1\r\n", "HSET", "h", "g", "123557.5");
        Is(h, "$24\r\n123557.60000000000000142\r\n", "HINCRBYFLOAT", "h", "g", "0.1");
        Is(h, ":1\r\n", "HSET", "h", "i", "5");
        Is(h, "$4\r\n1005\r\n", "HINCRBYFLOAT", "h", "i", "1e3");
        Is(h, "$1\r\n0\r\n", "HINCRBYFLOAT", "h", "i", "-1005");
        Is(h, "$1\r\n0\r\n", "HGET", "h", "i");
        Is(h, "$10\r\n1.25000001\r\n", "HINCRBYFLOAT", "h", "j", "1.25000001");
        Is(h, "$4\r\n-0.1\r\n", "HINCRBYFLOAT", "h", "k", "-.1");
        Is(h, "$2\r\n16\r\n", "HINCRBYFLOAT", "h", "l", "0x10");
        Is(h, "-ERR value is NaN or Infinity\r\n", "HINCRBYFLOAT", "h", "f", "inf");
        Is(h, "-ERR value is NaN or Infinity\r\n", "HINCRBYFLOAT", "h", "f", "-Infinity");
        Is(h, "-ERR value is not a valid float\r\n", "HINCRBYFLOAT", "h", "f", "nan");
        Is(h, "-ERR value is not a valid float\r\n", "HINCRBYFLOAT", "h", "f", "abc");
        Is(h, "-ERR value is not a valid float\r\n", "HINCRBYFLOAT", "h", "f", " 1");
        Is(h, "-ERR value is not a valid float\r\n", "HINCRBYFLOAT", "h", "f", "");
        Is(h, ":1\r\n", "HSET", "h", "s", "abc");
        Is(h, "-ERR hash value is not a float\r\n", "HINCRBYFLOAT", "h", "s", "1");
        Is(h, ":1\r\n", "HSET", "h", "sp", "1 ");
        Is(h, "-ERR hash value is not a float\r\n", "HINCRBYFLOAT", "h", "sp", "1");
        Is(h, ":1\r\n", "HSET", "h", "huge", "1e4932");
        Is(h, "-ERR increment would produce NaN or Infinity\r\n", "HINCRBYFLOAT", "h", "huge", "1e4932");
        Is(h, "$10\r\n10.6000001\r\n", "HINCRBYFLOAT", "h", "f", "0.0000001");
        Is(h, "-ERR wrong number of arguments for 'hincrbyfloat' command\r\n", "HINCRBYFLOAT", "h", "f");
    }

    [Fact]
    public void HIncrByFloat_LongResults_AreWhole()
    {
        using var h = new EngineHarness();
        string reply = h.Run(EngineHarness.Command("HINCRBYFLOAT", "h", "f", "1e308"));
        // ld2string's "%.17Lf": all 308 integer digits of the long double nearest 1e308.
        Assert.StartsWith("$308\r\n99999999999999999996685879655845645660560099847415", reply);
        Assert.Equal(308 + 8, reply.Length);
        Is(h, "$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "h");
        Is(h, ":308\r\n", "HSTRLEN", "h", "f");
        // The expansion of the largest long doubles rents a buffer; the reply is still exact.
        Is(h, ":1\r\n", "HSET", "h", "g", "1e4931");
        reply = h.Run(EngineHarness.Command("HINCRBYFLOAT", "h", "g", "1e4931"));
        Assert.StartsWith("$4932\r\n200000000000000000001203789877", reply);
        Is(h, ":4932\r\n", "HSTRLEN", "h", "g");
    }
}
