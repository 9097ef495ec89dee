using System;
using System.Text;

namespace FastKv.Server.Tests.Infrastructure;

/// <summary>
/// Redis Cluster's key slot: CRC16 (XMODEM) of the key, or of its first non-empty {tag}, mod 16384.
/// FastKv routes keys to shards by slot (DESIGN.md section 3); the tests use it to pick keys that
/// land on different shards whatever the slot-to-shard map is (spread over both slot ranges and residues).
/// Our own copy on purpose: the tests must not share code with the server they check.
/// </summary>
public static class KeySlot
{
    public static int Of(string key) => Of(Encoding.UTF8.GetBytes(key));

    public static int Of(ReadOnlySpan<byte> key)
    {
        int open = key.IndexOf((byte)'{');
        if (open >= 0)
        {
            int close = key[(open + 1)..].IndexOf((byte)'}');
            if (close > 0)
                key = key.Slice(open + 1, close);
        }
        return Crc16(key) & 16383;
    }

    public static int Crc16(ReadOnlySpan<byte> data)
    {
        int crc = 0;
        foreach (byte b in data)
        {
            crc ^= b << 8;
            for (int i = 0; i < 8; i++)
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            crc &= 0xFFFF;
        }
        return crc;
    }
}
