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
    static string Text(ReadOnlySpan<byte> s) => Encoding.Latin1.GetString(s);

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
    /// total stays under 1 GiB), else a skiplist.
    /// </summary>
    static RdbLoadResult LoadPlainZSet(Shard shard, ref RdbReader r, bool binaryScores, ref Built v)
    {
        RdbLoadResult res = ReadCount(ref r, out long count);
        if (res != RdbLoadResult.Ok) return res;
        var members = new List<(byte[] Member, double Score)>((int)Math.Min(count, 1 << 16));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long maxLen = 0, totalLen = 0;
        for (long i = 0; i < count; i++)
        {
            r.ResetScratch();
            if (!r.TryReadString(out ReadOnlySpan<byte> m)) return RdbLoadResult.BadFormat;
            double score;
            if (!(binaryScores ? r.TryReadBinaryDouble(out score) : r.TryReadTextDouble(out score))) return RdbLoadResult.BadFormat;
            if (double.IsNaN(score) || !seen.Add(Text(m))) return RdbLoadResult.BadFormat;
            maxLen = Math.Max(maxLen, m.Length);
            totalLen += m.Length;
            members.Add((m.ToArray(), score));
        }
        ServerConfig cfg = shard.Server.Config;
        v.Type = ValueKind.ZSet;
        if (count <= cfg.ZSetMaxListpackEntries && maxLen <= cfg.ZSetMaxListpackValue && totalLen <= ListpackSafetyBytes)
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
            v.Ptr = lp.ToArena(shard.Arena);
            return RdbLoadResult.Ok;
        }
        byte* zs = ZSetSkipList.Create(shard.Arena, (int)Math.Min(count, 1 << 20), shard.NextRandom());
        foreach (var (m, score) in members) ZSetSkipList.Insert(shard.Arena, zs, m, score);
        v.Encoding = ValueEncoding.SkipList;
        v.Ptr = zs;
        return RdbLoadResult.Ok;
    }

    /// <summary>
    /// RDB_TYPE_HASH: a listpack unless the pair count exceeds hash-max-listpack-entries or a field or value is
    /// longer than hash-max-listpack-value (or the listpack would pass 1 GiB); a repeated field is a bad format.
    /// </summary>
    static RdbLoadResult LoadPlainHash(Shard shard, ref RdbReader r, ref Built v)
    {
        RdbLoadResult res = ReadCount(ref r, out long count);
        if (res != RdbLoadResult.Ok) return res;
        ServerConfig cfg = shard.Server.Config;
        var pairs = new List<(byte[] Field, byte[] Value)>((int)Math.Min(count, 1 << 16));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool table = count > cfg.HashMaxListpackEntries;
        long totalLen = 0;
        for (long i = 0; i < count; i++)
        {
            r.ResetScratch();
            if (!r.TryReadString(out ReadOnlySpan<byte> f) || !r.TryReadString(out ReadOnlySpan<byte> val)) return RdbLoadResult.BadFormat;
            if (!seen.Add(Text(f))) return RdbLoadResult.BadFormat;
            totalLen += f.Length + val.Length;
            if (f.Length > cfg.HashMaxListpackValue || val.Length > cfg.HashMaxListpackValue || totalLen > ListpackSafetyBytes) table = true;
            pairs.Add((f.ToArray(), val.ToArray()));
        }
        Arena arena = shard.Arena;
        v.Type = ValueKind.Hash;
        if (!table)
        {
            var lp = new Listpack.Builder();
            foreach (var (f, val) in pairs)
            {
                lp.Append(f);
                lp.Append(val);
            }
            v.Encoding = ValueEncoding.ListPack;
            v.Ptr = lp.ToArena(arena);
            return RdbLoadResult.Ok;
        }
        byte* t = FieldTable.Create(arena, pairs.Count);
        foreach (var (f, val) in pairs) FieldTable.Set(arena, ref t, f, val);
        v.Encoding = ValueEncoding.HashTable;
        v.Ptr = t;
        return RdbLoadResult.Ok;
    }
}
