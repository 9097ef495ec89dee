using System;
using System.IO;
using Xunit;

namespace FastKv.Server.Tests.Infrastructure;

public enum ServerKind
{
    /// <summary>The real redis-server: the oracle, always.</summary>
    Redis,

    /// <summary>The server under test: FastKv, or redis-server when FASTKV_TEST_TARGET=redis.</summary>
    Target,

    /// <summary>Redis 7.2.4, the version FastKv targets (<see cref="Oracle72"/>): for behaviour 7.0 does not have.</summary>
    Redis72,
}

/// <summary>How to launch a server: the program and the arguments that come before the server's own.</summary>
public sealed record LaunchCommand(string FileName, string[] PrefixArgs, bool IsRedis)
{
    public string Describe() => IsRedis ? $"redis-server ({FileName})" : $"FastKv ({FileName} {string.Join(' ', PrefixArgs)})";
}

/// <summary>
/// Decides which binary a "FastKv" test talks to.
/// <list type="bullet">
/// <item>FASTKV_TEST_TARGET=redis: redis-server, so every test can be proven right against the oracle.</item>
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
        if (kind == ServerKind.Redis72)
            return new LaunchCommand(Oracle72.Require(FindSolutionRoot()), [], IsRedis: true);
        if (kind == ServerKind.Redis || TargetIsRedis)
            return new LaunchCommand(ToolCheck.RequireRedisServer(), [], IsRedis: true);
        return ResolveFastKv();
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

    private static string? FindSolutionRoot()
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
