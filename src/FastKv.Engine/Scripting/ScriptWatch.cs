using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

/// <summary>What a shard's event loop does for its clients while a script on its thread is busy.</summary>
public interface IBusyPump
{
    /// <summary>
    /// Redis's processEventsWhileBlocked: accept, read and answer this shard's clients without waiting, so they get
    /// -BUSY or run the few allow_busy commands; never the session running the script, never the mailbox.
    /// </summary>
    void PumpWhileBusy();
}

/// <summary>
/// One shard's watch over its running script (Redis's scriptRunCtx flags and scriptInterrupt). A count hook
/// (Scripting/native/fastkv_lua.c) calls <see cref="Interrupt"/> every <see cref="HookInstructions"/> Lua
/// instructions; once the script has run longer than <c>busy-reply-threshold</c> the shard is busy
/// (<see cref="BusyScripts"/>): each hook call then lets the event loop answer its clients
/// (<see cref="IBusyPump"/>), and stops the script when SCRIPT KILL asked for it or SHUTDOWN NOSAVE came.
/// <para>
/// Written by the shard's thread; <see cref="Busy"/>, <see cref="Wrote"/> and <see cref="IsEval"/> are read by SCRIPT
/// KILL on any thread, which writes only <see cref="killRequested"/>.
/// </para>
/// </summary>
public sealed unsafe class ScriptWatch
{
    /// <summary>Redis's luaMaskCountHook period.</summary>
    public const int HookInstructions = 100_000;

    /// <summary>The watch of the script running on this thread (the hook finds it here).</summary>
    [ThreadStatic] static ScriptWatch? t_current;

    readonly ServerState server;
    readonly int shardId;
    /// <summary>Set by the shard's event loop: what serves its clients while the script is busy.</summary>
    public IBusyPump? Pump;
    long startTimestamp;
    string scriptName = "";
    volatile bool busy;
    volatile bool wrote;
    volatile bool isEval = true;
    volatile bool killRequested;
    /// <summary>The script was stopped by SHUTDOWN NOSAVE: its caller gets no reply, its effects reach no file.</summary>
    bool abandoned;
    /// <summary>
    /// The state this watch last armed (a shard has two, EVAL's and the functions', and either may be replaced): only
    /// its hook is known to be what <see cref="hooked"/> and <see cref="lineHook"/> say.
    /// </summary>
    LuaState* armed;
    /// <summary>The hook of <see cref="armed"/> is the per-line one a kill leaves behind.</summary>
    bool lineHook;
    bool hooked;
    /// <summary>The running function's command, copied at its start (reused buffers: no allocation once grown).</summary>
    byte[] argvBytes = new byte[64];
    int[] argvEnds = new int[4];
    int argc;
    /// <summary>Published while a function is busy, for FUNCTION STATS on any thread (null otherwise).</summary>
    volatile RunningFunction? running;

    public ScriptWatch(ServerState server, int shardId)
    {
        this.server = server;
        this.shardId = shardId;
    }

    /// <summary>
    /// Replies made before the script may be sent while it is busy: the AOF is off, or no record was left unpublished
    /// when it began (what was published, the pump can wait for; what the script's capture holds back, it cannot).
    /// </summary>
    public bool RepliesMayLeave { get; private set; }

    /// <summary>Past busy-reply-threshold now (read from any thread).</summary>
    public bool Busy => busy;
    /// <summary>Redis's SCRIPT_WRITE_DIRTY: the script called a write command, so SCRIPT KILL refuses (UNKILLABLE).</summary>
    public bool Wrote => wrote;
    /// <summary>An EVAL (SCRIPT KILL stops it), not a function (FUNCTION KILL would).</summary>
    public bool IsEval => isEval;
    /// <summary>The busy function (FUNCTION STATS' running_script), or null: none, or an EVAL.</summary>
    public RunningFunction? Running => running;

    static readonly bool interruptSet = SetInterrupt();

    static bool SetInterrupt()
    {
        fastkv_lua_setinterrupt(&Interrupt);
        return true;
    }

    /// <summary>
    /// Before a script runs on <paramref name="lua"/>: arms the count hook when busy-reply-threshold is set (0 turns
    /// the watch off, as in Redis), resetting it to a count hook after a kill left the per-line one, and arming it
    /// whenever the state is not the one armed last. The script's time
    /// counts from <paramref name="started"/> (Stopwatch ticks), when its EVAL or FCALL began.
    /// </summary>
    public void Start(LuaState* lua, string name, bool eval, bool repliesMayLeave, long started, ref readonly CommandContext c)
    {
        if (!eval) CopyCommand(in c);
        RepliesMayLeave = repliesMayLeave;
        _ = interruptSet;
        bool watch = server.Config.BusyReplyThreshold > 0;
        if (lua != armed || watch != hooked || lineHook)
        {
            fastkv_lua_watch(lua, watch ? HookInstructions : 0);
            armed = lua;
            hooked = watch;
            lineHook = false;
        }
        scriptName = name;
        isEval = eval;
        wrote = false;
        killRequested = false;
        abandoned = false;
        startTimestamp = started;
        t_current = this;
    }

