using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

/// <summary>
/// The <c>struct</c> table Redis loads into Lua: Roberto Ierusalimschy's struct library (Redis's
/// deps/lua/src/lua_struct.c, with Redis's fixes) as it behaves on x86-64 Linux. pack(fmt, ...), unpack(fmt, data [, pos])
/// and size(fmt). Format, read one byte at a time up to the first NUL:
/// <code>
///   &gt; &lt;   big / little endian (default: native, little)      ![n]  max alignment n (power of 2; default 8)
///   x     one zero byte                                         ' '   ignored
///   b B   signed/unsigned char (1)    h H  short (2)            l L   long (8)      T  size_t (8)
///   i[n] I[n]  integer of n bytes (default 4, at most 32)       f     float (4)     d  double (8)
///   c[n]  n chars (default 1); c0: pack the whole string, unpack the length the previous result gave
///   s     zero-terminated string
/// </code>
/// Integers are C longs: packing converts the double as gcc's (long) or (unsigned long) casts do and writes the low
/// bytes (zeros past 8); unpacking keeps the last 8 bytes read and sign-extends with x86's shift-count wrap. Every
/// other letter or digit is an invalid option ('size' skips letters and digits without a check, as the C does).
/// </summary>
public static unsafe class StructLibrary
{
    public static void Open(LuaState* lua)
    {
        LuaLibraries.NewLibrary(lua, "struct", [
            ("pack", (nint)(delegate* unmanaged<LuaState*, int>)&Pack),
            ("unpack", (nint)(delegate* unmanaged<LuaState*, int>)&Unpack),
            ("size", (nint)(delegate* unmanaged<LuaState*, int>)&Size),
        ]);
        lua_pop(lua, 1);
    }

    [UnmanagedCallersOnly] static int Pack(LuaState* l) => LuaLibraries.Enter(l, &PackBody);
    [UnmanagedCallersOnly] static int Unpack(LuaState* l) => LuaLibraries.Enter(l, &UnpackBody);
    [UnmanagedCallersOnly] static int Size(LuaState* l) => LuaLibraries.Enter(l, &SizeBody);

    const int MaxIntSize = 32;
    const int MaxAlign = 8; // offsetof(struct { char c; double d; }, d) on x86-64, larger than sizeof(int)

    /// <summary>The parse state one call carries through its format: position, byte order, maximum alignment.</summary>
    ref struct Format(ReadOnlySpan<byte> text)
    {
        public ReadOnlySpan<byte> Text = text;
        public int At;
        public bool Little = BitConverter.IsLittleEndian;
        public int Align = 1;

        public readonly bool More => At < Text.Length;
        public readonly bool AtDigit => At < Text.Length && IsDigit(Text[At]);
    }

    static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    static bool IsAlnum(byte c) => IsDigit(c) || (uint)((c | 0x20) - 'a') <= 'z' - 'a';

    /// <summary>luaL_checkstring up to its first NUL (the C walks a char*), or false with the type error pushed.</summary>
    static bool FormatArg(LuaState* l, out ReadOnlySpan<byte> fmt)
    {
        fmt = ToBytes(l, 1);
        if (fmt.IsEmpty && lua_type(l, 1) != TString) return false;
        int nul = fmt.IndexOf((byte)0);
        if (nul >= 0) fmt = fmt[..nul];
        return true;
    }

    /// <summary>getnum: the decimal number at the format position, or <paramref name="fallback"/>; false (error pushed) past int.MaxValue.</summary>
    static bool Number(LuaState* l, ref Format f, int fallback, out int value, out int error)
    {
        value = fallback;
        error = 0;
        if (!f.AtDigit) return true;
        int a = 0;
        do
        {
            int digit = f.Text[f.At] - '0';
            if (a > int.MaxValue / 10 || a * 10 > int.MaxValue - digit)
            {
                error = LuaLibraries.Error(l, "integral size overflow");
                return false;
            }
            a = a * 10 + digit;
            f.At++;
        } while (f.AtDigit);
        value = a;
        return true;
    }

