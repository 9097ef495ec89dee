using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace FastKv.Server.Tests.Infrastructure;

/// <summary>
/// Finds the external tools the end-to-end tests drive. A test that needs a missing tool is skipped,
/// with a message naming the tool and the Debian package that provides it; it never fails for that.
/// </summary>
public static class ToolCheck
{
    /// <summary>The system python, not pyenv's, because python3-redis is a Debian package.</summary>
    public const string SystemPython = "/usr/bin/python3";

    private static readonly ConcurrentDictionary<string, string?> s_paths = new();
    private static readonly ConcurrentDictionary<string, bool> s_pythonModules = new();

    public static string? Find(string tool) => s_paths.GetOrAdd(tool, FindOnPath);

    /// <summary>Path of <paramref name="tool"/>, or skips the calling test.</summary>
    public static string Require(string tool, string package = "redis-tools")
    {
        string? path = Find(tool);
        if (path is null)
            Assert.Skip($"{tool} is not installed (not on PATH); install the Debian package '{package}'.");
        return path;
    }

    public static string RequireRedisServer() => Require("redis-server", "redis-server");
    public static string RequireRedisCli() => Require("redis-cli");
    public static string RequireRedisBenchmark() => Require("redis-benchmark");

    public static string RequirePythonRedis() => RequirePythonModule("redis", "python3-redis");

    /// <summary>The system python, or skips the calling test when it lacks <paramref name="module"/> (from <paramref name="package"/>).</summary>
    public static string RequirePythonModule(string module, string package)
    {
        if (!File.Exists(SystemPython))
            Assert.Skip($"{SystemPython} is missing; install the Debian package 'python3'.");
        if (!s_pythonModules.GetOrAdd(module, ProbePythonModule))
            Assert.Skip($"the python '{module}' module is missing under {SystemPython}; install the Debian package '{package}'.");
        return SystemPython;
    }

    private static bool ProbePythonModule(string module)
    {
        try
        {
            var result = ProcessRunner.Run(SystemPython, ["-c", "import " + module], (string?)null, TimeSpan.FromSeconds(20));
            return result.ExitCode == 0;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static string? FindOnPath(string tool)
    {
        string? pathVar = Environment.GetEnvironmentVariable("PATH");
        if (pathVar is null)
            return null;
        foreach (string dir in pathVar.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}

/// <summary>Runs a short-lived tool to completion and captures what it printed.</summary>
public static class ProcessRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
    }

    public static Result Run(string file, string[] args, string? stdin, TimeSpan timeout) =>
        Run(file, args, stdin is null ? null : System.Text.Encoding.UTF8.GetBytes(stdin), timeout);

    public static Result Run(string file, string[] args, byte[]? stdin, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
                process.StandardInput.BaseStream.Write(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The tool exited before reading all of its input; its output says why.
        }
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s\n"
                + $"--- stdout ---\n{stdout.Result}\n--- stderr ---\n{stderr.Result}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
