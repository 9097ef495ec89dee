using System;
using System.Text;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// Client eviction's accounting without sockets (<see cref="ClientMemory"/>): Redis's limit resolution
/// (getClientEvictionLimit) and buckets (getMemUsageBucket), the per-shard totals as connections grow, shrink and
/// close, which shard must evict when two shards' clients are together over the limit, and CLIENT NO-EVICT taking a
/// client out of the candidates but not out of the total. The server tests (ClientEvictionTests) drive the loop.
/// </summary>
public class ClientMemoryTests
{
    static ServerConfig Config(string maxmemory, string clients)
    {
        var c = new ServerConfig();
        Assert.Null(c.Set("maxmemory", maxmemory));
        Assert.Null(c.Set("maxmemory-clients", clients));
        return c;
    }

    [Theory]
    [InlineData("0", "0", 0L)]
    [InlineData("0", "5mb", 5L << 20)]
    [InlineData("100mb", "5mb", 5L << 20)]
    [InlineData("0", "10%", 0L)] // a percentage of no maxmemory is no limit, as in Redis
    [InlineData("100mb", "10%", 10485760L)]
    [InlineData("100mb", "100%", 104857600L)]
    [InlineData("0", "1", 131072L)] // Redis's floor of 128 KB
    [InlineData("1mb", "1%", 131072L)]
    public void Limit_AsRedisResolvesIt(string maxmemory, string clients, long expected)
    {
        Assert.Equal(expected, ClientMemory.Limit(Config(maxmemory, clients)));
    }

    [Theory]
    [InlineData(0L, 0)]
    [InlineData(32767L, 0)]
    [InlineData(32768L, 1)]
    [InlineData(65535L, 1)]
    [InlineData(65536L, 2)]
    [InlineData(1L << 32, ClientMemory.Buckets - 1)]
    [InlineData(long.MaxValue, ClientMemory.Buckets - 1)]
    public void BucketOf_IsRedisLog2Bucket(long bytes, int bucket)
    {
        Assert.Equal(bucket, ClientMemory.BucketOf(bytes));
    }

    /// <summary>Header and part of a SET whose value is <paramref name="valueBytes"/> long: the query buffer grows to hold it.</summary>
    static byte[] PartialSet(int valueBytes, int sent)
    {
        var head = Encoding.ASCII.GetBytes($"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${valueBytes}\r\n");
        var b = new byte[head.Length + sent];
        head.CopyTo(b, 0);
        b.AsSpan(head.Length).Fill((byte)'v');
        return b;
    }

    [Fact]
    public void TwoShards_LargestClientsShardEvicts_NoEvictCountedButSpared()
    {
        using var h = new EngineHarness(shards: 2);
        Shard s0 = h.Server.Shards[0], s1 = h.Server.Shards[1];
        var small = new Session(s0, new Client { Id = 10 });
        var large = new Session(s1, new Client { Id = 11 });
        small.Feed(PartialSet(800_000, 100_000));
        large.Feed(PartialSet(1_600_000, 200_000));

        // Off: nothing is measured, nobody evicts.
        Assert.False(s0.ClientMemory.Switch());
        Assert.False(s0.ClientMemory.On);
        Assert.Equal(-1, s0.ClientMemory.BucketToEvict());

        Assert.Null(h.Server.Config.Set("maxmemory-clients", "2mb"));
        Assert.True(s0.ClientMemory.Switch());
        Assert.True(s1.ClientMemory.Switch());
        s0.ClientMemory.Enroll(small);
        s1.ClientMemory.Enroll(large);
        Assert.Equal(ClientMemory.Of(small), small.Client.TrackedMemory);
        Assert.True(small.Client.TrackedMemory >= 800_000, $"a partial 800 KB argument measures {small.Client.TrackedMemory} bytes");
        Assert.True(large.Client.TrackedMemory >= 1_600_000, $"a partial 1.6 MB argument measures {large.Client.TrackedMemory} bytes");
        Assert.Equal(ClientMemory.BucketOf(large.Client.TrackedMemory), s1.ClientMemory.TopBucket);
        Assert.True(s1.ClientMemory.TopBucket > s0.ClientMemory.TopBucket);

        // Over 2 MB together, though each shard alone is under: once both have published (each loop iteration
        // does), the shard with the larger client evicts it and the other does not.
        Assert.Equal(-1, s1.ClientMemory.BucketToEvict()); // only its own total is published yet: under
        Assert.Equal(-1, s0.ClientMemory.BucketToEvict()); // over, but shard 1 holds the larger client
        Assert.Equal(large.Client.MemoryBucket, s1.ClientMemory.BucketToEvict());
        Assert.Equal(1, h.Server.ClientEvictionTurn); // shard 1 evicts; nobody else may until it is done
        Assert.Equal(-1, s0.ClientMemory.BucketToEvict());

        // NO-EVICT: still counted (the sum stays over), no longer a candidate: the other shard's client goes.
        large.Client.NoEvict = true; // what CLIENT NO-EVICT on sets (its partial SET is still in the query buffer)
        s1.ClientMemory.Measure(large);
        Assert.Equal(-1, large.Client.MemoryBucket);
        Assert.Equal(-1, s1.ClientMemory.TopBucket);
        Assert.Equal(-1, s1.ClientMemory.BucketToEvict());
        Assert.Equal(small.Client.MemoryBucket, s0.ClientMemory.BucketToEvict());

        // The evicted one closes: under the limit again.
        s0.ClientMemory.Forget(small.Client);
        Assert.Equal(0, s0.ClientMemory.Total);
        Assert.Equal(-1, s0.ClientMemory.TopBucket);
        Assert.True(s1.ClientMemory.Total < 2 << 20);
        Assert.Equal(-1, s0.ClientMemory.BucketToEvict());
        Assert.Equal(-1, s1.ClientMemory.BucketToEvict());
        Assert.Equal(-1, h.Server.ClientEvictionTurn);

        // Back to 0: measuring stops and totals clear.
        Assert.Null(h.Server.Config.Set("maxmemory-clients", "0"));
        Assert.False(s1.ClientMemory.Switch());
        Assert.False(s1.ClientMemory.On);
        Assert.Equal(0, s1.ClientMemory.Total);
    }

