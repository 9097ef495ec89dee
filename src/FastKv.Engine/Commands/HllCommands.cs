using System;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>
/// HyperLogLog commands (Redis 7.2's hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST. A HyperLogLog is
/// a string value (<see cref="Hll"/>) edited in place; every command that opens one for writing leaves it
/// <c>raw</c>, as Redis's dbUnshareStringValue does. PFCOUNT of one key stores the count in the value's header and
/// so writes (it announces nothing but touches watchers, and is propagated); PFCOUNT of several keys and PFMERGE
/// take the maximum of each register over all keys, across shards through <see cref="CrossShard.Gather"/>.
/// </summary>
public static unsafe partial class HllCommands
{
    public static void Register(CommandTable t)
    {
        t.Add("pfadd", &PfAdd);
        // May replicate in Redis 7.2 (it may rewrite the key's cached cardinality; COMMAND INFO does not show the flag):
        // CLIENT PAUSE WRITE holds it, a read-only script may not call it.
        t.Add("pfcount", &PfCount, CrossShard.Gather).Flags |= CommandFlags.MayReplicate;
        t.Add("pfmerge", &PfMerge, CrossShard.Gather);
        t.Add("pfdebug", &PfDebug);
        t.Add("pfselftest", &PfSelfTest);
    }

    /// <summary>checkType then isHLLObjectOrReply: false after writing the error.</summary>
    static bool IsHll(ref CommandContext c, byte* e)
    {
        if (KeyEntry.Type(e) != ValueKind.String) { c.W.Error(Errors.WrongType); return false; }
        if (!Hll.IsValid(KeyEntry.Value(e))) { c.W.Error(Hll.NotHll); return false; }
        return true;
    }

    /// <summary>
    /// lookupKeyWrite of a HyperLogLog: null <paramref name="slot"/> when the key is missing; false after writing
    /// the error for a value that is not one. The value is left <c>raw</c>.
    /// </summary>
    static bool OpenForWrite(ref CommandContext c, int keyArg, out byte** slot)
    {
        ReadOnlySpan<byte> key = c.Arg(keyArg);
        slot = c.Db.FindSlot(key, KeyHash.Hash(key));
        if (slot == null) return true;
        if (!IsHll(ref c, *slot)) return false;
        KeyEntry.SetEncoding(*slot, ValueEncoding.Raw);
        return true;
    }

    /// <summary>createHLLObject and dbAdd: an empty sparse HyperLogLog at the key; its slot.</summary>
    static byte** Create(Database db, ReadOnlySpan<byte> key)
    {
        Span<byte> empty = stackalloc byte[HllSparse.EmptySize];
        Hll.WriteEmpty(empty);
        db.AddString(key, empty, ValueEncoding.Raw, -1);
        return db.FindSlot(key, KeyHash.Hash(key));
    }

    /// <summary>
    /// Raises register <paramref name="index"/> of the HyperLogLog at <paramref name="slot"/> to
    /// <paramref name="count"/>, turning a sparse value dense when Redis would: 1 when it rose, 0 when not,
    /// -1 when the sparse body is corrupt.
    /// </summary>
    static int SetRegister(Database db, byte** slot, int index, int count, long sparseMaxBytes)
    {
        byte* e = *slot;
        byte* v = KeyEntry.ValuePtr(e);
        if (v[4] == Hll.Dense) return Hll.DenseSet(v + Hll.HeaderSize, index, count) ? 1 : 0;
        int len = KeyEntry.ValueLength(e);
        // HllSparse.Set edits in place: room for its largest split first.
        e = db.GrowString(slot, len + HllSparse.MaxGrowth);
        v = KeyEntry.ValuePtr(e);
        HllSparse.SetResult r = HllSparse.Set(v, ref len, index, count, sparseMaxBytes);
        if (r != HllSparse.SetResult.Promote)
        {
            KeyEntry.SetValueLength(e, len);
            return (int)r;
        }
        if (!ToDense(db, slot)) return -1;
        Hll.DenseSet(KeyEntry.ValuePtr(*slot) + Hll.HeaderSize, index, count);
        return 1;
    }

    /// <summary>hllSparseToDense on the value at <paramref name="slot"/> (which must be sparse); false when it is corrupt.</summary>
    static bool ToDense(Database db, byte** slot)
    {
        byte* e = *slot;
        byte* dense = stackalloc byte[Hll.DenseSize];
        if (!HllSparse.ToDense(KeyEntry.ValuePtr(e), KeyEntry.ValueLength(e), dense)) return false;
        // ReplaceValue keeps the key's slot (same key), so *slot is the new entry afterwards.
        db.ReplaceValue(e, new ReadOnlySpan<byte>(dense, Hll.DenseSize), inlineValue: false);
        return true;
    }

    /// <summary>
    /// hllMerge: raises each of <paramref name="max"/>'s one-byte registers to the value's; false when corrupt. A
    /// sparse value keeps <paramref name="histo"/> the histogram of <paramref name="max"/>; a dense one sets
    /// <paramref name="anyDense"/> and leaves the histogram to be counted afresh.
    /// </summary>
    static bool MergeInto(byte* e, byte* max, int* histo, ref bool anyDense)
    {
        byte* v = KeyEntry.ValuePtr(e);
        if (v[4] == Hll.Dense)
        {
            Hll.DenseMergeInto(v + Hll.HeaderSize, max);
            anyDense = true;
            return true;
        }
        return HllSparse.MergeInto(v + Hll.HeaderSize, KeyEntry.ValueLength(e) - Hll.HeaderSize, max, histo);
    }

