using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

// Pops (ZPOPMIN, ZPOPMAX, ZMPOP; the blocking forms build on PopFrom), ZRANDMEMBER and ZSCAN.
public static unsafe partial class ZSetCommands
{
    static void RegisterPop(CommandTable t)
    {
        t.Add("zpopmin", &ZPopMin);
        t.Add("zpopmax", &ZPopMax);
        t.Add("zmpop", &ZMPop, CrossShard.Gather, keys: &CommandTable.NumKeysAt1);
        t.Add("zrandmember", &ZRandMember);
        t.Add("zscan", &ZScan);
    }

    // ---- pops ---------------------------------------------------------------------------------------

    static void ZPopMin(ref CommandContext c) => PopMinMax(ref c, max: false);

    static void ZPopMax(ref CommandContext c) => PopMinMax(ref c, max: true);

    /// <summary>zpopMinMaxCommand: ZPOPMIN key [count]; RESP3 nests [member, score] pairs only when a count was given.</summary>
    static void PopMinMax(ref CommandContext c, bool max)
    {
        if (c.Count > 3) { c.W.Error(Errors.Syntax); return; }
        long count = -1;
        if (c.Count == 3 && (!RespNumber.TryParseInt64(c.Arg(2), out count) || count < 0))
        {
            c.W.Error(Errors.NotPositive);
            return;
        }
        bool nested = c.W.Protocol == 3 && count != -1;
        PopGeneric(ref c, 1, 1, max, emitKey: false, count, nested, nilWhenEmpty: false);
    }

    /// <summary>
    /// genericZpopCommand over the keys at arguments <paramref name="firstKey"/>.. (<paramref name="keyCount"/>
    /// of them): the first that exists is popped (WRONGTYPE stops the search), or an empty array / null
    /// array when none does. <paramref name="count"/> -1 is a plain single pop.
    /// </summary>
    public static void PopGeneric(ref CommandContext c, int firstKey, int keyCount, bool max, bool emitKey, long count, bool nested, bool nilWhenEmpty)
    {
        byte* e = null;
        int keyArg = firstKey;
        for (int i = 0; i < keyCount; i++)
        {
            keyArg = firstKey + i;
            if (!c.WriteTyped(keyArg, ValueKind.ZSet, out e)) return;
            if (e != null) break;
        }
        if (e == null)
        {
            if (nilWhenEmpty) c.W.NullArray();
            else c.W.ArrayHeader(0);
            return;
        }
        PopFrom(ref c, e, c.Arg(keyArg), max, emitKey, count, nested);
    }

    /// <summary>
    /// Pops up to <paramref name="count"/> (-1: one) elements from the lowest or highest end of the
    /// non-empty set at <paramref name="e"/> and writes the reply in genericZpopCommand's four shapes:
    /// flat [m, s, ...]; nested [[m, s] ...]; with the key first, flat [key, m, s] (BZPOPMIN) or
    /// [key, [[m, s] ...]] (ZMPOP, BZMPOP). Deletes the key when it empties.
    /// </summary>
    public static void PopFrom(ref CommandContext c, byte* e, ReadOnlySpan<byte> key, bool max, bool emitKey, long count, bool nested)
    {
        if (count == 0)
        {
            c.W.ArrayHeader(0);
            return;
        }
        if (count == -1) count = 1;
        ZSet z = ZSet.Of(e);
        long n = Math.Min(count, ZSetValue.Length(z));
        if (!nested && !emitKey) c.W.ArrayHeader((int)(n * 2));
        else if (nested && !emitKey) c.W.ArrayHeader((int)n);
        else if (!nested)
        {
            c.W.ArrayHeader((int)(n * 2 + 1));
            c.W.Bulk(key);
        }
        else
        {
            c.W.ArrayHeader(2);
            c.W.Bulk(key);
            c.W.ArrayHeader((int)n);
        }
        Arena arena = ArenaOf(ref c);
        for (long i = 0; i < n; i++)
        {
            ZCursor at = max ? ZSetValue.Last(z) : ZSetValue.First(z);
            if (nested) c.W.ArrayHeader(2);
            at.WriteMember(c.W);
            c.W.Double(at.Score);
            ZSetValue.DeleteAt(arena, ref z, at);
        }
        StoreAfterRemove(ref c, e, z, key, n, max ? "zpopmax"u8 : "zpopmin"u8);
        // ZMPOP (and BZMPOP, whose attempt is a ZMPOP) is propagated as ZPOPMIN|ZPOPMAX key n.
        if (emitKey && nested && c.Shard.Aof.On) AofForms.PopCount(ref c, max ? "ZPOPMAX"u8 : "ZPOPMIN"u8, key, n);
    }

