using System;
using System.Buffers;
using System.Globalization;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// Commands over a whole keyspace: KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB.
/// The router runs them on every shard (or, for SCAN and RANDOMKEY, picks the shard) and merges
/// the replies; each handler here answers for the shard it runs on only.
/// </summary>
public static unsafe partial class KeyCommands
{
    static void RegisterKeyspace(CommandTable t)
    {
        t.Add("keys", &Keys, route: Route.AllShards);
        CommandSpec scan = t.Add("scan", &Scan, route: Route.Custom);
        scan.CustomRoute = &ScanTarget;
        scan.Flags |= CommandFlags.TouchesArbitraryKeys;
        CommandSpec randomKey = t.Add("randomkey", &RandomKey, route: Route.Custom);
        randomKey.CustomRoute = &RandomKeyTarget;
        randomKey.Flags |= CommandFlags.TouchesArbitraryKeys;
        t.Add("dbsize", &DbSize, route: Route.AllShards);
        t.Add("flushdb", &FlushDb, route: Route.AllShards);
        t.Add("flushall", &FlushAll, route: Route.AllShards).AfterAllShards = &SaveFlushed;
        t.Add("swapdb", &SwapDb, route: Route.AllShards);
    }

    /// <summary>SCAN's shard: the cursor names it (position * shardCount + shard).</summary>
    static Shard? ScanTarget(ServerState server, Shard home, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int db)
    {
        if (!TryParseCursor(args.Get(buf, 1), out ulong cursor)) return home; // the handler replies the error
        return server.Shards[(int)(cursor % (ulong)server.ShardCount)];
    }

    /// <summary>RANDOMKEY's shard, weighted by each shard's key count (<see cref="RandomKeyShard"/>).</summary>
    static Shard? RandomKeyTarget(ServerState server, Shard home, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int db)
        => RandomKeyShard(server, home, db);

    // ---- KEYS ----------------------------------------------------------------------------------

    /// <summary>Appends an entry pointer to a pooled array, growing it when full (KEYS and SCAN collect this way).</summary>
    static void Keep(ref nint[] found, ref int count, byte* e)
    {
        if (count == found.Length)
        {
            nint[] bigger = ArrayPool<nint>.Shared.Rent(found.Length * 2);
            Array.Copy(found, bigger, count);
            ArrayPool<nint>.Shared.Return(found);
            found = bigger;
        }
        found[count++] = (nint)e;
    }

    /// <summary>
    /// Collects the live keys of one table that match a pattern. Holds raw pointers because a
    /// visitor cannot hold a span; the pattern is pinned by the caller for the visitor's lifetime.
    /// </summary>
    struct KeysVisitor : IEntryVisitor
    {
        public Shard Shard;
        public byte* Pattern;
        public int PatternLength;
        public bool All;
        public nint[] Found;
        public int Count;

        public bool Visit(byte* e)
        {
            // KEYS skips expired keys without deleting them, as Redis's keysCommand does.
            if (KeyLookup.IsExpired(Shard, e)) return false;
            if (!All && !Glob.Match(new ReadOnlySpan<byte>(Pattern, PatternLength), KeyEntry.Key(e), false)) return false;
            Keep(ref Found, ref Count, e);
            return false;
        }
    }

    static void Keys(ref CommandContext c)
    {
        ReadOnlySpan<byte> pattern = c.Arg(1);
        KeyTable table = c.Db.Table;
        // The pattern lives in the request buffer, pinned here for the whole walk.
        fixed (byte* p = pattern)
        {
            var v = new KeysVisitor
            {
                Shard = c.Shard,
                Pattern = p,
                PatternLength = pattern.Length,
                All = pattern.Length == 1 && pattern[0] == '*',
                Found = ArrayPool<nint>.Shared.Rent(64),
            };
            uint cursor = 0;
            do cursor = table.Scan(cursor, ref v);
            while (cursor != 0);

            // Found holds live entries of this table; nothing was freed since they were collected.
            c.W.ArrayHeader(v.Count);
            for (int i = 0; i < v.Count; i++) c.W.Bulk(KeyEntry.Key((byte*)v.Found[i]));
            ArrayPool<nint>.Shared.Return(v.Found);
        }
    }

