using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Memory;

/// <summary>
/// One key with its value, as one arena blob. The keyspace table stores a pointer to it.
/// <code>
///  offset  size  field
///   0      u8    [encoding:4][type:4]   ValueEncoding (what OBJECT ENCODING reports), ValueType
///   1      u8    flags        bit0 HasExpire, bit1 LongKey, bit2 InlineValue
///   2      u16   keyLen       when !LongKey (keys shorter than 65535 bytes)
///   4      u32   lru          LRU clock (seconds, 24 bits used) or LFU counter
///   8      u32   valLen
///  12      u32   allocSize    bytes obtained from the arena for this blob
///  16      i64   expireAtMs   only when HasExpire (unix milliseconds)
///  16|24   u32   keyLen       only when LongKey
///  ...           key bytes, then value bytes (valLen used, up to the capacity the blob leaves)
/// </code>
/// Sixteen bytes of header keep a memtier-style key with a 32-byte value in the 64-byte size
/// class (perf/RESULTS.md, bytes per key).
/// InlineValue marks a collection whose structure (a small listpack) is the value bytes themselves
/// instead of a pointer to it; the engine's <c>Collection</c> class says when and how.
/// </summary>
public static unsafe class KeyEntry
{
    public const int HeaderSize = 16;
    public const int ExpireSize = 8;
    public const byte FlagHasExpire = 1;
    public const byte FlagLongKey = 2;
    public const byte FlagInlineValue = 4;
    /// <summary>Keys this long or longer store their length as a u32 after the header.</summary>
    public const int LongKeyThreshold = ushort.MaxValue;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Type(byte* e) => (byte)(e[0] & 0x0F);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Encoding(byte* e) => (byte)(e[0] >> 4);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetEncoding(byte* e, byte enc)
    {
        Debug.Assert(enc < 16);
        e[0] = (byte)((e[0] & 0x0F) | (enc << 4));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasExpire(byte* e) => (e[1] & FlagHasExpire) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsInline(byte* e) => (e[1] & FlagInlineValue) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetInline(byte* e, bool inline)
        => e[1] = inline ? (byte)(e[1] | FlagInlineValue) : (byte)(e[1] & ~FlagInlineValue);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Lru(byte* e) => *(uint*)(e + 4);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetLru(byte* e, uint v) => *(uint*)(e + 4) = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int ExpireBytes(byte* e) => (e[1] & FlagHasExpire) << 3;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KeyLength(byte* e)
        => (e[1] & FlagLongKey) == 0 ? *(ushort*)(e + 2) : *(int*)(e + HeaderSize + ExpireBytes(e));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ValueLength(byte* e) => *(int*)(e + 8);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetValueLength(byte* e, int len) => *(int*)(e + 8) = len;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AllocSize(byte* e) => *(int*)(e + 12);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ExpireAt(byte* e) => HasExpire(e) ? *(long*)(e + HeaderSize) : -1;
    /// <summary>Only valid when HasExpire: the slot exists.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetExpireAt(byte* e, long ms) => *(long*)(e + HeaderSize) = ms;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int KeyOffset(byte* e) => HeaderSize + ExpireBytes(e) + ((e[1] & FlagLongKey) << 1);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* KeyPtr(byte* e) => e + KeyOffset(e);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Key(byte* e) => new(e + KeyOffset(e), KeyLength(e));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* ValuePtr(byte* e) => e + KeyOffset(e) + KeyLength(e);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<byte> Value(byte* e) => new(ValuePtr(e), ValueLength(e));
    /// <summary>Bytes the value may grow to without reallocating the blob.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ValueCapacity(byte* e) => AllocSize(e) - KeyOffset(e) - KeyLength(e);

    /// <summary>Blob size needed for a key and value.</summary>
    public static int SizeFor(int keyLen, int valCapacity, bool hasExpire)
        => HeaderSize + (hasExpire ? ExpireSize : 0) + (keyLen >= LongKeyThreshold ? 4 : 0) + keyLen + valCapacity;

    /// <summary>
    /// Writes the header and key into a fresh blob of <paramref name="allocSize"/> bytes.
    /// The caller copies the value to <see cref="ValuePtr"/>.
    /// </summary>
    public static void Init(byte* e, int allocSize, byte type, byte encoding, ReadOnlySpan<byte> key,
        int valLen, long expireAtMs, bool inlineValue = false)
    {
        Debug.Assert(type < 16 && encoding < 16);
        bool longKey = key.Length >= LongKeyThreshold;
        Debug.Assert(allocSize >= SizeFor(key.Length, valLen, expireAtMs >= 0));
        e[0] = (byte)(type | (encoding << 4));
        e[1] = (byte)((expireAtMs >= 0 ? FlagHasExpire : 0) | (longKey ? FlagLongKey : 0) | (inlineValue ? FlagInlineValue : 0));
        *(ushort*)(e + 2) = longKey ? ushort.MaxValue : (ushort)key.Length;
        *(uint*)(e + 4) = 0;
        *(int*)(e + 8) = valLen;
        *(int*)(e + 12) = allocSize;
        if (expireAtMs >= 0) *(long*)(e + HeaderSize) = expireAtMs;
        if (longKey) *(int*)(e + HeaderSize + ExpireBytes(e)) = key.Length;
        key.CopyTo(new Span<byte>(KeyPtr(e), key.Length));
    }
}