    /// <summary>optsize: the size of option <paramref name="opt"/>, reading its count; 0 for the options that take no room.</summary>
    static bool OptSize(LuaState* l, byte opt, ref Format f, out ulong size, out int error)
    {
        error = 0;
        size = 0;
        int n;
        switch (opt)
        {
            case (byte)'B': case (byte)'b': case (byte)'x': size = 1; return true;
            case (byte)'H': case (byte)'h': size = 2; return true;
            case (byte)'L': case (byte)'l': case (byte)'T': case (byte)'d': size = 8; return true;
            case (byte)'f': size = 4; return true;
            case (byte)'c':
                if (!Number(l, ref f, 1, out n, out error)) return false;
                size = (ulong)n;
                return true;
            case (byte)'i': case (byte)'I':
                if (!Number(l, ref f, 4, out n, out error)) return false;
                if (n > MaxIntSize)
                {
                    error = LuaLibraries.Error(l, "integral size " + n + " is larger than limit of " + MaxIntSize);
                    return false;
                }
                size = (ulong)n;
                return true;
            default: return true;
        }
    }

    /// <summary>gettoalign: padding before an item of <paramref name="size"/> at <paramref name="len"/> (the C's formula, also for sizes that are no power of 2).</summary>
    static ulong ToAlign(ulong len, in Format f, byte opt, ulong size)
    {
        if (size == 0 || opt == 'c') return 0;
        if (size > (ulong)f.Align) size = (ulong)f.Align;
        return (uint)(int)((size - (len & (size - 1))) & (size - 1));
    }

    /// <summary>controloptions: ' ', '&gt;', '&lt;', '!n'; anything else is "invalid format option".</summary>
    static bool Control(LuaState* l, byte opt, ref Format f, out int error)
    {
        error = 0;
        switch (opt)
        {
            case (byte)' ': return true;
            case (byte)'>': f.Little = false; return true;
            case (byte)'<': f.Little = true; return true;
            case (byte)'!':
                if (!Number(l, ref f, MaxAlign, out int a, out error)) return false;
                if (a <= 0 || (a & (a - 1)) != 0)
                {
                    error = LuaLibraries.Error(l, "alignment " + a + " is not a power of 2");
                    return false;
                }
                f.Align = a;
                return true;
            default:
                error = InvalidOption(l, opt);
                return false;
        }
    }

    /// <summary>luaL_argerror(1, "invalid format option 'c'") with the option as its raw byte, as lua_pushfstring's %c writes it.</summary>
    static int InvalidOption(LuaState* l, byte opt)
    {
        int r = LuaLibraries.ArgError(l, 1, "invalid format option '" + (char)opt + "'");
        if (opt < 0x80) return r;
        // Everything else in the message is ASCII (chunk name, function name): re-encode the one Latin-1 char as its byte.
        string message = Encoding.UTF8.GetString(ToBytes(l, -1));
        lua_pop(l, 1);
        PushBytes(l, Encoding.Latin1.GetBytes(message));
        return r;
    }

    /// <summary>gcc's x86-64 (long)d, cvttsd2si: truncation, and long.MinValue for NaN and out of range.</summary>
    static long Truncate(double d) =>
        d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? (long)d : long.MinValue;

    /// <summary>gcc's x86-64 (unsigned long)d: below 2^63 (or NaN) as cvttsd2si, else cvttsd2si(d - 2^63) with bit 63 flipped.</summary>
    static ulong TruncateUnsigned(double d) =>
        d >= 9223372036854775808.0 ? (ulong)Truncate(d - 9223372036854775808.0) ^ 0x8000_0000_0000_0000UL : (ulong)Truncate(d);

    /// <summary>luaL_checknumber, or false with the type error pushed.</summary>
    static bool NumberArg(LuaState* l, int arg, out double n, out int error)
    {
        n = lua_tonumber(l, arg);
        error = 0;
        if (n != 0 || lua_isnumber(l, arg) != 0) return true;
        error = LuaLibraries.TypeError(l, arg, "number");
        return false;
    }

