using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;

namespace FastKv.Engine.Scripting;

/// <summary>
/// The server's function libraries (Redis 7.2's functions.c: FUNCTION LOAD / DELETE / FLUSH / RESTORE change it,
/// FCALL looks functions up in it), shared by every shard. It is an immutable <see cref="FunctionSet"/> replaced
/// whole under a lock at each change, so a shard reads it without locking; each shard's function Lua state loads the
/// set it was built from and rebuilds itself when <see cref="FunctionSet.Generation"/> moves
/// (<see cref="ScriptEngine.FunctionsOf"/>). Libraries are compiled and run once before they get here (to learn
/// their functions), in a Lua state of their own (<see cref="ScriptEngine.CompileLibrary"/>).
/// </summary>
public sealed class FunctionLibraries
{
    readonly object gate = new();
    FunctionSet current = FunctionSet.Empty;

    /// <summary>The libraries now.</summary>
    public FunctionSet Current => Volatile.Read(ref current);

    /// <summary>FUNCTION LOAD's commit: adds (or with <paramref name="replace"/> replaces) a compiled library; null or the error.</summary>
    public string? Add(FunctionLibrary library, bool replace)
    {
        lock (gate)
        {
            FunctionSet set = current;
            if (!replace && set.Libraries.ContainsKey(library.Name)) return Errors.LibraryExists(library.Name);
            var libs = new Dictionary<string, FunctionLibrary>(set.Libraries, StringComparer.Ordinal);
            libs.Remove(library.Name);
            if (Collision(libs.Values, library) is { } name) return Errors.FunctionExists(name);
            libs[library.Name] = library;
            Publish(libs);
            return null;
        }
    }

    /// <summary>FUNCTION DELETE: false when there is no such library.</summary>
    public bool Delete(string name)
    {
        lock (gate)
        {
            if (!current.Libraries.ContainsKey(name)) return false;
            var libs = new Dictionary<string, FunctionLibrary>(current.Libraries, StringComparer.Ordinal);
            libs.Remove(name);
            Publish(libs);
            return true;
        }
    }

    /// <summary>FUNCTION FLUSH, and FUNCTION RESTORE FLUSH / a loaded RDB file: the libraries become <paramref name="libraries"/>.</summary>
    public void ReplaceAll(IReadOnlyList<FunctionLibrary> libraries)
    {
        var libs = new Dictionary<string, FunctionLibrary>(StringComparer.Ordinal);
        foreach (FunctionLibrary l in libraries) libs[l.Name] = l;
        lock (gate) Publish(libs);
    }

    /// <summary>
    /// FUNCTION RESTORE APPEND|REPLACE (Redis's libraryJoin): every library of the payload or none; an existing one is
    /// an error unless <paramref name="replace"/>; a function name taken by a library that stays is always one.
    /// </summary>
    public string? Join(IReadOnlyList<FunctionLibrary> libraries, bool replace)
    {
        lock (gate)
        {
            var libs = new Dictionary<string, FunctionLibrary>(current.Libraries, StringComparer.Ordinal);
            foreach (FunctionLibrary l in libraries)
            {
                if (!libs.ContainsKey(l.Name)) continue;
                if (!replace) return "ERR Library " + l.Name + " already exists";
                libs.Remove(l.Name);
            }
            foreach (FunctionLibrary l in libraries)
                if (Collision(libs.Values, l) is { } name) return Errors.FunctionExists(name);
            foreach (FunctionLibrary l in libraries) libs[l.Name] = l;
            Publish(libs);
            return null;
        }
    }

    /// <summary>A function of <paramref name="library"/> whose name (any case) one of <paramref name="libs"/> has, or null.</summary>
    public static string? Collision(IEnumerable<FunctionLibrary> libs, FunctionLibrary library)
    {
        foreach (FunctionLibrary other in libs)
            foreach (FunctionInfo f in library.Functions)
                foreach (FunctionInfo g in other.Functions)
                    if (string.Equals(f.Name, g.Name, StringComparison.OrdinalIgnoreCase)) return f.Name;
        return null;
    }

    void Publish(Dictionary<string, FunctionLibrary> libs) =>
        Volatile.Write(ref current, new FunctionSet(current.Generation + 1, libs));
}

