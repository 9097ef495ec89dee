using System;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Doubles as Redis 7.2.4 writes them (d2string and fpconv_dtoa, whose Grisu2 digits are now and then longer than the
/// shortest round-trip text): many thousands of doubles set exactly with ZADD ("%.17g" reads back as the same double)
/// and read back with ZSCORE, ZMSCORE and ZRANGE WITHSCORES, in RESP2 and RESP3, pipelined, byte for byte; and a
/// number a Lua script passes to redis.call, which Redis writes with fpconv_dtoa without d2string's integer form.
/// </summary>
public class DoubleReplyDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int Pipeline = 250;

    [Theory]
    [InlineData(4, false)]
    [InlineData(4, true)]
    [InlineData(1, true)]
    public void Scores_MatchRedis(int threads, bool resp3)
    {
        List<double> values = Doubles(seed: threads * 10 + (resp3 ? 3 : 2));
        var steps = new List<byte[][]>();
        // Sets of 100 members stay listpacks, sets of 400 become skiplists: both keep and write scores.
        int at = 0;
        for (int set = 0; at < values.Count; set++)
        {
            string key = $"dbl:{threads}:{resp3}:{set}";
            int size = set % 2 == 0 ? 100 : 400;
            int first = at;
            for (; at < values.Count && at - first < size; at++)
            {
                steps.Add(DualSession.Command("ZADD", key, G17(values[at]), $"m{at}"));
                steps.Add(DualSession.Command("ZSCORE", key, $"m{at}"));
            }

            steps.Add(DualSession.Command("ZMSCORE", key, $"m{first}", $"m{at - 1}", "nosuch"));
            steps.Add(DualSession.Command("ZRANGE", key, "0", "-1", "WITHSCORES"));
            steps.Add(DualSession.Command("OBJECT", "ENCODING", key));
            steps.Add(DualSession.Command("DEL", key));
        }

        using DualSession session = Session(threads, resp3, $"Scores_MatchRedis({threads}, {resp3})");
        session.Run(steps, Pipeline);
    }

    /// <summary>
    /// EVAL turns ARGV[1] + 0 into a Lua number and hands it to redis.call, which writes it with fpconv_dtoa (no
    /// integer shortcut: 1e+08, a "-" for -0): GET shows that text, ZSCORE the double it reads back as.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LuaNumbers_MatchRedis(bool resp3)
    {
        List<double> values = Doubles(seed: resp3 ? 31 : 30);
        var steps = new List<byte[][]>();
        for (int i = 0; i < values.Count; i++)
        {
            string text = G17(values[i]);
            string key = $"lua:{i % 64}";
            steps.Add(DualSession.Command("EVAL", "return redis.call('zadd', KEYS[1], ARGV[1] + 0, 'm')", "1", key, text));
            steps.Add(DualSession.Command("ZSCORE", key, "m"));
            steps.Add(DualSession.Command("EVAL", "redis.call('set', KEYS[1], ARGV[1] + 0) return redis.call('get', KEYS[1])", "1", key + ":s", text));
        }

        using DualSession session = Session(4, resp3, $"LuaNumbers_MatchRedis({resp3})");
        session.Run(steps, Pipeline);
    }

    private DualSession Session(int threads, bool resp3, string context)
    {
        var session = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server) { Context = context };
        if (resp3)
        {
            // HELLO's reply names each server; only the protocol switch matters here.
            session.Oracle.Call("HELLO", "3");
            session.Target.Call("HELLO", "3");
        }

        return session;
    }

    /// <summary>"%.17g": 17 significant digits always read back as the same double.</summary>
    private static string G17(double value) => value.ToString("G17", CultureInfo.InvariantCulture);

    /// <summary>
    /// Random bit patterns over every exponent, random decimal strings of 1 to 19 digits, the doubles around each
    /// power of ten, subnormals, geo-like distances (metres, km, miles, feet of up to half the earth's circumference),
    /// integers with and without trailing zeros, powers of two.
    /// </summary>
    private static List<double> Doubles(int seed)
    {
        var rnd = new Random(seed);
        var values = new List<double> { 6558.1527232590925, 1e23, 5e-324, double.MaxValue, -1e-300, 0.1, 1e21 };
        void Add(double d)
        {
            if (double.IsFinite(d)) values.Add(d);
        }

        for (int i = 0; i < 3000; i++)
        {
            Add(BitConverter.UInt64BitsToDouble((ulong)rnd.NextInt64() ^ ((ulong)rnd.Next(2) << 63)));
        }

        for (int i = 0; i < 3000; i++)
        {
            int digits = rnd.Next(1, 20);
            string mantissa = rnd.NextInt64(1, long.MaxValue).ToString(CultureInfo.InvariantCulture);
            mantissa = mantissa.Substring(0, Math.Min(digits, mantissa.Length));
            Add(double.Parse($"{(rnd.Next(2) == 0 ? "" : "-")}{mantissa}e{rnd.Next(-330, 310)}", CultureInfo.InvariantCulture));
        }

        for (int e = -323; e <= 308; e += rnd.Next(1, 4))
        {
            ulong bits = BitConverter.DoubleToUInt64Bits(double.Parse($"1e{e}", CultureInfo.InvariantCulture));
            for (int delta = -2; delta <= 2; delta++)
            {
                Add(BitConverter.UInt64BitsToDouble(bits + (ulong)(long)delta));
            }
        }

        for (int i = 0; i < 800; i++)
        {
            Add(BitConverter.UInt64BitsToDouble((ulong)rnd.NextInt64(1, 1L << 52)));
        }

        double[] units = [1, 0.001, 0.000621371192, 3.28083989501312];
        for (int i = 0; i < 1500; i++)
        {
            Add(rnd.NextDouble() * 20037508.0 * units[rnd.Next(units.Length)]);
        }

        for (int i = 0; i < 800; i++)
        {
            Add(rnd.NextInt64(1, 1L << 53) * Math.Pow(10, rnd.Next(-8, 13)));
        }

        for (int e = -1074; e < 1024; e += rnd.Next(1, 8))
        {
            Add(Math.Pow(2, e));
        }

        return values;
    }
}
