using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using FastKv.Protocol;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

/// <summary>
/// One shard's Lua 5.1 state (DESIGN.md 6a), created the first time a script runs on the shard. A script body is
/// compiled once per state into a function kept in the registry under <c>f_&lt;sha&gt;</c>, then called under
/// <c>lua_pcall</c> with Redis's error handler; <c>redis.call</c> runs commands through the normal executor on this
/// shard and converts their replies (<see cref="LuaReplies"/>).
/// <para>
/// The environment is Redis 7.2's: base, table, string and math (no io, os, package, print, dofile, loadfile;
/// debug only inside the error handler), the <c>redis</c> table, <c>KEYS</c> and <c>ARGV</c>, and globals that
/// cannot be created or read when missing ("Script attempted to access nonexistent global variable").
/// </para>
/// <para>
/// One known difference stays: pairs() and next() over a table with string keys of 32 bytes or more may visit them in
/// another order than Redis. Lua 5.1's luaS_newlstr hashes a string of length l from its end in steps of (l >> 5) + 1
/// bytes, so from 32 bytes on it samples the bytes; Redis patched its Lua to hash every byte (redis/redis#9449, in 7.0
/// and later). A table's node layout, and so its traversal order, follows that hash, computed once when the string is
/// interned and kept in the string. It cannot be changed from outside Debian's library: the JIT build calls the shared
/// liblua5.1, whose luaS_newlstr is internal and bound in place; replacing lstring.o in the static link needs Lua's
/// private headers and is a patched copy of Lua; and rewriting a string's stored hash afterwards would break interning
/// (the string table is probed with the sampled hash, and rehashed by the stored one). Shorter keys hash alike in both.
/// </para>
/// <para>
/// No C# function registered here raises a Lua error (a longjmp must never cross a .NET frame): each returns -1
/// with the error on the stack and the C trampoline it is pushed as raises it (<see cref="LuaApi.fastkv_lua_pushfunction"/>). While one runs, Lua's collector is stopped,
/// so no allocation it makes can run a finalizer (a <c>newproxy</c> __gc) or a collection step under its frame.
/// </para>
/// </summary>
public sealed unsafe partial class ScriptEngine : IDisposable
{
    /// <summary>The script running on this thread (the registered functions find their engine through it).</summary>
    [ThreadStatic] static ScriptRun? t_run;

    readonly Shard shard;
    LuaState* lua;
    int generation;
    readonly OutputBuffer replyBuffer = new();
    readonly RespWriter replyWriter;
    byte[] argBuffer = new byte[256];
    readonly ArgList args = new();
    /// <summary>The one script this shard runs at a time (scripts cannot nest: EVAL is not allowed from a script).</summary>
    readonly ScriptRun current;
    /// <summary>busy-reply-threshold's watch over the script running here (SCRIPT KILL, -BUSY).</summary>
    readonly ScriptWatch watch;

    /// <summary>A state for FUNCTION libraries (their load-time API opened before the tables are sealed).</summary>
    readonly bool forFunctions;

    ScriptEngine(Shard shard, bool forFunctions = false)
    {
        this.shard = shard;
        this.forFunctions = forFunctions;
        watch = shard.Server.BusyScripts.Of(shard.Id);
        replyWriter = new RespWriter(replyBuffer);
        current = new ScriptRun(this, shard);
        Open();
    }

    /// <summary>The shard's engine, created on first use; a new state after SCRIPT FLUSH.</summary>
    public static ScriptEngine Of(Shard shard)
    {
        ScriptEngine e = shard.Scripts ??= new ScriptEngine(shard);
        if (e.generation != shard.Server.Scripts.Generation) e.Reset();
        return e;
    }

    /// <summary>
    /// The state's allocator account (native memory: the C allocator writes it on the shard's thread; INFO and
    /// used_memory read it from any thread, whole). Freed with the engine, after the state.
    /// </summary>
    readonly LuaMemory* memory = (LuaMemory*)NativeMemory.AllocZeroed((nuint)sizeof(LuaMemory));

    /// <summary>Bytes the Lua state holds (INFO used_memory_lua, counted in used_memory).</summary>
    public long MemoryBytes => (long)Volatile.Read(ref *(ulong*)&memory->Used);

    void Open()
    {
        generation = shard.Server.Scripts.Generation;
        // The limit applies to states opened after it is set (CONFIG SET takes effect at the next SCRIPT FLUSH or restart).
        memory->Limit = (nuint)Math.Max(0, shard.Server.Config.LuaMaxMemory);
        lua = fastkv_lua_newstate(memory);
        if (lua == null) throw new OutOfMemoryException("lua_newstate");
        CheckCollectorLayout(lua, memory);
        // Outside Pcall the collector stays stopped (LuaApi's SuppressGCTransition calls rely on it).
        StopCollector(lua);
        luaL_openlibs(lua);
        int top = lua_gettop(lua);
        fixed (byte* code = Bootstrap)
        fixed (byte* name = "=fastkv\0"u8)
        {
            if (luaL_loadbuffer(lua, code, (nuint)Bootstrap.Length, name) != Ok)
                throw new InvalidOperationException("scripting bootstrap: " + Encoding.UTF8.GetString(ToBytes(lua, -1)));
        }
        fastkv_lua_pushfunction(lua, &RawCall);
        fastkv_lua_pushfunction(lua, &RawPcall);
        fastkv_lua_pushfunction(lua, &RawSha1Hex);
        fastkv_lua_pushfunction(lua, &RawLog);
        fastkv_lua_pushfunction(lua, &RawSetResp);
        PushString(lua, ServerState.RedisVersion);
        lua_pushnumber(lua, VersionNumber(ServerState.RedisVersion));
        if (Pcall(lua, 7, 0, 0) != Ok)
            throw new InvalidOperationException("scripting bootstrap: " + Encoding.UTF8.GetString(ToBytes(lua, -1)));
        lua_settop(lua, top);
        LuaLibraries.OpenAll(lua);
        lua_settop(lua, top);
        if (forFunctions) OpenFunctions();
        ReadOnlyTables.Seal(lua);
    }

