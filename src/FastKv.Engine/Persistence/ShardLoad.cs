using System;
using System.Buffers.Binary;
using System.Text;
using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// The records an <see cref="RdbLoader"/> routes to one shard: appended on the reader thread into a batch, posted to
/// the shard's mailbox when full, decoded there by <see cref="LoadBatch"/> into the shard's own arena. At most
/// a few batches wait per shard; past that the reader waits, so loading holds no more than that in flight.
/// Record layout in a batch: [db u16][expireAt i64][lruKind u8][lru i64][type u8][keyLen i32][valueLen i32][ordinal i64]
/// key value. The ordinal is the record's place in the file: shards decode in parallel, and of the errors they meet
/// the one reported is the first in the file, as Redis's sequential load reports it.
/// </summary>
internal sealed class ShardBatchState
{
    const int HeaderSize = 2 + 8 + 1 + 8 + 1 + 4 + 4 + 8;
    const int BatchBytes = 1 << 20;
    const int MaxInFlight = 4;

    readonly RdbLoader loader;
    readonly Shard shard;
    byte[] batch = new byte[BatchBytes];
    int used;
    int inFlight;

    public ShardBatchState(RdbLoader loader, Shard shard)
    {
        this.loader = loader;
        this.shard = shard;
    }

    public void Add(long ordinal, int db, long expireAt, byte lruKind, long lru, byte type, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        int need = HeaderSize + key.Length + value.Length;
        if (used + need > batch.Length && used > 0) Flush(final: false);
        if (need > batch.Length) batch = new byte[need];
        Span<byte> h = batch.AsSpan(used);
        BinaryPrimitives.WriteUInt16LittleEndian(h, (ushort)db);
        BinaryPrimitives.WriteInt64LittleEndian(h.Slice(2), expireAt);
        h[10] = lruKind;
        BinaryPrimitives.WriteInt64LittleEndian(h.Slice(11), lru);
        h[19] = type;
        BinaryPrimitives.WriteInt32LittleEndian(h.Slice(20), key.Length);
        BinaryPrimitives.WriteInt32LittleEndian(h.Slice(24), value.Length);
        BinaryPrimitives.WriteInt64LittleEndian(h.Slice(28), ordinal);
        key.CopyTo(h.Slice(HeaderSize));
        value.CopyTo(h.Slice(HeaderSize + key.Length));
        used += need;
    }

    /// <summary>Posts the batch (waiting while the shard is behind).</summary>
    public void Flush(bool final)
    {
        if (used == 0) return;
        var spin = new SpinWait();
        while (Volatile.Read(ref inFlight) >= MaxInFlight)
        {
            // A shutdown during the load stops the loops: nothing decodes any more, and nothing needs to.
            if (shard.Server.ShutdownRequested) return;
            spin.SpinOnce(sleep1Threshold: 20);
        }
        Interlocked.Increment(ref inFlight);
        shard.Mailbox.Post(new LoadBatch(this, batch, used));
        batch = final ? Array.Empty<byte>() : Rent();
        used = 0;
    }

    /// <summary>
    /// Asks the shard to size its table of <paramref name="db"/> for <paramref name="keys"/> keys (RESIZEDB). Posted
    /// ahead of the batch being filled: the reserve only acts on an empty table, so order against the records of other
    /// databases does not matter.
    /// </summary>
    public void Reserve(int db, long keys) => shard.Mailbox.Post(new ReserveTable(db, keys));

    sealed class ReserveTable(int db, long keys) : ShardMessage
    {
        public override void Run(Shard shard) => shard.Dbs[db].Table.Reserve(keys);
    }