    /// <summary>Keeps the FCALL's arguments: the session's buffer they are read from is not this watch's to hold.</summary>
    void CopyCommand(ref readonly CommandContext c)
    {
        int n = c.Count, total = 0;
        for (int i = 0; i < n; i++) total += c.Arg(i).Length;
        if (argvBytes.Length < total) argvBytes = new byte[Math.Max(total, argvBytes.Length * 2)];
        if (argvEnds.Length < n) argvEnds = new int[Math.Max(n, argvEnds.Length * 2)];
        int at = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<byte> a = c.Arg(i);
            a.CopyTo(argvBytes.AsSpan(at));
            at += a.Length;
            argvEnds[i] = at;
        }
        argc = n;
    }

    /// <summary>Before <paramref name="lua"/> closes: a new state at its address is not armed.</summary>
    public void Forget(LuaState* lua)
    {
        if (armed == lua) armed = null;
    }

    /// <summary>redis.call ran a write command (set before it runs, as Redis's scriptCall does).</summary>
    public void MarkWrite() => wrote = true;

    /// <summary>After the script: leaves the busy state. True when SHUTDOWN NOSAVE stopped it.</summary>
    public bool Stop()
    {
        t_current = null;
        if (busy)
        {
            running = null;
            busy = false;
            server.BusyScripts.Leave();
        }
        return abandoned;
    }

    /// <summary>SCRIPT KILL's or FUNCTION KILL's request (any thread): the hook stops the script at its next call.</summary>
    public void RequestKill() => killRequested = true;

    /// <summary>
    /// The hook's callback, on the shard's thread inside the script: 0 to go on; -1 with the error on the stack to
    /// stop (the C hook raises it, after this frame returned). Never throws into Lua.
    /// </summary>
    [UnmanagedCallersOnly]
    static int Interrupt(LuaState* lua)
    {
        ScriptWatch? w = t_current;
        if (w == null) return t_loadDeadline != 0 ? CheckLoad(lua) : 0;
        try
        {
            return w.Check(lua);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("error: busy script watch: " + e);
            return 0;
        }
    }

    int Check(LuaState* lua)
    {
        if (!busy)
        {
            long elapsed = (long)Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
            if (elapsed < server.Config.BusyReplyThreshold) return 0;
            Console.WriteLine("Slow script detected: still in execution after " + elapsed + " milliseconds. " +
                              "You can try killing the script using the " + (isEval ? "SCRIPT KILL" : "FUNCTION KILL") +
                              " command. Script name is: " + scriptName + ".");
            if (!isEval) running = new RunningFunction(System.Text.Encoding.UTF8.GetBytes(scriptName), CommandCopy(), startTimestamp);
            busy = true;
            server.BusyScripts.Enter();
        }
        if (!killRequested && !server.ShutdownRequested) Pump?.PumpWhileBusy();
        if (server.ShutdownRequested)
        {
            // Redis exits inside SHUTDOWN NOSAVE; here the loop must unwind first: the script stops without effects on file.
            abandoned = true;
            return Stopping(lua, "ERR Script killed by SHUTDOWN NOSAVE");
        }
        if (killRequested)
        {
            // Redis 7.2.4 says SCRIPT KILL for a function stopped by FUNCTION KILL too (luaMaskCountHook has one text).
            Console.WriteLine("Lua script killed by user with SCRIPT KILL.");
            return Stopping(lua, "ERR Script killed by user with SCRIPT KILL...");
        }
        return 0;
    }

    byte[][] CommandCopy()
    {
        var argv = new byte[argc][];
        for (int i = 0, from = 0; i < argc; from = argvEnds[i], i++) argv[i] = argvBytes[from..argvEnds[i]];
        return argv;
    }

    /// <summary>When the library loading on this thread must stop (Stopwatch ticks; 0: none loads).</summary>
    [ThreadStatic] static long t_loadDeadline;

    /// <summary>Redis's luaEngineLoadHook: FUNCTION LOAD runs a library's code for at most this long.</summary>
    public const int LoadTimeoutMs = 500;

    /// <summary>
    /// Watches the library code <paramref name="lua"/> runs next (FUNCTION LOAD): the count hook stops it once it has run
    /// <see cref="LoadTimeoutMs"/>. <see cref="EndLoad"/> after it.
    /// </summary>
    public static void BeginLoad(LuaState* lua)
    {
        _ = interruptSet;
        t_loadDeadline = Stopwatch.GetTimestamp() + LoadTimeoutMs * Stopwatch.Frequency / 1000;
        fastkv_lua_watch(lua, HookInstructions);
    }

    public static void EndLoad(LuaState* lua)
    {
        t_loadDeadline = 0;
        fastkv_lua_watch(lua, 0);
    }

    static int CheckLoad(LuaState* lua)
    {
        if (Stopwatch.GetTimestamp() < t_loadDeadline) return 0;
        return PushError(lua, "ERR FUNCTION LOAD timeout");
    }

    /// <summary>Leaves {err = message} on the stack for the hook to raise; the hook turns per-line from here.</summary>
    int Stopping(LuaState* lua, string message)
    {
        lineHook = true;
        return PushError(lua, message);
    }

    static int PushError(LuaState* lua, string message)
    {
        // The collector stays stopped while this .NET frame pushes: no finalizer may run (and raise) under it.
        StopCollector(lua);
        lua_createtable(lua, 0, 1);
        PushString(lua, message);
        RawSetField(lua, lua_gettop(lua) - 1, "err");
        RestartCollector(lua);
        return -1;
    }

    public override string ToString() => "shard " + shardId + (busy ? " busy" : "");
}

/// <summary>A function past busy-reply-threshold, as FUNCTION STATS shows it (immutable: read from any thread).</summary>
public sealed record RunningFunction(byte[] Name, byte[][] Command, long StartTimestamp)
{
    public long DurationMs => (long)Stopwatch.GetElapsedTime(StartTimestamp).TotalMilliseconds;
}
