using System;
using System.Buffers;
using System.Runtime.InteropServices;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

/// <summary>
/// The <c>cmsgpack</c> table Redis loads into Lua: lua-cmsgpack 0.4.0 (Redis's deps/lua/src/lua_cmsgpack.c), MessagePack
/// for Lua 5.1 with double numbers.
///
/// pack(v, ...): every argument encoded in turn, the results concatenated. A number that is an integer in [-2^63, 2^63)
/// takes the smallest int form (fixnum, 8, 16, 32, 64 bits; non-negative ones the uint forms); other numbers a float 32 when
/// the double survives the round trip through float, else a float 64. Strings are always str (fixstr, str 8/16/32),
/// never bin. A table whose keys are exactly the integers 1..n is an array (the empty table too), any other a map in
/// lua_next's order. Tables nested 16 deep, and functions, userdata, threads and nil, encode as nil.
///
/// unpack(s) returns every value of the stream; unpack_one(s [, offset]) and unpack_limit(s, limit [, offset]) return
/// the offset after what they decoded (-1 at the end) followed by at most that many values; unpack_limit with limit 0
/// and offset 0 is unpack. Decoding accepts the old raw forms Redis's copy knows: no bin, ext, fixext; numbers come
/// back as doubles (uint 64 wraps through int 64 as Redis's lua_pushinteger does).
///
/// Redis's copy works on the Lua stack as it goes, and its stack checks (8000 slots for a C function) surface as
/// "stack overflow (...)" errors: with thousands of arguments or values, or a stream nested thousands deep. This one
/// pushes and checks the same slots in the same order, so those errors come at the same point. Decoding runs on an
/// explicit stack of open containers, not on C# recursion, because nothing but the Lua stack bounds its depth. A map
/// key that is nil or NaN is Lua's own "table index is ..." error, which carries no position.
/// </summary>
public static unsafe partial class CmsgpackLibrary
{
    /// <summary>LUACMSGPACK_MAX_NESTING: the table at this depth (the arguments being depth 0) encodes as nil.</summary>
    const int MaxNesting = 16;

    const string TooManyValues = "too many return values at once; use unpack_one or unpack_limit instead.";

    public static void Open(LuaState* lua)
    {
        LuaLibraries.NewLibrary(lua, "cmsgpack", [
            ("pack", (nint)(delegate* unmanaged<LuaState*, int>)&Pack),
            ("unpack", (nint)(delegate* unmanaged<LuaState*, int>)&Unpack),
            ("unpack_one", (nint)(delegate* unmanaged<LuaState*, int>)&UnpackOne),
            ("unpack_limit", (nint)(delegate* unmanaged<LuaState*, int>)&UnpackLimit),
        ]);
        int t = lua_gettop(lua);
        PushString(lua, "cmsgpack");
        RawSetField(lua, t, "_NAME");
        PushString(lua, "lua-cmsgpack 0.4.0");
        RawSetField(lua, t, "_VERSION");
        PushString(lua, "Copyright (C) 2012, Salvatore Sanfilippo");
        RawSetField(lua, t, "_COPYRIGHT");
        PushString(lua, "MessagePack C implementation for Lua");
        RawSetField(lua, t, "_DESCRIPTION");
        lua_pop(lua, 1);
    }

    [UnmanagedCallersOnly] static int Pack(LuaState* l) => LuaLibraries.Enter(l, &PackBody);
    [UnmanagedCallersOnly] static int Unpack(LuaState* l) => LuaLibraries.Enter(l, &UnpackBody);
    [UnmanagedCallersOnly] static int UnpackOne(LuaState* l) => LuaLibraries.Enter(l, &UnpackOneBody);
    [UnmanagedCallersOnly] static int UnpackLimit(LuaState* l) => LuaLibraries.Enter(l, &UnpackLimitBody);

    /// <summary>luaL_checkstack's error, with luaL_error's position.</summary>
    static int StackOverflow(LuaState* l, string what) => LuaLibraries.Error(l, "stack overflow (" + what + ")");

    /// <summary>An error raised by Lua's core from inside a C function (luaG_runerror): no position is added.</summary>
    static int CoreError(LuaState* l, string message)
    {
        lua_settop(l, 0);
        PushString(l, message);
        return -1;
    }

    // ---------------------------------------------------------------- pack

