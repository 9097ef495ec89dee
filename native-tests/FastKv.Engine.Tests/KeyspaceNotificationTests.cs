using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// Keyspace notifications per command family: each test sets notify-keyspace-events, runs a command stream on a
/// one-shard engine and compares what the shard published (captured by the <see cref="KeyEvents.Sink"/> seam)
/// with the (channel, message) sequence redis-server 7.0.15 sends a <c>PSUBSCRIBE __key*__:*</c> client for the
/// same stream. The expected lists were recorded from the oracle (FLUSHALL, CONFIG SET, then the commands on
/// one connection).
/// </summary>
public class KeyspaceNotificationTests
{
    /// <summary>Splits a command line at spaces; <c>""</c> is an empty argument.</summary>
    static string[] Split(string line)
    {
        var args = new List<string>();
        foreach (var part in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            args.Add(part == "\"\"" ? "" : part);
        return args.ToArray();
    }

    static List<string> Capture(EngineHarness h)
    {
        var seen = new List<string>();
        h.Server.Shards[0].Events.Sink = (ch, msg) => seen.Add(Encoding.UTF8.GetString(ch) + "|" + Encoding.UTF8.GetString(msg));
        return seen;
    }

    static void Check(string flags, string[] commands, string[] expected)
    {
        using var h = new EngineHarness();
        var seen = Capture(h);
        Assert.Equal("+OK\r\n", h.Run(EngineHarness.Command("CONFIG", "SET", "notify-keyspace-events", flags)));
        foreach (var line in commands) h.Run(EngineHarness.Command(Split(line)));
        Assert.Equal(expected, seen.ToArray());
    }

    [Fact]
    public void StringFamily() => Check("KEA", new[]
    {
        "set a 1 ex 100",
        "set a 2 keepttl",
        "set a 3 get",
        "set a 3 xx px 500000",
        "set b 1 nx",
        "set b 1 nx",
        "getset a 5",
        "getset q 1",
        "getdel a",
        "getdel a",
        "setex a 100 1",
        "psetex a 100000 1",
        "getex a",
        "getex a persist",
        "getex a persist",
        "getex a ex 100",
        "getex a pxat 1",
        "mset a 1 b 2",
        "msetnx a 1 c 2",
        "msetnx c 1 d 2",
        "set x 1 get nx",
        "setnx x 2",
        "setnx y 2",
        "incr n",
        "decr n",
        "decrby n 2",
        "incrby n 5",
        "incrbyfloat n 1.5",
        "incrbyfloat n x",
        "append s x",
        "append s \"\"",
        "setrange t 0 \"\"",
        "setrange s 0 \"\"",
        "setrange s 3 yy",
        "setrange u 2 y",
        "lpush l a",
        "set l v",
        "getrange s 0 -1",
    }, new[]
    {
        "__keyspace@0__:a|set",
        "__keyevent@0__:set|a",
        "__keyspace@0__:a|expire",
        "__keyevent@0__:expire|a",
        "__keyspace@0__:a|set",
        "__keyevent@0__:set|a",
        "__keyspace@0__:a|set",
        "__keyevent@0__:set|a",
        "__keyspace@0__:a|set",
        "__keyevent@0__:set|a",
        "__keyspace@0__:a|expire",
        "__keyevent@0__:expire|a",
        "__keyspace@0__:b|set",
        "__keyevent@0__:set|b",
        "__keyspace@0__:a|set",
        "__keyevent@0__:set|a",
        "__keyspace@0__:q|set",
        "__keyevent@0__:set|q",
        "__keyspace@0__:a|del",
        "__keyevent@0__:del|a",
        "__keyspace@0__:a|set",
        "__keyevent@0__:set|a",
        "__keyspace@0__:a|expire",
        "__keyevent@0__:expire|a",
        "__keyspace@0__:a|set",
        "__keyevent@0__:set|a",
        "__keyspace@0__:a|expire",
        "__keyevent@0__:expire|a",
        "__keyspace@0__:a|persist",
        "__keyevent@0__:persist|a",
        "__keyspace@0__:a|expire",
        "__keyevent@0__:expire|a",
        "__keyspace@0__:a|del",
        "__keyevent@0__:del|a",
        "__keyspace@0__:a|set",
        "__keyevent@0__:set|a",
        "__keyspace@0__:b|set",
        "__keyevent@0__:set|b",
        "__keyspace@0__:c|set",
        "__keyevent@0__:set|c",
        "__keyspace@0__:d|set",
        "__keyevent@0__:set|d",
        "__keyspace@0__:x|set",
        "__keyevent@0__:set|x",
        "__keyspace@0__:y|set",
        "__keyevent@0__:set|y",
        "__keyspace@0__:n|incrby",
        "__keyevent@0__:incrby|n",
        "__keyspace@0__:n|incrby",
        "__keyevent@0__:incrby|n",
        "__keyspace@0__:n|incrby",
        "__keyevent@0__:incrby|n",
        "__keyspace@0__:n|incrby",
        "__keyevent@0__:incrby|n",
        "__keyspace@0__:n|incrbyfloat",
        "__keyevent@0__:incrbyfloat|n",
        "__keyspace@0__:s|append",
        "__keyevent@0__:append|s",
        "__keyspace@0__:s|append",
        "__keyevent@0__:append|s",
        "__keyspace@0__:s|setrange",
        "__keyevent@0__:setrange|s",
        "__keyspace@0__:u|setrange",
        "__keyevent@0__:setrange|u",
        "__keyspace@0__:l|lpush",
        "__keyevent@0__:lpush|l",
        "__keyspace@0__:l|set",
        "__keyevent@0__:set|l",
    });

    [Fact]
    public void KeyspaceFamily() => Check("KEA", new[]
    {
        "set a 1",
        "set b 2",
        "rename a b",
        "rename b b",
        "renamenx b b",
        "set c 1",
        "renamenx b c",
        "renamenx b d",
        "copy d c replace",
        "copy d e db 2",
        "copy d c",
        "expire d 100",
        "expire d 100 nx",
        "pexpireat d 1",
        "set f 1",
        "persist f",
        "expire f 100",
        "persist f",
        "expire f -5",
        "unlink c e q",
        "set g 1",
        "del g g h",
        "set m 1",
        "move m 1",
        "move m 1",
        "rename nope x",
        "hset h f v",
        "rename h h2",
        "expire h2 100 gt",
        "pexpire h2 50000 lt",
        "expireat h2 1",
    }, new[]
    {
        "__keyspace@0__:a|set",
        "__keyevent@0__:set|a",
        "__keyspace@0__:b|set",
        "__keyevent@0__:set|b",
        "__keyspace@0__:a|rename_from",
        "__keyevent@0__:rename_from|a",
        "__keyspace@0__:b|rename_to",
        "__keyevent@0__:rename_to|b",
        "__keyspace@0__:c|set",
        "__keyevent@0__:set|c",
        "__keyspace@0__:b|rename_from",
        "__keyevent@0__:rename_from|b",
        "__keyspace@0__:d|rename_to",
        "__keyevent@0__:rename_to|d",
        "__keyspace@0__:c|copy_to",
        "__keyevent@0__:copy_to|c",
        "__keyspace@2__:e|copy_to",
        "__keyevent@2__:copy_to|e",
        "__keyspace@0__:d|expire",
        "__keyevent@0__:expire|d",
        "__keyspace@0__:d|del",
        "__keyevent@0__:del|d",
        "__keyspace@0__:f|set",
        "__keyevent@0__:set|f",
        "__keyspace@0__:f|expire",
        "__keyevent@0__:expire|f",
        "__keyspace@0__:f|persist",
        "__keyevent@0__:persist|f",
        "__keyspace@0__:f|del",
        "__keyevent@0__:del|f",
        "__keyspace@0__:c|del",
        "__keyevent@0__:del|c",
        "__keyspace@0__:g|set",
        "__keyevent@0__:set|g",
        "__keyspace@0__:g|del",
        "__keyevent@0__:del|g",
        "__keyspace@0__:m|set",
        "__keyevent@0__:set|m",
        "__keyspace@0__:m|move_from",
        "__keyevent@0__:move_from|m",
        "__keyspace@1__:m|move_to",
        "__keyevent@1__:move_to|m",
        "__keyspace@0__:h|hset",
        "__keyevent@0__:hset|h",
        "__keyspace@0__:h|rename_from",
        "__keyevent@0__:rename_from|h",
        "__keyspace@0__:h2|rename_to",
        "__keyevent@0__:rename_to|h2",
        "__keyspace@0__:h2|expire",
        "__keyevent@0__:expire|h2",
        "__keyspace@0__:h2|del",
        "__keyevent@0__:del|h2",
    });

    [Fact]
    public void HashFamily() => Check("KEA", new[]
    {
        "hset h a 1",
        "hset h a 1",
        "hmset h b 2",
        "hsetnx h a 3",
        "hsetnx h c 3",
        "hincrby h a 1",
        "hincrbyfloat h a 1.5",
        "hdel h zz",
        "hdel h a b",
        "hdel h c zz",
        "hincrby h2 x 1",
        "hdel h2 x y",
        "hdel nope x",
        "hincrby h3 f x",
        "hget h3 f",
    }, new[]
    {
        "__keyspace@0__:h|hset",
        "__keyevent@0__:hset|h",
        "__keyspace@0__:h|hset",
        "__keyevent@0__:hset|h",
        "__keyspace@0__:h|hset",
        "__keyevent@0__:hset|h",
        "__keyspace@0__:h|hset",
        "__keyevent@0__:hset|h",
        "__keyspace@0__:h|hincrby",
        "__keyevent@0__:hincrby|h",
        "__keyspace@0__:h|hincrbyfloat",
        "__keyevent@0__:hincrbyfloat|h",
        "__keyspace@0__:h|hdel",
        "__keyevent@0__:hdel|h",
        "__keyspace@0__:h|hdel",
        "__keyevent@0__:hdel|h",
        "__keyspace@0__:h|del",
        "__keyevent@0__:del|h",
        "__keyspace@0__:h2|hincrby",
        "__keyevent@0__:hincrby|h2",
        "__keyspace@0__:h2|hdel",
        "__keyevent@0__:hdel|h2",
        "__keyspace@0__:h2|del",
        "__keyevent@0__:del|h2",
    });

    [Fact]
    public void ListFamily() => Check("KEA", new[]
    {
        "rpush l a b c d",
        "lpushx zz a",
        "lpushx l z",
        "rpushx l y",
        "linsert l before a q",
        "linsert l before nope q",
        "lset l 0 w",
        "lset l 99 w",
        "lrem l 0 nope",
        "lrem l 1 w",
        "ltrim l 0 -1",
        "ltrim l 1 -1",
        "lpop l",
        "rpop l 2",
        "lpop l 0",
        "lmove l m left right",
        "rpoplpush m m",
        "lmove l l left left",
        "lmpop 2 q l right count 5",
        "ltrim m 5 6",
        "rpush n 1",
        "lrem n 0 1",
        "lpop nn 2",
        "rpush o 1 2",
        "lmove o p right left",
        "lmove o p right left",
        "lpush q 1",
        "lpop q 5",
    }, new[]
    {
        "__keyspace@0__:l|rpush",
        "__keyevent@0__:rpush|l",
        "__keyspace@0__:l|lpush",
        "__keyevent@0__:lpush|l",
        "__keyspace@0__:l|rpush",
        "__keyevent@0__:rpush|l",
        "__keyspace@0__:l|linsert",
        "__keyevent@0__:linsert|l",
        "__keyspace@0__:l|lset",
        "__keyevent@0__:lset|l",
        "__keyspace@0__:l|lrem",
        "__keyevent@0__:lrem|l",
        "__keyspace@0__:l|ltrim",
        "__keyevent@0__:ltrim|l",
        "__keyspace@0__:l|ltrim",
        "__keyevent@0__:ltrim|l",
        "__keyspace@0__:l|lpop",
        "__keyevent@0__:lpop|l",
        "__keyspace@0__:l|rpop",
        "__keyevent@0__:rpop|l",
        "__keyspace@0__:m|rpush",
        "__keyevent@0__:rpush|m",
        "__keyspace@0__:l|lpop",
        "__keyevent@0__:lpop|l",
        "__keyspace@0__:m|lpush",
        "__keyevent@0__:lpush|m",
        "__keyspace@0__:m|rpop",
        "__keyevent@0__:rpop|m",
        "__keyspace@0__:l|lpush",
        "__keyevent@0__:lpush|l",
        "__keyspace@0__:l|lpop",
        "__keyevent@0__:lpop|l",
        "__keyspace@0__:l|rpop",
        "__keyevent@0__:rpop|l",
        "__keyspace@0__:l|del",
        "__keyevent@0__:del|l",
        "__keyspace@0__:m|ltrim",
        "__keyevent@0__:ltrim|m",
        "__keyspace@0__:m|del",
        "__keyevent@0__:del|m",
        "__keyspace@0__:n|rpush",
        "__keyevent@0__:rpush|n",
        "__keyspace@0__:n|lrem",
        "__keyevent@0__:lrem|n",
        "__keyspace@0__:n|del",
        "__keyevent@0__:del|n",
        "__keyspace@0__:o|rpush",
        "__keyevent@0__:rpush|o",
        "__keyspace@0__:p|lpush",
        "__keyevent@0__:lpush|p",
        "__keyspace@0__:o|rpop",
        "__keyevent@0__:rpop|o",
        "__keyspace@0__:p|lpush",
        "__keyevent@0__:lpush|p",
        "__keyspace@0__:o|rpop",
        "__keyevent@0__:rpop|o",
        "__keyspace@0__:o|del",
        "__keyevent@0__:del|o",
        "__keyspace@0__:q|lpush",
        "__keyevent@0__:lpush|q",
        "__keyspace@0__:q|lpop",
        "__keyevent@0__:lpop|q",
        "__keyspace@0__:q|del",
        "__keyevent@0__:del|q",
    });

    [Fact]
    public void SetFamily() => Check("KEA", new[]
    {
        "sadd s a b",
        "sadd s a",
        "srem s zz",
        "srem s a",
        "sadd t x",
        "smove s t b",
        "smove t t x",
        "smove t u x",
        "sadd p 1 2 3 4",
        "spop p",
        "spop p 0",
        "spop p 2",
        "spop p 5",
        "sadd a 1 2",
        "sadd b 3",
        "sinterstore d a b",
        "sinterstore a a b",
        "sunionstore d b b",
        "sdiffstore d b b",
        "sinterstore q zz",
        "sunionstore q b",
        "spop nope",
        "sadd w 1",
        "srem w 1",
        "sadd x 1",
        "sadd y 1",
        "sinterstore x x y",
        "sadd big 1 2 3 4 5 6 7 8 9 10",
        "spop big 9",
        "smove u t x",
        "smove u t zz",
    }, new[]
    {
        "__keyspace@0__:s|sadd",
        "__keyevent@0__:sadd|s",
        "__keyspace@0__:s|srem",
        "__keyevent@0__:srem|s",
        "__keyspace@0__:t|sadd",
        "__keyevent@0__:sadd|t",
        "__keyspace@0__:s|srem",
        "__keyevent@0__:srem|s",
        "__keyspace@0__:s|del",
        "__keyevent@0__:del|s",
        "__keyspace@0__:t|sadd",
        "__keyevent@0__:sadd|t",
        "__keyspace@0__:t|srem",
        "__keyevent@0__:srem|t",
        "__keyspace@0__:u|sadd",
        "__keyevent@0__:sadd|u",
        "__keyspace@0__:p|sadd",
        "__keyevent@0__:sadd|p",
        "__keyspace@0__:p|spop",
        "__keyevent@0__:spop|p",
        "__keyspace@0__:p|spop",
        "__keyevent@0__:spop|p",
        "__keyspace@0__:p|spop",
        "__keyevent@0__:spop|p",
        "__keyspace@0__:p|del",
        "__keyevent@0__:del|p",
        "__keyspace@0__:a|sadd",
        "__keyevent@0__:sadd|a",
        "__keyspace@0__:b|sadd",
        "__keyevent@0__:sadd|b",
        "__keyspace@0__:a|del",
        "__keyevent@0__:del|a",
        "__keyspace@0__:d|sunionstore",
        "__keyevent@0__:sunionstore|d",
        "__keyspace@0__:d|del",
        "__keyevent@0__:del|d",
        "__keyspace@0__:q|sunionstore",
        "__keyevent@0__:sunionstore|q",
        "__keyspace@0__:w|sadd",
        "__keyevent@0__:sadd|w",
        "__keyspace@0__:w|srem",
        "__keyevent@0__:srem|w",
        "__keyspace@0__:w|del",
        "__keyevent@0__:del|w",
        "__keyspace@0__:x|sadd",
        "__keyevent@0__:sadd|x",
        "__keyspace@0__:y|sadd",
        "__keyevent@0__:sadd|y",
        "__keyspace@0__:x|sinterstore",
        "__keyevent@0__:sinterstore|x",
        "__keyspace@0__:big|sadd",
        "__keyevent@0__:sadd|big",
        "__keyspace@0__:big|spop",
        "__keyevent@0__:spop|big",
        "__keyspace@0__:u|srem",
        "__keyevent@0__:srem|u",
        "__keyspace@0__:u|del",
        "__keyevent@0__:del|u",
        "__keyspace@0__:t|sadd",
        "__keyevent@0__:sadd|t",
    });

    [Fact]
    public void ZSetFamily() => Check("KEA", new[]
    {
        "zadd z 1 a 2 b",
        "zadd z 1 a",
        "zadd z ch 5 a",
        "zadd z xx 1 q",
        "zadd y xx 1 q",
        "zadd z nx 9 a",
        "zadd z incr 1 a",
        "zincrby z 1 b",
        "zadd z incr nx 1 a",
        "zrem z nope",
        "zrem z a",
        "zadd z 3 c 4 d",
        "zpopmin z 0",
        "zpopmin z",
        "zpopmax z 5",
        "zadd w 1 a 2 b 3 c",
        "zremrangebyrank w 5 6",
        "zremrangebyrank w 0 0",
        "zremrangebyscore w 9 9",
        "zremrangebyscore w 2 2",
        "zremrangebylex w - +",
        "zadd v 1 a 2 b",
        "zrangestore v2 v 0 -1",
        "zrangestore v2 v 5 6",
        "zmpop 1 v max",
        "zpopmin nope",
        "zadd m 1 a",
        "zunionstore m2 2 m v",
        "zinterstore m2 2 m v",
        "zdiffstore m3 1 m",
        "zdiffstore m3 1 nope",
        "zadd gt gt 5 a",
        "zadd gt gt 1 a",
        "zadd gt lt 1 a",
        "zrem m a",
    }, new[]
    {
        "__keyspace@0__:z|zadd",
        "__keyevent@0__:zadd|z",
        "__keyspace@0__:z|zadd",
        "__keyevent@0__:zadd|z",
        "__keyspace@0__:z|zincr",
        "__keyevent@0__:zincr|z",
        "__keyspace@0__:z|zincr",
        "__keyevent@0__:zincr|z",
        "__keyspace@0__:z|zrem",
        "__keyevent@0__:zrem|z",
        "__keyspace@0__:z|zadd",
        "__keyevent@0__:zadd|z",
        "__keyspace@0__:z|zpopmin",
        "__keyevent@0__:zpopmin|z",
        "__keyspace@0__:z|zpopmax",
        "__keyevent@0__:zpopmax|z",
        "__keyspace@0__:z|del",
        "__keyevent@0__:del|z",
        "__keyspace@0__:w|zadd",
        "__keyevent@0__:zadd|w",
        "__keyspace@0__:w|zremrangebyrank",
        "__keyevent@0__:zremrangebyrank|w",
        "__keyspace@0__:w|zremrangebyscore",
        "__keyevent@0__:zremrangebyscore|w",
        "__keyspace@0__:w|zremrangebylex",
        "__keyevent@0__:zremrangebylex|w",
        "__keyspace@0__:w|del",
        "__keyevent@0__:del|w",
        "__keyspace@0__:v|zadd",
        "__keyevent@0__:zadd|v",
        "__keyspace@0__:v2|zrangestore",
        "__keyevent@0__:zrangestore|v2",
        "__keyspace@0__:v2|del",
        "__keyevent@0__:del|v2",
        "__keyspace@0__:v|zpopmax",
        "__keyevent@0__:zpopmax|v",
        "__keyspace@0__:m|zadd",
        "__keyevent@0__:zadd|m",
        "__keyspace@0__:m2|zunionstore",
        "__keyevent@0__:zunionstore|m2",
        "__keyspace@0__:m2|zinterstore",
        "__keyevent@0__:zinterstore|m2",
        "__keyspace@0__:m3|zdiffstore",
        "__keyevent@0__:zdiffstore|m3",
        "__keyspace@0__:m3|del",
        "__keyevent@0__:del|m3",
        "__keyspace@0__:gt|zadd",
        "__keyevent@0__:zadd|gt",
        "__keyspace@0__:gt|zadd",
        "__keyevent@0__:zadd|gt",
        "__keyspace@0__:m|zrem",
        "__keyevent@0__:zrem|m",
        "__keyspace@0__:m|del",
        "__keyevent@0__:del|m",
    });

    [Fact]
    public void SortFamily() => Check("KEA", new[]
    {
        "rpush l 3 1 2",
        "sort l store l",
        "sort l store z",
        "sort nope store z",
        "sort nope store z",
        "sort l",
        "sadd s 2 1",
        "sort s store s2",
        "set w 1",
        "sort l store w",
    }, new[]
    {
        "__keyspace@0__:l|rpush",
        "__keyevent@0__:rpush|l",
        "__keyspace@0__:l|sortstore",
        "__keyevent@0__:sortstore|l",
        "__keyspace@0__:z|sortstore",
        "__keyevent@0__:sortstore|z",
        "__keyspace@0__:z|del",
        "__keyevent@0__:del|z",
        "__keyspace@0__:s|sadd",
        "__keyevent@0__:sadd|s",
        "__keyspace@0__:s2|sortstore",
        "__keyevent@0__:sortstore|s2",
        "__keyspace@0__:w|set",
        "__keyevent@0__:set|w",
        "__keyspace@0__:w|sortstore",
        "__keyevent@0__:sortstore|w",
    });

    [Fact]
    public void ClassFilter() => Check("Kl", new[]
    {
        "set a 1",
        "lpush l x",
        "hset h f v",
        "del a l",
        "rpush l y",
        "expire l 100",
        "rpop l",
    }, new[]
    {
        "__keyspace@0__:l|lpush",
        "__keyspace@0__:l|rpush",
        "__keyspace@0__:l|rpop",
    });

    [Fact]
    public void KeyeventOnly() => Check("Eg$", new[]
    {
        "set a 1",
        "lpush l x",
        "del a l",
        "incr n",
    }, new[]
    {
        "__keyevent@0__:set|a",
        "__keyevent@0__:del|a",
        "__keyevent@0__:del|l",
        "__keyevent@0__:incrby|n",
    });

    [Fact]
    public void NewClass() => Check("KEn", new[]
    {
        "set a 1",
        "set a 2",
        "lpush l x",
        "lpush l y",
        "hset h f v",
        "sadd s a",
        "zadd z 1 a",
        "set a 3",
        "del a",
        "incr n",
        "append ap x",
        "setrange sr 1 x",
    }, new[]
    {
        "__keyspace@0__:a|new",
        "__keyevent@0__:new|a",
        "__keyspace@0__:l|new",
        "__keyevent@0__:new|l",
        "__keyspace@0__:h|new",
        "__keyevent@0__:new|h",
        "__keyspace@0__:s|new",
        "__keyevent@0__:new|s",
        "__keyspace@0__:z|new",
        "__keyevent@0__:new|z",
        "__keyspace@0__:n|new",
        "__keyevent@0__:new|n",
        "__keyspace@0__:ap|new",
        "__keyevent@0__:new|ap",
        "__keyspace@0__:sr|new",
        "__keyevent@0__:new|sr",
    });

    [Fact]
    public void KeymissClass() => Check("KEm", new[]
    {
        "get nope",
        "exists nope",
        "type nope",
        "ttl nope",
        "mget a nope",
        "hget nope f",
        "lrange nope 0 1",
        "llen nope",
        "sismember nope a",
        "zscore nope a",
        "smembers nope",
        "object encoding nope",
        "scard nope",
        "strlen nope",
        "sunion nope nope2",
        "set a 1",
        "get a",
    }, new[]
    {
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:a|keymiss",
        "__keyevent@0__:keymiss|a",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope|keymiss",
        "__keyevent@0__:keymiss|nope",
        "__keyspace@0__:nope2|keymiss",
        "__keyevent@0__:keymiss|nope2",
    });

    [Fact]
    public void NothingWithoutKOrE() => Check("gA$lshz", new[]
    {
        "set a 1",
        "lpush l x",
        "del a l",
    }, Array.Empty<string>());

    [Fact]
    public void OtherDatabase() => Check("KEA", new[]
    {
        "select 3",
        "set a 1",
        "hset h f v",
        "del a",
        "move h 5",
        "select 5",
        "rename h h2",
    }, new[]
    {
        "__keyspace@3__:a|set",
        "__keyevent@3__:set|a",
        "__keyspace@3__:h|hset",
        "__keyevent@3__:hset|h",
        "__keyspace@3__:a|del",
        "__keyevent@3__:del|a",
        "__keyspace@3__:h|move_from",
        "__keyevent@3__:move_from|h",
        "__keyspace@5__:h|move_to",
        "__keyevent@5__:move_to|h",
        "__keyspace@5__:h|rename_from",
        "__keyevent@5__:rename_from|h",
        "__keyspace@5__:h2|rename_to",
        "__keyevent@5__:rename_to|h2",
    });

    [Theory]
    [InlineData("KEA", "AKE")]
    [InlineData("Ex", "xE")]
    [InlineData("AKE", "AKE")]
    [InlineData("gK", "gK")]
    [InlineData("$lshzxet", "$lshzxet")]
    [InlineData("KA", "AK")]
    [InlineData("Egx$", "g$xE")]
    [InlineData("KEAm", "AKEm")]
    [InlineData("KEAn", "AKE")]
    [InlineData("KEAd", "AKE")]
    [InlineData("Kdn", "dnK")]
    [InlineData("Ktdnm", "tdnKm")]
    [InlineData("$lshzxetd", "$lshzxetd")]
    [InlineData("g$lshzxetdn", "A")]
    [InlineData("g$lshzxet", "g$lshzxet")]
    [InlineData("mE", "Em")]
    [InlineData("KElshz$gxet", "g$lshzxetKE")]
    [InlineData("", "")]
    public void ConfigGet_ShowsRedisCanonicalFlags(string set, string shown)
    {
        using var h = new EngineHarness();
        Assert.Equal("+OK\r\n", h.Run(EngineHarness.Command("CONFIG", "SET", "notify-keyspace-events", set)));
        string reply = h.Run(EngineHarness.Command("CONFIG", "GET", "notify-keyspace-events"));
        Assert.Equal("*2\r\n$22\r\nnotify-keyspace-events\r\n$" + shown.Length + "\r\n" + shown + "\r\n", reply);
    }

    [Fact]
    public void ConfigSet_BadLetter_IsRedisError_AndKeepsTheOldValue()
    {
        using var h = new EngineHarness();
        h.Run(EngineHarness.Command("CONFIG", "SET", "notify-keyspace-events", "Kl"));
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n",
            h.Run(EngineHarness.Command("CONFIG", "SET", "notify-keyspace-events", "KEQ")));
        Assert.Equal(NotifyClass.Keyspace | NotifyClass.List, h.Server.Config.NotifyKeyspaceEvents);
        Assert.Equal("*2\r\n$22\r\nnotify-keyspace-events\r\n$2\r\nlK\r\n", h.Run(EngineHarness.Command("CONFIG", "GET", "notify-keyspace-events")));
    }

