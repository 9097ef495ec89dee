using System;
using System.Runtime.InteropServices;
using static FastKv.Engine.Scripting.LuaApi;

namespace FastKv.Engine.Scripting;

/// <summary>
/// The <c>bit</c> table Redis loads into Lua: Mike Pall's LuaBitOp 1.0.2 (Redis's deps/lua/src/lua_bit.c), on 32-bit
/// integers. Every argument is normalized as LuaBitOp does on Lua 5.1 with double numbers: lua_tonumber (so numeric
/// strings count), plus 2^52+2^51, and the low 32 bits of the sum's IEEE representation; that rounds to nearest even
/// and wraps modulo 2^32 (NaN and infinities give their payload's low bits, 0 for Lua's own). A result of 0 from
/// something that is not a number is the type error. Results are pushed back as signed 32-bit numbers.
/// Argument errors come in LuaBitOp's order: band/bor/bxor read argument 1, then the last one down to 2.
/// </summary>
public static unsafe class BitLibrary
{
    public static void Open(LuaState* lua)
    {
        LuaLibraries.NewLibrary(lua, "bit", [
            ("tobit", (nint)(delegate* unmanaged<LuaState*, int>)&ToBit),
            ("bnot", (nint)(delegate* unmanaged<LuaState*, int>)&BNot),
            ("band", (nint)(delegate* unmanaged<LuaState*, int>)&BAnd),
            ("bor", (nint)(delegate* unmanaged<LuaState*, int>)&BOr),
            ("bxor", (nint)(delegate* unmanaged<LuaState*, int>)&BXor),
            ("lshift", (nint)(delegate* unmanaged<LuaState*, int>)&LShift),
            ("rshift", (nint)(delegate* unmanaged<LuaState*, int>)&RShift),
            ("arshift", (nint)(delegate* unmanaged<LuaState*, int>)&ArShift),
            ("rol", (nint)(delegate* unmanaged<LuaState*, int>)&Rol),
            ("ror", (nint)(delegate* unmanaged<LuaState*, int>)&Ror),
            ("bswap", (nint)(delegate* unmanaged<LuaState*, int>)&BSwap),
            ("tohex", (nint)(delegate* unmanaged<LuaState*, int>)&ToHex),
        ]);
        lua_pop(lua, 1);
    }

    [UnmanagedCallersOnly] static int ToBit(LuaState* l) => LuaLibraries.Enter(l, &ToBitBody);
    [UnmanagedCallersOnly] static int BNot(LuaState* l) => LuaLibraries.Enter(l, &BNotBody);
    [UnmanagedCallersOnly] static int BAnd(LuaState* l) => LuaLibraries.Enter(l, &BAndBody);
    [UnmanagedCallersOnly] static int BOr(LuaState* l) => LuaLibraries.Enter(l, &BOrBody);
    [UnmanagedCallersOnly] static int BXor(LuaState* l) => LuaLibraries.Enter(l, &BXorBody);
    [UnmanagedCallersOnly] static int LShift(LuaState* l) => LuaLibraries.Enter(l, &LShiftBody);
    [UnmanagedCallersOnly] static int RShift(LuaState* l) => LuaLibraries.Enter(l, &RShiftBody);
    [UnmanagedCallersOnly] static int ArShift(LuaState* l) => LuaLibraries.Enter(l, &ArShiftBody);
    [UnmanagedCallersOnly] static int Rol(LuaState* l) => LuaLibraries.Enter(l, &RolBody);
    [UnmanagedCallersOnly] static int Ror(LuaState* l) => LuaLibraries.Enter(l, &RorBody);
    [UnmanagedCallersOnly] static int BSwap(LuaState* l) => LuaLibraries.Enter(l, &BSwapBody);
    [UnmanagedCallersOnly] static int ToHex(LuaState* l) => LuaLibraries.Enter(l, &ToHexBody);