    /// <summary>zmpopGenericCommand: ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].</summary>
    static void ZMPop(ref CommandContext c)
    {
        if (!RespNumber.TryParseInt64(c.Arg(1), out long numkeys) || numkeys < 1)
        {
            c.W.Error(Errors.NumKeysNotPositive);
            return;
        }
        long whereIdx = 1 + numkeys + 1;
        if (whereIdx >= c.Count) { c.W.Error(Errors.Syntax); return; }
        bool max;
        if (c.ArgIs((int)whereIdx, "min"u8)) max = false;
        else if (c.ArgIs((int)whereIdx, "max"u8)) max = true;
        else { c.W.Error(Errors.Syntax); return; }
        long count = -1;
        for (int j = (int)whereIdx + 1; j < c.Count; j++)
        {
            if (count == -1 && c.ArgIs(j, "count"u8) && j + 1 < c.Count)
            {
                j++;
                if (!RespNumber.TryParseInt64(c.Arg(j), out count) || count < 1)
                {
                    c.W.Error(Errors.CountNotPositive);
                    return;
                }
            }
            else { c.W.Error(Errors.Syntax); return; }
        }
        if (count == -1) count = 1;
        PopGeneric(ref c, 2, (int)numkeys, max, emitKey: true, count, nested: true, nilWhenEmpty: true);
    }

    // ---- ZRANDMEMBER --------------------------------------------------------------------------------

    /// <summary>
    /// zrandmemberCommand: without a count one random member (null when missing); with a count, distinct
    /// members (count &gt;= 0) or members with repetition (count &lt; 0), scores on request.
    /// </summary>
    static void ZRandMember(ref CommandContext c)
    {
        if (c.Count >= 3)
        {
            if (!c.TryInt(2, out long l)) return;
            if (l == long.MinValue)
            {
                c.W.Error(Errors.LongOutOfRange);
                return;
            }
            bool withScores = false;
            if (c.Count > 4 || (c.Count == 4 && !c.ArgIs(3, "withscores"u8))) { c.W.Error(Errors.Syntax); return; }
            if (c.Count == 4)
            {
                withScores = true;
                if (l < -long.MaxValue / 2 || l > long.MaxValue / 2) { c.W.Error(Errors.OutOfRange); return; }
            }
            RandMemberWithCount(ref c, l, withScores);
            return;
        }
        if (!c.ReadTyped(1, ValueKind.ZSet, out byte* e)) return;
        if (e == null) { c.W.NullBulk(); return; }
        Span<byte> scratch = stackalloc byte[ZSetListpack.IntegerScratch];
        ZSetValue.RandomElement(c.Shard, ZSet.Of(e), scratch, out ReadOnlySpan<byte> member, out _);
        c.W.Bulk(member);
    }

    static void WriteRandom(ref CommandContext c, scoped ReadOnlySpan<byte> member, double score, bool withScores)
    {
        if (withScores && c.W.Protocol == 3) c.W.ArrayHeader(2);
        c.W.Bulk(member);
        if (withScores) c.W.Double(score);
    }

    static void RandMemberWithCount(ref CommandContext c, long l, bool withScores)
    {
        if (!c.ReadTyped(1, ValueKind.ZSet, out byte* e)) return;
        if (e == null || l == 0) { c.W.ArrayHeader(0); return; }
        ZSet z = ZSet.Of(e);
        long size = ZSetValue.Length(z);
        bool unique = l > 0;
        long count = unique ? l : -l;
        Span<byte> scratch = stackalloc byte[ZSetListpack.IntegerScratch];

        // Repetition allowed (or a single member): independent draws.
        if (!unique || count == 1)
        {
            // Redis would try to build a reply of billions of elements (and run out of memory); a reply
            // length must fit the protocol writer's int, so such counts are refused instead.
            if (count > (withScores && c.W.Protocol == 2 ? int.MaxValue / 2 : int.MaxValue))
            {
                c.W.Error(Errors.OutOfRange);
                return;
            }
            c.W.ArrayHeader((int)(withScores && c.W.Protocol == 2 ? 2 * count : count));
            for (long i = 0; i < count; i++)
            {
                ZSetValue.RandomElement(c.Shard, z, scratch, out ReadOnlySpan<byte> m, out double s);
                WriteRandom(ref c, m, s, withScores);
            }
            return;
        }
        long n = Math.Min(count, size);
        c.W.ArrayHeader((int)(withScores && c.W.Protocol == 2 ? 2 * n : n));
        if (z.IsListpack || count * 3 > size)
        {
            // A large share of the set (or all of it, in random order as Redis 7.0.15 answers it):
            // a partial Fisher-Yates shuffle over every position.
            nint[] all = ArrayPool<nint>.Shared.Rent((int)size);
            int k = 0;
            for (ZCursor at = ZSetValue.First(z); at.Valid; at.Next()) all[k++] = (nint)at.At;
            for (int i = 0; i < n; i++)
            {
                int j = i + (int)(c.Shard.NextRandom() % (ulong)(size - i));
                (all[i], all[j]) = (all[j], all[i]);
                var at = new ZCursor { Lp = z.IsListpack ? z.Ptr : null, At = (byte*)all[i] };
                WriteRandom(ref c, at.Member(scratch), at.Score, withScores);
            }
            ArrayPool<nint>.Shared.Return(all);
            return;
        }
        // A small share of a big set: random draws from the dict, repeats skipped.
        var seen = new HashSet<nint>();
        while (seen.Count < n)
        {
            byte* el = FieldTable.Random(ZSetSkipList.Dict(z.Ptr), ref c.Shard.Rng);
            if (!seen.Add((nint)el)) continue;
            WriteRandom(ref c, FieldTable.ElementField(el), ZSetSkipList.ElementScore(el), withScores);
        }
    }

