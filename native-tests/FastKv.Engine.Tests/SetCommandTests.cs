using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// The set commands through the engine: replies, errors and reply shapes as redis-server 7.0.15 gives
/// them (every literal below was checked against it), empty sets deleted, STORE semantics, and the
/// algebra against a model over every encoding.
/// </summary>
public class SetCommandTests
{
    static string R(EngineHarness h, params string[] args) => h.Run(EngineHarness.Command(args));

    const string WrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    [Fact]
    public void SAdd_CountsOnlyNewMembers()
    {
        using var h = new EngineHarness();
        Assert.Equal(":2\r\n", R(h, "SADD", "s", "a", "b", "a"));
        Assert.Equal(":1\r\n", R(h, "SADD", "s", "b", "c"));
        Assert.Equal(":3\r\n", R(h, "SCARD", "s"));
        Assert.Equal("+set\r\n", R(h, "TYPE", "s"));
        Assert.Equal(new[] { "a", "b", "c" }, RespReply.Sorted(R(h, "SMEMBERS", "s")));
        Assert.Equal(":1\r\n", R(h, "SISMEMBER", "s", "b"));
        Assert.Equal(":0\r\n", R(h, "SISMEMBER", "s", "z"));
        Assert.Equal("*3\r\n:1\r\n:0\r\n:1\r\n", R(h, "SMISMEMBER", "s", "a", "z", "c"));
    }

    [Fact]
    public void MissingKey_RepliesAsAnEmptySet()
    {
        using var h = new EngineHarness();
        Assert.Equal("*0\r\n", R(h, "SMEMBERS", "no"));
        Assert.Equal(":0\r\n", R(h, "SISMEMBER", "no", "a"));
        Assert.Equal("*2\r\n:0\r\n:0\r\n", R(h, "SMISMEMBER", "no", "a", "b"));
        Assert.Equal(":0\r\n", R(h, "SCARD", "no"));
        Assert.Equal(":0\r\n", R(h, "SREM", "no", "a"));
        Assert.Equal("$-1\r\n", R(h, "SPOP", "no"));
        Assert.Equal("*0\r\n", R(h, "SPOP", "no", "2"));
        Assert.Equal("$-1\r\n", R(h, "SRANDMEMBER", "no"));
        Assert.Equal("*0\r\n", R(h, "SRANDMEMBER", "no", "2"));
        Assert.Equal("*0\r\n", R(h, "SRANDMEMBER", "no", "0"));
        Assert.Equal("*2\r\n$1\r\n0\r\n*0\r\n", R(h, "SSCAN", "no", "0"));
        // A missing key answers before its options are read.
        Assert.Equal("*2\r\n$1\r\n0\r\n*0\r\n", R(h, "SSCAN", "no", "0", "COUNT", "0"));
        Assert.Equal(":0\r\n", R(h, "SMOVE", "no", "other", "a"));
        Assert.Equal(":0\r\n", R(h, "EXISTS", "other"));
        Assert.Equal("*0\r\n", R(h, "SINTER", "no"));
        Assert.Equal("*0\r\n", R(h, "SUNION", "no"));
        Assert.Equal("*0\r\n", R(h, "SDIFF", "no"));
        Assert.Equal(":0\r\n", R(h, "SINTERCARD", "1", "no"));
    }

