using System;
using System.Collections.Concurrent;
using System.Threading;

namespace FastKv.Engine.Scripting;

/// <summary>
/// The server's scripts by SHA-1 (EVAL adds, SCRIPT LOAD adds, EVALSHA finds, SCRIPT FLUSH empties), shared by every
/// shard: a script loaded through one connection runs on whichever shard owns its keys. Each shard compiles a body
/// into its own Lua state the first time it runs it there; <see cref="Generation"/> tells the shards a flush happened.
/// </summary>
public sealed class ScriptCache
{
    readonly ConcurrentDictionary<string, byte[]> bodies = new(StringComparer.Ordinal);
    int generation;

    /// <summary>Bumped by every SCRIPT FLUSH: a shard whose state predates it starts a fresh Lua state.</summary>
    public int Generation => Volatile.Read(ref generation);

    public int Count => bodies.Count;

    /// <summary>Adds a body under its SHA-1 (lowercase hex) and returns the SHA-1.</summary>
    public string Add(ReadOnlySpan<byte> body)
    {
        string sha = Sha1.Hex(body);
        bodies.TryAdd(sha, body.ToArray());
        return sha;
    }

    /// <summary>The body of a script by SHA-1 (any case), or null.</summary>
    public byte[]? Find(ReadOnlySpan<byte> sha)
    {
        if (sha.Length != 40) return null;
        Span<char> lower = stackalloc char[40];
        for (int i = 0; i < 40; i++)
        {
            int ch = sha[i];
            if ((uint)(ch - 'A') <= 'Z' - 'A') ch |= 0x20;
            lower[i] = (char)ch;
        }
        return bodies.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(lower, out byte[]? body) ? body : null;
    }

    public void Flush()
    {
        bodies.Clear();
        Interlocked.Increment(ref generation);
    }
}
