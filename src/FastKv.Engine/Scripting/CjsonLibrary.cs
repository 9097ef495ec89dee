using System;
using System.Runtime.InteropServices;
using System.Text;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

/// <summary>
/// The <c>cjson</c> table Redis 7.2 loads into every Lua state (lua-cjson 2.1.0 with Redis's fixes): encode and
/// decode (<see cref="CjsonEncoder"/>, <see cref="CjsonDecoder"/>), the configuration functions, <c>new</c>,
/// <c>null</c> (a NULL light userdata), <c>_NAME</c> and <c>_VERSION</c>.
///
/// Each table made by <c>Open</c> or <c>cjson.new()</c> has its own settings, which persist in the Lua state until
/// SCRIPT FLUSH. lua-cjson keeps them as the functions' upvalue; our functions are all the one C trampoline whose
/// only upvalue is the C# function, so the settings live in a userdata reached from a weak-keyed registry table:
/// running closure -&gt; settings. A function finds its own closure with lua_getinfo("f").
/// </summary>
public static unsafe class CjsonLibrary
{
    /// <summary>The settings of one cjson table, in a Lua userdata (lua-cjson's json_config_t without its tables).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Config
    {
        public int SparseConvert;         // 0 or 1
        public int SparseRatio;
        public int SparseSafe;
        public int EncodeMaxDepth;
        public int DecodeMaxDepth;
        public int EncodeInvalidNumbers;  // 0 off, 1 on, 2 "null"
        public int DecodeInvalidNumbers;  // 0 or 1
        public int KeepBuffer;            // 0 or 1: accepted and reported; the output is the same either way
        public int NumberPrecision;       // 1..14
    }

    static ReadOnlySpan<byte> ConfigsKey => "fastkv.cjson.configs"u8;

    public static void Open(LuaState* l)
    {
        // registry["fastkv.cjson.configs"] = setmetatable({}, {__mode = "k"})
        PushBytes(l, ConfigsKey);
        lua_createtable(l, 0, 16);
        lua_createtable(l, 0, 1);
        PushString(l, "k");
        RawSetField(l, lua_gettop(l) - 1, "__mode");
        lua_setmetatable(l, -2);
        lua_rawset(l, RegistryIndex);

        NewTable(l);
        PushString(l, "cjson");
        lua_pushvalue(l, -2);
        lua_rawset(l, GlobalsIndex);
        lua_pop(l, 1);
    }

    static readonly (string, nint)[] Functions =
    {
        ("encode", (nint)(delegate* unmanaged<LuaState*, int>)&Encode),
        ("decode", (nint)(delegate* unmanaged<LuaState*, int>)&Decode),
        ("encode_sparse_array", (nint)(delegate* unmanaged<LuaState*, int>)&EncodeSparseArray),
        ("encode_max_depth", (nint)(delegate* unmanaged<LuaState*, int>)&EncodeMaxDepth),
        ("decode_max_depth", (nint)(delegate* unmanaged<LuaState*, int>)&DecodeMaxDepth),
        ("encode_number_precision", (nint)(delegate* unmanaged<LuaState*, int>)&EncodeNumberPrecision),
        ("encode_keep_buffer", (nint)(delegate* unmanaged<LuaState*, int>)&EncodeKeepBuffer),
        ("encode_invalid_numbers", (nint)(delegate* unmanaged<LuaState*, int>)&EncodeInvalidNumbers),
        ("decode_invalid_numbers", (nint)(delegate* unmanaged<LuaState*, int>)&DecodeInvalidNumbers),
        ("new", (nint)(delegate* unmanaged<LuaState*, int>)&New),
    };

    /// <summary>lua_cjson_new: pushes a new cjson table with default settings of its own (raw sets only: cannot raise but for memory).</summary>
    static void NewTable(LuaState* l)
    {
        lua_createtable(l, 0, Functions.Length + 3);
        int t = lua_gettop(l);
        PushBytes(l, ConfigsKey);
        lua_rawget(l, RegistryIndex);
        int configs = t + 1;
        // Lua never moves a userdata's block while it lives; the registry keeps it alive as long as any of its functions.
        Config* cfg = (Config*)lua_newuserdata(l, (nuint)sizeof(Config));
        *cfg = new Config
        {
            SparseConvert = 0,
            SparseRatio = 2,
            SparseSafe = 10,
            EncodeMaxDepth = 1000,
            DecodeMaxDepth = 1000,
            EncodeInvalidNumbers = 0,
            DecodeInvalidNumbers = 1,
            KeepBuffer = 1,
            NumberPrecision = 14,
        };
        int ud = t + 2;
        foreach ((string name, nint fn) in Functions)
        {
            fastkv_lua_pushfunction(l, (delegate* unmanaged<LuaState*, int>)fn);
            lua_pushvalue(l, -1);
            lua_pushvalue(l, ud);
            lua_rawset(l, configs);
            RawSetField(l, t, name);
        }
        lua_settop(l, t);
        lua_pushlightuserdata(l, null);
        RawSetField(l, t, "null");
        PushString(l, "cjson");
        RawSetField(l, t, "_NAME");
        PushString(l, "2.1.0");
        RawSetField(l, t, "_VERSION");
    }

