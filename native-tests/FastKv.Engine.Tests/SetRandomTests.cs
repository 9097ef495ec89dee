using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// SPOP and SRANDMEMBER: reply shapes (distinct members, subsets, counts) and distribution sanity in each
/// encoding. Bounds are about five standard deviations wide, so a fair generator fails them about once in
/// a few million runs and a biased one (a member never or always chosen) fails them at once.
/// </summary>
public class SetRandomTests
{
    static string R(EngineHarness h, params string[] args) => h.Run(EngineHarness.Command(args));

    public static TheoryData<string> Encodings => new() { "intset", "listpack", "hashtable" };

    /// <summary>Ten members in the asked encoding (a table through a listpack limit of 0).</summary>
    static string[] Fill(EngineHarness h, string key, string encoding, int n = 10)
    {
        R(h, "CONFIG", "SET", "set-max-listpack-entries", encoding == "hashtable" ? "0" : "1024");
        R(h, "CONFIG", "SET", "set-max-intset-entries", encoding == "hashtable" ? "0" : "512");
        string[] members = Enumerable.Range(0, n).Select(i => encoding == "intset" ? (i * 7 - 20).ToString() : "m" + i).ToArray();
        R(h, "DEL", key);
        R(h, ["SADD", key, .. members]);
        Assert.Equal("$" + encoding.Length + "\r\n" + encoding + "\r\n", R(h, "OBJECT", "ENCODING", key));
        return members;
    }

    static void AssertNear(Dictionary<string, int> tally, string[] members, double expected, double halfWidth, string what)
    {
        foreach (string m in members)
        {
            int n = tally.GetValueOrDefault(m);
            Assert.True(Math.Abs(n - expected) <= halfWidth, $"{what}: {m} drawn {n} times, expected {expected} +- {halfWidth}");
        }
        Assert.Equal(members.Length, tally.Count);
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void SRandMemberNegative_RepeatsAndIsUniform(string encoding)
    {
        using var h = new EngineHarness();
        string[] members = Fill(h, "s", encoding);
        var draws = RespReply.Elements(R(h, "SRANDMEMBER", "s", "-20000"));
        Assert.Equal(20000, draws.Count);
        var tally = draws.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        // Binomial(20000, 0.1): sd 42.
        AssertNear(tally, members, 2000, 220, "SRANDMEMBER -20000");
        Assert.Equal(":10\r\n", R(h, "SCARD", "s"));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void SRandMemberPositive_DistinctSubsets_Uniform(string encoding)
    {
        using var h = new EngineHarness();
        string[] members = Fill(h, "s", encoding);
        var tally = new Dictionary<string, int>();
        for (int t = 0; t < 3000; t++)
        {
            var got = RespReply.Elements(R(h, "SRANDMEMBER", "s", "3"));
            Assert.Equal(3, got.Distinct().Count());
            foreach (string m in got) tally[m] = tally.GetValueOrDefault(m) + 1;
        }
        // Each member is in a 3-of-10 sample with p 0.3: Binomial(3000, 0.3), sd 25.
        AssertNear(tally, members, 900, 130, "SRANDMEMBER 3");
        Assert.Equal(members.OrderBy(x => x, StringComparer.Ordinal), RespReply.Sorted(R(h, "SRANDMEMBER", "s", "11")));
        Assert.Single(RespReply.Elements(R(h, "SRANDMEMBER", "s", "1")));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void SRandMemberPositive_FromALargeSet_SmallAndLargeShares(string encoding)
    {
        using var h = new EngineHarness();
        string[] members = Fill(h, "s", encoding, 300);
        var all = new HashSet<string>(members);
        var tally = new Dictionary<string, int>();
        for (int t = 0; t < 600; t++)
        {
            // 2 of 300 draws until distinct (CASE 4); 150 of 300 walks the set (CASE 3).
            foreach (string count in new[] { "2", "150" })
            {
                var got = RespReply.Elements(R(h, "SRANDMEMBER", "s", count));
                Assert.Equal(int.Parse(count), got.Distinct().Count());
                Assert.All(got, m => Assert.Contains(m, all));
                if (count == "150") foreach (string m in got) tally[m] = tally.GetValueOrDefault(m) + 1;
            }
        }
        // Binomial(600, 0.5): sd 12.2.
        AssertNear(tally, members, 300, 65, "SRANDMEMBER 150 of 300");
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void SPop_RemovesWhatItReplies_Uniformly(string encoding)
    {
        using var h = new EngineHarness();
        string[] members = Fill(h, "s", encoding);
        var one = new Dictionary<string, int>();
        var few = new Dictionary<string, int>();
        var most = new Dictionary<string, int>();
        for (int t = 0; t < 1500; t++)
        {
            foreach (var (count, tally) in new[] { ("", one), ("3", few), ("9", most) })
            {
                Fill(h, "s", encoding);
                var popped = count == "" ? new List<string> { RespReply.Parse(R(h, "SPOP", "s")).Text! } : RespReply.Elements(R(h, "SPOP", "s", count));
                Assert.Equal(count == "" ? 1 : int.Parse(count), popped.Distinct().Count());
                var left = RespReply.Elements(R(h, "SMEMBERS", "s"));
                Assert.Equal(members.OrderBy(x => x, StringComparer.Ordinal), popped.Concat(left).OrderBy(x => x, StringComparer.Ordinal));
                foreach (string m in popped) tally[m] = tally.GetValueOrDefault(m) + 1;
            }
        }
        AssertNear(one, members, 150, 65, "SPOP");          // Binomial(1500, 0.1): sd 11.6
        AssertNear(few, members, 450, 90, "SPOP 3");        // Binomial(1500, 0.3): sd 17.7
        AssertNear(most, members, 1350, 60, "SPOP 9");      // Binomial(1500, 0.9): sd 11.6
    }
}
