using System;
using System.Runtime.CompilerServices;

namespace FastKv.Memory;

/// <summary>
/// One key with its value, as one arena blob. The keyspace table stores a pointer to it.
/// <code>
///  offset  size  field
///   0      u8    type        (ValueType)
///   1      u8    encoding    (ValueEncoding, what OBJECT ENCODING reports)
///   2      u8    flags       bit0: HasExpire
///   3      u8    reserved
///   4      u32   lru         LRU clock (seconds, 24 bits used) or LFU counter
///   8      u32   keyLen
///  12      u32   valLen
///  16      u32   allocSize   bytes obtained from the arena for this blob
///  20      u32   reserved
///  24      i64   expireAtMs  only when HasExpire (unix milliseconds)
///  24|32         key bytes, then value bytes (valLen used, up to the capacity the blob leaves)
/// </code>
/// </summary>
public static unsafe class KeyEntry
{
    public const int HeaderSize = 24;
    public const int ExpireSize = 8;
    public const byte FlagHasExpire = 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Type(byte* e) => e[0];
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Encoding(byte* e) => e[1];
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetEncoding(byte* e, byte enc) => e[1] = enc;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasExpire(byte* e) => (e[2] & FlagHasExpire) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Lru(byte* e) => *(uint*)(e + 4);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetLru(byte* e, uint v) => *(uint*)(e + 4) = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KeyLength(byte* e) => *(int*)(e + 8);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ValueLength(byte* e) => *(int*)(e + 12);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetValueLength(byte* e, int len) => *(int*)(e + 12) = len;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AllocSize(byte* e) => *(int*)(e + 16);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ExpireAt(byte* e) => HasExpire(e) ? *(long*)(e + HeaderSize) : -1;
    /// <summary>Only valid when HasExpire: the slot exists.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetExpireAt(byte* e, long ms) => *(long*)(e + HeaderSize) = ms;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int KeyOffset(byte* e) => HeaderSize + ((e[2] & FlagHasExpire) << 3);
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
        => HeaderSize + (hasExpire ? ExpireSize : 0) + keyLen + valCapacity;

    /// <summary>
    /// Writes the header and key into a fresh blob of <paramref name="allocSize"/> bytes.
    /// The caller copies the value to <see cref="ValuePtr"/>.
    /// </summary>
    public static void Init(byte* e, int allocSize, byte type, byte encoding, ReadOnlySpan<byte> key,
        int valLen, long expireAtMs)
    {
        e[0] = type;
        e[1] = encoding;
        e[2] = expireAtMs >= 0 ? FlagHasExpire : (byte)0;
        e[3] = 0;
        *(uint*)(e + 4) = 0;
        *(int*)(e + 8) = key.Length;
        *(int*)(e + 12) = valLen;
        *(int*)(e + 16) = allocSize;
        *(int*)(e + 20) = 0;
        if (expireAtMs >= 0) *(long*)(e + HeaderSize) = expireAtMs;
        key.CopyTo(new Span<byte>(KeyPtr(e), key.Length));
    }
}
