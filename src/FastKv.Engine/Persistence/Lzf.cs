using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Engine;

/// <summary>How an RDB string is compressed: not at all, with Redis's own choices (<see cref="Lzf.Compress"/>), or quickly (<see cref="Lzf.CompressQuick"/>).</summary>
public enum LzfMode : byte { Off, Exact, Quick }

/// <summary>
/// LZF, the compression of RDB strings (liblzf by Marc Lehmann, as Redis ships it in lzf_c.c / lzf_d.c).
/// The compressed stream is a sequence of items, each starting with a control byte:
/// <code>
///  000LLLLL  then L+1 literal bytes                    a literal run of 1..32 bytes
///  LLLooooo  oooooooo                                  copy L+2 bytes (L = 1..6) from o+1 bytes back
///  111ooooo  LLLLLLLL  oooooooo                        copy L+9 bytes (up to 264) from o+1 bytes back
/// </code>
/// Offsets are 13 bits (at most 8192 bytes back). Any stream of these items decompresses with Redis's lzf_d,
/// but <see cref="Compress"/> also picks the same items Redis's compressor picks, so a DUMP holds the same bytes
/// Redis would write for the same value (RDB files and AOF bases, which only have to load back, use the faster
/// <see cref="CompressQuick"/>). That compressor is liblzf 3.6 (Redis 7.2's copy) with HLOG 16 and VERY_FAST:
///
/// - a 65536-slot table maps a hash of the next three bytes to the last position they were seen at
///   (<see cref="ExactTable.Slot"/>); a position is a match candidate when it is less than 8192 bytes back, is not the
///   first byte of the input, and its three bytes equal the current three;
/// - a match is extended greedily, up to 264 bytes and normally leaving two bytes of input (but it is at least
///   the three bytes that were compared), except that a long enough remainder is first compared sixteen bytes at
///   a time without that bound (kept: it decides the match length near the end of the input);
/// - after a match only the last two positions it covered enter the table (VERY_FAST);
/// - the output check before each item is liblzf's, so the same inputs "do not fit" (result 0).
///
/// liblzf leaves its table uninitialized (INIT_HTAB 0): a stale slot from an earlier call is harmless unless it
/// happens to point into the current input before the current position, which Redis's heap makes rare. Here each
/// call sees an empty table, which is the behaviour Redis has in every call where that does not happen.
/// Decompression is Lzf.Decompress.cs.
/// </summary>
public static unsafe partial class Lzf
{
    /// <summary>liblzf's HLOG as Redis builds it: 2^16 table slots.</summary>
    const int HashLog = 16;
    const int TableSize = 1 << HashLog;
    /// <summary>Longest literal run one control byte covers.</summary>
    const int MaxLiteral = 1 << 5;
    /// <summary>Back-references reach at most this many bytes back.</summary>
    const int MaxOffset = 1 << 13;
    /// <summary>Longest back-reference: 7 + 255 in the length fields, plus 2.</summary>
    const int MaxReference = (1 << 8) + (1 << 3);

    /// <summary>
    /// This thread's position table. A slot holds <c>t_base + position</c> of the call that wrote it; a call only
    /// trusts values at or above its own base, and the next call's base starts above every position of this one,
    /// so no call sees another's positions and the table is never cleared between calls (only when the base
    /// would wrap). Allocated once per thread (256 KiB); shard threads live as long as the process.
    /// </summary>
    [ThreadStatic] static uint[]? t_table;
    [ThreadStatic] static uint t_base;
    /// <summary>The quick table and its base, kept the same way (16 KiB per thread).</summary>
    [ThreadStatic] static uint[]? t_quickTable;
    [ThreadStatic] static uint t_quickBase;

    /// <summary>What the compressor loop is specialized by: the table's slot function and when it gives up.</summary>
    interface ITable
    {
        /// <summary>The slot of the three bytes in the low 24 bits of <paramref name="h"/>.</summary>
        static abstract int Slot(uint h);
        /// <summary>Input bytes read without finding a match after which a call on <paramref name="len"/> bytes gives up (returns 0); int.MaxValue: never.</summary>
        static abstract int GiveUpAfter(int len);
    }

    /// <summary>liblzf's table, for output byte-identical to Redis's.</summary>
    struct ExactTable : ITable
    {
        /// <summary>liblzf's IDX for VERY_FAST: depends only on the low 24 bits of <paramref name="h"/>, the last three bytes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Slot(uint h) => (int)(((h >> (3 * 8 - HashLog)) - h * 5) & (TableSize - 1));
        public static int GiveUpAfter(int len) => int.MaxValue;
    }

