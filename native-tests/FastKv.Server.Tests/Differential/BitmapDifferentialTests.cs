using System.Collections.Generic;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Bitmap commands against redis-server 7.2.4: seeded streams from <see cref="BitmapCommandGenerator"/> at --threads 4
/// (BITOP over keys on different shards) and 1, one command at a time and pipelined, RESP2 and RESP3; replies must be
/// byte-identical (but <see cref="IntendedDifferences"/>: TTL tolerance, KEYS order, HELLO). Then the fixed cases the
/// random streams rarely reach: the offset limit against a lowered proto-max-bulk-len, WATCH, and MEMORY USAGE growing
/// with the bitmap.
/// </summary>
public class BitmapDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int CommandsPerSeed = 2500;

    public static IEnumerable<TheoryDataRow<int, int, int, int>> Cases()
    {
        // (threads, seed, pipeline depth, protocol)
        yield return new(4, 1, 1, 2);
        yield return new(4, 2, 1, 3);
        yield return new(1, 101, 1, 2);
        yield return new(1, 102, 1, 3);
        yield return new(4, 201, 32, 2);
        yield return new(4, 202, 32, 3);
        yield return new(1, 301, 32, 3);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomBitmapCommands_MatchRedis(int threads, int seed, int pipeline, int protocol)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        List<byte[][]> steps = new BitmapCommandGenerator(seed).Generate(CommandsPerSeed);
        if (protocol == 3)
            steps.Insert(0, DualSession.Command("HELLO", "3"));
        using var session = new DualSession(servers.Oracle.Server, target)
        {
            Context = $"seed {seed}, --threads {threads}, pipeline {pipeline}, RESP{protocol} (replay: new BitmapCommandGenerator({seed}).Generate({CommandsPerSeed}))",
        };
        session.Run(steps, pipeline);
        // The last word: every key agrees, byte for byte and in encoding, and the server is still up.
        foreach (string key in BitmapCommandGenerator.Keys.Append(BitmapCommandGenerator.ListKey))
        {
            session.Check("TYPE", key);
            session.Check("OBJECT", "ENCODING", key);
            session.Check(DualSession.Command("GET", key), -1);
        }
        session.Check("DBSIZE");
        session.Check("KEYS", "*");
        target.AssertAlive();
    }

    /// <summary>
    /// The offset limit follows proto-max-bulk-len (Redis's getBitOffsetFromArgument): with 1mb the last addressable bit
    /// is 2^23-1, for SETBIT, GETBIT and BITFIELD's plain and '#' offsets alike.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void BitOffsetLimit_FollowsProtoMaxBulkLen(int threads)
    {
        using var session = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server)
        {
            Context = $"proto-max-bulk-len, --threads {threads}",
        };
        session.Check("FLUSHALL");
        session.Check("CONFIG", "SET", "proto-max-bulk-len", "1mb");
        try
        {
            foreach (string[] step in new[]
            {
                new[] { "SETBIT", "big", "8388608", "1" }, new[] { "SETBIT", "big", "8388607", "1" }, new[] { "STRLEN", "big" },
                new[] { "GETBIT", "big", "8388608" }, new[] { "GETBIT", "big", "8388607" }, new[] { "BITCOUNT", "big" },
                new[] { "BITFIELD", "big", "GET", "u8", "8388607", "GET", "u8", "8388608" },
                new[] { "BITFIELD", "big", "SET", "i64", "#131071", "-1" }, new[] { "BITFIELD", "big", "SET", "i64", "#131072", "-1" },
                new[] { "BITFIELD", "big", "SET", "u8", "8388607", "255" }, new[] { "STRLEN", "big" },
                new[] { "BITPOS", "big", "1" }, new[] { "BITPOS", "big", "0", "-1" }, new[] { "BITCOUNT", "big", "-2", "-1", "BIT" },
            })
                session.Check(DualSession.Command(step), -1);
        }
        finally
        {
            session.Check("CONFIG", "SET", "proto-max-bulk-len", "512mb");
            session.Check("FLUSHALL");
        }
    }

    /// <summary>
    /// Writes touch WATCHed keys only when Redis's do (a SETBIT that changes nothing does not, BITFIELD with every write
    /// refused by OVERFLOW FAIL does not, a BITOP that deletes nothing does not), and a bitmap written in a transaction
    /// and a script reads back the same.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Watch_SeesExactlyTheRealWrites(int threads)
    {
        using var session = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server)
        {
            Context = $"WATCH, --threads {threads}",
        };
        using RespConnection oracleOther = servers.Oracle.Server.Connect();
        using RespConnection targetOther = servers.TargetWithThreads(threads).Server.Connect();
        session.Check("FLUSHALL");
        session.Check("SETBIT", "w", "3", "1");
        string[][] writes =
        [
            ["SETBIT", "w", "3", "1"], ["SETBIT", "w", "3", "0"], ["SETBIT", "w", "100", "0"],
            ["BITFIELD", "w", "OVERFLOW", "FAIL", "INCRBY", "u2", "2", "9"], ["BITFIELD", "w", "SET", "u2", "2", "1"],
            ["BITFIELD_RO", "w", "GET", "u8", "0"], ["BITOP", "AND", "w", "nothing1", "nothing2"], ["BITOP", "NOT", "w", "w"],
            ["BITOP", "OR", "gone", "nothing"],
        ];
        foreach (string[] write in writes)
        {
            string watched = write[0] == "BITOP" ? write[2] : write[1];
            session.Check("WATCH", watched);
            Assert.Equal(Resp.AsString(oracleOther.Call(write)), Resp.AsString(targetOther.Call(write)));
            session.Check("MULTI");
            session.Check("GET", watched);
            session.Check(DualSession.Command("EXEC"), -1);
        }
        session.Check("MULTI");
        session.Check("SETBIT", "{t}m", "9", "1");
        session.Check("BITFIELD", "{t}m", "INCRBY", "i5", "#1", "20", "GET", "u16", "0");
        session.Check("BITOP", "XOR", "{t}n", "{t}m", "w");
        session.Check(DualSession.Command("EXEC"), -1);
        session.Check("EVAL", "redis.call('BITOP', 'OR', KEYS[1], KEYS[2]) return redis.call('BITCOUNT', KEYS[1], 0, -1, 'BIT')", "2", "{t}o", "{t}m");
        session.Check(DualSession.Command("GET", "{t}o"), -1);
    }

    /// <summary>MEMORY USAGE grows with the bitmap (FastKv's own accounting: compared with itself, not with Redis).</summary>
    [Fact]
    public void MemoryUsage_GrowsWithTheBitmap()
    {
        using RespConnection conn = servers.TargetWithThreads(1).Server.Connect();
        conn.Call("DEL", "mem");
        conn.Call("SETBIT", "mem", "7", "1");
        long small = Resp.Parse(conn.Call("MEMORY", "USAGE", "mem")).Integer;
        conn.Call("SETBIT", "mem", "800000", "1");
        long large = Resp.Parse(conn.Call("MEMORY", "USAGE", "mem")).Integer;
        Assert.True(large >= small + 100_000, $"MEMORY USAGE after 100,000 bytes of bitmap: {small} -> {large}");
        Assert.Equal("$3\r\nraw\r\n", Resp.AsString(conn.Call("OBJECT", "ENCODING", "mem")));
        conn.Call("DEL", "mem");
    }
}
