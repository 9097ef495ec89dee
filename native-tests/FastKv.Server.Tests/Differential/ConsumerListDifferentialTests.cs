using System.Collections.Generic;
using System.Globalization;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Consumers with long pending lists, most of them acknowledged or claimed away and some claimed back, against Redis
/// 7.2.4: FastKv leaves a stale slot in the old owner's list at each acknowledgement or claim and drops them when they
/// outnumber the live ones (StreamGroups.Pel.cs), so every reader of a consumer's list (XPENDING with a consumer,
/// XREADGROUP's history, XINFO CONSUMERS and STREAM FULL, XGROUP DELCONSUMER's count, the RDB written by DEBUG RELOAD, an AOF base in command form)
/// must give what Redis gives, before and after the stale slots go. Byte for byte, times as placeholders.
/// </summary>
public class ConsumerListDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private static readonly string[] s_consumers = ["c1", "c2", "c3"];

    [Theory]
    [InlineData(4, 11, 2)]
    [InlineData(1, 12, 3)]
    public void LongListsThinnedByAcksAndClaims_ReadAsRedisReadsThem(int threads, int seed, int protocol)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        using var session = new DualSession(oracle, target) { Context = $"seed {seed}, --threads {threads}, RESP{protocol}" };
        var rng = new System.Random(seed);
        string Id(int n) => "1-" + n.ToString(CultureInfo.InvariantCulture);
        string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        session.Check("FLUSHALL");
        if (protocol == 3) session.Check("HELLO", "3");
        var add = new List<byte[][]>();
        for (int i = 1; i <= 300; i++) add.Add(DualSession.Command("XADD", "s", Id(i), "f", N(i)));
        session.CheckPipeline(add);
        session.Check("XGROUP", "CREATE", "s", "g", "0");
        session.Check("XREADGROUP", "GROUP", "g", "c1", "COUNT", "200", "STREAMS", "s", ">");
        session.Check("XREADGROUP", "GROUP", "g", "c2", "COUNT", "60", "STREAMS", "s", ">");
        for (int step = 0; step < 600; step++)
        {
            string c = s_consumers[rng.Next(s_consumers.Length)];
            int r = rng.Next(100);
            if (r < 45)
            {
                // Acknowledgements, mostly of pending entries, a few twice or never delivered.
                var a = new List<string> { "XACK", "s", "g" };
                for (int k = 1 + rng.Next(4); k > 0; k--) a.Add(Id(1 + rng.Next(step < 300 ? 260 : 300)));
                session.Check(a.ToArray());
            }
            else if (r < 65)
            {
                var a = new List<string> { "XCLAIM", "s", "g", c, "0" };
                for (int k = 1 + rng.Next(3); k > 0; k--) a.Add(Id(1 + rng.Next(300)));
                if (rng.Next(4) == 0) a.Add("FORCE");
                a.Add("JUSTID");
                session.Check(a.ToArray());
            }
            else if (r < 75)
            {
                string from = rng.Next(3) == 0 ? "0" : Id(rng.Next(300));
                if (rng.Next(2) == 0) session.Check("XREADGROUP", "GROUP", "g", c, "COUNT", N(1 + rng.Next(40)), "STREAMS", "s", from);
                else session.Check("XREADGROUP", "GROUP", "g", c, "STREAMS", "s", from);
            }
            else if (r < 85)
            {
                string start = rng.Next(3) == 0 ? "-" : Id(rng.Next(300));
                string end = rng.Next(3) == 0 ? "+" : Id(150 + rng.Next(150));
                StreamGroupDifferentialTests.CheckTimed(session, "XPENDING", "s", "g", start, end, N(1 + rng.Next(60)), c);
            }
            else if (r < 90) session.Check("XPENDING", "s", "g");
            else if (r < 94) StreamGroupDifferentialTests.CheckTimed(session, "XINFO", "CONSUMERS", "s", "g");
            else if (r < 96) session.Check("XREADGROUP", "GROUP", "g", c, "COUNT", N(1 + rng.Next(10)), "STREAMS", "s", ">");
            else if (r < 97) session.Check("XDEL", "s", Id(1 + rng.Next(300)));
            else StreamGroupDifferentialTests.CheckTimed(session, "XINFO", "STREAM", "s", "FULL", "COUNT", N(rng.Next(30)));
            if (step == 400)
            {
                // Written out and read back with the stale slots in place: the RDB holds the live ones only.
                session.Check("DEBUG", "RELOAD");
            }
        }
        foreach (string c in s_consumers)
        {
            session.Check("XREADGROUP", "GROUP", "g", c, "STREAMS", "s", "0");
            StreamGroupDifferentialTests.CheckTimed(session, "XPENDING", "s", "g", "-", "+", "1000", c);
        }
        StreamGroupDifferentialTests.CheckTimed(session, "XINFO", "STREAM", "s", "FULL");
        session.Check("DEBUG", "RELOAD");
        StreamGroupDifferentialTests.CheckTimed(session, "XINFO", "STREAM", "s", "FULL");
        session.Check("XPENDING", "s", "g");
        // An AOF base in command form (XCLAIM ... FORCE per live slot), loaded back.
        session.Check("CONFIG", "SET", "aof-use-rdb-preamble", "no");
        session.Check("CONFIG", "SET", "appendonly", "yes");
        Persistence.AofCommandBaseTests.WaitForRewrite(session.Oracle);
        Persistence.AofCommandBaseTests.WaitForRewrite(session.Target);
        session.Check("DEBUG", "LOADAOF");
        StreamGroupDifferentialTests.CheckTimed(session, "XINFO", "STREAM", "s", "FULL");
        foreach (string c in s_consumers) StreamGroupDifferentialTests.CheckTimed(session, "XPENDING", "s", "g", "-", "+", "1000", c);
        session.Check("CONFIG", "SET", "appendonly", "no");
        session.Check("CONFIG", "SET", "aof-use-rdb-preamble", "yes");
        foreach (string c in s_consumers) session.Check("XGROUP", "DELCONSUMER", "s", "g", c);
        session.Check("XPENDING", "s", "g");
        target.AssertAlive();
    }
}
