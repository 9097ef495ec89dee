using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// The server while a file loads (persistence design 2): commands without the loading flag get -LOADING, INFO shows
/// loading:1 with Redis 7.2's loading_* fields, and SHUTDOWN or SIGTERM stop without saving. The dump.rdb is a named
/// pipe the test writes, so the load is held half way for as long as the test needs: no race with a fast load.
/// </summary>
public class RdbLoadingTests
{
    /// <summary>INFO persistence of Redis 7.2.4 while it loads a file, field by field (taken from the oracle).</summary>
    static readonly string[] s_redisLoadingFields =
    [
        "loading", "async_loading", "current_cow_peak", "current_cow_size", "current_cow_size_age", "current_fork_perc",
        "current_save_keys_processed", "current_save_keys_total", "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
        "rdb_last_save_time", "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec", "rdb_current_bgsave_time_sec", "rdb_saves",
        "rdb_last_cow_size", "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded", "aof_enabled", "aof_rewrite_in_progress",
        "aof_rewrite_scheduled", "aof_last_rewrite_time_sec", "aof_current_rewrite_time_sec", "aof_last_bgrewrite_status",
        "aof_rewrites", "aof_rewrites_consecutive_failures", "aof_last_write_status", "aof_last_cow_size",
        "module_fork_in_progress", "module_fork_last_cow_size", "loading_start_time", "loading_total_bytes",
        "loading_rdb_used_mem", "loading_loaded_bytes", "loading_loaded_perc", "loading_eta_seconds",
    ];

