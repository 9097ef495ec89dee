using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace FastKv.Protocol;

/// <summary>
/// Writes replies into a connection's <see cref="OutputBuffer"/> in RESP2 or RESP3 (after HELLO 3), exactly
/// as Redis 7 writes them. Every method asks for the exact size it needs, writes, and advances: nothing is
/// allocated unless the buffer has to grow. Bulk values and raw bytes larger than a few KiB go in pieces, so a
/// chunked buffer never needs a span as large as a reply.
/// </summary>
public sealed class RespWriter
{
    private const byte ByteCR = (byte)'\r';
    private const byte ByteLF = (byte)'\n';

    /// <summary>Prefix byte + up to 20 digits + CRLF.</summary>
    private const int MaxHeaderSize = 1 + RespNumber.MaxInt64Chars + 2;

    private static ReadOnlySpan<byte> OkReply => "+OK\r\n"u8;
    private static ReadOnlySpan<byte> ZeroReply => ":0\r\n"u8;
    private static ReadOnlySpan<byte> OneReply => ":1\r\n"u8;
    private static ReadOnlySpan<byte> NullBulkReply2 => "$-1\r\n"u8;
    private static ReadOnlySpan<byte> NullArrayReply2 => "*-1\r\n"u8;
    private static ReadOnlySpan<byte> NullReply3 => "_\r\n"u8;
    private static ReadOnlySpan<byte> TrueReply3 => "#t\r\n"u8;
    private static ReadOnlySpan<byte> FalseReply3 => "#f\r\n"u8;
    private static ReadOnlySpan<byte> EmptyBulkReply => "$0\r\n\r\n"u8;
    private static ReadOnlySpan<byte> CrlfBytes => "\r\n"u8;

    /// <summary>Bulk values longer than this are copied piecewise (<see cref="OutputBuffer.Write"/>).</summary>
    private const int LargeBulk = 8 * 1024;

    private readonly OutputBuffer _output;
    private int _protocol;

