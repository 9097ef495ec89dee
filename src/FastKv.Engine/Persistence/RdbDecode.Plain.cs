using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// The plain collection types (1 LIST, 2 SET, 3 ZSET, 4 HASH, 5 ZSET_2): a count, then the elements one string
/// (and score) at a time. Redis 7.2 still writes 2, 4 and 5 for sets, hashes and sorted sets too large for their
/// compact encodings. A count is checked against the bytes left before anything is allocated for it.
/// </summary>
public static unsafe partial class RdbDecode
{
    /// <summary>A collection count: a plain length, not 0 (an empty key), and not more than the bytes left (each element takes one at least).</summary>
    static RdbLoadResult ReadCount(ref RdbReader r, out long count)
    {
        count = 0;
        if (!r.TryReadLength(out ulong n)) return RdbLoadResult.BadFormat;
        if (n == 0) return RdbLoadResult.EmptyKey;
        if (n > (ulong)r.Remaining) return RdbLoadResult.BadFormat;
        count = (long)n;
        return RdbLoadResult.Ok;
    }

    /// <summary>A key for duplicate detection: the bytes as Latin-1 text (one char per byte, so distinct bytes stay distinct).</summary>

    static RdbLoadResult LoadPlainList(Shard shard, ref RdbReader r, ref Built v)
    {
        RdbLoadResult res = ReadCount(ref r, out long count);
        if (res != RdbLoadResult.Ok) return res;
        Arena arena = shard.Arena;
        byte* ql = QuickList.Create(arena, ListFill(shard));
        for (long i = 0; i < count; i++)
        {
            r.ResetScratch();
            if (!r.TryReadString(out ReadOnlySpan<byte> item))
            {
                QuickList.Free(arena, ql);
                return RdbLoadResult.BadFormat;
            }
            QuickList.PushTail(arena, ql, item);
        }
        SetListEncoding(shard, ql, ref v);
        return RdbLoadResult.Ok;
    }

    /// <summary>
    /// rdbLoadObject's RDB_TYPE_SET: an intset when the count allows one, which becomes a listpack at the first
    /// member that is not an integer (if every member so far fits the listpack limits) or a hashtable; a listpack
    /// becomes a hashtable at the first member over its limits. A repeated member is a bad format.
    /// </summary>
    static RdbLoadResult LoadPlainSet(Shard shard, ref RdbReader r, ref Built v)
    {
        RdbLoadResult res = ReadCount(ref r, out long count);
        if (res != RdbLoadResult.Ok) return res;
        Arena arena = shard.Arena;
        ServerConfig cfg = shard.Server.Config;
        long intsetMax = Math.Min(cfg.SetMaxIntsetEntries, 1L << 30);
        SetRef s = count > intsetMax
            ? new SetRef(ValueEncoding.HashTable, FieldTable.Create(arena, (int)Math.Min(count, int.MaxValue)))
            : SetValue.NewIntset(arena);
        long maxLen = 0, sumLen = 0;
        bool ok = true;
        for (long i = 0; i < count && ok; i++)
        {
            r.ResetScratch();
            if (!r.TryReadString(out ReadOnlySpan<byte> m)) { ok = false; break; }
            maxLen = Math.Max(maxLen, m.Length);
            sumLen += m.Length;
            if (s.Encoding == ValueEncoding.IntSet)
            {
                if (Listpack.TryParseInteger(m, out long n))
                {
                    s.Ptr = Intset.Add(arena, s.Ptr, n, out bool added);
                    ok = added;
                    continue;
                }
                if (SetValue.Count(s) < cfg.SetMaxListpackEntries && maxLen <= cfg.SetMaxListpackValue && sumLen <= ListpackSafetyBytes)
                    IntsetToListpack(arena, ref s);
                else SetValue.ConvertToTable(arena, ref s, count);
            }
            if (s.Encoding == ValueEncoding.ListPack)
            {
                if (SetValue.Count(s) < cfg.SetMaxListpackEntries && m.Length <= cfg.SetMaxListpackValue
                    && Listpack.TotalBytes(s.Ptr) + (long)m.Length <= ListpackSafetyBytes)
                {
                    if (Listpack.Find(s.Ptr, Listpack.First(s.Ptr), m, 0) != null) { ok = false; break; }
                    s.Ptr = Listpack.Append(arena, s.Ptr, m);
                    continue;
                }
                SetValue.ConvertToTable(arena, ref s, count);
            }
            ok = FieldTable.Add(arena, ref s.Ptr, m);
        }
        if (!ok)
        {
            SetValue.Free(arena, s);
            return RdbLoadResult.BadFormat;
        }
        v.Type = ValueKind.Set;
        v.Encoding = s.Encoding;
        v.Ptr = s.Ptr;
        return RdbLoadResult.Ok;
    }

