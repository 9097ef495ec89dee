using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;
using FastKv.Server.Tests.Infrastructure;
using Xunit;
using static FastKv.Server.Tests.Sessions.ExchangeCheck;

namespace FastKv.Server.Tests.Sessions;

/// <summary>
/// MONITOR against Redis 7.2.4 at --threads 1 and 4: the same commands from one client give the same monitor lines
/// (time and client port masked), in order: the database after SELECT, arguments quoted as Redis quotes them,
/// AUTH and HELLO credentials redacted, admin commands and refused commands hidden, a transaction shown as MULTI,
/// its commands, EXEC. With four shards the keys live on every shard, and no line of internal shard work appears.
/// </summary>
public class MonitorDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int>> Threads() => [new(1), new(4)];

    /// <summary>SHA1 of the script EVALSHA runs below (declared first: static fields start in order).</summary>
    static readonly string IncrSha = System.Convert.ToHexStringLower(
        System.Security.Cryptography.SHA1.HashData(Encoding.ASCII.GetBytes("return redis.call('incr', KEYS[1])")));

    static readonly string[][] Script =
    [
        ["SET", "k", "v a\"\\\n\u0001\r\t\u0007\u0008"],
        ["SELECT", "1"], ["GET", "k"], ["SELECT", "0"],
        ["AUTH", "a", "b"], ["AUTH", "x"], ["HELLO", "2", "AUTH", "u", "p"], ["HELLO", "2", "SETNAME", "mon"], ["HELLO", "2"],
        ["SET", "ma", "1"], ["SET", "mb", "2"], ["SET", "mc", "3"], ["SET", "md", "4"], ["INCR", "ma"], ["GET", "mb"],
        ["MSET", "ma", "1", "mb", "2", "mc", "3"], ["MGET", "ma", "mb", "mc", "md"], ["DEL", "mc", "md"], ["EXISTS", "ma", "mb"],
        ["RENAME", "ma", "me"], ["SUNIONSTORE", "ms", "mb", "me"], ["DBSIZE"], ["KEYS", "me"],
        ["MULTI"], ["SET", "ma", "1"], ["GET", "mb"], ["SELECT", "2"], ["SET", "mz", "1"], ["EXEC"],
        ["MULTI"], ["SET", "ma"], ["EXEC"],
        ["MULTI"], ["DISCARD"],
        ["CLIENT", "LIST"], ["CONFIG", "GET", "port"], ["NOSUCH", "x"], ["GET"], ["CLIENT", "ID"], ["CLIENT", "SETNAME", "x"],
        ["LPUSH", "ml", "x"], ["BLPOP", "ml", "0"], ["PUBLISH", "mch", "m"], ["PING"], ["ECHO", "e"],
        ["SELECT", "2"], ["DEL", "mz"], ["SELECT", "0"], ["DEL", "ma", "mb", "me", "ms", "k"],
        // Scripts show before their calls, which show from the "lua" client in the script's database; a refused call
        // does not show; a script that fails on its arguments shows all the same.
        ["EVAL", "redis.call('set', KEYS[1], ARGV[1]); redis.call('select', '1'); redis.call('get', KEYS[1]); return 1", "1", "sk", "sv"],
        ["EVAL", "return redis.pcall('nosuchcommand')", "0"], ["EVAL", "return redis.pcall('get')", "0"],
        ["EVAL", "return 1", "notanumber"], ["EVAL_RO", "return redis.call('get', KEYS[1])", "1", "sk"],
        ["SCRIPT", "LOAD", "return redis.call('incr', KEYS[1])"], ["EVALSHA", IncrSha, "1", "sc"], ["EVALSHA_RO", IncrSha, "1", "sc"],
        ["FUNCTION", "LOAD", "REPLACE", "#!lua name=monlib\nredis.register_function('monf', function(keys) return redis.call('get', keys[1]) end)"],
        ["FCALL", "monf", "1", "sk"], ["FCALL", "nosuchfunction", "0"],
        ["MULTI"], ["EVAL", "return redis.call('incr', KEYS[1])", "1", "sc"], ["EXEC"],
        ["DEL", "sk", "sc"], ["FUNCTION", "DELETE", "monlib"],
    ];


    static readonly Regex Stamp = new(@"^\+\d+\.\d{6} \[(\d+) (127\.0\.0\.1:\d+|lua)\]");

    /// <summary>Reads <paramref name="n"/> monitor lines, time and port masked.</summary>
    static List<string> Lines(RespConnection monitor, int n)
    {
        var lines = new List<string>();
        for (int i = 0; i < n; i++)
        {
            string line = Resp.AsString(monitor.ReadReply());
            Assert.Matches(Stamp, line);
            lines.Add(Stamp.Replace(line, m => "+T [" + m.Groups[1].Value + (m.Groups[2].Value == "lua" ? " lua]" : " peer]")));
        }
        return lines;
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void EveryCommand_AsRedisShowsIt(int threads)
    {
        string ctx = $"--threads {threads}";
        using RespConnection mo = servers.Oracle.Server.Connect(), mt = servers.TargetWithThreads(threads).Server.Connect();
        using RespConnection co = servers.Oracle.Server.Connect(), ct = servers.TargetWithThreads(threads).Server.Connect();
        // Two monitors on the target, so with four shards at least one usually sits on another shard than the client.
        using RespConnection mt2 = servers.TargetWithThreads(threads).Server.Connect();
        Same(mo, mt, 1, ctx, ["MONITOR"]);
        Assert.Equal("+OK\r\n", Resp.AsString(mt2.Call("MONITOR")));
        foreach (string[] cmd in Script)
        {
            byte[] expected = co.Call(cmd), actual = ct.Call(cmd);
            if (cmd[0] is not ("CLIENT" or "HELLO" or "CONFIG")) // ids, ports
                Assert.True(Resp.AsString(expected) == Resp.AsString(actual), $"{ctx} {string.Join(' ', cmd)}: {Resp.Escape(expected)} vs {Resp.Escape(actual)}");
        }
        ct.Call("ECHO", "end-of-script");
        co.Call("ECHO", "end-of-script");
        List<string> expectedLines = new();
        while (expectedLines.Count == 0 || !expectedLines[^1].Contains("end-of-script"))
            expectedLines.AddRange(Lines(mo, 1));
        List<string> actualLines = Lines(mt, expectedLines.Count);
        Assert.True(string.Join("", expectedLines) == string.Join("", actualLines),
            $"{ctx}\nexpected:\n{string.Join("", expectedLines)}\nactual:\n{string.Join("", actualLines)}");
        // The second monitor saw the same lines but its own MONITOR... and the first monitor's PING.
        List<string> second = Lines(mt2, expectedLines.Count);
        Assert.Equal(expectedLines.FindAll(l => !l.Contains("\"ping\"")), second.FindAll(l => !l.Contains("\"ping\"")));
        // The monitor's own commands: PING shows (after its reply), a key command is refused (a monitor counts as a
        // replica) and hidden.
        var own = new List<string>[2];
        foreach (var (m, i) in new[] { (mo, 0), (mt, 1) })
        {
            m.Send(Pipeline(["PING"], ["GET", "k"]));
            own[i] = [Resp.AsString(m.ReadReply()), Lines(m, 1)[0], Resp.AsString(m.ReadReply())];
        }
        Assert.Equal(own[0], own[1]);
        Lines(mt2, 1); // the first monitor's PING
        Assert.Equal("+RESET\r\n", Resp.AsString(mt2.Call("RESET")));
        Assert.Equal("$-1\r\n", Resp.AsString(mt2.Call("GET", "k")));
    }

    /// <summary>
    /// A transaction with a script, pipelined behind commands for other shards (at 4 threads its EXEC waits for their
    /// replies and is parsed again): the queued lines up to the script show once, then its calls, the rest and EXEC.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void ExecWithAScript_PipelinedBehindOtherShards_ShowsEachLineOnce(int threads)
    {
        string ctx = $"--threads {threads}";
        using RespConnection mo = servers.Oracle.Server.Connect(), mt = servers.TargetWithThreads(threads).Server.Connect();
        using RespConnection co = servers.Oracle.Server.Connect(), ct = servers.TargetWithThreads(threads).Server.Connect();
        Same(mo, mt, 1, ctx, ["MONITOR"]);
        string[] keys = FastKv.Server.Tests.Atomicity.MultiKeyAtomicityTests.SpreadKeys("mx:", 4);
        byte[] wire = Pipeline(["GET", keys[1]], ["GET", keys[2]], ["MULTI"], ["SET", keys[0], "1"],
            ["EVAL", "return redis.call('incr', KEYS[1])", "1", keys[0]], ["GET", keys[3]], ["EXEC"], ["DEL", keys[0]],
            ["ECHO", "end-of-exec"]);
        var lines = new List<string>[2];
        foreach (var (c, m, i) in new[] { (co, mo, 0), (ct, mt, 1) })
        {
            c.Send(wire);
            for (int r = 0; r < 9; r++) c.ReadReply();
            lines[i] = new List<string>();
            while (lines[i].Count == 0 || !lines[i][^1].Contains("end-of-exec"))
                lines[i].AddRange(Lines(m, 1));
        }
        Assert.True(string.Join("", lines[0]) == string.Join("", lines[1]),
            $"{ctx}\nexpected:\n{string.Join("", lines[0])}\nactual:\n{string.Join("", lines[1])}");
    }
}
