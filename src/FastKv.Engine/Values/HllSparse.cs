using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace FastKv.Engine;

/// <summary>
/// The sparse body of a <see cref="Hll"/>: runs of registers as opcodes, in register order, covering exactly 16384.
/// <code>
/// ZERO   00xxxxxx            xxxxxx + 1 (1..64) registers at 0
/// XZERO  01xxxxxx yyyyyyyy   xxxxxxyyyyyyyy + 1 (1..16384) registers at 0
/// VAL    1vvvvvxx            xx + 1 (1..4) registers at vvvvv + 1 (1..32)
/// </code>
/// A register above 32, or a body that would grow past hll-sparse-max-bytes, turns the value dense. Updates follow
/// Redis's hllSparseSet step for step (split the covering opcode, then merge equal VAL neighbours in a window of
/// five opcodes), so the same adds leave the same bytes. A body from outside (SETRANGE, RESTORE) may be anything:
/// every walk stays inside the value, reads the byte after the end as 0 (Redis reads its string's terminator there),
/// and reports a body that does not cover exactly 16384 registers.
/// </summary>
public static unsafe class HllSparse
{
    public const int ValMaxValue = 32;
    const int ValMaxLen = 4;
    const int ZeroMaxLen = 64;
    const int XZeroMaxLen = 16384;
    const byte XZeroBit = 0x40;
    const byte ValBit = 0x80;
    /// <summary>A new HyperLogLog: the header and one XZERO for every register.</summary>
    public const int EmptySize = Hll.HeaderSize + 2;
    /// <summary>The most one update adds (an XZERO split into XZERO VAL XZERO): room a caller makes first.</summary>
    public const int MaxGrowth = 3;