    // ---- ZSCAN --------------------------------------------------------------------------------------

    struct ScanCollector : IFieldVisitor
    {
        public List<nint> Found;
        public void Visit(byte* element) => Found.Add((nint)element);
    }

    /// <summary>
    /// ZSCAN key cursor [MATCH pattern] [COUNT count] (scanGenericCommand): a listpack answers whole with
    /// cursor 0; a skiplist walks its dict from the cursor (a position in the dict's hash space) until
    /// COUNT elements were seen or 10×COUNT segments. Scores are bulk strings: a listpack's stored text,
    /// a skiplist's %.17g (so 1e17 reads "100000000000000000" from one and "1e+17" from the other, as in Redis).
    /// </summary>
    static void ZScan(ref CommandContext c)
    {
        if (!ScanOptions.TryBeginKeyScan(ref c, ValueKind.ZSet, out ulong cursor, out byte* e, out ScanOptions o)) return;
        long count = o.Count;
        int patternArg = o.PatternArg;
        ZSet z = ZSet.Of(e);
        ReadOnlySpan<byte> pattern = patternArg >= 0 ? c.Arg(patternArg) : default;
        Span<byte> scratch = stackalloc byte[ZSetListpack.IntegerScratch];
        Span<byte> text = stackalloc byte[RespNumber.MaxDoubleChars];
        if (z.IsListpack)
        {
            int matched = 0;
            for (ZCursor at = ZSetValue.First(z); at.Valid; at.Next())
                if (patternArg < 0 || Glob.Match(pattern, at.Member(scratch), false)) matched++;
            c.W.ArrayHeader(2);
            c.W.Bulk("0"u8);
            c.W.ArrayHeader(2 * matched);
            for (ZCursor at = ZSetValue.First(z); at.Valid; at.Next())
            {
                ReadOnlySpan<byte> m = at.Member(scratch);
                if (patternArg >= 0 && !Glob.Match(pattern, m, false)) continue;
                c.W.Bulk(m);
                // The listpack's own score text (d2string's), not the double reformatted.
                c.W.Bulk(ZSetListpack.ScoreText(Listpack.Next(z.Ptr, at.At), text));
            }
            return;
        }
        byte* dict = ZSetSkipList.Dict(z.Ptr);
        var v = new ScanCollector { Found = new List<nint>() };
        long iterations = count > long.MaxValue / 10 ? long.MaxValue : count * 10;
        do cursor = FieldTable.Scan(dict, cursor, ref v);
        while (cursor != 0 && v.Found.Count < count && --iterations > 0);
        int keep = 0;
        for (int i = 0; i < v.Found.Count; i++)
            if (patternArg < 0 || Glob.Match(pattern, FieldTable.ElementField((byte*)v.Found[i]), false)) v.Found[keep++] = v.Found[i];
        c.W.ArrayHeader(2);
        Span<byte> cur = stackalloc byte[20];
        cursor.TryFormat(cur, out int cn, default, CultureInfo.InvariantCulture);
        c.W.Bulk(cur.Slice(0, cn));
        c.W.ArrayHeader(2 * keep);
        for (int i = 0; i < keep; i++)
        {
            byte* el = (byte*)v.Found[i];
            c.W.Bulk(FieldTable.ElementField(el));
            // scanCallback prints a table's scores with ld2string(LD_STR_AUTO), i.e. %.17g, not d2string.
            c.W.Bulk(text.Slice(0, RespNumber.FormatDoubleG17(ZSetSkipList.ElementScore(el), text)));
        }
    }
}