    /// <summary>mp_pack.</summary>
    static int PackBody(LuaState* l)
    {
        int nargs = lua_gettop(l);
        if (nargs == 0) return LuaLibraries.ArgError(l, 0, "MessagePack pack needs input.");
        if (lua_checkstack(l, nargs) == 0) return LuaLibraries.ArgError(l, 0, "Too many arguments for MessagePack pack.");
        var buf = new PackBuffer(256);
        try
        {
            for (int i = 1; i <= nargs; i++)
            {
                if (lua_checkstack(l, 1) == 0) return StackOverflow(l, "in function mp_check");
                lua_pushvalue(l, i);
                string? overflow = EncodeTop(l, ref buf, 0);
                if (overflow != null) return StackOverflow(l, overflow);
                // Redis pushes each argument's encoding here and concatenates them at the end: a nil holds the same
                // slot, so the stack checks of the arguments after this one see the depth Redis's do.
                lua_pushnil(l);
            }
            PushBytes(l, buf.Written);
            return 1;
        }
        finally
        {
            buf.Dispose();
        }
    }

    /// <summary>mp_encode_lua_type: encodes the value on top and pops it; returns null, or the luaL_checkstack message that failed.</summary>
    static string? EncodeTop(LuaState* l, ref PackBuffer buf, int level)
    {
        int t = lua_type(l, -1);
        if (t == TTable && level == MaxNesting) t = TNil;
        switch (t)
        {
            case TString:
                buf.WriteString(ToBytes(l, -1));
                break;
            case TBoolean:
                buf.WriteByte(lua_toboolean(l, -1) != 0 ? (byte)0xc3 : (byte)0xc2);
                break;
            case TNumber:
                WriteNumber(ref buf, lua_tonumber(l, -1));
                break;
            case TTable:
                ReadOnlyTables.SeeThrough(l);
                string? overflow = IsArray(l, out bool array) ?? (array ? EncodeArray(l, ref buf, level) : EncodeMap(l, ref buf, level));
                if (overflow != null) return overflow;
                break;
            default:
                buf.WriteByte(0xc0);
                break;
        }
        lua_pop(l, 1);
        return null;
    }

    /// <summary>mp_encode_lua_number: the int forms for integers in int64_t's range (as x86's truncating cast decides), else float or double.</summary>
    static void WriteNumber(ref PackBuffer buf, double n)
    {
        if (n >= -9223372036854775808.0 && n < 9223372036854775808.0 && (double)(long)n == n)
        {
            buf.WriteInteger((long)n);
            return;
        }
        float f = (float)n;
        if (n == (double)f)
        {
            buf.WriteByte(0xca);
            buf.WriteBigEndian((uint)BitConverter.SingleToInt32Bits(f), 4);
        }
        else
        {
            buf.WriteByte(0xcb);
            buf.WriteBigEndian((ulong)BitConverter.DoubleToInt64Bits(n), 8);
        }
    }

    /// <summary>
    /// table_is_an_array for the table on top: every key a number that is an integer in [1, INT_MAX] (a C int cast
    /// decides), and the largest equal to the count. Returns null, or the failed stack check's message.
    /// </summary>
    static string? IsArray(LuaState* l, out bool array)
    {
        array = false;
        int top = lua_gettop(l);
        if (lua_checkstack(l, 2) == 0) return "in function table_is_an_array";
        int count = 0, max = 0;
        lua_pushnil(l);
        while (lua_next(l, -2) != 0)
        {
            lua_pop(l, 1);
            double n;
            if (lua_type(l, -1) != TNumber || (n = lua_tonumber(l, -1)) <= 0 || n > int.MaxValue || (double)(int)n != n)
            {
                lua_settop(l, top);
                return null;
            }
            if (n > max) max = (int)n;
            count++;
        }
        lua_settop(l, top);
        array = max == count;
        return null;
    }

    /// <summary>mp_encode_lua_table_as_array: t[1..#t], each one level deeper.</summary>
    static string? EncodeArray(LuaState* l, ref PackBuffer buf, int level)
    {
        nuint len = lua_objlen(l, -1);
        buf.WriteHeader(len, 0x90, 0xdc);
        if (lua_checkstack(l, 1) == 0) return "in function mp_encode_lua_table_as_array";
        // Every key 1..len holds a value (IsArray), so the raw read is what Redis's lua_gettable reads.
        for (nuint j = 1; j <= len; j++)
        {
            lua_rawgeti(l, -1, (int)j);
            string? overflow = EncodeTop(l, ref buf, level + 1);
            if (overflow != null) return overflow;
        }
        return null;
    }

