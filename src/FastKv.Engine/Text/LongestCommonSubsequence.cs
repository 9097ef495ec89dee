using System;
using System.Runtime.InteropServices;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// LCS (Redis 7 t_string.c lcsCommand): the classic dynamic-programming table of LCS lengths of
/// every prefix pair, then one walk back from the corner that rebuilds the subsequence and the
/// matching ranges, last range first. The table is (|a|+1)·(|b|+1) uint32 cells in native memory,
/// capped like Redis at proto-max-bulk-len bytes. Replies are byte-identical to Redis: the plain
/// form is the subsequence, LEN its length, IDX a map {matches: [[[a0,a1],[b0,b1](,len)]...], len}.
/// </summary>
public static unsafe class LongestCommonSubsequence
{
    public static void Reply(RespWriter w, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b,
        bool getLen, bool getIdx, bool withMatchLen, long minMatchLen)
    {
        uint alen = (uint)a.Length, blen = (uint)b.Length;
        ulong cells = (ulong)(alen + 1) * (blen + 1);
        ulong bytes = cells * sizeof(uint);
        if (bytes > (ulong)StringValue.MaxLength)
        {
            w.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
            return;
        }
        uint* dp;
        try
        {
            dp = (uint*)NativeMemory.Alloc((nuint)bytes);
        }
        catch (OutOfMemoryException)
        {
            w.Error("ERR Insufficient memory, failed allocating transient memory for LCS");
            return;
        }
        try
        {
            // dp holds cells uint32s; row i (0..alen) starts at i*(blen+1).
            Fill(dp, a, b);
            uint total = dp[cells - 1];
            if (getLen && !getIdx)
            {
                w.Integer(total);
            }
            else if (!getIdx)
            {
                ReplySubsequence(w, dp, a, b, total);
            }
            else
            {
                int count = WalkRanges(dp, a, b, minMatchLen, withMatchLen, null);
                w.MapHeader(2);
                w.Bulk("matches"u8);
                w.ArrayHeader(count);
                WalkRanges(dp, a, b, minMatchLen, withMatchLen, w);
                w.Bulk("len"u8);
                w.Integer(total);
            }
        }
        finally
        {
            NativeMemory.Free(dp);
        }
    }

    static void Fill(uint* dp, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int stride = b.Length + 1;
        for (int j = 0; j < stride; j++) dp[j] = 0;
        for (int i = 1; i <= a.Length; i++)
        {
            uint* row = dp + (long)i * stride;
            uint* prev = row - stride;
            row[0] = 0;
            byte ai = a[i - 1];
            for (int j = 1; j < stride; j++)
            {
                if (ai == b[j - 1]) row[j] = prev[j - 1] + 1;
                else row[j] = Math.Max(prev[j], row[j - 1]);
            }
        }
    }

    static uint At(uint* dp, int stride, uint i, uint j) => dp[(long)i * stride + j];

    static void ReplySubsequence(RespWriter w, uint* dp, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, uint total)
    {
        int stride = b.Length + 1;
        // The result buffer holds exactly total bytes, filled from the end.
        byte* result = (byte*)NativeMemory.Alloc(total == 0 ? 1 : (nuint)total);
        try
        {
            uint idx = total, i = (uint)a.Length, j = (uint)b.Length;
            while (i > 0 && j > 0)
            {
                if (a[(int)i - 1] == b[(int)j - 1])
                {
                    result[--idx] = a[(int)i - 1];
                    i--;
                    j--;
                }
                else if (At(dp, stride, i - 1, j) > At(dp, stride, i, j - 1)) i--;
                else j--;
            }
            w.Bulk(new ReadOnlySpan<byte>(result, (int)total));
        }
        finally
        {
            NativeMemory.Free(result);
        }
    }

    /// <summary>
    /// Redis's backward walk that groups contiguous matches into ranges. Writes them when
    /// <paramref name="w"/> is set; returns how many ranges pass MINMATCHLEN either way (the first
    /// call sizes the array header, since the reply cannot be deferred).
    /// </summary>
    static int WalkRanges(uint* dp, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, long minMatchLen, bool withMatchLen, RespWriter? w)
    {
        int stride = b.Length + 1;
        uint alen = (uint)a.Length;
        uint i = alen, j = (uint)b.Length;
        uint aStart = alen, aEnd = 0, bStart = 0, bEnd = 0; // aStart == alen: no range open
        int count = 0;
        while (i > 0 && j > 0)
        {
            bool emit = false;
            if (a[(int)i - 1] == b[(int)j - 1])
            {
                if (aStart == alen)
                {
                    aStart = aEnd = i - 1;
                    bStart = bEnd = j - 1;
                }
                else if (aStart == i && bStart == j)
                {
                    aStart--;
                    bStart--;
                }
                else
                {
                    emit = true;
                }
                if (aStart == 0 || bStart == 0) emit = true;
                i--;
                j--;
            }
            else
            {
                if (At(dp, stride, i - 1, j) > At(dp, stride, i, j - 1)) i--;
                else j--;
                if (aStart != alen) emit = true;
            }
            if (emit)
            {
                uint matchLen = aEnd - aStart + 1;
                if (minMatchLen == 0 || matchLen >= minMatchLen)
                {
                    count++;
                    if (w != null)
                    {
                        w.ArrayHeader(withMatchLen ? 3 : 2);
                        w.ArrayHeader(2);
                        w.Integer(aStart);
                        w.Integer(aEnd);
                        w.ArrayHeader(2);
                        w.Integer(bStart);
                        w.Integer(bEnd);
                        if (withMatchLen) w.Integer(matchLen);
                    }
                }
                aStart = alen;
            }
        }
        return count;
    }
}