    [Fact]
    public void WrongType_EveryCommand()
    {
        using var h = new EngineHarness();
        R(h, "SET", "str", "x");
        R(h, "SADD", "s", "a");
        string[][] commands =
        [
            ["SADD", "str", "a"], ["SREM", "str", "a"], ["SMEMBERS", "str"], ["SISMEMBER", "str", "a"],
            ["SMISMEMBER", "str", "a"], ["SCARD", "str"], ["SPOP", "str"], ["SPOP", "str", "2"],
            ["SRANDMEMBER", "str"], ["SRANDMEMBER", "str", "-2"], ["SMOVE", "str", "s", "a"], ["SMOVE", "s", "str", "a"],
            ["SINTER", "s", "str"], ["SINTERCARD", "2", "s", "str"], ["SUNION", "s", "str"], ["SDIFF", "s", "str"],
            ["SINTERSTORE", "d", "s", "str"], ["SUNIONSTORE", "d", "str"], ["SDIFFSTORE", "d", "s", "str"],
            ["SSCAN", "str", "0"],
            // Every key is type-checked before a missing one ends the command.
            ["SINTER", "no", "str"], ["SUNION", "no", "str"], ["SINTERCARD", "2", "no", "str"], ["SINTERSTORE", "d", "no", "str"],
        ];
        foreach (string[] cmd in commands)
            Assert.True(R(h, cmd) == WrongType, string.Join(' ', cmd));
        // ...but SMOVE from a missing source answers 0 before looking at the destination's type.
        Assert.Equal(":0\r\n", R(h, "SMOVE", "no", "str", "a"));
        // The invalid cursor comes before the type.
        Assert.Equal("-ERR invalid cursor\r\n", R(h, "SSCAN", "str", "abc"));
        Assert.Equal("$1\r\nx\r\n", R(h, "GET", "str"));
        Assert.Equal(":0\r\n", R(h, "EXISTS", "d"));
    }

