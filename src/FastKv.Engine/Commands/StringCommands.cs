using System;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>
/// The string family (Redis t_string.c): GET/SET and their variants, MGET/MSET, counters, ranges, LCS.
/// Values live inside the key's entry blob as bytes; the encoding byte only records what Redis would
/// report (see <see cref="StringValue"/>). This file holds registration, reads and the SET family;
/// StringCommands.Numeric.cs the counters, StringCommands.Range.cs APPEND/SETRANGE/GETRANGE/STRLEN/LCS.
///
/// Unsafe invariant for the whole family: an entry pointer from Find/FindSlot is valid until the next
/// write to the same database; every handler reads through it, replies, and only then mutates.
/// </summary>
public static unsafe partial class StringCommands
{

    public static void Register(CommandTable t)
    {
        t.Add("get", &Get);
        t.Add("set", &Set).KeyFlags = &SetKeyFlags;
        t.Add("setnx", &SetNx);
        t.Add("setex", &SetEx);
        t.Add("psetex", &PSetEx);
        t.Add("getset", &GetSet);
        t.Add("getdel", &GetDel);
        t.Add("getex", &GetEx);
        t.Add("mget", &MGet, CrossShard.MGet);
        t.Add("mset", &MSet, CrossShard.MSet);
        t.Add("msetnx", &MSetNx, CrossShard.MSetNx);
        t.Add("append", &Append);
        t.Add("strlen", &StrLen);
        t.Add("incr", &Incr);
        t.Add("decr", &Decr);
        t.Add("incrby", &IncrBy);
        t.Add("decrby", &DecrBy);
        t.Add("incrbyfloat", &IncrByFloat);
        t.Add("getrange", &GetRange);
        t.Add("substr", &GetRange);
        t.Add("setrange", &SetRange);
        t.Add("lcs", &Lcs, CrossShard.Gather);
    }


    // ---- reads ---------------------------------------------------------------------------------

    static readonly string[] Overwrite = { "OW", "update" }, ReadAndOverwrite = { "RW", "access", "update" };

    /// <summary>SET's key flags (Redis's setGetKeys): GET anywhere among the options also reads the old value.</summary>
    static string[] SetKeyFlags(ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args)
    {
        for (int i = 3; i < args.Count; i++)
            if (Ascii.EqualsIgnoreCase(args.Get(buf, i), "get"u8)) return ReadAndOverwrite;
        return Overwrite;
    }

    static void Get(ref CommandContext c)
    {
        byte* e = KeyLookup.Read(c.Shard, c.Db, c.Arg(1));
        if (e == null) { c.W.NullBulk(); return; }
        if (KeyEntry.Type(e) != ValueKind.String) { c.W.Error(Errors.WrongType); return; }
        c.W.Bulk(KeyEntry.Value(e));
    }

    /// <summary>MGET: a missing key and a key of another type both read as null.</summary>
    static void MGet(ref CommandContext c)
    {
        int n = c.Count - 1;
        c.W.ArrayHeader(n);
        Database db = c.Db;
        for (int i = 1; i <= n; i++)
        {
            byte* e = KeyLookup.Read(c.Shard, db, c.Arg(i));
            if (e == null || KeyEntry.Type(e) != ValueKind.String) c.W.NullBulk();
            else c.W.Bulk(KeyEntry.Value(e));
        }
    }

    // ---- SET and its options -------------------------------------------------------------------

    // Option bits of Redis's parseExtendedStringArgumentsOrReply.
    const int OptNx = 1, OptXx = 2, OptGet = 4, OptKeepTtl = 8, OptPersist = 16,
        OptEx = 32, OptPx = 64, OptExAt = 128, OptPxAt = 256;
    const int AnyExpire = OptEx | OptPx | OptExAt | OptPxAt;

