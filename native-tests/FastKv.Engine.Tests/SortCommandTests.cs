using System;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// SORT and SORT_RO where the differential runs cannot look: the encoding of STORE destinations (7.2's rule,
/// which the 7.0 oracle does not have: it calls every list quicklist), keys on two shards, COMMAND GETKEYS
/// and COMMAND INFO, and strtod's range errors (kept out of the streams because 7.0 never clears errno).
/// Every reply below was checked against redis-server 7.0, except the encodings, worked out from 7.2's
/// sort.c (listTypeTryConversion with LIST_CONV_AUTO) in the comments beside them.
/// </summary>
public class SortCommandTests
{
    const string Listpack = "$8\r\nlistpack\r\n";
    const string Quicklist = "$9\r\nquicklist\r\n";
    const string SyntaxError = "-ERR syntax error\r\n";
    const string NotDouble = "-ERR One or more scores can't be converted into double\r\n";

    static string Run(EngineHarness h, params string[] args) => h.Run(EngineHarness.Command(args));

    static string Bulks(params string[] items)
    {
        var sb = new StringBuilder().Append('*').Append(items.Length).Append("\r\n");
        foreach (string s in items) sb.Append('$').Append(Encoding.UTF8.GetByteCount(s)).Append("\r\n").Append(s).Append("\r\n");
        return sb.ToString();
    }

    static string[] Args(string head, string key, int count, Func<int, string> item)
    {
        var a = new string[count + 2];
        a[0] = head; a[1] = key;
        for (int i = 0; i < count; i++) a[i + 2] = item(i);
        return a;
    }

    [Fact]
    public void StoredList_IsListpackWhenOneNodeWithinTheLimits()
    {
        using var h = new EngineHarness();
        Run(h, "RPUSH", "l", "3", "1", "2");
        Assert.Equal(":3\r\n", Run(h, "SORT", "l", "STORE", "d"));
        Assert.Equal(Listpack, Run(h, "OBJECT", "ENCODING", "d"));
        Assert.Equal(Bulks("1", "2", "3"), Run(h, "LRANGE", "d", "0", "-1"));

        // 100 entries of 60 bytes: 6 + 100 * (1 + 60 + 1) + 1 = 6207 bytes, one node under fill -2 (8192):
        // a listpack (the shrinking threshold, 4096, would have said quicklist).
        Run(h, Args("RPUSH", "mid", 100, i => i.ToString("D3") + new string('x', 57)));
        Assert.Equal(":100\r\n", Run(h, "SORT", "mid", "ALPHA", "STORE", "d"));
        Assert.Equal(Listpack, Run(h, "OBJECT", "ENCODING", "d"));
        Assert.Equal(":100\r\n", Run(h, "LLEN", "d"));

        // 200 such entries (12407 bytes) need two nodes: a quicklist.
        Run(h, Args("RPUSH", "big", 200, i => i.ToString("D3") + new string('x', 57)));
        Assert.Equal(":200\r\n", Run(h, "SORT", "big", "ALPHA", "DESC", "STORE", "d"));
        Assert.Equal(Quicklist, Run(h, "OBJECT", "ENCODING", "d"));
        Assert.Equal("$60\r\n199" + new string('x', 57) + "\r\n", Run(h, "LINDEX", "d", "0"));

        // One element over the node size limit: a quicklist.
        Run(h, "RPUSH", "huge", new string('h', 9000));
        Assert.Equal(":1\r\n", Run(h, "SORT", "huge", "ALPHA", "STORE", "d"));
        Assert.Equal(Quicklist, Run(h, "OBJECT", "ENCODING", "d"));
    }

    [Fact]
    public void StoredList_FollowsACountFill()
    {
        using var h = new EngineHarness();
        Run(h, "RPUSH", "l", "5", "4", "3", "2", "1", "0");
        Assert.Equal("+OK\r\n", Run(h, "CONFIG", "SET", "list-max-listpack-size", "5"));
        // Fill 5: five entries are one node at the limit, a listpack; six need two nodes.
        Assert.Equal(":5\r\n", Run(h, "SORT", "l", "LIMIT", "0", "5", "STORE", "d"));
        Assert.Equal(Listpack, Run(h, "OBJECT", "ENCODING", "d"));
        Assert.Equal(":6\r\n", Run(h, "SORT", "l", "STORE", "d"));
        Assert.Equal(Quicklist, Run(h, "OBJECT", "ENCODING", "d"));
        Assert.Equal(Bulks("0", "1", "2", "3", "4", "5"), Run(h, "LRANGE", "d", "0", "-1"));
        // GET patterns store one entry per pattern per element: 3 x 2 = 6.
        Assert.Equal(":6\r\n", Run(h, "SORT", "l", "LIMIT", "0", "3", "GET", "#", "GET", "nostar", "STORE", "d"));
        Assert.Equal(Quicklist, Run(h, "OBJECT", "ENCODING", "d"));
        Assert.Equal(Bulks("0", "", "1", "", "2", ""), Run(h, "LRANGE", "d", "0", "-1"));
    }

