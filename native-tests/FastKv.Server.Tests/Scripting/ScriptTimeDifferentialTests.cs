using System.Collections.Generic;
using System.Linq;
using FastKv.Server.Tests.Atomicity;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// A script's time stands still, as in Redis 7.2.4 (commandTimeSnapshot): keys it set with a short TTL are still
/// there, with the whole TTL left, after it has slept past the TTL, whichever shard holds them (other shards' loops,
/// and their active expiry, go on meanwhile), and TIME answers the same twice. Keys declared and undeclared.
/// </summary>
public class ScriptTimeDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int>> Threads() => [new(1), new(4)];

    const string Script = """
        for i, k in ipairs(ARGV) do redis.call('SET', k, 'v', 'PX', 30) end
        redis.call('DEBUG', 'SLEEP', '0.3')
        local t1 = redis.call('TIME')
        redis.call('DEBUG', 'SLEEP', '0.02')
        local t2 = redis.call('TIME')
        local r = {t1[1] == t2[1] and t1[2] == t2[2]}
        for i, k in ipairs(ARGV) do
            r[#r + 1] = redis.call('EXISTS', k)
            r[#r + 1] = redis.call('PTTL', k)
            r[#r + 1] = redis.call('GET', k)
        end
        return r
        """;

    [Theory]
    [MemberData(nameof(Threads))]
    public void ScriptTime_StandsStill(int threads)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        string[] k = MultiKeyAtomicityTests.SpreadKeys("frozen:", 4);
        using var session = new DualSession(servers.Oracle.Server, target) { Context = $"--threads {threads}" };
        session.Check("FLUSHALL");
        session.Check("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1");
        try
        {
            session.Check(["EVAL", Script, "0", .. k]);
            session.Check(["EXISTS", .. k]);
            session.Check(["EVAL", Script, "4", .. k, .. k]);
            session.Check(["EXISTS", .. k]);
        }
        finally
        {
            session.Check("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0");
        }
        // Without the switch, DEBUG is refused in a script again.
        session.Check("EVAL", "return redis.call('DEBUG', 'SLEEP', '0')", "0");
    }
}
