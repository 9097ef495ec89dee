using System;
using System.Buffers.Binary;
using System.IO;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Loads an RDB file (persistence design 2): one reader thread (the caller) frames the file's records by their
/// lengths only, checks the CRC-64 over every byte, and routes each key's raw record to the shard that owns its
/// slot in batches; the shards decode their batches in parallel, in their own loops, into their own arenas
/// (<see cref="ShardBatchState"/>). Any error gives Redis's log line and leaves every file as it was.
/// </summary>
public sealed class RdbLoader
{
    readonly ServerState server;
    readonly Stream input;
    readonly long fileLength;
    readonly ShardBatchState[] shards;
    readonly long loadStartMs;
    byte[] buf = new byte[1 << 20];
    int start, end;
    long consumed;
    bool eof;
    ulong crc;
    string? shardError;
    public long KeysLoaded, KeysExpired;
    /// <summary>Keys that exist are replaced (DEBUG RELOAD MERGE).</summary>
    public bool Replace;
    /// <summary>Empty collections skipped (Redis logs the first ten).</summary>
    public long EmptyKeysSkipped;

    /// <summary>The functions (FUNCTION2 records) the file held, kept to be written back into the next RDB.</summary>
    public byte[][] Functions = Array.Empty<byte[]>();

    RdbLoader(ServerState server, Stream input, long fileLength)
    {
        this.server = server;
        this.input = input;
        this.fileLength = fileLength;
        loadStartMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        shards = new ShardBatchState[server.Shards.Length];
        for (int i = 0; i < shards.Length; i++) shards[i] = new ShardBatchState(this, server.Shards[i]);
    }

    /// <summary>Bytes read so far (INFO loading_loaded_bytes).</summary>
    public long Consumed => Interlocked.Read(ref consumed);

    /// <summary>
    /// Loads <paramref name="path"/> into the (empty) shards. Null when it loaded (or does not exist), else Redis's log
    /// line for the failure. The shards' loops must be running: they decode the batches.
    /// </summary>
    /// <paramref name="replace"/>: a key that exists is replaced (DEBUG RELOAD MERGE) instead of failing the load.
    public static string? Load(ServerState server, string path, out RdbLoader? loader, bool replace = false)
    {
        loader = null;
        if (!File.Exists(path)) return null;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        loader = new RdbLoader(server, fs, fs.Length) { Replace = replace };
        return loader.Run();
    }

    string? Run()
    {
        string? error;
        try { error = ReadAll(); }
        catch (IOException ex) { error = "Short read or OOM loading DB. Unrecoverable error, aborting now. (" + ex.Message + ")"; }
        // Whatever happened, every batch sent is decoded before the result is known.
        foreach (var s in shards) s.Flush(final: true);
        foreach (var s in shards) s.WaitIdle();
        return error ?? Volatile.Read(ref shardError);
    }

    internal void ShardFailed(string error) => Interlocked.CompareExchange(ref shardError, error, null);

