using System;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>What <see cref="RdbDecode"/> made of one value.</summary>
public enum RdbLoadResult : byte
{
    Ok,
    /// <summary>Truncated, malformed or inconsistent bytes (RESTORE: "Bad data format"; a file: a corrupt RDB).</summary>
    BadFormat,
    /// <summary>A well-formed collection with no elements: Redis skips the key when loading a file and refuses it in RESTORE.</summary>
    EmptyKey,
    /// <summary>The key exists and the caller did not ask to replace it.</summary>
    KeyExists,
    /// <summary>A value type FastKv does not load (modules).</summary>
    Unsupported,
}

/// <summary>
/// One decoded value, built in the shard's arena but not yet in a keyspace: a string (its bytes, pointing into the
/// payload or the reader's scratch) or a collection structure of (type, encoding) that the key's entry will own.
/// </summary>
public unsafe ref struct RdbValue
{
    public byte Type;
    public byte Encoding;
    /// <summary>The collection's structure; null for a string.</summary>
    public byte* Ptr;
    public ReadOnlySpan<byte> String;
}

/// <summary>
/// The read side of Redis's RDB value format: one value of any RDB type Redis 7.2 loads (0-5, 9-21)
/// becomes a FastKv value in the shard's arena, following rdb.c's rdbLoadObject with the thresholds configured now:
/// <list type="bullet">
/// <item>strings take int, embstr or raw as <see cref="StringValue.EncodingOf"/> decides (tryObjectEncoding);</item>
/// <item>plain sets go intset → listpack → hashtable as members arrive; a set intset or listpack over its entry
/// limit becomes a hashtable;</item>
/// <item>hashes: a plain hash is a listpack unless it has more pairs than hash-max-listpack-entries or a field or
/// value longer than hash-max-listpack-value; a listpack, ziplist or zipmap over the entry limit (a zipmap: either
/// limit) becomes a hashtable;</item>
/// <item>sorted sets: a plain one becomes a listpack when it fits both zset-max-listpack limits; a listpack or
/// ziplist over the entry limit becomes a skiplist;</item>
/// <item>lists: built as a quicklist with the configured fill, then listTypeTryConversion: a single node within
/// the limits is the listpack encoding.</item>
/// </list>
/// Every blob is validated deeply whatever sanitize-dump-payload says (listpack structure, intset order,
/// ziplist/zipmap structure, duplicate members and fields, pairs even, counts matching, sorted-set order), and
/// an empty collection is refused as Redis refuses it, so a forged or truncated value gives an error and frees
/// what it built: never a crash, never a corrupted neighbour. Bytes after the value are ignored (RESTORE hands in
/// the whole payload, as Redis's rio buffer does).
/// The methods run on the shard thread that owns the database (they allocate in its arena).
/// Unsafe invariant for the whole class: a structure pointer is one these methods just built in that arena and
/// own until it is inserted or discarded; an untrusted blob is read through a pointer only after
/// <see cref="Listpack.Validate"/> accepted exactly its span (or as a span, bounds-checked).
/// </summary>
public static unsafe partial class RdbDecode
{
    /// <summary>
    /// Decodes the value of type <paramref name="rdbType"/> at the start of <paramref name="value"/> and inserts it under
    /// <paramref name="key"/> with <paramref name="expireAtMs"/> (unix ms, or -1). An existing key is replaced when
    /// <paramref name="replace"/>, else the result is <see cref="RdbLoadResult.KeyExists"/> and nothing changes; on any
    /// result but Ok nothing changes either. <paramref name="entry"/> is the inserted entry (for IDLE/FREQ:
    /// <see cref="AccessClock.SetIdleOrFreq"/>), valid until the next write to the database.
    /// </summary>
    public static RdbLoadResult Load(Shard shard, Database db, ReadOnlySpan<byte> key, byte rdbType, ReadOnlySpan<byte> value,
        long expireAtMs, bool replace, out byte* entry)
    {
        entry = null;
        var reader = new RdbReader(value);
        RdbLoadResult r = Decode(shard, ref reader, rdbType, out RdbValue v);
        if (r != RdbLoadResult.Ok) return r;
        if (db.Find(key) != null)
        {
            if (!replace)
            {
                Discard(shard.Arena, ref v);
                return RdbLoadResult.KeyExists;
            }
            db.Delete(key);
        }
        entry = Insert(shard, db, key, ref v, expireAtMs);
        return RdbLoadResult.Ok;
    }

