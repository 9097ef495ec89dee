using System;
using System.Buffers;
using System.Collections.Generic;
using FastKv.Engine.Commands;

namespace FastKv.Engine.Scripting;

/// <summary>
/// The libraries in RDB form (Redis's rdbSaveFunctions / rdbFunctionLoad): each library is one FUNCTION2 record,
/// the opcode then its whole code as an RDB string (LZF when <c>rdbcompression</c> and longer than 20 bytes).
/// <code>
///  FUNCTION DUMP:  [0xF5][code]...[0xF5][code]  [RDB version u16 LE]  [CRC-64 u64 LE]
///  RDB file:       after the AUX fields, before the first database, the same records
/// </code>
/// Read back, each code is compiled as FUNCTION LOAD compiles it, into a set of its own, which must hold together
/// (no library twice, no function name twice) before it joins or replaces the server's.
/// </summary>
public static class FunctionPayload
{
    /// <summary>FUNCTION DUMP's payload.</summary>
    public static byte[] Dump(FunctionSet set, bool compress)
    {
        var w = new ArrayBufferWriter<byte>(256);
        foreach (FunctionLibrary l in set.Sorted)
        {
            RdbEncode.WriteByte(w, RdbOpcode.Function2);
            RdbEncode.WriteString(w, l.Code, compress ? LzfMode.Exact : LzfMode.Off);
        }
        DumpCommand.AppendFooter(w);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Each library's code as an encoded RDB string, for the FUNCTION2 records of an RDB file.</summary>
    public static byte[][] RdbStrings(FunctionSet set, bool compress)
    {
        var strings = new byte[set.Sorted.Length][];
        for (int i = 0; i < strings.Length; i++)
        {
            var w = new ArrayBufferWriter<byte>(set.Sorted[i].Code.Length + 16);
            RdbEncode.WriteString(w, set.Sorted[i].Code, compress ? LzfMode.Quick : LzfMode.Off);
            strings[i] = w.WrittenSpan.ToArray();
        }
        return strings;
    }

    /// <summary>FUNCTION RESTORE: the records of a payload (footer removed) into <paramref name="into"/>; null or Redis's error.</summary>
    public static string? ReadRecords(Shard shard, ReadOnlySpan<byte> records, List<FunctionLibrary> into)
    {
        var r = new RdbReader(records);
        while (r.Remaining > 0)
        {
            if (!r.TryReadByte(out byte type)) return "ERR can not read data type";
            if (type == RdbOpcode.FunctionPre) return "ERR Pre-GA function format not supported";
            if (type != RdbOpcode.Function2) return "ERR given type is not a function";
            if (!r.TryReadString(out ReadOnlySpan<byte> code)) return "ERR failed loading the given functions payload";
            if (Add(shard, code, into) is { } error) return error;
            r.ResetScratch();
        }
        return null;
    }

    /// <summary>
    /// The FUNCTION2 records of a loaded RDB file (each an encoded string) become the server's libraries. A library
    /// that does not load is logged and left out (Redis stops the load there: "Failed loading library").
    /// </summary>
    public static string? LoadFromRdb(ServerState server, byte[][] strings, bool intoCurrent = false, bool replace = false)
    {
        var libraries = new List<FunctionLibrary>();
        if (strings.Length > 0 && !LuaApi.Available)
        {
            Console.WriteLine("Failed loading library, the Lua 5.1 library (liblua5.1) is not installed");
            strings = Array.Empty<byte[]>();
        }
        foreach (byte[] s in strings)
        {
            var r = new RdbReader(s);
            string? error = r.TryReadString(out ReadOnlySpan<byte> code) ? Add(server.Shards[0], code, libraries) : "Failed loading library payload";
            if (error != null) Console.WriteLine("Failed loading library, " + error);
        }
        if (!intoCurrent)
        {
            server.Functions.ReplaceAll(libraries);
            return null;
        }
        // DEBUG RELOAD NOFLUSH: the file's libraries join the ones there are, one by one as Redis's rdbFunctionLoad
        // creates them; one that exists fails the load unless MERGE (RDBFLAGS_ALLOW_DUP) lets it replace the old.
        foreach (FunctionLibrary l in libraries)
        {
            if (server.Functions.Add(l, replace) is not { } failed) continue;
            Console.WriteLine("Failed loading library, " + (failed.StartsWith("ERR ", StringComparison.Ordinal) ? failed[4..] : failed));
            return failed;
        }
        return null;
    }

    /// <summary>functionsCreateWithLibraryCtx into a set being read: no replacing, no function name twice.</summary>
    static string? Add(Shard shard, ReadOnlySpan<byte> code, List<FunctionLibrary> into)
    {
        string? error = ScriptEngine.CompileLibrary(shard, code, out FunctionLibrary? library, name =>
        {
            foreach (FunctionLibrary l in into)
                if (l.Name == name) return Errors.LibraryExists(name);
            return null;
        });
        if (error != null) return error;
        if (FunctionLibraries.Collision(into, library!) is { } name) return Errors.FunctionExists(name);
        into.Add(library!);
        return null;
    }
}
