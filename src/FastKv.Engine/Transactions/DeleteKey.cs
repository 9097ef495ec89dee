namespace FastKv.Engine;

/// <summary>
/// Deletes a key on its shard. With an event name (cross-shard RENAME's <c>rename_from</c>) the deletion is
/// announced; without one it is a gathered command's write-back, which only touches watchers (the executing
/// shard sent the command's events, "del" included).
/// </summary>
public sealed class DeleteKey(int db, byte[] key, byte[]? evt) : ShardOp
{
    public readonly int Db = db;
    public readonly byte[] Key = key;
    public bool Existed;

    protected override void Execute(Shard shard)
    {
        Existed = shard.Dbs[Db].Delete(Key);
        if (!Existed) return;
        KeyEvents events = shard.Events;
        if (events.Active)
        {
            if (evt != null) events.Modified(Db, Key, NotifyClass.Generic, evt);
            else events.Touched(Db, Key);
        }
        shard.Blocking.KeyWritten(Db, Key);
    }
}