    [Fact]
    public void Off_PublishesNothing()
    {
        using var h = new EngineHarness();
        var seen = Capture(h);
        h.Run(EngineHarness.Command("SET", "a", "1"));
        h.Run(EngineHarness.Command("DEL", "a"));
        Assert.Empty(seen);
        Assert.False(h.Server.Shards[0].Events.Active);
    }

    /// <summary>Lazy expiry (a lookup) and the active cycle both announce "expired" (class x).</summary>
    [Fact]
    public void Expired_LazyAndActive()
    {
        using var h = new EngineHarness();
        var seen = Capture(h);
        h.Run(EngineHarness.Command("CONFIG", "SET", "notify-keyspace-events", "KEx"));
        // A past absolute time: Redis 7.0 stores the key and it expires on the next access.
        h.Run(EngineHarness.Command("SET", "lazy", "1", "PXAT", "1"));
        h.Run(EngineHarness.Command("SET", "active", "1", "PXAT", "1"));
        Assert.Empty(seen);
        Assert.Equal(":0\r\n", h.Run(EngineHarness.Command("EXISTS", "lazy")));
        Assert.Equal(new[] { "__keyspace@0__:lazy|expired", "__keyevent@0__:expired|lazy" }, seen.ToArray());
        seen.Clear();
        Shard shard = h.Server.Shards[0];
        shard.UpdateClock();
        ExpiryCycle.Run(shard, 100);
        Assert.Equal(new[] { "__keyspace@0__:active|expired", "__keyevent@0__:expired|active" }, seen.ToArray());
    }

