using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// Loads a Redis 7 multi-part AOF directory at startup (persistence design 3, "Loading"), as Redis 7.2.4's
/// loadAppendOnlyFiles and aofOpenIfNeededOnServerStart do: an old single <c>appendonly.aof</c> is moved into the
/// directory first, the base and every INCR file load in manifest order, and on return the manifest names an INCR
/// file that exists on disk (a fresh start creates an empty base and the first INCR). Every log line and every fatal
/// message is Redis's. The shards' loops must be running (the replay runs on them) and the server loading.
/// </summary>
public sealed partial class AofLoader : ILoadProgress
{
    enum Result { Ok, NotExist, Empty, Truncated, Failed, OpenErr }

    readonly ServerState server;
    readonly ServerConfig config;
    readonly string dir;
    AofReplay? replay;
    /// <summary>The fatal log lines (Redis logs them before it exits 1).</summary>
    string? fatal;
    long startMs, totalBytes, doneBytes, filePosition;
    /// <summary>The RDB base (or preamble) being loaded, whose own progress is the current file's.</summary>
    internal volatile RdbLoader? RdbPart;
    /// <summary>The used-mem AUX field of the RDB part once loaded: Redis keeps reporting it until the load ends.</summary>
    long rdbUsedMem;
    /// <summary>Keys the RDB part loaded once it ended (-1 before): Redis's rdb_last_load_keys_loaded from then on.</summary>
    long rdbKeysLoaded = -1;

    /// <summary>rdb_last_load_keys_loaded while this load runs: the RDB part's count so far or at its end; -1 before one.</summary>
    internal long RdbKeysLoaded => RdbPart is { } r ? Volatile.Read(ref r.KeysLoaded) : Interlocked.Read(ref rdbKeysLoaded);

    /// <summary>
    /// The RDB part ends: its progress becomes the file's (so loading_loaded_bytes never goes back while the commands
    /// after it start), and its used-mem stays reported, as Redis's loadingAbsProgress and loading_rdb_used_mem do.
    /// </summary>
    internal void RdbPartDone(RdbLoader part)
    {
        Interlocked.Exchange(ref filePosition, part.Consumed);
        Interlocked.Exchange(ref rdbUsedMem, Volatile.Read(ref part.RdbUsedMem));
        Interlocked.Exchange(ref rdbKeysLoaded, Volatile.Read(ref part.KeysLoaded));
        RdbPart = null;
    }

    long ILoadProgress.StartedMs => startMs;
    long ILoadProgress.TotalBytes => totalBytes;
    /// <summary>Files done, plus the position in the current one (Redis's loadingIncrProgress over every file).</summary>
    long ILoadProgress.LoadedBytes => Interlocked.Read(ref doneBytes) + (RdbPart?.Consumed ?? Interlocked.Read(ref filePosition));
    long ILoadProgress.UsedMemAtSave => RdbPart is { } r ? Volatile.Read(ref r.RdbUsedMem) : Interlocked.Read(ref rdbUsedMem);

    AofLoader(ServerState server)
    {
        this.server = server;
        config = server.Config;
        dir = config.AofDirPath;
    }

    /// <summary>
    /// Loads the AOF directory. Null when the server may go on (nothing to load included), else Redis's fatal log
    /// lines. <paramref name="existed"/>: there was an AOF to load (Redis then logs "DB loaded from append only file").
    /// </summary>
    public static string? Load(ServerState server, out AofManifest manifest, out bool existed)
    {
        var loader = new AofLoader(server);
        manifest = new AofManifest();
        existed = false;
        AofManifest? am = AofManifest.Load(loader.dir, server.Config.AppendFilename, out string? error);
        if (error != null) return error;
        if (am != null) manifest = am;
        Result r = loader.LoadAll(manifest);
        if (r is Result.Failed or Result.OpenErr) return loader.fatal ?? "";
        if (server.ShutdownRequested) return null;
        existed = r != Result.NotExist;
        return loader.OpenOnStart(manifest) ?? loader.DeleteHistory(manifest);
    }

