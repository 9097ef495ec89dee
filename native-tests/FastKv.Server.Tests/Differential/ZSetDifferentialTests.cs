using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Sorted-set command streams (<see cref="ZSetCommandGenerator"/>) against redis-server and the server
/// under test, at --threads 4 (algebra, stores and ZMPOP across shards) and 1, one command at a time and
/// pipelined, in RESP2 and RESP3. Replies are ordered, so they must be byte-identical, except:
/// ZRANDMEMBER is random (same shape and count, distinct when asked, every member and score checked
/// against the oracle's ZSCORE) and ZSCAN of a skiplist walks a differently built table (the complete
/// scans of both servers must hold the same pairs).
/// </summary>
public class ZSetDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int CommandsPerSeed = 1200;

    public static IEnumerable<TheoryDataRow<int, int, int, bool>> Cases()
    {
        // (threads, seed, pipeline depth, RESP3)
        for (int seed = 1; seed <= 4; seed++)
            yield return new(4, seed, 1, seed % 2 == 0);
        for (int seed = 101; seed <= 102; seed++)
            yield return new(1, seed, 1, seed % 2 == 0);
        for (int seed = 201; seed <= 203; seed++)
            yield return new(4, seed, 32, seed % 2 == 1);
        yield return new(1, 301, 32, false);
        yield return new(1, 302, 32, true);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomSortedSetCommands_MatchRedis(int threads, int seed, int pipeline, bool resp3)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        List<byte[][]> steps = new ZSetCommandGenerator(seed).Generate(CommandsPerSeed, resp3);

        using var session = new DualSession(oracle, target)
        {
            Context = $"seed {seed}, --threads {threads}, pipeline {pipeline}, RESP{(resp3 ? 3 : 2)} (replay: new ZSetCommandGenerator({seed}).Generate({CommandsPerSeed}, {(resp3 ? "true" : "false")}))",
        };
        var batch = new List<byte[][]>();
        int batchStart = 0;
        void Flush()
        {
            if (batch.Count == 1) session.Check(batch[0], batchStart);
            else if (batch.Count > 1) session.CheckPipeline(batch, batchStart);
            batch.Clear();
        }
        for (int i = 0; i < steps.Count; i++)
        {
            string name = Resp.AsString(steps[i][0]).ToUpperInvariant();
            if (name is "ZRANDMEMBER" or "ZSCAN")
            {
                Flush();
                if (name == "ZRANDMEMBER") CheckRandMember(session, steps[i], i);
                else CheckScan(session, steps[i], i);
                continue;
            }
            if (batch.Count == 0) batchStart = i;
            batch.Add(steps[i]);
            if (batch.Count == pipeline) Flush();
        }
        Flush();

        // The last word: both keyspaces hold the same sorted sets, and the server is still up.
        foreach (string key in ZSetCommandGenerator.ScoreKeys.Concat(ZSetCommandGenerator.LexKeys))
        {
            session.Check("ZRANGE", key, "0", "-1", "WITHSCORES");
            session.Check("OBJECT", "ENCODING", key);
        }
        session.Check("DBSIZE");
        session.Check("KEYS", "*");
        session.Check("CONFIG", "SET", "zset-max-listpack-entries", "128");
        session.Check("CONFIG", "SET", "zset-max-listpack-value", "64");
        target.AssertAlive();
    }

    private static (byte[] oracle, byte[] target) Both(DualSession s, byte[][] command)
    {
        s.Oracle.SendCommand(command);
        byte[] a = s.Oracle.ReadReply();
        s.Target.SendCommand(command);
        return (a, s.Target.ReadReply());
    }

    private static string Describe(byte[][] command, int index, byte[] a, byte[] b) =>
        $"command #{index}: {Resp.EscapeCommand(command)}\n  oracle: {Resp.Escape(a)}\n  target: {Resp.Escape(b)}";

    /// <summary>Members (with scores when given) of a ZRANDMEMBER reply, flat or as RESP3 pairs.</summary>
    private static List<(string member, string? score)> Elements(RespValue v, bool withScores)
    {
        var list = new List<(string, string?)>();
        var items = v.Items!;
        if (!withScores)
        {
            foreach (var m in items) list.Add((m.Text!, null));
        }
        else if (items.Count > 0 && items[0].Items != null)
        {
            foreach (var pair in items) list.Add((pair.Items![0].Text!, pair.Items![1].Text));
        }
        else
        {
            for (int i = 0; i < items.Count; i += 2) list.Add((items[i].Text!, items[i + 1].Text));
        }
        return list;
    }

    /// <summary>
    /// Same reply kind and element count; errors, nulls and empty answers byte for byte; distinct members
    /// for a positive count, the whole set when it asked for more; every member (and its score) present in
    /// the oracle's set.
    /// </summary>
    private static void CheckRandMember(DualSession s, byte[][] command, int index)
    {
        var (a, b) = Both(s, command);
        RespValue va = Resp.Parse(a), vb = Resp.Parse(b);
        if (va.IsError || va.IsNull || va.Items is { Count: 0 })
        {
            Assert.True(a.AsSpan().SequenceEqual(b), Describe(command, index, a, b));
            return;
        }
        bool withScores = command.Length == 4;
        long count = command.Length >= 3 ? long.Parse(Resp.AsString(command[2]), CultureInfo.InvariantCulture) : 1;
        List<(string member, string? score)> got, expected;
        if (va.Items is null)
        {
            Assert.True(vb.Type == va.Type && !vb.IsNull, Describe(command, index, a, b));
            got = [(vb.Text!, null)];
            expected = [(va.Text!, null)];
        }
        else
        {
            Assert.True(vb.Items is not null && vb.Items.Count == va.Items.Count && vb.Type == va.Type, Describe(command, index, a, b));
            got = Elements(vb, withScores);
            expected = Elements(va, withScores);
        }
        Assert.Equal(expected.Count, got.Count);
        if (count > 0)
            Assert.True(got.Select(e => e.member).Distinct().Count() == got.Count, "repeated member\n" + Describe(command, index, a, b));
        if (count > expected.Count)
        {
            // Asked for more than the set holds: all of it, in any order.
            var x = expected.Select(e => e.member + "\u0001" + e.score).OrderBy(t => t, StringComparer.Ordinal);
            var y = got.Select(e => e.member + "\u0001" + e.score).OrderBy(t => t, StringComparer.Ordinal);
            Assert.True(x.SequenceEqual(y), "the whole set\n" + Describe(command, index, a, b));
        }
        foreach (var (member, score) in got)
        {
            RespValue sc = Resp.Parse(s.Oracle.Call(new[] { "ZSCORE"u8.ToArray(), command[1], Resp.Latin1.GetBytes(member) }));
            Assert.False(sc.IsNull, $"'{member}' is not in the oracle's set\n" + Describe(command, index, a, b));
            if (score is not null)
                Assert.True(sc.Text == score, $"score of '{member}' is {sc.Text} in the oracle\n" + Describe(command, index, a, b));
        }
    }

    /// <summary>Every (member, score) pair of a complete scan from cursor 0 with the same options, sorted.</summary>
    private static List<string> FullScan(RespConnection c, byte[][] command)
    {
        var pairs = new List<string>();
        string cursor = "0";
        for (int guard = 0; guard < 100_000; guard++)
        {
            byte[][] cmd = (byte[][])command.Clone();
            cmd[2] = Resp.Latin1.GetBytes(cursor);
            RespValue v = Resp.Parse(c.Call(cmd));
            cursor = v.Items![0].Text!;
            var items = v.Items[1].Items!;
            for (int i = 0; i < items.Count; i += 2) pairs.Add(items[i].Text + "\u0001" + items[i + 1].Text);
            if (cursor == "0") break;
        }
        pairs.Sort(StringComparer.Ordinal);
        return pairs;
    }

    private static void CheckScan(DualSession s, byte[][] command, int index)
    {
        var (a, b) = Both(s, command);
        RespValue va = Resp.Parse(a), vb = Resp.Parse(b);
        if (a.AsSpan().SequenceEqual(b)) return;
        Assert.False(va.IsError || vb.IsError, Describe(command, index, a, b));
        List<string> x = FullScan(s.Oracle, command), y = FullScan(s.Target, command);
        Assert.True(x.SequenceEqual(y), "complete scans differ\n" + Describe(command, index, a, b)
            + $"\n  oracle pairs: {string.Join(", ", x)}\n  target pairs: {string.Join(", ", y)}");
        // A listpack answers whole: there the bytes must have matched.
        Assert.True(va.Items![0].Text != "0" || vb.Items![0].Text != "0" || x.Count == 0 || IsSkiplist(s, command[1]),
            "a listpack scan must match byte for byte\n" + Describe(command, index, a, b));
    }

    private static bool IsSkiplist(DualSession s, byte[] key) =>
        Resp.AsString(s.Oracle.Call(new[] { "OBJECT"u8.ToArray(), "ENCODING"u8.ToArray(), key })).Contains("skiplist", StringComparison.Ordinal);
}
