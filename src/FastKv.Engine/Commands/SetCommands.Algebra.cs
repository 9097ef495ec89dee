using System;
using System.Buffers;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

// SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE (t_set.c sinterGenericCommand and
// sunionDiffGenericCommand of 7.2). Every key is type-checked before a missing one ends the command early.
// Results are built as sets in the arena with the usual growth rules, so a STORE leaves its destination in
// the encoding 7.2 would: an intersection of integers ends as an intset when it fits one, a union or
// difference starts as an intset and grows into a listpack or a table. A STORE replaces the destination
// whatever its type (and drops its expiry); an empty result deletes it.
public static unsafe partial class SetCommands
{
    /// <summary>Sets looked up on the stack up to this many keys; more use a heap array (not a hot path).</summary>
    const int StackSets = 16;

    /// <summary>
    /// Looks up <paramref name="sets"/>.Length keys from argument <paramref name="first"/> on as sets; a
    /// missing key leaves a null <see cref="SetRef.Ptr"/> and sets <paramref name="anyMissing"/>. False after
    /// writing WRONGTYPE for the first key of another type.
    /// </summary>
    static bool LoadSets(ref CommandContext c, int first, scoped Span<SetRef> sets, out bool anyMissing)
    {
        anyMissing = false;
        for (int i = 0; i < sets.Length; i++)
        {
            byte* e = KeyLookup.Read(c.Shard, c.Db, c.Arg(first + i));
            if (e == null)
            {
                sets[i] = default;
                anyMissing = true;
                continue;
            }
            if (KeyEntry.Type(e) != ValueKind.Set)
            {
                c.W.Error(Errors.WrongType);
                return false;
            }
            sets[i] = SetValue.Load(e);
        }
        return true;
    }

    /// <summary>setKey for a built result: replaces the destination (any type, expiry dropped), or deletes it when the result is empty.</summary>
    static void StoreResult(ref CommandContext c, int dstArg, SetRef result)
    {
        long n = SetValue.Count(result);
        bool existed = c.Db.Delete(c.Arg(dstArg));
        if (n > 0)
        {
            c.Db.AddCollection(c.Arg(dstArg), ValueKind.Set, result.Encoding, result.Ptr, overwrite: existed);
            c.Dirty();
            c.Modified(dstArg, NotifyClass.Set, c.Spec.Event);
        }
        else
        {
            SetValue.Free(c.Shard.Arena, result);
            if (existed)
            {
                c.Dirty();
                c.Modified(dstArg, NotifyClass.Generic, "del"u8);
            }
        }
        c.W.Integer(n);
    }

    // ---- intersection --------------------------------------------------------------------------

    static void SInter(ref CommandContext c) => Intersect(ref c, 1, c.Count - 1, -1, false, 0);

    static void SInterStore(ref CommandContext c) => Intersect(ref c, 2, c.Count - 2, 1, false, 0);

    /// <summary>SINTERCARD numkeys key [key ...] [LIMIT limit]</summary>
    static void SInterCard(ref CommandContext c)
    {
        if (!RespNumber.TryParseInt64(c.Arg(1), out long numkeys) || numkeys < 1)
        {
            c.W.Error(Errors.NumKeysNotPositive);
            return;
        }
        if (numkeys > c.Count - 2)
        {
            c.W.Error(Errors.MoreKeysThanArgs);
            return;
        }
        long limit = 0;
        for (int j = 2 + (int)numkeys; j < c.Count; j++)
        {
            if (c.ArgIs(j, "limit"u8) && j + 1 < c.Count)
            {
                j++;
                if (!RespNumber.TryParseInt64(c.Arg(j), out limit) || limit < 0)
                {
                    c.W.Error(Errors.NegativeLimit);
                    return;
                }
            }
            else
            {
                c.W.Error(Errors.Syntax);
                return;
            }
        }
        Intersect(ref c, 2, (int)numkeys, -1, true, limit);
    }

