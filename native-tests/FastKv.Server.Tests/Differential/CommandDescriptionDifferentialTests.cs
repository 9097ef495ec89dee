using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// COMMAND describes every command the server under test has exactly as Redis 7.2.4 describes it:
/// COMMAND INFO byte for byte (arity, flags, key positions, ACL categories, tips, key specs), COMMAND DOCS
/// byte for byte except the summaries (ours are our own words, and must differ from Redis's), in RESP2 and
/// RESP3, at --threads 1 and 4. A container (CONFIG, CLIENT, ...) lists only the subcommands we have, so the
/// oracle's list is cut to ours, and both are put in name order (Redis's order is its hash table's).
/// COMMAND LIST names only commands Redis has, and COMMAND COUNT counts them.
/// </summary>
public class CommandDescriptionDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int, int>> Cases()
    {
        yield return new(1, 2);
        yield return new(1, 3);
        yield return new(4, 2);
        yield return new(4, 3);
    }

    static RespConnection Open(ServerProcess server, int protocol)
    {
        RespConnection c = server.Connect();
        RespValue hello = Resp.Parse(c.Call("HELLO", protocol.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.False(hello.IsError, "HELLO: " + hello);
        return c;
    }

    static List<string> Names(RespConnection c)
    {
        RespValue list = Resp.Parse(c.Call("COMMAND", "LIST"));
        return list.Items!.Select(v => v.Text!).ToList();
    }

    /// <summary>A parsed reply written back as RESP bytes (maps as pairs).</summary>
    static void Encode(RespValue v, MemoryStream o)
    {
        void Line(string s) { byte[] b = Encoding.Latin1.GetBytes(s + "\r\n"); o.Write(b); }
        switch (v.Type)
        {
            case '$' or '!' or '=':
                if (v.Data == null) { Line("$-1"); return; }
                Line(v.Type + v.Data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
                o.Write(v.Data);
                Line("");
                return;
            case '*' or '~' or '>' or '%' or '|':
                if (v.Items == null) { Line(v.Type + "-1"); return; }
                int n = v.Type is '%' or '|' ? v.Items.Count / 2 : v.Items.Count;
                Line(v.Type + n.ToString(System.Globalization.CultureInfo.InvariantCulture));
                foreach (RespValue e in v.Items) Encode(e, o);
                return;
            default:
                Line(v.Type + Encoding.Latin1.GetString(v.Data ?? Array.Empty<byte>()));
                return;
        }
    }

    static string Show(RespValue v)
    {
        var o = new MemoryStream();
        Encode(v, o);
        return Resp.Escape(o.ToArray(), 100_000);
    }

    /// <summary>A COMMAND INFO entry with its subcommands cut to <paramref name="ours"/> and put in name order.</summary>
    static RespValue InfoEntry(RespValue e, HashSet<string> ours)
    {
        if (e.Items is not { Count: 10 } items) return e;
        RespValue subs = items[9];
        if (subs.Items is not { Count: > 0 }) return e;
        var kept = subs.Items.Where(s => ours.Contains(s.Items![0].Text!)).Select(s => InfoEntry(s, ours)).OrderBy(s => s.Items![0].Text, StringComparer.Ordinal).ToList();
        var copy = new List<RespValue>(items) { [9] = subs with { Items = kept } };
        return e with { Items = copy };
    }

    /// <summary>
    /// A COMMAND DOCS map (flat key, value items in RESP2 and RESP3 alike) with the summary blanked (collected
    /// into <paramref name="summaries"/>) and the subcommands cut to <paramref name="ours"/>, in name order.
    /// </summary>
    static RespValue Doc(RespValue doc, HashSet<string> ours, List<string> summaries)
    {
        var items = new List<RespValue>(doc.Items!);
        for (int i = 0; i + 1 < items.Count; i += 2)
        {
            string? key = items[i].Text;
            if (key == "summary")
            {
                summaries.Add(items[i + 1].Text!);
                items[i + 1] = new RespValue('$', Array.Empty<byte>(), null);
            }
            else if (key == "subcommands")
            {
                List<RespValue> sub = items[i + 1].Items!;
                var pairs = new List<(string Name, RespValue Doc)>();
                for (int j = 0; j + 1 < sub.Count; j += 2)
                    if (ours.Contains(sub[j].Text!)) pairs.Add((sub[j].Text!, Doc(sub[j + 1], ours, new List<string>())));
                var flat = new List<RespValue>();
                foreach (var (name, d) in pairs.OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    flat.Add(new RespValue('$', Encoding.ASCII.GetBytes(name), null));
                    flat.Add(d);
                }
                items[i + 1] = items[i + 1] with { Items = flat };
            }
        }
        return doc with { Items = items };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CommandInfoOfEveryCommand_MatchesRedis(int threads, int protocol)
    {
        using RespConnection oracle = Open(servers.Oracle.Server, protocol);
        using RespConnection target = Open(servers.TargetWithThreads(threads).Server, protocol);
        List<string> names = Names(target);
        var ours = new HashSet<string>(names, StringComparer.Ordinal);
        Assert.Contains("get", ours);
        var diffs = new List<string>();
        foreach (string name in names)
        {
            RespValue t = Resp.Parse(target.Call("COMMAND", "INFO", name));
            RespValue o = Resp.Parse(oracle.Call("COMMAND", "INFO", name));
            Assert.True(t.Items is { Count: 1 } && o.Items is { Count: 1 }, name + ": " + t + " / " + o);
            string tb = Show(InfoEntry(t.Items[0], ours)), ob = Show(InfoEntry(o.Items[0], ours));
            if (tb != ob) diffs.Add($"COMMAND INFO {name}\n  ours:  {tb}\n  redis: {ob}");
        }
        Assert.True(diffs.Count == 0, $"--threads {threads}, RESP{protocol}, {diffs.Count} of {names.Count} differ:\n" + string.Join("\n", diffs));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CommandDocsOfEveryCommand_MatchRedisExceptOurSummaries(int threads, int protocol)
    {
        using RespConnection oracle = Open(servers.Oracle.Server, protocol);
        using RespConnection target = Open(servers.TargetWithThreads(threads).Server, protocol);
        List<string> names = Names(target);
        var ours = new HashSet<string>(names, StringComparer.Ordinal);
        var diffs = new List<string>();
        foreach (string name in names)
        {
            RespValue t = Resp.Parse(target.Call("COMMAND", "DOCS", name));
            RespValue o = Resp.Parse(oracle.Call("COMMAND", "DOCS", name));
            Assert.True(t.Items is { Count: 2 } && o.Items is { Count: 2 }, name + ": " + t + " / " + o);
            Assert.Equal(o.Items[0].Text, t.Items[0].Text);
            var ourSummary = new List<string>();
            var redisSummary = new List<string>();
            string tb = Show(Doc(t.Items[1], ours, ourSummary)), ob = Show(Doc(o.Items[1], ours, redisSummary));
            if (tb != ob) diffs.Add($"COMMAND DOCS {name}\n  ours:  {tb}\n  redis: {ob}");
            string mine = ourSummary.Single(), theirs = redisSummary.Single();
            if (mine.Length == 0 || string.Equals(mine.TrimEnd('.'), theirs.TrimEnd('.'), StringComparison.OrdinalIgnoreCase))
                diffs.Add($"COMMAND DOCS {name}: summary '{mine}' is not our own (Redis: '{theirs}')");
        }
        Assert.True(diffs.Count == 0, $"--threads {threads}, RESP{protocol}, {diffs.Count} of {names.Count} differ:\n" + string.Join("\n", diffs));
    }

    /// <summary>COMMAND GETKEYS and GETKEYSANDFLAGS find the keys (and their key spec flags) Redis finds, or fail as it does.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void GetKeysAndFlags_MatchRedis(int threads, int protocol)
    {
        using RespConnection oracle = Open(servers.Oracle.Server, protocol);
        using RespConnection target = Open(servers.TargetWithThreads(threads).Server, protocol);
        string[][] lines =
        {
            ["SET", "k", "v"], ["GET", "k"], ["MSET", "a", "1", "b", "2"], ["MGET", "a", "b", "c"], ["DEL", "a", "b"],
            ["LMOVE", "a", "b", "LEFT", "RIGHT"], ["RPOPLPUSH", "a", "b"], ["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"],
            ["ZUNIONSTORE", "d", "2", "a", "b"], ["ZINTERSTORE", "d", "1", "a", "WEIGHTS", "2"], ["ZUNION", "2", "a", "b"],
            ["ZUNIONSTORE", "d", "x", "a", "b"], ["ZUNIONSTORE", "d", "5", "a", "b"], ["SINTERCARD", "2", "a", "b", "LIMIT", "1"],
            ["LMPOP", "2", "a", "b", "LEFT"], ["BLMPOP", "0", "2", "a", "b", "LEFT"], ["BZMPOP", "0", "1", "z", "MIN"],
            ["BLPOP", "a", "b", "0"], ["BZPOPMIN", "z", "0"], ["SORT", "k", "BY", "w_*", "STORE", "d"], ["SORT", "k"],
            ["SORT_RO", "k", "BY", "x"], ["RENAME", "a", "b"], ["COPY", "a", "b", "DB", "1"], ["SMOVE", "a", "b", "m"],
            ["SDIFFSTORE", "d", "a", "b"], ["GETEX", "k", "PX", "5"], ["MEMORY", "USAGE", "k"], ["OBJECT", "ENCODING", "k"],
            ["EXPIRE", "k", "5"], ["LCS", "a", "b"], ["ZRANGESTORE", "d", "s", "0", "-1"], ["HSET", "h", "f", "v"],
            ["PING"], ["GET"], ["NOSUCH", "k"], ["CONFIG", "GET", "x"], ["SPUBLISH", "ch", "m"], ["SSUBSCRIBE", "a", "b"],
            ["WATCH", "a", "b"], ["PUBLISH", "ch", "m"],
            // Keys optional (an empty list) or not, and a keyless command's error before its arity's.
            ["EVAL", "return 1", "0"], ["EVAL", "return 1", "1", "k"], ["EVAL_RO", "return 1", "0"], ["FCALL", "f", "0"],
            ["EVALSHA", "x", "0"], ["ZUNIONSTORE", "d", "0"], ["XREAD", "STREAMS"], ["XREAD", "STREAMS", "s", "0"], ["PING", "a", "b"],
            ["SHUTDOWN", "NOSAVE", "x", "y"], ["LMPOP", "0", "LEFT"],
        };
        var diffs = new List<string>();
        foreach (string[] line in lines)
            foreach (string sub in new[] { "GETKEYS", "GETKEYSANDFLAGS" })
            {
                string[] cmd = new[] { "COMMAND", sub }.Concat(line).ToArray();
                string o = Resp.AsString(oracle.Call(cmd)), t = Resp.AsString(target.Call(cmd));
                if (o != t) diffs.Add($"{string.Join(' ', cmd)}\n  ours:  {Resp.Escape(Resp.Latin1.GetBytes(t))}\n  redis: {Resp.Escape(Resp.Latin1.GetBytes(o))}");
            }
        Assert.True(diffs.Count == 0, string.Join("\n", diffs));
        // One spelled out: LMOVE reads and deletes from its source, inserts into its destination.
        string lmove = protocol == 2
            ? "*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb\r\n*2\r\n+RW\r\n+insert\r\n"
            : "*2\r\n*2\r\n$1\r\na\r\n~3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb\r\n~2\r\n+RW\r\n+insert\r\n";
        Assert.Equal(lmove, Resp.AsString(target.Call("COMMAND", "GETKEYSANDFLAGS", "LMOVE", "a", "b", "LEFT", "RIGHT")));
    }

    /// <summary>COMMAND LIST names only what we implement, all of it known to Redis; COUNT, COMMAND and INFO agree with it.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void CommandListAndCount_NameOnlyImplementedRedisCommands(int threads)
    {
        using RespConnection oracle = Open(servers.Oracle.Server, 2);
        using RespConnection target = Open(servers.TargetWithThreads(threads).Server, 2);
        List<string> ours = Names(target);
        var redis = new HashSet<string>(Names(oracle), StringComparer.Ordinal);
        Assert.Equal(ours.Count, ours.Distinct().Count());
        Assert.DoesNotContain(ours, n => !redis.Contains(n));
        List<string> top = ours.Where(n => !n.Contains('|')).ToList();
        Assert.Equal(top.Count, Resp.Parse(target.Call("COMMAND", "COUNT")).Integer);
        RespValue all = Resp.Parse(target.Call("COMMAND"));
        Assert.Equal(top.OrderBy(n => n, StringComparer.Ordinal), all.Items!.Select(e => e.Items![0].Text!).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(top.Count, Resp.Parse(target.Call("COMMAND", "INFO")).Items!.Count);
        Assert.Equal(top.Count, Resp.Parse(target.Call("COMMAND", "DOCS")).Items!.Count / 2);
        // A Redis command we do not have is unknown to COMMAND, as an unknown name is to Redis.
        string missing = redis.First(n => !ours.Contains(n) && !n.Contains('|'));
        Assert.Equal("*1\r\n$-1\r\n", Resp.AsString(target.Call("COMMAND", "INFO", missing)));
        Assert.Equal("*0\r\n", Resp.AsString(target.Call("COMMAND", "DOCS", missing)));
        Assert.Equal(Resp.AsString(oracle.Call("COMMAND", "INFO", "no-such-command")), Resp.AsString(target.Call("COMMAND", "INFO", "no-such-command")));
        // Filters: a pattern and an ACL category, compared with Redis's answer cut to what we have.
        foreach (string[] filter in new[] { new[] { "PATTERN", "z*" }, new[] { "ACLCAT", "list" }, new[] { "ACLCAT", "blocking" }, new[] { "PATTERN", "config|*" } })
        {
            var got = Resp.Parse(target.Call("COMMAND", "LIST", "FILTERBY", filter[0], filter[1])).Items!.Select(v => v.Text!).OrderBy(n => n, StringComparer.Ordinal);
            var want = Resp.Parse(oracle.Call("COMMAND", "LIST", "FILTERBY", filter[0], filter[1])).Items!.Select(v => v.Text!).Where(ours.Contains).OrderBy(n => n, StringComparer.Ordinal);
            Assert.Equal(want, got);
        }
    }
}
