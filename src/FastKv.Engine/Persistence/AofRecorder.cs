using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace FastKv.Engine;

/// <summary>
/// One shard's side of the AOF: the records its commands propagate, in the forms Redis propagates them (persistence
/// design 3), appended to a shard-local chunk that <see cref="AofLog"/> takes whole. A record is
/// <c>[db i32][length i32][RESP array of bulk strings]</c>; the log's writer puts SELECT in front when the database
/// changes. Only the shard's thread appends.
/// <para>
/// A command handler whose propagated form is not its own arguments writes that form here
/// (<see cref="Begin"/>, <see cref="Arg(ReadOnlySpan{byte})"/>..., <see cref="End"/>) and sets
/// <see cref="CommandContext.Propagated"/>; every other write command that changed <c>dirty</c> is recorded as it
/// came by <see cref="Executor.Invoke"/>.
/// </para>
/// </summary>
public sealed class AofRecorder
{
    const int HeaderBytes = 8;
    readonly Shard shard;
    byte[] buf;
    int len;
    int recordStart = -1;
    int argsLeft;
    /// <summary>Records appended since the chunk was last taken.</summary>
    public int Records;

    public AofRecorder(Shard shard, int capacity = 64 * 1024)
    {
        this.shard = shard;
        buf = new byte[capacity];
    }

    /// <summary>Whether records are wanted now: the AOF is on (one field test on the write path when it is off).</summary>
    public bool On;

    /// <summary>Bytes of records not yet taken by the log.</summary>
    public int Length => len;

    /// <summary>The records not yet taken by the log.</summary>
    public ReadOnlySpan<byte> Pending => buf.AsSpan(0, len);

