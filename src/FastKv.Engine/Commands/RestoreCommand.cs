using System;
using System.Buffers.Binary;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>
/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] (cluster.c's
/// restoreCommand): creates a key from a DUMP payload. The payload is one RDB value followed by a footer:
/// <code>
///  [rdb type u8][value bytes ...][rdb version u16 LE][crc64 u64 LE]      the CRC covers everything before it
/// </code>
/// Checks in Redis's order: the options, the key (BUSYKEY unless REPLACE), the TTL, the footer (a version above
/// the one we write, 11, or a wrong CRC), then the value itself (<see cref="RdbDecode"/>, always deeply validated:
/// "Bad data format" for anything malformed, duplicated or empty). A TTL that lands in the past creates nothing
/// but still deletes the key REPLACE named (with a "del" event), as Redis does.
/// </summary>
public static unsafe class RestoreCommand
{
    /// <summary>RDB_VERSION: the newest format this server reads and writes (Redis 7.2).</summary>
    public const int RdbVersion = 11;

    public const int FooterSize = 10;

    public static void Register(CommandTable t)
    {
        t.Add("restore", &Restore);
    }

    static void Restore(ref CommandContext c)
    {
        bool replace = false, absTtl = false;
        long lfuFreq = -1, lruIdle = -1;
        for (int j = 4; j < c.Count; j++)
        {
            int additional = c.Count - j - 1;
            if (c.ArgIs(j, "replace"u8)) replace = true;
            else if (c.ArgIs(j, "absttl"u8)) absTtl = true;
            else if (c.ArgIs(j, "idletime"u8) && additional >= 1 && lfuFreq == -1)
            {
                if (!c.TryInt(j + 1, out lruIdle)) return;
                if (lruIdle < 0) { c.W.Error("ERR Invalid IDLETIME value, must be >= 0"); return; }
                j++;
            }
            else if (c.ArgIs(j, "freq"u8) && additional >= 1 && lruIdle == -1)
            {
                if (!c.TryInt(j + 1, out lfuFreq)) return;
                if (lfuFreq < 0 || lfuFreq > 255) { c.W.Error("ERR Invalid FREQ value, must be >= 0 and <= 255"); return; }
                j++;
            }
            else { c.W.Error(Errors.Syntax); return; }
        }

        ReadOnlySpan<byte> key = c.Arg(1);
        Database db = c.Db;
        if (!replace && db.Find(key) != null)
        {
            c.W.Error("BUSYKEY Target key name already exists.");
            return;
        }
        if (!c.TryInt(2, out long ttl)) return;
        if (ttl < 0) { c.W.Error("ERR Invalid TTL value, must be >= 0"); return; }

        ReadOnlySpan<byte> payload = c.Arg(3);
        if (!VerifyFooter(payload, c.Shard.Server.SkipChecksumValidation))
        {
            c.W.Error(Errors.BadDumpPayload);
            return;
        }

        // Redis reads the value from the whole payload (the footer included) and ignores what follows it.
        var reader = new RdbReader(payload);
        if (!reader.TryReadByte(out byte type) || !RdbType.IsObjectType(type)
            || RdbDecode.Decode(c.Shard, ref reader, type, out RdbValue value) != RdbLoadResult.Ok)
        {
            c.W.Error("ERR Bad data format");
            return;
        }

        bool deleted = replace && db.Delete(key);
        // Redis adds the relative TTL to the command's time in plain 64-bit arithmetic: an overflow wraps into the past.
        if (ttl != 0 && !absTtl) ttl = unchecked(ttl + c.NowMs);
        if (ttl != 0 && KeyLookup.AlreadyExpired(c.Shard, ttl))
        {
            if (deleted)
            {
                c.Modified(1, NotifyClass.Generic, "del"u8);
                c.Dirty();
                if (c.Shard.Aof.On) AofForms.Delete(ref c, c.Shard.Server.Config.LazyfreeLazyServerDel);
            }
            RdbDecode.Discard(c.Shard.Arena, ref value);
            c.W.Ok();
            return;
        }

        byte* e = RdbDecode.Insert(c.Shard, db, key, ref value, ttl != 0 ? ttl : -1);
        AccessClock.SetIdleOrFreq(c.Shard, e, lfuFreq, lruIdle);
        c.Modified(1, NotifyClass.Generic, "restore"u8);
        c.W.Ok();
        c.Dirty();
        // A relative TTL is propagated absolute, with ABSTTL appended.
        if (ttl != 0 && !absTtl && c.Shard.Aof.On) AofForms.RestoreAbsolute(ref c, ttl);
    }

    /// <summary>verifyDumpPayload: at least the footer, a version we read, and the CRC-64 of everything before the CRC.</summary>
    /// <remarks><paramref name="skipCrc"/>: DEBUG SET-SKIP-CHECKSUM-VALIDATION 1, the CRC is not compared (the version is).</remarks>
    public static bool VerifyFooter(ReadOnlySpan<byte> payload, bool skipCrc)
    {
        if (payload.Length < FooterSize) return false;
        ReadOnlySpan<byte> footer = payload.Slice(payload.Length - FooterSize);
        if (BinaryPrimitives.ReadUInt16LittleEndian(footer) > RdbVersion) return false;
        if (skipCrc) return true;
        ulong crc = Crc64.Update(0, payload.Slice(0, payload.Length - 8));
        return crc == BinaryPrimitives.ReadUInt64LittleEndian(footer.Slice(2));
    }
}