    [Fact]
    public void Measure_FollowsGrowthAndShrink_BucketCountsStayConsistent()
    {
        using var h = new EngineHarness();
        Shard s = h.Server.Shards[0];
        Assert.Null(h.Server.Config.Set("maxmemory-clients", "100mb"));
        Assert.True(s.ClientMemory.Switch());
        var a = new Session(s, new Client { Id = 20 });
        var b = new Session(s, new Client { Id = 21 });
        s.ClientMemory.Enroll(a);
        s.ClientMemory.Enroll(b);
        Assert.Equal(2 * ClientMemory.ClientStructBytes, s.ClientMemory.Total);
        Assert.Equal(0, s.ClientMemory.TopBucket);

        a.Feed(PartialSet(1 << 20, 100_000));
        s.ClientMemory.Measure(a);
        int grown = a.Client.MemoryBucket;
        Assert.True(grown > 0);
        Assert.Equal(grown, s.ClientMemory.TopBucket);
        Assert.Equal(a.Client.TrackedMemory + b.Client.TrackedMemory, s.ClientMemory.Total);

        // The rest of the value arrives: the command runs, the query buffer goes back, the client is small again.
        var rest = new byte[(1 << 20) - 100_000 + 2];
        rest.AsSpan().Fill((byte)'v');
        rest[^2] = (byte)'\r';
        rest[^1] = (byte)'\n';
        a.Feed(rest);
        a.Output.Clear();
        s.ClientMemory.Measure(a);
        Assert.Equal(0, a.Client.MemoryBucket);
        Assert.Equal(0, s.ClientMemory.TopBucket);
        Assert.Equal(a.Client.TrackedMemory + b.Client.TrackedMemory, s.ClientMemory.Total);
        s.ClientMemory.Forget(a.Client);
        s.ClientMemory.Forget(b.Client);
        Assert.Equal(0, s.ClientMemory.Total);
        Assert.Equal(-1, s.ClientMemory.TopBucket);
    }

    /// <summary>The constant for a connection's objects is within a factor of two of what creating one allocates.</summary>
    [Fact]
    public void ClientStructBytes_IsCloseToWhatAConnectionAllocates()
    {
        using var h = new EngineHarness();
        Shard s = h.Server.Shards[0];
        // Warm up: the first session on a thread may allocate one-time state.
        _ = new Session(s, new Client { Id = 30, Address = "127.0.0.1:50000", LocalAddress = "127.0.0.1:6379" });
        long before = GC.GetAllocatedBytesForCurrentThread();
        var client = new Client
        {
            Id = 31,
            Address = "127.0.0.1:" + Environment.TickCount.ToString("D5")[^5..],
            LocalAddress = "127.0.0.1:" + (6379 + Environment.ProcessId % 2).ToString(),
        };
        var session = new Session(s, client);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(session);
        Assert.InRange(allocated, ClientMemory.ClientStructBytes / 2, ClientMemory.ClientStructBytes * 2);
    }
}
