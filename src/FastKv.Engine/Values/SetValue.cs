using System;
using System.Runtime.CompilerServices;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// A set's structure and its encoding, detached from the key entry that owns it, so the same code
/// serves stored sets (load from the entry, change, store back) and sets under construction (the
/// results of SINTERSTORE, SUNION, SPOP's survivors) that have no entry yet.
/// </summary>
public unsafe struct SetRef
{
    /// <summary><see cref="ValueEncoding.IntSet"/>, <see cref="ValueEncoding.ListPack"/> or <see cref="ValueEncoding.HashTable"/>.</summary>
    public byte Encoding;
    /// <summary>The <see cref="Intset"/>, <see cref="Listpack"/> (members only) or <see cref="FieldTable"/> (empty values).</summary>
    public byte* Ptr;

    public SetRef(byte encoding, byte* ptr)
    {
        Encoding = encoding;
        Ptr = ptr;
    }
}

/// <summary>
/// The set type's operations over its three encodings, with Redis 7.2's conversion rules (t_set.c
/// setTypeCreate, setTypeMaybeConvert, setTypeAddAux):
/// <list type="bullet">
/// <item>intset while every member is an integer (string2ll) and there are at most set-max-intset-entries;</item>
/// <item>listpack while there are at most set-max-listpack-entries members of at most set-max-listpack-value bytes;</item>
/// <item>hashtable (a <see cref="FieldTable"/> with empty values) otherwise.</item>
/// </list>
/// Conversions happen only on growth and only towards larger encodings: an intset that gets a
/// non-integer becomes a listpack if the listpack limits allow it (counting the intset's widest
/// member), else a table; an intset that grows past its limit becomes a table directly, as in 7.2.
/// The only way back to a smaller encoding is building a new set (<see cref="MaybeConvertToIntset"/>
/// for SINTERSTORE, and the sets SPOP and the algebra commands build from scratch).
/// Every operation that can move or replace the structure updates the <see cref="SetRef"/> it was given;
/// callers holding an entry store it back with <see cref="Store"/>.
/// Unsafe invariant for the whole class: a SetRef's pointer is the live structure its encoding names,
/// owned by the calling shard's arena.
/// </summary>
public static unsafe partial class SetValue
{
    /// <summary>LISTPACK_MAX_SAFETY_SIZE: a set listpack never grows past this many bytes.</summary>
    const long ListpackSafetyBytes = 1L << 30;
    /// <summary>Upper bound of a listpack integer entry with its backlen (9-byte int64 + 1).</summary>
    const int MaxIntegerEntryBytes = 10;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SetRef Load(byte* e) => new(KeyEntry.Encoding(e), Collection.Ptr(e));

    /// <summary>Writes a (maybe moved or converted) structure back into its key entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* e, SetRef s)
    {
        KeyEntry.SetEncoding(e, s.Encoding);
        Collection.SetPtr(e, s.Ptr);
    }

    public static void Free(Arena arena, SetRef s) => Collection.Free(arena, ValueKind.Set, s.Encoding, s.Ptr);

    /// <summary>intsetMaxEntries: the configured limit, capped at 2^30 by the intset's own format.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static long IntsetMax(ServerConfig cfg) => Math.Min(cfg.SetMaxIntsetEntries, 1L << 30);

    public static SetRef NewIntset(Arena arena) => new(ValueEncoding.IntSet, Intset.Create(arena));
    public static SetRef NewListpack(Arena arena) => new(ValueEncoding.ListPack, Listpack.Create(arena));

    /// <summary>
    /// setTypeCreate: the encoding a new set starts in, from its first member and how many members are
    /// about to be added (<paramref name="sizeHint"/>).
    /// </summary>
    public static SetRef Create(Arena arena, ServerConfig cfg, ReadOnlySpan<byte> first, long sizeHint)
    {
        if (sizeHint <= cfg.SetMaxIntsetEntries && Listpack.TryParseInteger(first, out _)) return NewIntset(arena);
        if (sizeHint <= cfg.SetMaxListpackEntries) return NewListpack(arena);
        return new SetRef(ValueEncoding.HashTable, FieldTable.Create(arena, (int)Math.Min(sizeHint, int.MaxValue)));
    }

