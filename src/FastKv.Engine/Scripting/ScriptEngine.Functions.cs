using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

/// <summary>
/// Functions (Redis 7.2's function_lua.c): each shard has a second Lua state for them, apart from EVAL's as in
/// Redis, built from the server's <see cref="FunctionSet"/> and rebuilt whole when the set changes. A library's code
/// runs once at load with its own globals: only <c>redis.register_function</c>, <c>redis.log</c>, the log levels
/// and the version (anything else is a "nonexistent global variable"); the functions it registers are kept in the
/// registry table <c>__fastkv_functions</c> and see, when called, the runtime globals (EVAL's, without KEYS and
/// ARGV). Both are reached through one globals table per state whose metatable's <c>__index</c> is switched for the
/// load, as Redis switches its globals' <c>__index</c>; writing a global is refused in both.
/// </summary>
public sealed unsafe partial class ScriptEngine
{
    /// <summary>The library being loaded on this thread (register_function adds to it); null outside a load.</summary>
    [ThreadStatic] static List<FunctionInfo>? t_load;

    /// <summary>The generation of the set this state loaded (-1: not a function state yet).</summary>
    int functionsGeneration = -1;

    /// <summary>The shard's function state holding <paramref name="set"/> (the one FCALL found its function in), created on first use, rebuilt when the libraries changed since.</summary>
    public static ScriptEngine FunctionsOf(Shard shard, FunctionSet set)
    {
        ScriptEngine? e = shard.Functions;
        if (e != null && e.functionsGeneration == set.Generation) return e;
        if (e == null) e = shard.Functions = new ScriptEngine(shard, forFunctions: true);
        else e.Reset();
        foreach (FunctionLibrary l in set.Sorted)
            e.LoadLibrary(l.Code, null);
        e.functionsGeneration = set.Generation;
        return e;
    }

    /// <summary>
    /// FUNCTION LOAD and the libraries of a payload or an RDB file: runs <paramref name="code"/> in a Lua state of its
    /// own to learn its functions (for at most ScriptWatch.LoadTimeoutMs when <paramref name="timed"/>). Null and the
    /// library, or Redis's error (the shebang's checks first).
    /// </summary>
    public static string? CompileLibrary(Shard shard, ReadOnlySpan<byte> code, out FunctionLibrary? library,
        Func<string, string?>? beforeCompile = null, bool timed = false)
    {
        library = null;
        if (ParseLibraryShebang(code, out string? name) is { } error) return error;
        if (beforeCompile?.Invoke(name!) is { } refused) return refused;
        var functions = new List<FunctionInfo>();
        using (var e = new ScriptEngine(shard, forFunctions: true))
        {
            error = e.LoadLibrary(code, functions, timed);
        }
        if (error != null) return error;
        if (functions.Count == 0) return "ERR No functions registered";
        library = new FunctionLibrary(name!, code.ToArray(), functions.ToArray());
        foreach (FunctionInfo f in functions) f.Library = library;
        return null;
    }

    /// <summary>
    /// functionExtractLibMetaData: a first line <c>#!&lt;engine&gt; name=&lt;library&gt;</c> (split as sdssplitargs
    /// splits it); then the name's
    /// characters, then the engine (only LUA, any case).
    /// </summary>
    static string? ParseLibraryShebang(ReadOnlySpan<byte> code, out string? name)
    {
        name = null;
        if (!code.StartsWith("#!"u8)) return "ERR Missing library metadata";
        // strchr: a NUL byte before the first newline ends the search.
        int eol = code.IndexOfAny((byte)'\n', (byte)0);
        if (eol < 0 || code[eol] == 0) return Errors.InvalidLibraryMetadata;
        // Split as sdssplitargs splits it: name="foo" is name=foo.
        List<string>? parts = SdsSplitArgs.Split(Encoding.UTF8.GetString(code.Slice(0, eol)));
        if (parts == null || parts.Count == 0) return Errors.InvalidLibraryMetadata;
        string engine = parts[0].Substring(2);
        for (int i = 1; i < parts.Count; i++)
        {
            if (!parts[i].StartsWith("name=", StringComparison.OrdinalIgnoreCase)) return "ERR Invalid metadata value given: " + parts[i];
            if (name != null) return "ERR Invalid metadata value, name argument was given multiple times";
            name = parts[i].Substring(5);
        }
        if (name == null) return "ERR Library name was not given";
        if (!ValidName(Encoding.UTF8.GetBytes(name))) return "ERR " + BadName;
        if (!engine.Equals("lua", StringComparison.OrdinalIgnoreCase)) return "ERR Engine '" + engine + "' not found";
        return null;
    }

