using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// The reply of a blocked XREAD or XREADGROUP whose keys live on several shards, put together from the shards' parts.
/// Each part is an XREAD-shaped reply over its own shard's keys (RESP2: an array of [key, entries] pairs; RESP3: a map
/// key → entries), and every stream in it stands for one argument of the command, one occurrence of its key: a key named
/// twice (<c>STREAMS a b a</c>) may answer twice. The merged reply lists the streams in the order of the arguments they
/// stand for, as Redis's run of the whole command writes them.
/// </summary>
internal sealed class StreamReplyParts(byte[][] keys, int protocol)
{
    readonly List<(int Index, byte[] Part, int Start, int Length)> streams = new();

    /// <summary>
    /// Adds a part whose streams stand for the arguments <paramref name="indices"/>, in order (XREAD knows which
    /// occurrences it served: each has its own ID).
    /// </summary>
    public void Add(byte[] part, List<int> indices)
    {
        int pos = ReplyFrames.Elements(part, out long count);
        for (int i = 0; i < count; i++) pos = AddStream(part, pos, indices[i]);
    }

    /// <summary>
    /// Adds an XREADGROUP part: each stream stands for the first occurrence of its key not taken yet by an earlier one.
    /// Exact for "&gt;", the only ID a waiting XREADGROUP has: an occurrence answers only when the one before it of the
    /// same key did (it reads after what that one delivered), so the occurrences that answer come first.
    /// </summary>
    public void AddInOrder(byte[] part)
    {
        var taken = new bool[keys.Length];
        int pos = ReplyFrames.Elements(part, out long count);
        for (long i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> key = KeyOf(part, protocol == 3 ? pos : pos + ReplyFrames.Elements(part.AsSpan(pos), out _));
            int index = keys.Length;
            for (int j = 0; j < keys.Length; j++)
            {
                if (taken[j] || !key.SequenceEqual(keys[j])) continue;
                index = j;
                taken[j] = true;
                break;
            }
            pos = AddStream(part, pos, index);
        }
    }

    int AddStream(byte[] part, int pos, int index)
    {
        int start = pos;
        ReplyFrames.Skip(part, ref pos);
        if (protocol == 3) ReplyFrames.Skip(part, ref pos);
        streams.Add((index, part, start, pos - start));
        return pos;
    }

    /// <summary>Whether any part named a stream.</summary>
    public bool Any => streams.Count > 0;

    /// <summary>Writes the streams of every part in argument order (one header, then each [key, entries] as written).</summary>
    public void Write(RespWriter reply)
    {
        // Insertion sort: stable, and a handful of streams.
        for (int i = 1; i < streams.Count; i++)
            for (int j = i; j > 0 && streams[j - 1].Index > streams[j].Index; j--)
                (streams[j - 1], streams[j]) = (streams[j], streams[j - 1]);
        if (protocol == 3) reply.MapHeader(streams.Count);
        else reply.ArrayHeader(streams.Count);
        foreach (var s in streams) reply.Raw(s.Part.AsSpan(s.Start, s.Length));
    }

    /// <summary>The bytes of the bulk string at <paramref name="pos"/> (a key, written by this server: "$n\r\nkey\r\n").</summary>
    static ReadOnlySpan<byte> KeyOf(byte[] p, int pos)
    {
        int header = Array.IndexOf(p, (byte)'\r', pos);
        RespNumber.TryParseInt64(p.AsSpan(pos + 1, header - pos - 1), out long n);
        return p.AsSpan(header + 2, (int)n);
    }
}
