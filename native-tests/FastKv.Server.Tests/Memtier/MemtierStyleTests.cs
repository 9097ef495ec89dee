using System;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Memtier;

/// <summary>
/// The traffic memtier_benchmark sends (RESP2 arrays; keys "memtier-N"; 32-byte 'x' values; SET, GET,
/// SET ... EX and SETEX; pipelines of 1, 2, 16 and 64), plus the connection setup clients do (HELLO 2/3,
/// AUTH, SELECT 0..15). Every reply is compared byte for byte with redis-server's.
/// </summary>
[Trait("Category", "Smoke")]
public class MemtierStyleTests(OracleAndTargetFixture servers) : IClassFixture<OracleAndTargetFixture>
{
    private static string S(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static List<byte[][]> MemtierTraffic(int seed, int count)
    {
        var rng = new Random(seed);
        string data = new('x', 32);
        var commands = new List<byte[][]>(count);
        for (int i = 0; i < count; i++)
        {
            string key = "memtier-" + S(1 + rng.Next(200));
            commands.Add((rng.Next(10)) switch
            {
                < 3 => DualSession.Command("SET", key, data),
                < 4 => DualSession.Command("SET", key, data, "EX", S(1000 + rng.Next(100000))),
                < 5 => DualSession.Command("SETEX", key, S(1000 + rng.Next(100000)), data),
                _ => DualSession.Command("GET", key),
            });
        }
        return commands;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(64)]
    public void SetGetSetex_Pipelined_MatchRedis(int pipeline)
    {
        using var session = new DualSession(servers.Oracle.Server, servers.Target.Server) { Context = $"memtier pipeline {pipeline}" };
        session.Check("FLUSHALL");
        session.Run(MemtierTraffic(pipeline, 2000), pipeline);
        session.Check("DBSIZE");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Hello_ThenTraffic_MatchRedis(int protocol)
    {
        using var session = new DualSession(servers.Oracle.Server, servers.Target.Server) { Context = $"HELLO {protocol}" };
        session.Check("HELLO", S(protocol));
        session.Check("SET", "memtier-1", "x");
        session.Check("GET", "memtier-1");
        session.Check("GET", "memtier-missing");
        session.Check("MGET", "memtier-1", "memtier-missing");
        session.Check("DEL", "memtier-missing");
        session.Check("TTL", "memtier-1");
        session.Check("INCRBYFLOAT", "memtier-float", "1.5");
        session.Check("EXISTS", "memtier-1");
        session.Check("GETEX", "memtier-1", "PERSIST");
        session.Check("LCS", "memtier-1", "memtier-1", "IDX", "WITHMATCHLEN");
        session.Check("NOSUCHCOMMAND");
        session.Check("HELLO", "4");
        session.Check("HELLO", "abc");
        session.Check("HELLO", S(5 - protocol));
        session.Check("GET", "memtier-missing");
        session.Check("HELLO");
    }

    [Fact]
    public void Select_AllDatabases_MatchRedis()
    {
        using var session = new DualSession(servers.Oracle.Server, servers.Target.Server) { Context = "SELECT" };
        for (int db = 0; db < 16; db++)
        {
            session.Check("SELECT", S(db));
            session.Check("SET", "memtier-db", S(db));
        }
        for (int db = 0; db < 16; db++)
        {
            session.Check("SELECT", S(db));
            session.Check("GET", "memtier-db");
        }
        foreach (string bad in new[] { "16", "-1", "abc", "1.0", "", "99999999999999999999" })
            session.Check("SELECT", bad);
        session.Check("SELECT");
        session.Check("SELECT", "0", "1");
    }

    [Fact]
    public void Auth_WithRequirepass_MatchRedis()
    {
        using var oracle = ServerProcess.Start(ServerKind.Redis, null, "--requirepass", "s3cret");
        using var target = ServerProcess.Start(ServerKind.Target, 4, "--requirepass", "s3cret");
        using var session = new DualSession(oracle, target) { Context = "requirepass" };
        session.Check("GET", "memtier-1");
        session.Check("PING");
        session.Check("AUTH", "wrong");
        session.Check("AUTH", "default", "wrong");
        session.Check("AUTH");
        session.Check("HELLO", "3", "AUTH", "default", "wrong");
        session.Check("HELLO", "2", "AUTH", "default", "s3cret");
        session.Check("SET", "memtier-1", "x");
        session.Check("AUTH", "s3cret");
        session.Check("AUTH", "default", "s3cret");
        session.Check("GET", "memtier-1");

        using var second = new DualSession(oracle, target) { Context = "requirepass, second connection" };
        second.Check("SELECT", "1");
        second.Check("AUTH", "s3cret");
        second.Check("SELECT", "1");
        second.Check("GET", "memtier-1");
        var pipeline = new List<byte[][]>
        {
            DualSession.Command("SELECT", "0"),
            DualSession.Command("GET", "memtier-1"),
            DualSession.Command("SET", "memtier-2", "y", "EX", "1000"),
        };
        second.CheckPipeline(pipeline);
    }
}