    /// <summary>
    /// Parses SET (<paramref name="forSet"/>) or GETEX options from argument <paramref name="first"/>,
    /// with Redis's exact acceptance rules: repeating an option is fine (the last expire wins),
    /// conflicting ones are a syntax error, and the expire number is checked only after the whole
    /// option list parsed. Returns false after writing the error.
    /// </summary>
    static bool ParseOptions(ref CommandContext c, int first, bool forSet, out int flags, out int expireArg)
    {
        flags = 0;
        expireArg = 0;
        int argc = c.Count;
        for (int j = first; j < argc; j++)
        {
            bool hasNext = j + 1 < argc;
            ReadOnlySpan<byte> a = c.Arg(j);
            int bit;
            if (a.Length == 2)
            {
                if (Ascii.EqualsIgnoreCase(a, "ex"u8)) bit = OptEx;
                else if (Ascii.EqualsIgnoreCase(a, "px"u8)) bit = OptPx;
                else if (Ascii.EqualsIgnoreCase(a, "nx"u8)) bit = OptNx;
                else if (Ascii.EqualsIgnoreCase(a, "xx"u8)) bit = OptXx;
                else bit = 0;
            }
            else if (Ascii.EqualsIgnoreCase(a, "get"u8)) bit = OptGet;
            else if (Ascii.EqualsIgnoreCase(a, "exat"u8)) bit = OptExAt;
            else if (Ascii.EqualsIgnoreCase(a, "pxat"u8)) bit = OptPxAt;
            else if (Ascii.EqualsIgnoreCase(a, "keepttl"u8)) bit = OptKeepTtl;
            else if (Ascii.EqualsIgnoreCase(a, "persist"u8)) bit = OptPersist;
            else bit = 0;

            bool ok = bit switch
            {
                OptNx => forSet && (flags & OptXx) == 0,
                OptXx => forSet && (flags & OptNx) == 0,
                OptGet => forSet,
                OptKeepTtl => forSet && (flags & (AnyExpire | OptPersist)) == 0,
                OptPersist => !forSet && (flags & (AnyExpire | OptKeepTtl)) == 0,
                // An expire option excludes the other three kinds, KEEPTTL and PERSIST, but not itself.
                OptEx or OptPx or OptExAt or OptPxAt =>
                    hasNext && (flags & ((AnyExpire & ~bit) | OptKeepTtl | OptPersist)) == 0,
                _ => false,
            };
            if (!ok)
            {
                c.W.Error(Errors.Syntax);
                return false;
            }
            flags |= bit;
            if ((bit & AnyExpire) != 0) expireArg = ++j;
        }
        return true;
    }

    /// <summary>
    /// getExpireMillisecondsOrReply: the absolute unix-ms expiry from the option's number.
    /// Rejects zero and negatives, seconds that overflow when scaled, and relative times that
    /// overflow when the current time is added, all as "invalid expire time in '&lt;cmd&gt;' command".
    /// </summary>
    static bool TryExpireAt(ref CommandContext c, int arg, int flags, out long ms)
    {
        if (!c.TryInt(arg, out ms)) return false;
        bool seconds = (flags & (OptEx | OptExAt)) != 0;
        if (ms <= 0 || (seconds && ms > long.MaxValue / 1000))
        {
            InvalidExpire(ref c);
            return false;
        }
        if (seconds) ms *= 1000;
        if ((flags & (OptEx | OptPx)) != 0)
        {
            // Redis adds in signed 64-bit and treats a wrapped (non-positive) result as invalid.
            ms = unchecked(ms + c.NowMs);
            if (ms <= 0)
            {
                InvalidExpire(ref c);
                return false;
            }
        }
        return true;
    }

    internal static void InvalidExpire(ref CommandContext c) =>
        c.W.Error("ERR invalid expire time in '" + c.Spec.FullName + "' command");

    static void Set(ref CommandContext c)
    {
        int flags = 0, expireArg = 0;
        if (c.Count > 3 && !ParseOptions(ref c, 3, true, out flags, out expireArg)) return;
        SetGeneric(ref c, flags, expireArg, 2, false);
    }

