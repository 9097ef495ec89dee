using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace FastKv.Server.Tests.Infrastructure;

/// <summary>
/// RESP framing and encoding for the tests: how long one complete reply is (RESP2 and RESP3 types),
/// how to encode a command, how to print bytes readably, and a small parsed view of a reply.
/// </summary>
public static class Resp
{
    public static readonly Encoding Latin1 = Encoding.Latin1;

    public static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Latin-1 view of raw bytes: one char per byte, so nothing is lost.</summary>
    public static string AsString(byte[] b) => Latin1.GetString(b);

    public static byte[] EncodeCommand(params string[] args)
    {
        var parts = new byte[args.Length][];
        for (int i = 0; i < args.Length; i++)
            parts[i] = Encoding.UTF8.GetBytes(args[i]);
        return EncodeCommand(parts);
    }

    public static byte[] EncodeCommand(byte[][] args)
    {
        var ms = new MemoryStream();
        WriteAscii(ms, "*" + args.Length.ToString(CultureInfo.InvariantCulture) + "\r\n");
        foreach (byte[] a in args)
        {
            WriteAscii(ms, "$" + a.Length.ToString(CultureInfo.InvariantCulture) + "\r\n");
            ms.Write(a);
            ms.WriteByte((byte)'\r');
            ms.WriteByte((byte)'\n');
        }
        return ms.ToArray();
    }

    private static void WriteAscii(MemoryStream ms, string s)
    {
        foreach (char c in s)
            ms.WriteByte((byte)c);
    }

    /// <summary>Printable form of raw bytes: \r \n \t \\ \" and \xNN for the rest; long input is cut.</summary>
    public static string Escape(ReadOnlySpan<byte> bytes, int max = 2000)
    {
        var sb = new StringBuilder(bytes.Length + 2);
        sb.Append('"');
        int n = Math.Min(bytes.Length, max);
        for (int i = 0; i < n; i++)
        {
            byte b = bytes[i];
            switch (b)
            {
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'"': sb.Append("\\\""); break;
                default:
                    if (b >= 0x20 && b < 0x7f)
                        sb.Append((char)b);
                    else
                        sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
                    break;
            }
        }
        sb.Append('"');
        if (bytes.Length > max)
            sb.Append("...(").Append(bytes.Length).Append(" bytes)");
        return sb.ToString();
    }

    public static string EscapeCommand(byte[][] args)
    {
        var sb = new StringBuilder();
        foreach (byte[] a in args)
        {
            if (sb.Length > 0)
                sb.Append(' ');
            sb.Append(Escape(a, 200));
        }
        return sb.ToString();
    }

    /// <summary>
    /// Length of the one complete reply at the start of <paramref name="buf"/>, or -1 if more bytes are
    /// needed. Knows + - : _ , # ( (lines), $ ! = (sized blobs, $-1 null), * ~ > (arrays, *-1 null),
    /// % (maps: 2n elements) and | (attributes: 2n elements, then the reply they annotate).
    /// Throws <see cref="InvalidDataException"/> on a byte that cannot start a reply.
    /// </summary>
    public static int FrameLength(ReadOnlySpan<byte> buf)
    {
        int pos = 0;
        return Frame(buf, ref pos) ? pos : -1;
    }

    private static bool Frame(ReadOnlySpan<byte> buf, ref int pos)
    {
        if (pos >= buf.Length)
            return false;
        byte type = buf[pos];
        int lineEnd = buf[pos..].IndexOf("\r\n"u8);
        if (lineEnd < 0)
            return false;
        int headerStart = pos + 1;
        int headerEnd = pos + lineEnd;
        pos = headerEnd + 2;
        switch (type)
        {
            case (byte)'+':
            case (byte)'-':
            case (byte)':':
            case (byte)'_':
            case (byte)',':
            case (byte)'#':
            case (byte)'(':
                return true;
            case (byte)'$':
            case (byte)'!':
            case (byte)'=':
            {
                long len = ParseLength(buf[headerStart..headerEnd]);
                if (len < 0)
                    return true;
                if (buf.Length - pos < len + 2)
                    return false;
                pos += (int)len + 2;
                return true;
            }
            case (byte)'*':
            case (byte)'~':
            case (byte)'>':
            case (byte)'%':
            case (byte)'|':
            {
                long count = ParseLength(buf[headerStart..headerEnd]);
                if (count < 0)
                    return true;
                if (type is (byte)'%' or (byte)'|')
                    count *= 2;
                for (long i = 0; i < count; i++)
                {
                    if (!Frame(buf, ref pos))
                        return false;
                }
                // An attribute annotates the reply that follows it; both are one reply.
                return type != (byte)'|' || Frame(buf, ref pos);
            }
            default:
                throw new InvalidDataException($"byte 0x{type:x2} cannot start a RESP reply at: {Escape(buf[(headerStart - 1)..], 200)}");
        }
    }

    private static long ParseLength(ReadOnlySpan<byte> digits)
    {
        string s = Latin1.GetString(digits);
        if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
            throw new InvalidDataException($"bad RESP length '{s}'");
        return v;
    }

    /// <summary>Parses one complete reply into a tree (for tests that need values, not bytes).</summary>
    public static RespValue Parse(byte[] reply)
    {
        int pos = 0;
        RespValue v = ParseAt(reply, ref pos);
        if (pos != reply.Length)
            throw new InvalidDataException("trailing bytes after reply: " + Escape(reply));
        return v;
    }

    private static RespValue ParseAt(byte[] buf, ref int pos)
    {
        char type = (char)buf[pos];
        int lineEnd = buf.AsSpan(pos).IndexOf("\r\n"u8) + pos;
        byte[] header = buf[(pos + 1)..lineEnd];
        pos = lineEnd + 2;
        switch (type)
        {
            case '$':
            case '!':
            case '=':
            {
                long len = ParseLength(header);
                if (len < 0)
                    return new RespValue(type, null, null);
                byte[] data = buf[pos..(pos + (int)len)];
                pos += (int)len + 2;
                return new RespValue(type, data, null);
            }
            case '*':
            case '~':
            case '>':
            case '%':
            case '|':
            {
                long count = ParseLength(header);
                if (count < 0)
                    return new RespValue(type, null, null);
                if (type is '%' or '|')
                    count *= 2;
                var items = new List<RespValue>();
                for (long i = 0; i < count; i++)
                    items.Add(ParseAt(buf, ref pos));
                return new RespValue(type, null, items);
            }
            default:
                return new RespValue(type, header, null);
        }
    }
}

/// <summary>A parsed reply: its type byte, its payload (line or blob) and its elements (aggregates).</summary>
public sealed record RespValue(char Type, byte[]? Data, List<RespValue>? Items)
{
    public bool IsNull => Type == '_' || (Data is null && Items is null);
    public bool IsError => Type is '-' or '!';
    public string? Text => Data is null ? null : Resp.AsString(Data);

    public long Integer => Type == ':' ? long.Parse(Text!, CultureInfo.InvariantCulture) : throw new InvalidDataException($"not an integer reply: {this}");

    public override string ToString() =>
        Items is not null ? $"{Type}[{string.Join(", ", Items)}]" : Data is null ? $"{Type}(null)" : $"{Type}{Resp.Escape(Data, 200)}";
}
