using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Blocking;

/// <summary>
/// XREAD and XREADGROUP that name one key twice (<c>STREAMS a b a</c>), as Redis 7.2.4 answers them: one stream per
/// argument that has entries, in argument order, each after its own ID; for XREADGROUP with "&gt;" the second occurrence
/// reads after what the first delivered (so with COUNT 1 it gets the next entry, without COUNT nothing). Run at once, and
/// blocked then woken by one EXEC that adds to both keys (Redis runs the whole command again), RESP2 and RESP3. Each case
/// runs against redis-server and against FastKv with --threads 4 (the two keys on different shards) and 1.
/// </summary>
public class StreamDuplicateKeyTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);

    public static IEnumerable<TheoryDataRow<string, int>> Rows()
    {
        foreach (string t in new[] { "redis", "4", "1" })
            foreach (int protocol in new[] { 2, 3 })
                yield return new(t, protocol);
    }

    ServerProcess Server(string target) => target == "redis" ? servers.Oracle.Server : servers.TargetWithThreads(int.Parse(target)).Server;

    static bool Silent(RespConnection c, TimeSpan wait) => BlockingCommandTests.Silent(c, wait);

    static string Bulk(string s) => $"${Encoding.UTF8.GetByteCount(s)}\r\n{s}\r\n";

    /// <summary>The reply: its streams, each a key and its entries "id value" (field "f").</summary>
    static string Reply(int protocol, params (string Key, string[] Entries)[] streams)
    {
        var sb = new StringBuilder((protocol == 2 ? "*" : "%") + streams.Length + "\r\n");
        foreach (var (key, entries) in streams)
        {
            if (protocol == 2) sb.Append("*2\r\n");
            sb.Append(Bulk(key)).Append('*').Append(entries.Length).Append("\r\n");
            foreach (string e in entries)
            {
                string[] idValue = e.Split(' ');
                sb.Append("*2\r\n").Append(Bulk(idValue[0])).Append("*2\r\n").Append(Bulk("f")).Append(Bulk(idValue[1]));
            }
        }
        return sb.ToString();
    }

    /// <summary>Two keys on different shards (at --threads 4), emptied.</summary>
    static (string A, string B) Keys(RespConnection c, string prefix)
    {
        string a = BlockingCommandTests.Key(prefix, 0), b = BlockingCommandTests.Key(prefix, 2);
        c.Call("DEL", a, b);
        return (a, b);
    }

    static RespConnection Connect(ServerProcess server, int protocol)
    {
        RespConnection c = server.Connect();
        if (protocol == 3) c.Call("HELLO", "3");
        return c;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void XRead_AnswersEachOccurrenceAfterItsOwnId_InArgumentOrder(string target, int protocol)
    {
        using var c = Connect(Server(target), protocol);
        var (a, b) = Keys(c, "xdup:r");
        c.Call("XADD", a, "1-0", "f", "a1");
        c.Call("XADD", b, "1-0", "f", "b1");
        c.Call("XADD", a, "2-0", "f", "a2");
        Assert.Equal(Reply(protocol, (a, ["1-0 a1", "2-0 a2"]), (b, ["1-0 b1"]), (a, ["2-0 a2"])),
            c.CallText("XREAD", "STREAMS", a, b, a, "0", "0", "1-0"));
        // The first occurrence has nothing after 2-0: only b and the second one answer.
        Assert.Equal(Reply(protocol, (b, ["1-0 b1"]), (a, ["1-0 a1", "2-0 a2"])),
            c.CallText("XREAD", "STREAMS", a, b, a, "2-0", "0", "0"));
        Assert.Equal(Reply(protocol, (a, ["1-0 a1"]), (b, ["1-0 b1"]), (a, ["1-0 a1"])),
            c.CallText("XREAD", "COUNT", "1", "STREAMS", a, b, a, "0", "0", "0"));
        c.Call("DEL", a, b);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void XReadGroup_TheSecondOccurrenceReadsAfterWhatTheFirstDelivered(string target, int protocol)
    {
        using var c = Connect(Server(target), protocol);
        var (a, b) = Keys(c, "xdup:g");
        c.Call("XADD", a, "1-0", "f", "a1");
        c.Call("XADD", b, "1-0", "f", "b1");
        c.Call("XADD", a, "2-0", "f", "a2");
        c.Call("XGROUP", "CREATE", a, "g", "0");
        c.Call("XGROUP", "CREATE", b, "g", "0");
        Assert.Equal(Reply(protocol, (a, ["1-0 a1"]), (b, ["1-0 b1"]), (a, ["2-0 a2"])),
            c.CallText("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", a, b, a, ">", ">", ">"));
        Assert.Equal(Pending(2, "1-0", "2-0"), c.CallText("XPENDING", a, "g"));
        c.Call("XGROUP", "SETID", a, "g", "0");
        c.Call("XGROUP", "SETID", b, "g", "0");
        // Without COUNT the first occurrence takes all: the second has nothing and is left out.
        Assert.Equal(Reply(protocol, (a, ["1-0 a1", "2-0 a2"]), (b, ["1-0 b1"])),
            c.CallText("XREADGROUP", "GROUP", "g", "c2", "STREAMS", a, b, a, ">", ">", ">"));
        c.Call("DEL", a, b);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void BlockedXRead_WokenByOneExec_AnswersInArgumentOrder(string target, int protocol)
    {
        ServerProcess server = Server(target);
        using var reader = Connect(server, protocol);
        using var writer = server.Connect();
        var (a, b) = Keys(writer, "xdup:br");
        writer.Call("XADD", a, "1-0", "f", "a1");
        writer.Call("XADD", b, "1-0", "f", "b1");
        reader.SendCommand("XREAD", "BLOCK", "0", "STREAMS", a, b, a, "$", "$", "$");
        Assert.True(Silent(reader, Settle), "XREAD BLOCK answered with nothing new");
        AddToBoth(writer, a, b, "5-0");
        Assert.Equal(Reply(protocol, (a, ["5-0 a"]), (b, ["5-0 b"]), (a, ["5-0 a"])), Resp.AsString(reader.ReadReply()));

        // Only the second occurrence of a has something after its ID: it comes after b.
        reader.SendCommand("XREAD", "BLOCK", "0", "STREAMS", a, b, a, "9-0", "$", "5-0");
        Assert.True(Silent(reader, Settle), "XREAD BLOCK answered with nothing new");
        AddToBoth(writer, a, b, "8-0");
        Assert.Equal(Reply(protocol, (b, ["8-0 b"]), (a, ["8-0 a"])), Resp.AsString(reader.ReadReply()));
        writer.Call("DEL", a, b);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void BlockedXReadGroup_WokenByOneExec_EachOccurrenceGetsTheNextEntry(string target, int protocol)
    {
        ServerProcess server = Server(target);
        using var reader = Connect(server, protocol);
        using var writer = server.Connect();
        var (a, b) = Keys(writer, "xdup:bg");
        writer.Call("XGROUP", "CREATE", a, "g", "$", "MKSTREAM");
        writer.Call("XGROUP", "CREATE", b, "g", "$", "MKSTREAM");
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "BLOCK", "0", "STREAMS", a, b, a, ">", ">", ">");
        Assert.True(Silent(reader, Settle), "XREADGROUP BLOCK answered with nothing new");
        writer.Call("MULTI");
        writer.Call("XADD", b, "1-0", "f", "b1");
        writer.Call("XADD", a, "1-0", "f", "a1");
        writer.Call("XADD", a, "2-0", "f", "a2");
        Assert.StartsWith("*3\r\n", writer.CallText("EXEC"));
        Assert.Equal(Reply(protocol, (a, ["1-0 a1"]), (b, ["1-0 b1"]), (a, ["2-0 a2"])), Resp.AsString(reader.ReadReply()));
        Assert.Equal(Pending(2, "1-0", "2-0"), writer.CallText("XPENDING", a, "g"));
        Assert.Equal(Pending(1, "1-0", "1-0"), writer.CallText("XPENDING", b, "g"));

        // Without COUNT the first occurrence takes both new entries of a.
        reader.SendCommand("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", a, b, a, ">", ">", ">");
        Assert.True(Silent(reader, Settle), "XREADGROUP BLOCK answered with nothing new");
        writer.Call("MULTI");
        writer.Call("XADD", a, "3-0", "f", "a3");
        writer.Call("XADD", a, "4-0", "f", "a4");
        writer.Call("XADD", b, "3-0", "f", "b3");
        Assert.StartsWith("*3\r\n", writer.CallText("EXEC"));
        Assert.Equal(Reply(protocol, (a, ["3-0 a3", "4-0 a4"]), (b, ["3-0 b3"])), Resp.AsString(reader.ReadReply()));
        writer.Call("DEL", a, b);
    }

    /// <summary>XPENDING's summary for <paramref name="count"/> entries from <paramref name="first"/> to <paramref name="last"/>, all consumer c's.</summary>
    static string Pending(int count, string first, string last)
        => $"*4\r\n:{count}\r\n{Bulk(first)}{Bulk(last)}*1\r\n*2\r\n{Bulk("c")}{Bulk(count.ToString())}";

    /// <summary>Adds <paramref name="id"/> to <paramref name="b"/>, then to <paramref name="a"/>, in one EXEC (values "b" and "a").</summary>
    static void AddToBoth(RespConnection w, string a, string b, string id)
    {
        w.Call("MULTI");
        w.Call("XADD", b, id, "f", "b");
        w.Call("XADD", a, id, "f", "a");
        Assert.Equal($"*2\r\n{Bulk(id)}{Bulk(id)}", w.CallText("EXEC"));
    }
}
