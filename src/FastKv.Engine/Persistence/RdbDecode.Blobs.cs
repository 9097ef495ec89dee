using System;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// The blob types: one string holding a whole encoded structure. Listpacks (16, 17, 20) and intsets (11) are
/// checked and copied as they are; ziplists (10, 12, 13) and zipmaps (9) are checked and rebuilt as listpacks
/// (FastKv.Memory Ziplist.cs, Zipmap.cs). Then each type's entry-count threshold may convert the result, as
/// rdbLoadObject does (only the count: a listpack with long values stays a listpack, as in Redis).
/// </summary>
public static unsafe partial class RdbDecode
{
    static RdbLoadResult LoadBlob(Shard shard, byte rdbType, ReadOnlySpan<byte> blob, ref Built v)
    {
        Arena arena = shard.Arena;
        ServerConfig cfg = shard.Server.Config;
        switch (rdbType)
        {
            case RdbType.SetIntset:
            {
                // intsetValidateIntegrity: an empty intset is corrupt, not an empty key.
                if (!Collection.ValidIntset(blob) || blob.Length == Intset.HeaderSize) return RdbLoadResult.BadFormat;
                var s = new SetRef(ValueEncoding.IntSet, CopyBlob(arena, blob));
                if (Intset.Length(s.Ptr) > cfg.SetMaxIntsetEntries) SetValue.ConvertToTable(arena, ref s, Intset.Length(s.Ptr));
                return Set(ref v, ValueKind.Set, s.Encoding, s.Ptr);
            }
            case RdbType.SetListpack:
            {
                if (!ValidListpackBlob(blob, pairs: false, out int n)) return RdbLoadResult.BadFormat;
                if (n == 0) return RdbLoadResult.EmptyKey;
                var s = new SetRef(ValueEncoding.ListPack, CopyBlob(arena, blob));
                if (n > cfg.SetMaxListpackEntries) SetValue.ConvertToTable(arena, ref s, n);
                return Set(ref v, ValueKind.Set, s.Encoding, s.Ptr);
            }
            case RdbType.HashListpack:
            {
                if (!ValidListpackBlob(blob, pairs: true, out int n)) return RdbLoadResult.BadFormat;
                if (n == 0) return RdbLoadResult.EmptyKey;
                return HashFromListpack(arena, cfg, CopyBlob(arena, blob), n / 2, 0, ref v);
            }
            case RdbType.ZSetListpack:
            {
                if (!ValidListpackBlob(blob, pairs: true, out int n)) return RdbLoadResult.BadFormat;
                if (n == 0) return RdbLoadResult.EmptyKey;
                if (!Collection.ValidZSetListpack(blob)) return RdbLoadResult.BadFormat;
                return ZSetFromListpack(shard, CopyBlob(arena, blob), n / 2, ref v);
            }
            case RdbType.HashZipmap:
            {
                var b = new Listpack.Builder(blob.Length * 2 + 16);
                if (!Zipmap.AppendTo(blob, b, out int pairs, out long maxLen)) return RdbLoadResult.BadFormat;
                return HashFromListpack(arena, cfg, b.ToArena(arena), pairs, maxLen, ref v);
            }
            case RdbType.HashZiplist:
            case RdbType.ZSetZiplist:
            {
                var b = new Listpack.Builder(blob.Length + 16);
                if (!Ziplist.AppendPairsTo(blob, b, out int n)) return RdbLoadResult.BadFormat;
                if (n == 0) return RdbLoadResult.EmptyKey;
                if (rdbType == RdbType.HashZiplist) return HashFromListpack(arena, cfg, b.ToArena(arena), n / 2, 0, ref v);
                if (!Collection.ValidZSetListpack(b.Finish())) return RdbLoadResult.BadFormat;
                return ZSetFromListpack(shard, b.ToArena(arena), n / 2, ref v);
            }
            case RdbType.ListZiplist:
            {
                // Redis 7.2 pushes each entry onto a quicklist of the configured fill and keeps the quicklist
                // encoding whatever its size (no listTypeTryConversion for this type).
                var b = new Listpack.Builder(blob.Length + 16);
                if (!Ziplist.AppendTo(blob, b, out int n)) return RdbLoadResult.BadFormat;
                if (n == 0) return RdbLoadResult.EmptyKey;
                byte* ql = QuickList.Create(arena, ListFill(shard));
                fixed (byte* lp = b.Finish())
                {
                    // The builder's listpack is well formed (it wrote it) and stays put while it is walked.
                    Span<byte> text = stackalloc byte[Listpack.MaxIntegerChars];
                    for (byte* e = Listpack.First(lp); e != null; e = Listpack.Next(lp, e))
                        QuickList.PushTail(arena, ql, HashValue.Text(Listpack.Get(e), text));
                }
                return Set(ref v, ValueKind.List, ValueEncoding.QuickList, ql);
            }
        }
        return RdbLoadResult.BadFormat;
    }