    /// <summary>mp_encode_lua_table_as_map: the pair count, then key and value of each pair in lua_next's order, one level deeper.</summary>
    static string? EncodeMap(LuaState* l, ref PackBuffer buf, int level)
    {
        if (lua_checkstack(l, 3) == 0) return "in function mp_encode_lua_table_as_map";
        nuint len = 0;
        lua_pushnil(l);
        while (lua_next(l, -2) != 0)
        {
            lua_pop(l, 1);
            len++;
        }
        buf.WriteHeader(len, 0x80, 0xde);
        lua_pushnil(l);
        while (lua_next(l, -2) != 0)
        {
            lua_pushvalue(l, -2); // a copy of the key is encoded: lua_next needs the key itself untouched
            string? overflow = EncodeTop(l, ref buf, level + 1) ?? EncodeTop(l, ref buf, level + 1);
            if (overflow != null) return overflow;
        }
        return null;
    }

    // ---------------------------------------------------------------- unpack: argument handling (mp_unpack*)

    static int UnpackBody(LuaState* l) => UnpackFull(l, 0, 0);

    /// <summary>mp_unpack_one: the offset is read before the string; anything after the string is dropped.</summary>
    static int UnpackOneBody(LuaState* l)
    {
        long offset = 0;
        if (lua_type(l, 2) > TNil && CheckInteger(l, 2, out offset) < 0) return -1;
        if (lua_gettop(l) > 1) lua_settop(l, 1);
        return UnpackFull(l, 1, offset);
    }

    /// <summary>mp_unpack_limit: limit, then offset, then the string.</summary>
    static int UnpackLimitBody(LuaState* l)
    {
        if (CheckInteger(l, 2, out long limit) < 0) return -1;
        long offset = 0;
        if (lua_type(l, 3) > TNil && CheckInteger(l, 3, out offset) < 0) return -1;
        if (lua_gettop(l) > 1) lua_settop(l, 1);
        return UnpackFull(l, limit, offset);
    }

    /// <summary>luaL_checkinteger: Lua's own conversion (numeric strings count; NaN and out-of-range numbers give x86's INT64_MIN).</summary>
    static int CheckInteger(LuaState* l, int narg, out long value)
    {
        value = lua_tointeger(l, narg);
        if (value == 0 && lua_isnumber(l, narg) == 0) return LuaLibraries.TypeError(l, narg, "number");
        return 0;
    }

    /// <summary>mp_unpack_full: decodes up to <paramref name="limit"/> values from <paramref name="offset"/> (both 0: all, no offset returned).</summary>
    static int UnpackFull(LuaState* l, long limit, long offset)
    {
        nuint len;
        byte* s = lua_tolstring(l, 1, &len);
        if (s == null) return LuaLibraries.TypeError(l, 1, "string");
        bool decodeAll = limit == 0 && offset == 0;
        // Redis prints the length where it means the limit, and both through %d.
        if (offset < 0 || limit < 0)
            return LuaLibraries.Error(l, $"Invalid request to unpack with offset of {unchecked((int)offset)} and limit of {unchecked((int)len)}.");
        if ((ulong)offset > len)
            return LuaLibraries.Error(l, $"Start offset {unchecked((int)offset)} greater than input length {unchecked((int)len)}.");
        if (decodeAll) limit = int.MaxValue;

        // The input is the string at index 1: it stays there, and Lua does not move strings (the collector is stopped anyway).
        var cursor = new Cursor(s + offset, len - (nuint)offset);
        var open = new OpenContainers();
        try
        {
            int count;
            for (count = 0; cursor.Left > 0 && count < limit; count++)
                if (Decode(l, ref cursor, ref open) < 0) return -1;
            if (!decodeAll)
            {
                if (lua_checkstack(l, 1) == 0) return StackOverflow(l, "in function mp_unpack_full");
                lua_pushnumber(l, cursor.Left == 0 ? -1 : (double)(len - cursor.Left));
                lua_insert(l, 2);
                count++;
            }
            return count;
        }
        finally
        {
            open.Dispose();
        }
    }
}
