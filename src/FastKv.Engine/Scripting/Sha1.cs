using System;
using System.Buffers.Binary;
using System.Numerics;

namespace FastKv.Engine.Scripting;

/// <summary>
/// SHA-1 (FIPS 180-4), for script names (EVALSHA, SCRIPT LOAD) and redis.sha1hex. Our own, so the server needs no
/// OpenSSL: System.Security.Cryptography's SHA1 loads libssl on Linux. Checked against the FIPS vectors in the tests.
/// </summary>
public static class Sha1
{
    /// <summary>The digest of <paramref name="data"/> as 40 lowercase hex digits (Redis's sha1hex).</summary>
    public static string Hex(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[20];
        Hash(data, digest);
        return Convert.ToHexStringLower(digest);
    }

    public static void Hash(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        uint h0 = 0x67452301, h1 = 0xEFCDAB89, h2 = 0x98BADCFE, h3 = 0x10325476, h4 = 0xC3D2E1F0;
        Span<uint> w = stackalloc uint[80];
        Span<byte> tail = stackalloc byte[128];
        int full = data.Length / 64 * 64;
        for (int off = 0; off < full; off += 64) Block(data.Slice(off, 64), w, ref h0, ref h1, ref h2, ref h3, ref h4);
        // The padding: a 1 bit, zeros, then the length in bits, big-endian, filling one or two blocks.
        int rest = data.Length - full;
        data.Slice(full).CopyTo(tail);
        tail[rest] = 0x80;
        int blocks = rest + 9 <= 64 ? 1 : 2;
        tail.Slice(rest + 1, blocks * 64 - rest - 1).Clear();
        BinaryPrimitives.WriteUInt64BigEndian(tail.Slice(blocks * 64 - 8), (ulong)data.Length * 8);
        for (int b = 0; b < blocks; b++) Block(tail.Slice(b * 64, 64), w, ref h0, ref h1, ref h2, ref h3, ref h4);
        BinaryPrimitives.WriteUInt32BigEndian(digest, h0);
        BinaryPrimitives.WriteUInt32BigEndian(digest.Slice(4), h1);
        BinaryPrimitives.WriteUInt32BigEndian(digest.Slice(8), h2);
        BinaryPrimitives.WriteUInt32BigEndian(digest.Slice(12), h3);
        BinaryPrimitives.WriteUInt32BigEndian(digest.Slice(16), h4);
    }

    static void Block(ReadOnlySpan<byte> block, Span<uint> w, ref uint h0, ref uint h1, ref uint h2, ref uint h3, ref uint h4)
    {
        for (int i = 0; i < 16; i++) w[i] = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(i * 4));
        for (int i = 16; i < 80; i++) w[i] = BitOperations.RotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        uint a = h0, b = h1, c = h2, d = h3, e = h4;
        for (int i = 0; i < 80; i++)
        {
            uint f, k;
            if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
            else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
            else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
            else { f = b ^ c ^ d; k = 0xCA62C1D6; }
            uint t = BitOperations.RotateLeft(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = t;
        }
        h0 += a;
        h1 += b;
        h2 += c;
        h3 += d;
        h4 += e;
    }
}
