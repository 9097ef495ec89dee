using System;
using System.Buffers;
using System.Buffers.Binary;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Serialized copies of one key, used by cross-shard RENAME/RENAMENX/COPY to carry a value
/// from one shard to another while both keys are locked. Layout: [type u8][encoding u8]
/// [expireAt i64 little-endian, -1 = none][value bytes: a string's bytes, or the collection's
/// serialized form (see <see cref="Collection"/>)].
/// The copies travel between shards inside typed operations (<see cref="TakeCopy"/>, <see cref="PutCopy"/>,
/// <see cref="GatherExec"/>), never through a command.
/// </summary>
public static unsafe class EntryDump
{
    const int HeaderSize = 10;

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
        if (dump.Length < HeaderSize || (dump[0] > ValueKind.Hash && dump[0] != ValueKind.Stream) || dump[1] > 15) return false;
        long expireAt = BinaryPrimitives.ReadInt64LittleEndian(dump.Slice(2));
        if (expireAt < -1) return false;
        if (dump[0] == ValueKind.String)
        {
            db.AddRaw(key, dump[0], dump[1], dump.Slice(HeaderSize), expireAt, overwrite: overwrite);
            return true;
        }
        return Collection.AddSerialized(db, shard.Arena, key, dump[0], dump[1], dump.Slice(HeaderSize), expireAt, overwrite);
    }
}