    /// <summary>The union's registers and histogram start at zero: every register counted at 0.</summary>
    static void ClearUnion(byte* max, int* histo)
    {
        new Span<byte>(max, Hll.Registers).Clear();
        new Span<int>(histo, Hll.HistogramSize).Clear();
        histo[0] = Hll.Registers;
    }

    /// <summary>PFADD key [element ...]: 1 when a register rose or the key was created.</summary>
    static void PfAdd(ref CommandContext c)
    {
        if (!OpenForWrite(ref c, 1, out byte** slot)) return;
        Database db = c.Db;
        long updated = 0;
        if (slot == null)
        {
            slot = Create(db, c.Arg(1));
            updated++;
        }
        long maxBytes = c.Shard.Server.Config.HllSparseMaxBytes;
        for (int j = 2; j < c.Count; j++)
        {
            int count = Hll.PatternLength(c.Arg(j), out int index);
            int r = SetRegister(db, slot, index, count, maxBytes);
            if (r < 0) { c.W.Error(Hll.InvalidObject); return; }
            updated += r;
        }
        if (updated != 0)
        {
            c.Modified(1, NotifyClass.String, "pfadd"u8);
            c.Dirty(updated);
            Hll.InvalidateCache(KeyEntry.ValuePtr(*slot));
        }
        c.W.Integer(updated != 0 ? 1 : 0);
    }

    /// <summary>PFCOUNT key [key ...]: one key answers from (and refreshes) its cached count; several, their union's.</summary>
    static void PfCount(ref CommandContext c)
    {
        if (c.Count > 2)
        {
            CountUnion(ref c);
            return;
        }
        ReadOnlySpan<byte> key = c.Arg(1);
        Database db = c.Db;
        byte* e = KeyLookup.Read(c.Shard, db, key);
        if (e == null) { c.W.Integer(0); return; }
        if (!IsHll(ref c, e)) return;
        // PFCOUNT is a read-only command that writes (the encoding, the cache): a running snapshot keeps the old bytes.
        if (c.Shard.Snapshot != null) db.PrepareWrite(key);
        KeyEntry.SetEncoding(e, ValueEncoding.Raw);
        byte* v = KeyEntry.ValuePtr(e);
        if (Hll.CacheValid(v))
        {
            c.W.Integer((long)Hll.CachedCount(v));
            return;
        }
        if (!Hll.TryCount(v, KeyEntry.ValueLength(e), out ulong card)) { c.W.Error(Hll.InvalidObject); return; }
        Hll.SetCachedCount(v, card);
        if (c.Shard.Events.Active) c.Shard.Events.Touched(c.DbIndex, key);
        c.Dirty();
        c.W.Integer((long)card);
    }

    /// <summary>
    /// PFCOUNT of several keys: the union in one-byte registers (Redis's raw encoding); no cache is touched. Sparse
    /// merges keep the union's histogram as they raise registers; a dense one has it counted from the registers after.
    /// </summary>
    static void CountUnion(ref CommandContext c)
    {
        byte* max = stackalloc byte[Hll.Registers];
        int* histo = stackalloc int[Hll.HistogramSize];
        ClearUnion(max, histo);
        bool anyDense = false;
        for (int j = 1; j < c.Count; j++)
        {
            byte* e = KeyLookup.Read(c.Shard, c.Db, c.Arg(j));
            if (e == null) continue;
            if (!IsHll(ref c, e)) return;
            if (!MergeInto(e, max, histo, ref anyDense)) { c.W.Error(Hll.InvalidObject); return; }
        }
        if (anyDense)
        {
            new Span<int>(histo, Hll.HistogramSize).Clear();
            Hll.RawHistogram(max, histo);
        }
        c.W.Integer((long)Hll.Estimate(histo));
    }

    /// <summary>
    /// PFMERGE destkey [sourcekey ...]: the destination (a source too) gets every register's maximum; dense when
    /// any input was dense, else sparse as far as it fits. Announced as "pfadd".
    /// </summary>
    static void PfMerge(ref CommandContext c)
    {
        byte* max = stackalloc byte[Hll.Registers];
        int* histo = stackalloc int[Hll.HistogramSize];
        ClearUnion(max, histo);
        bool useDense = false;
        Database db = c.Db;
        for (int j = 1; j < c.Count; j++)
        {
            byte* e = KeyLookup.Read(c.Shard, db, c.Arg(j));
            if (e == null) continue;
            if (!IsHll(ref c, e)) return;
            if (!MergeInto(e, max, histo, ref useDense)) { c.W.Error(Hll.InvalidObject); return; }
        }
        // The destination was checked as the first source.
        ReadOnlySpan<byte> dest = c.Arg(1);
        byte** slot = db.FindSlot(dest, KeyHash.Hash(dest));
        if (slot == null) slot = Create(db, dest);
        else KeyEntry.SetEncoding(*slot, ValueEncoding.Raw);
        if (useDense && KeyEntry.ValuePtr(*slot)[4] == Hll.Sparse && !ToDense(db, slot))
        {
            c.W.Error(Hll.InvalidObject);
            return;
        }
        long maxBytes = c.Shard.Server.Config.HllSparseMaxBytes;
        for (int j = 0; j < Hll.Registers; j++)
            if (max[j] != 0) SetRegister(db, slot, j, max[j], maxBytes);
        Hll.InvalidateCache(KeyEntry.ValuePtr(*slot));
        c.Modified(1, NotifyClass.String, "pfadd"u8);
        c.Dirty();
        c.W.Ok();
    }
}
