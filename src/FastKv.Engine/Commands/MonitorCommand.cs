namespace FastKv.Engine.Commands;

/// <summary>MONITOR (Redis's monitorCommand): the connection turns into a monitor (<see cref="Monitors"/>) until RESET or close.</summary>
public static unsafe class MonitorCommand
{
    public static void Register(CommandTable t)
    {
        t.Add("monitor", &Monitor);
    }

    static void Monitor(ref CommandContext c)
    {
        Client cl = c.Client!;
        // Inside EXEC the client expects one reply per command, which a monitor stream breaks (Redis's DENY_BLOCKING).
        if (cl.Multi is { Executing: true } || c.TxId != 0)
        {
            c.Error("ERR MONITOR isn't allowed for DENY BLOCKING client");
            return;
        }
        if (cl.Monitor || cl.Session == null) return; // already monitoring: Redis answers nothing
        c.Shard.Server.Monitors.Add(cl.Session);
        c.W.Ok();
    }
}
