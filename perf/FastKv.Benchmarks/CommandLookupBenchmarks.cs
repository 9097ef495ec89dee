using System.Text;
using BenchmarkDotNet.Attributes;
using FastKv.Engine;

namespace FastKv.Benchmarks;

/// <summary>Name to command spec through the table built at startup: exact case, lower case, miss.</summary>
[MemoryDiagnoser]
public class CommandLookupBenchmarks
{
    readonly CommandTable _table = CommandTable.CreateDefault();
    readonly byte[] _get = Encoding.ASCII.GetBytes("GET");
    readonly byte[] _setLower = Encoding.ASCII.GetBytes("set");
    readonly byte[] _mset = Encoding.ASCII.GetBytes("MSET");
    readonly byte[] _unknown = Encoding.ASCII.GetBytes("unknowncmd");

    [Benchmark]
    public CommandSpec? Get() => _table.Find(_get);

    [Benchmark]
    public CommandSpec? SetLowerCase() => _table.Find(_setLower);

    [Benchmark]
    public CommandSpec? Mset() => _table.Find(_mset);

    [Benchmark]
    public CommandSpec? Unknown() => _table.Find(_unknown);
}
