using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Engine.Commands;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// DEBUG DIGEST, DEBUG DIGEST-VALUE and DEBUG POPULATE over every shard, as one command: each shard works on the keys it
/// owns under the transaction's lock on it (shared for the digests, exclusive for POPULATE), and the home shard merges.
/// Redis's DIGEST sums the databases in order, so each shard answers one partial sum per database (<see cref="Digest"/>).
/// </summary>
public sealed class DebugDatasetTx : MultiShardTx
{
    enum Kind { Digest, DigestValue, Populate }

    readonly Kind kind;
    readonly byte[][] args;
    readonly List<ShardOp> sent = new();
    long count, valueSize;
    byte[] prefix = "key"u8.ToArray();

    public DebugDatasetTx(Session s, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList a) : base(s)
    {
        args = new CopiedArgs(buf, a).Items;
        Counted = spec;
        kind = KindOf(args);
    }

    /// <summary>Whether the router sends <paramref name="args"/> here: DIGEST, DIGEST-VALUE [key ...], POPULATE count [prefix [size]].</summary>
    public static bool Names(ReadOnlySpan<byte> buf, ArgList args)
    {
        if (args.Count < 2) return false;
        ReadOnlySpan<byte> sub = args.Get(buf, 1);
        return Ascii.EqualsIgnoreCase(sub, "digest"u8) && args.Count == 2
               || Ascii.EqualsIgnoreCase(sub, "digest-value"u8)
               || Ascii.EqualsIgnoreCase(sub, "populate"u8) && args.Count is >= 3 and <= 5;
    }

    public override void Start()
    {
        if (kind == Kind.Populate && PopulateError(Server.Config, args, out count, out prefix, out valueSize) is { } error)
        {
            W.Error(error);
            Finish();
            return;
        }
        foreach (var sh in Server.Shards) LockShard(sh, kind == Kind.Populate);
        Acquire();
    }

