using System;
using System.Collections.Generic;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Robustness;

/// <summary>
/// Nothing internal is reachable from a client (DESIGN.md section 2: shard-to-shard work is typed messages,
/// never commands). The former internal command names are unknown commands, byte for byte as Redis answers
/// them; the command table holds only Redis's own commands; and a fuzz over every command the table serves,
/// with random arguments, never touches a key it was not given.
/// </summary>
public class InternalSurfaceTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    static readonly string[][] FormerInternal =
    [
        ["__fkv-take", "0", "foo"],
        ["__fkv-put", "0", "foo", "1", "x"],
        ["__fkv-del", "0", "foo"],
        ["__fkv-exec", "0", "0", "get", "foo"],
        ["__fkv-block", "1", "try", "foo"],
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void FormerInternalNames_AnswerUnknownCommand_AsRedisDoes(int threads)
    {
        using var oracle = servers.Oracle.Server.Connect();
        using var target = servers.TargetWithThreads(threads).Server.Connect();
        foreach (var c in new[] { oracle, target }) Assert.Equal("+OK\r\n", c.CallText("SET", "foo", "bar"));
        foreach (string[] command in FormerInternal)
        {
            string expected = oracle.CallText(command);
            Assert.StartsWith("-ERR unknown command", expected);
            Assert.Equal(expected, target.CallText(command));
            Assert.Equal("$3\r\nbar\r\n", target.CallText("GET", "foo"));
        }
    }

    /// <summary>
    /// Every command and subcommand FastKv lists is one Redis 7.2 has, and COMMAND COUNT counts exactly the
    /// top-level ones listed (COMMAND LIST names subcommands too, as container|sub).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void TheCommandTable_HoldsOnlyRedisCommands(int threads)
    {
        using var oracle = servers.Oracle.Server.Connect();
        using var target = servers.TargetWithThreads(threads).Server.Connect();
        var redis = CommandList(oracle);
        var ours = CommandList(target);
        Assert.Empty(ours.Except(redis));
        Assert.Equal($":{ours.Count(n => !n.Contains('|'))}\r\n", target.CallText("COMMAND", "COUNT"));
    }

    static HashSet<string> CommandList(RespConnection c) =>
        Resp.Parse(c.Call("COMMAND", "LIST")).Items!.Select(i => i.Text!.ToLowerInvariant()).ToHashSet();

    /// <summary>
    /// Commands the fuzz leaves out: they stop, stall or reconfigure the server, wait for replicas, leave the
    /// connection in another mode, or act on whole databases by design (FLUSHALL, SWAPDB); none takes a key argument.
    /// The blocking commands are in, with their timeout made 10 ms (<see cref="WithShortTimeout"/>).
    /// </summary>
    static readonly HashSet<string> NotFuzzed = new(StringComparer.Ordinal)
    {
        "shutdown", "debug", "monitor", "quit", "reset", "hello", "client", "config", "flushall", "flushdb", "swapdb",
        "subscribe", "psubscribe", "ssubscribe", "multi", "watch", "sync", "psync", "replicaof", "slaveof", "failover",
        "wait", "waitaof", "save", "bgsave", "bgrewriteaof", "cluster", "readonly", "readwrite", "acl", "module",
        "script", "function",
    };

    /// <summary>
    /// A blocking command's random arguments with its timeout set to 0.01 s where the timeout goes (last for BLPOP,
    /// BRPOP, BZPOPMIN, BZPOPMAX, BRPOPLPUSH, BLMOVE; first for BLMPOP, BZMPOP), so that a wait ends. XREAD and
    /// XREADGROUP block only with BLOCK, which the words never hold.
    /// </summary>
    static void WithShortTimeout(string[] args)
    {
        if (args.Length < 2) return;
        switch (args[0])
        {
            case "blpop" or "brpop" or "bzpopmin" or "bzpopmax" or "brpoplpush" or "blmove":
                args[^1] = "0.01";
                break;
            case "blmpop" or "bzmpop":
                args[1] = "0.01";
                break;
        }
    }

    static readonly string[] Words =
    [
        "k1", "k2", "{k}1", "{k}2", "0", "1", "-1", "2", "10", "100", "1.5", "+inf", "-inf", "(1", "[a", "-", "+",
        "nx", "xx", "ex", "px", "get", "withscores", "limit", "count", "match", "*", "a", "b", "left", "right", "min",
        "max", "db", "replace", "type", "string", "store", "by", "rev", "byscore", "bylex", "keepttl", "len", "idx",
    ];

    /// <summary>
    /// Sentinel keys of every type, in databases 0 and 1, on every shard; then every other command in the table
    /// with random arguments drawn from words that never name a sentinel. Afterwards every sentinel holds
    /// exactly what it held, and the server still serves.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void NoCommand_WithRandomArguments_ReachesKeysItWasNotGiven(int threads)
    {
        ServerProcess server = servers.TargetWithThreads(threads).Server;
        using var setup = server.Connect();
        Assert.Equal("+OK\r\n", setup.CallText("FLUSHALL"));
        var sentinels = new List<(int db, string key, string[] read)>();
        foreach (int db in new[] { 0, 1 })
        {
            Assert.Equal("+OK\r\n", setup.CallText("SELECT", db.ToString()));
            for (int i = 0; i < 8; i++)
            {
                string p = $"sentinel:{db}:{i}:";
                setup.Call("SET", p + "s", "value" + i);
                setup.Call("HSET", p + "h", "f", "v", "g", "w");
                setup.Call("RPUSH", p + "l", "x", "y", "z");
                setup.Call("SADD", p + "set", "1", "2", "m");
                setup.Call("ZADD", p + "z", "1", "a", "2", "b");
                setup.Call("SET", p + "ttl", "t", "EX", "100000");
                sentinels.Add((db, p + "s", ["GET", p + "s"]));
                sentinels.Add((db, p + "h", ["HGETALL", p + "h"]));
                sentinels.Add((db, p + "l", ["LRANGE", p + "l", "0", "-1"]));
                sentinels.Add((db, p + "set", ["SMEMBERS", p + "set"]));
                sentinels.Add((db, p + "z", ["ZRANGE", p + "z", "0", "-1", "WITHSCORES"]));
                sentinels.Add((db, p + "ttl", ["GET", p + "ttl"]));
            }
        }
        var before = Snapshot(setup, sentinels);

        var rng = new Random(threads * 7919);
        var commands = CommandList(setup).Where(n => !NotFuzzed.Contains(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        Assert.True(commands.Count > 100, "COMMAND LIST returned only " + commands.Count);
        foreach (string name in commands)
        {
            using var c = server.Connect();
            const int tries = 12;
            var sent = new List<string[]>();
            for (int t = 0; t < tries; t++)
            {
                int n = rng.Next(0, 6);
                var args = new string[n + 1];
                args[0] = name;
                for (int i = 1; i <= n; i++) args[i] = Words[rng.Next(Words.Length)];
                WithShortTimeout(args);
                sent.Add(args);
                c.SendCommand(args);
            }
            foreach (string[] args in sent)
            {
                try { c.ReadReply(); }
                catch (Exception e) { Assert.Fail($"no reply to {string.Join(' ', args)}: {e.Message}"); }
            }
        }

        using var check = server.Connect();
        Assert.Equal("+PONG\r\n", check.CallText("PING"));
        var after = Snapshot(check, sentinels);
        foreach (var (key, value) in before)
            Assert.True(after[key] == value, $"sentinel {key} changed: {value} -> {after[key]}");
    }

    static Dictionary<string, string> Snapshot(RespConnection c, List<(int db, string key, string[] read)> sentinels)
    {
        var result = new Dictionary<string, string>();
        foreach (var (db, key, read) in sentinels)
        {
            Assert.Equal("+OK\r\n", c.CallText("SELECT", db.ToString()));
            RespValue v = Resp.Parse(c.Call(read));
            string text = v.Items != null ? string.Join(",", v.Items.Select(i => i.Text).OrderBy(s => s, StringComparer.Ordinal)) : v.Text ?? "(nil)";
            result[db + "/" + key] = text + " ttl=" + (Resp.Parse(c.Call("TTL", key)).Integer > 0);
        }
        Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
        return result;
    }
}