    static RdbLoadResult Set(ref Built v, byte type, byte enc, byte* p)
    {
        v.Type = type;
        v.Encoding = enc;
        v.Ptr = p;
        return RdbLoadResult.Ok;
    }

    static byte* CopyBlob(Arena arena, ReadOnlySpan<byte> blob)
    {
        byte* p = arena.Alloc((nuint)blob.Length);
        blob.CopyTo(new Span<byte>(p, blob.Length));
        return p;
    }

    /// <summary>
    /// lpValidateIntegrityAndDups, always deep: a well-formed listpack (Listpack.Validate), of pairs when asked, with
    /// no repeated element (with <paramref name="pairs"/>: no repeated field, values may repeat). Elements compare
    /// by their text. <paramref name="count"/> is the number of entries.
    /// </summary>
    static bool ValidListpackBlob(ReadOnlySpan<byte> blob, bool pairs, out int count)
    {
        count = 0;
        if (blob.Length < Listpack.EmptySize) return false;
        fixed (byte* lp = blob)
        {
            if (!Listpack.Validate(lp, blob.Length)) return false;
            // Counted by walking: Listpack.Count would store an unknown count back into the caller's bytes.
            ElementSet seen = ElementSet.ForThread();
            bool field = true;
            for (byte* e = Listpack.First(lp); e != null; e = Listpack.Next(lp, e))
            {
                if (field && !(Listpack.Get(e, out long n, out ReadOnlySpan<byte> s) ? seen.Add(n) : seen.Add(s))) return false;
                if (pairs) field = !field;
                count++;
            }
        }
        return !pairs || (count & 1) == 0;
    }


    /// <summary>A hash listpack of <paramref name="pairs"/> pairs, or a hashtable when it has more than
    /// hash-max-listpack-entries pairs or (a zipmap's test) a field or value longer than hash-max-listpack-value.</summary>
    static RdbLoadResult HashFromListpack(Arena arena, ServerConfig cfg, byte* lp, long pairs, long maxLen, ref Built v)
    {
        if (pairs <= cfg.HashMaxListpackEntries && maxLen <= cfg.HashMaxListpackValue)
            return Set(ref v, ValueKind.Hash, ValueEncoding.ListPack, lp);
        byte* t = FieldTable.Create(arena, (int)pairs);
        Span<byte> fieldText = stackalloc byte[Listpack.MaxIntegerChars];
        Span<byte> valueText = stackalloc byte[Listpack.MaxIntegerChars];
        for (byte* f = Listpack.First(lp); f != null;)
        {
            byte* val = Listpack.Next(lp, f);
            FieldTable.Set(arena, ref t, HashValue.Text(Listpack.Get(f), fieldText), HashValue.Text(Listpack.Get(val), valueText));
            f = Listpack.Next(lp, val);
        }
        Listpack.Free(arena, lp);
        return Set(ref v, ValueKind.Hash, ValueEncoding.HashTable, t);
    }

    /// <summary>A zset listpack, or a skiplist when it has more than zset-max-listpack-entries members.</summary>
    static RdbLoadResult ZSetFromListpack(Shard shard, byte* lp, long members, ref Built v)
    {
        var z = new ZSet { Encoding = ValueEncoding.ListPack, Ptr = lp };
        if (members > shard.Server.Config.ZSetMaxListpackEntries) ZSetValue.ConvertToSkipList(shard, ref z);
        return Set(ref v, ValueKind.ZSet, z.Encoding, z.Ptr);
    }
}
