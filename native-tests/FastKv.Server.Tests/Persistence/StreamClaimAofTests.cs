using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// What XCLAIM and XAUTOCLAIM leave in the AOF, against Redis 7.2.4 record by record: never the command as it came;
/// each claimed entry, and each pending entry found deleted from the stream, is an XCLAIM ... TIME ms RETRYCOUNT n FORCE
/// JUSTID LASTID id (XCLAIM with the ID as its client wrote it), a LASTID that moved the group with nothing claimed an
/// XGROUP SETID ... ENTRIESREAD n, several records of one command inside MULTI/EXEC; a consumer made by a claim that
/// claimed nothing leaves nothing. Then Redis's file is loaded by Redis and by FastKv: the same PELs.
/// </summary>
public class StreamClaimAofTests : System.IDisposable
{
    readonly List<string> _copies = new();

    public void Dispose()
    {
        foreach (string d in _copies)
        {
            try { Directory.Delete(d, recursive: true); } catch (IOException) { }
        }
    }

    const string Incr = "appendonlydir/appendonly.aof.1.incr.aof";

    static readonly string[][] Commands =
    [
        ["xadd", "{t}s", "1-0", "a", "1"], ["xadd", "{t}s", "2-0", "b", "2"], ["xadd", "{t}s", "3-0", "c", "3"],
        ["xadd", "{t}s", "4-0", "d", "4"], ["xgroup", "create", "{t}s", "g", "0"],
        ["xclaim", "{t}s", "g", "alice", "0", "1-0", "2", "3-0", "FORCE", "TIME", "1000", "RETRYCOUNT", "5"],
        ["xclaim", "{t}s", "g", "bob", "0", "1-0", "JUSTID"],
        ["xclaim", "{t}s", "g", "bob", "0", "2-0", "IDLE", "99999999999999", "FORCE"],
        ["xclaim", "{t}s", "g", "carol", "10000000000000", "3-0"],
        ["xclaim", "{t}s", "g", "dave", "0", "LASTID", "9-0"],
        ["xclaim", "{t}s", "g", "dave", "0", "4-0", "FORCE", "JUSTID", "TIME", "2000", "LASTID", "10-0"],
        ["xdel", "{t}s", "2-0"],
        ["xclaim", "{t}s", "g", "erin", "0", "2-0", "1-0", "TIME", "3000"],
        ["xdel", "{t}s", "3-0"],
        ["xautoclaim", "{t}s", "g", "frank", "1000000", "0", "COUNT", "1"],
        ["xautoclaim", "{t}s", "g", "frank", "0", "0", "JUSTID"],
        ["xautoclaim", "{t}s", "g", "gina", "10000000000000", "0"],
        ["multi"], ["xclaim", "{t}s", "g", "hal", "0", "4-0", "TIME", "4000"], ["xautoclaim", "{t}s", "g", "ivy", "0", "-"], ["exec"],
        ["xadd", "{t}u", "1-0", "a", "1"], ["xgroup", "create", "{t}u", "g", "$"],
        ["xclaim", "{t}u", "g", "jo", "0", "1-0", "FORCE", "TIME", "5000", "RETRYCOUNT", "3"],
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Claims_SameAofAsRedis_AndLoaded(int threads)
    {
        List<string> redis = Record(ServerKind.Redis, threads, out string redisDir);
        List<string> fastkv = Record(ServerKind.Target, threads, out _);
        Assert.Equal(redis, fastkv);
        Assert.DoesNotContain(fastkv, r => r.StartsWith("xclaim|") || r.StartsWith("xautoclaim|"));
        Assert.Contains(fastkv, r => r.StartsWith("XGROUP|SETID|{t}s|g|9-0"));

        using ServerProcess redisLoaded = ServerProcess.Start(ServerKind.Redis, null, "--dir", redisDir, "--appendonly", "yes");
        using ServerProcess target = ServerProcess.Start(ServerKind.Target, threads, "--dir", Copy(redisDir), "--appendonly", "yes");
        using RespConnection o = redisLoaded.Connect(), t = target.Connect();
        foreach (string key in new[] { "{t}s", "{t}u" })
        {
            foreach (string[] probe in new[]
            {
                new[] { "xpending", key, "g" }, ["xpending", key, "g", "-", "+", "100"], ["xinfo", "consumers", key, "g"],
                ["xinfo", "groups", key], ["xinfo", "stream", key, "full"],
            })
            {
                Assert.Equal(WithoutIdle(o.Call(probe)), WithoutIdle(t.Call(probe)));
            }
        }
    }

    List<string> Record(ServerKind kind, int threads, out string dir)
    {
        // always: Redis writes the file before it replies. With everysec it may postpone a write for up to 2 s while
        // a background fsync is slow (a loaded machine): the file read after the last reply was short on a loaded run.
        using var server = ServerProcess.Start(kind, threads, "--appendonly", "yes", "--appendfsync", "always");
        using var conn = server.Connect();
        foreach (string[] cmd in Commands) conn.Call(cmd);
        conn.Call("ping");
        dir = Copy(server.WorkDir); // the work dir goes with the server
        string path = Path.Combine(server.WorkDir, Incr);
        Assert.True(File.Exists(path), server.Description + " wrote no " + Incr);
        return AofPropagationTests.Records(File.ReadAllBytes(path));
    }

    /// <summary>A copy of the server's appendonlydir in a fresh directory, for another server to load.</summary>
    string Copy(string workDir)
    {
        string to = Directory.CreateTempSubdirectory("fastkv-claim-aof-").FullName;
        _copies.Add(to);
        Directory.CreateDirectory(Path.Combine(to, "appendonlydir"));
        foreach (string f in Directory.GetFiles(Path.Combine(workDir, "appendonlydir")))
            File.Copy(f, Path.Combine(to, "appendonlydir", Path.GetFileName(f)));
        return to;
    }

    /// <summary>The reply with times relative to now (idle, inactive, seen and active times) as placeholders: delivery
    /// times set by TIME stay, those set to "now" while loading do not.</summary>
    static string WithoutIdle(byte[] reply)
    {
        string s = Encoding.Latin1.GetString(reply);
        s = Regex.Replace(s, @":\d{13}\r\n", ":<ms>\r\n");
        s = Regex.Replace(s, @"(\$4\r\nidle\r\n|\$8\r\ninactive\r\n):-?\d+\r\n", "$1:<idle>\r\n");
        return Regex.Replace(s, @"(\*4\r\n\$\d+\r\n\d+-\d+\r\n\$\d+\r\n[^\r]*\r\n):\d+\r\n", "$1:<idle>\r\n");
    }
}