    /// <summary>json_fetch_config: the settings of the running function's table; leaves the stack as it found it.</summary>
    static Config* FetchConfig(LuaState* l)
    {
        LuaDebug ar;
        int top = lua_gettop(l);
        if (lua_getstack(l, 0, &ar) == 0) return null;
        fixed (byte* what = "f\0"u8) lua_getinfo(l, what, &ar);
        PushBytes(l, ConfigsKey);
        lua_rawget(l, RegistryIndex);
        lua_pushvalue(l, -2);
        lua_rawget(l, -2);
        Config* cfg = (Config*)lua_touserdata(l, -1);
        lua_settop(l, top);
        return cfg;
    }

    /// <summary>json_arg_init: at most <paramref name="args"/> arguments, padded with nil; the settings, or null after an error.</summary>
    static Config* ArgInit(LuaState* l, int args, out int error)
    {
        error = 0;
        if (lua_gettop(l) > args)
        {
            error = LuaLibraries.ArgError(l, args + 1, "found too many arguments");
            return null;
        }
        while (lua_gettop(l) < args) lua_pushnil(l);
        Config* cfg = FetchConfig(l);
        if (cfg == null) error = LuaLibraries.Error(l, "BUG: Unable to fetch CJSON configuration");
        return cfg;
    }

    /// <summary>
    /// json_integer_option: a non-nil argument must convert to an integer (luaL_checkinteger: lua_Integer cut to a C int)
    /// within [min, max] (its range error always names argument #1, as lua-cjson's does); pushes the setting. 0 or -1.
    /// </summary>
    static int IntegerOption(LuaState* l, int index, ref int setting, int min, int max)
    {
        if (lua_type(l, index) != TNil)
        {
            nint v = lua_tointeger(l, index);
            if (v == 0 && lua_isnumber(l, index) == 0) return LuaLibraries.TypeError(l, index, "number");
            int value = unchecked((int)v);
            if (value < min || value > max) return LuaLibraries.ArgError(l, 1, "expected integer between " + min + " and " + max);
            setting = value;
        }
        lua_pushnumber(l, setting);
        return 0;
    }

    static readonly byte[][] OffOn = { "off"u8.ToArray(), "on"u8.ToArray() };
    static readonly byte[][] OffOnNull = { "off"u8.ToArray(), "on"u8.ToArray(), "null"u8.ToArray() };

    /// <summary>json_enum_option with bool_true 1: a boolean, or one of <paramref name="options"/> (luaL_checkoption); pushes the setting. 0 or -1.</summary>
    static int EnumOption(LuaState* l, int index, ref int setting, byte[][] options)
    {
        int type = lua_type(l, index);
        if (type == TBoolean)
        {
            setting = lua_toboolean(l, index);
        }
        else if (type != TNil)
        {
            if (type != TString && type != TNumber) return LuaLibraries.TypeError(l, index, "string");
            ReadOnlySpan<byte> name = ToBytes(l, index);
            int nul = name.IndexOf((byte)0);
            if (nul >= 0) name = name[..nul]; // strcmp and %s stop at the first NUL
            int found = -1;
            for (int i = 0; i < options.Length && found < 0; i++)
                if (name.SequenceEqual(options[i])) found = i;
            if (found < 0) return LuaLibraries.ArgError(l, index, "invalid option '" + Encoding.UTF8.GetString(name) + "'");
            setting = found;
        }
        if (setting <= 1) lua_pushboolean(l, setting);
        else PushBytes(l, options[setting]);
        return 0;
    }

