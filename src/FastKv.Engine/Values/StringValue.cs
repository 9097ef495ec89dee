using System;
using System.Runtime.CompilerServices;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// How a string value is classified. FastKv stores every string as its bytes (an int-encoded value
/// as its canonical decimal text), but OBJECT ENCODING, MEMORY USAGE and RDB must report what Redis
/// would have built: tryObjectEncoding's rules for SET-like writes, raw after in-place edits.
/// </summary>
public static class StringValue
{
    /// <summary>proto-max-bulk-len default: the largest string APPEND and SETRANGE may build.</summary>
    public const long MaxLength = 512L * 1024 * 1024;

    /// <summary>Longest decimal text of a 64-bit integer: "-9223372036854775808".</summary>
    public const int MaxInt64Chars = 20;

    /// <summary>
    /// The encoding Redis's tryObjectEncoding picks for a value written by SET, MSET, GETSET,
    /// SETNX/SETEX, or APPEND to a missing key: <c>int</c> when string2l accepts it (at most 20
    /// bytes, canonical form), <c>embstr</c> up to 44 bytes, otherwise <c>raw</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte EncodingOf(ReadOnlySpan<byte> value)
    {
        if (value.Length <= MaxInt64Chars && RespNumber.TryParseInt64(value, out _)) return ValueEncoding.Int;
        return value.Length <= ValueEncoding.EmbStrLimit ? ValueEncoding.EmbStr : ValueEncoding.Raw;
    }

    /// <summary>Encoding of a freshly created string that is not an integer (INCRBYFLOAT results).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte EncodingOfText(int length) =>
        length <= ValueEncoding.EmbStrLimit ? ValueEncoding.EmbStr : ValueEncoding.Raw;

    /// <summary>
    /// OBJECT REFCOUNT: Redis shares one object for the integers 0..9999 (OBJ_SHARED_INTEGERS) and
    /// reports OBJ_SHARED_REFCOUNT for it; every other value has refcount 1.
    /// Assumes maxmemory is unset or its policy is not LRU/LFU (Redis then stops sharing).
    /// </summary>
    public static long RefCount(byte encoding, ReadOnlySpan<byte> value)
    {
        if (encoding == ValueEncoding.Int && RespNumber.TryParseInt64(value, out long v) && v >= 0 && v < 10000)
            return int.MaxValue;
        return 1;
    }
}