    // ---- SCAN ----------------------------------------------------------------------------------

    /// <summary>
    /// One SCAN step over a table: deletes expired entries it meets (as Redis's scan does), counts
    /// the live ones toward COUNT, and keeps those that pass MATCH and TYPE.
    /// </summary>
    struct ScanVisitor : IEntryVisitor
    {
        public Shard Shard;
        public Database Db;
        public byte* Pattern;
        public int PatternLength; // -1: no MATCH filter
        public int Type;          // -1: no TYPE filter; -2: a type name no value has
        public nint[] Found;
        public int Count;
        public long Visited;

        public bool Visit(byte* e)
        {
            if (KeyLookup.IsExpired(Shard, e))
            {
                // Returning true removes it from the table; the visitor frees it.
                Db.DropExpired(e);
                return true;
            }
            Visited++;
            if (PatternLength >= 0 && !Glob.Match(new ReadOnlySpan<byte>(Pattern, PatternLength), KeyEntry.Key(e), false))
                return false;
            if (Type != -1 && KeyEntry.Type(e) != Type) return false;
            Keep(ref Found, ref Count, e);
            return false;
        }
    }

    /// <summary>
    /// SCAN cursor [MATCH p] [COUNT n] [TYPE t]. The cursor interleaves shards:
    /// cursor = tablePosition * shardCount + shardIndex, so the router sends it to
    /// cursor % shardCount. When this shard's walk ends the next cursor names the next shard at
    /// position 0, or is 0 after the last shard.
    /// </summary>
    static void Scan(ref CommandContext c)
    {
        if (!TryParseCursor(c.Arg(1), out ulong cursor)) { c.W.Error(Errors.InvalidCursor); return; }
        if (!ScanOptions.TryParse(ref c, 2, true, out ScanOptions o)) return;
        long count = o.Count;
        int patternArg = o.PatternArg;
        int type = o.TypeArg >= 0 ? TypeByName(c.Arg(o.TypeArg)) : -1;

        int shards = Math.Max(1, c.Shard.Server.ShardCount);
        int self = c.Shard.Id;
        ulong wide = cursor / (ulong)shards;
        Database db = c.Db;
        if (wide > uint.MaxValue)
        {
            // Not a cursor we issue (e.g. "-1" read as strtoul does): this shard's walk is over.
            c.W.ArrayHeader(2);
            c.W.Bulk(self + 1 < shards ? RespNumberText(self + 1) : "0"u8);
            c.W.ArrayHeader(0);
            return;
        }
        uint pos = (uint)wide;
        ReadOnlySpan<byte> pattern = patternArg >= 0 ? c.Arg(patternArg) : ReadOnlySpan<byte>.Empty;
        // The pattern lives in the request buffer, pinned here for the whole walk.
        fixed (byte* p = pattern)
        {
            var v = new ScanVisitor
            {
                Shard = c.Shard,
                Db = db,
                Pattern = p,
                PatternLength = patternArg >= 0 ? pattern.Length : -1,
                Type = type,
                Found = ArrayPool<nint>.Shared.Rent((int)Math.Min(count, 1024)),
            };
            // COUNT is a hint: whole segments until COUNT live keys were seen, bounded like Redis (10x).
            long iterations = count * 10;
            do pos = db.Table.Scan(pos, ref v);
            while (pos != 0 && v.Visited < count && --iterations > 0);

            ulong next = pos != 0 ? (ulong)pos * (ulong)shards + (ulong)self
                : (self + 1 < shards ? (ulong)(self + 1) : 0);
            Span<byte> text = stackalloc byte[20];
            next.TryFormat(text, out int n, default, CultureInfo.InvariantCulture);
            c.W.ArrayHeader(2);
            c.W.Bulk(text.Slice(0, n));
            // Found holds live entries; the visitor freed only entries it did not keep.
            c.W.ArrayHeader(v.Count);
            for (int i = 0; i < v.Count; i++) c.W.Bulk(KeyEntry.Key((byte*)v.Found[i]));
            ArrayPool<nint>.Shared.Return(v.Found);
        }
    }

