using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Robustness;

/// <summary>
/// Bad input: every case is first checked against redis-server (the oracle), then against the server
/// under test, which must send the same bytes and close (or keep) the connection the same way, and stay up.
/// </summary>
public class ProtocolAbuseTests(OracleAndTargetFixture servers) : IClassFixture<OracleAndTargetFixture>
{
    private static readonly TimeSpan s_quiet = TimeSpan.FromMilliseconds(300);

    /// <summary>What a connection received for some input: the bytes, and whether the server closed it.</summary>
    private sealed record Outcome(byte[] Received, bool Closed)
    {
        public override string ToString() => $"{Resp.Escape(Received)} then {(Closed ? "closed" : "left open")}";
    }

    private static Outcome Exchange(ServerProcess server, byte[] input)
    {
        using var c = server.Connect();
        c.Send(input);
        var received = new List<byte>();
        bool closed;
        try
        {
            received.AddRange(c.ReadUntilClosed(s_quiet));
            closed = true;
        }
        catch (TimeoutException)
        {
            received.AddRange(c.Pending);
            closed = false;
        }
        return new Outcome(received.ToArray(), closed);
    }

    private void AssertSameAsOracle(byte[] input, string? expected = null, bool? expectClosed = null)
    {
        Outcome oracle = Exchange(servers.Oracle.Server, input);
        if (expected is not null)
            Assert.Equal(expected, Resp.AsString(oracle.Received));
        if (expectClosed is bool ec)
            Assert.Equal(ec, oracle.Closed);
        ServerProcess target = servers.Target.Server;
        Outcome actual = Exchange(target, input);
        Assert.True(oracle.Received.AsSpan().SequenceEqual(actual.Received) && oracle.Closed == actual.Closed,
            $"input {Resp.Escape(input)}\n  oracle: {oracle}\n  target: {actual}\n  against {target.Description}");
        AssertServesPing(target);
    }

    private static void AssertServesPing(ServerProcess server)
    {
        server.AssertAlive();
        using var c = server.Connect();
        Assert.Equal("+PONG\r\n", c.CallText("PING"));
    }

    public static TheoryData<string, string> ProtocolErrors() => new()
    {
        { "*1\r\n$999999999999\r\n", "-ERR Protocol error: invalid bulk length\r\n" },
        { "*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n" },
        { "*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n" },
        { "*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n" },
        { "*2\r\n$3\r\nGET\r\n$99999999999999999999\r\n", "-ERR Protocol error: invalid bulk length\r\n" },
        { "*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n" },
        { "*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n" },
        { "*3\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n" },
        { "*1\r\n+PING\r\n", "-ERR Protocol error: expected '$', got '+'\r\n" },
        { "SET \"foo bar\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n" },
        { "SET 'foo\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n" },
        { "SET \"a\"b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n" },
        { "PING\r\nSET \"x\r\nPING\r\n", "+PONG\r\n-ERR Protocol error: unbalanced quotes in request\r\n" },
    };

    [Theory]
    [MemberData(nameof(ProtocolErrors))]
    public void ProtocolError_ExactReply_ThenConnectionClosed(string input, string expected) =>
        AssertSameAsOracle(Encoding.Latin1.GetBytes(input), expected, expectClosed: true);

    [Fact]
    public void TooBigInlineRequest_IsAProtocolError()
    {
        byte[] input = Enumerable.Repeat((byte)'x', 70_000).ToArray();
        AssertSameAsOracle(input, "-ERR Protocol error: too big inline request\r\n", expectClosed: true);
    }

    public static TheoryData<string, string> Quirks() => new()
    {
        // Accepted, or left waiting for more bytes, exactly as redis-server does. Note that the error
        // text of an unknown command shows control characters of its name as spaces.
        { "*-1\r\nPING\r\n", "+PONG\r\n" },
        { "*0\r\nPING\r\n", "+PONG\r\n" },
        { "\r\n\r\nPING\r\n", "+PONG\r\n" },
        { "PING\n", "+PONG\r\n" },
        { "   \r\nPING\r\n", "+PONG\r\n" },
        { "*1\r\n$4\r\nPING", "" },
        { "*1\r\n$536870912\r\n", "" },
        { "ECHO \"a\\x41\\n\" 'b'\r\n", "-ERR wrong number of arguments for 'echo' command\r\n" },
        { "ECHO \"a\\x41\\n\"\r\n", "$3\r\naA\n\r\n" },
        { "*1\r\n$4\r\nPI\r\n\r\n", "-ERR unknown command 'PI  ', with args beginning with: \r\n" },
    };

    [Theory]
    [MemberData(nameof(Quirks))]
    public void EdgeOfTheProtocol_SameAsRedis(string input, string expected) =>
        AssertSameAsOracle(Encoding.Latin1.GetBytes(input), expected, expectClosed: false);

