using System;
using System.Buffers;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

/// <summary>
/// cjson.encode (lua-cjson's json_append_*): Lua value to JSON text. Tables walk on the Lua stack exactly as
/// lua-cjson's do (an array level holds one slot, an object level two), so lua_checkstack refuses the same depth
/// and "excessive nesting (n)" names the same n when encode_max_depth is raised past what the stack allows.
/// Errors come back as a message; nothing here raises.
/// </summary>
static unsafe class CjsonEncoder
{
    /// <summary>A growable output buffer rented from the shared pool (returned by <see cref="Dispose"/>).</summary>
    struct Output : IDisposable
    {
        public byte[] Bytes;
        public int Length;

        public Output(int capacity)
        {
            Bytes = ArrayPool<byte>.Shared.Rent(capacity);
            Length = 0;
        }

        public Span<byte> Reserve(int n)
        {
            if (Bytes.Length - Length < n)
            {
                byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(checked(Length + n), Bytes.Length * 2));
                Bytes.AsSpan(0, Length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(Bytes);
                Bytes = bigger;
            }
            return Bytes.AsSpan(Length);
        }

        public void Append(byte b)
        {
            Reserve(1)[0] = b;
            Length++;
        }

        public void Append(ReadOnlySpan<byte> s)
        {
            s.CopyTo(Reserve(s.Length));
            Length += s.Length;
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(Bytes);
    }

    /// <summary>char2escape: what a byte of a string becomes, or null when it stays itself.</summary>
    static readonly byte[]?[] Escapes = BuildEscapes();

    static byte[]?[] BuildEscapes()
    {
        var t = new byte[]?[256];
        for (int c = 0; c < 0x20; c++) t[c] = System.Text.Encoding.ASCII.GetBytes("\\u" + c.ToString("x4"));
        t['\b'] = "\\b"u8.ToArray();
        t['\t'] = "\\t"u8.ToArray();
        t['\n'] = "\\n"u8.ToArray();
        t['\f'] = "\\f"u8.ToArray();
        t['\r'] = "\\r"u8.ToArray();
        t['"'] = "\\\""u8.ToArray();
        t['\\'] = "\\\\"u8.ToArray();
        t['/'] = "\\/"u8.ToArray();
        t[0x7f] = "\\u007f"u8.ToArray();
        return t;
    }

    /// <summary>cjson.encode(value): exactly one argument.</summary>
    public static int EncodeBody(LuaState* l)
    {
        CjsonLibrary.Config* cfg = CjsonLibrary.Settings(l, out int error);
        if (cfg == null) return error;
        if (lua_gettop(l) != 1) return LuaLibraries.ArgError(l, 1, "expected 1 argument");
        var output = new Output(256);
        try
        {
            string? failure = AppendData(l, cfg, 0, ref output);
            if (failure != null) return LuaLibraries.Error(l, failure);
            PushBytes(l, output.Bytes.AsSpan(0, output.Length));
            return 1;
        }
        finally
        {
            output.Dispose();
        }
    }

    static string Exception(LuaState* l, int index, string reason) =>
        "Cannot serialise " + LuaLibraries.TypeName(lua_type(l, index)) + ": " + reason;

    /// <summary>json_append_data: the value on top of the stack; null, or the error message.</summary>
    static string? AppendData(LuaState* l, CjsonLibrary.Config* cfg, int depth, ref Output output)
    {
        switch (lua_type(l, -1))
        {
            case TString:
                AppendString(l, -1, ref output);
                return null;
            case TNumber:
                return AppendNumber(l, cfg, -1, ref output);
            case TBoolean:
                output.Append(lua_toboolean(l, -1) != 0 ? "true"u8 : "false"u8);
                return null;
            case TTable:
                ReadOnlyTables.SeeThrough(l);
                depth++;
                if (depth > cfg->EncodeMaxDepth || lua_checkstack(l, 3) == 0)
                    return "Cannot serialise, excessive nesting (" + depth + ")";
                int length = ArrayLength(l, cfg, out string? sparse);
                if (sparse != null) return sparse;
                return length > 0 ? AppendArray(l, cfg, depth, length, ref output) : AppendObject(l, cfg, depth, ref output);
            case TNil:
                output.Append("null"u8);
                return null;
            case TLightUserData when lua_touserdata(l, -1) == null:
                output.Append("null"u8);
                return null;
            default:
                return Exception(l, -1, "type not supported");
        }
    }

