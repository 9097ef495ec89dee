using System;
using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Geo command streams (<see cref="GeoCommandGenerator"/>) against Redis 7.2.4 and the server under test, at
/// --threads 4 (stores across shards) and 1, one command at a time and pipelined, in RESP2 and RESP3. Every reply
/// must be byte-identical: coordinates, distances and hashes to the digit, and the order of equal distances.
/// </summary>
public class GeoDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const int CommandsPerSeed = 1500;

    public static IEnumerable<TheoryDataRow<int, int, int, bool>> Cases()
    {
        // (threads, seed, pipeline depth, RESP3)
        for (int seed = 1; seed <= 4; seed++)
            yield return new(4, seed, 1, seed % 2 == 0);
        yield return new(1, 101, 1, false);
        yield return new(1, 102, 1, true);
        yield return new(4, 201, 16, false);
        yield return new(4, 202, 16, true);
        yield return new(1, 301, 16, true);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomGeoCommands_MatchRedis(int threads, int seed, int pipeline, bool resp3)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        List<byte[][]> steps = new GeoCommandGenerator(seed).Generate(CommandsPerSeed, resp3);
        using var session = new DualSession(oracle, target)
        {
            Context = $"seed {seed}, --threads {threads}, pipeline {pipeline}, RESP{(resp3 ? 3 : 2)} (replay: new GeoCommandGenerator({seed}).Generate({CommandsPerSeed}, {(resp3 ? "true" : "false")}))",
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
            if (batch.Count == 0) batchStart = i;
            batch.Add(steps[i]);
            if (batch.Count == pipeline) Flush();
        }
        Flush();
        foreach (string key in GeoCommandGenerator.Keys)
        {
            session.Check("ZRANGE", key, "0", "-1", "WITHSCORES");
            session.Check("OBJECT", "ENCODING", key);
        }
        // Whole-world searches over every key: many matches, equal distances among them, all sorted or partly.
        int longest = 0;
        foreach (string key in GeoCommandGenerator.Keys)
        {
            longest = System.Math.Max(longest, session.Check("GEOSEARCH", key, "FROMLONLAT", "13.361389", "38.115556", "BYRADIUS", "20000", "km", "ASC", "WITHDIST", "WITHHASH", "WITHCOORD").Length);
            session.Check("GEOSEARCH", key, "FROMLONLAT", "-179.9995", "10.5", "BYBOX", "40000", "20000", "km", "DESC", "COUNT", "7", "WITHDIST");
            session.Check("GEORADIUS", key, "0", "0", "20000", "km", "COUNT", "3", "ASC");
        }
        Assert.True(longest > 3000, $"the stream should leave sets that whole-world searches find many points in (longest reply {longest} bytes)");
        session.Check("DBSIZE");
        session.Check("CONFIG", "SET", "zset-max-listpack-entries", "128");
        target.AssertAlive();
    }

    /// <summary>
    /// Dense clusters (a grid of about 1 m and random points) searched from their members and from points between
    /// them with radii and boxes from a metre to hundreds of kilometres, every match with its distance: many
    /// points lie within centimetres of each edge, so a search that passes over candidates before measuring them
    /// (the cell-index window) must still find exactly Redis's matches. Near the poles' limits and across the
    /// antimeridian too.
    /// </summary>
    [Fact]
    public void SearchesAtTheShapesEdges_MatchRedis()
    {
        using var session = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(1).Server) { Context = "edges" };
        session.Check("FLUSHALL");
        var rng = new Random(77);
        (double lon, double lat)[] centres = [(10.5, 45.5), (0, 0), (179.9999, -20), (-179.9999, 60.2), (33.3, 85.0), (-60, -84.9), (120, 70)];
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        for (int k = 0; k < centres.Length; k++)
        {
            string key = "edge" + k;
            var args = new List<string> { "GEOADD", key };
            (double lon0, double lat0) = centres[k];
            for (int i = 0; i < 30; i++)
                for (int j = 0; j < 30; j++)
                    args.AddRange([Math.Clamp(lon0 + (i - 15) * 0.00001, -180, 180).ToString("R", inv), (lat0 + (j - 15) * 0.00001).ToString("R", inv), $"g{i}:{j}"]);
            for (int i = 0; i < 600; i++)
            {
                double spread = i < 300 ? 0.05 : 3;
                double lon = Math.Clamp(lon0 + (rng.NextDouble() - 0.5) * spread, -180, 180);
                double lat = Math.Clamp(lat0 + (rng.NextDouble() - 0.5) * spread, -85.05112878, 85.05112878);
                args.AddRange([lon.ToString("R", inv), lat.ToString("R", inv), $"r{i}"]);
            }
            Assert.Equal(":1500\r\n", System.Text.Encoding.ASCII.GetString(session.Check(args.ToArray())));
            string[] radii = ["0", "1", "2.5", "7", "15", "40", "100", "333", "1000", "2500", "30000", "250000"];
            for (int q = 0; q < 40; q++)
            {
                string r = radii[rng.Next(radii.Length)];
                string from = q % 2 == 0 ? $"g{rng.Next(30)}:{rng.Next(30)}" : $"r{rng.Next(300)}";
                session.Check("GEOSEARCH", key, "FROMMEMBER", from, "BYRADIUS", r, "m", "ASC", "WITHDIST", "WITHHASH");
                session.Check("GEOSEARCH", key, "FROMMEMBER", from, "BYBOX", r, radii[rng.Next(radii.Length)], "m", "WITHDIST");
                double lon = lon0 + (rng.NextDouble() - 0.5) * 0.0004, lat = lat0 + (rng.NextDouble() - 0.5) * 0.0004;
                session.Check("GEORADIUS", key, lon.ToString("R", inv), lat.ToString("R", inv), r, "m", "WITHDIST", "COUNT", "25", "DESC");
                // A radius of exactly another member's distance (to GEODIST's 0.1 mm): that member sits on the edge.
                string other = q % 3 == 0 ? $"r{rng.Next(600)}" : $"g{rng.Next(30)}:{rng.Next(30)}";
                string reply = System.Text.Encoding.ASCII.GetString(session.Check("GEODIST", key, from, other, "m"));
                string edge = reply.Split("\r\n")[1];
                session.Check("GEOSEARCH", key, "FROMMEMBER", from, "BYRADIUS", edge, "m", "ASC", "WITHDIST");
                session.Check("GEOSEARCH", key, "FROMMEMBER", from, "BYBOX", edge, edge, "m", "ASC", "WITHDIST");
            }
        }
    }
}
