using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// List commands through the engine: a recorded session against redis-server 7.0.15 replayed byte for
/// byte (every command, its errors, missing keys, wrong types, RESP2 and RESP3), plus what the oracle
/// cannot say: 7.2's RANK range check and cross-shard moves.
/// </summary>
public class ListCommandTests
{
    /// <summary>Commands and the oracle's replies, recorded in one session in this order; null: run only
    /// (HELLO names the server; 7.0 lets RANK -2^63 overflow where 7.2 rejects it, asserted below).</summary>
    static readonly (string[] args, string? reply)[] Recorded =
    {
        (new[] { "flushall" }, "+OK\r\n"),
        (new[] { "set", "s", "x" }, "+OK\r\n"),
        (new[] { "lpush", "l", "a", "b", "c" }, ":3\r\n"),
        (new[] { "rpush", "l", "1", "2", "-3", "9223372036854775807", "007", "-0" }, ":9\r\n"),
        (new[] { "lrange", "l", "0", "-1" }, "*9\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n-3\r\n$19\r\n9223372036854775807\r\n$3\r\n007\r\n$2\r\n-0\r\n"),
        (new[] { "lrange", "l", "-100", "100" }, "*9\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n-3\r\n$19\r\n9223372036854775807\r\n$3\r\n007\r\n$2\r\n-0\r\n"),
        (new[] { "lrange", "l", "5", "2" }, "*0\r\n"),
        (new[] { "lrange", "l", "9", "10" }, "*0\r\n"),
        (new[] { "lrange", "l", "-2", "-1" }, "*2\r\n$3\r\n007\r\n$2\r\n-0\r\n"),
        (new[] { "lrange", "l", "x", "1" }, "-ERR value is not an integer or out of range\r\n"),
        (new[] { "lrange", "s", "0", "1" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "lrange", "nokey", "0", "-1" }, "*0\r\n"),
        (new[] { "llen", "l" }, ":9\r\n"),
        (new[] { "llen", "nokey" }, ":0\r\n"),
        (new[] { "llen", "s" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "lindex", "l", "0" }, "$1\r\nc\r\n"),
        (new[] { "lindex", "l", "-1" }, "$2\r\n-0\r\n"),
        (new[] { "lindex", "l", "3" }, "$1\r\n1\r\n"),
        (new[] { "lindex", "l", "100" }, "$-1\r\n"),
        (new[] { "lindex", "l", "-100" }, "$-1\r\n"),
        (new[] { "lindex", "l", "x" }, "-ERR value is not an integer or out of range\r\n"),
        (new[] { "lindex", "nokey", "x" }, "$-1\r\n"),
        (new[] { "lindex", "s", "0" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "lpushx", "nokey", "a" }, ":0\r\n"),
        (new[] { "rpushx", "nokey", "a" }, ":0\r\n"),
        (new[] { "lpushx", "l", "x", "y" }, ":11\r\n"),
        (new[] { "rpushx", "l", "z" }, ":12\r\n"),
        (new[] { "lpushx", "s", "a" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "lpush", "s", "a" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "lpush" }, "-ERR wrong number of arguments for 'lpush' command\r\n"),
        (new[] { "rpush", "l" }, "-ERR wrong number of arguments for 'rpush' command\r\n"),
        (new[] { "linsert", "l", "before", "a", "A" }, ":13\r\n"),
        (new[] { "linsert", "l", "after", "z", "Z" }, ":14\r\n"),
        (new[] { "linsert", "l", "after", "1", "ONE" }, ":15\r\n"),
        (new[] { "linsert", "l", "after", "missing", "Q" }, ":-1\r\n"),
        (new[] { "linsert", "l", "middle", "a", "Q" }, "-ERR syntax error\r\n"),
        (new[] { "linsert", "nokey", "before", "a", "x" }, ":0\r\n"),
        (new[] { "linsert", "s", "before", "a", "x" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "lrange", "l", "0", "-1" }, "*15\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\nA\r\n$1\r\na\r\n$1\r\n1\r\n$3\r\nONE\r\n$1\r\n2\r\n$2\r\n-3\r\n$19\r\n9223372036854775807\r\n$3\r\n007\r\n$2\r\n-0\r\n$1\r\nz\r\n$1\r\nZ\r\n"),
        (new[] { "lset", "l", "0", "first" }, "+OK\r\n"),
        (new[] { "lset", "l", "-1", "last" }, "+OK\r\n"),
        (new[] { "lset", "l", "100", "x" }, "-ERR index out of range\r\n"),
        (new[] { "lset", "l", "x", "y" }, "-ERR value is not an integer or out of range\r\n"),
        (new[] { "lset", "nokey", "0", "x" }, "-ERR no such key\r\n"),
        (new[] { "lset", "s", "0", "x" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "lset", "l", "3", "12345" }, "+OK\r\n"),
        (new[] { "lindex", "l", "3" }, "$5\r\n12345\r\n"),
        (new[] { "lpop", "l" }, "$5\r\nfirst\r\n"),
        (new[] { "rpop", "l" }, "$4\r\nlast\r\n"),
        (new[] { "lpop", "l", "2" }, "*2\r\n$1\r\nx\r\n$1\r\nc\r\n"),
        (new[] { "rpop", "l", "3" }, "*3\r\n$1\r\nz\r\n$2\r\n-0\r\n$3\r\n007\r\n"),
        (new[] { "lpop", "l", "0" }, "*0\r\n"),
        (new[] { "lpop", "l", "-1" }, "-ERR value is out of range, must be positive\r\n"),
        (new[] { "lpop", "l", "x" }, "-ERR value is out of range, must be positive\r\n"),
        (new[] { "lpop", "l", "1", "2" }, "-ERR wrong number of arguments for 'lpop' command\r\n"),
        (new[] { "lpop", "nokey" }, "$-1\r\n"),
        (new[] { "lpop", "nokey", "3" }, "*-1\r\n"),
        (new[] { "lpop", "s" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "lpop", "s", "0" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "rpush", "r", "a", "b", "a", "c", "a", "d", "a" }, ":7\r\n"),
        (new[] { "lrem", "r", "2", "a" }, ":2\r\n"),
        (new[] { "lrange", "r", "0", "-1" }, "*5\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\na\r\n"),
        (new[] { "lrem", "r", "-1", "a" }, ":1\r\n"),
        (new[] { "lrange", "r", "0", "-1" }, "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nd\r\n"),
        (new[] { "lrem", "r", "0", "a" }, ":1\r\n"),
        (new[] { "lrange", "r", "0", "-1" }, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
        (new[] { "lrem", "r", "0", "zz" }, ":0\r\n"),
        (new[] { "lrem", "r", "x", "a" }, "-ERR value is not an integer or out of range\r\n"),
        (new[] { "lrem", "nokey", "1", "a" }, ":0\r\n"),
        (new[] { "lrem", "s", "1", "a" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "lrem", "r", "0", "b" }, ":1\r\n"),
        (new[] { "lrem", "r", "0", "c" }, ":1\r\n"),
        (new[] { "lrem", "r", "0", "d" }, ":1\r\n"),
        (new[] { "exists", "r" }, ":0\r\n"),
        (new[] { "rpush", "t", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }, ":10\r\n"),
        (new[] { "ltrim", "t", "2", "-3" }, "+OK\r\n"),
        (new[] { "lrange", "t", "0", "-1" }, "*6\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n"),
        (new[] { "ltrim", "t", "-100", "100" }, "+OK\r\n"),
        (new[] { "lrange", "t", "0", "-1" }, "*6\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n"),
        (new[] { "ltrim", "t", "1", "0" }, "+OK\r\n"),
        (new[] { "exists", "t" }, ":0\r\n"),
        (new[] { "ltrim", "nokey", "0", "1" }, "+OK\r\n"),
        (new[] { "ltrim", "s", "0", "1" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "ltrim", "t", "x", "1" }, "-ERR value is not an integer or out of range\r\n"),
        (new[] { "rpush", "p", "a", "b", "c", "a", "b", "c", "a" }, ":7\r\n"),
        (new[] { "lpos", "p", "a" }, ":0\r\n"),
        (new[] { "lpos", "p", "a", "rank", "2" }, ":3\r\n"),
        (new[] { "lpos", "p", "a", "rank", "-1" }, ":6\r\n"),
        (new[] { "lpos", "p", "a", "rank", "-2", "count", "0" }, "*2\r\n:3\r\n:0\r\n"),
        (new[] { "lpos", "p", "a", "count", "0" }, "*3\r\n:0\r\n:3\r\n:6\r\n"),
        (new[] { "lpos", "p", "a", "count", "2" }, "*2\r\n:0\r\n:3\r\n"),
        (new[] { "lpos", "p", "a", "count", "0", "maxlen", "3" }, "*1\r\n:0\r\n"),
        (new[] { "lpos", "p", "a", "rank", "2", "maxlen", "3" }, "$-1\r\n"),
        (new[] { "lpos", "p", "zz" }, "$-1\r\n"),
        (new[] { "lpos", "p", "zz", "count", "0" }, "*0\r\n"),
        (new[] { "lpos", "p", "a", "rank", "0" }, "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n"),
        (new[] { "lpos", "p", "a", "rank", "-9223372036854775808" }, null),
        (new[] { "lpos", "p", "a", "count", "-1" }, "-ERR COUNT can't be negative\r\n"),
        (new[] { "lpos", "p", "a", "maxlen", "-1" }, "-ERR MAXLEN can't be negative\r\n"),
        (new[] { "lpos", "p", "a", "rank", "x" }, "-ERR value is not an integer or out of range\r\n"),
        (new[] { "lpos", "p", "a", "foo" }, "-ERR syntax error\r\n"),
        (new[] { "lpos", "p", "a", "count" }, "-ERR syntax error\r\n"),
        (new[] { "lpos", "nokey", "a" }, "$-1\r\n"),
        (new[] { "lpos", "nokey", "a", "count", "1" }, "*0\r\n"),
        (new[] { "lpos", "s", "a" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "rpush", "src", "1", "2", "3" }, ":3\r\n"),
        (new[] { "lmove", "src", "dst", "left", "right" }, "$1\r\n1\r\n"),
        (new[] { "lmove", "src", "dst", "right", "left" }, "$1\r\n3\r\n"),
        (new[] { "lrange", "dst", "0", "-1" }, "*2\r\n$1\r\n3\r\n$1\r\n1\r\n"),
        (new[] { "lmove", "src", "src", "left", "right" }, "$1\r\n2\r\n"),
        (new[] { "lrange", "src", "0", "-1" }, "*1\r\n$1\r\n2\r\n"),
        (new[] { "lmove", "src", "dst", "up", "left" }, "-ERR syntax error\r\n"),
        (new[] { "lmove", "src", "s", "left", "left" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "lmove", "nokey", "dst", "left", "left" }, "$-1\r\n"),
        (new[] { "lmove", "s", "dst", "left", "left" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "rpoplpush", "src", "dst" }, "$1\r\n2\r\n"),
        (new[] { "exists", "src" }, ":0\r\n"),
        (new[] { "lrange", "dst", "0", "-1" }, "*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n"),
        (new[] { "rpoplpush", "dst", "dst" }, "$1\r\n1\r\n"),
        (new[] { "lrange", "dst", "0", "-1" }, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        (new[] { "rpoplpush", "nokey", "dst" }, "$-1\r\n"),
        (new[] { "rpoplpush", "dst", "s" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "rpush", "m1", "a", "b", "c" }, ":3\r\n"),
        (new[] { "rpush", "m2", "x" }, ":1\r\n"),
        (new[] { "lmpop", "2", "nokey", "m1", "left" }, "*2\r\n$2\r\nm1\r\n*1\r\n$1\r\na\r\n"),
        (new[] { "lmpop", "2", "nokey", "m1", "right", "count", "10" }, "*2\r\n$2\r\nm1\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n"),
        (new[] { "exists", "m1" }, ":0\r\n"),
        (new[] { "lmpop", "1", "m2", "left", "count", "5" }, "*2\r\n$2\r\nm2\r\n*1\r\n$1\r\nx\r\n"),
        (new[] { "lmpop", "2", "nokey", "nokey2", "left" }, "*-1\r\n"),
        (new[] { "lmpop", "1", "s", "left" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "lmpop", "2", "nokey", "s", "left" }, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        (new[] { "lmpop", "0", "m1", "left" }, "-ERR numkeys should be greater than 0\r\n"),
        (new[] { "lmpop", "-1", "m1", "left" }, "-ERR numkeys should be greater than 0\r\n"),
        (new[] { "lmpop", "x", "m1", "left" }, "-ERR numkeys should be greater than 0\r\n"),
        (new[] { "lmpop", "2", "m1", "left" }, "-ERR syntax error\r\n"),
        (new[] { "lmpop", "1", "m1", "middle" }, "-ERR syntax error\r\n"),
        (new[] { "lmpop", "1", "m1", "left", "count", "0" }, "-ERR count should be greater than 0\r\n"),
        (new[] { "lmpop", "1", "m1", "left", "count", "-1" }, "-ERR count should be greater than 0\r\n"),
        (new[] { "lmpop", "1", "m1", "left", "count" }, "-ERR syntax error\r\n"),
        (new[] { "lmpop", "1", "m1", "left", "count", "1", "count", "2" }, "-ERR syntax error\r\n"),
        (new[] { "lmpop", "1", "m1", "left", "foo" }, "-ERR syntax error\r\n"),
        (new[] { "lmpop", "1", "m1" }, "-ERR wrong number of arguments for 'lmpop' command\r\n"),
        (new[] { "rpush", "e", "" }, ":1\r\n"),
        (new[] { "lrange", "e", "0", "-1" }, "*1\r\n$0\r\n\r\n"),
        (new[] { "lpos", "e", "" }, ":0\r\n"),
        (new[] { "rpush", "n", "-1", "0", "00", "1.5", " 1", "+1", "18446744073709551616", "-9223372036854775808" }, ":8\r\n"),
        (new[] { "lrange", "n", "0", "-1" }, "*8\r\n$2\r\n-1\r\n$1\r\n0\r\n$2\r\n00\r\n$3\r\n1.5\r\n$2\r\n 1\r\n$2\r\n+1\r\n$20\r\n18446744073709551616\r\n$20\r\n-9223372036854775808\r\n"),
        (new[] { "lrem", "n", "1", "-1" }, ":1\r\n"),
        (new[] { "lrem", "n", "1", "00" }, ":1\r\n"),
        (new[] { "lpos", "n", "0" }, ":0\r\n"),
        (new[] { "lpos", "n", "-9223372036854775808" }, ":5\r\n"),
        (new[] { "hello", "3" }, null),
        (new[] { "lpop", "nokey" }, "_\r\n"),
        (new[] { "lpop", "nokey", "1" }, "_\r\n"),
        (new[] { "lrange", "n", "0", "1" }, "*2\r\n$1\r\n0\r\n$3\r\n1.5\r\n"),
        (new[] { "lmpop", "1", "n", "left", "count", "2" }, "*2\r\n$1\r\nn\r\n*2\r\n$1\r\n0\r\n$3\r\n1.5\r\n"),
        (new[] { "lmpop", "1", "nokey", "left" }, "_\r\n"),
        (new[] { "lpos", "nokey", "a" }, "_\r\n"),
        (new[] { "lpos", "n", "zz", "count", "0" }, "*0\r\n"),
        (new[] { "lindex", "nokey", "0" }, "_\r\n"),
        (new[] { "lmove", "nokey", "n", "left", "left" }, "_\r\n"),
        (new[] { "hello", "2" }, null),
    };

    [Fact]
    public void ReplaysTheRecordedOracleSession()
    {
        using var h = new EngineHarness();
        foreach (var (args, reply) in Recorded)
        {
            string got = h.Run(EngineHarness.Command(args));
            if (reply != null) Assert.True(reply == got, $"{string.Join(' ', args)}: expected {reply.Replace("\r\n", "\\r\\n")} got {got.Replace("\r\n", "\\r\\n")}");
        }
    }

    [Fact]
    public void LposRankOfMinusTwoToTheSixtyThreeIsOutOfRange()
    {
        // 7.2 parses RANK within [-LONG_MAX, LONG_MAX] (getRangeLongFromObjectOrReply); 7.0 overflowed.
        using var h = new EngineHarness();
        h.Run(EngineHarness.Command("RPUSH", "p", "a"));
        Assert.Equal("-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
            h.Run(EngineHarness.Command("LPOS", "p", "a", "RANK", "-9223372036854775808")));
        Assert.Equal("$-1\r\n", h.Run(EngineHarness.Command("LPOS", "p", "a", "RANK", "-9223372036854775807")));
        Assert.Equal(":0\r\n", h.Run(EngineHarness.Command("LPOS", "p", "a", "RANK", "-1")));
    }

    [Fact]
    public void LposCountCollectsMoreMatchesThanTheStackBuffer()
    {
        using var h = new EngineHarness();
        var args = new List<string> { "RPUSH", "p" };
        for (int i = 0; i < 100; i++) args.Add(i % 3 == 0 ? "x" : "y");
        h.Run(EngineHarness.Command(args.ToArray()));
        var expected = new StringBuilder("*34\r\n");
        for (int i = 0; i < 100; i += 3) expected.Append(':').Append(i).Append("\r\n");
        Assert.Equal(expected.ToString(), h.Run(EngineHarness.Command("LPOS", "p", "x", "COUNT", "0")));
    }

    static string KeyOn(ServerState s, int shard, string prefix)
    {
        for (int i = 0; ; i++)
        {
            string k = prefix + i;
            if (s.ShardOf(Encoding.ASCII.GetBytes(k)).Id == shard) return k;
        }
    }

    /// <summary>Runs a command on a two-shard harness, delivering messages until the reply is complete.</summary>
    static string RunPumped(EngineHarness h, params string[] args)
    {
        h.Session.Feed(EngineHarness.Command(args));
        for (int i = 0; i < 100 && h.Session.Waiting; i++)
            foreach (var s in h.Server.Shards) s.Mailbox.Drain(s);
        Assert.False(h.Session.Waiting);
        string reply = Encoding.UTF8.GetString(h.Session.Output.ToArray());
        h.Session.Output.Clear();
        return reply;
    }

    [Fact]
    public void MovesAndMultiPopsWorkAcrossShards()
    {
        using var h = new EngineHarness(shards: 2);
        string a = KeyOn(h.Server, 0, "a"), b = KeyOn(h.Server, 1, "b"), s = KeyOn(h.Server, 1, "s");
        Assert.Equal(":3\r\n", RunPumped(h, "RPUSH", a, "1", "two", "3"));
        Assert.Equal("+OK\r\n", RunPumped(h, "SET", s, "str"));
        Assert.Equal("$1\r\n3\r\n", RunPumped(h, "RPOPLPUSH", a, b));
        Assert.Equal("$1\r\n1\r\n", RunPumped(h, "LMOVE", a, b, "LEFT", "RIGHT"));
        Assert.Equal("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", RunPumped(h, "LMOVE", a, s, "LEFT", "RIGHT"));
        Assert.Equal("*2\r\n$1\r\n3\r\n$1\r\n1\r\n", RunPumped(h, "LRANGE", b, "0", "-1"));
        Assert.Equal("*1\r\n$3\r\ntwo\r\n", RunPumped(h, "LRANGE", a, "0", "-1"));
        // The source empties: it is deleted on its own shard.
        Assert.Equal("$3\r\ntwo\r\n", RunPumped(h, "LMOVE", a, b, "RIGHT", "LEFT"));
        Assert.Equal(":0\r\n", RunPumped(h, "EXISTS", a));
        Assert.Equal("*2\r\n$" + b.Length + "\r\n" + b + "\r\n*2\r\n$1\r\n1\r\n$1\r\n3\r\n",
            RunPumped(h, "LMPOP", "2", a, b, "RIGHT", "COUNT", "2"));
        Assert.Equal("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", RunPumped(h, "LMPOP", "2", a, s, "LEFT"));
        Assert.Equal("*1\r\n$3\r\ntwo\r\n", RunPumped(h, "LRANGE", b, "0", "-1"));
        Assert.Equal("$8\r\nlistpack\r\n", RunPumped(h, "OBJECT", "ENCODING", b));
    }

    static byte[] ListRound(int keys)
    {
        var parts = new List<byte[]>();
        string medium = new string('m', 300);
        for (int i = 0; i < keys; i++)
        {
            string k = "list-" + i, d = "dest-" + i;
            parts.Add(EngineHarness.Command("RPUSH", k, "a", "1", "hello", medium));
            parts.Add(EngineHarness.Command("LPUSH", k, "-42"));
            parts.Add(EngineHarness.Command("LRANGE", k, "0", "-1"));
            parts.Add(EngineHarness.Command("LINDEX", k, "-1"));
            parts.Add(EngineHarness.Command("LLEN", k));
            parts.Add(EngineHarness.Command("LPOS", k, "hello"));
            parts.Add(EngineHarness.Command("LPOS", k, "a", "COUNT", "0"));
            parts.Add(EngineHarness.Command("LINSERT", k, "BEFORE", "hello", "y"));
            parts.Add(EngineHarness.Command("LSET", k, "0", "z"));
            parts.Add(EngineHarness.Command("LREM", k, "1", "y"));
            parts.Add(EngineHarness.Command("LMOVE", k, k, "LEFT", "RIGHT"));
            parts.Add(EngineHarness.Command("RPOPLPUSH", k, d));
            parts.Add(EngineHarness.Command("LMOVE", k, d, "RIGHT", "LEFT"));
            parts.Add(EngineHarness.Command("LPOP", k, "1"));
            parts.Add(EngineHarness.Command("RPOP", k));
            parts.Add(EngineHarness.Command("LMPOP", "2", "missing", d, "LEFT", "COUNT", "1"));
            parts.Add(EngineHarness.Command("LTRIM", k, "0", "9"));
            parts.Add(EngineHarness.Command("LTRIM", d, "0", "3"));
        }
        int len = 0;
        foreach (var p in parts) len += p.Length;
        var all = new byte[len];
        int o = 0;
        foreach (var p in parts) { p.CopyTo(all, o); o += p.Length; }
        return all;
    }

    [Fact]
    public void SteadyListLoop_AllocatesNothing()
    {
        using var h = new EngineHarness(slowlog: false);
        byte[] round = ListRound(50);
        // Warm up: tiered JIT, pools and buffers at their steady size, lists at their steady length.
        for (int i = 0; i < 300; i++)
        {
            h.Session.Feed(round);
            h.Session.Output.Clear();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 300; i++)
        {
            h.Session.Feed(round);
            h.Session.Output.Clear();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(":10\r\n", h.Run(EngineHarness.Command("LLEN", "list-0")));
        Assert.Equal(":4\r\n", h.Run(EngineHarness.Command("LLEN", "dest-0")));
    }
}
