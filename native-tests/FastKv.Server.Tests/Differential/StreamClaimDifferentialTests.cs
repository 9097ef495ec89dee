using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Random consumer-group streams with XCLAIM and XAUTOCLAIM (<see cref="StreamClaimCommandGenerator"/>) go to Redis
/// 7.2.4 and to the server under test; every reply must be byte-identical. --threads 4 and 1, one command at a time
/// and pipelined, RESP2 and RESP3. At the end each group's PEL is read back through XAUTOCLAIM JUSTID (which claims
/// and so lists every pending ID) and each consumer's share through XGROUP DELCONSUMER's count.
/// </summary>
public class StreamClaimDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int CommandsPerSeed = 2000;

    public static IEnumerable<TheoryDataRow<int, int, int, int>> Cases()
    {
        // (threads, seed, pipeline depth, protocol)
        yield return new(4, 1, 1, 2);
        yield return new(4, 2, 1, 3);
        yield return new(1, 101, 1, 2);
        yield return new(1, 102, 1, 3);
        yield return new(4, 201, 32, 2);
        yield return new(1, 301, 32, 3);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomClaimCommands_MatchRedis(int threads, int seed, int pipeline, int protocol)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        List<byte[][]> steps = new StreamClaimCommandGenerator(seed).Generate(CommandsPerSeed);

        using var session = new DualSession(oracle, target)
        {
            Context = $"seed {seed}, --threads {threads}, pipeline {pipeline}, RESP{protocol} (replay: new StreamClaimCommandGenerator({seed}).Generate({CommandsPerSeed}))",
        };
        if (protocol == 3)
            session.Check("HELLO", "3");
        session.Run(steps, pipeline);
        session.Check("DBSIZE");
        foreach (string key in StreamClaimCommandGenerator.StreamKeys)
        {
            session.Check("XINFO", "STREAM", key);
            // A copy in the key's own slot, so the copy stays on its shard.
            string copy = key.StartsWith("{c}") ? "{c}copy" : "{" + key + "}copy";
            foreach (string group in StreamClaimCommandGenerator.Groups)
            {
                foreach (string consumer in StreamClaimCommandGenerator.Consumers)
                {
                    session.Check("COPY", key, copy, "REPLACE");
                    session.Check("XGROUP", "DELCONSUMER", copy, group, consumer);
                }
                session.Check("XAUTOCLAIM", key, group, "reader", "0", "-", "COUNT", "1000", "JUSTID");
            }
        }
        target.AssertAlive();
    }
}