    /// <summary>
    /// sinterGenericCommand: walks the smallest set and keeps the members every other set has.
    /// <paramref name="dstArg"/> &gt; 0 stores the result there; <paramref name="cardinalityOnly"/> counts
    /// (stopping at <paramref name="limit"/> when it is not 0).
    /// </summary>
    static void Intersect(ref CommandContext c, int first, int n, int dstArg, bool cardinalityOnly, long limit)
    {
        Span<SetRef> sets = n <= StackSets ? stackalloc SetRef[StackSets] : new SetRef[n];
        sets = sets.Slice(0, n);
        if (!LoadSets(ref c, first, sets, out bool anyMissing)) return;
        if (anyMissing)
        {
            if (dstArg > 0)
            {
                if (c.Db.Delete(c.Arg(dstArg)))
                {
                    c.Dirty();
                    c.Modified(dstArg, NotifyClass.Generic, "del"u8);
                }
                c.W.Integer(0);
            }
            else if (cardinalityOnly) c.W.Integer(0);
            else c.W.SetHeader(0);
            return;
        }
        SortByCount(sets, ascending: true, 0);

        Arena arena = c.Shard.Arena;
        ServerConfig cfg = c.Shard.Server.Config;
        SetRef smallest = sets[0];
        long candidates = SetValue.Count(smallest);
        // A store builds its result like 7.2: an intset when the smallest set is one, else a listpack
        // that grows as it must and becomes an intset at the end if every member was an integer.
        SetRef result = dstArg > 0
            ? (smallest.Encoding == ValueEncoding.IntSet ? SetValue.NewIntset(arena) : SetValue.NewListpack(arena))
            : default;
        bool onlyIntegers = true;
        // A plain SINTER keeps where each member is (intset value, listpack entry, table element) to
        // write the count before the members.
        long[]? rented = null;
        Span<long> found = dstArg > 0 || cardinalityOnly ? default
            : candidates <= 64 ? stackalloc long[64] : (rented = ArrayPool<long>.Shared.Rent((int)candidates));
        long cardinality = 0;

        nint* buf = stackalloc nint[SetIterator.BufferLength];
        var it = new SetIterator(smallest, buf);
        while (it.Next(out ListpackValue m))
        {
            int j = 1;
            for (; j < n; j++)
            {
                if (sets[j].Ptr == smallest.Ptr) continue;
                if (!SetValue.Contains(sets[j], m)) break;
            }
            if (j < n) continue;
            if (cardinalityOnly)
            {
                if (++cardinality == limit) break;
            }
            else if (dstArg < 0)
            {
                found[(int)cardinality++] = smallest.Encoding == ValueEncoding.IntSet ? m.Integer : (long)it.Position;
            }
            else
            {
                if (!m.IsInteger && !Listpack.TryParseInteger(m.Bytes, out _)) onlyIntegers = false;
                SetValue.Add(arena, cfg, ref result, m);
            }
        }

        if (cardinalityOnly)
        {
            c.W.Integer(cardinality);
        }
        else if (dstArg > 0)
        {
            if (onlyIntegers && SetValue.Count(result) > 0) SetValue.MaybeConvertToIntset(arena, cfg, ref result);
            StoreResult(ref c, dstArg, result);
        }
        else
        {
            c.W.SetHeader((int)cardinality);
            for (int i = 0; i < cardinality; i++)
            {
                long f = found[i];
                switch (smallest.Encoding)
                {
                    case ValueEncoding.IntSet: c.W.BulkInteger(f); break;
                    case ValueEncoding.ListPack: SetValue.WriteMember(c.W, Listpack.Get((byte*)f)); break;
                    default: c.W.Bulk(FieldTable.ElementField((byte*)f)); break;
                }
            }
            if (rented != null) ArrayPool<long>.Shared.Return(rented);
        }
    }

    /// <summary>Insertion sort by member count from index <paramref name="from"/> on (a missing set counts 0).</summary>
    static void SortByCount(Span<SetRef> sets, bool ascending, int from)
    {
        for (int i = from + 1; i < sets.Length; i++)
        {
            SetRef x = sets[i];
            long cx = x.Ptr == null ? 0 : SetValue.Count(x);
            int j = i - 1;
            while (j >= from)
            {
                long cj = sets[j].Ptr == null ? 0 : SetValue.Count(sets[j]);
                if (ascending ? cj <= cx : cj >= cx) break;
                sets[j + 1] = sets[j];
                j--;
            }
            sets[j + 1] = x;
        }
    }

