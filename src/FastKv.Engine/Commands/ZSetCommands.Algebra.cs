using System;
using System.Buffers;
using System.Collections.Generic;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

// Set algebra over sorted sets and plain sets (a set member scores 1): ZUNION, ZINTER, ZDIFF, their
// STORE forms and ZINTERCARD, as Redis's zunionInterDiffGenericCommand. The result is accumulated in a
// FieldTable (member → score) in the arena; a stored result becomes a listpack when it fits the
// thresholds (zsetConvertToListpackIfNeeded) or a skiplist built over that same table.
public static unsafe partial class ZSetCommands
{
    static void RegisterAlgebra(CommandTable t)
    {
        // Keys follow a numkeys argument (after the destination for the STORE forms, which announce their own event).
        t.Add("zunion", &ZUnion, CrossShard.Gather, keys: &CommandTable.NumKeysAt1);
        t.Add("zinter", &ZInter, CrossShard.Gather, keys: &CommandTable.NumKeysAt1);
        t.Add("zdiff", &ZDiff, CrossShard.Gather, keys: &CommandTable.NumKeysAt1);
        t.Add("zunionstore", &ZUnionStore, CrossShard.Gather, keys: &CommandTable.DestinationThenNumKeys).Event = "zunionstore"u8.ToArray();
        t.Add("zinterstore", &ZInterStore, CrossShard.Gather, keys: &CommandTable.DestinationThenNumKeys).Event = "zinterstore"u8.ToArray();
        t.Add("zdiffstore", &ZDiffStore, CrossShard.Gather, keys: &CommandTable.DestinationThenNumKeys).Event = "zdiffstore"u8.ToArray();
        t.Add("zintercard", &ZInterCard, CrossShard.Gather, keys: &CommandTable.NumKeysAt1);
    }

    enum SetOp : byte { Union, Inter, Diff }

    enum Aggregate : byte { Sum, Min, Max }

    static void ZUnion(ref CommandContext c) => Algebra(ref c, false, 1, SetOp.Union, false);
    static void ZInter(ref CommandContext c) => Algebra(ref c, false, 1, SetOp.Inter, false);
    static void ZDiff(ref CommandContext c) => Algebra(ref c, false, 1, SetOp.Diff, false);
    static void ZUnionStore(ref CommandContext c) => Algebra(ref c, true, 2, SetOp.Union, false);
    static void ZInterStore(ref CommandContext c) => Algebra(ref c, true, 2, SetOp.Inter, false);
    static void ZDiffStore(ref CommandContext c) => Algebra(ref c, true, 2, SetOp.Diff, false);
    static void ZInterCard(ref CommandContext c) => Algebra(ref c, false, 1, SetOp.Inter, true);

    /// <summary>One input: a sorted set, a set (every member scoring 1) or a missing key (empty).</summary>
    struct Source
    {
        public byte Type, Encoding;
        public byte* P;
        public double Weight;
        public long Length;
    }

    /// <summary>Told about each element of a <see cref="Source"/>; <paramref name="member"/> lives for the call.</summary>
    interface IElementVisitor
    {
        void Visit(ReadOnlySpan<byte> member, double score);
    }

    static Source SourceOf(byte* e)
    {
        var s = new Source { Weight = 1 };
        if (e == null) return s;
        s.Type = KeyEntry.Type(e);
        s.Encoding = KeyEntry.Encoding(e);
        s.P = Collection.Ptr(e);
        s.Length = s.Type == ValueKind.ZSet
            ? ZSetValue.Length(new ZSet { Encoding = s.Encoding, Ptr = s.P })
            : SetValue.Count(new SetRef(s.Encoding, s.P));
        return s;
    }

    /// <summary>zuiFind: the member's score in the source (1 for a set member).</summary>
    static bool Find(in Source s, ReadOnlySpan<byte> member, out double score)
    {
        score = 1;
        if (s.P == null) return false;
        if (s.Type == ValueKind.ZSet) return ZSetValue.TryGetScore(new ZSet { Encoding = s.Encoding, Ptr = s.P }, member, out score);
        return SetValue.Contains(new SetRef(s.Encoding, s.P), member);
    }

