using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// A client blocked in XREADGROUP on a stream that a command over several shards reads with another group (XREADGROUP
/// over keys on two shards: at once, in MULTI, in a script, or as another client's blocking attempt). FastKv runs such a
/// command over copies of the keys and writes the changed stream back; Redis 7.2.4 signals nothing for XREADGROUP, so the
/// waiter is not run again: with its group moved back by XGROUP SETID it gets no old entry, its consumer's idle time goes
/// on, a consumer deleted by XGROUP DELCONSUMER stays deleted, and the next XADD serves it. A command over several shards
/// that replaces the stream (SORT or SUNIONSTORE with STORE onto it, RENAME or COPY ... REPLACE in a script) does wake
/// it, as Redis's overwrite does. Each case runs against redis-server and against FastKv with --threads 4 (the two keys
/// on different shards) and 1.
/// </summary>
public class StreamGroupWriteBackTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);
    const string WrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    static readonly string[] Targets = ["redis", "4", "1"];

    public static IEnumerable<TheoryDataRow<string, string>> ReadRows()
    {
        foreach (string t in Targets)
            foreach (string how in new[] { "plain", "exec", "script", "block" })
                yield return new(t, how);
    }

    public static IEnumerable<TheoryDataRow<string, string>> ReplaceRows()
    {
        foreach (string t in Targets)
            foreach (string how in new[] { "sort-store", "sunionstore", "script-sort-store", "script-rename", "copy", "script-copy" })
                yield return new(t, how);
    }

    public static IEnumerable<TheoryDataRow<string>> TargetRows()
    {
        foreach (string t in Targets) yield return new(t);
    }

    ServerProcess Server(string target) => target == "redis" ? servers.Oracle.Server : servers.TargetWithThreads(int.Parse(target)).Server;

    static bool Silent(RespConnection c, TimeSpan wait) => BlockingCommandTests.Silent(c, wait);

    /// <summary>
    /// Key a: entry 1-0, group g at its end (the waiter's), group g2 at 0; key b, on another shard: entry 1-0, group g2 at
    /// 0. The reader blocks in XREADGROUP GROUP g c on a.
    /// </summary>
    static (string A, string B) Waiting(RespConnection writer, RespConnection reader, string prefix)
    {
        string a = BlockingCommandTests.Key(prefix, 0), b = BlockingCommandTests.Key(prefix, 2);
        writer.Call("DEL", a, b);
        writer.Call("XADD", a, "1-0", "f", "a1");
        writer.Call("XADD", b, "1-0", "f", "b1");
        writer.Call("XGROUP", "CREATE", a, "g", "$");
        writer.Call("XGROUP", "CREATE", a, "g2", "0");
        writer.Call("XGROUP", "CREATE", b, "g2", "0");
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", a, ">");
        Assert.True(Silent(reader, Settle), "XREADGROUP BLOCK answered with nothing new");
        return (a, b);
    }

    /// <summary>XREADGROUP GROUP g2 over both keys, the way <paramref name="how"/> names; it delivers 1-0 of each.</summary>
    static void ReadBothWithG2(RespConnection c, string how, string a, string b)
    {
        string both = $"*2\r\n*2\r\n${a.Length}\r\n{a}\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$2\r\na1\r\n" +
                      $"*2\r\n${b.Length}\r\n{b}\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$2\r\nb1\r\n";
        switch (how)
        {
            case "plain":
                Assert.Equal(both, c.CallText("XREADGROUP", "GROUP", "g2", "x", "STREAMS", a, b, ">", ">"));
                break;
            case "exec":
                c.Call("MULTI");
                c.Call("XREADGROUP", "GROUP", "g2", "x", "STREAMS", a, b, ">", ">");
                Assert.Equal("*1\r\n" + both, c.CallText("EXEC"));
                break;
            case "script":
                Assert.Equal(both, c.CallText("EVAL",
                    "return redis.call('xreadgroup', 'group', 'g2', 'x', 'streams', KEYS[1], KEYS[2], '>', '>')", "2", a, b));
                break;
            case "block":
                Assert.Equal(both, c.CallText("XREADGROUP", "GROUP", "g2", "x", "BLOCK", "0", "STREAMS", a, b, ">", ">"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(how));
        }
    }

    [Theory]
    [MemberData(nameof(ReadRows))]
    public void AReadOfAnotherGroupOverSeveralShards_LeavesTheWaiterWaiting(string target, string how)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        var (a, b) = Waiting(writer, reader, "xback:r");
        // The group's ID goes back: a run of the waiter's command now would hand out 1-0.
        Assert.Equal("+OK\r\n", writer.CallText("XGROUP", "SETID", a, "g", "0"));
        ReadBothWithG2(writer, how, a, b);
        Assert.True(Silent(reader, Quiet), $"the {how} XREADGROUP of another group woke the waiter");
        writer.Call("XADD", a, "2-0", "f", "a2");
        Assert.Equal($"*1\r\n*2\r\n${a.Length}\r\n{a}\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$2\r\na1\r\n" +
                     "*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$2\r\na2\r\n", Resp.AsString(reader.ReadReply()));
        writer.Call("DEL", a, b);
    }

    [Theory]
    [MemberData(nameof(TargetRows))]
    public void AReadOfAnotherGroupOverSeveralShards_DoesNotSeeTheWaitingConsumer(string target)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        var (a, b) = Waiting(writer, reader, "xback:i");
        System.Threading.Thread.Sleep(Quiet);
        ReadBothWithG2(writer, "plain", a, b);
        string consumers = writer.CallText("XINFO", "CONSUMERS", a, "g");
        Match idle = Regex.Match(consumers, @"\$4\r\nidle\r\n:(\d+)\r\n");
        Assert.True(idle.Success, consumers);
        Assert.True(long.Parse(idle.Groups[1].Value) >= (long)Quiet.TotalMilliseconds - 50,
            $"the waiting consumer was seen again (idle {idle.Groups[1].Value} ms)");
        writer.Call("XADD", a, "2-0", "f", "a2");
        Assert.Equal(StreamBlockingTests.Entry(a, "2-0", "f", "a2"), Resp.AsString(reader.ReadReply()));
        writer.Call("DEL", a, b);
    }

    [Theory]
    [MemberData(nameof(TargetRows))]
    public void AReadOfAnotherGroupOverSeveralShards_LeavesADeletedWaitingConsumerDeleted(string target)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        var (a, b) = Waiting(writer, reader, "xback:d");
        Assert.Equal(":0\r\n", writer.CallText("XGROUP", "DELCONSUMER", a, "g", "c"));
        ReadBothWithG2(writer, "script", a, b);
        Assert.True(Silent(reader, Quiet));
        Assert.Equal("*0\r\n", writer.CallText("XINFO", "CONSUMERS", a, "g"));
        writer.Call("XADD", a, "2-0", "f", "a2");
        Assert.Equal(StreamBlockingTests.Entry(a, "2-0", "f", "a2"), Resp.AsString(reader.ReadReply()));
        writer.Call("DEL", a, b);
    }

    [Theory]
    [MemberData(nameof(ReplaceRows))]
    public void ACommandOverSeveralShardsThatReplacesTheStream_WakesTheWaiter(string target, string how)
    {
        ServerProcess server = Server(target);
        using var reader = server.Connect();
        using var writer = server.Connect();
        var (a, b) = Waiting(writer, reader, "xback:w");
        writer.Call("DEL", b);
        string expected = WrongType;
        switch (how)
        {
            case "sort-store":
                writer.Call("RPUSH", b, "3", "1", "2");
                Assert.Equal(":3\r\n", writer.CallText("SORT", b, "STORE", a));
                break;
            case "sunionstore":
                writer.Call("SADD", b, "x");
                Assert.Equal(":1\r\n", writer.CallText("SUNIONSTORE", a, b));
                break;
            case "script-sort-store":
                writer.Call("RPUSH", b, "3", "1");
                Assert.Equal(":2\r\n", writer.CallText("EVAL", "return redis.call('sort', KEYS[1], 'store', KEYS[2])", "2", b, a));
                break;
            case "script-rename":
                writer.Call("SET", b, "v");
                Assert.Equal("+OK\r\n", writer.CallText("EVAL", "return redis.call('rename', KEYS[1], KEYS[2])", "2", b, a));
                break;
            case "copy":
            case "script-copy":
                // Another stream, whose group g has 7-0 to deliver, takes its place: the waiter reads that group.
                writer.Call("XADD", b, "7-0", "f", "b7");
                writer.Call("XGROUP", "CREATE", b, "g", "0");
                Assert.Equal(":1\r\n", how == "copy"
                    ? writer.CallText("COPY", b, a, "REPLACE")
                    : writer.CallText("EVAL", "return redis.call('copy', KEYS[1], KEYS[2], 'replace')", "2", b, a));
                expected = StreamBlockingTests.Entry(a, "7-0", "f", "b7");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(how));
        }
        Assert.Equal(expected, Resp.AsString(reader.ReadReply()));
        writer.Call("DEL", a, b);
    }
}