    [Fact]
    public void EmptyResult_DeletesTheDestination()
    {
        using var h = new EngineHarness();
        Run(h, "RPUSH", "l", "3", "1", "2");
        Run(h, "SET", "d", "x", "EX", "100");
        Assert.Equal(":3\r\n", Run(h, "SORT", "l", "STORE", "d"));
        Assert.Equal(":-1\r\n", Run(h, "TTL", "d"));
        Assert.Equal(":0\r\n", Run(h, "SORT", "l", "LIMIT", "5", "0", "STORE", "d"));
        Assert.Equal(":0\r\n", Run(h, "EXISTS", "d"));
        Run(h, "HSET", "d", "f", "v");
        Assert.Equal(":0\r\n", Run(h, "SORT", "l", "LIMIT", "0", "0", "STORE", "d"));
        Assert.Equal(":0\r\n", Run(h, "EXISTS", "d"));
        Run(h, "SET", "d", "x");
        Assert.Equal(":0\r\n", Run(h, "SORT", "nokey", "STORE", "d"));
        Assert.Equal(":0\r\n", Run(h, "EXISTS", "d"));
        Assert.Equal(":0\r\n", Run(h, "SORT", "nokey", "STORE", "never"));
        Assert.Equal(":0\r\n", Run(h, "EXISTS", "never"));
        // Any type is replaced by the stored list.
        Run(h, "HSET", "hash", "f", "v");
        Assert.Equal(":3\r\n", Run(h, "SORT", "l", "STORE", "hash"));
        Assert.Equal("+list\r\n", Run(h, "TYPE", "hash"));
    }

    [Fact]
    public void SortRo_RejectsStore()
    {
        using var h = new EngineHarness();
        Run(h, "RPUSH", "l", "3", "1", "2");
        Assert.Equal(SyntaxError, Run(h, "SORT_RO", "l", "STORE", "d"));
        Assert.Equal(SyntaxError, Run(h, "SORT_RO", "l", "ALPHA", "STORE", "d", "LIMIT", "0", "1"));
        Assert.Equal(":0\r\n", Run(h, "EXISTS", "d"));
        Assert.Equal(Bulks("1", "2", "3"), Run(h, "SORT_RO", "l"));
        Assert.Equal(":3\r\n", Run(h, "SORT", "l", "STORE", "d"));
    }

    [Fact]
    public void CommandGetKeys_NamesTheKeyAndTheLastStore()
    {
        using var h = new EngineHarness();
        Assert.Equal(Bulks("a"), Run(h, "COMMAND", "GETKEYS", "SORT", "a"));
        Assert.Equal(Bulks("a", "b"), Run(h, "COMMAND", "GETKEYS", "SORT", "a", "STORE", "b"));
        Assert.Equal(Bulks("a", "c"), Run(h, "COMMAND", "GETKEYS", "SORT", "a", "STORE", "b", "STORE", "c"));
        Assert.Equal(Bulks("a", "c"), Run(h, "COMMAND", "GETKEYS", "SORT", "a", "STORE", "c", "BY", "x", "GET", "y"));
        Assert.Equal(Bulks("a", "z"), Run(h, "COMMAND", "GETKEYS", "SORT", "a", "LIMIT", "0", "1", "GET", "store", "BY", "store", "STORE", "z"));
        // A trailing STORE has no key after it; LIMIT skips two words, so "store" there is not the option.
        Assert.Equal(Bulks("a"), Run(h, "COMMAND", "GETKEYS", "SORT", "a", "LIMIT", "0", "1", "STORE"));
        Assert.Equal(Bulks("a"), Run(h, "COMMAND", "GETKEYS", "SORT", "a", "LIMIT", "1", "store", "x"));
        Assert.Equal(Bulks("a"), Run(h, "COMMAND", "GETKEYS", "SORT_RO", "a", "STORE", "b"));
        Assert.Equal(Bulks("a"), Run(h, "COMMAND", "GETKEYS", "SORT_RO", "a", "BY", "x"));
    }

