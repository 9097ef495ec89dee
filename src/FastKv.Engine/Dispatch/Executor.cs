using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Looks commands up, checks them the way Redis's processCommand does, and runs them on a shard.
/// </summary>
public static unsafe class Executor
{
    /// <summary>
    /// The command (or subcommand) the arguments name, with arity checked; null after writing
    /// Redis's error for an unknown command, unknown subcommand or wrong arity.
    /// </summary>
    public static CommandSpec? Resolve(CommandTable table, ReadOnlySpan<byte> buf, ArgList args, RespWriter w)
        => Resolve(table, buf, args, w, out _);

    /// <summary>
    /// <see cref="Resolve(CommandTable, ReadOnlySpan{byte}, ArgList, RespWriter)"/>, and when the command was found but
    /// its arity is wrong, that command in <paramref name="refused"/> (Redis counts it in rejected_calls).
    /// <paramref name="found"/>: the table's entry for the name, when the caller looked it up already.
    /// </summary>
    public static CommandSpec? Resolve(CommandTable table, ReadOnlySpan<byte> buf, ArgList args, RespWriter w, out CommandSpec? refused,
        CommandSpec? found = null)
    {
        refused = null;
        CommandSpec? spec = found ?? table.Find(args.Get(buf, 0));
        if (spec == null)
        {
            w.Error(UnknownCommand(buf, args));
            return null;
        }
        if (spec.Subcommands != null && args.Count >= 2)
        {
            CommandSpec? sub = CommandTable.FindSub(spec, args.Get(buf, 1));
            if (sub == null)
            {
                w.Error("ERR unknown subcommand '" + Sanitize(args.Get(buf, 1), 128) + "'. Try " +
                        spec.Name.ToUpperInvariant() + " HELP.");
                return null;
            }
            spec = sub;
        }
        if (!spec.ArityOk(args.Count) || spec.Handler == null)
        {
            w.Error(Errors.WrongArgs(spec.FullName));
            refused = spec;
            return null;
        }
        return spec;
    }

    static string UnknownCommand(ReadOnlySpan<byte> buf, ArgList args)
    {
        var sb = new StringBuilder();
        for (int i = 1; i < args.Count && sb.Length < 128; i++)
        {
            int room = 128 - sb.Length;
            sb.Append('\'').Append(Sanitize(args.Get(buf, i), room)).Append("' ");
        }
        return "ERR unknown command '" + Sanitize(args.Get(buf, 0), 128) + "', with args beginning with: " + sb;
    }

    /// <summary>Bytes as Latin-1 text, cut at <paramref name="max"/>, CR/LF turned to spaces (Redis does the same).</summary>
    public static string Sanitize(ReadOnlySpan<byte> s, int max)
    {
        if (s.Length > max) s = s.Slice(0, Math.Max(0, max));
        var chars = new char[s.Length];
        for (int i = 0; i < s.Length; i++)
        {
            byte b = s[i];
            chars[i] = b == '\r' || b == '\n' ? ' ' : (char)b;
        }
        return new string(chars);
    }

