using System;
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

// SSCAN key cursor [MATCH pattern] [COUNT count] (t_set.c sscanCommand over db.c scanGenericCommand).
// Order of checks as Redis: the cursor, then the key (missing: an empty scan, before any option is
// read), then its type, then the options. An intset or listpack answers every (matching) member at once
// with cursor 0, whatever the cursor; a table is walked with FieldTable.Scan cursors: whole segments
// until COUNT members were seen (before MATCH filters them), at most COUNT*10 segments per call.
public static unsafe partial class SetCommands
{
    static void SScan(ref CommandContext c)
    {
        if (!ScanOptions.TryBeginKeyScan(ref c, ValueKind.Set, out ulong cursor, out byte* e, out ScanOptions o)) return;
        long count = o.Count;
        int patternArg = o.PatternArg;
        ReadOnlySpan<byte> pattern = patternArg >= 0 ? c.Arg(patternArg) : default;
        SetRef s = SetValue.Load(e);
        if (s.Encoding != ValueEncoding.HashTable)
            ScanSmall(ref c, s, patternArg >= 0, pattern);
        else
            ScanTable(ref c, s.Ptr, cursor, count, patternArg >= 0, pattern);
    }

    /// <summary>A small encoding in one reply: count the matches, then write them.</summary>
    static void ScanSmall(ref CommandContext c, SetRef s, bool filter, ReadOnlySpan<byte> pattern)
    {
        c.W.ArrayHeader(2);
        c.W.Bulk("0"u8);
        nint* buf = stackalloc nint[SetIterator.BufferLength];
        if (!filter)
        {
            c.W.ArrayHeader((int)SetValue.Count(s));
            SetValue.WriteMembers(c.W, s);
            return;
        }
        int matches = 0;
        var it = new SetIterator(s, buf);
        while (it.Next(out ListpackValue m))
            if (Matches(pattern, m)) matches++;
        c.W.ArrayHeader(matches);
        it = new SetIterator(s, buf);
        while (it.Next(out ListpackValue m))
            if (Matches(pattern, m)) SetValue.WriteMember(c.W, m);
    }

    /// <summary>MATCH against a member's text (an integer's decimal form).</summary>
    static bool Matches(ReadOnlySpan<byte> pattern, in ListpackValue m)
    {
        if (!m.IsInteger) return Glob.Match(pattern, m.Bytes, false);
        Span<byte> text = stackalloc byte[Listpack.MaxIntegerChars];
        return Glob.Match(pattern, text.Slice(0, RespNumber.FormatInt64(m.Integer, text)), false);
    }

    static void ScanTable(ref CommandContext c, byte* t, ulong cursor, long count, bool filter, ReadOnlySpan<byte> pattern)
    {
        // At most one segment past COUNT (or past everything the table holds) is collected.
        int capacity = (int)Math.Min(Math.Min(count, FieldTable.Count(t)) + SetIterator.BufferLength, int.MaxValue);
        nint[] found = ArrayPool<nint>.Shared.Rent(capacity);
        fixed (nint* f = found)
        {
            var v = new ScanCollector { Found = f, Capacity = found.Length };
            long iterations = count * 10;
            do cursor = FieldTable.Scan(t, cursor, ref v);
            while (cursor != 0 && v.Count < count && --iterations > 0);

            int matches = v.Count;
            if (filter)
            {
                matches = 0;
                for (int i = 0; i < v.Count; i++)
                    if (Glob.Match(pattern, FieldTable.ElementField((byte*)f[i]), false)) matches++;
            }
            Span<byte> text = stackalloc byte[20];
            cursor.TryFormat(text, out int n, default, CultureInfo.InvariantCulture);
            c.W.ArrayHeader(2);
            c.W.Bulk(text.Slice(0, n));
            c.W.ArrayHeader(matches);
            for (int i = 0; i < v.Count; i++)
            {
                ReadOnlySpan<byte> member = FieldTable.ElementField((byte*)f[i]);
                if (!filter || Glob.Match(pattern, member, false)) c.W.Bulk(member);
            }
        }
        ArrayPool<nint>.Shared.Return(found);
    }

    /// <summary>Collects element pointers across segments into a buffer sized for COUNT plus one segment.</summary>
    struct ScanCollector : IFieldVisitor
    {
        public nint* Found;
        public int Capacity;
        public int Count;

        public void Visit(byte* element)
        {
            Debug.Assert(Count < Capacity);
            if (Count < Capacity) Found[Count++] = (nint)element;
        }
    }
}
