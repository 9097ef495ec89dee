using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// INFO commandstats counts a blocking command once, under its own name, whether it was served at once, served
/// later by a push, timed out or failed: as Redis 7.2.4 counts it (no LPOP, no internal name). Once a blocking
/// command's first attempt travelled as an internal command and its pop ran as an LPOP, and both were counted.
/// </summary>
public class BlockingCommandStatsTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    static Dictionary<string, long> Calls(RespConnection c)
    {
        string info = Resp.AsString(Resp.Parse(c.Call("INFO", "commandstats")).Data!);
        var calls = new Dictionary<string, long>();
        foreach (Match m in Regex.Matches(info, @"cmdstat_([^:]+):calls=(\d+)"))
            calls[m.Groups[1].Value] = long.Parse(m.Groups[2].Value);
        calls.Remove("info");
        return calls;
    }

    static Dictionary<string, long> Run(ServerProcess server)
    {
        using var c = server.Connect();
        using var pusher = server.Connect();
        Assert.Equal("+OK\r\n", c.CallText("FLUSHALL"));
        Assert.Equal("+OK\r\n", c.CallText("CONFIG", "RESETSTAT"));
        c.Call("RPUSH", "{q}a", "x");
        c.Call("BLPOP", "{q}a", "0");                 // served at once
        c.Call("BLPOP", "{q}b", "{q}c", "0.01");      // times out
        c.Call("BZPOPMIN", "{z}a", "0.01");           // times out
        c.Call("SET", "{q}s", "v");
        c.Call("BLPOP", "{q}s", "0");                 // WRONGTYPE
        c.Call("BLPOP", "{q}a", "notanumber");        // bad timeout
        c.SendCommand("BRPOP", "other-shard-key", "0"); // served later, by a push from another connection
        Thread.Sleep(100);
        pusher.Call("LPUSH", "other-shard-key", "y");
        Assert.Contains("other-shard-key", Resp.AsString(c.ReadReply()));
        c.Call("RPUSH", "{q}m", "1");
        c.Call("BLMOVE", "{q}m", "{q}n", "LEFT", "RIGHT", "0");
        // Every other blocking command: served at once, and timed out.
        c.Call("RPUSH", "{q}m", "2", "3");
        c.Call("BRPOPLPUSH", "{q}m", "{q}n", "0");
        c.Call("BRPOPLPUSH", "{q}none", "{q}n", "0.01");
        c.Call("BLMPOP", "0", "1", "{q}m", "LEFT");
        c.Call("BLMPOP", "0.01", "2", "{q}none", "{q}none2", "RIGHT", "COUNT", "2");
        c.Call("ZADD", "{z}b", "1", "a", "2", "b", "3", "c");
        c.Call("BZPOPMAX", "{z}b", "0");
        c.Call("BZPOPMAX", "{z}none", "0.01");
        c.Call("BZMPOP", "0", "1", "{z}b", "MIN");
        c.Call("BZMPOP", "0.01", "1", "{z}none", "MAX", "COUNT", "3");
        c.Call("BZPOPMIN", "{z}b", "0");
        c.Call("XADD", "{x}s", "1-1", "f", "v");
        c.Call("XREAD", "BLOCK", "0", "STREAMS", "{x}s", "0");
        c.Call("XREAD", "BLOCK", "10", "STREAMS", "{x}s", "$");
        c.Call("XGROUP", "CREATE", "{x}s", "g", "0");
        c.Call("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "{x}s", ">");
        c.Call("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "10", "STREAMS", "{x}s", ">");
        c.SendCommand("BLMPOP", "0", "1", "other-shard-key", "RIGHT"); // served later, by a push
        Thread.Sleep(100);
        pusher.Call("RPUSH", "other-shard-key", "z");
        Assert.Contains("other-shard-key", Resp.AsString(c.ReadReply()));
        return Calls(c);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void BlockingCommands_AreCountedOnce_AsThemselves(int threads)
    {
        var expected = Run(servers.Oracle.Server);
        Assert.Equal(4, expected["blpop"]); // served at once, timed out, WRONGTYPE, bad timeout
        foreach (string name in new[] { "brpop", "bzpopmin", "blmove", "brpoplpush", "blmpop", "bzpopmax", "bzmpop", "xread", "xreadgroup" })
            Assert.True(expected.ContainsKey(name), name + " was not run");
        var actual = Run(servers.TargetWithThreads(threads).Server);
        foreach (string plain in new[] { "lpop", "rpop", "lmpop", "zpopmin", "zpopmax", "zmpop", "lmove", "rpoplpush" })
            Assert.False(actual.ContainsKey(plain), "a blocking command was counted as " + plain);
        Assert.DoesNotContain(actual.Keys, k => k.StartsWith('_'));
        string Show(Dictionary<string, long> d) => string.Join(" ", d.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
        Assert.Equal(Show(expected), Show(actual));
    }
}
