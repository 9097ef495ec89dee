using System;
using System.Text;
using FastKv.Protocol;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

/// <summary>
/// Conversions between Lua values and RESP, as Redis 7.2's script_lua.c does them: a script's return value to the
/// client's reply (<see cref="Write"/>), and a command's reply to the value redis.call returns (<see cref="Push"/>).
/// </summary>
public static unsafe class LuaReplies
{
    /// <summary>C's (long long) cast of a double on x86-64, as Redis converts a returned number: NaN and values outside the range give long.MinValue (.NET clamps them instead).</summary>
    public static long CLong(double d) => double.IsNaN(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0 ? long.MinValue : (long)d;

    /// <summary>Error and status text on one line (Redis turns CR and LF into spaces).</summary>
    public static string OneLine(string s) => s.Replace('\r', ' ').Replace('\n', ' ');

    /// <summary>
    /// Writes the Lua value at <paramref name="idx"/> as a reply (luaReplyToRedisReply). Booleans follow the script's
    /// RESP version (<paramref name="scriptResp"/>, redis.setresp); everything else the client's. A table nested so
    /// deep (or cyclic) that Lua's stack runs out ends in "reached lua stack limit" where Redis's does: both need four
    /// free slots per level and use one.
    /// </summary>
    public static void Write(LuaState* lua, int idx, RespWriter w, int scriptResp)
    {
        if (idx < 0) idx = lua_gettop(lua) + idx + 1;
        if (lua_checkstack(lua, 4) == 0)
        {
            w.Error(Errors.LuaStackLimit);
            return;
        }
        switch (lua_type(lua, idx))
        {
            case TString:
                w.Bulk(ToBytes(lua, idx));
                return;
            case TBoolean:
                if (scriptResp == 3) w.Bool(lua_toboolean(lua, idx) != 0);
                else if (lua_toboolean(lua, idx) != 0) w.Integer(1);
                else w.NullBulk();
                return;
            case TNumber:
                w.Integer(CLong(lua_tonumber(lua, idx)));
                return;
            case TTable:
                WriteTable(lua, idx, w, scriptResp);
                return;
            default:
                w.NullBulk();
                return;
        }
    }

    static void WriteTable(LuaState* lua, int idx, RespWriter w, int scriptResp)
    {
        // A table with a special field is that kind of reply; otherwise an array up to the first nil.
        RawGetField(lua, idx, "err"u8);
        if (lua_type(lua, -1) == TString)
        {
            string err = Encoding.UTF8.GetString(ToBytes(lua, -1));
            lua_pop(lua, 1);
            // Redis replies "-" and the text as it is: {err = '-X'} is "--X"; as a C string, up to a NUL.
            w.Error(OneLine(UpToNul(err)), counted: !StatsCounted(lua, idx));
            return;
        }
        lua_pop(lua, 1);
        RawGetField(lua, idx, "ok"u8);
        if (lua_type(lua, -1) == TString)
        {
            w.Simple(OneLine(UpToNul(Encoding.UTF8.GetString(ToBytes(lua, -1)))));
            lua_pop(lua, 1);
            return;
        }
        lua_pop(lua, 1);
        RawGetField(lua, idx, "double"u8);
        if (lua_type(lua, -1) == TNumber)
        {
            w.Double(lua_tonumber(lua, -1));
            lua_pop(lua, 1);
            return;
        }
        lua_pop(lua, 1);
        RawGetField(lua, idx, "big_number"u8);
        if (lua_type(lua, -1) == TString)
        {
            // Redis maps CR and LF to spaces for both protocols (RESP2 sends the text as a bulk string).
            byte[] n = OneLineBytes(ToBytes(lua, -1));
            if (w.Protocol == 3)
            {
                w.Raw("("u8);
                w.Raw(n);
                w.Raw("\r\n"u8);
            }
            else w.Bulk(n);
            lua_pop(lua, 1);
            return;
        }
        lua_pop(lua, 1);
        RawGetField(lua, idx, "map"u8);
        if (lua_type(lua, -1) == TTable)
        {
            WritePairs(lua, lua_gettop(lua), w, scriptResp, map: true);
            lua_pop(lua, 1);
            return;
        }
        lua_pop(lua, 1);
        RawGetField(lua, idx, "set"u8);
        if (lua_type(lua, -1) == TTable)
        {
            WritePairs(lua, lua_gettop(lua), w, scriptResp, map: false);
            lua_pop(lua, 1);
            return;
        }
        lua_pop(lua, 1);
        RawGetField(lua, idx, "verbatim_string"u8);
        if (lua_type(lua, -1) == TTable)
        {
            int v = lua_gettop(lua);
            RawGetField(lua, v, "format"u8);
            RawGetField(lua, v, "string"u8);
            if (lua_type(lua, -2) == TString && lua_type(lua, -1) == TString && ToBytes(lua, -2).Length == 3)
            {
                w.Verbatim(ToBytes(lua, -1), Encoding.ASCII.GetString(ToBytes(lua, -2)));
                lua_settop(lua, v - 1);
                return;
            }
            lua_settop(lua, v);
        }
        lua_pop(lua, 1);
        int count = 0;
        while (true)
        {
            lua_rawgeti(lua, idx, count + 1);
            bool nil = lua_type(lua, -1) == TNil;
            lua_pop(lua, 1);
            if (nil) break;
            count++;
        }
        w.ArrayHeader(count);
        for (int i = 1; i <= count; i++)
        {
            lua_rawgeti(lua, idx, i);
            Write(lua, -1, w, scriptResp);
            lua_pop(lua, 1);
        }
    }

    /// <summary>A map (key, value) or a set (each key whose value is true) from the table at <paramref name="t"/>.</summary>
    static void WritePairs(LuaState* lua, int t, RespWriter w, int scriptResp, bool map)
    {
        int count = 0;
        lua_pushnil(lua);
        while (lua_next(lua, t) != 0)
        {
            count++;
            lua_pop(lua, 1);
        }
        if (map) w.MapHeader(count);
        else w.SetHeader(count);
        lua_pushnil(lua);
        while (lua_next(lua, t) != 0)
        {
            lua_pushvalue(lua, -2);
            Write(lua, -1, w, scriptResp);
            lua_pop(lua, 1);
            if (map) Write(lua, -1, w, scriptResp);
            lua_pop(lua, 1);
        }
    }

    static byte[] OneLineBytes(ReadOnlySpan<byte> s)
    {
        byte[] b = s.ToArray();
        for (int i = 0; i < b.Length; i++) if (b[i] == '\r' || b[i] == '\n') b[i] = (byte)' ';
        return b;
    }

    /// <summary>
    /// Pushes {err = text, ignore_error_stats_update = true} for an error reply (its text without the leading '-' and
    /// CRLF), as Redis's redisProtocolToLuaType_Error: the second field says the error was counted when the command
    /// failed. Set in that order, so next() (cjson.encode of the table) lists them as Redis does.
    /// </summary>
    public static void PushErrorTable(LuaState* lua, ReadOnlySpan<byte> reply)
    {
        int end = reply.IndexOf("\r\n"u8);
        lua_createtable(lua, 0, 1);
        int t = lua_gettop(lua);
        PushBytes(lua, reply.Slice(1, (end < 0 ? reply.Length : end) - 1));
        RawSetField(lua, t, "err");
        lua_pushboolean(lua, 1);
        RawSetField(lua, t, "ignore_error_stats_update");
    }

    /// <summary>Whether the error table at <paramref name="idx"/> says it was counted already (ignore_error_stats_update).</summary>
    public static bool StatsCounted(LuaState* lua, int idx)
    {
        RawGetField(lua, idx, "ignore_error_stats_update"u8);
        bool counted = lua_toboolean(lua, -1) != 0;
        lua_pop(lua, 1);
        return counted;
    }

    /// <summary>What C sees of a Lua string Redis reads with lua_tostring alone (error and status texts): up to a NUL.</summary>
    public static string UpToNul(string s)
    {
        int z = s.IndexOf('\0');
        return z < 0 ? s : s.Substring(0, z);
    }

    /// <summary>Pushes the Lua form of one complete reply (redisProtocolToLuaType).</summary>
    public static void Push(LuaState* lua, ReadOnlySpan<byte> reply, int resp)
    {
        int pos = 0;
        PushOne(lua, reply, ref pos, resp);
    }

    static void PushOne(LuaState* lua, ReadOnlySpan<byte> r, ref int pos, int resp)
    {
        lua_checkstack(lua, 4);
        byte kind = r[pos];
        int eol = pos + r.Slice(pos).IndexOf("\r\n"u8);
        ReadOnlySpan<byte> line = r.Slice(pos + 1, eol - pos - 1);
        pos = eol + 2;
        switch (kind)
        {
            case (byte)':':
                RespNumber.TryParseInt64(line, out long v);
                lua_pushnumber(lua, v);
                return;
            case (byte)'$':
            {
                RespNumber.TryParseInt64(line, out long len);
                if (len < 0)
                {
                    lua_pushboolean(lua, 0);
                    return;
                }
                PushBytes(lua, r.Slice(pos, (int)len));
                pos += (int)len + 2;
                return;
            }
            case (byte)'+':
            {
                lua_createtable(lua, 0, 1);
                int t = lua_gettop(lua);
                PushBytes(lua, line);
                RawSetField(lua, t, "ok");
                return;
            }
            case (byte)'-':
                PushErrorTable(lua, r.Slice(eol - line.Length - 1));
                return;
            case (byte)'*':
            case (byte)'~':
            case (byte)'%':
            case (byte)'>':
            {
                RespNumber.TryParseInt64(line, out long n);
                if (n < 0)
                {
                    lua_pushboolean(lua, 0);
                    return;
                }
                if (kind == '*' || kind == '>')
                {
                    // A RESP3 array may hold nulls, stored as nil: the table then grows from empty, key by key, as
                    // Redis builds it, so # and next() see the same holes. A RESP2 array has none: presized is the same.
                    lua_createtable(lua, resp == 2 ? (int)n : 0, 0);
                    int t = lua_gettop(lua);
                    for (int i = 1; i <= n; i++)
                    {
                        PushOne(lua, r, ref pos, resp);
                        lua_rawseti(lua, t, i);
                    }
                    return;
                }
                // RESP3 map: {map = {k = v}}; set: {set = {member = true}}.
                lua_createtable(lua, 0, 1);
                int outer = lua_gettop(lua);
                PushString(lua, kind == '%' ? "map" : "set");
                // Grown from empty as Redis does: a presized hash part orders next() (pairs) differently.
                lua_createtable(lua, 0, 0);
                int inner = lua_gettop(lua);
                for (long i = 0; i < n; i++)
                {
                    PushOne(lua, r, ref pos, resp);
                    if (kind == '%') PushOne(lua, r, ref pos, resp);
                    else lua_pushboolean(lua, 1);
                    lua_rawset(lua, inner);
                }
                lua_rawset(lua, outer);
                return;
            }
            case (byte)'|':
            {
                // An attribute: read and dropped (Redis does not show attributes to scripts); the reply follows it.
                RespNumber.TryParseInt64(line, out long pairs);
                for (long i = 0; i < pairs * 2; i++)
                {
                    PushOne(lua, r, ref pos, resp);
                    lua_pop(lua, 1);
                }
                PushOne(lua, r, ref pos, resp);
                return;
            }
            case (byte)'_':
                lua_pushnil(lua);
                return;
            case (byte)'#':
                lua_pushboolean(lua, line.Length > 0 && line[0] == 't' ? 1 : 0);
                return;
            case (byte)',':
            {
                lua_createtable(lua, 0, 1);
                int t = lua_gettop(lua);
                lua_pushnumber(lua, RespNumber.TryParseDouble(line, out double d) ? d : double.NaN);
                RawSetField(lua, t, "double");
                return;
            }
            case (byte)'(':
            {
                lua_createtable(lua, 0, 1);
                int t = lua_gettop(lua);
                PushBytes(lua, line);
                RawSetField(lua, t, "big_number");
                return;
            }
            case (byte)'=':
            {
                RespNumber.TryParseInt64(line, out long len);
                ReadOnlySpan<byte> body = r.Slice(pos, (int)len);
                pos += (int)len + 2;
                lua_createtable(lua, 0, 1);
                int t = lua_gettop(lua);
                lua_createtable(lua, 0, 2);
                int vt = lua_gettop(lua);
                PushBytes(lua, body.Slice(0, Math.Min(3, body.Length)));
                RawSetField(lua, vt, "format");
                PushBytes(lua, body.Length > 4 ? body.Slice(4) : default);
                RawSetField(lua, vt, "string");
                RawSetField(lua, t, "verbatim_string");
                return;
            }
            default:
                lua_pushnil(lua);
                return;
        }
    }
}
