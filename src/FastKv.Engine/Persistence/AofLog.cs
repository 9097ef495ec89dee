using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace FastKv.Engine;

/// <summary>
/// A shard's records handed to the log: one published <see cref="AofRecorder"/> buffer, or an empty marker a shard
/// waits on. Chunks go back to their shard's free list once written (no allocation in the steady state).
/// </summary>
public sealed class AofChunk
{
    internal AofChunk? Next;
    internal AofChunk? NextFree;
    public byte[] Data = new byte[64 * 1024];
    public int Length;
    public Shard? Owner;
    /// <summary>Written (and under appendfsync always, fsynced): set by the log, read by the waiting shard.</summary>
    public volatile bool Done;
    /// <summary>A rewrite's switch marker: no records; the log opens the next INCR when it reaches it (queue order).</summary>
    public AofSwitch? Switch;
}

/// <summary>An INCR file the log switched away from when <see cref="AofLog.WrittenOffset"/> was <see cref="Offset"/>.</summary>
internal sealed class RetiredFile(SafeFileHandle handle, long offset)
{
    public readonly SafeFileHandle Handle = handle;
    public readonly long Offset = offset;
    /// <summary>It holds bytes no fsync covered yet; cleared once a rewrite made it history.</summary>
    public volatile bool NeedSync;
}

/// <summary>
/// The append-only file while the server runs (persistence design 3): one global order of every shard's records,
/// written with group commit, and no reply sent before the writes it reports are written (fsynced under
/// <c>appendfsync always</c>), as Redis writes its AOF buffer in beforeSleep before it sends replies.
/// <para>
/// <b>Order.</b> Each shard appends records to its own <see cref="AofRecorder"/> and publishes the buffer as a
/// chunk into one lock-free queue (Vyukov's MPSC, as <see cref="Mailbox"/>). Queue order is file order. A shard
/// publishes before it posts any message (<see cref="BeforePost"/>) and at the end of each loop iteration, so a
/// record that happened before a message (a forwarded command's reply, a served blocked client, a transaction's
/// part) is in the queue before anything its receiver writes next. Writes to one key run on one shard, in order;
/// a multi-shard transaction is one unit written by its home shard before it releases its locks; a client sees
/// its reply only after its write is in the file. So the file replays to what clients were told.
/// </para>
/// <para>
/// <b>Group commit.</b> No writer thread sits between a shard and its reply: the shard that needs its records
/// written takes the combiner flag and writes everything published so far in one <c>write()</c> (and one
/// <c>fdatasync</c> under <c>always</c>); a shard that finds the flag taken waits for its chunk to be marked done.
/// Under <c>everysec</c> a background thread fsyncs once a second; under <c>no</c>, the kernel decides.
/// </para>
/// </summary>
public sealed partial class AofLog : IDisposable
{
    [ThreadStatic] static Shard? current;

    /// <summary>The shard whose thread this is (set by the event loop), so posts from it publish its records first.</summary>
    public static Shard? Current { get => current; set => current = value; }

    readonly ServerState server;
    readonly AofChunk stub = new() { Data = Array.Empty<byte>() };
    AofChunk head, tail;
    long published, written;
    int combining;
    /// <summary>Per shard: chunks the log gave back (a Treiber stack the shard takes whole).</summary>
    readonly AofChunk?[] freed;
    readonly AofChunk?[] spare;
    /// <summary>Per shard (its thread only): the last chunk it published, until the log marks it done.</summary>
    readonly AofChunk?[] lastOwn;

