using System;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastKv.Engine;

namespace FastKv.Benchmarks;

/// <summary>
/// SET through the engine while maxmemory is full, so every SET of a new key first evicts one (sampling, the pool,
/// the delete, the budget), per policy; <c>none</c> is the same SETs with no limit. Pipelines of 100 SETs cycle over
/// a keyspace four times larger than the limit holds. Program's gate checks it allocates nothing.
/// </summary>
[MemoryDiagnoser]
public class EvictionBenchmarks
{
    const int Commands = 100;
    const int Pipelines = 400;

    [Params("none", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-ttl")]
    public string Policy = "none";

    ServerState _server = null!;
    Session _session = null!;
    byte[][] _pipelines = Array.Empty<byte[]>();
    int _next;

    [GlobalSetup]
    public void Setup()
    {
        var config = new ServerConfig();
        config.Set("slowlog-log-slower-than", "-1");
        config.Set("threads", "1");
        _server = new ServerState(config, 1);
        _session = new Session(_server.Shards[0], new Client { Id = 1 });
        _pipelines = new byte[Pipelines][];
        string value = new string('v', 100);
        for (int p = 0; p < Pipelines; p++)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < Commands; i++)
                Append(sb, "SET", "key:" + (p * Commands + i).ToString("D12", CultureInfo.InvariantCulture), value, "EX", "100000");
            _pipelines[p] = Encoding.ASCII.GetBytes(sb.ToString());
        }
        long empty = _server.UsedMemory();
        foreach (byte[] p in _pipelines) Feed(p);
        long full = _server.UsedMemory();
        if (Policy != "none")
        {
            config.Set("maxmemory-policy", Policy);
            // A quarter of the keyspace fits.
            config.Set("maxmemory", (empty + (full - empty) / 4).ToString(CultureInfo.InvariantCulture));
            foreach (byte[] p in _pipelines) Feed(p);
            if (_server.Shards[0].Evictor.EvictedKeys == 0) throw new InvalidOperationException("nothing was evicted");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _server.Dispose();

    [Benchmark(OperationsPerInvoke = Commands)]
    public void SetUnderEviction()
    {
        Feed(_pipelines[_next]);
        _next = _next + 1 == _pipelines.Length ? 0 : _next + 1;
    }

    void Feed(byte[] pipeline)
    {
        _session.Feed(pipeline);
        _session.Output.Clear();
    }

    static void Append(StringBuilder sb, params string[] args)
    {
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (string a in args) sb.Append('$').Append(a.Length).Append("\r\n").Append(a).Append("\r\n");
    }
}
