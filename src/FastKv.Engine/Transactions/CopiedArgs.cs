using System;
using System.Collections.Generic;
using FastKv.Engine.Commands;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>Arguments copied out of the connection's buffer, with helpers to build sub-commands.</summary>
public sealed class CopiedArgs
{
    public readonly byte[][] Items;
    public CopiedArgs(ReadOnlySpan<byte> buf, ArgList args)
    {
        Items = new byte[args.Count][];
        for (int i = 0; i < args.Count; i++) Items[i] = args.Get(buf, i).ToArray();
    }
    public int Count => Items.Length;
    public byte[] this[int i] => Items[i];
}

/// <summary>Builds one RESP command into a <see cref="RemoteRequest"/>.</summary>
public static class SubCommand
{
    public static void Add(RemoteRequest r, params byte[][] items)
    {
        RespEncode.Command(r.Request, items);
        r.Commands++;
    }

    public static void Add(RemoteRequest r, List<byte[]> items) => Add(r, items.ToArray());

    public static byte[] Text(string s) => System.Text.Encoding.ASCII.GetBytes(s);
}
