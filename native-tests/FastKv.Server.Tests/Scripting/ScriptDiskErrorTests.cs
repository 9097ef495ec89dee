using System.IO;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using FastKv.Server.Tests.Persistence;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// Scripts after a failed save (stop-writes-on-bgsave-error), as Redis 7.2.4 answers: a script or function that declared
/// flags without no-writes is a write, refused with -MISCONF before it runs; one without a shebang runs, and its first
/// write call fails with the MISCONF error (redis.pcall gets it as a table); reads and no-writes scripts run.
/// </summary>
public class ScriptDiskErrorTests
{
    static ServerProcess StartFailing(ServerKind kind, int threads, string dir)
    {
        var s = ServerProcess.Start(kind, threads, "--dir", dir, "--save", "3600 1", "--appendonly", "no");
        using var c = s.Connect();
        c.Call("SET", "a", "1");
        Assert.Equal("$3\r\nlib\r\n", c.CallText("FUNCTION", "LOAD",
            "#!lua name=lib\n" +
            "redis.register_function('w', function(k) return redis.call('set', 'y', '1') end)\n" +
            "redis.register_function('plain', function(k) return redis.call('get', 'a') end)\n" +
            "redis.register_function{function_name = 'r', callback = function(k) return redis.call('get', 'a') end, flags = {'no-writes'}}"));
        // A directory where the file should go: the save fails, as a full disk would.
        Directory.CreateDirectory(Path.Combine(dir, "dump.rdb"));
        Assert.Equal("+Background saving started\r\n", c.CallText("BGSAVE"));
        SnapshotTests.WaitForSave(c);
        Assert.Equal("err", SnapshotTests.Info(c, "rdb_last_bgsave_status"));
        return s;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void FailedSave_RefusesWritingScripts_AsRedisDoes(int threads)
    {
        string oracleDir = Directory.CreateTempSubdirectory("fastkv-misconf-").FullName;
        string targetDir = Directory.CreateTempSubdirectory("fastkv-misconf-").FullName;
        try
        {
            using var oracle = StartFailing(ServerKind.Redis, 1, oracleDir);
            using var target = StartFailing(ServerKind.Target, threads, targetDir);
            using var session = new DualSession(oracle, target) { Context = $"--threads {threads}" };
            session.Check("EVAL", "return redis.call('set', 'x', '1')", "0");
            session.Check("EVAL", "local r = redis.pcall('set', 'x', '1') return r['err']", "0");
            session.Check("EVAL", "return redis.call('get', 'a')", "0");
            session.Check("EVAL", "#!lua\nreturn redis.call('set', 'x', '1')", "0");
            session.Check("EVAL", "#!lua\nreturn redis.call('get', 'a')", "0");
            session.Check("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'a')", "0");
            session.Check("EVAL_RO", "return redis.call('get', 'a')", "0");
            session.Check("EVAL_RO", "#!lua\nreturn redis.call('get', 'a')", "0");
            string sha = Resp.Parse(session.Check("SCRIPT", "LOAD", "#!lua\nreturn redis.call('set', 'x', '2')")).Text!;
            session.Check("EVALSHA", sha, "0");
            session.Check("FCALL", "w", "0");
            session.Check("FCALL", "plain", "0");
            session.Check("FCALL", "r", "0");
            session.Check("FCALL_RO", "r", "0");
            session.Check("GET", "x");
            session.Check("GET", "y");
            target.AssertAlive();
        }
        finally
        {
            Directory.Delete(oracleDir, true);
            Directory.Delete(targetDir, true);
        }
    }
}