    /// <summary>setGenericCommand: the shared body of SET, SETNX, SETEX and PSETEX (SETNX replies 1/0).</summary>
    static void SetGeneric(ref CommandContext c, int flags, int expireArg, int valueArg, bool integerReply)
    {
        long expireAt = -1;
        if (expireArg != 0 && !TryExpireAt(ref c, expireArg, flags, out expireAt)) return;

        ReadOnlySpan<byte> key = c.Arg(1);
        Database db = c.Db;
        if (flags == 0 || flags == OptEx || flags == OptPx)
        {
            // Plain SET / SETEX / PSETEX: one lookup, inside SetString.
            ReadOnlySpan<byte> value = c.Arg(valueArg);
            db.SetString(key, value, StringValue.EncodingOf(value), expireAt, false);
            NotifySet(ref c, expireAt);
            if (expireAt >= 0 && c.Shard.Aof.On) AofForms.SetPxAt(ref c, valueArg, expireAt);
            c.W.Ok();
            return;
        }

        byte* old;
        if ((flags & OptGet) != 0)
        {
            // SET ... GET replies with the old value (or WRONGTYPE, and then nothing is set).
            old = KeyLookup.Read(c.Shard, db, key);
            if (old == null) c.W.NullBulk();
            else if (KeyEntry.Type(old) != ValueKind.String) { c.W.Error(Errors.WrongType); return; }
            else c.W.Bulk(KeyEntry.Value(old));
        }
        else
        {
            old = db.Find(key);
        }

        bool found = old != null;
        if (((flags & OptNx) != 0 && found) || ((flags & OptXx) != 0 && !found))
        {
            if ((flags & OptGet) == 0)
            {
                if (integerReply) c.W.Integer(0);
                else c.W.NullBulk();
            }
            return;
        }

        ReadOnlySpan<byte> v = c.Arg(valueArg);
        db.SetString(key, v, StringValue.EncodingOf(v), expireAt, (flags & OptKeepTtl) != 0);
        NotifySet(ref c, expireAt);
        if (c.Shard.Aof.On) PropagateSet(ref c, flags, valueArg, expireAt);
        if ((flags & OptGet) != 0) return;
        if (integerReply) c.W.Integer(1);
        else c.W.Ok();
    }

    /// <summary>
    /// setGenericCommand's propagation: a relative or seconds TTL goes as SET key value PXAT ms (options dropped),
    /// GET is dropped when no expire option was given; SET ... PXAT ... GET goes as it came, GET and all, as in Redis.
    /// </summary>
    static void PropagateSet(ref CommandContext c, int flags, int valueArg, long expireAt)
    {
        if ((flags & AnyExpire) != 0)
        {
            if ((flags & OptPxAt) == 0) AofForms.SetPxAt(ref c, valueArg, expireAt);
        }
        else if ((flags & OptGet) != 0) AofForms.SetWithoutGet(ref c);
    }

    /// <summary>setGenericCommand's change (one, TTL or not) and signal: "set", then "expire" when the command gave a TTL.</summary>
    static void NotifySet(ref CommandContext c, long expireAt)
    {
        c.Dirty();
        c.Modified(1, NotifyClass.String, "set"u8);
        if (expireAt >= 0) c.Modified(1, NotifyClass.Generic, "expire"u8);
    }

    static void SetNx(ref CommandContext c) => SetGeneric(ref c, OptNx, 0, 2, true);

    static void SetEx(ref CommandContext c) => SetGeneric(ref c, OptEx, 2, 3, false);

    static void PSetEx(ref CommandContext c) => SetGeneric(ref c, OptPx, 2, 3, false);

    /// <summary>GETSET: reply as GET, then SET without options (the TTL is dropped).</summary>
    static void GetSet(ref CommandContext c)
    {
        ReadOnlySpan<byte> key = c.Arg(1);
        byte* e = KeyLookup.Read(c.Shard, c.Db, key);
        if (e == null) c.W.NullBulk();
        else if (KeyEntry.Type(e) != ValueKind.String) { c.W.Error(Errors.WrongType); return; }
        else c.W.Bulk(KeyEntry.Value(e));
        ReadOnlySpan<byte> v = c.Arg(2);
        c.Db.SetString(key, v, StringValue.EncodingOf(v), -1, false);
        c.Dirty();
        c.Modified(1, NotifyClass.String, "set"u8);
        if (c.Shard.Aof.On) AofForms.RenamedSet(ref c);
    }

