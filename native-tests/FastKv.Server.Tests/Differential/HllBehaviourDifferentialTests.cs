using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// HyperLogLog beyond the random streams of <see cref="HllDifferentialTests"/>, against redis-server: the bytes after
/// every single add through the sparse-to-dense promotion, DUMP payloads moved both ways, WATCH (PFCOUNT refreshing
/// the cache counts as a change, PFADD that changes nothing does not), Lua scripts, MULTI, and PFSELFTEST.
/// </summary>
public class HllBehaviourDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private static string S(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>One element at a time until well past the promotion, GET compared after each add (pipelined).</summary>
    [Theory]
    [InlineData(4, "3000")]
    [InlineData(1, "500")]
    public void EveryAddLeavesRedisBytes_AcrossThePromotion(int threads, string sparseMax)
    {
        using var session = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server)
        {
            Context = $"--threads {threads}, hll-sparse-max-bytes {sparseMax}",
        };
        // The oracle serves both thread counts: whether the key is left from the other case differs.
        session.Oracle.Call("DEL", "grow");
        session.Target.Call("DEL", "grow");
        session.Check("CONFIG", "SET", "hll-sparse-max-bytes", sparseMax);
        try
        {
            var steps = new List<byte[][]>();
            for (int i = 0; i < 2500; i++)
            {
                steps.Add(DualSession.Command("PFADD", "grow", "element-" + S(i)));
                steps.Add(DualSession.Command("GET", "grow"));
                if (i % 50 == 0)
                {
                    steps.Add(DualSession.Command("PFCOUNT", "grow"));
                    steps.Add(DualSession.Command("PFDEBUG", "ENCODING", "grow"));
                }
            }
            session.Run(steps, 64);
            Assert.Equal("+dense\r\n", Resp.AsString(session.Check("PFDEBUG", "ENCODING", "grow")));
        }
        finally
        {
            session.Check("CONFIG", "SET", "hll-sparse-max-bytes", "3000");
        }
    }

    /// <summary>Sketches made by each server RESTORE in the other with the same bytes and the same count.</summary>
    [Fact]
    public void DumpedSketchesRestoreBothWays()
    {
        using RespConnection oracle = servers.Oracle.Server.Connect();
        using RespConnection target = servers.TargetWithThreads(4).Server.Connect();
        foreach (int n in new[] { 0, 3, 100, 900, 5000 })
        {
            string[] elements = Enumerable.Range(0, n).Select(i => "x" + S(i * 7)).ToArray();
            foreach (var (from, to) in new[] { (oracle, target), (target, oracle) })
            {
                string key = "dump-" + S(n) + (from == oracle ? "-o" : "-t");
                from.Call("DEL", key);
                to.Call("DEL", key);
                from.Call(["PFADD", key, .. elements]);
                if (n == 100) from.Call("PFCOUNT", key); // a valid cached count travels too
                byte[] payload = Resp.Parse(from.Call("DUMP", key)).Data!;
                var restore = new byte[][] { "RESTORE"u8.ToArray(), System.Text.Encoding.ASCII.GetBytes(key), "0"u8.ToArray(), payload };
                Assert.Equal("+OK\r\n", Resp.AsString(to.Call(restore)));
                Assert.Equal(Resp.AsString(from.Call("GET", key)), Resp.AsString(to.Call("GET", key)));
                Assert.Equal(Resp.AsString(from.Call("PFCOUNT", key)), Resp.AsString(to.Call("PFCOUNT", key)));
                Assert.Equal(Resp.AsString(from.Call("GET", key)), Resp.AsString(to.Call("GET", key)));
            }
        }
    }

    /// <summary>WATCH sees PFCOUNT's cache refresh and a PFADD that raised a register; not a PFADD that changed nothing.</summary>
    [Fact]
    public void WatchSeesWhatRedisCountsAsAChange()
    {
        foreach (ServerProcess server in new[] { servers.Oracle.Server, servers.TargetWithThreads(4).Server })
        {
            using RespConnection a = server.Connect();
            using RespConnection b = server.Connect();
            a.Call("DEL", "w");
            a.Call("PFADD", "w", "a", "b");
            string Exec(params string[] other)
            {
                a.Call("WATCH", "w");
                b.Call(other);
                a.Call("MULTI");
                a.Call("PFCOUNT", "w");
                return Resp.AsString(a.Call("EXEC"));
            }
            string stale = Exec("PFCOUNT", "w");
            string cached = Exec("PFCOUNT", "w");
            string noChange = Exec("PFADD", "w", "a");
            string added = Exec("PFADD", "w", "c");
            Assert.True(stale == "*-1\r\n", server.Description + ": PFCOUNT refreshing the cache: " + stale);
            Assert.True(cached == "*1\r\n:2\r\n", server.Description + ": PFCOUNT from the cache: " + cached);
            Assert.True(noChange == "*1\r\n:2\r\n", server.Description + ": PFADD of a known element: " + noChange);
            Assert.True(added == "*-1\r\n", server.Description + ": PFADD of a new element: " + added);
        }
    }

    [Fact]
    public void ScriptsTransactionsAndSelfTest_MatchRedis()
    {
        using var session = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(4).Server);
        session.Oracle.Call("DEL", "{s}a", "{s}b", "{s}c");
        session.Target.Call("DEL", "{s}a", "{s}b", "{s}c");
        session.Check("EVAL", "redis.call('pfadd', KEYS[1], 'a', 'b', 'c'); redis.call('pfadd', KEYS[2], 'c', 'd'); " +
            "redis.call('pfmerge', KEYS[3], KEYS[1], KEYS[2]); return {redis.call('pfcount', KEYS[3]), redis.call('pfcount', KEYS[1], KEYS[2])}",
            "3", "{s}a", "{s}b", "{s}c");
        session.Check("EVAL", "return redis.pcall('pfadd', KEYS[1], 'x')", "1", "{s}c");
        session.Check("EVAL", "return redis.pcall('pfcount', 'no-such-key')", "0");
        session.Check("GET", "{s}c");
        session.Check("MULTI");
        session.Check("PFADD", "{s}a", "z");
        session.Check("PFCOUNT", "{s}a");
        session.Check("PFMERGE", "{s}b", "{s}a");
        session.Check("PFDEBUG", "GETREG", "{s}b");
        session.Check("EXEC");
        session.Check("GET", "{s}b");
        session.Check("OBJECT", "ENCODING", "{s}b");
        session.Check("PFSELFTEST");
    }
}
