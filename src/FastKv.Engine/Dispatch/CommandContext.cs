using System;
using System.Runtime.CompilerServices;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// What a command handler sees: its arguments (spans into the request buffer), the shard it runs
/// on, the database index and the reply writer. <see cref="Client"/> is set only when the command
/// runs on the connection's own shard; keyed commands must not depend on it.
/// </summary>
public unsafe ref struct CommandContext
{
    public Shard Shard;
    public RespWriter W;
    public Client? Client;
    public int DbIndex;
    public ReadOnlySpan<byte> Buffer;
    public ArgList Args;
    public CommandSpec Spec;
    /// <summary>Nonzero while running as one part of a multi-shard transaction.</summary>
    public long TxId;
    /// <summary>
    /// Set while a multi-key command runs over copies of keys gathered from several shards
    /// (<see cref="GatherTx"/>): the handler's database is then this scratch one.
    /// </summary>
    public Database? DbOverride;
    /// <summary>
    /// The handler wrote its own propagated form to <see cref="Shard.Aof"/> (Redis's rewriteClientCommandVector /
    /// alsoPropagate): the executor does not record the command as it came.
    /// </summary>
    public bool Propagated;

    public readonly int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Args.Count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ReadOnlySpan<byte> Arg(int i) => Args.Get(Buffer, i);

    public readonly Database Db
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => DbOverride ?? Shard.Dbs[DbIndex];
    }

    /// <summary>
    /// lookupKeyRead plus checkType for argument <paramref name="keyArg"/>: false after writing
    /// WRONGTYPE when the key holds another type; otherwise <paramref name="e"/> is the live entry or
    /// null when the key is missing. Counts a keyspace hit or miss.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool ReadTyped(int keyArg, byte type, out byte* e)
    {
        e = KeyLookup.Read(Shard, Db, Arg(keyArg));
        if (e == null || FastKv.Memory.KeyEntry.Type(e) == type) return true;
        W.Error(Errors.WrongType);
        return false;
    }

    /// <summary>lookupKeyWrite plus checkType: as <see cref="ReadTyped"/> without hit/miss counting.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool WriteTyped(int keyArg, byte type, out byte* e)
    {
        e = Db.Find(Arg(keyArg));
        if (e == null || FastKv.Memory.KeyEntry.Type(e) == type) return true;
        W.Error(Errors.WrongType);
        return false;
    }

    public readonly long NowMs => Shard.NowMs;

    /// <summary>
    /// Running inside EXEC (Redis's server.in_exec): a part of a multi-shard transaction, or the client's queued
    /// commands run by EXEC (inline ones while the transaction is still queued, forwarded ones while it executes).
    /// </summary>
    public readonly bool InExec => TxId != 0 || Client?.Multi is { Executing: true } or { Queuing: true };

    /// <summary>ASCII case-insensitive comparison of argument i with a lowercase literal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool ArgIs(int i, ReadOnlySpan<byte> lower) => Ascii.EqualsIgnoreCase(Arg(i), lower);

    public readonly string ArgString(int i) => System.Text.Encoding.UTF8.GetString(Arg(i));

    public readonly void Error(string message) => W.Error(message);

    /// <summary>Parses argument i as a Redis integer; writes the standard error and returns false if it is not one.</summary>
    public readonly bool TryInt(int i, out long value)
    {
        if (RespNumber.TryParseInt64(Arg(i), out value)) return true;
        W.Error(Errors.NotInteger);
        return false;
    }

    /// <summary>
    /// Redis's signalModifiedKey + notifyKeyspaceEvent for the key in argument <paramref name="keyArg"/>: call
    /// where Redis calls them, with its class (<see cref="NotifyClass"/>) and event name ("set", "hset", ...).
    /// One test when nobody watches and notifications are off.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Modified(int keyArg, int cls, ReadOnlySpan<byte> evt)
    {
        if (Shard.Events.Active) Shard.Events.Modified(DbIndex, Arg(keyArg), cls, evt);
    }

    /// <summary><see cref="Modified(int, int, ReadOnlySpan{byte})"/> for a key that is not an argument.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Modified(ReadOnlySpan<byte> key, int cls, ReadOnlySpan<byte> evt)
    {
        if (Shard.Events.Active) Shard.Events.Modified(DbIndex, key, cls, evt);
    }

    /// <summary>
    /// Redis's signalKeyAsReady for the stream in argument <paramref name="keyArg"/> (XADD added an entry, XGROUP DESTROY
    /// removed a group): its XREADGROUP waiters run again after the command. Other writes to a stream leave them waiting.
    /// Over gathered copies it is noted, and the write-back signals the stream on its own shard.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void StreamReady(int keyArg)
    {
        if (DbOverride != null) Shard.Blocking.NoteScratchStream(Arg(keyArg));
        else if (Shard.Blocking.WatchedKeys != 0) Shard.Blocking.SignalStream(DbIndex, Arg(keyArg));
    }

    /// <summary>
    /// Adds <paramref name="changes"/> to the shard's part of Redis's server.dirty: call where Redis's command adds
    /// to it, with the same amount (<see cref="ShardStats.Dirty"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Dirty(long changes = 1) => Shard.Stats.Dirty += changes;

    public readonly void WrongArgs() => W.Error(Errors.WrongArgs(Spec.FullName));
}

public static class Ascii
{
    /// <summary>Compares with a lowercase ASCII literal, ignoring the case of <paramref name="s"/>.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (s.Length != lower.Length) return false;
        for (int i = 0; i < s.Length; i++)
        {
            int c = s[i];
            if ((uint)(c - 'A') <= 'Z' - 'A') c |= 0x20;
            if (c != lower[i]) return false;
        }
        return true;
    }

    public static string Lower(ReadOnlySpan<byte> s)
    {
        Span<char> chars = s.Length <= 256 ? stackalloc char[s.Length] : new char[s.Length];
        for (int i = 0; i < s.Length; i++)
        {
            int c = s[i];
            if ((uint)(c - 'A') <= 'Z' - 'A') c |= 0x20;
            chars[i] = (char)c;
        }
        return new string(chars);
    }
}