    /// <summary>LuaBitOp's barg: argument <paramref name="idx"/> as 32 bits, or false when it is not a number.</summary>
    static bool Arg(LuaState* l, int idx, out uint b)
    {
        double n = lua_tonumber(l, idx) + 6755399441055744.0; // 2^52 + 2^51: the integer part lands in the low mantissa bits
        b = (uint)BitConverter.DoubleToInt64Bits(n);
        return b != 0 || lua_isnumber(l, idx) != 0;
    }

    static int Return(LuaState* l, uint b)
    {
        lua_pushnumber(l, (int)b);
        return 1;
    }

    static int ToBitBody(LuaState* l) => Arg(l, 1, out uint b) ? Return(l, b) : LuaLibraries.TypeError(l, 1, "number");

    static int BNotBody(LuaState* l) => Arg(l, 1, out uint b) ? Return(l, ~b) : LuaLibraries.TypeError(l, 1, "number");

    const int And = 0, Or = 1, Xor = 2;

    static int BAndBody(LuaState* l) => Fold(l, And);
    static int BOrBody(LuaState* l) => Fold(l, Or);
    static int BXorBody(LuaState* l) => Fold(l, Xor);

    static int Fold(LuaState* l, int op)
    {
        if (!Arg(l, 1, out uint b)) return LuaLibraries.TypeError(l, 1, "number");
        for (int i = lua_gettop(l); i > 1; i--)
        {
            if (!Arg(l, i, out uint x)) return LuaLibraries.TypeError(l, i, "number");
            b = op == And ? b & x : op == Or ? b | x : b ^ x;
        }
        return Return(l, b);
    }

    const int Shl = 0, Shr = 1, Sar = 2, RotL = 3, RotR = 4;

    static int LShiftBody(LuaState* l) => Shift(l, Shl);
    static int RShiftBody(LuaState* l) => Shift(l, Shr);
    static int ArShiftBody(LuaState* l) => Shift(l, Sar);
    static int RolBody(LuaState* l) => Shift(l, RotL);
    static int RorBody(LuaState* l) => Shift(l, RotR);

    static int Shift(LuaState* l, int op)
    {
        if (!Arg(l, 1, out uint b)) return LuaLibraries.TypeError(l, 1, "number");
        if (!Arg(l, 2, out uint count)) return LuaLibraries.TypeError(l, 2, "number");
        int n = (int)(count & 31);
        return Return(l, op switch
        {
            Shl => b << n,
            Shr => b >> n,
            Sar => (uint)((int)b >> n),
            RotL => uint.RotateLeft(b, n),
            _ => uint.RotateRight(b, n),
        });
    }

    static int BSwapBody(LuaState* l) =>
        Arg(l, 1, out uint b) ? Return(l, System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(b)) : LuaLibraries.TypeError(l, 1, "number");

    /// <summary>
    /// tohex(x [, n]): the low |n| hex digits of x (8 by default, at most 8), uppercase when n is negative. Redis 7.2.4's
    /// copy overruns its buffer for n = -2^31 (CVE-2024-31449); this answers as the fixed one does (8 uppercase digits).
    /// </summary>
    static int ToHexBody(LuaState* l)
    {
        if (!Arg(l, 1, out uint b)) return LuaLibraries.TypeError(l, 1, "number");
        int n = 8;
        if (lua_type(l, 2) != TNone)
        {
            if (!Arg(l, 2, out uint digits)) return LuaLibraries.TypeError(l, 2, "number");
            n = (int)digits;
        }
        if (n == int.MinValue) n = int.MinValue + 1;
        ReadOnlySpan<byte> hex = "0123456789abcdef"u8;
        if (n < 0)
        {
            n = -n;
            hex = "0123456789ABCDEF"u8;
        }
        if (n > 8) n = 8;
        Span<byte> buf = stackalloc byte[8];
        for (int i = n - 1; i >= 0; i--)
        {
            buf[i] = hex[(int)(b & 15)];
            b >>= 4;
        }
        PushBytes(l, buf[..n]);
        return 1;
    }
}
