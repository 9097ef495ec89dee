using System;
using System.Collections.Generic;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// SORT and SORT_RO (Redis sort.c): the elements of a list, set or sorted set, sorted as numbers or
/// strings, directly or by the values of other keys (BY pattern, '*' replaced by the element, "->field"
/// for a hash field), with LIMIT, GET patterns ('#' is the element itself), and STORE into a list.
/// Order of checks and every corner follows sortCommandGeneric: options first (syntax errors), then the
/// key's type; BY without '*' means "do not sort" (native order, LIMIT applied while loading); ties of
/// numeric sorts break by the elements' bytes; elements that are not numbers fail the whole sort.
/// Off the hot path: elements are copied into managed arrays.
/// Unsafe invariant for the whole class: entry pointers are used before any write to the database.
/// </summary>
public static unsafe class SortCommand
{
    public static void Register(CommandTable t)
    {
        // BY/GET patterns name keys anywhere: with them, several shards make a transaction (CrossShard.Sort).
        t.Add("sort", &Sort, CrossShard.Sort, Route.Custom, &SortKeys).CustomRoute = &Target;
        // Redis marks SORT_RO movablekeys too (its BY/GET key spec is "unknown"); its only key is the source.
        t.Add("sort_ro", &SortRo, CrossShard.Sort, Route.Custom, &SortRoKeys).CustomRoute = &Target;
    }

    /// <summary>SORT's shard: its keys' (source, STORE destination), or none when BY/GET patterns may name keys elsewhere.</summary>
    static Shard? Target(ServerState server, Shard home, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int db)
    {
        if (HasKeyPatterns(buf, args, IsReadOnly(spec))) return null;
        return Router.KeysProcTarget(server, home, spec, buf, args);
    }

    /// <summary>SORT_RO: SORT without STORE.</summary>
    public static bool IsReadOnly(CommandSpec spec) => (spec.Flags & CommandFlags.Write) == 0;

    static int SortRoKeys(ReadOnlySpan<byte> buf, ArgList args, Span<int> positions)
    {
        if (positions.Length > 0) positions[0] = 1;
        return 1;
    }

    /// <summary>sortGetKeys: the key, and the STORE destination (the last one given).</summary>
    static int SortKeys(ReadOnlySpan<byte> buf, ArgList args, Span<int> positions)
    {
        int n = 0, store = 0;
        if (positions.Length > 0) positions[0] = 1;
        n = 1;
        for (int i = 2; i < args.Count; i++)
        {
            ReadOnlySpan<byte> a = args.Get(buf, i);
            if (Ascii.EqualsIgnoreCase(a, "limit"u8)) i += 2;
            else if (Ascii.EqualsIgnoreCase(a, "get"u8) || Ascii.EqualsIgnoreCase(a, "by"u8)) i++;
            else if (Ascii.EqualsIgnoreCase(a, "store"u8) && i + 1 < args.Count) store = ++i;
        }
        if (store > 0)
        {
            if (positions.Length > 1) positions[1] = store;
            n = 2;
        }
        return n;
    }

    /// <summary>Options of one SORT, parsed.</summary>
    public sealed class Options
    {
        public bool Desc, Alpha, DontSort;
        public long LimitStart, LimitCount = -1;
        public byte[]? By;
        public byte[]? Store;
        public readonly List<byte[]> Gets = new();

        /// <summary>Patterns that name other keys ('*' in them; "#" is the element itself).</summary>
        public IEnumerable<byte[]> KeyPatterns()
        {
            if (By != null && !DontSort) yield return By;
            foreach (var g in Gets)
                if (g.AsSpan().IndexOf((byte)'*') >= 0) yield return g;
        }
    }

