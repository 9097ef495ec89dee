using System;
using System.Buffers;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// Hash writers: HSET/HMSET, HSETNX, HDEL and the counters HINCRBY, HINCRBYFLOAT. A missing key is
/// created as an empty listpack first (hashTypeLookupWriteOrCreate) and is never left empty: every error
/// after creation needs an existing field, and HDEL deletes the key with its last field.
/// Each writer brackets its writes with Collection.Detach and Collection.Settle (a small hash lives inline
/// in its entry, see Collection.Inline.cs); replies use nothing that points into the hash after Settle.
/// Overwrites that keep a listpack entry's size (counters, same-length updates) skip both
/// (HashValue.TryOverwriteInPlace).
/// </summary>
public static unsafe partial class HashCommands
{
    static void HSet(ref CommandContext c)
    {
        long added = SetPairs(ref c);
        if (added < 0) return;
        // Redis counts every pair, changed or not.
        c.Dirty((c.Count - 2) / 2);
        c.Modified(1, NotifyClass.Hash, "hset"u8);
        c.W.Integer(added);
    }

    /// <summary>HMSET: HSET replying +OK (deprecated in Redis, kept for old clients).</summary>
    static void HMSet(ref CommandContext c)
    {
        if (SetPairs(ref c) < 0) return;
        c.Dirty((c.Count - 2) / 2);
        c.Modified(1, NotifyClass.Hash, "hset"u8);
        c.W.Ok();
    }

    /// <summary>The body of HSET/HMSET: the number of new fields, or -1 after writing an error.</summary>
    static long SetPairs(ref CommandContext c)
    {
        // The table says "at least 4"; pairs are checked here, as hsetCommand does.
        if ((c.Count & 1) == 1) { c.WrongArgs(); return -1; }
        if (!c.WriteTyped(1, ValueKind.Hash, out byte* e)) return -1;
        Arena arena = c.Shard.Arena;
        ServerConfig config = c.Shard.Server.Config;
        int i = 2, fieldAt = HashValue.FieldUnknown;
        if (e == null) e = HashValue.Create(c.Db, arena, c.Arg(1));
        else
        {
            // Leading pairs that overwrite fields in place are done (none is long enough to convert the hash).
            while (i < c.Count && HashValue.TryOverwriteInPlace(config, e, c.Arg(i), c.Arg(i + 1), out fieldAt)) i += 2;
            if (i == c.Count) return 0;
            Collection.Detach(arena, e);
        }
        HashValue.ConvertForArguments(arena, config, e, ref c, i);
        long added = 0;
        for (; i < c.Count; i += 2, fieldAt = HashValue.FieldUnknown)
            if (HashValue.Set(arena, config, e, c.Arg(i), c.Arg(i + 1), fieldAt)) added++;
        Collection.Settle(c.Db, arena, e);
        return added;
    }

    static void HSetNx(ref CommandContext c)
    {
        if (!c.WriteTyped(1, ValueKind.Hash, out byte* e)) return;
        Arena arena = c.Shard.Arena;
        ServerConfig config = c.Shard.Server.Config;
        if (e == null) e = HashValue.Create(c.Db, arena, c.Arg(1));
        else if (HashValue.TryGet(e, c.Arg(2), out _)) { c.W.Integer(0); return; }
        else Collection.Detach(arena, e);
        // Only a field that will be written can convert the hash.
        HashValue.ConvertForArguments(arena, config, e, ref c, 2);
        HashValue.Set(arena, config, e, c.Arg(2), c.Arg(3));
        Collection.Settle(c.Db, arena, e);
        c.Dirty();
        c.Modified(1, NotifyClass.Hash, "hset"u8);
        c.W.Integer(1);
    }

    /// <summary>HDEL: stops at the field that empties the hash, deleting the key (as hdelCommand).</summary>
    static void HDel(ref CommandContext c)
    {
        if (!c.WriteTyped(1, ValueKind.Hash, out byte* e)) return;
        if (e == null) { c.W.Integer(0); return; }
        Arena arena = c.Shard.Arena;
        Collection.Detach(arena, e);
        long deleted = 0;
        for (int i = 2; i < c.Count; i++)
        {
            if (!HashValue.Delete(arena, e, c.Arg(i))) continue;
            deleted++;
            if (HashValue.Length(e) == 0)
            {
                c.Db.Remove(e);
                e = null;
                break;
            }
        }
        if (e != null) Collection.Settle(c.Db, arena, e);
        if (deleted > 0)
        {
            c.Dirty(deleted);
            c.Modified(1, NotifyClass.Hash, "hdel"u8);
            if (e == null) c.Modified(1, NotifyClass.Generic, "del"u8);
        }
        c.W.Integer(deleted);
    }