    static void IntsetToListpack(Arena arena, ref SetRef s)
    {
        int n = Intset.Length(s.Ptr);
        var b = new Listpack.Builder(16 + n * 10);
        for (int i = 0; i < n; i++) b.AppendInteger(Intset.Get(s.Ptr, i));
        Intset.Free(arena, s.Ptr);
        s = new SetRef(ValueEncoding.ListPack, b.ToArena(arena));
    }

    /// <summary>
    /// RDB_TYPE_ZSET (text scores) and ZSET_2 (binary scores): members in any order; a NaN score or a repeated member
    /// is a bad format. A listpack when the count and the longest member fit the zset-max-listpack limits (and the
    /// total stays under 1 GiB), else a skiplist. A count over the entry limit goes straight into a skiplist; a
    /// smaller set is gathered first, sorted, and written as a listpack unless a member turns out too long.
    /// </summary>
    static RdbLoadResult LoadPlainZSet(Shard shard, ref RdbReader r, bool binaryScores, ref Built v)
    {
        RdbLoadResult res = ReadCount(ref r, out long count);
        if (res != RdbLoadResult.Ok) return res;
        ServerConfig cfg = shard.Server.Config;
        Arena arena = shard.Arena;
        v.Type = ValueKind.ZSet;
        if (count > cfg.ZSetMaxListpackEntries)
        {
            byte* zs = ZSetSkipList.Create(arena, (int)Math.Min(count, 1 << 20), shard.NextRandom());
            for (long i = 0; i < count; i++)
            {
                r.ResetScratch();
                if (!ReadMember(ref r, binaryScores, out ReadOnlySpan<byte> m, out double score) || ZSetSkipList.TryGetScore(zs, m, out _))
                {
                    ZSetSkipList.Free(arena, zs);
                    return RdbLoadResult.BadFormat;
                }
                ZSetSkipList.Insert(arena, zs, m, score);
            }
            v.Encoding = ValueEncoding.SkipList;
            v.Ptr = zs;
            return RdbLoadResult.Ok;
        }

        var members = new List<(byte[] Member, double Score)>((int)count);
        ElementSet seen = ElementSet.ForThread();
        long maxLen = 0, totalLen = 0;
        for (long i = 0; i < count; i++)
        {
            r.ResetScratch();
            if (!ReadMember(ref r, binaryScores, out ReadOnlySpan<byte> m, out double score) || !seen.Add(m)) return RdbLoadResult.BadFormat;
            maxLen = Math.Max(maxLen, m.Length);
            totalLen += m.Length;
            members.Add((m.ToArray(), score));
        }
        if (maxLen <= cfg.ZSetMaxListpackValue && totalLen <= ListpackSafetyBytes)
        {
            members.Sort(static (a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : a.Member.AsSpan().SequenceCompareTo(b.Member));
            var lp = new Listpack.Builder();
            Span<byte> text = stackalloc byte[64];
            foreach (var (m, score) in members)
            {
                lp.Append(m);
                lp.Append(text.Slice(0, ZSetListpack.FormatScore(score, text)));
            }
            v.Encoding = ValueEncoding.ListPack;
            v.Ptr = lp.ToArena(arena);
            return RdbLoadResult.Ok;
        }
        byte* z = ZSetSkipList.Create(arena, (int)count, shard.NextRandom());
        foreach (var (m, score) in members) ZSetSkipList.Insert(arena, z, m, score);
        v.Encoding = ValueEncoding.SkipList;
        v.Ptr = z;
        return RdbLoadResult.Ok;
    }

    /// <summary>A sorted-set member and its score (text or binary); a NaN score is refused.</summary>
    static bool ReadMember(ref RdbReader r, bool binaryScores, out ReadOnlySpan<byte> member, out double score)
    {
        score = 0;
        if (!r.TryReadString(out member)) return false;
        if (!(binaryScores ? r.TryReadBinaryDouble(out score) : r.TryReadTextDouble(out score))) return false;
        return !double.IsNaN(score);
    }

    /// <summary>
    /// RDB_TYPE_HASH, as rdbLoadObject: a count over hash-max-listpack-entries goes straight into a hashtable;
    /// otherwise pairs go into a listpack until a field or value is longer than hash-max-listpack-value (or the
    /// listpack would pass 1 GiB), when the pairs so far move into a hashtable and the rest follow. A repeated field
    /// is a bad format in either phase.
    /// </summary>
    static RdbLoadResult LoadPlainHash(Shard shard, ref RdbReader r, ref Built v)
    {
        RdbLoadResult res = ReadCount(ref r, out long count);
        if (res != RdbLoadResult.Ok) return res;
        ServerConfig cfg = shard.Server.Config;
        Arena arena = shard.Arena;
        byte* t = null;
        Listpack.Builder? lp = null;
        ElementSet? seen = null;
        if (count > cfg.HashMaxListpackEntries) t = FieldTable.Create(arena, (int)Math.Min(count, int.MaxValue));
        else
        {
            lp = new Listpack.Builder();
            seen = ElementSet.ForThread();
        }
        for (long i = 0; i < count; i++)
        {
            r.ResetScratch();
            ReadOnlySpan<byte> f = default, val = default;
            bool ok = r.TryReadString(out f) && r.TryReadString(out val);
            if (ok && t == null)
            {
                ok = seen!.Add(f);
                if (ok && f.Length <= cfg.HashMaxListpackValue && val.Length <= cfg.HashMaxListpackValue
                    && lp!.TotalBytes + f.Length + val.Length <= ListpackSafetyBytes)
                {
                    lp.Append(f);
                    lp.Append(val);
                    continue;
                }
                if (ok) t = TableFromPairs(arena, lp!, count);
            }
            if (ok) ok = FieldTable.Set(arena, ref t, f, val);
            if (!ok)
            {
                if (t != null) FieldTable.Free(arena, t);
                return RdbLoadResult.BadFormat;
            }
        }
        v.Type = ValueKind.Hash;
        if (t == null)
        {
            v.Encoding = ValueEncoding.ListPack;
            v.Ptr = lp!.ToArena(arena);
            return RdbLoadResult.Ok;
        }
        v.Encoding = ValueEncoding.HashTable;
        v.Ptr = t;
        return RdbLoadResult.Ok;
    }

    /// <summary>A hashtable holding the pairs of a listpack being built (hashTypeConvert during a load).</summary>
    static byte* TableFromPairs(Arena arena, Listpack.Builder pairs, long capacity)
    {
        byte* t = FieldTable.Create(arena, (int)Math.Min(capacity, int.MaxValue));
        Span<byte> fieldText = stackalloc byte[Listpack.MaxIntegerChars];
        Span<byte> valueText = stackalloc byte[Listpack.MaxIntegerChars];
        fixed (byte* lp = pairs.Finish())
        {
            // The builder wrote this listpack (well formed, pairs) and it does not move while walked.
            for (byte* f = Listpack.First(lp); f != null;)
            {
                byte* val = Listpack.Next(lp, f);
                FieldTable.Set(arena, ref t, HashValue.Text(Listpack.Get(f), fieldText), HashValue.Text(Listpack.Get(val), valueText));
                f = Listpack.Next(lp, val);
            }
        }
        return t;
    }
}