    /// <summary>
    /// Runs a resolved command: calls its handler and counts it for INFO commandstats. <paramref name="count"/> is
    /// false for a part of a command that runs whole elsewhere (a multi-shard command's share on one shard, the
    /// non-blocking attempt of a blocking command): the command is counted once, by whoever runs it whole.
    /// </summary>
    public static unsafe void Invoke(ref CommandContext c, bool count = true)
    {
        // Redis's current_client for client-side caching: whose reads are remembered, whose own writes wait.
        TrackingTable tracking = c.Shard.Tracking;
        ClientTracking? outer = tracking.Caller;
        ClientTracking? caller = c.Client != null ? c.Client.Tracking : tracking.RemoteCaller;
        tracking.Caller = caller;
        // A session's command takes the end of the previous command of its pass as its start (Shard.ClockCarry); any
        // other (a script's call, a transaction's part, a message from another shard) reads the clock.
        Shard shard = c.Shard;
        long t0 = shard.ClockCarryOk ? shard.ClockCarry : 0;
        shard.ClockCarryOk = false;
        if (t0 == 0) t0 = Stopwatch.GetTimestamp();
        shard.CommandStart = t0;
        // CLIENT NO-TOUCH: lookups leave keys' access time alone, except TOUCH's own (Redis's lookupKey).
        bool noTouch = (c.Client?.NoTouch ?? c.Shard.NoTouchRequest) && !c.Spec.TouchesAlways;
        c.Shard.NoTouch = noTouch;
        if (c.Shard.Snapshot != null && (c.Spec.Flags & CommandFlags.Write) != 0) PrepareSnapshotWrite(ref c);
        long dirty = c.Shard.Stats.Dirty;
        long errors = c.W.ErrorReplies;
        AofRecorder aof = c.Shard.Aof;
        if (aof.On && !aof.Capturing) RunRecorded(ref c, aof, dirty);
        else
        {
            c.Spec.Handler(ref c);
            if (aof.On) RecordAsCame(ref c, aof, dirty);
        }
        c.Shard.NoTouch = false;
        // AOF replay (Redis's loader calls cmd->proc, not call()): no commandstats, slowlog or latency samples.
        if (count && c.Client is not { AofLoader: true })
        {
            long t1 = Stopwatch.GetTimestamp();
            shard.ClockCarry = t1;
            long micros = (t1 - t0) * 1_000_000 / Stopwatch.Frequency;
            Count(c.Shard, c.Spec, micros, failed: c.W.ErrorReplies != errors);
            ServerConfig cfg = c.Shard.Server.Config;
            if (cfg.LatencyTracking) LatencyHistogram.Record(ref c.Shard.CommandStats.Latency[c.Spec.Id], micros);
            if (cfg.LatencyMonitorThreshold != 0 && micros / 1000 >= cfg.LatencyMonitorThreshold) Commands.LatencyCommand.Spike(ref c, micros / 1000);
            long slower = cfg.SlowlogSlowerThan;
            if (slower >= 0 && micros >= slower) c.Shard.Server.SlowLog.Record(ref c, micros);
        }
        // Clients blocked on a key this write touched get served now, in arrival order; after a read, those whose
        // stream its lookup found expired (and deleted).
        if (c.Shard.Blocking.WatchedKeys != 0 && c.DbOverride == null)
        {
            if ((c.Spec.Flags & CommandFlags.Write) != 0) c.Shard.Blocking.AfterWrite(ref c);
            else c.Shard.Blocking.ServePending();
        }
        if (caller != null) TrackingTable.AfterCommand(ref c, caller);
        tracking.Caller = outer;
    }

    /// <summary>Redis propagates a command that changed dirty, as it came unless the handler wrote another form.</summary>
    static void RecordAsCame(ref CommandContext c, AofRecorder aof, long dirty)
    {
        if (!c.Propagated && c.Shard.Stats.Dirty != dirty) aof.Verbatim(c.DbIndex, c.Buffer, c.Args);
    }

    /// <summary>
    /// A command outside any unit while the AOF is on: its records (an expired key's DEL, then its own form) are one
    /// execution unit, wrapped in MULTI/EXEC when there are several, as Redis's propagatePendingCommands does (not
    /// for commands that touch arbitrary keys, whose deletions go out one by one).
    /// </summary>
    static void RunRecorded(ref CommandContext c, AofRecorder aof, long dirty)
    {
        aof.BeginCapture();
        try
        {
            c.Spec.Handler(ref c);
            RecordAsCame(ref c, aof, dirty);
        }
        finally
        {
            if ((c.Spec.Flags & CommandFlags.TouchesArbitraryKeys) != 0) aof.EndCapture(keep: true);
            else aof.EndCaptureWrapped();
        }
    }

    /// <summary>
    /// A write command while this shard's snapshot runs: every key it names has its bucket serialized first, so the
    /// command's in-place changes (a hash field, a list push, a string rewrite) cannot reach the snapshot.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void PrepareSnapshotWrite(ref CommandContext c)
    {
        Span<int> small = stackalloc int[32];
        int n = CommandTable.GetKeys(c.Spec, c.Buffer, c.Args, small);
        if (n <= 0) return;
        int[]? all = n <= small.Length ? null : CommandTable.GetKeys(c.Spec, c.Buffer, c.Args);
        ReadOnlySpan<int> pos = all ?? small.Slice(0, n);
        Database db = c.Db;
        foreach (int p in pos) db.PrepareWrite(c.Arg(p));
    }

