using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastKv.Engine;

/// <summary>
/// The CRC-64 Redis puts at the end of RDB files and DUMP payloads: the "Jones" polynomial
/// (0xad93d23594c935a9), reflected input and output, initial value 0, no final xor.
/// "123456789" gives 0xe9c6d914c4b8d9ca. (System.IO.Hashing's Crc64 is the ECMA-182 variant, a different CRC.)
///
/// <see cref="Update"/> folds 64 bytes at a time with carry-less multiplies where the CPU has them (PCLMULQDQ, see
/// <see cref="Fold"/>), and otherwise runs eight table lookups per 8 bytes (slicing-by-8), so a snapshot shard can
/// checksum its chunks while they are still in cache; <see cref="Combine"/> joins the CRCs of consecutive pieces without
/// reading them again, which lets the file writer checksum a file whose chunks were summed on different shards.
/// </summary>
public static unsafe class Crc64
{
    /// <summary>The reflected Jones polynomial.</summary>
    public const ulong Polynomial = 0x95ac9329ac4bc9b5;

    static readonly ulong[] Table = BuildTable();

    static ulong[] BuildTable()
    {
        var t = new ulong[8 * 256];
        for (int i = 0; i < 256; i++)
        {
            ulong crc = (ulong)i;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ Polynomial : crc >> 1;
            t[i] = crc;
        }
        // Table k gives the CRC of byte i followed by k zero bytes: what slicing-by-8 folds in per lane.
        for (int i = 0; i < 256; i++)
            for (int k = 1; k < 8; k++)
                t[k * 256 + i] = (t[(k - 1) * 256 + i] >> 8) ^ t[(int)(t[(k - 1) * 256 + i] & 0xFF)];
        return t;
    }

    /// <summary>The CRC of <paramref name="data"/> continued from <paramref name="crc"/> (0 to start).</summary>
    public static ulong Update(ulong crc, ReadOnlySpan<byte> data)
    {
        if (data.Length >= FoldMinimum && Pclmulqdq.IsSupported)
        {
            // The span is pinned for the call and Fold reads data[0..Length) only (its loop bounds say so).
            fixed (byte* p = data)
            {
                int folded = Fold(p, data.Length, crc, out Vector128<ulong> rest);
                // The 16 bytes left in the register are congruent to everything folded, so their CRC from 0 is its CRC.
                Span<byte> tail = stackalloc byte[16];
                rest.AsByte().CopyTo(tail);
                return UpdateTable(UpdateTable(0, tail), data.Slice(folded));
            }
        }
        return UpdateTable(crc, data);
    }

