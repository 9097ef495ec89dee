using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Random hash command streams (<see cref="HashCommandGenerator"/>) go to redis-server and to the server
/// under test; every reply must be byte-identical except for <see cref="IntendedDifferences"/> (here:
/// table-ordered and random replies, <see cref="UnorderedReplies"/>). With --threads 4 (RENAME/COPY move
/// hashes between shards) and --threads 1, one command at a time and pipelined, RESP2 and RESP3.
/// </summary>
public class HashDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int CommandsPerSeed = 1500;

    public static IEnumerable<TheoryDataRow<int, int, int, int>> Cases()
    {
        // (threads, seed, pipeline depth, protocol)
        for (int seed = 1; seed <= 3; seed++)
            yield return new(4, seed, 1, 2);
        yield return new(4, 4, 1, 3);
        yield return new(4, 5, 1, 3);
        yield return new(1, 101, 1, 2);
        yield return new(1, 102, 1, 3);
        yield return new(4, 201, 32, 2);
        yield return new(4, 202, 32, 3);
        yield return new(1, 301, 32, 2);
        yield return new(1, 302, 32, 3);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomHashCommands_MatchRedis(int threads, int seed, int pipeline, int protocol)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        List<byte[][]> steps = new HashCommandGenerator(seed).Generate(CommandsPerSeed);

        using var session = new DualSession(oracle, target)
        {
            Context = $"seed {seed}, --threads {threads}, pipeline {pipeline}, RESP{protocol} (replay: new HashCommandGenerator({seed}).Generate({CommandsPerSeed}))",
        };
        if (protocol == 3)
            session.Check("HELLO", "3");
        session.Run(steps, pipeline);
        // The last word: every key agrees in type, encoding, size and content, and the server is still up.
        session.Check("DBSIZE");
        session.Check("KEYS", "*");
        var keys = new List<string>(HashCommandGenerator.HashKeys) { HashCommandGenerator.BigKey, HashCommandGenerator.StringKey };
        foreach (string key in keys)
        {
            session.Check("TYPE", key);
            session.Check("OBJECT", "ENCODING", key);
            session.Check("HLEN", key);
            session.Check("HGETALL", key);
        }
        session.Check("CONFIG", "SET", "hash-max-listpack-entries", "512");
        session.Check("CONFIG", "SET", "hash-max-listpack-value", "64");
        target.AssertAlive();
    }
}
