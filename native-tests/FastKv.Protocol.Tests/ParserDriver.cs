using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Protocol;

namespace FastKv.Protocol.Tests;

/// <summary>
/// Feeds input to a <see cref="RespParser"/> the way a connection does: bytes arrive in chunks, every
/// complete command is parsed, an incomplete command stays at its start (or moves to offset 0) until more
/// bytes arrive. Outcomes are rendered as strings so whole and split runs compare directly.
/// </summary>
internal static class ParserDriver
{
    public const string Incomplete = "incomplete";

    public static string Cmd(params string[] args)
    {
        var sb = new StringBuilder("C");
        foreach (string a in args)
        {
            sb.Append(' ');
            Escape(sb, Encoding.Latin1.GetBytes(a));
        }

        return sb.ToString();
    }

    public static string Empty => "empty";

    public static string Err(string message) => "E " + message;

    public static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);

    /// <summary>Runs the input with chunk boundaries at <paramref name="splits"/> (ascending positions).</summary>
    public static List<string> Run(
        byte[] input,
        ReadOnlySpan<int> splits,
        bool moveToZero = false,
        long maxBulk = 0,
        bool authenticated = true)
    {
        var parser = new RespParser();
        parser.MaxBulkLength = maxBulk;
        parser.Authenticated = authenticated;
        var args = new ArgList(2);
        var outcomes = new List<string>();
        byte[] work = new byte[input.Length];
        int len = 0;
        int start = 0;
        int src = 0;
        for (int s = 0; s <= splits.Length; s++)
        {
            int end = s < splits.Length ? splits[s] : input.Length;
            if (end < src)
            {
                throw new ArgumentException("splits must ascend");
            }

            Buffer.BlockCopy(input, src, work, len, end - src);
            len += end - src;
            src = end;
            while (true)
            {
                RespStatus status = parser.Parse(work.AsSpan(start, len - start), args, out int consumed);
                if (status == RespStatus.Complete)
                {
                    outcomes.Add(Render(work.AsSpan(start, consumed), args));
                    start += consumed;
                }
                else if (status == RespStatus.Empty)
                {
                    if (consumed <= 0)
                    {
                        throw new InvalidOperationException("Empty must consume");
                    }

                    outcomes.Add(Empty);
                    start += consumed;
                }
                else if (status == RespStatus.Error)
                {
                    outcomes.Add(Err(parser.ErrorMessage!));
                    return outcomes;
                }
                else
                {
                    if (consumed != 0)
                    {
                        throw new InvalidOperationException("NeedMore must not consume");
                    }

                    if (parser.BytesNeeded <= len - start)
                    {
                        throw new InvalidOperationException("BytesNeeded must exceed the bytes buffered");
                    }

                    if (moveToZero && start > 0)
                    {
                        Buffer.BlockCopy(work, start, work, 0, len - start);
                        len -= start;
                        start = 0;
                    }

                    break;
                }
            }
        }

        if (start < len || parser.InProgress)
        {
            outcomes.Add(Incomplete);
        }

        return outcomes;
    }

    public static string Render(ReadOnlySpan<byte> command, ArgList args)
    {
        var sb = new StringBuilder("C");
        for (int i = 0; i < args.Count; i++)
        {
            sb.Append(' ');
            Escape(sb, args.Get(command, i));
        }

        return sb.ToString();
    }

    private static void Escape(StringBuilder sb, ReadOnlySpan<byte> bytes)
    {
        sb.Append('<');
        foreach (byte b in bytes)
        {
            if (b >= 0x20 && b < 0x7f && b != '\\' && b != '>')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append("\\x").Append(b.ToString("x2"));
            }
        }

        sb.Append('>');
    }
}
