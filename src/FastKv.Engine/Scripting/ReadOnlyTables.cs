using System;
using System.Text;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

/// <summary>
/// Redis 7.2's read-only Lua environment (its patched Lua's <c>lua_enablereadonlytable</c>, applied recursively to the
/// globals after the libraries load): a script cannot change the globals nor any table reachable from them
/// (<c>redis</c>, <c>string</c>, <c>math</c>, <c>table</c>, <c>coroutine</c>, <c>bit</c>, <c>cjson</c>, <c>cmsgpack</c>,
/// <c>struct</c>): <c>redis.call = nil</c> raises "user_script:1: Attempt to modify a readonly table", and
/// <c>rawset</c> or <c>setmetatable</c> on one raises it without a position, as Redis's C check does.
/// <para>
/// Debian's stock Lua 5.1 has no read-only flag, so each such table is replaced by an empty proxy whose
/// <c>__index</c> is the real table and whose <c>__newindex</c> raises. Scripts run with a proxy of the globals as
/// their environment (<see cref="SetEnvironment"/> after each compile; <c>_G</c>, <c>getfenv</c> and
/// <c>loadstring</c> give it too), while the real globals table stays the state's, so the engine sets <c>KEYS</c> and
/// <c>ARGV</c> there raw and scripts may change those two tables, as in Redis. As Redis's walk does, the metatable of a
/// protected table (the globals' one) is protected too, and getmetatable gives its proxy.
/// </para>
/// <para>
/// What a proxy changes is undone where a script could see it. Functions that read a table raw see through it:
/// <c>rawget</c>, <c>next</c> (so <c>pairs</c>) and <c>table.foreach</c> are C guards (fastkv_lua.c) that swap in the
/// real table and call the original in the same frame, so their errors keep the original's text; <c>getmetatable</c>
/// is a Lua wrapper. Functions that write raw refuse a proxy with Redis's error: <c>rawset</c> and <c>setmetatable</c>
/// (Lua wrappers that check their arguments with the C functions' messages) and <c>table.insert</c> (a C guard that
/// lets the original check its arguments against an empty table first, as Redis's check sits in the write itself).
/// <c>#</c>, <c>ipairs</c>, <c>unpack</c> and the other table functions read only the keys 1, 2, ..., and no protected
/// table has any, so the empty proxy answers as Redis's table does. A proxy mechanism stays because stock Lua 5.1 has
/// no hook on assignment to an existing key (Redis patched luaV_settable); the JIT build links the shared liblua5.1,
/// whose internal functions cannot be wrapped.
/// </para>
/// </summary>
public static unsafe class ReadOnlyTables
{
    /// <summary>Registry key of the globals' proxy: the environment of every script function.</summary>
    static ReadOnlySpan<byte> EnvKey => "fastkv.env"u8;
    /// <summary>Registry key of the map from each proxy to the table it protects.</summary>
    static ReadOnlySpan<byte> RealKey => "fastkv.readonly"u8;

    /// <summary>Once per state, after the bootstrap and the libraries: every table reachable from the globals becomes read-only.</summary>
    public static void Seal(LuaState* lua)
    {
        int top = lua_gettop(lua);
        fixed (byte* code = SealChunk)
        fixed (byte* name = "=fastkv\0"u8)
        {
            if (luaL_loadbuffer(lua, code, (nuint)SealChunk.Length, name) != Ok)
                throw new InvalidOperationException("scripting seal: " + Encoding.UTF8.GetString(ToBytes(lua, -1)));
        }
        fastkv_lua_pushguardmaker(lua);
        if (Pcall(lua, 1, 2, 0) != Ok)
            throw new InvalidOperationException("scripting seal: " + Encoding.UTF8.GetString(ToBytes(lua, -1)));
        // The chunk returns the globals' proxy and the map from proxies to tables.
        PushBytes(lua, RealKey);
        lua_insert(lua, -2);
        lua_rawset(lua, RegistryIndex);
        PushBytes(lua, EnvKey);
        lua_insert(lua, -2);
        lua_rawset(lua, RegistryIndex);
        lua_settop(lua, top);
    }

