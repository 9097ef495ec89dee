using System;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Asks the CPU for the table memory the next pipelined commands' keys will touch, before they run. A key lookup
/// in a table far larger than the cache misses twice (the bucket's fingerprints, then the entry's key); with a
/// pipeline in the query buffer both misses can overlap the work of the commands before it. A window of commands
/// is parsed ahead (without running anything) and each first key's home bucket is prefetched (<see cref="Ahead"/>);
/// then, as each command of the window starts, the entry the next key's bucket points to (<see cref="Step"/>), by
/// when that bucket has arrived. Nothing here changes state: a wrong guess (another database after a SELECT, a key
/// the command does not read) costs a few cache lines. One per shard, used by its sessions' <see cref="Session.Process"/>.
/// <para>
/// It runs for a database holding <c>fastkv-lookahead-min-keys</c> (8192) keys on the shard: below, the keys' buckets
/// and entries stay cached and the look-ahead is all cost, whatever the values' size. Measured 2026-12-04
/// (perf/RESULTS.md): GET at pipeline 16 over 1000 / 4000 keys ran 5% / 2% faster per CPU-second without it, over 16k /
/// 100k keys 5% / 9% slower; PFCOUNT and SETBIT over 1000 keys of 1-12 KB values 3% / 2% faster without it.
/// </para>
/// <para>
/// The window's parse is not thrown away: each command's arguments and its command-table entry are kept, and the
/// session takes them (<see cref="TryTake"/>) instead of parsing and looking the command up a second time. A parse
/// depends on the bytes, the bulk length limit and whether the connection is authenticated, so a command is taken
/// only while the session's parser has the settings the window was parsed with.
/// </para>
/// </summary>
public sealed class PipelinePrefetch
{
    /// <summary>
    /// Commands looked at per window: a command's time covers a miss, and two lines per key stay within what the
    /// core keeps in flight (a full fill buffer makes prefetches wait).
    /// </summary>
    public const int Window = 8;

    RespParser parser;
    readonly ulong[] hashes = new ulong[Window];
    int count, stepped;
    KeyTable? table;
    Session? owner;
    /// <summary>The window's complete commands in input order: arguments, start offset, length and table entry.</summary>
    readonly ArgList[] parsed = new ArgList[Window];
    /// <summary>Where a command too long to keep is parsed (<see cref="IsSmallCount"/>).</summary>
    ArgList scratch = new();
    readonly int[] parsedAt = new int[Window];
    readonly int[] parsedLength = new int[Window];
    readonly CommandSpec?[] parsedSpec = new CommandSpec?[Window];
    int parsedCount, taken;

    public PipelinePrefetch(ServerConfig config)
    {
        parser = new RespParser();
        parser.Reset();
        parser.MaxBulkLength = config.ProtoMaxBulkLen;
        parser.Authenticated = true;
        for (int i = 0; i < Window; i++) parsed[i] = new ArgList();
    }

