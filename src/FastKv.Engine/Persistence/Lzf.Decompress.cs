using System;

namespace FastKv.Engine;

/// <summary>
/// LZF, the compression Redis applies to RDB strings (lzf_d.c's format). A compressed block is a sequence of
/// runs, each led by a control byte:
/// <code>
///  000LLLLL                          a literal run: the next L+1 bytes (1..32) are copied as they are
///  LLLooooo oooooooo                 a back reference: L = 1..6, copy L+2 bytes from o+1 bytes back
///  111ooooo LLLLLLLL oooooooo        a long back reference: copy L+7+2 bytes (9..264) from o+1 bytes back
/// </code>
/// (o is 13 bits: the control byte's low 5, then the offset byte). A back reference may overlap the bytes it
/// produces (a run of one repeated byte is "copy from 1 back"), so it is copied byte by byte.
/// The compressor lives beside this (Lzf.cs).
/// </summary>
public static partial class Lzf
{
    /// <summary>
    /// Decompresses <paramref name="input"/> into <paramref name="output"/>; the number of bytes written, or -1
    /// when the input is malformed (a run past its end, a reference before the output's start) or the result
    /// does not fit. The input is untrusted: every read and write is checked against its span.
    /// </summary>
    public static int Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int ip = 0, op = 0;
        while ((uint)ip < (uint)input.Length)
        {
            int ctrl = input[ip++];
            if (ctrl < 32)
            {
                int run = ctrl + 1;
                if (run > input.Length - ip || run > output.Length - op) return -1;
                input.Slice(ip, run).CopyTo(output.Slice(op));
                ip += run;
                op += run;
                continue;
            }
            int len = ctrl >> 5;
            if (len == 7)
            {
                if ((uint)ip >= (uint)input.Length) return -1;
                len += input[ip++];
            }
            if ((uint)ip >= (uint)input.Length) return -1;
            int back = ((ctrl & 0x1F) << 8) + input[ip++] + 1;
            len += 2;
            if (back > op || len > output.Length - op) return -1;
            int from = op - back;
            if (back >= len)
            {
                output.Slice(from, len).CopyTo(output.Slice(op));
                op += len;
            }
            else
            {
                // Overlapping: each byte may be one this reference just wrote.
                for (int i = 0; i < len; i++) output[op++] = output[from + i];
            }
        }
        return op;
    }
}
