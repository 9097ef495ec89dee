using System;
using System.Buffers;
using System.Globalization;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>
/// HSCAN key cursor [MATCH pattern] [COUNT count], as hscanCommand and scanGenericCommand: the cursor is
/// parsed before the key is looked up, and the options only for an existing hash. A listpack hash
/// answers everything at once with cursor 0 (COUNT is then ignored, as Redis does); a table walks
/// <see cref="FieldTable.Scan{TVisitor}"/> segment by segment until COUNT elements were visited (before
/// MATCH filters them), bounded by COUNT * 10 segments like Redis's maxiterations.
/// </summary>
public static unsafe partial class HashCommands
{
    static void HScan(ref CommandContext c)
    {
        if (!ScanOptions.TryBeginKeyScan(ref c, ValueKind.Hash, out ulong cursor, out byte* e, out ScanOptions o)) return;
        long count = o.Count;
        int patternArg = o.PatternArg;
        ReadOnlySpan<byte> pattern = patternArg >= 0 ? c.Arg(patternArg) : default;
        bool filter = patternArg >= 0;
        byte* p = Collection.Ptr(e);
        if (HashValue.IsListpack(e))
        {
            ScanListpack(ref c, p, pattern, filter);
            return;
        }
        ScanTable(ref c, p, cursor, count, pattern, filter);
    }

    /// <summary>All pairs of a listpack whose field matches, with cursor 0.</summary>
    static void ScanListpack(ref CommandContext c, byte* lp, ReadOnlySpan<byte> pattern, bool filter)
    {
        Span<byte> scratch = stackalloc byte[Listpack.MaxIntegerChars];
        int matched = 0;
        if (filter)
        {
            for (byte* f = Listpack.First(lp); f != null; f = Listpack.Next(lp, Listpack.Next(lp, f)))
                if (Glob.Match(pattern, HashValue.Text(Listpack.Get(f), scratch), false)) matched++;
        }
        else
        {
            matched = Listpack.Count(lp) / 2;
        }
        c.W.ArrayHeader(2);
        c.W.Bulk("0"u8);
        c.W.ArrayHeader(matched * 2);
        for (byte* f = Listpack.First(lp); f != null; f = Listpack.Next(lp, Listpack.Next(lp, f)))
        {
            if (filter && !Glob.Match(pattern, HashValue.Text(Listpack.Get(f), scratch), false)) continue;
            HashValue.ReplyEntry(c.W, f);
            HashValue.ReplyEntry(c.W, Listpack.Next(lp, f));
        }
    }

    /// <summary>Collects the elements of scanned segments whose field matches, counting every one visited.</summary>
    struct ScanCollector : IFieldVisitor
    {
        public byte* Pattern;
        public int PatternLength; // -1: no MATCH filter
        public nint[] Found;
        public int Count;
        public long Visited;

        public void Visit(byte* element)
        {
            Visited++;
            if (PatternLength >= 0 && !Glob.Match(new ReadOnlySpan<byte>(Pattern, PatternLength), FieldTable.ElementField(element), false))
                return;
            if (Count == Found.Length)
            {
                nint[] bigger = ArrayPool<nint>.Shared.Rent(Found.Length * 2);
                Found.AsSpan().CopyTo(bigger);
                ArrayPool<nint>.Shared.Return(Found);
                Found = bigger;
            }
            Found[Count++] = (nint)element;
        }
    }

    static void ScanTable(ref CommandContext c, byte* t, ulong cursor, long count, ReadOnlySpan<byte> pattern, bool filter)
    {
        // The pattern lives in the request buffer, pinned for the walk; the visitor keeps a pointer.
        fixed (byte* pat = pattern)
        {
            var v = new ScanCollector
            {
                Pattern = pat,
                PatternLength = filter ? pattern.Length : -1,
                Found = ArrayPool<nint>.Shared.Rent((int)Math.Min(count + FieldTable.SlotsPerSegment, 4096)),
            };
            long iterations = count * 10;
            do cursor = FieldTable.Scan(t, cursor, ref v);
            while (cursor != 0 && v.Visited < count && --iterations > 0);

            Span<byte> text = stackalloc byte[20];
            cursor.TryFormat(text, out int n, default, CultureInfo.InvariantCulture);
            c.W.ArrayHeader(2);
            c.W.Bulk(text.Slice(0, n));
            c.W.ArrayHeader(v.Count * 2);
            for (int i = 0; i < v.Count; i++)
            {
                byte* el = (byte*)v.Found[i];
                c.W.Bulk(FieldTable.ElementField(el));
                c.W.Bulk(FieldTable.ElementValue(el));
            }
            ArrayPool<nint>.Shared.Return(v.Found);
        }
    }
}
