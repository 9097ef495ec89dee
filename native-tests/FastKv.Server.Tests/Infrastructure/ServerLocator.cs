using System;
using System.IO;
using Xunit;

namespace FastKv.Server.Tests.Infrastructure;

public enum ServerKind
{
    /// <summary>The oracle: Redis 7.2.4, the version FastKv targets (<see cref="ServerLocator.RequireOracle"/>).</summary>
    Redis,

    /// <summary>The server under test: FastKv, or redis-server when FASTKV_TEST_TARGET=redis.</summary>
    Target,
}

/// <summary>How to launch a server: the program and the arguments that come before the server's own.</summary>
public sealed record LaunchCommand(string FileName, string[] PrefixArgs, bool IsRedis)
{
    public string Describe() => IsRedis ? $"redis-server ({FileName})" : $"FastKv ({FileName} {string.Join(' ', PrefixArgs)})";
}

/// <summary>
/// Decides which binary a "FastKv" test talks to.
/// <list type="bullet">
/// <item>FASTKV_TEST_TARGET=redis: the oracle (Redis 7.2.4), so every test can be proven right against it.</item>
/// <item>FASTKV_SERVER: a native binary, or a fastkv-server.dll run with dotnet.</item>
/// <item>otherwise: src/FastKv.Server/bin/{Release,Debug}/net10.0/fastkv-server.dll under the directory
/// holding FastKv.sln, found by walking up from the test assembly.</item>
/// </list>
/// A missing FastKv build skips the test (with the paths tried), unless FASTKV_REQUIRE_SERVER=1, which
/// CI sets once the server exists so a broken build cannot hide behind skips.
/// </summary>
public static class ServerLocator
{
    public static bool TargetIsRedis =>
        string.Equals(Environment.GetEnvironmentVariable("FASTKV_TEST_TARGET"), "redis", StringComparison.OrdinalIgnoreCase);

    private static bool RequireServer => Environment.GetEnvironmentVariable("FASTKV_REQUIRE_SERVER") == "1";

    public static LaunchCommand Resolve(ServerKind kind)
    {
        if (kind == ServerKind.Redis || TargetIsRedis)
            return new LaunchCommand(RequireOracle(), [], IsRedis: true);
        return ResolveFastKv();
    }

    /// <summary>Where the oracle is looked for, relative to the directory holding FastKv.sln.</summary>
    public const string OracleRelativePath = "../shared/oracle/redis-7.2.4/redis-server";

    /// <summary>
    /// The Redis 7.2.4 oracle binary: FASTKV_ORACLE (the redis-server binary, or a folder holding it directly
    /// or in redis-7.2.4/), else <see cref="OracleRelativePath"/> from the solution root. Where it is absent the
    /// calling test is skipped, saying where it looked. Debian's redis-server (7.0.15) is not a stand-in: its
    /// replies differ from 7.2's (listpack sets, error texts, ZRANK WITHSCORE, ...).
    /// </summary>
    public static string RequireOracle()
    {
        string? path = FindOracle(out string tried);
        if (path is null)
            Assert.Skip("the Redis 7.2.4 oracle was not found (" + tried + "); put it at " + OracleRelativePath
                + " beside the project, or set FASTKV_ORACLE to its redis-server");
        return path;
    }

    private static string? FindOracle(out string tried)
    {
        string? env = Environment.GetEnvironmentVariable("FASTKV_ORACLE");
        if (!string.IsNullOrEmpty(env))
        {
            tried = "FASTKV_ORACLE=" + env;
            if (File.Exists(env))
                return Path.GetFullPath(env);
            foreach (string candidate in new[] { Path.Combine(env, "redis-server"), Path.Combine(env, "redis-7.2.4", "redis-server") })
                if (File.Exists(candidate))
                    return Path.GetFullPath(candidate);
            return null;
        }
        string? root = FindSolutionRoot();
        if (root is null)
        {
            tried = "FastKv.sln not found above " + AppContext.BaseDirectory;
            return null;
        }
        string path = Path.GetFullPath(Path.Combine(root, OracleRelativePath));
        tried = path;
        return File.Exists(path) ? path : null;
    }

    private static LaunchCommand ResolveFastKv()
    {
        string? explicitPath = Environment.GetEnvironmentVariable("FASTKV_SERVER");
        if (!string.IsNullOrEmpty(explicitPath))
        {
            if (!File.Exists(explicitPath))
                throw new FileNotFoundException($"FASTKV_SERVER points at '{explicitPath}', which does not exist.");
            return ForPath(Path.GetFullPath(explicitPath));
        }

        string? root = FindSolutionRoot();
        if (root is null)
            return Missing("FastKv.sln was not found above " + AppContext.BaseDirectory);

        string bin = Path.Combine(root, "src", "FastKv.Server", "bin");
        string release = Path.Combine(bin, "Release", "net10.0", "fastkv-server.dll");
        string debug = Path.Combine(bin, "Debug", "net10.0", "fastkv-server.dll");
        if (File.Exists(release))
            return ForPath(release);
        if (File.Exists(debug))
            return ForPath(debug);
        return Missing($"no FastKv build at {release} or {debug}; run `dotnet build -c Release src/FastKv.Server` "
            + "or set FASTKV_SERVER (or FASTKV_TEST_TARGET=redis to run these tests against redis-server)");
    }

    private static LaunchCommand ForPath(string path) =>
        path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new LaunchCommand("dotnet", [path], IsRedis: false)
            : new LaunchCommand(path, [], IsRedis: false);

    private static LaunchCommand Missing(string why)
    {
        if (RequireServer)
            throw new FileNotFoundException("FastKv server not found (FASTKV_REQUIRE_SERVER=1): " + why);
        Assert.Skip("FastKv server not found: " + why);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>The directory holding FastKv.sln, found by walking up from the test assembly; null when none is.</summary>
    public static string? FindSolutionRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FastKv.sln")))
                return dir.FullName;
            dir = dir.Parent;
        }
        return null;
    }
}
