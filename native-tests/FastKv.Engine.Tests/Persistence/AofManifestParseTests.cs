using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// <see cref="AofManifest.Parse"/> as Redis 7.2.4's aofLoadManifestFromFile: sdssplitargs quoting, keys in any case
/// and order, unknown keys ignored, comments skipped; the error text names the line it refused. (The process-level
/// errors are compared with Redis in AofLoadTests.)
/// </summary>
public class AofManifestParseTests
{
    [Fact]
    public void QuotedNames_KeysInAnyOrder_FormatRoundTrips()
    {
        string text = "# written by hand\nfile \"with space.rdb\" seq 3 type b extra 1\nfile 'i 1.aof' seq 4 type h\nTYPE i SEQ 5 FILE plain.aof\n";
        AofManifest? am = AofManifest.Parse(Encoding.ASCII.GetBytes(text), out string? error);
        Assert.Null(error);
        Assert.Equal("with space.rdb", am!.Base!.Name);
        Assert.Equal(3, am.BaseSeq);
        Assert.Equal("i 1.aof", Assert.Single(am.History).Name);
        Assert.Equal("plain.aof", Assert.Single(am.Incrs).Name);
        Assert.Equal(5, am.IncrSeq);
        Assert.Equal("file \"with space.rdb\" seq 3 type b\nfile \"i 1.aof\" seq 4 type h\nfile plain.aof seq 5 type i\n", am.Format());
        AofManifest? again = AofManifest.Parse(Encoding.ASCII.GetBytes(am.Format()), out error);
        Assert.Null(error);
        Assert.Equal(am.Format(), again!.Format());
    }

    [Fact]
    public void Error_NamesTheLine()
    {
        Assert.Null(AofManifest.Parse(Encoding.ASCII.GetBytes("file a seq 1 type i\nfile b seq 1 type i\n"), out string? error));
        Assert.Equal("*** FATAL AOF MANIFEST FILE ERROR ***\nReading the manifest file, at line 2\n>>> 'file b seq 1 type i'\nFound a non-monotonic sequence number", error);
        Assert.Null(AofManifest.Parse(default, out error));
        Assert.Equal("*** FATAL AOF MANIFEST FILE ERROR ***\nFound an empty AOF manifest", error);
    }

    [Fact]
    public void OnlyComments_IsAnEmptyManifest()
    {
        AofManifest? am = AofManifest.Parse(Encoding.ASCII.GetBytes("# nothing\n"), out string? error);
        Assert.Null(error);
        Assert.Null(am!.Base);
        Assert.Empty(am.Incrs);
    }
}
