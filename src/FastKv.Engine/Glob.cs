namespace FastKv.Engine;
public static class Glob { public static bool Match(System.ReadOnlySpan<byte> p, System.ReadOnlySpan<byte> s, bool nocase) => true; }
