using System;
using System.Runtime.InteropServices;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// Byte-range commands: APPEND, SETRANGE, GETRANGE (SUBSTR), STRLEN, LCS. APPEND and SETRANGE edit
/// the value in place and leave it <c>raw</c>, as Redis's dbUnshareStringValue does.
/// </summary>
public static unsafe partial class StringCommands
{
    static void Append(ref CommandContext c)
    {
        ReadOnlySpan<byte> key = c.Arg(1);
        ReadOnlySpan<byte> tail = c.Arg(2);
        Database db = c.Db;
        byte** slot = db.FindSlot(key, KeyHash.Hash(key));
        if (slot == null)
        {
            // A new key gets the argument as SET would store it (int / embstr / raw).
            db.AddString(key, tail, StringValue.EncodingOf(tail), -1);
            c.Dirty();
            c.Modified(1, NotifyClass.String, "append"u8);
            c.W.Integer(tail.Length);
            return;
        }
        byte* e = *slot;
        if (KeyEntry.Type(e) != ValueKind.String) { c.W.Error(Errors.WrongType); return; }
        int oldLen = KeyEntry.ValueLength(e);
        if ((long)oldLen + tail.Length > StringValue.MaxLength) { c.W.Error(Errors.StringTooLong); return; }
        int newLen = oldLen + tail.Length;
        // GrowString keeps the old bytes and leaves capacity >= newLen past ValuePtr.
        e = db.GrowString(slot, newLen);
        tail.CopyTo(new Span<byte>(KeyEntry.ValuePtr(e) + oldLen, tail.Length));
        KeyEntry.SetValueLength(e, newLen);
        KeyEntry.SetEncoding(e, ValueEncoding.Raw);
        c.Dirty();
        c.Modified(1, NotifyClass.String, "append"u8);
        c.W.Integer(newLen);
    }

    /// <summary>
    /// SETRANGE: the offset is checked before the key (a bad offset wins over WRONGTYPE); an empty
    /// patch never creates a key; a gap past the end is zero-filled.
    /// </summary>
    static void SetRange(ref CommandContext c)
    {
        if (!c.TryInt(2, out long offset)) return;
        if (offset < 0) { c.W.Error(Errors.OffsetOutOfRange); return; }
        ReadOnlySpan<byte> key = c.Arg(1);
        ReadOnlySpan<byte> patch = c.Arg(3);
        Database db = c.Db;
        byte** slot = db.FindSlot(key, KeyHash.Hash(key));
        if (slot == null)
        {
            if (patch.Length == 0) { c.W.Integer(0); return; }
            if (offset > StringValue.MaxLength - patch.Length) { c.W.Error(Errors.StringTooLong); return; }
            int len = (int)offset + patch.Length;
            // Build the zero-padded value outside the arena, then copy it into a right-sized entry
            // (GrowString would double the capacity of a value that is unlikely to grow).
            if (len <= 1024)
            {
                Span<byte> buf = stackalloc byte[len];
                buf.Clear();
                patch.CopyTo(buf.Slice((int)offset));
                db.AddString(key, buf, ValueEncoding.Raw, -1);
            }
            else
            {
                // The native buffer is zeroed, len bytes long, and freed before returning.
                byte* p = (byte*)NativeMemory.AllocZeroed((nuint)len);
                try
                {
                    patch.CopyTo(new Span<byte>(p + offset, patch.Length));
                    db.AddString(key, new ReadOnlySpan<byte>(p, len), ValueEncoding.Raw, -1);
                }
                finally
                {
                    NativeMemory.Free(p);
                }
            }
            c.Dirty();
            c.Modified(1, NotifyClass.String, "setrange"u8);
            c.W.Integer(len);
            return;
        }

        byte* e = *slot;
        if (KeyEntry.Type(e) != ValueKind.String) { c.W.Error(Errors.WrongType); return; }
        int oldLen = KeyEntry.ValueLength(e);
        if (patch.Length == 0) { c.W.Integer(oldLen); return; }
        if (offset > StringValue.MaxLength - patch.Length) { c.W.Error(Errors.StringTooLong); return; }
        int end = (int)offset + patch.Length;
        int newLen = Math.Max(oldLen, end);
        // After GrowString the blob holds newLen value bytes; bytes past oldLen are ours to zero.
        e = db.GrowString(slot, newLen);
        byte* v = KeyEntry.ValuePtr(e);
        if (offset > oldLen) new Span<byte>(v + oldLen, (int)offset - oldLen).Clear();
        patch.CopyTo(new Span<byte>(v + offset, patch.Length));
        KeyEntry.SetValueLength(e, newLen);
        KeyEntry.SetEncoding(e, ValueEncoding.Raw);
        c.Dirty();
        c.Modified(1, NotifyClass.String, "setrange"u8);
        c.W.Integer(newLen);
    }

