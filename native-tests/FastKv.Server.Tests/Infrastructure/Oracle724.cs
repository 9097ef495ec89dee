using System;
using System.IO;
using Xunit;

namespace FastKv.Server.Tests.Infrastructure;

/// <summary>
/// Redis 7.2.4, the version FastKv targets (DESIGN.md section 10): FASTKV_ORACLE if set, else
/// oracle/redis-7.2.4/redis-server in the shared folder beside the checkout. Tests whose expected replies
/// changed after 7.0 (COMMAND INFO and DOCS, for one) ask this build; when it is absent they skip and say so.
/// </summary>
public static class Oracle724
{
    public static LaunchCommand Resolve()
    {
        string? path = Environment.GetEnvironmentVariable("FASTKV_ORACLE");
        if (string.IsNullOrEmpty(path))
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "FastKv.sln"))) dir = dir.Parent;
            if (dir?.Parent != null) path = Path.Combine(dir.Parent.FullName, "shared", "oracle", "redis-7.2.4", "redis-server");
        }
        if (path == null || !File.Exists(path))
            Assert.Skip("the Redis 7.2.4 oracle is absent (looked for " + (path ?? "shared/oracle/redis-7.2.4/redis-server") + "; set FASTKV_ORACLE)");
        return new LaunchCommand(path, [], IsRedis: true);
    }
}

/// <summary>The 7.2.4 oracle plus the server under test with --threads 4 and with --threads 1, each started on first use.</summary>
public sealed class Oracle724AndTargetsFixture : IDisposable
{
    readonly object gate = new();
    ServerProcess? oracle;

    public ServerProcess Oracle
    {
        get
        {
            lock (gate)
            {
                oracle ??= ServerProcess.Start(Oracle724.Resolve());
                oracle.AssertAlive();
                return oracle;
            }
        }
    }

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
        oracle?.Dispose();
        Target4.Dispose();
        Target1.Dispose();
    }
}