    static double VersionNumber(string v)
    {
        string[] p = v.Split('.');
        return (int.Parse(p[0]) << 16) | (int.Parse(p[1]) << 8) | int.Parse(p[2]);
    }

    void Reset()
    {
        if (lua != null) Close();
        Open();
    }

    void Close()
    {
        watch.Forget(lua);
        fastkv_lua_close(lua, memory);
        lua = null;
    }

    public void Dispose()
    {
        if (lua != null) Close();
        NativeMemory.Free(memory);
    }

    /// <summary>
    /// Runs a script: compiles <paramref name="body"/> on first use in this state, sets KEYS and ARGV, calls it and
    /// writes its reply (or Redis's error) to <c>c.W</c>. Keys are arguments 3.. of EVAL (numkeys checked by the caller).
    /// </summary>
    public void Run(ref CommandContext c, Script script, int numKeys, ScriptFlags flags)
    {
        int top = lua_gettop(lua);
        try
        {
            if (!Load(c.W, script)) return;
            SetArgs(ref c, numKeys);
            // The handler below the function: Redis's __redis__err__handler adds where the error happened.
            PushBytes(lua, "__redis__err__handler"u8);
            lua_rawget(lua, GlobalsIndex);
            RawGetField(lua, RegistryIndex, script.FunctionKey);
            Invoke(ref c, 0, flags, script.Sha, script, numKeys, eval: true);
        }
        finally
        {
            lua_settop(lua, top);
        }
    }

    /// <summary>
    /// Calls the function on the stack below its <paramref name="nargs"/> arguments, the error handler below it, as the
    /// client's script (EVAL's body or FCALL's function), and writes its reply or its error (Redis's luaCallFunction,
    /// "script: <paramref name="name"/>"). The caller restores the stack.
    /// </summary>
    void Invoke(ref CommandContext c, int nargs, ScriptFlags flags, string name, ScriptReach script, int numKeys, bool eval)
    {
        ScriptRun run = current.Start(c.Client, c.DbIndex, flags, script, c.TxId);
        run.CanRetry = c.Shard.ScriptRetryAllowed && c.TxId == 0;
        // Under every shard's lock while it is learned: does it touch a key it did not declare?
        if (c.TxId != 0 && !script.Proven && !script.Reaches) run.Learn(c.Buffer, c.Args, numKeys);
        ScriptRun? outer = t_run;
        t_run = run;
        Shard home = c.Shard;
        AofRecorder aof = home.Aof;
        bool capture = aof.On && !aof.Capturing;
        if (capture) aof.BeginCapture();
        // While the AOF is on a capture holds the script's records (this one, or EVAL's own in the executor).
        (int, int) aofMark = aof.Mark;
        home.Blocking.Hold();
        home.InScript = true;
        // The script's time stands still: NowMs is not refreshed before it ends, and TIME keeps its first answer.
        long outerTime = home.ScriptTimeUs;
        if (outerTime < 0) home.ScriptTimeUs = 0;
        // From the start of EVAL / FCALL itself (every handler runs under Executor.Invoke, which noted it).
        watch.Start(lua, name, eval: eval, repliesMayLeave: !aof.On || aofMark.Item1 == 0, started: home.CommandStart, in c);
        int status;
        bool abandoned;
        try
        {
            status = Pcall(lua, nargs, 1, -(nargs + 2));
        }
        finally
        {
            t_run = outer;
            home.InScript = false;
            home.ScriptTimeUs = outerTime;
            abandoned = watch.Stop();
            // A script SHUTDOWN NOSAVE stopped leaves nothing in the AOF, as Redis exits before propagating it.
            if (abandoned && aof.Capturing) aof.DropSince(aofMark);
            if (capture) aof.EndCaptureWrapped();
            run.ReleaseLocks();
            home.Blocking.Release();
        }
        // The script's own effects were recorded command by command: EVAL itself is not.
        c.Propagated = true;
        // The server is going down without a reply, as Redis exits inside SHUTDOWN NOSAVE.
        if (abandoned) return;
        if (run.Learning && !script.Reaches) script.NoteCleanRun();
        if (run.Aborted)
        {
            // It reached a held key before writing anything: the session runs it again with every shard held.
            home.ScriptRetry = true;
            return;
        }
        if (status == Ok) LuaReplies.Write(lua, -1, c.W, run.Resp);
        else WriteError(c.W, name, status);
    }

    /// <summary>Compiles the body into f_&lt;sha&gt; unless the state has it; false after replying the compile error.</summary>
    /// <summary>SCRIPT LOAD: compiles the body into this state; false after replying the compile error.</summary>
    public bool Compile(RespWriter w, Script script)
    {
        int top = lua_gettop(lua);
        try
        {
            return Load(w, script);
        }
        finally
        {
            lua_settop(lua, top);
        }
    }

    bool Load(RespWriter w, Script script)
    {
        byte[] key = script.FunctionKey;
        ReadOnlySpan<byte> body = script.Body;
        RawGetField(lua, RegistryIndex, key);
        bool have = lua_type(lua, -1) == TFunction;
        lua_pop(lua, 1);
        if (have) return true;
        // A shebang line is Redis's flags line, not Lua: compiled as an empty line so line numbers stay.
        if (body.StartsWith("#!"u8))
        {
            int eol = body.IndexOf((byte)'\n');
            body = eol < 0 ? default : body.Slice(eol);
        }
        int status;
        fixed (byte* code = body)
        fixed (byte* name = "@user_script\0"u8)
            status = luaL_loadbuffer(lua, code == null ? name : code, (nuint)body.Length, name);
        if (status != Ok)
        {
            string msg = Encoding.UTF8.GetString(ToBytes(lua, -1));
            lua_pop(lua, 1);
            w.Error(LuaReplies.OneLine("ERR Error compiling script (new function): " + msg));
            return false;
        }
        ReadOnlyTables.SetEnvironment(lua);
        PushBytes(lua, key);
        lua_insert(lua, -2);
        lua_rawset(lua, RegistryIndex);
        return true;
    }

