using System;
using System.IO;
using Xunit;

namespace FastKv.Server.Tests.Infrastructure;

/// <summary>
/// Finds Redis 7.2.4, the oracle for behaviour that changed after 7.0 (pushes to a client from its own command,
/// MONITOR's redaction, CLIENT NO-TOUCH): FASTKV_ORACLE72 names the binary, otherwise the project's shared folder
/// holds it at ../shared/oracle/redis-7.2.4/redis-server beside the checkout. Absent, the test skips and says so.
/// </summary>
public static class Oracle72
{
    public static string Require(string? solutionRoot)
    {
        string? path = Environment.GetEnvironmentVariable("FASTKV_ORACLE72");
        if (string.IsNullOrEmpty(path) && solutionRoot != null)
            path = Path.GetFullPath(Path.Combine(solutionRoot, "..", "shared", "oracle", "redis-7.2.4", "redis-server"));
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
            Assert.Skip($"the Redis 7.2.4 oracle is missing (looked for '{path}'; FASTKV_ORACLE72 may name it)");
        return path!;
    }
}

/// <summary>The 7.2.4 oracle plus the server under test with --threads 4 and with --threads 1.</summary>
public sealed class Oracle72AndTargetsFixture : IDisposable
{
    public LazyServer Oracle { get; } = new(ServerKind.Redis72);
    public LazyServer Target4 { get; } = new(ServerKind.Target, 4);
    public LazyServer Target1 { get; } = new(ServerKind.Target, 1);

    public LazyServer TargetWithThreads(int threads) => threads switch
    {
        1 => Target1,
        4 => Target4,
        _ => throw new ArgumentOutOfRangeException(nameof(threads)),
    };

    public void Dispose()
    {
        Oracle.Dispose();
        Target4.Dispose();
        Target1.Dispose();
    }
}
