using System.Collections.Generic;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// HyperLogLog against redis-server: seeded streams from <see cref="HllCommandGenerator"/> at --threads 4 (PFCOUNT
/// and PFMERGE over keys on different shards) and 1, one command at a time and pipelined, RESP2 and RESP3. Every
/// reply is byte-identical, GET of a sketch included: the same adds leave the same bytes, sparse and dense and
/// across the promotion, and corrupted sketches give the same errors (or the same answers).
/// </summary>
public class HllDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int CommandsPerSeed = 1200;

    public static IEnumerable<TheoryDataRow<int, int, int, int>> Cases()
    {
        // (threads, seed, pipeline depth, protocol)
        yield return new(4, 1, 1, 2);
        yield return new(4, 2, 1, 3);
        yield return new(1, 101, 1, 2);
        yield return new(1, 102, 1, 3);
        yield return new(4, 201, 16, 2);
        yield return new(4, 202, 16, 3);
        yield return new(1, 301, 16, 3);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomHllCommands_MatchRedisByteForByte(int threads, int seed, int pipeline, int protocol)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        List<byte[][]> steps = new HllCommandGenerator(seed).Generate(CommandsPerSeed);
        if (protocol == 3)
            steps.Insert(0, DualSession.Command("HELLO", "3"));
        using var session = new DualSession(servers.Oracle.Server, target)
        {
            Context = $"seed {seed}, --threads {threads}, pipeline {pipeline}, RESP{protocol} (replay: new HllCommandGenerator({seed}).Generate({CommandsPerSeed}))",
        };
        session.Run(steps, pipeline);
        // The last word: every sketch agrees in its bytes and its count, and the server is still up.
        foreach (string key in HllCommandGenerator.Keys.Append(HllCommandGenerator.StringKey))
        {
            session.Check(DualSession.Command("GET", key), -1);
            session.Check(DualSession.Command("PFCOUNT", key), -1);
        }
        session.Check(DualSession.Command(["PFCOUNT", .. HllCommandGenerator.Keys]), -1);
        session.Check("DBSIZE");
        target.AssertAlive();
    }
}
