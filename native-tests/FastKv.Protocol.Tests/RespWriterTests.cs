using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Protocol;
using Xunit;

namespace FastKv.Protocol.Tests;

public class RespWriterTests
{
    private static string Write(int protocol, Action<RespWriter> write)
    {
        var output = new OutputBuffer(16);
        var writer = new RespWriter(output, protocol);
        write(writer);
        string contiguous = Encoding.Latin1.GetString(output.Written);
        // The same replies into native chunks (a connection's output) must come out byte for byte the same.
        using var pool = new ChunkPool();
        var chunked = new OutputBuffer(pool);
        write(new RespWriter(chunked, protocol));
        Assert.Equal(contiguous, Encoding.Latin1.GetString(chunked.ToArray()));
        chunked.Clear();
        Assert.Equal(0, pool.RentedBytes);
        return contiguous;
    }

    private static void Both(Action<RespWriter> write, string resp2, string resp3)
    {
        Assert.Equal(resp2, Write(2, write));
        Assert.Equal(resp3, Write(3, write));
    }

    [Fact]
    public void Ok() => Both(w => w.Ok(), "+OK\r\n", "+OK\r\n");

    [Fact]
    public void Simple()
    {
        Both(w => w.Simple("PONG"u8), "+PONG\r\n", "+PONG\r\n");
        Both(w => w.Simple("QUEUED"), "+QUEUED\r\n", "+QUEUED\r\n");
        Both(w => w.Simple(""), "+\r\n", "+\r\n");
    }

