using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Random stream command streams (<see cref="StreamCommandGenerator"/>) go to Redis 7.2.4 and to the server under
/// test; every reply must be byte-identical, XINFO STREAM's radix-tree-nodes included. With --threads 4 (RENAME/COPY
/// move streams between shards, XREAD gathers keys from several) and --threads 1, one command at a time and
/// pipelined, RESP2 and RESP3.
/// </summary>
public class StreamDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int CommandsPerSeed = 2000;

    public static IEnumerable<TheoryDataRow<int, int, int, int>> Cases()
    {
        // (threads, seed, pipeline depth, protocol)
        for (int seed = 1; seed <= 3; seed++)
            yield return new(4, seed, 1, 2);
        yield return new(4, 4, 1, 3);
        yield return new(1, 101, 1, 2);
        yield return new(1, 102, 1, 3);
        yield return new(4, 201, 32, 2);
        yield return new(4, 202, 32, 3);
        yield return new(1, 301, 32, 2);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomStreamCommands_MatchRedis(int threads, int seed, int pipeline, int protocol)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        List<byte[][]> steps = new StreamCommandGenerator(seed).Generate(CommandsPerSeed);

        using var session = new DualSession(oracle, target)
        {
            Context = $"seed {seed}, --threads {threads}, pipeline {pipeline}, RESP{protocol} (replay: new StreamCommandGenerator({seed}).Generate({CommandsPerSeed}))",
        };
        if (protocol == 3)
            session.Check("HELLO", "3");
        session.Run(steps, pipeline);
        session.Check("DBSIZE");
        foreach (string key in StreamCommandGenerator.StreamKeys)
        {
            session.Check("TYPE", key);
            session.Check("OBJECT", "ENCODING", key);
            session.Check("XINFO", "STREAM", key, "FULL", "COUNT", "0");
            session.Check("XREVRANGE", key, "+", "-");
        }
        session.Check("XINFO", "HELP");
        session.Check("XINFO", "STREAM");
        session.Check("CONFIG", "SET", "stream-node-max-entries", "100");
        session.Check("CONFIG", "SET", "stream-node-max-bytes", "4096");
        target.AssertAlive();
    }
}
