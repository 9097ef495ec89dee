using System.IO;

namespace FastKv.Benchmarks;

/// <summary>The request streams under Data/, embedded in the assembly.</summary>
static class Capture
{
    public static byte[] Load(string name)
    {
        using Stream s = typeof(Capture).Assembly.GetManifestResourceStream(name)
            ?? throw new FileNotFoundException("embedded capture missing", name);
        var bytes = new byte[s.Length];
        s.ReadExactly(bytes);
        return bytes;
    }
}
