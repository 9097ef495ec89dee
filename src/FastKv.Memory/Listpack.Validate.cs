namespace FastKv.Memory;

/// <summary>
/// Full integrity check for blobs from untrusted input (RDB, RESTORE), as Redis's lpValidateIntegrity
/// with deep checking. A blob that passes can be walked both ways by the unchecked readers: every entry's
/// encoding is known, its header, data and backlen lie before the terminator, its backlen decodes right to
/// left in exactly the canonical number of bytes to the entry's encoding+data length (so Next and Prev
/// agree), the entries end exactly at the terminator, and the header's total and count are right.
/// </summary>
public static unsafe partial class Listpack
{
    /// <summary>True when the <paramref name="size"/> bytes at <paramref name="lp"/> are a well-formed listpack.
    /// Reads only inside [lp, lp + size).</summary>
    public static bool Validate(byte* lp, int size)
    {
        if (size < EmptySize) return false;
        if (ReadU32(lp) != (uint)size) return false;
        byte* end = lp + size - 1; // the terminator
        if (*end != Eof) return false;

        long n = 0;
        byte* p = lp + HeaderSize;
        // Invariant: HeaderSize <= p - lp <= size - 1; every read below is checked against end first.
        while (p < end)
        {
            long available = end - p;
            if (!TryEncodedLength(p, available, out long encLen)) return false;
            int backlenSize = BacklenSize(encLen);
            if (encLen + backlenSize > available) return false;
            if (!BacklenMatches(p + encLen, backlenSize, encLen)) return false;
            p += encLen + backlenSize;
            n++;
        }
        if (p != end) return false;
        ushort count = HeaderCount(lp);
        return count == CountUnknown || count == n;
    }

    /// <summary>The encoding+data length of the entry at <paramref name="p"/>, reading only its header bytes
    /// and only when they lie within <paramref name="available"/> bytes; false for an unknown encoding.</summary>
    static bool TryEncodedLength(byte* p, long available, out long encLen)
    {
        encLen = 0;
        byte b = *p; // available >= 1
        if ((b & Uint7Mask) == Uint7) { encLen = 1; return true; }
        if ((b & Str6Mask) == Str6) { encLen = 1 + (b & Str6MaxLen); return true; }
        if ((b & Int13Mask) == Int13) { encLen = 2; return true; }
        if ((b & Str12Mask) == Str12)
        {
            if (available < 2) return false;
            encLen = 2 + (((b & 0x0F) << 8) | p[1]);
            return true;
        }
        switch (b)
        {
            case Int16: encLen = 3; return true;
            case Int24: encLen = 4; return true;
            case Int32: encLen = 5; return true;
            case Int64: encLen = 9; return true;
            case Str32:
                if (available < 5) return false;
                encLen = 5 + (long)ReadU32(p + 1);
                return true;
        }
        return false; // 0xF5..0xFE are unused; 0xFF before the end is a stray terminator
    }

    /// <summary>Whether the <paramref name="size"/> bytes at <paramref name="q"/> are the canonical backlen of
    /// <paramref name="encLen"/>: right to left, every byte but the leftmost flagged "more", value equal.</summary>
    static bool BacklenMatches(byte* q, int size, long encLen)
    {
        long value = 0;
        for (int i = 0; i < size; i++)
        {
            byte b = q[size - 1 - i];
            bool more = (b & BacklenMore) != 0;
            if (more != (i < size - 1)) return false;
            value |= (long)(b & BacklenBits) << (7 * i);
        }
        return value == encLen;
    }
}