    /// <summary>Waits until the shard decoded every batch posted.</summary>
    public void WaitIdle()
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref inFlight) > 0 && !shard.Server.ShutdownRequested) spin.SpinOnce(sleep1Threshold: 20);
    }

    /// <summary>
    /// rdbLoadObject's complaint about a value that did not decode: a malformed string (every blob type is one string
    /// first), else the integrity check of the type's blob, else Redis's generic corrupt-value line.
    /// </summary>
    static string BadValueReason(byte type, ReadOnlySpan<byte> value)
    {
        if (RdbType.IsOneString(type) && RdbLoader.Malformed(value, 1) is { } why) return why;
        return type switch
        {
            RdbType.HashZipmap => "Zipmap integrity check failed.",
            RdbType.ListZiplist => "Ziplist integrity check failed.",
            RdbType.SetIntset => "Intset integrity check failed.",
            RdbType.ZSetZiplist => "Zset ziplist integrity check failed.",
            RdbType.HashZiplist => "Hash ziplist integrity check failed.",
            RdbType.HashListpack => "Hash listpack integrity check failed.",
            RdbType.ZSetListpack => "Zset listpack integrity check failed.",
            RdbType.SetListpack => "Set listpack integrity check failed.",
            RdbType.ListQuicklist => "Ziplist integrity check failed.",
            RdbType.ListQuicklist2 => "Listpack integrity check failed.",
            RdbType.StreamListpacks or RdbType.StreamListpacks2 or RdbType.StreamListpacks3 => "Stream listpack integrity check failed.",
            _ => "Bad data format",
        };
    }

    /// <summary>Batch arrays the shard finished with, reused by the reader (no new 1 MiB array per flush).</summary>
    readonly System.Collections.Concurrent.ConcurrentQueue<byte[]> spare = new();

    byte[] Rent() => spare.TryDequeue(out byte[]? a) ? a : new byte[BatchBytes];

    sealed unsafe class LoadBatch(ShardBatchState state, byte[] data, int length) : ShardMessage
    {
        /// <summary>The ordinal of the record being decoded.</summary>
        long current = long.MaxValue;

        public override void Run(Shard shard)
        {
            try { Decode(shard); }
            // A bug in a decoder must give a log line and exit 1, never a crash trace or a save over the file.
            catch (Exception ex) { state.loader.ShardFailed(current, "Internal error in RDB reading offset 0 -> " + ex.GetType().Name + ": " + ex.Message); }
            finally
            {
                // Only standard-size arrays go back: an array grown for one huge record is left to the GC.
                if (data.Length == BatchBytes) state.spare.Enqueue(data);
                Interlocked.Decrement(ref state.inFlight);
            }
        }

        void Decode(Shard shard)
        {
            ReadOnlySpan<byte> d = data.AsSpan(0, length);
            int pos = 0;
            while (pos < d.Length)
            {
                ReadOnlySpan<byte> h = d.Slice(pos);
                int db = BinaryPrimitives.ReadUInt16LittleEndian(h);
                long expireAt = BinaryPrimitives.ReadInt64LittleEndian(h.Slice(2));
                byte lruKind = h[10];
                long lru = BinaryPrimitives.ReadInt64LittleEndian(h.Slice(11));
                byte type = h[19];
                int keyLen = BinaryPrimitives.ReadInt32LittleEndian(h.Slice(20));
                int valueLen = BinaryPrimitives.ReadInt32LittleEndian(h.Slice(24));
                current = BinaryPrimitives.ReadInt64LittleEndian(h.Slice(28));
                // This shard's records come in file order: past an error found earlier in the file, none matters.
                if (current > state.loader.FirstShardError) return;
                ReadOnlySpan<byte> key = h.Slice(HeaderSize, keyLen);
                ReadOnlySpan<byte> value = h.Slice(HeaderSize + keyLen, valueLen);
                Database target = shard.Dbs[db];
                RdbLoadResult r = RdbDecode.Load(shard, target, key, type, value, expireAt, state.loader.Replace, out byte* e);
                switch (r)
                {
                    case RdbLoadResult.Ok:
                        if (lruKind != 0) AccessClock.SetIdleOrFreq(shard, e, lruKind == 2 ? lru : -1, lruKind == 1 ? lru : -1);
                        break;
                    case RdbLoadResult.EmptyKey:
                        // Redis skips a collection saved empty and goes on.
                        if (Interlocked.Increment(ref state.loader.EmptyKeysSkipped) <= 10)
                            Console.WriteLine("rdbLoadObject skipping empty key: " + Encoding.UTF8.GetString(key));
                        break;
                    case RdbLoadResult.KeyExists:
                        state.loader.ShardFailed(current, "RDB has duplicated key '" + Encoding.UTF8.GetString(key) + "' in DB " + db);
                        return;
                    case RdbLoadResult.Unsupported:
                        state.loader.ShardFailed(current, "Stream key '" + Encoding.UTF8.GetString(key) + "' has consumer groups, which FastKv does not load yet");
                        return;
                    default:
                        state.loader.ShardFailed(current, "Internal error in RDB reading offset 0 -> " + BadValueReason(type, value));
                        return;
                }
                pos += HeaderSize + keyLen + valueLen;
            }
        }
    }
}
