using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace FastKv.Memory;

/// <summary>
/// Redis's zipmap, the small-hash encoding of Redis 2.x (RDB type 9). FastKv only reads it: it validates the bytes
/// and rebuilds them as a hash listpack (field, value, field, value ...).
/// <code>
///  [zmlen u8] ([len] field [len][free u8] value [free bytes])* [0xFF]
///  zmlen  the pair count when &lt; 254; 254 = count unknown
///  len    1 byte when &lt; 254, else 254 then a u32 (little-endian; only for lengths of 254 and more);
///         at a field position 0xFF ends the map
///  free   unused bytes after the value (left by in-place updates), skipped
/// </code>
/// Validation is Redis's deep zipmapValidateIntegrity: every length, field, value and free gap lies before the
/// terminator, at least one pair, and zmlen is 254 or the count; the conversion also refuses a field seen twice.
/// </summary>
public static class Zipmap
{
    const byte End = 0xFF;
    const byte BigLen = 254;

    /// <summary>
    /// Validates <paramref name="zm"/> and appends its pairs to <paramref name="builder"/>. <paramref name="pairs"/> is
    /// the pair count and <paramref name="maxLength"/> the longest field or value (the listpack-value threshold test).
    /// </summary>
    public static bool AppendTo(ReadOnlySpan<byte> zm, Listpack.Builder? builder, out int pairs, out long maxLength)
    {
        pairs = 0;
        maxLength = 0;
        if (zm.Length < 2 || zm[^1] != End) return false;
        ElementSet? fields = builder != null ? ElementSet.ForThread() : null;
        int last = zm.Length - 1;
        int p = 1;
        // Invariant: 1 <= p <= last (the terminator); every read is checked against last first.
        while (zm[p] != End)
        {
            if (!TryLength(zm, ref p, last, out long flen)) return false;
            if (flen > last - p) return false;
            ReadOnlySpan<byte> field = zm.Slice(p, (int)flen);
            p += (int)flen;
            if (p >= last) return false;
            if (!TryLength(zm, ref p, last, out long vlen)) return false;
            if (p >= last) return false;
            int free = zm[p++];
            if (vlen + free > last - p) return false;
            ReadOnlySpan<byte> value = zm.Slice(p, (int)vlen);
            p += (int)vlen + free;
            pairs++;
            maxLength = Math.Max(maxLength, Math.Max(flen, vlen));
            if (builder != null)
            {
                if (!fields!.Add(field)) return false;
                builder.Append(field);
                builder.Append(value);
            }
        }
        if (p != last || pairs == 0) return false;
        return zm[0] == BigLen || zm[0] == pairs;
    }

    /// <summary>Validation alone (no duplicate check).</summary>
    public static bool Validate(ReadOnlySpan<byte> zm, out int pairs) => AppendTo(zm, null, out pairs, out _);

    /// <summary>A zipmap length at <paramref name="p"/> (1 or 5 bytes), read only when it lies before <paramref name="last"/>.</summary>
    static bool TryLength(ReadOnlySpan<byte> zm, ref int p, int last, out long len)
    {
        byte b = zm[p];
        if (b < BigLen)
        {
            len = b;
            p += 1;
            return true;
        }
        len = 0;
        if (last - p < 5) return false;
        len = BinaryPrimitives.ReadUInt32LittleEndian(zm.Slice(p + 1));
        // Redis's zipmapNext sizes a length by its value, not its first byte, so a short length in the long form
        // would be walked differently than validated: refuse it (Redis never wrote one).
        if (len < BigLen) return false;
        p += 5;
        return true;
    }
}
