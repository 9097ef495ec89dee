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
/// </summary>
public sealed class PipelinePrefetch
{
    /// <summary>
    /// Commands looked at per window: a command's time covers a miss, and two lines per key stay within what the
    /// core keeps in flight (a full fill buffer makes prefetches wait).
    /// </summary>
    public const int Window = 8;

    readonly ArgList args = new();
    RespParser parser;
    readonly ulong[] hashes = new ulong[Window];
    int count, stepped;
    KeyTable? table;
    Session? owner;

    public PipelinePrefetch(ServerConfig config)
    {
        parser = new RespParser();
        parser.Reset();
        parser.MaxBulkLength = config.ProtoMaxBulkLen;
        parser.Authenticated = true;
    }

    /// <summary>
    /// Prefetches the home buckets for the complete multibulk commands in <paramref name="input"/> (up to
    /// <see cref="Window"/>); returns how many bytes they took, so the caller knows where the next window starts.
    /// </summary>
    public int Ahead(Session session, int db, Span<byte> input)
    {
        ServerState server = session.Home.Server;
        Shard home = session.Home;
        Span<int> keyPos = stackalloc int[4];
        KeyTable t = home.Dbs[db].Table;
        int n = 0, pos = 0;
        while (n < Window && pos < input.Length && input[pos] == (byte)'*')
        {
            Span<byte> rest = input.Slice(pos);
            RespStatus st = parser.Parse(rest, args, out int used);
            parser.Reset();
            if (st != RespStatus.Complete) break;
            pos += used;
            int k = FirstKey(server.Commands, rest, keyPos);
            if (k < 0) continue;
            ReadOnlySpan<byte> key = args.Get(rest, k);
            if (server.ShardCount > 1 && server.ShardOf(key) != home) continue;
            ulong h = KeyHash.Hash(key);
            t.PrefetchBucket(h);
            hashes[n++] = h;
        }
        (count, stepped, table, owner) = (n, 0, t, session);
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

    /// <summary>The argument index of the parsed command's first key, or -1 (no key, unknown command, a container command).</summary>
    unsafe int FirstKey(CommandTable commands, ReadOnlySpan<byte> buf, Span<int> keyPos)
    {
        if (args.Count < 2) return -1;
        CommandSpec? spec = commands.Find(args.Get(buf, 0));
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
