using System;
using System.Buffers;

namespace FastKv.Engine.Scripting;

public static partial class CmsgpackLibrary
{
    /// <summary>
    /// pack's output: MessagePack's headers and big-endian numbers appended to a pooled array that doubles when full.
    /// Lengths wider than 32 bits keep their low 32 bits in str 32/array 32/map 32 headers, as Redis's do.
    /// </summary>
    struct PackBuffer(int capacity) : IDisposable
    {
        byte[] bytes = ArrayPool<byte>.Shared.Rent(capacity);
        int length;

        public readonly ReadOnlySpan<byte> Written => bytes.AsSpan(0, length);

        Span<byte> Reserve(int n)
        {
            if (bytes.Length - length < n)
            {
                byte[] bigger = ArrayPool<byte>.Shared.Rent(checked(Math.Max(bytes.Length * 2, length + n)));
                bytes.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(bytes);
                bytes = bigger;
            }
            Span<byte> s = bytes.AsSpan(length, n);
            length += n;
            return s;
        }

        public void WriteByte(byte b) => Reserve(1)[0] = b;

        /// <summary>The low <paramref name="n"/> bytes of <paramref name="v"/>, most significant first.</summary>
        public void WriteBigEndian(ulong v, int n)
        {
            Span<byte> s = Reserve(n);
            for (int i = n - 1; i >= 0; i--, v >>= 8) s[i] = (byte)v;
        }

        /// <summary>mp_encode_int: positive fixnum, uint 8/16/32/64 for n &gt;= 0; negative fixnum, int 8/16/32/64 below.</summary>
        public void WriteInteger(long n)
        {
            if (n >= 0)
            {
                if (n <= 127) WriteByte((byte)n);
                else if (n <= 0xff) WriteTagged(0xcc, (ulong)n, 1);
                else if (n <= 0xffff) WriteTagged(0xcd, (ulong)n, 2);
                else if (n <= 0xffffffffL) WriteTagged(0xce, (ulong)n, 4);
                else WriteTagged(0xcf, (ulong)n, 8);
            }
            else
            {
                if (n >= -32) WriteByte((byte)(sbyte)n);
                else if (n >= -128) WriteTagged(0xd0, (ulong)n, 1);
                else if (n >= -32768) WriteTagged(0xd1, (ulong)n, 2);
                else if (n >= -2147483648L) WriteTagged(0xd2, (ulong)n, 4);
                else WriteTagged(0xd3, (ulong)n, 8);
            }
        }

        /// <summary>mp_encode_bytes: fixstr below 32 bytes, then str 8, str 16, str 32 (never bin), then the bytes.</summary>
        public void WriteString(ReadOnlySpan<byte> s)
        {
            ulong len = (ulong)s.Length;
            if (len < 32) WriteByte((byte)(0xa0 | len));
            else if (len <= 0xff) WriteTagged(0xd9, len, 1);
            else if (len <= 0xffff) WriteTagged(0xda, len, 2);
            else WriteTagged(0xdb, len, 4);
            s.CopyTo(Reserve(s.Length));
        }

        /// <summary>mp_encode_array / mp_encode_map: <paramref name="fix"/>|n up to 15, then the 16-bit form <paramref name="tag16"/>, then the 32-bit one (tag16 + 1).</summary>
        public void WriteHeader(nuint n, byte fix, byte tag16)
        {
            if (n <= 15) WriteByte((byte)(fix | n));
            else if (n <= 0xffff) WriteTagged(tag16, n, 2);
            else WriteTagged((byte)(tag16 + 1), n, 4);
        }

        void WriteTagged(byte tag, ulong v, int n)
        {
            WriteByte(tag);
            WriteBigEndian(v, n);
        }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(bytes);
            bytes = [];
        }
    }
}
