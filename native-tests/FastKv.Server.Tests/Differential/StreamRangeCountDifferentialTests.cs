using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// XRANGE, XREVRANGE and XREAD over a stream of several nodes (10 entries each) with deleted entries, including whole
/// nodes of tombstones: every range starts and ends inside a node, on a node's first or last entry, on a deleted ID or
/// between nodes, with and without COUNT, so the reply's announced length (counted by node headers where a node lies
/// wholly inside the range) is checked against Redis 7.2.4 byte for byte, --threads 4 and 1.
/// </summary>
public class StreamRangeCountDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int>> Threads() => [new(4), new(1)];

    [Theory]
    [MemberData(nameof(Threads))]
    public void RangesAcrossNodes_MatchRedis(int threads)
    {
        using var session = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server)
        {
            Context = $"--threads {threads}",
        };
        session.Check("CONFIG", "SET", "stream-node-max-entries", "10");
        session.Check("DEL", "xrc");
        for (int i = 1; i <= 95; i++) session.Check("XADD", "xrc", i + "-1", "f", i.ToString());
        // Tombstones: scattered, a node's first and last entry, and a whole node (41..50).
        foreach (int i in new[] { 3, 11, 20, 27, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 61, 95 })
            session.Check("XDEL", "xrc", i + "-1");
        string[] bounds = ["-", "1-1", "1-0", "5-1", "10-1", "10-2", "11-1", "20-1", "21-0", "40-9", "41-1", "50-1", "51-1", "60-5", "61-1", "94-1", "95-1", "96-0", "+"];
        foreach (string a in bounds)
            foreach (string b in bounds)
            {
                session.Check("XRANGE", "xrc", a, b);
                session.Check("XREVRANGE", "xrc", b, a);
                session.Check("XRANGE", "xrc", a, b, "COUNT", "7");
                session.Check("XREVRANGE", "xrc", b, a, "COUNT", "13");
            }
        foreach (string after in new[] { "0-0", "9-1", "10-1", "40-1", "50-1", "60-1", "94-1", "95-1" })
        {
            session.Check("XREAD", "STREAMS", "xrc", after);
            session.Check("XREAD", "COUNT", "12", "STREAMS", "xrc", after);
        }
        session.Check("DEL", "xrc");
        session.Check("CONFIG", "SET", "stream-node-max-entries", "100");
    }
}
