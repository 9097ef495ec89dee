using System;
using System.IO;

namespace FastKv.Engine;

/// <summary>
/// The stdio reads loadSingleAppendOnlyFile makes, over a buffered file: fgets (a line of at most 1023 bytes, ending
/// after its newline), fread of an exact count, and ftello. Redis's AOF parsing is defined by these calls (a line cut
/// at 1023 bytes, a short read at end of file), so the loader makes the same ones.
/// </summary>
sealed class AofFileReader : IDisposable
{
    /// <summary>AOF_ANNOTATION_LINE_MAX_LEN: fgets's buffer size, so a line is at most one byte less.</summary>
    public const int LineMax = 1024;
    readonly Stream input;
    readonly byte[] buf = new byte[1 << 16];
    int start, end;
    long position;
    readonly long length;
    bool eof;

    public AofFileReader(Stream input, long offset)
    {
        this.input = input;
        length = input.Length;
        input.Seek(offset, SeekOrigin.Begin);
        position = offset;
    }

    /// <summary>ftello: bytes consumed from the file's start.</summary>
    public long Position => position;

    /// <summary>Bytes left after <see cref="Position"/> (the file's size when opened).</summary>
    public long Remaining => Math.Max(0, length - position);

    /// <summary>fgets: the line (with its newline, if one came within the limit) into <paramref name="line"/>; 0 at end of file.</summary>
    public int ReadLine(Span<byte> line)
    {
        int n = 0;
        while (n < LineMax - 1)
        {
            if (start == end && !Fill()) break;
            byte b = buf[start++];
            position++;
            line[n++] = b;
            if (b == '\n') break;
        }
        return n;
    }

    /// <summary>fread of exactly <paramref name="dst"/>'s length; false when the file ends first (what was there is consumed).</summary>
    public bool ReadExact(Span<byte> dst)
    {
        while (dst.Length > 0)
        {
            if (start == end && !Fill()) return false;
            int n = Math.Min(dst.Length, end - start);
            buf.AsSpan(start, n).CopyTo(dst);
            start += n;
            position += n;
            dst = dst.Slice(n);
        }
        return true;
    }

    /// <summary>Skips <paramref name="count"/> bytes; false when the file ends first.</summary>
    public bool Skip(long count)
    {
        while (count > 0)
        {
            if (start == end && !Fill()) return false;
            int n = (int)Math.Min(count, end - start);
            start += n;
            position += n;
            count -= n;
        }
        return true;
    }

    bool Fill()
    {
        if (eof) return false;
        start = 0;
        end = input.Read(buf, 0, buf.Length);
        if (end <= 0)
        {
            end = 0;
            eof = true;
            return false;
        }
        return true;
    }

    public void Dispose() => input.Dispose();
}
