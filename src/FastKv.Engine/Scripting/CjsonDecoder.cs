using System;
using System.Buffers;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

/// <summary>
/// cjson.decode (lua-cjson's json_next_token and json_parse_*_context): JSON text to Lua values. The text is read as
/// a C string, so it ends at its first NUL. Errors name the token expected, the token found (or why a token is
/// invalid) and its 1-based position: "Expected comma or array end but found T_END at character 5". Nesting keeps
/// the Lua stack as lua-cjson does (a table per array, a table and a key per object), so lua_checkstack refuses
/// the same depth. Nothing here raises.
/// </summary>
static unsafe class CjsonDecoder
{
    enum TokenType
    {
        ObjBegin, ObjEnd, ArrBegin, ArrEnd, String, Number, Boolean, Null, Colon, Comma, End, Whitespace, Error, Unknown,
    }

    static readonly string[] TokenNames =
    {
        "T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER", "T_BOOLEAN", "T_NULL",
        "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN",
    };

    static readonly TokenType[] CharToToken = BuildCharToToken();

    static TokenType[] BuildCharToToken()
    {
        var t = new TokenType[256];
        Array.Fill(t, TokenType.Error);
        t['{'] = TokenType.ObjBegin;
        t['}'] = TokenType.ObjEnd;
        t['['] = TokenType.ArrBegin;
        t[']'] = TokenType.ArrEnd;
        t[','] = TokenType.Comma;
        t[':'] = TokenType.Colon;
        t[0] = TokenType.End;
        t[' '] = t['\t'] = t['\n'] = t['\r'] = TokenType.Whitespace;
        foreach (char c in "fiInNt\"+-0123456789") t[c] = TokenType.Unknown;
        return t;
    }

    struct Token
    {
        public TokenType Type;
        public int Index;           // 0-based position, shown 1-based
        public double Number;
        public bool Boolean;
        public string? Error;       // why a T_ERROR token is invalid
        public int StringLength;    // the decoded string, in Parser.Scratch
    }

    /// <summary>json_parse_t: the text (up to its first NUL or end), the position, the depth and a scratch buffer for strings.</summary>
    ref struct Parser
    {
        public ReadOnlySpan<byte> Data;
        public int Pos;
        public int Depth;
        public byte[] Scratch;
        public CjsonLibrary.Config* Cfg;

        /// <summary>The byte at Pos + ahead, or 0 (the C string's terminator) past the end.</summary>
        public readonly byte At(int ahead)
        {
            int i = Pos + ahead;
            return (uint)i < (uint)Data.Length ? Data[i] : (byte)0;
        }
    }

    /// <summary>cjson.decode(text): exactly one argument, a string (a number is converted, as luaL_checklstring does).</summary>
    public static int DecodeBody(LuaState* l)
    {
        if (lua_gettop(l) != 1) return LuaLibraries.ArgError(l, 1, "expected 1 argument");
        CjsonLibrary.Config* cfg = CjsonLibrary.Settings(l, out int error);
        if (cfg == null) return error;
        int type = lua_type(l, 1);
        if (type != TString && type != TNumber) return LuaLibraries.TypeError(l, 1, "string");
        ReadOnlySpan<byte> text = ToBytes(l, 1);
        if (text.Length >= 2 && (text[0] == 0 || text[1] == 0))
            return LuaLibraries.Error(l, "JSON parser does not support UTF-16 or UTF-32");
        int nul = text.IndexOf((byte)0);
        var p = new Parser
        {
            Data = nul >= 0 ? text[..nul] : text,
            Scratch = ArrayPool<byte>.Shared.Rent(Math.Max(text.Length, 16)),
            Cfg = cfg,
        };
        try
        {
            Token token = default;
            NextToken(ref p, ref token);
            string? failure = ProcessValue(l, ref p, ref token);
            if (failure == null)
            {
                NextToken(ref p, ref token);
                if (token.Type != TokenType.End) failure = ParseError("the end", ref token);
            }
            if (failure != null) return LuaLibraries.Error(l, failure);
            return 1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(p.Scratch);
        }
    }

    static string ParseError(string expected, ref Token token) =>
        "Expected " + expected + " but found " + (token.Type == TokenType.Error ? token.Error : TokenNames[(int)token.Type]) +
        " at character " + (token.Index + 1);

    static void SetError(ref Parser p, ref Token token, string why)
    {
        token.Type = TokenType.Error;
        token.Index = p.Pos;
        token.Error = why;
    }

