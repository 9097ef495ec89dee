using System.Collections.Generic;
using System.Globalization;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// Random scripts (<see cref="RandomScriptGenerator"/>) against Redis 7.2.4, byte for byte, over RESP2 and RESP3, at
/// --threads 1 and 4: each by EVAL, some by SCRIPT LOAD + EVALSHA, some by EVAL_RO, some pipelined, some run again by EVALSHA (a script FastKv has
/// learned keeps to its keys, or not, runs on another path the second time). The keyspaces are compared at the end.
/// A mismatch names the seed and the script's number, and prints the script.
/// </summary>
public class RandomScriptDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    const int ScriptsPerSeed = 250;

    public static IEnumerable<TheoryDataRow<int, int, int>> Cases()
    {
        // (threads, protocol, seed)
        foreach (int threads in new[] { 1, 4 })
            foreach (int protocol in new[] { 2, 3 })
                for (int seed = 1; seed <= 3; seed++)
                    yield return new(threads, protocol, seed * 10 + protocol + threads * 100);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomScripts_MatchRedis(int threads, int protocol, int seed)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        using var session = new DualSession(servers.Oracle.Server, target);
        string where = $"--threads {threads}, RESP{protocol}, seed {seed}";
        session.Context = where;
        session.Check("FLUSHALL");
        session.Check("SCRIPT", "FLUSH");
        session.Check("HELLO", protocol.ToString(CultureInfo.InvariantCulture));
        var generator = new RandomScriptGenerator(seed);
        var rng = new System.Random(seed);
        for (int i = 0; i < ScriptsPerSeed; i++)
        {
            RandomScriptGenerator.Script script = generator.Next();
            session.Context = $"{where}, script #{i} (replay: new RandomScriptGenerator({seed}), Next() {i + 1} times)\n{script}";
            int how = rng.Next(12);
            if (how < 2)
            {
                session.Check("SCRIPT", "LOAD", script.Source);
                session.Check(script.EvalShaCommand());
            }
            else if (how == 10)
            {
                // Read-only: its writes fail inside, its reads run.
                session.Check(script.EvalCommand("EVAL_RO"));
            }
            else if (how == 11)
            {
                // Pipelined with a read of a key it may have written.
                session.CheckPipeline([DualSession.Command(script.EvalCommand("EVAL")), DualSession.Command("TYPE", RandomScriptGenerator.Keys[i % RandomScriptGenerator.Keys.Length])]);
            }
            else
            {
                session.Check(script.EvalCommand("EVAL"));
            }
            if (how == 9)
                session.Check(script.EvalShaCommand());
        }
        session.Context = where + ", the keyspaces at the end";
        CompareKeyspaces(session);
        target.AssertAlive();
    }

    /// <summary>DBSIZE, then every key the oracle holds: its type, its value read by type, and its TTL.</summary>
    internal static void CompareKeyspaces(DualSession session)
    {
        session.Check("DBSIZE");
        RespValue keys = Resp.Parse(session.Check("KEYS", "*"));
        foreach (RespValue k in keys.Items!)
        {
            string key = k.Text!;
            string type = Resp.Parse(session.Check("TYPE", key)).Text!;
            switch (type)
            {
                case "string": session.Check("GET", key); break;
                case "hash": session.Check("HGETALL", key); break;
                case "list": session.Check("LRANGE", key, "0", "-1"); break;
                case "set": session.Check("SMEMBERS", key); break;
                case "zset": session.Check("ZRANGE", key, "0", "-1", "WITHSCORES"); break;
            }
            session.Check("TTL", key);
        }
    }
}
