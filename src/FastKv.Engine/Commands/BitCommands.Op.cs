using System;
using System.Runtime.InteropServices;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

// BITOP AND|OR|XOR|NOT destkey key [key ...] (bitops.c bitopCommand of 7.2). Registered with CrossShard.Gather, so
// sources on other shards arrive as local copies. A missing source is an empty string (its bytes read as zero); the
// result is as long as the longest source and replaces the destination whatever its type (expiry dropped, event
// "set"); an empty result deletes the destination (event "del").
public static unsafe partial class BitCommands
{
    const int OpAnd = 0, OpOr = 1, OpXor = 2, OpNot = 3;

    static void BitOp(ref CommandContext c)
    {
        ReadOnlySpan<byte> name = c.Arg(1);
        int op;
        if (CWord(name, "and"u8)) op = OpAnd;
        else if (CWord(name, "or"u8)) op = OpOr;
        else if (CWord(name, "xor"u8)) op = OpXor;
        else if (CWord(name, "not"u8)) op = OpNot;
        else { c.W.Error(Errors.Syntax); return; }
        if (op == OpNot && c.Count != 4) { c.W.Error("ERR BITOP NOT must be called with a single source key."); return; }

        // Every source is looked up (and type-checked) before anything is computed.
        int n = c.Count - 3;
        Span<nint> entries = n <= 16 ? stackalloc nint[16] : new nint[n];
        long maxLen = 0;
        for (int i = 0; i < n; i++)
        {
            if (!c.ReadTyped(3 + i, ValueKind.String, out byte* e)) return;
            entries[i] = (nint)e;
            if (e != null) maxLen = Math.Max(maxLen, KeyEntry.ValueLength(e));
        }

        ReadOnlySpan<byte> dest = c.Arg(2);
        if (maxLen == 0)
        {
            if (c.Db.Delete(dest))
            {
                c.Modified(2, NotifyClass.Generic, "del"u8);
                c.Dirty();
            }
            c.W.Integer(0);
            return;
        }

        // The sources may include the destination, so the result is built beside them and stored as SET would.
        // The buffer is maxLen bytes, native, and freed before returning.
        byte* buf = (byte*)NativeMemory.Alloc((nuint)maxLen);
        try
        {
            var result = new Span<byte>(buf, (int)maxLen);
            Combine(op, entries.Slice(0, n), result);
            c.Db.SetString(dest, result, ValueEncoding.Raw, -1, keepTtl: false);
        }
        finally
        {
            NativeMemory.Free(buf);
        }
        c.Modified(2, NotifyClass.String, "set"u8);
        c.Dirty();
        c.W.Integer(maxLen);
    }

    /// <summary>The operation over every source into <paramref name="result"/> (as long as the longest source).</summary>
    static void Combine(int op, ReadOnlySpan<nint> entries, Span<byte> result)
    {
        ReadOnlySpan<byte> first = Source(entries[0]);
        if (op == OpNot)
        {
            Bitmap.Not(result, first);
            return;
        }
        first.CopyTo(result);
        result.Slice(first.Length).Clear();
        for (int i = 1; i < entries.Length; i++)
        {
            ReadOnlySpan<byte> s = Source(entries[i]);
            switch (op)
            {
                case OpAnd: Bitmap.AndInto(result, s); break;
                case OpOr: Bitmap.OrInto(result, s); break;
                default: Bitmap.XorInto(result, s); break;
            }
        }
    }

    /// <summary>A source's bytes; a missing key is empty.</summary>
    static ReadOnlySpan<byte> Source(nint e) => e == 0 ? ReadOnlySpan<byte>.Empty : KeyEntry.Value((byte*)e);
}
