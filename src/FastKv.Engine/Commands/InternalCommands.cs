using System;
using System.Buffers.Binary;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// Serialized copies of one key, used by cross-shard RENAME/RENAMENX/COPY to carry a value
/// from one shard to another while both keys are locked. Layout: [type u8][encoding u8]
/// [expireAt i64 little-endian, -1 = none][value bytes]. Strings only until the collection
/// types arrive (they will serialize their encodings here, as RDB does).
/// The commands are internal: their names start with "__" and COMMAND does not list them.
/// </summary>
public static unsafe class EntryDump
{
    public const string TakeCommand = "__fkv-take";
    public const string PutCommand = "__fkv-put";
    const int HeaderSize = 10;

    public static void Register(CommandTable t)
    {
        t.Add(TakeCommand, 3, CommandFlags.ReadOnly, 2, 2, 1, "", &Take);
        t.Add(PutCommand, 5, CommandFlags.Write, 2, 2, 1, "", &Put);
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
        int len = KeyEntry.ValueLength(e);
        byte[] buf = new byte[HeaderSize + len];
        buf[0] = KeyEntry.Type(e);
        buf[1] = KeyEntry.Encoding(e);
        BinaryPrimitives.WriteInt64LittleEndian(buf.AsSpan(2), KeyEntry.ExpireAt(e));
        KeyEntry.Value(e).CopyTo(buf.AsSpan(HeaderSize));
        c.W.Bulk(buf);
    }

    /// <summary>__fkv-put db key replace(0|1) dump: 1 when written, 0 when the key exists and replace is 0.</summary>
    static void Put(ref CommandContext c)
    {
        if (!Db(ref c, out var db)) return;
        ReadOnlySpan<byte> key = c.Arg(2);
        bool replace = c.Arg(3).SequenceEqual("1"u8);
        ReadOnlySpan<byte> dump = c.Arg(4);
        if (dump.Length < HeaderSize || dump[0] != ValueKind.String)
        {
            c.Error("ERR DUMP payload version or checksum are wrong");
            return;
        }
        if (db.Find(key) != null)
        {
            if (!replace)
            {
                c.W.Integer(0);
                return;
            }
            db.Delete(key);
        }
        long expireAt = BinaryPrimitives.ReadInt64LittleEndian(dump.Slice(2));
        db.AddRaw(key, dump[0], dump[1], dump.Slice(HeaderSize), expireAt);
        c.W.Integer(1);
    }
}