    /// <summary>zuiNext over the whole source: a sorted set in order, a set in its encoding's order.</summary>
    static void ForEach<TVisitor>(in Source s, ref TVisitor v) where TVisitor : struct, IElementVisitor
    {
        if (s.P == null) return;
        Span<byte> scratch = stackalloc byte[ZSetListpack.IntegerScratch];
        if (s.Type == ValueKind.ZSet)
        {
            for (ZCursor at = ZSetValue.First(new ZSet { Encoding = s.Encoding, Ptr = s.P }); at.Valid; at.Next())
                v.Visit(at.Member(scratch), at.Score);
            return;
        }
        nint* buffer = stackalloc nint[SetIterator.BufferLength];
        var it = new SetIterator(new SetRef(s.Encoding, s.P), buffer);
        while (it.Next(out ListpackValue m))
            v.Visit(m.IsInteger ? scratch.Slice(0, RespNumber.FormatInt64(m.Integer, scratch)) : m.Bytes, 1);
    }

    /// <summary>zunionInterAggregate: a SUM that gives NaN (inf + -inf) is 0.</summary>
    static double AggregateScores(double target, double value, Aggregate a)
    {
        switch (a)
        {
            case Aggregate.Sum:
                double s = target + value;
                return double.IsNaN(s) ? 0 : s;
            case Aggregate.Min: return value < target ? value : target;
            default: return value > target ? value : target;
        }
    }

    /// <summary>The result being built: member → score, with the longest member and total bytes for the listpack test.</summary>
    struct Accumulator
    {
        public Arena Arena;
        public byte* Table;
        public long MaxLength, TotalLength;

        public void Add(ReadOnlySpan<byte> member, double score)
        {
            FieldTable.Set(Arena, ref Table, member, new ReadOnlySpan<byte>(&score, sizeof(double)));
            TotalLength += member.Length;
            if (member.Length > MaxLength) MaxLength = member.Length;
        }
    }

    struct UnionVisitor : IElementVisitor
    {
        public Accumulator Acc;
        public double Weight;
        public Aggregate Aggregate;
        public void Visit(ReadOnlySpan<byte> member, double score)
        {
            double s = Weight * score;
            if (double.IsNaN(s)) s = 0;
            byte* el = FieldTable.Find(Acc.Table, member);
            if (el == null) Acc.Add(member, s);
            else ZSetSkipList.SetElementScore(el, AggregateScores(ZSetSkipList.ElementScore(el), s, Aggregate));
        }
    }

    /// <summary>Walks the smallest source; an element present in every other one joins the result (or only counts, for ZINTERCARD).</summary>
    struct InterVisitor : IElementVisitor
    {
        public Accumulator Acc;
        public Source[] Sources;
        public Aggregate Aggregate;
        public bool CountOnly;
        public long Limit, Cardinality;
        public void Visit(ReadOnlySpan<byte> member, double score)
        {
            if (CountOnly && Limit > 0 && Cardinality >= Limit) return;
            double s = Sources[0].Weight * score;
            if (double.IsNaN(s)) s = 0;
            for (int j = 1; j < Sources.Length; j++)
            {
                if (!Find(Sources[j], member, out double value)) return;
                s = AggregateScores(s, value * Sources[j].Weight, Aggregate);
            }
            if (CountOnly) Cardinality++;
            else Acc.Add(member, s);
        }
    }

    /// <summary>Elements of the first source found in none of the others, with their own scores.</summary>
    struct DiffVisitor : IElementVisitor
    {
        public Accumulator Acc;
        public Source[] Sources;
        public void Visit(ReadOnlySpan<byte> member, double score)
        {
            for (int j = 1; j < Sources.Length; j++)
                if (Find(Sources[j], member, out _)) return;
            Acc.Add(member, score);
        }
    }

