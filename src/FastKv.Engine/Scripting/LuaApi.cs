using System;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

// The C API keeps the names the C library exports (lua_pcall, L), so the bindings read like the Lua manual.
#pragma warning disable IDE1006

namespace FastKv.Engine.Scripting;

/// <summary>
/// The part of Lua 5.1's C API the scripting engine uses (Debian's liblua5.1: linked statically into the native
/// binary, loaded as liblua5.1.so.0 under the JIT). DESIGN.md 6a: Lua raises errors with longjmp, which must never
/// cross a .NET frame. So C# enters Lua only through <see cref="lua_pcall"/> (or calls that cannot raise: stack
/// reads, raw table access, pushes while the collector is stopped), and the C# functions registered into Lua never
/// raise: they return -1 with the error object on the stack and a C trampoline raises it (<see cref="fastkv_lua_pushfunction"/>).
/// <para>
/// The short calls that neither raise, block nor call back (stack reads and pushes, raw table access) are marked
/// <c>SuppressGCTransition</c>: a redis.call makes a dozen of them. That holds only while Lua's collector is stopped
/// (an allocation may run a collection step, whose finalizers are Lua code that may call back into C#): a state's
/// collector is stopped from its creation and runs only inside <see cref="Pcall"/> (and the C# functions registered
/// into Lua stop it again while they run).
/// </para>
/// </summary>
public static unsafe partial class LuaApi
{
    const string Lib = "lua5.1";

    public const int RegistryIndex = -10000;
    public const int GlobalsIndex = -10002;
    public const int MultRet = -1;

    public const int TNone = -1, TNil = 0, TBoolean = 1, TLightUserData = 2, TNumber = 3, TString = 4, TTable = 5,
        TFunction = 6, TUserData = 7, TThread = 8;

    public const int Ok = 0, ErrRun = 2, ErrSyntax = 3, ErrMem = 4, ErrErr = 5;

    public const int GcStop = 0, GcRestart = 1, GcCollect = 2, GcCount = 3, GcCountB = 4;

