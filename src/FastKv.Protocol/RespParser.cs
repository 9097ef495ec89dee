using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Protocol;

/// <summary>
/// Resumable RESP request reader, one per connection, matching Redis 7 networking.c
/// (<c>processMultibulkBuffer</c>, <c>processInlineBuffer</c>) byte for byte, including its quirks:
/// <list type="bullet">
/// <item>Lines are found the way <c>strchr</c> finds them in Redis's NUL-terminated query buffer: the first
/// terminator from the line start, but a NUL byte before it hides it (Redis then waits until 64 KiB are
/// buffered and reports a too-big line).</item>
/// <item>A multibulk or bulk count line ends at the first '\r' followed by any byte: the byte after '\r' is
/// skipped unchecked, and so are the two bytes after each bulk's data.</item>
/// </list>
/// <para>
/// Every position kept here is relative to the first byte of the current command; the caller passes the same
/// command start with more bytes after <see cref="RespStatus.NeedMore"/> (or moves the whole command to
/// offset 0), so nothing parsed is parsed twice. Parse never throws on any input and never allocates.
/// </para>
/// </summary>
public partial struct RespParser
{
    /// <summary>Redis PROTO_INLINE_MAX_SIZE: the longest count line or inline request Redis waits for.</summary>
    public const int MaxInlineSize = 64 * 1024;

    /// <summary>Redis proto-max-bulk-len default: 512 MB.</summary>
    public const long DefaultMaxBulkLength = 512L * 1024 * 1024;

    /// <summary>Largest multibulk count Redis accepts before the client authenticated.</summary>
    public const int UnauthenticatedMaxMultibulk = 10;

    /// <summary>Largest bulk length Redis accepts before the client authenticated.</summary>
    public const int UnauthenticatedMaxBulk = 16384;

    public const string TooBigMbulkCount = "Protocol error: too big mbulk count string";
    public const string InvalidMultibulkLength = "Protocol error: invalid multibulk length";
    public const string UnauthenticatedMultibulkLength = "Protocol error: unauthenticated multibulk length";
    public const string TooBigBulkCount = "Protocol error: too big bulk count string";
    public const string InvalidBulkLength = "Protocol error: invalid bulk length";
    public const string UnauthenticatedBulkLength = "Protocol error: unauthenticated bulk length";
    public const string TooBigInlineRequest = "Protocol error: too big inline request";
    public const string UnbalancedQuotes = "Protocol error: unbalanced quotes in request";

    private const byte ByteCR = (byte)'\r';
    private const byte ByteLF = (byte)'\n';
    private const byte ByteNul = 0;
    private const byte ByteAsterisk = (byte)'*';
    private const byte ByteDollar = (byte)'$';

    /// <summary>Line search state: a NUL byte was found before the terminator, so the line never ends.</summary>
    private const int ScanBlocked = -1;

    private enum Stage : byte
    {
        Start = 0,
        MultibulkCount,
        BulkCount,
        BulkData,
        Inline,
    }

    private Stage _stage;

    /// <summary>Next unparsed byte (start of the line or bulk being read).</summary>
    private int _pos;

    /// <summary>The line terminator search resumes here; everything in [line start, _scan) was searched.</summary>
    private int _scan;

    /// <summary>Bulks still to read in the current multibulk command.</summary>
    private int _remaining;

    /// <summary>Length of the bulk whose data is awaited (stage BulkData).</summary>
    private long _bulkLength;

    /// <summary>0 means <see cref="DefaultMaxBulkLength"/>, so default(RespParser) is usable.</summary>
    private long _maxBulkLength;

    /// <summary>Stored inverted so that default(RespParser) is authenticated (no password configured).</summary>
    private bool _unauthenticated;

    private long _bytesNeeded;
    private string? _errorMessage;

    /// <summary>proto-max-bulk-len. Values &lt;= 0 restore the default (512 MB).</summary>
    public long MaxBulkLength
    {
        readonly get => _maxBulkLength > 0 ? _maxBulkLength : DefaultMaxBulkLength;
        set => _maxBulkLength = value > 0 ? value : 0;
    }

    /// <summary>
    /// False while the connection still has to AUTH (Redis authRequired): multibulk counts above 10 and bulk
    /// lengths above 16384 are then rejected. Default true.
    /// </summary>
    public bool Authenticated
    {
        readonly get => !_unauthenticated;
        set => _unauthenticated = !value;
    }

