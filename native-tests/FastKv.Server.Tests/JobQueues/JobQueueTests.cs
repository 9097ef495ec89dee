using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.JobQueues;

/// <summary>Which server a job-queue run talks to, and the key prefix its library is given (null: the library's own).</summary>
public sealed record JobQueueServer(string Name, bool IsOracle, int? Threads, string? Prefix)
{
    /// <summary>FastKv with more than one shard (the default is one shard per core).</summary>
    public bool MayShard => !IsOracle && Threads != 1;

    public ServerProcess Start() => IsOracle ? ServerProcess.Start(ServerKind.Redis) : ServerProcess.Start(ServerKind.Target, Threads);

    public override string ToString() => Name;
}

/// <summary>
/// Real job-queue libraries end to end (issues 13 and 14): BullMQ, Bull, Bee-Queue and node-resque from npm,
/// Celery, RQ and Symfony Messenger's Redis transport from Debian, one test class each so they run side by side. Each run starts its own server, enqueues a few
/// hundred jobs (some delayed, some failing once and retried) and processes them with the library's worker;
/// every job must complete exactly once, the failing ones after one retry, the delayed ones not before their
/// delay, and the library's own counts must agree. Each program also runs against redis-server 7.2.4, so a
/// failure shows whether it is FastKv's. FastKv runs at --threads 1, 4 and its default; the npm libraries also
/// with a hash-tagged prefix at --threads 4, which keeps each script's keys on one shard.
/// Known gaps: <see cref="JobQueueGaps"/>.
/// </summary>
public static class JobQueueRuns
{
    private const string Tagged = "--threads 4, hash-tagged prefix";

    private static readonly JobQueueServer[] s_servers =
    [
        new("redis-server", IsOracle: true, Threads: null, Prefix: null),
        new("--threads 1", IsOracle: false, Threads: 1, Prefix: null),
        new("--threads 4", IsOracle: false, Threads: 4, Prefix: null),
        new("default threads", IsOracle: false, Threads: null, Prefix: null),
    ];

    public static IEnumerable<TheoryDataRow<string>> Servers(bool withTaggedPrefix)
    {
        foreach (JobQueueServer server in s_servers)
            yield return new(server.Name);
        if (withTaggedPrefix)
            yield return new(Tagged);
    }

    private static JobQueueServer ServerNamed(string library, string name)
    {
        foreach (JobQueueServer s in s_servers)
            if (s.Name == name)
                return s;
        // BullMQ's documented prefix for Redis Cluster is "{bull}"; the others take any hash tag.
        return new(Tagged, IsOracle: false, Threads: 4, Prefix: library == "bullmq" ? "{bull}" : "{jobs}");
    }

    /// <summary>Runs <paramref name="library"/>'s program against a fresh server and asserts its summary.</summary>
    public static void Check(string library, string serverName)
    {
        JobQueueProgram program = JobQueueProgram.ByName(library);
        JobQueueServer server = ServerNamed(library, serverName);
        using ServerProcess process = server.Start();
        JobQueueRun run = program.Run(process.Port, server.Prefix);
        process.AssertAlive();
        string? problem = run.Problem();
        if (problem is null)
            return;
        string? gap = JobQueueGaps.Explain(library, server, process.IsRedis, run);
        if (gap is not null)
            Assert.Skip(gap);
        Assert.Fail($"{library} against {process.Description}:\n{problem}\n\n{run.Describe()}\n--- server ---\n{process.Output}");
    }
}

public class BullMqTests
{
    [Theory]
    [MemberData(nameof(JobQueueRuns.Servers), true, MemberType = typeof(JobQueueRuns))]
    public void EveryJobCompletesExactlyOnce(string server) => JobQueueRuns.Check("bullmq", server);
}

public class BullTests
{
    [Theory]
    [MemberData(nameof(JobQueueRuns.Servers), true, MemberType = typeof(JobQueueRuns))]
    public void EveryJobCompletesExactlyOnce(string server) => JobQueueRuns.Check("bull", server);
}

public class BeeQueueTests
{
    [Theory]
    [MemberData(nameof(JobQueueRuns.Servers), true, MemberType = typeof(JobQueueRuns))]
    public void EveryJobCompletesExactlyOnce(string server) => JobQueueRuns.Check("bee-queue", server);
}

public class NodeResqueTests
{
    [Theory]
    [MemberData(nameof(JobQueueRuns.Servers), true, MemberType = typeof(JobQueueRuns))]
    public void EveryJobCompletesExactlyOnce(string server) => JobQueueRuns.Check("node-resque", server);
}

/// <summary>Celery's kombu names plain keys ("e2e", "unacked", "celery-task-meta-..."): no prefix to tag.</summary>
public class CeleryTests
{
    [Theory]
    [MemberData(nameof(JobQueueRuns.Servers), false, MemberType = typeof(JobQueueRuns))]
    public void EveryJobCompletesExactlyOnce(string server) => JobQueueRuns.Check("celery", server);
}

/// <summary>RQ's keys are fixed ("rq:job:j1", "rq:queue:e2e", registries per queue): no prefix to tag.</summary>
public class RqTests
{
    [Theory]
    [MemberData(nameof(JobQueueRuns.Servers), false, MemberType = typeof(JobQueueRuns))]
    public void EveryJobCompletesExactlyOnce(string server) => JobQueueRuns.Check("rq", server);
}

/// <summary>Symfony Messenger's Redis transport: a stream and a consumer group (native-tests/jobqueues/symfony_e2e.php).</summary>
public class SymfonyTests
{
    [Theory]
    [MemberData(nameof(JobQueueRuns.Servers), false, MemberType = typeof(JobQueueRuns))]
    public void EveryMessageIsHandledExactlyOnce(string server) => JobQueueRuns.Check("symfony-messenger", server);
}
