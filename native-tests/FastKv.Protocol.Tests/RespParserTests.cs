using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using FastKv.Protocol;
using Xunit;
using static FastKv.Protocol.Tests.ParserDriver;

namespace FastKv.Protocol.Tests;

public class RespParserTests
{
    public static IEnumerable<object[]> ValidInputs()
    {
        yield return Case("*1\r\n$4\r\nPING\r\n", Cmd("PING"));
        yield return Case("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", Cmd("SET", "key", "value"));
        yield return Case("*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\r\n\r\n", Cmd("ECHO", "a\r\nb\r\n"));
        yield return Case("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", Cmd("ECHO", ""));
        yield return Case("*3\r\n$0\r\n\r\n$0\r\n\r\n$1\r\n\0\r\n", Cmd("", "", "\0"));
        yield return Case("*2\r\n$4\r\nECHO\r\n$3\r\na\0b\r\n", Cmd("ECHO", "a\0b"));
        yield return Case("*2\r\n$3\r\nGET\r\n$4\r\n\xff\x80\r\n\r\n", Cmd("GET", "\xff\x80\r\n"));
        yield return Case("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", Cmd("PING"), Cmd("PING"), Cmd("GET", "k"));
        yield return Case("*0\r\n", Empty);
        yield return Case("*-1\r\n", Empty);
        yield return Case("*-5\r\n*1\r\n$1\r\nA\r\n", Empty, Cmd("A"));
        yield return Case("*0\r\nPING\r\n", Empty, Cmd("PING"));

        // Redis skips the byte after a count line's '\r' and the two bytes after bulk data unchecked.
        yield return Case("*1\rX$4\rXPINGxx", Cmd("PING"));
        yield return Case("*1\r\n$4\r\nPING\n\n*1\r\n$4\r\nPING\r\n", Cmd("PING"), Cmd("PING"));

        // Inline commands.
        yield return Case("PING\r\n", Cmd("PING"));
        yield return Case("PING\n", Cmd("PING"));
        yield return Case("SET a b\r\nGET a\n", Cmd("SET", "a", "b"), Cmd("GET", "a"));
        yield return Case("  SET   \"a b\"  'c d' \r\n", Cmd("SET", "a b", "c d"));
        yield return Case("ECHO \"a\\x41\\n\\x4g\\q\\r\\t\\b\\a\\\\\\\"\"\r\n", Cmd("ECHO", "aA\nx4gq\r\t\b\a\\\""));
        yield return Case("ECHO 'b\\'c\\n'\r\n", Cmd("ECHO", "b'c\\n"));
        yield return Case("ECHO a\"b c\"\r\n", Cmd("ECHO", "ab c"));
        yield return Case("ECHO a\vb\r\n", Cmd("ECHO", "a\vb"));
        yield return Case("ECHO \"\"\r\n", Cmd("ECHO", ""));
        yield return Case("ECHO ''\r\n", Cmd("ECHO", ""));
        yield return Case("ECHO a\r\r\n", Cmd("ECHO", "a"));
        yield return Case("ECHO \"a\r\"\r\n", Cmd("ECHO", "a\r"));
        yield return Case("ECHO \"\\xFf\\x00\"\n", Cmd("ECHO", "\xff\0"));
        yield return Case("\r\n", Empty);
        yield return Case("\n", Empty);
        yield return Case("   \t \r\n\nPING\n", Empty, Empty, Cmd("PING"));
        yield return Case("\v\fPING\f\n", Cmd("PING\f"));
        yield return Case("SET k v\r\n*1\r\n$4\r\nPING\r\nGET k\r\n", Cmd("SET", "k", "v"), Cmd("PING"), Cmd("GET", "k"));
        yield return Case("\xff\xfe x\r\n", Cmd("\xff\xfe", "x"));
    }

