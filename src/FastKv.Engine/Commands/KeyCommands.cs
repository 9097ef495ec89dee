using System;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>
/// The generic keyspace family (Redis db.c and expire.c): DEL, EXISTS, TYPE, the EXPIRE and TTL
/// families, RENAME, COPY, MOVE, TOUCH. Keyspace-wide commands (KEYS, SCAN, RANDOMKEY, DBSIZE,
/// FLUSHDB, FLUSHALL, SWAPDB) are in KeyCommands.Keyspace.cs, OBJECT in KeyCommands.Object.cs.
/// Each handler does the part of one shard; the router splits and merges multi-shard calls.
///
/// Unsafe invariant for the whole family: an entry pointer from a lookup is valid until that entry
/// is deleted or replaced; handlers never keep one across a write to the same key.
/// </summary>
public static unsafe partial class KeyCommands
{

    public static void Register(CommandTable t)
    {
        t.Add("del", &Del, CrossShard.SumIntegers);
        t.Add("unlink", &Unlink, CrossShard.SumIntegers);
        t.Add("exists", &Exists, CrossShard.SumIntegers);
        t.Add("touch", &Touch, CrossShard.SumIntegers).TouchesAlways = true;
        t.Add("type", &Type);
        t.Add("expire", &Expire);
        t.Add("pexpire", &PExpire);
        t.Add("expireat", &ExpireAt);
        t.Add("pexpireat", &PExpireAt);
        t.Add("ttl", &Ttl);
        t.Add("pttl", &PTtl);
        t.Add("expiretime", &ExpireTime);
        t.Add("pexpiretime", &PExpireTime);
        t.Add("persist", &Persist);
        t.Add("rename", &Rename, CrossShard.Move).Move = KeyMove.Rename;
        t.Add("renamenx", &RenameNx, CrossShard.Move).Move = KeyMove.RenameNx;
        CommandSpec copy = t.Add("copy", &Copy, CrossShard.Move);
        copy.Move = KeyMove.Copy;
        copy.WritesOtherDb = true; // COPY ... DB n
        t.Add("move", &Move).WritesOtherDb = true;
        RegisterKeyspace(t);
        RegisterObject(t);
    }

    // ---- DEL / EXISTS / TOUCH / TYPE -----------------------------------------------------------

    /// <summary>DEL: a big value is freed in steps under lazyfree-lazy-user-del, else inline.</summary>
    static void Del(ref CommandContext c) => Delete(ref c, c.Shard.Server.Config.LazyfreeLazyUserDel);

    /// <summary>UNLINK: DEL whose big values are always freed in steps, after the reply (Redis's dbAsyncDelete).</summary>
    static void Unlink(ref CommandContext c) => Delete(ref c, lazy: true);

    static void Delete(ref CommandContext c, bool lazy)
    {
        Database db = c.Db;
        long n = 0;
        for (int i = 1; i < c.Count; i++)
            if (db.Delete(c.Arg(i), lazy))
            {
                n++;
                c.Dirty();
                c.Modified(i, NotifyClass.Generic, "del"u8);
            }
        c.W.Integer(n);
    }

    /// <summary>EXISTS counts a key as often as it is named; it does not touch the access time.</summary>
    static void Exists(ref CommandContext c)
    {
        Database db = c.Db;
        long n = 0;
        for (int i = 1; i < c.Count; i++)
            if (KeyLookup.ReadNoTouch(c.Shard, db, c.Arg(i)) != null) n++;
        c.W.Integer(n);
    }

    static void Touch(ref CommandContext c)
    {
        Database db = c.Db;
        long n = 0;
        for (int i = 1; i < c.Count; i++)
            if (KeyLookup.Read(c.Shard, db, c.Arg(i)) != null) n++;
        c.W.Integer(n);
    }

    static void Type(ref CommandContext c)
    {
        byte* e = KeyLookup.ReadNoTouch(c.Shard, c.Db, c.Arg(1));
        c.W.Simple(e == null ? "none" : ValueKind.Name(KeyEntry.Type(e)));
    }

    // ---- EXPIRE family -------------------------------------------------------------------------

    static void Expire(ref CommandContext c) => ExpireGeneric(ref c, c.NowMs, true);

    static void PExpire(ref CommandContext c) => ExpireGeneric(ref c, c.NowMs, false);

    static void ExpireAt(ref CommandContext c) => ExpireGeneric(ref c, 0, true);

    static void PExpireAt(ref CommandContext c) => ExpireGeneric(ref c, 0, false);

    const int ExpNx = 1, ExpXx = 2, ExpGt = 4, ExpLt = 8;