    /// <summary>
    /// zunionInterDiffGenericCommand. Error order as Redis: numkeys, key count, the keys' types (before
    /// any option), then the options. Union and intersection take the inputs smallest first (a stable
    /// sort, as glibc's qsort), which fixes the order in which scores are summed.
    /// </summary>
    static void Algebra(ref CommandContext c, bool store, int numkeysIdx, SetOp op, bool countOnly)
    {
        if (!c.TryInt(numkeysIdx, out long setnum)) return;
        if (setnum < 1) { c.W.Error("ERR at least 1 input key is needed for '" + c.Spec.FullName + "' command"); return; }
        if (setnum > c.Count - (numkeysIdx + 1)) { c.W.Error(Errors.Syntax); return; }
        var src = new Source[setnum];
        int j = numkeysIdx + 1;
        for (int i = 0; i < setnum; i++, j++)
        {
            byte* e = KeyLookup.Read(c.Shard, c.Db, c.Arg(j));
            if (e != null && KeyEntry.Type(e) != ValueKind.ZSet && KeyEntry.Type(e) != ValueKind.Set)
            {
                c.W.Error(Errors.WrongType);
                return;
            }
            src[i] = SourceOf(e);
        }
        var aggregate = Aggregate.Sum;
        bool withScores = false;
        long limit = 0;
        while (j < c.Count)
        {
            int remaining = c.Count - j;
            if (op != SetOp.Diff && !countOnly && remaining >= setnum + 1 && c.ArgIs(j, "weights"u8))
            {
                j++;
                for (int i = 0; i < setnum; i++, j++)
                    if (!RespNumber.TryParseDouble(c.Arg(j), out src[i].Weight)) { c.W.Error("ERR weight value is not a float"); return; }
            }
            else if (op != SetOp.Diff && !countOnly && remaining >= 2 && c.ArgIs(j, "aggregate"u8))
            {
                if (c.ArgIs(j + 1, "sum"u8)) aggregate = Aggregate.Sum;
                else if (c.ArgIs(j + 1, "min"u8)) aggregate = Aggregate.Min;
                else if (c.ArgIs(j + 1, "max"u8)) aggregate = Aggregate.Max;
                else { c.W.Error(Errors.Syntax); return; }
                j += 2;
            }
            else if (!store && !countOnly && c.ArgIs(j, "withscores"u8))
            {
                withScores = true;
                j++;
            }
            else if (countOnly && remaining >= 2 && c.ArgIs(j, "limit"u8))
            {
                if (!RespNumber.TryParseInt64(c.Arg(j + 1), out limit) || limit < 0) { c.W.Error(Errors.NegativeLimit); return; }
                j += 2;
            }
            else { c.W.Error(Errors.Syntax); return; }
        }
        if (op != SetOp.Diff) StableSortByLength(src);

        Arena arena = ArenaOf(ref c);
        var acc = new Accumulator { Arena = arena, Table = FieldTable.Create(arena, (int)Math.Min(src[^1].Length, 1 << 20)) };
        switch (op)
        {
            case SetOp.Inter:
                if (src[0].Length == 0) break;
                var iv = new InterVisitor { Acc = acc, Sources = src, Aggregate = aggregate, CountOnly = countOnly, Limit = limit };
                ForEach(src[0], ref iv);
                acc = iv.Acc;
                if (countOnly)
                {
                    FieldTable.Free(arena, acc.Table);
                    c.W.Integer(iv.Cardinality);
                    return;
                }
                break;
            case SetOp.Union:
                for (int i = 0; i < src.Length; i++)
                {
                    var uv = new UnionVisitor { Acc = acc, Weight = src[i].Weight, Aggregate = aggregate };
                    ForEach(src[i], ref uv);
                    acc = uv.Acc;
                }
                break;
            default:
                if (src[0].Length == 0) break;
                var dv = new DiffVisitor { Acc = acc, Sources = src };
                ForEach(src[0], ref dv);
                acc = dv.Acc;
                break;
        }
        if (countOnly)
        {
            FieldTable.Free(arena, acc.Table);
            c.W.Integer(0);
            return;
        }
        if (store) StoreResult(ref c, acc);
        else ReplyResult(ref c, acc, withScores);
    }