/// <summary>One state of the libraries: never changed once published.</summary>
public sealed class FunctionSet
{
    public static readonly FunctionSet Empty = new(0, new Dictionary<string, FunctionLibrary>(StringComparer.Ordinal));

    /// <summary>Moves at every change: a shard's Lua state built from an older set rebuilds itself.</summary>
    public readonly int Generation;
    /// <summary>By library name (case-sensitive, as Redis's librariesDictType).</summary>
    public readonly IReadOnlyDictionary<string, FunctionLibrary> Libraries;
    /// <summary>Every library's functions by name, any case (Redis's functionDictType compares without case; a library's own does not).</summary>
    public readonly IReadOnlyDictionary<string, FunctionInfo> Functions;
    /// <summary>Libraries by name, for FUNCTION LIST and DUMP (Redis's order is its dict's, which is no order).</summary>
    public readonly FunctionLibrary[] Sorted;
    public readonly int FunctionCount;

    public FunctionSet(int generation, Dictionary<string, FunctionLibrary> libraries)
    {
        Generation = generation;
        Libraries = libraries;
        var functions = new Dictionary<string, FunctionInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (FunctionLibrary l in libraries.Values)
            foreach (FunctionInfo f in l.Functions) functions[f.Name] = f; // g and G in one library: the last, as in Redis
        Functions = functions;
        lookup = functions.GetAlternateLookup<ReadOnlySpan<char>>();
        FunctionCount = functions.Count;
        Sorted = new FunctionLibrary[libraries.Count];
        int i = 0;
        foreach (FunctionLibrary l in libraries.Values) Sorted[i++] = l;
        Array.Sort(Sorted, (a, b) => string.CompareOrdinal(a.Name, b.Name));
    }

    /// <summary>A function by name, any case; the name arrives as bytes (FCALL's argument).</summary>
    public FunctionInfo? Find(ReadOnlySpan<byte> name)
    {
        // Names are [A-Za-z0-9_] (checked at registration), so bytes widen to their chars.
        if (Functions.Count == 0) return null;
        Span<char> chars = name.Length <= 128 ? stackalloc char[name.Length] : new char[name.Length];
        for (int i = 0; i < name.Length; i++) chars[i] = (char)name[i];
        return lookup.TryGetValue(chars, out FunctionInfo? f) ? f : null;
    }

    readonly Dictionary<string, FunctionInfo>.AlternateLookup<ReadOnlySpan<char>> lookup;

    /// <summary>Bytes the libraries take (INFO used_memory_functions): code, names, descriptions, and an estimate per object.</summary>
    public long Bytes()
    {
        long n = 0;
        foreach (FunctionLibrary l in Sorted)
        {
            n += l.Code.Length + l.Name.Length + 200;
            foreach (FunctionInfo f in l.Functions) n += f.Name.Length + (f.Description?.Length ?? 0) + 100;
        }
        return n;
    }
}

/// <summary>A library: its name, its whole code (shebang included, as FUNCTION LIST WITHCODE and DUMP give it back), its functions.</summary>
public sealed class FunctionLibrary
{
    public readonly string Name;
    public readonly byte[] Code;
    /// <summary>In registration order.</summary>
    public readonly FunctionInfo[] Functions;

    public FunctionLibrary(string name, byte[] code, FunctionInfo[] functions)
    {
        Name = name;
        Code = code;
        Functions = functions;
    }

    /// <summary>Functions by name, for FUNCTION LIST.</summary>
    public FunctionInfo[] SortedFunctions()
    {
        var a = (FunctionInfo[])Functions.Clone();
        Array.Sort(a, (x, y) => string.CompareOrdinal(x.Name, y.Name));
        return a;
    }
}

/// <summary>A registered function: its name as registered, its description (or null), its flags.</summary>
public sealed class FunctionInfo : ScriptReach
{
    public readonly string Name;
    /// <summary>The name as bytes: its key in each shard's function table.</summary>
    public readonly byte[] NameBytes;
    public readonly byte[]? Description;
    public readonly ScriptFlags Flags;
    public FunctionLibrary Library = null!;

    public FunctionInfo(string name, byte[]? description, ScriptFlags flags)
    {
        Name = name;
        NameBytes = Encoding.ASCII.GetBytes(name);
        Description = description;
        Flags = flags;
    }
}