    // ---- union and difference ------------------------------------------------------------------

    static void SUnion(ref CommandContext c) => UnionOrDiff(ref c, 1, c.Count - 1, -1, diff: false);
    static void SUnionStore(ref CommandContext c) => UnionOrDiff(ref c, 2, c.Count - 2, 1, diff: false);
    static void SDiff(ref CommandContext c) => UnionOrDiff(ref c, 1, c.Count - 1, -1, diff: true);
    static void SDiffStore(ref CommandContext c) => UnionOrDiff(ref c, 2, c.Count - 2, 1, diff: true);

    /// <summary>
    /// sunionDiffGenericCommand: the result is built in a set that starts as an intset. A difference
    /// picks, as Redis does, between walking the first set and probing the others (algorithm 1) and
    /// adding the first set then removing every other set's members (algorithm 2), by estimated work.
    /// </summary>
    static void UnionOrDiff(ref CommandContext c, int first, int n, int dstArg, bool diff)
    {
        Span<SetRef> sets = n <= StackSets ? stackalloc SetRef[StackSets] : new SetRef[n];
        sets = sets.Slice(0, n);
        if (!LoadSets(ref c, first, sets, out _)) return;
        bool sameSet = false;
        for (int j = 1; j < n; j++)
            if (sets[j].Ptr != null && sets[j].Ptr == sets[0].Ptr) sameSet = true;

        bool walkFirst = true;
        if (diff && sets[0].Ptr != null && !sameSet)
        {
            long walkWork = 0, removeWork = 0;
            for (int j = 0; j < n; j++)
            {
                if (sets[j].Ptr == null) continue;
                walkWork += SetValue.Count(sets[0]);
                removeWork += SetValue.Count(sets[j]);
            }
            // Walking has better constants and stops early on common members: give it an advantage.
            walkWork /= 2;
            walkFirst = walkWork <= removeWork;
            // Probing the largest sets first finds a common member soonest.
            if (walkFirst && n > 1) SortByCount(sets, ascending: false, 1);
        }

        Arena arena = c.Shard.Arena;
        ServerConfig cfg = c.Shard.Server.Config;
        SetRef result = SetValue.NewIntset(arena);
        long cardinality = 0;
        nint* buf = stackalloc nint[SetIterator.BufferLength];
        if (!diff)
        {
            for (int j = 0; j < n; j++)
            {
                if (sets[j].Ptr == null) continue;
                var it = new SetIterator(sets[j], buf);
                while (it.Next(out ListpackValue m))
                    if (SetValue.Add(arena, cfg, ref result, m)) cardinality++;
            }
        }
        else if (sets[0].Ptr != null && !sameSet && walkFirst)
        {
            var it = new SetIterator(sets[0], buf);
            while (it.Next(out ListpackValue m))
            {
                int j = 1;
                for (; j < n; j++)
                {
                    if (sets[j].Ptr == null) continue;
                    if (SetValue.Contains(sets[j], m)) break;
                }
                if (j == n && SetValue.Add(arena, cfg, ref result, m)) cardinality++;
            }
        }
        else if (sets[0].Ptr != null && !sameSet)
        {
            for (int j = 0; j < n; j++)
            {
                if (sets[j].Ptr == null) continue;
                var it = new SetIterator(sets[j], buf);
                while (it.Next(out ListpackValue m))
                {
                    if (j == 0) { if (SetValue.Add(arena, cfg, ref result, m)) cardinality++; }
                    else if (SetValue.Remove(arena, ref result, m)) cardinality--;
                }
                // Nothing left to remove from.
                if (cardinality == 0) break;
            }
        }

        if (dstArg > 0)
        {
            StoreResult(ref c, dstArg, result);
            return;
        }
        c.W.SetHeader((int)cardinality);
        SetValue.WriteMembers(c.W, result);
        SetValue.Free(arena, result);
    }
}