    // ---- counters ------------------------------------------------------------------------------

    /// <summary>A counter's write: field argument 2 of hash <paramref name="e"/> to <paramref name="value"/>.</summary>
    static void SetOne(ref CommandContext c, byte* e, scoped ReadOnlySpan<byte> value)
    {
        ServerConfig config = c.Shard.Server.Config;
        if (HashValue.TryOverwriteInPlace(config, e, c.Arg(2), value, out int fieldAt)) return;
        Arena arena = c.Shard.Arena;
        Collection.Detach(arena, e);
        HashValue.Set(arena, config, e, c.Arg(2), value, fieldAt);
        Collection.Settle(c.Db, arena, e);
    }

    /// <summary>
    /// HINCRBY: the increment is checked before the key is looked up (so a bad increment beats
    /// WRONGTYPE); an absent field counts from 0; the stored text is parsed with string2ll's rules.
    /// </summary>
    static void HIncrBy(ref CommandContext c)
    {
        if (!c.TryInt(3, out long by)) return;
        if (!c.WriteTyped(1, ValueKind.Hash, out byte* e)) return;
        Arena arena = c.Shard.Arena;
        if (e == null) e = HashValue.Create(c.Db, arena, c.Arg(1));
        long value = 0;
        if (HashValue.TryGet(e, c.Arg(2), out ListpackValue old))
        {
            if (old.IsInteger) value = old.Integer;
            else if (!RespNumber.TryParseInt64(old.Bytes, out value)) { c.W.Error("ERR hash value is not an integer"); return; }
        }
        if (!StringCommands.TryAdd(ref value, by)) { c.W.Error(Errors.Overflow); return; }
        Span<byte> text = stackalloc byte[Listpack.MaxIntegerChars];
        int n = RespNumber.FormatInt64(value, text);
        SetOne(ref c, e, text.Slice(0, n));
        c.Dirty();
        c.Modified(1, NotifyClass.Hash, "hincrby"u8);
        c.W.Integer(value);
    }

    /// <summary>
    /// HINCRBYFLOAT, in C long double exactly as INCRBYFLOAT (<see cref="LongDouble"/>): the increment
    /// must parse and be finite before the key is looked up, the stored text must parse (an integer
    /// entry reads as its decimal), the sum must be finite, and the result is ld2string's human form.
    /// </summary>
    static void HIncrByFloat(ref CommandContext c)
    {
        if (!StringCommands.TryParseLongDouble(c.Arg(3), out LongDouble by)) { c.W.Error(Errors.NotFloat); return; }
        if (by.IsInfinity) { c.W.Error("ERR value is NaN or Infinity"); return; }
        if (!c.WriteTyped(1, ValueKind.Hash, out byte* e)) return;
        Arena arena = c.Shard.Arena;
        if (e == null) e = HashValue.Create(c.Db, arena, c.Arg(1));
        LongDouble value = LongDouble.Zero();
        if (HashValue.TryGet(e, c.Arg(2), out ListpackValue old))
        {
            Span<byte> scratch = stackalloc byte[Listpack.MaxIntegerChars];
            if (!StringCommands.TryParseLongDouble(HashValue.Text(old, scratch), out value))
            {
                c.W.Error("ERR hash value is not a float");
                return;
            }
        }
        LongDouble sum = LongDouble.Add(value, by);
        if (!sum.IsFinite) { c.W.Error(Errors.NanOrInf); return; }

        byte[]? rented = null;
        Span<byte> text = stackalloc byte[StringCommands.HumanStackChars];
        int n = StringCommands.FormatHuman(sum, ref text, ref rented);
        ReadOnlySpan<byte> result = text.Slice(0, n);
        SetOne(ref c, e, result);
        c.Dirty();
        if (c.Shard.Aof.On) AofForms.HIncrByFloat(ref c, result);
        c.Modified(1, NotifyClass.Hash, "hincrbyfloat"u8);
        c.W.Bulk(result);
        if (rented != null) ArrayPool<byte>.Shared.Return(rented);
    }
}