    /// <summary>
    /// POPULATE's arguments: Redis's getPositiveLongFromObjectOrReply for the count and the size (anything but a
    /// non-negative long is its error), and a size no bulk string could have is refused. Null when they are good.
    /// </summary>
    static string? PopulateError(ServerConfig config, byte[][] args, out long count, out byte[] prefix, out long size)
    {
        size = 0;
        prefix = args.Length >= 4 ? args[3] : "key"u8.ToArray();
        if (!RespNumber.TryParseInt64(args[2], out count) || count < 0
            || args.Length == 5 && (!RespNumber.TryParseInt64(args[4], out size) || size < 0))
            return "ERR value is out of range, must be positive";
        if (size > config.ProtoMaxBulkLen) return "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
        // Redis first grows the database's table to hold them all and fails when that bucket array (8 bytes per slot, a
        // power of two) cannot be allocated; a count no memory could hold gets its error rather than a shard that never
        // finishes.
        long slots = count <= 1 ? 1 : count > 1L << 62 ? long.MaxValue : (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)count);
        if (slots > GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 8) return "ERR OOM in dictTryExpand";
        return null;
    }

    /// <summary>
    /// The command on a server of one shard, where it runs as any other (inside EXEC, the handler calls this): the same
    /// operation, run here, and the same reply.
    /// </summary>
    public static void RunLocal(Shard shard, int db, byte[][] args, RespWriter w)
    {
        Kind kind = KindOf(args);
        if (kind == Kind.Populate)
        {
            if (PopulateError(shard.Server.Config, args, out long count, out byte[] prefix, out long size) is { } error)
            {
                w.Error(error);
                return;
            }
            new Populate(db, count, prefix, size).RunForScript(shard);
            w.Ok();
            return;
        }
        ShardOp op = kind == Kind.Digest ? new DigestDatabases() : new DigestValues(db, args);
        op.RunForScript(shard);
        Reply(w, kind, shard.Dbs.Length, args, new List<ShardOp> { op });
    }

    static Kind KindOf(byte[][] args) => Ascii.EqualsIgnoreCase(args[1], "digest"u8) ? Kind.Digest
        : Ascii.EqualsIgnoreCase(args[1], "digest-value"u8) ? Kind.DigestValue : Kind.Populate;

    protected override void Begin()
    {
        foreach (var sh in Server.Shards)
        {
            ShardOp op = kind switch
            {
                Kind.Digest => new DigestDatabases(),
                Kind.DigestValue => new DigestValues(Db, args),
                _ => new Populate(Db, count, prefix, valueSize),
            };
            sent.Add(Op(sh, op));
        }
        SendRound();
    }

    protected override void OnRound(RemoteRequest[] parts)
    {
        Reply(W, kind, Home.Dbs.Length, args, sent);
        Finish();
    }

    /// <summary>The reply from every shard's operation.</summary>
    static void Reply(RespWriter w, Kind kind, int databases, byte[][] args, List<ShardOp> sent)
    {
        switch (kind)
        {
            case Kind.Digest:
            {
                Span<byte> final = stackalloc byte[DebugDigest.Size];
                Span<byte> dbBytes = stackalloc byte[4];
                Span<byte> sum = stackalloc byte[DebugDigest.Size];
                for (int db = 0; db < databases; db++)
                {
                    bool any = false;
                    sum.Clear();
                    foreach (DigestDatabases op in sent)
                    {
                        if (!op.HasKeys[db]) continue;
                        any = true;
                        for (int i = 0; i < DebugDigest.Size; i++) sum[i] ^= op.Sums[db * DebugDigest.Size + i];
                    }
                    if (!any) continue;
                    System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(dbBytes, db);
                    DebugDigest.Mix(final, dbBytes);
                    for (int i = 0; i < DebugDigest.Size; i++) final[i] ^= sum[i];
                }
                w.Simple(Convert.ToHexStringLower(final));
                break;
            }
            case Kind.DigestValue:
            {
                var found = new byte[args.Length - 2][];
                foreach (DigestValues op in sent)
                    for (int i = 0; i < op.Indexes.Count; i++) found[op.Indexes[i]] = op.Digests[i];
                w.ArrayHeader(found.Length);
                foreach (byte[] d in found) w.Simple(Convert.ToHexStringLower(d));
                break;
            }
            default:
                w.Ok();
                break;
        }
    }

    /// <summary>Per database, whether this shard holds keys there and the xor of SHA1(key-value digest) over them.</summary>
    sealed unsafe class DigestDatabases : ShardOp
    {
        public bool[] HasKeys = Array.Empty<bool>();
        public byte[] Sums = Array.Empty<byte>();

        protected override void Execute(Shard shard)
        {
            int n = shard.Dbs.Length;
            HasKeys = new bool[n];
            var scratch = new System.Buffers.ArrayBufferWriter<byte>(256);
            Sums = new byte[n * DebugDigest.Size];
            for (int db = 0; db < n; db++)
            {
                KeyTable t = shard.Dbs[db].Table;
                if (t.Count == 0) continue;
                HasKeys[db] = true;
                var v = new Visitor { Sum = new byte[DebugDigest.Size], Scratch = scratch };
                uint cursor = 0;
                do cursor = t.Scan(cursor, ref v);
                while (cursor != 0);
                v.Sum.CopyTo(Sums, db * DebugDigest.Size);
            }
        }

        struct Visitor : IEntryVisitor
        {
            public byte[] Sum;
            public System.Buffers.ArrayBufferWriter<byte> Scratch;

            public bool Visit(byte* e)
            {
                Span<byte> d = stackalloc byte[DebugDigest.Size];
                DebugDigest.KeyValue(e, d, Scratch);
                DebugDigest.Xor(Sum, d);
                return false;
            }
        }
    }

    /// <summary>The value digests of the request's keys that live on this shard (their indexes in the reply).</summary>
    sealed unsafe class DigestValues(int db, byte[][] args) : ShardOp
    {
        public readonly List<int> Indexes = new();
        public readonly List<byte[]> Digests = new();

        protected override void Execute(Shard shard)
        {
            var scratch = new System.Buffers.ArrayBufferWriter<byte>(256);
            for (int i = 2; i < args.Length; i++)
            {
                if (shard.Server.ShardOf(args[i]) != shard) continue;
                var d = new byte[DebugDigest.Size];
                // No lookup: a debug command sees keys that are logically expired too, as Redis's dictFind does.
                byte* e = shard.Dbs[db].Table.Find(args[i], KeyHash.Hash(args[i]));
                if (e != null) DebugDigest.Value(e, d, scratch);
                Indexes.Add(i - 2);
                Digests.Add(d);
            }
        }
    }

    /// <summary>
    /// The keys prefix:0 .. prefix:count-1 that live on this shard and do not exist (an expired one is deleted first, as
    /// lookupKeyWrite does) get "value:n", or a value of the given size holding as much of it as fits, zeros after.
    /// Like Redis: the key's text stops at 127 bytes, no dirty count, no AOF record, no keyspace event; watchers are told.
    /// </summary>
    sealed unsafe class Populate(int db, long count, byte[] prefix, long valueSize) : ShardOp
    {
        protected override void Execute(Shard shard)
        {
            Database d = shard.Dbs[db];
            byte[] key = new byte[127];
            int head = Math.Min(prefix.Length, key.Length);
            prefix.AsSpan(0, head).CopyTo(key);
            byte[] text = new byte[32];
            "value:"u8.CopyTo(text);
            byte[]? sized = valueSize > 0 ? new byte[valueSize] : null;
            Span<byte> digits = stackalloc byte[20];
            for (long j = 0; j < count; j++)
            {
                int len = head;
                int nd = RespNumber.FormatInt64(j, digits);
                if (len < key.Length) key[len++] = (byte)':';
                int take = Math.Min(nd, key.Length - len);
                digits.Slice(0, take).CopyTo(key.AsSpan(len));
                len += take;
                ReadOnlySpan<byte> k = key.AsSpan(0, len);
                if (shard.Server.ShardOf(k) != shard) continue;
                if (KeyLookup.PeekLive(shard, d, k) != null) continue;
                digits.Slice(0, nd).CopyTo(text.AsSpan(6));
                ReadOnlySpan<byte> value = text.AsSpan(0, 6 + nd);
                if (sized != null)
                {
                    int copy = (int)Math.Min(value.Length, sized.Length);
                    value.Slice(0, copy).CopyTo(sized);
                    sized.AsSpan(copy).Clear();
                    value = sized;
                }
                d.AddString(k, value, StringValue.EncodingOf(value), -1);
                if (shard.Events.Active) shard.Events.Touched(db, k);
            }
        }
    }
}