    [Theory]
    [InlineData("\u0000\u0001\u0002\u00ff garbage\r\n")]
    [InlineData("\u00ff\u00fe\u00fd\r\n")]
    [InlineData("$5\r\nxello\r\n")]
    [InlineData(":1\r\n")]
    [InlineData("GET\r\n")]
    [InlineData("*1\r\n$4\r\nPINGXX\r\n")]
    public void Garbage_SameAsRedis(string input) => AssertSameAsOracle(Encoding.Latin1.GetBytes(input));

    [Fact]
    public void RandomGarbage_NeverTakesTheServerDown()
    {
        ServerProcess target = servers.Target.Server;
        var rng = new Random(12345);
        for (int i = 0; i < 40; i++)
        {
            var bytes = new byte[1 + rng.Next(2000)];
            rng.NextBytes(bytes);
            if (i % 2 == 0)
                bytes[0] = (byte)"*$+-:"[rng.Next(5)];
            using var c = target.Connect();
            c.Send(bytes);
            c.Dispose();
        }
        AssertServesPing(target);
    }

    [Fact]
    public void TruncatedFrames_ThenClose_ServerStaysUp()
    {
        ServerProcess target = servers.Target.Server;
        byte[] full = Resp.EncodeCommand("SET", "trunc", new string('v', 100));
        for (int cut = 1; cut < full.Length; cut += 7)
        {
            using var c = target.Connect();
            c.Send(full.AsSpan(0, cut));
            c.ShutdownSend();
        }
        using var check = target.Connect();
        Assert.Equal("$-1\r\n", check.CallText("GET", "trunc"));
        AssertServesPing(target);
    }

    [Fact]
    public void TenThousandArgumentMsetAndDel_Work()
    {
        var mset = new List<string> { "MSET" };
        var del = new List<string> { "DEL" };
        for (int i = 0; i < 5000; i++)
        {
            mset.Add("many:" + i);
            mset.Add("value" + i);
            del.Add("many:" + i);
            del.Add("many-missing:" + i);
        }
        using var session = new DualSession(servers.Oracle.Server, servers.Target.Server);
        Assert.Equal("+OK\r\n", Resp.AsString(session.Check(mset.ToArray())));
        session.Check("MGET", "many:0", "many:4999", "many:5000");
        Assert.Equal(":5000\r\n", Resp.AsString(session.Check(del.ToArray())));
        Assert.Equal(10_001, del.Count);
    }

    /// <summary>
    /// A client pipelines 50 MB of GETs and never reads its replies. Another client must keep being served
    /// meanwhile (every round trip answered within the connection's timeout, none waiting for the flood to
    /// end), and the server must survive (the greedy client may be throttled or dropped). No latency budget:
    /// a stall shows as a timeout, and a loaded machine must not fail the test.
    /// </summary>
    [Fact]
    public void ClientThatNeverReads_DoesNotStallOthers()
    {
        ServerProcess target = servers.Target.Server;
        byte[] chunk = BuildGetChunk(64 * 1024);
        const long total = 50L * 1024 * 1024;
        using var greedy = target.Connect();
        greedy.Socket.SendTimeout = 200;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        long sent = 0;
        using var flooding = new ManualResetEventSlim();
        var writer = new Thread(() =>
        {
            try
            {
                while (sent < total && !stop.IsCancellationRequested)
                {
                    sent += greedy.Socket.Send(chunk);
                    if (sent >= 1024 * 1024)
                        flooding.Set();
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Send timed out (the server applies back-pressure) or the server dropped us: both fine.
            }
            flooding.Set();
        }) { IsBackground = true };
        writer.Start();
        Assert.True(flooding.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the flooder never got 1 MB out");

        using var other = target.Connect();
        int served = 0;
        for (int i = 0; i < 200 && writer.IsAlive || served < 50; i++)
        {
            Assert.Equal("+OK\r\n", other.CallText("SET", "nr:" + i, "v"));
            Assert.Equal("$1\r\nv\r\n", other.CallText("GET", "nr:" + i));
            served++;
            Thread.Sleep(5);
        }
        writer.Join(TimeSpan.FromSeconds(20));
        Assert.True(served >= 50, $"{served} round trips while the flooder sent {sent / 1024 / 1024} MB");
        greedy.Dispose();
        AssertServesPing(target);
    }

    private static byte[] BuildGetChunk(int size)
    {
        byte[] one = Resp.EncodeCommand("GET", "never-read");
        var chunk = new byte[size / one.Length * one.Length];
        for (int i = 0; i < chunk.Length; i += one.Length)
            one.CopyTo(chunk, i);
        return chunk;
    }
}
