using System.Collections.Generic;
using System.IO;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// What consumer-group reads leave in the AOF, against Redis 7.2.4 record by record: XREADGROUP is never written as it
/// came; each delivered entry is an XCLAIM ... TIME ms RETRYCOUNT n FORCE JUSTID LASTID id, a NOACK read that moved the
/// group an XGROUP SETID ... ENTRIESREAD n, a consumer a NOACK read made an XGROUP CREATECONSUMER, several records of
/// one command inside MULTI/EXEC; history reads and empty reads leave nothing. Delivery times are placeholders.
/// </summary>
public class StreamGroupAofTests
{
    const string Incr = "appendonlydir/appendonly.aof.1.incr.aof";

    static readonly string[][] Commands =
    [
        ["xadd", "{t}s", "1-1", "a", "1"], ["xadd", "{t}s", "2-1", "b", "2"], ["xadd", "{t}s", "3-1", "c", "3"],
        ["xgroup", "create", "{t}s", "g", "0"],
        ["xreadgroup", "group", "g", "c1", "count", "2", "streams", "{t}s", ">"],
        ["xreadgroup", "group", "g", "c1", "streams", "{t}s", "0"],
        ["xreadgroup", "group", "g", "c2", "noack", "streams", "{t}s", ">"],
        ["xreadgroup", "group", "g", "c3", "streams", "{t}s", ">"],
        ["xdel", "{t}s", "1-1"],
        ["xreadgroup", "group", "g", "c1", "streams", "{t}s", "0"],
        ["xgroup", "setid", "{t}s", "g", "0"],
        ["xreadgroup", "group", "g", "c4", "noack", "streams", "{t}s", ">"],
        ["xadd", "{t}s", "4-1", "d", "4"],
        ["xreadgroup", "group", "g", "c5", "noack", "count", "1", "streams", "{t}s", ">"],
        ["xgroup", "setid", "{t}s", "g", "0"],
        ["xreadgroup", "group", "g", "c5", "count", "1", "streams", "{t}s", ">"],
        ["xreadgroup", "group", "g", "c5", "streams", "{t}s", ">"],
        ["xgroup", "create", "{t}t", "g", "$", "mkstream"], ["xadd", "{t}t", "5-1", "e", "5"],
        ["xreadgroup", "group", "g", "c1", "streams", "{t}s", "{t}t", ">", ">"],
        ["xack", "{t}s", "g", "2-1", "3-1"],
        ["multi"], ["xadd", "{t}t", "6-1", "f", "6"], ["xreadgroup", "group", "g", "c6", "streams", "{t}t", ">"], ["exec"],
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void GroupReads_SameAofAsRedis(int threads)
    {
        List<string> redis = Record(ServerKind.Redis, threads);
        List<string> fastkv = Record(ServerKind.Target, threads);
        Assert.Equal(redis, fastkv);
        Assert.Contains(fastkv, r => r.StartsWith("XCLAIM|"));
        Assert.DoesNotContain(fastkv, r => r.StartsWith("xreadgroup|"));
    }

    static List<string> Record(ServerKind kind, int threads)
    {
        // always: Redis writes the file before it replies. With everysec it may postpone a write for up to 2 s while
        // a background fsync is slow (a loaded machine), and the file read after the last reply would be short.
        using var server = ServerProcess.Start(kind, threads, "--appendonly", "yes", "--appendfsync", "always");
        using var conn = server.Connect();
        foreach (string[] cmd in Commands) conn.Call(cmd);
        conn.Call("ping");
        string path = Path.Combine(server.WorkDir, Incr);
        Assert.True(File.Exists(path), server.Description + " wrote no " + Incr);
        return AofPropagationTests.Records(File.ReadAllBytes(path));
    }
}
