using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace FastKv.Engine;

/// <summary>
/// A HyperLogLog, stored as Redis 7.2 stores it: an ordinary string value whose bytes are the sketch, so GET,
/// SETRANGE, DUMP/RESTORE and RDB move it unchanged between Redis and FastKv. 16384 registers (the low 14 bits
/// of an element's MurmurHash64A pick one; the run of zeros after them, plus one, is the value it may raise the
/// register to), kept sparse (<see cref="HllSparse"/>) while small and dense (6 bits per register) after.
/// <code>
/// [0..3]   "HYLL"
/// [4]      encoding: 0 dense, 1 sparse (anything else is not a HyperLogLog)
/// [5..7]   unused, kept as found (a conversion to dense copies them)
/// [8..15]  cached cardinality, little-endian; bit 7 of byte 15 set means stale
/// [16..]   dense: 16384 x 6-bit registers, register i at bit 6*i, least significant bits first (12288 bytes)
///          sparse: opcodes (see HllSparse)
/// </code>
/// The cardinality is Ertl's estimator ("New cardinality estimation algorithms for HyperLogLog sketches",
/// arXiv:1702.01284) over the register histogram, computed in doubles in the same order as Redis's hllCount, so
/// the counts agree to the unit.
/// </summary>
public static unsafe partial class Hll
{
    /// <summary>Index bits; 64 - P bits remain for the zero run.</summary>
    public const int P = 14;
    public const int Q = 64 - P;
    public const int Registers = 1 << P;
    const int PMask = Registers - 1;
    public const int RegisterBits = 6;
    public const int RegisterMax = (1 << RegisterBits) - 1;
    public const int HeaderSize = 16;
    public const int DenseRegisterBytes = (Registers * RegisterBits + 7) / 8;
    public const int DenseSize = HeaderSize + DenseRegisterBytes;
    public const byte Dense = 0;
    public const byte Sparse = 1;
    /// <summary>Slots of a register histogram: every 6-bit value has one (a valid sketch uses 0..Q+1).</summary>
    public const int HistogramSize = 64;
    const ulong Seed = 0xadc83b19UL;
    const double AlphaInf = 0.721347520444481703680; // 0.5 / ln 2

    public const string InvalidObject = "INVALIDOBJ Corrupted HLL object detected";
    public const string NotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";

    /// <summary>
    /// Redis's isHLLObjectOrReply after its type check: long enough for the header, the magic, a known encoding,
    /// and exactly <see cref="DenseSize"/> bytes when dense. A sparse body is checked only when it is walked.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> v)
    {
        if (v.Length < HeaderSize) return false;
        if (v[0] != 'H' || v[1] != 'Y' || v[2] != 'L' || v[3] != 'L') return false;
        if (v[4] > Sparse) return false;
        return v[4] != Dense || v.Length == DenseSize;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CacheValid(byte* v) => (v[15] & 0x80) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InvalidateCache(byte* v) => v[15] |= 0x80;

    public static ulong CachedCount(byte* v) => BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(v + 8, 8));

