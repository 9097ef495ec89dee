using System;
using System.Threading;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// A blocking command whose key already has data is served, however short its timeout: Redis tries the command before
/// its timeout can run. At --threads 4 the try travels to the key's shard; while that shard is busy (here in DEBUG
/// SLEEP) the client's own shard must not end the wait with a null reply. Symfony Messenger's consumer reads with
/// XREADGROUP ... COUNT 1 BLOCK 1 and once got nothing from a stream full of messages on a loaded machine.
/// <para>
/// Which shard a connection or key lands on is not visible from outside, so each round puts a different connection's
/// shard to sleep, for several keys: some rounds have the key's shard asleep and the reader's awake, the case that
/// answered null before.
/// </para>
/// </summary>
public class BlockingShortTimeoutTests(TargetFixture target) : IClassFixture<TargetFixture>
{
    const int Sleepers = 6;
    static readonly string[] Tags = ["a", "b", "c", "d"];
    /// <summary>A stream with data that every round's second XREAD also names.</summary>
    const string Other = "{sto}:stream";

    [Fact]
    public void DataPresent_IsServed_WhileTheKeysShardIsBusyPastTheTimeout()
    {
        ServerProcess server = target.Server;
        using var writer = server.Connect();
        using var reader = server.Connect();
        var sleepers = new RespConnection[Sleepers];
        for (int i = 0; i < Sleepers; i++) sleepers[i] = server.Connect();
        try
        {
            int rounds = 0;
            writer.Call("DEL", Other);
            writer.Call("XADD", Other, "*", "f", "v");
            foreach (string tag in Tags)
            {
                string list = $"{{st{tag}}}:list", stream = $"{{st{tag}}}:stream";
                writer.Call("DEL", list, stream);
                writer.Call("XGROUP", "CREATE", stream, "g", "$", "MKSTREAM");
                foreach (RespConnection sleeper in sleepers)
                {
                    writer.Call("RPUSH", list, "v");
                    writer.Call("XADD", stream, "*", "f", "v");
                    foreach (string[] command in new[]
                    {
                        new[] { "BLPOP", list, "0.001" },
                        new[] { "XREAD", "COUNT", "1", "BLOCK", "1", "STREAMS", stream, "0-0" },
                        new[] { "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "BLOCK", "1", "STREAMS", stream, ">" },
                        // Two streams (two shards, most rounds): the try runs under both shards' locks.
                        new[] { "XREAD", "COUNT", "1", "BLOCK", "1", "STREAMS", stream, Other, "0-0", "0-0" },
                    })
                    {
                        sleeper.SendCommand("DEBUG", "SLEEP", "0.05");
                        Thread.Sleep(10); // the sleeper's shard is asleep by now (on a loaded machine perhaps not: a weaker round)
                        string reply = reader.CallText(command);
                        Assert.Equal("+OK\r\n", Resp.AsString(sleeper.ReadReply()));
                        Assert.False(reply.StartsWith("*-1", StringComparison.Ordinal),
                            $"{string.Join(' ', command)} answered null with data on the key");
                        Assert.Contains("v", reply);
                        rounds++;
                    }
                }
                // Every round served: the list and the group have given all they had.
                Assert.Equal(":0\r\n", writer.CallText("LLEN", list));
                Assert.Equal("*-1\r\n", writer.CallText("XREADGROUP", "GROUP", "g", "c", "STREAMS", stream, ">"));
            }
            Assert.Equal(Tags.Length * Sleepers * 4, rounds);
        }
        finally
        {
            foreach (RespConnection s in sleepers) s.Dispose();
        }
    }
}
