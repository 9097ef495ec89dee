using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// SORT and SORT_RO against redis-server: seeded streams from <see cref="SortCommandGenerator"/> at
/// --threads 4 (sources, BY/GET keys and STORE destinations on different shards: SortTx and GatherTx) and 1,
/// one command at a time and pipelined, RESP2 and RESP3. Replies must be byte-identical except:
/// <list type="bullet">
/// <item>a set sorted BY a pattern without '*' and not stored comes out in the set's walk order, which is each
/// server's own: compared as a multiset of (element, GET values...) groups, or by count under LIMIT (the
/// window of an unordered walk is arbitrary);</item>
/// <item>an ALPHA sort BY a pattern where two different elements compare equal (missing or equal values):
/// qsort / pqsort leave their order undefined, so the same rule applies; the probe before each such sort tells
/// (see the generator). A stored one is checked as a multiset and then sorted ALPHA in place on both servers,
/// so later reads of the destination compare exactly again;</item>
/// <item>and <see cref="IntendedDifferences"/> (TTL tolerance, KEYS order, HELLO).</item>
/// </list>
/// Numeric sorts with equal scores break ties by the elements' bytes in Redis: compared exactly. The oracle
/// runs in this machine's C.UTF-8 locale, where strcoll orders by byte as FastKv does.
/// </summary>
public class SortDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int CommandsPerSeed = 1800;

    public static IEnumerable<TheoryDataRow<int, int, int, bool>> Cases()
    {
        // (threads, seed, pipeline depth, RESP3)
        yield return new(4, 1, 1, false);
        yield return new(4, 2, 1, true);
        yield return new(4, 3, 32, false);
        yield return new(4, 4, 32, true);
        yield return new(1, 101, 1, false);
        yield return new(1, 102, 32, true);
        yield return new(1, 103, 1, true);
        yield return new(4, 5, 32, false);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomSortCommands_MatchRedis(int threads, int seed, int pipeline, bool resp3)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        List<byte[][]> steps = new SortCommandGenerator(seed).Generate(CommandsPerSeed, resp3);
        using var session = new DualSession(servers.Oracle.Server, target);
        var run = new SortRun(session,
            $"seed {seed}, --threads {threads}, pipeline {pipeline}, RESP{(resp3 ? 3 : 2)} (replay: new SortCommandGenerator({seed}).Generate({CommandsPerSeed}, {(resp3 ? "true" : "false")}))");
        run.Run(steps, pipeline);
        session.Check("DBSIZE");
        session.Check("KEYS", "*");
        target.AssertAlive();
    }

    /// <summary>Source, BY keys, GET keys and destination each on another shard of --threads 4.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void PatternsAndStoreAcrossShards_MatchRedis(int protocol)
    {
        ServerProcess target = servers.TargetWithThreads(4).Server;
        using var session = new DualSession(servers.Oracle.Server, target) { Context = $"cross-shard, RESP{protocol}" };
        string src = KeyOnShard(0, "src"), set = KeyOnShard(1, "set"), dst = KeyOnShard(2, "dst"), zs = KeyOnShard(3, "zs");
        var script = new List<string[]>
        {
            new[] { "FLUSHALL" }, new[] { "HELLO", protocol.ToString() },
            new[] { "RPUSH", src, "a", "b", "c", "d", "e", "f" }, new[] { "SADD", set, "3", "1", "2", "10" },
            new[] { "ZADD", zs, "1", "a", "2", "b", "2", "c", "0", "d" },
        };
        // Weights and objects for every element: their keys land on all four shards.
        foreach (string e in new[] { "a", "b", "c", "d", "e", "f", "1", "2", "3", "10" })
        {
            script.Add(["SET", "w_" + e, (e[0] * 7 % 5).ToString()]);
            script.Add(["SET", "o_" + e, "obj-" + e]);
            script.Add(["HSET", "h_" + e, "f", "x" + (e[0] * 13 % 17)]);
        }
        script.AddRange(new[]
        {
            new[] { "SORT", src, "BY", "w_*" }, new[] { "SORT", src, "BY", "w_*", "DESC", "GET", "#", "GET", "o_*" },
            new[] { "SORT", src, "BY", "h_*->f", "ALPHA", "GET", "h_*->f" }, new[] { "SORT_RO", set, "GET", "o_*", "LIMIT", "1", "2" },
            new[] { "SORT", set, "BY", "w_*", "STORE", dst }, new[] { "LRANGE", dst, "0", "-1" },
            new[] { "SORT", zs, "BY", "w_*", "GET", "o_*", "GET", "#", "STORE", dst }, new[] { "LRANGE", dst, "0", "-1" },
            new[] { "SORT", src, "BY", "nosort", "GET", "o_*", "STORE", dst }, new[] { "LRANGE", dst, "0", "-1" },
            new[] { "SORT", set, "BY", "nosort", "STORE", dst }, new[] { "LRANGE", dst, "0", "-1" },
            new[] { "SORT", zs, "STORE", dst, "ALPHA", "DESC", "LIMIT", "1", "2" }, new[] { "LRANGE", dst, "0", "-1" },
            new[] { "SORT", src, "LIMIT", "10", "5", "STORE", dst }, new[] { "EXISTS", dst },
            new[] { "SORT", set, "STORE", src }, new[] { "LRANGE", src, "0", "-1" }, new[] { "TYPE", src },
            new[] { "SORT", "missing", "BY", "w_*", "STORE", dst }, new[] { "EXISTS", dst },
            new[] { "SET", "w_b", "not a number" }, new[] { "SORT", zs, "BY", "w_*", "STORE", dst }, new[] { "EXISTS", dst },
            new[] { "SORT", zs, "BY", "w_*", "ALPHA", "GET", "w_*" },
            new[] { "SORT", "w_a", "BY", "w_*" }, new[] { "SORT", src, "BY", "o_*", "ALPHA", "STORE", "w_a" }, new[] { "LRANGE", "w_a", "0", "-1" },
            new[] { "SORT", set, "BY", "w_*", "GET", "w_*", "GET", "h_*->f", "GET", "nostar" },
            new[] { "SET", "w_b", "2" }, new[] { "SET", "w_c", "4\0junk" }, new[] { "SET", "w_d", "\0" }, new[] { "SORT", src, "BY", "w_*", "GET", "#", "GET", "w_*" },
            new[] { "DBSIZE" }, new[] { "KEYS", "*" },
        });
        foreach (string[] step in script)
            session.Check(DualSession.Command(step), -1);
        target.AssertAlive();
    }

    private static string KeyOnShard(int shard, string prefix)
    {
        for (int i = 0; ; i++)
        {
            string k = prefix + ":" + i;
            if (KeySlot.Of(k) * 4 / 16384 == shard)
                return k;
        }
    }

    /// <summary>Runs steps on both servers and judges the replies with the rules above.</summary>
    private sealed class SortRun(DualSession session, string context)
    {
        private static readonly HashSet<string> s_setKeys = SortCommandGenerator.SetKeys.ToHashSet();
        private readonly List<string> _recent = new();
        private IReadOnlyList<byte[][]> _steps = [];
        private byte[]?[] _oracle = [];
        private RespConnection Oracle => session.Oracle;
        private RespConnection Target => session.Target;

        public void Run(IReadOnlyList<byte[][]> steps, int batch)
        {
            _steps = steps;
            _oracle = new byte[steps.Count][];
            var pending = new List<int>();
            for (int i = 0; i < steps.Count; i++)
            {
                SortShape? shape = SortShape.Parse(steps[i]);
                if (shape is { AlphaByPattern: true, Store: not null })
                {
                    // The probe (the step before) must be answered before this one is judged and repaired.
                    Flush(pending);
                    Flush([i]);
                    if (Tied(i))
                        Settle(shape, i);
                    continue;
                }
                pending.Add(i);
                if (pending.Count >= batch)
                    Flush(pending);
            }
            Flush(pending);
        }

        private void Flush(List<int> pending)
        {
            if (pending.Count == 0)
                return;
            var wire = new MemoryStream();
            foreach (int i in pending)
                wire.Write(Resp.EncodeCommand(_steps[i]));
            Oracle.Send(wire.ToArray());
            foreach (int i in pending)
                _oracle[i] = Oracle.ReadReply();
            Target.Send(wire.ToArray());
            foreach (int i in pending)
            {
                byte[] actual = ReadTarget(_steps[i], i);
                Remember(_steps[i], i);
                string? why = Compare(i, _oracle[i]!, actual);
                if (why != null)
                    Fail(_steps[i], i, $"{why}\n  oracle: {Resp.Escape(_oracle[i]!)}\n  target: {Resp.Escape(actual)}");
            }
            pending.Clear();
        }

        private string? Compare(int i, byte[] oracle, byte[] target)
        {
            if (oracle.AsSpan().SequenceEqual(target))
                return null;
            byte[][] cmd = _steps[i];
            SortShape? shape = SortShape.Parse(cmd);
            if (shape != null && oracle[0] == (byte)'*')
            {
                bool walkOrder = s_setKeys.Contains(shape.Key) && shape.DontSort && shape.Store == null;
                if (walkOrder || (shape.AlphaByPattern && Tied(i)))
                    return CompareUnordered(oracle, target, Math.Max(1, shape.Gets), shape.HasLimit);
            }
            return IntendedDifferences.Compare(cmd, oracle, target);
        }

        /// <summary>Same groups of <paramref name="width"/> items in any order; under LIMIT only as many.</summary>
        private static string? CompareUnordered(byte[] oracle, byte[] target, int width, bool limited)
        {
            RespValue a = Resp.Parse(oracle), b = Resp.Parse(target);
            if (a.Type != b.Type || a.Items is null || b.Items is null)
                return "replies differ";
            if (a.Items.Count != b.Items.Count)
                return $"{b.Items.Count} items where the oracle has {a.Items.Count}";
            if (limited)
                return null;
            List<string> Groups(List<RespValue> items) => Enumerable.Range(0, items.Count / width)
                .Select(g => string.Join(" ", items.Skip(g * width).Take(width))).OrderBy(s => s, StringComparer.Ordinal).ToList();
            return Groups(a.Items).SequenceEqual(Groups(b.Items)) ? null : "the groups differ (compared in any order)";
        }

        /// <summary>
        /// Whether the probe before step <paramref name="i"/> (SORT_RO key BY nosort GET # GET pattern, on the oracle)
        /// shows two different elements with equal ALPHA compare values: both missing, or equal up to a NUL (strcoll).
        /// </summary>
        private bool Tied(int i)
        {
            SortShape shape = SortShape.Parse(_steps[i])!;
            byte[][] expected = DualSession.Command("SORT_RO", "", "BY", "nosort", "GET", "#", "GET", "");
            expected[1] = _steps[i][1];
            expected[7] = Resp.Latin1.GetBytes(shape.By!);
            if (i == 0 || Resp.EscapeCommand(_steps[i - 1]) != Resp.EscapeCommand(expected))
                Fail(_steps[i], i, "the step before an ALPHA sort BY a pattern is not its probe");
            RespValue v = Resp.Parse(_oracle[i - 1]!);
            if (v.Items is null)
                return false;
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int k = 0; k + 1 < v.Items.Count; k += 2)
            {
                string element = v.Items[k].Text!;
                string? value = v.Items[k + 1].Text;
                string tie = value is null ? "missing" : "=" + value.Split('\0')[0];
                if (seen.TryGetValue(tie, out string? other) && other != element)
                    return true;
                seen[tie] = element;
            }
            return false;
        }

        /// <summary>
        /// After a stored ALPHA sort with ties: the same multiset on both (under LIMIT only the same length, the
        /// window being arbitrary), then both destinations made the oracle's list, so later reads compare exactly.
        /// </summary>
        private void Settle(SortShape shape, int index)
        {
            byte[] dst = Resp.Latin1.GetBytes(shape.Store!);
            byte[][] lrange = [Resp.Bytes("LRANGE"), dst, Resp.Bytes("0"), Resp.Bytes("-1")];
            byte[] o = Oracle.Call(lrange), t = Target.Call(lrange);
            Remember(lrange, index);
            string? why = CompareUnordered(o, t, 1, shape.HasLimit);
            if (why != null)
                Fail(lrange, index, $"after a STORE with ties: {why}\n  oracle: {Resp.Escape(o)}\n  target: {Resp.Escape(t)}");
            List<RespValue> items = Resp.Parse(o).Items!;
            var repair = new List<byte[][]> { new[] { Resp.Bytes("DEL"), dst } };
            if (items.Count > 0)
                repair.Add([Resp.Bytes("RPUSH"), dst, .. items.Select(v => v.Data!)]);
            foreach (byte[][] cmd in repair)
            {
                byte[] ro = Oracle.Call(cmd), rt = Target.Call(cmd);
                Remember(cmd, index);
                if (!ro.AsSpan().SequenceEqual(rt))
                    Fail(cmd, index, $"repairing a tied STORE differs\n  oracle: {Resp.Escape(ro)}\n  target: {Resp.Escape(rt)}");
            }
        }

        private byte[] ReadTarget(byte[][] cmd, int index)
        {
            try
            {
                return Target.ReadReply();
            }
            catch (Exception e) when (e is TimeoutException or RespConnectionClosedException or IOException or System.Net.Sockets.SocketException)
            {
                Fail(cmd, index, "no reply from the server under test: " + e.Message);
                throw;
            }
        }

        private void Remember(byte[][] cmd, int index)
        {
            _recent.Add($"  #{index}: {Resp.EscapeCommand(cmd)}");
            if (_recent.Count > 15)
                _recent.RemoveAt(0);
        }

        private void Fail(byte[][] cmd, int index, string why)
            => Assert.Fail($"{context}, command #{index}: {Resp.EscapeCommand(cmd)}\n{why}\nrecent commands:\n{string.Join('\n', _recent)}");
    }
}
