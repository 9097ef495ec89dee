namespace FastKv.Engine;

/// <summary>Whoever waits for a <see cref="ShardOp"/> to come back.</summary>
public interface IShardOpOwner
{
    /// <summary>Runs on the home shard's thread once the operation ran on its target; its results are in its fields.</summary>
    void OnOpDone(ShardOp op);
}

/// <summary>
/// Work one shard does on another's behalf (DESIGN.md section 2): a typed message carrying what the target
/// must do and, on the way back, what came of it. It travels home shard → target → home shard through the
/// mailboxes, like a Dragonfly hop's callback. It is not a command: no client can name it, and COMMAND,
/// MONITOR, INFO commandstats, keyspace events of its own and (later) ACL and the AOF never see it; only
/// the effects it has on keys are announced, by the code that makes them.
/// <para>
/// An operation of a multi-shard transaction (<see cref="TxId"/> set) runs under that transaction's intent
/// locks, which cover every key it touches, so it never waits. One outside any transaction (a blocking
/// command's first attempt) says through <see cref="MustWait"/> when another transaction's granted lock
/// covers its keys, and is then parked until the lock goes.
/// </para>
/// </summary>
public abstract class ShardOp : ShardMessage, ILockWaiter
{
    public Shard Home = null!;
    public Shard Target = null!;
    /// <summary>The transaction whose locks cover this operation's keys, or 0.</summary>
    public long TxId;
    /// <summary>AOF records the operation made inside a transaction (null: none), for the transaction's unit.</summary>
    public byte[]? AofRecords;
    /// <summary>The operation changed the dataset (Redis's dirty) inside a transaction.</summary>
    public bool Dirtied;
    IShardOpOwner owner = null!;
    bool returning;

    /// <summary>Addresses the operation; call before <see cref="Send"/>.</summary>
    public void Prepare(Shard home, Shard target, IShardOpOwner owner, long txId)
    {
        Home = home;
        Target = target;
        this.owner = owner;
        TxId = txId;
        returning = false;
        AofRecords = null;
        Dirtied = false;
    }

    public void Send() => Target.Mailbox.Post(this);

    public sealed override void Run(Shard shard)
    {
        if (returning)
        {
            returning = false;
            owner.OnOpDone(this);
            return;
        }
        Resume(shard);
    }

    /// <summary>Runs on the target (first arrival, or after a lock it waited for was released).</summary>
    public void Resume(Shard shard)
    {
        if (MustWait(shard))
        {
            shard.Locks.Park(this);
            return;
        }
        // Clients blocked on keys a transaction writes are served after the transaction's part here, as Redis
        // serves them after the command that fed them.
        bool hold = TxId != 0;
        if (hold) shard.Blocking.Hold();
        // A transaction's operation: its AOF records and whether it changed anything go home to the unit.
        bool capture = hold && shard.Aof.On && !shard.Aof.Capturing;
        long dirty = shard.Stats.Dirty;
        if (capture) shard.Aof.BeginCapture();
        try { Execute(shard); }
        finally
        {
            if (capture)
            {
                AofRecords = shard.Aof.EndCapture();
                Dirtied = shard.Stats.Dirty != dirty;
            }
            if (hold) shard.Blocking.Release();
        }
        returning = true;
        Home.Mailbox.Post(this);
    }

    /// <summary>
    /// Runs the work now, on <paramref name="shard"/>'s thread, for a script that holds the operation's key (its
    /// call checked the locks, <see cref="Scripting.ScriptCall"/>): no lock wait, no trip home.
    /// </summary>
    public void RunForScript(Shard shard) => Execute(shard);

    /// <summary>True while another transaction's granted intent lock covers a key this operation touches.</summary>
    protected virtual bool MustWait(Shard shard) => false;

    /// <summary>The work, on the target shard's thread; results go into the operation's own fields.</summary>
    protected abstract void Execute(Shard shard);
}
