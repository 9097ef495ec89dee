using System;
using System.Text.RegularExpressions;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// The change counter (Redis's server.dirty) inside the engine: each shard keeps its own part, written by the
/// shard that made the change, and the server sums them; INFO's rdb_changes_since_last_save subtracts what the
/// last save covered. Redis's amount per command is checked against the oracle by the server tests
/// (DirtyCounterDifferentialTests); these check where the counts land.
/// </summary>
public class DirtyCounterTests
{
    static string Run(EngineHarness h, params string[] command)
    {
        h.Session.Feed(EngineHarness.Command(command));
        EngineHarness.Pump(h.Server);
        string reply = System.Text.Encoding.UTF8.GetString(h.Session.Output.ToArray());
        h.Session.Output.Clear();
        return reply;
    }

    static long ChangesSinceLastSave(EngineHarness h)
    {
        Match m = Regex.Match(Run(h, "INFO", "persistence"), @"rdb_changes_since_last_save:(-?\d+)\r\n");
        Assert.True(m.Success, "INFO persistence has rdb_changes_since_last_save");
        return long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void EachShardCountsItsOwnChanges_TheServerSumsThem()
    {
        using var h = new EngineHarness(shards: 4);
        ServerState s = h.Server;
        var keys = new string[4][];
        for (int shard = 0; shard < 4; shard++)
            keys[shard] = [EngineHarness.KeyOn(s, shard, "a"), EngineHarness.KeyOn(s, shard, "b")];

        // MSET over all four shards: each shard counts the pairs it stored.
        Assert.Equal("+OK\r\n", Run(h, "MSET", keys[0][0], "1", keys[1][0], "1", keys[1][1], "1", keys[2][0], "1",
            keys[3][0], "1", keys[3][1], "1", keys[3][0], "2"));
        Assert.Equal([1L, 2, 1, 3], Array.ConvertAll(s.Shards, sh => sh.Stats.Dirty));
        Assert.Equal(7, s.Dirty());

        // DEL counts the keys removed, on their shards; missing keys count nothing.
        Assert.Equal(":2\r\n", Run(h, "DEL", keys[1][0], keys[2][0], keys[2][1], keys[0][1]));
        Assert.Equal([1L, 3, 2, 3], Array.ConvertAll(s.Shards, sh => sh.Stats.Dirty));

        // A RENAME between shards is one change, on the destination's shard.
        Assert.Equal("+OK\r\n", Run(h, "RENAME", keys[3][1], keys[2][1]));
        Assert.Equal([1L, 3, 3, 3], Array.ConvertAll(s.Shards, sh => sh.Stats.Dirty));

        // SWAPDB runs on every shard but is one change for the server.
        Assert.Equal("+OK\r\n", Run(h, "SWAPDB", "0", "1"));
        Assert.Equal(11, s.Dirty());
        Assert.Equal(11, ChangesSinceLastSave(h));
    }

    [Fact]
    public void ChangesSinceLastSave_CountFromWhatTheLastSaveCovered()
    {
        using var h = new EngineHarness();
        Assert.Equal(0, ChangesSinceLastSave(h));
        Run(h, "SET", "a", "1");
        Run(h, "SADD", "s", "x", "y", "z");
        Run(h, "SET", "a", "2", "NX");
        Assert.Equal(4, ChangesSinceLastSave(h));

        // A save records the sum it covered; the shards' counters go on growing.
        h.Server.DirtyAtLastSave = h.Server.Dirty();
        Assert.Equal(0, ChangesSinceLastSave(h));
        Run(h, "HSET", "h", "f", "v", "g", "w");
        Assert.Equal(2, ChangesSinceLastSave(h));
        Assert.Equal(6, h.Server.Dirty());

        // CONFIG RESETSTAT leaves the counter alone, as in Redis.
        Run(h, "CONFIG", "RESETSTAT");
        Assert.Equal(2, ChangesSinceLastSave(h));
    }
}
