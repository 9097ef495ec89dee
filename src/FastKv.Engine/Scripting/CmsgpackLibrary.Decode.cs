using System;
using System.Buffers;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

public static unsafe partial class CmsgpackLibrary
{
    /// <summary>mp_cur: the unread part of the input.</summary>
    struct Cursor(byte* p, nuint left)
    {
        public byte* P = p;
        public nuint Left = left;

        public void Skip(nuint n)
        {
            P += n;
            Left -= n;
        }
    }

    /// <summary>An array or map being filled: what mp_decode_to_lua_array/hash keep in their C frames.</summary>
    struct Container
    {
        public uint Remaining;  // elements (pairs for a map) not yet complete
        public double Index;    // array: the key of the element being decoded
        public bool IsMap;
        public bool HasKey;     // map: the key is on the stack, the value is being decoded
    }

    /// <summary>The containers open around the value being decoded, innermost last (rented only when a stream nests).</summary>
    struct OpenContainers : IDisposable
    {
        Container[]? items;
        public int Count;

        public void Push(Container c)
        {
            if (items == null || Count == items.Length)
            {
                Container[] bigger = ArrayPool<Container>.Shared.Rent(Math.Max(16, Count * 2));
                if (items != null)
                {
                    items.AsSpan(0, Count).CopyTo(bigger);
                    ArrayPool<Container>.Shared.Return(items);
                }
                items = bigger;
            }
            items[Count++] = c;
        }

        public readonly ref Container Innermost => ref items![Count - 1];

        public void Dispose()
        {
            if (items != null) ArrayPool<Container>.Shared.Return(items);
            items = null;
        }
    }

    static uint Be16(byte* p) => (uint)(p[0] << 8 | p[1]);
    static uint Be32(byte* p) => (uint)p[0] << 24 | (uint)p[1] << 16 | (uint)p[2] << 8 | p[3];
    static ulong Be64(byte* p) => (ulong)Be32(p) << 32 | Be32(p + 4);

    /// <summary>The whole size of a number's encoding by its first byte (int, uint and float forms), or 0 for other types.</summary>
    static nuint NumberSize(byte tag) => tag switch
    {
        0xcc or 0xd0 => 2,
        0xcd or 0xd1 => 3,
        0xce or 0xd2 or 0xca => 5,
        0xcf or 0xd3 or 0xcb => 9,
        _ => 0,
    };

    /// <summary>
    /// The number encoded at <paramref name="p"/> (all NumberSize bytes present) as Lua gets it: a double; uint 64
    /// passes through lua_pushinteger's signed lua_Integer as in Redis, so values from 2^63 come back negative.
    /// </summary>
    static double ReadNumber(byte* p) => p[0] switch
    {
        0xcc => p[1],
        0xd0 => (sbyte)p[1],
        0xcd => Be16(p + 1),
        0xd1 => (short)Be16(p + 1),
        0xce => Be32(p + 1),
        0xd2 => (int)Be32(p + 1),
        0xca => BitConverter.Int32BitsToSingle((int)Be32(p + 1)),
        0xcb => BitConverter.Int64BitsToDouble((long)Be64(p + 1)),
        _ => (long)Be64(p + 1), // uint 64, int 64
    };

    static int MissingBytes(LuaState* l) => LuaLibraries.Error(l, "Missing bytes in input.");

