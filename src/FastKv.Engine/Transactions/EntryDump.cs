using System;
using System.Buffers;
using System.Buffers.Binary;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// Serialized copies of one key, used by cross-shard RENAME/RENAMENX/COPY to carry a value
/// from one shard to another while both keys are locked. Layout: [type u8][encoding u8]
/// [expireAt i64 little-endian, -1 = none][value bytes: a string's bytes, or the collection's
/// serialized form (see <see cref="Collection"/>)].
/// The commands are internal: their names start with "__" and COMMAND does not list them.
/// </summary>
public static unsafe class EntryDump
{
    public const string TakeCommand = "__fkv-take";
    public const string PutCommand = "__fkv-put";
    public const string DelCommand = "__fkv-del";
    const int HeaderSize = 10;
    public const string BadPayload = "ERR DUMP payload version or checksum are wrong";

    public static void Register(CommandTable t)
    {
        t.Add(TakeCommand, 3, CommandFlags.ReadOnly, 2, 2, 1, "", &Take);
        t.Add(PutCommand, -5, CommandFlags.Write, 2, 2, 1, "", &Put);
        t.Add(DelCommand, -3, CommandFlags.Write, 2, 2, 1, "", &Del);
        // Keys are in the arguments, but the locks of the GatherTx that sends it already cover them.
        t.Add(GatherTx.ExecCommand, -5, CommandFlags.Write, 0, 0, 0, "", &Exec);
    }

    static bool Db(ref CommandContext c, out Database db)
    {
        db = null!;
        if (!RespNumber.TryParseInt64(c.Arg(1), out long d) || d < 0 || d >= c.Shard.Dbs.Length)
        {
            c.Error(Errors.DbIndexOutOfRange);
            return false;
        }
        db = c.Shard.Dbs[d];
        return true;
    }

    /// <summary>__fkv-take db key: the serialized value, or null. The entry pointer is read before any other table access.</summary>
    static void Take(ref CommandContext c)
    {
        if (!Db(ref c, out var db)) return;
        byte* e = db.Find(c.Arg(2));
        if (e == null)
        {
            c.W.NullBulk();
            return;
        }
        c.W.Bulk(Serialize(e));
    }

