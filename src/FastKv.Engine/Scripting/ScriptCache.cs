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
    readonly ConcurrentDictionary<string, Script> bodies = new(StringComparer.Ordinal);
    int generation;

    /// <summary>Bumped by every SCRIPT FLUSH: a shard whose state predates it starts a fresh Lua state.</summary>
    public int Generation => Volatile.Read(ref generation);

    public int Count => bodies.Count;

    long bytes;

    /// <summary>Bytes the cached scripts take: bodies, names and per-entry bookkeeping (INFO used_memory_scripts_eval).</summary>
    public long Bytes => Volatile.Read(ref bytes);

    /// <summary>Per cached script besides its body: the SHA-1 text, the function key, the entry (an estimate of the objects).</summary>
    const int EntryOverhead = 200;

    /// <summary>The script of a body (its SHA-1 computed, as EVAL does each time), added when new.</summary>
    public Script Add(ReadOnlySpan<byte> body)
    {
        string sha = Sha1.Hex(body);
        if (bodies.TryGetValue(sha, out Script? known)) return known;
        var script = new Script(sha, body.ToArray());
        if (bodies.TryAdd(sha, script))
        {
            Interlocked.Add(ref bytes, body.Length + EntryOverhead);
            return script;
        }
        return bodies[sha];
    }

    /// <summary>A script by its lower-case SHA-1 text, or null.</summary>
    public Script? Find(string sha) => bodies.TryGetValue(sha, out Script? script) ? script : null;

    /// <summary>A script by SHA-1 (any case), or null.</summary>
    public Script? Find(ReadOnlySpan<byte> sha)
    {
        if (sha.Length != 40) return null;
        Span<char> lower = stackalloc char[40];
        for (int i = 0; i < 40; i++)
        {
            int ch = sha[i];
            if ((uint)(ch - 'A') <= 'Z' - 'A') ch |= 0x20;
            lower[i] = (char)ch;
        }
        return bodies.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(lower, out Script? script) ? script : null;
    }

    public void Flush()
    {
        bodies.Clear();
        Volatile.Write(ref bytes, 0);
        Interlocked.Increment(ref generation);
    }
}

/// <summary>A cached script: its SHA-1, its body, and the registry key its compiled function has in each shard's state.</summary>
public sealed class Script : ScriptReach
{
    public readonly string Sha;
    public readonly byte[] Body;
    /// <summary>"f_&lt;sha&gt;", as Redis names the function.</summary>
    public readonly byte[] FunctionKey;
    public Script(string sha, byte[] body)
    {
        Sha = sha;
        Body = body;
        FunctionKey = System.Text.Encoding.ASCII.GetBytes("f_" + sha);
    }
}

/// <summary>
/// What the server has learned about where a script (or a FUNCTION) reaches, shared by every shard: it decides whether
/// the script may run inline on its keys' shard or must hold every shard (<see cref="ScriptTx"/>).
/// </summary>
public class ScriptReach
{
    /// <summary>
    /// The script has reached a key outside its declared keys' shard (or, across shards, outside its declared keys):
    /// from then on it runs with every shard held (<see cref="ScriptTx"/>). Learned, never forgotten until SCRIPT FLUSH.
    /// </summary>
    public volatile bool Reaches;

    /// <summary>Runs with every shard held that touched only declared keys (learning, <see cref="Proven"/>).</summary>
    int cleanRuns;
    const int ProvenAfter = 16;

    /// <summary>
    /// The script has run <see cref="ProvenAfter"/> times with every shard held touching only its declared keys: from
    /// then on it runs inline on its keys' shard (or under locks on its keys). Until then, and for good once it
    /// <see cref="Reaches"/>, it runs with every shard held, so a script that builds key names never starts inline.
    /// </summary>
    public bool Proven => !Reaches && Volatile.Read(ref cleanRuns) >= ProvenAfter;

    public void NoteCleanRun()
    {
        if (Volatile.Read(ref cleanRuns) < ProvenAfter) Interlocked.Increment(ref cleanRuns);
    }

}