    /// <summary>
    /// mp_decode_to_lua_type for one top-level value, left on the stack; returns 0, or -1 with the error on the stack.
    /// Each value starts, as in Redis, by needing one byte and checking one stack slot; an array checks one more slot
    /// for its keys. When a value is complete it goes into the innermost open container (the key, then the value of
    /// a map pair), and a container whose last element arrived is itself a complete value.
    /// </summary>
    static int Decode(LuaState* l, ref Cursor c, ref OpenContainers open)
    {
        while (true)
        {
            if (c.Left < 1) return MissingBytes(l);
            if (lua_checkstack(l, 1) == 0) return StackOverflow(l, TooManyValues);
            // Invariant for every read below: c.Left bytes from c.P are the input string's, checked before reading.
            byte* p = c.P;
            uint count;
            bool isMap = false;
            nuint size = NumberSize(p[0]);
            if (size != 0)
            {
                if (c.Left < size) return MissingBytes(l);
                lua_pushnumber(l, ReadNumber(p));
                c.Skip(size);
                goto Complete;
            }
            switch (p[0])
            {
                case 0xc0:
                    lua_pushnil(l);
                    c.Skip(1);
                    goto Complete;
                case 0xc2:
                case 0xc3:
                    lua_pushboolean(l, p[0] & 1);
                    c.Skip(1);
                    goto Complete;
                case 0xd9: // str 8, 16, 32
                case 0xda:
                case 0xdb:
                {
                    nuint header = p[0] == 0xd9 ? 2u : p[0] == 0xda ? 3u : 5u;
                    if (c.Left < header) return MissingBytes(l);
                    if (!TakeString(l, ref c, header, header == 2 ? p[1] : header == 3 ? Be16(p + 1) : Be32(p + 1))) return -1;
                    goto Complete;
                }
                case 0xdc: // array 16, 32, map 16, 32
                case 0xdd:
                case 0xde:
                case 0xdf:
                {
                    nuint header = (p[0] & 1) == 0 ? 3u : 5u;
                    if (c.Left < header) return MissingBytes(l);
                    count = header == 3 ? Be16(p + 1) : Be32(p + 1);
                    isMap = p[0] >= 0xde;
                    c.Skip(header);
                    break;
                }
                default:
                    byte b = p[0];
                    if ((b & 0x80) == 0) // positive fixnum
                    {
                        lua_pushnumber(l, b);
                        c.Skip(1);
                        goto Complete;
                    }
                    if ((b & 0xe0) == 0xe0) // negative fixnum
                    {
                        lua_pushnumber(l, (sbyte)b);
                        c.Skip(1);
                        goto Complete;
                    }
                    if ((b & 0xe0) == 0xa0) // fixstr
                    {
                        if (!TakeString(l, ref c, 1, (uint)(b & 0x1f))) return -1;
                        goto Complete;
                    }
                    if ((b & 0xe0) != 0x80) return LuaLibraries.Error(l, "Bad data format in input."); // bin, ext, 0xc1
                    count = (uint)(b & 0xf);
                    isMap = (b & 0xf0) == 0x80;
                    c.Skip(1);
                    break;
            }

            // A container: an empty table, then its elements (an array also checks a slot for its keys first).
            lua_createtable(l, 0, 0);
            if (!isMap && lua_checkstack(l, 1) == 0) return StackOverflow(l, "in function mp_decode_to_lua_array");
            if (count > 0)
            {
                open.Push(new Container { Remaining = count, Index = 1, IsMap = isMap });
                if (!isMap) lua_pushnumber(l, 1);
                continue;
            }

        Complete:
            if (Place(l, ref open) < 0) return -1;
            if (open.Count == 0) return 0;
        }
    }

    /// <summary>Pushes a string of <paramref name="len"/> bytes after a <paramref name="header"/>-byte header (c.Left &gt;= header); false: missing bytes, error set.</summary>
    static bool TakeString(LuaState* l, ref Cursor c, nuint header, nuint len)
    {
        if (c.Left - header < len)
        {
            MissingBytes(l);
            return false;
        }
        lua_pushlstring(l, c.P + header, len);
        c.Skip(header + len);
        return true;
    }

    /// <summary>
    /// The value on top is complete: stores it into the innermost container, closing every container it completes,
    /// and pushes the next array key where one is due. Returns -1 for a map key Lua's table set refuses (nil, NaN).
    /// </summary>
    static int Place(LuaState* l, ref OpenContainers open)
    {
        while (open.Count > 0)
        {
            ref Container f = ref open.Innermost;
            if (f.IsMap && !f.HasKey)
            {
                f.HasKey = true;
                return 0;
            }
            if (f.IsMap)
            {
                // lua_settable's checks, which lua_rawset also makes, by raising: made here first.
                int kt = lua_type(l, -2);
                if (kt == TNil) return CoreError(l, "table index is nil");
                if (kt == TNumber && double.IsNaN(lua_tonumber(l, -2))) return CoreError(l, "table index is NaN");
                f.HasKey = false;
            }
            lua_rawset(l, -3);
            if (--f.Remaining > 0)
            {
                if (!f.IsMap) lua_pushnumber(l, ++f.Index);
                return 0;
            }
            open.Count--;
        }
        return 0;
    }
}