    /// <summary>
    /// parseScanCursorOrReply uses strtoul: optional sign, decimal digits, no surrounding space,
    /// no overflow; a negative number wraps; an empty cursor is 0.
    /// </summary>
    internal static bool TryParseCursor(ReadOnlySpan<byte> s, out ulong cursor)
    {
        cursor = 0;
        if (s.Length == 0) return true;
        int i = 0;
        bool neg = false;
        if (s[0] == '+' || s[0] == '-') { neg = s[0] == '-'; i = 1; }
        if (i == s.Length) return false;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (cursor > (ulong.MaxValue - d) / 10) return false;
            cursor = cursor * 10 + d;
        }
        if (neg) cursor = unchecked(0 - cursor);
        return true;
    }

    static byte[] RespNumberText(int n) => System.Text.Encoding.ASCII.GetBytes(n.ToString(CultureInfo.InvariantCulture));

    /// <summary>SCAN TYPE: Redis compares type names case-insensitively; an unknown name matches nothing.</summary>
    static int TypeByName(ReadOnlySpan<byte> name)
    {
        if (Ascii.EqualsIgnoreCase(name, "string"u8)) return ValueKind.String;
        if (Ascii.EqualsIgnoreCase(name, "list"u8)) return ValueKind.List;
        if (Ascii.EqualsIgnoreCase(name, "set"u8)) return ValueKind.Set;
        if (Ascii.EqualsIgnoreCase(name, "zset"u8)) return ValueKind.ZSet;
        if (Ascii.EqualsIgnoreCase(name, "hash"u8)) return ValueKind.Hash;
        if (Ascii.EqualsIgnoreCase(name, "stream"u8)) return ValueKind.Stream;
        return -2;
    }

    // ---- RANDOMKEY / DBSIZE --------------------------------------------------------------------

    /// <summary>
    /// The shard RANDOMKEY runs on: each with odds in proportion to its key count in the database, so that,
    /// the shard's table sampling every entry alike, every key of the database has the same odds, as in
    /// Redis's one dictionary. Other shards' counts are read without a lock (a stale count skews one pick
    /// at most). Home when the database is empty everywhere.
    /// <para>
    /// The draw peeks at home's generator and consumes it only when the command leaves for another shard.
    /// A session may route one command twice (with replies of a pipeline still out, it ends the pass before
    /// a command that runs at home and parses that command again), and a fresh draw the second time would
    /// send a command picked for home elsewhere after all: with two keys on two shards, 2:1 for the
    /// foreign one. A command that does run at home advances the generator through its own table sample.
    /// </para>
    /// </summary>
    public static Shard RandomKeyShard(ServerState server, Shard home, int db)
    {
        int n = server.ShardCount;
        if (n == 1) return server.Shards[0];
        Span<long> counts = n <= 64 ? stackalloc long[n] : new long[n];
        long total = 0;
        for (int i = 0; i < n; i++)
        {
            counts[i] = Math.Max(0, server.Shards[i].Dbs[db].Count);
            total += counts[i];
        }
        if (total == 0) return home;
        long pick = (long)(SampleRandom.Peek(home.Rng) % (ulong)total);
        Shard chosen = home;
        for (int i = 0; i < n; i++)
        {
            if (pick < counts[i])
            {
                chosen = server.Shards[i];
                break;
            }
            pick -= counts[i];
        }
        if (chosen != home) home.NextRandom();
        return chosen;
    }

    /// <summary>A random live key of this shard's table, or null. Expired picks are deleted and retried.</summary>
    static void RandomKey(ref CommandContext c)
    {
        Database db = c.Db;
        for (int tries = 0; tries < 100; tries++)
        {
            byte* e = db.Table.RandomEntry(ref c.Shard.Rng);
            if (e == null) break;
            if (KeyLookup.IsExpired(c.Shard, e))
            {
                db.SignalExpired(KeyEntry.Key(e));
                db.PropagateExpired(KeyEntry.Key(e));
                db.Remove(e);
                c.Shard.Stats.ExpiredKeys++;
                continue;
            }
            c.W.Bulk(KeyEntry.Key(e));
            return;
        }
        c.W.NullBulk();
    }

    static void DbSize(ref CommandContext c) => c.W.Integer(c.Db.Count);

    // ---- FLUSHDB / FLUSHALL / SWAPDB -----------------------------------------------------------

    /// <summary>
    /// getFlushCommandFlags: no argument (ASYNC under lazyfree-lazy-user-flush, else SYNC), SYNC or ASYNC; false after
    /// the syntax error. An ASYNC flush leaves the old tables to the shard's lazy free (<see cref="Database.ClearLater"/>).
    /// </summary>
    static bool FlushArgsOk(ref CommandContext c, out bool async)
    {
        async = false;
        if (c.Count > 2 || (c.Count == 2 && !c.ArgIs(1, "sync"u8) && !c.ArgIs(1, "async"u8)))
        {
            c.W.Error(Errors.Syntax);
            return false;
        }
        async = c.Count == 2 ? c.ArgIs(1, "async"u8) : c.Shard.Server.Config.LazyfreeLazyUserFlush;
        return true;
    }

    static void FlushDb(ref CommandContext c)
    {
        if (!FlushArgsOk(ref c, out bool async)) return;
        c.Shard.Watches.TouchAll(c.DbIndex);
        // Redis counts every key the flush removed (emptyData's count); each shard adds its own.
        c.Dirty(c.Db.Count);
        if (async) c.Db.ClearLater();
        else c.Db.Clear();
        TrackingTable.Flushed(ref c);
        PropagateAlways(ref c);
        c.W.Ok();
    }

    /// <summary>
    /// Redis's forceCommandPropagation for FLUSHDB and FLUSHALL: the command reaches the AOF as it came even when the
    /// databases were already empty (nothing counted dirty).
    /// </summary>
    static void PropagateAlways(ref CommandContext c)
    {
        if (!c.Shard.Aof.On) return;
        c.Shard.Aof.Verbatim(c.DbIndex, c.Buffer, c.Args);
        c.Propagated = true;
    }

    static void FlushAll(ref CommandContext c)
    {
        if (!FlushArgsOk(ref c, out bool async)) return;
        // Redis's flushAllDataAndResetRDB: a running BGSAVE would write back what was just flushed, so it stops (an AOF
        // rewrite goes on); with save points the empty dataset is saved next (Redis saves it before replying).
        c.Shard.Server.Persistence.FlushedAll(c.Shard);
        c.Shard.Watches.TouchAll(-1);
        foreach (Database db in c.Shard.Dbs)
        {
            c.Dirty(db.Count);
            if (async) db.ClearLater();
            else db.Clear();
        }
        TrackingTable.Flushed(ref c);
        PropagateAlways(ref c);
        // Run here whole (not as one shard's part of a transaction over all of them): the dataset is empty now.
        if (c.TxId == 0 && c.Shard.Server.Shards.Length == 1) SaveFlushed(c.Shard);
        c.W.Ok();
    }

    /// <summary>FLUSHALL's last step, the dataset empty everywhere: Redis saves it before replying when save points exist.</summary>
    static void SaveFlushed(Shard home) => home.Server.Persistence.SaveFlushedNow(home);

    static void SwapDb(ref CommandContext c)
    {
        if (!RespNumber.TryParseInt64(c.Arg(1), out long a) || a < int.MinValue || a > int.MaxValue)
        {
            c.W.Error("ERR invalid first DB index");
            return;
        }
        if (!RespNumber.TryParseInt64(c.Arg(2), out long b) || b < int.MinValue || b > int.MaxValue)
        {
            c.W.Error("ERR invalid second DB index");
            return;
        }
        Database[] dbs = c.Shard.Dbs;
        if (a < 0 || a >= dbs.Length || b < 0 || b >= dbs.Length)
        {
            c.W.Error(Errors.DbIndexOutOfRange);
            return;
        }
        if (a != b)
        {
            c.Shard.Watches.TouchSwap((int)a, (int)b);
            Database.Swap(dbs[a], dbs[b]);
            // Clients blocked on a key the swap brought in are served, as by a push.
            c.Shard.Blocking.SignalDatabases((int)a, (int)b);
        }
        // One change for the server (even swapping a database with itself), counted by the first shard: every
        // shard runs its part of SWAPDB.
        if (c.Shard.Id == 0) c.Dirty();
        c.W.Ok();
    }
}