    /// <summary>Redis says "Library names" for function names too (functionLibCreateFunction).</summary>
    const string BadName = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

    /// <summary>functionsVerifyName: one or more of [A-Za-z0-9_].</summary>
    static bool ValidName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty) return false;
        foreach (byte b in name)
            if (!(b == '_' || (uint)(b - '0') <= 9 || (uint)((b | 0x20) - 'a') <= 'z' - 'a')) return false;
        return true;
    }

    /// <summary>The globals switch and the load-time API, once per function state (see the class notes).</summary>
    void OpenFunctions()
    {
        int top = lua_gettop(lua);
        fixed (byte* code = FunctionBootstrap)
        fixed (byte* name = "=fastkv\0"u8)
        {
            if (luaL_loadbuffer(lua, code, (nuint)FunctionBootstrap.Length, name) != Ok)
                throw new InvalidOperationException("functions bootstrap: " + Encoding.UTF8.GetString(ToBytes(lua, -1)));
        }
        fastkv_lua_pushfunction(lua, &RawRegisterFunction);
        fastkv_lua_pushfunction(lua, &RawLog);
        PushString(lua, ServerState.RedisVersion);
        lua_pushnumber(lua, VersionNumber(ServerState.RedisVersion));
        if (Pcall(lua, 4, 2, 0) != Ok)
            throw new InvalidOperationException("functions bootstrap: " + Encoding.UTF8.GetString(ToBytes(lua, -1)));
        PushBytes(lua, "__fastkv_fn_finish"u8);
        lua_insert(lua, -2);
        lua_rawset(lua, RegistryIndex);
        PushBytes(lua, "__fastkv_fn_prepare"u8);
        lua_insert(lua, -2);
        lua_rawset(lua, RegistryIndex);
        PushBytes(lua, FunctionsKey);
        lua_createtable(lua, 0, 0);
        lua_rawset(lua, RegistryIndex);
        lua_settop(lua, top);
    }

    static ReadOnlySpan<byte> FunctionsKey => "__fastkv_functions"u8;

    /// <summary>
    /// Compiles and runs a library's code with the load-time globals. Its functions go into <paramref name="found"/>
    /// when given (a check, their callbacks dropped with the state), else into this state's function table. Null or
    /// Redis's error ("Error compiling function: ...", "Error registering functions: ...").
    /// </summary>
    string? LoadLibrary(ReadOnlySpan<byte> code, List<FunctionInfo>? found, bool timed = false)
    {
        // The shebang line is not Lua: compiled from its newline, so the code's lines keep their numbers.
        int eol = code.IndexOf((byte)'\n');
        ReadOnlySpan<byte> body = eol < 0 ? default : code.Slice(eol);
        int top = lua_gettop(lua);
        List<FunctionInfo>? outer = t_load;
        try
        {
            int status;
            fixed (byte* b = body)
            fixed (byte* name = "@user_function\0"u8)
                status = luaL_loadbuffer(lua, b == null ? name : b, (nuint)body.Length, name);
            if (status != Ok) return "ERR Error compiling function: " + Encoding.UTF8.GetString(ToBytes(lua, -1));
            int chunk = lua_gettop(lua);
            PushBytes(lua, PendingKey);
            lua_createtable(lua, 0, 4);
            lua_rawset(lua, RegistryIndex);
            RawGetField(lua, RegistryIndex, "__fastkv_fn_prepare"u8);
            lua_pushvalue(lua, chunk);
            Pcall(lua, 1, 0, 0);
            t_load = found ?? new List<FunctionInfo>();
            lua_pushvalue(lua, chunk);
            // FUNCTION LOAD gives the code ScriptWatch.LoadTimeoutMs (payloads and RDB files load without a limit, as in Redis).
            if (timed) ScriptWatch.BeginLoad(lua);
            status = Pcall(lua, 0, 0, 0);
            if (timed) ScriptWatch.EndLoad(lua);
            t_load = outer;
            RawGetField(lua, RegistryIndex, "__fastkv_fn_finish"u8);
            Pcall(lua, 0, 0, 0);
            if (status != Ok)
            {
                string msg;
                if (lua_type(lua, chunk + 1) == TTable)
                {
                    RawGetField(lua, chunk + 1, "err"u8);
                    msg = lua_type(lua, -1) == TString ? Encoding.UTF8.GetString(ToBytes(lua, -1)) : Errors.UnknownError;
                }
                else msg = "ERR " + (lua_type(lua, chunk + 1) == TString ? Encoding.UTF8.GetString(ToBytes(lua, chunk + 1)) : "unknown error");
                return "ERR Error registering functions: " + msg;
            }
            if (found == null)
            {
                // Kept: the callbacks move from the load's table into the state's.
                RawGetField(lua, RegistryIndex, FunctionsKey);
                int functions = lua_gettop(lua);
                RawGetField(lua, RegistryIndex, PendingKey);
                int pending = lua_gettop(lua);
                lua_pushnil(lua);
                while (lua_next(lua, pending) != 0)
                {
                    lua_pushvalue(lua, -2);
                    lua_insert(lua, -2);
                    lua_rawset(lua, functions);
                }
            }
            return null;
        }
        finally
        {
            t_load = outer;
            PushBytes(lua, PendingKey);
            lua_pushnil(lua);
            lua_rawset(lua, RegistryIndex);
            lua_settop(lua, top);
        }
    }

    static ReadOnlySpan<byte> PendingKey => "__fastkv_fn_pending"u8;

    /// <summary>FCALL / FCALL_RO: calls the function with its keys and arguments as two tables (numkeys checked by the caller).</summary>
    public void RunFunction(ref CommandContext c, FunctionInfo function, int numKeys, ScriptFlags flags)
    {
        int top = lua_gettop(lua);
        try
        {
            PushBytes(lua, "__redis__err__handler"u8);
            lua_rawget(lua, GlobalsIndex);
            RawGetField(lua, RegistryIndex, FunctionsKey);
            PushBytes(lua, function.NameBytes);
            lua_rawget(lua, -2);
            lua_remove(lua, -2);
            int n = c.Count - 3;
            lua_createtable(lua, numKeys, 0);
            for (int i = 0; i < numKeys; i++)
            {
                PushBytes(lua, c.Arg(3 + i));
                lua_rawseti(lua, -2, i + 1);
            }
            lua_createtable(lua, n - numKeys, 0);
            for (int i = numKeys; i < n; i++)
            {
                PushBytes(lua, c.Arg(3 + i));
                lua_rawseti(lua, -2, i - numKeys + 1);
            }
            Invoke(ref c, 2, flags, function.Name, function, numKeys, eval: false);
        }
        finally
        {
            lua_settop(lua, top);
        }
    }

    [UnmanagedCallersOnly]
    static int RawRegisterFunction(LuaState* lua) => LuaLibraries.Enter(lua, &RegisterFunctionBody);

    /// <summary>
    /// redis.register_function(name, callback) or redis.register_function{function_name=, callback=, flags=,
    /// description=} (luaRegisterFunction), with Redis's errors in its order.
    /// </summary>
    static int RegisterFunctionBody(LuaState* lua)
    {
        List<FunctionInfo>? load = t_load;
        if (load == null) return Fail(lua, "ERR redis.register_function can only be called on FUNCTION LOAD command");
        int argc = lua_gettop(lua);
        if (argc < 1 || argc > 2) return Fail(lua, "ERR wrong number of arguments to redis.register_function");
        byte[]? name = null, description = null;
        ScriptFlags flags = ScriptFlags.None;
        bool haveCallback = false;
        if (argc == 1)
        {
            if (lua_type(lua, 1) != TTable)
                return Fail(lua, "ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
            lua_settop(lua, 2); // slot 2 will hold the callback
            lua_pushnil(lua);
            while (lua_next(lua, 1) != 0)
            {
                int kt = lua_type(lua, -2);
                if (kt != TString && kt != TNumber) return Fail(lua, "ERR named argument key given to redis.register_function is not a string");
                // A number key is no argument's name (and converting it in place would upset lua_next).
                ReadOnlySpan<byte> key = kt == TString ? ToBytes(lua, -2) : "?"u8;
                if (Ascii.EqualsIgnoreCase(key, "function_name"u8))
                {
                    if (!IsString(lua, -1)) return Fail(lua, "ERR function_name argument given to redis.register_function must be a string");
                    name = ToBytes(lua, -1).ToArray();
                }
                else if (Ascii.EqualsIgnoreCase(key, "description"u8))
                {
                    if (!IsString(lua, -1)) return Fail(lua, "ERR description argument given to redis.register_function must be a string");
                    description = ToBytes(lua, -1).ToArray();
                }
                else if (Ascii.EqualsIgnoreCase(key, "callback"u8))
                {
                    if (lua_type(lua, -1) != TFunction) return Fail(lua, "ERR callback argument given to redis.register_function must be a function");
                    lua_pushvalue(lua, -1);
                    lua_remove(lua, 2);
                    lua_insert(lua, 2);
                    haveCallback = true;
                }
                else if (Ascii.EqualsIgnoreCase(key, "flags"u8))
                {
                    if (lua_type(lua, -1) != TTable) return Fail(lua, "ERR flags argument to redis.register_function must be a table representing function flags");
                    if (!ReadFlags(lua, lua_gettop(lua), out flags)) return Fail(lua, "ERR unknown flag given");
                }
                else return Fail(lua, "ERR unknown argument given to redis.register_function");
                lua_pop(lua, 1);
            }
            if (name == null) return Fail(lua, "ERR redis.register_function must get a function name argument");
            if (!haveCallback) return Fail(lua, "ERR redis.register_function must get a callback argument");
        }
        else
        {
            if (!IsString(lua, 1)) return Fail(lua, "ERR first argument to redis.register_function must be a string");
            name = ToBytes(lua, 1).ToArray();
            if (lua_type(lua, 2) != TFunction) return Fail(lua, "ERR second argument to redis.register_function must be a function");
        }
        if (!ValidName(name)) return Fail(lua, "ERR " + BadName);
        string fname = Encoding.ASCII.GetString(name);
        foreach (FunctionInfo f in load)
            if (f.Name == fname) return Fail(lua, "ERR Function already exists in the library");
        load.Add(new FunctionInfo(fname, description, flags));
        RawGetField(lua, RegistryIndex, PendingKey);
        PushBytes(lua, name);
        lua_pushvalue(lua, 2);
        lua_rawset(lua, -3);
        lua_settop(lua, 0);
        return 0;
    }

    /// <summary>lua_isstring: a string or a number.</summary>
    static bool IsString(LuaState* lua, int idx)
    {
        int t = lua_type(lua, idx);
        return t == TString || t == TNumber;
    }

    /// <summary>luaRegisterFunctionReadFlags: t[1], t[2], ... up to the first nil, each one of Redis's script flags (any case).</summary>
    static bool ReadFlags(LuaState* lua, int table, out ScriptFlags flags)
    {
        flags = ScriptFlags.None;
        for (int j = 1; ; j++)
        {
            lua_rawgeti(lua, table, j);
            int t = lua_type(lua, -1);
            if (t == TNil)
            {
                lua_pop(lua, 1);
                return true;
            }
            ScriptFlags f = t == TString ? FlagOf(ToBytes(lua, -1)) : ScriptFlags.None;
            lua_pop(lua, 1);
            if (f == ScriptFlags.None) return false;
            flags |= f;
        }
    }

    static ScriptFlags FlagOf(ReadOnlySpan<byte> s) =>
        Ascii.EqualsIgnoreCase(s, "no-writes"u8) ? ScriptFlags.NoWrites
        : Ascii.EqualsIgnoreCase(s, "allow-oom"u8) ? ScriptFlags.AllowOom
        : Ascii.EqualsIgnoreCase(s, "allow-stale"u8) ? ScriptFlags.AllowStale
        : Ascii.EqualsIgnoreCase(s, "no-cluster"u8) ? ScriptFlags.NoCluster
        : Ascii.EqualsIgnoreCase(s, "allow-cross-slot-keys"u8) ? ScriptFlags.AllowCrossSlot
        : ScriptFlags.None;

    /// <summary>
    /// Run once per function state after EVAL's bootstrap, with register_function, log and the version: returns
    /// prepare(chunk), which gives a library's chunk the switched globals and switches them to the load-time API, and
    /// finish(), which switches them back to the runtime globals.
    /// </summary>
    static ReadOnlySpan<byte> FunctionBootstrap => """
        local raw_register, raw_log, version, version_num = ...
        local G = _G
        local error, tostring, setmetatable, setfenv, rawset = error, tostring, setmetatable, setfenv, rawset
        rawset(G, 'KEYS', nil)
        rawset(G, 'ARGV', nil)
        local function readonly()
          error('Attempt to modify a readonly table', 2)
        end
        local function strict(t)
          return setmetatable({}, {
            __index = function(_, k)
              local v = t[k]
              if v == nil then
                error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
              end
              return v
            end,
            __newindex = readonly,
            __metatable = false,
          })
        end
        local api = strict({redis = strict({
          register_function = raw_register, log = raw_log,
          LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
          REDIS_VERSION = version, REDIS_VERSION_NUM = version_num,
        })})
        local meta = {__index = G, __newindex = readonly, __metatable = false}
        local env = setmetatable({}, meta)
        local function prepare(chunk)
          setfenv(chunk, env)
          meta.__index = api
        end
        local function finish()
          meta.__index = G
        end
        return prepare, finish
        """u8;
}
