using System;

namespace FastKv.Memory;

public static unsafe partial class Listpack
{
    /// <summary>
    /// Builds a listpack front to back in a managed buffer, one append at a time with no copy of the tail (the
    /// arena splice of <see cref="Append"/> reallocates per entry, quadratic for a whole conversion). Used off the
    /// hot path: old RDB encodings (ziplist, zipmap) rebuilt as listpacks. Entries are encoded exactly as
    /// <see cref="Append"/> encodes them, so the result equals the listpack built by appending one by one.
    /// </summary>
    public sealed class Builder
    {
        byte[] buf;
        int used;
        int count;

        public Builder(int capacityHint = 64)
        {
            buf = new byte[Math.Max(capacityHint, EmptySize) + MaxEncodingHeader + 5];
            used = HeaderSize;
        }

        /// <summary>Entries appended so far.</summary>
        public int Count => count;

        /// <summary>The listpack's total size if finished now (header and terminator included).</summary>
        public long TotalBytes => used + 1L;

        /// <summary>Starts over with an empty listpack (the buffer is kept).</summary>
        public void Clear()
        {
            used = HeaderSize;
            count = 0;
        }

        /// <summary>Appends a string, as an integer entry when it is a canonical integer (as <see cref="Append"/>).</summary>
        public void Append(ReadOnlySpan<byte> value)
        {
            if (TryParseInteger(value, out long v)) { AppendInteger(v); return; }
            Reserve(MaxEncodingHeader + (long)value.Length + 5);
            fixed (byte* b = buf)
            {
                // Reserve left room for the header (at most 5), the data and the backlen (at most 5).
                used += WriteStringEntry(b + used, value);
            }
            count++;
        }

        public void AppendInteger(long value)
        {
            Reserve(MaxEncodingHeader + 5);
            fixed (byte* b = buf)
            {
                // Reserve left room for the encoding (at most 9) and its backlen (1).
                used += WriteIntegerEntry(b + used, value);
            }
            count++;
        }

        void Reserve(long more)
        {
            if (used + more + 1 > MaxTotalBytes) throw new InvalidOperationException("listpack would exceed " + MaxTotalBytes + " bytes");
            if (used + more + 1 <= buf.Length) return;
            long size = Math.Max(used + more + 1, Math.Min(2L * buf.Length, MaxTotalBytes));
            Array.Resize(ref buf, (int)size);
        }

        /// <summary>The finished listpack (header written, terminator appended); valid until the next append or Clear.</summary>
        public ReadOnlySpan<byte> Finish()
        {
            Reserve(0);
            buf[used] = Eof;
            int total = used + 1;
            fixed (byte* b = buf)
            {
                // The buffer holds at least total bytes (Reserve above).
                WriteU32(b, (uint)total);
                WriteU16(b + CountOffset, count >= CountUnknown ? CountUnknown : (ushort)count);
            }
            return new ReadOnlySpan<byte>(buf, 0, total);
        }

        /// <summary>The finished listpack copied into a block of <paramref name="arena"/>.</summary>
        public byte* ToArena(Arena arena) => Copy(arena, Finish());
    }
}
