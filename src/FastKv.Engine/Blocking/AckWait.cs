using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>What a command waits for before it answers (<see cref="CommandSpec.WaitsFor"/>).</summary>
public enum AckKind : byte
{
    None,
    /// <summary>WAIT: replicas that processed the client's writes.</summary>
    Replicas,
    /// <summary>WAITAOF: the local AOF fsync and replicas that fsynced the client's writes.</summary>
    Aof,
}

/// <summary>
/// What a client blocked in WAIT or WAITAOF waits for (Redis's bstate.reploffset, numlocal and numreplicas). FastKv
/// has no replicas, so a wait for one or more never ends by itself: only its timeout, CLIENT UNBLOCK or the client
/// leaving end it. A WAITAOF that asks for the local fsync ends as soon as the AOF's fsynced offset reaches the
/// client's last write (<see cref="AofLog.FsyncedOffset"/>), or with an error once appendonly is turned off.
/// </summary>
public sealed class AckWait
{
    /// <summary>WAITAOF (an array reply [numlocal, numreplicas]); false: WAIT (an integer reply).</summary>
    public bool Aof;
    /// <summary>The client's write offset when it blocked (Redis's c->woff).</summary>
    public long Woff;
    public long NumLocal;
    public long NumReplicas;

    public const string AofDisabled = "ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.";

    /// <summary>The local AOF holds the client's writes fsynced (Redis's <c>server.fsynced_reploff >= c->woff</c>).</summary>
    public static bool LocalAcked(AofLog aof, long woff) => aof.FsyncedOffset >= woff;

    /// <summary>The wait is over: no replica is asked for, and the local fsync, when asked for, happened.</summary>
    public bool Satisfied(AofLog aof) => NumReplicas <= 0 && (!Aof || NumLocal == 0 || LocalAcked(aof, Woff));

    /// <summary>Whether the wait ends with the error: WAITAOF asked for the local fsync and appendonly is off now.</summary>
    public bool Refused(AofLog aof) => Aof && NumLocal != 0 && !aof.Enabled;

    /// <summary>The reply as Redis gives it when the wait ends, satisfied or not (replyToBlockedClientTimedOut).</summary>
    public void Reply(RespWriter w, AofLog aof)
    {
        if (!Aof)
        {
            w.Integer(0);
            return;
        }
        w.ArrayHeader(2);
        w.Integer(LocalAcked(aof, Woff) ? 1 : 0);
        w.Integer(0);
    }
}
