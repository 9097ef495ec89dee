using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastKv.Engine;

/// <summary>
/// Bit algorithms over a string's bytes, as Redis's bitops.c numbers them: bit 0 is the most significant bit of
/// byte 0 (SETBIT k 0 1 on an empty key gives "\x80"). Everything works on spans over the value in place: counting
/// uses the popcnt instruction eight bytes at a time, searching uses the vectorised IndexOfAnyExcept, and BITOP's
/// combinations run over <see cref="Vector{T}"/> lanes. Nothing here allocates.
/// </summary>
public static class Bitmap
{
    /// <summary>The number of set bits in <paramref name="s"/> (Redis's redisPopcount).</summary>
    public static long PopCount(ReadOnlySpan<byte> s)
    {
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(s);
        long a = 0, b = 0, c = 0, d = 0;
        int i = 0;
        // Four independent sums keep popcnt's latency off the critical path.
        for (; i + 4 <= words.Length; i += 4)
        {
            a += BitOperations.PopCount(words[i]);
            b += BitOperations.PopCount(words[i + 1]);
            c += BitOperations.PopCount(words[i + 2]);
            d += BitOperations.PopCount(words[i + 3]);
        }
        for (; i < words.Length; i++) a += BitOperations.PopCount(words[i]);
        for (int j = words.Length * sizeof(ulong); j < s.Length; j++) b += BitOperations.PopCount(s[j]);
        return a + b + c + d;
    }

    /// <summary>
    /// Redis's redisBitpos: the position of the first bit equal to <paramref name="bit"/>. Looking for a 1 in a span
    /// of zeros answers -1; looking for a 0 in a span of ones answers the first position past it (Length * 8), which
    /// BITPOS turns into -1 when the caller gave an explicit end.
    /// </summary>
    public static long FirstBit(ReadOnlySpan<byte> s, int bit)
    {
        int i = s.IndexOfAnyExcept(bit == 1 ? (byte)0 : (byte)0xFF);
        if (i < 0) return bit == 1 ? -1 : (long)s.Length * 8;
        uint b = bit == 1 ? s[i] : (byte)~s[i];
        return (long)i * 8 + BitOperations.LeadingZeroCount(b) - 24;
    }

    // ---- BITOP ---------------------------------------------------------------------------------

    /// <summary><paramref name="dst"/> &amp;= <paramref name="src"/>; bytes of dst past the end of src become 0 (a missing byte is 0).</summary>
    public static void AndInto(Span<byte> dst, ReadOnlySpan<byte> src)
    {
        int n = Math.Min(dst.Length, src.Length);
        Span<Vector<byte>> dv = MemoryMarshal.Cast<byte, Vector<byte>>(dst.Slice(0, n));
        ReadOnlySpan<Vector<byte>> sv = MemoryMarshal.Cast<byte, Vector<byte>>(src.Slice(0, n));
        for (int i = 0; i < dv.Length; i++) dv[i] &= sv[i];
        for (int i = dv.Length * Vector<byte>.Count; i < n; i++) dst[i] &= src[i];
        dst.Slice(n).Clear();
    }

    /// <summary><paramref name="dst"/> |= <paramref name="src"/> over src's bytes (src is at most as long as dst).</summary>
    public static void OrInto(Span<byte> dst, ReadOnlySpan<byte> src)
    {
        Span<Vector<byte>> dv = MemoryMarshal.Cast<byte, Vector<byte>>(dst.Slice(0, src.Length));
        ReadOnlySpan<Vector<byte>> sv = MemoryMarshal.Cast<byte, Vector<byte>>(src);
        for (int i = 0; i < dv.Length; i++) dv[i] |= sv[i];
        for (int i = dv.Length * Vector<byte>.Count; i < src.Length; i++) dst[i] |= src[i];
    }

    /// <summary><paramref name="dst"/> ^= <paramref name="src"/> over src's bytes (src is at most as long as dst).</summary>
    public static void XorInto(Span<byte> dst, ReadOnlySpan<byte> src)
    {
        Span<Vector<byte>> dv = MemoryMarshal.Cast<byte, Vector<byte>>(dst.Slice(0, src.Length));
        ReadOnlySpan<Vector<byte>> sv = MemoryMarshal.Cast<byte, Vector<byte>>(src);
        for (int i = 0; i < dv.Length; i++) dv[i] ^= sv[i];
        for (int i = dv.Length * Vector<byte>.Count; i < src.Length; i++) dst[i] ^= src[i];
    }

    /// <summary><paramref name="dst"/> = ~<paramref name="src"/> (same lengths).</summary>
    public static void Not(Span<byte> dst, ReadOnlySpan<byte> src)
    {
        Span<Vector<byte>> dv = MemoryMarshal.Cast<byte, Vector<byte>>(dst);
        ReadOnlySpan<Vector<byte>> sv = MemoryMarshal.Cast<byte, Vector<byte>>(src);
        for (int i = 0; i < dv.Length; i++) dv[i] = ~sv[i];
        for (int i = dv.Length * Vector<byte>.Count; i < src.Length; i++) dst[i] = (byte)~src[i];
    }

    // ---- BITFIELD ------------------------------------------------------------------------------

    /// <summary>
    /// A field of 1..64 bits starting at bit <paramref name="offset"/> of <paramref name="s"/>, read as an unsigned
    /// number (Redis's getUnsignedBitfield); bytes past the end of the span read as 0.
    /// </summary>
    public static ulong GetUnsigned(ReadOnlySpan<byte> s, long offset, int bits)
    {
        UInt128 window = Window(s, offset >> 3);
        int shift = 72 - (int)(offset & 7) - bits;
        return (ulong)(window >> shift) & Mask(bits);
    }

    /// <summary>The field as a two's complement number of <paramref name="bits"/> bits (Redis's getSignedBitfield).</summary>
    public static long GetSigned(ReadOnlySpan<byte> s, long offset, int bits)
    {
        ulong u = GetUnsigned(s, offset, bits);
        // Shift the field's sign bit into bit 63 and back arithmetically to extend it.
        return (long)(u << (64 - bits)) >> (64 - bits);
    }

    /// <summary>
    /// Writes the low <paramref name="bits"/> bits of <paramref name="value"/> at bit <paramref name="offset"/>
    /// (Redis's setUnsignedBitfield / setSignedBitfield). The span must hold every byte the field touches.
    /// </summary>
    public static void Set(Span<byte> s, long offset, int bits, ulong value)
    {
        int first = (int)(offset >> 3);
        int shift = 72 - (int)(offset & 7) - bits;
        UInt128 mask = (UInt128)Mask(bits) << shift;
        UInt128 window = (Window(s, first) & ~mask) | (((UInt128)(value & Mask(bits))) << shift);
        int touched = ((int)(offset & 7) + bits + 7) >> 3;
        // The window's 9 bytes, most significant first; only the bytes the field covers go back.
        Span<byte> nine = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(nine, window << 56);
        nine.Slice(0, touched).CopyTo(s.Slice(first));
    }

    /// <summary>Up to 9 bytes from byte <paramref name="first"/> as a 72-bit big-endian number, zero-padded past the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static UInt128 Window(ReadOnlySpan<byte> s, long first)
    {
        Span<byte> nine = stackalloc byte[16];
        nine.Clear();
        if (first < s.Length)
        {
            ReadOnlySpan<byte> from = s.Slice((int)first);
            from.Slice(0, Math.Min(9, from.Length)).CopyTo(nine);
        }
        return BinaryPrimitives.ReadUInt128BigEndian(nine) >> 56;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Mask(int bits) => bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
}
