using System;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

/// <summary>
/// The libraries Redis loads into every Lua state besides Lua's own (cjson, cmsgpack, bit, struct), written in C#
/// and registered as global tables of functions. Each library is one class with an <c>Open</c> method listed in
/// <see cref="OpenAll"/>. Its functions follow the rules of every function registered into Lua
/// (<see cref="ScriptEngine"/>): they never raise; they return their result count, or -1 with the error object on
/// the stack (a string such as "bad argument #1 to 'encode' ...", which the handler turns into "ERR ..."), and the
/// C trampoline raises it. They run with Lua's collector stopped (<see cref="Enter"/>).
/// </summary>
public static unsafe class LuaLibraries
{
    /// <summary>Called once per new Lua state, after the bootstrap (globals are set raw: the protection is already on).</summary>
    public static void OpenAll(LuaState* lua)
    {
        CjsonLibrary.Open(lua);
        BitLibrary.Open(lua);
        StructLibrary.Open(lua);
        CmsgpackLibrary.Open(lua);
    }

    /// <summary>Creates global table <paramref name="name"/> holding <paramref name="functions"/> and returns with it on top of the stack.</summary>
    public static void NewLibrary(LuaState* lua, string name, ReadOnlySpan<(string name, nint fn)> functions)
    {
        lua_createtable(lua, 0, functions.Length);
        int t = lua_gettop(lua);
        foreach ((string fname, nint fn) in functions)
        {
            fastkv_lua_pushfunction(lua, (delegate* unmanaged<LuaState*, int>)fn);
            RawSetField(lua, t, fname);
        }
        PushString(lua, name);
        lua_pushvalue(lua, t);
        lua_rawset(lua, GlobalsIndex);
    }

    /// <summary>
    /// Runs a library function's body with the collector stopped and any .NET exception turned into a Lua error:
    /// the pattern every registered function follows (<c>[UnmanagedCallersOnly] static int F(LuaState* l) =&gt; Enter(l, &amp;Body)</c>).
    /// </summary>
    public static int Enter(LuaState* lua, delegate*<LuaState*, int> body)
    {
        StopCollector(lua);
        try
        {
            return body(lua);
        }
        catch (Exception e)
        {
            return Error(lua, e.Message);
        }
        finally
        {
            RestartCollector(lua);
        }
    }

    /// <summary>
    /// luaL_error: <paramref name="message"/> after the caller's position ("user_script:1: "), alone on the stack as the
    /// error; returns -1 (the trampoline raises it).
    /// </summary>
    public static int Error(LuaState* lua, string message)
    {
        string where = Where(lua, 1);
        lua_settop(lua, 0);
        PushString(lua, where + message);
        return -1;
    }

    /// <summary>luaL_where: "chunk:line: " of the function at <paramref name="level"/> (1: the script that called the library function), or "".</summary>
    public static string Where(LuaState* lua, int level)
    {
        LuaDebug ar;
        if (lua_getstack(lua, level, &ar) == 0) return "";
        fixed (byte* what = "Sl\0"u8) lua_getinfo(lua, what, &ar);
        if (ar.CurrentLine <= 0) return "";
        string src = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)ar.ShortSrc) ?? "";
        return src + ":" + ar.CurrentLine + ": ";
    }

    /// <summary>luaL_argerror: "bad argument #n to 'name' (extra)", with luaL_error's position.</summary>
    public static int ArgError(LuaState* lua, int narg, string extra)
    {
        LuaDebug ar;
        string name = "?";
        if (lua_getstack(lua, 0, &ar) != 0)
        {
            fixed (byte* what = "n\0"u8) lua_getinfo(lua, what, &ar);
            string? namewhat = ar.NameWhat == null ? null : System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)ar.NameWhat);
            if (namewhat == "method")
            {
                narg--;
                if (narg == 0) return Error(lua, "calling '" + PtrString(ar.Name) + "' on bad self (" + extra + ")");
            }
            if (ar.Name != null) name = PtrString(ar.Name);
        }
        return Error(lua, "bad argument #" + narg + " to '" + name + "' (" + extra + ")");
    }

    /// <summary>luaL_typerror: "bad argument #n to 'name' (number expected, got nil)".</summary>
    public static int TypeError(LuaState* lua, int narg, string expected)
    {
        int t = lua_type(lua, narg);
        string got = t == TNone ? "no value" : TypeName(t);
        return ArgError(lua, narg, expected + " expected, got " + got);
    }

    /// <summary>lua_typename.</summary>
    public static string TypeName(int t) => t switch
    {
        TNil => "nil",
        TBoolean => "boolean",
        TLightUserData => "userdata",
        TNumber => "number",
        TString => "string",
        TTable => "table",
        TFunction => "function",
        TUserData => "userdata",
        TThread => "thread",
        _ => "no value",
    };

    static string PtrString(byte* p) => p == null ? "?" : System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)p) ?? "?";
}