    /// <summary>GETRANGE / SUBSTR: both indexes parse before the lookup; a missing key is "".</summary>
    static void GetRange(ref CommandContext c)
    {
        if (!c.TryInt(2, out long start) || !c.TryInt(3, out long end)) return;
        byte* e = KeyLookup.Read(c.Shard, c.Db, c.Arg(1));
        if (e == null) { c.W.Bulk(ReadOnlySpan<byte>.Empty); return; }
        if (KeyEntry.Type(e) != ValueKind.String) { c.W.Error(Errors.WrongType); return; }
        ReadOnlySpan<byte> s = KeyEntry.Value(e);
        long len = s.Length;
        if (start < 0 && end < 0 && start > end) { c.W.Bulk(ReadOnlySpan<byte>.Empty); return; }
        if (start < 0) start = len + start;
        if (end < 0) end = len + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= len) end = len - 1;
        if (start > end || len == 0) { c.W.Bulk(ReadOnlySpan<byte>.Empty); return; }
        c.W.Bulk(s.Slice((int)start, (int)(end - start + 1)));
    }

    static void StrLen(ref CommandContext c)
    {
        byte* e = KeyLookup.Read(c.Shard, c.Db, c.Arg(1));
        if (e == null) { c.W.Integer(0); return; }
        if (KeyEntry.Type(e) != ValueKind.String) { c.W.Error(Errors.WrongType); return; }
        c.W.Integer(KeyEntry.ValueLength(e));
    }

    /// <summary>
    /// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]. Missing keys read as "".
    /// The type check comes before the options are parsed, as in Redis.
    /// </summary>
    static void Lcs(ref CommandContext c)
    {
        Database db = c.Db;
        byte* ea = KeyLookup.Read(c.Shard, db, c.Arg(1));
        byte* eb = KeyLookup.Read(c.Shard, db, c.Arg(2));
        if ((ea != null && KeyEntry.Type(ea) != ValueKind.String) || (eb != null && KeyEntry.Type(eb) != ValueKind.String))
        {
            c.W.Error("ERR The specified keys must contain string values");
            return;
        }
        bool getLen = false, getIdx = false, withMatchLen = false;
        long minMatchLen = 0;
        for (int j = 3; j < c.Count; j++)
        {
            bool more = j + 1 < c.Count;
            if (c.ArgIs(j, "idx"u8)) getIdx = true;
            else if (c.ArgIs(j, "len"u8)) getLen = true;
            else if (c.ArgIs(j, "withmatchlen"u8)) withMatchLen = true;
            else if (c.ArgIs(j, "minmatchlen"u8) && more)
            {
                if (!c.TryInt(j + 1, out minMatchLen)) return;
                if (minMatchLen < 0) minMatchLen = 0;
                j++;
            }
            else { c.W.Error(Errors.Syntax); return; }
        }
        if (getIdx && getLen)
        {
            c.W.Error("ERR If you want both the length and indexes, please just use IDX.");
            return;
        }
        ReadOnlySpan<byte> a = ea != null ? KeyEntry.Value(ea) : ReadOnlySpan<byte>.Empty;
        ReadOnlySpan<byte> b = eb != null ? KeyEntry.Value(eb) : ReadOnlySpan<byte>.Empty;
        LongestCommonSubsequence.Reply(c.W, a, b, getLen, getIdx, withMatchLen, minMatchLen);
    }
}
