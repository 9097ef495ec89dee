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
        RestartCollector(L);
        int status = lua_pcall(L, nargs, nresults, errfunc);
        StopCollector(L);
        return status;
    }

    // ---- stopping the collector without losing its pace ------------------------------------------------------------
    //
    // lua_gc(LUA_GCRESTART) sets the threshold to the bytes in use, so the first allocation after it runs a collection
    // step: a script and each redis.call it returns from (every C# callback stops and restarts the collector) paid a
    // step, where Redis's never-stopped collector steps about once per kilobyte allocated. With the threshold kept
    // across a stop (as Redis's state would have it), the collector keeps that pace. lua_gc has no way to set the
    // threshold, so this writes Lua 5.1.5's global_State fields directly (lstate.h, x86-64: ud at 24, GCthreshold at
    // 112, totalbytes at 120), once <see cref="CheckCollectorLayout"/> has proven that layout against the API on a
    // real state; otherwise (another Lua build) it stops and restarts through lua_gc as before.

    const int GlobalOffset = 32, UdOffset = 24, ThresholdOffset = 112, TotalBytesOffset = 120;
    /// <summary>MAX_LUMEM, the threshold LUA_GCSTOP sets.</summary>
    static readonly nuint StoppedThreshold = nuint.MaxValue - 2;
    static bool directCollector;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte* Global(LuaState* L) => *(byte**)((byte*)L + GlobalOffset);

    /// <summary>Stops the collector, keeping its threshold for <see cref="RestartCollector"/>. Stopping a stopped one keeps the first.</summary>
    public static void StopCollector(LuaState* L)
    {
        // Invariant when direct: L's global_State has the checked layout and its ud is this state's LuaMemory.
        byte* g;
        LuaMemory* m;
        if (!directCollector || (m = *(LuaMemory**)((g = Global(L)) + UdOffset)) == null)
        {
            lua_gc_flag(L, GcStop, 0);
            return;
        }
        nuint* threshold = (nuint*)(g + ThresholdOffset);
        if (*threshold == StoppedThreshold) return;
        m->SavedThreshold = *threshold;
        *threshold = StoppedThreshold;
    }

    /// <summary>Restarts the collector at the threshold it was stopped at (bytes allocated meanwhile count toward it).</summary>
    public static void RestartCollector(LuaState* L)
    {
        byte* g;
        LuaMemory* m;
        if (!directCollector || (m = *(LuaMemory**)((g = Global(L)) + UdOffset)) == null || m->SavedThreshold == 0)
        {
            lua_gc_flag(L, GcRestart, 0);
            return;
        }
        *(nuint*)(g + ThresholdOffset) = m->SavedThreshold;
    }

    /// <summary>
    /// Once, on the first state with a <see cref="LuaMemory"/>: whether the fields above are where this Lua keeps them
    /// (ud is the allocator's, totalbytes equals LUA_GCCOUNT/COUNTB, LUA_GCSTOP and LUA_GCRESTART write the threshold).
    /// </summary>
    public static void CheckCollectorLayout(LuaState* L, LuaMemory* m)
    {
        if (directCollector) return;
        // Reads within the global_State (a struct of several hundred bytes) of a live state; writes only through lua_gc.
        byte* g = Global(L);
        if (g == null || *(LuaMemory**)(g + UdOffset) != m) return;
        nuint total = (nuint)lua_gc(L, GcCount, 0) * 1024 + (nuint)lua_gc(L, GcCountB, 0);
        if (*(nuint*)(g + TotalBytesOffset) != total) return;
        lua_gc_flag(L, GcRestart, 0);
        bool restarted = *(nuint*)(g + ThresholdOffset) == *(nuint*)(g + TotalBytesOffset);
        lua_gc_flag(L, GcStop, 0);
        bool stopped = *(nuint*)(g + ThresholdOffset) == StoppedThreshold;
        directCollector = restarted && stopped;
    }

    /// <summary>Whether the collector is stopped and restarted by its threshold (the layout check passed).</summary>
    public static bool DirectCollector => directCollector;

    /// <summary>
    /// Once at startup, before any shard thread runs a script: proves the layout on a state opened and closed for it,
    /// so the server can say in its log which way it stops the collector (a test reads that line, so a Lua package
    /// whose layout differs cannot silently lose the direct way). The shards' states then find it proven.
    /// </summary>
    public static bool ProveCollectorLayout()
    {
        var m = (LuaMemory*)NativeMemory.AllocZeroed((nuint)sizeof(LuaMemory));
        try
        {
            LuaState* L = fastkv_lua_newstate(m);
            if (L == null) return directCollector;
            CheckCollectorLayout(L, m);
            fastkv_lua_close(L, m);
            return directCollector;
        }
        finally
        {
            NativeMemory.Free(m);
        }
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
    /// <summary>fastkv_lua.c's fastkv_lua_memory, field for field: the bytes one state holds, its limit (0: none), its free lists.</summary>
    public struct LuaMemory
    {
        public nuint Used;
        public nuint Limit;
        /// <summary>The collector's threshold when <see cref="StopCollector"/> last stopped it (C# only; the allocator ignores it).</summary>
        public nuint SavedThreshold;
        /// <summary>The allocator's free lists of small blocks, one per 16-byte class (C's only).</summary>
        public fixed long FreeLists[16];
        public fixed uint FreeCounts[16];
    }

    /// <summary>Closes a state made by <see cref="fastkv_lua_newstate"/> and frees the blocks its allocator kept.</summary>
    [LibraryImport("fastkv_lua")] public static partial void fastkv_lua_close(LuaState* L, LuaMemory* m);

    /// <summary>A new state allocating through the counting allocator of <paramref name="m"/> (which must outlive it).</summary>
    [LibraryImport("fastkv_lua")] public static partial LuaState* fastkv_lua_newstate(LuaMemory* m);

    [LibraryImport("fastkv_lua")] public static partial void fastkv_lua_pushfunction(LuaState* L, delegate* unmanaged<LuaState*, int> fn);

    /// <summary>Pushes the C function that wraps a library function in a read-only-table guard (<see cref="ReadOnlyTables"/>).</summary>
    [LibraryImport("fastkv_lua")] public static partial void fastkv_lua_pushguardmaker(LuaState* L);

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
