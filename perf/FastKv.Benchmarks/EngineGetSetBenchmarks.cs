using System;
using System.Globalization;
using System.IO;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastKv.Engine;

namespace FastKv.Benchmarks;

/// <summary>
/// The engine without sockets, as Garnet's embedded-server benchmarks run it: a pipeline of 100 commands
/// fed to a real <see cref="Session"/> (parser, command table, routing, handler, reply writer, stats) on a
/// one-shard server. Results are per command; an MSET sets 10 keys. Program checks after the run that
/// SET and GET allocate nothing (DESIGN.md principle 5).
/// </summary>
[MemoryDiagnoser]
public class EngineGetSetBenchmarks
{
    public const int Commands = 100;
    const int MsetPairs = 10;

    ServerState _server = null!;
    Session _session = null!;
    byte[] _set = Array.Empty<byte>();
    byte[] _getHit = Array.Empty<byte>();
    byte[] _getMiss = Array.Empty<byte>();
    byte[] _incr = Array.Empty<byte>();
    byte[] _mset = Array.Empty<byte>();

    [GlobalSetup]
    public void Setup()
    {
        var config = new ServerConfig();
        // A command slower than slowlog-log-slower-than records an entry, which allocates; a preempted
        // command on a busy machine can cross it, so the slowlog is off here as in the allocation test.
        config.Set("slowlog-log-slower-than", "-1");
        config.Set("threads", "1");
        _server = new ServerState(config, 1);
        _session = new Session(_server.Shards[0], new Client { Id = 1 });

        var set = new StringBuilder();
        var getHit = new StringBuilder();
        var getMiss = new StringBuilder();
        var incr = new StringBuilder();
        var mset = new StringBuilder();
        for (int i = 0; i < Commands; i++)
        {
            string key = Key("key:", i);
            AppendCommand(set, "SET", key, "xxx");
            AppendCommand(getHit, "GET", key);
            AppendCommand(getMiss, "GET", Key("nop:", i));
            AppendCommand(incr, "INCR", Key("ctr:", i));
            var pairs = new string[1 + 2 * MsetPairs];
            pairs[0] = "MSET";
            for (int p = 0; p < MsetPairs; p++)
            {
                pairs[1 + 2 * p] = Key("mst:", i * MsetPairs + p);
                pairs[2 + 2 * p] = "xxx";
            }
            AppendCommand(mset, pairs);
        }
        _set = Encoding.ASCII.GetBytes(set.ToString());
        _getHit = Encoding.ASCII.GetBytes(getHit.ToString());
        _getMiss = Encoding.ASCII.GetBytes(getMiss.ToString());
        _incr = Encoding.ASCII.GetBytes(incr.ToString());
        _mset = Encoding.ASCII.GetBytes(mset.ToString());

        // Check the replies once, so the timings are of the work meant and not of error replies.
        Expect(_set, "+OK\r\n");
        Expect(_getHit, "$3\r\nxxx\r\n");
        Expect(_getMiss, "$-1\r\n");
        Feed(_incr);
        Expect(_incr, ":2\r\n");
        Expect(_mset, "+OK\r\n");
    }

    [GlobalCleanup]
    public void Cleanup() => _server.Dispose();

    [Benchmark(OperationsPerInvoke = Commands)]
    public void Set() => Feed(_set);

    [Benchmark(OperationsPerInvoke = Commands)]
    public void GetHit() => Feed(_getHit);

    [Benchmark(OperationsPerInvoke = Commands)]
    public void GetMiss() => Feed(_getMiss);

    [Benchmark(OperationsPerInvoke = Commands)]
    public void Incr() => Feed(_incr);

    [Benchmark(OperationsPerInvoke = Commands)]
    public void Mset10() => Feed(_mset);

    void Feed(byte[] pipeline)
    {
        _session.Feed(pipeline);
        _session.Output.Clear();
    }

    void Expect(byte[] pipeline, string reply)
    {
        _session.Feed(pipeline);
        string got = Encoding.ASCII.GetString(_session.Output.ToArray());
        _session.Output.Clear();
        var want = new StringBuilder();
        for (int i = 0; i < Commands; i++) want.Append(reply);
        if (got != want.ToString())
            throw new InvalidDataException("unexpected replies: " + got.Substring(0, Math.Min(got.Length, 200)));
    }

    static string Key(string prefix, int i) => prefix + i.ToString("D12", CultureInfo.InvariantCulture);

    static void AppendCommand(StringBuilder sb, params string[] args)
    {
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (string a in args) sb.Append('$').Append(a.Length).Append("\r\n").Append(a).Append("\r\n");
    }
}