    /// <summary>Parses options from argument 2 on; null after writing the error.</summary>
    public static Options? Parse(ReadOnlySpan<byte> buf, ArgList args, bool readOnly, RespWriter? w)
    {
        var o = new Options();
        int argc = args.Count;
        for (int j = 2; j < argc; j++)
        {
            int left = argc - j - 1;
            ReadOnlySpan<byte> a = args.Get(buf, j);
            if (Ascii.EqualsIgnoreCase(a, "asc"u8)) o.Desc = false;
            else if (Ascii.EqualsIgnoreCase(a, "desc"u8)) o.Desc = true;
            else if (Ascii.EqualsIgnoreCase(a, "alpha"u8)) o.Alpha = true;
            else if (Ascii.EqualsIgnoreCase(a, "limit"u8) && left >= 2)
            {
                if (!RespNumber.TryParseInt64(args.Get(buf, j + 1), out o.LimitStart)
                    || !RespNumber.TryParseInt64(args.Get(buf, j + 2), out o.LimitCount))
                {
                    w?.Error(Errors.NotInteger);
                    return null;
                }
                j += 2;
            }
            else if (!readOnly && Ascii.EqualsIgnoreCase(a, "store"u8) && left >= 1) o.Store = args.Get(buf, ++j).ToArray();
            else if (Ascii.EqualsIgnoreCase(a, "by"u8) && left >= 1)
            {
                o.By = args.Get(buf, ++j).ToArray();
                // Sticky, as in sort.c: once a BY without '*' was given, a later BY pattern does not sort either.
                if (o.By.AsSpan().IndexOf((byte)'*') < 0) o.DontSort = true;
            }
            else if (Ascii.EqualsIgnoreCase(a, "get"u8) && left >= 1) o.Gets.Add(args.Get(buf, ++j).ToArray());
            else
            {
                w?.Error(Errors.Syntax);
                return null;
            }
        }
        return o;
    }

    /// <summary>Whether this SORT reads keys named by its elements (so, with several shards, keys anywhere).</summary>
    public static bool HasKeyPatterns(ReadOnlySpan<byte> buf, ArgList args, bool readOnly)
    {
        Options? o = Parse(buf, args, readOnly, null);
        if (o == null) return false;
        foreach (var _ in o.KeyPatterns()) return true;
        return false;
    }

    static void Sort(ref CommandContext c) => Run(ref c, false);
    static void SortRo(ref CommandContext c) => Run(ref c, true);

    struct Item
    {
        public byte[] Element;
        public double Score;
        public byte[]? CompareWith;
    }

    static void Run(ref CommandContext c, bool readOnly)
    {
        Options? o = Parse(c.Buffer, c.Args, readOnly, c.W);
        if (o == null) return;
        Database db = c.Db;
        byte* e = KeyLookup.Read(c.Shard, db, c.Arg(1));
        byte type = e == null ? ValueKind.List : KeyEntry.Type(e);
        if (e != null && type is not (ValueKind.List or ValueKind.Set or ValueKind.ZSet))
        {
            c.W.Error(Errors.WrongType);
            return;
        }
        bool dontSort = o.DontSort, alpha = o.Alpha;
        byte[]? by = o.By;
        if (dontSort && type == ValueKind.Set && (o.Store != null || c.Shard.InScript))
        {
            // A set has no order of its own: a stored result, or one a script sees, is sorted so that it is reproducible.
            dontSort = false;
            alpha = true;
            by = null;
        }
        List<byte[]> elements = e == null ? new List<byte[]>() : Elements(e);
        long len = elements.Count;
        long start = Math.Min(Math.Max(o.LimitStart, 0), len);
        long count = Math.Min(Math.Max(o.LimitCount, -1), len);
        long end = count < 0 ? len - 1 : start + count - 1;
        if (start >= len)
        {
            start = len - 1;
            end = len - 2;
        }
        if (end >= len) end = len - 1;

        var items = new Item[len];
        if (dontSort && type != ValueKind.Set)
        {
            // Native order (DESC walks it backwards), LIMIT taken while loading.
            var picked = new List<Item>();
            for (long j = start; j <= end; j++)
            {
                long idx = o.Desc ? len - 1 - j : j;
                picked.Add(new Item { Element = elements[(int)idx] });
            }
            items = picked.ToArray();
            end -= start;
            start = 0;
        }
        else
        {
            for (int j = 0; j < len; j++) items[j].Element = elements[j];
        }

        bool notNumber = false;
        if (!dontSort)
        {
            for (int j = 0; j < items.Length; j++)
            {
                byte[]? byVal = by != null ? Lookup(c.Shard, db, by, items[j].Element) : items[j].Element;
                if (byVal == null) continue;
                if (alpha)
                {
                    if (by != null) items[j].CompareWith = byVal;
                }
                else if (!TryStrtod(byVal, out items[j].Score)) notNumber = true;
            }
            var cmp = new ItemComparer(o.Desc, alpha, by != null);
            Array.Sort(items, cmp);
        }

        long outLen = end >= start ? end - start + 1 : 0;
        long outputLength = o.Gets.Count > 0 ? o.Gets.Count * outLen : outLen;
        if (notNumber)
        {
            c.Error("ERR One or more scores can't be converted into double");
            return;
        }
        if (o.Store == null)
        {
            c.W.ArrayHeader((int)outputLength);
            for (long j = start; j <= end; j++)
            {
                if (o.Gets.Count == 0) c.W.Bulk(items[j].Element);
                foreach (var g in o.Gets)
                {
                    byte[]? v = Lookup(c.Shard, db, g, items[j].Element);
                    if (v == null) c.W.NullBulk();
                    else c.W.Bulk(v);
                }
            }
            return;
        }
        var stored = new List<byte[]>();
        for (long j = start; j <= end; j++)
        {
            if (o.Gets.Count == 0) stored.Add(items[j].Element);
            foreach (var g in o.Gets) stored.Add(Lookup(c.Shard, db, g, items[j].Element) ?? Array.Empty<byte>());
        }
        bool existed = db.Delete(o.Store);
        if (stored.Count > 0)
        {
            ListEncoding.StoreList(ref c, o.Store, stored, overwrite: existed);
            // Redis counts every stored element, or one change for a deleted destination.
            c.Dirty(stored.Count);
            c.Modified(o.Store, NotifyClass.List, "sortstore"u8);
        }
        else if (existed)
        {
            c.Dirty();
            c.Modified(o.Store, NotifyClass.Generic, "del"u8);
        }
        c.W.Integer(outputLength);
    }

