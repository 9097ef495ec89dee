using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using FastKv.Engine;
using FastKv.Memory;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// The key tables count their keys with a TTL per segment (volatile-* eviction samples and the active expiry
/// walk skip segments by it; INFO's "expires=" reads it). Every command that gives a key a TTL, takes it away
/// or moves the key must keep those counts exact: checked after each command of a random stream against a
/// managed model of which keys have a TTL, with a full recount of every segment.
/// </summary>
public unsafe class ExpiringCountTests
{
    static string Run(EngineHarness h, params string[] args) => h.Run(EngineHarness.Command(args));

    /// <summary>Every segment's count is its number of TTL keys, and the database's total is the model's.</summary>
    static void Check(EngineHarness h, Dictionary<string, bool>[] model, string after)
    {
        Shard shard = h.Server.Shards[0];
        for (int db = 0; db < model.Length; db++)
        {
            Database d = shard.Dbs[db];
            d.Table.VerifyExpiringCounts();
            int expected = 0;
            foreach (bool ttl in model[db].Values) if (ttl) expected++;
            Assert.True(expected == d.ExpiresCount, $"db {db} after {after}: model {expected} TTL keys, table {d.ExpiresCount}");
            Assert.Equal(model[db].Count, d.Count);
        }
    }

    [Fact]
    public void SetExpirePersistAndSetOverTtlKeys()
    {
        using var h = new EngineHarness();
        Database db = h.Server.Shards[0].Dbs[0];
        Run(h, "SET", "k", "v", "EX", "100");
        Assert.Equal(1, db.ExpiresCount);
        Assert.Equal(":1\r\n", Run(h, "PERSIST", "k"));
        Assert.Equal(0, db.ExpiresCount);
        Assert.Equal(":1\r\n", Run(h, "EXPIRE", "k", "100"));
        Assert.Equal(1, db.ExpiresCount);
        Run(h, "SET", "k", "v2", "KEEPTTL");
        Assert.Equal(1, db.ExpiresCount);
        Run(h, "SET", "k", "a much longer value than before, so the blob is replaced");
        Assert.Equal(0, db.ExpiresCount);
        Run(h, "SET", "k", "v", "PX", "100000");
        Assert.Equal(1, db.ExpiresCount);
        Run(h, "SET", "k", "v");
        Assert.Equal(0, db.ExpiresCount);
        Assert.Contains("$1\r\nv\r\n", Run(h, "GETEX", "k", "EX", "50"));
        Assert.Equal(1, db.ExpiresCount);
        Run(h, "GETEX", "k", "PERSIST");
        Assert.Equal(0, db.ExpiresCount);
        db.Table.VerifyExpiringCounts();
        Assert.Contains("keys=1,expires=0", Run(h, "INFO", "keyspace"));
    }

