using System;
using System.Buffers;
using System.Buffers.Binary;
using FastKv.Memory;
namespace FastKv.Engine;
// TEMPORARY (not committed): strings only, until rdbwrite merges.
public struct RdbWriteOptions { public int Version; public bool Compress; public static RdbWriteOptions From(ServerConfig c, Shard s) => new RdbWriteOptions { Version = c.RdbVersion, Compress = c.RdbCompression }; }
public static unsafe partial class RdbEncode
{
    public static void WriteEntry(IBufferWriter<byte> w, byte* e, in RdbWriteOptions o)
    {
        if (KeyEntry.HasExpire(e)) { var s = w.GetSpan(9); s[0] = 252; BinaryPrimitives.WriteInt64LittleEndian(s.Slice(1), KeyEntry.ExpireAt(e)); w.Advance(9); }
        var t = w.GetSpan(1); t[0] = 0; w.Advance(1);
        Str(w, KeyEntry.Key(e)); Str(w, KeyEntry.Value(e));
    }
    static void Str(IBufferWriter<byte> w, ReadOnlySpan<byte> v)
    {
        var s = w.GetSpan(5 + v.Length); int n;
        if (v.Length < 64) { s[0] = (byte)v.Length; n = 1; } else if (v.Length < 16384) { s[0] = (byte)(0x40 | (v.Length >> 8)); s[1] = (byte)v.Length; n = 2; } else { s[0] = 0x80; BinaryPrimitives.WriteUInt32BigEndian(s.Slice(1), (uint)v.Length); n = 5; }
        v.CopyTo(s.Slice(n)); w.Advance(n + v.Length);
    }
}
public static unsafe class RdbKeyLoad
{
    public static string? Load(Shard shard, Database db, ReadOnlySpan<byte> key, byte type, ReadOnlySpan<byte> value, long expireAt, byte lruKind, long lru)
    {
        if (type != 0) return "stub: only strings";
        var r = new RdbReader(value);
        if (!r.TryReadString(out var v)) return "bad string";
        if (db.Find(key) != null) return "RDB has duplicated key '" + System.Text.Encoding.UTF8.GetString(key) + "' in DB " + db.Index;
        db.AddString(key, v, 0, expireAt);
        return null;
    }
}
