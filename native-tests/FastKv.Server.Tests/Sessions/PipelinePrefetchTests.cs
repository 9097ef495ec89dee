using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Sessions;

/// <summary>
/// The session parses a pipeline ahead of running it to prefetch its keys (PipelinePrefetch): that look-ahead
/// must never change what runs. One long pipeline of mixed commands (keyed and keyless, scripts with their keys
/// after numkeys, SELECT between keyed commands, unknown commands, inline commands, wrong arities, empty
/// multibulks) goes to Redis 7.2.4 and to FastKv cut at random byte boundaries, so windows end inside commands;
/// the reply streams must be byte-identical. FastKv runs the look-ahead at any data size here
/// (fastkv-lookahead-min-keys 0).
/// </summary>
public class PipelinePrefetchTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    const string Incr = "local v = redis.call('incr', KEYS[1]) redis.call('expire', KEYS[1], ARGV[1]) return v";

    [Theory]
    [InlineData(1, 11)]
    [InlineData(4, 12)]
    [InlineData(4, 13)]
    public void PipelineCutAnywhere_RepliesAsRedis(int threads, int seed)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        // The look-ahead runs on every shard, however little data it holds.
        if (!ServerLocator.TargetIsRedis)
        {
            using var c = target.Connect();
            Assert.Equal("+OK\r\n", Resp.AsString(c.Call("CONFIG", "SET", "fastkv-lookahead-min-keys", "0")));
        }
        var rng = new Random(seed);
        string sha = Sha1Hex(Incr);
        var wire = new MemoryStream();
        int commands = 0;
        void Add(params string[] args)
        {
            wire.Write(Resp.EncodeCommand(args));
            commands++;
        }
        Add("FLUSHALL");
        Add("SCRIPT", "LOAD", Incr);
        for (int i = 0; i < 1200; i++)
        {
            string k = "pf:" + rng.Next(40);
            switch (rng.Next(14))
            {
                case 0: Add("SET", k, "v" + i); break;
                case 1: Add("GET", k); break;
                case 2: Add("INCR", "pf:n" + rng.Next(8)); break;
                case 3: Add("EVALSHA", sha, "1", "pf:s" + rng.Next(8), "60"); break;
                case 4: Add("EVAL", "return KEYS[1]", "1", k); break;
                case 5: Add("EVALSHA", sha, "0"); break; // no key: the script's error
                case 6: Add("SELECT", rng.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
                case 7: Add("HSET", "pf:h" + rng.Next(4), "f" + rng.Next(5), "x"); break;
                case 8: Add("ZADD", "pf:z", rng.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture), "m" + i % 7); break;
                case 9: Add("NOSUCHCOMMAND", k); break;
                case 10: Add("GET"); break; // wrong arity: the look-ahead finds no key
                case 11:
                    wire.Write(Encoding.ASCII.GetBytes("PING inline\r\n")); // inline: ends a look-ahead window
                    commands++;
                    break;
                case 12: wire.Write(Encoding.ASCII.GetBytes("*0\r\n")); break; // skipped, no reply
                default: Add("MGET", k, "pf:" + rng.Next(40), "pf:n1"); break;
            }
        }
        Add("SELECT", "0");
        byte[] bytes = wire.ToArray();

        byte[] expected = SendCut(oracle, bytes, commands, seed);
        byte[] actual = SendCut(target, bytes, commands, seed);
        Assert.True(expected.AsSpan().SequenceEqual(actual),
            $"seed {seed}, --threads {threads}: reply streams differ at byte {FirstDifference(expected, actual)}");
        target.AssertAlive();
    }

    /// <summary>
    /// The look-ahead parses as an authenticated connection and hands its parse to the session: a command inside its
    /// window that ends the authentication (RESET under requirepass) must make the next commands parse with the
    /// unauthenticated limits (multibulk count 10, bulk length 16384) and answer NOAUTH, as Redis does. Commands of
    /// 100 or more arguments end a window. AUTH goes first on its own (an unauthenticated pass has no look-ahead), then
    /// the rest in one write, so it is one read.
    /// </summary>
    [Theory]
    [InlineData(1, "count")]
    [InlineData(1, "bulk")]
    [InlineData(1, "noauth")]
    [InlineData(4, "count")]
    [InlineData(4, "bulk")]
    public void AuthenticationEndsInsideWindow_RepliesAsRedis(int threads, string after)
    {
        var wire = new MemoryStream();
        void Add(params string[] args) => wire.Write(Resp.EncodeCommand(args));
        Add("SET", "pa", "1");
        var big = new List<string> { "MSET" };
        for (int i = 0; i < 60; i++) big.AddRange(["pb:" + i, "v" + i]); // 121 arguments: ends a window
        Add(big.ToArray());
        Add("GET", "pa");
        Add("GET", "pb:7");
        Add("RESET");
        Add("GET", "pa");
        switch (after)
        {
            case "count": Add("MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f"); break; // 12 arguments
            case "bulk": Add("SET", "pa", new string('x', 20000)); break;
            default: Add("PING"); break;
        }
        Add("GET", "pa");
        byte[] bytes = wire.ToArray();
        string Run(ServerKind kind)
        {
            using var s = kind == ServerKind.Redis || ServerLocator.TargetIsRedis ? ServerProcess.Start(kind, threads, "--requirepass", "pw")
                : ServerProcess.Start(kind, threads, "--requirepass", "pw", "--fastkv-lookahead-min-keys", "0");
            using var c = s.Connect();
            var replies = new List<string> { Resp.Escape(c.Call("AUTH", "pw")) };
            c.Send(bytes);
            try
            {
                for (int i = 0; i < 8; i++) replies.Add(Resp.Escape(c.ReadReply()));
            }
            catch (RespConnectionClosedException)
            {
                replies.Add("(closed)");
            }
            if (kind == ServerKind.Target) s.AssertAlive();
            return string.Join("\n", replies);
        }
        string expected = Run(ServerKind.Redis);
        Assert.Equal(expected, Run(ServerKind.Target));
        Assert.Contains(after == "noauth" ? "NOAUTH" : "Protocol error", expected, StringComparison.Ordinal);
    }

    /// <summary>Writes the bytes in random pieces (1 byte to 4 KB, some with a pause) and reads every reply.</summary>
    static byte[] SendCut(ServerProcess server, byte[] bytes, int replies, int seed)
    {
        var rng = new Random(seed * 7919);
        using var conn = server.Connect();
        for (int at = 0; at < bytes.Length;)
        {
            int n = Math.Min(bytes.Length - at, rng.Next(4) == 0 ? rng.Next(1, 40) : rng.Next(40, 4096));
            conn.Send(bytes.AsSpan(at, n));
            at += n;
            if (rng.Next(8) == 0) Thread.Sleep(1);
        }
        var all = new MemoryStream();
        for (int i = 0; i < replies; i++) all.Write(conn.ReadReply());
        return all.ToArray();
    }

    static int FirstDifference(byte[] a, byte[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
            if (a[i] != b[i]) return i;
        return n;
    }

    static string Sha1Hex(string s)
        => Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes(s)));
}
