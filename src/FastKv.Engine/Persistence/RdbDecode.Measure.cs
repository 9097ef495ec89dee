using System;

namespace FastKv.Engine;

/// <summary>
/// Framing: how many bytes one value of an RDB type takes, found by walking its lengths only (strings are
/// stepped over by their stored size, LZF by its compressed size, nothing is decompressed or parsed). The file
/// reader cuts records with it and hands each value's bytes to the shard that owns the key, which decodes it
/// (<see cref="Load"/>).
/// <code>
///  type                                       value bytes
///  0 STRING                                   string
///  1 LIST, 2 SET                              len, len strings
///  3 ZSET                                     len, len (string, text double)
///  4 HASH                                     len, 2*len strings
///  5 ZSET_2                                   len, len (string, 8-byte double)
///  9-13, 16, 17, 20 (blob encodings)          one string holding the blob
///  14 LIST_QUICKLIST                          len, len strings (ziplists)
///  18 LIST_QUICKLIST_2                        len, len (container length, string)
/// </code>
/// 15, 19, 21 streams                          RdbDecode.Stream.cs
/// Module values are not measured (FastKv does not load them).
/// </summary>
public static partial class RdbDecode
{
    /// <summary>
    /// The byte length of the value of type <paramref name="rdbType"/> at the start of <paramref name="data"/>;
    /// false when the bytes end before the value does, a length is malformed, or the type is not one FastKv loads.
    /// </summary>
    public static bool TryMeasureValue(ReadOnlySpan<byte> data, byte rdbType, out int length)
    {
        length = 0;
        var r = new RdbReader(data);
        if (!SkipValue(ref r, rdbType)) return false;
        length = r.Position;
        return true;
    }

    static bool SkipValue(ref RdbReader r, byte rdbType)
    {
        if (RdbType.IsOneString(rdbType)) return r.TrySkipString();
        switch (rdbType)
        {
            case RdbType.List:
            case RdbType.Set:
            case RdbType.ListQuicklist:
                return SkipItems(ref r, 1, rdbType);
            case RdbType.Hash:
                return SkipItems(ref r, 2, rdbType);
            case RdbType.ZSet:
            case RdbType.ZSet2:
            case RdbType.ListQuicklist2:
                return SkipItems(ref r, 1, rdbType);
            case RdbType.StreamListpacks:
            case RdbType.StreamListpacks2:
            case RdbType.StreamListpacks3:
                return SkipStream(ref r, rdbType);
        }
        return false;
    }

    /// <summary>A count, then that many items of <paramref name="perItem"/> strings each, with each type's extras.</summary>
    static bool SkipItems(ref RdbReader r, int perItem, byte rdbType)
    {
        if (!r.TryReadLength(out ulong count)) return false;
        // Every item takes at least one byte, so a count beyond the bytes left is truncated or forged.
        if (count > (ulong)r.Remaining) return false;
        for (ulong i = 0; i < count; i++)
        {
            if (rdbType == RdbType.ListQuicklist2 && !r.TryReadLength(out _)) return false;
            for (int k = 0; k < perItem; k++)
                if (!r.TrySkipString()) return false;
            if (rdbType == RdbType.ZSet && !r.TrySkipTextDouble()) return false;
            if (rdbType == RdbType.ZSet2 && !r.TryReadBytes(8, out _)) return false;
        }
        return true;
    }
}
