using System;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

// Ranges: ZRANGE (rank, BYSCORE, BYLEX, REV, LIMIT, WITHSCORES) and its older spellings, ZRANGESTORE,
// ZCOUNT, ZLEXCOUNT and the ZREMRANGEBY* deletes. One walk per range kind, generic over what receives
// the elements: a counter (the reply's length comes first), the reply, or a set being built.
public static unsafe partial class ZSetCommands
{
    static void RegisterRange(CommandTable t)
    {
        t.Add("zrange", &ZRange);
        t.Add("zrangestore", &ZRangeStore, CrossShard.Gather).Event = "zrangestore"u8.ToArray();
        t.Add("zrevrange", &ZRevRange);
        t.Add("zrangebyscore", &ZRangeByScore);
        t.Add("zrevrangebyscore", &ZRevRangeByScore);
        t.Add("zrangebylex", &ZRangeByLex);
        t.Add("zrevrangebylex", &ZRevRangeByLex);
        t.Add("zcount", &ZCount);
        t.Add("zlexcount", &ZLexCount);
        t.Add("zremrangebyrank", &ZRemRangeByRank);
        t.Add("zremrangebyscore", &ZRemRangeByScore);
        t.Add("zremrangebylex", &ZRemRangeByLex);
    }

    enum RangeKind : byte { Auto, Rank, Score, Lex }

    enum Direction : byte { Auto, Forward, Reverse }

    static void ZRange(ref CommandContext c) => RangeGeneric(ref c, 1, false, RangeKind.Auto, Direction.Auto);
    static void ZRangeStore(ref CommandContext c) => RangeGeneric(ref c, 2, true, RangeKind.Auto, Direction.Auto);
    static void ZRevRange(ref CommandContext c) => RangeGeneric(ref c, 1, false, RangeKind.Rank, Direction.Reverse);
    static void ZRangeByScore(ref CommandContext c) => RangeGeneric(ref c, 1, false, RangeKind.Score, Direction.Forward);
    static void ZRevRangeByScore(ref CommandContext c) => RangeGeneric(ref c, 1, false, RangeKind.Score, Direction.Reverse);
    static void ZRangeByLex(ref CommandContext c) => RangeGeneric(ref c, 1, false, RangeKind.Lex, Direction.Forward);
    static void ZRevRangeByLex(ref CommandContext c) => RangeGeneric(ref c, 1, false, RangeKind.Lex, Direction.Reverse);

    /// <summary>Receives the elements of a range walk, in walk order. A struct type: calls are devirtualized.</summary>
    interface IRangeSink
    {
        void Emit(in ZCursor at);
    }

    struct CountSink : IRangeSink
    {
        public long Count;
        public void Emit(in ZCursor at) => Count++;
    }

    /// <summary>The client reply: members, with scores flat (RESP2) or as [member, score] pairs (RESP3).</summary>
    struct ReplySink : IRangeSink
    {
        public RespWriter W;
        public bool WithScores, Pairs;
        public void Emit(in ZCursor at)
        {
            if (Pairs) W.ArrayHeader(2);
            at.WriteMember(W);
            if (WithScores) W.Double(at.Score);
        }
    }

    /// <summary>ZRANGESTORE's destination, built as Redis builds it: zsetAdd after zsetAdd, converting on growth.</summary>
    struct StoreSink : IRangeSink
    {
        public Shard Shard;
        public ZSet Dst;
        public void Emit(in ZCursor at)
        {
            Span<byte> scratch = stackalloc byte[ZSetListpack.IntegerScratch];
            ZSetValue.Add(Shard, ref Dst, at.Score, at.Member(scratch), ZAddFlags.None, out _);
        }
    }

    /// <summary>Ranks <paramref name="start"/>.. for <paramref name="count"/> elements, from the top when reversed.</summary>
    static void WalkRank<TSink>(in ZSet z, long start, long count, bool reverse, ref TSink sink) where TSink : struct, IRangeSink
    {
        ZCursor at = ZSetValue.AtRank(z, reverse ? ZSetValue.Length(z) - 1 - start : start);
        for (; count > 0 && at.Valid; count--, at.Step(reverse)) sink.Emit(at);
    }

    /// <summary>genericZrangebyscoreCommand's walk: skip <paramref name="offset"/> unchecked, then emit while in range, at most <paramref name="limit"/> (negative: all).</summary>
    static void WalkScore<TSink>(in ZSet z, in ScoreRange r, long offset, long limit, bool reverse, ref TSink sink) where TSink : struct, IRangeSink
    {
        // A negative offset walks off the end in Redis (offset-- never reaches 0 first): nothing.
        if (offset < 0 || (offset > 0 && offset >= ZSetValue.Length(z))) return;
        ZCursor at = reverse ? ZSetValue.LastInRange(z, r) : ZSetValue.FirstInRange(z, r);
        for (; at.Valid && offset > 0; offset--) at.Step(reverse);
        for (; at.Valid && limit != 0; limit--, at.Step(reverse))
        {
            double s = at.Score;
            if (reverse ? !r.GteMin(s) : !r.LteMax(s)) break;
            sink.Emit(at);
        }
    }