    /// <summary>
    /// DEBUG LOADAOF: the manifest as it is on disk, then the base and every INCR file, into the emptied databases
    /// (the server loading). True when loaded, or nothing to load (Redis's AOF_OK and AOF_EMPTY); otherwise Redis's
    /// log lines are written and the reply is an error. The writer keeps its own manifest: the files are the same.
    /// </summary>
    public static bool Reload(ServerState server)
    {
        var loader = new AofLoader(server);
        AofManifest? am = AofManifest.Load(loader.dir, server.Config.AppendFilename, out string? error);
        if (error != null)
        {
            Log(error);
            return false;
        }
        // Redis's aofLoadManifestFromDisk, then aofDelHistoryFiles, before the files load.
        server.Aof.ManifestReloaded(am ?? new AofManifest());
        Result r = loader.LoadAll(am ?? new AofManifest());
        if (loader.fatal != null && r is not (Result.Ok or Result.Empty)) Log(loader.fatal);
        return r is Result.Ok or Result.Empty;
    }

    /// <summary>See <see cref="Load(ServerState, out AofManifest, out bool)"/>.</summary>
    public static string? Load(ServerState server, out AofManifest manifest) => Load(server, out manifest, out _);

    static void Log(string line) => Console.WriteLine(line);

    static string Seconds(long startTimestamp) =>
        Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>loadAppendOnlyFiles.</summary>
    Result LoadAll(AofManifest am)
    {
        string name = config.AppendFilename;
        // An AOF from before Redis 7 sits in dir itself: move it in as the base (aofUpgradePrepare), unless the
        // directory already holds a newer history.
        if (File.Exists(Path.Combine(config.Dir, name)))
        {
            if (!Directory.Exists(dir) || (am.Base == null && am.Incrs.Count == 0) ||
                (am.Base != null && am.Incrs.Count == 0 && am.Base.Name == name && !File.Exists(Path.Combine(dir, name))))
            {
                if (UpgradePrepare(am) is { } err)
                {
                    fatal = err;
                    return Result.Failed;
                }
            }
        }
        if (am.Base == null && am.Incrs.Count == 0) return Result.NotExist;

        // Every file the manifest names must be there (its size is the load's total, for INFO).
        long total = 0;
        int totalNum = (am.Base != null ? 1 : 0) + am.Incrs.Count;
        foreach (AofFileInfo f in am.Base != null ? Prepend(am.Base, am) : am.Incrs.ToArray())
        {
            var fi = new FileInfo(Path.Combine(dir, f.Name));
            if (!fi.Exists)
            {
                fatal = "Unable to obtain the AOF file " + f.Name + " length. stat: No such file or directory";
                return Result.Failed;
            }
            total += fi.Length;
        }
        if (total == 0) return Result.Empty;

        // startLoading: INFO shows loading_* over all the files from here until the caller ends the loading.
        startMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        totalBytes = total;
        server.LoadInProgress = this;
        return LoadFiles(am, totalNum);
    }

    /// <summary>The base, then every INCR file, in manifest order.</summary>
    Result LoadFiles(AofManifest am, int totalNum)
    {
        int num = 0;
        Result ret = Result.Ok;
        if (am.Base != null)
        {
            bool last = ++num == totalNum;
            long t0 = Stopwatch.GetTimestamp();
            ret = LoadSingle(am.Base.Name);
            FileDone(am.Base.Name);
            if (server.ShutdownRequested) return Result.Ok;
            if (ret == Result.Ok || (ret == Result.Truncated && last))
                Log("DB loaded from base file " + am.Base.Name + ": " + Seconds(t0) + " seconds");
            if (ret == Result.Truncated && !last) return Fail("Fatal error: the truncated file is not the last file");
            if (ret is Result.OpenErr or Result.Failed) return ret;
        }
        foreach (AofFileInfo f in am.Incrs)
        {
            bool last = ++num == totalNum;
            long t0 = Stopwatch.GetTimestamp();
            ret = LoadSingle(f.Name);
            FileDone(f.Name);
            if (server.ShutdownRequested) return Result.Ok;
            if (ret == Result.Ok || (ret == Result.Truncated && last))
                Log("DB loaded from incr file " + f.Name + ": " + Seconds(t0) + " seconds");
            if (ret == Result.Empty) ret = Result.Ok;
            if (ret == Result.Truncated && !last) return Fail("Fatal error: the truncated file is not the last file");
            if (ret is Result.OpenErr or Result.Failed) return ret;
        }
        return ret;
    }