    [Fact]
    public void CommandInfo_MarksBothMovableKeys()
    {
        using var h = new EngineHarness();
        string sort = Run(h, "COMMAND", "INFO", "SORT");
        string ro = Run(h, "COMMAND", "INFO", "SORT_RO");
        Assert.StartsWith("*1\r\n*10\r\n$4\r\nsort\r\n:-2\r\n*3\r\n+write\r\n+denyoom\r\n+movablekeys\r\n:1\r\n:1\r\n:1\r\n", sort);
        Assert.StartsWith("*1\r\n*10\r\n$7\r\nsort_ro\r\n:-2\r\n*2\r\n+readonly\r\n+movablekeys\r\n:1\r\n:1\r\n:1\r\n", ro);
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("0x1p1024")]
    [InlineData("1e-400")]
    [InlineData("1e-320")]
    [InlineData("4.9406564584124654e-324")]
    [InlineData("2.225073858507201e-308")]
    [InlineData("0x1p-1075")]
    [InlineData("0x3p-1075")]
    [InlineData("   ")]
    [InlineData("5 ")]
    [InlineData("nan")]
    [InlineData("infx")]
    [InlineData("0x1p")]
    public void Weights_StrtodRejects(string weight)
    {
        using var h = new EngineHarness();
        Run(h, "RPUSH", "l", "a", "b");
        Run(h, "SET", "w_a", weight);
        Run(h, "SET", "w_b", "0.5");
        Assert.Equal(NotDouble, Run(h, "SORT", "l", "BY", "w_*"));
        // The error wins over STORE: the destination is left alone.
        Run(h, "SET", "d", "kept");
        Assert.Equal(NotDouble, Run(h, "SORT", "l", "BY", "w_*", "STORE", "d"));
        Assert.Equal("$4\r\nkept\r\n", Run(h, "GET", "d"));
    }

    [Theory]
    [InlineData("0x1p-1074", "a", "b")]       // exact subnormal: no ERANGE
    [InlineData("0x1.8p-1073", "a", "b")]
    [InlineData("0x10p-1078", "a", "b")]
    [InlineData("2.2250738585072014e-308", "a", "b")] // DBL_MIN
    [InlineData("0e-500", "a", "b")]          // zero written with zeros: exact
    [InlineData("0x0p-99999", "a", "b")]
    [InlineData("1.5e308", "b", "a")]
    [InlineData("", "a", "b")]                // no number, but nothing after it: 0
    [InlineData("  1", "b", "a")]             // leading blanks are skipped
    [InlineData("\t-inf", "a", "b")]
    [InlineData("Infinity", "b", "a")]
    [InlineData("+.5", "a", "b")]              // equal to w_b: ties break by element
    [InlineData("0X1P3", "b", "a")]
    [InlineData("12\0junk", "b", "a")]         // strtod stops at the NUL, as Redis's C string does
    [InlineData("\0 5", "a", "b")]
    public void Weights_StrtodAccepts(string weight, string first, string second)
    {
        using var h = new EngineHarness();
        Run(h, "RPUSH", "l", "b", "a");
        Run(h, "SET", "w_a", weight);
        Run(h, "SET", "w_b", "0.5");
        Assert.Equal(Bulks(first, second), Run(h, "SORT", "l", "BY", "w_*"));
    }

    [Fact]
    public void ByWithoutStar_StaysInForce()
    {
        using var h = new EngineHarness();
        Run(h, "RPUSH", "l", "3", "1", "2");
        Run(h, "MSET", "w_1", "9", "w_2", "8", "w_3", "7");
        Assert.Equal(Bulks("3", "2", "1"), Run(h, "SORT", "l", "BY", "w_*"));
        // A later BY pattern does not turn sorting back on (sort.c never clears dontsort).
        Assert.Equal(Bulks("3", "1", "2"), Run(h, "SORT", "l", "BY", "nosort", "BY", "w_*"));
        Assert.Equal(Bulks("1"), Run(h, "SORT", "l", "BY", "nosort", "BY", "w_*", "LIMIT", "1", "1"));
        Assert.Equal(Bulks("7", "9", "8"), Run(h, "SORT", "l", "BY", "nosort", "BY", "w_*", "GET", "w_*"));
        // A set stored unsorted is sorted ALPHA instead, whatever BY came later.
        Run(h, "SADD", "s", "3", "1", "2");
        Assert.Equal(":3\r\n", Run(h, "SORT", "s", "BY", "nosort", "BY", "w_*", "STORE", "d"));
        Assert.Equal(Bulks("1", "2", "3"), Run(h, "LRANGE", "d", "0", "-1"));
    }

    // ---- two shards: SortTx (patterns) and GatherTx (key and destination apart) ----

    static string KeyOn(ServerState s, int shard, string prefix)
    {
        for (int i = 0; ; i++)
        {
            string k = prefix + i;
            if (s.ShardOf(Encoding.ASCII.GetBytes(k)).Id == shard) return k;
        }
    }

