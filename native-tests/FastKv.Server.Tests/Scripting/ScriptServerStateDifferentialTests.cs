using System.Collections.Generic;
using System.Linq;
using FastKv.Server.Tests.Atomicity;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// Scripts with the rest of the server (issue 13, section 5), against Redis 7.2.4 at --threads 1 and 4: maxmemory (a
/// legacy script's denyoom call fails, a shebang script without allow-oom or no-writes is refused before it runs,
/// allow-oom writes, eviction runs before a script as before any command) and the error counts (INFO errorstats and
/// total_error_replies) for errors raised in scripts, returned by them, and swallowed by redis.pcall.
/// </summary>
public class ScriptServerStateDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int>> Threads() => [new(1), new(4)];

    [Theory]
    [MemberData(nameof(Threads))]
    public void OverMaxmemory_ScriptsAsRedis(int threads)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        string[] k = MultiKeyAtomicityTests.SpreadKeys("oom:", 4);
        using var session = new DualSession(servers.Oracle.Server, target) { Context = $"--threads {threads}" };
        session.Check("FLUSHALL");
        session.Check("SET", k[0], "kept");
        session.Check("FUNCTION", "LOAD", "REPLACE", "#!lua name=oomlib\n" +
            "redis.register_function('fw', function(k) return redis.call('set', k[1], 'v') end)\n" +
            "redis.register_function{function_name = 'fr', callback = function(k) return redis.call('get', k[1]) end, flags = {'no-writes'}}\n" +
            "redis.register_function{function_name = 'fo', callback = function(k) return redis.call('set', k[1], 'fo') end, flags = {'allow-oom'}}");
        session.Check("CONFIG", "RESETSTAT");
        try
        {
            session.Check("CONFIG", "SET", "maxmemory", "1");
            // A function always declares its flags: without allow-oom or no-writes it is refused before it runs.
            session.Check("FCALL", "fw", "1", k[1]);
            session.Check("FCALL", "fr", "1", k[0]);
            session.Check("FCALL_RO", "fr", "1", k[0]);
            session.Check("FCALL", "fo", "1", k[3]);
            session.Check("EVAL", "return redis.call('set', KEYS[1], 'v')", "1", k[1]);
            session.Check("EVAL", "return redis.pcall('set', KEYS[1], 'v')", "1", k[1]);
            session.Check("EVAL", "return redis.call('set', ARGV[1], 'v')", "0", k[2]);
            session.Check("EVAL", "return {redis.call('get', KEYS[1]), redis.call('exists', ARGV[1])}", "1", k[0], k[1]);
            session.Check("EVAL", "#!lua\nreturn redis.call('set', KEYS[1], 'v')", "1", k[1]);
            session.Check("EVAL", "#!lua\nreturn 1", "0");
            session.Check("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", k[0]);
            session.Check("EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'oom-allowed')", "1", k[3]);
            session.Check("SCRIPT", "LOAD", "#!lua\nreturn 2");
            session.Check("EVALSHA", RandomScriptGenerator.Sha1Hex("#!lua\nreturn 2"), "0");
            session.Check("EVAL", "return redis.call('del', KEYS[1])", "1", k[3]);
            // Eviction before a script, as before any command: every key goes, and the script finds none.
            session.Check("SET", k[1], "x");
            session.Check("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
            session.Check("EVAL", "return {redis.call('exists', KEYS[1]), redis.call('exists', ARGV[1])}", "1", k[0], k[1]);
            session.Check("EVAL", "return redis.call('set', KEYS[1], 'v')", "1", k[1]);
            // A call refused over maxmemory counts as a rejected call of its command (Redis's scriptCall).
            CompareCommandCounts(session);
        }
        finally
        {
            session.Check("CONFIG", "SET", "maxmemory", "0");
            session.Check("CONFIG", "SET", "maxmemory-policy", "noeviction");
            session.Check("FUNCTION", "DELETE", "oomlib");
        }
        session.Check("DBSIZE");
        target.AssertAlive();
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void ErrorsInScripts_CountedAsRedis(int threads)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        string[] k = MultiKeyAtomicityTests.SpreadKeys("err:", 2);
        using var session = new DualSession(servers.Oracle.Server, target) { Context = $"--threads {threads}" };
        session.Check("FLUSHALL");
        session.Check("SET", k[0], "abc");
        session.Check("CONFIG", "RESETSTAT");
        string[][] scripts =
        [
            ["return redis.call('incr', KEYS[1])", "1", k[0]],
            ["return redis.pcall('incr', KEYS[1])", "1", k[0]],
            ["local r = redis.pcall('incr', KEYS[1]) return 1", "1", k[0]],
            ["local r = redis.pcall('lpush', ARGV[1], 'x') return 1", "0", k[0]],
            ["local ok = pcall(redis.call, 'incr', KEYS[1]) return 1", "1", k[0]],
            ["error('plain')", "0"],
            ["error({err = 'TABLE raised'})", "0"],
            ["return redis.error_reply('MY err')", "0"],
            ["return {err = 'X y'}", "0"],
            ["return redis.call('nosuch')", "0"],
            ["local r = redis.pcall('nosuch') return 1", "0"],
            ["local r = redis.pcall('get') return 1", "0"],
            ["local r = redis.pcall('subscribe', 'c') return 1", "0"],
            ["local r = redis.pcall() return 1", "0"],
            ["return redis.pcall({})", "0"],
            ["local e = redis.pcall('incr', KEYS[1]) return e", "1", k[0]],
            ["local e = redis.pcall('incr', KEYS[1]) return redis.error_reply(e.err)", "1", k[0]],
            ["return 1 +", "0"],
            ["return redis.call('select', 99)", "0"],
            ["local r = redis.pcall('select', 'x') return 1", "0"],
            ["redis.call('select', 1) return redis.call('select', 0)", "0"],
        ];
        foreach (string[] s in scripts)
        {
            session.Check(["EVAL", .. s]);
            CompareErrorCounts(session);
        }
        session.Check("EVAL_RO", "local r = redis.pcall('set', KEYS[1], 'x') return 1", "1", k[1]);
        session.Check("EVAL", "#!lua flags=no-writes\nlocal r = redis.pcall('set', KEYS[1], 'x') return 1", "1", k[1]);
        CompareErrorCounts(session);
        target.AssertAlive();
    }

    /// <summary>INFO errorstats whole, total_error_replies from INFO stats, and each command's counts.</summary>
    static void CompareErrorCounts(DualSession session)
    {
        session.Check("INFO", "errorstats");
        CompareCommandCounts(session);
        string Total(RespConnection c) =>
            Resp.AsString(c.Call("INFO", "stats")).Split("\r\n").Single(l => l.StartsWith("total_error_replies:", System.StringComparison.Ordinal));
        Assert.Equal(Total(session.Oracle), Total(session.Target));
    }

    /// <summary>INFO commandstats without the times (calls, rejected_calls and failed_calls of every command), in any order.</summary>
    static void CompareCommandCounts(DualSession session)
    {
        string Counts(RespConnection c) => string.Join("\n", Resp.AsString(c.Call("INFO", "commandstats")).Split("\r\n")
            .Where(l => l.StartsWith("cmdstat_", System.StringComparison.Ordinal))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"usec=\d+,usec_per_call=[0-9.]+,", ""))
            .Order(System.StringComparer.Ordinal));
        Assert.Equal(Counts(session.Oracle), Counts(session.Target));
    }
}
