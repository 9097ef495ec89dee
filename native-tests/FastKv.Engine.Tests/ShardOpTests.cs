using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// Work between shards travels as typed operations, not as commands: nothing of it is in the command table,
/// INFO commandstats counts the client's command once, and two servers in one process share no state.
/// </summary>
public class ShardOpTests
{
    static string KeyOn(ServerState s, int shard, string prefix) => EngineHarness.KeyOn(s, shard, prefix);

    static void Pump(ServerState server) => EngineHarness.Pump(server);

    static string Send(EngineHarness h, params string[][] commands)
    {
        var req = new List<byte>();
        foreach (string[] c in commands) req.AddRange(EngineHarness.Command(c));
        h.Session.Feed(req.ToArray());
        Pump(h.Server);
        Assert.False(h.Session.Waiting);
        string reply = Encoding.UTF8.GetString(h.Session.Output.Written);
        h.Session.Output.Clear();
        return reply;
    }

    static string[] C(params string[] a) => a;

    /// <summary>The calls INFO commandstats reports for a command (0 when it has no line).</summary>
    static long Calls(EngineHarness h, string command)
    {
        string info = Send(h, C("INFO", "commandstats"));
        string prefix = "cmdstat_" + command + ":calls=";
        int i = info.IndexOf(prefix, StringComparison.Ordinal);
        if (i < 0) return 0;
        int start = i + prefix.Length, end = info.IndexOf(',', start);
        return long.Parse(info.AsSpan(start, end - start));
    }

    [Fact]
    public void TheCommandTable_HoldsNoInternalEntries()
    {
        using var h = new EngineHarness(shards: 2);
        foreach (CommandSpec s in h.Server.Commands.All)
        {
            Assert.False(s.Name.StartsWith('_'), "internal-looking command in the table: " + s.Name);
            foreach (char ch in s.Name) Assert.True(ch is >= 'a' and <= 'z' or '-' or '_' or '|', "odd command name " + s.Name);
        }
        // COMMAND answers for the whole table: nothing is registered and hidden.
        string count = Send(h, C("COMMAND", "COUNT"));
        int top = 0;
        foreach (CommandSpec s in h.Server.Commands.All) if (s.Parent == null) top++;
        Assert.Equal($":{top}\r\n", count);
    }

    [Theory]
    [InlineData("__fkv-take", "0", "k")]
    [InlineData("__fkv-put", "0", "k", "1", "x")]
    [InlineData("__fkv-del", "0", "k")]
    [InlineData("__fkv-exec", "0", "0", "get", "k")]
    [InlineData("__fkv-block", "1", "try", "k")]
    public void FormerInternalCommands_AreUnknown(params string[] command)
    {
        using var h = new EngineHarness(shards: 2);
        Assert.Equal("+OK\r\n", Send(h, C("SET", "k", "v")));
        string reply = Send(h, command);
        Assert.StartsWith("-ERR unknown command '" + command[0] + "'", reply);
        Assert.Equal("$1\r\nv\r\n", Send(h, C("GET", "k")));
    }

    /// <summary>Cross-shard RENAME, COPY and a gathered SUNIONSTORE move values through typed copies: the results are right and each command is counted once.</summary>
    [Fact]
    public void CrossShardMoves_AreCountedOnce_AsTheClientsCommand()
    {
        using var h = new EngineHarness(shards: 2);
        string a = KeyOn(h.Server, 0, "a"), b = KeyOn(h.Server, 1, "b"), c = KeyOn(h.Server, 1, "c");
        Assert.Equal(":3\r\n", Send(h, C("SADD", a, "x", "y", "z")));
        Assert.Equal(":1\r\n", Send(h, C("COPY", a, c)));
        Assert.Equal("+OK\r\n", Send(h, C("RENAME", a, b)));
        Assert.Equal(":0\r\n", Send(h, C("EXISTS", a)));
        Assert.Equal(":3\r\n", Send(h, C("SCARD", b)));
        Assert.Equal(":3\r\n", Send(h, C("SUNIONSTORE", a, b, c)));
        Assert.Equal(":0\r\n", Send(h, C("RENAMENX", a, b)));
        Assert.Equal(":2\r\n", Send(h, C("DEL", a, b)));
        Assert.Equal(1, Calls(h, "copy"));
        Assert.Equal(1, Calls(h, "rename"));
        Assert.Equal(1, Calls(h, "renamenx"));
        Assert.Equal(1, Calls(h, "sunionstore"));
        Assert.Equal(1, Calls(h, "del"));
        Assert.Equal(1, Calls(h, "exists"));
        Assert.Equal(1, Calls(h, "scard"));
    }

    /// <summary>A BLPOP is counted as one blpop whether it found data at once, was served later or timed out; never as an lpop.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void BlockingCommands_AreCountedOnceAsThemselves(int keyShard)
    {
        using var h = new EngineHarness(shards: 2);
        string q = KeyOn(h.Server, keyShard, "q");
        Assert.Equal(":1\r\n", Send(h, C("RPUSH", q, "a")));
        Assert.Equal($"*2\r\n${q.Length}\r\n{q}\r\n$1\r\na\r\n", Send(h, C("BLPOP", q, "0")));
        var waiter = new Session(h.Server.Shards[0], new Client { Id = 2 });
        waiter.Feed(EngineHarness.Command("BLPOP", q, "0"));
        Pump(h.Server);
        Assert.True(waiter.Waiting);
        Assert.Equal(":1\r\n", Send(h, C("RPUSH", q, "b")));
        Pump(h.Server);
        Assert.False(waiter.Waiting);
        Assert.Equal(2, Calls(h, "blpop"));
        Assert.Equal(0, Calls(h, "lpop"));
    }

    /// <summary>
    /// Two servers in one process: each keeps its own transaction order and its own blocked clients (the
    /// sequencer and the blocked-client registry were process-wide statics once).
    /// </summary>
    [Fact]
    public void TwoServersInOneProcess_ShareNoState()
    {
        using var one = new EngineHarness(shards: 2);
        using var two = new EngineHarness(shards: 2);
        string a = KeyOn(one.Server, 0, "k"), b = KeyOn(one.Server, 1, "k");
        Assert.Equal("+OK\r\n", Send(one, C("MSET", a, "1", b, "2")));
        Assert.Equal("+OK\r\n", Send(one, C("MSET", a, "3", b, "4")));
        Assert.Equal(2, one.Server.Sequencer.LastId);
        Assert.Equal(0, two.Server.Sequencer.LastId);
        Assert.Equal("*2\r\n$-1\r\n$-1\r\n", Send(two, C("MGET", a, b)));
        Assert.Equal(1, two.Server.Sequencer.LastId);

        // A client blocked on server one is not served by a push to the same key on server two.
        string q = KeyOn(one.Server, 1, "q");
        var waiter = new Session(one.Server.Shards[0], new Client { Id = 2 });
        waiter.Feed(EngineHarness.Command("BLPOP", q, "0"));
        Pump(one.Server);
        Assert.True(waiter.Waiting);
        Assert.Equal(":1\r\n", Send(two, C("RPUSH", q, "x")));
        Pump(one.Server);
        Assert.True(waiter.Waiting);
        Assert.Equal(":1\r\n", Send(one, C("RPUSH", q, "y")));
        Pump(one.Server);
        Assert.False(waiter.Waiting);
        Assert.Equal($"*2\r\n${q.Length}\r\n{q}\r\n$1\r\ny\r\n", Encoding.UTF8.GetString(waiter.Output.Written));
    }
}