    /// <summary>After <see cref="RespStatus.NeedMore"/>: a lower bound on the total size of the command in bytes.</summary>
    public readonly long BytesNeeded => _bytesNeeded;

    /// <summary>After <see cref="RespStatus.Error"/>: the Redis error text, without the "-ERR " prefix.</summary>
    public readonly string? ErrorMessage => _errorMessage;

    /// <summary>True when a command is partly parsed (the last call returned NeedMore after some progress).</summary>
    public readonly bool InProgress => _stage != Stage.Start;

    /// <summary>Forgets any partly parsed command. Settings (MaxBulkLength, Authenticated) are kept.</summary>
    public void Reset()
    {
        _stage = Stage.Start;
        _pos = 0;
        _scan = 0;
        _remaining = 0;
        _bulkLength = 0;
        _bytesNeeded = 0;
        _errorMessage = null;
    }

    /// <summary>
    /// Parses the command that starts at <paramref name="buffer"/>[0]; the buffer holds every byte received
    /// so far. On Complete and Empty, <paramref name="consumed"/> is the size of the command or line; on
    /// NeedMore and Error it is 0. Inline arguments are unescaped in place, so the buffer is modified.
    /// </summary>
    public RespStatus Parse(Span<byte> buffer, ArgList args, out int consumed)
    {
        if (_stage == Stage.Start)
        {
            if (buffer.IsEmpty)
            {
                consumed = 0;
                _bytesNeeded = 1;
                return RespStatus.NeedMore;
            }

            args.Reset();
            _pos = 0;
            _scan = 0;
            _errorMessage = null;
            _stage = buffer[0] == ByteAsterisk ? Stage.MultibulkCount : Stage.Inline;
        }

        if (_stage == Stage.Inline)
        {
            return ParseInline(buffer, args, out consumed);
        }

        return ParseMultibulk(buffer, args, out consumed);
    }

    private RespStatus ParseMultibulk(Span<byte> buffer, ArgList args, out int consumed)
    {
        consumed = 0;
        int pos = _pos;
        long value;
        int cr;

        if (_stage == Stage.MultibulkCount)
        {
            Debug.Assert(pos == 0 && buffer[0] == ByteAsterisk);
            if (!TryReadShortCount(buffer, pos, out value, out cr))
            {
                cr = FindTerminator(buffer, ByteCR);
                if (cr < 0)
                {
                    if (buffer.Length - pos > MaxInlineSize)
                    {
                        return Fail(TooBigMbulkCount);
                    }

                    return NeedMoreBytes(buffer.Length + 1L);
                }

                if (cr > buffer.Length - 2)
                {
                    return NeedMoreBytes(buffer.Length + 1L); // the byte after '\r' must be there
                }

                if (!RespNumber.TryParseInt64(buffer.Slice(pos + 1, cr - pos - 1), out value))
                {
                    return Fail(InvalidMultibulkLength);
                }
            }

            if (value > int.MaxValue)
            {
                return Fail(InvalidMultibulkLength);
            }

            if (value > UnauthenticatedMaxMultibulk && _unauthenticated)
            {
                return Fail(UnauthenticatedMultibulkLength);
            }

            pos = cr + 2;
            if (value <= 0)
            {
                consumed = pos;
                _stage = Stage.Start;
                return RespStatus.Empty;
            }

            _remaining = (int)value;
            _stage = Stage.BulkCount;
            _scan = pos;
        }

        while (true)
        {
            if (_stage == Stage.BulkCount)
            {
                // Fast path: "$<digits>\r?" with a plain length; anything unusual takes the exact slow path.
                if ((uint)pos >= (uint)buffer.Length || buffer[pos] != ByteDollar || !TryReadShortCount(buffer, pos, out value, out cr))
                {
                    cr = FindTerminator(buffer, ByteCR);
                    if (cr < 0)
                    {
                        if (buffer.Length - pos > MaxInlineSize)
                        {
                            return Fail(TooBigBulkCount);
                        }

                        _pos = pos;
                        return NeedMoreBytes(buffer.Length + 1L);
                    }

                    if (cr > buffer.Length - 2)
                    {
                        _pos = pos;
                        return NeedMoreBytes(buffer.Length + 1L);
                    }

                    if (buffer[pos] != ByteDollar)
                    {
                        return Fail(ExpectedDollarMessage(buffer[pos]));
                    }

                    if (!RespNumber.TryParseInt64(buffer.Slice(pos + 1, cr - pos - 1), out value))
                    {
                        return Fail(InvalidBulkLength);
                    }
                }

                if (value < 0 || value > MaxBulkLength)
                {
                    return Fail(InvalidBulkLength);
                }

                if (value > UnauthenticatedMaxBulk && _unauthenticated)
                {
                    return Fail(UnauthenticatedBulkLength);
                }

                pos = cr + 2;
                _bulkLength = value;
                _stage = Stage.BulkData;
            }

            // Bulk data, then two bytes Redis skips without looking at them.
            long end = pos + _bulkLength + 2;
            if (end > buffer.Length)
            {
                _pos = pos;
                return NeedMoreBytes(end);
            }

            args.Add(pos, (int)_bulkLength);
            pos = (int)end;
            if (--_remaining == 0)
            {
                consumed = pos;
                _stage = Stage.Start;
                return RespStatus.Complete;
            }

            _stage = Stage.BulkCount;
            _scan = pos;
        }
    }

