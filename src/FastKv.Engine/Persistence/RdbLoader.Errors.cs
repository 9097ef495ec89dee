using System;
using System.Globalization;
using System.Text;

namespace FastKv.Engine;

/// <summary>
/// How the reader frames the file's small items (opcode lengths, AUX strings, keys) and what it says when they are
/// bad. A file is untrusted: a framing failure is either the file ending early (Redis's "Short read" line) or a
/// malformed byte, which Redis names at once (rdbLoadLen's "Unknown length encoding", rdbGenericLoadStringObject's
/// "Unknown RDB string encoding type", "Invalid LZF compressed string"). The reader tells the two apart before it
/// reads further, so a malformed byte early in a large file is reported without reading the rest into memory.
/// </summary>
public sealed partial class RdbLoader
{
    const string ShortReadLine = "Short read or OOM loading DB. Unrecoverable error, aborting now.";
    const string ModuleNameChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>The file ended inside an item (Redis's eoferr path: two lines).</summary>
    string ShortRead() => ShortReadLine + "\n" + Corrupt("Unexpected EOF reading RDB file");

    /// <summary>rdbReportCorruptRDB's line, with the file offset of the item being read.</summary>
    string Corrupt(string reason) => "Internal error in RDB reading offset " + consumed + " -> " + reason;

    static void Log(string line) => Console.WriteLine(line);

    /// <summary>Reads <paramref name="values"/>.Length lengths after the opcode byte and consumes them.</summary>
    string? ReadLengths(Span<ulong> values)
    {
        while (true)
        {
            var r = new RdbReader(Window(1));
            int i = 0;
            // rdbLoadLen takes an ENCVAL byte's low six bits as the length where no encoding is asked for.
            while (i < values.Length && r.TryReadLength(out values[i], out _)) i++;
            if (i == values.Length)
            {
                Consume(1 + r.Position);
                return null;
            }
            if (MalformedLength(Window(1 + r.Position)) is { } why) return Corrupt(why);
            if (!Grow()) return ShortRead();
        }
    }

    string? ReadLengths(int count, out ulong first, out ulong second)
    {
        Span<ulong> v = stackalloc ulong[2];
        string? error = ReadLengths(v.Slice(0, count));
        first = v[0];
        second = v[1];
        return error;
    }

    /// <summary>Frames <paramref name="count"/> strings after the opcode or type byte; their total size. Consumes nothing.</summary>
    string? FrameStrings(int count, out int size)
    {
        while (true)
        {
            var r = new RdbReader(Window(1));
            int i = 0;
            while (i < count && r.TrySkipString()) i++;
            if (i == count)
            {
                size = r.Position;
                return null;
            }
            size = 0;
            if (Malformed(Window(1), count) is { } why) return Corrupt(why);
            if (!Grow()) return ShortRead();
        }
    }

    /// <summary>An AUX field: unknown ones are skipped; Redis's notes for the version, age and memory of the file.</summary>
    string? ReadAux()
    {
        if (FrameStrings(2, out int size) is { } error) return error;
        var r = new RdbReader(buf.AsSpan(start + 1, size));
        if (!r.TryReadString(out ReadOnlySpan<byte> name) || !r.TryReadString(out ReadOnlySpan<byte> value))
            return Corrupt(Malformed(buf.AsSpan(start + 1, size), 2) ?? "Invalid AUX field");
        string text = Encoding.UTF8.GetString(value);
        if (name.SequenceEqual("redis-ver"u8)) Log("Loading RDB produced by version " + text);
        else if (name.SequenceEqual("ctime"u8) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long ctime))
            Log("RDB age " + Math.Max(0, loadStartMs / 1000 - ctime) + " seconds");
        else if (name.SequenceEqual("used-mem"u8) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long used))
        {
            RdbUsedMem = used;
            Log("RDB memory usage when created " + (used / (1024.0 * 1024)).ToString("F2", CultureInfo.InvariantCulture) + " Mb");
        }
        Consume(1 + size);
        return null;
    }

    /// <summary>MODULE_AUX: FastKv loads no modules, so any is refused as Redis refuses a module it lacks.</summary>
    string ModuleAux()
    {
        Span<ulong> v = stackalloc ulong[3];
        if (ReadLengths(v) is { } error) return error;
        const ulong OpcodeUint = 2;
        if (v[1] != OpcodeUint) return Corrupt("bad when_opcode");
        return "The RDB file contains AUX module data I can't load: no matching module '" + ModuleTypeName(v[0]) + "'";
    }

    /// <summary>A MODULE_2 value: its module id names the module FastKv lacks.</summary>
    string ModuleValue(int keyLen)
    {
        ulong id;
        while (true)
        {
            var r = new RdbReader(Window(1 + keyLen));
            if (r.TryReadLength(out id, out _)) break;
            if (MalformedLength(Window(1 + keyLen)) is { } why) return Corrupt(why);
            if (!Grow()) return ShortRead();
        }
        return Corrupt("The RDB file contains module data I can't load: no matching module type '" + ModuleTypeName(id) + "'");
    }

    /// <summary>moduleTypeNameByID: the nine characters of a module type id (six bits each above its ten version bits).</summary>
    internal static string ModuleTypeName(ulong id)
    {
        Span<char> name = stackalloc char[9];
        id >>= 10;
        for (int j = 8; j >= 0; j--)
        {
            name[j] = ModuleNameChars[(int)(id & 63)];
            id >>= 6;
        }
        return new string(name);
    }

    /// <summary>The key framed after the type byte, as text for a message.</summary>
    string KeyText(int keyLen)
    {
        var r = new RdbReader(buf.AsSpan(start + 1, keyLen));
        return r.TryReadString(out ReadOnlySpan<byte> key) ? Encoding.UTF8.GetString(key) : "";
    }

    /// <summary>
    /// Redis's reason when <paramref name="count"/> strings at the start of <paramref name="data"/> hold a malformed
    /// length, string encoding or LZF block; null when they are well formed as far as the bytes go (merely cut short).
    /// </summary>
    internal static string? Malformed(ReadOnlySpan<byte> data, int count)
    {
        int pos = 0;
        for (int i = 0; i < count; i++)
        {
            if (MalformedLength(data.Slice(pos)) is { } why) return why;
            var r = new RdbReader(data.Slice(pos));
            if (!r.TryReadLength(out ulong len, out bool encoded)) return null;
            pos += r.Position;
            if (!encoded)
            {
                if (len > (ulong)(data.Length - pos)) return null;
                pos += (int)len;
                continue;
            }
            switch (len)
            {
                case RdbReader.EncInt8:
                case RdbReader.EncInt16:
                case RdbReader.EncInt32:
                    pos += 1 << (int)len;
                    if (pos > data.Length) return null;
                    continue;
                case RdbReader.EncLzf:
                {
                    var lr = new RdbReader(data.Slice(pos));
                    if (MalformedLength(data.Slice(pos)) is { } clenWhy) return clenWhy;
                    if (!lr.TryReadLength(out ulong clen, out _)) return null;
                    if (MalformedLength(data.Slice(pos + lr.Position)) is { } lenWhy) return lenWhy;
                    if (!lr.TryReadLength(out ulong rawLen, out _)) return null;
                    pos += lr.Position;
                    if (clen > (ulong)(data.Length - pos)) return null;
                    // No LZF block expands beyond LzfMaxExpansion: a larger claim cannot decompress to its length.
                    if (rawLen > clen * RdbReader.LzfMaxExpansion) return "Invalid LZF compressed string";
                    byte[] raw = new byte[rawLen];
                    // As Redis: lzf_decompress gives 0 on any error, which a claimed length of 0 accepts.
                    if (rawLen != 0 && Lzf.Decompress(data.Slice(pos, (int)clen), raw) != (int)rawLen) return "Invalid LZF compressed string";
                    pos += (int)clen;
                    continue;
                }
                default:
                    return "Unknown RDB string encoding type " + len;
            }
        }
        return null;
    }

    /// <summary>rdbLoadLen's complaint about a length byte 10xxxxxx other than the 32- and 64-bit forms.</summary>
    static string? MalformedLength(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return null;
        byte b = data[0];
        return b >> 6 == 2 && b != 0x80 && b != 0x81 ? "Unknown length encoding 2 in rdbLoadLen()" : null;
    }
}
