using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using FastKv.Server.Tests.Persistence;
using Xunit;

namespace FastKv.Server.Tests.Surface;

/// <summary>
/// unixsocket and unixsocketperm against Redis 7.2.4: a stale file at the path is replaced, the socket file gets the
/// mode asked for, clients connect through it (ours, and redis-cli -s) to the same data as over TCP, CLIENT LIST shows
/// the path as addr and laddr with flag U, CONFIG GET shows both settings (immutable at run time), and SHUTDOWN removes
/// the file. At --threads 1 and 3 (every loop accepts from the one socket).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class UnixSocketTests
{
    static Dictionary<string, string> Fields(string line) =>
        line.Trim().Split(' ').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f.Length > 1 ? f[1] : "");

    static List<string> Conversation(ServerKind kind, int threads)
    {
        string dir = SnapshotTests.NewDir();
        try
        {
            string path = Path.Combine(dir, "fastkv.sock");
            File.WriteAllText(path, "stale"); // a file left by an earlier run: removed before the bind
            var log = new List<string>();
            using (var s = ServerProcess.Start(kind, threads, ["--dir", dir, "--unixsocket", path, "--unixsocketperm", "0700"]))
            {
                log.Add("mode: " + File.GetUnixFileMode(path));
                using var tcp = s.Connect();
                tcp.Call("SET", "k", "over tcp");
                // Several connections, so with more than one loop they spread over the loops that share the socket.
                for (int i = 0; i < 6; i++)
                {
                    using var u = RespConnection.ConnectUnix(path);
                    log.Add("get: " + u.CallText("GET", "k"));
                    log.Add("incr: " + u.CallText("INCR", "n"));
                    Dictionary<string, string> me = Fields(Resp.Parse(u.Call("CLIENT", "INFO")).Text!);
                    log.Add("client: addr=" + me["addr"].Replace(dir, "<dir>") + " laddr=" + me["laddr"].Replace(dir, "<dir>") + " flags=" + me["flags"]);
                }
                log.Add("get over tcp: " + tcp.CallText("GET", "n"));
                foreach (string name in new[] { "unixsocket", "unixsocketperm" })
                    log.Add("config: " + Resp.AsString(tcp.Call("CONFIG", "GET", name)).Replace(dir, "<dir>"));
                log.Add("set: " + tcp.CallText("CONFIG", "SET", "unixsocketperm", "777"));
                log.Add("set: " + tcp.CallText("CONFIG", "SET", "unixsocket", "/tmp/x.sock"));
                string cli = ToolCheck.Find("redis-cli") is { } c
                    ? ProcessRunner.Run(c, ["-s", path, "GET", "k"], (string?)null, TimeSpan.FromSeconds(30)).StdOut
                    : "over tcp\n"; // redis-cli missing: the rest still compares
                log.Add("redis-cli: " + cli);
                using var last = RespConnection.ConnectUnix(path);
                last.SendCommand("SHUTDOWN", "NOSAVE");
                Assert.Equal(0, s.WaitForExit(TimeSpan.FromSeconds(30)));
            }
            log.Add("file after shutdown: " + File.Exists(path));
            return log;
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void UnixSocket_ServesAsRedisDoes(int threads)
    {
        List<string> fastkv = Conversation(ServerKind.Target, threads);
        Assert.Contains("client: addr=<dir>/fastkv.sock:0 laddr=<dir>/fastkv.sock:0 flags=U", fastkv);
        Assert.Equal(Conversation(ServerKind.Redis, 1), fastkv);
    }

    /// <summary>unixsocketperm is octal, 0 to 777: Redis's errors for anything else, at startup.</summary>
    [Theory]
    [InlineData("800")]
    [InlineData("1000")]
    [InlineData("x")]
    public void UnixSocketPerm_BadValue_RefusedAtStartupAsRedis(string value)
    {
        var outcomes = new List<string>();
        foreach (ServerKind kind in new[] { ServerKind.Redis, ServerKind.Target })
        {
            LaunchCommand launch = ServerLocator.Resolve(kind);
            string dir = SnapshotTests.NewDir();
            try
            {
                var r = ProcessRunner.Run(launch.FileName, [.. launch.PrefixArgs, "--port", "0", "--unixsocket", Path.Combine(dir, "s.sock"), "--unixsocketperm", value],
                    (string?)null, TimeSpan.FromSeconds(30));
                string all = r.StdOut + r.StdErr;
                string reason = all.Split('\n').FirstOrDefault(l => l.Contains("argument", StringComparison.Ordinal))?.Trim() ?? all;
                outcomes.Add((r.ExitCode != 0) + " " + reason);
            }
            finally { Directory.Delete(dir, true); }
        }
        Assert.Equal(outcomes[0], outcomes[1]);
    }
}
