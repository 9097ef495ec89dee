using System;

namespace FastKv.Engine;

/// <summary>
/// Commands read from an AOF file, re-encoded as plain RESP arrays for the replay session: whole commands up to
/// <see cref="Length"/>'s last commit, the one being read after it, and where an open MULTI began (its commands wait
/// for their EXEC). Redis's reader accepts what a strict RESP parser would not (it skips the two bytes after a bulk
/// unread), so the session gets the commands in the canonical form instead of the file's bytes.
/// </summary>
sealed class CommandBatch
{
    byte[] buf = new byte[64 * 1024];
    int len;
    /// <summary>End of the last whole command.</summary>
    int committed;
    /// <summary>Where the open MULTI starts, -1 when none.</summary>
    int multiStart = -1;

    public int Length => committed;

    public ReadOnlySpan<byte> Slice(int at, int length) => buf.AsSpan(at, length);

    public void BeginCommand(long argc)
    {
        len = committed;
        Header((byte)'*', argc);
    }

    /// <summary>Room for one bulk argument of <paramref name="length"/> bytes (read into it by the caller); its offset.</summary>
    public Span<byte> Arg(int length, out int at)
    {
        Header((byte)'$', length);
        Reserve(length + 2);
        at = len;
        buf[len + length] = (byte)'\r';
        buf[len + length + 1] = (byte)'\n';
        len += length + 2;
        return buf.AsSpan(at, length);
    }

    /// <summary>The command being read is a MULTI that opens a transaction.</summary>
    public void MultiStart() => multiStart = committed;

    public void EndCommand()
    {
        committed = len;
    }

    /// <summary>A short read: the command being read goes, and so does an open transaction.</summary>
    public void DropPartial(bool inMulti)
    {
        if (inMulti && multiStart >= 0) committed = multiStart;
        len = committed;
        multiStart = -1;
    }

    /// <summary>
    /// Runs the whole commands (never inside an open MULTI: callers run between transactions) and empties the batch;
    /// false when a shutdown stopped the replay.
    /// </summary>
    public bool RunAndClear(AofReplay replay)
    {
        bool ran = replay.Run(buf, committed);
        len = committed = 0;
        multiStart = -1;
        return ran;
    }

    void Header(byte kind, long n)
    {
        Reserve(24);
        buf[len++] = kind;
        if (!System.Buffers.Text.Utf8Formatter.TryFormat(n, buf.AsSpan(len), out int w)) throw new InvalidOperationException();
        len += w;
        buf[len++] = (byte)'\r';
        buf[len++] = (byte)'\n';
    }

    void Reserve(int n)
    {
        if (buf.Length - len >= n) return;
        long want = Math.Max((long)buf.Length * 2, (long)len + n);
        Array.Resize(ref buf, (int)Math.Min(want, Array.MaxLength));
    }
}
