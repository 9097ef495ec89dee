using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Clients;

/// <summary>
/// Real clients against the server under test: redis-cli (one-shot, --raw, commands on stdin, --pipe),
/// redis-py (a script under the system python), redis-benchmark (every test reported, no errors).
/// </summary>
[Trait("Category", "Smoke")]
public class RealClientTests(TargetFixture target) : IClassFixture<TargetFixture>
{
    private static readonly TimeSpan s_toolTimeout = TimeSpan.FromSeconds(60);

    private string Port => target.Server.Port.ToString(CultureInfo.InvariantCulture);

    private ProcessRunner.Result Cli(string? stdin, params string[] args)
    {
        string cli = ToolCheck.RequireRedisCli();
        ServerProcess server = target.Server;
        var result = ProcessRunner.Run(cli, ["-h", "127.0.0.1", "-p", Port, .. args], stdin, s_toolTimeout);
        server.AssertAlive();
        return result;
    }

    [Fact]
    public void RedisCli_OneShotCommands()
    {
        // Without a terminal redis-cli prints raw replies; --no-raw asks for the interactive formatting.
        Assert.Equal("OK\n", Cli(null, "SET", "cli:a", "hello world").StdOut);
        Assert.Equal("hello world\n", Cli(null, "GET", "cli:a").StdOut);
        Assert.Equal("hello world\n", Cli(null, "--raw", "GET", "cli:a").StdOut);
        Assert.Equal("\"hello world\"\n", Cli(null, "--no-raw", "GET", "cli:a").StdOut);
        Assert.Equal("(nil)\n", Cli(null, "--no-raw", "GET", "cli:missing").StdOut);
        Assert.Equal("(integer) 11\n", Cli(null, "--no-raw", "STRLEN", "cli:a").StdOut);
        Assert.Equal("PONG\n", Cli(null, "PING").StdOut);
        Assert.Equal("(error) ERR value is not an integer or out of range\n", Cli(null, "--no-raw", "INCR", "cli:a").StdOut);
        Assert.Equal("1) \"hello world\"\n2) (nil)\n", Cli(null, "--no-raw", "MGET", "cli:a", "cli:missing").StdOut);
    }

    [Fact]
    public void RedisCli_CommandsOnStdin()
    {
        var result = Cli("SET cli:n 1\nINCR cli:n\nINCRBY cli:n 10\nGET cli:n\nGET cli:nothing\nNOSUCHCOMMAND x\nMGET cli:n cli:nothing\n");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("OK\n2\n12\n12\n\nERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' \n\n12\n\n", result.StdOut);
    }

    [Fact]
    public void RedisCli_Pipe_TransfersEverything()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 1000; i++)
            sb.Append(Resp.AsString(Resp.EncodeCommand("SET", "cli:pipe:" + i, "v" + i)));
        sb.Append(Resp.AsString(Resp.EncodeCommand("INCR", "cli:a-string-not-an-int")));
        byte[] input = Resp.Latin1.GetBytes(sb.ToString());
        string cli = ToolCheck.RequireRedisCli();
        var result = ProcessRunner.Run(cli, ["-h", "127.0.0.1", "-p", Port, "--pipe"], input, s_toolTimeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("errors: 0, replies: 1001", result.StdOut);
        Assert.Equal("v999\n", Cli(null, "GET", "cli:pipe:999").StdOut);
    }

    [Fact]
    public void RedisPy_Script()
    {
        string python = ToolCheck.RequirePythonRedis();
        string script = Path.Combine(AppContext.BaseDirectory, "Clients", "Scripts", "redis_py_smoke.py");
        ServerProcess server = target.Server;
        var result = ProcessRunner.Run(python, [script, Port], (string?)null, s_toolTimeout);
        server.AssertAlive();
        Assert.True(result.ExitCode == 0, $"redis-py script failed against {server.Description}: {result}");
        Assert.Contains("all checks passed", result.StdOut);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(1)]
    public void RedisBenchmark_AllTestsComplete_WithoutErrors(int pipeline)
    {
        string bench = ToolCheck.RequireRedisBenchmark();
        ServerProcess server = target.Server;
        string[] args = ["-h", "127.0.0.1", "-p", Port, "-q", "-t", "ping,set,get,incr,mset", "-n", "20000", "-P",
            pipeline.ToString(CultureInfo.InvariantCulture), "--csv"];
        var result = ProcessRunner.Run(bench, args, (string?)null, TimeSpan.FromSeconds(120));
        server.AssertAlive();
        Assert.True(result.ExitCode == 0, $"redis-benchmark against {server.Description}: {result}");
        Assert.True(result.StdErr.Trim().Length == 0, $"redis-benchmark wrote to stderr: {result}");
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"", lines[0]);
        string[] tests = lines.Skip(1).Select(l => l.Split(',')[0].Trim('"')).ToArray();
        Assert.Equal(["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"], tests);
        foreach (string line in lines.Skip(1))
        {
            double rps = double.Parse(line.Split(',')[1].Trim('"'), CultureInfo.InvariantCulture);
            Assert.True(rps > 0, "no throughput reported: " + line);
        }
    }

    [Fact]
    public void RedisBenchmark_ReportsEveryRequestCompleted()
    {
        string bench = ToolCheck.RequireRedisBenchmark();
        ServerProcess server = target.Server;
        var result = ProcessRunner.Run(bench, ["-h", "127.0.0.1", "-p", Port, "-t", "set,get", "-n", "20000", "-P", "16"],
            (string?)null, TimeSpan.FromSeconds(120));
        server.AssertAlive();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, result.StdOut.Split("20000 requests completed in").Length - 1);
        Assert.Contains("====== SET ======", result.StdOut);
        Assert.Contains("====== GET ======", result.StdOut);
    }
}
