using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Random list command streams (<see cref="ListCommandGenerator"/>) sent to redis-server and to the server
/// under test; every reply must be byte-identical except for <see cref="IntendedDifferences"/>. Run with
/// --threads 4 (LMOVE, RPOPLPUSH and LMPOP across shards) and --threads 1, one command at a time and
/// pipelined, in RESP2 and RESP3.
/// </summary>
public class ListDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int CommandsPerSeed = 2000;

    public static IEnumerable<TheoryDataRow<int, int, int, bool>> Cases()
    {
        // (threads, seed, pipeline depth, RESP3)
        yield return new(4, 1, 1, false);
        yield return new(4, 2, 1, true);
        yield return new(4, 3, 32, false);
        yield return new(4, 4, 32, true);
        yield return new(1, 101, 1, false);
        yield return new(1, 102, 32, true);
        yield return new(4, 5, 1, false);
        yield return new(4, 6, 32, true);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomListCommands_MatchRedis(int threads, int seed, int pipeline, bool resp3)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        List<byte[][]> steps = new ListCommandGenerator(seed, resp3).Generate(CommandsPerSeed);

        using var session = new DualSession(oracle, target)
        {
            Context = $"seed {seed}, --threads {threads}, pipeline {pipeline}, resp3 {resp3} (replay: new ListCommandGenerator({seed}, {(resp3 ? "true" : "false")}).Generate({CommandsPerSeed}))",
        };
        session.Run(steps, pipeline);
        // The last word: every list holds the same elements in the same encoding (7.2's listpack/quicklist).
        foreach (string key in ListCommandGenerator.Keys)
        {
            session.Check("LRANGE", key, "0", "-1");
            session.Check("OBJECT", "ENCODING", key);
        }
        session.Check("DBSIZE");
        session.Check("KEYS", "*");
        target.AssertAlive();
    }
}
