using System;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Asks the CPU for the table memory the next pipelined commands' keys will touch, before they run. A key lookup
/// in a table far larger than the cache misses twice (the bucket's fingerprints, then the entry's key); with a
/// pipeline in the query buffer both misses can overlap the work of the commands before it. A window of commands
/// is parsed ahead (without running anything), each first key's home bucket is prefetched, then each bucket's
/// matching entry. Nothing here changes state: a wrong guess (another database after a SELECT, a key the command
/// does not read) costs a few cache lines. One per shard, used by its sessions' <see cref="Session.Process"/>.
/// </summary>
public sealed class PipelinePrefetch
{
    /// <summary>Commands looked at per window: enough misses in flight, few enough to stay in the L1 cache.</summary>
    public const int Window = 16;

    readonly ArgList args = new();
    RespParser parser;

    public PipelinePrefetch(ServerConfig config)
    {
        parser = new RespParser();
        parser.Reset();
        parser.MaxBulkLength = config.ProtoMaxBulkLen;
        parser.Authenticated = true;
    }

    /// <summary>
    /// Prefetches for the complete multibulk commands in <paramref name="input"/> (up to <see cref="Window"/>);
    /// returns how many bytes they took, so the caller knows where the next window starts.
    /// </summary>
    public int Ahead(ServerState server, Shard home, int db, Span<byte> input)
    {
        Span<ulong> hashes = stackalloc ulong[Window];
        Span<int> keyPos = stackalloc int[4];
        KeyTable table = home.Dbs[db].Table;
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
            table.PrefetchBucket(h);
            hashes[n++] = h;
        }
        // By now the first buckets have arrived: the entries they point to are the second miss.
        for (int i = 0; i < n; i++) table.PrefetchEntry(hashes[i]);
        return pos;
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
