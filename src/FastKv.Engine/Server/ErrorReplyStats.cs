using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// Error replies of the whole server, as Redis's afterErrorReply counts them: total_error_replies (INFO stats) and one
/// count per error code, the message's first word when a space comes within its first 31 bytes, else ERR (INFO
/// errorstats). Every shard counts into this one object (errors are off the hot path); a code is allocated once,
/// when first seen, and looked up by its characters after that.
/// </summary>
public sealed class ErrorReplyStats : IErrorReplies
{
    long total;
    readonly ConcurrentDictionary<string, StrongBox<long>> byCode = new(StringComparer.Ordinal);

    public long Total => Volatile.Read(ref total);

    public void Count(ReadOnlySpan<byte> message)
    {
        Interlocked.Increment(ref total);
        // Redis searches "-<message>" for a space within its first 32 bytes.
        int space = message.Slice(0, Math.Min(message.Length, 31)).IndexOf((byte)' ');
        ReadOnlySpan<byte> code = space >= 0 ? message.Slice(0, space) : "ERR"u8;
        Span<char> chars = stackalloc char[31];
        for (int i = 0; i < code.Length; i++) chars[i] = (char)code[i];
        ReadOnlySpan<char> key = chars.Slice(0, code.Length);
        var lookup = byCode.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(key, out StrongBox<long>? box))
            box = byCode.GetOrAdd(new string(key), _ => new StrongBox<long>());
        Interlocked.Increment(ref box.Value);
    }

    /// <summary>CONFIG RESETSTAT: Redis's resetErrorTableStats and stat_total_error_replies.</summary>
    public void Reset()
    {
        byCode.Clear();
        Volatile.Write(ref total, 0);
    }

    /// <summary>The codes seen, in byte order as Redis's rax iterates them, with their counts.</summary>
    public List<(string Code, long Count)> Sorted()
    {
        var list = new List<(string, long)>();
        foreach (var kv in byCode) list.Add((kv.Key, Volatile.Read(ref kv.Value.Value)));
        list.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return list;
    }
}
