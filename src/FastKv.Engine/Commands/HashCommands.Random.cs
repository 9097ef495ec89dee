using System;
using System.Buffers;
using System.Collections.Generic;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// HRANDFIELD key [count [WITHVALUES]], the cases of hrandfieldWithCountCommand:
/// <code>
///  count &lt; 0         |count| independent picks, repeats allowed
///  count &gt;= size     the whole hash, in the structure's order
///  listpack          a uniform subset in listpack order (selection sampling, as lpRandomPairsUnique)
///  table, 3*count &gt; size   a partial shuffle of all elements
///  table, otherwise  distinct random picks until there are count of them
/// </code>
/// WITHVALUES pairs are a flat array in RESP2 and 2-element arrays in RESP3.
/// </summary>
public static unsafe partial class HashCommands
{
    const string CountOutOfRange = Errors.LongOutOfRange;
    const string ValueOutOfRange = Errors.OutOfRange;

    /// <summary>Listpacks of up to this many pairs index them on the stack.</summary>
    const int StackPairs = 256;

    static void HRandField(ref CommandContext c)
    {
        if (c.Count >= 3) { HRandFieldWithCount(ref c); return; }
        if (!c.ReadTyped(1, ValueKind.Hash, out byte* e)) return;
        if (e == null) { c.W.NullBulk(); return; }
        byte* p = Collection.Ptr(e);
        if (HashValue.IsListpack(e))
        {
            int pairs = Listpack.Count(p) / 2;
            HashValue.ReplyEntry(c.W, Listpack.Seek(p, 2 * (int)(c.Shard.NextRandom() % (ulong)pairs)));
            return;
        }
        c.W.Bulk(FieldTable.ElementField(FieldTable.Random(p, ref c.Shard.Rng)));
    }

    static void HRandFieldWithCount(ref CommandContext c)
    {
        // getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX), then the options, then the key.
        if (!RespNumber.TryParseInt64(c.Arg(2), out long l)) { c.W.Error(Errors.NotInteger); return; }
        if (l == long.MinValue) { c.W.Error(CountOutOfRange); return; }
        if (c.Count > 4 || (c.Count == 4 && !c.ArgIs(3, "withvalues"u8))) { c.W.Error(Errors.Syntax); return; }
        bool withValues = c.Count == 4;
        // Redis refuses what would overflow count * 2; the reply header here also caps at int range.
        if (withValues && (l < -(long.MaxValue / 2) || l > long.MaxValue / 2)) { c.W.Error(ValueOutOfRange); return; }
        if (!c.ReadTyped(1, ValueKind.Hash, out byte* e)) return;
        if (e == null || l == 0) { c.W.ArrayHeader(0); return; }

        long count = l < 0 ? -l : l;
        long size = HashValue.Length(e);
        bool flat = withValues && c.W.Protocol == 2;
        if (l > 0 && count > size) count = size;
        long elements = flat ? count * 2 : count;
        // Deliberate difference: a reply of more than 2^31-1 elements (which Redis would try to build
        // in memory) is refused.
        if (elements > int.MaxValue) { c.W.Error(ValueOutOfRange); return; }
        c.W.ArrayHeader((int)elements);

        var pick = new PairWriter { W = c.W, WithValues = withValues, Nested = withValues && !flat };
        byte* p = Collection.Ptr(e);
        bool listpack = HashValue.IsListpack(e);
        if (l > 0 && count == size)
        {
            WriteWhole(c.W, e, pick);
            return;
        }
        if (listpack)
        {
            RandomFromListpack(c.Shard, p, (int)size, count, unique: l > 0, pick);
            return;
        }
        if (l < 0)
        {
            for (long i = 0; i < count; i++) pick.FromTable(FieldTable.Random(p, ref c.Shard.Rng));
            return;
        }
        RandomDistinctFromTable(c.Shard, p, size, count, pick);
    }

    /// <summary>Writes one field, or one pair (flat or as a 2-element array).</summary>
    struct PairWriter
    {
        public RespWriter W;
        public bool WithValues;
        public bool Nested;

