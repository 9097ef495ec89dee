using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;

namespace FastKv.Server.Tests.Lifecycle;

/// <summary>
/// A server process started with exactly the arguments a lifecycle test gives (no readiness wait, no
/// implied options), so the test can watch startup failures, send signals and read the exit code.
/// </summary>
public sealed partial class RawServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();

    public LaunchCommand Launch { get; }
    public string WorkDir { get; }

    private RawServer(Process process, LaunchCommand launch, string workDir)
    {
        _process = process;
        Launch = launch;
        WorkDir = workDir;
    }

    public bool IsRedis => Launch.IsRedis;
    public int Pid => _process.Id;

    /// <summary>Starts the target server (or <paramref name="kind"/>) with <paramref name="args"/> (a config file path may come first).</summary>
    public static RawServer Start(IEnumerable<string> args, string? workDir = null, ServerKind kind = ServerKind.Target)
    {
        LaunchCommand launch = ServerLocator.Resolve(kind);
        workDir ??= Directory.CreateTempSubdirectory("fastkv-lifecycle-").FullName;
        var psi = new ProcessStartInfo(launch.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        foreach (string a in launch.PrefixArgs)
            psi.ArgumentList.Add(a);
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        var p = new Process { StartInfo = psi };
        var s = new RawServer(p, launch, workDir);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (s._out) s._out.Append(e.Data).Append('\n'); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (s._err) s._err.Append(e.Data).Append('\n'); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return s;
    }

    /// <summary>The usual options for a server that should come up on <paramref name="port"/>.</summary>
    public static List<string> StandardArgs(int port, int threads, string workDir)
    {
        var args = new List<string>
        {
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", workDir,
        };
        if (!ServerLocator.TargetIsRedis)
            args.AddRange(["--threads", threads.ToString(CultureInfo.InvariantCulture)]);
        return args;
    }

    /// <summary>Starts on a free port with the standard options plus <paramref name="extra"/> and waits for PING.</summary>
    public static RawServer StartReady(out int port, int threads = 2, params string[] extra)
    {
        port = PortAllocator.Next();
        string dir = Directory.CreateTempSubdirectory("fastkv-lifecycle-").FullName;
        var args = StandardArgs(port, threads, dir);
        args.AddRange(extra);
        var s = Start(args, dir);
        s.WaitReady(port);
        return s;
    }

    public string StdOut { get { lock (_out) return _out.ToString(); } }
    public string StdErr { get { lock (_err) return _err.ToString(); } }
    public string Output => $"--- stdout ---\n{StdOut}--- stderr ---\n{StdErr}";

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for exit; true if it exited within the timeout (output fully read).</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            return false;
        _process.WaitForExit(); // drain the async output readers
        return true;
    }

    public void WaitReady(int port, string? password = null)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"server exited with {_process.ExitCode} before answering PING\n{Output}");
            try
            {
                using var c = RespConnection.Connect(port, TimeSpan.FromSeconds(2));
                if (password is not null)
                    c.Call("AUTH", password);
                if (c.CallText("PING") == "+PONG\r\n")
                    return;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException("server did not answer PING within 20 s\n" + Output);
    }

    public const int SIGINT = 2;
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int sig);

    public void Signal(int sig)
    {
        if (SysKill(_process.Id, sig) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {sig}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose() => ProcessCleanup.KillAndDelete(_process, WorkDir);
}