    /// <summary>What <see cref="Set"/> did.</summary>
    public enum SetResult { Unchanged = 0, Updated = 1, Corrupt = -1, Promote = 2 }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] static bool IsZero(byte b) => (b & 0xc0) == 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static bool IsXZero(byte b) => (b & 0xc0) == XZeroBit;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static bool IsVal(byte b) => (b & ValBit) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static int ZeroLen(byte b) => (b & 0x3f) + 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static int ValValue(byte b) => ((b >> 2) & 0x1f) + 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static int ValLen(byte b) => (b & 0x3) + 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static byte Val(int value, int len) => (byte)(((value - 1) << 2) | (len - 1) | ValBit);

    /// <summary>XZERO's length; its second byte is read as 0 when the body ends after the first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int XZeroLen(byte* p, byte* end) => (((p[0] & 0x3f) << 8) | (p + 1 < end ? p[1] : 0)) + 1;

    /// <summary>
    /// How many of the sixteen bytes of <paramref name="v"/>, from the first, are one-byte opcodes (ZERO or VAL) when
    /// the first is an opcode: all bytes before the first that looks like an XZERO (01xxxxxx).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int LeadingOneByteOpcodes(Vector128<byte> v)
    {
        uint xzero = Vector128.Equals(v & Vector128.Create((byte)0xc0), Vector128.Create(XZeroBit)).ExtractMostSignificantBits();
        return xzero == 0 ? Vector128<byte>.Count : BitOperations.TrailingZeroCount(xzero);
    }

    /// <summary>The registers covered by the first <paramref name="count"/> (1..16) bytes of <paramref name="v"/>, each a
    /// ZERO (low six bits + 1) or a VAL (low two bits + 1): every byte's run in its own lane (at most 64), then
    /// summed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static long OneByteSpans(Vector128<byte> v, int count)
    {
        Vector128<byte> isVal = Vector128.LessThan(v.AsSByte(), Vector128<sbyte>.Zero).AsByte();
        Vector128<byte> lowBits = Vector128.Create((byte)0x3f) ^ (isVal & Vector128.Create((byte)0x3c));
        Vector128<byte> runs = (v & lowBits) + Vector128<byte>.One;
        runs &= Vector128.LessThan(Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
            Vector128.Create((byte)count));
        if (Sse2.IsSupported)
        {
            Vector128<ulong> halves = Sse2.SumAbsoluteDifferences(runs, Vector128<byte>.Zero).AsUInt64();
            return (long)(halves.GetElement(0) + halves.GetElement(1));
        }
        (Vector128<ushort> lo, Vector128<ushort> hi) = Vector128.Widen(runs);
        return Vector128.Sum(lo + hi); // each lane at most 128, the sum at most 1024
    }

    /// <summary>Writes an XZERO of <paramref name="len"/> (1..16384) registers: two bytes.</summary>
    public static void WriteXZero(Span<byte> dst, int len)
    {
        int l = len - 1;
        dst[0] = (byte)((l >> 8) | XZeroBit);
        dst[1] = (byte)(l & 0xff);
    }

    static byte* WriteZeroRun(byte* n, int len)
    {
        if (len > ZeroMaxLen)
        {
            WriteXZero(new Span<byte>(n, 2), len);
            return n + 2;
        }
        *n = (byte)(len - 1);
        return n + 1;
    }

    /// <summary>Counts the registers of a sparse body by value; false unless it covers exactly 16384 registers.</summary>
    public static bool Histogram(byte* p, int length, int* histo)
    {
        byte* end = p + length;
        long idx = 0;
        while (p < end)
        {
            byte b = *p;
            if (IsZero(b))
            {
                int run = ZeroLen(b);
                idx += run;
                histo[0] += run;
                p++;
            }
            else if (IsXZero(b))
            {
                int run = XZeroLen(p, end);
                idx += run;
                histo[0] += run;
                p += 2;
            }
            else
            {
                int run = ValLen(b);
                idx += run;
                histo[ValValue(b)] += run;
                p++;
            }
        }
        return idx == Hll.Registers;
    }

    /// <summary>
    /// Redis's hllMerge for a sparse body: raises each of <paramref name="max"/>'s 16384 one-byte registers to the
    /// body's; false when the body is corrupt (a VAL run past the last register, or not 16384 registers in all).
    /// </summary>
    public static bool MergeInto(byte* p, int length, byte* max)
    {
        int* unused = stackalloc int[Hll.HistogramSize];
        return MergeInto(p, length, max, unused);
    }

    /// <summary>
    /// <see cref="MergeInto(byte*, int, byte*)"/>, keeping <paramref name="histo"/> the histogram of
    /// <paramref name="max"/> (a raise moves one register from its old value's slot to the new one's), so a union
    /// of sparse sketches is counted without walking all 16384 registers afterwards.
    /// </summary>
    public static bool MergeInto(byte* p, int length, byte* max, int* histo)
    {
        byte* end = p + length;
        long i = 0;
        while (p < end)
        {
            byte b = *p;
            if (IsZero(b))
            {
                i += ZeroLen(b);
                p++;
            }
            else if (IsXZero(b))
            {
                i += XZeroLen(p, end);
                p += 2;
            }
            else
            {
                int run = ValLen(b);
                byte value = (byte)ValValue(b);
                if (run + i > Hll.Registers) break;
                for (; run > 0; run--, i++)
                {
                    byte old = max[i];
                    if (value <= old) continue;
                    histo[old]--;
                    histo[value]++;
                    max[i] = value;
                }
                p++;
            }
        }
        return i == Hll.Registers;
    }

    /// <summary>
    /// Redis's hllSparseToDense: <paramref name="dense"/> (<see cref="Hll.DenseSize"/> bytes) gets the value's header
    /// (magic, unused bytes and cached count as they are) marked dense, and the registers. False when the body is
    /// corrupt; <paramref name="dense"/> is then garbage.
    /// </summary>
    public static bool ToDense(byte* v, int length, byte* dense)
    {
        new Span<byte>(dense, Hll.DenseSize).Clear();
        Buffer.MemoryCopy(v, dense, Hll.HeaderSize, Hll.HeaderSize);
        dense[4] = Hll.Dense;
        byte* registers = stackalloc byte[Hll.Registers];
        new Span<byte>(registers, Hll.Registers).Clear();
        if (!MergeInto(v + Hll.HeaderSize, length - Hll.HeaderSize, registers)) return false;
        byte* regs = dense + Hll.HeaderSize;
        for (int i = 0; i < Hll.Registers; i++)
            if (registers[i] != 0) Hll.DenseWrite(regs, i, registers[i]);
        return true;
    }

    /// <summary>
    /// Redis's hllSparseSet: raises register <paramref name="index"/> to <paramref name="count"/> in the sparse value
    /// <paramref name="v"/> of <paramref name="length"/> bytes, in place; the caller made room for
    /// <see cref="MaxGrowth"/> more bytes. <see cref="SetResult.Promote"/>: the value must turn dense first (count
    /// above 32, or the body would pass <paramref name="maxBytes"/>); nothing was changed then.
    /// </summary>
    public static SetResult Set(byte* v, ref int length, int index, int count, long maxBytes)
    {
        if (count > ValMaxValue) return SetResult.Promote;

        // Step 1: the opcode covering the register, the one before it, and the first register it covers.
        byte* sparse = v + Hll.HeaderSize;
        byte* end = v + length;
        byte* p = sparse;
        byte* prev = null;
        long first = 0, span = 0;
        // Sixteen bytes at a time while the register lies past them: their one-byte opcodes are skipped whole.
        while (end - p >= Vector128<byte>.Count)
        {
            // Invariant: p is an opcode's first byte and p..p+15 lie inside the body.
            Vector128<byte> chunk = Vector128.Load(p);
            int clean = LeadingOneByteOpcodes(chunk);
            if (clean == 0)
            {
                // An XZERO at p; its second byte is inside the body.
                span = (((p[0] & 0x3f) << 8) | p[1]) + 1;
                if (index < first + span) break;
                prev = p;
                p += 2;
                first += span;
                continue;
            }
            long covered = OneByteSpans(chunk, clean);
            if (index < first + covered) break; // the register is in one of them: found one by one below
            prev = p + clean - 1;
            p += clean;
            first += covered;
        }
        while (p < end)
        {
            int oplen = 1;
            byte b = *p;
            if (IsZero(b)) span = ZeroLen(b);
            else if (IsVal(b)) span = ValLen(b);
            else
            {
                span = XZeroLen(p, end);
                oplen = 2;
            }
            if (index <= first + span - 1) break;
            prev = p;
            p += oplen;
            first += span;
        }
        if (span == 0 || p >= end) return SetResult.Corrupt;

        byte op = *p;
        bool isXZero = IsXZero(op), isZero = IsZero(op), isVal = IsVal(op);
        byte* next = isXZero ? p + 2 : p + 1;
        if (next >= end) next = null;
        long runlen = span;

        // Step 2: the trivial updates in place.
        if (isVal)
        {
            if (ValValue(op) >= count) return SetResult.Unchanged;
            if (runlen == 1)
            {
                *p = Val(count, 1);
                return Merged(v, ref length, sparse, prev, end);
            }
        }
        if (isZero && runlen == 1)
        {
            *p = Val(count, 1);
            return Merged(v, ref length, sparse, prev, end);
        }

        // The general case: split the opcode into at most three (XZERO VAL XZERO is 5 bytes).
        byte* seq = stackalloc byte[5];
        byte* n = seq;
        long last = first + span - 1;
        if (isZero || isXZero)
        {
            if (index != first) n = WriteZeroRun(n, (int)(index - first));
            *n++ = Val(count, 1);
            if (index != last) n = WriteZeroRun(n, (int)(last - index));
        }
        else
        {
            int current = ValValue(op);
            if (index != first) *n++ = Val(current, (int)(index - first));
            *n++ = Val(count, 1);
            if (index != last) *n++ = Val(current, (int)(last - index));
        }

        // Step 3: put the new sequence in the old one's place.
        int seqLen = (int)(n - seq);
        int oldLen = isXZero ? 2 : 1;
        int delta = seqLen - oldLen;
        if (delta > 0 && (long)length + delta > maxBytes) return SetResult.Promote;
        if (delta != 0 && next != null) Buffer.MemoryCopy(next, next + delta, end - next, end - next);
        length += delta;
        end += delta;
        // Only a corrupt body (an XZERO cut by the end) has less room after p than the sequence.
        long fits = Math.Min(seqLen, end - p);
        if (fits > 0) Buffer.MemoryCopy(seq, p, fits, fits);
        return Merged(v, ref length, sparse, prev, end);
    }

    /// <summary>Step 4 of Redis's hllSparseSet: merges equal VAL neighbours among the five opcodes from the one
    /// before the change, then marks the cached count stale.</summary>
    static SetResult Merged(byte* v, ref int length, byte* sparse, byte* prev, byte* end)
    {
        byte* p = prev != null ? prev : sparse;
        int scan = 5;
        while (p < end && scan-- > 0)
        {
            byte b = *p;
            if (IsXZero(b))
            {
                p += 2;
                continue;
            }
            if (IsZero(b))
            {
                p++;
                continue;
            }
            if (p + 1 < end && IsVal(p[1]))
            {
                int v1 = ValValue(b), v2 = ValValue(p[1]);
                if (v1 == v2)
                {
                    int len = ValLen(b) + ValLen(p[1]);
                    if (len <= ValMaxLen)
                    {
                        p[1] = Val(v1, len);
                        Buffer.MemoryCopy(p + 1, p, end - p - 1, end - p - 1);
                        length--;
                        end--;
                        // Try the merged opcode with its new right neighbour.
                        continue;
                    }
                }
            }
            p++;
        }
        Hll.InvalidateCache(v);
        return SetResult.Updated;
    }

    /// <summary>PFDEBUG DECODE's text: "z:len", "Z:len" and "v:value,len" separated by spaces.</summary>
    public static string Decode(byte* p, int length)
    {
        var sb = new StringBuilder();
        byte* end = p + length;
        while (p < end)
        {
            if (sb.Length > 0) sb.Append(' ');
            byte b = *p;
            if (IsZero(b))
            {
                sb.Append("z:").Append(ZeroLen(b));
                p++;
            }
            else if (IsXZero(b))
            {
                sb.Append("Z:").Append(XZeroLen(p, end));
                p += 2;
            }
            else
            {
                sb.Append("v:").Append(ValValue(b)).Append(',').Append(ValLen(b));
                p++;
            }
        }
        return sb.ToString();
    }
}
