using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using FastKv.Protocol;

namespace FastKv.Benchmarks;

/// <summary>
/// The RESP reader over bytes redis-benchmark really sent (<c>-t set,get -P 16 -r 100000</c>, captured by
/// Data/capture.py): 32 KiB of whole commands per stream, parsed command by command as a session does.
/// Results are per command.
/// </summary>
[MemoryDiagnoser]
public class RespParsingBenchmarks
{
    // Commands in each capture; the captures are fixed files, so these are too (checked in GlobalSetup).
    const int SetCommands = 728;
    const int GetCommands = 910;

    byte[] _set = Array.Empty<byte>();
    byte[] _get = Array.Empty<byte>();
    readonly ArgList _args = new ArgList();
    RespParser _parser;

    [GlobalSetup]
    public void Setup()
    {
        _set = Capture.Load("redis-benchmark-set-P16.bin");
        _get = Capture.Load("redis-benchmark-get-P16.bin");
        _parser.Reset();
        if (ParseAll(_set) != SetCommands || ParseAll(_get) != GetCommands)
            throw new InvalidDataException("capture does not hold the expected number of commands");
    }

    [Benchmark(OperationsPerInvoke = SetCommands)]
    public int Set() => ParseAll(_set);

    [Benchmark(OperationsPerInvoke = GetCommands)]
    public int Get() => ParseAll(_get);

    /// <summary>Parses every command in <paramref name="stream"/>; returns how many there were.</summary>
    int ParseAll(byte[] stream)
    {
        Span<byte> rest = stream;
        int commands = 0;
        while (!rest.IsEmpty)
        {
            RespStatus st = _parser.Parse(rest, _args, out int consumed);
            if (st != RespStatus.Complete) throw new InvalidDataException("capture is not whole commands: " + st);
            _parser.Reset();
            rest = rest.Slice(consumed);
            commands++;
        }
        return commands;
    }
}