    /// <summary>setTypeMaybeConvert: an existing set about to receive <paramref name="sizeHint"/> members
    /// becomes a table at once when the hint alone exceeds its encoding's limit.</summary>
    public static void MaybeConvert(Arena arena, ServerConfig cfg, ref SetRef s, long sizeHint)
    {
        if ((s.Encoding == ValueEncoding.ListPack && sizeHint > cfg.SetMaxListpackEntries)
            || (s.Encoding == ValueEncoding.IntSet && sizeHint > cfg.SetMaxIntsetEntries))
            ConvertToTable(arena, ref s, sizeHint);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Count(SetRef s) => s.Encoding switch
    {
        ValueEncoding.IntSet => Intset.Length(s.Ptr),
        ValueEncoding.ListPack => Listpack.Count(s.Ptr),
        _ => FieldTable.Count(s.Ptr),
    };

    // ---- membership ----------------------------------------------------------------------------

    public static bool Contains(SetRef s, ReadOnlySpan<byte> member)
    {
        switch (s.Encoding)
        {
            case ValueEncoding.IntSet:
                return Listpack.TryParseInteger(member, out long v) && Intset.Contains(s.Ptr, v);
            case ValueEncoding.ListPack:
                return Listpack.Find(s.Ptr, Listpack.First(s.Ptr), member, 0) != null;
            default:
                return FieldTable.Find(s.Ptr, member) != null;
        }
    }

    public static bool ContainsInteger(SetRef s, long v)
    {
        if (s.Encoding == ValueEncoding.IntSet) return Intset.Contains(s.Ptr, v);
        Span<byte> text = stackalloc byte[Listpack.MaxIntegerChars];
        return Contains(s, text.Slice(0, RespNumber.FormatInt64(v, text)));
    }

    /// <summary>Membership of a member as an iterator or a random draw gives it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Contains(SetRef s, in ListpackValue m) => m.IsInteger ? ContainsInteger(s, m.Integer) : Contains(s, m.Bytes);

    // ---- adding --------------------------------------------------------------------------------

    /// <summary>Adds <paramref name="member"/>, converting the encoding when a limit is crossed. True when it was new.</summary>
    public static bool Add(Arena arena, ServerConfig cfg, ref SetRef s, ReadOnlySpan<byte> member)
    {
        switch (s.Encoding)
        {
            case ValueEncoding.IntSet:
                if (Listpack.TryParseInteger(member, out long v)) return AddToIntset(arena, cfg, ref s, v);
                AddFirstString(arena, cfg, ref s, member);
                return true;
            case ValueEncoding.ListPack:
                return AddToListpack(arena, cfg, ref s, member);
            default:
                return FieldTable.Add(arena, ref s.Ptr, member);
        }
    }

    /// <summary>Adds an integer member (as the decimal text it stands for in the other encodings).</summary>
    public static bool AddInteger(Arena arena, ServerConfig cfg, ref SetRef s, long v)
    {
        if (s.Encoding == ValueEncoding.IntSet) return AddToIntset(arena, cfg, ref s, v);
        Span<byte> text = stackalloc byte[Listpack.MaxIntegerChars];
        return Add(arena, cfg, ref s, text.Slice(0, RespNumber.FormatInt64(v, text)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Add(Arena arena, ServerConfig cfg, ref SetRef s, in ListpackValue m)
        => m.IsInteger ? AddInteger(arena, cfg, ref s, m.Integer) : Add(arena, cfg, ref s, m.Bytes);

    static bool AddToIntset(Arena arena, ServerConfig cfg, ref SetRef s, long v)
    {
        s.Ptr = Intset.Add(arena, s.Ptr, v, out bool added);
        // maybeConvertIntset: too many integers go straight to a table (never to a listpack).
        if (added && Intset.Length(s.Ptr) > IntsetMax(cfg)) ConvertToTable(arena, ref s, Intset.Length(s.Ptr));
        return added;
    }

    static bool AddToListpack(Arena arena, ServerConfig cfg, ref SetRef s, ReadOnlySpan<byte> member)
    {
        byte* lp = s.Ptr;
        if (Listpack.Find(lp, Listpack.First(lp), member, 0) != null) return false;
        int n = Listpack.Count(lp);
        if (n < cfg.SetMaxListpackEntries && member.Length <= cfg.SetMaxListpackValue
            && Listpack.TotalBytes(lp) + (long)member.Length <= ListpackSafetyBytes)
        {
            s.Ptr = Listpack.Append(arena, lp, member);
            return true;
        }
        ConvertToTable(arena, ref s, n + 1L);
        FieldTable.Add(arena, ref s.Ptr, member);
        return true;
    }

    /// <summary>
    /// An intset receives a member that is not an integer: it becomes a listpack when that stays within
    /// the listpack limits, judging the existing members by the widest decimal among its extremes;
    /// otherwise a table.
    /// </summary>
    static void AddFirstString(Arena arena, ServerConfig cfg, ref SetRef s, ReadOnlySpan<byte> member)
    {
        int n = Intset.Length(s.Ptr);
        long widest = 0, bytes = 0;
        if (n != 0)
        {
            widest = Math.Max(RespNumber.Digits(Intset.Get(s.Ptr, 0)), RespNumber.Digits(Intset.Get(s.Ptr, n - 1)));
            bytes = (long)n * MaxIntegerEntryBytes;
        }
        if (n < cfg.SetMaxListpackEntries && member.Length <= cfg.SetMaxListpackValue
            && widest <= cfg.SetMaxListpackValue && bytes + member.Length <= ListpackSafetyBytes)
        {
            ConvertIntsetToListpack(arena, ref s);
            s.Ptr = Listpack.Append(arena, s.Ptr, member);
            return;
        }
        ConvertToTable(arena, ref s, n + 1L);
        FieldTable.Add(arena, ref s.Ptr, member);
    }

    // ---- removing ------------------------------------------------------------------------------

    /// <summary>Removes <paramref name="member"/>; true when it was present. Encodings never shrink.</summary>
    public static bool Remove(Arena arena, ref SetRef s, ReadOnlySpan<byte> member)
    {
        switch (s.Encoding)
        {
            case ValueEncoding.IntSet:
            {
                if (!Listpack.TryParseInteger(member, out long v)) return false;
                s.Ptr = Intset.Remove(arena, s.Ptr, v, out bool removed);
                return removed;
            }
            case ValueEncoding.ListPack:
            {
                byte* p = Listpack.Find(s.Ptr, Listpack.First(s.Ptr), member, 0);
                if (p == null) return false;
                s.Ptr = Listpack.Delete(arena, s.Ptr, p);
                return true;
            }
            default:
                return FieldTable.Remove(arena, ref s.Ptr, member);
        }
    }

    public static bool RemoveInteger(Arena arena, ref SetRef s, long v)
    {
        if (s.Encoding == ValueEncoding.IntSet)
        {
            s.Ptr = Intset.Remove(arena, s.Ptr, v, out bool removed);
            return removed;
        }
        Span<byte> text = stackalloc byte[Listpack.MaxIntegerChars];
        return Remove(arena, ref s, text.Slice(0, RespNumber.FormatInt64(v, text)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Remove(Arena arena, ref SetRef s, in ListpackValue m)
        => m.IsInteger ? RemoveInteger(arena, ref s, m.Integer) : Remove(arena, ref s, m.Bytes);

    // ---- conversions ---------------------------------------------------------------------------

    /// <summary>Rebuilds the set as a table sized for <paramref name="capacity"/> members; frees the old structure.</summary>
    public static void ConvertToTable(Arena arena, ref SetRef s, long capacity)
    {
        if (s.Encoding == ValueEncoding.HashTable) return;
        byte* t = FieldTable.Create(arena, (int)Math.Clamp(capacity, 0, int.MaxValue));
        Span<byte> text = stackalloc byte[Listpack.MaxIntegerChars];
        if (s.Encoding == ValueEncoding.IntSet)
        {
            int n = Intset.Length(s.Ptr);
            for (int i = 0; i < n; i++)
                FieldTable.Add(arena, ref t, text.Slice(0, RespNumber.FormatInt64(Intset.Get(s.Ptr, i), text)));
        }
        else
        {
            for (byte* p = Listpack.First(s.Ptr); p != null; p = Listpack.Next(s.Ptr, p))
            {
                scoped ReadOnlySpan<byte> member = Listpack.Get(p, out long v, out ReadOnlySpan<byte> str)
                    ? text.Slice(0, RespNumber.FormatInt64(v, text)) : str;
                FieldTable.Add(arena, ref t, member);
            }
        }
        Free(arena, s);
        s = new SetRef(ValueEncoding.HashTable, t);
    }

    static void ConvertIntsetToListpack(Arena arena, ref SetRef s)
    {
        byte* lp = Listpack.Create(arena);
        int n = Intset.Length(s.Ptr);
        for (int i = 0; i < n; i++) lp = Listpack.AppendInteger(arena, lp, Intset.Get(s.Ptr, i));
        Intset.Free(arena, s.Ptr);
        s = new SetRef(ValueEncoding.ListPack, lp);
    }

    /// <summary>
    /// maybeConvertToIntset: a set whose members are known to be integers becomes an intset when it is
    /// small enough for one (SINTERSTORE builds its result in a listpack or table first).
    /// </summary>
    public static void MaybeConvertToIntset(Arena arena, ServerConfig cfg, ref SetRef s)
    {
        if (s.Encoding == ValueEncoding.IntSet || Count(s) > IntsetMax(cfg)) return;
        byte* set = Intset.Create(arena);
        nint* buf = stackalloc nint[SetIterator.BufferLength];
        var it = new SetIterator(s, buf);
        while (it.Next(out ListpackValue m))
        {
            long v = m.Integer;
            if (!m.IsInteger && !Listpack.TryParseInteger(m.Bytes, out v))
            {
                // Not all integers after all: keep the set as it is.
                Intset.Free(arena, set);
                return;
            }
            set = Intset.Add(arena, set, v, out _);
        }
        Free(arena, s);
        s = new SetRef(ValueEncoding.IntSet, set);
    }
}
