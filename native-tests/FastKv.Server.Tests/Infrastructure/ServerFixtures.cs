using System;
using System.Runtime.ExceptionServices;

namespace FastKv.Server.Tests.Infrastructure;

/// <summary>
/// A server shared by every test of a class (IClassFixture) or collection. It starts on first use, inside
/// a test, so a missing tool or binary skips that test instead of failing the fixture; a failed start is
/// remembered and reported by every test that asks.
/// </summary>
public class LazyServer : IDisposable
{
    private readonly ServerKind _kind;
    private readonly int? _threads;
    private readonly string[] _extraArgs;
    private readonly object _lock = new();
    private ServerProcess? _server;
    private ExceptionDispatchInfo? _failure;

    public LazyServer(ServerKind kind, int? threads = null, params string[] extraArgs)
    {
        _kind = kind;
        _threads = threads;
        _extraArgs = extraArgs;
    }

    public ServerProcess Server
    {
        get
        {
            lock (_lock)
            {
                _failure?.Throw();
                if (_server is null)
                {
                    try
                    {
                        _server = ServerProcess.Start(_kind, _threads, _extraArgs);
                    }
                    catch (Exception e)
                    {
                        _failure = ExceptionDispatchInfo.Capture(e);
                        throw;
                    }
                }
                _server.AssertAlive();
                return _server;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _server?.Dispose();
            _server = null;
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>redis-server, the oracle.</summary>
public sealed class OracleFixture() : LazyServer(ServerKind.Redis);

/// <summary>The server under test with --threads 4 (redis-server under FASTKV_TEST_TARGET=redis).</summary>
public sealed class TargetFixture() : LazyServer(ServerKind.Target, 4);

/// <summary>The oracle plus the server under test with --threads 4 and with --threads 1.</summary>
public sealed class OracleAndTargetsFixture : IDisposable
{
    public LazyServer Oracle { get; } = new(ServerKind.Redis);
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

/// <summary>The oracle plus the server under test with --threads 4.</summary>
public sealed class OracleAndTargetFixture : IDisposable
{
    public LazyServer Oracle { get; } = new(ServerKind.Redis);
    public LazyServer Target { get; } = new(ServerKind.Target, 4);

    public void Dispose()
    {
        Oracle.Dispose();
        Target.Dispose();
    }
}