    /// <summary>
    /// Prefetches the home buckets for the complete multibulk commands in <paramref name="input"/> (up to
    /// <see cref="Window"/>); returns how many bytes they took, so the caller knows where the next window starts.
    /// <paramref name="at"/> is where <paramref name="input"/> starts in the session's query buffer, and
    /// <paramref name="maxBulk"/> the session parser's bulk length limit (the session is authenticated).
    /// </summary>
    public int Ahead(Session session, int db, Span<byte> input, int at, long maxBulk)
    {
        ServerState server = session.Home.Server;
        Shard home = session.Home;
        Span<int> keyPos = stackalloc int[4];
        KeyTable t = home.Dbs[db].Table;
        parser.MaxBulkLength = maxBulk;
        int n = 0, pos = 0, m = 0;
        while (m < Window && pos + 3 < input.Length && input[pos] == (byte)'*')
        {
            Span<byte> rest = input.Slice(pos);
            // A command of 100 or more arguments is parsed into the scratch list and not kept (the main parser takes
            // it): the window's lists stay small.
            bool small = IsSmallCount(rest.Slice(1));
            ArgList args = small ? parsed[m] : scratch;
            RespStatus st = parser.Parse(rest, args, out int used);
            parser.Reset();
            if (st != RespStatus.Complete) break;
            CommandSpec? spec = args.Count > 0 ? server.Commands.Find(args.Get(rest, 0)) : null;
            parsedAt[m] = small ? at + pos : -1;
            parsedLength[m] = used;
            parsedSpec[m] = spec;
            m++;
            pos += used;
            int k = FirstKey(spec, rest, args, keyPos);
            if (k < 0) continue;
            ReadOnlySpan<byte> key = args.Get(rest, k);
            if (server.ShardCount > 1 && server.ShardOf(key) != home) continue;
            ulong h = KeyHash.Hash(key);
            t.PrefetchBucket(h);
            hashes[n++] = h;
        }
        (count, stepped, table, owner) = (n, 0, t, session);
        (parsedCount, taken) = (m, 0);
        // After a command of more than 65536 arguments its lists are not kept (smaller ones keep the grown lists, as the
        // session's own argument list does, so a pipeline of large MSETs allocates nothing).
        if (scratch.Capacity > 1 << 16) scratch = new ArgList();
        // The first bucket was asked for before the others were parsed: the next command's entry can follow now.
        Step(session);
        return pos;
    }

    /// <summary>
    /// A command of the window starts: the entry of the key after it is asked for, its bucket having had at least a
    /// command's time to arrive (commands without a key make this a guess; a wrong one costs a cache line).
    /// </summary>
    public void Step(Session session)
    {
        if (owner != session || stepped >= count) return;
        table!.PrefetchEntry(hashes[stepped++]);
    }

    /// <summary>
    /// The window's command that starts at <paramref name="at"/> of <paramref name="session"/>'s query buffer, parsed
    /// as <paramref name="sessionParser"/> would parse it: its arguments copied into <paramref name="into"/>, its
    /// length and its command-table entry (null: not in the table). False when the window does not hold it (another
    /// session's, another offset, or a parser setting changed since, e.g. RESET ended the authentication).
    /// </summary>
    public bool TryTake(Session session, int at, in RespParser sessionParser, ArgList into, out int length, out CommandSpec? spec)
    {
        int i = taken;
        // Commands of the window before this one that were not taken (too long to keep, parsed by the session): skipped.
        while (i < parsedCount && parsedAt[i] < at) i++;
        if (owner != session || i >= parsedCount || parsedAt[i] != at || !sessionParser.Authenticated
            || sessionParser.MaxBulkLength != parser.MaxBulkLength)
        {
            (length, spec) = (0, null);
            return false;
        }
        taken = i + 1;
        into.CopyFrom(parsed[i]);
        (length, spec) = (parsedLength[i], parsedSpec[i]);
        return true;
    }

    /// <summary>The window is no longer the session's to take from (its pass ended; the query buffer may move).</summary>
    public void Forget(Session session)
    {
        if (owner == session) (owner, parsedCount, count) = (null, 0, 0);
    }

    /// <summary>A multibulk count of one or two digits: "2\r" or "12\r".</summary>
    static bool IsSmallCount(ReadOnlySpan<byte> p) =>
        (uint)(p[0] - '0') <= 9 && (p[1] == '\r' || (uint)(p[1] - '0') <= 9 && p.Length > 2 && p[2] == '\r');

    /// <summary>The argument index of the parsed command's first key, or -1 (no key, unknown command, a container command).</summary>
    static unsafe int FirstKey(CommandSpec? spec, ReadOnlySpan<byte> buf, ArgList args, Span<int> keyPos)
    {
        if (args.Count < 2) return -1;
        if (spec == null || spec.Subcommands != null) return -1;
        if (spec.KeysProc != null)
        {
            // EVAL, EVALSHA, FCALL, ZUNIONSTORE...: the procedure reads only the parsed arguments.
            int found = spec.KeysProc(buf, args, keyPos);
            return found > 0 ? keyPos[0] : -1;
        }
        return spec.FirstKey > 0 && spec.FirstKey < args.Count ? spec.FirstKey : -1;
    }
}