    public static IEnumerable<object[]> ErrorInputs()
    {
        yield return Case("*x\r\n", Err(RespParser.InvalidMultibulkLength));
        yield return Case("*\r\n", Err(RespParser.InvalidMultibulkLength));
        yield return Case("*2147483648\r\n", Err(RespParser.InvalidMultibulkLength));
        yield return Case("*99999999999999999999\r\n", Err(RespParser.InvalidMultibulkLength));
        yield return Case("*01\r\n", Err(RespParser.InvalidMultibulkLength));
        yield return Case("*-0\r\n", Err(RespParser.InvalidMultibulkLength));
        yield return Case("*+1\r\n", Err(RespParser.InvalidMultibulkLength));
        yield return Case("* 1\r\n", Err(RespParser.InvalidMultibulkLength));
        yield return Case("*1 \r\n", Err(RespParser.InvalidMultibulkLength));
        yield return Case("*1\n$4\r\nPING\r\n", Err(RespParser.InvalidMultibulkLength));
        yield return Case("*1\r\n+4\r\n", Err("Protocol error: expected '$', got '+'"));
        yield return Case("*2\r\n$1\r\na\r\n:4\r\n", Err("Protocol error: expected '$', got ':'"));
        yield return Case("*1\r\n\r\n", Err("Protocol error: expected '$', got '\r'"));
        yield return Case("*1\r\n\xe9\r\n", Err("Protocol error: expected '$', got '\xe9'"));
        yield return Case("*1\r\n$-1\r\n", Err(RespParser.InvalidBulkLength));
        yield return Case("*1\r\n$04\r\nPING\r\n", Err(RespParser.InvalidBulkLength));
        yield return Case("*1\r\n$\r\n", Err(RespParser.InvalidBulkLength));
        yield return Case("*1\r\n$+4\r\nPING\r\n", Err(RespParser.InvalidBulkLength));
        yield return Case("*1\r\n$536870913\r\n", Err(RespParser.InvalidBulkLength));
        yield return Case("*1\r\n$99999999999999999999\r\n", Err(RespParser.InvalidBulkLength));
        yield return Case("*1\r\n$4x\r\nPING\r\n", Err(RespParser.InvalidBulkLength));
        yield return Case("ECHO \"a\"b\r\n", Err(RespParser.UnbalancedQuotes));
        yield return Case("ECHO 'a'b\r\n", Err(RespParser.UnbalancedQuotes));
        yield return Case("ECHO \"ab\r\n", Err(RespParser.UnbalancedQuotes));
        yield return Case("ECHO 'ab\r\n", Err(RespParser.UnbalancedQuotes));
        yield return Case("ECHO a\"b c\"d\r\n", Err(RespParser.UnbalancedQuotes));
        yield return Case("ECHO \"ab\\\"\r\n", Err(RespParser.UnbalancedQuotes));
        yield return Case("ECHO \"ab\\\r\n", Err(RespParser.UnbalancedQuotes));
        yield return Case("PING\r\nECHO \"\r\nPING\r\n", Cmd("PING"), Err(RespParser.UnbalancedQuotes));
        yield return Case("*1\r\n$4\r\nPING\r\n*1\r\n!4\r\n", Cmd("PING"), Err("Protocol error: expected '$', got '!'"));
    }

    public static IEnumerable<object[]> IncompleteInputs()
    {
        yield return Case("*", Incomplete);
        yield return Case("*1\r", Incomplete);
        yield return Case("*1\r\n$4\r\nPING", Incomplete);
        yield return Case("*1\r\n$4\r\nPING\r", Incomplete);
        yield return Case("*2\r\n$4\r\nECHO\r\n", Incomplete);
        yield return Case("PING", Incomplete);
        yield return Case("PING\r", Incomplete);
        yield return Case("PING\r\n*1\r\n$4\r\nPI", Cmd("PING"), Incomplete);

        // strchr stops at NUL: a NUL before the terminator hides it, so the line never ends.
        yield return Case("*1\0\r\n$4\r\nPING\r\n", Incomplete);
        yield return Case("*1\r\n$4\0\r\nPING\r\n", Incomplete);
        yield return Case("PI\0NG\r\n", Incomplete);
    }