    const string LoadingError = "-LOADING Redis is loading the dataset in memory\r\n";

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void WhileAFileLoads_CommandsGetLoading_AndInfoShowsTheLoadingFields(int threads)
    {
        byte[] file = CorruptRdbTests.BaseFile;
        using var load = HeldLoad.Start(threads);
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        int half = file.Length / 2;
        load.Write(file.AsSpan(0, half));
        using var c = load.Connect();
        Assert.Equal(LoadingError, c.CallText("GET", "key1"));
        Assert.Equal(LoadingError, c.CallText("SET", "key1", "x"));

        Dictionary<string, string> info = load.WaitForInfo(c, "loading_start_time");
        string[] names = info.Keys.TakeWhile(k => !k.StartsWith("fastkv_", StringComparison.Ordinal)).ToArray();
        Assert.Equal(s_redisLoadingFields, names);
        Assert.Equal("1", info["loading"]);
        Assert.InRange(long.Parse(info["loading_start_time"]), before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal("0", info["loading_total_bytes"]); // a pipe has no size, as Redis's fstat finds
        Assert.Equal(RdbFileRun.Aux(file, "used-mem"), info["loading_rdb_used_mem"]);
        long loaded = long.Parse(info["loading_loaded_bytes"]);
        Assert.InRange(loaded, 0, half);
        // Without a size Redis measures against the used-mem the RDB recorded, below 100%.
        double perc = Math.Min((double)loaded / long.Parse(info["loading_rdb_used_mem"]) * 100, 99.99);
        Assert.Equal(perc.ToString("F2", System.Globalization.CultureInfo.InvariantCulture), info["loading_loaded_perc"]);

        load.Write(file.AsSpan(half));
        load.CloseWriter();
        load.WaitReady();
        Assert.Equal("$9\r\nvalue-1-b\r\n", c.CallText("GET", "key1"));
        Assert.Equal(":40\r\n", c.CallText("DBSIZE"));
        info = HeldLoad.Info(c);
        Assert.Equal("0", info["loading"]);
        Assert.DoesNotContain("loading_start_time", info.Keys);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ShutdownOrSigterm_WhileLoading_StopsWithoutSaving(bool sigterm)
    {
        byte[] file = CorruptRdbTests.BaseFile;
        using var load = HeldLoad.Start(2);
        load.Write(file.AsSpan(0, file.Length / 2));
        using (var c = load.Connect())
        {
            Assert.Equal(LoadingError, c.CallText("GET", "key1"));
            if (sigterm) load.Signal("TERM");
            else c.SendCommand("SHUTDOWN");
            // The shutdown is taken once the loops close the connections; only then may the pipe end, or a loaded
            // machine lets the reader see the file cut short first (a load error, exit 1, also without saving).
            Assert.True(c.IsClosedByPeer(TimeSpan.FromSeconds(30)), "the server closes its connections when it stops");
            // The reader is blocked on the pipe; its end lets it see the shutdown.
            load.CloseWriter();
        }
        Assert.Equal(0, load.WaitForExit());
        // A save would have renamed a file over the pipe (the server runs with a save point).
        Assert.Equal(["dump.rdb"], Directory.GetFileSystemEntries(load.Dir).Select(Path.GetFileName).ToArray());
        Assert.Equal(0, new FileInfo(load.Path).Length);
    }

    /// <summary>A FastKv process whose dump.rdb is a named pipe the test feeds.</summary>
    sealed class HeldLoad : IDisposable
    {
        readonly Process process;
        readonly StringBuilder output;
        readonly ManualResetEventSlim ready;
        FileStream? writer;
        public string Dir { get; }
        public string Path => System.IO.Path.Combine(Dir, "dump.rdb");
        public int Port { get; }

        HeldLoad(string dir, int port, Process process, StringBuilder output, ManualResetEventSlim ready)
        {
            Dir = dir;
            Port = port;
            this.process = process;
            this.output = output;
            this.ready = ready;
        }

        public static HeldLoad Start(int threads)
        {
            var launch = ServerLocator.Resolve(ServerKind.Target);
            if (launch.IsRedis) Assert.Skip("Redis serves no clients while its read of a pipe blocks");
            string dir = SnapshotTests.NewDir();
            string fifo = System.IO.Path.Combine(dir, "dump.rdb");
            var mk = ProcessRunner.Run(ToolCheck.Require("mkfifo", "coreutils"), [fifo], (string?)null, RdbFileRun.Timeout);
            Assert.True(mk.ExitCode == 0, mk.ToString());
            int port = PortAllocator.Next();
            var args = new List<string>(launch.PrefixArgs)
            {
                "--dir", dir, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                "--save", "3600 1", "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            var p = RdbFileRun.StartCapturing(launch.FileName, args, out StringBuilder output, out ManualResetEventSlim ready);
            var load = new HeldLoad(dir, port, p, output, ready);
            // Opening a pipe for writing waits for its reader: the server opens it when the load starts.
            var open = Task.Run(() => new FileStream(fifo, FileMode.Open, FileAccess.Write));
            if (!open.Wait(RdbFileRun.Timeout))
            {
                load.Dispose();
                Assert.Fail("the server did not open its dump.rdb\n" + load.Output);
            }
            load.writer = open.Result;
            return load;
        }

        public string Output
        {
            get { lock (output) return output.ToString(); }
        }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            writer!.Write(bytes);
            writer.Flush();
        }

        public void CloseWriter()
        {
            try { writer?.Dispose(); }
            catch (IOException) { } // the reader may be gone already (a shutdown)
            writer = null;
        }

        /// <summary>A connection; the listeners are open before the load starts.</summary>
        public RespConnection Connect()
        {
            var sw = Stopwatch.StartNew();
            while (true)
            {
                try { return RespConnection.Connect(Port); }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException && sw.Elapsed < RdbFileRun.Timeout)
                {
                    Thread.Sleep(20);
                }
            }
        }

        public static Dictionary<string, string> Info(RespConnection c)
        {
            var d = new Dictionary<string, string>();
            foreach (string line in Resp.Parse(c.Call("INFO", "persistence")).Text!.Split("\r\n"))
            {
                int colon = line.IndexOf(':');
                if (colon > 0) d[line[..colon]] = line[(colon + 1)..];
            }
            return d;
        }

        /// <summary>INFO once <paramref name="field"/> shows (the load is registered just after the pipe opens).</summary>
        public Dictionary<string, string> WaitForInfo(RespConnection c, string field)
        {
            var sw = Stopwatch.StartNew();
            while (true)
            {
                var info = Info(c);
                if (info.ContainsKey(field)) return info;
                Assert.True(sw.Elapsed < RdbFileRun.Timeout, field + " shows while loading\n" + string.Join("\n", info));
                Thread.Sleep(20);
            }
        }

        public void WaitReady() => Assert.True(ready.Wait(RdbFileRun.Timeout), "the load ends\n" + Output);

        public void Signal(string name)
        {
            var r = ProcessRunner.Run("kill", ["-" + name, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], (string?)null, RdbFileRun.Timeout);
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        public int WaitForExit()
        {
            Assert.True(process.WaitForExit(RdbFileRun.Timeout), "the server exits\n" + Output);
            process.WaitForExit();
            RdbFileRun.AssertNoCrash(new LoadOutcome(process.ExitCode, Output));
            return process.ExitCode;
        }

        public void Dispose()
        {
            CloseWriter();
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
            Directory.Delete(Dir, true);
        }
    }
}
