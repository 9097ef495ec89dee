using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace FastKv.Engine;

/// <summary>
/// The framing of an RDB file around the records the shards serialize (Redis's rdbSaveRio): the magic and version,
/// the AUX fields, SELECTDB and RESIZEDB opcodes, EOF and the CRC-64 trailer. Records arrive as chunks with their
/// CRC already computed, which <see cref="Crc64.Combine"/> folds in without reading them again. Runs on the file
/// writer thread only.
/// </summary>
public sealed class RdbFileWriter
{
    readonly Stream output;
    readonly RdbWriteOptions options;
    readonly bool checksum;
    readonly byte[] scratch = new byte[512];
    ulong crc;
    long length;

    public RdbFileWriter(Stream output, in RdbWriteOptions options, bool checksum)
    {
        this.output = output;
        this.options = options;
        this.checksum = checksum;
    }

    /// <summary>Bytes written so far.</summary>
    public long Length => length;

    /// <summary>"REDIS00vv" and the AUX fields Redis 7.2 writes (rdbSaveInfoAuxFields).</summary>
    public void Header(long usedMemory, bool aofBase, byte[][] functions)
    {
        Raw(Encoding.ASCII.GetBytes("REDIS" + options.Version.ToString("D4")));
        Aux("redis-ver", ServerState.RedisVersion);
        Aux("redis-bits", "64");
        Aux("ctime", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString());
        Aux("used-mem", usedMemory.ToString());
        Aux("aof-base", aofBase ? "1" : "0");
        // FUNCTION2 records of a loaded file go back out as they came (each an encoded RDB string).
        foreach (byte[] f in functions)
        {
            scratch[0] = RdbOpcode.Function2;
            Raw(scratch.AsSpan(0, 1));
            Raw(f);
        }
    }

    void Aux(string key, string value)
    {
        int n = 0;
        scratch[n++] = RdbOpcode.Aux;
        n += RawString(scratch.AsSpan(n), key);
        n += RawString(scratch.AsSpan(n), value);
        Raw(scratch.AsSpan(0, n));
    }

    static int RawString(Span<byte> dst, string s)
    {
        int n = RdbEncode.EncodeLength(dst, (ulong)s.Length);
        n += Encoding.ASCII.GetBytes(s, dst.Slice(n));
        return n;
    }

    /// <summary>SELECTDB, then RESIZEDB with the database's key counts at the cut (negative: not the first time, none).</summary>
    public void SelectDb(int db, long keys, long expires)
    {
        int n = 0;
        scratch[n++] = RdbOpcode.SelectDb;
        n += RdbEncode.EncodeLength(scratch.AsSpan(n), (ulong)db);
        if (keys >= 0)
        {
            scratch[n++] = RdbOpcode.ResizeDb;
            n += RdbEncode.EncodeLength(scratch.AsSpan(n), (ulong)keys);
            n += RdbEncode.EncodeLength(scratch.AsSpan(n), (ulong)expires);
        }
        Raw(scratch.AsSpan(0, n));
    }

    /// <summary>Whole records whose CRC-64 the shard computed.</summary>
    public void Chunk(ReadOnlySpan<byte> records, ulong recordsCrc)
    {
        output.Write(records);
        crc = Crc64.Combine(crc, recordsCrc, records.Length);
        length += records.Length;
    }

    /// <summary>EOF and the checksum (eight zero bytes with rdbchecksum no, which loaders then skip).</summary>
    public void End()
    {
        scratch[0] = RdbOpcode.Eof;
        Raw(scratch.AsSpan(0, 1));
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(tail, checksum ? crc : 0);
        output.Write(tail);
        length += 8;
    }

    void Raw(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        crc = Crc64.Update(crc, bytes);
        length += bytes.Length;
    }
}

/// <summary>fsync of a directory, so a rename into it survives a crash (File.Move does not sync).</summary>
public static partial class DirectorySync
{
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);
    [LibraryImport("libc")]
    private static partial int close(int fd);

    public static void Fsync(string dir)
    {
        const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY
        int fd = open(dir, ReadOnlyDirectory);
        if (fd < 0) return;
        fsync(fd);
        close(fd);
    }
}