    string? ReadAll()
    {
        const string ShortRead = "Short read or OOM loading DB. Unrecoverable error, aborting now.";
        if (!Fill(9)) return ShortRead;
        ReadOnlySpan<byte> magic = buf.AsSpan(start, 9);
        if (!magic.StartsWith("REDIS"u8)) return "Wrong signature trying to load DB from file";
        int version = 0;
        for (int i = 5; i < 9; i++)
        {
            if (magic[i] < '0' || magic[i] > '9') return "Wrong signature trying to load DB from file";
            version = version * 10 + magic[i] - '0';
        }
        if (version < 1 || version > 11) return "Can't handle RDB format version " + version;
        Consume(9);
        int db = 0;
        long expireAt = -1;
        byte lruKind = 0;
        long lruValue = 0;
        while (true)
        {
            if (Volatile.Read(ref shardError) != null) return null;
            if (!Fill(1)) return ShortRead;
            byte type = buf[start];
            int need = 1;
            switch (type)
            {
                case RdbOpcode.ExpireTime:
                    if (!Fill(5)) return ShortRead;
                    expireAt = BinaryPrimitives.ReadInt32LittleEndian(buf.AsSpan(start + 1)) * 1000L;
                    Consume(5);
                    continue;
                case RdbOpcode.ExpireTimeMs:
                    if (!Fill(9)) return ShortRead;
                    expireAt = BinaryPrimitives.ReadInt64LittleEndian(buf.AsSpan(start + 1));
                    Consume(9);
                    continue;
                case RdbOpcode.Freq:
                    if (!Fill(2)) return ShortRead;
                    lruKind = 2;
                    lruValue = buf[start + 1];
                    Consume(2);
                    continue;
                case RdbOpcode.Idle:
                {
                    ulong idle;
                    while (true)
                    {
                        var r = new RdbReader(Window(1));
                        if (r.TryReadLength(out idle)) { Consume(1 + r.Position); break; }
                        if (!Grow()) return ShortRead;
                    }
                    lruKind = 1;
                    lruValue = (long)Math.Min(idle, long.MaxValue);
                    continue;
                }
                case RdbOpcode.SelectDb:
                {
                    ulong id;
                    while (true)
                    {
                        var r = new RdbReader(Window(1));
                        if (r.TryReadLength(out id)) { Consume(1 + r.Position); break; }
                        if (!Grow()) return ShortRead;
                    }
                    if (id >= (ulong)server.Config.Databases)
                        return "FATAL: Data file was created with a Redis server configured to handle more than "
                               + server.Config.Databases + " databases. Exiting";
                    db = (int)id;
                    continue;
                }
                case RdbOpcode.ResizeDb:
                    while (true)
                    {
                        var r = new RdbReader(Window(1));
                        if (r.TryReadLength(out _) && r.TryReadLength(out _)) { Consume(1 + r.Position); break; }
                        if (!Grow()) return ShortRead;
                    }
                    continue;
                case RdbOpcode.Aux:
                    while (true)
                    {
                        var r = new RdbReader(Window(1));
                        if (r.TrySkipString() && r.TrySkipString()) { Consume(1 + r.Position); break; }
                        if (!Grow()) return ShortRead;
                    }
                    continue;
                case RdbOpcode.Function2:
                    while (true)
                    {
                        var r = new RdbReader(Window(1));
                        if (r.TrySkipString())
                        {
                            var f = Functions;
                            Array.Resize(ref f, f.Length + 1);
                            f[^1] = buf.AsSpan(start + 1, r.Position).ToArray();
                            Functions = f;
                            Consume(1 + r.Position);
                            break;
                        }
                        if (!Grow()) return ShortRead;
                    }
                    continue;
                case RdbOpcode.ModuleAux:
                case RdbOpcode.FunctionPre:
                    return "Internal error in RDB reading offset 0, function at rdb.c:0 -> Unknown RDB encoding type " + type
                           + " (FastKv loads no modules)";
                case RdbOpcode.Eof:
                    Consume(1);
                    return Trailer(version);
            }
            if (!RdbType.IsObjectType(type) || type is RdbType.ModulePre or RdbType.Module2)
                return "Internal error in RDB reading offset " + consumed + ", function at rdb.c:0 -> Unknown RDB encoding type " + type;
            if (type is RdbType.StreamListpacks or RdbType.StreamListpacks2 or RdbType.StreamListpacks3)
                return "Internal error in RDB reading offset " + consumed + " -> stream keys are not supported yet";
            // key string then value, framed by lengths only; the window grows until the whole record fits.
            int keyStart = 0, keyLen = 0, valueStart = 0, valueLen = 0;
            while (true)
            {
                var r = new RdbReader(buf.AsSpan(start + need, end - start - need));
                if (r.TrySkipString())
                {
                    keyLen = r.Position;
                    if (RdbDecode.TryMeasureValue(buf.AsSpan(start + need + keyLen, end - start - need - keyLen), type, out valueLen))
                    {
                        keyStart = start + need;
                        valueStart = keyStart + keyLen;
                        break;
                    }
                }
                if (!Grow()) return ShortRead;
            }
            var kr = new RdbReader(buf.AsSpan(keyStart, keyLen));
            if (!kr.TryReadString(out ReadOnlySpan<byte> key)) return ShortRead;
            bool expired = expireAt >= 0 && expireAt < loadStartMs;
            if (expired) KeysExpired++;
            else
            {
                KeysLoaded++;
                shards[server.ShardOf(key).Id].Add(db, expireAt, lruKind, lruValue, type, key, buf.AsSpan(valueStart, valueLen));
            }
            Consume(need + keyLen + valueLen);
            expireAt = -1;
            lruKind = 0;
        }
    }

    /// <summary>The window after <paramref name="skip"/> bytes.</summary>
    Span<byte> Window(int skip) => buf.AsSpan(start + skip, end - start - skip);

    /// <summary>Reads more of the file into the window (at least doubling it); false at end of file.</summary>
    bool Grow()
    {
        if (eof) return false;
        int have = end - start;
        Fill(Math.Max(2 * have, 1 << 16));
        return end - start > have;
    }

    string? Trailer(int version)
    {
        if (version < 5) return null;
        if (!Fill(8)) return "Short read or OOM loading DB. Unrecoverable error, aborting now.";
        ulong expected = crc;
        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(buf.AsSpan(start, 8));
        Consume(8);
        if (stored != 0 && server.Config.RdbChecksum && stored != expected)
            return $"Wrong RDB checksum expected: ({stored:x}) but got ({expected:x}). Aborting now.";
        return null;
    }

    /// <summary>Makes at least <paramref name="n"/> bytes available at the window's start; false at end of file.</summary>
    bool Fill(int n)
    {
        if (end - start >= n) return true;
        if (start > 0)
        {
            Buffer.BlockCopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        if (buf.Length < n) Array.Resize(ref buf, Math.Max(n, 2 * buf.Length));
        while (end < n && !eof)
        {
            int got = input.Read(buf, end, buf.Length - end);
            if (got <= 0) eof = true;
            else end += got;
        }
        return end - start >= n;
    }

    void Consume(int n)
    {
        crc = Crc64.Update(crc, buf.AsSpan(start, n));
        start += n;
        Interlocked.Add(ref consumed, n);
    }
}