    /// <summary>
    /// For the C# functions that read a table's contents (cjson.encode, cmsgpack.pack): the table on top of the stack,
    /// if it is a proxy, is replaced by the table it protects, so <c>cmsgpack:pack()</c> packs the library as Redis does.
    /// A table without a metatable (nearly all) costs one call. Raw reads and stack moves only: nothing raises.
    /// </summary>
    public static void SeeThrough(LuaState* lua)
    {
        if (lua_checkstack(lua, 3) == 0 || lua_getmetatable(lua, -1) == 0) return;
        lua_pop(lua, 1);
        RawGetField(lua, RegistryIndex, RealKey); // [t, map]
        lua_pushvalue(lua, -2);                   // [t, map, t]
        lua_rawget(lua, -2);                      // [t, map, real or nil]
        if (lua_type(lua, -1) == TTable)
        {
            lua_remove(lua, -2);
            lua_remove(lua, -2);                  // [real]
        }
        else lua_pop(lua, 2);                     // [t]
    }

    /// <summary>Gives the function on top of the stack the read-only environment (raw registry read and lua_setfenv: neither raises).</summary>
    public static void SetEnvironment(LuaState* lua)
    {
        RawGetField(lua, RegistryIndex, EnvKey);
        lua_setfenv(lua, -2);
    }