    /// <summary>
    /// expireGenericCommand. Order as Redis: options (and their conflicts), then the number, then
    /// overflow of unit scaling and base-time addition, then the key. A time at or before now
    /// deletes the key and still answers 1.
    /// </summary>
    static void ExpireGeneric(ref CommandContext c, long baseMs, bool seconds)
    {
        int flags = 0;
        for (int j = 3; j < c.Count; j++)
        {
            if (c.ArgIs(j, "nx"u8)) flags |= ExpNx;
            else if (c.ArgIs(j, "xx"u8)) flags |= ExpXx;
            else if (c.ArgIs(j, "gt"u8)) flags |= ExpGt;
            else if (c.ArgIs(j, "lt"u8)) flags |= ExpLt;
            else { c.W.Error("ERR Unsupported option " + c.ArgString(j)); return; }
        }
        if ((flags & ExpNx) != 0 && (flags & (ExpXx | ExpGt | ExpLt)) != 0)
        {
            c.W.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
            return;
        }
        if ((flags & (ExpGt | ExpLt)) == (ExpGt | ExpLt))
        {
            c.W.Error("ERR GT and LT options at the same time are not compatible");
            return;
        }

        if (!c.TryInt(2, out long when)) return;
        if (seconds)
        {
            if (when > long.MaxValue / 1000 || when < long.MinValue / 1000) { StringCommands.InvalidExpire(ref c); return; }
            when *= 1000;
        }
        if (when > long.MaxValue - baseMs) { StringCommands.InvalidExpire(ref c); return; }
        when += baseMs;

        ReadOnlySpan<byte> key = c.Arg(1);
        Database db = c.Db;
        byte** slot = db.FindSlot(key, KeyHash.Hash(key));
        if (slot == null) { c.W.Integer(0); return; }

        if (flags != 0)
        {
            long current = KeyEntry.ExpireAt(*slot); // -1: no TTL, which GT/LT treat as infinite
            if ((flags & ExpNx) != 0 && current != -1) { c.W.Integer(0); return; }
            if ((flags & ExpXx) != 0 && current == -1) { c.W.Integer(0); return; }
            if ((flags & ExpGt) != 0 && (when <= current || current == -1)) { c.W.Integer(0); return; }
            if ((flags & ExpLt) != 0 && current != -1 && when >= current) { c.W.Integer(0); return; }
        }

        if (KeyLookup.AlreadyExpired(c.Shard, when))
        {
            db.Remove(*slot);
            c.Modified(1, NotifyClass.Generic, "del"u8);
            if (c.Shard.Aof.On) AofForms.Delete(ref c, c.Shard.Server.Config.LazyfreeLazyExpire);
        }
        else
        {
            db.SetExpire(slot, when);
            c.Modified(1, NotifyClass.Generic, "expire"u8);
            // Propagated as PEXPIREAT key ms, options kept; PEXPIREAT itself as it came.
            if (c.Shard.Aof.On && (baseMs != 0 || seconds)) AofForms.PExpireAt(ref c, when);
        }
        c.Dirty();
        c.W.Integer(1);
    }

    static void Persist(ref CommandContext c)
    {
        ReadOnlySpan<byte> key = c.Arg(1);
        Database db = c.Db;
        byte** slot = db.FindSlot(key, KeyHash.Hash(key));
        if (slot == null || !KeyEntry.HasExpire(*slot)) { c.W.Integer(0); return; }
        db.SetExpire(slot, -1);
        c.Dirty();
        c.Modified(1, NotifyClass.Generic, "persist"u8);
        c.W.Integer(1);
    }

    // ---- TTL family ----------------------------------------------------------------------------

    static void Ttl(ref CommandContext c) => TtlGeneric(ref c, false, false);

    static void PTtl(ref CommandContext c) => TtlGeneric(ref c, true, false);

    static void ExpireTime(ref CommandContext c) => TtlGeneric(ref c, false, true);

    static void PExpireTime(ref CommandContext c) => TtlGeneric(ref c, true, true);

    /// <summary>ttlGenericCommand: -2 no key, -1 no TTL; seconds are rounded to nearest ((ms+500)/1000).</summary>
    static void TtlGeneric(ref CommandContext c, bool ms, bool absolute)
    {
        byte* e = KeyLookup.ReadNoTouch(c.Shard, c.Db, c.Arg(1));
        if (e == null) { c.W.Integer(-2); return; }
        long at = KeyEntry.ExpireAt(e);
        if (at == -1) { c.W.Integer(-1); return; }
        long ttl = absolute ? at : at - c.NowMs;
        if (ttl < 0) ttl = 0;
        c.W.Integer(ms ? ttl : (ttl + 500) / 1000);
    }

    // ---- RENAME / COPY / MOVE ------------------------------------------------------------------

    static void Rename(ref CommandContext c) => RenameGeneric(ref c, false);

    static void RenameNx(ref CommandContext c) => RenameGeneric(ref c, true);

