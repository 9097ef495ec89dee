using System;
using System.IO;
using System.Text;
using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// One file of the AOF (Redis's loadSingleAppendOnlyFile): an RDB part first when the file starts with "REDIS"
/// (an RDB base, or an old AOF's preamble), loaded keeping expired keys; then RESP commands read the way Redis reads
/// them, each checked against the command table and passed on to the replay session in batches. Commands after a
/// MULTI are held back until its EXEC, so a transaction cut by the end of the file never runs (Redis reverts it).
/// </summary>
public sealed partial class AofLoader
{
    const int BatchBytes = 64 * 1024;

    Result LoadSingle(string fileName)
    {
        string path = Path.Combine(dir, fileName);
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (ex is FileNotFoundException)
            {
                Fail("The append log file " + fileName + " doesn't exist: No such file or directory");
                return Result.NotExist;
            }
            Fail("Fatal error: can't open the append log file " + fileName + " for reading: " + OsError.Text(ex));
            return Result.OpenErr;
        }
        long offset = 0;
        using (fs)
        {
            if (fs.Length == 0) return Result.Empty;
            Span<byte> sig = stackalloc byte[5];
            if (fs.ReadAtLeast(sig, 5, throwOnEndOfStream: false) == 5 && sig.SequenceEqual("REDIS"u8))
            {
                bool oldStyle = fileName == config.AppendFilename;
                Log(oldStyle ? "Reading RDB preamble from AOF file..." : "Reading RDB base file on AOF loading...");
                string? err = RdbLoader.Load(server, path, out RdbLoader? rdb, keepExpired: true);
                if (server.ShutdownRequested) return Result.Ok;
                if (err != null || rdb == null)
                {
                    if (err != null) Fail(err);
                    return Fail(oldStyle
                        ? "Error reading the RDB preamble of the AOF file " + fileName + ", AOF loading aborted"
                        : "Error reading the RDB base file " + fileName + ", AOF loading aborted");
                }
                server.Persistence.LoadedFrom(rdb);
                Log("Done loading RDB, keys loaded: " + rdb.KeysLoaded + ", keys expired: " + rdb.KeysExpired + ".");
                offset = rdb.Consumed;
                if (oldStyle) Log("Reading the remaining AOF tail...");
            }
            // A fresh pseudo client per file, as Redis creates one: each file starts in database 0, outside MULTI.
            replay = new AofReplay(server);
            try
            {
                if (!replay.Open()) return Result.Ok; // shutdown
                using var reader = new AofFileReader(fs, offset);
                return ReadCommands(reader, fileName, path);
            }
            catch (IOException ex)
            {
                return Fail("Unrecoverable error reading the append only file " + fileName + ": " + OsError.Text(ex));
            }
            finally
            {
                replay.Close();
                replay = null;
            }
        }
    }

    /// <summary>The command loop of loadSingleAppendOnlyFile, with its fmterr, readerr and uxeof endings.</summary>
    Result ReadCommands(AofFileReader r, string fileName, string path)
    {
        bool truncateOk = config.AofLoadTruncated;
        Span<byte> line = stackalloc byte[AofFileReader.LineMax];
        Span<byte> crlf = stackalloc byte[2];
        var batch = new CommandBatch();
        long validUpTo = 0, validBeforeMulti = 0;
        bool inMulti = false;
        long loops = 0;
        while (true)
        {
            if ((loops++ & 1023) == 0 && server.ShutdownRequested) return Result.Ok;
            int n = r.ReadLine(line);
            if (n == 0) break;
            if (line[0] == '#') continue; // annotations (#TS:...)
            if (line[0] != '*') return FormatError(fileName);
            if (n == 1) return UnexpectedEof(r, batch, inMulti, validUpTo, fileName, path);
            long argc = Atoi(line.Slice(1, n - 1));
            if (argc < 1) return FormatError(fileName);
            batch.BeginCommand(argc);
            int nameAt = 0, nameLen = 0, subAt = 0, subLen = 0;
            for (long j = 0; j < argc; j++)
            {
                n = r.ReadLine(line);
                if (n == 0) return UnexpectedEof(r, batch, inMulti, validUpTo, fileName, path);
                if (line[0] != '$') return FormatError(fileName);
                long len = Atoi(line.Slice(1, n - 1));
                // A negative or absurd length is a read past the end of the file for Redis too.
                if (len < 0 || len > int.MaxValue - 64 || len > r.Remaining) return UnexpectedEof(r, batch, inMulti, validUpTo, fileName, path);
                Span<byte> arg = batch.Arg((int)len, out int at);
                if (len > 0 && !r.ReadExact(arg)) return UnexpectedEof(r, batch, inMulti, validUpTo, fileName, path);
                if (!r.ReadExact(crlf)) return UnexpectedEof(r, batch, inMulti, validUpTo, fileName, path);
                if (j == 0) (nameAt, nameLen) = (at, (int)len);
                else if (j == 1) (subAt, subLen) = (at, (int)len);
            }
            ReadOnlySpan<byte> cmdName = batch.Slice(nameAt, nameLen);
            CommandSpec? spec = server.Commands.Find(cmdName);
            if (spec != null && spec.Subcommands != null && argc >= 2) spec = CommandTable.FindSub(spec, batch.Slice(subAt, subLen));
            if (spec == null)
            {
                int nul = cmdName.IndexOf((byte)0);
                return Fail("Unknown command '" + Encoding.Latin1.GetString(nul >= 0 ? cmdName.Slice(0, nul) : cmdName) +
                            "' reading the append only file " + fileName);
            }
            if (spec.InMulti == MultiRole.Multi)
            {
                validBeforeMulti = validUpTo;
                if (!inMulti) batch.MultiStart();
                inMulti = true;
            }
            else if (spec.InMulti == MultiRole.Exec) inMulti = false;
            batch.EndCommand();
            if (truncateOk) validUpTo = r.Position;
            // key-load-delay: every command, as in loadSingleAppendOnlyFile (here as it is read; it runs with its batch).
            int delay = config.KeyLoadDelay;
            if (delay != 0) LoadDelay.Pause(delay);
            if (!inMulti && batch.Length >= BatchBytes)
            {
                Interlocked.Exchange(ref filePosition, r.Position);
                if (!batch.RunAndClear(replay!)) return Result.Ok; // shutdown
            }
        }
        if (inMulti)
        {
            Log("Revert incomplete MULTI/EXEC transaction in AOF file " + fileName);
            return UnexpectedEof(r, batch, inMulti, validBeforeMulti, fileName, path);
        }
        batch.RunAndClear(replay!);
        return Result.Ok;
    }

    Result FormatError(string fileName) =>
        Fail("Bad file format reading the append only file " + fileName +
             ": make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>");

    /// <summary>
    /// uxeof: with aof-load-truncated, what came before the last whole command (and before an open MULTI) runs, and the
    /// file is cut there; otherwise Redis's fatal hint.
    /// </summary>
    Result UnexpectedEof(AofFileReader r, CommandBatch batch, bool inMulti, long validUpTo, string fileName, string path)
    {
        if (config.AofLoadTruncated)
        {
            Log("!!! Warning: short read while loading the AOF file " + fileName + "!!!");
            Log("!!! Truncating the AOF " + fileName + " at offset " + validUpTo + " !!!");
            try
            {
                using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) fs.SetLength(validUpTo);
                batch.DropPartial(inMulti);
                batch.RunAndClear(replay!);
                Log("AOF " + fileName + " loaded anyway because aof-load-truncated is enabled");
                return Result.Truncated;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log("Error truncating the AOF file " + fileName + ": " + OsError.Text(ex));
            }
        }
        return Fail("Unexpected end of file reading the append only file " + fileName + ". You can: " +
                    "1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. " +
                    "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.");
    }

    /// <summary>atoi/strtol: optional blanks and sign, then digits up to the first other byte (saturating).</summary>
    internal static long Atoi(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        bool neg = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
        long v = 0;
        for (; i < s.Length && s[i] >= '0' && s[i] <= '9'; i++)
        {
            int d = s[i] - '0';
            v = v > (long.MaxValue - d) / 10 ? long.MaxValue : v * 10 + d;
        }
        return neg ? -v : v;
    }
}
