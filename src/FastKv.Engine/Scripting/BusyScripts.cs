using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine.Scripting;

/// <summary>
/// The server-wide busy state (Redis's isInsideYieldingLongCommand for scripts): while any shard runs a script past
/// busy-reply-threshold, every shard's gate answers -BUSY to all but the allow_busy commands, as the single-threaded
/// Redis does, whichever shard a client's connection landed on (<see cref="CommandGate"/>). SCRIPT KILL and FUNCTION
/// KILL act on the busy scripts from any shard. A script still under the threshold is not busy: as in Redis, where no
/// command can arrive before then, SCRIPT KILL answers NOTBUSY.
/// <para>
/// FCALL starts its shard's watch with <c>eval: false</c> (so -BUSY names FUNCTION KILL), FUNCTION KILL calls
/// <see cref="Kill"/> with <c>eval: false</c>, and FUNCTION STATS answers <see cref="BusyEval"/> while an EVAL is busy,
/// as Redis 7.2.4 does.
/// </para>
/// </summary>
public sealed class BusyScripts
{
    readonly ScriptWatch[] watches;
    int busyCount;

    public BusyScripts(ServerState server, int shards)
    {
        watches = new ScriptWatch[shards];
        for (int i = 0; i < shards; i++) watches[i] = new ScriptWatch(server, i);
    }

    /// <summary>The watch of shard <paramref name="shardId"/>.</summary>
    public ScriptWatch Of(int shardId) => watches[shardId];

    /// <summary>Some shard runs a busy script (one volatile read: the gate asks before every command).</summary>
    public bool Any => Volatile.Read(ref busyCount) > 0;

    internal void Enter() => Interlocked.Increment(ref busyCount);

    internal void Leave() => Interlocked.Decrement(ref busyCount);

    public const string BusyEval = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    public const string BusyFunction = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
    const string Unkillable = "UNKILLABLE Sorry the script already executed write commands against the dataset. " +
                              "You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";

    /// <summary>The -BUSY error for the busy script: Redis's slowevalerr or slowscripterr (a function).</summary>
    public string BusyError
    {
        get
        {
            foreach (ScriptWatch w in watches)
                if (w.Busy) return w.IsEval ? BusyEval : BusyFunction;
            return BusyEval;
        }
    }

    /// <summary>An EVAL is past busy-reply-threshold (FUNCTION STATS then answers <see cref="BusyEval"/>).</summary>
    public bool EvalBusy
    {
        get
        {
            foreach (ScriptWatch w in watches)
                if (w.Busy && w.IsEval) return true;
            return false;
        }
    }

    /// <summary>The function past busy-reply-threshold, if one is (FUNCTION STATS' running_script).</summary>
    public RunningFunction? Function
    {
        get
        {
            foreach (ScriptWatch w in watches)
                if (w.Running is { } f) return f;
            return null;
        }
    }

    /// <summary>
    /// SCRIPT KILL (<paramref name="eval"/>) or FUNCTION KILL, Redis's scriptKill: NOTBUSY, UNKILLABLE once the
    /// script wrote, the other kind's BUSY error for a script of the other kind, or OK with the script told to stop.
    /// </summary>
    public void Kill(RespWriter w, bool eval)
    {
        ScriptWatch? target = null;
        foreach (ScriptWatch s in watches)
        {
            if (!s.Busy) continue;
            target = s;
            if (s.Wrote)
            {
                w.Error(Unkillable);
                return;
            }
        }
        if (target == null)
        {
            w.Error(Errors.NotBusy);
            return;
        }
        if (target.IsEval != eval)
        {
            w.Error(target.IsEval ? BusyEval : BusyFunction);
            return;
        }
        foreach (ScriptWatch s in watches)
            if (s.Busy && s.IsEval == eval) s.RequestKill();
        w.Ok();
    }
}
