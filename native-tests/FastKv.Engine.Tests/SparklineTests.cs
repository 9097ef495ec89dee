using System.Collections.Generic;
using System.Text;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// The LATENCY GRAPH renderer on exact samples, with the pictures Redis 7.2.4 drew for the same values and labels
/// (read from the oracle's LATENCY GRAPH; the server test compares it live).
/// </summary>
public class SparklineTests
{
    static string Render(int columns, params (double, string?)[] samples)
    {
        var sb = new StringBuilder();
        Sparkline.Render(sb, new List<(double, string?)>(samples), columns, 4);
        return sb.ToString();
    }

    [Fact]
    public void ThreeSpikes_AsRedisDrawsThem()
    {
        // 50, 300 and 100 ms, 4, 3 and 1 s ago.
        Assert.Equal(" # \n | \n | \n_|#\n   \n431\nsss\n", Render(80, (50, "4s"), (300, "3s"), (100, "1s")));
    }

    [Fact]
    public void OneSample_SitsOnTheBottomRow()
    {
        Assert.Equal(" \n \n \n_\n \n0\ns\n", Render(80, (218, "0s")));
    }

    [Fact]
    public void EveryStep_HasItsCharacter()
    {
        // 0..11 steps over 12 samples: each row shows _, o, # in turn, with | below a taller column's top.
        var samples = new (double, string?)[12];
        for (int i = 0; i < 12; i++) samples[i] = (i, null);
        Assert.Equal(
            "         _o#\n" +
            "      _o#|||\n" +
            "   _o#||||||\n" +
            "_o#|||||||||\n", Render(80, samples));
    }

    [Fact]
    public void LongSeries_WrapsIntoBlocks_AndLabelsRunDownwards()
    {
        // 0 and 1 alternate: the range is 1, so a 1 is a full column.
        var samples = new (double, string?)[5];
        for (int i = 0; i < 5; i++) samples[i] = (i % 2, i + "m");
        string drawn = Render(2, samples);
        Assert.Equal(
            " #\n |\n |\n_|\n  \n01\nmm\n" + "\n" +
            " #\n |\n |\n_|\n  \n23\nmm\n" + "\n" +
            " \n \n \n_\n \n4\nm\n", drawn);
    }
}
