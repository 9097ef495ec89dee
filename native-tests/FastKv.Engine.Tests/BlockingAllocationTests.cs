using System;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// What a client blocking in BLPOP and being served costs the managed heap. Not yet nothing: each block builds its
/// plan (keys, the prepared non-blocking attempts), the waiter, its reply writer, its shard list and the shard ops
/// (about 2.2 KB); pooling those is the way to zero. This bound catches a regression meanwhile.
/// </summary>
public class BlockingAllocationTests
{
    [Fact]
    public void BlpopBlockAndServe_AllocatesUnderItsBound()
    {
        using var h = new EngineHarness(slowlog: false);
        var waiter = new Session(h.Server.Shards[0], new Client { Id = 2 });
        byte[] blpop = EngineHarness.Command("BLPOP", "q", "0");
        byte[] push = EngineHarness.Command("RPUSH", "q", "job");
        long before = 0;
        for (int i = 0; i < 1000; i++)
        {
            if (i == 500) before = GC.GetAllocatedBytesForCurrentThread();
            waiter.Feed(blpop);
            EngineHarness.Pump(h.Server);
            Assert.True(waiter.Waiting);
            h.Session.Feed(push);
            EngineHarness.Pump(h.Server);
            Assert.False(waiter.Waiting);
            // The reply is checked in the warm-up rounds only (reading it allocates).
            if (i < 500) Assert.Equal("*2\r\n$1\r\nq\r\n$3\r\njob\r\n", System.Text.Encoding.ASCII.GetString(waiter.Output.ToArray()));
            h.Session.Output.Clear();
            waiter.Output.Clear();
        }
        long perRound = (GC.GetAllocatedBytesForCurrentThread() - before) / 500;
        Assert.InRange(perRound, 0, 2400);
    }
}