    [UnmanagedCallersOnly] static int Encode(LuaState* l) => LuaLibraries.Enter(l, &CjsonEncoder.EncodeBody);
    [UnmanagedCallersOnly] static int Decode(LuaState* l) => LuaLibraries.Enter(l, &CjsonDecoder.DecodeBody);
    [UnmanagedCallersOnly] static int EncodeSparseArray(LuaState* l) => LuaLibraries.Enter(l, &EncodeSparseArrayBody);
    [UnmanagedCallersOnly] static int EncodeMaxDepth(LuaState* l) => LuaLibraries.Enter(l, &EncodeMaxDepthBody);
    [UnmanagedCallersOnly] static int DecodeMaxDepth(LuaState* l) => LuaLibraries.Enter(l, &DecodeMaxDepthBody);
    [UnmanagedCallersOnly] static int EncodeNumberPrecision(LuaState* l) => LuaLibraries.Enter(l, &EncodeNumberPrecisionBody);
    [UnmanagedCallersOnly] static int EncodeKeepBuffer(LuaState* l) => LuaLibraries.Enter(l, &EncodeKeepBufferBody);
    [UnmanagedCallersOnly] static int EncodeInvalidNumbers(LuaState* l) => LuaLibraries.Enter(l, &EncodeInvalidNumbersBody);
    [UnmanagedCallersOnly] static int DecodeInvalidNumbers(LuaState* l) => LuaLibraries.Enter(l, &DecodeInvalidNumbersBody);
    [UnmanagedCallersOnly] static int New(LuaState* l) => LuaLibraries.Enter(l, &NewBody);

    /// <summary>The settings of the running cjson function, or null (the caller returns -1) when they cannot be found.</summary>
    internal static Config* Settings(LuaState* l, out int error)
    {
        Config* cfg = FetchConfig(l);
        error = cfg == null ? LuaLibraries.Error(l, "BUG: Unable to fetch CJSON configuration") : 0;
        return cfg;
    }

    /// <summary>cjson.encode_sparse_array([convert[, ratio[, safe]]]): each argument is applied before the next is checked.</summary>
    static int EncodeSparseArrayBody(LuaState* l)
    {
        Config* cfg = ArgInit(l, 3, out int error);
        if (cfg == null) return error;
        if (EnumOption(l, 1, ref cfg->SparseConvert, OffOn) < 0) return -1;
        if (IntegerOption(l, 2, ref cfg->SparseRatio, 0, int.MaxValue) < 0) return -1;
        if (IntegerOption(l, 3, ref cfg->SparseSafe, 0, int.MaxValue) < 0) return -1;
        return 3;
    }

    static int EncodeMaxDepthBody(LuaState* l)
    {
        Config* cfg = ArgInit(l, 1, out int error);
        if (cfg == null) return error;
        return IntegerOption(l, 1, ref cfg->EncodeMaxDepth, 1, int.MaxValue) < 0 ? -1 : 1;
    }

    static int DecodeMaxDepthBody(LuaState* l)
    {
        Config* cfg = ArgInit(l, 1, out int error);
        if (cfg == null) return error;
        return IntegerOption(l, 1, ref cfg->DecodeMaxDepth, 1, int.MaxValue) < 0 ? -1 : 1;
    }

    static int EncodeNumberPrecisionBody(LuaState* l)
    {
        Config* cfg = ArgInit(l, 1, out int error);
        if (cfg == null) return error;
        return IntegerOption(l, 1, ref cfg->NumberPrecision, 1, 14) < 0 ? -1 : 1;
    }

    static int EncodeKeepBufferBody(LuaState* l)
    {
        Config* cfg = ArgInit(l, 1, out int error);
        if (cfg == null) return error;
        return EnumOption(l, 1, ref cfg->KeepBuffer, OffOn) < 0 ? -1 : 1;
    }

    static int EncodeInvalidNumbersBody(LuaState* l)
    {
        Config* cfg = ArgInit(l, 1, out int error);
        if (cfg == null) return error;
        return EnumOption(l, 1, ref cfg->EncodeInvalidNumbers, OffOnNull) < 0 ? -1 : 1;
    }

    static int DecodeInvalidNumbersBody(LuaState* l)
    {
        Config* cfg = ArgInit(l, 1, out int error);
        if (cfg == null) return error;
        return EnumOption(l, 1, ref cfg->DecodeInvalidNumbers, OffOn) < 0 ? -1 : 1;
    }

    /// <summary>cjson.new(): a fresh table with default settings (arguments ignored, as lua-cjson does).</summary>
    static int NewBody(LuaState* l)
    {
        NewTable(l);
        return 1;
    }
}
