using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// busy-reply-threshold (Redis's script timeout) with a real server: once a script has run past the threshold, every
/// client, on any shard, gets -BUSY except for the allow_busy commands; SCRIPT KILL stops a script that has not
/// written (its caller gets "Script killed by user with SCRIPT KILL..."), answers UNKILLABLE once it has, NOTBUSY
/// with none running; SHUTDOWN NOSAVE stops the server under a script that wrote, and leaves its writes out of the
/// AOF. The threshold is small; the tests wait for the BUSY reply, never for a time.
/// </summary>
[Trait("Category", "Smoke")]
public class BusyScriptTests
{
    const string Busy = "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
    const string Unkillable = "-UNKILLABLE Sorry the script already executed write commands against the dataset. " +
                              "You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n";
    const string Loop = "local i = 0 while true do i = i + 1 end";
    static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);

    public static IEnumerable<TheoryDataRow<int>> Threads() => new[] { new TheoryDataRow<int>(1), new TheoryDataRow<int>(2) };

    static ServerProcess Start(int threads, params string[] extra) =>
        ServerProcess.Start(ServerKind.Target, threads, ["--busy-reply-threshold", "100", .. extra]);

    /// <summary>Several connections, so that at --threads 2 both shards have some (SO_REUSEPORT spreads them).</summary>
    static List<RespConnection> Connect(ServerProcess s, int n)
    {
        var list = new List<RespConnection>();
        for (int i = 0; i < n; i++)
        {
            RespConnection c = s.Connect();
            c.Timeout = s_long;
            list.Add(c);
        }
        return list;
    }

    /// <summary>Pings until the server answers BUSY: the script is past the threshold.</summary>
    static void WaitBusy(RespConnection c)
    {
        DateTime deadline = DateTime.UtcNow + s_long;
        while (true)
        {
            string r = c.CallText("PING");
            if (r == Busy) return;
            Assert.Equal("+PONG\r\n", r);
            Assert.True(DateTime.UtcNow < deadline, "the script never became busy");
            System.Threading.Thread.Sleep(20);
        }
    }

    [Fact]
    public void NoScript_ScriptKillAnswersNotBusy_AndTheThresholdHasBothNames()
    {
        using ServerProcess s = Start(1);
        using RespConnection c = s.Connect();
        Assert.Equal("-NOTBUSY No scripts in execution right now.\r\n", c.CallText("SCRIPT", "KILL"));
        Assert.Equal("*2\r\n$20\r\nbusy-reply-threshold\r\n$3\r\n100\r\n", c.CallText("CONFIG", "GET", "busy-reply-threshold"));
        Assert.Equal("+OK\r\n", c.CallText("CONFIG", "SET", "lua-time-limit", "250"));
        Assert.Equal("*2\r\n$14\r\nlua-time-limit\r\n$3\r\n250\r\n", c.CallText("CONFIG", "GET", "lua-time-limit"));
        Assert.Equal("*2\r\n$20\r\nbusy-reply-threshold\r\n$3\r\n250\r\n", c.CallText("CONFIG", "GET", "busy-reply-threshold"));
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void BusyScript_OthersGetBusy_ThenScriptKillStopsIt(int threads)
    {
        using ServerProcess s = Start(threads);
        using RespConnection runner = s.Connect();
        runner.Timeout = s_long;
        List<RespConnection> others = Connect(s, 6);
        try
        {
            runner.SendCommand("EVAL", Loop, "0");
            WaitBusy(others[0]);
            foreach (RespConnection o in others)
            {
                Assert.Equal(Busy, o.CallText("PING"));
                Assert.Equal(Busy, o.CallText("GET", "{a}k"));
                Assert.Equal(Busy, o.CallText("SET", "{b}k", "v"));
                Assert.Equal(Busy, o.CallText("EVAL", "return 1", "0"));
                Assert.Equal(Busy, o.CallText("CLIENT", "ID"));
                Assert.Equal(Busy, o.CallText("SHUTDOWN"));
                // FUNCTION STATS is allowed while busy, and answers BUSY for an EVAL (functionStatsCommand).
                Assert.Equal(Busy, o.CallText("FUNCTION", "STATS"));
            }
            // The transaction commands are allowed, so a pipelined MULTI ... EXEC aborts instead of half running.
            RespConnection t = others[1];
            Assert.Equal("+OK\r\n", t.CallText("MULTI"));
            Assert.Equal(Busy, t.CallText("SET", "{a}k", "1"));
            Assert.Equal("-EXECABORT Transaction discarded because of: " + Busy.Substring(1), t.CallText("EXEC"));
            Assert.Equal("+OK\r\n", t.CallText("MULTI"));
            Assert.Equal("+OK\r\n", t.CallText("DISCARD"));
            // A client connecting now is answered too.
            using (RespConnection late = s.Connect())
            {
                Assert.Equal(Busy, late.CallText("PING"));
                Assert.StartsWith("*", late.CallText("HELLO", "2"));
            }
            Assert.Equal("+OK\r\n", others[2].CallText("SCRIPT", "KILL"));
            string sha = Sha1Hex(Loop);
            Assert.Equal("-ERR Script killed by user with SCRIPT KILL... script: " + sha + ", on @user_script:1.\r\n",
                Resp.AsString(runner.ReadReply()));
            foreach (RespConnection o in others) Assert.Equal("+PONG\r\n", o.CallText("PING"));
            Assert.Equal("-NOTBUSY No scripts in execution right now.\r\n", others[3].CallText("SCRIPT", "KILL"));
            Assert.Equal(":3\r\n", runner.CallText("EVAL", "return 3", "0"));
        }
        finally
        {
            foreach (RespConnection o in others) o.Dispose();
        }
        s.AssertAlive();
    }

    /// <summary>
    /// A busy function: others get the FUNCTION KILL form of -BUSY, SCRIPT KILL answers that too, FUNCTION KILL stops it
    /// (its caller gets Redis 7.2.4's reply, naming the function and its line), and FUNCTION KILL then answers NOTBUSY.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void BusyFunction_FunctionKillStopsIt(int threads)
    {
        const string busyFunction = "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n";
        using ServerProcess s = Start(threads);
        using RespConnection runner = s.Connect();
        runner.Timeout = s_long;
        List<RespConnection> others = Connect(s, 4);
        try
        {
            Assert.Equal("$4\r\nspin\r\n", runner.CallText("FUNCTION", "LOAD", "#!lua name=spin\nredis.register_function('spin', function(KEYS, ARGV) " + Loop + " end)"));
            runner.SendCommand("FCALL", "spin", "0", "extra");
            DateTime deadline = DateTime.UtcNow + s_long;
            while (others[0].CallText("PING") != busyFunction)
            {
                Assert.True(DateTime.UtcNow < deadline, "the function never became busy");
                System.Threading.Thread.Sleep(20);
            }
            foreach (RespConnection o in others) Assert.Equal(busyFunction, o.CallText("SCRIPT", "KILL"));
            // FUNCTION STATS names the busy function, its caller's command and how long it has run, from any shard.
            foreach (RespConnection o in others)
                Assert.Matches(@"^\*4\r\n\$14\r\nrunning_script\r\n\*6\r\n\$4\r\nname\r\n\$4\r\nspin\r\n\$7\r\ncommand\r\n" +
                               @"\*4\r\n\$5\r\nFCALL\r\n\$4\r\nspin\r\n\$1\r\n0\r\n\$5\r\nextra\r\n\$11\r\nduration_ms\r\n:[1-9][0-9]{2,}\r\n" +
                               @"\$7\r\nengines\r\n", o.CallText("FUNCTION", "STATS"));
            Assert.Equal("+OK\r\n", others[1].CallText("FUNCTION", "KILL"));
            Assert.Equal("-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n", Resp.AsString(runner.ReadReply()));
            foreach (RespConnection o in others) Assert.Equal("+PONG\r\n", o.CallText("PING"));
            Assert.Equal("-NOTBUSY No scripts in execution right now.\r\n", others[2].CallText("FUNCTION", "KILL"));
            Assert.StartsWith("*4\r\n$14\r\nrunning_script\r\n$-1\r\n", others[0].CallText("FUNCTION", "STATS"));
        }
        finally
        {
            foreach (RespConnection o in others) o.Dispose();
        }
        s.AssertAlive();
    }

    /// <summary>
    /// A state that replaced one the watch had armed (the functions' after FUNCTION LOAD REPLACE, EVAL's after SCRIPT
    /// FLUSH) is armed too: the loop becomes busy and is killed, instead of holding its shard for good.
    /// </summary>
    [Fact]
    public void ScriptOnAReplacedState_StillBecomesBusy()
    {
        const string busyFunction = "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n";
        const string lib = "#!lua name=spin\nredis.register_function('one', function() return 1 end)\n" +
                           "redis.register_function('spin', function(KEYS, ARGV) " + Loop + " end)";
        using ServerProcess s = Start(1);
        using RespConnection runner = s.Connect();
        runner.Timeout = s_long;
        using RespConnection other = s.Connect();
        other.Timeout = s_long;
        Assert.Equal("$4\r\nspin\r\n", runner.CallText("FUNCTION", "LOAD", lib));
        Assert.Equal(":1\r\n", runner.CallText("FCALL", "one", "0"));
        Assert.Equal("$4\r\nspin\r\n", runner.CallText("FUNCTION", "LOAD", "REPLACE", lib));
        runner.SendCommand("FCALL", "spin", "0");
        DateTime deadline = DateTime.UtcNow + s_long;
        while (other.CallText("PING") != busyFunction)
        {
            Assert.True(DateTime.UtcNow < deadline, "the function never became busy");
            System.Threading.Thread.Sleep(20);
        }
        Assert.Equal("+OK\r\n", other.CallText("FUNCTION", "KILL"));
        Assert.StartsWith("-ERR Script killed by user", Resp.AsString(runner.ReadReply()));

        Assert.Equal(":1\r\n", runner.CallText("EVAL", "return 1", "0"));
        Assert.Equal("+OK\r\n", runner.CallText("SCRIPT", "FLUSH"));
        runner.SendCommand("EVAL", Loop, "0");
        WaitBusy(other);
        Assert.Equal("+OK\r\n", other.CallText("SCRIPT", "KILL"));
        Assert.StartsWith("-ERR Script killed by user", Resp.AsString(runner.ReadReply()));
        Assert.Equal("+PONG\r\n", other.CallText("PING"));
        s.AssertAlive();
    }

    [Fact]
    public void KilledScript_CannotCatchTheKillWithPcall()
    {
        using ServerProcess s = Start(1);
        using RespConnection runner = s.Connect();
        runner.Timeout = s_long;
        using RespConnection other = s.Connect();
        other.Timeout = s_long;
        const string trap = "while true do pcall(function() while true do end end) end";
        runner.SendCommand("EVAL", trap, "0");
        WaitBusy(other);
        Assert.Equal("+OK\r\n", other.CallText("SCRIPT", "KILL"));
        Assert.Equal("-ERR Script killed by user with SCRIPT KILL... script: " + Sha1Hex(trap) + ", on @user_script:1.\r\n",
            Resp.AsString(runner.ReadReply()));
        Assert.Equal("+PONG\r\n", other.CallText("PING"));
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void ScriptThatWrote_IsUnkillable_AndShutdownNosaveStopsTheServer(int threads)
    {
        using ServerProcess s = Start(threads, "--appendonly", "yes", "--appendfsync", "always");
        using RespConnection runner = s.Connect();
        runner.Timeout = s_long;
        List<RespConnection> others = Connect(s, 4);
        try
        {
            Assert.Equal("+OK\r\n", others[0].CallText("SET", "{w}before", "1"));
            runner.SendCommand("EVAL", "redis.call('set', KEYS[1], 'partial') " + Loop, "1", "{w}during");
            WaitBusy(others[0]);
            foreach (RespConnection o in others) Assert.Equal(Unkillable, o.CallText("SCRIPT", "KILL"));
            Assert.Equal(Busy, others[1].CallText("SHUTDOWN"));
            others[2].SendCommand("SHUTDOWN", "NOSAVE");
            Assert.True(others[2].IsClosedByPeer(s_long), "SHUTDOWN NOSAVE left the connection open");
            Assert.True(runner.IsClosedByPeer(s_long), "the script's caller stayed connected");
            Assert.Equal(0, s.WaitForExit(s_long));
        }
        finally
        {
            foreach (RespConnection o in others) o.Dispose();
        }
        // The write before the script is in the AOF; the script's, stopped half way, is not.
        string aof = string.Concat(Directory.GetFiles(Path.Combine(s.WorkDir, "appendonlydir")).Select(File.ReadAllText));
        Assert.Contains("{w}before", aof);
        Assert.DoesNotContain("{w}during", aof);
    }

    static string Sha1Hex(string s) =>
        Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(s))).ToLowerInvariant();
}