    static LuaApi()
    {
        // Under the JIT the runtime package ships only the versioned name; the native binary links the library in.
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(LuaApi).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // A resolver was already set for this assembly (a second server in one process): it is this one.
        }
    }

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib) return IntPtr.Zero;
        foreach (string candidate in new[] { "liblua5.1.so", "liblua5.1.so.0" })
            if (NativeLibrary.TryLoad(candidate, assembly, path, out IntPtr h)) return h;
        return IntPtr.Zero;
    }

    static int available; // 0 not known yet, 1 yes, -1 no

    /// <summary>Whether the Lua library and the trampoline can be reached (false under the JIT without liblua5.1 installed); probed once.</summary>
    public static bool Available
    {
        get
        {
            if (available == 0) available = Probe() ? 1 : -1;
            return available > 0;
        }
    }

    static bool Probe()
    {
        {
            try
            {
                LuaState* L = luaL_newstate();
                if (L == null) return false;
                fastkv_lua_pushfunction(L, null);
                lua_close(L);
                return true;
            }
            catch (DllNotFoundException)
            {
                return false;
            }
            catch (EntryPointNotFoundException)
            {
                return false;
            }
        }
    }

    /// <summary>Opaque lua_State.</summary>
    public struct LuaState { }

    [LibraryImport(Lib)] public static partial LuaState* luaL_newstate();
    [LibraryImport(Lib)] public static partial void lua_close(LuaState* L);
    [LibraryImport(Lib)] public static partial void luaL_openlibs(LuaState* L);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_gettop(LuaState* L);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_settop(LuaState* L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_pushvalue(LuaState* L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_remove(LuaState* L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_insert(LuaState* L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_checkstack(LuaState* L, int extra);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_type(LuaState* L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial double lua_tonumber(LuaState* L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_toboolean(LuaState* L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial byte* lua_tolstring(LuaState* L, int idx, nuint* len);
    [LibraryImport(Lib), SuppressGCTransition] public static partial nuint lua_objlen(LuaState* L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_pushnil(LuaState* L);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_pushnumber(LuaState* L, double n);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_pushlstring(LuaState* L, byte* s, nuint len);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_pushboolean(LuaState* L, int b);
    [LibraryImport(Lib)] public static partial void lua_pushcclosure(LuaState* L, delegate* unmanaged<LuaState*, int> fn, int n);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_createtable(LuaState* L, int narr, int nrec);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_rawget(LuaState* L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_rawgeti(LuaState* L, int idx, int n);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_rawset(LuaState* L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_rawseti(LuaState* L, int idx, int n);
    [LibraryImport(Lib)] public static partial int lua_next(LuaState* L, int idx);
    [LibraryImport(Lib)] public static partial int lua_pcall(LuaState* L, int nargs, int nresults, int errfunc);

    /// <summary>
    /// lua_pcall with the collector running for the call's length only: outside it the collector stays stopped, so no
    /// allocation C# makes in the state can run a finalizer (Lua code that may call back into C#) under a C# frame.
    /// </summary>
    public static int Pcall(LuaState* L, int nargs, int nresults, int errfunc)
    {
        lua_gc_flag(L, GcRestart, 0);
        int status = lua_pcall(L, nargs, nresults, errfunc);
        lua_gc_flag(L, GcStop, 0);
        return status;
    }
    [LibraryImport(Lib)] public static partial int luaL_loadbuffer(LuaState* L, byte* buff, nuint size, byte* name);
    [LibraryImport(Lib)] public static partial int lua_gc(LuaState* L, int what, int data);

    /// <summary>
    /// lua_gc for <see cref="GcStop"/> and <see cref="GcRestart"/> only: they set a threshold and return, so the call
    /// skips the GC transition. Never for a collection (a finalizer may run Lua that calls back into C#).
    /// </summary>
    [LibraryImport(Lib, EntryPoint = "lua_gc"), SuppressGCTransition]
    public static partial int lua_gc_flag(LuaState* L, int what, int data);
    [LibraryImport(Lib)] public static partial int lua_getstack(LuaState* L, int level, LuaDebug* ar);
    [LibraryImport(Lib)] public static partial int lua_getinfo(LuaState* L, byte* what, LuaDebug* ar);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_isnumber(LuaState* L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial nint lua_tointeger(LuaState* L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_pushlightuserdata(LuaState* L, void* p);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void* lua_touserdata(LuaState* L, int idx);
    [LibraryImport(Lib)] public static partial void* lua_newuserdata(LuaState* L, nuint size);
    [LibraryImport(Lib)] public static partial int lua_setmetatable(LuaState* L, int objindex);
    [LibraryImport(Lib)] public static partial int lua_setfenv(LuaState* L, int idx);
    [LibraryImport(Lib)] public static partial int lua_getmetatable(LuaState* L, int objindex);

    /// <summary>Lua 5.1's lua_Debug (LUA_IDSIZE 60).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LuaDebug
    {
        public int Event;
        public byte* Name;
        public byte* NameWhat;
        public byte* What;
        public byte* Source;
        public int CurrentLine;
        public int Nups;
        public int LineDefined;
        public int LastLineDefined;
        public fixed byte ShortSrc[60];
        public int ICi;
    }

    /// <summary>
    /// Pushes a C# function as a Lua function (Scripting/native/fastkv_lua.c): <paramref name="fn"/> returns its result
    /// count, or -1 with an error object on top, which the C trampoline then raises, after the .NET frame returned.
    /// </summary>
    /// <summary>The allocator's account of one state (fastkv_lua.c): bytes held, and the limit (0: none).</summary>
    public struct LuaMemory
    {
        public nuint Used;
        public nuint Limit;
    }

    /// <summary>A new state allocating through the counting allocator of <paramref name="m"/> (which must outlive it).</summary>
    [LibraryImport("fastkv_lua")] public static partial LuaState* fastkv_lua_newstate(LuaMemory* m);

    [LibraryImport("fastkv_lua")] public static partial void fastkv_lua_pushfunction(LuaState* L, delegate* unmanaged<LuaState*, int> fn);

    /// <summary>Once per process: the C# function the busy-script hook calls (<see cref="ScriptWatch"/>); it raises the same way.</summary>
    [LibraryImport("fastkv_lua")] public static partial void fastkv_lua_setinterrupt(delegate* unmanaged<LuaState*, int> fn);

    /// <summary>Installs the count hook every <paramref name="count"/> instructions on the state, or removes it (0).</summary>
    [LibraryImport("fastkv_lua")] public static partial void fastkv_lua_watch(LuaState* L, int count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void lua_pop(LuaState* L, int n) => lua_settop(L, -n - 1);

    public static void PushBytes(LuaState* L, ReadOnlySpan<byte> s)
    {
        // The span is pinned for the call; Lua copies the bytes into its own string.
        fixed (byte* p = s) lua_pushlstring(L, p == null ? (byte*)&p : p, (nuint)s.Length);
    }

    public static void PushString(LuaState* L, string s) => PushBytes(L, System.Text.Encoding.UTF8.GetBytes(s));

    /// <summary>The string (or number, converted in place as Lua does) at <paramref name="idx"/>, or an empty span for other types.</summary>
    public static ReadOnlySpan<byte> ToBytes(LuaState* L, int idx)
    {
        nuint len;
        byte* p = lua_tolstring(L, idx, &len);
        return p == null ? default : new ReadOnlySpan<byte>(p, checked((int)len));
    }

    /// <summary>t[name] = value on top (raw: no metamethod, so it cannot raise), for a table at an absolute index.</summary>
    public static void RawSetField(LuaState* L, int table, string name)
    {
        PushString(L, name);
        lua_insert(L, -2);
        lua_rawset(L, table);
    }

    /// <summary>Pushes t[name] (raw) for a table at an absolute index.</summary>
    public static void RawGetField(LuaState* L, int table, ReadOnlySpan<byte> name)
    {
        PushBytes(L, name);
        lua_rawget(L, table);
    }
}