    /// <summary>
    /// Decodes one value from <paramref name="reader"/> into <paramref name="v"/> (not yet in any keyspace: the caller
    /// either <see cref="Insert"/>s or <see cref="Discard"/>s it). On any result but Ok nothing is left allocated.
    /// </summary>
    public static RdbLoadResult Decode(Shard shard, ref RdbReader reader, byte rdbType, out RdbValue v)
    {
        v = default;
        if (rdbType == RdbType.String)
        {
            if (!reader.TryReadString(out ReadOnlySpan<byte> s)) return RdbLoadResult.BadFormat;
            v.Type = ValueKind.String;
            v.Encoding = StringValue.EncodingOf(s);
            v.String = s;
            return RdbLoadResult.Ok;
        }
        var b = new Built();
        RdbLoadResult res = DecodeCollection(shard, ref reader, rdbType, ref b);
        v.Type = b.Type;
        v.Encoding = b.Encoding;
        v.Ptr = b.Ptr;
        return res;
    }

    /// <summary>A collection's structure as the loaders build it (a plain struct: no spans, so it can travel beside the reader).</summary>
    struct Built
    {
        public byte Type;
        public byte Encoding;
        public byte* Ptr;
    }

    static RdbLoadResult DecodeCollection(Shard shard, ref RdbReader reader, byte rdbType, ref Built v)
    {
        switch (rdbType)
        {
            case RdbType.List: return LoadPlainList(shard, ref reader, ref v);
            case RdbType.Set: return LoadPlainSet(shard, ref reader, ref v);
            case RdbType.ZSet:
            case RdbType.ZSet2: return LoadPlainZSet(shard, ref reader, rdbType == RdbType.ZSet2, ref v);
            case RdbType.Hash: return LoadPlainHash(shard, ref reader, ref v);
            case RdbType.ListQuicklist:
            case RdbType.ListQuicklist2: return LoadQuicklist(shard, ref reader, rdbType == RdbType.ListQuicklist2, ref v);
            case RdbType.HashZipmap:
            case RdbType.ListZiplist:
            case RdbType.SetIntset:
            case RdbType.ZSetZiplist:
            case RdbType.HashZiplist:
            case RdbType.HashListpack:
            case RdbType.ZSetListpack:
            case RdbType.SetListpack:
                if (!reader.TryReadString(out ReadOnlySpan<byte> blob)) return RdbLoadResult.BadFormat;
                return LoadBlob(shard, rdbType, blob, ref v);
            case RdbType.StreamListpacks:
            case RdbType.StreamListpacks2:
            case RdbType.StreamListpacks3: return LoadStream(shard, ref reader, rdbType, ref v);
        }
        return RdbType.IsObjectType(rdbType) ? RdbLoadResult.Unsupported : RdbLoadResult.BadFormat;
    }

    /// <summary>Inserts a decoded value under <paramref name="key"/> (known absent): Redis's dbAdd, with its "new" event.</summary>
    public static byte* Insert(Shard shard, Database db, ReadOnlySpan<byte> key, ref RdbValue v, long expireAtMs)
    {
        byte* e = v.Type == ValueKind.String
            ? db.AddRaw(key, ValueKind.String, v.Encoding, v.String, expireAtMs)
            : Collection.AddStructure(db, shard.Arena, key, v.Type, v.Encoding, v.Ptr, expireAtMs);
        v = default;
        return e;
    }

    /// <summary>Frees a decoded value that will not be inserted.</summary>
    public static void Discard(Arena arena, ref RdbValue v)
    {
        if (v.Ptr != null) Collection.Free(arena, v.Type, v.Encoding, v.Ptr);
        v = default;
    }

    /// <summary>lpSafeToAdd: Redis keeps a listpack under 1 GiB.</summary>
    const long ListpackSafetyBytes = 1L << 30;

    /// <summary>The configured list fill, clamped as Redis's quicklist clamps it.</summary>
    static int ListFill(Shard shard) => Math.Clamp(shard.Server.Config.ListMaxListpackSize, QuickList.MinFill, QuickList.MaxFill);

    /// <summary>
    /// listTypeTryConversion(LIST_CONV_AUTO) on a freshly loaded quicklist: one node within the full (not halved)
    /// limits of the configured fill becomes the listpack encoding.
    /// </summary>
    static void SetListEncoding(Shard shard, byte* ql, ref Built v)
    {
        v.Type = ValueKind.List;
        v.Ptr = ql;
        v.Encoding = ValueEncoding.QuickList;
        if (QuickList.NodeCount(ql) != 1) return;
        QuickList.NodeLimit(ListFill(shard), out long bytes, out long entries);
        if (QuickList.NodeBytes(QuickList.HeadNode(ql)) > bytes || QuickList.Count(ql) > entries) return;
        QuickList.SetFill(ql, QuickList.Unlimited);
        v.Encoding = ValueEncoding.ListPack;
    }
}