    static void NextToken(ref Parser p, ref Token token)
    {
        byte ch;
        while (true)
        {
            ch = p.At(0);
            token.Type = CharToToken[ch];
            if (token.Type != TokenType.Whitespace) break;
            p.Pos++;
        }
        token.Index = p.Pos;
        switch (token.Type)
        {
            case TokenType.Error:
                SetError(ref p, ref token, "invalid token");
                return;
            case TokenType.End:
                return;
            case TokenType.Unknown:
                break;
            default:
                p.Pos++;
                return;
        }

        if (ch == '"')
        {
            NextString(ref p, ref token);
        }
        else if (ch == '-' || (ch >= '0' && ch <= '9'))
        {
            if (p.Cfg->DecodeInvalidNumbers == 0 && IsInvalidNumber(ref p)) SetError(ref p, ref token, "invalid number");
            else NextNumber(ref p, ref token);
        }
        else if (p.Data[p.Pos..].StartsWith("true"u8))
        {
            token.Type = TokenType.Boolean;
            token.Boolean = true;
            p.Pos += 4;
        }
        else if (p.Data[p.Pos..].StartsWith("false"u8))
        {
            token.Type = TokenType.Boolean;
            token.Boolean = false;
            p.Pos += 5;
        }
        else if (p.Data[p.Pos..].StartsWith("null"u8))
        {
            token.Type = TokenType.Null;
            p.Pos += 4;
        }
        else if (p.Cfg->DecodeInvalidNumbers != 0 && IsInvalidNumber(ref p))
        {
            // only Inf, NaN and the like here, so that other bad words stay "invalid token"
            NextNumber(ref p, ref token);
        }
        else
        {
            SetError(ref p, ref token, "invalid token");
        }
    }

    /// <summary>json_is_invalid_number: a leading '+', a leading zero or 0x, inf or nan: not JSON, though strtod reads it.</summary>
    static bool IsInvalidNumber(ref Parser p)
    {
        int i = 0;
        byte c = p.At(0);
        if (c == '+') return true;
        if (c == '-') c = p.At(++i);
        if (c == '0')
        {
            byte c2 = p.At(i + 1);
            return (c2 | 0x20) == 'x' || (c2 >= '0' && c2 <= '9');
        }
        if (c <= '9') return false;
        return Word(ref p, i, "inf"u8) || Word(ref p, i, "nan"u8);
    }

    static bool Word(ref Parser p, int at, ReadOnlySpan<byte> lower)
    {
        for (int k = 0; k < lower.Length; k++)
            if ((p.At(at + k) | 0x20) != lower[k]) return false;
        return true;
    }

    static void NextNumber(ref Parser p, ref Token token)
    {
        token.Type = TokenType.Number;
        int read = CjsonNumber.Strtod(p.Data[p.Pos..], out token.Number);
        if (read == 0) SetError(ref p, ref token, "invalid number");
        else p.Pos += read;
    }

    /// <summary>json_next_string_token: the string's bytes, unescaped, into the scratch buffer (never longer than the text).</summary>
    static void NextString(ref Parser p, ref Token token)
    {
        p.Pos++;
        int n = 0;
        byte[] scratch = p.Scratch;
        byte ch;
        while ((ch = p.At(0)) != '"')
        {
            if (ch == 0)
            {
                SetError(ref p, ref token, "unexpected end of string");
                return;
            }
            if (ch == '\\')
            {
                byte escape = p.At(1);
                switch (escape)
                {
                    case (byte)'"': case (byte)'\\': case (byte)'/': ch = escape; break;
                    case (byte)'b': ch = (byte)'\b'; break;
                    case (byte)'t': ch = (byte)'\t'; break;
                    case (byte)'n': ch = (byte)'\n'; break;
                    case (byte)'f': ch = (byte)'\f'; break;
                    case (byte)'r': ch = (byte)'\r'; break;
                    case (byte)'u':
                        if (UnicodeEscape(ref p, scratch, ref n)) continue;
                        SetError(ref p, ref token, "invalid unicode escape code");
                        return;
                    default:
                        SetError(ref p, ref token, "invalid escape code");
                        return;
                }
                p.Pos++;
            }
            scratch[n++] = ch;
            p.Pos++;
        }
        p.Pos++;
        token.Type = TokenType.String;
        token.StringLength = n;
    }

    static int Hex4(ref Parser p, int at)
    {
        int v = 0;
        for (int k = 0; k < 4; k++)
        {
            byte c = p.At(at + k);
            int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
            if (d < 0) return -1;
            v = (v << 4) | d;
        }
        return v;
    }