    [Fact]
    public void Error()
    {
        Both(w => w.Error("ERR syntax error"), "-ERR syntax error\r\n", "-ERR syntax error\r\n");
        Both(w => w.Error("WRONGTYPE Operation against a key holding the wrong kind of value"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
        Both(w => w.Error("ERR a\r\nb\nc"), "-ERR a  b c\r\n", "-ERR a  b c\r\n");
        Both(w => w.Error("ERR unknown command 'f\xf6o'"), "-ERR unknown command 'f\xf6o'\r\n", "-ERR unknown command 'f\xf6o'\r\n");
        Both(w => w.Error("ERR x\r\ny"u8), "-ERR x  y\r\n", "-ERR x  y\r\n");
    }

    [Theory]
    [InlineData(0L, ":0\r\n")]
    [InlineData(1L, ":1\r\n")]
    [InlineData(-1L, ":-1\r\n")]
    [InlineData(42L, ":42\r\n")]
    [InlineData(long.MaxValue, ":9223372036854775807\r\n")]
    [InlineData(long.MinValue, ":-9223372036854775808\r\n")]
    public void Integer(long value, string expected) => Both(w => w.Integer(value), expected, expected);

    [Fact]
    public void Bulk()
    {
        Both(w => w.Bulk("hello"u8), "$5\r\nhello\r\n", "$5\r\nhello\r\n");
        Both(w => w.Bulk(ReadOnlySpan<byte>.Empty), "$0\r\n\r\n", "$0\r\n\r\n");
        Both(w => w.Bulk("a\r\n\0b"u8), "$5\r\na\r\n\0b\r\n", "$5\r\na\r\n\0b\r\n");
        string big = new string('x', 100_000);
        Both(w => w.Bulk(Encoding.ASCII.GetBytes(big)), "$100000\r\n" + big + "\r\n", "$100000\r\n" + big + "\r\n");
    }

    [Theory]
    [InlineData(0L, "$1\r\n0\r\n")]
    [InlineData(-12L, "$3\r\n-12\r\n")]
    [InlineData(1234567890L, "$10\r\n1234567890\r\n")]
    [InlineData(long.MinValue, "$20\r\n-9223372036854775808\r\n")]
    public void BulkInteger(long value, string expected) => Both(w => w.BulkInteger(value), expected, expected);

    [Fact]
    public void Nulls()
    {
        Both(w => w.NullBulk(), "$-1\r\n", "_\r\n");
        Both(w => w.NullArray(), "*-1\r\n", "_\r\n");
    }

    [Fact]
    public void Aggregates()
    {
        Both(w => w.ArrayHeader(3), "*3\r\n", "*3\r\n");
        Both(w => w.ArrayHeader(0), "*0\r\n", "*0\r\n");
        Both(w => w.MapHeader(2), "*4\r\n", "%2\r\n");
        Both(w => w.MapHeader(0), "*0\r\n", "%0\r\n");
        Both(w => w.SetHeader(5), "*5\r\n", "~5\r\n");
        Both(w => w.PushHeader(3), "*3\r\n", ">3\r\n");
        Both(w => w.MapHeader(int.MaxValue), "*4294967294\r\n", "%2147483647\r\n");
    }

    [Fact]
    public void Bool()
    {
        Both(w => w.Bool(true), ":1\r\n", "#t\r\n");
        Both(w => w.Bool(false), ":0\r\n", "#f\r\n");
    }

    [Fact]
    public void Double()
    {
        Both(w => w.Double(0.1), "$3\r\n0.1\r\n", ",0.1\r\n");
        Both(w => w.Double(1.5), "$3\r\n1.5\r\n", ",1.5\r\n");
        Both(w => w.Double(1e300), "$6\r\n1e+300\r\n", ",1e+300\r\n");
        Both(w => w.Double(double.PositiveInfinity), "$3\r\ninf\r\n", ",inf\r\n");
        Both(w => w.Double(double.NegativeInfinity), "$4\r\n-inf\r\n", ",-inf\r\n");
        Both(w => w.Double(0), "$1\r\n0\r\n", ",0\r\n");
    }

    [Fact]
    public void Verbatim()
    {
        Both(w => w.Verbatim("Some string"u8, "txt"), "$11\r\nSome string\r\n", "=15\r\ntxt:Some string\r\n");
        Both(w => w.Verbatim(""u8, "mkd"), "$0\r\n\r\n", "=4\r\nmkd:\r\n");
        Assert.Throws<ArgumentException>(() => Write(3, w => w.Verbatim("x"u8, "text")));
    }

    [Fact]
    public void RawAndSequence()
    {
        string s = Write(3, w =>
        {
            w.MapHeader(1);
            w.Bulk("k"u8);
            w.Raw(":7\r\n"u8);
            w.ArrayHeader(2);
            w.NullBulk();
            w.Ok();
        });
        Assert.Equal("%1\r\n$1\r\nk\r\n:7\r\n*2\r\n_\r\n+OK\r\n", s);
    }

    [Fact]
    public void ProtocolMustBe2Or3()
    {
        var w = new RespWriter(new OutputBuffer());
        Assert.Equal(2, w.Protocol);
        w.Protocol = 3;
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Protocol = 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RespWriter(new OutputBuffer(), 4));
    }

    [Fact]
    public void WritingDoesNotAllocateOnceTheBufferIsLargeEnough()
    {
        var output = new OutputBuffer(1 << 16);
        var w = new RespWriter(output, 3);
        void Round()
        {
            output.Clear();
            w.Ok();
            w.Simple("PONG"u8);
            w.Simple("PONG");
            w.Error("ERR syntax error");
            w.Integer(123456);
            w.Bulk("value"u8);
            w.BulkInteger(-99);
            w.NullBulk();
            w.NullArray();
            w.ArrayHeader(2);
            w.MapHeader(2);
            w.SetHeader(2);
            w.PushHeader(2);
            w.Bool(true);
            w.Double(3.14159);
            w.Verbatim("txt"u8, "txt");
            w.Raw("+X\r\n"u8);
        }

        void Rounds()
        {
            for (int i = 0; i < 1000; i++)
            {
                w.Protocol = 2 + (i & 1);
                Round();
            }
        }

        // The first pass warms up: a hot loop's tier-up (on-stack replacement) may allocate on this thread once, and on a
        // loaded machine the background tier-1 compile can land in a later pass. A write that allocates would do so in
        // every pass of 1000 rounds: one pass without an allocated byte is the proof.
        Rounds();
        long delta = 0;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Rounds();
            delta = GC.GetAllocatedBytesForCurrentThread() - before;
            if (delta == 0) return;
        }
        Assert.Fail($"every pass of 1000 rounds allocated (the last {delta} bytes)");
    }
    private sealed class Codes : IErrorReplies
    {
        public readonly List<string> Seen = new();
        public void Count(ReadOnlySpan<byte> message) => Seen.Add(Encoding.Latin1.GetString(message));
    }

    /// <summary>
    /// Every error written counts once, with its message as it went out; a forwarded reply counts only when it is an
    /// error, and a writer without stats still counts its errors (a command's failed_calls).
    /// </summary>
    [Fact]
    public void ErrorReplies_AreCounted_WrittenOrForwarded()
    {
        var codes = new Codes();
        var w = new RespWriter(new OutputBuffer(16)) { ErrorStats = codes };
        w.Error("ERR one\r\ntwo");
        w.Error("WRONGTYPE x"u8);
        w.Forward(":1\r\n"u8);
        w.Forward("-NOAUTH Authentication required.\r\n"u8);
        w.Ok();
        Assert.Equal(3, w.ErrorReplies);
        Assert.Equal(["ERR one  two", "WRONGTYPE x", "NOAUTH Authentication required."], codes.Seen);
        var bare = new RespWriter(new OutputBuffer(16));
        bare.Forward("-ERR x\r\n"u8);
        Assert.Equal(1, bare.ErrorReplies);
    }
}