    /// <summary>
    /// Fast path for a count line at <paramref name="pos"/> ('*' or '$' there): up to 18 digits without a
    /// leading zero (or "0"), then '\r' and at least one more byte. Returns false for anything else, and the
    /// caller takes the exact path. Digits contain neither '\r' nor NUL, so this '\r' is the one strchr finds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryReadShortCount(ReadOnlySpan<byte> buffer, int pos, out long value, out int cr)
    {
        value = 0;
        cr = 0;
        int start = pos + 1;
        int i = start;
        long v = 0;
        while ((uint)i < (uint)buffer.Length)
        {
            uint d = (uint)(buffer[i] - '0');
            if (d > 9)
            {
                break;
            }

            v = (v * 10) + d;
            i++;
            if (i - start > 18)
            {
                return false;
            }
        }

        int n = i - start;
        if (n == 0 || (n > 1 && buffer[start] == (byte)'0'))
        {
            return false;
        }

        if ((uint)(i + 1) >= (uint)buffer.Length || buffer[i] != ByteCR)
        {
            return false;
        }

        value = v;
        cr = i;
        return true;
    }

    /// <summary>
    /// The index of the first <paramref name="terminator"/> at or after the current line start, as
    /// <c>strchr</c> sees Redis's NUL-terminated buffer, or -1 if there is none (yet). Resumes where the
    /// previous search stopped.
    /// </summary>
    private int FindTerminator(ReadOnlySpan<byte> buffer, byte terminator)
    {
        int from = _scan;
        if (from < 0)
        {
            return -1;
        }

        if (from < buffer.Length)
        {
            int i = buffer.Slice(from).IndexOfAny(terminator, ByteNul);
            if (i >= 0)
            {
                i += from;
                if (buffer[i] == terminator)
                {
                    _scan = i;
                    return i;
                }

                _scan = ScanBlocked;
                return -1;
            }

            _scan = buffer.Length;
        }

        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RespStatus NeedMoreBytes(long total)
    {
        _bytesNeeded = total;
        return RespStatus.NeedMore;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private RespStatus Fail(string message)
    {
        _stage = Stage.Start;
        _pos = 0;
        _scan = 0;
        _remaining = 0;
        _bulkLength = 0;
        _bytesNeeded = 0;
        _errorMessage = message;
        return RespStatus.Error;
    }

    private static string[]? s_expectedDollar;

    /// <summary>"Protocol error: expected '$', got '%c'"; the strings are built once, on the first such error.</summary>
    private static string ExpectedDollarMessage(byte c)
    {
        string[] table = s_expectedDollar ??= BuildExpectedDollarMessages();
        return table[c];
    }

    private static string[] BuildExpectedDollarMessages()
    {
        var table = new string[256];
        for (int c = 0; c < 256; c++)
        {
            // Latin-1: the char code is the byte Redis writes with %c.
            table[c] = "Protocol error: expected '$', got '" + (char)c + "'";
        }

        return table;
    }
}