    static int PackBody(LuaState* l)
    {
        if (!FormatArg(l, out ReadOnlySpan<byte> text)) return LuaLibraries.TypeError(l, 1, "string");
        // The C's mark between the arguments and its buffer: a missing argument is this nil ("got nil", not "no value").
        lua_pushnil(l);
        var f = new Format(text);
        var output = new PackBuffer();
        try
        {
            int arg = 2;
            ulong total = 0;
            while (f.More)
            {
                byte opt = f.Text[f.At++];
                if (!OptSize(l, opt, ref f, out ulong size, out int error)) return error;
                ulong pad = ToAlign(total, f, opt, size);
                total += pad;
                output.Zeros((int)pad);
                switch (opt)
                {
                    case (byte)'b': case (byte)'B': case (byte)'h': case (byte)'H':
                    case (byte)'l': case (byte)'L': case (byte)'T': case (byte)'i': case (byte)'I':
                    {
                        if (!NumberArg(l, arg++, out double n, out error)) return error;
                        ulong value = n < 0 ? (ulong)Truncate(n) : TruncateUnsigned(n);
                        Span<byte> bytes = output.Reserve((int)size);
                        for (int i = 0; i < (int)size; i++)
                        {
                            bytes[f.Little ? i : (int)size - 1 - i] = (byte)value;
                            value >>= 8;
                        }
                        break;
                    }
                    case (byte)'x':
                        output.Zeros(1);
                        break;
                    case (byte)'f':
                    {
                        if (!NumberArg(l, arg++, out double n, out error)) return error;
                        Span<byte> bytes = output.Reserve(4);
                        if (f.Little) BinaryPrimitives.WriteSingleLittleEndian(bytes, (float)n);
                        else BinaryPrimitives.WriteSingleBigEndian(bytes, (float)n);
                        break;
                    }
                    case (byte)'d':
                    {
                        if (!NumberArg(l, arg++, out double n, out error)) return error;
                        Span<byte> bytes = output.Reserve(8);
                        if (f.Little) BinaryPrimitives.WriteDoubleLittleEndian(bytes, n);
                        else BinaryPrimitives.WriteDoubleBigEndian(bytes, n);
                        break;
                    }
                    case (byte)'c': case (byte)'s':
                    {
                        ReadOnlySpan<byte> s = ToBytes(l, arg);
                        if (s.IsEmpty && lua_type(l, arg) != TString && lua_type(l, arg) != TNumber) return LuaLibraries.TypeError(l, arg, "string");
                        arg++;
                        if (size == 0) size = (ulong)s.Length;
                        // As the C, which checks after moving to the next argument: the message names the one after the string.
                        if ((ulong)s.Length < size) return LuaLibraries.ArgError(l, arg, "string too short");
                        s[..(int)size].CopyTo(output.Reserve((int)size));
                        if (opt == 's')
                        {
                            output.Zeros(1);
                            size++;
                        }
                        break;
                    }
                    default:
                        if (!Control(l, opt, ref f, out error)) return error;
                        break;
                }
                total += size;
            }
            PushBytes(l, output.Written);
            return 1;
        }
        finally
        {
            output.Dispose();
        }
    }