    void SetArgs(ref CommandContext c, int numKeys)
    {
        int n = c.Count - 3;
        PushBytes(lua, "KEYS"u8);
        lua_createtable(lua, numKeys, 0);
        for (int i = 0; i < numKeys; i++)
        {
            PushBytes(lua, c.Arg(3 + i));
            lua_rawseti(lua, -2, i + 1);
        }
        lua_rawset(lua, GlobalsIndex);
        PushBytes(lua, "ARGV"u8);
        lua_createtable(lua, n - numKeys, 0);
        for (int i = numKeys; i < n; i++)
        {
            PushBytes(lua, c.Arg(3 + i));
            lua_rawseti(lua, -2, i - numKeys + 1);
        }
        lua_rawset(lua, GlobalsIndex);
    }

    /// <summary>
    /// Redis's luaCallFunction error reply: the handler's {err, source, line} as "-err script: sha, on source:line.",
    /// built from the bytes Lua holds (an error text need not be UTF-8), CR and LF made spaces.
    /// </summary>
    void WriteError(RespWriter w, string sha, int status)
    {
        _ = status;
        var e = new System.Collections.Generic.List<byte>(128);
        void Add(ReadOnlySpan<byte> b)
        {
            foreach (byte x in b) e.Add(x == '\r' || x == '\n' ? (byte)' ' : x);
        }
        if (lua_type(lua, -1) != TTable)
        {
            ReadOnlySpan<byte> msg = lua_type(lua, -1) == TString ? ToBytes(lua, -1) : "execution failure"u8;
            Add("ERR Error running script "u8);
            Add(Encoding.ASCII.GetBytes(sha));
            Add(", "u8);
            Add(msg.Length > 100 ? msg.Slice(0, 100) : msg);
            w.Error(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(e));
            return;
        }
        int t = lua_gettop(lua);
        RawGetField(lua, t, "err"u8);
        ReadOnlySpan<byte> err = lua_type(lua, -1) == TString ? ToBytes(lua, -1) : "ERR unknown error"u8;
        // Up to a NUL, as Redis's C strings end there.
        int nul = err.IndexOf((byte)0);
        Add(nul < 0 ? err : err.Slice(0, nul));
        RawGetField(lua, t, "source"u8);
        bool hasSource = lua_type(lua, -1) == TString;
        RawGetField(lua, t, "line"u8);
        if (hasSource && lua_type(lua, -1) == TNumber)
        {
            Add(" script: "u8);
            Add(Encoding.ASCII.GetBytes(sha));
            Add(", on "u8);
            Add(ToBytes(lua, -2));
            Add(":"u8);
            Add(Encoding.ASCII.GetBytes(((long)lua_tonumber(lua, -1)).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Add("."u8);
        }
        w.Error(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(e), counted: !LuaReplies.StatsCounted(lua, t));
    }

    /// <summary>
    /// The Lua side, run once per state with the registered functions as arguments: Redis's error handler, the
    /// <c>redis</c> table, and global protection.
    /// </summary>
    static ReadOnlySpan<byte> Bootstrap => """
        local raw_call, raw_pcall, raw_sha1hex, raw_log, raw_setresp, version, version_num = ...
        local dbg = debug
        local error, type, tostring, setmetatable = error, type, tostring, setmetatable
        local G = _G
        G.__redis__err__handler = function(err)
          local level = 2
          local i = dbg.getinfo(level, 'nSl')
          if i and i.what == 'C' then
            level = level + 1
            i = dbg.getinfo(level, 'nSl')
          end
          -- The global protection's metamethods and the pcall wrapper are Lua here (C in Redis): the script is the
          -- frame below them, and below the tail call the pcall wrapper makes.
          local skipped = false
          while i and (i.source == '=fastkv' or skipped and i.what == 'tail') do
            skipped = true
            level = level + 1
            i = dbg.getinfo(level, 'nSl')
          end
          if type(err) ~= 'table' then
            err = {err = 'ERR ' .. tostring(err)}
          end
          if i then
            err['source'] = i.source
            err['line'] = i.currentline
          end
          return err
        end
        local redis = {}
        redis.call, redis.pcall, redis.sha1hex, redis.log, redis.setresp = raw_call, raw_pcall, raw_sha1hex, raw_log, raw_setresp
        -- Redis's luaPushErrorBuff: "-CODE text" keeps its code, other text gets ERR; CR and LF trimmed off the text's ends.
        -- A bad argument is returned as an error table, not raised.
        local sub, find, gsub, select = string.sub, string.find, string.gsub, select
        redis.error_reply = function(...)
          local msg = ...
          if select('#', ...) ~= 1 or type(msg) ~= 'string' then return {err = 'ERR wrong number or type of arguments'} end
          local nul = find(msg, '\0', 1, true)
          if nul then msg = sub(msg, 1, nul - 1) end
          if sub(msg, 1, 1) ~= '-' then msg = '-' .. msg end
          local space = find(msg, ' ', 1, true)
          local code, text = 'ERR', sub(msg, 2)
          if space then code, text = sub(msg, 2, space - 1), sub(msg, space + 1) end
          text = gsub(gsub(text, '^[\r\n]+', ''), '[\r\n]+$', '')
          return {err = code .. ' ' .. text}
        end
        redis.status_reply = function(...)
          local msg = ...
          if select('#', ...) ~= 1 or type(msg) ~= 'string' then return {err = 'ERR wrong number or type of arguments'} end
          return {ok = msg}
        end
        redis.set_repl = function(flags)
          if type(flags) ~= 'number' or flags < 0 or flags > 3 then
            error({err = 'ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.'}, 0)
          end
        end
        redis.replicate_commands = function() return true end
        redis.breakpoint = function() return false end
        redis.debug = function() end
        redis.acl_check_cmd = function() return true end
        redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
        redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
        redis.REDIS_VERSION, redis.REDIS_VERSION_NUM = version, version_num
        G.redis = redis
        G.io, G.os, G.package, G.require, G.module, G.dofile, G.loadfile, G.print, G.debug = nil, nil, nil, nil, nil, nil, nil, nil, nil
        -- Redis 7's pcall: an error table it catches comes back as its err string.
        local lua_pcall = pcall
        local function caught(ok, ...)
          if ok then return true, ... end
          local e = ...
          if type(e) == 'table' and type(e.err) == 'string' then e = e.err end
          return false, e
        end
        G.pcall = function(...)
          if select('#', ...) == 0 then return end
          return caught(lua_pcall(...))
        end
        G.KEYS, G.ARGV = {}, {}
        setmetatable(G, {
          __index = function(t, k)
            error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
          end,
        })
        """u8;

    // ---- the functions registered into Lua: they never raise; -1 leaves an error for the C trampoline ----

    /// <summary>redis.call(command, args...): the reply, or raises the command's error.</summary>
    [UnmanagedCallersOnly]
    static int RawCall(LuaState* lua) => Enter(lua, pcall: false);

    /// <summary>redis.pcall(command, args...): the reply, or the error as a table {err = ...}.</summary>
    [UnmanagedCallersOnly]
    static int RawPcall(LuaState* lua) => Enter(lua, pcall: true);

    static int Enter(LuaState* lua, bool pcall)
    {
        StopCollector(lua);
        try
        {
            ScriptRun? run = t_run;
            if (run == null) return Fail(lua, "ERR redis.call is only available inside a script");
            return run.Engine.Call(lua, run, pcall);
        }
        catch (Exception e)
        {
            return Fail(lua, "ERR " + e.Message);
        }
        finally
        {
            RestartCollector(lua);
        }
    }

    [UnmanagedCallersOnly]
    static int RawSha1Hex(LuaState* lua) => LuaLibraries.Enter(lua, &Sha1HexBody);

    static int Sha1HexBody(LuaState* lua)
    {
        if (lua_gettop(lua) != 1) return Fail(lua, "ERR wrong number of arguments");
        int t = lua_type(lua, 1);
        ReadOnlySpan<byte> s = t == TString || t == TNumber ? ToBytes(lua, 1) : default;
        string hex = Sha1.Hex(s);
        lua_settop(lua, 0);
        PushString(lua, hex);
        return 1;
    }

    [UnmanagedCallersOnly]
    static int RawLog(LuaState* lua) => LuaLibraries.Enter(lua, &LogBody);

    static int LogBody(LuaState* lua)
    {
        int n = lua_gettop(lua);
        if (n < 2) return Fail(lua, "ERR redis.log() requires two arguments or more.");
        if (lua_type(lua, 1) != TNumber) return Fail(lua, "ERR First argument must be a number (log level).");
        int level = (int)lua_tonumber(lua, 1);
        if (level < 0 || level > 3) return Fail(lua, "ERR Invalid debug level.");
        var sb = new StringBuilder();
        for (int i = 2; i <= n; i++)
        {
            if (i > 2) sb.Append(' ');
            int t = lua_type(lua, i);
            if (t == TString || t == TNumber) sb.Append(Encoding.UTF8.GetString(ToBytes(lua, i)));
        }
        if (level >= 2) Console.WriteLine(sb.ToString());
        lua_settop(lua, 0);
        return 0;
    }

    [UnmanagedCallersOnly]
    static int RawSetResp(LuaState* lua) => LuaLibraries.Enter(lua, &SetRespBody);

    static int SetRespBody(LuaState* lua)
    {
        ScriptRun? run = t_run;
        if (lua_gettop(lua) != 1) return Fail(lua, "ERR redis.setresp() requires one argument.");
        int v = lua_type(lua, 1) == TNumber ? (int)lua_tonumber(lua, 1) : 0;
        if (v != 2 && v != 3) return Fail(lua, "ERR RESP version must be 2 or 3.");
        if (run != null) run.Resp = v;
        lua_settop(lua, 0);
        return 0;
    }

    /// <summary>Leaves {err = message} alone on the stack and returns -1: the trampoline raises it.</summary>
    static int Fail(LuaState* lua, string message)
    {
        lua_settop(lua, 0);
        lua_createtable(lua, 0, 1);
        PushString(lua, message);
        RawSetField(lua, 1, "err");
        return -1;
    }

    /// <summary>
    /// <see cref="Fail"/> for what Redis's scriptCall refuses (afterErrorReply): counted in errorstats now, raised or
    /// not, and marked ignore_error_stats_update so that the script's own error reply does not count it again.
    /// </summary>
    int Rejected(LuaState* lua, string message, CommandSpec? spec = null)
    {
        shard.Server.ErrorReplies.Count(Encoding.Latin1.GetBytes(message));
        // Redis's scriptCall counts the refused command's rejected_calls (incrCommandStatsOnError).
        Executor.Rejected(shard, spec);
        Fail(lua, message);
        lua_pushboolean(lua, 1);
        RawSetField(lua, 1, "ignore_error_stats_update");
        return -1;
    }

    /// <summary>redis.call / redis.pcall with the command and its arguments at 1..n.</summary>
    int Call(LuaState* lua, ScriptRun run, bool isPcall)
    {
        int r = CallInner(lua, run, isPcall);
        // redis.pcall returns every error as its value ({err = ...} alone on the stack); redis.call raises it.
        return r < 0 && isPcall ? 1 : r;
    }

    int CallInner(LuaState* lua, ScriptRun run, bool isPcall)
    {
        if (run.Aborted) return Fail(lua, HeldError);
        int n = lua_gettop(lua);
        if (n < 1) return Fail(lua, "ERR Please specify at least one argument for this redis lib call");
        // The arguments, as strings: numbers as Redis 7.2 writes them (fpconv's shortest form), not Lua's %.14g.
        int used = 0;
        args.Reset();
        byte* numBytes = stackalloc byte[32];
        var num = new Span<byte>(numBytes, 32);
        for (int i = 0; i < n; i++)
        {
            int idx = i + 1;
            int t = lua_type(lua, idx);
            ReadOnlySpan<byte> a;
            if (t == TNumber)
            {
                int k = RespNumber.FormatDoubleFpconv(lua_tonumber(lua, idx), num);
                a = num.Slice(0, k);
            }
            else if (t == TString) a = ToBytes(lua, idx);
            else return Fail(lua, "ERR Lua redis lib command arguments must be strings or integers");
            if (used + a.Length > argBuffer.Length) Array.Resize(ref argBuffer, Math.Max(argBuffer.Length * 2, used + a.Length));
            a.CopyTo(argBuffer.AsSpan(used));
            args.Add(used, a.Length);
            used += a.Length;
        }
        ReadOnlySpan<byte> buf = argBuffer.AsSpan(0, used);
        CommandSpec? spec = shard.Server.Commands.Find(args.Get(buf, 0));
        if (spec != null && spec.Subcommands != null && args.Count >= 2) spec = CommandTable.FindSub(spec, args.Get(buf, 1));
        if (spec == null || spec.Handler == null) return Rejected(lua, "ERR Unknown Redis command called from script");
        if (!spec.ArityOk(args.Count)) return Rejected(lua, "ERR Wrong number of args calling Redis command from script", spec);
        if ((spec.Flags & CommandFlags.NoScript) != 0 && !shard.Server.ScriptDenyDisabled) return Rejected(lua, "ERR This Redis command is not allowed from script", spec);
        bool write = (spec.Flags & CommandFlags.Write) != 0;
        // Redis's scriptVerifyWriteCommandAllow: a read-only script may not replicate either (PUBLISH is may-replicate).
        if ((write || (spec.Flags & CommandFlags.MayReplicate) != 0) && (run.Flags & ScriptFlags.NoWrites) != 0)
            return Rejected(lua, "ERR Write commands are not allowed from read-only scripts.", spec);
        // Redis's scriptVerifyWriteCommandAllow: until the script has written, a write fails after a failed save or AOF write.
        if (write && !watch.Wrote && CommandGate.DiskError(shard.Server) is { } diskError) return Rejected(lua, diskError, spec);
        // Reached by scripts that declared no flags (the gate refused the others): no good replicas, no writes.
        if (write && !watch.Wrote && CommandGate.NoGoodReplicas(shard.Server)) return Rejected(lua, Errors.NoReplicas, spec);
        // Redis's scriptVerifyOOM: a denyoom call fails when memory was over maxmemory as the script's command passed the gate.
        if ((spec.Flags & CommandFlags.DenyOom) != 0 && (run.Flags & ScriptFlags.AllowOom) == 0 && run.Client is { PreCommandOom: true }
            && shard.Server.Config.MaxMemory != 0)
            return Rejected(lua, Errors.Oom, spec);
        // Redis's SCRIPT_WRITE_DIRTY, set before the command runs: from now on SCRIPT KILL answers UNKILLABLE.
        if (write) watch.MarkWrite();
        replyBuffer.Clear();
        replyWriter.Protocol = run.Resp;
        if (shard.Server.ShardCount > 1 && !(spec.ChangesDb && spec.Route == Route.Local))
        {
            if (spec.Route == Route.AllShards)
                return Fail(lua, "ERR FastKv cannot run " + spec.FullName.ToUpperInvariant() + " inside a script when it has several shards yet");
            // Key positions without an allocation for the usual few keys.
            int* small = stackalloc int[16];
            int nk = CommandTable.GetKeys(spec, buf, args, new Span<int>(small, 16));
            ReadOnlySpan<int> keys = nk <= 0 ? default : nk <= 16 ? new ReadOnlySpan<int>(small, nk) : CommandTable.GetKeys(spec, buf, args);
            if (run.Learning) run.CheckDeclared(buf, args, keys);
            string? error = keys.Length == 0 ? RunOn(run, shard, spec, buf, args, keys) : RunByKeys(run, spec, buf, args, keys);
            if (error != null) return Fail(lua, error);
        }
        else if (spec.ChangesDb && spec.Route == Route.Local)
        {
            // SELECT inside a script changes the script's database only (Redis 7 restores the client's afterwards).
            bool failed = true;
            if (!RespNumber.TryParseInt64(args.Get(buf, 1), out long db)) replyWriter.Error(Errors.NotInteger);
            else if (db < 0 || db >= shard.Dbs.Length) replyWriter.Error(Errors.DbIndexOutOfRange);
            else
            {
                run.Db = (int)db;
                replyWriter.Simple("OK");
                failed = false;
            }
            // Counted in INFO commandstats as the call it is.
            Executor.Count(shard, spec, 0, failed);
        }
        else
        {
            InvokeHere(run, spec, buf, args);
        }
        // Redis's call() shows the script client's command once it ran, in the database it ran in.
        if (shard.Server.Monitors.Active) shard.Server.Monitors.FeedScriptCall(shard, spec, buf, args, run.Db);
        lua_settop(lua, 0);
        ReadOnlySpan<byte> reply = replyBuffer.Written;
        if (reply.Length > 0 && reply[0] == (byte)'-')
        {
            // The command failed: counted now, as Redis counts it when the command replies, whatever the script does.
            shard.Server.ErrorReplies.Count(reply.Slice(1, reply.Length - 3));
            LuaReplies.PushErrorTable(lua, reply);
            return isPcall ? 1 : -1;
        }
        if (lua_checkstack(lua, 64) == 0) return Fail(lua, Errors.LuaStackLimit);
        LuaReplies.Push(lua, reply, run.Resp);
        return 1;
    }

    void InvokeHere(ScriptRun run, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args)
    {
        var cc = new CommandContext
        {
            Shard = shard, W = replyWriter, Client = run.Client, DbIndex = run.Db, Buffer = buf, Args = args, Spec = spec,
            TxId = run.TxId,
        };
        Executor.Invoke(ref cc);
    }

    /// <summary>Sends a script's call to <paramref name="target"/>: it runs there at the script's time, for its caller.</summary>
    void PostCall(ScriptRun run, ScriptCall call, Shard target)
    {
        call.NowMs = shard.NowMs;
        call.Caller = run.Client?.Tracking ?? shard.Tracking.RemoteCaller;
        target.Mailbox.Post(call);
    }

    internal const string HeldError = "ERR Script attempted to access a key another transaction holds; FastKv runs this script with every shard held from now on";

    /// <summary>
    /// Runs a script's call whose keys (<paramref name="keys"/>, at least one) may be on other shards: on their shard
    /// when they share one, else split per shard for the commands that split (DEL, UNLINK, EXISTS, TOUCH: integers
    /// summed; MGET: values in key order; MSET), as the client-facing split commands do; its reply in
    /// <see cref="replyBuffer"/>, or an error to raise.
    /// </summary>
    string? RunByKeys(ScriptRun run, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, ReadOnlySpan<int> keys)
    {
        ServerState server = shard.Server;
        // BY/GET patterns name keys that only the elements tell, on any shard: gathered even when its own keys share one.
        if (spec.Cross == CrossShard.Sort && Commands.SortCommand.HasKeyPatterns(buf, args, Commands.SortCommand.IsReadOnly(spec)))
            return RunSortWithPatterns(run, spec, buf, args, keys);
        Shard first = server.ShardOf(args.Get(buf, keys[0]));
        bool one = true;
        for (int i = 1; i < keys.Length && one; i++) one = server.ShardOf(args.Get(buf, keys[i])) == first;
        if (one) return RunOn(run, first, spec, buf, args, keys);
        CrossShard? how = spec.Cross;
        // COPY ... DB: its destination is in another database, which a gathered call's scratch database cannot hold.
        if (spec.Move == KeyMove.Copy && NamesDb(buf, args)) return RunCopyToDb(run, buf, args);
        // The blocking forms run as their non-blocking attempt in a script (Blocking.Handler): over copies too.
        if (how is CrossShard.Gather or CrossShard.Move or CrossShard.MSetNx or CrossShard.Sort || spec.Block != null)
            return RunGathered(run, spec, buf, args, keys);
        if (how != CrossShard.SumIntegers && how != CrossShard.MGet && how != CrossShard.MSet)
            return "ERR FastKv cannot run " + spec.FullName.ToUpperInvariant() + " over keys of several shards inside a script yet";
        int step = how == CrossShard.MSet ? 2 : 1;
        // The parts' AOF records become the whole command, as Redis propagates it (DEL k1 k2 as given).
        AofRecorder aof = shard.Aof;
        var mark = aof.Mark;
        long sum = 0;
        var values = how == CrossShard.MGet ? new byte[keys.Length][] : null;
        var done = new bool[keys.Length];
        var part = new ArgList();
        byte[] partBuf = new byte[buf.Length];
        var partKeys = new System.Collections.Generic.List<int>();
        var partIndex = new System.Collections.Generic.List<int>();
        for (int i = 0; i < keys.Length; i++)
        {
            if (done[i]) continue;
            Shard target = server.ShardOf(args.Get(buf, keys[i]));
            part.Reset();
            partKeys.Clear();
            partIndex.Clear();
            int used = 0;
            Put(args.Get(buf, 0), part, partBuf, ref used);
            for (int j = i; j < keys.Length; j++)
            {
                if (done[j] || server.ShardOf(args.Get(buf, keys[j])) != target) continue;
                done[j] = true;
                partKeys.Add(part.Count);
                partIndex.Add(j);
                for (int k = 0; k < step; k++) Put(args.Get(buf, keys[j] + k), part, partBuf, ref used);
            }
            replyBuffer.Clear();
            string? error = RunOn(run, target, spec, partBuf.AsSpan(0, used), part, partKeys.ToArray());
            if (error != null) return error;
            ReadOnlySpan<byte> r = replyBuffer.Written;
            if (ReplyFrames.IsError(r))
            {
                if (aof.On && aof.TakeSince(mark) != null) aof.Verbatim(run.Db, buf, args);
                return null;
            }
            if (how == CrossShard.SumIntegers) sum += ReplyFrames.Integer(r);
            else if (values != null)
            {
                int pos = ReplyFrames.Elements(r, out _);
                foreach (int j in partIndex)
                {
                    int len = ReplyFrames.Length(r, pos);
                    values[j] = r.Slice(pos, len).ToArray();
                    pos += len;
                }
            }
        }
        if (aof.On && aof.TakeSince(mark) != null) aof.Verbatim(run.Db, buf, args);
        replyBuffer.Clear();
        if (how == CrossShard.SumIntegers) replyWriter.Integer(sum);
        else if (values != null)
        {
            replyWriter.ArrayHeader(values.Length);
            foreach (byte[] v in values) replyWriter.Raw(v);
        }
        else replyWriter.Ok();
        return null;

        static void Put(ReadOnlySpan<byte> a, ArgList into, byte[] to, ref int at)
        {
            a.CopyTo(to.AsSpan(at));
            into.Add(at, a.Length);
            at += a.Length;
        }
    }

    /// <summary>
    /// A call over keys of several shards whose command does not split (LMOVE, SUNIONSTORE, RENAME, MSETNX, SORT ...
    /// STORE...): <see cref="GatherTx"/>'s plan, done in line while the script runs. Each key's copy comes from its
    /// shard, the command's own handler runs over the copies in this shard's scratch database (its events, AOF record
    /// and dirty count here, in the script's order), and each key it changed goes back to its shard. Every step is a
    /// call on that key under the script's locks (<see cref="RunOp"/>), so nothing else sees the keys in between.
    /// </summary>
    string? RunGathered(ScriptRun run, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, ReadOnlySpan<int> keys)
    {
        var names = new System.Collections.Generic.List<byte[]>(keys.Length);
        foreach (int p in keys) AddName(names, args.Get(buf, p));
        return RunGathered(run, spec, buf, args, names, takenFirst: false, firstCopy: null);
    }

    /// <summary>
    /// <see cref="RunGathered(ScriptRun, CommandSpec, ReadOnlySpan{byte}, ArgList, ReadOnlySpan{int})"/> over the
    /// distinct key <paramref name="names"/>; when <paramref name="takenFirst"/>, the first one's copy was already taken
    /// (<paramref name="firstCopy"/>, null for a missing key).
    /// </summary>
    string? RunGathered(ScriptRun run, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args,
        System.Collections.Generic.List<byte[]> names, bool takenFirst, byte[]? firstCopy)
    {
        ServerState server = shard.Server;
        bool write = (spec.Flags & CommandFlags.Write) != 0;
        int n = names.Count;
        var owners = new Shard[n];
        var copies = new byte[]?[n];
        for (int i = 0; i < n; i++)
        {
            owners[i] = server.ShardOf(names[i]);
            if (i == 0 && takenFirst)
            {
                copies[0] = firstCopy;
                continue;
            }
            var take = new TakeCopy(run.Db, names[i]);
            if (RunOp(run, owners[i], take, names[i], write) is { } refused) return refused;
            copies[i] = take.Copy;
        }
        var exec = new GatherExec(run.Db, names.ToArray(), copies, new CopiedArgs(buf, args).Items, run.Resp) { TxId = run.TxId };
        exec.RunForScript(shard);
        if (exec.Loaded)
        {
            for (int i = 0; i < n; i++)
            {
                if (exec.Unchanged[i]) continue;
                ShardOp? back = exec.After[i] != null ? new PutCopy(run.Db, names[i], replace: true, exec.After[i]!, evt: null, exec.Signalled[i])
                    : copies[i] != null ? new DeleteKey(run.Db, names[i], evt: null) : null;
                if (back != null && RunOp(run, owners[i], back, names[i], true) is { } refused) return refused;
            }
        }
        run.Wrote |= write;
        replyWriter.Raw(exec.Reply);
        return null;
    }

    /// <summary>
    /// A typed operation on one key for a gathered call: here with <see cref="RunOn"/>'s lock checks, or on the key's
    /// shard as a <see cref="ScriptCall"/>. Null when it ran, or the error to raise.
    /// </summary>
    string? RunOp(ScriptRun run, Shard target, ShardOp op, byte[] key, bool write) => RunOp(run, target, op, key, run.Db, write);

    /// <summary><see cref="RunOp(ScriptRun, Shard, ShardOp, byte[], bool)"/> on a key of database <paramref name="db"/>.</summary>
    string? RunOp(ScriptRun run, Shard target, ShardOp op, byte[] key, int db, bool write)
    {
        if (target == shard)
        {
            TxLocks locks = shard.Locks;
            if (locks.Active)
            {
                ulong id = TxLock.KeyId(db, FastKv.Memory.KeyHash.Hash(key));
                if (locks.Blocks(id, write, run.TxId)) return run.Refused();
                if (run.TxId != 0 && !locks.Covers(id, write, run.TxId)) run.MarkReaches();
            }
            op.RunForScript(shard);
            return null;
        }
        if (run.TxId == 0) run.MarkReaches();
        ScriptCall call = run.Call;
        if (run.LockId == 0) run.LockId = shard.Server.Sequencer.NextId();
        call.ResetOp(op, key, write, db, run.TxId, run.LockId);
        PostCall(run, call, target);
        ScriptCall.WaitFor(shard, call);
        if (call.TookLock)
        {
            run.MarkReaches();
            run.NoteLock(target);
        }
        return call.Refused ? run.Refused() : null;
    }

    /// <summary>
    /// Runs a call on <paramref name="target"/>, all its keys there: here directly, elsewhere as a <see cref="ScriptCall"/>
    /// this thread waits for. A key another transaction holds refuses it; a key beyond what the script may touch
    /// without locks (another shard's inline, a key its transaction did not lock) marks the script
    /// <see cref="Script.Reaches"/>, so later runs hold every shard.
    /// </summary>
    string? RunOn(ScriptRun run, Shard target, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, ReadOnlySpan<int> keys)
    {
        bool write = (spec.Flags & CommandFlags.Write) != 0;
        if (target == shard)
        {
            TxLocks locks = shard.Locks;
            if (locks.Active)
            {
                foreach (int p in keys)
                {
                    ulong id = TxLock.KeyId(run.Db, FastKv.Memory.KeyHash.Hash(args.Get(buf, p)));
                    if (locks.Blocks(id, write, run.TxId)) return run.Refused();
                    if (run.TxId != 0 && !locks.Covers(id, write, run.TxId)) run.MarkReaches();
                }
            }
            run.Wrote |= write;
            InvokeHere(run, spec, buf, args);
            return null;
        }
        // A script inline on one shard holds no lock on another's keys: it reaches beyond its shard.
        if (run.TxId == 0) run.MarkReaches();
        ScriptCall call = run.Call;
        if (run.LockId == 0) run.LockId = shard.Server.Sequencer.NextId();
        call.Reset(spec, buf, args, keys, run.Db, run.TxId, run.LockId, run.Resp);
        PostCall(run, call, target);
        ScriptCall.WaitFor(shard, call);
        if (call.TookLock)
        {
            run.MarkReaches();
            run.NoteLock(target);
        }
        if (call.Refused) return run.Refused();
        run.Wrote |= write;
        if (call.Aof != null && shard.Aof.On) shard.Aof.Append(call.Aof);
        replyWriter.Raw(call.ReplyBuffer.Written);
        return null;
    }
}

/// <summary>Script flags from a shebang line (#!lua flags=...), Redis's SCRIPT_FLAG_*.</summary>
[Flags]
public enum ScriptFlags
{
    None = 0,
    NoWrites = 1,
    AllowOom = 2,
    AllowStale = 4,
    NoCluster = 8,
    AllowCrossSlot = 16,
    /// <summary>A script without a shebang: Redis's eval compatibility mode.</summary>
    EvalCompat = 32,
}

/// <summary>What the running script carries: the engine, the client (null when run for another shard's connection), the database SELECT moved it to, the RESP version of redis.call replies.</summary>
public sealed class ScriptRun
{
    public readonly ScriptEngine Engine;
    public readonly Shard Shard;
    public Client? Client;
    public int Db;
    public int Resp = 2;
    public ScriptFlags Flags;
    public ScriptReach? Script;
    /// <summary>The transaction whose locks the script runs under (<see cref="ScriptTx"/>, an EXEC), 0 inline.</summary>
    public long TxId;
    /// <summary>The id of the locks the script took on the way (<see cref="ScriptCall"/>), 0 before the first.</summary>
    public long LockId;
    /// <summary>The shards where it took them, released when it ends.</summary>
    readonly System.Collections.Generic.List<Shard> locked = new();
    /// <summary>The script's call to another shard (one at a time).</summary>
    public readonly ScriptCall Call = new();

    public ScriptRun(ScriptEngine engine, Shard shard)
    {
        Engine = engine;
        Shard = shard;
    }

    /// <summary>Resets it for a new script.</summary>
    public ScriptRun Start(Client? client, int db, ScriptFlags flags, ScriptReach? script, long txId)
    {
        Client = client;
        Db = db;
        Resp = 2;
        Flags = flags;
        Script = script;
        TxId = txId;
        LockId = 0;
        Wrote = false;
        CanRetry = false;
        Aborted = false;
        Learning = false;
        return this;
    }

    /// <summary>The run is watched for keys it did not declare (<see cref="Learn"/>).</summary>
    public bool Learning;
    byte[][] declared = Array.Empty<byte[]>();
    int declaredCount;

    /// <summary>The shard of every declared key when they share one, else null.</summary>
    Shard? declaredShard;

    /// <summary>Keeps the declared keys (EVAL's arguments 3..) to compare each call's keys with.</summary>
    public void Learn(ReadOnlySpan<byte> buf, ArgList args, int numKeys)
    {
        Learning = true;
        if (declared.Length < numKeys) declared = new byte[numKeys][];
        declaredShard = null;
        for (int i = 0; i < numKeys; i++)
        {
            declared[i] = args.Get(buf, 3 + i).ToArray();
            Shard owner = Shard.Server.ShardOf(declared[i]);
            if (i == 0) declaredShard = owner;
            else if (owner != declaredShard) declaredShard = null;
        }
        declaredCount = numKeys;
    }

    /// <summary>
    /// Marks the script <see cref="Script.Reaches"/> when a call's key is one it did not declare, unless that key
    /// and every declared one share a shard (keys with one hash tag: inline there, they are all the script's).
    /// </summary>
    public void CheckDeclared(ReadOnlySpan<byte> buf, ArgList args, ReadOnlySpan<int> keys)
    {
        foreach (int p in keys)
        {
            ReadOnlySpan<byte> k = args.Get(buf, p);
            bool found = false;
            for (int i = 0; i < declaredCount && !found; i++) found = k.SequenceEqual(declared[i]);
            if (!found && (declaredShard == null || Shard.Server.ShardOf(k) != declaredShard))
            {
                MarkReaches();
                Learning = false;
                return;
            }
        }
    }

    /// <summary>A write command ran (or was tried): the script can no longer be run again from the start.</summary>
    public bool Wrote;
    /// <summary>The session can run the script again as a <see cref="ScriptTx"/> if it stops before writing (inline at home).</summary>
    public bool CanRetry;
    /// <summary>It reached a held key before writing: every later call fails at once, and the session runs it again.</summary>
    public bool Aborted;

    /// <summary>A call found its key held by another transaction: abort for a retry when nothing was written, else the error.</summary>
    public string Refused()
    {
        MarkReaches();
        if (!Wrote && CanRetry) Aborted = true;
        return ScriptEngine.HeldError;
    }

    public void MarkReaches()
    {
        if (Script != null && !Script.Reaches) Script.Reaches = true;
    }

    public void NoteLock(Shard s)
    {
        if (!locked.Contains(s)) locked.Add(s);
    }

    /// <summary>Releases the locks the script took on other shards.</summary>
    public void ReleaseLocks()
    {
        foreach (Shard s in locked) Sequencer.Release(s, LockId);
        locked.Clear();
    }
}