    /// <summary>
    /// lua_array_length: the largest key when every key is an integer &gt;= 1 (the count is kept in a C int, as
    /// lua-cjson's is, so a key from 2^31 up reads as INT_MIN), -1 for an object, 0 for an empty table; an
    /// excessively sparse array is an object when encode_sparse_array converts, else an error.
    /// </summary>
    static int ArrayLength(LuaState* l, CjsonLibrary.Config* cfg, out string? error)
    {
        error = null;
        int max = 0;
        int items = 0;
        lua_pushnil(l);
        while (lua_next(l, -2) != 0)
        {
            double k;
            if (lua_type(l, -2) == TNumber && (k = lua_tonumber(l, -2)) != 0 && Math.Floor(k) == k && k >= 1)
            {
                if (k > max) max = k < 2147483648.0 ? (int)k : int.MinValue;
                items++;
                lua_pop(l, 1);
                continue;
            }
            lua_pop(l, 2);
            return -1;
        }
        if (cfg->SparseRatio > 0 && max > unchecked(items * cfg->SparseRatio) && max > cfg->SparseSafe)
        {
            if (cfg->SparseConvert == 0) error = Exception(l, -1, "excessively sparse array");
            return -1;
        }
        return max;
    }

    static string? AppendArray(LuaState* l, CjsonLibrary.Config* cfg, int depth, int length, ref Output output)
    {
        output.Append((byte)'[');
        for (int i = 1; i <= length; i++)
        {
            if (i > 1) output.Append((byte)',');
            lua_rawgeti(l, -1, i);
            string? error = AppendData(l, cfg, depth, ref output);
            if (error != null) return error;
            lua_pop(l, 1);
        }
        output.Append((byte)']');
        return null;
    }

    static string? AppendObject(LuaState* l, CjsonLibrary.Config* cfg, int depth, ref Output output)
    {
        output.Append((byte)'{');
        lua_pushnil(l);
        bool comma = false;
        while (lua_next(l, -2) != 0)
        {
            if (comma) output.Append((byte)',');
            comma = true;
            int keyType = lua_type(l, -2);
            if (keyType == TNumber)
            {
                output.Append((byte)'"');
                string? bad = AppendNumber(l, cfg, -2, ref output);
                if (bad != null) return bad;
                output.Append("\":"u8);
            }
            else if (keyType == TString)
            {
                AppendString(l, -2, ref output);
                output.Append((byte)':');
            }
            else
            {
                return Exception(l, -2, "table key must be a number or string");
            }
            string? error = AppendData(l, cfg, depth, ref output);
            if (error != null) return error;
            lua_pop(l, 1);
        }
        output.Append((byte)'}');
        return null;
    }

    /// <summary>json_append_number: %.{precision}g, with NaN and infinity refused, written, or written as null.</summary>
    static string? AppendNumber(LuaState* l, CjsonLibrary.Config* cfg, int index, ref Output output)
    {
        double n = lua_tonumber(l, index);
        if (!double.IsFinite(n))
        {
            switch (cfg->EncodeInvalidNumbers)
            {
                case 0:
                    return Exception(l, index, "must not be NaN or Inf");
                case 1:
                    if (double.IsNaN(n))
                    {
                        output.Append("nan"u8);
                        return null;
                    }
                    break;
                default:
                    output.Append("null"u8);
                    return null;
            }
        }
        int written = CjsonNumber.FormatG(n, cfg->NumberPrecision, output.Reserve(CjsonNumber.MaxChars));
        output.Length += written;
        return null;
    }

    /// <summary>json_append_string: the string at <paramref name="index"/> quoted, with char2escape's escapes.</summary>
    static void AppendString(LuaState* l, int index, ref Output output)
    {
        ReadOnlySpan<byte> s = ToBytes(l, index);
        output.Append((byte)'"');
        int run = 0;
        for (int i = 0; i < s.Length; i++)
        {
            byte[]? escape = Escapes[s[i]];
            if (escape == null) continue;
            output.Append(s[run..i]);
            output.Append(escape);
            run = i + 1;
        }
        output.Append(s[run..]);
        output.Append((byte)'"');
    }
}
