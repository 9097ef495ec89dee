using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;

namespace FastKv.Server.Tests.Infrastructure;

/// <summary>
/// One server process (FastKv or redis-server) on a free loopback port. Start waits until it answers
/// PING; its stdout and stderr are kept so a failing test can show them; Dispose kills it.
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _workDir;
    private bool _disposed;

    public int Port { get; }
    public bool IsRedis { get; }
    public string Description { get; }

    private ServerProcess(Process process, int port, bool isRedis, string description, string workDir)
    {
        _process = process;
        Port = port;
        IsRedis = isRedis;
        Description = description;
        _workDir = workDir;
    }

    /// <summary>
    /// Starts a server. <paramref name="threads"/> is FastKv's --threads; redis-server has no such option
    /// and ignores it. <paramref name="extraArgs"/> are config names and values both servers understand,
    /// e.g. ["--requirepass", "secret"].
    /// </summary>
    public static ServerProcess Start(ServerKind kind, int? threads = null, params string[] extraArgs)
        => Start(ServerLocator.Resolve(kind), threads, extraArgs);

    /// <summary>
    /// Starts the server <paramref name="launch"/> names (a particular redis-server build, say). A port the allocator
    /// found free can be taken as the source port of some outgoing connection before the server binds it (tests
    /// that open thousands of connections make that likely): such a start is tried again on another port.
    /// </summary>
    public static ServerProcess Start(LaunchCommand launch, int? threads = null, params string[] extraArgs)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return StartOnce(launch, threads, extraArgs);
            }
            catch (InvalidOperationException ex) when (attempt < 4 && ex.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private static ServerProcess StartOnce(LaunchCommand launch, int? threads, string[] extraArgs)
    {
        int port = PortAllocator.Next();
        string workDir = Directory.CreateTempSubdirectory("fastkv-test-").FullName;

        var args = new List<string>(launch.PrefixArgs)
        {
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
        };
        // DEBUG is off by default since Redis 7.0, in FastKv too.
        args.AddRange(["--enable-debug-command", "yes", "--dir", workDir]);
        if (!launch.IsRedis)
        {
            if (threads is int n)
                args.AddRange(["--threads", n.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        args.AddRange(extraArgs);

        var psi = new ProcessStartInfo(launch.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        foreach (string a in args)
            psi.ArgumentList.Add(a);

        var process = new Process { StartInfo = psi };
        string description = launch.Describe() + (threads is int t && !launch.IsRedis ? $" --threads {t}" : "") + $" on port {port}";
        var server = new ServerProcess(process, port, launch.IsRedis, description, workDir);
        process.OutputDataReceived += (_, e) => server.Append("out", e.Data);
        process.ErrorDataReceived += (_, e) => server.Append("err", e.Data);
        if (!process.Start())
            throw new InvalidOperationException("could not start " + description);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            server.WaitUntilReady(password: PasswordFrom(extraArgs));
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    private static string? PasswordFrom(string[] extraArgs)
    {
        int i = Array.IndexOf(extraArgs, "--requirepass");
        return i >= 0 && i + 1 < extraArgs.Length ? extraArgs[i + 1] : null;
    }

    private void Append(string stream, string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            if (_output.Length < 64 * 1024)
                _output.Append('[').Append(stream).Append("] ").Append(line).Append('\n');
        }
    }

    /// <summary>What the server printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>
    /// Asserts that the server prints <paramref name="text"/> within <paramref name="timeout"/> (30 s by default, a
    /// hang's bound). Its output is read as it comes, so a line logged just before a reply may not be here yet.
    /// </summary>
    public void WaitForOutput(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            Xunit.Assert.True(DateTime.UtcNow < deadline, $"the server did not print \"{text}\"\n{Output}");
            Thread.Sleep(20);
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The server's own temporary working directory (its --dir unless the test passed another).</summary>
    public string WorkDir => _workDir;

    /// <summary>Sends a signal (SIGTERM = 15) to the server process.</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited) Libc.kill(_process.Id, signal);
    }

    /// <summary>Waits for the process to end; its exit code, or null when it still runs after <paramref name="timeout"/>.</summary>
    public int? WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return null;
        _process.WaitForExit();
        return _process.ExitCode;
    }

    private static partial class Libc
    {
        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
        internal static partial int kill(int pid, int sig);
    }

    /// <summary>The server's process id (memory checks read /proc/&lt;id&gt;/status).</summary>
    public int ProcessId => _process.Id;

    private void WaitUntilReady(string? password)
    {
        var deadline = Stopwatch.StartNew();
        Exception? last = null;
        while (deadline.Elapsed < s_startTimeout)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // the redirected output is read to its end, so the message holds the last lines
                throw new InvalidOperationException($"{Description} exited with code {_process.ExitCode} before answering PING.\n{Output}");
            }
            try
            {
                using var c = RespConnection.Connect(Port, TimeSpan.FromSeconds(2));
                if (password is not null)
                    c.Call("AUTH", password);
                byte[] reply = c.Call("PING");
                if (Resp.AsString(reply) == "+PONG\r\n")
                    return;
                last = new InvalidOperationException("PING answered " + Resp.Escape(reply));
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException or RespConnectionClosedException)
            {
                last = e;
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException($"{Description} did not answer PING within {s_startTimeout.TotalSeconds} s (last: {last?.Message}).\n{Output}");
    }

    public RespConnection Connect() => RespConnection.Connect(Port);

    /// <summary>Throws with the server's output if the process has died.</summary>
    public void AssertAlive()
    {
        if (_process.HasExited)
            throw new InvalidOperationException($"{Description} died with exit code {_process.ExitCode}.\n{Output}");
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        ProcessCleanup.KillAndDelete(_process, _workDir);
    }
}