    /// <summary>The serialized copy of an entry (header, then the string bytes or the collection's serialized form).</summary>
    public static byte[] Serialize(byte* e)
    {
        var w = new ArrayBufferWriter<byte>();
        Span<byte> head = w.GetSpan(HeaderSize);
        head[0] = KeyEntry.Type(e);
        head[1] = KeyEntry.Encoding(e);
        BinaryPrimitives.WriteInt64LittleEndian(head.Slice(2), KeyEntry.ExpireAt(e));
        w.Advance(HeaderSize);
        if (head[0] == ValueKind.String) w.Write(KeyEntry.Value(e));
        else Collection.Serialize(KeyEntry.Type(e), KeyEntry.Encoding(e), Collection.Ptr(e), w);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Adds a key from its serialized copy (key known absent); false when the payload is not a valid one.
    /// <paramref name="overwrite"/>: the key's old value was just deleted, so it is not announced as "new".
    /// </summary>
    public static bool Deserialize(Shard shard, Database db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> dump, bool overwrite = false)
    {
        if (dump.Length < HeaderSize || dump[0] > ValueKind.Hash || dump[1] > 15) return false;
        long expireAt = BinaryPrimitives.ReadInt64LittleEndian(dump.Slice(2));
        if (expireAt < -1) return false;
        if (dump[0] == ValueKind.String)
        {
            db.AddRaw(key, dump[0], dump[1], dump.Slice(HeaderSize), expireAt, overwrite: overwrite);
            return true;
        }
        return Collection.AddSerialized(db, shard.Arena, key, dump[0], dump[1], dump.Slice(HeaderSize), expireAt, overwrite);
    }

    /// <summary>
    /// __fkv-put db key replace(0|1) dump [event]: 1 when written, 0 when the key exists and replace is 0.
    /// With an event (cross-shard RENAME's rename_to, COPY's copy_to) the key is announced as Redis's dbAdd and
    /// the command do: "new", then the event. Without one it is the write-back of a cross-shard command whose
    /// events the executing shard already sent: watchers are touched and only a key that did not exist before
    /// is announced ("new"), as Redis's setKey does.
    /// </summary>
    static void Put(ref CommandContext c)
    {
        if (!Db(ref c, out var db)) return;
        ReadOnlySpan<byte> key = c.Arg(2);
        bool replace = c.Arg(3).SequenceEqual("1"u8);
        ReadOnlySpan<byte> dump = c.Arg(4);
        bool announce = c.Count > 5;
        bool existed = false;
        if (db.Find(key) != null)
        {
            if (!replace)
            {
                c.W.Integer(0);
                return;
            }
            db.Delete(key);
            existed = true;
        }
        if (!Deserialize(c.Shard, db, key, dump, overwrite: existed && !announce))
        {
            c.Error(BadPayload);
            return;
        }
        KeyEvents events = c.Shard.Events;
        if (events.Active)
        {
            if (announce) events.Modified(db.Index, key, NotifyClass.Generic, c.Arg(5));
            else events.Touched(db.Index, key);
        }
        c.W.Integer(1);
    }

    /// <summary>
    /// __fkv-del db key [event]: deletes the key (1 when it existed). With an event (cross-shard RENAME's
    /// rename_from) that is announced; without one it is a cross-shard command's write-back, which only touches
    /// watchers (the executing shard sent the command's events, "del" included).
    /// </summary>
    static void Del(ref CommandContext c)
    {
        if (!Db(ref c, out var db)) return;
        ReadOnlySpan<byte> key = c.Arg(2);
        if (!db.Delete(key))
        {
            c.W.Integer(0);
            return;
        }
        KeyEvents events = c.Shard.Events;
        if (events.Active)
        {
            if (c.Count > 3) events.Modified(db.Index, key, NotifyClass.Generic, c.Arg(3));
            else events.Touched(db.Index, key);
        }
        c.W.Integer(1);
    }

    /// <summary>
    /// __fkv-exec db nkeys (key present(0|1) dump){nkeys} command args...: loads the copies into the
    /// shard's scratch database, runs the command over it, and answers <c>:1</c>, the command's reply,
    /// then per key <c>:0</c> when the command left it alone, null when it is now absent, or its new
    /// serialized copy. <c>:0</c> and an error when a copy is bad.
    /// </summary>
    static void Exec(ref CommandContext c)
    {
        if (!Db(ref c, out Database target)) return;
        int db = target.Index;
        if (!RespNumber.TryParseInt64(c.Arg(2), out long nk) || nk < 0 || 3 + 3 * nk >= c.Count)
        {
            c.Error(Errors.Syntax);
            return;
        }
        int n = (int)nk, cmd = 3 + 3 * n;
        Database scratch = c.Shard.ScratchDb;
        scratch.Clear();
        for (int i = 0; i < n; i++)
        {
            int k = 3 + 3 * i;
            if (c.Arg(k + 1).SequenceEqual("1"u8) && (scratch.Find(c.Arg(k)) != null || !Deserialize(c.Shard, scratch, c.Arg(k), c.Arg(k + 2))))
            {
                scratch.Clear();
                c.W.Integer(0);
                c.Error(BadPayload);
                return;
            }
        }
        // Each key as loaded, serialized again from the scratch copy: a key the command leaves alone
        // serializes the same way afterwards (a copy's table order differs from the original's, so the
        // incoming bytes are no baseline).
        var baseline = new byte[]?[n];
        for (int i = 0; i < n; i++)
        {
            byte* e0 = scratch.Find(c.Arg(3 + 3 * i));
            baseline[i] = e0 == null ? null : Serialize(e0);
        }
        var sub = new ArgList(c.Count - cmd);
        for (int i = cmd; i < c.Count; i++) sub.Add(c.Args.Offsets[i], c.Args.Lengths[i]);
        c.W.Integer(1);
        CommandSpec? spec = Executor.Resolve(c.Shard.Server.Commands, c.Buffer, sub, c.W);
        if (spec != null)
        {
            // The handler runs over the scratch copies but with the real database index, so its keyspace
            // events (c.Modified) are published from this, the executing, shard, in the command's order; the
            // owner shards' write-backs (__fkv-put, __fkv-del) only touch their watchers (and announce "new").
            var inner = new CommandContext
            {
                Shard = c.Shard, W = c.W, Client = null, DbIndex = db, Buffer = c.Buffer, Args = sub, Spec = spec,
                TxId = c.TxId, DbOverride = scratch,
            };
            Executor.Invoke(ref inner);
        }
        for (int i = 0; i < n; i++)
        {
            byte* e = scratch.Find(c.Arg(3 + 3 * i));
            byte[]? after = e == null ? null : Serialize(e);
            if (after == null ? baseline[i] == null : baseline[i] != null && after.AsSpan().SequenceEqual(baseline[i]))
                c.W.Integer(0); // unchanged: nothing to write back
            else if (after == null) c.W.NullBulk();
            else c.W.Bulk(after);
        }
        scratch.Clear();
    }
}
