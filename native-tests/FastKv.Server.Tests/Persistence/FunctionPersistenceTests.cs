using System;
using System.IO;
using FastKv.Server.Tests.Infrastructure;
using Xunit;
using static FastKv.Server.Tests.Persistence.RdbRoundTripData;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// Function libraries in RDB files (FUNCTION2 records, written before the databases) and in the AOF: a library FastKv
/// loaded goes into its file, which redis-check-rdb accepts and Redis 7.2.4 loads with the same libraries; Redis's file
/// loads in FastKv with its libraries callable; DEBUG RELOAD and an AOF restart keep them.
/// </summary>
public class FunctionPersistenceTests
{
    const string Library = "#!lua name=persisted\n" +
        "redis.register_function('first_arg', function(keys, args) return args[1] end)\n" +
        "redis.register_function{function_name='count_keys', callback=function(keys, args) return #keys end, flags={'no-writes'}, description='how many keys, a description long enough for LZF'}";

    const string Second = "#!lua name=second\nredis.register_function('setit', function(keys, args) return redis.call('set', keys[1], args[1]) end)";

    static void AssertCallable(RespConnection c)
    {
        Assert.Equal("$5\r\nhello\r\n", c.CallText("FCALL", "first_arg", "0", "hello"));
        Assert.Equal(":2\r\n", c.CallText("FCALL_RO", "count_keys", "2", "{k}a", "{k}b"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void FastKvFile_LoadsInRedis_WithItsLibraries(int threads)
    {
        string? checker = OracleTools.CheckRdb();
        if (checker == null) Assert.Skip("redis-check-rdb is not beside the oracle");
        string dir = SnapshotTests.NewDir();
        try
        {
            string listed;
            using (ServerProcess fastkv = SnapshotTests.StartIn(dir, threads))
            using (RespConnection f = fastkv.Connect())
            {
                Assert.Equal("$9\r\npersisted\r\n", f.CallText("FUNCTION", "LOAD", Library));
                Assert.Equal("+OK\r\n", f.CallText("SET", "k", "v"));
                Assert.Equal("+OK\r\n", f.CallText("SAVE"));
                listed = f.CallText("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "persisted");
            }
            CheckRdb(checker, Path.Combine(dir, "dump.rdb"));
            using (ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, "--dir", dir))
            using (RespConnection r = redis.Connect())
            {
                Assert.Equal("$1\r\nv\r\n", r.CallText("GET", "k"));
                AssertCallable(r);
                // Redis lists a library's functions in its dict's order: compare the set of lines.
                Assert.Equal(Lines(listed), Lines(r.CallText("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "persisted")));
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void RedisFile_LoadsInFastKv_WithItsLibrariesCallable(int threads)
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            string stats;
            using (ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, "--dir", dir))
            using (RespConnection r = redis.Connect())
            {
                r.Call("FUNCTION", "LOAD", Library);
                r.Call("FUNCTION", "LOAD", Second);
                Assert.Equal("+OK\r\n", r.CallText("SAVE"));
                stats = r.CallText("FUNCTION", "STATS");
            }
            using (ServerProcess fastkv = SnapshotTests.StartIn(dir, threads))
            using (RespConnection f = fastkv.Connect())
            {
                Assert.Equal(stats, f.CallText("FUNCTION", "STATS"));
                AssertCallable(f);
                Assert.Equal("+OK\r\n", f.CallText("FCALL", "setit", "1", "x", "y"));
                // DEBUG RELOAD saves and loads the libraries with the data.
                Assert.Equal("+OK\r\n", f.CallText("DEBUG", "RELOAD"));
                Assert.Equal(stats, f.CallText("FUNCTION", "STATS"));
                AssertCallable(f);
                Assert.Equal("$1\r\ny\r\n", f.CallText("GET", "x"));
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>FUNCTION LOAD / DELETE are recorded in the AOF as they came and replayed at startup; a rewrite keeps the libraries (in an RDB base, or as FUNCTION LOAD commands).</summary>
    [Theory]
    [InlineData(1, "yes")]
    [InlineData(4, "no")]
    public void AofRestart_KeepsLibraries(int threads, string preamble)
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            string[] config = ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble];
            using (ServerProcess fastkv = SnapshotTests.StartIn(dir, threads, config))
            using (RespConnection f = fastkv.Connect())
            {
                f.Call("FUNCTION", "LOAD", Second);
                f.Call("FUNCTION", "LOAD", Library);
                Assert.Equal("+OK\r\n", f.CallText("FUNCTION", "DELETE", "second"));
            }
            using (ServerProcess fastkv = SnapshotTests.StartIn(dir, threads, config))
            using (RespConnection f = fastkv.Connect())
            {
                AssertCallable(f);
                Assert.Equal("-ERR Function not found\r\n", f.CallText("FCALL", "setit", "1", "x", "y"));
                Assert.StartsWith("+", f.CallText("BGREWRITEAOF"));
                WaitForRewrite(f);
            }
            // Without the preamble the base is commands, the library a FUNCTION LOAD first (Redis's rewriteFunctions).
            string[] bases = Directory.GetFiles(Path.Combine(dir, "appendonlydir"), preamble == "no" ? "*.base.aof" : "*.base.rdb");
            Assert.Single(bases);
            if (preamble == "no")
                Assert.StartsWith("*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$" + Library.Length + "\r\n" + Library + "\r\n", File.ReadAllText(bases[0]));
            using (ServerProcess fastkv = SnapshotTests.StartIn(dir, threads, config))
            using (RespConnection f = fastkv.Connect())
            {
                AssertCallable(f);
                Assert.Equal("-ERR Function not found\r\n", f.CallText("FCALL", "setit", "1", "x", "y"));
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    static void WaitForRewrite(RespConnection c)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (SnapshotTests.Info(c, "aof_rewrite_in_progress") != "0" || SnapshotTests.Info(c, "aof_rewrite_scheduled") != "0")
        {
            Assert.True(DateTime.UtcNow < until, "the rewrite ends");
            System.Threading.Thread.Sleep(20);
        }
    }

    static string[] Lines(string reply)
    {
        string[] lines = reply.Split("\r\n");
        Array.Sort(lines, StringComparer.Ordinal);
        return lines;
    }
}