    /// <summary>The elements in the collection's own order (list order, set walk, zset rank order).</summary>
    public static List<byte[]> Elements(byte* e)
    {
        var list = new List<byte[]>();
        byte* p = Collection.Ptr(e);
        Span<byte> scratch = stackalloc byte[Listpack.MaxIntegerChars];
        switch (KeyEntry.Type(e))
        {
            case ValueKind.List:
                for (var it = QuickList.IteratorAt(p, 0, true); it.Valid; it.MoveNext()) list.Add(Text(it.Current, scratch));
                break;
            case ValueKind.Set:
            {
                nint* buffer = stackalloc nint[SetIterator.BufferLength];
                var it = new SetIterator(SetValue.Load(e), buffer);
                while (it.Next(out ListpackValue m)) list.Add(Text(m, scratch));
                break;
            }
            case ValueKind.ZSet:
                if (KeyEntry.Encoding(e) == ValueEncoding.ListPack)
                {
                    for (byte* q = Listpack.First(p); q != null; q = ZSetListpack.NextPair(p, q))
                        list.Add(ZSetListpack.Member(q, scratch).ToArray());
                }
                else
                {
                    for (byte* n = SortedIndex.First(ZSetSkipList.Index(p)); n != null; n = SortedIndex.Next(n))
                        list.Add(SortedIndex.Member(n).ToArray());
                }
                break;
        }
        return list;
    }

    static byte[] Text(in ListpackValue v, Span<byte> scratch)
    {
        if (!v.IsInteger) return v.Bytes.ToArray();
        int n = RespNumber.FormatInt64(v.Integer, scratch);
        return scratch.Slice(0, n).ToArray();
    }

    /// <summary>
    /// lookupKeyByPattern: "#" is the element; otherwise the first '*' is replaced by the element, and a
    /// "->field" after it reads that field of a hash. Null when the pattern has no '*', the key is missing
    /// or of the wrong type, or the field is missing.
    /// </summary>
    public static byte[]? Lookup(Shard shard, Database db, byte[] pattern, byte[] element)
    {
        if (pattern.Length == 1 && pattern[0] == '#') return element;
        if (!TryKeyOf(pattern, element, out byte[] key, out byte[]? field)) return null;
        byte* e = KeyLookup.Read(shard, db, key);
        if (e == null) return null;
        if (field != null)
        {
            if (KeyEntry.Type(e) != ValueKind.Hash || !HashValue.TryGet(e, field, out ListpackValue v)) return null;
            Span<byte> scratch = stackalloc byte[Listpack.MaxIntegerChars];
            return Text(v, scratch);
        }
        return KeyEntry.Type(e) == ValueKind.String ? KeyEntry.Value(e).ToArray() : null;
    }