    [Fact]
    public void Errors_AreRedisText()
    {
        using var h = new EngineHarness();
        R(h, "SADD", "s", "a", "b", "c");
        Assert.Equal("-ERR value is out of range, must be positive\r\n", R(h, "SPOP", "s", "-1"));
        Assert.Equal("-ERR value is out of range, must be positive\r\n", R(h, "SPOP", "s", "abc"));
        Assert.Equal("-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
            R(h, "SRANDMEMBER", "s", "-9223372036854775808"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", R(h, "SRANDMEMBER", "s", "abc"));
        Assert.Equal("-ERR syntax error\r\n", R(h, "SPOP", "s", "1", "2"));
        Assert.Equal("-ERR syntax error\r\n", R(h, "SRANDMEMBER", "s", "1", "2"));
        Assert.Equal("-ERR numkeys should be greater than 0\r\n", R(h, "SINTERCARD", "0", "s"));
        Assert.Equal("-ERR numkeys should be greater than 0\r\n", R(h, "SINTERCARD", "-1", "s"));
        Assert.Equal("-ERR numkeys should be greater than 0\r\n", R(h, "SINTERCARD", "abc", "s"));
        Assert.Equal("-ERR Number of keys can't be greater than number of args\r\n", R(h, "SINTERCARD", "3", "s"));
        Assert.Equal("-ERR LIMIT can't be negative\r\n", R(h, "SINTERCARD", "1", "s", "LIMIT", "-1"));
        Assert.Equal("-ERR LIMIT can't be negative\r\n", R(h, "SINTERCARD", "1", "s", "limit", "abc"));
        Assert.Equal("-ERR syntax error\r\n", R(h, "SINTERCARD", "1", "s", "LIMIT"));
        Assert.Equal("-ERR syntax error\r\n", R(h, "SINTERCARD", "1", "s", "foo", "1"));
        Assert.Equal("-ERR invalid cursor\r\n", R(h, "SSCAN", "s", "abc"));
        Assert.Equal("-ERR invalid cursor\r\n", R(h, "SSCAN", "s", "18446744073709551616"));
        Assert.Equal("-ERR syntax error\r\n", R(h, "SSCAN", "s", "0", "COUNT", "0"));
        Assert.Equal("-ERR syntax error\r\n", R(h, "SSCAN", "s", "0", "COUNT", "-1"));
        Assert.Equal("-ERR syntax error\r\n", R(h, "SSCAN", "s", "0", "MATCH"));
        Assert.Equal("-ERR syntax error\r\n", R(h, "SSCAN", "s", "0", "TYPE", "string"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", R(h, "SSCAN", "s", "0", "COUNT", "x"));
        foreach (var (name, args) in new[] { ("sadd", 1), ("srem", 1), ("sismember", 1), ("smismember", 1), ("scard", 0),
                     ("spop", 0), ("srandmember", 0), ("smove", 2), ("sinter", 0), ("sintercard", 1), ("sunion", 0),
                     ("sdiff", 0), ("sinterstore", 1), ("sunionstore", 1), ("sdiffstore", 1), ("sscan", 1), ("smembers", 0) })
        {
            var cmd = new List<string> { name.ToUpperInvariant() };
            for (int i = 0; i < args; i++) cmd.Add("k" + i);
            Assert.Equal($"-ERR wrong number of arguments for '{name}' command\r\n", R(h, cmd.ToArray()));
        }
        Assert.Equal(":3\r\n", R(h, "SCARD", "s"));
        Assert.Equal(":1\r\n", R(h, "SINTERCARD", "1", "s", "LIMIT", "1"));
        Assert.Equal(":2\r\n", R(h, "SINTERCARD", "1", "s", "LIMIT", "0", "LIMIT", "2"));
        Assert.Equal(":3\r\n", R(h, "SINTERCARD", "1", "s", "LIMIT", "0"));
    }

    [Fact]
    public void Resp3_SetRepliesAreSets_RandomWithCountIsAnArray()
    {
        using var h = new EngineHarness();
        R(h, "HELLO", "3");
        R(h, "SADD", "s", "a", "b", "c");
        Assert.StartsWith("~3\r\n", R(h, "SMEMBERS", "s"));
        Assert.StartsWith("~3\r\n", R(h, "SINTER", "s"));
        Assert.StartsWith("~3\r\n", R(h, "SUNION", "s", "no"));
        Assert.StartsWith("~3\r\n", R(h, "SDIFF", "s", "no"));
        Assert.Equal("~0\r\n", R(h, "SMEMBERS", "no"));
        Assert.Equal("~0\r\n", R(h, "SINTER", "s", "no"));
        Assert.Equal("~0\r\n", R(h, "SPOP", "s", "0"));
        Assert.Equal("~0\r\n", R(h, "SPOP", "no", "2"));
        Assert.Equal("_\r\n", R(h, "SPOP", "no"));
        Assert.Equal("_\r\n", R(h, "SRANDMEMBER", "no"));
        Assert.Equal("*0\r\n", R(h, "SRANDMEMBER", "no", "3"));
        Assert.StartsWith("*3\r\n", R(h, "SRANDMEMBER", "s", "5"));
        Assert.StartsWith("*2\r\n", R(h, "SRANDMEMBER", "s", "2"));
        Assert.StartsWith("*5\r\n", R(h, "SRANDMEMBER", "s", "-5"));
        Assert.Equal("*2\r\n:1\r\n:0\r\n", R(h, "SMISMEMBER", "s", "a", "z"));
        Assert.StartsWith("*2\r\n$1\r\n0\r\n*3\r\n", R(h, "SSCAN", "s", "0"));
        Assert.StartsWith("~2\r\n", R(h, "SPOP", "s", "2"));
        Assert.StartsWith("~1\r\n", R(h, "SPOP", "s", "5"));
        Assert.Equal(":0\r\n", R(h, "EXISTS", "s"));
    }

    [Fact]
    public void EmptiedSets_AreDeleted()
    {
        using var h = new EngineHarness();
        R(h, "SADD", "s", "a", "b");
        // SREM stops counting at the member that empties the set.
        Assert.Equal(":2\r\n", R(h, "SREM", "s", "a", "x", "b", "a"));
        Assert.Equal(":0\r\n", R(h, "EXISTS", "s"));

        R(h, "SADD", "s", "1");
        Assert.Equal("$1\r\n1\r\n", R(h, "SPOP", "s"));
        Assert.Equal(":0\r\n", R(h, "EXISTS", "s"));

        R(h, "SADD", "s", "1", "2", "x");
        Assert.Equal(new[] { "1", "2", "x" }, RespReply.Sorted(R(h, "SPOP", "s", "3")));
        Assert.Equal(":0\r\n", R(h, "EXISTS", "s"));

        R(h, "SADD", "s", "m");
        Assert.Equal(":1\r\n", R(h, "SMOVE", "s", "t", "m"));
        Assert.Equal(":0\r\n", R(h, "EXISTS", "s"));
        Assert.Equal("*1\r\n$1\r\nm\r\n", R(h, "SMEMBERS", "t"));

        R(h, "SADD", "a", "1");
        R(h, "SADD", "b", "2");
        foreach (string store in new[] { "SINTERSTORE", "SDIFFSTORE" })
        {
            R(h, "SET", "d", "x");
            Assert.Equal(":0\r\n", R(h, store, "d", "a", "b", "a"));
            Assert.Equal(":0\r\n", R(h, "EXISTS", "d"));
        }
        R(h, "SET", "d", "x");
        Assert.Equal(":0\r\n", R(h, "SUNIONSTORE", "d", "no1", "no2"));
        Assert.Equal(":0\r\n", R(h, "EXISTS", "d"));
        Assert.Equal(":0\r\n", R(h, "SINTERSTORE", "a", "a", "b"));
        Assert.Equal(":0\r\n", R(h, "EXISTS", "a"));
    }

    [Fact]
    public void SMove_Semantics()
    {
        using var h = new EngineHarness();
        R(h, "SADD", "s", "a", "b");
        Assert.Equal(":1\r\n", R(h, "SMOVE", "s", "s", "a"));
        Assert.Equal(":0\r\n", R(h, "SMOVE", "s", "s", "z"));
        Assert.Equal(":2\r\n", R(h, "SCARD", "s"));
        Assert.Equal(":0\r\n", R(h, "SMOVE", "s", "t", "z"));
        Assert.Equal(":0\r\n", R(h, "EXISTS", "t"));
        R(h, "SADD", "t", "a");
        // Already in the destination: still 1, and it leaves the source.
        Assert.Equal(":1\r\n", R(h, "SMOVE", "s", "t", "a"));
        Assert.Equal("*1\r\n$1\r\nb\r\n", R(h, "SMEMBERS", "s"));
        Assert.Equal("*1\r\n$1\r\na\r\n", R(h, "SMEMBERS", "t"));
        R(h, "SADD", "n", "5", "x");
        Assert.Equal(":1\r\n", R(h, "SMOVE", "n", "fresh", "5"));
        Assert.Equal("$6\r\nintset\r\n", R(h, "OBJECT", "ENCODING", "fresh"));
        Assert.Equal(":1\r\n", R(h, "SMOVE", "n", "fresh2", "x"));
        Assert.Equal("$8\r\nlistpack\r\n", R(h, "OBJECT", "ENCODING", "fresh2"));
        Assert.Equal(":0\r\n", R(h, "EXISTS", "n"));
    }

    [Fact]
    public void Stores_ReplaceAnyDestination_AndDropItsExpiry()
    {
        using var h = new EngineHarness();
        R(h, "SET", "d", "x");
        R(h, "EXPIRE", "d", "100");
        R(h, "SADD", "a", "5");
        Assert.Equal(":1\r\n", R(h, "SUNIONSTORE", "d", "a"));
        Assert.Equal(":-1\r\n", R(h, "TTL", "d"));
        Assert.Equal("+set\r\n", R(h, "TYPE", "d"));
        // A destination that is also a source.
        R(h, "SADD", "b", "5", "6");
        Assert.Equal(":2\r\n", R(h, "SUNIONSTORE", "a", "a", "b"));
        Assert.Equal(new[] { "5", "6" }, RespReply.Sorted(R(h, "SMEMBERS", "a")));
        Assert.Equal(":1\r\n", R(h, "SDIFFSTORE", "b", "b", "d", "no"));
        Assert.Equal("*1\r\n$1\r\n6\r\n", R(h, "SMEMBERS", "b"));
        Assert.Equal(":2\r\n", R(h, "SDIFFSTORE", "t", "a"));
        Assert.Equal(":1\r\n", R(h, "SINTERSTORE", "a", "a", "b"));
        Assert.Equal("*1\r\n$1\r\n6\r\n", R(h, "SMEMBERS", "a"));
    }

    [Fact]
    public void SPopWithCount_KeepsTheKeysExpiry()
    {
        using var h = new EngineHarness();
        foreach (string[] members in new[] { new[] { "1", "2", "3" }, Enumerable.Range(0, 10).Select(i => "m" + i).ToArray(),
                     Enumerable.Range(0, 300).Select(i => "m" + i).ToArray() })
        {
            R(h, "DEL", "s");
            R(h, ["SADD", "s", .. members]);
            R(h, "EXPIRE", "s", "100");
            // Few (one by one) and most (survivors moved into a new set) members popped.
            Assert.Single(RespReply.Elements(R(h, "SPOP", "s", "1")));
            Assert.Equal(members.Length - 2, RespReply.Elements(R(h, "SPOP", "s", (members.Length - 2).ToString())).Count);
            Assert.Equal(":1\r\n", R(h, "SCARD", "s"));
            Assert.Equal(":100\r\n", R(h, "TTL", "s"));
        }
    }

    [Fact]
    public void SScan_SmallEncodingsAnswerEverythingAtOnce()
    {
        using var h = new EngineHarness();
        R(h, "SADD", "i", "1", "2", "3", "-5", "100000");
        Assert.Equal("*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$6\r\n100000\r\n", R(h, "SSCAN", "i", "5", "MATCH", "1*"));
        Assert.Equal("*2\r\n$1\r\n0\r\n*5\r\n$2\r\n-5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$6\r\n100000\r\n", R(h, "SSCAN", "i", "0", "COUNT", "1"));
        Assert.Equal("*2\r\n$1\r\n0\r\n*1\r\n$6\r\n100000\r\n", R(h, "SSCAN", "i", "0", "match", "*0*", "count", "100"));
        R(h, "SADD", "l", "apple", "banana", "7", "avocado");
        var (cursor, found) = RespReply.Scan(R(h, "SSCAN", "l", "0", "MATCH", "a*"));
        Assert.Equal("0", cursor);
        Assert.Equal(new[] { "apple", "avocado" }, found.OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public void SScan_TableWalk_ReturnsEveryMemberPresentThroughout_WhileGrowing()
    {
        using var h = new EngineHarness();
        var original = Enumerable.Range(0, 1500).Select(i => "member:" + i).ToList();
        for (int i = 0; i < original.Count; i += 100) R(h, ["SADD", "s", .. original.Skip(i).Take(100)]);
        Assert.Equal("$9\r\nhashtable\r\n", R(h, "OBJECT", "ENCODING", "s"));
        var seen = new HashSet<string>();
        string cursor = "0";
        int calls = 0, added = 0;
        do
        {
            var (next, found) = RespReply.Scan(R(h, "SSCAN", "s", cursor, "COUNT", "20"));
            seen.UnionWith(found);
            cursor = next;
            // Grow between calls: segments split under the walk.
            R(h, ["SADD", "s", .. Enumerable.Range(0, 40).Select(i => "late:" + added++)]);
            Assert.True(++calls < 2000, "the walk ends");
        } while (cursor != "0");
        Assert.True(calls > 2, "a table is walked in several calls");
        var missed = original.Where(m => !seen.Contains(m)).ToList();
        Assert.True(missed.Count == 0, "missed: " + string.Join(' ', missed.Take(10)));
        Assert.All(seen, m => Assert.True(m.StartsWith("member:", StringComparison.Ordinal) || m.StartsWith("late:", StringComparison.Ordinal)));

        // MATCH filters after COUNT; a full walk with a pattern finds exactly the matching members.
        var matched = new HashSet<string>();
        cursor = "0";
        do
        {
            var (next, found) = RespReply.Scan(R(h, "SSCAN", "s", cursor, "MATCH", "member:1??"));
            matched.UnionWith(found);
            cursor = next;
        } while (cursor != "0");
        Assert.Equal(original.Where(m => m.Length == 10 && m.StartsWith("member:1", StringComparison.Ordinal)).OrderBy(x => x, StringComparer.Ordinal),
            matched.OrderBy(x => x, StringComparer.Ordinal));
    }

    /// <summary>Random sets over every encoding; SINTER/SUNION/SDIFF, their stores and SINTERCARD against HashSet.</summary>
    [Fact]
    public void Algebra_MatchesAModel()
    {
        using var h = new EngineHarness();
        R(h, "CONFIG", "SET", "set-max-intset-entries", "20");
        R(h, "CONFIG", "SET", "set-max-listpack-entries", "24");
        var rng = new Random(7);
        var model = new Dictionary<string, HashSet<string>>();
        string[] keys = ["a", "b", "c", "d", "e", "f"];
        string[] pool = Enumerable.Range(-10, 40).Select(i => i.ToString()).Concat(Enumerable.Range(0, 30).Select(i => "s" + i)).ToArray();
        for (int round = 0; round < 300; round++)
        {
            string k = keys[rng.Next(keys.Length)];
            bool integers = rng.Next(3) == 0;
            var members = Enumerable.Range(0, 1 + rng.Next(rng.Next(2) == 0 ? 8 : 40))
                .Select(_ => integers ? pool[rng.Next(40)] : pool[rng.Next(pool.Length)]).ToArray();
            if (rng.Next(4) == 0)
            {
                R(h, "DEL", k);
                model.Remove(k);
            }
            R(h, ["SADD", k, .. members]);
            (model.TryGetValue(k, out var set) ? set : model[k] = new HashSet<string>()).UnionWith(members);

            string[] args = Enumerable.Range(0, 1 + rng.Next(4)).Select(_ => rng.Next(8) == 0 ? "missing" : keys[rng.Next(keys.Length)]).ToArray();
            HashSet<string> S(string key) => model.TryGetValue(key, out var s) ? s : new HashSet<string>();
            var inter = new HashSet<string>(S(args[0]));
            var union = new HashSet<string>(S(args[0]));
            var diff = new HashSet<string>(S(args[0]));
            foreach (string a in args.Skip(1)) { inter.IntersectWith(S(a)); union.UnionWith(S(a)); diff.ExceptWith(S(a)); }
            List<string> Sorted(IEnumerable<string> x) => x.OrderBy(v => v, StringComparer.Ordinal).ToList();
            string ctx = $"round {round}: {string.Join(' ', args)}";

            Assert.True(Sorted(inter).SequenceEqual(RespReply.Sorted(R(h, ["SINTER", .. args]))), "SINTER " + ctx);
            Assert.True(Sorted(union).SequenceEqual(RespReply.Sorted(R(h, ["SUNION", .. args]))), "SUNION " + ctx);
            Assert.True(Sorted(diff).SequenceEqual(RespReply.Sorted(R(h, ["SDIFF", .. args]))), "SDIFF " + ctx);
            Assert.Equal(inter.Count, RespReply.Integer(R(h, ["SINTERCARD", args.Length.ToString(), .. args])));
            Assert.Equal(Math.Min(inter.Count, 3), RespReply.Integer(R(h, ["SINTERCARD", args.Length.ToString(), .. args, "LIMIT", "3"])));

            string op = new[] { "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE" }[rng.Next(3)];
            string dst = rng.Next(3) == 0 ? args[0] : keys[rng.Next(keys.Length)];
            var expected = op == "SINTERSTORE" ? inter : op == "SUNIONSTORE" ? union : diff;
            Assert.Equal(expected.Count, RespReply.Integer(R(h, [op, dst, .. args])));
            if (expected.Count == 0)
            {
                Assert.Equal(":0\r\n", R(h, "EXISTS", dst));
                model.Remove(dst);
            }
            else
            {
                Assert.True(Sorted(expected).SequenceEqual(RespReply.Sorted(R(h, "SMEMBERS", dst))), op + " " + ctx);
                model[dst] = new HashSet<string>(expected);
            }
        }
    }
}
