using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// The same random command streams go to redis-server and to the server under test; every reply must be
/// byte-identical except for <see cref="IntendedDifferences"/>. Run with --threads 4 (keys spread over
/// shards: cross-shard MGET/MSET/RENAME/COPY) and --threads 1, one command at a time and pipelined.
/// </summary>
public class StringDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int CommandsPerSeed = 1500;

    public static IEnumerable<TheoryDataRow<int, int, int>> Cases()
    {
        // (threads, seed, pipeline depth)
        for (int seed = 1; seed <= 6; seed++)
            yield return new(4, seed, 1);
        for (int seed = 101; seed <= 103; seed++)
            yield return new(1, seed, 1);
        for (int seed = 201; seed <= 203; seed++)
            yield return new(4, seed, 32);
        yield return new(1, 301, 32);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomStringAndKeyspaceCommands_MatchRedis(int threads, int seed, int pipeline)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        List<byte[][]> steps = new StringCommandGenerator(seed).Generate(CommandsPerSeed);

        using var session = new DualSession(oracle, target)
        {
            Context = $"seed {seed}, --threads {threads}, pipeline {pipeline} (replay: new StringCommandGenerator({seed}).Generate({CommandsPerSeed}))",
        };
        session.Run(steps, pipeline);
        // The last word: both keyspaces agree (every database used), and the server is still up.
        for (int db = 0; db < 4; db++)
        {
            session.Check("SELECT", db.ToString(System.Globalization.CultureInfo.InvariantCulture));
            session.Check("DBSIZE");
            session.Check("KEYS", "*");
        }
        target.AssertAlive();
    }
}
