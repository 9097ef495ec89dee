using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Surface;

/// <summary>
/// Error replies in INFO as Redis 7.2.4 counts them (afterErrorReply, call() and rejectCommand): total_error_replies,
/// errorstat_&lt;code&gt; per error code, and per command failed_calls (it ran and answered an error) and rejected_calls
/// (refused before it ran: arity, NOAUTH, subscriber mode, not allowed in MULTI). One conversation covers errors of
/// commands run at home, on another shard, split over shards, gathered, blocking, inside MULTI/EXEC and refused by the
/// gate; it runs on Redis too and the INFO lines are compared (times left out).
/// </summary>
public class ErrorStatsTests
{
    static readonly Regex Usec = new(@"usec=\d+,usec_per_call=[\d.]+,", RegexOptions.Compiled);

    static string Info(RespConnection c, string section) => Resp.Parse(c.Call("INFO", section)).Text!;

    /// <summary>The section's lines (no header, no times), sorted: Redis lists commands in its dict's order.</summary>
    static IEnumerable<string> Lines(RespConnection c, string section) =>
        Info(c, section).Split("\r\n").Where(l => l.Length > 0 && l[0] != '#').Select(l => Usec.Replace(l, "")).Order(StringComparer.Ordinal);

    static string ErrorReplies(RespConnection c) =>
        string.Join(" ", Info(c, "stats").Split("\r\n").Where(l => l.Contains("error_replies", StringComparison.Ordinal)));

    static List<string> Conversation(ServerKind kind, int threads)
    {
        using var s = ServerProcess.Start(kind, threads, "--requirepass", "pw");
        using var c = s.Connect();
        var log = new List<string>();
        void Run(RespConnection conn, params string[] args) => log.Add(string.Join(" ", args) + " -> " + Resp.Escape(conn.Call(args)));
        Run(c, "AUTH", "pw");
        Run(c, "CONFIG", "RESETSTAT");
        Run(c, "SET", "s", "1");
        Run(c, "LPUSH", "l", "a");
        Run(c, "GET", "l");
        Run(c, "INCR", "l");
        Run(c, "SET", "s", "abc");
        Run(c, "INCR", "s");
        Run(c, "SET", "a", "b", "EX", "-1");
        Run(c, "GET");
        Run(c, "NOSUCHCMD", "x");
        Run(c, "CONFIG", "NOSUCH");
        Run(c, "CONFIG");
        Run(c, "EXEC");
        Run(c, "DISCARD");
        // Inside MULTI: a rejected and an unknown command make EXEC abort; a failing one inside EXEC fails itself.
        Run(c, "MULTI");
        Run(c, "SET", "a", "1");
        Run(c, "GET");
        Run(c, "NOSUCHCMD");
        Run(c, "EXEC");
        Run(c, "MULTI");
        Run(c, "SET", "a", "1");
        Run(c, "INCR", "l");
        Run(c, "SET", "{l}x", "1");
        Run(c, "EXEC");
        Run(c, "WATCH", "a");
        Run(c, "MULTI");
        Run(c, "MULTI");
        Run(c, "WATCH", "b");
        Run(c, "SAVE");
        Run(c, "DISCARD");
        Run(c, "MULTI");
        Run(c, "PING");
        Run(c, "EXEC");
        // Commands every shard runs a share of, split over shards, gathered, moved between shards.
        Run(c, "FLUSHALL", "BAD");
        Run(c, "SWAPDB", "0", "99");
        Run(c, "MSET", "a");
        Run(c, "MSET", "x", "1", "y", "2", "z", "3");
        Run(c, "DEL");
        Run(c, "SUNION", "l", "s", "x", "y");
        Run(c, "RENAME", "nokey", "other");
        // Blocking commands answered at once with an error.
        Run(c, "BLPOP", "s", "0");
        Run(c, "LMOVE", "s", "l", "LEFT", "LEFT");
        Run(c, "BLMOVE", "l", "s", "LEFT", "LEFT", "0");
        Run(c, "BLPOP", "l", "-1");
        Run(c, "RPUSH", "l", "again");
        // A snapshot running: BGSAVE fails; BGSAVE with a bad argument fails too.
        Run(c, "CONFIG", "SET", "rdb-key-save-delay", "100000");
        Run(c, "BGSAVE");
        Run(c, "BGSAVE");
        Run(c, "BGSAVE", "BAD");
        // Refused before running: no AUTH yet, RESP2 subscriber mode.
        using (var noauth = s.Connect()) Run(noauth, "GET", "a");
        using (var sub = s.Connect())
        {
            Run(sub, "AUTH", "pw");
            Run(sub, "SUBSCRIBE", "ch");
            Run(sub, "GET", "a");
        }
        log.Add("stats: " + ErrorReplies(c));
        log.AddRange(Lines(c, "errorstats"));
        log.AddRange(Lines(c, "commandstats"));
        Run(c, "CONFIG", "RESETSTAT");
        log.Add("after resetstat: " + ErrorReplies(c) + " errorstats: " + string.Join(" ", Lines(c, "errorstats")));
        return log;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ErrorReplies_FailedAndRejectedCalls_CountedAsRedis(int threads)
    {
        List<string> fastkv = Conversation(ServerKind.Target, threads);
        Assert.Contains("errorstat_WRONGTYPE:count=7", fastkv);
        Assert.Contains("cmdstat_get:calls=1,rejected_calls=4,failed_calls=1", fastkv);
        Assert.Equal(Conversation(ServerKind.Redis, 1), fastkv);
    }
}