    /// <summary>
    /// Run once per state with the real globals as the thread's environment; returns the globals' proxy. The error of
    /// an assignment names the script's line (level 2: the frame that assigned); rawset's has no position (level 0).
    /// </summary>
    static ReadOnlySpan<byte> SealChunk => """
        local guard = ...
        local G = _G
        local error, type, rawget, rawset, next, select = error, type, rawget, rawset, next, select
        local raw_setmetatable, raw_getmetatable, raw_getfenv, raw_setfenv, raw_loadstring, raw_load, raw_byte =
          setmetatable, getmetatable, getfenv, setfenv, loadstring, load, string.byte
        local readonly = 'Attempt to modify a readonly table'
        local real = {}        -- proxy -> the table it protects
        local meta_proxy = {}  -- a protected table's metatable -> its proxy
        local function refuse() error(readonly, 2) end
        local function protect(t)
          local p = {}
          real[p] = t
          raw_setmetatable(p, {__index = t, __newindex = refuse})
          return p
        end
        -- As Redis's luaSetTableProtectionRecursively: the values that are tables, and the metatables (the globals' one).
        local function seal(t, seen)
          seen[t] = true
          local k, v = next(t)
          while k ~= nil do
            if type(v) == 'table' and not seen[v] and k ~= 'KEYS' and k ~= 'ARGV' then
              rawset(t, k, protect(seal(v, seen)))
            end
            k, v = next(t, k)
          end
          local m = raw_getmetatable(t)
          if type(m) == 'table' and not seen[m] then meta_proxy[m] = protect(seal(m, seen)) end
          return t
        end
        -- C guards (fastkv_lua.c) for the C functions that read or write a table raw: rawget, next and table.foreach
        -- see the table behind a proxy; table.insert checks its arguments, then refuses a proxy. ipairs, unpack, #,
        -- table.concat, getn, maxn, remove and sort need none: no protected table has an array part, so the empty
        -- proxy answers as the table would (and remove and sort write nothing into an empty array).
        local tbl = rawget(G, 'table')
        rawset(tbl, 'foreach', guard(rawget(tbl, 'foreach'), real))
        rawset(tbl, 'insert', guard(rawget(tbl, 'insert'), real, true))
        rawset(G, 'rawget', guard(rawget, real))
        local env = protect(G)
        -- The library tables are sealed first (their proxies are what G now holds), then G itself.
        seal(G, {[G] = true})
        rawset(G, '_G', env)
        -- Strings' methods come from the protected string table too.
        raw_getmetatable('').__index = rawget(G, 'string')
        -- Each wrapper checks its arguments as the C function would (same message, the script's position), so only
        -- what the proxies change is different: the real table behind a proxy, and the refusal.
        local function bad(fn, n, expected, count, v)
          local got = count < n and 'no value' or type(v)
          error("bad argument #" .. n .. " to '" .. fn .. "' (" .. expected .. " expected, got " .. got .. ")", 3)
        end
        local function missing(fn, n)
          error("bad argument #" .. n .. " to '" .. fn .. "' (value expected)", 3)
        end
        rawset(G, 'rawset', function(...)
          local count, t, k, v = select('#', ...), ...
          if type(t) ~= 'table' then bad('rawset', 1, 'table', count, t) end
          if count < 2 then missing('rawset', 2) end
          if count < 3 then missing('rawset', 3) end
          if real[t] ~= nil then error(readonly, 0) end
          return rawset(t, k, v)
        end)
        rawset(G, 'setmetatable', function(...)
          local count, t, m = select('#', ...), ...
          if type(t) ~= 'table' then bad('setmetatable', 1, 'table', count, t) end
          if m ~= nil and type(m) ~= 'table' then error("bad argument #2 to 'setmetatable' (nil or table expected)", 2) end
          if real[t] ~= nil then error(readonly, 0) end
          -- A protected metatable works as itself (metamethods are read raw), and getmetatable gives its proxy back.
          return raw_setmetatable(t, real[m] or m)
        end)
        rawset(G, 'getmetatable', function(...)
          local count, t = select('#', ...), ...
          if count < 1 then missing('getmetatable', 1) end
          local m = raw_getmetatable(real[t] or t)
          return meta_proxy[m] or m
        end)
        local next_of = guard(next, real)
        rawset(G, 'next', next_of)
        rawset(G, 'pairs', function(...)
          local count, t = select('#', ...), ...
          if type(t) ~= 'table' then bad('pairs', 1, 'table', count, t) end
          return next_of, t, nil
        end)
        rawset(G, 'getfenv', function(f)
          if f == nil then f = 1 end
          -- Level 1 is the caller of this wrapper, one frame further down than it would be for the C function.
          local e = raw_getfenv(type(f) == 'number' and f > 0 and f + 1 or f)
          if e == G then return env end
          return e
        end)
        -- Redis's Lua parses every chunk as text, so precompiled code never loads (it could break the VM): a chunk
        -- that starts as a binary one (ESC) gets a space in front, which keeps it from the undumper, and the parser
        -- fails on it with Redis's error, the chunk named as it would be.
        if raw_loadstring then
          rawset(G, 'loadstring', function(...)
            local s, name = ...
            local t = type(s)
            if t ~= 'string' and t ~= 'number' then
              error("bad argument #1 to 'loadstring' (string expected, got " .. (select('#', ...) == 0 and 'no value' or t) .. ')', 2)
            end
            if t == 'string' and raw_byte(s, 1) == 27 then return raw_loadstring(' ' .. s, name or s) end
            local f, err = raw_loadstring(s, name)
            if f then raw_setfenv(f, env) end
            return f, err
          end)
        end
        if raw_load then
          rawset(G, 'load', function(...)
            local reader, name = ...
            if type(reader) ~= 'function' then
              error("bad argument #1 to 'load' (function expected, got " .. (select('#', ...) == 0 and 'no value' or type(reader)) .. ')', 2)
            end
            local first = true
            local function read()
              local piece = reader()
              if first then
                first = false
                if type(piece) == 'string' and raw_byte(piece, 1) == 27 then piece = ' ' .. piece end
              end
              return piece
            end
            return raw_load(read, name)
          end)
        end
        return env, real
        """u8;
}
