using System;
using System.Runtime.CompilerServices;

namespace FastKv.Protocol;

/// <summary>
/// Inline commands (telnet style): one line ended by "\n" or "\r\n", split like Redis's sdssplitargs.
/// <list type="bullet">
/// <item>Blanks between arguments are C isspace: space, \t, \n, \v, \f, \r. An unquoted argument ends only at
/// space, \t, \n, \r (so "a\vb" is one argument).</item>
/// <item>A quote anywhere in an argument starts quoted text that continues the same argument: a"b c" is "ab c".</item>
/// <item>"double quotes" know \xHH, \n, \r, \t, \b, \a and \c for any other c; 'single quotes' know only \'.</item>
/// <item>A closing quote must be followed by a blank or the end of the line; an unclosed quote is an error.</item>
/// </list>
/// Unescaped arguments are written back over the line: every output byte consumes at least one input byte
/// and quotes consume input without output, so the write position never passes the read position.
/// </summary>
public partial struct RespParser
{
    private const byte ByteBackslash = (byte)'\\';
    private const byte ByteDoubleQuote = (byte)'"';
    private const byte ByteSingleQuote = (byte)'\'';

    private RespStatus ParseInline(Span<byte> buffer, ArgList args, out int consumed)
    {
        consumed = 0;
        int lf = FindTerminator(buffer, ByteLF);
        if (lf < 0)
        {
            if (buffer.Length > MaxInlineSize)
            {
                return Fail(TooBigInlineRequest);
            }

            return NeedMoreBytes(buffer.Length + 1L);
        }

        int lineEnd = lf;
        if (lf > 0 && buffer[lf - 1] == ByteCR)
        {
            lineEnd--;
        }

        if (!SplitArgs(buffer.Slice(0, lineEnd), args))
        {
            args.Reset();
            return Fail(UnbalancedQuotes);
        }

        consumed = lf + 1;
        _stage = Stage.Start;
        return args.Count == 0 ? RespStatus.Empty : RespStatus.Complete;
    }

    /// <summary>sdssplitargs over <paramref name="line"/> (which holds no NUL byte), unescaping in place.</summary>
    private static bool SplitArgs(Span<byte> line, ArgList args)
    {
        int r = 0;
        int n = line.Length;
        while (true)
        {
            while (r < n && IsSpace(line[r]))
            {
                r++;
            }

            if (r >= n)
            {
                return true;
            }

            int start = r;
            int w = r;
            bool inDouble = false;
            bool inSingle = false;
            while (true)
            {
                // c is the C string's current char; 0 stands for the terminating NUL at the end of the line.
                byte c = (uint)r < (uint)n ? line[r] : ByteNul;
                if (inDouble)
                {
                    if (c == ByteNul)
                    {
                        return false; // unterminated quotes
                    }

                    byte next = At(line, r + 1);
                    if (c == ByteBackslash && next == (byte)'x' && IsHexDigit(At(line, r + 2)) && IsHexDigit(At(line, r + 3)))
                    {
                        line[w++] = (byte)((HexValue(line[r + 2]) << 4) | HexValue(line[r + 3]));
                        r += 4;
                    }
                    else if (c == ByteBackslash && next != ByteNul)
                    {
                        line[w++] = next switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            _ => next,
                        };
                        r += 2;
                    }
                    else if (c == ByteDoubleQuote)
                    {
                        if (next != ByteNul && !IsSpace(next))
                        {
                            return false; // closing quote must be followed by a blank or the end
                        }

                        r++;
                        break;
                    }
                    else
                    {
                        line[w++] = c;
                        r++;
                    }
                }
                else if (inSingle)
                {
                    if (c == ByteNul)
                    {
                        return false;
                    }

                    byte next = At(line, r + 1);
                    if (c == ByteBackslash && next == ByteSingleQuote)
                    {
                        line[w++] = ByteSingleQuote;
                        r += 2;
                    }
                    else if (c == ByteSingleQuote)
                    {
                        if (next != ByteNul && !IsSpace(next))
                        {
                            return false;
                        }

                        r++;
                        break;
                    }
                    else
                    {
                        line[w++] = c;
                        r++;
                    }
                }
                else
                {
                    if (c == (byte)' ' || c == ByteLF || c == ByteCR || c == (byte)'\t' || c == ByteNul)
                    {
                        if (c != ByteNul)
                        {
                            r++;
                        }

                        break;
                    }

                    if (c == ByteDoubleQuote)
                    {
                        inDouble = true;
                    }
                    else if (c == ByteSingleQuote)
                    {
                        inSingle = true;
                    }
                    else
                    {
                        line[w++] = c;
                    }

                    r++;
                }
            }

            args.Add(start, w - start);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte At(ReadOnlySpan<byte> line, int i) => (uint)i < (uint)line.Length ? line[i] : ByteNul;

    /// <summary>C isspace in the "C" locale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSpace(byte c) => c == (byte)' ' || (uint)(c - '\t') <= '\r' - '\t';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsHexDigit(byte c) => (uint)(c - '0') <= 9 || (uint)((c | 0x20) - 'a') <= 5;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int HexValue(byte c) => (uint)(c - '0') <= 9 ? c - '0' : (c | 0x20) - 'a' + 10;
}