    /// <summary>
    /// renameGenericCommand for two keys on this shard. The value, TTL and access time move to the
    /// new key; the old blob is released without freeing what the value owns, which now belongs to
    /// the new entry. Same names: OK (or 0 for RENAMENX) when the key exists.
    /// </summary>
    static void RenameGeneric(ref CommandContext c, bool nx)
    {
        ReadOnlySpan<byte> src = c.Arg(1), dst = c.Arg(2);
        Database db = c.Db;
        byte* e = db.Find(src);
        if (e == null) { c.W.Error(Errors.NoSuchKey); return; }
        if (src.SequenceEqual(dst))
        {
            if (nx) c.W.Integer(0);
            else c.W.Ok();
            return;
        }
        if (db.Find(dst) != null)
        {
            if (nx) { c.W.Integer(0); return; }
            db.Delete(dst); // a different key: e stays valid
        }
        InsertCopy(db, c.Shard.Arena, dst, e);
        KeyLookup.DetachAndFreeBlob(c.Shard, db, e);
        c.Dirty();
        c.Modified(1, NotifyClass.Generic, "rename_from"u8);
        c.Modified(2, NotifyClass.Generic, "rename_to"u8);
        if (nx) c.W.Integer(1);
        else c.W.Ok();
    }

    /// <summary>
    /// Adds an entry under <paramref name="key"/> with e's type, encoding, value bytes (a pointer moves its
    /// ownership; an inline collection's bytes keep their flag, then take the form the new key calls for),
    /// TTL and LRU.
    /// </summary>
    static void InsertCopy(Database db, Arena arena, ReadOnlySpan<byte> key, byte* e)
    {
        byte* n = db.AddRaw(key, KeyEntry.Type(e), KeyEntry.Encoding(e), KeyEntry.Value(e), KeyEntry.ExpireAt(e), KeyEntry.IsInline(e));
        KeyEntry.SetLru(n, KeyEntry.Lru(e));
        Collection.Rehome(db, arena, n);
    }

    /// <summary>COPY source destination [DB n] [REPLACE], both databases on this shard.</summary>
    static void Copy(ref CommandContext c)
    {
        Database srcDb = c.Db, dstDb = c.Db;
        bool replace = false;
        for (int j = 3; j < c.Count; j++)
        {
            if (c.ArgIs(j, "replace"u8)) replace = true;
            else if (c.ArgIs(j, "db"u8) && j + 1 < c.Count)
            {
                if (!TryDbIndex(ref c, j + 1, out dstDb)) return;
                j++;
            }
            else { c.W.Error(Errors.Syntax); return; }
        }
        ReadOnlySpan<byte> src = c.Arg(1), dst = c.Arg(2);
        if (srcDb == dstDb && src.SequenceEqual(dst))
        {
            c.W.Error(Errors.SameObject);
            return;
        }
        byte* e = KeyLookup.Read(c.Shard, srcDb, src);
        if (e == null) { c.W.Integer(0); return; }
        if (dstDb.Find(dst) != null)
        {
            if (!replace) { c.W.Integer(0); return; }
        }
        if (replace) dstDb.Delete(dst); // a different key or database: e stays valid
        byte type = KeyEntry.Type(e);
        if (type == ValueKind.String)
            dstDb.AddRaw(dst, type, KeyEntry.Encoding(e), KeyEntry.Value(e), KeyEntry.ExpireAt(e));
        else Collection.AddCopy(dstDb, c.Shard.Arena, dst, e, KeyEntry.ExpireAt(e)); // the copy gets its own structure
        c.Dirty();
        if (c.Shard.Events.Active) c.Shard.Events.Modified(dstDb.Index, dst, NotifyClass.Generic, "copy_to"u8);
        c.W.Integer(1);
    }

    /// <summary>MOVE key db: relinks the entry into another database of this shard.</summary>
    static void Move(ref CommandContext c)
    {
        if (!TryDbIndex(ref c, 2, out Database dst)) return;
        Database src = c.Db;
        if (src == dst) { c.W.Error(Errors.SameObject); return; }
        ReadOnlySpan<byte> key = c.Arg(1);
        byte* e = src.Find(key);
        if (e == null) { c.W.Integer(0); return; }
        if (dst.Find(key) != null) { c.W.Integer(0); return; }
        KeyLookup.MoveEntry(src, dst, e);
        c.Dirty();
        c.Modified(1, NotifyClass.Generic, "move_from"u8);
        if (c.Shard.Events.Active) c.Shard.Events.Modified(dst.Index, key, NotifyClass.Generic, "move_to"u8);
        c.W.Integer(1);
    }

    /// <summary>getIntFromObjectOrReply + selectDb: a database index in range, or the Redis error.</summary>
    static bool TryDbIndex(ref CommandContext c, int arg, out Database db)
    {
        db = null!;
        if (!c.TryInt(arg, out long id)) return false;
        if (id < int.MinValue || id > int.MaxValue)
        {
            c.W.Error(Errors.IntOutOfRange);
            return false;
        }
        Database[] dbs = c.Shard.Dbs;
        if (id < 0 || id >= dbs.Length)
        {
            c.W.Error(Errors.DbIndexOutOfRange);
            return false;
        }
        db = dbs[id];
        return true;
    }
}