    /// <summary>Slicing-by-8 over the whole span.</summary>
    public static ulong UpdateTable(ulong crc, ReadOnlySpan<byte> data)
    {
        ulong[] t = Table;
        int i = 0;
        while (data.Length - i >= 8)
        {
            crc ^= BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i));
            crc = t[7 * 256 + (int)(crc & 0xFF)] ^ t[6 * 256 + (int)((crc >> 8) & 0xFF)]
                ^ t[5 * 256 + (int)((crc >> 16) & 0xFF)] ^ t[4 * 256 + (int)((crc >> 24) & 0xFF)]
                ^ t[3 * 256 + (int)((crc >> 32) & 0xFF)] ^ t[2 * 256 + (int)((crc >> 40) & 0xFF)]
                ^ t[1 * 256 + (int)((crc >> 48) & 0xFF)] ^ t[(int)(crc >> 56)];
            i += 8;
        }
        for (; i < data.Length; i++) crc = t[(int)((crc ^ data[i]) & 0xFF)] ^ (crc >> 8);
        return crc;
    }

    /// <summary>Shortest input <see cref="Fold"/> takes: four 16-byte lanes.</summary>
    const int FoldMinimum = 64;

    // Constants for folding a 16-byte block D bits forward (below). In the reflected layout, a 16-byte block loaded
    // little-endian holds its first message bit in bit 0, so its low 64-bit lane H carries the block's high-degree
    // half: block = H * x^64 + L. Moving it D bits forward multiplies by x^D: H * x^(D+64) + L * x^D, taken mod P
    // lane by lane. A carry-less multiply of two bit-reflected 64-bit values is the reflected 128-bit product times
    // x, so each lane is multiplied by the reflection of x^(n-1) mod P, not of x^n mod P.
    static readonly Vector128<ulong> Fold512 = FoldConstants(512), Fold384 = FoldConstants(384),
        Fold256 = FoldConstants(256), Fold128 = FoldConstants(128);

    /// <summary>(low lane: reflected x^(D+63) mod P, high lane: reflected x^(D-1) mod P).</summary>
    static Vector128<ulong> FoldConstants(int d) =>
        Vector128.Create(ReverseBits(XPowModP(d + 63)), ReverseBits(XPowModP(d - 1)));

    /// <summary>x^n mod P in the natural bit order (bit i is the coefficient of x^i).</summary>
    static ulong XPowModP(int n)
    {
        ulong natural = ReverseBits(Polynomial), r = 1;
        for (int i = 0; i < n; i++) r = (r & (1UL << 63)) != 0 ? (r << 1) ^ natural : r << 1;
        return r;
    }

    static ulong ReverseBits(ulong v)
    {
        ulong r = 0;
        for (int i = 0; i < 64; i++, v >>= 1) r = (r << 1) | (v & 1);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<ulong> Forward(Vector128<ulong> block, Vector128<ulong> k) =>
        Pclmulqdq.CarrylessMultiply(block, k, 0x00) ^ Pclmulqdq.CarrylessMultiply(block, k, 0x11);

    /// <summary>
    /// Folds <paramref name="p"/>[0..n) (n &gt;= 64) into one 16-byte block congruent to it mod P: four lanes of 16
    /// bytes move 64 bytes forward per round and absorb the next 64, then fold into one, which absorbs what is left
    /// 16 bytes at a time. The running CRC enters xored into the first 8 bytes (for a reflected CRC without a final
    /// xor, a starting register is the same as xoring it into the next 8 message bytes). Returns the bytes folded.
    /// </summary>
    static int Fold(byte* p, int n, ulong crc, out Vector128<ulong> rest)
    {
        Vector128<ulong> x0 = Sse2.LoadVector128((ulong*)p) ^ Vector128.CreateScalar(crc);
        Vector128<ulong> x1 = Sse2.LoadVector128((ulong*)(p + 16));
        Vector128<ulong> x2 = Sse2.LoadVector128((ulong*)(p + 32));
        Vector128<ulong> x3 = Sse2.LoadVector128((ulong*)(p + 48));
        int i = 64;
        for (; n - i >= 64; i += 64)
        {
            x0 = Forward(x0, Fold512) ^ Sse2.LoadVector128((ulong*)(p + i));
            x1 = Forward(x1, Fold512) ^ Sse2.LoadVector128((ulong*)(p + i + 16));
            x2 = Forward(x2, Fold512) ^ Sse2.LoadVector128((ulong*)(p + i + 32));
            x3 = Forward(x3, Fold512) ^ Sse2.LoadVector128((ulong*)(p + i + 48));
        }
        Vector128<ulong> x = Forward(x0, Fold384) ^ Forward(x1, Fold256) ^ Forward(x2, Fold128) ^ x3;
        for (; n - i >= 16; i += 16) x = Forward(x, Fold128) ^ Sse2.LoadVector128((ulong*)(p + i));
        rest = x;
        return i;
    }

    /// <summary>
    /// The CRC of A followed by B, from the CRC of A, the CRC of B and B's length (zlib's crc32_combine method:
    /// feed len2 zero bytes into crc1 with the GF(2) operators for 2^k zero bytes, then xor crc2; the initial value
    /// is 0 and there is no final xor, so no correction term). The operators are built once (<see cref="ZeroOps"/>):
    /// the file writer combines one CRC per 64 KiB chunk, and squaring them again on every call cost about 100 us a
    /// chunk, a second of the writer's time per 600 MB file; applying them is one matrix-vector product per set bit.
    /// </summary>
    public static ulong Combine(ulong crc1, ulong crc2, long len2)
    {
        if (len2 <= 0) return crc1;
        ReadOnlySpan<ulong> ops = ZeroOps;
        for (int k = 0; len2 != 0; k++, len2 >>= 1)
            if ((len2 & 1) != 0) crc1 = Times(ops.Slice(k * 64, 64), crc1);
        return crc1 ^ crc2;
    }

    /// <summary>Operator k (64 rows at k * 64) appends 2^k zero bytes to a CRC, for k = 0..62 (every positive long).</summary>
    static readonly ulong[] ZeroOps = BuildZeroOps();

    static ulong[] BuildZeroOps()
    {
        const int Count = 63;
        var ops = new ulong[Count * 64];
        Span<ulong> a = stackalloc ulong[64];
        Span<ulong> b = stackalloc ulong[64];
        // The operator for one zero bit, squared three times: one zero byte.
        a[0] = Polynomial;
        ulong row = 1;
        for (int n = 1; n < 64; n++)
        {
            a[n] = row;
            row <<= 1;
        }
        Square(b, a); // two zero bits
        Square(a, b); // four
        Square(ops.AsSpan(0, 64), a); // eight: one byte
        for (int k = 1; k < Count; k++) Square(ops.AsSpan(k * 64, 64), ops.AsSpan((k - 1) * 64, 64));
        return ops;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Times(ReadOnlySpan<ulong> matrix, ulong vec)
    {
        ulong sum = 0;
        for (int i = 0; vec != 0; i++, vec >>= 1)
            if ((vec & 1) != 0) sum ^= matrix[i];
        return sum;
    }

    static void Square(Span<ulong> square, ReadOnlySpan<ulong> matrix)
    {
        for (int n = 0; n < 64; n++) square[n] = Times(matrix, matrix[n]);
    }
}
