using System;

namespace FastKv.Protocol;

/// <summary>
/// Redis Cluster key slots: CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0, no reflection) of
/// the key modulo 16384. A key with a hash tag hashes only the tag: the bytes between the first '{' and the
/// first '}' after it, when that part is not empty ("{user1000}.following"). Otherwise the whole key is
/// hashed ("foo{}{bar}"), exactly as Redis keyHashSlot.
/// </summary>
public static class KeySlot
{
    public const int SlotCount = 16384;

    private static readonly ushort[] s_table = BuildTable();

    /// <summary>The cluster slot of <paramref name="key"/>, 0..16383.</summary>
    public static int Slot(ReadOnlySpan<byte> key)
    {
        int open = key.IndexOf((byte)'{');
        if (open >= 0)
        {
            int close = key.Slice(open + 1).IndexOf((byte)'}');
            if (close > 0)
            {
                key = key.Slice(open + 1, close);
            }
        }

        return Crc16(key) & (SlotCount - 1);
    }

    /// <summary>CRC16-CCITT (XMODEM). CRC16("123456789") = 0x31C3.</summary>
    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort[] table = s_table;
        uint crc = 0;
        for (int i = 0; i < data.Length; i++)
        {
            crc = ((crc << 8) ^ table[((crc >> 8) ^ data[i]) & 0xFF]) & 0xFFFF;
        }

        return (ushort)crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            uint crc = (uint)i << 8;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }

            table[i] = (ushort)crc;
        }

        return table;
    }
}