    /// <summary>genericZrangebylexCommand's walk.</summary>
    static void WalkLex<TSink>(in ZSet z, in LexRange r, long offset, long limit, bool reverse, ref TSink sink) where TSink : struct, IRangeSink
    {
        if (offset < 0) return;
        Span<byte> scratch = stackalloc byte[ZSetListpack.IntegerScratch];
        ZCursor at = reverse ? ZSetValue.LastInLexRange(z, r) : ZSetValue.FirstInLexRange(z, r);
        for (; at.Valid && offset > 0; offset--) at.Step(reverse);
        for (; at.Valid && limit != 0; limit--, at.Step(reverse))
        {
            ReadOnlySpan<byte> m = at.Member(scratch);
            if (reverse ? !r.GteMin(m) : !r.LteMax(m)) break;
            sink.Emit(at);
        }
    }

    /// <summary>
    /// zrangeGenericCommand: <c>&lt;src&gt; &lt;min&gt; &lt;max&gt; [BYSCORE|BYLEX] [REV] [WITHSCORES] [LIMIT offset count]</c>
    /// from argument <paramref name="src"/>, with the option rules and error order of Redis.
    /// </summary>
    static void RangeGeneric(ref CommandContext c, int src, bool store, RangeKind kind, Direction dir)
    {
        bool withScores = false;
        long offset = 0, limit = -1;
        for (int j = src + 3; j < c.Count; j++)
        {
            int left = c.Count - j - 1;
            if (!store && c.ArgIs(j, "withscores"u8)) withScores = true;
            else if (c.ArgIs(j, "limit"u8) && left >= 2)
            {
                if (!c.TryInt(j + 1, out offset) || !c.TryInt(j + 2, out limit)) return;
                j += 2;
            }
            else if (dir == Direction.Auto && c.ArgIs(j, "rev"u8)) dir = Direction.Reverse;
            else if (kind == RangeKind.Auto && c.ArgIs(j, "bylex"u8)) kind = RangeKind.Lex;
            else if (kind == RangeKind.Auto && c.ArgIs(j, "byscore"u8)) kind = RangeKind.Score;
            else { c.W.Error(Errors.Syntax); return; }
        }
        if (dir == Direction.Auto) dir = Direction.Forward;
        if (kind == RangeKind.Auto) kind = RangeKind.Rank;
        bool reverse = dir == Direction.Reverse;
        if (limit != -1 && kind == RangeKind.Rank)
        {
            c.W.Error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
            return;
        }
        if (withScores && kind == RangeKind.Lex)
        {
            c.W.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
            return;
        }
        int minIdx = src + 1, maxIdx = src + 2;
        if (reverse && kind != RangeKind.Rank) (minIdx, maxIdx) = (maxIdx, minIdx);

        long start = 0, end = 0;
        ScoreRange score = default;
        LexRange lex = default;
        switch (kind)
        {
            case RangeKind.Rank:
                if (!c.TryInt(minIdx, out start) || !c.TryInt(maxIdx, out end)) return;
                break;
            case RangeKind.Score:
                if (!ScoreRange.TryParse(c.Arg(minIdx), c.Arg(maxIdx), out score)) { c.W.Error(Errors.BadScoreRange); return; }
                break;
            default:
                if (!LexRange.TryParse(c.Arg(minIdx), c.Arg(maxIdx), out lex)) { c.W.Error(Errors.BadLexRange); return; }
                break;
        }

        if (!c.ReadTyped(src, ValueKind.ZSet, out byte* e)) return;
        if (e == null)
        {
            if (store) c.W.Integer(ReplaceKey(ref c, c.Arg(1), ZSetValue.NewListpack(ArenaOf(ref c))));
            else c.W.ArrayHeader(0);
            return;
        }
        ZSet z = ZSet.Of(e);

        if (kind == RangeKind.Rank)
        {
            // Sanitize as genericZrangebyrankCommand: negative from the end, empty when start > end.
            long len = ZSetValue.Length(z);
            if (start < 0) start += len;
            if (end < 0) end += len;
            if (start < 0) start = 0;
            long count = start > end || start >= len ? 0 : Math.Min(end, len - 1) - start + 1;
            if (store)
            {
                // Redis sizes a rank destination by its known length (zsetTypeCreate).
                var st = new StoreSink { Shard = c.Shard, Dst = ZSetValue.NewFor(c.Shard, count, 0) };
                WalkRank(z, start, count, reverse, ref st);
                c.W.Integer(ReplaceKey(ref c, c.Arg(1), st.Dst));
                return;
            }
            WriteRangeHeader(ref c, count, withScores);
            var rs = new ReplySink { W = c.W, WithScores = withScores, Pairs = withScores && c.W.Protocol == 3 };
            WalkRank(z, start, count, reverse, ref rs);
            return;
        }

        if (store)
        {
            // Redis 7.2 begins a score or lex destination with an unknown length (-1), which zsetTypeCreate reads
            // as the largest size hint: a skiplist, however few elements follow.
            var st = new StoreSink { Shard = c.Shard, Dst = ZSetValue.NewSkipList(c.Shard, 0) };
            if (kind == RangeKind.Score) WalkScore(z, score, offset, limit, reverse, ref st);
            else WalkLex(z, lex, offset, limit, reverse, ref st);
            c.W.Integer(ReplaceKey(ref c, c.Arg(1), st.Dst));
            return;
        }
        var counter = new CountSink();
        if (kind == RangeKind.Score) WalkScore(z, score, offset, limit, reverse, ref counter);
        else WalkLex(z, lex, offset, limit, reverse, ref counter);
        WriteRangeHeader(ref c, counter.Count, withScores);
        var reply = new ReplySink { W = c.W, WithScores = withScores, Pairs = withScores && c.W.Protocol == 3 };
        if (kind == RangeKind.Score) WalkScore(z, score, offset, limit, reverse, ref reply);
        else WalkLex(z, lex, offset, limit, reverse, ref reply);
    }