    private static object[] Case(string input, params string[] expected) => new object[] { input, expected };

    [Theory]
    [MemberData(nameof(ValidInputs))]
    [MemberData(nameof(ErrorInputs))]
    [MemberData(nameof(IncompleteInputs))]
    public void Whole(string input, string[] expected)
    {
        Assert.Equal(expected, Run(Bytes(input), default));
    }

    [Theory]
    [MemberData(nameof(ValidInputs))]
    [MemberData(nameof(ErrorInputs))]
    [MemberData(nameof(IncompleteInputs))]
    public void ByteByByte(string input, string[] expected)
    {
        byte[] bytes = Bytes(input);
        int[] splits = Enumerable.Range(1, Math.Max(0, bytes.Length - 1)).ToArray();
        Assert.Equal(expected, Run(bytes, splits));
        Assert.Equal(expected, Run(bytes, splits, moveToZero: true));
    }

    [Theory]
    [MemberData(nameof(ValidInputs))]
    [MemberData(nameof(ErrorInputs))]
    [MemberData(nameof(IncompleteInputs))]
    public void SplitAtEveryPosition(string input, string[] expected)
    {
        byte[] bytes = Bytes(input);
        for (int i = 0; i <= bytes.Length; i++)
        {
            Assert.Equal(expected, Run(bytes, new[] { i }));
            Assert.Equal(expected, Run(bytes, new[] { i }, moveToZero: true));
        }
    }

    [Theory]
    [MemberData(nameof(ValidInputs))]
    [MemberData(nameof(ErrorInputs))]
    [MemberData(nameof(IncompleteInputs))]
    public void SplitAtEveryPairOfPositions(string input, string[] expected)
    {
        byte[] bytes = Bytes(input);
        for (int i = 0; i <= bytes.Length; i++)
        {
            for (int j = i; j <= bytes.Length; j++)
            {
                Assert.Equal(expected, Run(bytes, new[] { i, j }, moveToZero: (i + j) % 2 == 0));
            }
        }
    }

    [Fact]
    public void ResumesWithoutLosingArguments()
    {
        var parser = new RespParser();
        var args = new ArgList();
        byte[] buf = Bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n");
        Assert.Equal(RespStatus.NeedMore, parser.Parse(buf.AsSpan(0, 20), args, out int consumed));
        Assert.Equal(0, consumed);
        Assert.Equal(2, args.Count);
        Assert.True(parser.InProgress);
        Assert.Equal(RespStatus.NeedMore, parser.Parse(buf.AsSpan(0, 26), args, out _));
        Assert.Equal(buf.Length, parser.BytesNeeded);
        Assert.Equal(RespStatus.Complete, parser.Parse(buf, args, out consumed));
        Assert.Equal(buf.Length, consumed);
        Assert.Equal("hello", Encoding.ASCII.GetString(args.Get(buf, 2)));
        Assert.False(parser.InProgress);
    }

    [Fact]
    public void BytesNeededCoversALargeBulk()
    {
        var parser = new RespParser();
        var args = new ArgList();
        byte[] head = Bytes("*2\r\n$3\r\nSET\r\n$1000000\r\n");
        Assert.Equal(RespStatus.NeedMore, parser.Parse(head, args, out _));
        Assert.Equal(head.Length + 1000000 + 2, parser.BytesNeeded);
    }