    static int UnpackBody(LuaState* l)
    {
        if (!FormatArg(l, out ReadOnlySpan<byte> text)) return LuaLibraries.TypeError(l, 1, "string");
        ReadOnlySpan<byte> data = ToBytes(l, 2);
        if (data.IsEmpty && lua_type(l, 2) != TString && lua_type(l, 2) != TNumber) return LuaLibraries.TypeError(l, 2, "string");
        ulong pos = 1;
        if (lua_type(l, 3) > TNil)
        {
            long v = lua_tointeger(l, 3);
            if (v == 0 && lua_isnumber(l, 3) == 0) return LuaLibraries.TypeError(l, 3, "number");
            pos = (ulong)v;
        }
        if (pos == 0) return LuaLibraries.ArgError(l, 3, "offset must be 1 or greater");
        pos--;
        ulong ld = (ulong)data.Length;
        var f = new Format(text);
        int n = 0;
        while (f.More)
        {
            byte opt = f.Text[f.At++];
            if (!OptSize(l, opt, ref f, out ulong size, out int error)) return error;
            pos += ToAlign(pos, f, opt, size);
            if (!(size <= ld && pos <= ld - size)) return LuaLibraries.ArgError(l, 2, "data string too short");
            if (lua_checkstack(l, 2) == 0) return LuaLibraries.Error(l, "stack overflow (too many results)");
            switch (opt)
            {
                case (byte)'b': case (byte)'B': case (byte)'h': case (byte)'H':
                case (byte)'l': case (byte)'L': case (byte)'T': case (byte)'i': case (byte)'I':
                {
                    ReadOnlySpan<byte> bytes = data.Slice((int)pos, (int)size);
                    ulong value = 0;
                    for (int i = 0; i < bytes.Length; i++) value = value << 8 | bytes[f.Little ? bytes.Length - 1 - i : i];
                    if (opt >= 'a')
                    {
                        // The C's shift by size*8-1: x86 takes the count modulo 64, as C#'s << does (sizes 0 and 9..32).
                        ulong mask = ~0UL << ((int)size * 8 - 1);
                        if ((value & mask) != 0) value |= mask;
                        lua_pushnumber(l, (long)value);
                    }
                    else lua_pushnumber(l, value);
                    n++;
                    break;
                }
                case (byte)'x':
                    break;
                case (byte)'f':
                {
                    ReadOnlySpan<byte> bytes = data.Slice((int)pos, 4);
                    lua_pushnumber(l, f.Little ? BinaryPrimitives.ReadSingleLittleEndian(bytes) : BinaryPrimitives.ReadSingleBigEndian(bytes));
                    n++;
                    break;
                }
                case (byte)'d':
                {
                    ReadOnlySpan<byte> bytes = data.Slice((int)pos, 8);
                    lua_pushnumber(l, f.Little ? BinaryPrimitives.ReadDoubleLittleEndian(bytes) : BinaryPrimitives.ReadDoubleBigEndian(bytes));
                    n++;
                    break;
                }
                case (byte)'c':
                    if (size == 0)
                    {
                        if (n == 0 || lua_isnumber(l, -1) == 0) return LuaLibraries.Error(l, "format 'c0' needs a previous size");
                        size = TruncateUnsigned(lua_tonumber(l, -1));
                        lua_pop(l, 1);
                        n--;
                        if (!(size <= ld && pos <= ld - size)) return LuaLibraries.ArgError(l, 2, "data string too short");
                    }
                    PushBytes(l, data.Slice((int)pos, (int)size));
                    n++;
                    break;
                case (byte)'s':
                {
                    int end = data[(int)pos..].IndexOf((byte)0);
                    if (end < 0) return LuaLibraries.Error(l, "unfinished string in data");
                    PushBytes(l, data.Slice((int)pos, end));
                    size = (ulong)end + 1;
                    n++;
                    break;
                }
                default:
                    if (!Control(l, opt, ref f, out error)) return error;
                    break;
            }
            pos += size;
        }
        lua_pushnumber(l, (long)(pos + 1));
        return n + 1;
    }

    static int SizeBody(LuaState* l)
    {
        if (!FormatArg(l, out ReadOnlySpan<byte> text)) return LuaLibraries.TypeError(l, 1, "string");
        var f = new Format(text);
        ulong pos = 0;
        while (f.More)
        {
            byte opt = f.Text[f.At++];
            if (!OptSize(l, opt, ref f, out ulong size, out int error)) return error;
            pos += ToAlign(pos, f, opt, size);
            if (opt == 's') return LuaLibraries.ArgError(l, 1, "option 's' has no fixed size");
            if (opt == 'c' && size == 0) return LuaLibraries.ArgError(l, 1, "option 'c0' has no fixed size");
            if (!IsAlnum(opt) && !Control(l, opt, ref f, out error)) return error;
            pos += size;
        }
        lua_pushnumber(l, (long)pos);
        return 1;
    }

    /// <summary>pack's output, grown in a pooled array (luaL_Buffer's part).</summary>
    struct PackBuffer : IDisposable
    {
        byte[]? array;
        int used;

        public readonly ReadOnlySpan<byte> Written => array.AsSpan(0, used);

        public Span<byte> Reserve(int n)
        {
            if (array == null || array.Length - used < n)
            {
                byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(checked(used + n), array == null ? 64 : array.Length * 2));
                if (array != null)
                {
                    array.AsSpan(0, used).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(array);
                }
                array = bigger;
            }
            Span<byte> s = array.AsSpan(used, n);
            used += n;
            return s;
        }

        public void Zeros(int n) => Reserve(n).Clear();

        public void Dispose()
        {
            if (array != null) ArrayPool<byte>.Shared.Return(array);
            array = null;
        }
    }
}