    /// <summary>A random stream of the commands that set, keep, drop or move a TTL, on strings, counters and hashes.</summary>
    [Theory]
    [InlineData(1, 300)]
    [InlineData(2, 4_000)]
    public void RandomCommandsKeepTheCountsExact(int seed, int keys)
    {
        var rng = new Random(seed);
        using var h = new EngineHarness();
        var model = new[] { new Dictionary<string, bool>(), new Dictionary<string, bool>() };
        int current = 0;
        string Key(char kind) => kind + rng.Next(keys).ToString(CultureInfo.InvariantCulture);
        for (int op = 0; op < keys * 12; op++)
        {
            var m = model[current];
            int dice = rng.Next(100);
            string k;
            string cmd;
            if (dice < 20)
            {
                k = Key('s');
                bool ex = rng.Next(3) == 0;
                bool keep = !ex && rng.Next(3) == 0;
                string value = new string('x', rng.Next(1, 120));
                cmd = ex ? $"SET {k} {value} EX 1000" : keep ? $"SET {k} {value} KEEPTTL" : $"SET {k} {value}";
                Run(h, cmd.Split(' '));
                m[k] = ex || keep && m.TryGetValue(k, out bool had) && had;
            }
            else if (dice < 30)
            {
                k = Key('s');
                cmd = $"APPEND {k} {new string('y', rng.Next(1, 300))}";
                Run(h, cmd.Split(' '));
                if (!m.ContainsKey(k)) m[k] = false;
            }
            else if (dice < 38)
            {
                k = Key('c');
                cmd = $"INCRBY {k} {rng.Next(-1_000_000_000, 1_000_000_000)}";
                Run(h, cmd.Split(' '));
                if (!m.ContainsKey(k)) m[k] = false;
            }
            else if (dice < 46)
            {
                k = Key('h');
                cmd = $"HSET {k} f{rng.Next(200)} {new string('z', rng.Next(1, 80))}";
                Run(h, cmd.Split(' '));
                if (!m.ContainsKey(k)) m[k] = false;
            }
            else if (dice < 60)
            {
                k = Key("sch"[rng.Next(3)]);
                cmd = rng.Next(2) == 0 ? $"EXPIRE {k} 1000" : $"PEXPIREAT {k} 99999999999999";
                Run(h, cmd.Split(' '));
                if (m.ContainsKey(k)) m[k] = true;
            }
            else if (dice < 70)
            {
                k = Key("sch"[rng.Next(3)]);
                cmd = $"PERSIST {k}";
                Run(h, cmd.Split(' '));
                if (m.ContainsKey(k)) m[k] = false;
            }
            else if (dice < 76)
            {
                k = Key('s');
                cmd = rng.Next(2) == 0 ? $"GETEX {k} PERSIST" : $"GETEX {k} PX 5000000";
                string reply = Run(h, cmd.Split(' '));
                if (m.ContainsKey(k) && !reply.StartsWith('-')) m[k] = cmd.Contains("PX");
            }
            else if (dice < 84)
            {
                k = Key("sch"[rng.Next(3)]);
                cmd = $"DEL {k}";
                Run(h, cmd.Split(' '));
                m.Remove(k);
            }
            else if (dice < 90)
            {
                k = Key("sch"[rng.Next(3)]);
                string to = k[0] + rng.Next(keys).ToString(CultureInfo.InvariantCulture);
                cmd = $"RENAME {k} {to}";
                string reply = Run(h, cmd.Split(' '));
                if (m.TryGetValue(k, out bool ttl))
                {
                    Assert.Equal("+OK\r\n", reply);
                    m.Remove(k);
                    m[to] = ttl;
                }
            }
            else if (dice < 96)
            {
                k = Key("sch"[rng.Next(3)]);
                int other = 1 - current;
                cmd = $"MOVE {k} {other}";
                string reply = Run(h, cmd.Split(' '));
                if (reply == ":1\r\n")
                {
                    model[other][k] = m[k];
                    m.Remove(k);
                }
            }
            else if (dice < 98)
            {
                current = 1 - current;
                cmd = $"SELECT {current}";
                Run(h, cmd.Split(' '));
            }
            else if (dice < 99)
            {
                cmd = "SWAPDB 0 1";
                Run(h, "SWAPDB", "0", "1");
                (model[0], model[1]) = (model[1], model[0]);
            }
            else
            {
                cmd = rng.Next(4) == 0 ? "FLUSHDB" : "SET s0 v EX 1000";
                if (cmd == "FLUSHDB") { Run(h, "FLUSHDB"); m.Clear(); }
                else { Run(h, cmd.Split(' ')); m["s0"] = true; }
            }
            Check(h, model, cmd);
        }
    }

    /// <summary>
    /// Volatile sampling on a real database draws only keys with a TTL; the active expiry cycle frees every
    /// expired TTL key in one call even when keys without a TTL outnumber them 250 to 1 (it counts only the
    /// TTL keys it sees, so the "few expired, stop early" rule is not fooled by the others).
    /// </summary>
    [Fact]
    public void SamplingAndTheExpiryCycleSeeOnlyTtlKeys()
    {
        using var h = new EngineHarness();
        Shard shard = h.Server.Shards[0];
        Database db = shard.Dbs[0];
        for (int i = 0; i < 50_000; i++) Run(h, "SET", "plain:" + i, "v");
        var ttlKeys = new HashSet<string>();
        for (int i = 0; i < 200; i++)
        {
            Run(h, "SET", "ttl:" + i, "v", "EX", "100");
            ttlKeys.Add("ttl:" + i);
        }
        Assert.Equal(200, db.ExpiresCount);
        ulong rng = 7;
        var drawn = new HashSet<string>();
        for (int i = 0; i < 4_000; i++)
        {
            byte* e = db.Table.RandomExpiringEntry(ref rng);
            string name = Encoding.ASCII.GetString(KeyEntry.Key(e));
            Assert.Contains(name, ttlKeys);
            drawn.Add(name);
        }
        Assert.Equal(ttlKeys.Count, drawn.Count);

        // Move the shard's clock past the TTLs; one cycle with a generous budget frees them all.
        shard.NowMs += 200_000;
        ExpiryCycle.Run(shard, 10_000);
        Assert.Equal(0, db.ExpiresCount);
        Assert.Equal(50_000, db.Count);
        db.Table.VerifyExpiringCounts();
        Assert.True(db.Table.RandomExpiringEntry(ref rng) == null);
    }
}