    /// <summary>SCAN deletes the expired keys it walks over, announcing each (as redis-server 7.0.15 does).</summary>
    [Fact]
    public void Expired_BySCAN()
    {
        using var h = new EngineHarness();
        var seen = Capture(h);
        h.Run(EngineHarness.Command("CONFIG", "SET", "notify-keyspace-events", "KEA"));
        h.Run(EngineHarness.Command("SET", "k", "v", "PXAT", "1"));
        h.Run(EngineHarness.Command("SCAN", "0"));
        h.Run(EngineHarness.Command("KEYS", "*"));
        Assert.Equal(new[]
        {
            "__keyspace@0__:k|set", "__keyevent@0__:set|k", "__keyspace@0__:k|expire", "__keyevent@0__:expire|k",
            "__keyspace@0__:k|expired", "__keyevent@0__:expired|k",
        }, seen.ToArray());
    }

    /// <summary>A long key does not fit the first scratch buffer: the channel is still built whole.</summary>
    [Fact]
    public void LongKey_ChannelIsWhole()
    {
        using var h = new EngineHarness();
        var seen = Capture(h);
        h.Run(EngineHarness.Command("CONFIG", "SET", "notify-keyspace-events", "KE$"));
        string key = new string('k', 1000);
        h.Run(EngineHarness.Command("SELECT", "12"));
        h.Run(EngineHarness.Command("SET", key, "v"));
        Assert.Equal(new[] { "__keyspace@12__:" + key + "|set", "__keyevent@12__:set|" + key }, seen.ToArray());
    }

    /// <summary>With notifications on, publishing (to a sink that keeps nothing) builds channels without allocating.</summary>
    [Fact]
    public void NotificationsOn_SetGet_AllocatesNothing()
    {
        using var h = new EngineHarness(slowlog: false);
        long published = 0;
        h.Server.Shards[0].Events.Sink = (ch, msg) => published += ch.Length + msg.Length;
        h.Run(EngineHarness.Command("CONFIG", "SET", "notify-keyspace-events", "KEA"));
        var parts = new List<byte>();
        for (int i = 0; i < 100; i++)
        {
            parts.AddRange(EngineHarness.Command("SET", "key-" + i, "value-" + i));
            parts.AddRange(EngineHarness.Command("GET", "key-" + i));
            parts.AddRange(EngineHarness.Command("INCR", "counter-" + (i % 7)));
        }
        byte[] pipeline = parts.ToArray();
        for (int i = 0; i < 300; i++)
        {
            h.Session.Feed(pipeline);
            h.Session.Output.Clear();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 300; i++)
        {
            h.Session.Feed(pipeline);
            h.Session.Output.Clear();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(published > 0);
    }
}
