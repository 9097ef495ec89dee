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

/// <summary>How one server start with a given dump.rdb ended: it came up (ExitCode null) or exited, and what it printed.</summary>
internal sealed record LoadOutcome(int? ExitCode, string Output)
{
    public bool Loaded => ExitCode is null;

    /// <summary>The log line that names what Redis (or FastKv) thought of the file; "READY" when it loaded.</summary>
    public string? Essential => RdbFileRun.Essential(Output);

    public override string ToString() => (Loaded ? "loaded" : "exit code " + ExitCode) + "\n" + Output;
}

/// <summary>
/// Runs a server binary directly on a directory holding only a dump.rdb (no PING wait: a bad file ends the process before
/// it could answer), and the file-level helpers the corrupt-input tests share: Redis's CRC-64 and record injection.
/// </summary>
internal static class RdbFileRun
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    static readonly string[] s_lineStarts =
    [
        "Short read or OOM loading DB", "Wrong RDB checksum", "Can't handle RDB format version", "Wrong signature",
        "FATAL: Data file was created", "RDB has duplicated key", "The RDB file contains", "Fatal error loading the DB:",
    ];

    static readonly Regex s_redisPrefix = new(@"^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [*#.-] ", RegexOptions.Compiled);

    /// <summary>
    /// The first line that says how the load ended: Redis's fixed lines whole, the reason after "-> " of an "Internal
    /// error in RDB reading" line (Redis's offset and rdb.c line number are its own), "READY" when it loaded.
    /// </summary>
    public static string? Essential(string output)
    {
        foreach (string raw in output.Split('\n'))
        {
            string line = s_redisPrefix.Replace(raw.TrimEnd('\r'), "");
            if (line.StartsWith("Internal error in RDB reading", StringComparison.Ordinal) && line.Contains("-> "))
                return line[(line.IndexOf("-> ", StringComparison.Ordinal) + 3)..];
            foreach (string s in s_lineStarts)
                if (line.StartsWith(s, StringComparison.Ordinal)) return line;
            if (line.StartsWith("Ready to accept connections", StringComparison.Ordinal)) return "READY";
        }
        return null;
    }

    /// <summary>
    /// Starts FastKv on a fresh directory holding <paramref name="file"/> as dump.rdb. A file that must not load runs
    /// with <see cref="ProcessRunner"/> (it must end by itself); otherwise the process is killed once it is ready.
    /// Either way the file is left byte-identical, no other file appears, and nothing crashed.
    /// </summary>
    public static LoadOutcome Target(byte[] file, bool mayLoad, params string[] extra)
    {
        var launch = ServerLocator.Resolve(ServerKind.Target);
        string dir = SnapshotTests.NewDir();
        try
        {
            string path = Path.Combine(dir, "dump.rdb");
            File.WriteAllBytes(path, file);
            byte[] hash = SHA256.HashData(file);
            LoadOutcome outcome = Run(launch, dir, mayLoad, extra);
            Assert.True(SHA256.HashData(File.ReadAllBytes(path)).AsSpan().SequenceEqual(hash), "the file is left as it was\n" + outcome);
            Assert.Equal(["dump.rdb"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).ToArray());
            if (!launch.IsRedis) AssertNoCrash(outcome);
            return outcome;
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// The same file given to Redis 7.2.4 (the test is skipped when the oracle is absent). Redis runs redis-check-rdb
    /// on a corrupt file after its log line, which can spin on forged module data: its verdict is taken from the
    /// log and the process stopped.
    /// </summary>
    public static LoadOutcome Redis(byte[] file)
    {
        var launch = new LaunchCommand(ServerLocator.RequireOracle(), [], IsRedis: true);
        string dir = SnapshotTests.NewDir();
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "dump.rdb"), file);
            return Run(launch, dir, mayLoad: true, [], stopAtVerdict: true);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Whether the oracle can be asked (its absence skips only the comparisons, not FastKv's own checks).</summary>
    public static bool HaveOracle => OracleTools.CheckRdb() != null;

    public static void AssertNoCrash(LoadOutcome o)
    {
        Assert.DoesNotContain("Unhandled exception", o.Output);
        Assert.DoesNotContain("   at ", o.Output);
        Assert.False(o.ExitCode is 134 or 139, "no abort or segfault\n" + o);
    }

    /// <summary>A failed load: non-zero exit and the expected line.</summary>
    public static void AssertRefused(LoadOutcome o, string essential)
    {
        Assert.False(o.Loaded, "the file is refused\n" + o);
        Assert.NotEqual(0, o.ExitCode);
        Assert.True(o.Essential == essential, $"expected the line \"{essential}\"\n{o}");
    }

    static LoadOutcome Run(LaunchCommand launch, string dir, bool mayLoad, string[] extra, bool stopAtVerdict = false)
    {
        var args = new List<string>(launch.PrefixArgs)
        {
            "--dir", dir, "--port", PortAllocator.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1", "--save", "",
        };
        args.AddRange(extra);
        if (!mayLoad)
        {
            var r = ProcessRunner.Run(launch.FileName, args.ToArray(), (string?)null, Timeout);
            return new LoadOutcome(r.ExitCode, r.StdOut + r.StdErr);
        }
        using var p = StartCapturing(launch.FileName, args, out StringBuilder output, out ManualResetEventSlim ready);
        var sw = Stopwatch.StartNew();
        while (!ready.IsSet && !p.HasExited)
        {
            if (stopAtVerdict && Essential(Text(output)) is { } verdict && verdict != "READY")
            {
                if (!p.WaitForExit(2000)) p.Kill(entireProcessTree: true);
                p.WaitForExit();
                return new LoadOutcome(p.ExitCode == 0 ? -1 : p.ExitCode, Text(output));
            }
            if (sw.Elapsed > Timeout)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                Assert.Fail($"{launch.FileName} neither loaded nor exited within {Timeout.TotalSeconds} s\n{Text(output)}");
            }
            ready.Wait(20);
        }
        if (ready.IsSet && !p.HasExited)
        {
            // SIGKILL: no shutdown path runs, so nothing is saved over the file.
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return new LoadOutcome(null, Text(output));
        }
        p.WaitForExit();
        return new LoadOutcome(p.ExitCode, Text(output));
    }

    static string Text(StringBuilder sb)
    {
        lock (sb) return sb.ToString();
    }

    /// <summary>Starts a process with its output kept; <paramref name="ready"/> is set when it logs that it accepts connections.</summary>
    public static Process StartCapturing(string exe, IEnumerable<string> args, out StringBuilder output, out ManualResetEventSlim ready)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        var p = new Process { StartInfo = psi };
        var sb = new StringBuilder();
        var ev = new ManualResetEventSlim();
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null) return;
            lock (sb) sb.Append(e.Data).Append('\n');
            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal)) ev.Set();
        };
        p.OutputDataReceived += onLine;
        p.ErrorDataReceived += onLine;
        if (!p.Start()) throw new InvalidOperationException("could not start " + exe);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        output = sb;
        ready = ev;
        return p;
    }

    // ---- file surgery ----

    static readonly ulong[] s_crcTable = BuildCrcTable();

    /// <summary>Redis's CRC-64 (Jones polynomial, reflected, no final xor), the RDB trailer.</summary>
    public static ulong Crc64(ReadOnlySpan<byte> data)
    {
        ulong crc = 0;
        foreach (byte b in data) crc = s_crcTable[(byte)(crc ^ b)] ^ (crc >> 8);
        return crc;
    }

    static ulong[] BuildCrcTable()
    {
        const ulong ReflectedJones = 0x95AC9329AC4BC9B5;
        var t = new ulong[256];
        for (uint i = 0; i < 256; i++)
        {
            ulong c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ ReflectedJones : c >> 1;
            t[i] = c;
        }
        return t;
    }

    /// <summary>The file without its 8-byte checksum.</summary>
    public static byte[] Body(byte[] file) => file[..^8];

    /// <summary>The body followed by its correct checksum.</summary>
    public static byte[] WithCrc(byte[] body)
    {
        var f = new byte[body.Length + 8];
        body.CopyTo(f, 0);
        BitConverter.TryWriteBytes(f.AsSpan(body.Length), Crc64(body));
        return f;
    }

    /// <summary>The file with <paramref name="record"/> inserted before its EOF opcode (so in its last database), checksum fixed.</summary>
    public static byte[] Inject(byte[] file, params byte[][] record)
    {
        byte[] body = Body(file);
        Assert.Equal(0xFF, body[^1]);
        var b = new List<byte>(body[..^1]);
        foreach (byte[] r in record) b.AddRange(r);
        b.Add(0xFF);
        return WithCrc(b.ToArray());
    }

    /// <summary>A plain RDB string (6-bit length; the tests' strings are short).</summary>
    public static byte[] Str(string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        Assert.True(b.Length < 64);
        return [(byte)b.Length, .. b];
    }

    /// <summary>The value of an AUX field of the file (a plain string), or null.</summary>
    public static string? Aux(byte[] file, string name)
    {
        byte[] key = [0xFA, .. Str(name)];
        int at = file.AsSpan().IndexOf(key);
        if (at < 0) return null;
        int p = at + key.Length;
        return Encoding.UTF8.GetString(file, p + 1, file[p]);
    }
}
