using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// What happens around an AOF rewrite that is still running, each conversation run on Redis 7.2.4 too and compared
/// line for line: FLUSHALL, FLUSHDB and SWAPDB let it finish; SAVE, BGSAVE and BGREWRITEAOF get Redis's replies;
/// SHUTDOWN stops it (or a BGSAVE) and saves, but refuses while the first rewrite of an AOF being turned on runs; and
/// at every exit the files left are Redis's and a restart loads exactly what was acknowledged. rdb-key-save-delay
/// (Redis's debugging knob, 5 ms a key here) keeps each rewrite running for seconds, so the commands under test
/// really meet it.
/// </summary>
public class AofRewriteEdgeTests
{
    const int Keys = 400;
    const string DelayMicros = "5000";

    static List<string> DelayConfig(ServerKind kind)
    {
        using var s = ServerProcess.Start(kind, 1);
        using var c = s.Connect();
        return
        [
            Resp.Escape(c.Call("CONFIG", "GET", "rdb-key-save-delay")),
            // A hidden config: only its exact name reports it.
            Resp.Escape(c.Call("CONFIG", "GET", "rdb-key-save-*")),
            Resp.Escape(c.Call("CONFIG", "SET", "rdb-key-save-delay", "-10")),
            Resp.Escape(c.Call("CONFIG", "GET", "rdb-key-save-delay")),
            Resp.Escape(c.Call("CONFIG", "SET", "rdb-key-save-delay", "abc")),
            Resp.Escape(c.Call("CONFIG", "SET", "rdb-key-save-delay", "2147483648")),
        ];
    }

    [Fact]
    public void RdbKeySaveDelay_IsRedisHiddenConfig()
    {
        List<string> fastkv = DelayConfig(ServerKind.Target);
        Assert.Equal(DelayConfig(ServerKind.Redis), fastkv);
    }
}
