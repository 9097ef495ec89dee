using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastKv.Memory;

/// <summary>
/// The keyspace hash: XXH64 (Yann Collet's xxHash, 64-bit variant), implemented from its published
/// specification. Fast on short keys, full avalanche, and it has published test vectors.
/// <para>
/// How the bits are used by <see cref="KeyTable"/>:
/// <code>
///  63 ............ 32 31 ............. 0
///  [ directory prefix ][ bucket index   ]   top bits pick the segment, low 32 bits the bucket
///          [fp 39..32]                      fingerprint byte: bits 32..39 (0 maps to 1)
/// </code>
/// </para>
/// The keyspace seed is drawn at random when the process starts (snapshots do not store hashes),
/// so a client cannot precompute keys that crowd one segment of the table (hash flooding).
/// </summary>
public static class KeyHash
{
    /// <summary>A fixed seed, for tests that need reproducible hashes.</summary>
    public const ulong Seed = 0x46_61_73_74_4B_76_31_00; // "FastKv1\0"

    /// <summary>Seed of the keyspace hash: random per process.</summary>
    public static readonly ulong ProcessSeed = OsRandom.NextUInt64();

    const ulong Prime1 = 0x9E3779B185EBCA87;
    const ulong Prime2 = 0xC2B2AE3D27D4EB4F;
    const ulong Prime3 = 0x165667B19E3779F9;
    const ulong Prime4 = 0x85EBCA77C2B2AE63;
    const ulong Prime5 = 0x27D4EB2F165667C5;
    const int StripeSize = 32;

    /// <summary>Hash of a key with the keyspace seed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(ReadOnlySpan<byte> key) => Hash(key, ProcessSeed);

    /// <summary>XXH64 of <paramref name="data"/> with <paramref name="seed"/>.</summary>
    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        int len = data.Length;
        int pos = 0;
        ulong h;

        if (len >= StripeSize)
        {
            ulong v1 = seed + Prime1 + Prime2;
            ulong v2 = seed + Prime2;
            ulong v3 = seed;
            ulong v4 = seed - Prime1;
            int limit = len - StripeSize;
            do
            {
                v1 = Round(v1, Read64(ref p, pos));
                v2 = Round(v2, Read64(ref p, pos + 8));
                v3 = Round(v3, Read64(ref p, pos + 16));
                v4 = Round(v4, Read64(ref p, pos + 24));
                pos += StripeSize;
            } while (pos <= limit);

            h = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7)
              + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            h = MergeRound(h, v1);
            h = MergeRound(h, v2);
            h = MergeRound(h, v3);
            h = MergeRound(h, v4);
        }
        else
        {
            h = seed + Prime5;
        }

        h += (ulong)len;

        while (pos + 8 <= len)
        {
            h ^= Round(0, Read64(ref p, pos));
            h = BitOperations.RotateLeft(h, 27) * Prime1 + Prime4;
            pos += 8;
        }
        if (pos + 4 <= len)
        {
            h ^= Read32(ref p, pos) * Prime1;
            h = BitOperations.RotateLeft(h, 23) * Prime2 + Prime3;
            pos += 4;
        }
        while (pos < len)
        {
            h ^= Unsafe.Add(ref p, pos) * Prime5;
            h = BitOperations.RotateLeft(h, 11) * Prime1;
            pos++;
        }

        return Avalanche(h);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Round(ulong acc, ulong input)
    {
        acc += input * Prime2;
        acc = BitOperations.RotateLeft(acc, 31);
        return acc * Prime1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong MergeRound(ulong acc, ulong v)
    {
        acc ^= Round(0, v);
        return acc * Prime1 + Prime4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Avalanche(ulong h)
    {
        h ^= h >> 33;
        h *= Prime2;
        h ^= h >> 29;
        h *= Prime3;
        h ^= h >> 32;
        return h;
    }

    // Callers guarantee pos + 8 (resp. 4) <= data.Length, so the unaligned reads stay inside the span.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Read64(ref byte p, int pos)
    {
        ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, pos));
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Read32(ref byte p, int pos)
    {
        uint v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, pos));
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }
}
