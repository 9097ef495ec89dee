using System;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Transactions;

/// <summary>
/// MULTI/EXEC/DISCARD/WATCH conversations sent to redis-server and to FastKv (--threads 4: keys spread
/// over shards, so EXEC runs as a transaction across them; --threads 1: EXEC inline), RESP2 and RESP3;
/// every reply byte-identical. A second connection to each server modifies watched keys ("@2" steps).
/// </summary>
public class TransactionDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    // Scripted conversations: each line one command; "@2 ..." runs on the second connection; "PAUSE n" sleeps.
    static readonly string[] Script =
    {
        "EXEC", "DISCARD", "UNWATCH",
        "MULTI", "MULTI", "WATCH x", "SET a 1", "GET a", "EXEC",
        "MULTI", "SET a 1", "NOSUCHCMD x", "GET", "EXEC", "GET a",
        "MULTI", "SET a 2", "SHUTDOWN", "EXEC", "GET a",
        "MULTI", "SET a 3", "DISCARD", "GET a", "EXEC",
        // Runtime errors are per command; the rest runs.
        "MULTI", "SET s str", "INCR s", "LPUSH s x", "SET s2 v", "GET s2", "EXEC",
        // Keys on several shards, multi-shard commands as barriers, whole-shard commands.
        "MULTI", "SET k1 1", "SET k2 2", "SET k3 3", "MSET k1 a k2 b k3 c k4 d", "MGET k1 k2 k3 k4 k5",
        "INCR k1", "DBSIZE", "EXISTS k1 k2 k3 k9", "RENAME k1 k9", "SUNIONSTORE u k2 k3", "DEL k2 k3 k4", "KEYS k*", "PING", "EXEC",
        "MULTI", "SADD s1 a b c", "SADD s2 c d", "SUNIONSTORE s3 s1 s2", "SMEMBERS s3", "SINTERCARD 2 s1 s2", "LMOVE nol l2 LEFT RIGHT", "EXEC",
        // Blocking commands behave as their non-blocking forms.
        "MULTI", "BLPOP l1 l2 0", "BRPOP l1 0", "BLMOVE l1 l2 LEFT RIGHT 0", "BRPOPLPUSH l3 l4 0", "BZPOPMIN z1 z2 0", "RPUSH l1 x y", "BLPOP l1 l2 0", "BLMOVE l1 l2 LEFT RIGHT 0", "LRANGE l2 0 -1", "EXEC",
        // SELECT inside MULTI applies to the commands after it, and stays.
        "MULTI", "SELECT 1", "SET a 9", "SET {t}b 8", "SELECT 0", "GET a", "SELECT 99", "SELECT 1", "EXEC", "GET a", "SELECT 0", "GET a",
        // WATCH: modified by another client → null; unmodified → runs; EXEC and DISCARD unwatch.
        "WATCH w1 w2", "@2 SET w1 x", "MULTI", "GET w1", "EXEC", "MULTI", "GET w1", "EXEC",
        "WATCH w1", "MULTI", "SET w1 mine", "EXEC", "GET w1",
        "WATCH w2", "MULTI", "DISCARD", "@2 SET w2 y", "MULTI", "GET w2", "EXEC",
        "WATCH w1", "UNWATCH", "@2 SET w1 z", "MULTI", "GET w1", "EXEC",
        "WATCH w1", "@2 SET w1 q", "WATCH w2", "MULTI", "PING", "EXEC",
        "WATCH w1 {t}x {t}y", "@2 DEL {t}y", "MULTI", "GET w1", "EXEC",
        "WATCH w1", "@2 GET w1", "MULTI", "GET w1", "EXEC",
        // Modified by the client itself before MULTI also fails it.
        "WATCH w3", "SET w3 self", "MULTI", "GET w3", "EXEC",
        // FLUSHDB/FLUSHALL touch watched keys that exist; SWAPDB keys in either db.
        "WATCH nokey", "@2 FLUSHDB", "MULTI", "PING", "EXEC",
        "SET f1 1", "WATCH f1", "@2 FLUSHDB", "MULTI", "PING", "EXEC",
        "SET f2 1", "WATCH f2", "@2 FLUSHALL", "MULTI", "PING", "EXEC",
        "SELECT 1", "SET sw 1", "SELECT 0", "WATCH sw", "@2 SWAPDB 0 1", "MULTI", "PING", "EXEC", "@2 SWAPDB 0 1",
        "WATCH sw2", "@2 SWAPDB 0 1", "MULTI", "PING", "EXEC", "@2 SWAPDB 0 1",
        // Expiry: a watched key that expires before EXEC fails it.
        "SET e1 v PX 150", "WATCH e1", "PAUSE 400", "MULTI", "GET e1", "EXEC",
        "SET e2 v PX 100000", "WATCH e2", "MULTI", "GET e2", "EXEC",
        // Stale keys (expired at WATCH, still in the table with active expiry off): their deletion is no change, as in
        // Redis 7.2 (a lazy expiry, DEL, FLUSHDB, SWAPDB with nothing or another expired key); an overwrite is one.
        "DEBUG SET-ACTIVE-EXPIRE 0",
        "SET st1 v PX 1", "PAUSE 20", "WATCH st1", "EXISTS st1", "MULTI", "PING", "EXEC",
        "SET st2 v PX 1", "PAUSE 20", "WATCH st2", "@2 DEL st2", "MULTI", "PING", "EXEC",
        "SET st3 v PX 1", "PAUSE 20", "WATCH st3", "@2 FLUSHDB", "MULTI", "PING", "EXEC",
        "SET st4 v PX 1", "PAUSE 20", "WATCH st4", "@2 SWAPDB 0 1", "MULTI", "PING", "EXEC", "@2 SWAPDB 0 1",
        "SELECT 1", "SET st5 v PX 1", "SELECT 0", "PAUSE 20", "WATCH st5", "@2 SWAPDB 0 1", "MULTI", "PING", "EXEC", "@2 SWAPDB 0 1",
        "SELECT 1", "SET st7 v", "SELECT 0", "SET st7 v PX 1", "PAUSE 20", "WATCH st7", "@2 SWAPDB 0 1", "MULTI", "PING", "EXEC", "@2 SWAPDB 0 1",
        "SET st6 v PX 1", "PAUSE 20", "WATCH st6", "@2 SET st6 new", "MULTI", "PING", "EXEC",
        "DEBUG SET-ACTIVE-EXPIRE 1", "FLUSHALL",
        // RESET leaves MULTI and unwatches.
        "WATCH r1", "MULTI", "SET r1 1", "RESET", "@2 SET r1 2", "EXEC", "MULTI", "GET r1", "EXEC",
        "WATCH r1", "RESET", "@2 SET r1 3", "MULTI", "GET r1", "EXEC",
        // Commands with syntax errors found at run time are per-command errors.
        "MULTI", "SET a b c d", "EXPIRE a x", "ZADD z1 1", "INCRBY a 1 2", "GET a", "EXEC",
        "MULTI", "EXEC", "MULTI", "DISCARD",
    };

    public static IEnumerable<TheoryDataRow<int, int>> Cases()
    {
        foreach (int threads in new[] { 4, 1 })
            foreach (int proto in new[] { 2, 3 })
                yield return new(threads, proto);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ScriptedConversations_MatchRedis(int threads, int proto)
    {
        var steps = new List<string>();
        foreach (string s in Script) steps.Add(s);
        // The same again with a pipeline of commands per MULTI/EXEC block.
        Run(threads, proto, steps, $"scripted, --threads {threads}, RESP{proto}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomTransactions_MatchRedis(int threads, int proto)
    {
        for (int seed = 1; seed <= 3; seed++)
            Run(threads, proto, Generate(seed * 7 + threads + proto, 400), $"seed {seed}, --threads {threads}, RESP{proto}");
    }

    void Run(int threads, int proto, List<string> steps, string context)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        using var session = new DualSession(oracle, target) { Context = context };
        using RespConnection oracle2 = oracle.Connect(), target2 = target.Connect();
        session.Check("FLUSHALL");
        if (proto == 3) session.Check("HELLO", "3");
        foreach (string step in steps)
        {
            string[] args = step.Split(' ');
            if (args[0] == "PAUSE")
            {
                System.Threading.Thread.Sleep(int.Parse(args[1], CultureInfo.InvariantCulture));
                continue;
            }
            if (args[0] == "@2")
            {
                string[] rest = args[1..];
                byte[] a = oracle2.Call(rest), b = target2.Call(rest);
                Assert.True(a.AsSpan().SequenceEqual(b), $"{context}: second connection {step}: {Resp.AsString(b)} expected {Resp.AsString(a)}");
                continue;
            }
            session.Check(args);
        }
        session.Check("DISCARD");
        session.Check("UNWATCH");
        for (int db = 0; db < 2; db++)
        {
            session.Check("SELECT", db.ToString(CultureInfo.InvariantCulture));
            session.Check("DBSIZE");
        }
        target.AssertAlive();
    }

    static readonly string[] Keys = { "a", "b", "c", "d", "n", "{t}a", "{t}b", "l", "s" };

    /// <summary>Random MULTI blocks: queued commands (some failing at run time, some rejected), watches, other clients' writes.</summary>
    static List<string> Generate(int seed, int blocks)
    {
        var r = new Random(seed);
        var steps = new List<string>();
        string K() => Keys[r.Next(Keys.Length)];
        string Cmd() => r.Next(16) switch
        {
            0 => "SET " + K() + " " + r.Next(100),
            1 => "GET " + K(),
            2 => "INCR " + K(),
            3 => "DEL " + K() + " " + K(),
            4 => "MSET " + K() + " 1 " + K() + " 2",
            5 => "MGET " + K() + " " + K() + " " + K(),
            6 => "LPUSH " + K() + " x",
            7 => "RPOP " + K(),
            8 => "SADD " + K() + " m" + r.Next(3),
            9 => "EXISTS " + K() + " " + K(),
            10 => "DBSIZE",
            11 => "SELECT " + r.Next(2),
            12 => "APPEND " + K() + " z",
            13 => "BLPOP " + K() + " " + K() + " 0",
            14 => "TYPE " + K(),
            _ => "INCRBY " + K() + " 5",
        };
        for (int i = 0; i < blocks; i++)
        {
            int watched = r.Next(3);
            for (int w = 0; w < watched; w++) steps.Add("WATCH " + K());
            if (r.Next(4) == 0) steps.Add("@2 " + (r.Next(2) == 0 ? "SET " + K() + " other" : "DEL " + K()));
            steps.Add("MULTI");
            int n = r.Next(6);
            for (int j = 0; j < n; j++)
            {
                int roll = r.Next(40);
                if (roll == 0) steps.Add("NOSUCHCMD");
                else if (roll == 1) steps.Add("GET");
                else if (roll == 2) steps.Add("WATCH " + K());
                else steps.Add(Cmd());
            }
            if (r.Next(10) == 0) steps.Add("@2 SET " + K() + " late");
            steps.Add(r.Next(8) == 0 ? "DISCARD" : "EXEC");
            if (r.Next(5) == 0) steps.Add("SELECT 0");
        }
        return steps;
    }
}