    SafeFileHandle? file;
    /// <summary>
    /// INCR files the log switched away from, oldest first (under <see cref="fsyncGate"/>): the fsync thread fsyncs
    /// each (unless a finished rewrite made it history first) and closes it, as Redis's bio closes an old INCR, so
    /// the loop that switches never waits for the disk.
    /// </summary>
    readonly System.Collections.Generic.List<RetiredFile> retired = new();
    /// <summary>Handles of deleted or replaced files (under <see cref="fsyncGate"/>): their last close, which frees the pages and blocks, happens on the fsync thread (Redis's bg_unlink).</summary>
    readonly System.Collections.Generic.List<SafeFileHandle> unlinked = new();
    /// <summary>Serializes whole fsync rounds (<see cref="SyncLog"/>), so offsets are reported in file order; never taken under <see cref="fsyncGate"/>.</summary>
    readonly object fsyncRun = new();
    /// <summary>Under always, a write's fsync was postponed (no-appendfsync-on-rewrite): the fsync thread does it once it may.</summary>
    volatile bool fsyncSkipped;
    /// <summary>Pulsed to wake the fsync thread before its tick (the log stopping).</summary>
    readonly object fsyncWake = new();
    long fileLength;
    int selectedDb = -1;
    byte[] output = new byte[256 * 1024];
    Thread? fsyncThread;
    volatile bool stopping;
    /// <summary>Bytes written since the last fsync (everysec).</summary>
    long unsynced;
    readonly object fsyncGate = new();
    /// <summary>Bytes written to the log since the server started, over every file (<see cref="WrittenOffset"/>).</summary>
    long writtenOffset;
    /// <summary>The part of <see cref="writtenOffset"/> the last fsync covered (<see cref="FsyncedOffset"/>).</summary>
    long fsyncedOffset;
    /// <summary>Clients blocked in WAITAOF or WAIT on any shard: an fsync wakes their shards only while there are some.</summary>
    int ackWaiters;

    public AofLog(ServerState server, int shards)
    {
        this.server = server;
        head = tail = stub;
        freed = new AofChunk?[shards];
        spare = new AofChunk?[shards];
        lastOwn = new AofChunk?[shards];
    }

    /// <summary>The AOF is open and shards record.</summary>
    public bool On { get; private set; }
    public AofManifest? Manifest { get; private set; }
    /// <summary>INFO aof_last_write_status / MISCONF: the error of the last failed write, null when it is fine.</summary>
    public volatile string? WriteError;
    /// <summary>INFO aof_current_size: bytes of the open incremental file plus the base and earlier incrementals.</summary>
    public long CurrentSize => Volatile.Read(ref fileLength) + earlierSize;
    long earlierSize;
    /// <summary>Size of the base file (INFO aof_base_size).</summary>
    public long BaseSize;

    /// <summary>
    /// Where the log stands, in bytes written since the server started (all files, never reset): Redis's
    /// master_repl_offset as WAITAOF uses it. A client's WAITAOF waits until <see cref="FsyncedOffset"/> reaches the
    /// value this had once its writes were written.
    /// </summary>
    public long WrittenOffset => Volatile.Read(ref writtenOffset);

    /// <summary>
    /// Redis's fsynced_reploff: -1 while appendonly is off, 0 while it waits for the rewrite that turns it on
    /// (AOF_WAIT_REWRITE: nothing written since is known to be on disk as a whole AOF), otherwise the
    /// <see cref="WrittenOffset"/> the last successful fsync covered (under <c>always</c>, every write's; under
    /// <c>everysec</c>, the background fsync's; under <c>no</c>, only the fsync thread's close of an INCR a rewrite switched away from).
    /// </summary>
    public long FsyncedOffset => WaitingRewrite ? 0 : On ? Volatile.Read(ref fsyncedOffset) : -1;

    /// <summary>A client blocks in WAITAOF or WAIT (its home shard's thread); <see cref="AckWaiterGone"/> undoes it.</summary>
    public void AckWaiterAdded() => Interlocked.Increment(ref ackWaiters);

    public void AckWaiterGone() => Interlocked.Decrement(ref ackWaiters);

    /// <summary>An fsync covered the log up to <paramref name="offset"/>: publish it and wake the shards whose clients wait for it.</summary>
    void Fsynced(long offset)
    {
        long cur;
        do
        {
            cur = Volatile.Read(ref fsyncedOffset);
            if (offset <= cur) return;
        } while (Interlocked.CompareExchange(ref fsyncedOffset, offset, cur) != cur);
        WakeAckWaiters();
    }

    /// <summary>The shards with clients blocked in WAITAOF/WAIT check them now rather than at their next tick.</summary>
    public void WakeAckWaiters()
    {
        if (Volatile.Read(ref ackWaiters) == 0) return;
        foreach (Shard s in server.Shards)
            if (s.Blocking.AckWaiting) s.Mailbox.Waker?.Wake();
    }

