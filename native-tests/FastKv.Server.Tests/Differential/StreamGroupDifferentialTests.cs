using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Random consumer-group command streams (<see cref="StreamGroupCommandGenerator"/>) go to Redis 7.2.4 and to the
/// server under test; every reply must be byte-identical. At the end each consumer's pending entries are read back
/// (XREADGROUP with ID 0), XPENDING, XINFO STREAM [FULL], GROUPS and
/// CONSUMERS compared, times as placeholders, then every pending entry claimed by XAUTOCLAIM. --threads 1 and 4, one at a time and pipelined, RESP2 and RESP3.
/// </summary>
public class StreamGroupDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
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
    public void RandomGroupCommands_MatchRedis(int threads, int seed, int pipeline, int protocol)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        List<byte[][]> steps = new StreamGroupCommandGenerator(seed).Generate(CommandsPerSeed);

        using var session = new DualSession(oracle, target)
        {
            Context = $"seed {seed}, --threads {threads}, pipeline {pipeline}, RESP{protocol} (replay: new StreamGroupCommandGenerator({seed}).Generate({CommandsPerSeed}))",
        };
        if (protocol == 3)
            session.Check("HELLO", "3");
        session.Run(steps, pipeline);
        foreach (string key in StreamGroupCommandGenerator.StreamKeys)
        {
            session.Check("XINFO", "STREAM", key);
            session.Check("XINFO", "GROUPS", key);
            CheckTimed(session, "XINFO", "STREAM", key, "FULL");
            CheckTimed(session, "XINFO", "STREAM", key, "FULL", "COUNT", "2");
            foreach (string group in StreamGroupCommandGenerator.Groups)
            {
                session.Check("XPENDING", key, group);
                CheckTimed(session, "XPENDING", key, group, "-", "+", "100");
                CheckTimed(session, "XPENDING", key, group, "IDLE", "0", "-", "+", "2", "c1");
                CheckTimed(session, "XINFO", "CONSUMERS", key, group);
                foreach (string consumer in StreamGroupCommandGenerator.Consumers)
                    session.Check("XREADGROUP", "GROUP", group, consumer, "STREAMS", key, "0");
                // Claims nothing (no entry is that idle) but drops the deleted entries: the cursor and the deleted list.
                session.Check("XAUTOCLAIM", key, group, "c1", "10000000000000", "-", "COUNT", "1000");
                session.Check("XAUTOCLAIM", key, group, "c4", "0", "-", "COUNT", "1000", "JUSTID");
                session.Check("XPENDING", key, group);
            }
        }
        // The help texts and the subcommand errors, byte for byte.
        session.Check("XGROUP", "HELP");
        session.Check("XINFO", "HELP");
        session.Check("XGROUP", "HELP", "extra");
        session.Check("XGROUP", "NOSUCH", "k", "g");
        session.Check("XINFO", "NOSUCH", "k");
        target.AssertAlive();
    }

    /// <summary>A reply that holds times (delivery, seen and active times, idle and inactive ms), compared with every
    /// time replaced by a placeholder: its structure and every other value must be identical.</summary>
    internal static void CheckTimed(DualSession session, params string[] args)
    {
        string oracle = WithoutTimes(session.Oracle.Call(args));
        string target = WithoutTimes(session.Target.Call(args));
        Assert.True(oracle == target, $"{string.Join(' ', args)}\n  oracle: {oracle}\n  target: {target}");
    }

    private static string WithoutTimes(byte[] reply)
    {
        string s = Encoding.Latin1.GetString(reply);
        s = Regex.Replace(s, @":\d{13}\r\n", ":<ms>\r\n");
        s = Regex.Replace(s, @"(\$4\r\nidle\r\n|\$8\r\ninactive\r\n):\d+\r\n", "$1:<idle>\r\n");
        // XPENDING's entries: [id, consumer, idle ms, deliveries].
        return Regex.Replace(s, @"(\*4\r\n\$\d+\r\n\d+-\d+\r\n\$\d+\r\n[^\r]*\r\n):\d+\r\n", "$1:<idle>\r\n");
    }
}
