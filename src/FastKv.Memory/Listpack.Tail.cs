using System;

namespace FastKv.Memory;

public static unsafe partial class Listpack
{
    /// <summary>
    /// Bytes the entry <see cref="Append"/> would write for <paramref name="value"/> (encoding, data, backlen): what a
    /// <see cref="TailAppender"/> is sized with.
    /// </summary>
    public static int EntryBytes(ReadOnlySpan<byte> value)
        => TryParseInteger(value, out long v) ? IntegerEntryBytes(v) : StringEntryBytes(value.Length);

    /// <summary>Bytes the entry <see cref="AppendInteger"/> would write for <paramref name="value"/>.</summary>
    public static int IntegerEntryBytes(long value)
    {
        // enc holds MaxEncodingHeader bytes; EncodeInteger writes at most 9.
        byte* enc = stackalloc byte[MaxEncodingHeader];
        int n = EncodeInteger(value, enc);
        return n + BacklenSize(n);
    }

    /// <summary>Bytes of a string entry of <paramref name="length"/> data bytes.</summary>
    static int StringEntryBytes(int length)
    {
        int enc = (length <= Str6MaxLen ? 1 : length <= Str12MaxLen ? 2 : 5) + length;
        return enc + BacklenSize(enc);
    }

    /// <summary>Writes a string entry (header, data, backlen) at <paramref name="at"/>; returns its bytes. The caller made room.</summary>
    static int WriteStringEntry(byte* at, ReadOnlySpan<byte> value)
    {
        int head = EncodeStringHeader(value.Length, at);
        value.CopyTo(new Span<byte>(at + head, value.Length));
        int enc = head + value.Length;
        return enc + WriteBacklen(at + enc, enc);
    }

    /// <summary>Writes an integer entry (encoding, backlen) at <paramref name="at"/>; returns its bytes. The caller made room.</summary>
    static int WriteIntegerEntry(byte* at, long value)
    {
        int enc = EncodeInteger(value, at);
        return enc + WriteBacklen(at + enc, enc);
    }

    /// <summary>
    /// Opens the listpack's tail for entries whose bytes add up to exactly <paramref name="addBytes"/>
    /// (<see cref="EntryBytes"/>, <see cref="IntegerEntryBytes"/>): the blob grows once, the entries are written in
    /// place, and <see cref="TailAppender.End"/> writes the terminator, the size and the count. The same bytes as that
    /// many <see cref="Append"/> calls, without a splice and a size check per entry (a stream entry is five to eight).
    /// Values must not lie inside the blob (the growth may move it).
    /// </summary>
    public static TailAppender AppendBegin(Arena arena, byte* lp, int addBytes)
    {
        int total = TotalBytes(lp);
        long newTotal = (long)total + addBytes;
        if (newTotal > MaxTotalBytes) ThrowTooLarge();
        lp = Grow(arena, lp, total, (int)newTotal);
        return new TailAppender(lp, total, (int)newTotal);
    }

    /// <summary>Entries written at a listpack's end after one growth (<see cref="AppendBegin"/>).</summary>
    public ref struct TailAppender
    {
        readonly byte* lp;
        readonly int newTotal;
        byte* at;
        int added;

        internal TailAppender(byte* lp, int total, int newTotal)
        {
            this.lp = lp;
            this.newTotal = newTotal;
            at = lp + total - 1; // the terminator's place: the first entry goes there
        }

        /// <summary>Appends <paramref name="value"/>, as an integer entry when it is a canonical integer (as <see cref="Append"/>).</summary>
        public void Value(ReadOnlySpan<byte> value)
        {
            if (TryParseInteger(value, out long v))
            {
                Integer(v);
                return;
            }
            Take(StringEntryBytes(value.Length));
            // Take checked that the entry ends before the terminator's place, inside the block AppendBegin grew.
            at += WriteStringEntry(at, value);
        }

        public void Integer(long value)
        {
            Take(IntegerEntryBytes(value));
            // Take checked the room, as in Value.
            at += WriteIntegerEntry(at, value);
        }

        /// <summary>Room for an entry of <paramref name="bytes"/>: refused (before any write) past what was announced.</summary>
        void Take(int bytes)
        {
            if (bytes > lp + newTotal - 1 - at) throw new InvalidOperationException("listpack entries larger than announced");
            added++;
        }

        /// <summary>Closes the listpack (terminator, total bytes, count); returns the blob.</summary>
        public byte* End()
        {
            if (at != lp + newTotal - 1) throw new InvalidOperationException("listpack entries smaller than announced");
            *at = Eof;
            WriteU32(lp, (uint)newTotal);
            ushort count = HeaderCount(lp);
            if (count != CountUnknown)
            {
                int c = count + added;
                WriteU16(lp + CountOffset, c >= CountUnknown ? CountUnknown : (ushort)c);
            }
            return lp;
        }
    }
}
