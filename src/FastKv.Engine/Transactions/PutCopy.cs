namespace FastKv.Engine;

/// <summary>
/// Writes a key from its serialized copy on its shard. With an event name (cross-shard RENAME's
/// <c>rename_to</c>, COPY's <c>copy_to</c>) the key is announced as Redis's dbAdd and the command do: "new",
/// then the event. Without one it is the write-back of a gathered command whose events the executing shard
/// already sent: watchers are touched and only a key that did not exist before is announced ("new"), as
/// Redis's setKey does.
/// Only the first kind is a change of its own (Redis's one dirty count for RENAME or COPY, on the destination's
/// shard); a write-back was counted by the handler that ran over the copies. A write-back says with
/// <c>signalStream</c> whether the command signalled the key (<see cref="GatherExec.Signalled"/>): a stream it only
/// changed (XREADGROUP's deliveries) is replaced here without waking its XREADGROUP waiters, as Redis never replaced it.
/// </summary>
public sealed class PutCopy(int db, byte[] key, bool replace, byte[] copy, byte[]? evt, bool signalStream = true) : ShardOp
{
    public readonly int Db = db;
    public readonly byte[] Key = key;
    /// <summary>True when written; false when the key exists and <c>replace</c> was not asked, or the copy is bad.</summary>
    public bool Written;
    /// <summary>The copy did not decode (never for copies FastKv made; checked anyway).</summary>
    public bool BadCopy;

    protected override unsafe void Execute(Shard shard)
    {
        Database d = shard.Dbs[Db];
        bool existed = false;
        if (d.Find(Key) != null)
        {
            if (!replace) return;
            // A write-back of a stream the gathered command only changed: to Redis the stream stayed, so its XREADGROUP
            // waiters are not run again (the watchers and the XREAD waiters still hear of the write, below).
            shard.Blocking.WritingBack = !signalStream;
            try { d.Delete(Key); }
            finally { shard.Blocking.WritingBack = false; }
            existed = true;
        }
        if (!EntryDump.Deserialize(shard, d, Key, copy, overwrite: existed && evt == null))
        {
            BadCopy = true;
            return;
        }
        Written = true;
        if (evt != null) shard.Stats.Dirty++;
        KeyEvents events = shard.Events;
        if (events.Active)
        {
            if (evt != null) events.Modified(Db, Key, NotifyClass.Generic, evt);
            else events.Touched(Db, Key);
        }
        shard.Blocking.KeyWritten(Db, Key);
    }
}