    /// <summary>
    /// json_append_unicode_escape at "\uXXXX": a code unit, or a high surrogate followed by "\uXXXX" with a low one,
    /// as UTF-8. Lone surrogates and bad hex fail. Advances past the escape(s) on success.
    /// </summary>
    static bool UnicodeEscape(ref Parser p, byte[] scratch, ref int n)
    {
        int cp = Hex4(ref p, 2);
        if (cp < 0) return false;
        int length = 6;
        if ((cp & 0xF800) == 0xD800)
        {
            if ((cp & 0x400) != 0) return false;
            if (p.At(6) != '\\' || p.At(7) != 'u') return false;
            int low = Hex4(ref p, 8);
            if (low < 0 || (low & 0xFC00) != 0xDC00) return false;
            cp = (((cp & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
            length = 12;
        }
        if (cp <= 0x7F)
        {
            scratch[n++] = (byte)cp;
        }
        else if (cp <= 0x7FF)
        {
            scratch[n++] = (byte)((cp >> 6) | 0xC0);
            scratch[n++] = (byte)((cp & 0x3F) | 0x80);
        }
        else if (cp <= 0xFFFF)
        {
            scratch[n++] = (byte)((cp >> 12) | 0xE0);
            scratch[n++] = (byte)(((cp >> 6) & 0x3F) | 0x80);
            scratch[n++] = (byte)((cp & 0x3F) | 0x80);
        }
        else
        {
            scratch[n++] = (byte)((cp >> 18) | 0xF0);
            scratch[n++] = (byte)(((cp >> 12) & 0x3F) | 0x80);
            scratch[n++] = (byte)(((cp >> 6) & 0x3F) | 0x80);
            scratch[n++] = (byte)((cp & 0x3F) | 0x80);
        }
        p.Pos += length;
        return true;
    }

    /// <summary>json_decode_descend: one level deeper, within decode_max_depth and with <paramref name="slots"/> free on the Lua stack.</summary>
    static string? Descend(LuaState* l, ref Parser p, int slots)
    {
        p.Depth++;
        if (p.Depth <= p.Cfg->DecodeMaxDepth && lua_checkstack(l, slots) != 0) return null;
        return "Found too many nested data structures (" + p.Depth + ") at character " + p.Pos;
    }

    static string? ParseObject(LuaState* l, ref Parser p)
    {
        string? error = Descend(l, ref p, 3);
        if (error != null) return error;
        lua_createtable(l, 0, 0);
        Token token = default;
        NextToken(ref p, ref token);
        if (token.Type == TokenType.ObjEnd)
        {
            p.Depth--;
            return null;
        }
        while (true)
        {
            if (token.Type != TokenType.String) return ParseError("object key string", ref token);
            PushBytes(l, p.Scratch.AsSpan(0, token.StringLength));
            NextToken(ref p, ref token);
            if (token.Type != TokenType.Colon) return ParseError("colon", ref token);
            NextToken(ref p, ref token);
            error = ProcessValue(l, ref p, ref token);
            if (error != null) return error;
            lua_rawset(l, -3);
            NextToken(ref p, ref token);
            if (token.Type == TokenType.ObjEnd)
            {
                p.Depth--;
                return null;
            }
            if (token.Type != TokenType.Comma) return ParseError("comma or object end", ref token);
            NextToken(ref p, ref token);
        }
    }

    static string? ParseArray(LuaState* l, ref Parser p)
    {
        string? error = Descend(l, ref p, 2);
        if (error != null) return error;
        lua_createtable(l, 0, 0);
        Token token = default;
        NextToken(ref p, ref token);
        if (token.Type == TokenType.ArrEnd)
        {
            p.Depth--;
            return null;
        }
        for (int i = 1; ; i++)
        {
            error = ProcessValue(l, ref p, ref token);
            if (error != null) return error;
            lua_rawseti(l, -2, i);
            NextToken(ref p, ref token);
            if (token.Type == TokenType.ArrEnd)
            {
                p.Depth--;
                return null;
            }
            if (token.Type != TokenType.Comma) return ParseError("comma or array end", ref token);
            NextToken(ref p, ref token);
        }
    }

    /// <summary>json_process_value: pushes the value <paramref name="token"/> starts; null, or the error message.</summary>
    static string? ProcessValue(LuaState* l, ref Parser p, ref Token token)
    {
        switch (token.Type)
        {
            case TokenType.String:
                PushBytes(l, p.Scratch.AsSpan(0, token.StringLength));
                return null;
            case TokenType.Number:
                lua_pushnumber(l, token.Number);
                return null;
            case TokenType.Boolean:
                lua_pushboolean(l, token.Boolean ? 1 : 0);
                return null;
            case TokenType.ObjBegin:
                return ParseObject(l, ref p);
            case TokenType.ArrBegin:
                return ParseArray(l, ref p);
            case TokenType.Null:
                lua_pushlightuserdata(l, null);
                return null;
            default:
                return ParseError("value", ref token);
        }
    }
}