    public static void SetCachedCount(byte* v, ulong card) => BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(v + 8, 8), card);

    /// <summary>Redis's createHLLObject: sparse, every register zero (one XZERO), cached count 0 and valid.</summary>
    public static void WriteEmpty(Span<byte> dst)
    {
        dst.Slice(0, HllSparse.EmptySize).Clear();
        "HYLL"u8.CopyTo(dst);
        dst[4] = Sparse;
        HllSparse.WriteXZero(dst.Slice(HeaderSize), Registers);
    }

    /// <summary>MurmurHash64A (Austin Appleby), as Redis uses it: little-endian words, Redis's seed.</summary>
    public static ulong Hash(ReadOnlySpan<byte> data)
    {
        const ulong m = 0xc6a4a7935bd1e995UL;
        const int r = 47;
        ulong h = Seed ^ ((ulong)data.Length * m);
        int whole = data.Length & ~7;
        for (int i = 0; i < whole; i += 8)
        {
            ulong k = BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i, 8));
            k *= m;
            k ^= k >> r;
            k *= m;
            h ^= k;
            h *= m;
        }
        int rest = data.Length & 7;
        if (rest != 0)
        {
            ReadOnlySpan<byte> tail = data.Slice(whole);
            for (int i = rest - 1; i >= 0; i--) h ^= (ulong)tail[i] << (8 * i);
            h *= m;
        }
        h ^= h >> r;
        h *= m;
        h ^= h >> r;
        return h;
    }

    /// <summary>Redis's hllPatLen: the register an element lands in, and the value (1..Q+1) it offers that register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PatternLength(ReadOnlySpan<byte> element, out int index)
    {
        ulong hash = Hash(element);
        index = (int)(hash & PMask);
        hash >>= P;
        hash |= 1UL << Q; // the run ends by bit Q at the latest
        return BitOperations.TrailingZeroCount(hash) + 1;
    }

    // ---- dense registers --------------------------------------------------------------------------------------

    /// <summary>Register <paramref name="i"/> of dense registers. Never reads past the 12288 register bytes: the
    /// last register's bits end in its own byte (a register needs the next byte only when it starts past bit 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int DenseGet(byte* regs, int i)
    {
        int bit = i * RegisterBits;
        int b = bit >> 3, fb = bit & 7;
        uint w = regs[b];
        if (fb > 8 - RegisterBits) w |= (uint)regs[b + 1] << 8;
        return (int)(w >> fb) & RegisterMax;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DenseWrite(byte* regs, int i, int value)
    {
        int bit = i * RegisterBits;
        int b = bit >> 3, fb = bit & 7;
        regs[b] = (byte)((regs[b] & ~(RegisterMax << fb)) | (value << fb));
        if (fb > 8 - RegisterBits)
        {
            int fb8 = 8 - fb;
            regs[b + 1] = (byte)((regs[b + 1] & ~(RegisterMax >> fb8)) | (value >> fb8));
        }
    }

    /// <summary>Redis's hllDenseSet: raises register <paramref name="i"/> to <paramref name="value"/>; true when it rose.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool DenseSet(byte* regs, int i, int value)
    {
        if (value <= DenseGet(regs, i)) return false;
        DenseWrite(regs, i, value);
        return true;
    }

    /// <summary>The four registers packed in three bytes, lowest bits first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Unpack4(byte* r, out int a, out int b, out int c, out int d)
    {
        a = r[0] & 63;
        b = (r[0] >> 6 | r[1] << 2) & 63;
        c = (r[1] >> 4 | r[2] << 4) & 63;
        d = r[2] >> 2;
    }

    /// <summary>Counts dense registers by value, four registers (three bytes) at a time.</summary>
    public static void DenseHistogram(byte* r, int* histo)
    {
        for (int j = 0; j < Registers / 4; j++, r += 3)
        {
            Unpack4(r, out int a, out int b, out int c, out int d);
            histo[a]++;
            histo[b]++;
            histo[c]++;
            histo[d]++;
        }
    }

    /// <summary>Raises each of <paramref name="max"/>'s 16384 one-byte registers to the dense register's value.</summary>
    public static void DenseMergeInto(byte* r, byte* max)
    {
        for (int j = 0; j < Registers / 4; j++, r += 3, max += 4)
        {
            Unpack4(r, out int a, out int b, out int c, out int d);
            if (a > max[0]) max[0] = (byte)a;
            if (b > max[1]) max[1] = (byte)b;
            if (c > max[2]) max[2] = (byte)c;
            if (d > max[3]) max[3] = (byte)d;
        }
    }

    /// <summary>Counts one-byte registers (PFCOUNT's union of several keys) by value.</summary>
    public static void RawHistogram(byte* max, int* histo)
    {
        ulong* word = (ulong*)max;
        for (int j = 0; j < Registers / 8; j++)
        {
            if (word[j] == 0)
            {
                histo[0] += 8;
                continue;
            }
            byte* b = (byte*)(word + j);
            for (int k = 0; k < 8; k++) histo[b[k]]++;
        }
    }

    // ---- the estimate -----------------------------------------------------------------------------------------

    /// <summary>
    /// Ertl's improved raw estimator over a register histogram, as Redis's hllCount computes it (same operations,
    /// same order, so the same double and the same rounding).
    /// </summary>
    public static ulong Estimate(int* histo)
    {
        double m = Registers;
        double z = m * Tau((m - histo[Q + 1]) / m);
        for (int j = Q; j >= 1; j--)
        {
            z += histo[j];
            z *= 0.5;
        }
        z += m * Sigma(histo[0] / m);
        // llroundl: halves away from zero. An empty sketch has z = infinity and counts 0.
        return (ulong)(long)Math.Round(AlphaInf * m * m / z, MidpointRounding.AwayFromZero);
    }

    static double Sigma(double x)
    {
        if (x == 1.0) return double.PositiveInfinity;
        double zPrime;
        double y = 1;
        double z = x;
        do
        {
            x *= x;
            zPrime = z;
            z += x * y;
            y += y;
        } while (zPrime != z);
        return z;
    }

    static double Tau(double x)
    {
        if (x == 0.0 || x == 1.0) return 0.0;
        double zPrime;
        double y = 1.0;
        double z = 1 - x;
        do
        {
            x = Math.Sqrt(x);
            zPrime = z;
            y *= 0.5;
            // The C library's pow, as Redis calls it (not x*x): the same rounding on every platform we run.
            z -= Math.Pow(1 - x, 2) * y;
        } while (zPrime != z);
        return z / 3;
    }

    /// <summary>
    /// The cardinality of a valid HyperLogLog value (<see cref="IsValid"/>); false when its sparse body does not
    /// cover exactly 16384 registers (Redis's INVALIDOBJ).
    /// </summary>
    public static bool TryCount(byte* v, int length, out ulong card)
    {
        int* histo = stackalloc int[HistogramSize];
        new Span<int>(histo, HistogramSize).Clear();
        card = 0;
        if (v[4] == Dense) DenseHistogram(v + HeaderSize, histo);
        else if (!HllSparse.Histogram(v + HeaderSize, length - HeaderSize, histo)) return false;
        card = Estimate(histo);
        return true;
    }
}