    public RespWriter(OutputBuffer output, int protocol = 2)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        Protocol = protocol;
    }

    public OutputBuffer Output => _output;

    /// <summary>
    /// Error replies written (or forwarded) so far, counted in INFO or not: a command failed when this moved while it ran
    /// (Redis counts failed_calls for an error left out of the stats too, in afterErrorReply).
    /// </summary>
    public long ErrorReplies;

    /// <summary>Counts each error reply for INFO (null for a writer whose replies are forwarded, and counted, elsewhere).</summary>
    public IErrorReplies? ErrorStats;

    /// <summary>2 (RESP2, the default) or 3 (RESP3, after HELLO 3).</summary>
    public int Protocol
    {
        get => _protocol;
        set
        {
            if (value != 2 && value != 3)
            {
                ThrowProtocol();
            }

            _protocol = value;
        }
    }

    private bool Resp3 => _protocol == 3;

    /// <summary><c>+OK</c></summary>
    public void Ok() => Raw(OkReply);

    /// <summary>A status reply: <c>+text</c>. The text must not hold CR or LF.</summary>
    public void Simple(ReadOnlySpan<byte> text)
    {
        Span<byte> span = _output.GetSpan(text.Length + 3);
        span[0] = (byte)'+';
        text.CopyTo(span.Slice(1));
        WriteCrlf(span, text.Length + 1);
        _output.Advance(text.Length + 3);
    }

    /// <summary>A status reply from ASCII text (each char written as one byte).</summary>
    public void Simple(string ascii)
    {
        ArgumentNullException.ThrowIfNull(ascii);
        Span<byte> span = _output.GetSpan(ascii.Length + 3);
        span[0] = (byte)'+';
        for (int i = 0; i < ascii.Length; i++)
        {
            span[i + 1] = (byte)ascii[i];
        }

        WriteCrlf(span, ascii.Length + 1);
        _output.Advance(ascii.Length + 3);
    }

    /// <summary>
    /// An error reply: <c>-</c> + message + CRLF, the message holding its code ("ERR syntax error",
    /// "WRONGTYPE ..."). CR and LF become spaces, as Redis's addReplyErrorFormat does. Chars are written as
    /// Latin-1 bytes, so a message built from raw bytes with Latin-1 comes out unchanged.
    /// </summary>
    public void Error(string messageIncludingPrefix) => Error(messageIncludingPrefix, counted: true);

    /// <summary>
    /// An error reply that, unless <paramref name="counted"/>, is left out of the error counts: Redis's
    /// ERR_REPLY_FLAG_NO_STATS_UPDATE, for a script's error already counted when the command inside it failed. The
    /// command still failed (<see cref="ErrorReplies"/>).
    /// </summary>
    public void Error(string messageIncludingPrefix, bool counted)
    {
        ArgumentNullException.ThrowIfNull(messageIncludingPrefix);
        int n = messageIncludingPrefix.Length;
        Span<byte> span = _output.GetSpan(n + 3);
        span[0] = (byte)'-';
        for (int i = 0; i < n; i++)
        {
            char c = messageIncludingPrefix[i];
            span[i + 1] = c == '\r' || c == '\n' ? (byte)' ' : (byte)c;
        }

        WriteCrlf(span, n + 1);
        _output.Advance(n + 3);
        if (counted) Counted(span.Slice(1, n));
        else ErrorReplies++;
    }

    /// <summary>An error reply from bytes; CR and LF become spaces.</summary>
    public void Error(ReadOnlySpan<byte> messageIncludingPrefix) => Error(messageIncludingPrefix, counted: true);

    /// <summary>An error reply from bytes, counted unless <paramref name="counted"/> is false (see the string form).</summary>
    public void Error(ReadOnlySpan<byte> messageIncludingPrefix, bool counted)
    {
        int n = messageIncludingPrefix.Length;
        Span<byte> span = _output.GetSpan(n + 3);
        span[0] = (byte)'-';
        Span<byte> body = span.Slice(1, n);
        messageIncludingPrefix.CopyTo(body);
        body.Replace(ByteCR, (byte)' ');
        body.Replace(ByteLF, (byte)' ');
        WriteCrlf(span, n + 1);
        _output.Advance(n + 3);
        if (counted) Counted(body);
        else ErrorReplies++;
    }

    /// <summary>
    /// A whole reply another writer produced (a shard's share, a blocked command's attempt), copied as it is; when it
    /// is an error, it is counted here, where it reaches the client.
    /// </summary>
    public void Forward(ReadOnlySpan<byte> reply)
    {
        Raw(reply);
        if (reply.Length >= 3 && reply[0] == (byte)'-') Counted(reply.Slice(1, reply.Length - 3));
    }

    private void Counted(ReadOnlySpan<byte> message)
    {
        ErrorReplies++;
        ErrorStats?.Count(message);
    }

    /// <summary><c>:n</c></summary>
    public void Integer(long value)
    {
        if (value == 0)
        {
            Raw(ZeroReply);
        }
        else if (value == 1)
        {
            Raw(OneReply);
        }
        else
        {
            WriteHeader((byte)':', value);
        }
    }

    /// <summary><c>$len</c> CRLF data CRLF: binary safe.</summary>
    public void Bulk(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            Raw(EmptyBulkReply);
            return;
        }

        if (value.Length > LargeBulk)
        {
            // Header, then the bytes chunk by chunk: a huge value never needs one span of its size.
            WriteHeader((byte)'$', value.Length);
            _output.Write(value);
            _output.Write(CrlfBytes);
            return;
        }

        int total = 1 + RespNumber.Digits(value.Length) + 2 + value.Length + 2;
        Span<byte> span = _output.GetSpan(total);
        span[0] = (byte)'$';
        int at = 1 + RespNumber.FormatInt64(value.Length, span.Slice(1));
        WriteCrlf(span, at);
        at += 2;
        value.CopyTo(span.Slice(at));
        at += value.Length;
        WriteCrlf(span, at);
        _output.Advance(at + 2);
    }

    /// <summary>The decimal text of <paramref name="value"/> as a bulk string (Redis addReplyBulkLongLong).</summary>
    public void BulkInteger(long value)
    {
        int digits = RespNumber.Digits(value);
        Span<byte> span = _output.GetSpan(digits + 8);
        span[0] = (byte)'$';
        int at = 1 + RespNumber.FormatInt64(digits, span.Slice(1));
        WriteCrlf(span, at);
        at += 2;
        at += RespNumber.FormatInt64(value, span.Slice(at));
        WriteCrlf(span, at);
        _output.Advance(at + 2);
    }

    /// <summary>A missing value: RESP2 <c>$-1</c>, RESP3 <c>_</c>.</summary>
    public void NullBulk() => Raw(Resp3 ? NullReply3 : NullBulkReply2);

    /// <summary>A missing aggregate: RESP2 <c>*-1</c>, RESP3 <c>_</c>.</summary>
    public void NullArray() => Raw(Resp3 ? NullReply3 : NullArrayReply2);

    /// <summary><c>*n</c></summary>
    public void ArrayHeader(int count) => WriteHeader((byte)'*', count);

    /// <summary>RESP3 <c>%pairs</c>; RESP2 a flat array <c>*2n</c> of key, value, ...</summary>
    public void MapHeader(int pairs)
    {
        if (Resp3)
        {
            WriteHeader((byte)'%', pairs);
        }
        else
        {
            WriteHeader((byte)'*', 2L * pairs);
        }
    }

    /// <summary>RESP3 <c>~n</c>; RESP2 <c>*n</c>.</summary>
    public void SetHeader(int count) => WriteHeader(Resp3 ? (byte)'~' : (byte)'*', count);

    /// <summary>RESP3 <c>&gt;n</c>; RESP2 <c>*n</c> (pub/sub messages).</summary>
    public void PushHeader(int count) => WriteHeader(Resp3 ? (byte)'>' : (byte)'*', count);

    /// <summary>RESP3 <c>#t</c>/<c>#f</c>; RESP2 <c>:1</c>/<c>:0</c>.</summary>
    public void Bool(bool value)
    {
        if (Resp3)
        {
            Raw(value ? TrueReply3 : FalseReply3);
        }
        else
        {
            Raw(value ? OneReply : ZeroReply);
        }
    }

    /// <summary>
    /// Redis 7.0 addReplyDouble: the text is "inf"/"-inf" or <c>%.17g</c>; RESP3 <c>,text</c>, RESP2 a bulk.
    /// </summary>
    public void Double(double value)
    {
        Span<byte> text = stackalloc byte[RespNumber.MaxDoubleChars];
        int n = RespNumber.FormatDouble(value, text);
        if (Resp3)
        {
            Span<byte> span = _output.GetSpan(n + 3);
            span[0] = (byte)',';
            text.Slice(0, n).CopyTo(span.Slice(1));
            WriteCrlf(span, n + 1);
            _output.Advance(n + 3);
        }
        else
        {
            Bulk(text.Slice(0, n));
        }
    }

    /// <summary>A double already in text form (Redis's addReplyHumanLongDouble): RESP3 <c>,text</c>, RESP2 a bulk.</summary>
    public void DoubleText(ReadOnlySpan<byte> text)
    {
        if (!Resp3)
        {
            Bulk(text);
            return;
        }
        Span<byte> span = _output.GetSpan(text.Length + 3);
        span[0] = (byte)',';
        text.CopyTo(span.Slice(1));
        WriteCrlf(span, text.Length + 1);
        _output.Advance(text.Length + 3);
    }

    /// <summary>
    /// RESP3 verbatim string <c>=len</c> CRLF <c>fmt:</c>text CRLF, <paramref name="format3"/> being three
    /// ASCII chars ("txt", "mkd"); RESP2 a plain bulk of the text.
    /// </summary>
    public void Verbatim(ReadOnlySpan<byte> text, string format3)
    {
        if (!Resp3)
        {
            Bulk(text);
            return;
        }

        if (format3 is null || format3.Length != 3)
        {
            ThrowFormat();
        }

        int payload = text.Length + 4;
        int total = 1 + RespNumber.Digits(payload) + 2 + payload + 2;
        Span<byte> span = _output.GetSpan(total);
        span[0] = (byte)'=';
        int at = 1 + RespNumber.FormatInt64(payload, span.Slice(1));
        WriteCrlf(span, at);
        at += 2;
        span[at] = (byte)format3[0];
        span[at + 1] = (byte)format3[1];
        span[at + 2] = (byte)format3[2];
        span[at + 3] = (byte)':';
        at += 4;
        text.CopyTo(span.Slice(at));
        at += text.Length;
        WriteCrlf(span, at);
        _output.Advance(at + 2);
    }

    /// <summary>Bytes that are already RESP.</summary>
    public void Raw(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        _output.Write(bytes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteHeader(byte prefix, long value)
    {
        Span<byte> span = _output.GetSpan(MaxHeaderSize);
        span[0] = prefix;
        int at = 1 + RespNumber.FormatInt64(value, span.Slice(1));
        WriteCrlf(span, at);
        _output.Advance(at + 2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteCrlf(Span<byte> span, int at)
    {
        span[at] = ByteCR;
        span[at + 1] = ByteLF;
    }

    private static void ThrowProtocol() => throw new ArgumentOutOfRangeException("value", "Protocol must be 2 or 3.");

    [DoesNotReturn]
    private static void ThrowFormat() => throw new ArgumentException("The verbatim format must be 3 characters.", "format3");
}
