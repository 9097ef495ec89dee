using System;
using System.Buffers;
using System.Buffers.Binary;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>
/// DUMP key (Redis cluster.c, dumpCommand / createDumpPayload): the value in RDB form, then a footer.
/// <code>
///  [RDB type][value, as in an RDB file]  [RDB version u16 LE]  [CRC-64 u64 LE of everything before it]
/// </code>
/// The value bytes are the snapshot writer's (<see cref="RdbEncode.WriteValue"/>), so RESTORE in Redis 7.2 reads
/// them, and where FastKv holds the value in the same structure as Redis (listpacks, intsets, skiplists, strings)
/// the payload is byte for byte Redis's. The lookup touches the key, as lookupKeyRead does. A missing key is nil.
/// </summary>
public static unsafe class DumpCommand
{
    public static void Register(CommandTable t) => t.Add("dump", &Dump);

    static void Dump(ref CommandContext c)
    {
        byte* e = KeyLookup.Read(c.Shard, c.Db, c.Arg(1));
        if (e == null) { c.W.NullBulk(); return; }
        var w = new ArrayBufferWriter<byte>(64);
        RdbEncode.WriteValue(w, e, RdbWriteOptions.ForDump(c.Shard));
        AppendFooter(w);
        c.W.Bulk(w.WrittenSpan);
    }

    /// <summary>createDumpPayload's footer after what <paramref name="w"/> holds: the RDB version, the CRC-64 of it all (FUNCTION DUMP's too).</summary>
    public static void AppendFooter(ArrayBufferWriter<byte> w)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(w.GetSpan(2), RdbWriteOptions.CurrentVersion);
        w.Advance(2);
        ulong crc = Crc64.Update(0, w.WrittenSpan);
        BinaryPrimitives.WriteUInt64LittleEndian(w.GetSpan(8), crc);
        w.Advance(8);
    }
}
