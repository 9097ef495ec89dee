namespace FastKv.Engine;

/// <summary>
/// Reads a serialized copy of one key (<see cref="EntryDump"/>) on its shard, for a transaction that carries
/// the value elsewhere (cross-shard RENAME/COPY, a gathered multi-key command, SORT with patterns); with
/// <c>existsOnly</c> only whether it exists (RENAMENX's destination).
/// </summary>
public sealed unsafe class TakeCopy(int db, byte[] key, bool existsOnly = false) : ShardOp
{
    public readonly int Db = db;
    public readonly byte[] Key = key;
    public bool Exists;
    /// <summary>The key's copy, or null when it does not exist (or only existence was asked).</summary>
    public byte[]? Copy;

    protected override void Execute(Shard shard)
    {
        // The entry pointer is used before any other table access.
        byte* e = shard.Dbs[Db].Find(Key);
        Exists = e != null;
        Copy = e == null || existsOnly ? null : EntryDump.Serialize(e);
    }
}