    /// <summary>
    /// Opens the manifest's last incremental file for appending and turns recording on in every shard. The loops may
    /// already run: recording starts on each shard when it next looks at <see cref="AofRecorder.On"/>.
    /// </summary>
    public void Open(AofManifest manifest)
    {
        string dir = server.Config.AofDirPath;
        AofFileInfo incr = manifest.LastIncr ?? throw new InvalidOperationException("AOF manifest has no incremental file");
        string path = Path.Combine(dir, incr.Name);
        file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
        fileLength = RandomAccess.GetLength(file);
        selectedDb = -1;
        earlierSize = 0;
        if (manifest.Base != null && File.Exists(Path.Combine(dir, manifest.Base.Name)))
            earlierSize += BaseSize = new FileInfo(Path.Combine(dir, manifest.Base.Name)).Length;
        foreach (AofFileInfo f in manifest.Incrs)
            if (f != incr && File.Exists(Path.Combine(dir, f.Name))) earlierSize += new FileInfo(Path.Combine(dir, f.Name)).Length;
        Manifest = manifest;
        On = true;
        foreach (Shard s in server.Shards) s.Aof.On = true;
        StartFsyncThread();
    }

    /// <summary>Called by <see cref="Mailbox.Post"/>: the posting shard's records go into the queue before its message.</summary>
    public static void BeforePost()
    {
        Shard? s = current;
        if (s != null && s.Aof.Length != 0 && !s.Aof.Capturing) s.Server.Aof.Publish(s);
    }

    /// <summary>Moves the shard's records into the queue (on the shard's thread).</summary>
    public AofChunk? Publish(Shard s)
    {
        if (s.Aof.Length == 0 || s.Aof.Capturing) return null;
        if (!s.Aof.On)
        {
            // Recorded before the shard saw appendonly turn off: the log is closed, and a later log must not get them.
            s.Aof.Clear();
            return null;
        }
        AofChunk c = RentChunk(s);
        c.Data = s.Aof.Take(c.Data, out c.Length);
        lastOwn[s.Id] = c;
        Enqueue(c);
        return c;
    }

    AofChunk RentChunk(Shard s)
    {
        AofChunk? c = spare[s.Id];
        if (c == null)
        {
            // Invariant: only this shard pops, and it takes the whole stack at once, so no ABA on the pop side.
            c = Interlocked.Exchange(ref freed[s.Id], null);
        }
        if (c == null) return new AofChunk { Owner = s };
        spare[s.Id] = c.NextFree;
        c.NextFree = null;
        c.Done = false;
        c.Length = 0;
        return c;
    }

    void GiveBack(AofChunk c)
    {
        if (c.Owner == null) return;
        int id = c.Owner.Id;
        AofChunk? top;
        do
        {
            top = Volatile.Read(ref freed[id]);
            c.NextFree = top;
        } while (Interlocked.CompareExchange(ref freed[id], c, top) != top);
    }

    void Enqueue(AofChunk c)
    {
        // Counted before it is linked: written never passes published, and equal counts mean nothing is pending.
        Interlocked.Increment(ref published);
        c.Next = null;
        AofChunk prev = Interlocked.Exchange(ref tail, c);
        Volatile.Write(ref prev.Next, c);
    }

    AofChunk? TryTake()
    {
        AofChunk h = head;
        AofChunk? next = Volatile.Read(ref h.Next);
        if (h == stub)
        {
            if (next == null) return null;
            head = next;
            h = next;
            next = Volatile.Read(ref h.Next);
        }
        if (next != null)
        {
            head = next;
            return h;
        }
        if (h != Volatile.Read(ref tail)) return null;
        stub.Next = null;
        AofChunk prev = Interlocked.Exchange(ref tail, stub);
        Volatile.Write(ref prev.Next, stub);
        next = Volatile.Read(ref h.Next);
        if (next != null)
        {
            head = next;
            return h;
        }
        return null;
    }

