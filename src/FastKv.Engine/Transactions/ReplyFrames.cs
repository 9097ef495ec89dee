using System;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>Walks RESP replies that FastKv itself wrote (well-formed by construction).</summary>
public static class ReplyFrames
{
    /// <summary>Length of the complete frame starting at <paramref name="pos"/>.</summary>
    public static int Length(ReadOnlySpan<byte> s, int pos)
    {
        int start = pos;
        Skip(s, ref pos);
        return pos - start;
    }

    static long LineNumber(ReadOnlySpan<byte> s, ref int pos)
    {
        int end = s.Slice(pos).IndexOf((byte)'\r') + pos;
        RespNumber.TryParseInt64(s.Slice(pos + 1, end - pos - 1), out long n);
        pos = end + 2;
        return n;
    }

    public static void Skip(ReadOnlySpan<byte> s, ref int pos)
    {
        byte kind = s[pos];
        switch (kind)
        {
            case (byte)'$':
            case (byte)'=':
            case (byte)'!':
            {
                long n = LineNumber(s, ref pos);
                if (n >= 0) pos += (int)n + 2;
                return;
            }
            case (byte)'*':
            case (byte)'~':
            case (byte)'>':
            {
                long n = LineNumber(s, ref pos);
                for (long i = 0; i < n; i++) Skip(s, ref pos);
                return;
            }
            case (byte)'%':
            {
                long n = LineNumber(s, ref pos);
                for (long i = 0; i < 2 * n; i++) Skip(s, ref pos);
                return;
            }
            default:
                pos = s.Slice(pos).IndexOf((byte)'\n') + pos + 1;
                return;
        }
    }

    /// <summary>The integer of a ':' reply, or 0.</summary>
    public static long Integer(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 3 || frame[0] != (byte)':') return 0;
        RespNumber.TryParseInt64(frame.Slice(1, frame.Length - 3), out long n);
        return n;
    }

    public static bool IsError(ReadOnlySpan<byte> frame) => frame.Length > 0 && frame[0] == (byte)'-';

    /// <summary>Position of the first element of an aggregate reply, and its element count.</summary>
    public static int Elements(ReadOnlySpan<byte> frame, out long count)
    {
        int pos = 0;
        count = LineNumber(frame, ref pos);
        return pos;
    }
}