    [Fact]
    public void BigBulk()
    {
        var rnd = new Random(7);
        byte[] payload = new byte[200_000];
        rnd.NextBytes(payload);
        byte[] input = Concat(Bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$200000\r\n"), payload, Bytes("\r\n*1\r\n$4\r\nPING\r\n"));
        string expected = Cmd("SET", "k", Encoding.Latin1.GetString(payload));
        string[] want = { expected, Cmd("PING") };
        Assert.Equal(want, Run(input, default));
        int[] everyByte = Enumerable.Range(1, input.Length - 1).ToArray();
        Assert.Equal(want, Run(input, everyByte));
        Assert.Equal(want, Run(input, everyByte, moveToZero: true));
        for (int i = 0; i < input.Length; i += 997)
        {
            Assert.Equal(want, Run(input, new[] { i }));
        }
    }

    [Fact]
    public void ManyArguments()
    {
        const int n = 10_000;
        var sb = new StringBuilder();
        sb.Append('*').Append(n).Append("\r\n");
        var expected = new string[n];
        for (int i = 0; i < n; i++)
        {
            string a = "arg" + i;
            expected[i] = a;
            sb.Append('$').Append(a.Length).Append("\r\n").Append(a).Append("\r\n");
        }

        byte[] input = Bytes(sb.ToString());
        string[] want = { Cmd(expected) };
        Assert.Equal(want, Run(input, default));
        int[] everyByte = Enumerable.Range(1, input.Length - 1).ToArray();
        Assert.Equal(want, Run(input, everyByte, moveToZero: true));
    }

    [Fact]
    public void LongPipeline()
    {
        var sb = new StringBuilder();
        var want = new List<string>();
        var rnd = new Random(11);
        for (int i = 0; i < 300; i++)
        {
            string v = new string('v', rnd.Next(0, 40));
            switch (i % 4)
            {
                case 0:
                    sb.Append($"*3\r\n$3\r\nSET\r\n${("k" + i).Length}\r\nk{i}\r\n${v.Length}\r\n{v}\r\n");
                    want.Add(Cmd("SET", "k" + i, v));
                    break;
                case 1:
                    sb.Append($"GET k{i}\r\n");
                    want.Add(Cmd("GET", "k" + i));
                    break;
                case 2:
                    sb.Append("*0\r\n");
                    want.Add(Empty);
                    break;
                default:
                    sb.Append($"SET \"k {i}\" '{v}'\n");
                    want.Add(Cmd("SET", "k " + i, v));
                    break;
            }
        }

        byte[] input = Bytes(sb.ToString());
        Assert.Equal(want, Run(input, default));
        Assert.Equal(want, Run(input, Enumerable.Range(1, input.Length - 1).ToArray()));
        for (int i = 0; i <= input.Length; i += 7)
        {
            Assert.Equal(want, Run(input, new[] { i }, moveToZero: true));
        }
    }

    [Fact]
    public void TooBigMultibulkCountString()
    {
        // 65536 bytes without '\r' are still waited for; one more is an error.
        byte[] atLimit = Bytes("*" + new string('1', RespParser.MaxInlineSize - 1));
        Assert.Equal(new[] { Incomplete }, Run(atLimit, default));
        byte[] over = Bytes("*" + new string('1', RespParser.MaxInlineSize));
        Assert.Equal(new[] { Err(RespParser.TooBigMbulkCount) }, Run(over, default));
        Assert.Equal(new[] { Err(RespParser.TooBigMbulkCount) }, Run(over, new[] { 1000, 65536 }));

        // A NUL hides the '\r' forever.
        byte[] nul = Concat(Bytes("*1\0\r\n"), new byte[RespParser.MaxInlineSize]);
        Assert.Equal(new[] { Err(RespParser.TooBigMbulkCount) }, Run(nul, new[] { 3 }));

        // After a complete command, a long garbage '*' line.
        byte[] after = Bytes("*1\r\n$4\r\nPING\r\n" + new string('*', 70000));
        Assert.Equal(new[] { Cmd("PING"), Err(RespParser.TooBigMbulkCount) }, Run(after, default));

        // With the '\r' present, an over-long count is just invalid.
        byte[] longLine = Bytes("*" + new string('1', 70000) + "\r\n");
        Assert.Equal(new[] { Err(RespParser.InvalidMultibulkLength) }, Run(longLine, default));
    }

    [Fact]
    public void TooBigBulkCountString()
    {
        string head = "*1\r\n";
        byte[] atLimit = Bytes(head + "$" + new string('1', RespParser.MaxInlineSize - 1));
        Assert.Equal(new[] { Incomplete }, Run(atLimit, default));
        byte[] over = Bytes(head + "$" + new string('1', RespParser.MaxInlineSize));
        Assert.Equal(new[] { Err(RespParser.TooBigBulkCount) }, Run(over, default));
        byte[] garbage = Bytes(head + new string('x', 70000));
        Assert.Equal(new[] { Err(RespParser.TooBigBulkCount) }, Run(garbage, default));
        Assert.Equal(new[] { Err(RespParser.TooBigBulkCount) }, Run(garbage, new[] { 5, 66000 }));
    }

    [Fact]
    public void TooBigInlineRequest()
    {
        byte[] atLimit = Bytes(new string('P', RespParser.MaxInlineSize));
        Assert.Equal(new[] { Incomplete }, Run(atLimit, default));
        byte[] over = Bytes(new string('P', RespParser.MaxInlineSize + 1));
        Assert.Equal(new[] { Err(RespParser.TooBigInlineRequest) }, Run(over, default));
        Assert.Equal(new[] { Err(RespParser.TooBigInlineRequest) }, Run(over, new[] { 1, 2, 60000 }));

        // A long inline line that does end is fine.
        byte[] longLine = Bytes("ECHO " + new string('a', 100000) + "\r\n");
        Assert.Equal(new[] { Cmd("ECHO", new string('a', 100000)) }, Run(longLine, new[] { 50000 }));
    }

    [Fact]
    public void MaxBulkLength()
    {
        byte[] input = Bytes("*1\r\n$11\r\nhello world\r\n");
        Assert.Equal(new[] { Cmd("hello world") }, Run(input, default, maxBulk: 11));
        Assert.Equal(new[] { Err(RespParser.InvalidBulkLength) }, Run(input, default, maxBulk: 10));
        var p = new RespParser();
        Assert.Equal(RespParser.DefaultMaxBulkLength, p.MaxBulkLength);
        p.MaxBulkLength = 1 << 20;
        Assert.Equal(1 << 20, p.MaxBulkLength);
        Assert.True(p.Authenticated);
    }

    [Fact]
    public void UnauthenticatedLimits()
    {
        string Multi(int n) => "*" + n + "\r\n" + string.Concat(Enumerable.Repeat("$1\r\na\r\n", n));
        Assert.Equal(new[] { Cmd(Enumerable.Repeat("a", 10).ToArray()) }, Run(Bytes(Multi(10)), default, authenticated: false));
        Assert.Equal(new[] { Err(RespParser.UnauthenticatedMultibulkLength) }, Run(Bytes(Multi(11)), default, authenticated: false));
        Assert.Equal(new[] { Cmd(Enumerable.Repeat("a", 11).ToArray()) }, Run(Bytes(Multi(11)), default, authenticated: true));

        string Bulk(int n) => "*1\r\n$" + n + "\r\n" + new string('b', n) + "\r\n";
        Assert.Equal(new[] { Cmd(new string('b', 16384)) }, Run(Bytes(Bulk(16384)), default, authenticated: false));
        Assert.Equal(new[] { Err(RespParser.UnauthenticatedBulkLength) }, Run(Bytes(Bulk(16385)), default, authenticated: false));

        // The generic checks come first, as in Redis.
        Assert.Equal(new[] { Err(RespParser.InvalidMultibulkLength) }, Run(Bytes("*2147483648\r\n"), default, authenticated: false));
        Assert.Equal(new[] { Err(RespParser.InvalidBulkLength) }, Run(Bytes("*1\r\n$536870913\r\n"), default, authenticated: false));

        // Inline commands have no argument limit.
        Assert.Single(Run(Bytes("a b c d e f g h i j k l m\r\n"), default, authenticated: false));
    }

    [Fact]
    public void ParserAndArgListAreReusedAfterError()
    {
        var parser = new RespParser();
        var args = new ArgList();
        Assert.Equal(RespStatus.Error, parser.Parse(Bytes("*x\r\n"), args, out _));
        Assert.Equal(RespParser.InvalidMultibulkLength, parser.ErrorMessage);
        parser.Reset();
        Assert.Null(parser.ErrorMessage);
        byte[] ping = Bytes("PING\r\n");
        Assert.Equal(RespStatus.Complete, parser.Parse(ping, args, out int consumed));
        Assert.Equal(6, consumed);
        Assert.Equal(1, args.Count);
    }

    [Fact]
    public void EmptyBufferNeedsMore()
    {
        var parser = new RespParser();
        Assert.Equal(RespStatus.NeedMore, parser.Parse(Span<byte>.Empty, new ArgList(), out int consumed));
        Assert.Equal(0, consumed);
        Assert.False(parser.InProgress);
    }

    [Fact]
    public void FuzzNeverThrowsAndSplitsAgree()
    {
        var rnd = new Random(12345);
        byte[] alphabet = Bytes("*$\r\n0123456789-+ \"'\\xab\0\t");
        for (int iter = 0; iter < 3000; iter++)
        {
            int len = rnd.Next(0, 48);
            byte[] input = new byte[len];
            for (int i = 0; i < len; i++)
            {
                input[i] = rnd.Next(4) == 0 ? (byte)rnd.Next(256) : alphabet[rnd.Next(alphabet.Length)];
            }

            if (len > 0 && rnd.Next(2) == 0)
            {
                input[0] = (byte)'*';
            }

            List<string> whole = Run(input, default);
            Assert.NotEmpty(whole.Count == 0 ? new[] { "ok" } : whole);
            int a = rnd.Next(0, len + 1);
            int b = rnd.Next(a, len + 1);
            Assert.Equal(whole, Run(input, new[] { a, b }, moveToZero: rnd.Next(2) == 0));
            Assert.Equal(whole, Run(input, Enumerable.Range(1, Math.Max(0, len - 1)).ToArray()));
        }
    }

    [Fact]
    public void FuzzOfMutatedValidCommands()
    {
        var rnd = new Random(777);
        byte[] seed = Bytes("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\nSET \"a\\x41\" 'b'\r\n*1\r\n$4\r\nPING\r\n");
        for (int iter = 0; iter < 3000; iter++)
        {
            byte[] input = (byte[])seed.Clone();
            int mutations = rnd.Next(1, 4);
            for (int m = 0; m < mutations; m++)
            {
                input[rnd.Next(input.Length)] = (byte)rnd.Next(256);
            }

            List<string> whole = Run(input, default);
            string last = whole.Count > 0 ? whole[^1] : "";
            Assert.True(whole.Count > 0);
            Assert.True(last.StartsWith("C", StringComparison.Ordinal) || last == Empty || last.StartsWith("E ", StringComparison.Ordinal) || last == Incomplete);
            int a = rnd.Next(0, input.Length + 1);
            Assert.Equal(whole, Run(input, new[] { a }, moveToZero: true));
            Assert.Equal(whole, Run(input, Enumerable.Range(1, input.Length - 1).ToArray()));
        }
    }

    [Fact]
    public void ParseDoesNotAllocate()
    {
        byte[] source = Bytes("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\nSET \"a\\x41\" 'b'\r\n*0\r\n*1\r\n$4\r\nPING\r\n");
        byte[] work = new byte[source.Length];
        var parser = new RespParser();
        var args = new ArgList(8);
        int Round()
        {
            source.CopyTo(work, 0);
            int start = 0;
            int n = 0;
            for (int len = 1; len <= work.Length; len++)
            {
                while (start < len)
                {
                    RespStatus st = parser.Parse(work.AsSpan(start, len - start), args, out int consumed);
                    if (st == RespStatus.NeedMore)
                    {
                        break;
                    }

                    start += consumed;
                    n++;
                }
            }

            return n;
        }

        Assert.Equal(4, Round());
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            Round();
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    internal static byte[] Concat(params byte[][] parts)
    {
        byte[] all = new byte[parts.Sum(p => p.Length)];
        int at = 0;
        foreach (byte[] p in parts)
        {
            Buffer.BlockCopy(p, 0, all, at, p.Length);
            at += p.Length;
        }

        return all;
    }
}
