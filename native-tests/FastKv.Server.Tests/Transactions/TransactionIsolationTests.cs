using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using FastKv.Server.Tests.Atomicity;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Transactions;

/// <summary>
/// MULTI/EXEC across shards is atomic and isolated (--threads 4, keys spread over every shard): writers
/// run MULTI/INCR k0..k4/EXEC and transfers between accounts, WATCH-based check-and-set loops increment
/// three keys together, and readers (MULTI/GET.../EXEC and MGET) must never see a partial transaction;
/// the final totals are exact.
/// </summary>
public class TransactionIsolationTests(TargetFixture target) : IClassFixture<TargetFixture>
{
    const int IncrWriters = 4, IncrRounds = 1000;
    const int Transferers = 4, TransferRounds = 1000, Accounts = 6, Balance = 1000;
    const int CasClients = 4, CasRounds = 150;
    const int Readers = 4;

    static RespValue Exec(RespConnection c, List<string[]> commands)
    {
        var wire = new System.IO.MemoryStream();
        wire.Write(Resp.EncodeCommand("MULTI"));
        foreach (string[] cmd in commands) wire.Write(Resp.EncodeCommand(cmd));
        wire.Write(Resp.EncodeCommand("EXEC"));
        c.Send(wire.ToArray());
        Assert.Equal("+OK\r\n", Resp.AsString(c.ReadReply()));
        for (int i = 0; i < commands.Count; i++) Assert.Equal("+QUEUED\r\n", Resp.AsString(c.ReadReply()));
        return Resp.Parse(c.ReadReply());
    }

    static long Num(RespValue v) => v.IsNull ? 0 : long.Parse(v.Text!, CultureInfo.InvariantCulture);

    [Fact]
    public void ConcurrentTransactions_NeverSeenHalfDone_TotalsExact()
    {
        ServerProcess server = target.Server;
        string[] incr = MultiKeyAtomicityTests.SpreadKeys("iso:i:", 5);
        string[] acct = MultiKeyAtomicityTests.SpreadKeys("iso:a:", Accounts);
        string[] cas = MultiKeyAtomicityTests.SpreadKeys("iso:c:", 3);
        using (RespConnection setup = server.Connect())
        {
            setup.Call("FLUSHALL");
            foreach (string k in acct) setup.Call("SET", k, Balance.ToString(CultureInfo.InvariantCulture));
        }
        var failures = new ConcurrentQueue<string>();
        int writersLeft = IncrWriters + Transferers + CasClients;
        long casRetries = 0, reads = 0;
        var threads = new List<Thread>();
        void Spawn(Action<RespConnection> body) => threads.Add(new Thread(() =>
        {
            try
            {
                using RespConnection c = server.Connect();
                body(c);
            }
            catch (Exception e) { failures.Enqueue(e.ToString()); }
        }));

        for (int w = 0; w < IncrWriters; w++)
            Spawn(c =>
            {
                var cmds = new List<string[]>();
                foreach (string k in incr) cmds.Add(new[] { "INCR", k });
                for (int i = 0; i < IncrRounds; i++)
                {
                    RespValue r = Exec(c, cmds);
                    if (r.Items == null || r.Items.Count != incr.Length) failures.Enqueue("INCR EXEC: " + r);
                }
                Interlocked.Decrement(ref writersLeft);
            });
        for (int w = 0; w < Transferers; w++)
        {
            int seed = w;
            Spawn(c =>
            {
                var rnd = new Random(seed);
                for (int i = 0; i < TransferRounds; i++)
                {
                    string from = acct[rnd.Next(Accounts)], to = acct[rnd.Next(Accounts)];
                    string amount = rnd.Next(1, 20).ToString(CultureInfo.InvariantCulture);
                    Exec(c, new List<string[]> { new[] { "DECRBY", from, amount }, new[] { "INCRBY", to, amount } });
                }
                Interlocked.Decrement(ref writersLeft);
            });
        }
        for (int w = 0; w < CasClients; w++)
            Spawn(c =>
            {
                for (int done = 0; done < CasRounds;)
                {
                    c.Call(new[] { "WATCH" }.Concat(cas));
                    var values = new long[cas.Length];
                    for (int j = 0; j < cas.Length; j++) values[j] = Num(Resp.Parse(c.Call("GET", cas[j])));
                    var cmds = new List<string[]>();
                    for (int j = 0; j < cas.Length; j++) cmds.Add(new[] { "SET", cas[j], (values[j] + 1).ToString(CultureInfo.InvariantCulture) });
                    RespValue r = Exec(c, cmds);
                    if (r.IsNull) { Interlocked.Increment(ref casRetries); continue; }
                    done++;
                }
                Interlocked.Decrement(ref writersLeft);
            });
        for (int rd = 0; rd < Readers; rd++)
        {
            bool useMget = rd % 2 == 1;
            Spawn(c =>
            {
                while (Volatile.Read(ref writersLeft) > 0)
                {
                    var all = new List<string>();
                    all.AddRange(incr);
                    all.AddRange(acct);
                    all.AddRange(cas);
                    List<RespValue> items;
                    if (useMget) items = Resp.Parse(c.Call(new[] { "MGET" }.Concat(all.ToArray()))).Items!;
                    else
                    {
                        var cmds = new List<string[]>();
                        foreach (string k in all) cmds.Add(new[] { "GET", k });
                        items = Exec(c, cmds).Items!;
                    }
                    Interlocked.Increment(ref reads);
                    long first = Num(items[0]);
                    for (int j = 1; j < incr.Length; j++)
                        if (Num(items[j]) != first) failures.Enqueue($"partial INCR transaction seen: {first} vs {Num(items[j])}");
                    long sum = 0;
                    for (int j = 0; j < Accounts; j++) sum += Num(items[incr.Length + j]);
                    if (sum != Accounts * Balance) failures.Enqueue($"partial transfer seen: sum {sum}");
                    long c0 = Num(items[incr.Length + Accounts]);
                    for (int j = 1; j < cas.Length; j++)
                        if (Num(items[incr.Length + Accounts + j]) != c0) failures.Enqueue("partial check-and-set seen");
                    if (failures.Count > 20) return;
                }
            });
        }
        foreach (Thread t in threads) t.Start();
        foreach (Thread t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a client is stuck");
        Assert.True(failures.IsEmpty, string.Join("\n", failures));
        Assert.True(Interlocked.Read(ref reads) > 10, "readers ran");

        using RespConnection check = server.Connect();
        foreach (string k in incr) Assert.Equal(IncrWriters * IncrRounds, Num(Resp.Parse(check.Call("GET", k))));
        long total = 0;
        foreach (string k in acct) total += Num(Resp.Parse(check.Call("GET", k)));
        Assert.Equal(Accounts * Balance, total);
        foreach (string k in cas) Assert.Equal(CasClients * CasRounds, Num(Resp.Parse(check.Call("GET", k))));
        server.AssertAlive();
    }
}

static class ArgsExtensions
{
    public static string[] Concat(this string[] head, string[] tail)
    {
        var all = new string[head.Length + tail.Length];
        head.CopyTo(all, 0);
        tail.CopyTo(all, head.Length);
        return all;
    }
}