    /// <summary>The key a pattern names for an element, and the hash field if the pattern has "->field" after its '*'.</summary>
    public static bool TryKeyOf(byte[] pattern, byte[] element, out byte[] key, out byte[]? field)
    {
        key = Array.Empty<byte>();
        field = null;
        int star = pattern.AsSpan().IndexOf((byte)'*');
        if (star < 0) return false;
        int arrow = pattern.AsSpan(star + 1).IndexOf("->"u8);
        int keyEnd = pattern.Length;
        if (arrow >= 0 && star + 1 + arrow + 2 < pattern.Length)
        {
            keyEnd = star + 1 + arrow;
            field = pattern.AsSpan(keyEnd + 2).ToArray();
        }
        key = new byte[star + element.Length + (keyEnd - star - 1)];
        pattern.AsSpan(0, star).CopyTo(key);
        element.CopyTo(key.AsSpan(star));
        pattern.AsSpan(star + 1, keyEnd - star - 1).CopyTo(key.AsSpan(star + element.Length));
        return true;
    }

    /// <summary>
    /// strtod as sortCommandGeneric checks it: leading white space skipped, the number must end the text (or
    /// stop at a NUL byte), no NaN, and no ERANGE. Text with no number converts only when it is empty or starts
    /// with NUL (strtod then leaves the end at the very start), so "   " is an error.
    /// </summary>
    static bool TryStrtod(byte[] s, out double v) => ScoreRange.TryStrtod(s, out v) && !RangeError(s, v);

    /// <summary>
    /// glibc's ERANGE: an overflow to infinity (not an "inf" literal), a non-zero number rounded to zero, or a
    /// result below the normal range that is inexact. Decimal text of a subnormal is taken as inexact (an exact
    /// one needs hundreds of digits); hexadecimal text is exact when its lowest set bit is at least 2^-1074.
    /// </summary>
    static bool RangeError(byte[] s, double v)
    {
        if (v != 0 && double.IsFinite(v) && Math.Abs(v) >= 2.2250738585072014E-308) return false; // DBL_MIN
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (uint)(s[i] - '\t') <= '\r' - '\t')) i++;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
        if (double.IsInfinity(v)) return i >= s.Length || (s[i] | 0x20) != 'i';
        bool hex = i + 1 < s.Length && s[i] == '0' && (s[i + 1] | 0x20) == 'x';
        if (!hex)
        {
            bool nonZero = false;
            for (; i < s.Length && (s[i] == '.' || (uint)(s[i] - '0') <= 9); i++) nonZero |= s[i] > '0';
            return nonZero;
        }
        // Hexadecimal: m * 2^(p - 4 * fraction digits); the lowest set bit of m decides exactness.
        long lowBit = 0, fraction = 0;
        bool point = false;
        int lastNonZero = -1, digits = 0;
        for (i += 2; i < s.Length; i++)
        {
            int d = HexDigit(s[i]);
            if (d < 0)
            {
                if (s[i] == '.' && !point) { point = true; continue; }
                break;
            }
            if (point) fraction++;
            if (d != 0) { lastNonZero = digits; lowBit = System.Numerics.BitOperations.TrailingZeroCount(d); }
            digits++;
        }
        if (lastNonZero < 0) return false; // exactly zero
        lowBit += 4L * (digits - 1 - lastNonZero);
        long exponent = 0;
        if (i < s.Length && (s[i] | 0x20) == 'p')
        {
            int j = i + 1;
            bool negative = j < s.Length && s[j] == '-';
            if (j < s.Length && (s[j] == '+' || s[j] == '-')) j++;
            for (; j < s.Length && (uint)(s[j] - '0') <= 9; j++)
                if (exponent < 1_000_000) exponent = exponent * 10 + (s[j] - '0');
            if (negative) exponent = -exponent;
        }
        return v == 0 || lowBit + exponent - 4 * fraction < -1074;
    }

    static int HexDigit(byte c)
    {
        if ((uint)(c - '0') <= 9) return c - '0';
        uint lower = (uint)((c | 0x20) - 'a');
        return lower <= 5 ? (int)lower + 10 : -1;
    }

    sealed class ItemComparer(bool desc, bool alpha, bool byPattern) : IComparer<Item>
    {
        public int Compare(Item a, Item b)
        {
            int cmp;
            if (!alpha)
            {
                cmp = a.Score > b.Score ? 1 : a.Score < b.Score ? -1 : a.Element.AsSpan().SequenceCompareTo(b.Element);
            }
            else if (byPattern)
            {
                if (a.CompareWith == null || b.CompareWith == null)
                    cmp = a.CompareWith == b.CompareWith ? 0 : a.CompareWith == null ? -1 : 1;
                else cmp = a.CompareWith.AsSpan().SequenceCompareTo(b.CompareWith);
            }
            else cmp = a.Element.AsSpan().SequenceCompareTo(b.Element);
            cmp = Math.Sign(cmp);
            return desc ? -cmp : cmp;
        }
    }
}
