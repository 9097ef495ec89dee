using System;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// The geohash math against vectors read from Redis 7.2.4: GEOADD's score (ZSCORE), GEOPOS's coordinates in
/// ld2string's human form, GEOHASH's string and GEODIST in three units, including points on the limits
/// (the longitude 180 and latitude -85.05112878 set bits beyond the 52, as in Redis).
/// </summary>
public class GeoHashTests
{
    [Theory]
    [InlineData(13.361389, 38.115556, 3479099956230698UL, "13.36138933897018433", "38.11555639549629859", "sqc8b49rny0")]
    [InlineData(15.087269, 37.502669, 3479447370796909UL, "15.08726745843887329", "37.50266842333162032", "sqdtr74hyu0")]
    [InlineData(-179.9999, 85.05112878, 4503599627371016UL, "-179.99990075826644897", "85.0511287799999991", "bp05b504dr0")]
    [InlineData(180, -85.05112878, 9007199254740992UL, "180", "-85.05112751263942528", "00bh0hbj200")]
    [InlineData(0, 0, 3377699720527872UL, "0.00000268220901489", "0.00000126736058093", "s0000000000")]
    [InlineData(-73.9857, 40.7484, 1791875672646935UL, "-73.98570209741592407", "40.74839914563441567", "dr5ru6j28h0")]
    [InlineData(151.2093, -33.8688, 3252046221964352UL, "151.20929986238479614", "-33.86880091934155956", "r3gx2f77bj0")]
    [InlineData(179.99999, 1e-05, 4128299658422957UL, "179.99999195337295532", "0.00000887152405227", "xbpbpbpbpc0")]
    public void Point_MatchesRedis(double lon, double lat, ulong score, string posLon, string posLat, string hash)
    {
        Assert.Equal(score, GeoHash.Score(lon, lat));
        GeoHash.DecodeScore(score, out double dlon, out double dlat);
        Assert.Equal(posLon, Human(dlon));
        Assert.Equal(posLat, Human(dlat));
        Span<byte> text = stackalloc byte[11];
        GeoHash.ToBase32(score, text);
        Assert.Equal(hash, Encoding.ASCII.GetString(text));
    }

    static readonly (double lon, double lat)[] s_points =
    [
        (13.361389, 38.115556), (15.087269, 37.502669), (-179.9999, 85.05112878), (180, -85.05112878),
        (0, 0), (-73.9857, 40.7484), (151.2093, -33.8688), (179.99999, 1e-05),
    ];

    [Theory]
    [InlineData(0, 1, "166274.1516", "166.2742", "103.3182")]
    [InlineData(2, 3, "18919844.5891", "18919.8446", "11756.2756")]
    [InlineData(4, 7, "20020732.3662", "20020.7324", "12440.3373")]
    [InlineData(5, 6, "15995245.6057", "15995.2456", "9939.0095")]
    public void Distance_MatchesRedis(int a, int b, string m, string km, string mi)
    {
        GeoHash.DecodeScore(GeoHash.Score(s_points[a].lon, s_points[a].lat), out double lon1, out double lat1);
        GeoHash.DecodeScore(GeoHash.Score(s_points[b].lon, s_points[b].lat), out double lon2, out double lat2);
        double d = GeoHash.Distance(lon1, lat1, lon2, lat2);
        Assert.Equal(m, Distance(d));
        Assert.Equal(km, Distance(d / 1000));
        Assert.Equal(mi, Distance(d / 1609.34));
    }

    [Theory]
    [InlineData(200.0, "200.000000")]
    [InlineData(0.0078125, "0.007812")]
    [InlineData(-0.0, "-0.000000")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(1e300, "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160.000000")]
    public void InvalidPairText_IsPrintfF(double d, string expected) => Assert.Equal(expected, GeoNumbers.FormatF6(d));

    [Theory]
    [InlineData(0.0, "0.0000")]
    [InlineData(1234.56789, "1234.5679")]
    public void DistanceText_IsFixedPoint4(double d, string expected) => Assert.Equal(expected, Distance(d));

    [Fact]
    public void Neighbours_WrapAroundTheAntimeridian()
    {
        GeoHash.Encode(179.9, 0, 3, out GeoCell cell);
        GeoCell east = GeoHash.Neighbour(cell, 1, 0);
        GeoHash.Decode(east, out GeoArea area);
        Assert.Equal(-180, area.LonMin);
    }

    static string Human(double d)
    {
        Span<byte> buf = stackalloc byte[64];
        int n = LongDouble.FromDouble(d).FormatFixed17(buf);
        string s = Encoding.ASCII.GetString(buf.Slice(0, n)).TrimEnd('0').TrimEnd('.');
        return s == "-0" ? "0" : s;
    }

    static string Distance(double d)
    {
        Span<byte> buf = stackalloc byte[GeoNumbers.DistanceChars];
        return Encoding.ASCII.GetString(buf.Slice(0, GeoNumbers.FormatDistance(d, buf)));
    }
}