        public void FromListpack(byte* lp, byte* f)
        {
            if (Nested) W.ArrayHeader(2);
            HashValue.ReplyEntry(W, f);
            if (WithValues) HashValue.ReplyEntry(W, Listpack.Next(lp, f));
        }

        public void FromTable(byte* element)
        {
            if (Nested) W.ArrayHeader(2);
            W.Bulk(FieldTable.ElementField(element));
            if (WithValues) W.Bulk(FieldTable.ElementValue(element));
        }
    }

    static void WriteWhole(RespWriter w, byte* e, PairWriter pick)
    {
        byte* p = Collection.Ptr(e);
        if (HashValue.IsListpack(e))
        {
            for (byte* f = Listpack.First(p); f != null; f = Listpack.Next(p, Listpack.Next(p, f))) pick.FromListpack(p, f);
            return;
        }
        var v = new ElementWriter { W = w, What = pick.WithValues ? WithFields | WithValues : WithFields, Nested = pick.Nested };
        FieldTable.Enumerate(p, ref v);
    }

    /// <summary>
    /// Random pairs of a listpack: with repeats, <paramref name="count"/> independent picks; unique, a
    /// uniform subset of <paramref name="count"/> &lt; <paramref name="pairs"/> written in listpack order
    /// (Knuth's selection sampling). Pair offsets are indexed first so each pick is O(1).
    /// </summary>
    static void RandomFromListpack(Shard shard, byte* lp, int pairs, long count, bool unique, PairWriter pick)
    {
        int[]? rented = null;
        Span<int> offsets = pairs <= StackPairs ? stackalloc int[StackPairs] : (rented = ArrayPool<int>.Shared.Rent(pairs));
        int n = 0;
        for (byte* f = Listpack.First(lp); f != null; f = Listpack.Next(lp, Listpack.Next(lp, f))) offsets[n++] = (int)(f - lp);
        if (unique)
        {
            long need = count;
            for (int i = 0; i < n && need > 0; i++)
            {
                if ((long)(shard.NextRandom() % (ulong)(n - i)) < need)
                {
                    pick.FromListpack(lp, lp + offsets[i]);
                    need--;
                }
            }
        }
        else
        {
            for (long i = 0; i < count; i++) pick.FromListpack(lp, lp + offsets[(int)(shard.NextRandom() % (ulong)n)]);
        }
        if (rented != null) ArrayPool<int>.Shared.Return(rented);
    }

    /// <summary>Collects every element pointer of a table (for the partial shuffle).</summary>
    struct ElementCollector : IFieldVisitor
    {
        public nint[] Found;
        public int Count;

        public void Visit(byte* element) => Found[Count++] = (nint)element;
    }

    /// <summary>
    /// <paramref name="count"/> distinct elements of a table, <paramref name="count"/> &lt; size: when
    /// they are more than a third of the table, a partial Fisher-Yates shuffle of all of them; otherwise
    /// random picks, skipping repeats, until there are enough (few repeats at that density).
    /// </summary>
    static void RandomDistinctFromTable(Shard shard, byte* t, long size, long count, PairWriter pick)
    {
        if (count * 3 > size)
        {
            var all = new ElementCollector { Found = ArrayPool<nint>.Shared.Rent((int)size) };
            FieldTable.Enumerate(t, ref all);
            for (int i = 0; i < count; i++)
            {
                int j = i + (int)(shard.NextRandom() % (ulong)(all.Count - i));
                (all.Found[i], all.Found[j]) = (all.Found[j], all.Found[i]);
                pick.FromTable((byte*)all.Found[i]);
            }
            ArrayPool<nint>.Shared.Return(all.Found);
            return;
        }
        var seen = new HashSet<nint>();
        while (seen.Count < count)
        {
            byte* el = FieldTable.Random(t, ref shard.Rng);
            if (seen.Add((nint)el)) pick.FromTable(el);
        }
    }
}