    /// <summary>Starts a record of <paramref name="argc"/> arguments against database <paramref name="db"/>.</summary>
    public void Begin(int db, int argc)
    {
        if (recordStart >= 0) throw new InvalidOperationException("AOF record already open");
        Reserve(HeaderBytes + 16);
        recordStart = len;
        BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(len), db);
        len += HeaderBytes;
        buf[len++] = (byte)'*';
        len += Digits(buf.AsSpan(len), argc);
        buf[len++] = (byte)'\r';
        buf[len++] = (byte)'\n';
        argsLeft = argc;
    }

    /// <summary>One bulk-string argument of the open record.</summary>
    public void Arg(ReadOnlySpan<byte> a)
    {
        Reserve(a.Length + 32);
        buf[len++] = (byte)'$';
        len += Digits(buf.AsSpan(len), a.Length);
        buf[len++] = (byte)'\r';
        buf[len++] = (byte)'\n';
        a.CopyTo(buf.AsSpan(len));
        len += a.Length;
        buf[len++] = (byte)'\r';
        buf[len++] = (byte)'\n';
        argsLeft--;
    }

    /// <summary>An integer argument, as its decimal text.</summary>
    public void Arg(long v)
    {
        Span<byte> tmp = stackalloc byte[24];
        int n = Digits(tmp, v);
        Arg(tmp.Slice(0, n));
    }

    /// <summary>Closes the open record.</summary>
    public void End()
    {
        if (argsLeft != 0) throw new InvalidOperationException("AOF record has " + argsLeft + " arguments missing");
        BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(recordStart + 4), len - recordStart - HeaderBytes);
        recordStart = -1;
        Records++;
    }

    /// <summary>A whole record from spans.</summary>
    public void Command(int db, ReadOnlySpan<byte> a0, ReadOnlySpan<byte> a1)
    {
        Begin(db, 2);
        Arg(a0);
        Arg(a1);
        End();
    }

    /// <summary>A whole record from spans.</summary>
    public void Command(int db, ReadOnlySpan<byte> a0, ReadOnlySpan<byte> a1, ReadOnlySpan<byte> a2)
    {
        Begin(db, 3);
        Arg(a0);
        Arg(a1);
        Arg(a2);
        End();
    }

    /// <summary>The command exactly as it came (Redis propagates most commands with their own arguments).</summary>
    public void Verbatim(int db, ReadOnlySpan<byte> buffer, FastKv.Protocol.ArgList args)
    {
        int whole = CanonicalLength(buffer, args);
        if (whole > 0 && recordStart < 0)
        {
            // The client sent the record's own bytes: one copy instead of a header and a copy per argument.
            Reserve(HeaderBytes + whole);
            BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(len), db);
            BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(len + 4), whole);
            buffer.Slice(0, whole).CopyTo(buf.AsSpan(len + HeaderBytes));
            len += HeaderBytes + whole;
            Records++;
            return;
        }
        Begin(db, args.Count);
        for (int i = 0; i < args.Count; i++) Arg(args.Get(buffer, i));
        End();
    }

    /// <summary>
    /// When <paramref name="buffer"/> starts with the command as a RESP array of bulk strings in exactly the form
    /// <see cref="Begin"/> and <see cref="Arg(ReadOnlySpan{byte})"/> write (no leading zeros, no sign: every header
    /// as short as its number allows), its length; else 0 (an inline command, or arguments stored another way). Each
    /// argument must sit where the canonical headers before it put it, and a header cannot keep its width and
    /// change its form without another value, which would not frame the argument the parser found there.
    /// </summary>
    static int CanonicalLength(ReadOnlySpan<byte> buffer, FastKv.Protocol.ArgList args)
    {
        int n = args.Count;
        if (n == 0 || buffer.IsEmpty || buffer[0] != (byte)'*') return 0;
        int[] offsets = args.Offsets, lengths = args.Lengths;
        int pos = 1 + DigitCount(n) + 2;
        for (int i = 0; i < n; i++)
        {
            int l = lengths[i];
            if (pos >= buffer.Length || buffer[pos] != (byte)'$') return 0;
            pos += 1 + DigitCount(l) + 2;
            if (offsets[i] != pos) return 0;
            pos += l + 2;
            if (pos > buffer.Length || buffer[pos - 2] != (byte)'\r' || buffer[pos - 1] != (byte)'\n') return 0;
        }
        return pos;
    }

    static int DigitCount(int v)
    {
        int d = 1;
        while (v >= 10)
        {
            v /= 10;
            d++;
        }
        return d;
    }

    /// <summary>
    /// A key deleted by expiry or eviction: DEL, or UNLINK when <paramref name="lazy"/> (lazyfree-lazy-expire /
    /// lazyfree-lazy-eviction), as Redis's propagateDeletion.
    /// </summary>
    public void Deletion(int db, ReadOnlySpan<byte> key, bool lazy) =>
        Command(db, lazy ? "UNLINK"u8 : "DEL"u8, key);

    int captureStart = -1;
    int captureRecords;

    /// <summary>
    /// Records go aside for a unit (an EXEC, a multi-shard transaction's part) instead of to the log: the log does not
    /// take the buffer meanwhile. Call after publishing what came before.
    /// </summary>
    public bool Capturing => captureStart >= 0;

    public void BeginCapture()
    {
        captureStart = len;
        captureRecords = Records;
    }

    /// <summary>Ends a capture and returns its records (null when none), taking them out of the buffer.</summary>
    public byte[]? EndCapture()
    {
        int start = captureStart;
        captureStart = -1;
        if (len == start) return null;
        byte[] taken = buf.AsSpan(start, len - start).ToArray();
        len = start;
        Records = captureRecords;
        return taken;
    }

    /// <summary>Where the records end now, for <see cref="DropSince"/>.</summary>
    public (int Length, int Records) Mark => (len, Records);

    /// <summary>
    /// Drops the records made since <paramref name="mark"/> (a script SHUTDOWN NOSAVE stopped half way). Only inside a
    /// capture begun before the mark: nothing after it can have been published.
    /// </summary>
    public void DropSince((int Length, int Records) mark)
    {
        System.Diagnostics.Debug.Assert(Capturing && captureStart <= mark.Length && mark.Length <= len);
        len = mark.Length;
        Records = mark.Records;
    }

    /// <summary>Ends a capture leaving its records in place as they are.</summary>
    public void EndCapture(bool keep)
    {
        if (!keep) throw new ArgumentException("use EndCapture() to take the records", nameof(keep));
        captureStart = -1;
    }

    /// <summary>
    /// Ends a capture leaving its records in place, wrapped in MULTI ... EXEC when there are more than one, as
    /// Redis's propagatePendingCommands wraps an execution unit.
    /// </summary>
    public void EndCaptureWrapped()
    {
        int start = captureStart;
        captureStart = -1;
        if (Records - captureRecords > 1) WrapMulti(start);
    }

    /// <summary>Appends records made elsewhere (parts of a unit), wrapped in MULTI ... EXEC when they are more than one.</summary>
    public void AppendUnit(System.Collections.Generic.List<byte[]> parts)
    {
        int start = len;
        int records = Records;
        foreach (byte[] p in parts) Append(p);
        if (Records - records > 1) WrapMulti(start);
    }

    /// <summary>Appends records made on another shard (a script's call there) as they are, into a running capture.</summary>
    public void Append(ReadOnlySpan<byte> records)
    {
        Reserve(records.Length);
        records.CopyTo(buf.AsSpan(len));
        len += records.Length;
        for (int i = 0; i < records.Length;)
        {
            Records++;
            i += HeaderBytes + BinaryPrimitives.ReadInt32LittleEndian(records.Slice(i + 4));
        }
    }


    /// <summary>Takes out the records written since <paramref name="mark"/> (null when none).</summary>
    public byte[]? TakeSince((int Length, int Records) mark)
    {
        if (len == mark.Length) return null;
        byte[] taken = buf.AsSpan(mark.Length, len - mark.Length).ToArray();
        len = mark.Length;
        Records = mark.Records;
        return taken;
    }

    /// <summary>
    /// Inserts MULTI at <paramref name="start"/> and appends EXEC. Neither selects a database (Redis 7.2's
    /// propagatePendingCommands gives MULTI dbid -1): a SELECT the first record needs goes inside, after MULTI.
    /// </summary>
    void WrapMulti(int start)
    {
        const int db = -1;
        ReadOnlySpan<byte> multi = "*1\r\n$5\r\nMULTI\r\n"u8;
        int add = HeaderBytes + multi.Length;
        Reserve(add);
        buf.AsSpan(start, len - start).CopyTo(buf.AsSpan(start + add));
        BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(start), db);
        BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(start + 4), multi.Length);
        multi.CopyTo(buf.AsSpan(start + HeaderBytes));
        len += add;
        Records++;
        Begin(-1, 1);
        Arg("EXEC"u8);
        End();
    }

    /// <summary>A record (header and RESP) of a command given as its arguments, for a unit built elsewhere.</summary>
    public static byte[] Encode(int db, byte[][] argv)
    {
        var r = new AofRecorder(null!, 256);
        r.Begin(db, argv.Length);
        foreach (byte[] a in argv) r.Arg(a);
        r.End();
        return r.buf.AsSpan(0, r.len).ToArray();
    }

    /// <summary>Hands the records to the caller and starts an empty buffer (the log's writer gives arrays back).</summary>
    public byte[] Take(byte[] fresh, out int length)
    {
        if (recordStart >= 0) throw new InvalidOperationException("AOF record still open");
        byte[] full = buf;
        length = len;
        buf = fresh;
        len = 0;
        Records = 0;
        return full;
    }

    /// <summary>Drops the records not taken (the AOF was turned off).</summary>
    public void Clear()
    {
        captureStart = -1;
        len = 0;
        Records = 0;
        recordStart = -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Reserve(int more)
    {
        if (len + more > buf.Length) Grow(more);
    }

    void Grow(int more)
    {
        int size = buf.Length;
        while (size < len + more) size *= 2;
        Array.Resize(ref buf, size);
    }

    static int Digits(Span<byte> dst, long v)
    {
        v.TryFormat(dst, out int n, default, System.Globalization.CultureInfo.InvariantCulture);
        return n;
    }
}