    /// <summary>A file is done: its whole size counts as loaded.</summary>
    void FileDone(string name)
    {
        long size = 0;
        try { size = new FileInfo(Path.Combine(dir, name)).Length; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        Interlocked.Add(ref doneBytes, size);
        Interlocked.Exchange(ref filePosition, 0);
    }

    static AofFileInfo[] Prepend(AofFileInfo first, AofManifest am)
    {
        var all = new AofFileInfo[am.Incrs.Count + 1];
        all[0] = first;
        am.Incrs.CopyTo(all, 1);
        return all;
    }

    Result Fail(string line)
    {
        fatal = fatal == null ? line : fatal + "\n" + line;
        return Result.Failed;
    }

    /// <summary>aofUpgradePrepare: the old file becomes the base (seq 1) of a manifest in the directory, then moves in.</summary>
    string? UpgradePrepare(AofManifest am)
    {
        string name = config.AppendFilename;
        try { Directory.CreateDirectory(dir); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "Can't open or create append-only dir " + config.AppendDirname + ": " + OsError.Text(ex);
        }
        am.Base = new AofFileInfo(name, 1, AofFileType.Base);
        am.BaseSeq = 1;
        if (Persist(am) is { } err) return err;
        try { File.Move(Path.Combine(config.Dir, name), Path.Combine(dir, name)); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "Error trying to move the old AOF file " + name + " into dir " + config.AppendDirname + ": " + OsError.Text(ex);
        }
        Log("Successfully migrated an old-style AOF file (" + name + ") into the AOF directory (" + config.AppendDirname + ").");
        return null;
    }

    string? Persist(AofManifest am)
    {
        try
        {
            am.Persist(dir, config.AppendFilename);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "Can't open the AOF manifest file " + AofManifest.TempManifestName(config.AppendFilename) + ": " + OsError.Text(ex);
        }
    }

    /// <summary>
    /// aofOpenIfNeededOnServerStart: with no base and no INCR the (empty) dataset becomes the base; the last INCR is
    /// created when the manifest has none, and the manifest is persisted.
    /// </summary>
    string? OpenOnStart(AofManifest am)
    {
        string name = config.AppendFilename;
        try { Directory.CreateDirectory(dir); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "Can't open or create append-only dir " + config.AppendDirname + ": " + OsError.Text(ex);
        }
        int incrs = am.Incrs.Count;
        if (am.Base == null && incrs == 0)
        {
            AofFileInfo b = am.NewBase(name, config.AofUseRdbPreamble);
            if (WriteEmptyBase(b.Name) is { } err) return err;
            Log("Creating AOF base file " + b.Name + " on server start");
        }
        if (incrs == 0) am.AddIncr(name);
        AofFileInfo incr = am.LastIncr!;
        try
        {
            using (new FileStream(Path.Combine(dir, incr.Name), FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "Can't open the append-only file " + incr.Name + ": " + OsError.Text(ex);
        }
        if (Persist(am) is { } perr) return perr;
        Log((incrs > 0 ? "Opening AOF incr file " : "Creating AOF incr file ") + incr.Name + " on server start");
        return null;
    }

    /// <summary>
    /// The base of an empty dataset, as rewriteAppendOnlyFile writes it: an RDB with the aof-base AUX field, or with
    /// aof-use-rdb-preamble no an empty command file (a timestamp annotation under aof-timestamp-enabled). Written to
    /// a temp name, fsynced and renamed, so a crash never leaves a half base under the real name.
    /// </summary>
    string? WriteEmptyBase(string baseName)
    {
        string temp = Path.Combine(dir, "temp-rewriteaof-" + Environment.ProcessId + ".aof");
        try
        {
            using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                if (config.AofUseRdbPreamble) server.Persistence.WriteEmptyRdb(fs, server.Shards[0], aofBase: true);
                else if (config.AofTimestampEnabled)
                {
                    fs.Write(System.Text.Encoding.ASCII.GetBytes("#TS:" + DateTimeOffset.UtcNow.ToUnixTimeSeconds() + "\r\n"));
                }
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, Path.Combine(dir, baseName), overwrite: true);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): " + OsError.Text(ex);
        }
    }

    /// <summary>aofDelHistoryFiles at startup: files a rewrite left as history are removed (unless aof-disable-auto-gc).</summary>
    string? DeleteHistory(AofManifest am)
    {
        if (config.AofDisableAutoGc || am.History.Count == 0) return null;
        foreach (AofFileInfo h in am.History)
        {
            Log("Removing the history file " + h.Name + " in the background");
            try { File.Delete(Path.Combine(dir, h.Name)); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        am.History.Clear();
        return Persist(am);
    }
}
