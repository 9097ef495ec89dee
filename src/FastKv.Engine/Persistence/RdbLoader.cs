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
public sealed partial class RdbLoader : ILoadProgress
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
    bool checksumDisabled;
    string? shardError;
    long shardErrorAt = long.MaxValue;
    readonly object shardErrorLock = new();
    /// <summary>The place in the file of the next record the reader routes to a shard.</summary>
    long recordOrdinal;
    public long KeysLoaded, KeysExpired;
    /// <summary>The file's used-mem AUX field (INFO loading_rdb_used_mem).</summary>
    public long RdbUsedMem;
    /// <summary>Keys that exist are replaced (DEBUG RELOAD MERGE).</summary>
    public bool Replace;
    /// <summary>
    /// Keys whose time passed are loaded too (Redis's RDBFLAGS_AOF_PREAMBLE): an AOF's base is followed by commands
    /// that may still touch them, so they stay until the load is over and expiry takes them as usual.
    /// </summary>
    public bool KeepExpired;
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

    /// <summary>The file's size when it was opened, 0 when it has none (a pipe): INFO loading_total_bytes.</summary>
    public long TotalBytes => fileLength;

    long ILoadProgress.LoadedBytes => Consumed;
    long ILoadProgress.UsedMemAtSave => Volatile.Read(ref RdbUsedMem);

    /// <summary>When the load started, in Unix milliseconds (INFO loading_start_time).</summary>
    public long StartedMs => loadStartMs;

    /// <summary>
    /// Loads <paramref name="path"/> into the (empty) shards. Null when it loaded (or does not exist), else Redis's log
    /// line for the failure. The shards' loops must be running: they decode the batches.
    /// </summary>
    /// <paramref name="replace"/>: a key that exists is replaced (DEBUG RELOAD MERGE) instead of failing the load.
    /// <paramref name="keepExpired"/>: keys whose time passed are loaded too (the RDB form of an AOF base).
    public static string? Load(ServerState server, string path, out RdbLoader? loader, bool replace = false, bool keepExpired = false)
    {
        loader = null;
        // Redis opens a directory of that name and fails its first read.
        if (Directory.Exists(path)) return ShortReadLine + "\nInternal error in RDB reading offset 0 -> Unexpected EOF reading RDB file";
        if (!File.Exists(path)) return null;
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan); }
        catch (UnauthorizedAccessException)
        {
            return "Fatal error loading the DB: Permission denied. Exiting.";
        }
        catch (IOException ex)
        {
            return "Fatal error loading the DB: " + ex.Message + ". Exiting.";
        }
        using (fs)
        {
            loader = new RdbLoader(server, fs, fs.CanSeek ? fs.Length : 0) { Replace = replace, KeepExpired = keepExpired };
            // An AOF's RDB base reports through the AOF's load, whose total spans every file; a load of its own stays
            // registered until the caller ends the loading (ServerState.EndLoading).
            ILoadProgress? outer = server.LoadInProgress;
            if (outer is AofLoader aof) aof.RdbPart = loader;
            else server.LoadInProgress = loader;
            try { return loader.Run(); }
            finally
            {
                if (outer is AofLoader a) a.RdbPartDone(loader);
            }
        }
    }

    string? Run()
    {
        string? error;
        try { error = ReadAll(); }
        // A failed read and a failed allocation both end in Redis's eoferr path.
        catch (Exception ex) when (ex is IOException or OutOfMemoryException) { error = ShortRead(); }
        catch (Exception ex)
        {
            // A bug must not turn a bad file into a crash trace (or a save over the file): report it as the file's error.
            error = Corrupt(ex.GetType().Name + ": " + ex.Message);
        }
        // Whatever happened, every batch sent is decoded before the result is known.
        foreach (var s in shards) s.Flush(final: true);
        foreach (var s in shards) s.WaitIdle();
        // A shard's error is about a record before the reader's position: it comes first in the file, as in Redis.
        error = Volatile.Read(ref shardError) ?? error;
        // Redis notes this when it reaches the trailer, after every record loaded.
        if (error == null && checksumDisabled) Log("RDB file was saved with checksum disabled: no check performed.");
        return error;
    }

    /// <summary>The ordinal of the first record in the file that a shard failed on (long.MaxValue while none has).</summary>
    internal long FirstShardError => Volatile.Read(ref shardErrorAt);

    /// <summary>
    /// A shard failed on record <paramref name="ordinal"/>. Shards decode in parallel, so failures can arrive out of
    /// file order; the one kept is the first in the file, the one Redis's sequential load would report.
    /// </summary>
    internal void ShardFailed(long ordinal, string error)
    {
        // Only on a bad file, once per shard: a lock is simplest.
        lock (shardErrorLock)
        {
            if (ordinal >= shardErrorAt) return;
            shardError = error;
            Volatile.Write(ref shardErrorAt, ordinal);
        }
    }

    string? ReadAll()
    {
        if (!Fill(9)) return ShortRead();
        ReadOnlySpan<byte> magic = buf.AsSpan(start, 9);
        if (!magic.StartsWith("REDIS"u8)) return "Wrong signature trying to load DB from file";
        // atoi on the four digits, as Redis reads them: a non-digit ends the number.
        int version = 0;
        for (int i = 5; i < 9 && magic[i] >= '0' && magic[i] <= '9'; i++) version = version * 10 + magic[i] - '0';
        if (version < 1 || version > 11) return "Can't handle RDB format version " + version;
        Consume(9);
        int db = 0;
        long expireAt = -1;
        byte lruKind = 0;
        long lruValue = 0;
        while (true)
        {
            // A shard failed (its error is the answer), or SHUTDOWN or a signal came: the caller stops without saving.
            if (Volatile.Read(ref shardError) != null || server.ShutdownRequested) return null;
            if (!Fill(1)) return ShortRead();
            byte type = buf[start];
            switch (type)
            {
                case RdbOpcode.ExpireTime:
                    if (!Fill(5)) return ShortRead();
                    expireAt = BinaryPrimitives.ReadInt32LittleEndian(buf.AsSpan(start + 1)) * 1000L;
                    Consume(5);
                    continue;
                case RdbOpcode.ExpireTimeMs:
                    if (!Fill(9)) return ShortRead();
                    expireAt = BinaryPrimitives.ReadInt64LittleEndian(buf.AsSpan(start + 1));
                    Consume(9);
                    continue;
                case RdbOpcode.Freq:
                    if (!Fill(2)) return ShortRead();
                    lruKind = 2;
                    lruValue = buf[start + 1];
                    Consume(2);
                    continue;
                case RdbOpcode.Idle:
                {
                    if (ReadLengths(1, out ulong idle, out _) is { } error) return error;
                    lruKind = 1;
                    lruValue = (long)Math.Min(idle, long.MaxValue);
                    continue;
                }
                case RdbOpcode.SelectDb:
                {
                    if (ReadLengths(1, out ulong id, out _) is { } error) return error;
                    if (id >= (ulong)server.Config.Databases)
                        return "FATAL: Data file was created with a Redis server configured to handle more than "
                               + server.Config.Databases + " databases. Exiting";
                    db = (int)id;
                    continue;
                }
                case RdbOpcode.ResizeDb:
                {
                    if (ReadLengths(2, out ulong dbSize, out _) is { } error) return error;
                    ReserveKeys(db, dbSize);
                    continue;
                }
                case RdbOpcode.Aux:
                {
                    if (ReadAux() is { } error) return error;
                    continue;
                }
                case RdbOpcode.Function2:
                {
                    if (FrameStrings(1, out int size) is { } error) return error;
                    var f = Functions;
                    Array.Resize(ref f, f.Length + 1);
                    f[^1] = buf.AsSpan(start + 1, size).ToArray();
                    Functions = f;
                    Consume(1 + size);
                    continue;
                }
                case RdbOpcode.ModuleAux:
                    return ModuleAux();
                case RdbOpcode.FunctionPre:
                    return Corrupt("Pre-release function format not supported.");
                case RdbOpcode.Eof:
                    Consume(1);
                    return Trailer(version);
            }
            // A key: Redis reads the key before it looks at the value's type.
            if (FrameStrings(1, out int keyLen) is { } keyError) return keyError;
            if (!RdbType.IsObjectType(type)) return Corrupt("Unknown RDB encoding type " + type);
            if (type == RdbType.ModulePre) return Corrupt("Pre-release module format not supported");
            if (type == RdbType.Module2) return ModuleValue(keyLen);
            // The value, framed by lengths only; the window grows until the whole record fits.
            int valueLen;
            while (!RdbDecode.TryMeasureValue(Window(1 + keyLen), type, out valueLen))
            {
                if (type == RdbType.String && Malformed(Window(1 + keyLen), 1) is { } why) return Corrupt(why);
                if (!Grow()) return ShortRead();
            }
            int keyStart = start + 1, valueStart = keyStart + keyLen;
            var kr = new RdbReader(buf.AsSpan(keyStart, keyLen));
            if (!kr.TryReadString(out ReadOnlySpan<byte> key)) return Corrupt(Malformed(buf.AsSpan(keyStart, keyLen), 1) ?? "Invalid key");
            // -1 is "no expire" in Redis too; any other time before the load started is gone, negative ones included.
            bool expired = !KeepExpired && expireAt != -1 && expireAt < loadStartMs;
            if (expired)
            {
                // Redis decodes the value before it drops the key, so a malformed string (bad LZF) still fails the load.
                if (RdbType.IsOneString(type) && Malformed(buf.AsSpan(valueStart, valueLen), 1) is { } why)
                    return "Internal error in RDB reading offset 0 -> " + why;
                KeysExpired++;
            }
            else
            {
                Volatile.Write(ref KeysLoaded, KeysLoaded + 1);
                // Kept expired keys (an AOF base) keep a time in the past; a negative one would read as "no expire"
                // in the keyspace, where Redis has the key expired, so it becomes the epoch.
                if (expireAt < -1) expireAt = 0;
                shards[server.ShardOf(key).Id].Add(recordOrdinal++, db, expireAt, lruKind, lruValue, type, key, buf.AsSpan(valueStart, valueLen));
            }
            Consume(1 + keyLen + valueLen);
            expireAt = -1;
            lruKind = 0;
            // key-load-delay: every key read, loaded or expired, as in rdbLoadRioWithLoadingCtx.
            int delay = server.Config.KeyLoadDelay;
            if (delay != 0) LoadDelay.Pause(delay);
        }
    }

    /// <summary>
    /// RESIZEDB: each shard sizes its table of <paramref name="db"/> for its part of the keys before they arrive, as
    /// Redis expands its dict. The count is the file's word, so it is believed only up to a key per eight bytes of the
    /// file (the table then costs about what the file holds; a file of smaller records gets the rest by splits), and a
    /// file without a length (a pipe) gets no reserve.
    /// </summary>
    void ReserveKeys(int db, ulong dbSize)
    {
        if (fileLength <= 0 || dbSize == 0) return;
        long keys = (long)Math.Min(dbSize, (ulong)fileLength / 8);
        foreach (ShardBatchState s in shards) s.Reserve(db, keys / shards.Length);
    }

    /// <summary>The window after <paramref name="skip"/> bytes.</summary>
    Span<byte> Window(int skip) => buf.AsSpan(start + skip, end - start - skip);

    /// <summary>Reads more of the file into the window (at least doubling it); false at end of file.</summary>
    bool Grow()
    {
        if (eof) return false;
        int have = end - start;
        // The window never asks for more than the file holds: a forged length in a small file fails here, not in an allocation.
        long left = fileLength > 0 ? fileLength - consumed : Array.MaxLength;
        if (left <= have) return false;
        Fill((int)Math.Min(Math.Max(2L * have, 1 << 16), Math.Min(left, Array.MaxLength)));
        return end - start > have;
    }

    string? Trailer(int version)
    {
        if (version < 5) return null;
        if (!Fill(8)) return ShortRead();
        ulong computed = crc;
        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(buf.AsSpan(start, 8));
        Consume(8);
        if (!server.Config.RdbChecksum || server.SkipChecksumValidation) return null;
        if (stored == 0) checksumDisabled = true;
        else if (stored != computed)
            return $"Wrong RDB checksum expected: ({computed:x}) but got ({stored:x}). Aborting now.\n" + Corrupt("RDB CRC error");
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