    /// <summary>Insertion sort by length, stable (inputs are few).</summary>
    static void StableSortByLength(Source[] src)
    {
        for (int i = 1; i < src.Length; i++)
        {
            Source x = src[i];
            int k = i - 1;
            while (k >= 0 && src[k].Length > x.Length) { src[k + 1] = src[k]; k--; }
            src[k + 1] = x;
        }
    }

    /// <summary>Order of a result: score, then member bytes.</summary>
    struct ByScoreThenMember : IComparer<nint>
    {
        public int Compare(nint a, nint b)
        {
            double sa = ZSetSkipList.ElementScore((byte*)a), sb = ZSetSkipList.ElementScore((byte*)b);
            if (sa < sb) return -1;
            if (sa > sb) return 1;
            return FieldTable.ElementField((byte*)a).SequenceCompareTo(FieldTable.ElementField((byte*)b));
        }
    }

    struct ElementCollector : IFieldVisitor
    {
        public nint[] Items;
        public int Count;
        public void Visit(byte* element) => Items[Count++] = (nint)element;
    }

    /// <summary>The accumulator's elements in result order, in a rented array the caller returns.</summary>
    static nint[] Sorted(byte* table, out int n)
    {
        n = (int)FieldTable.Count(table);
        var v = new ElementCollector { Items = ArrayPool<nint>.Shared.Rent(Math.Max(n, 1)) };
        FieldTable.Enumerate(table, ref v);
        v.Items.AsSpan(0, n).Sort(new ByScoreThenMember());
        return v.Items;
    }

    static void ReplyResult(ref CommandContext c, in Accumulator acc, bool withScores)
    {
        nint[] items = Sorted(acc.Table, out int n);
        bool resp3 = c.W.Protocol == 3;
        c.W.ArrayHeader(withScores && !resp3 ? 2 * n : n);
        for (int i = 0; i < n; i++)
        {
            byte* el = (byte*)items[i];
            if (withScores && resp3) c.W.ArrayHeader(2);
            c.W.Bulk(FieldTable.ElementField(el));
            if (withScores) c.W.Double(ZSetSkipList.ElementScore(el));
        }
        ArrayPool<nint>.Shared.Return(items);
        FieldTable.Free(acc.Arena, acc.Table);
    }

    /// <summary>
    /// A non-empty result replaces the destination, as a listpack when it fits (count, longest member,
    /// total bytes) and otherwise as a skiplist over the accumulator itself; an empty one deletes it.
    /// </summary>
    static void StoreResult(ref CommandContext c, in Accumulator acc)
    {
        Arena arena = acc.Arena;
        long count = FieldTable.Count(acc.Table);
        ServerConfig cfg = c.Shard.Server.Config;
        ZSet z;
        if (count == 0)
        {
            FieldTable.Free(arena, acc.Table);
            z = ZSetValue.NewListpack(arena);
        }
        else if (count <= cfg.ZSetMaxListpackEntries && acc.MaxLength <= cfg.ZSetMaxListpackValue && acc.TotalLength < ZSetListpack.SafeBytes)
        {
            nint[] items = Sorted(acc.Table, out int n);
            byte* lp = Listpack.Create(arena);
            for (int i = 0; i < n; i++)
                lp = ZSetListpack.InsertAt(arena, lp, null, FieldTable.ElementField((byte*)items[i]), ZSetSkipList.ElementScore((byte*)items[i]));
            ArrayPool<nint>.Shared.Return(items);
            FieldTable.Free(arena, acc.Table);
            z = new ZSet { Encoding = ValueEncoding.ListPack, Ptr = lp };
        }
        else
        {
            z = new ZSet { Encoding = ValueEncoding.SkipList, Ptr = ZSetSkipList.FromDict(arena, acc.Table, c.Shard.NextRandom()) };
        }
        c.W.Integer(ReplaceKey(ref c, c.Arg(1), z));
    }
}
