using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// DEBUG DIGEST, DIGEST-VALUE, OBJECT, POPULATE, PROTOCOL, ERROR and LOG against Redis 7.2.4, at --threads 1 and 4 (where
/// the digests and POPULATE gather every shard): the same dataset of every type at every encoding, in several
/// databases, must give the same bytes (DEBUG OBJECT's address and LRU clock aside).
/// </summary>
public class DebugDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    OraclePair Open(int threads)
    {
        var p = new OraclePair(servers.Oracle.Server, servers.TargetWithThreads(threads).Server);
        p.Both("FLUSHALL");
        return p;
    }

    static string[] Cmd(string name, string key, IEnumerable<string> rest) => new[] { name, key }.Concat(rest).ToArray();

    /// <summary>Every type at each of its encodings, with and without a TTL, in database <paramref name="db"/>.</summary>
    static List<string> Fill(OraclePair p, int db)
    {
        p.Both("SELECT", db.ToString());
        p.Both("SET", "str", "hello");
        p.Both("SET", "int", "12345");
        p.Both("SET", "shared", "7");
        p.Both("SET", "neg", "-42");
        p.Both("SET", "raw", new string('r', 60));
        p.Both("SET", "bin", "a\0b\r\nc");
        p.Both("SET", "ttl", "v", "EX", "1000");
        p.Both("SETBIT", "bits", "1000", "1");
        p.Both("PFADD", "hll", "a", "b", "c");
        p.Both("RPUSH", "lp", "a", "12", "b", "-3");
        p.Both(Cmd("RPUSH", "ql", Enumerable.Range(0, 1500).Select(i => "element-" + i)));
        p.Both("SADD", "iset", "1", "2", "3", "-7");
        p.Both("SADD", "lset", "a", "b", "1");
        p.Both(Cmd("SADD", "hset", Enumerable.Range(0, 300).Select(i => "m" + i)));
        p.Both("ZADD", "lz", "1.5", "a", "1e20", "b", "inf", "c", "0.1", "d", "-inf", "e", "3", "f");
        p.Both(Cmd("ZADD", "sz", Enumerable.Range(0, 200).SelectMany(i => new[] { (i / 3.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture), "m" + i })));
        p.Both("HSET", "lh", "f", "1", "g", "v2");
        p.Both(Cmd("HSET", "hh", Enumerable.Range(0, 200).SelectMany(i => new[] { "f" + i, "v" + i })));
        p.Both("HSET", "hexp", "a", "b");
        p.Both("PEXPIRE", "hexp", "999000");
        p.Both("XADD", "st", "1-1", "f", "v", "g", "w");
        p.Both("XADD", "st", "2-5", "a", "b");
        p.Both("XGROUP", "CREATE", "st", "grp", "0");
        p.Both("XADD", "emptyst", "5-1", "x", "y");
        p.Both("XDEL", "emptyst", "5-1");
        return new() { "str", "int", "shared", "neg", "raw", "bin", "ttl", "bits", "hll", "lp", "ql", "iset", "lset", "hset",
                       "lz", "sz", "lh", "hh", "hexp", "st", "emptyst" };
    }

    static readonly Regex Volatile = new(@"Value at:0x[0-9a-f]+ |lru:\d+ lru_seconds_idle:\d+", RegexOptions.Compiled);

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void DigestsAndObject_MatchRedis(int threads)
    {
        using OraclePair p = Open(threads);
        p.Same("DEBUG", "DIGEST"); // an empty dataset: 40 zeros
        List<string> keys = Fill(p, 0);
        Fill(p, 3);
        p.Both("SELECT", "9");
        p.Both("SET", "only", "in-nine");
        p.Both("SELECT", "0");
        p.Same("DEBUG", "DIGEST");
        p.Same(new[] { "DEBUG", "DIGEST-VALUE" }.Concat(keys).Append("no-such-key").ToArray());
        p.Same("DEBUG", "DIGEST-VALUE");
        foreach (string k in keys) p.Same(s => Volatile.Replace(s, ""), "DEBUG", "OBJECT", k);
        p.Same("DEBUG", "OBJECT", "no-such-key");
        p.Same("DEBUG", "OBJECT");
        p.Same("DEBUG", "DIGEST", "extra");
        // A change anywhere changes the digest the same way on both.
        p.Both("SELECT", "3");
        p.Both("ZADD", "sz", "0.5", "m1");
        p.Same("DEBUG", "DIGEST");
        p.Both("LSET", "ql", "700", "changed");
        p.Same("DEBUG", "DIGEST");
        p.Same("DEBUG", "DIGEST-VALUE", "ql", "sz");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Populate_MatchesRedis(int threads)
    {
        using OraclePair p = Open(threads);
        p.Both("SELECT", "2");
        p.Both("SET", "key:3", "mine");
        p.Both("SET", "key:4", "gone", "PX", "1");
        System.Threading.Thread.Sleep(20);
        p.Same("DEBUG", "POPULATE", "500");
        p.Same("DEBUG", "POPULATE", "20", "pre");
        p.Same("DEBUG", "POPULATE", "5", "sz", "3");
        p.Same("DEBUG", "POPULATE", "5", "pad", "12");
        p.Same("DEBUG", "POPULATE", "3", "zero", "0");
        p.Same("DEBUG", "POPULATE", "3", new string('p', 130)); // the key's text stops at 127 bytes
        p.Same("DEBUG", "POPULATE", "0");
        foreach (string bad in new[] { "-1", "x", "1.5", "99999999999999999999" }) p.Same("DEBUG", "POPULATE", bad);
        // More keys than memory could hold: Redis 7.2.4's error when its table cannot grow to them (asked only of FastKv:
        // on an empty database Redis answers it, on one with keys it can crash, and on LONG_MAX it never returns).
        foreach (string huge in new[] { "1000000000000000", long.MaxValue.ToString() })
            Assert.Equal("-ERR OOM in dictTryExpand\r\n", Resp.AsString(p.Target.Call("DEBUG", "POPULATE", huge)));
        p.Same("DEBUG", "LOG", new string('l', 5000));
        // serverLog's line stops at 1023 bytes: "DEBUG LOG: " and 1012 of the message.
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        target.WaitForOutput("DEBUG LOG: " + new string('l', 1012));
        Assert.DoesNotContain("DEBUG LOG: " + new string('l', 1013), target.Output);
        p.Same("DEBUG", "POPULATE", "2", "p", "-1");
        p.Same("DEBUG", "POPULATE", "2", "p", "1", "extra");
        p.Same("DBSIZE");
        p.Same("GET", "key:3");
        p.Same("GET", "key:4");
        p.Same("GET", "pad:1");
        p.Same("OBJECT", "ENCODING", "key:499");
        p.Same("DEBUG", "DIGEST");
        // Inside MULTI, with a digest on each side.
        foreach (var conn in new[] { p.Oracle, p.Target })
        {
            conn.Call("MULTI");
            conn.Call("DEBUG", "POPULATE", "7", "tx");
        }
        p.Same("EXEC");
        p.Same("DEBUG", "DIGEST");
        // POPULATE leaves the dirty counter alone, as in Redis.
        long Dirty(RespConnection c) => long.Parse(Regex.Match(Resp.AsString(c.Call("INFO", "persistence")), @"rdb_changes_since_last_save:(\d+)").Groups[1].Value);
        long before = Dirty(p.Target);
        string size = Resp.AsString(p.Target.Call("DBSIZE"));
        p.Target.Call("DEBUG", "POPULATE", "50", "nodirty");
        Assert.Equal(before, Dirty(p.Target));
        Assert.Equal(long.Parse(size.Trim(':', '\r', '\n')) + 50, long.Parse(Resp.AsString(p.Target.Call("DBSIZE")).Trim(':', '\r', '\n')));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ProtocolErrorLog_MatchRedis(int threads)
    {
        using OraclePair p = Open(threads);
        string[] types = { "string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib", "push", "verbatim", "true", "false", "nosuch", "STRING" };
        foreach (string proto in new[] { "2", "3", "2" })
        {
            p.Both("HELLO", proto);
            foreach (string type in types)
            {
                p.Same("DEBUG", "PROTOCOL", type);
                // RESP3's push test value is a reply, then a push frame after it.
                if (type == "push" && proto == "3")
                    Assert.Equal(Resp.AsString(p.Oracle.ReadReply()), Resp.AsString(p.Target.ReadReply()));
            }
        }
        p.Same("DEBUG", "PROTOCOL");
        p.Same("DEBUG", "PROTOCOL", "a", "b");
        p.Both("CONFIG", "RESETSTAT");
        p.Same("DEBUG", "ERROR", "plain text");
        p.Same("DEBUG", "ERROR", "-MY own\r\nlines");
        p.Same("DEBUG", "ERROR", "");
        p.Same("DEBUG", "ERROR");
        // The error DEBUG ERROR writes is not counted (Redis writes it raw).
        Assert.Contains("total_error_replies:1\r\n", Resp.AsString(p.Target.Call("INFO", "stats")));
        Assert.Contains("total_error_replies:1\r\n", Resp.AsString(p.Oracle.Call("INFO", "stats")));
        p.Same("DEBUG", "LOG", "a line for the log");
        servers.TargetWithThreads(threads).Server.WaitForOutput("DEBUG LOG: a line for the log");
        p.Same("DEBUG", "LOG");
        // Every subcommand our DEBUG HELP names is one of Redis's, in Redis's order.
        List<string> o = Resp.Parse(p.Oracle.Call("DEBUG", "HELP")).Items!.Select(v => v.Text!).ToList();
        List<string> t = Resp.Parse(p.Target.Call("DEBUG", "HELP")).Items!.Select(v => v.Text!).ToList();
        Assert.Equal(o[0], t[0]);
        Assert.Equal(o[^2..], t[^2..]);
        List<string> ours = t.Where(l => !l.StartsWith(' ')).ToList();
        List<int> at = ours.Select(l => o.IndexOf(l)).ToList();
        Assert.DoesNotContain(-1, at);
        Assert.Equal(at.OrderBy(i => i), at);
    }
}