    /// <summary>RESP2 WITHSCORES replies are one flat array (two items per element); RESP3 nests pairs.</summary>
    static void WriteRangeHeader(ref CommandContext c, long count, bool withScores) =>
        c.W.ArrayHeader((int)(withScores && c.W.Protocol == 2 ? 2 * count : count));

    // ---- ZCOUNT / ZLEXCOUNT ------------------------------------------------------------------------

    static void ZCount(ref CommandContext c)
    {
        if (!ScoreRange.TryParse(c.Arg(2), c.Arg(3), out ScoreRange r)) { c.W.Error(Errors.BadScoreRange); return; }
        if (!c.ReadTyped(1, ValueKind.ZSet, out byte* e)) return;
        c.W.Integer(e == null ? 0 : ZSetValue.CountInRange(ZSet.Of(e), r));
    }

    static void ZLexCount(ref CommandContext c)
    {
        if (!LexRange.TryParse(c.Arg(2), c.Arg(3), out LexRange r)) { c.W.Error(Errors.BadLexRange); return; }
        if (!c.ReadTyped(1, ValueKind.ZSet, out byte* e)) return;
        c.W.Integer(e == null ? 0 : ZSetValue.CountInLexRange(ZSet.Of(e), r));
    }

    // ---- ZREMRANGEBY* ------------------------------------------------------------------------------

    static void ZRemRangeByRank(ref CommandContext c)
    {
        if (!c.TryInt(2, out long start) || !c.TryInt(3, out long end)) return;
        if (!c.WriteTyped(1, ValueKind.ZSet, out byte* e)) return;
        if (e == null) { c.W.Integer(0); return; }
        ZSet z = ZSet.Of(e);
        long len = ZSetValue.Length(z);
        if (start < 0) start += len;
        if (end < 0) end += len;
        if (start < 0) start = 0;
        if (start > end || start >= len) { c.W.Integer(0); return; }
        if (end >= len) end = len - 1;
        long deleted = ZSetValue.DeleteRangeByRank(ArenaOf(ref c), ref z, start, end);
        StoreAfterRemove(ref c, e, z, c.Arg(1), deleted, "zremrangebyrank"u8);
        c.W.Integer(deleted);
    }

    static void ZRemRangeByScore(ref CommandContext c)
    {
        if (!ScoreRange.TryParse(c.Arg(2), c.Arg(3), out ScoreRange r)) { c.W.Error(Errors.BadScoreRange); return; }
        if (!c.WriteTyped(1, ValueKind.ZSet, out byte* e)) return;
        if (e == null) { c.W.Integer(0); return; }
        ZSet z = ZSet.Of(e);
        long deleted = ZSetValue.DeleteRangeByScore(ArenaOf(ref c), ref z, r);
        StoreAfterRemove(ref c, e, z, c.Arg(1), deleted, "zremrangebyscore"u8);
        c.W.Integer(deleted);
    }

    static void ZRemRangeByLex(ref CommandContext c)
    {
        if (!LexRange.TryParse(c.Arg(2), c.Arg(3), out LexRange r)) { c.W.Error(Errors.BadLexRange); return; }
        if (!c.WriteTyped(1, ValueKind.ZSet, out byte* e)) return;
        if (e == null) { c.W.Integer(0); return; }
        ZSet z = ZSet.Of(e);
        long deleted = ZSetValue.DeleteRangeByLex(ArenaOf(ref c), ref z, r);
        StoreAfterRemove(ref c, e, z, c.Arg(1), deleted, "zremrangebylex"u8);
        c.W.Integer(deleted);
    }
}
