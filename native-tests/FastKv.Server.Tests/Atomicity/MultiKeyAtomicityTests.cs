using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Atomicity;

/// <summary>
/// Multi-key commands are atomic even when their keys live on different shards (DESIGN.md section 3):
/// a reader never sees half an MSET, and a key renamed back and forth exists under exactly one name.
/// Trivial for single-threaded redis-server; the point is FastKv with --threads 4.
/// </summary>
public class MultiKeyAtomicityTests(TargetFixture target) : IClassFixture<TargetFixture>
{
    private static readonly TimeSpan s_runFor = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Keys chosen so that, whatever the slot-to-shard map of a 4-shard server (contiguous slot ranges or
    /// slot mod 4), they fall on all four shards: two keys in each quarter of the slot range, and two keys
    /// for each residue of slot mod 4.
    /// </summary>
    internal static string[] SpreadKeys(string prefix, int count)
    {
        var chosen = new List<string>();
        var perQuarter = new int[4];
        var perResidue = new int[4];
        int limit = (count + 3) / 4;
        for (int i = 0; chosen.Count < count && i < 100_000; i++)
        {
            string key = prefix + i.ToString(CultureInfo.InvariantCulture);
            int slot = KeySlot.Of(key);
            int quarter = slot * 4 / 16384;
            int residue = slot % 4;
            if (perQuarter[quarter] < limit && perResidue[residue] < limit)
            {
                chosen.Add(key);
                perQuarter[quarter]++;
                perResidue[residue]++;
            }
        }
        return chosen.ToArray();
    }

    [Fact]
    public void SpreadKeys_CoverEveryQuarterAndResidue()
    {
        string[] keys = SpreadKeys("atom:", 8);
        Assert.Equal(8, keys.Length);
        Assert.Equal(4, keys.Select(k => KeySlot.Of(k) * 4 / 16384).Distinct().Count());
        Assert.Equal(4, keys.Select(k => KeySlot.Of(k) % 4).Distinct().Count());
    }

    [Fact]
    public void Mget_NeverSeesHalfAnMset_AndRenamedKeysExistOnce()
    {
        ServerProcess server = target.Server;
        string[] keys = SpreadKeys("atom:", 8);
        string[] renamePair = SpreadKeys("ren:", 2);
        var failures = new ConcurrentQueue<string>();
        long msets = 0, renames = 0, reads = 0;
        var stopAt = Stopwatch.StartNew();
        bool Running() => stopAt.Elapsed < s_runFor && failures.IsEmpty;

        using (var setup = server.Connect())
        {
            setup.Call(["DEL", .. keys, .. renamePair]);
            setup.Call(["MSET", .. keys.SelectMany(k => new[] { k, "0" })]);
            setup.Call("SET", renamePair[0], "token");
        }

        var threads = new List<Thread>();
        for (int w = 0; w < 2; w++)
        {
            int writer = w;
            threads.Add(new Thread(() => Guard(failures, () =>
            {
                using var c = server.Connect();
                for (long n = 1; Running(); n++)
                {
                    // Values increase and differ between the two writers; all eight are equal within one MSET.
                    string v = (n * 2 + writer).ToString(CultureInfo.InvariantCulture);
                    var args = new List<string> { "MSET" };
                    foreach (string k in keys)
                        args.AddRange([k, v]);
                    string reply = c.CallText(args.ToArray());
                    if (reply != "+OK\r\n")
                        failures.Enqueue("MSET answered " + reply);
                    Interlocked.Increment(ref msets);
                }
            })));
        }
        threads.Add(new Thread(() => Guard(failures, () =>
        {
            using var c = server.Connect();
            for (int n = 0; Running(); n++)
            {
                string reply = c.CallText("RENAME", renamePair[n % 2], renamePair[(n + 1) % 2]);
                if (reply != "+OK\r\n")
                    failures.Enqueue($"RENAME #{n} answered {reply}");
                Interlocked.Increment(ref renames);
            }
        })));
        for (int r = 0; r < 2; r++)
        {
            threads.Add(new Thread(() => Guard(failures, () =>
            {
                using var c = server.Connect();
                while (Running())
                {
                    RespValue values = Resp.Parse(c.Call(["MGET", .. keys]));
                    var distinct = values.Items!.Select(i => i.Text).Distinct().ToList();
                    if (distinct.Count != 1)
                        failures.Enqueue("MGET saw a partial MSET: " + values);
                    RespValue pair = Resp.Parse(c.Call(["MGET", .. renamePair]));
                    int present = pair.Items!.Count(i => !i.IsNull);
                    if (present != 1)
                        failures.Enqueue($"MGET {renamePair[0]} {renamePair[1]} saw the renamed key {present} times: {pair}");
                    long exists = Resp.Parse(c.Call(["EXISTS", .. renamePair])).Integer;
                    if (exists != 1)
                        failures.Enqueue($"EXISTS {renamePair[0]} {renamePair[1]} = {exists} during RENAMEs");
                    Interlocked.Increment(ref reads);
                }
            })));
        }
        foreach (Thread t in threads)
            t.Start();
        foreach (Thread t in threads)
            t.Join();

        server.AssertAlive();
        Assert.True(failures.IsEmpty, $"{failures.Count} atomicity violations against {server.Description}, first: "
            + string.Join("\n", failures.Take(5)));
        Assert.True(msets > 100 && renames > 100 && reads > 100, $"too little work done: {msets} MSETs, {renames} RENAMEs, {reads} reads");
    }

    private static void Guard(ConcurrentQueue<string> failures, Action body)
    {
        try
        {
            body();
        }
        catch (Exception e)
        {
            failures.Enqueue(e.GetType().Name + ": " + e.Message);
        }
    }
}