    /// <summary>
    /// Counts one call of <paramref name="spec"/> on <paramref name="shard"/> (INFO commandstats, total_commands_processed);
    /// <paramref name="failed"/>: it replied an error (failed_calls).
    /// </summary>
    public static void Count(Shard shard, CommandSpec spec, long micros, bool failed = false)
    {
        var stats = shard.CommandStats;
        stats.Calls[spec.Id]++;
        stats.Microseconds[spec.Id] += micros;
        if (failed) stats.Failed[spec.Id]++;
        shard.Stats.CommandsProcessed++;
    }

    /// <summary>
    /// Redis's rejectCommand: <paramref name="spec"/> was refused before it ran (arity, NOAUTH, OOM, MISCONF, not
    /// allowed in MULTI...), its error already written. Null when no command was found: only the error counts.
    /// </summary>
    public static void Rejected(Shard shard, CommandSpec? spec)
    {
        if (spec != null) shard.CommandStats.Rejected[spec.Id]++;
    }

    /// <summary>Whether a granted intent lock of another transaction covers one of the command's keys.</summary>
    public static bool Blocked(Shard shard, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int db, long txId)
    {
        if (!shard.Locks.Active) return false;
        bool write = (spec.Flags & CommandFlags.Write) != 0;
        if (spec.Route == Route.AllShards || spec.Route == Route.Custom)
            return BlockedWhole(shard, txId);
        Span<int> pos = stackalloc int[64];
        int n = CommandTable.GetKeys(spec, buf, args, pos);
        if (n > pos.Length) return BlockedWhole(shard, txId);
        for (int i = 0; i < n; i++)
        {
            ulong id = TxLock.KeyId(db, KeyHash.Hash(args.Get(buf, pos[i])));
            if (shard.Locks.Blocks(id, write, txId)) return true;
        }
        return false;
    }

    static bool BlockedWhole(Shard shard, long txId) => shard.Locks.Active && shard.Locks.AnyGrantedOther(txId);

    /// <summary>
    /// Whether a granted intent lock of another transaction covers a key of any of the RESP-encoded commands
    /// (checked before an atomic request runs any of them). The commands were resolved when they were queued.
    /// </summary>
    public static bool AnyBlocked(Shard shard, ReadOnlySpan<byte> req, int db, long txId)
    {
        if (!shard.Locks.Active) return false;
        ArgList args = shard.ScratchArgs;
        for (int offset = 0; offset < req.Length;)
        {
            ref RespParser parser = ref shard.ScratchParser;
            parser.Reset();
            // As in RunEncoded: our own complete RESP arrays, which the parser does not write into.
            Span<byte> span = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(req), req.Length).Slice(offset);
            RespStatus st = parser.Parse(span, args, out int consumed);
            Debug.Assert(st == RespStatus.Complete);
            CommandSpec? spec = shard.Server.Commands.Find(args.Get(span, 0));
            if (spec != null && spec.Subcommands != null && args.Count >= 2) spec = CommandTable.FindSub(spec, args.Get(span, 1)) ?? spec;
            if (spec != null && Blocked(shard, spec, span, args, db, txId)) return true;
            offset += consumed;
        }
        return false;
    }

    /// <summary>
    /// Runs RESP-encoded commands from <paramref name="offset"/> on <paramref name="shard"/>,
    /// writing replies to <paramref name="w"/>. Returns false, with <paramref name="offset"/> at the
    /// blocked command, when an intent lock makes it wait.
    /// </summary>
    public static bool RunEncoded(Shard shard, ReadOnlySpan<byte> req, ref int offset, RespWriter w, int db, long txId, bool count = true)
    {
        ArgList args = shard.ScratchArgs;
        while (offset < req.Length)
        {
            ref RespParser parser = ref shard.ScratchParser;
            parser.Reset();
            // The request was encoded by us as RESP arrays: complete and well-formed, and the
            // parser only writes into the buffer for inline commands, so the cast is safe.
            Span<byte> span = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(req), req.Length).Slice(offset);
            RespStatus st = parser.Parse(span, args, out int consumed);
            Debug.Assert(st == RespStatus.Complete);
            ReadOnlySpan<byte> buf = span;
            CommandSpec? spec = Executor.Resolve(shard.Server.Commands, buf, args, w);
            if (spec != null)
            {
                if (Blocked(shard, spec, buf, args, db, txId)) return false;
                var c = new CommandContext
                {
                    Shard = shard, W = w, Client = null, DbIndex = db, Buffer = buf, Args = args, Spec = spec, TxId = txId,
                };
                Invoke(ref c, count);
            }
            offset += consumed;
        }
        return true;
    }
}