    static void GetDel(ref CommandContext c)
    {
        Database db = c.Db;
        byte* e = KeyLookup.Read(c.Shard, db, c.Arg(1));
        if (e == null) { c.W.NullBulk(); return; }
        if (KeyEntry.Type(e) != ValueKind.String) { c.W.Error(Errors.WrongType); return; }
        c.W.Bulk(KeyEntry.Value(e));
        db.Remove(e);
        c.Dirty();
        c.Modified(1, NotifyClass.Generic, "del"u8);
        if (c.Shard.Aof.On) AofForms.Delete(ref c, lazy: false);
    }

    /// <summary>
    /// GETEX: GET that also sets (EX/PX/EXAT/PXAT) or clears (PERSIST) the TTL. A missing key
    /// answers null before the expire number is even checked, as in Redis; an absolute time
    /// already past deletes the key after replying its value.
    /// </summary>
    static void GetEx(ref CommandContext c)
    {
        int flags = 0, expireArg = 0;
        if (c.Count > 2 && !ParseOptions(ref c, 2, false, out flags, out expireArg)) return;
        ReadOnlySpan<byte> key = c.Arg(1);
        Database db = c.Db;
        byte* e = KeyLookup.Read(c.Shard, db, key);
        if (e == null) { c.W.NullBulk(); return; }
        if (KeyEntry.Type(e) != ValueKind.String) { c.W.Error(Errors.WrongType); return; }
        long at = -1;
        if (expireArg != 0 && !TryExpireAt(ref c, expireArg, flags, out at)) return;
        c.W.Bulk(KeyEntry.Value(e));

        if (expireArg == 0 && (flags & OptPersist) == 0) return;
        if (expireArg != 0 && (flags & (OptExAt | OptPxAt)) != 0 && KeyLookup.AlreadyExpired(c.Shard, at))
        {
            db.Remove(e);
            c.Dirty();
            c.Modified(1, NotifyClass.Generic, "del"u8);
            if (c.Shard.Aof.On) AofForms.Delete(ref c, c.Shard.Server.Config.LazyfreeLazyExpire);
            return;
        }
        // Read gave the entry, not the table slot that SetExpire rewrites (the entry moves when it gains or
        // loses its expire field).
        byte** slot = db.FindSlot(key, KeyHash.Hash(key));
        if (slot == null) return;
        if (expireArg != 0)
        {
            db.SetExpire(slot, at);
            c.Dirty();
            c.Modified(1, NotifyClass.Generic, "expire"u8);
            if (c.Shard.Aof.On) AofForms.GetExExpire(ref c, at);
        }
        else if (KeyEntry.HasExpire(*slot))
        {
            db.SetExpire(slot, -1);
            c.Dirty();
            c.Modified(1, NotifyClass.Generic, "persist"u8);
            if (c.Shard.Aof.On) AofForms.Persist(ref c);
        }
    }

    // ---- MSET / MSETNX -------------------------------------------------------------------------

    /// <summary>MSET: pairs; an odd argument count is an arity error (Redis checks it here, not in the table).</summary>
    static void MSet(ref CommandContext c)
    {
        if ((c.Count & 1) == 0) { c.WrongArgs(); return; }
        Database db = c.Db;
        for (int i = 1; i < c.Count; i += 2)
        {
            ReadOnlySpan<byte> v = c.Arg(i + 1);
            db.SetString(c.Arg(i), v, StringValue.EncodingOf(v), -1, false);
            c.Modified(i, NotifyClass.String, "set"u8);
        }
        // One change per pair, repeated keys included; across shards each shard counts its own pairs.
        c.Dirty((c.Count - 1) / 2);
        c.W.Ok();
    }

    /// <summary>MSETNX: sets all pairs only when none of the keys exists; 1 if it did, 0 if not.</summary>
    static void MSetNx(ref CommandContext c)
    {
        if ((c.Count & 1) == 0) { c.WrongArgs(); return; }
        Database db = c.Db;
        for (int i = 1; i < c.Count; i += 2)
        {
            if (db.Find(c.Arg(i)) != null) { c.W.Integer(0); return; }
        }
        for (int i = 1; i < c.Count; i += 2)
        {
            ReadOnlySpan<byte> v = c.Arg(i + 1);
            db.SetString(c.Arg(i), v, StringValue.EncodingOf(v), -1, false);
            c.Modified(i, NotifyClass.String, "set"u8);
        }
        c.Dirty((c.Count - 1) / 2);
        c.W.Integer(1);
    }
}
