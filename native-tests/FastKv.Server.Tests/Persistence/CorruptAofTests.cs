using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// Startup loading of a corrupt AOF directory (issue 12, corrupt input; persistence design 3, "Loading"): a small INCR
/// file cut at every offset, with aof-load-truncated yes and no; random bit flips in the INCR file, the RDB base and
/// the manifest; forged bases and manifests. Each directory is given to FastKv and a copy of it to Redis 7.2.4. FastKv
/// never crashes or hangs; when Redis exits with its fatal lines FastKv exits 1 with the same lines; when Redis loads,
/// FastKv loads the same dataset and leaves the same files (Redis's own truncation and manifest rewrite included); when
/// FastKv refuses a directory its files are byte-identical afterwards. Where Redis itself crashes (a bit flip can make
/// its fake client get a reply, which it asserts against) only FastKv's own checks apply.
/// </summary>
public class CorruptAofTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    const string ManifestName = "appendonly.aof.manifest";
    const string IncrName = "appendonly.aof.1.incr.aof";
    const string BaseName = "appendonly.aof.1.base.rdb";
    const string OneIncr = "file " + IncrName + " seq 1 type i\n";
    const string BaseAndIncr = "file " + BaseName + " seq 1 type b\n" + OneIncr;

    /// <summary>
    /// The INCR file of the truncation test, 143 bytes: SELECT 1, SET, MULTI HSET EXEC, RPUSH. <see cref="s_ends"/>
    /// holds each command's end offset, and which key it completes (null for SELECT and MULTI).
    /// </summary>
    static readonly string[][] s_commands =
    [
        ["SELECT", "1"], ["SET", "a", "1"], ["MULTI"], ["HSET", "h", "f", "v"], ["EXEC"], ["RPUSH", "l", "x"],
    ];

    static byte[] Cmds(params string[][] cmds)
    {
        var ms = new MemoryStream();
        foreach (string[] c in cmds) ms.Write(Resp.EncodeCommand(c));
        return ms.ToArray();
    }

    // ---- running both servers on copies of one directory ----

    /// <summary>How one start ended: up (ExitCode null, then killed) or exited; its log with Redis's line prefixes removed.</summary>
    internal sealed record Outcome(int? ExitCode, string Output)
    {
        public bool Loaded => ExitCode is null;

        /// <summary>A crash, not an exit: a signal (128+n), or .NET's unhandled exception trace.</summary>
        public bool Crashed => ExitCode is > 128 || Output.Contains("Unhandled exception", StringComparison.Ordinal) ||
                               Output.Contains("   at ", StringComparison.Ordinal);

        public override string ToString() => (Loaded ? "loaded" : "exit code " + ExitCode) + "\n" + Output;
    }

    static readonly Regex s_redisPrefix = new(@"^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ ([*#.-]) ", RegexOptions.Compiled);

    /// <summary>
    /// Redis's warning-level lines that explain a failed load (the memory overcommit warning aside), normalized: the
    /// part of an "Internal error in RDB reading" line after "-> " (the offset and rdb.c line are Redis's own), and
    /// bytes outside printable ASCII as '?' (a flipped file name prints raw in Redis, as UTF-8 in .NET).
    /// </summary>
    static List<string> RedisFatalLines(string output)
    {
        var lines = new List<string>();
        foreach (string raw in output.Split('\n'))
        {
            Match m = s_redisPrefix.Match(raw);
            if (!m.Success || m.Groups[1].Value != "#") continue;
            string line = Normalize(raw[m.Length..]);
            if (line.StartsWith("WARNING", StringComparison.Ordinal)) continue;
            lines.Add(line);
        }
        return lines;
    }

    static string Normalize(string line)
    {
        line = line.TrimEnd('\r');
        if (line.StartsWith("Internal error in RDB reading", StringComparison.Ordinal) && line.Contains("-> "))
            line = line[(line.IndexOf("-> ", StringComparison.Ordinal) + 3)..];
        var sb = new StringBuilder(line.Length);
        foreach (char ch in line) sb.Append(ch is >= ' ' and <= '~' ? ch : '?');
        return sb.ToString();
    }

    static HashSet<string> FastKvLines(string output) => output.Split('\n').Select(Normalize).ToHashSet();

    static string NewDir() => Directory.CreateTempSubdirectory("fastkv-aofbad-").FullName;

    static string AofDir(string dir) => Path.Combine(dir, "appendonlydir");

    static string DirWith(string manifest, params (string Name, byte[] Bytes)[] files) =>
        DirWith(Encoding.ASCII.GetBytes(manifest), files);

    static string DirWith(byte[] manifest, params (string Name, byte[] Bytes)[] files)
    {
        string dir = NewDir();
        Directory.CreateDirectory(AofDir(dir));
        File.WriteAllBytes(Path.Combine(AofDir(dir), ManifestName), manifest);
        foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(AofDir(dir), name), bytes);
        return dir;
    }

    /// <summary>Every file of the AOF directory, by name, as bytes.</summary>
    static SortedDictionary<string, byte[]> Files(string dir)
    {
        var all = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string f in Directory.GetFiles(AofDir(dir))) all[Path.GetFileName(f)] = File.ReadAllBytes(f);
        return all;
    }

    static string Describe(SortedDictionary<string, byte[]> files) =>
        string.Join(", ", files.Select(kv => kv.Key + " (" + kv.Value.Length + " bytes, " + Convert.ToHexString(SHA256.HashData(kv.Value))[..8] + ")"));

    static bool SameFiles(SortedDictionary<string, byte[]> a, SortedDictionary<string, byte[]> b) =>
        a.Keys.SequenceEqual(b.Keys) && a.All(kv => kv.Value.AsSpan().SequenceEqual(b[kv.Key]));

    /// <summary>A server started on a directory with appendonly yes: exited, or ready and still running (then killed on dispose).</summary>
    sealed class Started : IDisposable
    {
        public Process? Process;
        public int Port;
        public Outcome Outcome = null!;

        public void Kill()
        {
            if (Process is { HasExited: false } p)
            {
                // SIGKILL: nothing is saved or rewritten at exit.
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }
        }

        public void Dispose()
        {
            Kill();
            Process?.Dispose();
        }
    }

    static Started Start(ServerKind kind, string dir, string[] extra)
    {
        var launch = ServerLocator.Resolve(kind);
        int port = PortAllocator.Next();
        var args = new List<string>(launch.PrefixArgs)
        {
            "--dir", dir, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
        };
        args.AddRange(extra);
        Process p = RdbFileRun.StartCapturing(launch.FileName, args, out StringBuilder output, out ManualResetEventSlim ready);
        var s = new Started { Process = p, Port = port };
        var sw = Stopwatch.StartNew();
        while (!ready.IsSet && !p.HasExited)
        {
            if (sw.Elapsed > Timeout)
            {
                s.Kill();
                Assert.Fail($"{launch.FileName} neither loaded nor exited within {Timeout.TotalSeconds} s (a hang)\n{Text(output)}");
            }
            ready.Wait(20);
        }
        if (ready.IsSet && !p.HasExited)
        {
            s.Outcome = new Outcome(null, Text(output));
            return s;
        }
        p.WaitForExit();
        s.Outcome = new Outcome(p.ExitCode, Text(output));
        return s;
    }

    static string Text(StringBuilder sb)
    {
        lock (sb) return sb.ToString();
    }

    /// <summary>What one directory did to both servers.</summary>
    internal sealed record Verdict(Outcome FastKv, Outcome? Redis, SortedDictionary<string, byte[]> FastKvFiles);

    /// <summary>
    /// Gives <paramref name="dir"/> to FastKv and a copy to Redis 7.2.4 (when present) and checks what the class
    /// summary promises; returns a description of the first disagreement, or null. The directory is deleted.
    /// </summary>
    static string? SameAsRedis(string dir, string context, out Verdict verdict, params string[] extra)
    {
        string copy = NewDir();
        try
        {
            CopyDir(dir, copy);
            SortedDictionary<string, byte[]> before = Files(dir);
            using Started fk = Start(ServerKind.Target, dir, extra);
            using Started? rd = RdbFileRun.HaveOracle ? Start(ServerKind.Redis, copy, extra) : null;
            Outcome f = fk.Outcome;
            Outcome? r = rd?.Outcome;
            string? problem = null;
            if (f.Loaded && r is { Loaded: true })
            {
                using (RespConnection rc = RespConnection.Connect(rd!.Port), tc = RespConnection.Connect(fk.Port))
                {
                    try { RdbRoundTripData.Compare(rc, tc, null, AccessBits.None, context); }
                    catch (Exception ex) when (ex is Xunit.Sdk.XunitException) { problem = "the datasets differ: " + ex.Message; }
                }
            }
            fk.Kill();
            rd?.Kill();
            SortedDictionary<string, byte[]> after = Files(dir);
            verdict = new Verdict(f, r, after);
            if (f.Crashed) return $"{context}: FastKv crashed\n{f}";
            if (!f.Loaded && f.ExitCode == 0) return $"{context}: FastKv exited 0 without loading\n{f}";
            // Redis truncates a cut file before it knows whether that file is the last one: a refused directory may keep that cut.
            bool truncated = f.Output.Contains("!!! Truncating the AOF ", StringComparison.Ordinal);
            if (!f.Loaded && !truncated && !SameFiles(before, after))
                return $"{context}: FastKv refused the directory but changed it: before {Describe(before)}; after {Describe(after)}\n{f}";
            if (r == null || r.Crashed || (!r.Loaded && r.ExitCode != 1)) return problem == null ? null : context + ": " + problem;
            if (f.Loaded != r.Loaded) return $"{context}: FastKv {(f.Loaded ? "loaded" : "refused")} what Redis {(r.Loaded ? "loaded" : "refused")}\n--- FastKv\n{f}\n--- Redis\n{r}";
            if (problem != null) return context + ": " + problem;
            SortedDictionary<string, byte[]> redisAfter = Files(copy);
            if (!SameFiles(after, redisAfter))
                return $"{context}: the files differ from Redis's: FastKv {Describe(after)}; Redis {Describe(redisAfter)}\n--- FastKv\n{f}\n--- Redis\n{r}";
            if (!f.Loaded)
            {
                if (f.ExitCode != 1) return $"{context}: FastKv exited {f.ExitCode}, Redis 1\n{f}";
                HashSet<string> mine = FastKvLines(f.Output);
                foreach (string line in RedisFatalLines(r.Output))
                    if (!mine.Contains(line)) return $"{context}: FastKv does not log Redis's line \"{line}\"\n--- FastKv\n{f}\n--- Redis\n{r}";
            }
            return null;
        }
        finally
        {
            Directory.Delete(copy, true);
            Directory.Delete(dir, true);
        }
    }

    static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (string d in Directory.GetDirectories(from)) CopyDir(d, Path.Combine(to, Path.GetFileName(d)));
    }

    static void AssertNoProblems(List<string> problems, int cases) =>
        Assert.True(problems.Count == 0, problems.Count + " of " + cases + " cases disagree:\n\n" + string.Join("\n\n", problems.Take(8)));

    // ---- 1. truncation at every offset ----

    /// <summary>
    /// The file cut at <paramref name="at"/> bytes as Redis's loader reads it: how many keys of db 1 exist afterwards
    /// (whole commands only, a MULTI without its EXEC reverted), whether it loads with aof-load-truncated no (a cut
    /// between commands, outside a MULTI) and where aof-load-truncated yes cuts the file (after the last whole
    /// command; a clean end inside a MULTI cuts before the MULTI).
    /// </summary>
    static (int Keys, bool LoadsStrict, long CutAt) Expect(byte[][] encoded, int at)
    {
        int keys = 0, pos = 0, pendingKeys = 0;
        long lastWhole = 0, beforeMulti = 0;
        bool inMulti = false;
        for (int i = 0; i < encoded.Length; i++)
        {
            int end = pos + encoded[i].Length;
            if (end > at)
            {
                bool clean = pos == at;
                if (clean && !inMulti) return (keys, true, at);
                return (keys, false, clean ? beforeMulti : lastWhole);
            }
            string name = s_commands[i][0];
            if (name == "MULTI") { inMulti = true; beforeMulti = lastWhole; }
            else if (name == "EXEC") { inMulti = false; keys += pendingKeys; pendingKeys = 0; }
            else if (name != "SELECT") { if (inMulti) pendingKeys++; else keys++; }
            lastWhole = pos = end;
        }
        return inMulti ? (keys, false, beforeMulti) : (keys, true, at);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TruncatedAtEveryOffset_LoadsThePrefixOrExits_AsRedis(bool loadTruncated)
    {
        byte[][] encoded = s_commands.Select(c => Resp.EncodeCommand(c)).ToArray();
        byte[] incr = encoded.SelectMany(e => e).ToArray();
        Assert.Equal(143, incr.Length);
        var problems = new List<string>();
        var sw = Stopwatch.StartNew();
        for (int at = 0; at <= incr.Length; at++)
        {
            (int keys, bool loadsStrict, long cutAt) = Expect(encoded, at);
            string dir = DirWith(OneIncr, (IncrName, incr[..at]));
            string context = $"cut at {at}, aof-load-truncated {(loadTruncated ? "yes" : "no")}";
            string? problem = SameAsRedis(dir, context, out Verdict v, "--aof-load-truncated", loadTruncated ? "yes" : "no");
            if (problem != null) { problems.Add(problem); continue; }
            Outcome f = v.FastKv;
            bool shouldLoad = loadTruncated || loadsStrict;
            if (f.Loaded != shouldLoad) { problems.Add($"{context}: expected {(shouldLoad ? "a load" : "exit 1")}\n{f}"); continue; }
            if (!f.Loaded)
            {
                if (!f.Output.Contains("Unexpected end of file reading the append only file " + IncrName + ". You can: ", StringComparison.Ordinal))
                    problems.Add($"{context}: no unexpected-EOF line\n{f}");
                continue;
            }
            long length = v.FastKvFiles[IncrName].Length;
            long expectCut = loadsStrict ? at : cutAt;
            if (length != expectCut) problems.Add($"{context}: the file is {length} bytes, expected {expectCut}\n{f}");
            else if (!loadsStrict && !f.Output.Contains("!!! Truncating the AOF " + IncrName + " at offset " + cutAt + " !!!", StringComparison.Ordinal))
                problems.Add($"{context}: no truncation line for offset {cutAt}\n{f}");
            // The dataset itself (keys of db 1) is checked against the prefix in LoadedPrefix below, on one start.
            _ = keys;
        }
        AssertNoProblems(problems, incr.Length + 1);
        Console.WriteLine($"{incr.Length + 1} offsets in {sw.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The dataset after a cut is the whole commands before it: checked on FastKv alone at every command boundary and inside each command.</summary>
    [Fact]
    public void TruncatedAtEveryOffset_DatasetIsThePrefixOfWholeCommands()
    {
        byte[][] encoded = s_commands.Select(c => Resp.EncodeCommand(c)).ToArray();
        byte[] incr = encoded.SelectMany(e => e).ToArray();
        var problems = new List<string>();
        // Each key count is reached at several offsets; one offset per (count, command) keeps this to a few starts.
        var seen = new HashSet<(int, int)>();
        for (int at = 0; at <= incr.Length; at++)
        {
            (int keys, _, _) = Expect(encoded, at);
            int cmd = 0;
            for (int pos = 0; cmd < encoded.Length && pos + encoded[cmd].Length <= at; cmd++) pos += encoded[cmd].Length;
            if (!seen.Add((keys, cmd)) && at != incr.Length) continue;
            string dir = DirWith(OneIncr, (IncrName, incr[..at]));
            try
            {
                using Started fk = Start(ServerKind.Target, dir, ["--aof-load-truncated", "yes"]);
                if (!fk.Outcome.Loaded) { problems.Add($"cut at {at}: not loaded\n{fk.Outcome}"); continue; }
                using RespConnection c = RespConnection.Connect(fk.Port);
                Assert.Equal("+OK\r\n", c.CallText("SELECT", "1"));
                string got = c.CallText("EXISTS", "a", "h", "l");
                if (got != ":" + keys + "\r\n") problems.Add($"cut at {at}: EXISTS a h l in db 1 is {got.TrimEnd()}, expected {keys}");
                Assert.Equal("+OK\r\n", c.CallText("SELECT", "0"));
                if (c.CallText("DBSIZE") != ":0\r\n") problems.Add($"cut at {at}: keys in db 0 (SELECT 1 was lost)");
            }
            finally { Directory.Delete(dir, true); }
        }
        AssertNoProblems(problems, seen.Count);
    }

    // ---- 2. bit flips ----

    /// <summary>The directory the bit-flip cases start from: a small RDB base and an INCR with every structure of the loader.</summary>
    static (byte[] Manifest, byte[] Base, byte[] Incr) FlipSource()
    {
        byte[] incr = Cmds(
            ["SELECT", "0"], ["SET", "s1", "v1"], ["HSET", "h1", "f", "1", "g", "2"], ["RPUSH", "l1", "a", "b", "c"],
            ["MULTI"], ["INCR", "n1"], ["SADD", "set1", "x", "y"], ["EXEC"],
            ["SELECT", "2"], ["SET", "s2", "value-in-two", "PXAT", "4102444800000"], ["ZADD", "z2", "1.5", "m"],
            ["SELECT", "0"], ["DEL", "key3"], ["PEXPIREAT", "key4", "4102444800000"], ["APPEND", "s1", "tail"]);
        return (Encoding.ASCII.GetBytes(BaseAndIncr), CorruptRdbTests.BaseFile, incr);
    }

    public enum FlipTarget { Incr, Base, BaseCrcFixed, Manifest }

    [Theory]
    [InlineData(FlipTarget.Incr, 1211)]
    [InlineData(FlipTarget.Base, 1212)]
    [InlineData(FlipTarget.BaseCrcFixed, 1213)]
    [InlineData(FlipTarget.Manifest, 1214)]
    public void BitFlips_NeverCrash_AndMatchRedis(FlipTarget target, int seed)
    {
        (byte[] manifest, byte[] baseFile, byte[] incr) = FlipSource();
        var rng = new Random(seed);
        var problems = new List<string>();
        const int Cases = 15;
        for (int i = 0; i < Cases; i++)
        {
            byte[] m = (byte[])manifest.Clone(), b = (byte[])baseFile.Clone(), n = (byte[])incr.Clone();
            byte[] victim = target switch { FlipTarget.Incr => n, FlipTarget.Manifest => m, _ => b };
            int flips = 1 + rng.Next(3);
            int span = target is FlipTarget.Base or FlipTarget.BaseCrcFixed ? victim.Length - 8 : victim.Length;
            var where = new List<string>();
            for (int k = 0; k < flips; k++)
            {
                int at = rng.Next(span), bit = rng.Next(8);
                victim[at] ^= (byte)(1 << bit);
                where.Add(at + "." + bit);
            }
            if (target == FlipTarget.BaseCrcFixed) b = RdbFileRun.WithCrc(RdbFileRun.Body(b));
            string dir = DirWith(m, (BaseName, b), (IncrName, n));
            string? problem = SameAsRedis(dir, $"{target} flip {string.Join(' ', where)}", out _);
            if (problem != null) problems.Add(problem);
        }
        AssertNoProblems(problems, Cases);
    }

    // ---- 3. forged files ----

    public static IEnumerable<TheoryDataRow<string, string>> ForgedDirectories() =>
    [
        new("bad RDB version", "Can't handle RDB format version 99"),
        new("unknown RDB type", "Unknown RDB encoding type 85"),
        new("manifest names a missing incr", "Unable to obtain the AOF file appendonly.aof.7.incr.aof length. stat: No such file or directory"),
        new("manifest names a missing base", "Unable to obtain the AOF file appendonly.aof.1.base.rdb length. stat: No such file or directory"),
        new("AOF base with garbage", "Bad file format reading the append only file appendonly.aof.1.base.aof: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"),
        new("truncated AOF base before an incr", "Fatal error: the truncated file is not the last file"),
        new("unknown command in the base", "Unknown command 'NOSUCH' reading the append only file appendonly.aof.1.base.aof"),
        new("negative argument count", "Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"),
    ];

    static string Forge(string name)
    {
        byte[] rdb = CorruptRdbTests.BaseFile;
        byte[] incr = Cmds(["SET", "after", "1"]);
        const string AofBase = "file appendonly.aof.1.base.aof seq 1 type b\n" + OneIncr;
        switch (name)
        {
            case "bad RDB version":
                byte[] v = (byte[])rdb.Clone();
                Encoding.ASCII.GetBytes("0099").CopyTo(v, 5);
                return DirWith(BaseAndIncr, (BaseName, RdbFileRun.WithCrc(RdbFileRun.Body(v))), (IncrName, incr));
            case "unknown RDB type":
                return DirWith(BaseAndIncr, (BaseName, RdbFileRun.Inject(rdb, [85, .. RdbFileRun.Str("k"), 1, 2, 3])), (IncrName, incr));
            case "manifest names a missing incr":
                return DirWith(BaseAndIncr + "file appendonly.aof.7.incr.aof seq 7 type i\n", (BaseName, rdb), (IncrName, incr));
            case "manifest names a missing base":
                return DirWith(BaseAndIncr, (IncrName, incr));
            case "AOF base with garbage":
                return DirWith(AofBase, ("appendonly.aof.1.base.aof", [.. Cmds(["SET", "b", "1"]), .. "GARBAGE\r\n"u8]), (IncrName, incr));
            case "truncated AOF base before an incr":
                byte[] cut = Cmds(["SET", "b", "1"], ["SET", "c", "2"]);
                return DirWith(AofBase, ("appendonly.aof.1.base.aof", cut[..^5]), (IncrName, incr));
            case "unknown command in the base":
                return DirWith(AofBase, ("appendonly.aof.1.base.aof", Cmds(["SET", "b", "1"], ["NOSUCH", "x"])), (IncrName, incr));
            case "negative argument count":
                return DirWith(OneIncr, (IncrName, [.. incr, .. "*-1\r\n"u8]));
            default:
                throw new ArgumentException(name);
        }
    }

    [Theory]
    [MemberData(nameof(ForgedDirectories))]
    public void ForgedDirectory_ExitsWithRedisLine(string name, string line)
    {
        string dir = Forge(name);
        string? problem = SameAsRedis(dir, name, out Verdict v, "--aof-load-truncated", "yes");
        Assert.True(problem == null, problem);
        Assert.Equal(1, v.FastKv.ExitCode);
        Assert.Contains(line, v.FastKv.Output);
    }
}