    /// <summary>
    /// The quick table: 2^QuickHashLog slots (16 KiB, small enough for the L1 cache; liblzf's is 256 KiB), and no
    /// match in the first <see cref="QuickProbe"/> bytes (or the first eighth of a longer input) means the input is
    /// taken for incompressible (random, already compressed or encrypted bytes), as fast compressors commonly decide
    /// early. Text, numbers and structured values repeat three bytes well within that. Most of the gain is the
    /// early decision: a rewrite of random 100-byte values spent half its time in liblzf's walk over every byte.
    /// </summary>
    struct QuickTable : ITable
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Slot(uint h) => (int)(((h >> (3 * 8 - QuickHashLog)) - h * 5) & (QuickTableSize - 1));
        public static int GiveUpAfter(int len) => Math.Max(QuickProbe, len >> 3);
    }

    const int QuickHashLog = 12;
    const int QuickTableSize = 1 << QuickHashLog;
    /// <summary>Bytes <see cref="CompressQuick"/> reads for a first match before it gives up, at least.</summary>
    public const int QuickProbe = 32;

    /// <summary>
    /// Compresses <paramref name="input"/> into <paramref name="output"/>; returns the compressed length, or 0 when
    /// the input is empty or the result would not fit (as liblzf's lzf_compress, which stops early: a 0 does not
    /// mean the output span was left untouched).
    /// </summary>
    public static int Compress(ReadOnlySpan<byte> input, Span<byte> output) =>
        Compress<ExactTable>(input, output, ref t_table, ref t_base, TableSize);

    /// <summary>
    /// Compresses into the same stream format (any LZF decoder, Redis's included, reads it) faster than
    /// <see cref="Compress"/> and not byte-identical to it: a smaller table finds fewer matches in long inputs, and
    /// an input with no repeated three bytes in its first <see cref="QuickProbe"/> bytes (or eighth) is not compressed at all
    /// (returns 0, as a result that does not fit). For snapshots and AOF bases, whose strings only have to load
    /// back; DUMP, whose payload Redis clients compare, uses <see cref="Compress"/>.
    /// </summary>
    public static int CompressQuick(ReadOnlySpan<byte> input, Span<byte> output) =>
        Compress<QuickTable>(input, output, ref t_quickTable, ref t_quickBase, QuickTableSize);

    /// <summary>One call with this thread's <paramref name="table"/> of <paramref name="size"/> slots and its next base.</summary>
    static int Compress<T>(ReadOnlySpan<byte> input, Span<byte> output, ref uint[]? table, ref uint next, int size)
        where T : struct, ITable
    {
        int len = input.Length, outLen = output.Length;
        if (len == 0 || outLen == 0) return 0;
        uint[] t = table ??= new uint[size];
        // This call's base: above every position an earlier call stored (the table cleared when it would wrap).
        uint b = next;
        if (b == 0 || b > uint.MaxValue - (uint)len - 1)
        {
            Array.Clear(t);
            b = 1; // 0 is an empty slot, below every base
        }
        next = b + (uint)len + 1;
        // Every read below is of input[0..len) and every write of output[0..outLen): the index checks say so at each;
        // every slot index is T.Slot's, masked below size.
        fixed (byte* inp = input)
        fixed (byte* outp = output)
        fixed (uint* htab = t)
            return Run<T>(inp, len, outp, outLen, htab, b);
    }

    static int Run<T>(byte* inp, int len, byte* outp, int outLen, uint* htab, uint b) where T : struct, ITable
    {
        int giveUp = T.GiveUpAfter(len); // cleared to int.MaxValue by the first match
        uint hval = len >= 2 ? (uint)((inp[0] << 8) | inp[1]) : 0;
        // Up to the first match every byte is a literal: this walk does to the table what the loop below would, and the
        // literals it passes are copied out whole once it stops (most of a quick call on incompressible bytes is here).
        int ip = 0;
        while (ip < len - 2)
        {
            uint h = (hval << 8) | inp[ip + 2];
            uint* slot = htab + T.Slot(h);
            uint seen = *slot;
            int r = seen >= b ? (int)(seen - b) : -1;
            // A match: the loop below takes it from here (the slot still as it found it). The loop's own test, written
            // out: as a shared inlined helper the quick call on random bytes measured 20% slower.
            if (r > 0 && ip - r - 1 < MaxOffset
                && inp[r] == inp[ip] && inp[r + 1] == inp[ip + 1] && inp[r + 2] == inp[ip + 2]) break;
            if (ip >= giveUp) return 0;
            *slot = b + (uint)ip;
            hval = h;
            ip++;
        }
        // The ip literals so far, in runs of 32 (each closed with its control byte), as the loop below writes them; the
        // loop returns 0 at the first literal found at or past outLen, so does this.
        if (ip > 0 && ip + (ip - 1) / MaxLiteral >= outLen) return 0;
        int op = 1; // a literal run starts: its control byte goes at op - lit - 1
        int lit = 0;
        for (int from = 0; from < ip; from += MaxLiteral)
        {
            int n = Math.Min(MaxLiteral, ip - from);
            // Invariant: reads inp[from, from + n) inside [0, ip); writes outp[op, op + n), below outLen by the check above.
            Buffer.MemoryCopy(inp + from, outp + op, n, n);
            op += n;
            lit = n;
            if (lit == MaxLiteral)
            {
                outp[op - lit - 1] = (byte)(lit - 1);
                lit = 0;
                op++;
            }
        }
        while (ip < len - 2)
        {
            hval = (hval << 8) | inp[ip + 2];
            uint* slot = htab + T.Slot(hval);
            uint seen = *slot;
            *slot = b + (uint)ip;
            int r = seen >= b ? (int)(seen - b) : -1; // a position of this call, always < ip, or none
            int off = ip - r - 1;
            if (r > 0 && off < MaxOffset
                && inp[r] == inp[ip] && inp[r + 1] == inp[ip + 1] && inp[r + 2] == inp[ip + 2])
            {
                giveUp = int.MaxValue;
                int m = MatchLength(inp + r, inp + ip, Math.Min(len - ip - 2, MaxReference));
                // Room for the reference (up to 3 bytes) and the next run's control byte, counted as if the
                // literal run's control byte were already taken back when the run is empty.
                if (op - (lit == 0 ? 1 : 0) + 3 + 1 >= outLen) return 0;
                // Close the literal run, or take back its unused control byte.
                if (lit > 0) outp[op - lit - 1] = (byte)(lit - 1);
                else op--;
                int e = m - 2; // the length field: bytes copied minus 2
                if (e < 7)
                {
                    outp[op++] = (byte)((off >> 8) + (e << 5));
                }
                else
                {
                    outp[op++] = (byte)((off >> 8) + (7 << 5));
                    outp[op++] = (byte)(e - 7);
                }
                outp[op++] = (byte)off;
                lit = 0;
                op++;
                ip += m;
                if (ip >= len - 2) break;
                // VERY_FAST: only the last two positions of the match enter the table.
                ip -= 2;
                hval = (uint)((inp[ip] << 8) | inp[ip + 1]);
                hval = (hval << 8) | inp[ip + 2];
                htab[T.Slot(hval)] = b + (uint)ip;
                ip++;
                hval = (hval << 8) | inp[ip + 2];
                htab[T.Slot(hval)] = b + (uint)ip;
                ip++;
            }
            else
            {
                if (op >= outLen || ip >= giveUp) return 0;
                lit++;
                outp[op++] = inp[ip++];
                if (lit == MaxLiteral)
                {
                    outp[op - lit - 1] = (byte)(lit - 1);
                    lit = 0;
                    op++;
                }
            }
        }
        if (op + 3 > outLen) return 0; // at most two bytes are left, plus a control byte
        while (ip < len)
        {
            lit++;
            outp[op++] = inp[ip++];
            if (lit == MaxLiteral)
            {
                outp[op - lit - 1] = (byte)(lit - 1);
                lit = 0;
                op++;
            }
        }
        if (lit > 0) outp[op - lit - 1] = (byte)(lit - 1);
        else op--;
        Debug.Assert(op <= outLen);
        return op;
    }

    /// <summary>
    /// Bytes that match at <paramref name="r"/> and <paramref name="p"/>, whose first three are known equal. liblzf
    /// stops at <paramref name="max"/> (or 3, when less remains), except that when more than 16 may match it first compares positions 3..18
    /// unconditionally, so near the end of the input a match can run one or two bytes past <paramref name="max"/>
    /// (never past the input: max &gt; 16 leaves at least 19 bytes from <paramref name="p"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int MatchLength(byte* r, byte* p, int max)
    {
        int n = 2;
        if (max > 16)
        {
            for (int k = 0; k < 16; k++)
            {
                n++;
                if (r[n] != p[n]) return n;
            }
        }
        do n++;
        while (n < max && r[n] == p[n]);
        return n;
    }
}
