using System;
using System.Collections.Generic;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// Equality of channel names held as byte arrays, with a span form so a publisher looks a channel up
/// straight from its argument bytes (<c>GetAlternateLookup&lt;ReadOnlySpan&lt;byte&gt;&gt;</c>) without
/// copying them into an array first.
/// </summary>
public sealed class ChannelComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly ChannelComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x == y || x != null && y != null && x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => Hash(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    static int Hash(ReadOnlySpan<byte> s) => (int)KeyHash.Hash(s);
}