    /// <summary>This shard has records not yet written (unpublished, or its last chunk not done).</summary>
    public bool Pending(Shard s) => s.Aof.Length > 0 || lastOwn[s.Id] is { Done: false };

    /// <summary>
    /// Before a shard sends replies: its records, and every record published before them, are written, and fsynced
    /// under <c>always</c>. Records of other shards matter only when <paramref name="afterMessages"/> ran (a reply
    /// that came back from another shard, a served blocked client): the shard then waits behind a marker.
    /// </summary>
    public void Sync(Shard s, bool afterMessages = true)
    {
        if (s.Aof.Capturing) return;
        WaitWritten(s, Publish(s), afterMessages);
    }

    /// <summary>
    /// Inside a capture (a busy script): waits for what this shard published before it (and others', after messages),
    /// publishing nothing. Enough for replies made before the capture when it began with nothing unpublished.
    /// </summary>
    public void SyncPublished(Shard s, bool afterMessages) => WaitWritten(s, null, afterMessages);

    void WaitWritten(Shard s, AofChunk? fresh, bool afterMessages)
    {
        AofChunk? mine = fresh ?? lastOwn[s.Id];
        if (mine != null && mine.Done) mine = null;
        if (mine == null)
        {
            if (!afterMessages || Volatile.Read(ref written) == Volatile.Read(ref published)) return;
            // Nothing of ours, but others' records are pending: wait behind a marker placed after them.
            mine = RentChunk(s);
            mine.Length = 0;
            Enqueue(mine);
        }
        var spin = new SpinWait();
        while (!mine.Done)
        {
            if (TryCombine()) continue;
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>End of a loop iteration: records of work that sent no reply (expiry, eviction) go out too.</summary>
    public void EndOfIteration(Shard s)
    {
        if (s.Aof.Length == 0 || s.Aof.Capturing) return;
        Publish(s);
        TryCombine();
    }

    /// <summary>Writes everything in the queue if no other thread is writing; false when another one is.</summary>
    bool TryCombine()
    {
        if (Interlocked.CompareExchange(ref combining, 1, 0) != 0) return false;
        try
        {
            Drain();
        }
        finally
        {
            Volatile.Write(ref combining, 0);
        }
        return true;
    }

    readonly System.Collections.Generic.List<AofChunk> batch = new();

    /// <summary>One group commit: every reachable chunk, in queue order, in one write (holding the combiner flag).</summary>
    void Drain()
    {
        AofChunk? c;
        while ((c = TryTake()) != null)
        {
            if (c == stub) continue;
            if (c.Switch != null)
            {
                // Everything before the marker goes to the old file; the marker is done once the new one is open.
                Commit();
                SwitchFile(c.Switch);
                batch.Add(c);
                Commit();
                continue;
            }
            Append(c);
            batch.Add(c);
            if (outLen > 8 << 20) break; // one write of at most ~8 MiB; the waiters loop for the rest
        }
        Commit();
    }

    /// <summary>Writes the batch's bytes (fsynced under always) and marks its chunks done; retries bytes a failed write kept.</summary>
    void Commit()
    {
        if (batch.Count == 0 && outLen == 0) return;
        string? error = WriteOut();
        if (error == null && server.Config.AppendFsync == AofFsync.Always)
        {
            if (FsyncPostponed) fsyncSkipped = true;
            else if ((error = Fsync()) == null) fsyncSkipped = false;
        }
        if (error != null) Failed(error);
        Interlocked.Add(ref written, batch.Count);
        foreach (AofChunk done in batch)
        {
            done.Done = true;
            GiveBack(done);
        }
        batch.Clear();
    }

    int outLen;

    /// <summary>Copies a chunk's records into the write buffer, with SELECT where the database changes.</summary>
    void Append(AofChunk c)
    {
        ReadOnlySpan<byte> data = c.Data.AsSpan(0, c.Length);
        Span<byte> tmp = stackalloc byte[48];
        if (server.Config.AofTimestampEnabled && data.Length > 0) Timestamp(tmp);
        while (data.Length > 0)
        {
            int db = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(data);
            int len = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(data.Slice(4));
            ReadOnlySpan<byte> rec = data.Slice(8, len);
            // MULTI and EXEC (-1) select none, as Redis 7.2's feedAppendOnlyFile: a SELECT goes inside the unit.
            if (db >= 0 && db != selectedDb)
            {
                int k = Select(tmp, db);
                Put(tmp.Slice(0, k));
                selectedDb = db;
            }
            Put(rec);
            data = data.Slice(8 + len);
        }
    }

    /// <summary>The unix second of the last "#TS:" annotation written to the open INCR file.</summary>
    long timestampWritten;

    /// <summary>
    /// aof-timestamp-enabled: "#TS:&lt;unix seconds&gt;" before the records once the second has moved on since the last
    /// one, as Redis's feedAppendOnlyFile adds genAofTimestampAnnotationIfNeeded's line (the loader skips it).
    /// </summary>
    void Timestamp(Span<byte> tmp)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (now <= timestampWritten) return;
        timestampWritten = now;
        "#TS:"u8.CopyTo(tmp);
        now.TryFormat(tmp.Slice(4), out int n, default, System.Globalization.CultureInfo.InvariantCulture);
        tmp[4 + n] = (byte)'\r';
        tmp[5 + n] = (byte)'\n';
        Put(tmp.Slice(0, 6 + n));
    }

    static int Select(Span<byte> dst, int db)
    {
        Span<byte> digits = stackalloc byte[12];
        db.TryFormat(digits, out int d, default, System.Globalization.CultureInfo.InvariantCulture);
        int n = 0;
        "*2\r\n$6\r\nSELECT\r\n$"u8.CopyTo(dst);
        n += 17;
        d.TryFormat(dst.Slice(n), out int k, default, System.Globalization.CultureInfo.InvariantCulture);
        n += k;
        dst[n++] = (byte)'\r';
        dst[n++] = (byte)'\n';
        digits.Slice(0, d).CopyTo(dst.Slice(n));
        n += d;
        dst[n++] = (byte)'\r';
        dst[n++] = (byte)'\n';
        return n;
    }

    void Put(ReadOnlySpan<byte> bytes)
    {
        if (outLen + bytes.Length > output.Length)
        {
            int size = output.Length;
            while (size < outLen + bytes.Length) size *= 2;
            Array.Resize(ref output, size);
        }
        bytes.CopyTo(output.AsSpan(outLen));
        outLen += bytes.Length;
    }

    /// <summary>DEBUG AOF-FLUSH-SLEEP (Redis's aof_flush_sleep): microseconds to sleep before each write of records.</summary>
    public volatile int FlushSleepMicros;

    /// <summary>
    /// Writes the buffer at the end of the file; null or the error text (strerror). A failed write leaves the file as
    /// it was (a partial write is cut off) and keeps the bytes for the next try, as Redis keeps its aof_buf.
    /// </summary>
    unsafe string? WriteOut()
    {
        if (outLen == 0) return null;
        SafeFileHandle? f = file;
        if (f == null) { outLen = 0; return null; }
        // DEBUG AOF-FLUSH-SLEEP: Redis's tests widen the window between the records and the replies that report them.
        int sleep = FlushSleepMicros;
        if (sleep > 0) Thread.Sleep(TimeSpan.FromMicroseconds(sleep));
        int fd = f.DangerousGetHandle().ToInt32();
        int done = 0;
        // Invariant: output is pinned for the calls and pwrite reads at most outLen - done bytes from it.
        fixed (byte* p = output)
        {
            while (done < outLen)
            {
                nint n = pwrite(fd, p + done, (nuint)(outLen - done), fileLength + done);
                if (n > 0) { done += (int)n; continue; }
                int errno = Marshal.GetLastPInvokeError();
                if (n < 0 && errno == 4) continue; // EINTR
                if (done > 0) ftruncate(fd, fileLength);
                return n == 0 ? "short write" : Marshal.GetPInvokeErrorMessage(errno);
            }
        }
        Volatile.Write(ref fileLength, fileLength + outLen);
        // Counted once the bytes are in the file: an fsync that reads it afterwards covers them.
        Volatile.Write(ref writtenOffset, writtenOffset + outLen);
        Interlocked.Add(ref unsynced, outLen);
        outLen = 0;
        if (output.Length > 4 << 20) output = new byte[256 * 1024];
        if (WriteError != null)
        {
            WriteError = null;
            Console.WriteLine("AOF write error looks solved, Redis can write again.");
        }
        return null;
    }

    void Failed(string error)
    {
        if (WriteError == null) Console.WriteLine("Error writing to the AOF file: " + error);
        WriteError = error;
        if (server.Config.AppendFsync == AofFsync.Always)
        {
            // Redis exits here: under always a reply may only follow a write that reached the disk.
            Console.WriteLine("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
            Console.Out.Flush();
            Environment.Exit(1);
        }
    }

    /// <summary>An fsync round of the open file, after the retired ones.</summary>
    string? Fsync() => SyncLog(current: true);

    /// <summary>
    /// One fsync round: the retired INCR files first, oldest first (an fsync each unless a rewrite made it history;
    /// then closed), then, when <paramref name="current"/>, the open file. Each covered offset is reported in that
    /// order. The files are taken under <see cref="fsyncGate"/> and synced outside it, so a switch on a shard's
    /// thread never waits for an fsync in progress. Null or the first error (strerror).
    /// </summary>
    string? SyncLog(bool current)
    {
        lock (fsyncRun)
        {
            RetiredFile[]? olds = null;
            SafeFileHandle? f = null;
            long covered = 0;
            bool added = false;
            lock (fsyncGate)
            {
                if (retired.Count > 0)
                {
                    olds = retired.ToArray();
                    retired.Clear();
                }
                if (current && file != null)
                {
                    f = file;
                    // Every byte counted here is in this file or in a retired one, synced first below.
                    covered = Volatile.Read(ref writtenOffset);
                    Interlocked.Exchange(ref unsynced, 0);
                    // Invariant: the reference keeps the descriptor open while fdatasync runs outside the gate, even
                    // if a switch retires the handle and a later round closes it meanwhile.
                    f.DangerousAddRef(ref added);
                }
            }
            string? error = null;
            if (olds != null)
            {
                foreach (RetiredFile r in olds)
                {
                    if (error == null)
                    {
                        if (r.NeedSync && fdatasync(r.Handle.DangerousGetHandle().ToInt32()) != 0)
                            error = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
                        else Fsynced(r.Offset);
                    }
                    r.Handle.Dispose();
                }
            }
            if (f == null) return error;
            try
            {
                if (error != null) return error;
                if (fdatasync(f.DangerousGetHandle().ToInt32()) != 0) return Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
                Fsynced(covered);
                return null;
            }
            finally
            {
                if (added) f.DangerousRelease();
            }
        }
    }

    /// <summary>A file switched away from at <paramref name="offset"/>, to be fsynced (when it has unsynced bytes) and closed in the background.</summary>
    void Retire(SafeFileHandle old, long offset, bool needSync)
    {
        // Under fsyncGate (the caller's switch).
        retired.Add(new RetiredFile(old, offset) { NeedSync = needSync });
    }

    /// <summary>A rewrite installed its base: the retired files hold nothing the base and the manifest do not, so they close without an fsync.</summary>
    void RetiredAreHistory()
    {
        lock (fsyncGate)
            foreach (RetiredFile r in retired) r.NeedSync = false;
    }

    /// <summary>
    /// Redis's bg_unlink: the name goes now; the file's pages are freed by the last close, which the fsync thread
    /// does when it runs (inline when it does not).
    /// </summary>
    void DeleteInBackground(string path)
    {
        SafeFileHandle? h = null;
        try { h = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        TryDelete(path);
        if (h != null) CloseLater(h);
    }

    /// <summary>
    /// A handle whose close may be the last reference to a deleted or replaced file: closed on the fsync thread when
    /// it runs (inline when it does not), since freeing the file's blocks can wait for the disk (a synchronous
    /// discard on a file system mounted with <c>discard</c>).
    /// </summary>
    void CloseLater(SafeFileHandle h)
    {
        lock (fsyncGate)
        {
            if (fsyncThread != null && !stopping)
            {
                unlinked.Add(h);
                return;
            }
        }
        h.Dispose();
    }

    /// <summary>Closes the handles of deleted files (the fsync thread, or the exit).</summary>
    void CloseUnlinked()
    {
        SafeFileHandle[] hs;
        lock (fsyncGate)
        {
            if (unlinked.Count == 0) return;
            hs = unlinked.ToArray();
            unlinked.Clear();
        }
        foreach (SafeFileHandle h in hs) h.Dispose();
    }

    /// <summary>
    /// no-appendfsync-on-rewrite: while a BGSAVE or a rewrite runs (Redis's hasActiveChildProcess), the open file is
    /// not fsynced; writes are still written before their replies. Under always, the fsync thread catches up once it
    /// ends, as Redis's beforeSleep does when the last fsync is behind the file.
    /// </summary>
    bool FsyncPostponed =>
        server.Config.NoAppendFsyncOnRewrite && server.Persistence.Running is { Purpose: not (SnapshotPurpose.Save or SnapshotPurpose.Shutdown) };

    bool RetiredPending
    {
        get { lock (fsyncGate) return retired.Count > 0; }
    }

    /// <summary>
    /// The fsync thread (Redis's bio for the AOF): under everysec, once a second, an fsync of what was written since
    /// the last one (under always, of what a postponed fsync left); in every mode, the retired INCR files and the
    /// deleted files' last closes. It ends when the log
    /// stops or a newer thread takes over, after finishing that work.
    /// </summary>
    void FsyncLoop()
    {
        Thread me = Thread.CurrentThread;
        while (!stopping && Volatile.Read(ref fsyncThread) == me)
        {
            lock (fsyncWake) Monitor.Wait(fsyncWake, server.Config.AppendFsync == AofFsync.EverySec ? 1000 : 100);
            if (stopping || Volatile.Read(ref fsyncThread) != me) break;
            // Bytes a failed write kept are tried again even when no shard is writing.
            if (WriteError != null) TryCombine();
            bool current = (server.Config.AppendFsync == AofFsync.EverySec ? Volatile.Read(ref unsynced) > 0 : fsyncSkipped)
                           && !FsyncPostponed;
            if (current || RetiredPending)
            {
                if (current) fsyncSkipped = false;
                if (SyncLog(current) is { } err) WriteError = err;
            }
            CloseUnlinked();
        }
        // The log stopped: the files it retired are still fsynced and closed, as Redis's bio jobs still run.
        if (SyncLog(current: false) is { } e) Console.WriteLine("Fail to fsync the AOF file: " + e + ".");
        CloseUnlinked();
    }

    /// <summary>
    /// At exit (the loops have stopped): whatever the shards recorded is written and fsynced, as Redis's
    /// flushAppendOnlyFile(1) and fsync at shutdown.
    /// </summary>
    public void Close()
    {
        if (!On) return;
        foreach (Shard s in server.Shards)
            if (s.Aof.Length > 0) Publish(s);
        while (!TryCombine()) Thread.Yield();
        // finishShutdown's flushAppendOnlyFile(1) and fsync: a failure is logged, and the server exits all the same.
        Console.WriteLine("Calling fsync() on the AOF file.");
        if (Fsync() is { } error) Console.WriteLine("Fail to fsync the AOF file: " + error + ".");
        stopping = true;
        On = false;
        foreach (Shard s in server.Shards) s.Aof.On = false;
        file?.Dispose();
        file = null;
        CloseUnlinked();
    }

    /// <summary>
    /// flushAppendOnlyFile(1) from a shard's thread (DEBUG LOADAOF): every record published so far is written, then
    /// fsynced, whatever appendfsync says.
    /// </summary>
    public void FlushAll(Shard s)
    {
        if (!On) return;
        Sync(s, afterMessages: true);
        if (Fsync() is { } err) WriteError = err;
    }

    public void Dispose()
    {
        stopping = true;
        file?.Dispose();
        lock (fsyncGate)
        {
            foreach (RetiredFile r in retired) r.Handle.Dispose();
            retired.Clear();
        }
        CloseUnlinked();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(int fd);
    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint pwrite(int fd, byte* buf, nuint count, long offset);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int ftruncate(int fd, long length);
}