    /// <summary>An element e whose key <paramref name="prefix"/>e lives on <paramref name="shard"/>.</summary>
    static string ElementOn(ServerState s, int shard, string prefix, params string[] taken)
    {
        for (int i = 0; ; i++)
        {
            string e = "e" + i;
            if (s.ShardOf(Encoding.ASCII.GetBytes(prefix + e)).Id == shard && Array.IndexOf(taken, e) < 0) return e;
        }
    }

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
    public void PatternKeysOnTheOtherShard()
    {
        using var h = new EngineHarness(shards: 2);
        ServerState s = h.Server;
        string src = KeyOn(s, 0, "src"), dst = KeyOn(s, 1, "dst"), local = KeyOn(s, 0, "dst");
        // x's weight and object live on shard 1, y's on shard 0, z's hash on shard 1.
        string x = ElementOn(s, 1, "w_"), y = ElementOn(s, 0, "w_"), z = ElementOn(s, 1, "h_", x, y);
        Assert.Equal(":3\r\n", RunPumped(h, "RPUSH", src, x, y, z));
        RunPumped(h, "MSET", "w_" + x, "3", "w_" + y, "1", "w_" + z, "2");
        RunPumped(h, "MSET", "o_" + x, "ox", "o_" + y, "oy");
        RunPumped(h, "HSET", "h_" + z, "f", "a-first");
        RunPumped(h, "HSET", "h_" + x, "f", "b-second");

        Assert.Equal(Bulks(y, z, x), RunPumped(h, "SORT", src, "BY", "w_*"));
        Assert.Equal(Bulks(x, z, y), RunPumped(h, "SORT_RO", src, "BY", "w_*", "DESC"));
        Assert.Equal("*6\r\n$2\r\noy\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n$2\r\nox\r\n$1\r\n3\r\n",
            RunPumped(h, "SORT", src, "BY", "w_*", "GET", "o_*", "GET", "w_*"));
        // Missing hash field sorts first (no value), then the hash values in order.
        Assert.Equal(Bulks(y, z, x), RunPumped(h, "SORT", src, "BY", "h_*->f", "ALPHA"));
        Assert.Equal("*3\r\n$-1\r\n$7\r\na-first\r\n$8\r\nb-second\r\n", RunPumped(h, "SORT_RO", src, "BY", "h_*->f", "ALPHA", "GET", "h_*->f"));

        // STORE on the other shard, with patterns (SortTx) and without (GatherTx).
        Assert.Equal(":3\r\n", RunPumped(h, "SORT", src, "BY", "w_*", "GET", "o_*", "STORE", dst));
        Assert.Equal(Bulks("oy", "", "ox"), RunPumped(h, "LRANGE", dst, "0", "-1"));
        Assert.Equal(Listpack, RunPumped(h, "OBJECT", "ENCODING", dst));
        Assert.Equal(":2\r\n", RunPumped(h, "SORT", src, "ALPHA", "DESC", "LIMIT", "0", "2", "STORE", dst));
        string[] names = [x, y, z];
        Array.Sort(names, string.CompareOrdinal);
        Assert.Equal(Bulks(names[2], names[1]), RunPumped(h, "LRANGE", dst, "0", "-1"));
        Assert.Equal(":3\r\n", RunPumped(h, "SORT", src, "BY", "nosort", "STORE", local));
        Assert.Equal(Bulks(x, y, z), RunPumped(h, "LRANGE", local, "0", "-1"));

        // An empty result deletes a destination on the other shard.
        Assert.Equal(":0\r\n", RunPumped(h, "SORT", src, "BY", "w_*", "LIMIT", "9", "1", "STORE", dst));
        Assert.Equal(":0\r\n", RunPumped(h, "EXISTS", dst));

        // A weight that is not a number, on the other shard, fails the sort and leaves the destination alone.
        RunPumped(h, "SET", dst, "kept");
        RunPumped(h, "SET", "w_" + x, "not a number");
        Assert.Equal(NotDouble, RunPumped(h, "SORT", src, "BY", "w_*", "STORE", dst));
        Assert.Equal("$4\r\nkept\r\n", RunPumped(h, "GET", dst));

        // The source overwritten by its own sorted copy, through patterns on both shards.
        RunPumped(h, "SET", "w_" + x, "0");
        Assert.Equal(":3\r\n", RunPumped(h, "SORT", src, "BY", "w_*", "STORE", src));
        Assert.Equal(Bulks(x, y, z), RunPumped(h, "LRANGE", src, "0", "-1"));
        Assert.Equal(SyntaxError, RunPumped(h, "SORT_RO", src, "BY", "w_*", "STORE", dst));
    }
}
