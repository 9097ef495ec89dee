using System;
using System.IO;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// DEBUG LOADAOF (Redis's debug.c: flush the AOF, empty every database, load the AOF directory again) and the AOF's
/// pseudo client, compared with Redis 7.2.4: the same data after the reload, byte-identical replies, Redis's error
/// with appendonly off (the databases emptied all the same), and a startup replay that leaves INFO commandstats empty.
/// </summary>
public class AofDebugTests
{
    /// <summary>Every type, TTLs, two databases, a MULTI/EXEC and an MSET across slots, sent to one server.</summary>
    static void Write(RespConnection c, long future)
    {
        for (int i = 0; i < 30; i++)
        {
            string k = "k" + i;
            c.Call("SET", "s:" + k, "v" + i);
            c.Call("RPUSH", "l:" + k, "a", "b", k);
            c.Call("HSET", "h:" + k, "f", k, "g", "2");
            c.Call("SADD", "set:" + k, "x", k, "3");
            c.Call("ZADD", "z:" + k, "1.5", "m", "2", k);
            c.Call("INCRBY", "n:" + k, "5");
        }
        c.Call("SET", "ttl", "v", "PXAT", future.ToString(System.Globalization.CultureInfo.InvariantCulture));
        c.Call("PEXPIREAT", "s:k1", (future + 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)); // absolute: the same on both
        c.Call("MSET", "m1", "1", "m2", "2", "m3", "3", "{x}m4", "4");
        c.Call("MULTI");
        c.Call("SET", "tx1", "a");
        c.Call("INCR", "tx2");
        c.Call("RPUSH", "l:k2", "more");
        c.Call("EXEC");
        c.Call("SELECT", "1");
        c.Call("SET", "db1", "x");
        c.Call("SELECT", "0");
        c.Call("DEL", "s:k3");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void LoadAof_ReloadsTheSameDataAsRedis(int threads)
    {
        ServerLocator.RequireOracle();
        using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, "--appendonly", "yes");
        using ServerProcess target = ServerProcess.Start(ServerKind.Target, threads, "--appendonly", "yes");
        using RespConnection r = redis.Connect(), t = target.Connect();
        long future = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000; // absolute times: the same on both
        Write(r, future);
        Write(t, future);
        byte[] fromRedis = r.Call("DEBUG", "LOADAOF");
        byte[] fromTarget = t.Call("DEBUG", "LOADAOF");
        Assert.Equal(Encoding.ASCII.GetString(fromRedis), Encoding.ASCII.GetString(fromTarget));
        Assert.Equal("+OK\r\n", Encoding.ASCII.GetString(fromTarget));
        int keys = RdbRoundTripData.Compare(r, t, null, AccessBits.None, $"threads {threads}");
        Assert.True(keys > 150, "the dataset is there: " + keys + " keys");
        // server.dirty = 0: the loaded data is no change to save.
        Assert.Contains("rdb_changes_since_last_save:0\r\n", t.CallText("INFO", "persistence"));
        target.WaitForOutput("Append Only File loaded by DEBUG LOADAOF");
        // Recording is back on: a write after the reload survives a second one.
        t.Call("SET", "after", "1");
        r.Call("SET", "after", "1");
        Assert.Equal("+OK\r\n", Encoding.ASCII.GetString(t.Call("DEBUG", "LOADAOF")));
        r.Call("DEBUG", "LOADAOF");
        RdbRoundTripData.Compare(r, t, null, AccessBits.None, $"threads {threads}, second reload");
        Assert.Equal("$1\r\n1\r\n", Encoding.ASCII.GetString(t.Call("GET", "after")));
    }

    [Fact]
    public void LoadAof_AppendonlyOff_EmptiesAndFailsAsRedis()
    {
        ServerLocator.RequireOracle();
        using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, "--appendonly", "no");
        using ServerProcess target = ServerProcess.Start(ServerKind.Target, 4, "--appendonly", "no");
        using RespConnection r = redis.Connect(), t = target.Connect();
        foreach (RespConnection c in new[] { r, t })
        {
            c.Call("SET", "a", "1");
            c.Call("HSET", "h", "f", "v");
        }
        byte[] fromRedis = r.Call("DEBUG", "LOADAOF");
        byte[] fromTarget = t.Call("DEBUG", "LOADAOF");
        Assert.Equal("-ERR Error trying to load the AOF files, check server logs.\r\n", Encoding.ASCII.GetString(fromRedis));
        Assert.Equal(Encoding.ASCII.GetString(fromRedis), Encoding.ASCII.GetString(fromTarget));
        Assert.Equal(Encoding.ASCII.GetString(r.Call("DBSIZE")), Encoding.ASCII.GetString(t.Call("DBSIZE")));
        Assert.Equal(":0\r\n", Encoding.ASCII.GetString(t.Call("DBSIZE")));
    }

    [Fact]
    public void StartupReplay_IsNotInCommandStats()
    {
        ServerLocator.RequireOracle();
        string written = Directory.CreateTempSubdirectory("fastkv-aofdebug-").FullName;
        string forRedis = Directory.CreateTempSubdirectory("fastkv-aofdebug-").FullName;
        string forTarget = Directory.CreateTempSubdirectory("fastkv-aofdebug-").FullName;
        try
        {
            using (ServerProcess w = ServerProcess.Start(ServerKind.Redis, null, "--dir", written, "--appendonly", "yes"))
            using (RespConnection c = w.Connect())
            {
                Write(c, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000);
                c.Call("SET", "last", "1"); // Redis write()s before it replies: everything is in the file.
            }
            CopyDir(written, forRedis);
            CopyDir(written, forTarget);
            using ServerProcess redis = ServerProcess.Start(ServerKind.Redis, null, "--dir", forRedis, "--appendonly", "yes");
            using ServerProcess target = ServerProcess.Start(ServerKind.Target, 4, "--dir", forTarget, "--appendonly", "yes");
            using RespConnection r = redis.Connect(), t = target.Connect();
            // Only the harness's readiness PING is counted: none of the replayed commands.
            string redisStats = Counted(r.CallText("INFO", "commandstats"));
            Assert.Equal("", redisStats);
            Assert.Equal(redisStats, Counted(t.CallText("INFO", "commandstats")));
            Assert.Equal("0", Field(t.CallText("INFO", "stats"), "keyspace_hits"));
            Assert.Equal("$1\r\n1\r\n", Encoding.ASCII.GetString(t.Call("GET", "last")));
        }
        finally
        {
            foreach (string d in new[] { written, forRedis, forTarget }) Directory.Delete(d, true);
        }
    }

    /// <summary>The commands INFO commandstats names, but PING (the harness's readiness check).</summary>
    static string Counted(string info)
    {
        var sb = new StringBuilder();
        foreach (string line in info.Split("\r\n"))
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal) && !line.StartsWith("cmdstat_ping:", StringComparison.Ordinal))
                sb.Append(line.AsSpan(0, line.IndexOf(':'))).Append('\n');
        return sb.ToString();
    }

    static string Field(string info, string name)
    {
        foreach (string line in info.Split("\r\n"))
            if (line.StartsWith(name + ":", StringComparison.Ordinal)) return line.Substring(name.Length + 1);
        return "";
    }

    static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)), true);
        foreach (string d in Directory.GetDirectories(from)) CopyDir(d, Path.Combine(to, Path.GetFileName(d)));
    }
}
