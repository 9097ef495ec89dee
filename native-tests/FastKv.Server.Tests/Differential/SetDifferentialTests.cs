using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Set commands against redis-server: seeded streams from <see cref="SetCommandGenerator"/> at --threads 4
/// (multi-key commands over keys on different shards) and 1, one command at a time and pipelined, RESP2
/// and RESP3. Replies must be byte-identical except:
/// <list type="bullet">
/// <item>set replies (SMEMBERS, SINTER, SUNION, SDIFF) are unordered: compared by content (<see cref="UnorderedReplies"/>);</item>
/// <item>SPOP and SRANDMEMBER are compared by shape, size and membership, and after a pop both servers
/// remove whatever either of them popped, so the streams stay comparable; SSCAN is compared as the union of a
/// whole walk on each server (cursors are each table's business);</item>
/// <item>and <see cref="IntendedDifferences"/> (TTL tolerance, KEYS order, HELLO).</item>
/// </list>
/// </summary>
public class SetDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int CommandsPerSeed = 3000;

    public static IEnumerable<TheoryDataRow<int, int, int, int>> Cases()
    {
        // (threads, seed, pipeline depth, protocol)
        for (int seed = 1; seed <= 4; seed++)
            yield return new(4, seed, 1, seed <= 2 ? 2 : 3);
        yield return new(1, 101, 1, 2);
        yield return new(1, 102, 1, 3);
        yield return new(4, 201, 32, 2);
        yield return new(4, 202, 32, 3);
        yield return new(1, 301, 32, 2);
        yield return new(1, 302, 32, 3);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomSetCommands_MatchRedis(int threads, int seed, int pipeline, int protocol)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        List<byte[][]> steps = new SetCommandGenerator(seed).Generate(CommandsPerSeed);
        if (protocol == 3)
            steps.Insert(0, DualSession.Command("HELLO", "3"));
        using var session = new DualSession(servers.Oracle.Server, target);
        var run = new SetRun(session,
            $"seed {seed}, --threads {threads}, pipeline {pipeline}, RESP{protocol} (replay: new SetCommandGenerator({seed}).Generate({CommandsPerSeed}))");
        run.Run(steps, pipeline);
        // The last word: every key agrees, and the server is still up.
        foreach (string key in SetCommandGenerator.Keys.Append(SetCommandGenerator.StringKey))
        {
            run.Step(DualSession.Command("TYPE", key), -1);
            run.Step(DualSession.Command("SMEMBERS", key), -1);
        }
        run.Step(DualSession.Command("DBSIZE"), -1);
        run.Step(DualSession.Command("KEYS", "*"), -1);
        ResetLimits(session);
        target.AssertAlive();
    }

    /// <summary>Multi-key commands whose keys sit on four different shards (slot ranges of --threads 4).</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void MultiKeyCommands_AcrossShards_MatchRedis(int protocol)
    {
        ServerProcess target = servers.TargetWithThreads(4).Server;
        using var session = new DualSession(servers.Oracle.Server, target);
        ResetLimits(session);
        var run = new SetRun(session, $"cross-shard, RESP{protocol}");
        string a = KeyOnShard(0, "a"), b = KeyOnShard(1, "b"), c = KeyOnShard(2, "c"), d = KeyOnShard(3, "d");
        var script = new List<string[]>
        {
            new[] { "FLUSHALL" }, new[] { "HELLO", protocol.ToString() },
            new[] { "SADD", a, "1", "2", "3", "x", "y" }, new[] { "SADD", b, "2", "3", "4", "y", "z" },
            new[] { "SADD", c, "3", "y", "q" }, new[] { "SET", d, "text" },
            new[] { "SINTER", a, b, c }, new[] { "SUNION", a, b, c }, new[] { "SDIFF", a, b, c }, new[] { "SDIFF", b, a },
            new[] { "SINTERCARD", "3", a, b, c }, new[] { "SINTERCARD", "2", a, b, "LIMIT", "2" },
            new[] { "SINTERSTORE", d, a, b }, new[] { "TYPE", d }, new[] { "SMEMBERS", d },
            new[] { "SUNIONSTORE", d, a, b, c }, new[] { "SMEMBERS", d }, new[] { "SCARD", d },
            new[] { "SDIFFSTORE", c, a, c }, new[] { "SMEMBERS", c },
            new[] { "SMOVE", a, b, "x" }, new[] { "SMOVE", a, b, "x" }, new[] { "SMEMBERS", a }, new[] { "SMEMBERS", b },
            new[] { "SMOVE", b, "fresh-" + a, "z" }, new[] { "SMEMBERS", "fresh-" + a },
            new[] { "SET", d, "text" }, new[] { "SINTER", a, d }, new[] { "SUNIONSTORE", a, b, d }, new[] { "SMOVE", a, d, "1" },
            new[] { "SMOVE", d, a, "1" }, new[] { "SMOVE", "missing", d, "1" },
            new[] { "SINTERSTORE", b, a, "missing" }, new[] { "EXISTS", b },
            new[] { "SDIFFSTORE", a, a, a }, new[] { "EXISTS", a },
            new[] { "SUNIONSTORE", a, c, "missing" }, new[] { "SMEMBERS", a },
            new[] { "EXPIRE", c, "1000" }, new[] { "SUNIONSTORE", c, a, c }, new[] { "TTL", c },
            new[] { "SADD", b, "1" }, new[] { "SMOVE", b, c, "1" }, new[] { "EXISTS", b }, new[] { "SMEMBERS", c },
            new[] { "DBSIZE" }, new[] { "KEYS", "*" },
        };
        foreach (string[] step in script)
            run.Step(DualSession.Command(step), -1);
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

    private static void ResetLimits(DualSession session)
    {
        foreach (var (name, value) in new[] { ("set-max-intset-entries", "512"), ("set-max-listpack-entries", "128"), ("set-max-listpack-value", "64") })
        {
            session.Oracle.Call("CONFIG", "SET", name, value);
            session.Target.Call("CONFIG", "SET", name, value);
        }
    }

    /// <summary>Runs steps on both servers and judges the replies with the set rules above.</summary>
    private sealed class SetRun(DualSession session, string context)
    {
        private readonly List<string> _recent = new();
        /// <summary>
        /// Keys whose encoding may legitimately differ from the oracle's from now on: SPOP of most of a table
        /// moves the survivors into a new set, an intset when the first survivor is an integer, else a listpack
        /// (or, past the listpack limits, a table), and the two servers pop different members. Their OBJECT
        /// ENCODING is not compared any more.
        /// </summary>
        private readonly HashSet<string> _divergent = new();
        private RespConnection Oracle => session.Oracle;
        private RespConnection Target => session.Target;

        public void Run(IReadOnlyList<byte[][]> steps, int batch)
        {
            var pending = new List<(byte[][] cmd, int index)>();
            for (int i = 0; i < steps.Count; i++)
            {
                string name = Name(steps[i]);
                if (name is "SPOP" or "SRANDMEMBER" or "SSCAN")
                {
                    Flush(pending);
                    Step(steps[i], i);
                    continue;
                }
                pending.Add((steps[i], i));
                if (pending.Count >= batch)
                    Flush(pending);
            }
            Flush(pending);
        }

        /// <summary>One command, with the special handling of random commands and scans.</summary>
        public void Step(byte[][] cmd, int index)
        {
            switch (Name(cmd))
            {
                case "SPOP":
                case "SRANDMEMBER":
                    Random(cmd, index);
                    return;
                case "SSCAN":
                    Scan(cmd, index);
                    return;
            }
            Flush(new List<(byte[][], int)> { (cmd, index) });
        }

        private void Flush(List<(byte[][] cmd, int index)> pending)
        {
            if (pending.Count == 0)
                return;
            var wire = new MemoryStream();
            foreach (var (cmd, _) in pending)
                wire.Write(Resp.EncodeCommand(cmd));
            Oracle.Send(wire.ToArray());
            var expected = pending.Select(_ => Oracle.ReadReply()).ToList();
            Target.Send(wire.ToArray());
            for (int i = 0; i < pending.Count; i++)
            {
                byte[] actual = ReadTarget(pending[i].cmd, pending[i].index);
                Verify(pending[i].cmd, pending[i].index, expected[i], actual);
            }
            pending.Clear();
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

        private void Verify(byte[][] cmd, int index, byte[] oracle, byte[] target)
        {
            Remember(cmd, index);
            string? why = Compare(cmd, oracle, target);
            if (why != null)
                Fail(cmd, index, $"{why}\n  oracle: {Resp.Escape(oracle)}\n  target: {Resp.Escape(target)}");
            if (Name(cmd) == "RENAME" && _divergent.Contains(Resp.AsString(cmd[1])))
                _divergent.Add(Resp.AsString(cmd[2]));
        }

        private string? Compare(byte[][] cmd, byte[] oracle, byte[] target)
        {
            if (oracle.AsSpan().SequenceEqual(target))
                return null;
            switch (Name(cmd))
            {
                case "OBJECT" when cmd.Length == 3 && _divergent.Contains(Resp.AsString(cmd[2])):
                    return null;
            }
            return IntendedDifferences.Compare(cmd, oracle, target);
        }

        /// <summary>The oracle's members of <paramref name="key"/> (null when it is not a set), after checking the target agrees.</summary>
        private HashSet<string>? Members(byte[] key, byte[][] cmd, int index)
        {
            byte[][] smembers = [Encoding.ASCII.GetBytes("SMEMBERS"), key];
            byte[] o = Oracle.Call(smembers), t = Target.Call(smembers);
            string? why = Compare(smembers, o, t);
            if (why != null)
                Fail(cmd, index, $"before it, the keyspaces differ: SMEMBERS {why}\n  oracle: {Resp.Escape(o)}\n  target: {Resp.Escape(t)}");
            RespValue v = Resp.Parse(o);
            return v.Items?.Select(i => i.Text!).ToHashSet();
        }

        /// <summary>SPOP / SRANDMEMBER: shape, size, membership; after a pop both sides drop what either popped.</summary>
        private void Random(byte[][] cmd, int index)
        {
            HashSet<string>? before = Members(cmd[1], cmd, index);
            byte[] o = Oracle.Call(cmd);
            Target.SendCommand(cmd);
            byte[] t = ReadTarget(cmd, index);
            Remember(cmd, index);
            RespValue ov = Resp.Parse(o), tv = Resp.Parse(t);
            bool pop = Name(cmd) == "SPOP";
            string Shown() => $"\n  oracle: {Resp.Escape(o)}\n  target: {Resp.Escape(t)}";
            if (ov.IsError || ov.IsNull || before is null || (ov.Items is { Count: 0 }))
            {
                if (!o.AsSpan().SequenceEqual(t))
                    Fail(cmd, index, "replies differ" + Shown());
                return;
            }
            if (ov.Type != tv.Type)
                Fail(cmd, index, "reply types differ" + Shown());
            // Members as Latin-1 text: one char per byte, so they go back to the server unchanged.
            List<string> os = ov.Items?.Select(i => i.Text!).ToList() ?? [ov.Text!];
            List<string> ts = tv.Items?.Select(i => i.Text!).ToList() ?? [tv.Text!];
            bool repeats = !pop && cmd.Length == 3 && Resp.AsString(cmd[2]).StartsWith('-');
            if (os.Count != ts.Count)
                Fail(cmd, index, "reply sizes differ" + Shown());
            if (ts.Any(m => !before.Contains(m)))
                Fail(cmd, index, "the target answered a non-member" + Shown());
            if (!repeats && ts.Distinct().Count() != ts.Count)
                Fail(cmd, index, "the target repeated a member" + Shown());
            if (!pop)
                return;
            // Make the two sets equal again without adding anything (an addition could cross a limit on one
            // side only): both servers remove every member that either of them popped.
            var either = ts.Except(os).Concat(os.Except(ts)).ToList();
            if (either.Count > 0)
            {
                byte[][] srem = [Encoding.ASCII.GetBytes("SREM"), cmd[1], .. either.Select(m => Resp.Latin1.GetBytes(m))];
                byte[] ro = Oracle.Call(srem), rt = Target.Call(srem);
                if (!ro.AsSpan().SequenceEqual(rt))
                    Fail(srem, index, $"repairing SREM differs\n  oracle: {Resp.Escape(ro)}\n  target: {Resp.Escape(rt)}");
            }
            if (cmd.Length == 3)
            {
                byte[][] enc = [Encoding.ASCII.GetBytes("OBJECT"), Encoding.ASCII.GetBytes("ENCODING"), cmd[1]];
                if (Compare(enc, Oracle.Call(enc), Target.Call(enc)) != null)
                    _divergent.Add(Resp.AsString(cmd[1]));
            }
        }

        /// <summary>SSCAN from cursor 0: each server's whole walk, compared as sets (exact when both finish in one call).</summary>
        private void Scan(byte[][] cmd, int index)
        {
            byte[] o = Oracle.Call(cmd);
            Target.SendCommand(cmd);
            byte[] t = ReadTarget(cmd, index);
            Remember(cmd, index);
            RespValue ov = Resp.Parse(o), tv = Resp.Parse(t);
            if (ov.IsError || tv.IsError || Resp.AsString(cmd[2]) != "0")
            {
                string? why = Compare(cmd, o, t);
                if (why != null)
                    Fail(cmd, index, $"{why}\n  oracle: {Resp.Escape(o)}\n  target: {Resp.Escape(t)}");
                return;
            }
            List<string> oa = Walk(Oracle, cmd, ov), ta = Walk(Target, cmd, tv);
            bool bothOnce = ov.Items![0].Text == "0" && tv.Items![0].Text == "0";
            var x = (bothOnce ? oa : oa.Distinct()).OrderBy(s => s, StringComparer.Ordinal).ToList();
            var y = (bothOnce ? ta : ta.Distinct()).OrderBy(s => s, StringComparer.Ordinal).ToList();
            if (!x.SequenceEqual(y))
                Fail(cmd, index, $"whole walks differ\n  oracle: {string.Join(' ', x)}\n  target: {string.Join(' ', y)}");
        }

        private static List<string> Walk(RespConnection conn, byte[][] cmd, RespValue first)
        {
            var found = first.Items![1].Items!.Select(i => i.ToString()).ToList();
            string cursor = first.Items[0].Text!;
            for (int calls = 0; cursor != "0"; calls++)
            {
                Assert.True(calls < 100_000, "an SSCAN walk ends");
                byte[][] next = (byte[][])cmd.Clone();
                next[2] = Encoding.ASCII.GetBytes(cursor);
                RespValue r = Resp.Parse(conn.Call(next));
                found.AddRange(r.Items![1].Items!.Select(i => i.ToString()));
                cursor = r.Items[0].Text!;
            }
            return found;
        }

        private static string Name(byte[][] cmd) => cmd.Length == 0 ? "" : Resp.AsString(cmd[0]).ToUpperInvariant();

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
